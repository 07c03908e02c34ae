"""Inlay hints: the absolute time after each relative one (`@+3s` ⟶ `= 0:12.5`), and after a
prompt with variants, how many it makes (`×4`)."""

from __future__ import annotations

from lsprotocol import types

from ..rules.registry import Timed
from ..syntax import Style
from ..templates import has_braces
from . import names
from .document import LiveDocument
from .positions import Columns
from .symbols import short_clock


def inlay_hints(live: LiveDocument, first_line: int, last_line: int, columns: Columns) -> list[types.InlayHint]:
    """Hints for the cues on 1-based lines `first_line`..`last_line` (the visible ones: only
    their cues are looked at)."""
    hints = []
    visible = [t for t in live.timed_between(first_line, last_line) if t.cue.span.line >= first_line]
    for timed in visible:
        span = timed.cue.time.span
        if timed.cue.time.relative and timed.ms is not None:
            hints.append(types.InlayHint(
                position=columns.position(live.line, span.end_line - 1, span.end_column - 1),
                label=f"= {short_clock(timed.ms)}", padding_left=True,
                tooltip=f"{timed.ms} ms from the start",
            ))
    hints += _variant_hints(live, visible, columns)
    return hints


def _variant_hints(live: LiveDocument, visible: list[Timed], columns: Columns) -> list[types.InlayHint]:
    """`×N` after each prompt that makes N > 1 variants. Only a prompt with braces, or under
    a style or negative with braces, can: the others cost nothing (the header is read once)."""
    if not visible:
        return []
    scope = names.Scope(live)
    styled = any(_braced(style) for style, _ in scope.styles)
    scenes = live.scene_lines()
    tops: dict[int, list[Style]] = {}
    hints = []
    for timed in visible:
        cue = timed.cue
        prompt = cue.prompt
        if prompt is None:
            continue
        head = names.scene_head(scenes, cue.span.line)
        styles = None if head is None else tops.get(head)
        if head is not None and styles is None:
            styles = tops[head] = names.top_styles(live, head)
        if not (has_braces(prompt.value or "") or styled or any(map(_braced, styles or ()))):
            continue
        made = names.composed(scope, cue, styles)
        if made is not None and made.variants > 1:
            hints.append(types.InlayHint(
                position=columns.position(live.line, prompt.span.end_line - 1, prompt.span.end_column - 1),
                label=f"×{made.variants}", padding_left=True,
                tooltip=f"this prompt makes {made.variants} variants (with its style and negative); the first:\n"
                        f"{made.first}",
            ))
    return hints


def _braced(style: Style) -> bool:
    return has_braces(style.value.value or "")
