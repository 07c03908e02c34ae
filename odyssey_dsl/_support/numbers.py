"""Whole numbers read from text a client, a server or a file controls: HTTP headers, query
strings, Content-Range, Retry-After.

Only ASCII digits count. `str.isdigit()` also says yes to `²` and `٣`, and `int()` then
refuses the first (a crash where a refusal was meant) and quietly reads the second; `int()`
alone also takes signs, spaces and underscores (`" +1_0 "` is 10). Every place that turns such
text into a number goes through `whole_number`.
"""

from __future__ import annotations

#: Enough digits for any byte count or Unix time; more is refused before `int()` sees it.
MAX_DIGITS = 18


def whole_number(text: str | bytes | None, max_digits: int = MAX_DIGITS) -> int | None:
    """The number `text` spells in ASCII digits `0`-`9` and nothing else (no sign, space or
    underscore), at most `max_digits` of them; None for anything else."""
    if isinstance(text, bytes):
        if not text.isascii():
            return None
        text = text.decode("ascii")
    if text is None or not 0 < len(text) <= max_digits or not (text.isascii() and text.isdigit()):
        return None
    return int(text)


__all__ = ["MAX_DIGITS", "whole_number"]
