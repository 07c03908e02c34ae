"""The `ody` command line: compile, lint, check, schema.

Exit codes (all commands): 0 success (warnings allowed), 1 diagnostics that fail (errors, or
warnings with --strict), 2 usage or I/O problems. When one input cannot be read and another
has errors, 2 wins and the others are still processed. Heavy modules are imported inside the
commands that use them: editors run `ody lint` on every save.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any, TypeVar

import click

from . import render
from .compiler import SourceError, compile_text, read_source, too_large
from .config import ConfigError, Settings, load_settings, merge, read_settings
from .files import write_atomic

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2
STDIN = "-"

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class Input:
    """One thing to read: a path, or stdin under a display name."""

    name: str
    path: Path | None  # None for stdin


class Outcome:
    """Collects what a run found, to pick the exit code (2 beats 1 beats 0)."""

    def __init__(self) -> None:
        self.io_error = False
        self.failed = False
        self.reports: list[render.Report] = []

    def add(self, report: render.Report, strict: bool) -> None:
        self.reports.append(report)
        if any(d.is_error or strict for d in report.diagnostics):
            self.failed = True

    @property
    def code(self) -> int:
        return EXIT_USAGE if self.io_error else EXIT_FAIL if self.failed else EXIT_OK


def _codes(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[str, ...]:
    """`--ignore ODY201,ODY202`: each a code like ODY201, or it is a usage error."""
    import re

    codes = tuple(c.strip().upper() for group in value for c in group.split(",") if c.strip())
    wrong = [c for c in codes if not re.fullmatch(r"ODY\d{3}", c)]
    if wrong:
        raise click.BadParameter(f"{wrong[0]!r} is not a diagnostic code like ODY201")
    return codes


def _common(fn: F) -> F:
    """The options every checking command shares, with the project configuration."""
    options = [
        click.option("--format", "fmt", type=click.Choice(render.FORMATS), default="human", show_default=True,
                     help="How to print diagnostics."),
        click.option("--ignore", "ignore", multiple=True, metavar="CODE[,CODE]", callback=_codes,
                     help="Silence these warning codes for this run (repeatable)."),
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


class _Commands(click.Group):
    """The `ody` group. Commands that live in `odyssey_dsl.commands` are imported only when
    they run (or when --help lists them): `ody lint` must not pay for the others' imports."""

    LAZY: dict[str, str] = {  # command name -> module in odyssey_dsl.commands
        "decompile": "decompile",
        "emulator": "emulator",
        "fmt": "fmt",
        "lsp": "lsp",
        "run": "run",
        "config": "config",
        **{name: "jobs" for name in ("jobs", "status", "wait", "cancel", "download", "adopt")},
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.LAZY])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.LAZY:
            from importlib import import_module

            module = import_module(f"odyssey_dsl.commands.{self.LAZY[name]}")
            commands = getattr(module, "COMMANDS", None)  # a module of several commands
            return commands[name] if commands else module.command  # type: ignore[no-any-return]
        return super().get_command(ctx, name)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="odyssey-dsl", prog_name="ody")
def main() -> None:
    """Write Odyssey Simulate scripts as .ody screenplays: check, compile, run them and fetch the videos."""


def _one_shot() -> None:
    """For commands that build many small objects and exit: garbage collection only costs."""
    gc.disable()


@main.command()
@click.argument("files", nargs=-1, required=True)
@_common
def lint(files: tuple[str, ...], fmt: str, ignore: tuple[str, ...], strict: bool | None,
         config: Path | None, max_bytes: int | None, stdin_filename: str | None) -> None:
    """Report every problem in FILES (folders: every *.ody below; `-` reads stdin)."""
    _one_shot()
    outcome = Outcome()
    for item, settings, data in inputs(files, Flags(ignore, strict, config, max_bytes), stdin_filename, outcome):
        result = compile_text(data, path=item.path or _stdin_path(stdin_filename),
                              settings=settings, embed_images=False)
        outcome.add(render.Report(item.name, result.source, list(result.diagnostics)), settings.strict)
    print_reports(outcome, fmt, sys.stdout)
    sys.exit(outcome.code)


