"""Formatting through `ody fmt`'s own code, sent as the few line edits that differ, so the
editor keeps the cursor, the selection and the undo history of the untouched lines."""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from lsprotocol import types

from ..fmt import FormatError, format_text
from .positions import Columns

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")  # lines with their ends, as LSP counts them
_BREAK = re.compile(r"\r\n|\r|\n")


def format_edits(text: str, line_width: int, columns: Columns,
                 lines: tuple[int, int] | None = None) -> list[types.TextEdit] | None:
    """The edits that turn `text` into its canonical layout; with `lines` (0-based, inclusive)
    only those touching that range. None: the text has syntax errors and is left alone."""
    try:
        new = format_text(text, line_width=line_width)
    except FormatError:
        return None
    if new == text:
        return []
    old, fresh = _LINE.findall(text), _LINE.findall(new)
    split = _BREAK.split(text)

    def line_at(index: int) -> str:
        return split[index] if 0 <= index < len(split) else ""

    def position(index: int) -> types.Position:
        if index < len(old):
            return types.Position(index, 0)
        last = len(split) - 1
        return columns.position(line_at, last, len(split[last]))

    edits = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, old, fresh, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        if lines is not None and not (i1 <= lines[1] and max(i2, i1 + 1) > lines[0]):
            continue
        edits.append(types.TextEdit(types.Range(position(i1), position(i2)), "".join(fresh[j1:j2])))
    return edits
