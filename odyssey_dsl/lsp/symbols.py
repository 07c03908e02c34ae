"""The outline: scenes, and their cues as `0:03 interact "The cat looks…"`.

A 20,000-line file has some 18,600 cues, 4.8 MB of JSON. Built as lsprotocol objects (whose
constructors validate every field) and then unstructured by pygls, it took over a second; so the
outline is built here as plain JSON-ready dicts and encoded once, by a worker thread (server.py),
from a snapshot: the checked file and a copy of its lines, never the live document.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lsprotocol import types

from ..checks import Checked
from ..diagnostics import Span, shown
from ..rules.registry import Timed
from ..times import format_clock
from .positions import Columns

_PROMPT_LIMIT = 40
_EVENT = types.SymbolKind.Event.value
_NAMESPACE = types.SymbolKind.Namespace.value

#: An LSP object as it goes into JSON (camelCase fields).
Json = dict[str, Any]


@dataclass(frozen=True)
class Encoded:
    """A request's result, already encoded as JSON (ASCII bytes): `server._Protocol` writes it
    as it is."""

    body: bytes


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


def outline(checked: Checked, lines: Sequence[str], columns: Columns) -> list[Json]:
    """One `DocumentSymbol` per cue, under one per scene in a file with scenes. `lines` are the
    file's lines (a line break left at the end changes no column)."""
    count = len(lines)

    def span_range(span: Span) -> Json:
        line, end_line = span.line - 1, span.end_line - 1
        text = lines[line] if 0 <= line < count else ""
        if line == end_line and text.isascii():  # most spans: a column is a unit in every encoding
            return {"start": {"line": line, "character": span.column - 1},
                    "end": {"line": line, "character": span.end_column - 1}}
        end_text = lines[end_line] if 0 <= end_line < count else ""
        return {"start": {"line": line, "character": columns.to_client(text, span.column - 1)},
                "end": {"line": end_line, "character": columns.to_client(end_text, span.end_column - 1)}}

    def cue_symbol(timed: Timed) -> Json:
        cue = timed.cue
        symbol = {"name": cue_name(timed), "kind": _EVENT, "range": span_range(cue.span),
                  "selectionRange": span_range(cue.time.span)}
        if cue.time.relative:
            symbol["detail"] = f"@{cue.time.text}"
        return symbol

    symbols = []
    for script in checked.scripts:
        children = [cue_symbol(t) for t in script.cues]
        scene = script.scene
        if scene is None:
            symbols.extend(children)
            continue
        last = script.cues[-1].cue.span if script.cues else scene.span
        whole = Span(scene.span.line, scene.span.column, last.end_line, last.end_column)
        symbols.append({
            "name": shown(scene.name.value or scene.name.raw, _PROMPT_LIMIT) or '""', "kind": _NAMESPACE,
            "range": span_range(whole), "selectionRange": span_range(scene.name.span),
            "detail": "scene", "children": children,
        })
    return symbols


def flat(uri: str, symbols: list[Json], container: str | None = None) -> list[Json]:
    """The outline as `SymbolInformation`s, for clients without nested symbols."""
    found = []
    for symbol in symbols:
        information = {"name": symbol["name"], "kind": symbol["kind"],
                       "location": {"uri": uri, "range": symbol["range"]}}
        if container is not None:
            information["containerName"] = container
        found.append(information)
        found.extend(flat(uri, symbol.get("children", []), symbol["name"]))
    return found


def encode(symbols: list[Json]) -> Encoded:
    """The symbols as JSON, one symbol per `json.dumps`: a call holds the GIL until it is done,
    and the whole outline in one call (0.1 s) would stop the event loop that long."""
    return Encoded(f"[{','.join(map(_dumped, symbols))}]".encode("ascii"))


def _dumped(symbol: Json) -> str:
    children = symbol.get("children")
    if children is None:
        return json.dumps(symbol, separators=(",", ":"))
    head = json.dumps({**symbol, "children": None}, separators=(",", ":"))  # `children` is its last field
    return f"{head.removesuffix('null}')}[{','.join(map(_dumped, children))}]}}"