@main.command(name="compile")
@click.argument("file")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write here (atomically, only when there is no error) instead of stdout.")
@click.option("--request", is_flag=True, help="Write the whole request body, not just the script.")
@click.option("--no-embed-images", is_flag=True, help="Keep image paths as written instead of data URLs.")
@_common
def compile_command(file: str, output: Path | None, request: bool, no_embed_images: bool, fmt: str,
                    ignore: tuple[str, ...], strict: bool | None, config: Path | None,
                    max_bytes: int | None, stdin_filename: str | None) -> None:
    """Compile FILE (`-` for stdin) to the script JSON the API takes."""
    _one_shot()
    outcome = Outcome()
    readable = list(inputs((file,), Flags(ignore, strict, config, max_bytes), stdin_filename, outcome, expand=False))
    if not readable:
        sys.exit(outcome.code)
    ((item, settings, data),) = readable
    result = compile_text(data, path=item.path or _stdin_path(stdin_filename),
                          settings=settings, embed_images=not no_embed_images)
    outcome.add(render.Report(item.name, result.source, list(result.diagnostics)), settings.strict)
    print_reports(outcome, fmt, sys.stderr)
    if outcome.failed:
        sys.exit(EXIT_FAIL)
    text = result.request_json() if request else result.script_json()
    if output is None:
        sys.stdout.buffer.write(text.encode("utf-8"))
        sys.stdout.flush()
    else:
        try:
            write_atomic(output, text)
        except OSError as error:
            fail_io(SourceError(f"{output}: cannot write it ({error.strerror or error})"), outcome)
            sys.exit(EXIT_USAGE)
    sys.exit(EXIT_OK)


@main.command()
@click.argument("files", nargs=-1, required=True)
@_common
def check(files: tuple[str, ...], fmt: str, ignore: tuple[str, ...], strict: bool | None,
          config: Path | None, max_bytes: int | None, stdin_filename: str | None) -> None:
    """Check hand-written script JSON (a script, a batch or a request body) with the same rules."""
    _one_shot()
    from .jsoncheck import check_json

    outcome = Outcome()
    flags = Flags(ignore, strict, config, max_bytes)
    for item, settings, data in inputs(files, flags, stdin_filename, outcome, pattern="*.json"):
        path = item.path or _stdin_path(stdin_filename)
        result = check_json(data, base_dir=path.parent if path else Path.cwd(), ignore=settings.ignore)
        outcome.add(render.Report(item.name, result.text, list(result.diagnostics)), settings.strict)
    print_reports(outcome, fmt, sys.stdout)
    sys.exit(outcome.code)


@main.command()
def schema() -> None:
    """Print the JSON Schema of what `ody compile` writes (script, batch or request body)."""
    from .emit import schema_text

    sys.stdout.write(schema_text())


# --- helpers -----------------------------------------------------------------------------------

@dataclass
class Flags:
    ignore: tuple[str, ...]
    strict: bool | None
    config: Path | None
    max_bytes: int | None
    refused: set[str] = field(default_factory=set)

    def settings_for(self, item: Input, stdin_name: str | None) -> Settings:
        """The project settings for this input (stdin: where --stdin-filename says it lives),
        with the command-line flags on top."""
        if self.config is not None:
            base = read_settings(self.config)
        else:
            where = item.path or (Path(stdin_name) if stdin_name else None)
            base = load_settings(where.parent if where else Path.cwd())
        settings = merge(base, ignore=self.ignore, strict=self.strict, max_bytes=self.max_bytes)
        return replace(settings, ignore=frozenset(c for c in settings.ignore if self._silenceable(c, settings)))

    def _silenceable(self, code: str, settings: Settings) -> bool:
        """Only warnings can be silenced; say so once per run for any other code named."""
        from .diagnostics import CODES, Severity

        known = CODES.get(code)
        if known is not None and known.severity is Severity.WARNING:
            return True
        if code not in self.refused:
            self.refused.add(code)
            where = "--ignore" if code in self.ignore else str(settings.source or "the configuration")
            what = "an error and cannot be suppressed [ODY203]" if known else "not a known code [ODY204]"
            click.echo(f"ody: warning: {code} ({where}) is {what}", err=True)
        return False


