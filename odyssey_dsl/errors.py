"""Everything that can end an `ody` command, and the exit code each one means.

One tree, one message each: the `ody` group (cli/app.py) catches `OdyError`, prints its
`message` (and `hint`) after the command's prefix (`ody run: `, `ody lint: `) and exits with its
`exit_code`; no traceback reaches the user. Each class lives beside the code that raises it
(in parentheses) and derives from one drawn here.

    OdyError                      what the user must see in one message         [exit 2]
    ├── SourceError               an input cannot be read (compiler)            [2]
    ├── ConfigError               a project or user configuration is wrong (config)  [2]
    ├── CommandError              a command refuses its arguments (cli)         [any]
    └── RunnerError               what ends a runner command                    [2]
        ├── UsageError            a missing key, a job of another key, ...      [2]
        ├── ApiFailure            the API unreachable, refusing, or at a limit  [4]
        │   ├── UnexpectedAnswer  an answer that does not fit the API's shapes  [4]
        │   └── ApiRefusal        the server answered and said no (runner.client)
        │       └── ConcurrentLimit  429 CONCURRENT_LIMIT_REACHED: worth waiting for
        ├── Ambiguous             a submit that may or may not have made a job (runner.client)
        ├── TimedOut              the --timeout passed, the job keeps running (runner.poll)  [5]
        ├── DownloadError         a recording could not be fetched (runner.download)
        └── FrameError            a recording's last frame cannot be read (runner.frames)  [4]

Outside the tree, on purpose:
- `Interrupted` (below) is Ctrl-C between two tries, not a failure: a run catches it to say
  what keeps running, and the command exits 130.
- `api.ShapeError` is the API package's word for a misfit JSON value; the runner's client
  turns it into `UnexpectedAnswer` at the boundary, so nothing past the client sees it.
- `emulator.errors.ApiError` is an HTTP answer the emulator sends to its clients (a 404, a
  429), a different concept: it never ends an `ody` command.

## Exit codes

Declared once, here. A code may mean different things for different commands, as each
command's help says:

    0    EXIT_OK           success (warnings allowed)
    1    EXIT_FAIL         lint, check, compile, run: diagnostics that fail (errors, or warnings
                           with --strict); fmt --check/--diff: a file would be reformatted;
                           decompile: the input is not a script
    2    EXIT_USAGE        usage or I/O: an input that cannot be read, a missing key (beats 1)
    3    EXIT_JOB          run, wait, download: a job failed, was cancelled or partly failed
    3    EXIT_SYNTAX       fmt: a file has syntax errors and was left as it was
    4    EXIT_API          the API unreachable, authentication, an account limit, an answer
                           that does not fit the API's shapes
    5    EXIT_TIMEOUT      the --timeout passed (the job keeps running)
    130  EXIT_INTERRUPTED  Ctrl-C
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAIL = 1
EXIT_USAGE = 2
EXIT_JOB = 3
EXIT_SYNTAX = 3  # fmt's 3: the same number as EXIT_JOB, for another command
EXIT_API = 4
EXIT_TIMEOUT = 5
EXIT_INTERRUPTED = 130


class OdyError(Exception):
    """A problem the user must see in one message (no traceback), with its exit code.

    Control characters in the message and hint are escaped (`\\x1b`): a file name or a
    value from a config file must never put a terminal escape on the user's screen."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, hint: str | None = None) -> None:
        from .diagnostics import printable  # file names and values come from anywhere

        message = printable(message)
        super().__init__(message)
        self.message = message
        self.hint = None if hint is None else printable(hint)


class CommandError(OdyError):
    """A command refusing what it was asked, with the code its help documents."""

    def __init__(self, message: str, hint: str | None = None, exit_code: int = EXIT_USAGE) -> None:
        super().__init__(message, hint)
        self.exit_code = exit_code


class RunnerError(OdyError):
    """What ends `ody run` or a job command."""


class UsageError(RunnerError):
    exit_code = EXIT_USAGE


class ApiFailure(RunnerError):
    """The API could not be reached, refused us, or said we must act (limits, access)."""

    exit_code = EXIT_API


class UnexpectedAnswer(ApiFailure):
    """An answer that does not fit the shape the API documents: `where` names the field."""

    def __init__(self, message: str, where: str) -> None:
        super().__init__(message, "check the API URL: it may not be the Odyssey Simulate API")
        self.where = where


class Interrupted(Exception):
    """The user pressed Ctrl-C while we were waiting between tries (outside the tree: see above)."""
