"""What the editor knows of names: the defines a file sees (its own and those of the files it
includes), where each `{NAME}` is written, and what a cue's prompt becomes once expanded.

A file's names are read from its header (the lines above its first cue or scene) and, through
`includes.read`, from the files it includes, in the order `checks.Checker` feeds them to the
`Composer`; expanding goes through that same `Composer`, so a hover or a hint says what
`ody compile` sends. An included file that is open in the editor is read from its buffer, not
from disk (`use_open_documents`). A library (a file with defines and no cues) may use names
that only the files including it define: those are looked up in the open files that include it.
"""

from __future__ import annotations

import os
import sys
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from math import prod
from pathlib import Path
from typing import NamedTuple

from .. import templates
from ..compiler import file_resolver
from ..compose import Composer, Parts, Varying
from ..diagnostics import Diagnostic, Span
from ..headers import HeaderLines
from ..lines import split_keeping
from ..rules.directives import opens_body
from ..syntax import Comment, Cue, Define, Directive, Include, Item, Scene, Style, Text, Time, part_span
from .document import LiveDocument
from .positions import LineAt
from .workspace import saved

#: The documents open in the editor; `navigation.register` points it at the server's.
_open_documents: Callable[[], Iterable[LiveDocument]] = tuple


def use_open_documents(documents: Callable[[], Iterable[LiveDocument]]) -> None:
    """Read included files from these documents when they are open (their unsaved text).

    A hook rather than a parameter: the server hands hover, completion and inlay hints only
    the document they are about."""
    global _open_documents
    _open_documents = documents


def open_documents() -> list[LiveDocument]:
    return list(_open_documents())


# --- `{NAME}` in a text -----------------------------------------------------------------------

class Use(NamedTuple):
    """A name where it is written: inside `{...}` (braces excluded), or a define's own name."""

    name: str
    span: Span


def texts(item: Item) -> tuple[Text, ...]:
    """The texts of `item` that are templates: a cue's prompt, a define's, style's or negative's text."""
    if isinstance(item, Cue):
        return (item.prompt,) if item.prompt is not None else ()
    if isinstance(item, (Define, Style)):
        return (item.value,)
    return ()


def uses(text: Text) -> Iterator[Use]:
    """Each `{NAME}` of `text` (none when its braces are wrong: the name it meant is unsure)."""
    value = text.value
    if value is None or "{" not in value:
        return
    parsed = templates.parse(value)
    if isinstance(parsed, templates.Template):
        for ref in parsed.refs:
            yield Use(ref.name, part_span(text, ref.start + 1, ref.end - 1)[0])


def name_at(item: Item, line: int, column: int) -> Use | None:
    """The name at 1-based `line`, `column` of `item`: a `{NAME}` (its braces count) or a
    define's name."""
    if isinstance(item, Define) and _touches(item.name.span, line, column):
        return Use(item.name.text, item.name.span)
    for text in texts(item):
        if _inside(text.span, line, column):
            for use in uses(text):
                span = use.span
                if _touches(Span(span.line, span.column - 1, span.end_line, span.end_column + 1), line, column):
                    return use
    return None


def _inside(span: Span, line: int, column: int) -> bool:
    return (span.line, span.column) <= (line, column) < (span.end_line, span.end_column)


def _touches(span: Span, line: int, column: int) -> bool:
    """Inside `span` or right after it (where the cursor stands after typing a name)."""
    return (span.line, span.column) <= (line, column) <= (span.end_line, span.end_column)


# --- the names a file sees --------------------------------------------------------------------

class Named(NamedTuple):
    """A define, the file it is in (None: an open file without a path) and how the composer
    names that file (None: the file whose names these are)."""

    define: Define
    path: Path | None
    label: str | None

    @property
    def key(self) -> tuple[Path | None, Span]:
        """The same define, whichever file's names it was found through."""
        return self.path, self.define.name.span


