"""Diagnostics as the client shows them: the words of `ody lint`, in the client's positions."""

from __future__ import annotations

from collections.abc import Iterable

from lsprotocol import types

from ..diagnostics import Diagnostic, Severity
from .positions import Columns, LineAt

_SEVERITY = {Severity.ERROR: types.DiagnosticSeverity.Error, Severity.WARNING: types.DiagnosticSeverity.Warning}


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
