"""Warnings about what a script costs: a video longer than the stream limit (ODY202), and an
`end` so far after the other cues that its unit is probably a typo (ODY206). Both are paid for
before anyone sees the result. Both read the script's last cue, its `end`; a script with cues
after `end` has an error of its own (ODY104) and no such warning."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from ..config import DEFAULT_MAX_DURATION_MS
from ..diagnostics import LONG_LAST_GAP, LONG_SCRIPT, Diagnostic, Fix
from ..syntax import Cue
from ..times import format_ms, parse_time
from .registry import ScriptEnd, Timed, on_script_end
from .timing import gap

#: ODY206: the last gap must be longer than this, and than `LAST_GAP_RATIO` times every other.
LAST_GAP_FLOOR_MS = 30_000
LAST_GAP_RATIO = 10
# A time in one unit (`4m`, `+4.5s`): what a unit typo looks like.
_ONE_UNIT = re.compile(r"(\+?\d+(?:\.\d+)?)(ms|s|m|h)", re.ASCII)


@on_script_end
def long_script(end: ScriptEnd) -> Iterator[Diagnostic]:
    """ODY202: an `end` later than the limit on a stream's length (`max-duration`)."""
    last, limit = end.last, end.max_duration_ms
    if last is None or last.cue.action != "end" or end.progress.stopped or last.ms is None or last.ms <= limit:
        return
    if limit == DEFAULT_MAX_DURATION_MS:
        source = "Odyssey's stream-duration documentation gives streams a default limit of 150 seconds"
        longer = " (or set `max-duration` if your account allows longer streams)"
    else:
        source, longer = f"the limit is {format_ms(limit)} (`max-duration`)", ""
    yield LONG_SCRIPT.at(
        last.cue.span, f"the script lasts {format_ms(last.ms)}, longer than {format_ms(limit)}",
        f"{source}: a longer job may be stopped after it has spent credits; shorten it or split it into "
        f"scenes{longer}",
    )


@on_script_end
def long_last_gap(end: ScriptEnd) -> Iterator[Diagnostic]:
    """ODY206: the gap before `end` is over 30 s and over 10 times the longest gap before it
    (of two or more: one gap, after `start`, says nothing of the script's pace)."""
    last, before = end.last, end.before
    if last is None or before is None or last.cue.action != "end" or end.progress.stopped:
        return
    final = gap(before, last)
    if final is None or final <= LAST_GAP_FLOOR_MS:
        return
    longest = end.pace(-(-final // LAST_GAP_RATIO))  # only now, and up to a gap that rules the warning out
    if not longest or final <= LAST_GAP_RATIO * longest:
        return
    meant = _meant(last.cue, before, longest, end.spell)
    span = last.cue.time.span
    yield LONG_LAST_GAP.at(
        span, f"`end` comes {format_ms(final)} after the cue before it, more than {LAST_GAP_RATIO} times "
              f"any gap before ({format_ms(longest)} at most)",
        f"the video lasts until `end` and every second is paid for: did you mean `{meant}`?",
        (Fix(f"Replace with `{meant}`", span, meant),),
    )


def _meant(cue: Cue, before: Timed, longest: int, spell: Callable[[int], str]) -> str:
    """What `end` probably meant: its number in the unit of the cue before it when that is
    still after that cue (`@4m` → `@4s`), else the longest gap after that cue."""
    assert before.ms is not None
    mine, theirs = _ONE_UNIT.fullmatch(cue.time.text), _ONE_UNIT.fullmatch(before.cue.time.text)
    if mine is not None and theirs is not None and mine.group(2) != theirs.group(2):
        text = mine.group(1) + theirs.group(2)
        parsed = parse_time(text)
        if isinstance(parsed, tuple) and (parsed[0] or parsed[1] > before.ms):
            return "@" + text
    return "@+" + format_ms(longest) if cue.time.relative else spell(before.ms + longest)
