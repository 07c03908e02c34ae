"""What can end a runner command, each with its documented exit code.

Across several screenplays the most serious outcome wins, in the order of `SERIOUSNESS`.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_COMPILE = 1
EXIT_USAGE = 2  # usage or I/O, a missing key included
EXIT_JOB = 3  # a job failed, was cancelled or partly failed
EXIT_API = 4  # API unreachable, authentication or an account limit
EXIT_TIMEOUT = 5
EXIT_INTERRUPTED = 130

SERIOUSNESS = (EXIT_INTERRUPTED, EXIT_USAGE, EXIT_API, EXIT_COMPILE, EXIT_TIMEOUT, EXIT_JOB, EXIT_OK)


def worst(codes: list[int]) -> int:
    """The exit code of a run of several screenplays: the most serious of theirs."""
    return min(codes, key=SERIOUSNESS.index, default=EXIT_OK)


class RunnerError(Exception):
    """A problem the user must see in one message (no traceback), with its exit code."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(RunnerError):
    exit_code = EXIT_USAGE


class ApiFailure(RunnerError):
    """The API could not be reached, refused us, or said we must act (limits, access)."""

    exit_code = EXIT_API
