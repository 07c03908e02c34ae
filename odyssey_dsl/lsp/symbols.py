"""The outline: the defines, styles, negatives and includes of the header, scenes (with their
own style and negative), and their cues as `0:03 interact "The cat looks…"`.

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
from ..rules.directives import opens_body
from ..rules.registry import Timed
from ..syntax import Define, Include, Scene, Style, parse_items
from ..times import format_clock
from .positions import Columns

_PROMPT_LIMIT = 40
_EVENT = types.SymbolKind.Event.value
_NAMESPACE = types.SymbolKind.Namespace.value
_CONSTANT = types.SymbolKind.Constant.value
_PROPERTY = types.SymbolKind.Property.value
_FILE = types.SymbolKind.File.value

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

    def header_symbol(item: Define | Style | Include) -> Json:
        if isinstance(item, Define):
            name, kind, detail, selected = item.name.text, _CONSTANT, _value(item.value.value, item.value.raw), item.name.span
        elif isinstance(item, Style):
            name, kind, detail, selected = item.name, _PROPERTY, _value(item.value.value, item.value.raw), item.keyword
        else:
            name, kind, detail, selected = _value(item.path.value, item.path.raw) or '""', _FILE, "include", item.path.span
        return {"name": name, "kind": kind, "range": span_range(item.span), "selectionRange": span_range(selected),
                "detail": detail}

    starts = [s.scene.span.line if s.scene is not None else s.cues[0].cue.span.line
              for s in checked.scripts if s.scene is not None or s.cues]
    symbols = [header_symbol(item) for item in _header(lines, 1, min(starts, default=count + 1))]
    for script in checked.scripts:
        children = [cue_symbol(t) for t in script.cues]
        scene = script.scene
        if scene is not None and script.cues:
            top = _header(lines, scene.span.end_line + 1, script.cues[0].cue.span.line, scene_top=True)
            children[:0] = [header_symbol(item) for item in top]
        if scene is None:
            symbols.extend(children)
            continue
        last = script.cues[-1].cue.span if script.cues else scene.span
        whole = Span(scene.span.line, scene.span.column, last.end_line, last.end_column)
        symbols.append({
            "name": shown(scene.name.value or scene.name.raw, _PROMPT_LIMIT) or '""', "kind": _NAMESPACE,
            "range": span_range(whole), "selectionRange": span_range(scene.name.span),
            "detail": _scene_detail(scene), "children": children,
        })
    return symbols


def _scene_detail(scene: Scene) -> str:
    """`scene`, or `scene after day` for one that continues another."""
    if scene.after is None:
        return "scene"
    return f"scene after {shown(scene.after.value or scene.after.raw, _PROMPT_LIMIT)}"


def _header(lines: Sequence[str], first: int, end: int, scene_top: bool = False) -> list[Define | Style | Include]:
    """The header lines on lines `first..end-1` (1-based; at a scene's top, its style and
    negative), parsed from `lines` only when a line there may hold one (most scenes have none)."""
    chunk = list(lines[first - 1:end - 1])
    if first == 1 and chunk:  # a byte-order mark is not text (columns count from after it, as the parse does)
        chunk[0] = chunk[0].removeprefix("\ufeff")
    words = ("style", "negative") if scene_top else ("define", "style", "negative", "include")
    if not any(line.lstrip().startswith(words) for line in chunk):
        return []
    found: list[Define | Style | Include] = []
    for item in parse_items("".join(chunk), first):
        if opens_body(item):
            break
        if isinstance(item, Style) or (not scene_top and isinstance(item, (Define, Include))):
            found.append(item)
    return found


def _value(value: str | None, raw: str) -> str:
    return shown(" ".join((value if value is not None else raw).split()), _PROMPT_LIMIT)


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
