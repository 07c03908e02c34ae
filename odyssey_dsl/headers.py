"""The header lines of one compilation, through its includes: one walk for both drivers.

`ody lint` (checks.Checker) and the editor (lsp.composing) must read includes identically —
which files, in which order, what each of their lines counts as, which mistakes are reported
where — so both feed their header lines here and implement `Reader`: a define or style goes to
the composer, a directive to the options, a problem (an include that cannot be read, a
mistake inside an included file, at its own file and line) to the report.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from . import includes
from .diagnostics import INCLUDE_PROBLEM, Diagnostic, Related, Span
from .includes import Resolver
from .rules.directives import directives, opens_body
from .syntax import Comment, Define, Directive, Include, Style


class Reader(Protocol):
    """What the header lines of a compilation are told to (`file`: None for the compiled one)."""

    def define(self, item: Define, file: str | None) -> None: ...

    def style(self, item: Style, file: str | None) -> None: ...

    def directive(self, item: Directive, file: str | None) -> None: ...

    def include_failed(self) -> None:
        """An include was not read: the names it may define are not known."""

    def problem(self, d: Diagnostic) -> None:
        """An include's own problem, or a mistake inside an included file."""


class HeaderLines:
    """Feeds a `Reader` the header lines of the file at `path` (None: no file; includes are
    then relative to the current folder), reading its includes through `resolver` (None:
    includes are not read). `opened` says the first cue or scene was seen: an include below
    it is an error and is not read (its defines would all be misplaced too)."""

    def __init__(self, reader: Reader, path: Path | None, resolver: Resolver | None, max_duration_ms: int) -> None:
        self._reader, self._path, self._resolver = reader, path, resolver
        self._max_duration_ms = max_duration_ms
        self._chain: tuple[Path | None, ...] = (path.absolute() if path is not None else None,)
        self._included: set[Path] = set()  # each file is read at its first include only
        self.opened = False
        self.read: set[Path] = set()  # every file an include read or tried to read
        self.tops: dict[str, Span] = {}  # an included file's name -> the include line here that brings it
        self.included: dict[str, includes.Included] = {}  # an included file's name -> the file as read

    def line(self, item: Define | Style | Include) -> None:
        """A define, style, negative or include of the compiled file itself."""
        self._line(item, None, self._path, None, self._chain, item.span)

    def _line(self, item: Define | Style | Include, file: str | None, including: Path | None, label: str | None,
              chain: tuple[Path | None, ...], top: Span) -> None:
        reader = self._reader
        if isinstance(item, Define):
            reader.define(item, file)
        elif isinstance(item, Style):
            reader.style(item, file)
        elif self._resolver is None or item.path.value is None:  # not read: the syntax stage reports an escape
            reader.include_failed()
        elif self.opened:
            reader.problem(INCLUDE_PROBLEM.at(
                item.keyword, "`include` comes after the first cue or scene",
                "includes go at the top of the file, with the directives", file=file))
            reader.include_failed()
        else:
            self._include(item, file, including, label, chain, top)

    def _include(self, item: Include, file: str | None, including: Path | None, label: str | None,
                 chain: tuple[Path | None, ...], top: Span) -> None:
        """An included file's lines, as if written at `item`; its own mistakes at its own lines."""
        assert self._resolver is not None
        read = includes.read(item, including, label, chain, self._resolve, file, self._included)
        if read is None:  # included already: its lines count once
            return
        reader = self._reader
        if isinstance(read, Diagnostic):
            reader.problem(read)
            reader.include_failed()
            return
        self._included.add(read.path)
        inner = read.label
        self.tops.setdefault(inner, top)
        self.included.setdefault(inner, read)
        stray = next((i for i in read.items if opens_body(i) or (isinstance(i, Directive) and i.name == "title")), None)
        if stray is not None:
            what = "a title" if isinstance(stray, Directive) else "cues or scenes"
            reader.problem(INCLUDE_PROBLEM.at(
                item.path.span, f"an included file holds only header lines, and this one has {what}",
                "keep the cues, scenes and title in the screenplay; include only defines, styles and directives",
                related=(Related(stray.span, f"the first of them in `{inner}`", inner),), file=file))
        found: list[Diagnostic] = []
        directives(read.items, found, self._max_duration_ms)
        for inside in read.items:
            if isinstance(inside, Comment):
                continue
            found.extend(inside.diagnostics)
            if isinstance(inside, Directive) and inside.name != "title":
                reader.directive(inside, inner)
            elif isinstance(inside, (Define, Style, Include)):
                self._line(inside, inner, read.path, inner, (*chain, read.path), top)
        for d in found:
            reader.problem(in_file(d, inner))

    def _resolve(self, path: Path) -> str:
        assert self._resolver is not None
        self.read.add(path)
        return self._resolver(path)


def in_file(d: Diagnostic, file: str | None) -> Diagnostic:
    """`d` as found in `file` (None: the compiled file): its fixes and related places that
    name no file are in that file too, so that no fix of an included file is ever applied to
    the screenplay's text."""
    if file is None:
        return d
    return d._replace(file=file, fixes=tuple(f if f.file else f._replace(file=file) for f in d.fixes),
                      related=tuple(r if r.file else r._replace(file=file) for r in d.related))
