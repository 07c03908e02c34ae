"""JSON that remembers where each value is: the one reader of `ody check` and `ody decompile`.

`read` turns a JSON text into `Node`s. It accepts exactly the texts `json.loads` accepts with
`parse_constant` refusing `NaN`, `Infinity` and `-Infinity` (those are not JSON), and its values
are `json.loads`'s. On top of that it refuses three things `json.loads` lets through, as shape
problems (ODY302) rather than invalid JSON: a key repeated in an object, a string holding a
lone surrogate, and a number longer than 30 characters (no timestamp is that long, and `int()`
of thousands of digits is refused). Invalid JSON wins over those: the text is read to its end
before the first shape problem in it is raised.

Speed (issue 7): a 20,000-entry script must be checked in a few times the time `json.load`
takes. So positions are plain offsets, and an entry written the usual way, `{"timestamp_ms": N,
"<action>": {<its keys in the order of api.ACTION_KEYS>}}` (or its action first), is read by one
regular expression into a single `entry` node; anything else is read token by token, without
recursion (a deeply nested text is no problem).

Spans are *unplaced* while reading, `Span(0, start, 0, end)` with offsets for columns, and
`Lines` turns into lines and columns only the ones a diagnostic reports.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from json import JSONDecodeError, decoder
from typing import Any, NamedTuple

from . import lines
from .api.request import ACTION_KEYS, ACTIONS, ENTRY_KEYS
from .diagnostics import INVALID_JSON, NOT_A_SCRIPT, Descriptor, Diagnostic, Related, Span, shown

# The standard library's string scanner (its C version when built): `(value, end)` of the string
# whose opening quote is just before the offset. Undeclared in typeshed, hence the ignore.
scanstring: Callable[[str, int, bool], tuple[str, int]] = decoder.scanstring  # type: ignore[attr-defined]
_CONTROL_FREE = r'[^"\\\x00-\x1f]*'
_ESCAPE = r'\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})'
_STRING = f'"{_CONTROL_FREE}(?:{_ESCAPE}{_CONTROL_FREE})*"'
_WS = r"[ \t\n\r]*"
# One token after optional whitespace; the group number says which kind.
_TOKEN = re.compile(
    r'[ \t\n\r]*(?:"([^"\\\x00-\x1f]*)"'  # 1 a string without escapes (its contents)
    r"|(-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)"  # 2 a number
    r"|([\[\]{},:])"  # 3 punctuation
    r"|(true|false|null)"  # 4 a literal
    r'|(")'  # 5 a string with escapes, or a broken one: `scanstring` reads it
    r"|(.)"  # 6 anything else
    r"|(\Z))",  # 7 the end of the text
    re.DOTALL,
)
_LOOSE_STRING = re.compile(r'"[^"\\\n]*(?:\\.[^"\\\n]*)*"?')  # only to show an unexpected string
_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_LITERALS = {"true": True, "false": False, "null": None}
_LONGEST_NUMBER = 30
_INVALID_HELP = "check the brackets, commas and quotes around here"


class Groups(NamedTuple):
    """Where the parts of an entry in the usual spelling are in its match: group numbers. The
    entry's variant (its action, and which of its two keys comes first) is `match.lastgroup`."""

    action: str
    ms: int  # the `timestamp_ms` number
    keyword: int  # the action's key
    members: dict[str, tuple[int, int]]  # key of the action's object → (group of the key, of its value)
    timestamp: int  # the `timestamp_ms` key
    body: int  # the action's object


