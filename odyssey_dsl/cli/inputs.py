"""Reading the inputs of a command (files, folders, `-`) with their project settings, and the
`Outcome` of a run: each input's report written as soon as it is known, and the exit code.

When one input cannot be read and another has errors, 2 (usage or I/O) wins over 1 and the
others are still processed.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO

import click

from .. import report
from ..compiler import SourceError, file_resolver, read_source, too_large
from ..config import ConfigError, Settings, load_settings, merge, read_settings
from ..errors import EXIT_FAIL, EXIT_OK, EXIT_USAGE, OdyError
from .exits import say, warn

STDIN = "-"


@dataclass
class Input:
    """One thing to read: a path, or stdin under a display name."""

    name: str
    path: Path | None  # None for stdin
    settings: Settings | None = None  # its project settings, when known (found in a folder)


class Outcome:
    """What a run found: each input's report is written as soon as it is known (never kept),
    and what it means for the exit code is remembered (2 beats 1 beats 0)."""

    def __init__(self, fmt: str = "human", stream: IO[str] | None = None) -> None:
        self.io_error = False
        self.failed = False
        from .options import colour_choice

        self.writer = report.writer(fmt, stream if stream is not None else sys.stdout, colour_choice())

    def add(self, found: report.Report, strict: bool) -> None:
        errors, warnings = self.writer.add(found)
        if errors or (strict and warnings):
            self.failed = True

    def finish(self) -> int:
        """End the report (the human summary, the JSON array's end); the exit code."""
        self.writer.close()
        return self.code

    def unreadable(self, error: OdyError) -> None:
        """An input that cannot be read (or written): said at once; the exit code is 2."""
        self.io_error = True
        say(str(error))

    @property
    def code(self) -> int:
        return EXIT_USAGE if self.io_error else EXIT_FAIL if self.failed else EXIT_OK


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
        if item.settings is not None:
            base = item.settings
        elif self.config is not None:
            base = read_settings(self.config)
        else:
            where = item.path or (Path(stdin_name) if stdin_name else None)
            base = load_settings(where.parent if where else Path.cwd())
        settings = merge(base, ignore=self.ignore, strict=self.strict, max_bytes=self.max_bytes)
        return replace(settings, ignore=frozenset(c for c in settings.ignore if self._silenceable(c, settings)))

    def _silenceable(self, code: str, settings: Settings) -> bool:
        """Only warnings can be silenced; say so once per run for any other code named."""
        from ..diagnostics import CODES, Severity

        known = CODES.get(code)
        if known is not None and known.severity is Severity.WARNING:
            return True
        if code not in self.refused:
            self.refused.add(code)
            where = "--ignore" if code in self.ignore else str(settings.source or "the configuration")
            what = "an error and cannot be suppressed [ODY203]" if known else "not a known code [ODY204]"
            warn(f"{code} ({where}) is {what}")
        return False


def inputs(args: tuple[str, ...], flags: Flags, stdin_name: str | None, outcome: Outcome,
            pattern: str = "*.ody", expand: bool = True) -> Iterator[tuple[Input, Settings, bytes]]:
    """Every readable input with its settings and bytes, in order: files as given, folders as
    their matching files (sorted; with `expand`), `-` as stdin. One that cannot be read is
    reported on stderr and counts for exit code 2; the others go on."""
    items = list(_expand(args, stdin_name, pattern, expand, flags.config, outcome))
    for item in items:
        try:
            settings = flags.settings_for(item, stdin_name)
            data = _read(item, settings)
        except (SourceError, ConfigError) as error:
            outcome.unreadable(error)
            continue
        yield item, settings, data


def _expand(args: tuple[str, ...], stdin_name: str | None, pattern: str, expand: bool, config: Path | None,
            outcome: Outcome) -> Iterator[Input]:
    """The inputs the arguments stand for: a folder, the files `folders.Walk` finds in it (a
    folder with none is a note, not an error, as for ruff and black)."""
    if args.count(STDIN) > 1:
        raise click.UsageError("`-` (standard input) can be read only once")
    for arg in args:
        if arg == STDIN:
            yield Input(stdin_name or "<stdin>", None)
            continue
        path = Path(arg)
        if expand and path.is_dir():
            from .folders import SKIPPED, Walk

            troubles: list[OdyError] = []
            walk = Walk(path, pattern, config)
            found = [Input(str(p), p, settings) for p, settings in walk.files(troubles.append)]
            for trouble in troubles:
                outcome.unreadable(trouble)
            if not found and not troubles:
                skipped = ", ".join(sorted(SKIPPED))
                say(f"{arg}: no {pattern} file in this folder, nothing to do",
                    f"hidden folders and files, symbolic links, {skipped} and what .gitignore or the `exclude` "
                    "setting names are passed over" if walk.skipped else None)
            yield from found
            continue
        yield Input(arg, path)


def _read(item: Input, settings: Settings) -> bytes:
    if item.path is not None:
        return read_source(item.path, settings.max_bytes)
    return read_stdin(item.name, settings.max_bytes)


def read_stdin(name: str, max_bytes: int) -> bytes:
    """All of stdin, or SourceError when it holds more than `max_bytes`."""
    from .._support.reads import read_at_most

    data = read_at_most(sys.stdin.buffer, max_bytes)
    if data is None:
        raise SourceError(f"{name}: {too_large(None, max_bytes)}")
    return data


def report_each(files: tuple[str, ...], flags: Flags, stdin_name: str | None, fmt: str,
                diagnose: Callable[[Input, Settings, bytes], report.Report], pattern: str = "*.ody") -> int:
    """`ody lint` and `ody check`: each input's report on stdout as soon as it is known (the
    input, its syntax and its checks freed before the next is read); the exit code."""
    from .options import one_shot

    one_shot()
    outcome = Outcome(fmt, sys.stdout)
    for item, settings, data in inputs(files, flags, stdin_name, outcome, pattern):
        outcome.add(diagnose(item, settings, data), settings.strict)
    return outcome.finish()


def stdin_path(name: str | None) -> Path | None:
    return Path(name) if name else None


class KeptIncludes:
    """Reads the files a compile includes, as the compiler does, and keeps each one's text by
    absolute path (`texts`, a report's `included`): the report shows the lines of the
    diagnostics there from the very text that was checked."""

    def __init__(self, max_bytes: int) -> None:
        self.texts: dict[str, str] = {}
        self._read = file_resolver(max_bytes)

    def __call__(self, path: Path) -> str:
        text = self.texts[str(path)] = self._read(path)
        return text
