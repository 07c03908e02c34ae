"""Diagnostics as text: `human` (rustc style), `gcc`, `json`, `github` and `sarif` (in
`sarif.py`), views of one object; docs/output-formats.md describes each.

A report is written diagnostic by diagnostic as each input is checked (`writer(fmt, stream)`),
never built whole: a file with an error on each of its million lines must cost the memory of
one diagnostic's text, not of the whole report. The JSON format is still one array of every
diagnostic, written item by item; the human format shows the first `HUMAN_LIMIT` of each
file and says how many more there are.

Every format shows a diagnostic at its own file: an included file's lines are its own
(`Diagnostic.file`, and `Related.file`/`Fix.file`, None meaning the file reported on). A run
shows each diagnostic once (`_Seen`): a library included by several files, and linted itself,
is reported once.

The human view is built as lines of (text, style) pieces so that the same layout prints
plain into a pipe or an editor and in colour on a terminal (through rich, imported only
then: editors call `ody lint` on every save and must not pay for it).
"""

from __future__ import annotations

import json
import os
import unicodedata
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import lru_cache
from json.encoder import encode_basestring as _string  # a str as JSON, non-ASCII kept
from types import MappingProxyType
from typing import IO, Any, Generic, NamedTuple, TypeVar

from . import lines
from .diagnostics import Diagnostic, Span, printable

FORMATS = ("human", "gcc", "json", "github", "sarif")
HUMAN_LIMIT = 200

Piece = tuple[str, str]  # (text, style name; "" for none)
T = TypeVar("T")


class Report(NamedTuple):
    """The diagnostics of one input, with what is needed to show them; they are read once,
    in order (a compile may hand them over from a spool, never all as objects).

    `included`: the text of each file the input includes, by absolute path, for the lines of
    the diagnostics there; `library`: the input is a library (header lines only), which other
    inputs of the run may include."""

    file: str
    source: str
    diagnostics: Iterable[Diagnostic]
    included: Mapping[str, str] = MappingProxyType({})
    library: bool = False

    def name(self, label: str | None) -> str:
        """The file a diagnostic, related place or fix with this `file` is in, as named."""
        return self.file if label is None else label


