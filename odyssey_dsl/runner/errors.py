"""The runner's exit codes and errors: the classes and codes are declared once in
`odyssey_dsl.errors` (the whole tree is drawn there); what is the runner's own is how the
outcomes of several screenplays combine.

Across several screenplays the most serious outcome wins, in the order of `SERIOUSNESS`.
"""

from __future__ import annotations

from ..errors import (
    EXIT_API,
    EXIT_FAIL,
    EXIT_INTERRUPTED,
    EXIT_JOB,
    EXIT_OK,
    EXIT_TIMEOUT,
    EXIT_USAGE,
    ApiFailure,
    RunnerError,
    UnexpectedAnswer,
    UsageError,
)

EXIT_COMPILE = EXIT_FAIL  # `ody run`'s 1: a screenplay has errors

SERIOUSNESS = (EXIT_INTERRUPTED, EXIT_USAGE, EXIT_API, EXIT_COMPILE, EXIT_TIMEOUT, EXIT_JOB, EXIT_OK)

__all__ = [
    "EXIT_API", "EXIT_COMPILE", "EXIT_INTERRUPTED", "EXIT_JOB", "EXIT_OK", "EXIT_TIMEOUT", "EXIT_USAGE",
    "SERIOUSNESS", "ApiFailure", "RunnerError", "UnexpectedAnswer", "UsageError", "worst",
]


def worst(codes: list[int]) -> int:
    """The exit code of a run of several screenplays: the most serious of theirs."""
    return min(codes, key=SERIOUSNESS.index, default=EXIT_OK)
