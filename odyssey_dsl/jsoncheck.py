"""`ody check`: hand-written script JSON judged by the screenplay rules, positions included.

The standard `json` module keeps no positions, so the JSON is parsed with Lark; each entry
becomes the same `Cue` node a screenplay line would, with spans pointing into the JSON, and
the per-script rules of `checks` run unchanged. Shape problems (a missing `timestamp_ms`, a
typo in a key) are ODY302, invalid JSON is ODY301.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from .checks import DEFAULT_MIN_GAP_MS, check_images, check_script, suppress
from .compiler import decode
from .diagnostics import Diagnostic, Span, closest, shown, sort_key
from .grammar import cached_lark
from .syntax import Cue, Document, Text, Time
from .times import MAX_MS

_JSON_GRAMMAR = r"""
?value: object | array | STRING | NUMBER | TRUE | FALSE | NULL
array: "[" [value ("," value)*] "]"
object: "{" [pair ("," pair)*] "}"
pair: STRING ":" value
STRING: /"[^"\\\x00-\x1f]*(?:\\.[^"\\\x00-\x1f]*)*"/
NUMBER: /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/
TRUE: "true"
FALSE: "false"
NULL: "null"
%ignore /[ \t\r\n]+/
"""

_ENTRY_KEYS = ("timestamp_ms", "start", "interact", "end")
_ACTION_KEYS = {"start": ("prompt", "image"), "interact": ("prompt",), "end": ()}
_REQUEST_KEYS = ("script", "scripts", "script_url", "portrait", "output_video", "bypass_vlm_expansion")


@dataclass(frozen=True)
class Node:
    """A JSON value with its place: `value` is a Python value, a list of Nodes, or a dict of
    key → (key Node, value Node)."""

    kind: str  # object | array | string | number | true | false | null
    value: Any
    span: Span


@dataclass(frozen=True)
class JsonCheck:
    text: str
    diagnostics: tuple[Diagnostic, ...]
    entries: tuple[tuple[str, Cue], ...] = ()  # ("script[2]", the entry as a cue), in order

    def entry_of(self, diagnostic: Diagnostic) -> tuple[str, Cue] | None:
        """The entry a diagnostic points into, to name it (`script[2] (interact at 3000 ms)`)."""
        for label, cue in self.entries:
            if cue.span.line <= diagnostic.span.line <= cue.span.end_line and (
                    (cue.span.line, cue.span.column) <= (diagnostic.span.line, diagnostic.span.column)
                    <= (cue.span.end_line, cue.span.end_column)):
                return label, cue
        return None


class ShapeError(Exception):
    """A problem that stops reading this part of the JSON (ODY302, or ODY301 for bad text)."""

    def __init__(self, message: str, span: Span, help: str | None = None, code: str = "ODY302") -> None:
        super().__init__(message)
        self.diagnostic = Diagnostic(code, message, span, help)


@cache
def json_parser() -> Lark:
    """The JSON parser, keeping positions (shared with `ody decompile`)."""
    return cached_lark(_JSON_GRAMMAR, start="value", propagate_positions=True)


def check_json(data: bytes, base_dir: Path, ignore: frozenset[str] = frozenset()) -> JsonCheck:
    """Every problem in a JSON script, batch or request body, placed in the JSON text."""
    text, found = decode(data)
    entries: list[tuple[str, Cue]] = []
    if not found:
        scripts: _Scripts = []
        try:
            scripts = _scripts(to_nodes(json_parser().parse(text)), found)
        except UnexpectedInput as error:
            found.append(syntax_diagnostic(error, text))
        except ShapeError as shape:
            found.append(shape.diagnostic)
        for where, cues, span in scripts:
            entries.extend((f"{where}[{i}]", cue) for i, cue in enumerate(cues) if cue is not None)
            timed = check_script(cues, DEFAULT_MIN_GAP_MS, found, None in cues[:1], None in cues, span, str)
            check_images(timed, base_dir, found)
    kept = suppress(found, Document((), 0), ignore)
    return JsonCheck(text, tuple(sorted(kept, key=sort_key)), tuple(entries))


def syntax_diagnostic(error: UnexpectedInput, text: str) -> Diagnostic:
    """ODY301 for text that is not JSON, placed where the parser stopped."""
    line, column = getattr(error, "line", 1), getattr(error, "column", 1)
    if isinstance(error, UnexpectedEOF) or (isinstance(error, UnexpectedToken) and error.token.type == "$END"):
        message = "invalid JSON: the text ends before the value is complete"
        lines = text.splitlines() or [""]
        line, column = len(lines), len(lines[-1]) + 1
    elif isinstance(error, UnexpectedCharacters):
        message = f"invalid JSON: unexpected character {text[error.pos_in_stream]!r}"
    else:
        token = error.token  # type: ignore[attr-defined]
        message = f"invalid JSON: unexpected `{shown(str(token), 20)}`"
    if not isinstance(line, int) or line < 1:
        line, column = 1, 1
    return Diagnostic("ODY301", message, Span(line, column, line, column + 1),
                      "check the brackets, commas and quotes around here")


def to_nodes(root: Tree | Token) -> Node:
    """Tree to Nodes bottom-up, without recursion (a deeply nested file must not crash us)."""
    if isinstance(root, Token):
        return _leaf(root)
    built: dict[int, Node] = {}
    for tree in root.iter_subtrees():
        span = Span(tree.meta.line, tree.meta.column, tree.meta.end_line, tree.meta.end_column)
        items = [built.pop(id(c)) if isinstance(c, Tree) else _leaf(c) if c is not None else None
                 for c in tree.children]
        if tree.data == "pair":
            built[id(tree)] = Node("pair", (items[0], items[1]), span)
        elif tree.data == "array":
            built[id(tree)] = Node("array", [i for i in items if i is not None], span)
        else:
            pairs: dict[str, tuple[Node, Node]] = {}
            for pair in items:
                if pair is None:
                    continue
                key, value = pair.value
                if key.value in pairs:
                    raise ShapeError(f"key `{shown(key.value)}` appears twice", key.span)
                pairs[key.value] = (key, value)
            built[id(tree)] = Node("object", pairs, span)
    return built[id(root)]


def _leaf(token: Token) -> Node:
    span = Span(token.line, token.column, token.end_line, token.end_column)  # type: ignore[arg-type]
    kind = token.type.lower()
    if kind == "string":
        try:
            value = json.loads(token)
        except ValueError:
            raise ShapeError("invalid JSON string: a bad escape sequence", span,
                         'JSON escapes are \\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX', "ODY301") from None
        if any("\ud800" <= c <= "\udfff" for c in value):
            raise ShapeError("this string contains a lone surrogate escape", span,
                         "a character above U+FFFF is written as a surrogate pair, like \\ud83d\\ude00")
        return Node(kind, value, span)
    if kind == "number":
        if len(token) > 30:  # no timestamp is that long; int() of thousands of digits is refused
            raise ShapeError("this number is far too large for a timestamp", span)
        return Node(kind, json.loads(token), span)
    return Node(kind, {"true": True, "false": False, "null": None}[kind], span)


_Scripts = list[tuple[str, list[Cue | None], Span]]  # (where, entries, span of the array)


def _scripts(root: Node, found: list[Diagnostic]) -> _Scripts:
    """The scripts in a script, a batch or a request body (an entry of the wrong shape is
    reported and stands as None, like a broken line in a screenplay)."""
    if root.kind == "object":
        return _request(root, found)
    if root.kind != "array":
        raise ShapeError("expected a script (an array of entries), a batch or a request body", root.span)
    if root.value and root.value[0].kind == "array":
        return [(f"scripts[{i}]", _script(s, f"scripts[{i}]", found), s.span) for i, s in enumerate(root.value)]
    return [("script", _script(root, "script", found), root.span)]


def _request(root: Node, found: list[Diagnostic]) -> _Scripts:
    pairs = root.value
    _known_keys(pairs, _REQUEST_KEYS, "request body")
    present = [k for k in ("script", "scripts", "script_url") if k in pairs]
    if len(present) != 1:
        raise ShapeError("a request body has exactly one of `script`, `scripts` and `script_url`", root.span)
    for flag in ("portrait", "output_video", "bypass_vlm_expansion"):
        if flag in pairs and pairs[flag][1].kind not in ("true", "false"):
            raise ShapeError(f"`{flag}` must be true or false", pairs[flag][1].span)
    key, value = pairs[present[0]]
    if present[0] == "script_url":
        raise ShapeError("`script_url` points to a script elsewhere: check that file instead", key.span)
    if present[0] == "script":
        return [("script", _script(value, "script", found), value.span)]
    if value.kind != "array":
        raise ShapeError("`scripts` must be an array of scripts", value.span)
    return [(f"scripts[{i}]", _script(s, f"scripts[{i}]", found), s.span) for i, s in enumerate(value.value)]


def _script(node: Node, where: str, found: list[Diagnostic]) -> list[Cue | None]:
    if node.kind != "array":
        raise ShapeError(f"`{where}` must be an array of entries", node.span)
    cues: list[Cue | None] = []
    for i, entry in enumerate(node.value):
        try:
            cues.append(_cue(entry, f"{where}[{i}]"))
        except ShapeError as shape:
            found.append(shape.diagnostic)
            cues.append(None)
    return cues


def _cue(node: Node, where: str) -> Cue:
    if node.kind != "object":
        raise ShapeError(f"{where} must be an object like {{\"timestamp_ms\": 0, \"start\": {{...}}}}", node.span)
    pairs = node.value
    _known_keys(pairs, _ENTRY_KEYS, where)
    if "timestamp_ms" not in pairs:
        raise ShapeError(f"{where} has no `timestamp_ms`", node.span)
    _ts_key, ts = pairs["timestamp_ms"]
    if ts.kind != "number" or not isinstance(ts.value, int) or ts.value < 0:
        raise ShapeError("`timestamp_ms` must be a whole number of milliseconds, 0 or more", ts.span)
    if ts.value > MAX_MS:
        raise ShapeError("`timestamp_ms` is too large", ts.span, "a script lasts minutes, not centuries")
    actions = [k for k in ("start", "interact", "end") if k in pairs]
    if len(actions) != 1:
        raise ShapeError(f"{where} must have exactly one of `start`, `interact` and `end`", node.span)
    action = actions[0]
    keyword, body = pairs[action]
    if body.kind != "object":
        raise ShapeError(f"`{action}` must be an object", body.span)
    _known_keys(body.value, _ACTION_KEYS[action], f"`{action}`")
    prompt = _string(body, "prompt", action != "end", f"`{action}`")
    image = _string(body, "image", False, f"`{action}`")
    image_keyword = body.value["image"][0].span if image is not None else None
    time = Time(str(ts.value), ts.span, False, ts.value)
    return Cue(time, action, keyword.span, prompt, image, image_keyword, node.span)


def _string(body: Node, key: str, required: bool, where: str) -> Text | None:
    """A string member; `"image": null`, which real scripts contain, means no image."""
    pairs = body.value
    if key not in pairs or (pairs[key][1].kind == "null" and not required):
        if required:
            raise ShapeError(f"{where} has no `{key}`", body.span, f'write {{"{key}": "..."}}')
        return None
    value = pairs[key][1]
    if value.kind != "string":
        raise ShapeError(f"`{key}` must be a string", value.span)
    return Text(json.dumps(value.value, ensure_ascii=False), value.span, value.value)


def _known_keys(pairs: dict[str, tuple[Node, Node]], known: tuple[str, ...], where: str) -> None:
    for name, (key, _) in pairs.items():
        if name not in known:
            guess = closest(name, known)
            raise ShapeError(
                f"unknown key `{shown(name)}` in {where}", key.span,
                f"did you mean `{guess}`?" if guess else "keys are " + ", ".join(f"`{k}`" for k in known) if known else f"{where} takes no keys",
            )
