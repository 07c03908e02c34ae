"""The `ody` group and the console entry point.

Each command lives in its own module of this package and is imported only when it runs (or
when --help lists it): `ody lint` must not pay for the others' imports. The group is where a
failure ends: an `OdyError` from any command is printed once (`exits.say`) and becomes its
exit code.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import sys
from importlib import import_module
from typing import Any, NoReturn, cast

import click

from ..errors import EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, Interrupted, OdyError
from . import exits

#: command name -> the module of this package that defines it (as `command`, or in `COMMANDS`)
COMMANDS: dict[str, str] = {
    "lint": "lint", "compile": "compile", "check": "check", "schema": "schema", "fmt": "fmt",
    "decompile": "decompile", "run": "run", "config": "config", "emulator": "emulator", "lsp": "lsp",
    "explain": "explain", "stats": "stats", "export": "export", "preview": "preview", "review": "review",
    **{name: "jobs" for name in ("jobs", "status", "wait", "cancel", "download", "adopt")},
}


class _Commands(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module = import_module(f"{__package__}.{COMMANDS[name]}")
        commands = getattr(module, "COMMANDS", None)  # a module of several commands
        return cast(click.Command, commands[name] if commands else module.command)

    def resolve_command(self, ctx: click.Context, args: list[str]) -> tuple[str | None, click.Command | None,
                                                                           list[str]]:
        name, command, rest = super().resolve_command(ctx, args)
        if command is not None:
            exits.enter(command.name or str(name))
        return name, command, rest

    def invoke(self, ctx: click.Context) -> Any:
        exits.enter(None)  # until the command is resolved
        try:
            return super().invoke(ctx)
        except OdyError as error:
            exits.say(error.message, error.hint)
            sys.exit(error.exit_code)
        except (KeyboardInterrupt, Interrupted):
            _interrupted()


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="odyssey-dsl", prog_name="ody")
def main() -> None:
    """Write Odyssey Simulate scripts as .ody screenplays: check, compile, run them and fetch the videos."""


def run() -> None:
    """Console entry point: never a traceback, whatever happens. Standard output that cannot
    be written (closed, `>&-`; full, `> /dev/full`) is said in one line, exit 2, for every
    command: stdout is flushed before the exit, so that a write the buffer held fails here too."""
    if sys.stdout is None:  # no descriptor 1: Python gives None, which click.echo silently skips
        sys.stdout = io.TextIOWrapper(_Closed(), encoding="utf-8", write_through=True)
    try:
        try:
            main(standalone_mode=True)
        except SystemExit:
            if not sys.stdout.closed:  # `ody lsp` closes it as it ends
                sys.stdout.flush()
            raise
    except KeyboardInterrupt:
        _interrupted()
    except BrokenPipeError:
        sys.stderr.close()
        sys.exit(EXIT_OK)
    except OSError as error:  # a command's own files are said by it: this is stdout, or a file it missed
        sys.stdout = None  # nothing more to write, nor to fail at exit's flush
        with contextlib.suppress(OSError):  # stderr full too: nothing can be said
            exits.say(f"{error.filename}: {error.strerror or error}" if error.filename is not None
                      else f"cannot write stdout: {error.strerror or error}")
        sys.exit(EXIT_USAGE)
    except Exception as error:
        exits.say(f"internal error, please report it: {type(error).__name__}: {error}")
        sys.exit(EXIT_USAGE)


def _interrupted() -> NoReturn:
    """Say `interrupted` and exit 130. First a string is evaluated: CPython marks a
    KeyboardInterrupt that ends any string `exec`/`eval` (a dataclass or namedtuple being made
    while an import runs, as Ctrl-C or SIGTERM arrives) as unhandled even once caught, and under
    `python -m` then ends the process by SIGINT instead of this exit code; each string
    evaluation clears that mark first."""
    eval("None")  # a constant: only to clear the mark
    exits.say("interrupted")
    sys.exit(EXIT_INTERRUPTED)


class _Closed(io.BufferedIOBase):
    """Standard output when there is none: each write fails as writing a closed descriptor does."""

    def writable(self) -> bool:
        return True

    def write(self, data: object) -> int:
        raise OSError(errno.EBADF, os.strerror(errno.EBADF))
