"""Folding: one range per scene, one per string written over several lines."""

from __future__ import annotations

from lsprotocol import types

from ..syntax import Comment, Cue, Directive, Document, Scene, Text


def folding_ranges(document: Document) -> list[types.FoldingRange]:
    """Scenes fold from their `scene` line to their last statement; `\"\"\"` strings fold whole."""
    ranges: list[types.FoldingRange] = []
    scene_line: int | None = None
    last_line = 0

    def close_scene() -> None:
        if scene_line is not None and last_line > scene_line:
            ranges.append(types.FoldingRange(scene_line - 1, last_line - 1, kind=types.FoldingRangeKind.Region))

    for item in document.items:
        if isinstance(item, Comment):
            continue
        if isinstance(item, Scene):
            close_scene()
            scene_line = item.span.line
        last_line = item.span.end_line
        if item.span.end_line > item.span.line:
            for text in _texts(item):
                if text.span.end_line > text.span.line:
                    ranges.append(types.FoldingRange(text.span.line - 1, text.span.end_line - 1))
    close_scene()
    return ranges


def _texts(item: object) -> tuple[Text, ...]:
    if isinstance(item, Cue):
        return tuple(t for t in (item.prompt, item.image) if t is not None)
    if isinstance(item, Directive) and isinstance(item.value, Text):
        return (item.value,)
    if isinstance(item, Scene):
        return (item.name,)
    return ()
