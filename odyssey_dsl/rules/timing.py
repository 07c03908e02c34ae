"""One script's cues in time: absolute times, and the rules on order, gaps, `start` and `end`.

The driver runs one cue at a time (`step`) with a plain-value `Progress`, so that an editor
can resume it from an edited cue and stop once the progress is what it was
(odyssey_dsl.lsp.document). Resolving times (ODY108), noticing cues after `end` (ODY104) and
cues out of order (ODY102, whose fix waits for the cues after it: see `order`) belong to the
driver: they decide what the `on_cue` rules see.

A script that contains a line which failed to parse skips the whole-script rules (ODY101 when
the broken line comes before the first cue, ODY103 always): the broken line may have been the
missing `start` or `end`, and one mistake must give one diagnostic.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence

from ..config import DEFAULT_MAX_DURATION_MS
from ..diagnostics import (
    CUE_AFTER_END,
    MISSING_END,
    MISSING_START,
    RELATIVE_FIRST_CUE,
    SECOND_START,
    SHORT_GAP,
    Diagnostic,
    Fix,
    Related,
    Span,
)
from ..syntax import Cue, Time
from ..times import format_ms
from .directives import DEFAULT_MIN_GAP_MS
from .order import noticed, resolved, spell_ody
from .registry import CueStep, Progress, ScriptEnd, Timed, on_cue, on_script_end

__all__ = ["Progress", "ScriptRun", "check_script", "gap", "pace", "spell_ody", "step"]


def check_script(
    cues: Sequence[Cue | None],
    min_gap_ms: int,
    found: list[Diagnostic],
    broken_before_first: bool = False,
    broken: bool = False,
    empty_span: Span | None = None,
    spell: Callable[[int], str] = spell_ody,
    max_duration_ms: int = DEFAULT_MAX_DURATION_MS,
) -> tuple[Timed, ...]:
    """Resolve times and apply the script rules to one script's cues (None: a broken line).

    `empty_span` is where to report a script without cues (None: it is reported elsewhere);
    `spell` writes a time in the source's own syntax, for suggested replacements.
    """
    run = ScriptRun(min_gap_ms, spell, max_duration_ms)
    timed = [entry for cue in cues if (entry := run.add(cue, found)) is not None]
    run.end(broken_before_first, broken, empty_span, found)
    return tuple(timed)


def gap(before: Timed | None, entry: Timed) -> int | None:
    """How long after `before` a cue comes (None: unknown, or a broken line between them)."""
    if before is None or before.ms is None or entry.ms is None or entry.after_break:
        return None
    return entry.ms - before.ms


def pace(cues: Iterable[tuple[int | None, bool]], enough: int | None = None) -> int:
    """The longest gap between consecutive cues, each given as (its time, whether a broken line
    comes right before it), when there are two gaps or more (0: too few to tell a pace from).
    It stops at the first gap of `enough` or more, and gives that one: an editor asks it on
    every change, and the first cues usually answer."""
    longest, count, before = 0, 0, None
    for ms, after_break in cues:
        if ms is not None and before is not None and not after_break:
            between = ms - before
            if enough is not None and between >= enough:
                return between
            longest, count = max(longest, between), count + 1
        before = ms
    return longest if count >= 2 else 0


class ScriptRun:
    """One script's rules, fed one statement at a time (`check_script` over a list; the batch
    driver as it reads a file, keeping no cue but the first and the last two)."""

    def __init__(self, min_gap_ms: int, spell: Callable[[int], str] = spell_ody,
                 max_duration_ms: int = DEFAULT_MAX_DURATION_MS) -> None:
        self.min_gap_ms, self.spell, self.max_duration_ms = min_gap_ms, spell, max_duration_ms
        self.progress = Progress()
        self.first_cue: Cue | None = None
        self.before: Cue | None = None
        self.first: Timed | None = None
        self.last: Timed | None = None
        self.previous: Timed | None = None  # the cue before `last`
        self.longest, self.gaps = 0, 0  # the longest gap between the cues up to `previous`, and how many

    def add(self, cue: Cue | None, found: list[Diagnostic]) -> Timed | None:
        """The rules for the next statement (None: a broken line); its cue with its time."""
        if cue is not None and self.first_cue is None:
            self.first_cue = cue
        self.progress, entry = step(self.progress, cue, self.before, self.first_cue, self.min_gap_ms, found, self.spell)
        if entry is not None:
            self.first = self.first or entry
            between = gap(self.previous, self.last) if self.last is not None else None
            if between is not None:
                self.longest, self.gaps = max(self.longest, between), self.gaps + 1
            self.previous, self.last, self.before = self.last, entry, cue
        return entry

    def end(self, broken_before_first: bool, broken: bool, empty_span: Span | None, found: list[Diagnostic]) -> None:
        """The `on_script_end` rules, once every statement was added."""
        on_script_end.run(ScriptEnd(self.first, self.last, self.progress, self.min_gap_ms, broken_before_first,
                                    broken, empty_span, self.spell, self.max_duration_ms, self.previous,
                                    lambda enough: self.longest if self.gaps >= 2 else 0), found)


def step(
    progress: Progress,
    cue: Cue | None,
    before: Cue | None,
    first_cue: Cue | None,
    min_gap_ms: int,
    found: list[Diagnostic],
    spell: Callable[[int], str] = spell_ody,
) -> tuple[Progress, Timed | None]:
    """The rules for one statement of a script (None: a broken line): its absolute time and
    the progress after it. `before` is the script's previous cue, `first_cue` its first."""
    if cue is None:  # a broken line, maybe a cue (even the first): nothing after it is placed by it
        return Progress(None, False, True, *progress[3:]), None
    ms = _resolve(progress, cue.time, found)
    entry = Timed(cue, ms, progress.after_break)
    _, _, _, compare, previous_ms, ended, stopped, earlier_ms, pending = progress
    if stopped:
        return Progress(ms, False, False, compare, previous_ms, ended, stopped), entry
    if ended:
        assert before is not None  # `end` was a cue before this one
        if pending is not None:
            found.append(resolved(pending, before.span.line, None, min_gap_ms, spell))
        found.append(CUE_AFTER_END.at(
            cue.span, "cue after `end`", "`end` must be the last cue: move it below this one, or remove this cue",
            related=(Related(before.span, "the script ends here"),),
        ))
        return Progress(ms, False, False, compare, previous_ms, ended, True), entry
    previous = Timed(before, previous_ms) if compare and not entry.after_break and before is not None else None
    low = previous.ms if previous is not None else None  # the time this cue must be later than
    if pending is not None:
        assert before is not None  # the cue it was noticed on, or a later one
        if low is not None and ms is not None and cue.time.relative:  # it moves with the pending cue
            pending = pending.passed(cue.span.line - before.span.line)
        else:
            room = ms - low if low is not None and ms is not None and ms > low else None
            found.append(resolved(pending, before.span.line, room, min_gap_ms, spell))
            pending = None
    on_cue.run(CueStep(cue, ms, previous, first_cue, min_gap_ms, spell), found)
    if low is not None and ms is not None and ms <= low:
        assert previous is not None
        if pending is not None:  # two in one run of relative cues: what the first may do is unknown
            found.append(resolved(pending, cue.span.line, None, min_gap_ms, spell, known=False))
        pending = noticed(cue, ms, previous, earlier_ms, spell)
    # an unknown time leaves nothing to compare the next cue with (unless it is the first)
    compare = ms is not None or not compare
    return Progress(ms, False, False, compare, ms if compare else None, ended or cue.action == "end", False,
                    previous.ms if previous is not None else None, pending), entry


