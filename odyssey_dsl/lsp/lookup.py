"""Finding what sits at a line of a checked file, by bisection: a request about one line
must not walk a file of thousands of cues."""

from __future__ import annotations

from bisect import bisect_right
from typing import NamedTuple

from ..checks import Checked, Script, Timed
from ..syntax import Cue, Document, Item


def item_at(document: Document, line: int) -> Item | None:
    """The statement or full-line comment covering 1-based `line` (a `\"\"\"` string spans several)."""
    items = document.items
    index = bisect_right(items, line, key=lambda item: item.span.line) - 1
    if index < 0 or items[index].span.end_line < line:
        return None
    return items[index]


class Placed(NamedTuple):
    """A cue with its absolute time, in its script."""

    script: Script
    index: int

    @property
    def timed(self) -> Timed:
        return self.script.cues[self.index]

    @property
    def previous(self) -> Timed | None:
        """The nearest earlier cue of the script whose time is known."""
        cues = self.script.cues
        return next((cues[i] for i in range(self.index - 1, -1, -1) if cues[i].ms is not None), None)

    @property
    def following(self) -> Timed | None:
        """The nearest later cue of the script whose time is known."""
        cues = self.script.cues
        return next((cues[i] for i in range(self.index + 1, len(cues)) if cues[i].ms is not None), None)


def place(checked: Checked, cue: Cue) -> Placed | None:
    """Where `cue` is among the checked scripts (None: it belongs to none, e.g. after a break)."""
    line = cue.span.line
    for script in checked.scripts:
        cues = script.cues
        if not cues or not cues[0].cue.span.line <= line <= cues[-1].cue.span.line:
            continue
        index = bisect_right(cues, line, key=lambda t: t.cue.span.line) - 1
        if index >= 0 and cues[index].cue.span == cue.span:
            return Placed(script, index)
    return None


def script_length(script: Script) -> int | None:
    """The script's length: the time of its `end`, when it has one with a known time."""
    return next((t.ms for t in reversed(script.cues) if t.cue.action == "end"), None)