def _usual_entry() -> tuple[re.Pattern[str], dict[str, Groups]]:
    """The usual spelling of an entry, from the API's tables: `timestamp_ms` (a whole number of
    at most 16 digits) and one action, in either order; the action's object holds a prefix of
    that action's keys in the table's order, the first a string, the others a string or null.
    Each variant is a group that ends the match, so `lastgroup` names it."""
    timestamp = ENTRY_KEYS[0]
    variants, actions = [], {}
    for time_first in (True, False):
        for action in ACTIONS:
            name = action if time_first else f"{action}_then_time"
            actions[name] = action
            members = ""
            for i, key in reversed(list(enumerate(ACTION_KEYS[action]))):
                value = f"(?P<{name}_{key}>{_STRING}{'|null' if i else ''})"
                member = f'{"," + _WS if i else ""}(?P<{name}_{key}_key>"{key}"){_WS}:{_WS}{value}{_WS}'
                members = f"{member}{members}" if not i else f"(?:{member}{members})?"
            act = f'(?P<{name}_key>"{action}"){_WS}:{_WS}(?P<{name}_body>\\{{{_WS}{members}\\}})'
            ms = f'(?P<{name}_ts>"{timestamp}"){_WS}:{_WS}(?P<{name}_ms>0|[1-9][0-9]{{0,15}})'
            variants.append(f"(?P<{name}>{ms if time_first else act}{_WS},{_WS}{act if time_first else ms}{_WS}\\}})")
    pattern = re.compile(f"{_WS}(\\{{){_WS}(?:{'|'.join(variants)})")
    index = pattern.groupindex
    return pattern, {
        name: Groups(action, index[f"{name}_ms"], index[f"{name}_key"],
                     {key: (index[f"{name}_{key}_key"], index[f"{name}_{key}"]) for key in ACTION_KEYS[action]},
                     index[f"{name}_ts"], index[f"{name}_body"])
        for name, action in actions.items()}


_USUAL, GROUPS = _usual_entry()
_NEXT_USUAL = re.compile(f"{_WS},{_USUAL.pattern}")  # a comma, then an entry: the same groups


class Node(NamedTuple):
    """A JSON value and where it is. `value` is the Python value of a string, number or literal,
    a list of Nodes for an array, a dict of key → (key Node, value Node) for an object, and a
    `re.Match` for an `entry` (an object in the usual spelling, read at once: `GROUPS` says
    where its parts are, `expand` gives it as an object)."""

    kind: str  # object | array | string | number | true | false | null | entry
    value: Any
    span: Span


class JsonProblem(Exception):
    """A problem that stops reading this part of the JSON (ODY302, or ODY301 for bad text)."""

    def __init__(self, message: str, span: Span, help: str | None = None, kind: Descriptor = NOT_A_SCRIPT) -> None:
        super().__init__(message)
        self.diagnostic = kind.at(span, message, help)


# What may come next: a value, a value or `]`, a key, a key or `}`, `:`, `,` or the container's
# end, the end of the text. The order matters: `state <= _FIRST` means a value may come.
_VALUE, _FIRST, _KEY, _FIRST_KEY, _COLON, _NEXT, _END = range(7)