def _resolve(progress: Progress, time: Time, found: list[Diagnostic]) -> int | None:
    """The absolute time: a relative time counts from the previous cue of the script."""
    if time.ms is None:
        return None
    if not time.relative:
        return time.ms
    if progress.first:
        found.append(RELATIVE_FIRST_CUE.at(
            time.span, "the first cue of a script cannot have a relative time",
            "there is no cue before it to count from: write `@0`", (Fix("Replace with `@0`", time.span, "@0"),),
        ))
        return None
    return progress.base_ms + time.ms if progress.base_ms is not None else None


@on_cue
def second_start(step: CueStep) -> tuple[Diagnostic, ...]:
    """ODY105: a `start` that is not the script's first cue, when the first is a `start`."""
    cue, first = step.cue, step.first
    if cue.action != "start" or cue is first or first is None or first.action != "start":
        return ()
    fixes = (Fix("Change to `interact`", cue.keyword, "interact"),) if cue.image is None else ()
    return (SECOND_START.at(
        cue.keyword, "a second `start` in one script",
        "use `interact` to change what happens, or a `scene` line to begin another script",
        fixes, (Related(first.span, "the script starts here"),),
    ),)


@on_cue
def short_gap(step: CueStep) -> tuple[Diagnostic, ...]:
    """ODY201: a cue later than the one before by less than min-gap (ODY102, not later at all,
    is the driver's: see `order`). A relative time is answered with a relative one."""
    previous, ms = step.previous, step.ms
    if previous is None or previous.ms is None or ms is None:
        return ()
    gap = ms - previous.ms
    if gap <= 0 or gap >= step.min_gap_ms:
        return ()
    relative = step.cue.time.relative
    suggestion = "@+" + format_ms(step.min_gap_ms) if relative else step.spell(previous.ms + step.min_gap_ms)
    return (SHORT_GAP.at(
        step.cue.time.span, f"only {format_ms(gap)} after the previous cue (min-gap is {format_ms(step.min_gap_ms)})",
        f"the model needs time to act on a cue: move it to `{suggestion}` or later, or lower `min-gap`",
        related=(Related(previous.cue.span, f"the previous cue, at {format_ms(previous.ms)}"),),
    ),)


