"""`odyssey_dsl.jsonpos`, the JSON reader of `ody check` and `ody decompile`, against `json.loads`.

The contract (module docstring): `read` accepts exactly what `json.loads` accepts once `NaN`,
`Infinity` and `-Infinity` are refused, with the same values; among those texts it refuses, as
ODY302, the ones with a repeated key, a lone surrogate or a number longer than 30 characters,
and everything `json.loads` refuses is ODY301. Entries in the usual spelling, read at once,
are the objects the token-by-token reader sees, spans included.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from odyssey_dsl.diagnostics import Span
from odyssey_dsl.jsonpos import JsonProblem, Lines, Node, expand, read
from odyssey_dsl.times import MAX_MS

PROPERTY = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- the oracle -----------------------------------------------------------------------------------

class _Refused(Exception):
    pass


def oracle(text: str) -> tuple[str | None, Any]:
    """(None, value) for a text `read` must accept, ("ODY301" or "ODY302", None) otherwise,
    by `json.loads` and the three extra rules."""
    shape = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        if len({key for key, _ in items}) != len(items):
            shape.append("repeated key")
        return dict(items)

    def number(kind: type) -> Any:
        def parse(literal: str) -> Any:
            if len(literal) > 30:
                shape.append("long number")
                return None
            return kind(literal)
        return parse

    def refuse(literal: str) -> Any:
        raise _Refused(literal)

    try:
        value = json.loads(text, object_pairs_hook=pairs, parse_constant=refuse,
                           parse_int=number(int), parse_float=number(float))
    except (ValueError, _Refused):
        return "ODY301", None
    if shape or _has_surrogate(value):
        return "ODY302", None
    return None, value


def _has_surrogate(value: Any) -> bool:
    text = json.dumps(value, ensure_ascii=False)  # only strings can hold one
    return re.search("[\ud800-\udfff]", text) is not None


def to_python(node: Node) -> Any:
    """The plain value of a node, as `json.loads` gives it (without recursion)."""
    out: list[Any] = [None]
    work: list[tuple[Node, Any, Any]] = [(node, out, 0)]
    while work:
        item, holder, slot = work.pop()
        item = expand(item)
        value: Any
        if item.kind == "array":
            value = [None] * len(item.value)
            work.extend((child, value, i) for i, child in enumerate(item.value))
        elif item.kind == "object":
            value = dict.fromkeys(item.value)
            work.extend((child, value, key) for key, (_, child) in item.value.items())
        else:
            value = item.value
        holder[slot] = value
    return out[0]


def same(a: Any, b: Any) -> bool:
    """Equal, with the same types all the way down (1 is not 1.0, nor True)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, float):
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    return bool(a == b)


def assert_agrees(text: str) -> None:
    code, value = oracle(text)
    for usual in (True, False):
        try:
            node = read(text, usual=usual)
        except JsonProblem as error:
            assert error.diagnostic.code == code, (text, error.diagnostic, usual)
            continue
        assert code is None, (text, code, usual)
        assert same(to_python(node), value), (text, usual)


# --- generated texts ------------------------------------------------------------------------------

STRINGS = st.text(st.characters(codec=None), max_size=8) | st.sampled_from(
    ["", "\ud800", "\udfff\ud800", "😀", "\u2028\x85\x0c", '"\\/', "\x00\x1f\x7f", "timestamp_ms"])
LEAVES = (st.none() | st.booleans() | st.integers() | st.integers(-(10**40), 10**40)
          | st.floats(allow_nan=False, allow_infinity=False) | STRINGS)
VALUES = st.recursive(LEAVES, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(STRINGS, inner, max_size=4),
                      max_leaves=20)


@st.composite
def dumped(draw: st.DrawFn, values: st.SearchStrategy[Any] = VALUES) -> str:
    """A value written by `json.dumps` in one of its spellings."""
    return json.dumps(draw(values), ensure_ascii=draw(st.booleans()),
                      indent=draw(st.sampled_from([None, 0, 2, "\t", "\r\n "])),
                      separators=draw(st.sampled_from([None, (",", ":"), (" ,\n", " : ")])))


