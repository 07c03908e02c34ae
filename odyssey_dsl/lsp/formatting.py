"""Formatting through `ody fmt`'s own code, sent as the few line edits that differ, so the
editor keeps the cursor, the selection and the undo history of the untouched lines.

A selection ("Format Selection") is laid out by `fmt.format_range`, which rewrites only the
statements it touches, in place: edits taken from formatting the whole file and kept when
they touch the range would move half a statement (the directives are sorted, blocks aligned)
and lose or duplicate lines.
"""

from __future__ import annotations

from difflib import SequenceMatcher

from lsprotocol import types

from ..fmt import FormatError, format_range, format_text
from ..lines import split as lines_of
from ..lines import split_keeping
from .positions import Columns


def format_edits(text: str, line_width: int, columns: Columns,
                 lines: tuple[int, int] | None = None) -> list[types.TextEdit] | None:
    """The edits that turn `text` into its canonical layout; with `lines` (0-based, inclusive)
    only the statements touching that range are laid out. None: the text has syntax errors
    and is left alone."""
    try:
        if lines is None:
            new = format_text(text, line_width=line_width)
        else:
            new = format_range(text, (lines[0] + 1, lines[1] + 1), line_width=line_width)
    except FormatError:
        return None
    if new == text:
        return []
    old, fresh = _with_ends(text), _with_ends(new)
    split = lines_of(text)

    def line_at(index: int) -> str:
        return split[index] if 0 <= index < len(split) else ""

    def position(index: int) -> types.Position:
        if index < len(old):
            return types.Position(index, 0)
        last = len(split) - 1
        return columns.position(line_at, last, len(split[last]))

    return [types.TextEdit(types.Range(position(i1), position(i2)), "".join(fresh[j1:j2]))
            for tag, i1, i2, j1, j2 in SequenceMatcher(None, old, fresh, autojunk=False).get_opcodes()
            if tag != "equal"]


def _with_ends(text: str) -> list[str]:
    """The lines each with its line break, without the empty one after a final break."""
    found = split_keeping(text)
    return found if found[-1] else found[:-1]