def read(text: str, *, decoded: bool = False, usual: bool = True) -> Node:
    """The JSON value of `text` as Nodes with unplaced spans. Raises JsonProblem: ODY301 where
    the text stops being JSON, else ODY302 for the first repeated key, lone surrogate or
    overlong number. `decoded`: the text was decoded from UTF-8, so only a `\\u` escape can
    make a surrogate (looking for one takes a few milliseconds less). `usual=False` reads
    every entry token by token (for tests)."""
    surrogates = _SURROGATE_ESCAPE.search(text) is not None or not (
        decoded or text.isascii() or _SURROGATE.search(text) is None)
    problems: list[JsonProblem] = []
    stack: list[list[Any]] = []  # open containers: [is array, start, items, pending key Node]
    token, usual_entry, next_entry = _TOKEN.match, _USUAL.match if usual else None, _NEXT_USUAL.match
    new = tuple.__new__  # builds a named tuple three times faster than calling its class
    pos, state, root = 0, _VALUE, None
    while True:
        if usual_entry is not None and state <= _FIRST and stack and stack[-1][0]:
            found = usual_entry(text, pos)
            if found is not None and not (surrogates and _has_surrogate(found)):
                items = stack[-1][2]
                while found is not None and not (surrogates and _has_surrogate(found)):
                    items.append(new(Node, ("entry", found, new(Span, (0, found.start(1), 0, found.end())))))
                    pos = found.end()
                    found = next_entry(text, pos)
                state = _NEXT
                continue
        m = token(text, pos)
        assert m is not None  # the last alternatives match any character, or the end
        group = m.lastindex or 0
        start, pos = m.start(group) - (group == 1), m.end()  # group 1 holds a string's contents
        node: Node | None = None
        if state <= _FIRST_KEY and (group == 1 or group == 5):  # a string: a value or a key
            if group == 1:
                value = m.group(1)
                if surrogates and _SURROGATE.search(value):
                    problems.append(_surrogate(start, pos))
            else:
                value, pos = _string(text, start, problems)
            node = Node("string", value, Span(0, start, 0, pos))
            if state >= _KEY:
                if value in stack[-1][2]:
                    problems.append(JsonProblem(f"key `{shown(value)}` appears twice", node.span))
                stack[-1][3], state = node, _COLON
                continue
        elif state <= _FIRST and group == 2:
            number = m.group(2)
            if len(number) > _LONGEST_NUMBER:
                problems.append(JsonProblem("this number is far too large for a timestamp", Span(0, start, 0, pos)))
                node = Node("number", None, Span(0, start, 0, pos))
            else:
                is_int = "." not in number and "e" not in number and "E" not in number
                node = Node("number", int(number) if is_int else float(number), Span(0, start, 0, pos))
        elif state <= _FIRST and group == 4:
            word = m.group(4)
            node = Node(word, _LITERALS[word], Span(0, start, 0, pos))
        elif group == 3:
            mark = text[start]
            if state <= _FIRST and mark in "[{":
                stack.append([mark == "[", start, [] if mark == "[" else {}, None])
                state = _FIRST if mark == "[" else _FIRST_KEY
                continue
            if state == _COLON and mark == ":":
                state = _VALUE
                continue
            if state == _NEXT and mark == ",":
                state = _VALUE if stack[-1][0] else _KEY
                continue
            closes = "]" if stack and stack[-1][0] else "}"
            if mark == closes and (state == _NEXT or state == (_FIRST if closes == "]" else _FIRST_KEY)):
                is_array, opened, items, _ = stack.pop()
                node = Node("array" if is_array else "object", items, Span(0, opened, 0, pos))
            else:
                raise _unexpected(m, text)
        elif group == 7:
            if state == _END:
                break
            raise _ends_early(text)
        else:
            raise _unexpected(m, text)
        if not stack:
            root, state = node, _END
        elif stack[-1][0]:
            stack[-1][2].append(node)
            state = _NEXT
        else:
            frame = stack[-1]
            frame[2][frame[3].value] = (frame[3], node)
            state = _NEXT
    if problems:
        raise problems[0]
    assert root is not None
    return root


# --- entries in the usual spelling -------------------------------------------------------------

def member_value(raw: str) -> str | None:
    """The value of a matched member, written `raw`: its string, or None for null."""
    if raw == "null":
        return None
    return scanstring(raw, 1, True)[0] if "\\" in raw else raw[1:-1]


def _has_surrogate(m: re.Match[str]) -> bool:
    """Whether a string of a usual entry holds a lone surrogate (then it is read token by
    token, which reports it)."""
    members = GROUPS[m.lastgroup or ""].members.values()
    return any(_SURROGATE.search(member_value(m.group(group)) or "") for _, group in members if m.start(group) >= 0)


def _string(text: str, start: int, problems: list[JsonProblem]) -> tuple[str, int]:
    """A string with escapes (or a broken one) by the standard library's scanner."""
    try:
        value, end = scanstring(text, start + 1, True)
    except JSONDecodeError as error:
        at = error.pos
        if error.msg.startswith("Unterminated"):
            raise _invalid("invalid JSON: the text ends inside this string", start, start + 1) from None
        if error.msg.startswith("Invalid control"):
            raise _invalid(f"invalid JSON: unexpected character {text[at]!r} in a string", at, at + 1,
                           'a string ends on its line with `"`; write a line break as \\n, a tab as \\t') from None
        back = text.rfind("\\", start, at + 1)
        raise _invalid("invalid JSON string: a bad escape sequence", back, back + 2,
                       'JSON escapes are \\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX') from None
    if _SURROGATE.search(value):
        problems.append(_surrogate(start, end))
    return value, end