class Writer:
    """Writes the reports of a run to `stream` as they come; `close` ends the report."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.errors = self.warnings = self.files = self.checked = 0
        self._seen = _Seen()

    def add(self, report: Report) -> tuple[int, int]:
        """Write one input's diagnostics not shown yet in this run (none: a file checked and
        clean, counted in the summary); how many errors and warnings it has, shown or not
        (what its exit code reads: a failing input fails wherever its problems are shown)."""
        tally = _Tally(report.diagnostics, self._seen.first(report))
        self._write(report._replace(diagnostics=tally))
        for _ in tally:  # what a format left unread still counts
            pass
        self.errors += tally.shown_errors
        self.warnings += tally.shown_warnings
        self.files += 1 if tally.shown_errors or tally.shown_warnings else 0
        self.checked += 1
        return tally.errors, tally.warnings

    def close(self) -> None:
        self.stream.flush()

    def _write(self, report: Report) -> None:
        raise NotImplementedError


class _Tally:
    """The diagnostics as they are read, less those `first` says were shown already; counted
    by severity, all of them and those shown."""

    def __init__(self, diagnostics: Iterable[Diagnostic], first: Callable[[Diagnostic], bool]) -> None:
        self._each = iter(diagnostics)
        self._first = first
        self.errors = self.warnings = self.shown_errors = self.shown_warnings = 0

    def __iter__(self) -> Iterator[Diagnostic]:
        first = self._first
        for d in self._each:
            error = d.is_error
            if error:
                self.errors += 1
            else:
                self.warnings += 1
            if first(d):
                if error:
                    self.shown_errors += 1
                else:
                    self.shown_warnings += 1
                yield d


_Shown = tuple[str, Span, str, str, tuple[tuple[str, Span], ...]]  # (absolute path, place, code, message,
#                                                                   related places): what makes it the same


class _Seen:
    """The diagnostics a run has shown, so that it shows each once: those of a library come
    with every file that includes it, and with the library itself when it is linted too.

    Remembered: the diagnostics in included files (no more than those files' lines, which
    the compile held anyway) and a library's own. The own diagnostics of another input are
    only compared, never kept: a file with a million mistakes must not cost their memory."""

    def __init__(self) -> None:
        self._shown: set[_Shown] = set()
        self._files: set[str] = set()  # the files some remembered diagnostic is in

    def first(self, report: Report) -> Callable[[Diagnostic], bool]:
        """Whether a diagnostic of `report` is shown for the first time in the run."""
        own = _absolute(report.file)
        remember_own = report.library
        compare_own = remember_own or own in self._files
        shown, files = self._shown, self._files

        def first(d: Diagnostic) -> bool:
            if d.file is None and not compare_own:
                return True
            # the related places count: one library line may conflict with each file that includes it
            related = tuple((own if r.file is None else _absolute(r.file), r.span) for r in d.related)
            key = (own if d.file is None else _absolute(d.file), d.span, d.code, d.message, related)
            if key in shown:
                return False
            if d.file is not None or remember_own:
                shown.add(key)
                files.add(key[0])
            return True

        return first


@lru_cache(maxsize=256)
def _absolute(name: str) -> str:
    """A file's name as an absolute path: names relative to the current folder (as inputs
    and included files are named) of one file are then equal."""
    return os.path.abspath(name)


def writer(fmt: str, stream: IO[str], colour: str = "auto") -> Writer:
    """The writer of format `fmt` (one of FORMATS) on `stream`; `colour` (one of COLOURS) is
    for the human format."""
    if fmt == "human":
        return _Human(stream, colour)
    if fmt == "sarif":
        from .sarif import Sarif

        return Sarif(stream)
    return {"gcc": _Gcc, "json": _Json, "github": _Github}[fmt](stream)


class _Human(Writer):
    def __init__(self, stream: IO[str], colour: str) -> None:
        super().__init__(stream)
        self._console: Any = None
        self._colour = wants_colour(stream, colour)

    def _write(self, report: Report) -> None:
        for block in human(report):
            self._print(block)

    def close(self) -> None:
        line = summary(self.errors, self.warnings, self.files, self.checked)
        if line:
            self._print([line])
        super().close()

    def _print(self, lines: list[list[Piece]]) -> None:
        if self._colour:
            self._console = self._console or colour_console(self.stream)
            to_terminal(lines, self._console)
        else:
            self.stream.write(plain(lines))


class _Gcc(Writer):
    def _write(self, report: Report) -> None:
        write = self.stream.write
        names = Names(report, printable)
        for d in report.diagnostics:
            write(f"{names(d.file)}:{d.span.line}:{d.span.column}: {d.severity.value}: {d.message} [{d.code}]\n")


class Names(Generic[T]):
    """The name of each file of a report as a format writes it (`shape`), made once per file:
    the input's own, and those of the files it includes (a handful, each many times)."""

    def __init__(self, report: Report, shape: Callable[[str], T]) -> None:
        self.report, self._shape = report, shape
        self._own = shape(report.file)
        self._others: dict[str, T] = {}

    def __call__(self, label: str | None) -> T:
        if label is None:
            return self._own
        found = self._others.get(label)
        if found is None:
            found = self._others[label] = self._shape(label)
        return found


class _Github(Writer):
    """GitHub Actions workflow commands: an annotation per diagnostic. Columns only for a span
    on one line: GitHub's toolkit refuses `col`/`endColumn` when `line` and `endLine` differ."""

    def _write(self, report: Report) -> None:
        write = self.stream.write
        names = Names(report, lambda name: _gh_prop(printable(name)))
        for d in report.diagnostics:
            span = d.span
            one_line = span.line == span.end_line
            props = (f"file={names(d.file)},line={span.line}" + (f",col={span.column}" if one_line else "")
                     + f",endLine={span.end_line}" + (f",endColumn={span.end_column}" if one_line else "")
                     + f",title={_gh_prop(d.code)}")
            write(f"::{d.severity.value} {props}::{_gh_data(with_help(d))}\n")


def with_help(d: Diagnostic) -> str:
    """The message, and the help on a line of its own: the text of a CI annotation."""
    return d.message + (f"\nhelp: {d.help}" if d.help else "")


class _Json(Writer):
    """One array for all inputs, an item at a time, laid out as `json.dumps(items, indent=2)`
    lays it out; fixes and related places are included for tools."""

    def __init__(self, stream: IO[str]) -> None:
        super().__init__(stream)
        self._items = 0

    def _write(self, report: Report) -> None:
        write = self.stream.write
        names = Names(report, _string)
        for d in report.diagnostics:
            write(",\n  " if self._items else "[\n  ")
            write(_json_item(names, d))
            self._items += 1

    def close(self) -> None:
        self.stream.write("\n]\n" if self._items else "[]\n")
        super().close()


def layout(value: object, level: int) -> str:
    """`value` as `json.dumps(..., indent=2, ensure_ascii=False)` lays it out at `level`.

    Not json.dumps itself: with an indent it builds closures that refer to each other on
    every call, garbage only the cycle collector frees, which `ody lint` turns off (a million
    diagnostics would keep gigabytes of them); and `ensure_ascii=False` makes it build a new
    encoder per call."""
    if isinstance(value, str):
        return _string(value)
    inner = "\n" + "  " * (level + 1)
    if isinstance(value, dict) and value:
        items = (f"{_string(k)}: {layout(v, level + 1)}" for k, v in value.items())
        return "{" + inner + ("," + inner).join(items) + "\n" + "  " * level + "}"
    if isinstance(value, list) and value:
        return "[" + inner + ("," + inner).join(layout(v, level + 1) for v in value) + "\n" + "  " * level + "]"
    return json.dumps(value)


