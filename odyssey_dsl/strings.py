"""String literals: `"..."` and folded `\"\"\"...\"\"\"`, their escapes, and quoting back.

Escapes are validated on the raw text first so that each bad one is reported at its exact
place, even inside a folded string whose layout folding would erase.
"""

from __future__ import annotations

import re
from typing import NamedTuple

_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|[\s\S]?)")
_SIMPLE = {'"': '"', "\\": "\\", "n": "\n", "t": "\t"}
_FOLD = re.compile(r"[ \t\r\n]*[\r\n][ \t\r\n]*")
_PAIR = re.compile("[\ud800-\udbff][\udc00-\udfff]")
_QUOTE_NEEDED = re.compile(r'["\\\x00-\x1f\x7f\u2028\u2029]')
_LOOSE_QUOTE = re.compile(r'(\\[\s\S])|"')


class EscapeError(NamedTuple):
    """An invalid escape at `start:end`, offsets into the raw literal (quotes included)."""

    start: int
    end: int
    message: str
    help: str


def decode(raw: str) -> str | list[EscapeError]:
    """The value of a literal as written (with its quotes), or every invalid escape in it."""
    long = raw.startswith('"""')
    if not long and "\\" not in raw:
        return raw[1:-1]
    quote = 3 if long else 1
    inner = raw[quote:-quote]
    errors = _check_escapes(inner, quote)
    if errors:
        return errors
    if long:
        inner = fold(inner)
    return _PAIR.sub(_join_pair, _ESCAPE.sub(_unescape, inner))


def fold(inner: str) -> str:
    """The text of a triple-quoted string before escapes are decoded: each run of whitespace
    that holds a line break becomes one space; leading and trailing whitespace goes."""
    return _FOLD.sub(" ", inner).strip(" \t\r\n")


def quote(value: str) -> str:
    """A `"..."` literal whose value is exactly `value` (the inverse of `decode`)."""
    if not _QUOTE_NEEDED.search(value):
        return f'"{value}"'
    return '"' + _QUOTE_NEEDED.sub(_escape_char, value) + '"'


def escape_quotes(inner: str) -> str:
    """The text between a string's quotes with each `"` that ends it too early written `\\"`,
    its escapes kept as written: what a writer meant by `"reads "OPEN" in red"`."""
    return _LOOSE_QUOTE.sub(_escaped_quote, inner) if '"' in inner else inner


def _escaped_quote(match: re.Match[str]) -> str:
    return match.group(1) or '\\"'


def _escape_char(match: re.Match[str]) -> str:
    char = match.group()
    if char == '"':
        return '\\"'
    if char == "\\":
        return "\\\\"
    if char == "\n":
        return "\\n"
    if char == "\t":
        return "\\t"
    return f"\\u{ord(char):04x}"


def _check_escapes(inner: str, offset: int) -> list[EscapeError]:
    errors: list[EscapeError] = []
    pending_high: re.Match[str] | None = None
    for match in _ESCAPE.finditer(inner):
        body = match.group(1)
        start, end = match.start() + offset, match.end() + offset
        is_unicode = len(body) == 5
        code = int(body[1:], 16) if is_unicode else -1
        if pending_high is not None:
            adjacent = match.start() == pending_high.end()
            if adjacent and 0xDC00 <= code <= 0xDFFF:
                pending_high = None
                continue
            errors.append(_lone(pending_high, offset))
            pending_high = None
        if is_unicode:
            if 0xD800 <= code <= 0xDBFF:
                pending_high = match
            elif 0xDC00 <= code <= 0xDFFF:
                errors.append(_lone(match, offset))
        elif body not in _SIMPLE:
            if body.startswith("u"):
                message = "`\\u` must be followed by exactly four hex digits"
            elif body in ("\n", "\r"):
                message = "a backslash before a line break is not an escape"
            elif not body:
                message = "a backslash at the end of a string is not an escape"
            elif body.isspace():
                message = f"a backslash before a {'tab' if body == chr(9) else 'space'} is not an escape"
            elif not body.isprintable():
                message = f"invalid escape: a backslash before {repr(body)[1:-1]}"
            else:
                message = f"invalid escape `\\{body}`"
            errors.append(
                EscapeError(
                    start, end, message,
                    'escapes are \\" \\\\ \\n \\t and \\uXXXX; write \\\\ for a backslash',
                )
            )
    if pending_high is not None:
        errors.append(_lone(pending_high, offset))
    return errors


def _lone(match: re.Match[str], offset: int) -> EscapeError:
    return EscapeError(
        match.start() + offset,
        match.end() + offset,
        f"lone surrogate `\\{match.group(1)}`",
        "a character above U+FFFF is written as a surrogate pair, like \\ud83d\\ude00, or typed as is",
    )


def _unescape(match: re.Match[str]) -> str:
    body = match.group(1)
    if len(body) == 5:
        return chr(int(body[1:], 16))
    return _SIMPLE[body]


def _join_pair(match: re.Match[str]) -> str:
    """Escaped surrogate pairs become the one character they encode."""
    high, low = (ord(c) for c in match.group())
    return chr(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
