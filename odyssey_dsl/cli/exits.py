"""The one way for a command to fail, and the one prefix of its messages.

Every line a command writes on stderr about itself starts with `ody <command>: ` (`ody lint: `,
`ody run: `); a command fails by raising an `OdyError` (here: `fail`), which the `ody` group
prints once, with its hint, and turns into the error's exit code (the table is in
`odyssey_dsl.errors`). Ctrl-C is exit 130; anything else is an internal error, exit 2, in one
line.
"""

from __future__ import annotations

from typing import NoReturn

import click

from ..errors import EXIT_USAGE, CommandError

_command: list[str] = []  # the command being run, set by the `ody` group once it is known


def enter(name: str | None) -> None:
    """Messages from now on are about command `name` (None: about `ody` itself)."""
    _command[:] = [name] if name else []


def prefix() -> str:
    """`ody lint: `, or `ody: ` before a command is known."""
    return f"ody {_command[0]}: " if _command else "ody: "


def say(message: str, hint: str | None = None) -> None:
    """One message on stderr, with the command's prefix (and a hint on the next line); control
    characters escaped, whatever the message quotes (an `OdyError`'s already are)."""
    from ..diagnostics import printable

    click.echo(prefix() + printable(message) + (f"\n  hint: {printable(hint)}" if hint else ""), err=True)


def warn(message: str) -> None:
    say(f"warning: {message}")


def fail(message: str, hint: str | None = None, code: int = EXIT_USAGE) -> NoReturn:
    """End the command: `message` on stderr, exit `code` (usage or I/O unless said)."""
    raise CommandError(message, hint, code)
