"""String literals (odyssey_dsl.strings): escapes, surrogates, folding of `\"\"\"` strings,
exact places of invalid escapes, and `quote` as the inverse of `decode`."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from odyssey_dsl import parse
from odyssey_dsl.strings import EscapeError, decode, quote
from odyssey_dsl.syntax import Directive, Text

BACKSLASH = "\\"


def errors(raw: str) -> list[EscapeError]:
    result = decode(raw)
    assert isinstance(result, list), f"{raw!r} decoded to {result!r}"
    return result


def places(raw: str) -> list[tuple[int, int]]:
    return [(e.start, e.end) for e in errors(raw)]


# --- escapes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ('"plain"', "plain"),
        ('""', ""),
        (r'"a\"b"', 'a"b'),
        (r'"a\\b"', "a\\b"),
        (r'"a\nb"', "a\nb"),
        (r'"a\tb"', "a\tb"),
        (r'"\u00e9"', "é"),
        (r'"\u00E9"', "é"),
        (r'"\u0041\u0042"', "AB"),
        (r'"\\n"', "\\n"),  # an escaped backslash, then a plain n
        (r'"\\\""', '\\"'),
        ('"😀 ü"', "😀 ü"),  # typed as is
        ('"a  \tb"', "a  \tb"),  # a short string is never folded
    ],
)
def test_escapes(raw: str, value: str) -> None:
    assert decode(raw) == value


@pytest.mark.parametrize("raw", [r'"\ud83d\ude00"', r'"\uD83D\uDE00"', '"""\\ud83d\\ude00"""'])
def test_surrogate_pair_is_one_character(raw: str) -> None:
    assert decode(raw) == "😀"
    assert len(decode(raw)) == 1


def test_surrogate_pair_between_text() -> None:
    assert decode(r'"x\ud83d\ude00y"') == "x😀y"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (r'"\ud800"', [(1, 7)]),
        (r'"\udc00"', [(1, 7)]),
        (r'"\ud800x"', [(1, 7)]),
        (r'"\ud800\u0041"', [(1, 7)]),  # a high surrogate followed by a non-surrogate
        (r'"\ude00\ud83d"', [(1, 7), (7, 13)]),  # a pair the wrong way round
        (r'"\ud83dx\ude00"', [(1, 7), (8, 14)]),  # not adjacent
        (r'"ok\ud800"', [(3, 9)]),
    ],
)
def test_lone_surrogate_is_an_error(raw: str, expected: list[tuple[int, int]]) -> None:
    found = errors(raw)
    assert [(e.start, e.end) for e in found] == expected
    for e in found:
        assert e.message.startswith("lone surrogate `\\u")
        assert raw[e.start:e.end] in e.message
        assert "surrogate pair" in e.help


@pytest.mark.parametrize(
    ("raw", "expected", "shown"),
    [
        (r'"a\qb"', [(2, 4)], ["\\q"]),
        (r'"a\qb\x"', [(2, 4), (5, 7)], ["\\q", "\\x"]),  # every bad escape, not the first
        (r'"\U0001F600"', [(1, 3)], ["\\U"]),
        (r'"x\r"', [(2, 4)], ["\\r"]),
        (r'"\0"', [(1, 3)], ["\\0"]),
        (r'"\'"', [(1, 3)], ["\\'"]),
    ],
)
def test_invalid_escape_places(raw: str, expected: list[tuple[int, int]], shown: list[str]) -> None:
    found = errors(raw)
    assert [(e.start, e.end) for e in found] == expected
    for e, text in zip(found, shown):
        assert e.message == f"invalid escape `{text}`"
        assert "\\uXXXX" in e.help and "backslash" in e.help


@pytest.mark.parametrize("raw", [r'"\u12"', r'"\u12g4"', r'"\u"', r'"\uZZZZ"'])
def test_short_unicode_escape(raw: str) -> None:
    found = errors(raw)
    assert [(e.start, e.end) for e in found] == [(1, 3)]
    assert "four hex digits" in found[0].message


def test_escape_offsets_in_a_long_string_count_the_raw_text() -> None:
    raw = '"""a\\qb\n\\z"""'
    assert places(raw) == [(4, 6), (8, 10)]
    assert [raw[s:e] for s, e in places(raw)] == ["\\q", "\\z"]


def test_escapes_are_checked_before_folding() -> None:
    # Folding would move `\q`; the error still points at where it was written.
    raw = '"""  a\n\n     \\q"""'
    assert places(raw) == [(13, 15)]


def test_backslash_before_a_line_break_is_an_invalid_escape() -> None:
    raw = '"""a \\\n b"""'
    assert places(raw) == [(5, 7)]


# --- folding of """ strings ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ('"""a\nb"""', "a b"),
        ('"""  a \n  b\t\n\tc  """', "a b c"),
        ('"""a  b\n c"""', "a  b c"),  # whitespace without a line break stays as it is
        ('"""a\t\tb"""', "a\t\tb"),
        ('"""a\n\n\n   b"""', "a b"),  # one run, one space
        ('"""\r\n x \r y\r\n"""', "x y"),  # CR LF and lone CR are line breaks too
        ('"""  a  """', "a"),  # leading and trailing whitespace removed
        ('"""\n\n  a\n\n"""', "a"),
        ('""""""', ""),
        ('"""\n  \n"""', ""),
        ('"""a\\n\n  b\\tc"""', "a\n b\tc"),  # escapes decoded after folding: \n and \t survive
        ('"""\\ta\\n"""', "\ta\n"),  # escaped whitespace is not stripped
        ('"""\\u0020a\n"""', " a"),
        ('"""a\\\\\n b"""', "a\\ b"),
        ('"""say "hi"\n now"""', 'say "hi" now'),
        ('"""\\ud83d\\ude00\n!"""', "😀 !"),
    ],
)
def test_folding(raw: str, value: str) -> None:
    assert decode(raw) == value