def _json_item(names: Names[str], d: Diagnostic) -> str:
    """One diagnostic as an item of the JSON array (`names` give its file as JSON): its keys
    in a fixed order, its fixes and related places included for tools, each with its `file`
    when it is in another file than the diagnostic."""
    span = d.span
    fixes = layout([_elsewhere({"title": f.title, "range": _range(f.span), "replacement": f.replacement,
                                "safe": d.is_safe(f)}, d, f.file, names) for f in d.fixes], 2) if d.fixes else "[]"
    related = layout([_elsewhere({"message": x.message, "range": _range(x.span)}, d, x.file, names)
                      for x in d.related], 2) if d.related else "[]"
    return (f'{{\n    "file": {names(d.file)},\n    "line": {span.line},\n    "column": {span.column},\n'
            f'    "end_line": {span.end_line},\n    "end_column": {span.end_column},\n'
            f'    "severity": {_string(d.severity.value)},\n    "code": {_string(d.code)},\n'
            f'    "name": {_string(d.name)},\n    "message": {_string(d.message)},\n'
            f'    "help": {"null" if d.help is None else _string(d.help)},\n'
            f'    "fixes": {fixes},\n    "related": {related}\n  }}')


def _elsewhere(item: dict[str, Any], d: Diagnostic, label: str | None, names: Names[str]) -> dict[str, Any]:
    """A fix or related place of `d` as JSON, with the `file` it is in when that is not `d`'s."""
    if label != d.file:
        item["file"] = names.report.name(label)
    return item


def human(report: Report) -> Iterator[list[list[Piece]]]:
    """rustc-like blocks, one per diagnostic: header, location, source line with carets,
    notes and help; after `HUMAN_LIMIT` of them, how many more there are. A place in another
    file than the diagnostic's is located first (`::: lib.ody:4:1`), as rustc does."""
    sources = _Sources(report)
    names = Names(report, printable)
    rest = 0
    for index, d in enumerate(report.diagnostics):
        if index >= HUMAN_LIMIT:
            rest += 1
            continue
        out: list[list[Piece]] = []
        kind = d.severity.value
        out.append([(f"{kind}[{d.code}]", kind), (": ", "bold"), (d.message, "bold")])
        width = len(str(max([d.span.line] + [r.span.line for r in d.related])))
        gutter = " " * width
        out.append([(f"{gutter}--> ", "gutter"), (f"{names(d.file)}:{d.span.line}:{d.span.column}", "")])
        out.append([(f"{gutter} |", "gutter")])
        out.extend(_snippet(sources(d.file), d.span, "^", kind, "", width))
        for related in d.related:
            if related.file != d.file:
                out.append([(f"{gutter}::: ", "gutter"),
                            (f"{names(related.file)}:{related.span.line}:{related.span.column}", "")])
            out.append([(f"{gutter} |", "gutter")])
            out.extend(_snippet(sources(related.file), related.span, "-", "note", related.message, width))
        if d.help:
            out.append([(f"{gutter} = ", "gutter"), ("help", "help"), (f": {d.help}", "")])
        out.append([])
        yield out
    if rest > 0:
        yield [[(f"... and {rest} more in {names(None)} (use --format json to see them all)", "bold")], []]


class _Sources:
    """The lines of each file of a report, by its `file` label: the input's own source, and
    the text of the files it includes (none known: no text, the carets still placed)."""

    def __init__(self, report: Report) -> None:
        self._report = report
        self._lines: dict[str | None, _SourceLines] = {None: _SourceLines(report.source)}

    def __call__(self, label: str | None) -> _SourceLines:
        found = self._lines.get(label)
        if found is None:
            assert label is not None
            text = self._report.included.get(_absolute(label), "")
            found = self._lines[label] = _SourceLines(text)
        return found


def summary(errors: int, warnings: int, files: int, checked: int) -> list[Piece] | None:
    """`2 errors, 1 warning in 3 of 4 files` (`files` of the `checked` ones have problems;
    `in 1 file` when only one was checked), or None when there is nothing to say."""
    if not errors and not warnings:
        return None
    words = [_count(errors, "error"), _count(warnings, "warning")]
    where = f"{files} of {checked} files" if checked > 1 else _count(files, "file")
    return [(", ".join(w for w in words if w) + f" in {where}", "error" if errors else "warning")]


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}" if n else ""