def _surrogate(start: int, end: int) -> JsonProblem:
    return JsonProblem("this string contains a lone surrogate escape", Span(0, start, 0, end),
                      "a character above U+FFFF is written as a surrogate pair, like \\ud83d\\ude00")


def _invalid(message: str, start: int, end: int, help: str = _INVALID_HELP) -> JsonProblem:
    return JsonProblem(message, Span(0, start, 0, end), help, INVALID_JSON)


def _unexpected(m: re.Match[str], text: str) -> JsonProblem:
    """A token where JSON allows none, shown as written (a character when it starts no token)."""
    group = m.lastindex or 0
    start = m.start(group) - (group == 1)
    if group == 6:
        return _invalid(f"invalid JSON: unexpected character {text[start]!r}", start, start + 1)
    if group == 5:
        found = _LOOSE_STRING.match(text, start)
        token = found.group() if found else '"'
    else:
        token = text[start:m.end()]  # a string without escapes, a number, a literal or a mark
    return _invalid(f"invalid JSON: unexpected `{shown(token, 20)}`", start, start + 1)


def _ends_early(text: str) -> JsonProblem:
    """Where the text ends, not counting a final line break (no line opens after it)."""
    end = len(text) - (2 if text.endswith("\r\n") else 1 if text.endswith(("\n", "\r")) else 0)
    return _invalid("invalid JSON: the text ends before the value is complete", end, end + 1)


def expand(node: Node) -> Node:
    """An `entry` node as the object it is (other nodes as they are)."""
    if node.kind != "entry":
        return node
    m: re.Match[str] = node.value
    groups = GROUPS[m.lastgroup or ""]

    def at(group: int) -> Span:
        return Span(0, m.start(group), 0, m.end(group))

    body: dict[str, tuple[Node, Node]] = {}
    for key, (key_group, group) in groups.members.items():
        if m.start(group) >= 0:
            value = member_value(m.group(group))
            body[key] = (Node("string", key, at(key_group)), Node("null" if value is None else "string", value, at(group)))
    time = Node("number", int(m.group(groups.ms)), at(groups.ms))
    pairs = [(ENTRY_KEYS[0], (Node("string", ENTRY_KEYS[0], at(groups.timestamp)), time)),
             (groups.action, (Node("string", groups.action, at(groups.keyword)), Node("object", body, at(groups.body))))]
    if m.start(groups.ms) > m.start(groups.keyword):
        pairs.reverse()
    return Node("object", dict(pairs), node.span)


class Lines:
    """Lines and columns of offsets in a text. Lines end at \\n, \\r\\n or a lone \\r, as the
    compiler and the language server count them (never at U+2028, U+0085 or a form feed, which
    `str.splitlines` would count). The line starts are found the first time they are needed."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._starts: list[int] | None = None

    def position(self, offset: int) -> tuple[int, int]:
        """1-based line and column of an offset."""
        if self._starts is None:
            self._starts = [0, *(m.end() for m in lines.BREAK.finditer(self.text))]
        line = bisect_right(self._starts, offset)
        return line, offset - self._starts[line - 1] + 1

    def offset(self, line: int, column: int) -> int:
        """The offset of a 1-based line and column (the inverse of `position`)."""
        self.position(0)
        assert self._starts is not None
        return self._starts[min(line, len(self._starts)) - 1] + column - 1

    def span(self, span: Span) -> Span:
        """An unplaced span placed (a placed one as it is)."""
        if span.line:
            return span
        return Span(*self.position(span.column), *self.position(span.end_column))

    def diagnostic(self, d: Diagnostic) -> Diagnostic:
        """A diagnostic with every span placed."""
        fixes = tuple(f.moved(self.span(f.span)) for f in d.fixes)
        related = tuple(Related(self.span(r.span), r.message) for r in d.related)
        return Diagnostic(d.code, d.message, self.span(d.span), d.help, fixes, related)
