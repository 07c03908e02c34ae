"""`ody check`: hand-written script JSON judged by the screenplay rules, positions included.

The standard `json` module keeps no positions, so the JSON is read by `jsonpos`; each entry
becomes the same `Cue` node a screenplay line would, with spans pointing into the JSON, and
the per-script rules of `checks` run unchanged. Shape problems (a missing `timestamp_ms`, a
typo in a key) are ODY302, invalid JSON is ODY301. A script whose times all look like seconds
gets one ODY303 instead of a short-gap warning per entry. The keys are the API's (`api.request`).

Spans stay unplaced (offsets, see `jsonpos`) while the rules run; only the diagnostics
reported, and the entries a caller looks at, get lines and columns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from itertools import pairwise
from pathlib import Path

from .api.request import ACTION_KEYS, ACTIONS, ENTRY_KEYS, REQUEST_KEYS, SOURCES
from .checks import DEFAULT_MIN_GAP_MS, Timed, check_images, check_script, suppress
from .compiler import decode
from .config import DEFAULT_MAX_DURATION_MS
from .diagnostics import SHORT_GAP, TIMESTAMPS_IN_SECONDS, Diagnostic, Span, closest, shown, sort_key
from .jsonpos import GROUPS, JsonProblem, Lines, Node, expand, member_value, read
from .syntax import Cue, Document, Text, Time
from .times import MAX_MS

__all__ = ["FLAGS", "JsonCheck", "check_json"]

_new = tuple.__new__  # builds a named tuple three times faster than calling its class (see `_usual_cue`)
#: The request's flags: its keys other than the sources, each true or false.
FLAGS = tuple(key for key in REQUEST_KEYS if key not in SOURCES)
# Per variant of a usual entry (see `jsonpos`): its action, where its time, its action's key,
# its prompt and its image are.
_PARTS = {name: (groups.action, groups.ms, groups.keyword, groups.members.get("prompt"), groups.members.get("image"))
          for name, groups in GROUPS.items()}


@dataclass(frozen=True)
class JsonCheck:
    text: str
    diagnostics: tuple[Diagnostic, ...]
    unplaced: tuple[tuple[str, Cue], ...] = ()  # ("script[2]", the entry as a cue), spans unplaced
    lines: Lines | None = None

    @cached_property
    def entries(self) -> tuple[tuple[str, Cue], ...]:
        """("script[2]", the entry as a cue), in order, placed in the text."""
        return tuple((label, self._placed(cue)) for label, cue in self.unplaced)

    def entry_of(self, diagnostic: Diagnostic) -> tuple[str, Cue] | None:
        """The entry a diagnostic points into, to name it (`script[2] (interact at 3000 ms)`)."""
        if self.lines is None:
            return None
        offset = self.lines.offset(diagnostic.span.line, diagnostic.span.column)
        for label, cue in self.unplaced:
            if cue.span.column <= offset <= cue.span.end_column:
                return label, self._placed(cue)
        return None

    def _placed(self, cue: Cue) -> Cue:
        assert self.lines is not None
        at = self.lines.span
        prompt, image = cue.prompt, cue.image
        return cue._replace(
            time=cue.time._replace(span=at(cue.time.span)), keyword=at(cue.keyword), span=at(cue.span),
            prompt=prompt._replace(span=at(prompt.span)) if prompt is not None else None,
            image=image._replace(span=at(image.span)) if image is not None else None,
            image_keyword=at(cue.image_keyword) if cue.image_keyword is not None else None)


#: ODY303: a script looks written in seconds when every gap is shorter than this (in its
#: milliseconds) and its last time is at most `SECONDS_LAST` (ten minutes, written in seconds).
SECONDS_GAP = 100
SECONDS_LAST = 600


def check_json(data: bytes, base_dir: Path, ignore: frozenset[str] = frozenset(),
               max_duration_ms: int = DEFAULT_MAX_DURATION_MS) -> JsonCheck:
    """Every problem in a JSON script, batch or request body, placed in the JSON text
    (`max_duration_ms`: the `max-duration` setting)."""
    text, found = decode(data)
    entries: list[tuple[str, Cue]] = []
    if not found:
        scripts: _Scripts = []
        portrait = None
        try:
            root = read(text, decoded=True)
            portrait = _portrait(root)
            scripts = _scripts(root, text, found)
        except JsonProblem as shape:
            found.append(shape.diagnostic)
        for where, cues, span in scripts:
            entries.extend((f"{where}[{i}]", cue) for i, cue in enumerate(cues) if cue is not None)
            judged: list[Diagnostic] = []
            timed = check_script(cues, DEFAULT_MIN_GAP_MS, judged, None in cues[:1], None in cues, span, str,
                                 max_duration_ms)
            last = _in_seconds(timed)
            if last is not None:
                assert last.ms is not None
                judged = [d for d in judged if d.code != SHORT_GAP.code]
                judged.append(TIMESTAMPS_IN_SECONDS.at(last.cue.time.span, last=last.ms, last_ms=last.ms * 1000))
            found += judged
            check_images(timed, base_dir, found, portrait)
    lines = Lines(text)
    kept = [lines.diagnostic(d) for d in suppress(found, Document((), 0), ignore)]
    return JsonCheck(text, tuple(sorted(kept, key=sort_key)), tuple(entries), lines)


_Scripts = list[tuple[str, list[Cue | None], Span]]  # (where, entries, span of the array)


def _in_seconds(timed: tuple[Timed, ...]) -> Timed | None:
    """The last entry of a script whose times all look like seconds (0, 4, 8), else None."""
    known = [t for t in timed if t.ms is not None]
    values = [t.ms for t in known if t.ms is not None]
    if len(values) < 2 or not 0 < max(values) <= SECONDS_LAST:
        return None
    return known[-1] if all(b - a < SECONDS_GAP for a, b in pairwise(values)) else None


def _portrait(root: Node) -> bool | None:
    """The orientation of a request body (`portrait`, true unless said); None for a bare
    script or batch, which does not say how it will be sent."""
    if root.kind != "object":
        return None
    member = root.value.get("portrait")
    return member is None or member[1].kind != "false"


def _scripts(root: Node, text: str, found: list[Diagnostic]) -> _Scripts:
    """The scripts in a script, a batch or a request body (an entry of the wrong shape is
    reported and stands as None, like a broken line in a screenplay)."""
    if root.kind == "object":
        return _request(root, text, found)
    if root.kind != "array":
        raise JsonProblem("expected a script (an array of entries), a batch or a request body", root.span)
    if root.value and root.value[0].kind == "array":
        return _batch(root, text, found)
    return [("script", _script(root, "script", text, found), root.span)]


def _batch(node: Node, text: str, found: list[Diagnostic]) -> _Scripts:
    return [(f"scripts[{i}]", _script(s, f"scripts[{i}]", text, found), s.span) for i, s in enumerate(node.value)]


def _request(root: Node, text: str, found: list[Diagnostic]) -> _Scripts:
    pairs = root.value
    _known_keys(pairs, REQUEST_KEYS, "request body")
    present = [k for k in SOURCES if k in pairs]
    if len(present) != 1:
        raise JsonProblem(f"a request body has exactly one of {_one_of(SOURCES)}", root.span)
    for flag in FLAGS:
        if flag in pairs and pairs[flag][1].kind not in ("true", "false"):
            raise JsonProblem(f"`{flag}` must be true or false", pairs[flag][1].span)
    key, value = pairs[present[0]]
    if present[0] == "script_url":
        raise JsonProblem("`script_url` points to a script elsewhere: check that file instead", key.span)
    if present[0] == "script":
        return [("script", _script(value, "script", text, found), value.span)]
    if value.kind != "array":
        raise JsonProblem("`scripts` must be an array of scripts", value.span)
    return _batch(value, text, found)


def _script(node: Node, where: str, text: str, found: list[Diagnostic]) -> list[Cue | None]:
    if node.kind != "array":
        raise JsonProblem(f"`{where}` must be an array of entries", node.span)
    cues: list[Cue | None] = []
    for i, entry in enumerate(node.value):
        cue = _usual_cue(entry, text) if entry.kind == "entry" else None
        if cue is None:
            try:
                cue = _cue(expand(entry), f"{where}[{i}]", text)
            except JsonProblem as shape:
                found.append(shape.diagnostic)
        cues.append(cue)
    return cues


def _cue(node: Node, where: str, text: str) -> Cue:
    if node.kind != "object":
        raise JsonProblem(f"{where} must be an object like {{\"timestamp_ms\": 0, \"start\": {{...}}}}", node.span)
    pairs = node.value
    _known_keys(pairs, ENTRY_KEYS, where)
    if "timestamp_ms" not in pairs:
        raise JsonProblem(f"{where} has no `timestamp_ms`", node.span)
    _ts_key, ts = pairs["timestamp_ms"]
    if ts.kind != "number" or not isinstance(ts.value, int) or ts.value < 0:
        raise JsonProblem("`timestamp_ms` must be a whole number of milliseconds, 0 or more", ts.span)
    if ts.value > MAX_MS:
        raise JsonProblem("`timestamp_ms` is too large", ts.span, "a script lasts minutes, not centuries")
    actions = [k for k in ACTIONS if k in pairs]
    if len(actions) != 1:
        raise JsonProblem(f"{where} must have exactly one of {_one_of(ACTIONS)}", node.span)
    action = actions[0]
    keyword, body = pairs[action]
    if body.kind != "object":
        raise JsonProblem(f"`{action}` must be an object", body.span)
    _known_keys(body.value, ACTION_KEYS[action], f"`{action}`")
    prompt = _string(body, "prompt", action != "end", f"`{action}`", text)
    image = _string(body, "image", False, f"`{action}`", text)
    image_keyword = body.value["image"][0].span if image is not None else None
    time = Time(str(ts.value), ts.span, False, ts.value)
    return Cue(time, action, keyword.span, prompt, image, image_keyword, node.span)


def _usual_cue(node: Node, text: str) -> Cue | None:
    """The cue of an entry in the usual spelling (`jsonpos`: its keys are the API's), or None
    when `_cue` must look closer: a time too large, no prompt where one is needed. Named
    tuples are built by `tuple.__new__`, three times faster than by their classes: this runs
    for every entry of the file."""
    m: re.Match[str] = node.value
    action, ms_at, keyword, prompt_at, image_at = _PARTS[m.lastgroup or ""]
    prompt = _member(m, prompt_at, text)
    ms_start, ms_end = m.span(ms_at)
    ms = int(text[ms_start:ms_end])
    if ms > MAX_MS or (prompt is None and action != "end"):
        return None
    image = _member(m, image_at, text)
    image_keyword = _new(Span, (0, m.start(image_at[0]), 0, m.end(image_at[0]))) if image and image_at else None
    time = _new(Time, (text[ms_start:ms_end], _new(Span, (0, ms_start, 0, ms_end)), False, ms))
    at = _new(Span, (0, m.start(keyword), 0, m.end(keyword)))
    return _new(Cue, (time, action, at, prompt, image, image_keyword, node.span, None, ()))


def _member(m: re.Match[str], groups: tuple[int, int] | None, text: str) -> Text | None:
    """A string member of a usual entry (None when absent or null)."""
    if groups is None:
        return None
    start, end = m.span(groups[1])
    if start < 0:
        return None
    raw = text[start:end]
    value = member_value(raw)
    return None if value is None else _new(Text, (raw, _new(Span, (0, start, 0, end)), value))


def _string(body: Node, key: str, required: bool, where: str, text: str) -> Text | None:
    """A string member; `"image": null`, which real scripts contain, means no image."""
    pairs = body.value
    if key not in pairs or (pairs[key][1].kind == "null" and not required):
        if required:
            raise JsonProblem(f"{where} has no `{key}`", body.span, f'write {{"{key}": "..."}}')
        return None
    value = pairs[key][1]
    if value.kind != "string":
        raise JsonProblem(f"`{key}` must be a string", value.span)
    return _text(value.value, value.span, text)


def _text(value: str | None, span: Span, text: str) -> Text:
    """A JSON string as the rules see a string literal: as written, where, and its value."""
    return Text(text[span.column:span.end_column], span, value)


def _one_of(keys: tuple[str, ...]) -> str:
    """`a`, `b` and `c`."""
    *first, last = [f"`{k}`" for k in keys]
    return f"{', '.join(first)} and {last}"


def _known_keys(pairs: dict[str, tuple[Node, Node]], known: tuple[str, ...], where: str) -> None:
    for name, (key, _) in pairs.items():
        if name not in known:
            guess = closest(name, known)
            keys = "keys are " + ", ".join(f"`{k}`" for k in known) if known else f"{where} takes no keys"
            raise JsonProblem(f"unknown key `{shown(name)}` in {where}", key.span,
                             f"did you mean `{guess}`?" if guess else keys)