def _stdin_path(name: str | None) -> Path | None:
    return Path(name) if name else None


def inputs(args: tuple[str, ...], flags: Flags, stdin_name: str | None, outcome: Outcome,
            pattern: str = "*.ody", expand: bool = True) -> Iterator[tuple[Input, Settings, bytes]]:
    """Every readable input with its settings and bytes, in order: files as given, folders as
    their matching files (sorted; with `expand`), `-` as stdin. One that cannot be read is
    reported on stderr and counts for exit code 2; the others go on."""
    try:
        items = list(_expand(args, stdin_name, pattern, expand))
    except SourceError as error:
        fail_io(error, outcome)
        return
    for item in items:
        try:
            settings = flags.settings_for(item, stdin_name)
            data = _read(item, settings)
        except (SourceError, ConfigError) as error:
            fail_io(error, outcome)
            continue
        yield item, settings, data


def _expand(args: tuple[str, ...], stdin_name: str | None, pattern: str, expand: bool) -> Iterator[Input]:
    if args.count(STDIN) > 1:
        raise click.UsageError("`-` (standard input) can be read only once")
    for arg in args:
        if arg == STDIN:
            yield Input(stdin_name or "<stdin>", None)
            continue
        path = Path(arg)
        if expand and path.is_dir():
            found = sorted(p for p in path.rglob(pattern)
                           if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts))
            if not found:
                raise SourceError(f"{arg}: no {pattern} files in this folder")
            yield from (Input(str(p), p) for p in found)
            continue
        yield Input(arg, path)


def _read(item: Input, settings: Settings) -> bytes:
    if item.path is not None:
        return read_source(item.path, settings.max_bytes)
    data = sys.stdin.buffer.read(settings.max_bytes + 1)
    if len(data) > settings.max_bytes:
        raise SourceError(f"{item.name}: {too_large(None, settings.max_bytes)}")
    return data


def fail_io(error: Exception, outcome: Outcome) -> None:
    outcome.io_error = True
    click.echo(f"ody: {error}", err=True)


def print_reports(outcome: Outcome, fmt: str, stream: IO[str]) -> None:
    if fmt == "json":
        stream.write(render.as_json(outcome.reports))
        return
    if fmt in ("gcc", "github"):
        lines = [line for r in outcome.reports for line in getattr(render, fmt)(r)]
        stream.write("".join(line + "\n" for line in lines))
        return
    blocks = [line for r in outcome.reports for line in render.human(r)]
    summary = render.summary(outcome.reports)
    if summary:
        blocks.append(summary)
    if not blocks:
        return
    if _colour(stream):
        render.to_terminal(blocks, stream)
    else:
        stream.write(render.plain(blocks))
    stream.flush()


def _colour(stream: IO[str]) -> bool:
    return stream.isatty() and not os.environ.get("NO_COLOR")


def run() -> None:
    """Console entry point: never a traceback, whatever happens."""
    try:
        main(standalone_mode=True)
    except KeyboardInterrupt:
        click.echo("ody: interrupted", err=True)
        sys.exit(130)
    except BrokenPipeError:
        sys.stderr.close()
        sys.exit(EXIT_OK)
    except Exception as error:
        click.echo(f"ody: internal error, please report it: {type(error).__name__}: {error}", err=True)
        sys.exit(EXIT_USAGE)



if __name__ == "__main__":
    run()
