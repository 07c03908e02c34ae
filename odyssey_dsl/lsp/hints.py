"""Inlay hints: the absolute time after each relative one (`@+3s` ⟶ `= 0:12.5`)."""

from __future__ import annotations

from bisect import bisect_left

from lsprotocol import types

from ..checks import Checked
from .positions import Columns, LineAt
from .symbols import short_clock


def inlay_hints(checked: Checked, first_line: int, last_line: int, line_at: LineAt,
                columns: Columns) -> list[types.InlayHint]:
    """Hints for the relative times on 1-based lines `first_line`..`last_line` (the visible ones)."""
    hints = []
    for script in checked.scripts:
        cues = script.cues
        if not cues or cues[-1].cue.span.line < first_line or cues[0].cue.span.line > last_line:
            continue
        for index in range(bisect_left(cues, first_line, key=lambda t: t.cue.span.line), len(cues)):
            timed = cues[index]
            span = timed.cue.time.span
            if span.line > last_line:
                break
            if timed.cue.time.relative and timed.ms is not None:
                hints.append(types.InlayHint(
                    position=columns.position(line_at, span.end_line - 1, span.end_column - 1),
                    label=f"= {short_clock(timed.ms)}", padding_left=True,
                    tooltip=f"{timed.ms} ms from the start",
                ))
    return hints