@on_script_end
def missing_start(end: ScriptEnd) -> Iterator[Diagnostic]:
    """ODY101: a script without cues, or whose first cue is not a `start` at 0."""
    if end.first is None:
        if not end.broken and end.empty_span is not None:
            yield MISSING_START.at(end.empty_span, "there are no cues",
                                   "a script needs at least a `start` cue at 0 and an `end`")
        return
    if end.broken_before_first:
        return
    cue, ms = end.first.cue, end.first.ms
    if cue.action != "start":
        yield MISSING_START.at(cue.span, "a script must begin with `start`",
                               "add a `start` cue at 0 before this cue: it sets the opening scene")
    elif ms not in (None, 0):
        zero = end.spell(0)
        yield MISSING_START.at(
            cue.time.span, f"the first cue must be at 0, not at {format_ms(ms)}",
            f"the video starts with the `start` cue: write `{zero}`", (Fix(f"Replace with `{zero}`", cue.time.span, zero),),
        )


@on_script_end
def missing_end(end: ScriptEnd) -> Iterator[Diagnostic]:
    """ODY103: a script whose cues stop without an `end`; the fix adds one after the last."""
    last = end.last
    if last is None or end.progress.ended or end.broken:
        return
    fixes: tuple[Fix, ...] = ()
    if last.ms is not None and end.spell is spell_ody:
        at = format_ms(last.ms + (end.min_gap_ms or DEFAULT_MIN_GAP_MS))
        cue = last.cue
        column = cue.comment.span.end_column if cue.comment is not None else cue.span.end_column
        fixes = (Fix(f"Add `@{at} end`", Span(cue.span.end_line, column, cue.span.end_line, column), f"\n@{at} end"),)
    yield MISSING_END.at(last.cue.span, "this script has no `end`",
                         "add an `end` cue after the last one: its time is the length of the video", fixes)
