"""The line model: lines end at \\r\\n, \\r or \\n only, and every way of asking agrees."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from odyssey_dsl import lines, parse

# Line breaks, separators that `str.splitlines` would also break at, and ordinary text.
PIECES = st.sampled_from(["a", "é", " ", "\n", "\r", "\r\n", "\u2028", "\u0085", "\x0c", "\x1e"])
TEXT = st.lists(PIECES, max_size=30).map("".join)


@given(TEXT)
def test_the_ways_of_splitting_agree(text: str) -> None:
    plain, keeping = lines.split(text), lines.split_keeping(text)
    assert "".join(keeping) == text and len(plain) == len(keeping) == lines.count(text) == parse(text).line_count
    assert [line.rstrip("\r\n") for line in keeping] == plain
    assert lines.normalized(text) == "\n".join(plain)


@given(TEXT, st.data())
def test_a_position_is_its_line_and_column_in_the_split(text: str, data: st.DataObject) -> None:
    offset = data.draw(st.integers(0, len(text)))
    if text[offset - 1:offset + 1] == "\r\n":
        offset -= 1  # between the two halves of a line break: not a place a position names
    line, column = lines.position(text, offset)
    before = lines.split_keeping(text)[:line - 1]
    assert sum(map(len, before)) + column - 1 == offset
    assert column - 1 <= len(lines.split(text)[line - 1])


def test_unicode_separators_are_not_line_breaks() -> None:
    text = "a\u2028b\u0085c\x0cd\ne"
    assert lines.split(text) == ["a\u2028b\u0085c\x0cd", "e"]
    # `str.splitlines` would count five lines here.
    assert lines.position(text, text.index("e")) == (2, 1)
