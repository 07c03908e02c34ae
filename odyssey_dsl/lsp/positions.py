"""Columns in the client's unit, and ranges between our spans and LSP ranges.

The compiler counts columns in code points (1-based); LSP counts them in the unit the client
and server agreed on at `initialize` (UTF-16 unless the client offers another). A line with
an emoji or an accented letter differs between the two, so every position crosses here, one
line at a time: only the lines a position sits on are ever looked at.

A byte the client sent that is not UTF-8 arrives as the lone surrogate U+DC80-U+DCFF of the
same value (see `server._Frames`): the client counts it as one character, one UTF-16 unit and
one byte, and so does every count here.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable

from lsprotocol import types

from ..diagnostics import Span

#: The line at a 0-based index, without its line break ('' past the end).
LineAt = Callable[[int], str]

#: The error handler that encodes text as the client holds it: a byte that was not UTF-8 as that
#: byte, another lone surrogate (a JSON `\ud800`) as UTF-8 would if it could (three bytes).
CLIENT_BYTES = "ody-client-bytes"
_CODECS: dict[str, str] = {types.PositionEncodingKind.Utf8: "utf-8", types.PositionEncodingKind.Utf16: "utf-16-le"}
_ERRORS = {"utf-8": CLIENT_BYTES, "utf-16-le": "surrogatepass"}  # a lone surrogate is one UTF-16 unit
_WIDTH = {"utf-8": 1, "utf-16-le": 2}


def _client_bytes(error: UnicodeError) -> tuple[bytes, int]:
    assert isinstance(error, UnicodeEncodeError)
    chunk = error.object[error.start:error.end]
    return b"".join(bytes((ord(c) - 0xDC00,)) if 0xDC80 <= ord(c) <= 0xDCFF else c.encode("utf-8", "surrogatepass")
                    for c in chunk), error.end


codecs.register_error(CLIENT_BYTES, _client_bytes)


def _units_utf8(char: str) -> int:
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8
        return 1
    return 1 if code < 0x80 else 2 if code < 0x800 else 3 if code < 0x10000 else 4


def _units_utf16(char: str) -> int:
    return 2 if ord(char) > 0xFFFF else 1


class Columns:
    """Converts columns of one line between code points and the negotiated unit."""

    def __init__(self, encoding: str = types.PositionEncodingKind.Utf16) -> None:
        self.encoding = encoding
        self._codec = _CODECS.get(encoding)
        self._units = _units_utf8 if self._codec == "utf-8" else _units_utf16

    def to_client(self, line: str, column: int) -> int:
        """Code points from the start of `line` → the client's units (past the end: as many more)."""
        if self._codec is None or line.isascii():
            return column
        head = line[:column]
        return len(head.encode(self._codec, _ERRORS[self._codec])) // _WIDTH[self._codec] + column - len(head)

    def to_points(self, line: str, units: int) -> int:
        """The client's units → code points, within the line; a unit inside a character
        (half a surrogate pair, a byte inside UTF-8) counts as that character's start."""
        if self._codec is None or line.isascii():
            return max(0, min(units, len(line)))
        total = 0
        for index, char in enumerate(line):
            total += self._units(char)
            if total > units:
                return index
        return len(line)

    def position(self, line_at: LineAt, line: int, column: int) -> types.Position:
        """A 0-based line and code-point column as an LSP position."""
        return types.Position(line, self.to_client(line_at(line), column))

    def range(self, line_at: LineAt, span: Span) -> types.Range:
        """A compiler span (1-based, code points, exclusive end) as an LSP range."""
        return types.Range(self.position(line_at, span.line - 1, span.column - 1),
                           self.position(line_at, span.end_line - 1, span.end_column - 1))

    def point(self, line_at: LineAt, position: types.Position, line_count: int) -> tuple[int, int]:
        """An LSP position as a 0-based line and code-point column inside the text (a position
        past the end is clamped to the end, as the protocol asks)."""
        if position.line >= line_count:
            last = line_count - 1
            return last, len(line_at(last))
        return position.line, self.to_points(line_at(position.line), position.character)
