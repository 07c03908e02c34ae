"""Inlay hints: the absolute time after each relative one (`@+3s` ⟶ `= 0:12.5`)."""

from __future__ import annotations

from lsprotocol import types

from .document import LiveDocument
from .positions import Columns
from .symbols import short_clock


def inlay_hints(live: LiveDocument, first_line: int, last_line: int, columns: Columns) -> list[types.InlayHint]:
    """Hints for the relative times on 1-based lines `first_line`..`last_line` (the visible ones:
    only their cues are looked at)."""
    hints = []
    for timed in live.timed_between(first_line, last_line):
        span = timed.cue.time.span
        if span.line >= first_line and timed.cue.time.relative and timed.ms is not None:
            hints.append(types.InlayHint(
                position=columns.position(live.line, span.end_line - 1, span.end_column - 1),
                label=f"= {short_clock(timed.ms)}", padding_left=True,
                tooltip=f"{timed.ms} ms from the start",
            ))
    return hints
