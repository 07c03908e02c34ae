"""Diagnostics as the client shows them: the words of `ody lint`, in the client's positions.

A file is published after every keystroke, and a file with thousands of problems (a generated
one, or one whose `\"\"\"` swallowed the rest) would cost tens of milliseconds to encode and
send each time, for a list no one reads to the end: the editor gets the first `SHOWN` (errors
first, then warnings, each in the order of the file) and one ODY208 at line 1 that counts the
rest; `ody lint` still reports them all. Each diagnostic is encoded to JSON once, and kept
while it and the lines it points at are unchanged: a publish is then a join of bytes, not
thousands of protocol objects unstructured again by pygls.

A related place in another file (an included one, or the file that includes this one) is
located in that file's URI, its columns counted on that file's lines (`Places`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence

from lsprotocol import types

from ..diagnostics import PROBLEMS_NOT_SHOWN, Diagnostic, Severity, Span, sort_key
from .positions import Columns, LineAt

_SEVERITY = {Severity.ERROR: types.DiagnosticSeverity.Error, Severity.WARNING: types.DiagnosticSeverity.Warning}
SHOWN = 1000  # diagnostics published per file, besides the ODY208 that counts the others

#: The URI of a file named in a related place (`Related.file`) and its lines, to count columns on.
Places = Callable[[str], tuple[str, LineAt]]


def shown(diagnostics: Sequence[Diagnostic], ignore: frozenset[str] = frozenset(),
          limit: int = SHOWN) -> Sequence[Diagnostic]:
    """The diagnostics an editor is sent: all, or the first `limit` (errors first: an error
    at the end of the file must not hide behind warnings) and ODY208 at line 1 (unless
    `ignore`, what is silenced there, names it)."""
    if len(diagnostics) <= limit:
        return diagnostics
    errors = [d for d in diagnostics if d.is_error]
    kept = errors[:limit]
    if len(kept) < limit:
        kept += [d for d in diagnostics if not d.is_error][:limit - len(kept)]
    kept.sort(key=sort_key)
    if PROBLEMS_NOT_SHOWN.code not in ignore:
        hidden = len(diagnostics) - limit
        hidden_errors = len(errors) - min(len(errors), limit)
        kept.insert(0, PROBLEMS_NOT_SHOWN.at(
            Span(1, 1, 1, 1), f"problems not shown here: {hidden:,} more (errors: {hidden_errors:,}, warnings: "
            f"{hidden - hidden_errors:,}); the editor shows the first {limit:,}, errors first",
            "run `ody lint` on the file to see them all"))
    return kept


def _message(diagnostic: Diagnostic) -> str:
    """The help line follows the message, as in the terminal."""
    return diagnostic.message if diagnostic.help is None else f"{diagnostic.message}\nhelp: {diagnostic.help}"


def _place(uri: str, line_at: LineAt, file: str | None, places: Places | None) -> tuple[str, LineAt]:
    """Where a related place lies: this file (`file` None), or the one `places` finds."""
    return (uri, line_at) if file is None or places is None else places(file)


def to_lsp(diagnostic: Diagnostic, uri: str, line_at: LineAt, columns: Columns,
           places: Places | None = None) -> types.Diagnostic:
    """One diagnostic as a protocol object (for a code action's context)."""
    message = _message(diagnostic)
    related = []
    for r in diagnostic.related:
        where, lines = _place(uri, line_at, r.file, places)
        related.append(types.DiagnosticRelatedInformation(types.Location(where, columns.range(lines, r.span)), r.message))
    return types.Diagnostic(
        range=columns.range(line_at, diagnostic.span),
        message=message,
        severity=_SEVERITY[diagnostic.severity],
        code=diagnostic.code,
        source="ody",
        related_information=related or None,
    )


def _range(columns: Columns, line_at: LineAt, span: Span) -> dict[str, dict[str, int]]:
    found = columns.range(line_at, span)
    return {"start": {"line": found.start.line, "character": found.start.character},
            "end": {"line": found.end.line, "character": found.end.character}}


def encoded(diagnostic: Diagnostic, uri: str, line_at: LineAt, columns: Columns, places: Places | None = None) -> bytes:
    """`to_lsp`'s diagnostic as the JSON pygls would send (ASCII), built without protocol objects."""
    item: dict[str, object] = {"range": _range(columns, line_at, diagnostic.span), "message": _message(diagnostic),
                               "severity": _SEVERITY[diagnostic.severity].value, "code": diagnostic.code,
                               "source": "ody"}
    if diagnostic.related:
        related = []
        for r in diagnostic.related:
            where, lines = _place(uri, line_at, r.file, places)
            related.append({"location": {"uri": where, "range": _range(columns, lines, r.span)}, "message": r.message})
        item["relatedInformation"] = related
    return json.dumps(item, separators=(",", ":")).encode("ascii")


class Converter:
    """Encodes a file's diagnostics for each publish, reusing the previous publish's JSON
    while a diagnostic and the lines it points at are unchanged: between keystrokes almost all
    are, and encoding costs far more than looking them up."""

    def __init__(self) -> None:
        self._last: dict[tuple[object, ...], bytes] = {}

    def convert(self, diagnostics: Iterable[Diagnostic], uri: str, line_at: LineAt, columns: Columns,
                places: Places | None = None) -> list[bytes]:
        now: dict[tuple[object, ...], bytes] = {}
        out = []
        for diagnostic in diagnostics:
            span = diagnostic.span
            key = (diagnostic, line_at(span.line - 1), line_at(span.end_line - 1), *(
                _lines(_place(uri, line_at, r.file, places)[1], r.span) for r in diagnostic.related))
            found = now.get(key) or self._last.get(key) or encoded(diagnostic, uri, line_at, columns, places)
            now[key] = found
            out.append(found)
        self._last = now
        return out


def _lines(line_at: LineAt, span: Span) -> str:
    """The text of the lines a span covers the ends of: what its range in the client's units depends on."""
    return line_at(span.line - 1) + "\n" + line_at(span.end_line - 1)
