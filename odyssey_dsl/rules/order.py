"""ODY102, a cue not later than the cue before it, and fixes that never make things worse.

A new time for such a cue is only safe once the cues after it are known: it must come after
the cue before, and neither it nor the relative cues that count from it may pass the next
absolute cue (cues at 3 s, 3 s, 6 s: `@4.5s`, not `@6s`, which collides). So the driver
(`timing.step`) notes the problem as a `Pending` and reports it at the first later cue that
bounds it (an absolute cue), at a cue that bounds nothing (after a broken line or an unknown
time, after `end`), or at the end of the script (`unresolved_order`).

A `Pending` lives in the driver's `Progress`, which an editor compares after each statement:
so it holds plain values only, and its spans count lines from the latest cue it has passed
(`at_line`), so that lines moving above them leave it equal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import NamedTuple

from ..diagnostics import CUE_OUT_OF_ORDER, Diagnostic, Fix, Related, Span
from ..syntax import Cue
from ..times import format_ms
from ..vocabulary import IMAGE
from .directives import DEFAULT_MIN_GAP_MS
from .registry import ScriptEnd, Timed, on_script_end


def spell_ody(ms: int) -> str:
    """A time as a screenplay writes it, for help texts and fixes."""
    return "@" + format_ms(ms)


class Swap(NamedTuple):
    """Swapping a cue with the line above: the text of both, their span (lines counted from
    the pending's line) and how much later the cues after them then come."""

    text: str
    span: Span
    shift_ms: int


class Pending(NamedTuple):
    """A cue found not later than the one before, waiting for what bounds its new time."""

    message: str
    span: Span  # its time, lines counted from the latest cue passed
    previous: Span  # the cue before it, likewise
    previous_ms: int
    ms: int
    relative: bool
    swap: Swap | None

    def passed(self, lines: int) -> Pending:
        """The same, counted from a cue `lines` further down."""
        swap = self.swap._replace(span=self.swap.span.shifted(-lines)) if self.swap is not None else None
        return self._replace(span=self.span.shifted(-lines), previous=self.previous.shifted(-lines), swap=swap)


def noticed(cue: Cue, ms: int, previous: Timed, earlier_ms: int | None, spell: Callable[[int], str]) -> Pending:
    """A cue at `ms`, not later than `previous` (`earlier_ms`: the time of the cue before that,
    if compared); a swap with the line above is offered when the cue fits between the two
    before and both lines are written one under the other with absolute times."""
    assert previous.ms is not None
    here, before = format_ms(ms), format_ms(previous.ms)
    message = (f"this cue is at the same time as the cue before it ({here})" if ms == previous.ms
               else f"this cue ({here}) comes before the cue before it ({before})")
    line = cue.span.line
    above = previous.cue
    swap = None
    if (spell is spell_ody and earlier_ms is not None and earlier_ms < ms < previous.ms and cue.action != "end"
            and not cue.time.relative and not above.time.relative and above.span.end_line + 1 == line):
        end = cue.comment.span if cue.comment is not None else cue.span
        span = Span(above.span.line, above.span.column, end.end_line, end.end_column).shifted(-line)
        swap = Swap(source(cue) + "\n" + source(above), span, previous.ms - ms)
    return Pending(message, cue.time.span.shifted(-line), above.span.shifted(-line), previous.ms, ms,
                   cue.time.relative, swap)


def source(cue: Cue) -> str:
    """A cue line written back from its node (single spaces), comment included."""
    text = f"@{cue.time.text} {cue.action}"
    if cue.prompt is not None:
        text += " " + cue.prompt.raw
    if cue.image is not None:
        text += f" {IMAGE} {cue.image.raw}"
    return text + (f"  {cue.comment.text}" if cue.comment is not None else "")


def resolved(pending: Pending, at_line: int, room_ms: int | None, min_gap_ms: int, spell: Callable[[int], str],
             known: bool = True) -> Diagnostic:
    """The diagnostic of `pending`, whose lines count from `at_line`. `room_ms`: how much later
    the cue may move before it (or a relative cue counting from it) meets a later cue (None:
    as much as it likes); `known` False: what follows cannot be told, no fix is offered."""
    span, low = pending.span.shifted(at_line), pending.previous_ms
    related = (Related(pending.previous.shifted(at_line), f"the previous cue, at {format_ms(low)}"),)
    upper = None if room_ms is None else pending.ms + room_ms  # the new time stays below it
    fixes: list[Fix] = []
    if not known:
        help = f"cues must be in time order: make it later than {format_ms(low)}"
    elif upper is not None and upper - low < 2:
        where = (f"there is no time between {format_ms(low)} and {format_ms(upper)} for it" if upper > low
                 else f"it must come after {format_ms(low)}, but a cue after it is not later than that")
        help = f"{where}: move the cues after it later first"
    else:
        target = _target(low, upper, min_gap_ms or DEFAULT_MIN_GAP_MS)
        text = "@+" + format_ms(target - low) if pending.relative else spell(target)
        bounds = f"later than {format_ms(low)}" + (f" and earlier than {format_ms(upper)}" if upper is not None else "")
        help = (f"a relative time counts from the cue before it: give it a gap, e.g. `{text}`" if pending.relative
                else f"cues must be in time order: make it {bounds}, e.g. `{text}`")
        fixes.append(Fix(f"Replace with `{text}`", span, text))
    swap = pending.swap
    if known and swap is not None and (room_ms is None or swap.shift_ms < room_ms):
        fixes.append(Fix("Swap it with the line above", swap.span.shifted(at_line), swap.text))
        help += "; or, if the two lines are in the wrong order, swap them"
    return CUE_OUT_OF_ORDER.at(span, pending.message, help, tuple(fixes), related)


def _target(low: int, upper: int | None, gap: int) -> int:
    """The suggested time after `low` and before `upper`: `gap` after `low` when that leaves
    `gap` before `upper` too, else the middle, rounded where that stays near it."""
    if upper is None or upper - low >= 2 * gap:
        return low + gap
    middle = (low + upper) // 2
    for step in (1000, 500, 250, 100, 50, 10):
        rounded = (middle + step // 2) // step * step
        if low < rounded < upper and abs(rounded - middle) * 10 <= upper - low:
            return rounded
    return middle


@on_script_end
def unresolved_order(end: ScriptEnd) -> Iterator[Diagnostic]:
    """ODY102 of the script's last cues, which nothing after them bounds."""
    pending = end.progress.pending
    if pending is not None and end.last is not None:
        yield resolved(pending, end.last.cue.span.line, None, end.min_gap_ms, end.spell)
