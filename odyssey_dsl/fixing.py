"""Applying the fixes diagnostics carry to a text, in rounds: `ody lint --fix`.

Pure: text and diagnostics in, new text and what was applied out; the caller reads, checks
and writes. Positions are those of `diagnostics.Span` (1-based lines and columns in code
points, exclusive end).

Which fix a diagnostic gets (`chosen`): its only fix, or its only safe one among several;
a diagnostic offering several fixes that are equally likely (two readings of `@3`) is a choice
for the writer, as ESLint's suggestions are, and is left. Unsafe fixes only when asked. Only
the text being fixed is ever edited: a diagnostic in a file it includes, and a fix of another
file, are left (`ody lint --fix` on that file fixes them).

`fix_text` applies them in rounds (a fix can make another appear, or two overlap: the later
waits for the next round) until none applies or `MAX_ROUNDS`. A round whose result has an
error that was not there before is undone and the fixing stops there: a fix must never make
a file worse. "Not there before" allows what a broken line hid: a round that mends lines
that could not be read may reveal the problems of those lines and of the scripts around
them (cues are not compared across a broken line), so fixes of syntax errors go first, in
rounds of their own, and only they may reveal errors. A template with a stray brace is such
a line too: mending it reveals the names it uses (an undefined one among them). Within each, safe fixes go before unsafe
ones: an undone round of unsafe fixes never takes a safe one with it.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple

from .diagnostics import BRACE_PROBLEM, SYNTAX_CODES, Diagnostic, Fix, Span
from .lines import BREAK, count

#: At most this many rounds (compiles) per text: a fix that keeps offering itself ends here.
MAX_ROUNDS = 10


class Applied(NamedTuple):
    """One fix applied, with the diagnostic it mends (positions are in the text it applied to)."""

    diagnostic: Diagnostic
    fix: Fix


class Undone(NamedTuple):
    """A round taken back: the first error it would have added (positions in its result)."""

    round: int
    added: Diagnostic


class Fixed(NamedTuple):
    """The outcome of `fix_text`."""

    text: str
    applied: tuple[Applied, ...]
    diagnostics: tuple[Diagnostic, ...]  # those of `text`, as the last check found them
    rounds: int  # rounds applied (an undone one is not counted)
    undone: Undone | None
    exhausted: bool  # MAX_ROUNDS reached with fixes still to apply


def chosen(diagnostic: Diagnostic, unsafe: bool = False) -> Fix | None:
    """The fix `--fix` applies to `diagnostic` (with `unsafe`: `--unsafe-fixes`), or None: it
    offers none that is allowed, or a choice between several for the writer to make, or it
    is about another file than the one fixed (an included one)."""
    if diagnostic.file is not None:
        return None
    fixes = tuple(f for f in diagnostic.fixes if f.file is None)
    if len(fixes) == 1:
        return fixes[0] if unsafe or diagnostic.is_safe(fixes[0]) else None
    safe = [f for f in fixes if diagnostic.is_safe(f)]
    return safe[0] if len(safe) == 1 else None


def apply_fixes(text: str, fixes: Iterable[tuple[Diagnostic, Fix]]) -> tuple[str, tuple[Applied, ...]]:
    """`text` with the given fixes applied, and which were. A fix that overlaps one before it
    in the text, or inserts at the same place, or whose span is not in `text` (it belongs to
    another text), is left out: it may apply in the next round. Line breaks in a replacement
    are written as `text` writes its first one."""
    index = _Offsets(text)
    placed: list[tuple[int, int, int, Diagnostic, Fix]] = []
    for n, (diagnostic, fix) in enumerate(fixes):
        start, end = index.range(fix.span)
        if start is not None and end is not None:
            placed.append((start, end, n, diagnostic, fix))
    placed.sort(key=lambda x: (x[0], x[2]))
    newline = m.group() if (m := BREAK.search(text)) else "\n"
    pieces: list[str] = []
    applied: list[Applied] = []
    done = 0
    last_start = -1
    for start, end, _, diagnostic, fix in placed:
        if start < done or start == last_start:
            continue
        pieces += [text[done:start], BREAK.sub(newline, fix.replacement) if newline != "\n" else fix.replacement]
        applied.append(Applied(diagnostic, fix))
        done, last_start = end, start
    pieces.append(text[done:])
    return "".join(pieces), tuple(applied)


def fix_text(text: str, diagnose: Callable[[str], Sequence[Diagnostic]], unsafe: bool = False) -> Fixed:
    """Apply the chosen fixes of `diagnose(text)` in rounds, each checked with `diagnose`
    (the caller's compile, with its settings)."""
    found = tuple(diagnose(text))
    applied: list[Applied] = []
    for number in range(1, MAX_ROUNDS + 1):
        todo = [(d, f) for d in found if (f := chosen(d, unsafe)) is not None]
        first = min((_tier(d, f) for d, f in todo), default=0)
        new_text, done = apply_fixes(text, [(d, f) for d, f in todo if _tier(d, f) == first])
        if new_text == text:  # nothing to fix, only fixes of another text, or fixes that change nothing
            return Fixed(text, tuple(applied), found, number - 1, None, False)
        after = tuple(diagnose(new_text))
        added = _added(found, after, done, revealing=first < _MEANING)
        if added is not None:
            return Fixed(text, tuple(applied), found, number - 1, Undone(number, added), False)
        text, found = new_text, after
        applied += done
    exhausted = any(chosen(d, unsafe) is not None for d in found)
    return Fixed(text, tuple(applied), found, MAX_ROUNDS, None, exhausted)


_MEANING = 2  # tiers from here on mend what lines say, not whether they can be read


def _tier(d: Diagnostic, fix: Fix) -> int:
    """Which round a fix waits for: lines that cannot be read first (mending them shows what
    they hid), then the rest; in each, safe fixes before unsafe ones, so that an unsafe fix
    whose round is undone never takes a safe one with it."""
    return (0 if d.code in _UNREAD else _MEANING) + (0 if d.is_safe(fix) else 1)


#: The codes of text the compiler could not read whole: mending it reveals what it hid.
_UNREAD = SYNTAX_CODES | {BRACE_PROBLEM.code}


def _added(before: Sequence[Diagnostic], after: Sequence[Diagnostic], done: Sequence[Applied],
           revealing: bool) -> Diagnostic | None:
    """The first error of `after` that `before` did not have (same file, code and words on the
    same line, once the lines the edits add or remove are counted in the text fixed), unless a
    broken line hid it: it is on a line of the text that had a syntax error, or the round
    mended such lines (`revealing`) and it is not itself a syntax error."""
    moved = _LineMap(done)

    def line(d: Diagnostic) -> int:
        return moved(d.span.line, d.span.column) if d.file is None else d.span.line  # an included file is unedited

    old = Counter((d.file, d.code, d.message, line(d)) for d in before if d.is_error)
    broken = {line(d) for d in before if d.code in _UNREAD and d.file is None}
    for d in after:
        if not d.is_error:
            continue
        key = (d.file, d.code, d.message, d.span.line)
        if old[key] > 0:
            old[key] -= 1
        elif (d.file is not None or d.span.line not in broken) and not (revealing and d.code not in _UNREAD):
            return d
    return None


class _Offsets:
    """Offsets in a text of `Span` positions (None: the position is not in the text)."""

    def __init__(self, text: str) -> None:
        breaks = list(BREAK.finditer(text))
        self.starts = [0, *(m.end() for m in breaks)]
        self.ends = [*(m.start() for m in breaks), len(text)]  # where each line's text ends

    def offset(self, line: int, column: int) -> int | None:
        if not 1 <= line <= len(self.starts) or column < 1:
            return None
        start = self.starts[line - 1]
        return start + column - 1 if start + column - 1 <= self.ends[line - 1] else None

    def range(self, span: Span) -> tuple[int | None, int | None]:
        start, end = self.offset(span.line, span.column), self.offset(span.end_line, span.end_column)
        if start is None or end is None or end < start:
            return None, None
        return start, end


class _LineMap:
    """On which line a place of the text before some fixes is in the text after them (a place
    inside a replaced range: the matching line of the replacement, or its last)."""

    def __init__(self, done: Sequence[Applied]) -> None:
        self.edits: list[tuple[Span, int]] = []  # (span, line breaks in its replacement), in order
        self.shifts: list[int] = []  # lines added (or removed) by the edits before each one
        shift = 0
        for span, replacement in sorted((a.fix.span, a.fix.replacement) for a in done):
            added = count(replacement) - 1
            self.edits.append((span, added))
            self.shifts.append(shift)
            shift += added - (span.end_line - span.line)
        self.starts = [(span.line, span.column) for span, _ in self.edits]

    def __call__(self, line: int, column: int) -> int:
        i = bisect_right(self.starts, (line, column)) - 1
        if i < 0:
            return line
        span, added = self.edits[i]
        if (line, column) >= (span.end_line, span.end_column):  # after the edit
            return line + self.shifts[i] + added - (span.end_line - span.line)
        return span.line + self.shifts[i] + min(line - span.line, added)
