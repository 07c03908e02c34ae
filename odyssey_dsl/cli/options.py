"""The options several commands share: the checking flags (with --format and --color), the file
arguments and their shell completion, the API flags, durations."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ..report import COLOURS, FORMATS

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem

F = TypeVar("F", bound=Callable[..., Any])


_COLOUR = "ody.colour"  # where --color leaves its choice, in the context every command shares


def report_format(help: str = "How to print diagnostics.") -> Callable[[F], F]:
    """`--format`, and `--color` for the human format. The colour choice is kept in the click
    context (`colour_choice`) rather than passed to each command: the writer of the report
    reads it, and no command has anything else to do with it."""

    def decorate(fn: F) -> F:
        fn = colour_option("Colour the human format")(fn)
        return click.option("--format", "fmt", type=click.Choice(FORMATS), default="human", show_default=True,
                            help=help)(fn)

    return decorate


def colour_option(what: str) -> Callable[[F], F]:
    """`--color auto|always|never`, its choice read back with `colour_choice`."""

    def remember(ctx: click.Context, _param: click.Parameter, value: str) -> None:
        ctx.meta[_COLOUR] = value

    return click.option("--color", type=click.Choice(COLOURS), default="auto", show_default=True,
                        expose_value=False, callback=remember,
                        help=f"{what}: auto is a terminal's choice (NO_COLOR turns it off; FORCE_COLOR, CLICOLOR_FORCE on).")


def colour_choice() -> str:
    """What --color said for the command being run (`auto` outside one, or without it)."""
    ctx = click.get_current_context(silent=True)
    return str(ctx.meta.get(_COLOUR, "auto")) if ctx is not None else "auto"


def _codes(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[str, ...]:
    """`--ignore ODY201,short-gap`: each a code like ODY201 or a rule's name, or it is a usage error."""
    from ..config import as_code

    codes = tuple(as_code(c.strip()) for group in value for c in group.split(",") if c.strip())
    wrong = [c for c in codes if not re.fullmatch(r"ODY\d{3}", c)]
    if wrong:
        raise click.BadParameter(f"{wrong[0]!r} is neither a diagnostic code like ODY201 nor a rule's name like short-gap")
    return codes


def files_argument(*patterns: str, one: bool = False) -> Callable[[F], F]:
    """The FILES argument of a command that takes files and folders (`one`: the FILE of a
    command that takes one file), completed by the shell (click's completion, documented in
    docs/output-formats.md) with folders and the files matching `patterns` (default `*.ody`)
    in any case, as `ody lint DIR` picks them."""
    wanted = patterns or ("*.ody",)

    def complete(_ctx: click.Context, _param: click.Parameter, incomplete: str) -> list[CompletionItem]:
        return complete_paths(incomplete, wanted)

    if one:
        return click.argument("file", shell_complete=complete)
    return click.argument("files", nargs=-1, required=True, shell_complete=complete)


def complete_paths(incomplete: str, patterns: tuple[str, ...]) -> list[CompletionItem]:
    """Completions of `incomplete`: its folder's subfolders (ending in `/`) and files matching
    one of `patterns`, hidden ones only when asked for with a leading dot. When the only one is a
    folder, what is in it instead: bash and zsh put a space after a lone completion, which
    would end the path at the folder."""
    from click.shell_completion import CompletionItem

    found = _matches(incomplete, patterns)
    for _ in range(32):  # a lone folder in a lone folder ...: bounded, for links that loop
        if len(found) != 1 or not found[0].endswith("/"):
            break
        inside = _matches(found[0], patterns)
        if not inside:
            break
        found = inside
    return [CompletionItem(path) for path in found]


def _matches(incomplete: str, patterns: tuple[str, ...]) -> list[str]:
    import os
    from fnmatch import fnmatchcase

    from .._support.listing import entries

    folder, slash, start = incomplete.rpartition("/")
    prefix = folder + slash

    def wanted(name: str) -> bool:
        return any(fnmatchcase(name.lower(), pattern.lower()) for pattern in patterns)

    return [prefix + name + ("/" if is_dir else "")
            for name, is_dir in entries(os.path.expanduser(prefix or "."), start, wanted)]


def checking_options(fn: F) -> F:
    """The options every checking command shares, with the project configuration."""
    options = [
        report_format(),
        click.option("--ignore", "ignore", multiple=True, metavar="CODE[,CODE]", callback=_codes,
                     help="Silence these warnings for this run, by code or name (repeatable)."),
        click.option("--strict/--no-strict", default=None,
                     help="Warnings fail too (exit 1); --no-strict overrides the project setting."),
        click.option("--config", "config", type=click.Path(dir_okay=False, path_type=Path),
                     help="Use this ody.toml / pyproject.toml instead of searching upwards."),
        click.option("--max-bytes", type=click.IntRange(min=1), default=None,
                     help="Refuse inputs larger than this (default 64 MiB)."),
        click.option("--stdin-filename", default=None, metavar="PATH",
                     help="Name of the input read from `-`: for messages, image paths and config."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def api_options(fn: F) -> F:
    fn = click.option("--api-url", default=None, metavar="URL",
                      help="The API's base URL (else $ODYSSEY_API_URL, the config file, https://api.odyssey.ml).")(fn)
    return click.option("--emulator", is_flag=True,
                        help="Run against the local emulator (started in the background; no account needed).")(fn)


def duration(_ctx: click.Context, _param: click.Parameter, value: str) -> float:
    """Seconds from a time in the language's syntax (`90s`, `30m`, `1h`, `1:30:00`)."""
    from ..times import TimeError, parse_time

    parsed = parse_time(value.strip())
    if isinstance(parsed, TimeError) or parsed[0] or parsed[1] <= 0:
        why = parsed.message if isinstance(parsed, TimeError) else "it must be a positive duration"
        raise click.BadParameter(f"{value!r}: {why} (e.g. 90s, 30m, 1h)")
    return parsed[1] / 1000


class OutputPath(click.Path):
    """An output file's path, where `-` (exactly: `./-` is a file) is stdout, None, as
    everywhere else on the command line (it wrote a file named `-`)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        return None if value == "-" else super().convert(value, param, ctx)


def one_shot() -> None:
    """For commands that build many small objects and exit: garbage collection only costs."""
    import gc

    gc.disable()
