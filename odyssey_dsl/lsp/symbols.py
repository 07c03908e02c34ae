"""The outline: scenes, and their cues as `0:03 interact "The cat looks…"`."""

from __future__ import annotations

from lsprotocol import types

from ..checks import Checked, Timed
from ..diagnostics import Span, shown
from ..times import format_clock
from .positions import Columns, LineAt

_PROMPT_LIMIT = 40


def short_clock(ms: int) -> str:
    """`0:03`, `0:12.5`, `1:02:03.25`: the clock without a fraction that says nothing."""
    clock = format_clock(ms)
    return clock.rstrip("0").rstrip(".") if "." in clock else clock


def cue_name(timed: Timed) -> str:
    cue = timed.cue
    when = short_clock(timed.ms) if timed.ms is not None else f"@{shown(cue.time.text, 20)}"
    prompt = cue.prompt.value if cue.prompt is not None else None
    text = f' "{shown(" ".join(prompt.split()), _PROMPT_LIMIT)}"' if prompt else ""
    return f"{when} {cue.action}{text}"


def outline(checked: Checked, line_at: LineAt, columns: Columns) -> list[types.DocumentSymbol]:
    """One symbol per cue, under one per scene in a file with scenes."""
    def cue_symbol(timed: Timed) -> types.DocumentSymbol:
        cue = timed.cue
        return types.DocumentSymbol(
            name=cue_name(timed), kind=types.SymbolKind.Event, range=columns.range(line_at, cue.span),
            selection_range=columns.range(line_at, cue.time.span),
            detail=f"@{cue.time.text}" if cue.time.relative else None,
        )

    symbols = []
    for script in checked.scripts:
        children = [cue_symbol(t) for t in script.cues]
        scene = script.scene
        if scene is None:
            symbols.extend(children)
            continue
        last = script.cues[-1].cue.span if script.cues else scene.span
        whole = Span(scene.span.line, scene.span.column, last.end_line, last.end_column)
        symbols.append(types.DocumentSymbol(
            name=shown(scene.name.value or scene.name.raw, _PROMPT_LIMIT) or '""', kind=types.SymbolKind.Namespace,
            range=columns.range(line_at, whole), selection_range=columns.range(line_at, scene.name.span),
            detail="scene", children=children,
        ))
    return symbols
