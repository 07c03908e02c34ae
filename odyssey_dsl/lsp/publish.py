"""Diagnostics as the client shows them: the words of `ody lint`, in the client's positions.

A file is published after every keystroke, and a file with thousands of problems (a generated
one, or one whose `\"\"\"` swallowed the rest) would cost tens of milliseconds to encode and
send each time, for a list no one reads to the end: the editor gets the first `SHOWN` (errors
first, then warnings, each in the order of the file) and one ODY208 at line 1 that counts the
rest; `ody lint` still reports them all.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from lsprotocol import types

from ..diagnostics import PROBLEMS_NOT_SHOWN, Diagnostic, Severity, Span, sort_key
from .positions import Columns, LineAt

_SEVERITY = {Severity.ERROR: types.DiagnosticSeverity.Error, Severity.WARNING: types.DiagnosticSeverity.Warning}
SHOWN = 1000  # diagnostics published per file, besides the ODY208 that counts the others


def shown(diagnostics: Sequence[Diagnostic], ignore: frozenset[str] = frozenset(),
          limit: int = SHOWN) -> Sequence[Diagnostic]:
    """The diagnostics an editor is sent: all, or the first `limit` (errors first: an error
    at the end of the file must not hide behind warnings) and ODY208 (unless ignored)."""
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


def to_lsp(diagnostic: Diagnostic, uri: str, line_at: LineAt, columns: Columns) -> types.Diagnostic:
    """One diagnostic; the help line follows the message, as in the terminal."""
    message = diagnostic.message if diagnostic.help is None else f"{diagnostic.message}\nhelp: {diagnostic.help}"
    related = [
        types.DiagnosticRelatedInformation(types.Location(uri, columns.range(line_at, r.span)), r.message)
        for r in diagnostic.related
    ]
    return types.Diagnostic(
        range=columns.range(line_at, diagnostic.span),
        message=message,
        severity=_SEVERITY[diagnostic.severity],
        code=diagnostic.code,
        source="ody",
        related_information=related or None,
    )


class Converter:
    """Converts a file's diagnostics for each publish, reusing the previous publish's LSP
    objects while a diagnostic and the lines it points at are unchanged: between keystrokes
    almost all are, and building protocol objects costs far more than looking them up."""

    def __init__(self) -> None:
        self._last: dict[tuple[object, ...], types.Diagnostic] = {}

    def convert(self, diagnostics: Iterable[Diagnostic], uri: str, line_at: LineAt,
                columns: Columns) -> list[types.Diagnostic]:
        now: dict[tuple[object, ...], types.Diagnostic] = {}
        out = []
        for diagnostic in diagnostics:
            span = diagnostic.span
            key = (diagnostic, line_at(span.line - 1), line_at(span.end_line - 1),
                   *(line_at(r.span.line - 1) + "\n" + line_at(r.span.end_line - 1) for r in diagnostic.related))
            found = now.get(key) or self._last.get(key) or to_lsp(diagnostic, uri, line_at, columns)
            now[key] = found
            out.append(found)
        self._last = now
        return out