class _SourceLines:
    """The source's lines as editors split them (\\n, \\r\\n or a lone \\r), found only as far
    as asked: the first diagnostics of a million-line file need its first lines, not a list
    of all of them."""

    def __init__(self, source: str) -> None:
        self._source = source
        self._starts = array("q", [0])  # where each line found so far starts
        self._breaks = lines.BREAK.finditer(source)
        self._done = False

    def get(self, number: int) -> str:
        while len(self._starts) <= number and not self._done:
            found = next(self._breaks, None)
            if found is None:
                self._done = True
                self._starts.append(len(self._source) + 1)  # the last line has no break after it
            else:
                self._starts.append(found.end())
        if not 0 < number < len(self._starts):
            return ""
        start, after = self._starts[number - 1], self._starts[number]
        return self._source[start:after].rstrip("\r\n")  # a line holds no break of its own


#: Columns of source shown around a span: a 30 MB line (an inlined image) must print one screen.
WINDOW = 100


def _snippet(lines: _SourceLines, span: Span, mark: str, style: str, label: str, width: int) -> list[list[Piece]]:
    text = lines.get(span.line)
    column = span.column
    end = span.end_column if span.end_line == span.line else len(text) + 1
    end = max(end, column + 1)
    suffix = " …" if span.end_line > span.line else ""
    if len(text) > WINDOW:  # show a window of the line, marked with … where it is cut
        low = max(0, min(column - 1 - WINDOW // 3, len(text) - WINDOW))
        high = low + WINDOW
        if end - 1 > high:
            end, suffix = high + 1, " …"
        text = ("…" if low else "") + text[low:high] + ("…" if high < len(text) else "")
        shift = low - (1 if low else 0)
        column, end = column - shift, end - shift
    shown, start_cell, end_cell = _display(text, column, end)
    marks = mark * max(1, end_cell - start_cell)
    return [
        [(f"{span.line:>{width}} | ", "gutter"), (shown, "")],
        [(f"{'':>{width}} | ", "gutter"), (" " * start_cell + marks + suffix, style),
         ((" " + label) if label else "", style)],
    ]


def _display(text: str, column: int, end_column: int) -> tuple[str, int, int]:
    """The line as a terminal shows it (tabs as 4 spaces, wide characters as 2 cells),
    with the cell offsets of the given columns, so that the carets sit under the right text."""
    shown: list[str] = []
    cells = start = 0
    end = None
    for index, char in enumerate(text, start=1):
        if index == column:
            start = cells
        if index == end_column:
            end = cells
        if char == "\t":
            shown.append("    ")
            cells += 4
            continue
        if not char.isprintable():
            char = "\ufffd"
        shown.append(char)
        cells += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    if column > len(text):
        start = cells + (column - len(text) - 1)
    if end is None:
        end = cells + (end_column - len(text) - 1)
    return "".join(shown), start, max(end, start + 1)


def _range(span: Span) -> dict[str, int]:
    return {"line": span.line, "column": span.column, "end_line": span.end_line, "end_column": span.end_column}


def _gh_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_prop(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


def plain(lines: list[list[Piece]]) -> str:
    return "".join("".join(text for text, _ in line) + "\n" for line in lines)


_STYLES = {
    "error": "bold red", "warning": "bold yellow", "note": "bold cyan", "help": "bold cyan",
    "gutter": "bold blue", "bold": "bold", "": "",
}


COLOURS = ("auto", "always", "never")


def wants_colour(stream: IO[str], choice: str = "auto") -> bool:
    """Whether to colour what goes to `stream`: `always`/`never` as said; `auto` follows the
    conventions other tools follow, in CPython's order: NO_COLOR (https://no-color.org) set
    and not empty: no; FORCE_COLOR (https://force-color.org) set and not empty, or
    CLICOLOR_FORCE set and not `0`: yes (into a pipe too, as CI logs want); else only on a
    terminal that is not `TERM=dumb`."""
    import os

    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR") or os.environ.get("CLICOLOR_FORCE", "0") != "0":
        return True
    return stream.isatty() and os.environ.get("TERM") != "dumb"


def colour_console(stream: IO[str]) -> Any:
    """A rich console on `stream` that colours (rich is imported here, only then). Told so:
    rich would otherwise read the environment and the terminal again, and disagree."""
    from rich.console import Console

    return Console(file=stream, highlight=False, soft_wrap=True, force_terminal=True, no_color=False)


def to_terminal(lines: list[list[Piece]], console: Any) -> None:
    """Print in colour through rich."""
    from rich.text import Text

    for line in lines:
        text = Text()
        for piece, style in line:
            text.append(piece, style=_STYLES.get(style, ""))
        console.print(text)
