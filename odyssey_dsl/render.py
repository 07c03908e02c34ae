"""Diagnostics as text: `human` (rustc style), `gcc`, `json` and `github`, views of one object.

The human view is built as lines of (text, style) pieces so that the same layout prints
plain into a pipe or an editor and in colour on a terminal (through rich, imported only
then: editors call `ody lint` on every save and must not pay for it).
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from .diagnostics import Diagnostic, Span

FORMATS = ("human", "gcc", "json", "github")
HUMAN_LIMIT = 200

Piece = tuple[str, str]  # (text, style name; "" for none)


class Report(NamedTuple):
    """The diagnostics of one input, with what is needed to show them."""

    file: str
    source: str
    diagnostics: Sequence[Diagnostic]


def human(report: Report) -> list[list[Piece]]:
    """rustc-like blocks: header, location, source line with carets, notes and help."""
    lines = _SourceLines(report.source)
    out: list[list[Piece]] = []
    shown = report.diagnostics[:HUMAN_LIMIT]
    for d in shown:
        kind = d.severity.value
        out.append([(f"{kind}[{d.code}]", kind), (": ", "bold"), (d.message, "bold")])
        width = len(str(max([d.span.line] + [r.span.line for r in d.related])))
        gutter = " " * width
        out.append([(f"{gutter}--> ", "gutter"), (f"{report.file}:{d.span.line}:{d.span.column}", "")])
        out.append([(f"{gutter} |", "gutter")])
        out.extend(_snippet(lines, d.span, "^", kind, "", width))
        for related in d.related:
            out.append([(f"{gutter} |", "gutter")])
            out.extend(_snippet(lines, related.span, "-", "note", related.message, width))
        if d.help:
            out.append([(f"{gutter} = ", "gutter"), ("help", "help"), (f": {d.help}", "")])
        out.append([])
    rest = len(report.diagnostics) - len(shown)
    if rest > 0:
        out.append([(f"... and {rest} more in {report.file} (use --format json to see them all)", "bold")])
        out.append([])
    return out


def summary(reports: Iterable[Report]) -> list[Piece] | None:
    """`2 errors, 1 warning in 3 files`, or None when there is nothing to say."""
    reports = list(reports)
    errors = sum(1 for r in reports for d in r.diagnostics if d.is_error)
    warnings = sum(1 for r in reports for d in r.diagnostics if not d.is_error)
    if not errors and not warnings:
        return None
    files = sum(1 for r in reports if r.diagnostics)
    words = [_count(errors, "error"), _count(warnings, "warning")]
    text = ", ".join(w for w in words if w) + f" in {_count(files, 'file')}"
    return [(text, "error" if errors else "warning")]


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}" if n else ""


class _SourceLines:
    """The source split as editors split it (\\n, \\r\\n or a lone \\r), lazily."""

    def __init__(self, source: str) -> None:
        self._source = source
        self._lines: list[str] | None = None

    def get(self, number: int) -> str:
        if self._lines is None:
            self._lines = self._source.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        return self._lines[number - 1] if 0 < number <= len(self._lines) else ""


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


def gcc(report: Report) -> list[str]:
    return [
        f"{report.file}:{d.span.line}:{d.span.column}: {d.severity.value}: {d.message} [{d.code}]"
        for d in report.diagnostics
    ]


def as_json(reports: Iterable[Report]) -> str:
    """One array for all inputs; fixes and related places are included for tools."""
    items = [
        {
            "file": r.file,
            "line": d.span.line,
            "column": d.span.column,
            "end_line": d.span.end_line,
            "end_column": d.span.end_column,
            "severity": d.severity.value,
            "code": d.code,
            "message": d.message,
            "help": d.help,
            "fixes": [{"title": f.title, "range": _range(f.span), "replacement": f.replacement} for f in d.fixes],
            "related": [{"message": x.message, "range": _range(x.span)} for x in d.related],
        }
        for r in reports for d in r.diagnostics
    ]
    return json.dumps(items, indent=2, ensure_ascii=False) + "\n"


def _range(span: Span) -> dict[str, int]:
    return {"line": span.line, "column": span.column, "end_line": span.end_line, "end_column": span.end_column}


def github(report: Report) -> list[str]:
    """GitHub Actions workflow commands: an annotation per diagnostic."""
    out = []
    for d in report.diagnostics:
        props = ",".join([
            f"file={_gh_prop(report.file)}", f"line={d.span.line}", f"col={d.span.column}",
            f"endLine={d.span.end_line}", f"endColumn={d.span.end_column}", f"title={_gh_prop(d.code)}",
        ])
        text = d.message + (f"\nhelp: {d.help}" if d.help else "")
        out.append(f"::{d.severity.value} {props}::{_gh_data(text)}")
    return out


def _gh_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_prop(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


def plain(lines: Iterable[list[Piece]]) -> str:
    return "".join("".join(text for text, _ in line) + "\n" for line in lines)


_STYLES = {
    "error": "bold red", "warning": "bold yellow", "note": "bold cyan", "help": "bold cyan",
    "gutter": "bold blue", "bold": "bold", "": "",
}


def to_terminal(lines: Iterable[list[Piece]], stream: object) -> None:
    """Print in colour through rich (imported here, only when a terminal is attached)."""
    from rich.console import Console
    from rich.text import Text

    console = Console(file=stream, highlight=False, soft_wrap=True)  # type: ignore[arg-type]
    for line in lines:
        text = Text()
        for piece, style in line:
            text.append(piece, style=_STYLES.get(style, ""))
        console.print(text)