class Scope:
    """The names of an open file's compilation: its header's defines and styles and those of
    the files it includes (the first define of a name wins, as in the composer), read by the
    same walk as the checks (`headers.HeaderLines`)."""

    def __init__(self, live: LiveDocument, documents: list[LiveDocument] | None = None) -> None:
        self.live = live
        self.path = absolute(live.path)
        self.defines: dict[str, Named] = {}
        self.styles: list[tuple[Style, str | None]] = []
        self._lines: dict[Path, list[str]] = {}
        self._open = {absolute(d.path): d for d in (open_documents() if documents is None else documents)}
        self._disk = file_resolver(live.settings.max_bytes)
        self._headers = HeaderLines(self, live.path, self._read, live.settings.max_duration_ms)
        for item in live.items_from_top():
            if opens_body(item):
                break
            if isinstance(item, (Define, Style, Include)):
                self._headers.line(item)
        # the files read for includes, with their items
        self.included: dict[Path, tuple[Item, ...]] = {r.path: r.items for r in self._headers.included.values()}

    # --- headers.Reader: what the header lines say (diagnostics are the document's business) ---

    def define(self, item: Define, file: str | None) -> None:
        path = self.path if file is None else self._headers.included[file].path
        self.defines.setdefault(item.name.text, Named(item, path, file))

    def style(self, item: Style, file: str | None) -> None:
        self.styles.append((item, file))

    def directive(self, item: Directive, file: str | None) -> None:
        """Directives say nothing of names."""

    def include_failed(self) -> None:
        """An include not read gives no names."""

    def problem(self, d: Diagnostic) -> None:
        """Reported by the live checks."""

    def _read(self, path: Path) -> str:
        """`includes.Resolver`: an open file's text, else the file on disk (kept, for positions)."""
        live = self._open.get(path)
        if live is not None:
            return saved(live, path, self.live.settings.max_bytes)
        if path in self._lines:
            return "".join(self._lines[path])
        text = self._disk(path)
        self._lines[path] = split_keeping(text)
        return text

    def line_at(self, path: Path | None) -> LineAt:
        """The lines of a file of this compilation, as the client counts positions in them."""
        live = self._open.get(path) if path is not None else None
        if path == self.path or (path is None and self.path is None):
            return self.live.line
        if live is not None:
            return live.line
        lines = self._lines.get(path, []) if path is not None else []
        return lambda index: lines[index].rstrip("\r\n") if 0 <= index < len(lines) else ""

    def files(self) -> Iterator[tuple[Path | None, Iterable[Item]]]:
        """Each file of the compilation (the open file first) with its items."""
        yield self.path, self.live.items_from_top()
        for path, items in self.included.items():
            if path != self.path:
                yield path, items

    def uses_of(self, name: str) -> Iterator[tuple[Path | None, Use]]:
        """Every `{name}` written in the compilation's files."""
        ref = f"{{{name}}}"  # in the decoded text of every text that uses it (not all that hold it: `{{name}}`)
        for path, items in self.files():
            for item in items:
                if isinstance(item, Comment):
                    continue
                for text in texts(item):
                    if text.value is not None and ref in text.value:
                        yield from ((path, use) for use in uses(text) if use.name == name)

    def composer(self, styles: bool = True) -> Composer:
        """A composer fed this header (its styles too with `styles`), its diagnostics dropped."""
        composer = Composer(_drop)
        for named in self.defines.values():
            composer.define(named.define, named.label)
        if styles:
            for style, label in self.styles:
                composer.style(style, label)
        composer.header_done()
        return composer


def _drop(_: object) -> None:
    """Diagnostics are the document's business (the live checks publish them)."""


def absolute(path: Path | None) -> Path | None:
    """A file's path as `includes.read` spells it (what tells two files apart)."""
    return Path(os.path.abspath(path)) if path is not None else None