def _fold_reference(inner: str) -> str:
    """The issue's folding rule, written independently: runs of whitespace holding a line
    break become one space, then the ends are trimmed."""
    pieces = re.split(r"([ \t\r\n]+)", inner)
    out = []
    for i, piece in enumerate(pieces):
        if i % 2 and ("\n" in piece or "\r" in piece):
            out.append(" ")
        else:
            out.append(piece)
    return "".join(out).strip(" \t\r\n")


@given(st.text(alphabet=st.sampled_from(list("ab \t\r\né😀")), max_size=40))
def test_folding_matches_the_rule(inner: str) -> None:
    assert decode('"""' + inner + '"""') == _fold_reference(inner)


# --- quote ----------------------------------------------------------------------------------


def test_quote_escapes_exactly_what_it_must() -> None:
    value = 'a"b\\c\nd\te\x00\x7f\u2028\u2029\r\x1fé😀'
    assert quote(value) == '"a\\"b\\\\c\\nd\\te\\u0000\\u007f\\u2028\\u2029\\u000d\\u001fé😀"'


def test_quote_leaves_plain_text_alone() -> None:
    assert quote("the cat looks outside") == '"the cat looks outside"'


TEXT = st.text(st.characters(blacklist_categories=["Cs"]))


@given(TEXT)
def test_decode_inverts_quote(value: str) -> None:
    assert decode(quote(value)) == value


@given(TEXT)
def test_a_quoted_string_is_one_token_on_one_line(value: str) -> None:
    literal = quote(value)
    assert "\n" not in literal and "\r" not in literal
    document = parse(f"title {literal}")  # a title is no template: any brace is text
    assert document.diagnostics == ()
    (title,) = document.statements
    assert isinstance(title, Directive) and isinstance(title.value, Text)
    assert title.value.value == value
    assert title.value.raw == literal


@given(st.text(alphabet=st.sampled_from(['"', BACKSLASH, "u", "d", "8", "0", "c", "a", "n", "\n", " "]), max_size=30))
def test_decode_never_raises(inner: str) -> None:
    for raw in ('"' + inner + '"', '"""' + inner + '"""'):
        result = decode(raw)
        if isinstance(result, list):
            assert result, "an empty error list"
            for e in result:
                assert 0 <= e.start < e.end <= len(raw)
                assert raw[e.start] == BACKSLASH
        else:
            assert not any("\ud800" <= c <= "\udfff" for c in result)