WS = st.sampled_from(["", " ", "\n  ", "\r\n", "\t", "\r"])
STRING_VALUES = st.sampled_from(["a", "", "say \"hi\"", "caf\u00e9", "\\", "\ud800", "😀", "\u2028", "x" * 40])


@st.composite
def entries(draw: st.DrawFn) -> str:
    """An entry in the usual spelling or close to it: other orders, spaces, nulls, escapes,
    extra keys, times too large or not whole, another action."""
    def string(value: str) -> str:
        return json.dumps(value, ensure_ascii=draw(st.booleans()))

    def members(pairs: list[tuple[str, str]]) -> str:
        return "{" + ",".join(f"{draw(WS)}{string(k)}{draw(WS)}:{draw(WS)}{v}{draw(WS)}" for k, v in pairs) + "}"

    action = draw(st.sampled_from(["start", "interact", "end", "ned"]))
    body = []
    for key in draw(st.lists(st.sampled_from(["prompt", "image", "seed"]), unique=True, max_size=3)):
        value = draw(st.one_of(STRING_VALUES.map(string), st.sampled_from(["null", "3", "[]"])))
        body.append((key, value))
    ms = draw(st.sampled_from(["0", "3000", str(MAX_MS), str(MAX_MS + 1), "9" * 16, "9" * 17, "-1", "1.5", "1e3",
                               '"3000"', "00"]))
    pairs = [("timestamp_ms", ms), (action, members(body))]
    if draw(st.booleans()):
        pairs.reverse()
    return members(pairs)


SCRIPTS = st.lists(entries(), max_size=5).map(lambda items: "[" + ",".join(items) + "]")

TOKENS = st.lists(st.sampled_from([
    "[", "]", "{", "}", ",", ":", '"timestamp_ms"', '"start"', '"prompt"', '"a"', "0", "-0", "3000", "-1", "1.5",
    "1e400", "01", "1.", "-", "1" * 31, "true", "null", "nul", "NaN", "Infinity", "-Infinity", '"\\x"', '"\\u12"',
    '"\\ud800"', '"\\ud83d\\ude00"', '"\u2028"', '"\x0c"', '"', "'", " ", "\n", "\r", "\t", "\x0c", "\ufeff", "\ud800",
    '{"timestamp_ms": 0, "start": {"prompt": "a"}}', '{"timestamp_ms": 3000, "end": {}}',
]), max_size=30).map("".join)


@st.composite
def damaged(draw: st.DrawFn) -> str:
    """A valid text with one character removed, replaced or added: invalid near valid."""
    text = draw(st.one_of(dumped(), SCRIPTS))
    at = draw(st.integers(0, len(text)))
    cut = draw(st.integers(0, 1))
    return text[:at] + draw(st.sampled_from(["", ",", "]", "}", '"', ":", "\\", "x", "\n", " "])) + text[at + cut:]


# --- the contract ---------------------------------------------------------------------------------

@PROPERTY
@given(dumped())
def test_valid_json_reads_as_json_loads_reads_it(text: str) -> None:
    assert_agrees(text)


@PROPERTY
@given(st.one_of(TOKENS, damaged(), SCRIPTS))
@example("NaN")
@example("[-Infinity]")
@example('{"a": 1, "a": 1}')
@example('{"a": 1, "a": 1')  # invalid JSON wins over the repeated key
@example('["\\ud800", 1,]')
@example("1" * 31)
@example("[1e400, -0.0, 1E+2, 0.5e-3]")
@example("\ufeff[]")  # a byte order mark is no whitespace (decode drops it from files)
@example("[\x0c]")
@example('[{"timestamp_ms": 0, "start": {"prompt": "\\ud800"}}]')
@example('[{"timestamp_ms": 0, "start": {"prompt": "a"}} {"timestamp_ms": 1, "end": {}}]')
def test_any_text_is_accepted_or_refused_as_the_oracle_says(text: str) -> None:
    assert_agrees(text)


