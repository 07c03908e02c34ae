"""Folding: one range per scene, one per string written over several lines.

Editors ask for the whole file after every change, so nothing here walks its statements:
`LiveDocument` finds the scene lines and the few items written over several lines in its
indexes, without moving the nodes below an inserted line."""

from __future__ import annotations

from lsprotocol import types

from ..syntax import Cue, Directive, Item, Scene, Text
from .document import LiveDocument


def folding_ranges(live: LiveDocument) -> list[types.FoldingRange]:
    """Scenes fold from their `scene` line to their last statement; `\"\"\"` strings fold whole.
    Ranges come in the order of their first line."""
    ranges = [types.FoldingRange(first - 1, last - 1, kind=types.FoldingRangeKind.Region)
              for first, last in live.scene_lines() if last > first]
    for item in live.tall_items():
        for text in _texts(item):
            if text.span.end_line > text.span.line:
                ranges.append(types.FoldingRange(text.span.line - 1, text.span.end_line - 1))
    ranges.sort(key=lambda r: r.start_line)
    return ranges


def _texts(item: Item) -> tuple[Text, ...]:
    if isinstance(item, Cue):
        return tuple(t for t in (item.prompt, item.image) if t is not None)
    if isinstance(item, Directive) and isinstance(item.value, Text):
        return (item.value,)
    if isinstance(item, Scene):
        return (item.name,)
    return ()
