"""Silencing warnings: `# ody: ignore[...]` after a statement, or the ignore setting (ODY203,
ODY204). Either names a warning by its code (`ODY201`) or by its name (`short-gap`)."""

from __future__ import annotations

from ..diagnostics import (
    CODES,
    ERROR_SUPPRESSED,
    UNKNOWN_SUPPRESSION,
    Diagnostic,
    Severity,
    Span,
    closest,
    lookup,
    shown,
)
from ..syntax import Comment, Document


def suppress(found: list[Diagnostic], document: Document, ignore: frozenset[str]) -> list[Diagnostic]:
    """Drop the warnings a `# ody: ignore[...]` comment or the ignore setting names."""
    by_line: dict[int, set[str]] = {}
    extra: list[Diagnostic] = []
    for item in document.statements:
        if item.comment is not None and item.comment.ignores:
            codes = comment_codes(item.comment, extra)
            for line in range(item.span.line, item.span.end_line + 1):
                by_line.setdefault(line, set()).update(codes)
    for comment in document.items:
        if isinstance(comment, Comment) and comment.ignores:
            extra.append(lone_suppression(comment))
    silenced = setting_codes(ignore, document.first_line, extra)
    kept = [
        d for d in found
        if d.is_error or (d.code not in silenced and d.code not in by_line.get(d.span.line, ()))
    ]
    kept.extend(d for d in extra if d.code not in silenced)
    return kept


def comment_codes(comment: Comment, extra: list[Diagnostic]) -> frozenset[str]:
    """The codes of the warnings a statement's `# ody: ignore[...]` silences; its bad words go to `extra`."""
    return frozenset(code for word, span in comment.ignores if (code := _suppressible(word, span, extra, "this comment")))


def lone_suppression(comment: Comment) -> Diagnostic:
    """ODY204 for a suppression comment on a line of its own."""
    return UNKNOWN_SUPPRESSION.at(
        comment.span, "a suppression comment on a line of its own silences nothing",
        "put it after the statement whose warnings it silences: `@3s interact \"...\"  # ody: ignore[ODY201]`",
    )


def setting_codes(ignore: frozenset[str], first_line: int, extra: list[Diagnostic]) -> frozenset[str]:
    """The codes of the warnings the ignore setting silences; its bad words go to `extra`, placed at the top."""
    start = Span(first_line, 1, first_line, 1)
    return frozenset(code for word in ignore if (code := _suppressible(word, start, extra, "the ignore setting")))


_WARNINGS = tuple(d for d in CODES.values() if d.severity is Severity.WARNING)
_WARNING_CODES = tuple(d.code for d in _WARNINGS)
_WARNING_NAMES = tuple(d.name for d in _WARNINGS)


def _suppressible(word: str, span: Span, extra: list[Diagnostic], where: str) -> str:
    """The code of the warning `word` names ('' when it names none: said in `extra`)."""
    if not word:
        extra.append(UNKNOWN_SUPPRESSION.at(span, f"{where} names no code",
                                            "name the warnings to silence: `# ody: ignore[ODY201]`"))
        return ""
    known = lookup(word)
    if known is None:
        guess = closest(word, _WARNING_CODES, 0.7) or closest(word.lower(), _WARNING_NAMES, 0.7)
        extra.append(UNKNOWN_SUPPRESSION.at(
            span, f"unknown code `{shown(word, 20)}` in {where}",
            f"did you mean `{guess}`?" if guess else "codes are listed in docs/diagnostics.md",
        ))
        return ""
    if known.severity is Severity.ERROR:
        named = known.code if word.upper() == known.code else known.name
        extra.append(ERROR_SUPPRESSED.at(span, f"`{named}` is an error and cannot be suppressed ({where})",
                                         "fix the error instead; only warnings (ODY2xx) can be silenced"))
        return ""
    return known.code
