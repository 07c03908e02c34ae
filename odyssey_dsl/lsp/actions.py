"""Quick fixes: the structured fixes the compiler attaches to diagnostics, as code actions,
plus silencing a warning on its statement with `# ody: ignore[...]`.

Nothing here reads a diagnostic's words: edits come from `Diagnostic.fixes` and from the
syntax tree (where a statement and its comment end).
"""

from __future__ import annotations

import re

from lsprotocol import types

from ..diagnostics import INVALID_TIME, Diagnostic, Fix, Span, lookup
from ..syntax import Comment, Cue
from ..times import TimeError, parse_time
from .document import LiveDocument
from .positions import Columns
from .publish import to_lsp

_AFTER_HASH = re.compile(r"#[ \t]*")


def fixes_for(diagnostic: Diagnostic, live: LiveDocument) -> tuple[list[Fix], bool]:
    """The quick fixes of one diagnostic, the likeliest first, and whether that first one is
    the fix to apply without asking (the only one, or the only reading that fits)."""
    fixes = list(diagnostic.fixes)
    preferred = len(fixes) == 1
    if diagnostic.code == INVALID_TIME.code and len(fixes) > 1:
        fixes, preferred = _by_neighbours(diagnostic, fixes, live)
    if diagnostic.descriptor.silenceable:
        silence = _silence(diagnostic, live)
        if silence is not None:
            fixes.append(silence)
    return fixes, preferred


def _by_neighbours(diagnostic: Diagnostic, fixes: list[Fix], live: LiveDocument) -> tuple[list[Fix], bool]:
    """A bare number's two readings (`3s`, `3ms`): first the one that falls between the
    cues around it; it is the preferred fix when exactly one does."""
    cue = live.item_at(diagnostic.span.line)
    placed = live.place(cue.span.line) if isinstance(cue, Cue) and cue.time.span == diagnostic.span else None
    if placed is None:
        return fixes, False
    just_before, lower, upper = placed.just_before, placed.previous, placed.following

    def fits(fix: Fix) -> bool:
        parsed = parse_time(fix.replacement.removeprefix("@"))
        if isinstance(parsed, TimeError):
            return False
        relative, ms = parsed
        if relative:
            if just_before is None:
                return False
            ms += just_before
        return (lower is None or lower < ms) and (upper is None or ms < upper)

    fitting = [fits(f) for f in fixes]
    ordered = [f for f, ok in zip(fixes, fitting) if ok] + [f for f, ok in zip(fixes, fitting) if not ok]
    return ordered, fitting.count(True) == 1


def _silence(diagnostic: Diagnostic, live: LiveDocument) -> Fix | None:
    """Add the warning's code to its statement's `# ody: ignore[...]`, or write one."""
    code = diagnostic.code
    statement = live.item_at(diagnostic.span.line)
    if statement is None or isinstance(statement, Comment):
        return None
    title = f"Silence {code} on this line (# ody: ignore[{code}])"
    comment = statement.comment
    if comment is None:
        end = statement.span
        return Fix(title, _point(end.end_line, end.end_column), f"  # ody: ignore[{code}]")
    if comment.ignores:
        if any(known is not None and known.code == code for known in (lookup(c) for c, _ in comment.ignores)):
            return None
        if len(comment.ignores) == 1 and not comment.ignores[0][0]:  # `ignore[]`
            return Fix(title, comment.ignores[0][1], f"[{code}]")
        last = comment.ignores[-1][1]
        return Fix(title, _point(last.end_line, last.end_column), f", {code}")
    hashes = _AFTER_HASH.match(comment.text)
    taken = hashes.end() if hashes else 1
    rest = comment.text[taken:].strip()
    text = ("" if taken > 1 else " ") + f"ody: ignore[{code}]" + (" " if rest else "")
    return Fix(title, _point(comment.span.line, comment.span.column + taken), text)


def _point(line: int, column: int) -> Span:
    return Span(line, column, line, column)


def code_actions(live: LiveDocument, uri: str, first_line: int, last_line: int,
                 columns: Columns) -> list[types.CodeAction]:
    """Quick fixes for the diagnostics on 1-based lines `first_line`..`last_line` (only their
    statements and the times around them are looked at)."""
    line_at = live.line
    actions = []
    for diagnostic in live.diagnostics:
        if diagnostic.file is not None:  # in an included file: its lines are not this text's
            continue
        if diagnostic.span.end_line < first_line or diagnostic.span.line > last_line:
            continue
        fixes, preferred = fixes_for(diagnostic, live)
        fixes = [fix for fix in fixes if fix.file is None]
        if not fixes:
            continue
        shown = to_lsp(diagnostic, uri, line_at, columns)
        for index, fix in enumerate(fixes):
            edit = types.TextEdit(columns.range(line_at, fix.span), fix.replacement)
            actions.append(types.CodeAction(
                title=fix.title, kind=types.CodeActionKind.QuickFix, diagnostics=[shown],
                edit=types.WorkspaceEdit(changes={uri: [edit]}), is_preferred=(preferred and index == 0) or None,
            ))
    return actions