def scopes(live: LiveDocument) -> Iterator[Scope]:
    """`live`'s own names, then those of each open file that includes it (where a library's
    names come from)."""
    documents = open_documents()
    own = Scope(live, documents)
    yield own
    if own.path is None:
        return
    for other in documents:
        if other is not live and absolute(other.path) != own.path:
            scope = Scope(other, documents)
            if own.path in scope.included:
                yield scope


def lookup(live: LiveDocument, name: str) -> tuple[Scope, Named] | None:
    """The define `name` means in `live`, and the compilation it was found in."""
    for scope in scopes(live):
        named = scope.defines.get(name)
        if named is not None:
            return scope, named
    return None


def visible(live: LiveDocument) -> dict[str, Named]:
    """Every name `live` may use (its own compilation's first, then its includers')."""
    found: dict[str, Named] = {}
    for scope in scopes(live):
        for name, named in scope.defines.items():
            found.setdefault(name, named)
    return found


# --- expanding --------------------------------------------------------------------------------

class Composed(NamedTuple):
    """A prompt as sent: `text`, with variants written as a template (`{a|b}`, literal braces
    doubled), how many variants it makes, and the first of them."""

    text: str
    variants: int
    first: str


def composed(scope: Scope, cue: Cue, styles: list[Style] | None) -> Composed | None:
    """`cue`'s prompt expanded, with the style and negative in force: the file's, or those at
    the top of its scene (`styles`; None: the cue is in no scene). None when it cannot be known
    (an invalid escape, wrong braces)."""
    composer = scope.composer()
    if styles is not None:
        composer.scene()
        for style in styles:
            composer.style(style, None)
    return _made(composer, cue)


def expanded(scope: Scope, named: Named) -> Composed | None:
    """A define's text expanded (no style, no negative)."""
    define = named.define
    ref = f"{{{define.name.text}}}"
    text = Text(f'"{ref}"', define.value.span, ref)
    probe = Cue(Time("0", define.span, False, 0), "start", define.keyword, text, None, None, define.span)
    return _made(scope.composer(styles=False), probe)


def _made(composer: Composer, cue: Cue) -> Composed | None:
    prompt = composer.prompt(cue)
    groups = composer.script_done(counted=False)
    if prompt is None:
        return None
    if isinstance(prompt, str):
        return Composed(prompt, 1, prompt)
    return _varying(prompt, groups)


def _varying(prompt: Varying, groups: tuple[tuple[str, ...], ...]) -> Composed:
    """Written as a template (literal braces doubled), counted, and its first variant."""
    def escaped(parts: Parts) -> Parts:
        return tuple(templates.escape(p) if isinstance(p, str) else p for p in parts)

    template = Varying(*map(escaped, prompt))
    written = tuple(f"{{{'|'.join(options)}}}" for options in groups)
    return Composed(template.fill(written), prod(len(options) for options in groups),
                    prompt.fill(tuple(options[0] for options in groups)))


def scene_styles(live: LiveDocument, line: int) -> list[Style] | None:
    """The `style` and `negative` at the top of the scene holding 1-based `line` (None: the
    line is in no scene)."""
    head = scene_head(live.scene_lines(), line)
    return top_styles(live, head) if head is not None else None


def scene_head(scenes: list[tuple[int, int]], line: int) -> int | None:
    """The line of the `scene` line whose scene holds `line`, among `LiveDocument.scene_lines()`."""
    index = bisect_right(scenes, (line, sys.maxsize)) - 1
    return scenes[index][0] if index >= 0 and scenes[index][0] <= line <= scenes[index][1] else None


def top_styles(live: LiveDocument, head: int) -> list[Style]:
    """The `style` and `negative` lines right below the `scene` line on line `head`."""
    scene = live.item_at(head)
    found: list[Style] = []
    at = scene.span.end_line + 1 if isinstance(scene, Scene) else head + 1
    while at <= live.line_count:
        item = live.item_at(at)
        if isinstance(item, Style):
            found.append(item)
        elif item is not None and not isinstance(item, Comment):
            break
        at = item.span.end_line + 1 if item is not None else at + 1
    return found
