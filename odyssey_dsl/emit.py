"""The canonical script JSON: what the API's `script` field takes, byte for byte stable.

The output is exactly `json.dumps(value, indent=2, ensure_ascii=False) + "\\n"`, but written
with one f-string per entry: Python's indenting encoder is pure Python and would cost more
than the whole rest of a large compile.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

_quote = json.encoder.encode_basestring  # the C encoder, keeps UTF-8


class Entry(NamedTuple):
    """One entry of a script as the API receives it."""

    timestamp_ms: int
    action: str  # "start" | "interact" | "end"
    prompt: str | None = None
    image: str | None = None

    def to_json(self) -> dict[str, object]:
        """The entry as plain JSON values, keys in the canonical order."""
        body: dict[str, object] = {}
        if self.prompt is not None:
            body["prompt"] = self.prompt
        if self.image is not None:
            body["image"] = self.image
        return {"timestamp_ms": self.timestamp_ms, self.action: body}


def script_json(scripts: Sequence[Sequence[Entry]], batch: bool) -> str:
    """A script (array of entries) or, for a batch, an array of scripts."""
    if batch:
        return _array([_script(s, 1) for s in scripts], 0) + "\n"
    return _script(scripts[0], 0) + "\n"


def request_json(
    scripts: Sequence[Sequence[Entry]], batch: bool, portrait: bool, expansion: bool
) -> str:
    """The whole request body for `POST /simulation-jobs`."""
    body = _array([_script(s, 2) for s in scripts], 1) if batch else _script(scripts[0], 1)
    fields = [f'  "{"scripts" if batch else "script"}": {body}',
              f'  "portrait": {_bool(portrait)}', '  "output_video": true']
    if not expansion:
        fields.append('  "bypass_vlm_expansion": true')
    return "{\n" + ",\n".join(fields) + "\n}\n"


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _array(items: list[str], level: int) -> str:
    """The items one per line at `level + 1`; the indent goes into the separator, not into a
    copy of each item (a million entries would be held twice while joined)."""
    if not items:
        return "[]"
    pad = "  " * (level + 1)
    return "[\n" + pad + (",\n" + pad).join(items) + "\n" + "  " * level + "]"


def _script(entries: Sequence[Entry], level: int) -> str:
    return _array([_entry(e, level + 1) for e in entries], level)


def _entry(entry: Entry, level: int) -> str:
    p1 = "  " * (level + 1)
    p0 = "  " * level
    head = f'{{\n{p1}"timestamp_ms": {entry.timestamp_ms},\n{p1}"{entry.action}": '
    if entry.prompt is None and entry.image is None:
        return f"{head}{{}}\n{p0}}}"
    p2 = p1 + "  "
    fields = []
    if entry.prompt is not None:
        fields.append(f'{p2}"prompt": {_quote(entry.prompt)}')
    if entry.image is not None:
        fields.append(f'{p2}"image": {_quote(entry.image)}')
    return f"{head}{{\n" + ",\n".join(fields) + f"\n{p1}}}\n{p0}}}"


def schema_text() -> str:
    """The published JSON Schema of this output (generated from `odyssey_dsl.models`)."""
    return (Path(__file__).parent / "script.schema.json").read_text(encoding="utf-8")