def expanded(node: Node) -> Node:
    node = expand(node)
    if node.kind == "array":
        return node._replace(value=[expanded(child) for child in node.value])
    if node.kind == "object":
        return node._replace(value={k: (key, expanded(value)) for k, (key, value) in node.value.items()})
    return node


@PROPERTY
@given(SCRIPTS | st.lists(SCRIPTS, max_size=3).map(lambda s: "[" + ",".join(s) + "]"))
def test_usual_entries_are_the_objects_read_token_by_token(text: str) -> None:
    try:
        slow = read(text, usual=False)
    except JsonProblem as error:
        with pytest.raises(JsonProblem) as caught:
            read(text)
        assert caught.value.diagnostic == error.diagnostic
        return
    assert expanded(read(text)) == expanded(slow)


def test_the_usual_spelling_is_read_at_once() -> None:
    text = ('[{"timestamp_ms": 0, "start": {"prompt": "a", "image": null}},\n'
            ' {"timestamp_ms": 3000, "interact": {"prompt": "caf\\u00e9"}}, {"timestamp_ms": 6000, "end": {}},\n'
            ' {"start": {"prompt": "a"}, "timestamp_ms": 0}, {"timestamp_ms": 0, "start": {"image": null, "prompt": "a"}}]')
    assert [node.kind for node in read(text).value] == ["entry", "entry", "entry", "entry", "object"]


def test_deep_nesting_reads_without_recursion() -> None:
    depth = 200_000
    node = read("[" * depth + "]" * depth)
    for _ in range(depth - 1):
        node = node.value[0]
    assert node.value == []


# --- where invalid JSON is reported ---------------------------------------------------------------

@pytest.mark.parametrize(("text", "message", "at"), [
    ("[1,]", "invalid JSON: unexpected `]`", (3, 4)),
    ('{"a" 1}', "invalid JSON: unexpected `1`", (5, 6)),
    ('[1 "b c"]', 'invalid JSON: unexpected `"b c"`', (3, 4)),
    ('[1 "b\\n"]', 'invalid JSON: unexpected `"b\\n"`', (3, 4)),
    ("[nul]", "invalid JSON: unexpected character 'n'", (1, 2)),
    ("[NaN]", "invalid JSON: unexpected character 'N'", (1, 2)),
    ("[1,\n", "invalid JSON: the text ends before the value is complete", (3, 4)),
    ("[1,\r\n", "invalid JSON: the text ends before the value is complete", (3, 4)),
    ("", "invalid JSON: the text ends before the value is complete", (0, 1)),
    ('["abc', "invalid JSON: the text ends inside this string", (1, 2)),
    ('["ab\ncd"]', "invalid JSON: unexpected character '\\n' in a string", (4, 5)),
    ('["a\\qb"]', "invalid JSON string: a bad escape sequence", (3, 5)),
    ('["a\\u12"]', "invalid JSON string: a bad escape sequence", (3, 5)),
    ("[] []", "invalid JSON: unexpected `[`", (3, 4)),
])
def test_invalid_json_is_reported_where_it_stops_being_json(text: str, message: str, at: tuple[int, int]) -> None:
    with pytest.raises(JsonProblem) as caught:
        read(text)
    diagnostic = caught.value.diagnostic
    assert (diagnostic.code, diagnostic.message, diagnostic.span) == ("ODY301", message, Span(0, at[0], 0, at[1]))


# --- lines ----------------------------------------------------------------------------------------

def test_lines_end_at_line_feeds_and_carriage_returns_only() -> None:
    text = "a\u2028b\x85c\x0cd\ne\r\nf\rg"
    lines = Lines(text)
    assert [lines.position(text.index(c)) for c in "adefg"] == [(1, 1), (1, 7), (2, 1), (3, 1), (4, 1)]
    assert lines.position(text.index("\r\n") + 1) == (2, 3)  # between \r and \n: still line 2
    assert lines.offset(4, 1) == text.index("g")
    assert lines.span(Span(0, 0, 0, len(text))) == Span(1, 1, 4, 2)
    assert lines.span(Span(2, 3, 2, 4)) == Span(2, 3, 2, 4)  # placed already
