"""The scanner: text to tokens grouped by logical line, using the grammar's own terminals.

Lark's LALR tables come from `grammar/ody.lark`; this module compiles that grammar's
terminal patterns into one regular expression and scans a whole file in a single pass,
because per-token objects and per-file lexer set-up dominate parse time on large files.
It never fails: text no terminal matches becomes an error token the parser rejects, and
unclosed strings end at the line end so that one stray quote breaks one line, not the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

# Token types the scanner adds to the grammar's: unclosed strings (reported as ODY002).
BAD_STRING = "BAD_STRING"
BAD_LONG_STRING = "BAD_LONG_STRING"
_EXTRA = {
    BAD_LONG_STRING: r'"""[^\r\n]*',
    BAD_STRING: r'"(?:[^"\\\r\n]|\\[^\r\n])*\\?',
}
# Alternatives are tried in this order: the long string before the short one, errors after
# the terminal they stand in for.
_ORDER = ("_NEWLINE", "LONG_STRING", BAD_LONG_STRING, "STRING", BAD_STRING, "COMMENT", "TIME", "WORD")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


class Token:
    """A token with the attributes Lark's parser reads, and code-point positions."""

    __slots__ = ("type", "value", "start_pos", "end_pos", "line", "column", "end_line", "end_column")

    def __init__(
        self, type: str, value: str, start_pos: int, end_pos: int,
        line: int, column: int, end_line: int, end_column: int,
    ) -> None:
        self.type = type
        self.value = value
        self.start_pos = start_pos
        self.end_pos = end_pos
        self.line = line
        self.column = column
        self.end_line = end_line
        self.end_column = end_column

    def __repr__(self) -> str:
        return f"Token({self.type}, {self.value!r}, {self.line}:{self.column})"


@dataclass(slots=True)
class Line:
    """One logical line: a statement's tokens (possibly none) and its trailing comment.

    `first`/`last` are physical line numbers: a `\"\"\"` string can make them differ;
    `start`/`end` are offsets of the line's text (without its line break).
    """

    tokens: list[Token]
    comment: Token | None
    first: int
    last: int
    start: int
    end: int


class Scanner:
    """Compiled once per grammar; `scan` is then a pure function of its text."""

    def __init__(self, patterns: dict[str, str], keywords: dict[str, str], ignore: str) -> None:
        alternatives = "|".join(f"(?P<{name}>{{}})".format(
            patterns[name] if name in patterns else _EXTRA[name]) for name in _ORDER)
        self._master = re.compile(f"(?:{ignore})?(?:{alternatives})")
        self.keywords = keywords

    def scan(self, text: str, first_line: int = 1) -> list[Line]:
        """Every non-blank logical line of `text`, numbered from `first_line`."""
        lines: list[Line] = []
        keywords = self.keywords
        line_no, line_start = first_line, 0
        tokens: list[Token] = []
        comment: Token | None = None
        first, start = first_line, 0
        for match in self._master.finditer(text):
            kind = match.lastgroup
            pos = match.start(kind)
            if kind == "_NEWLINE":
                if tokens or comment:
                    lines.append(Line(tokens, comment, first, line_no, start, pos))
                    tokens, comment = [], None
                line_no += 1
                line_start = start = match.end()
                first = line_no
                continue
            value = match.group(kind)
            end = match.end()
            column = pos - line_start + 1
            if kind == "LONG_STRING" and ("\n" in value or "\r" in value):
                breaks = list(_LINE_BREAK.finditer(value))
                token = Token(kind, value, pos, end, line_no, column,
                              line_no + len(breaks), len(value) - breaks[-1].end() + 1)
                line_no += len(breaks)
                line_start = pos + breaks[-1].end()
            else:
                if kind == "WORD":
                    kind = keywords.get(value, kind)
                token = Token(kind, value, pos, end, line_no, column, line_no, end - line_start + 1)
            if kind == "COMMENT":
                comment = token
            else:
                tokens.append(token)
        if tokens or comment:
            lines.append(Line(tokens, comment, first, line_no, start, len(text)))
        return lines


def position(text: str, offset: int, first_line: int = 1) -> tuple[int, int]:
    """Line and column (1-based, code points) of `offset`, counting line breaks as editors do."""
    breaks = list(_LINE_BREAK.finditer(text, 0, offset))
    # A "\r" just before `offset` may be the first half of "\r\n": it still ends the line.
    line_start = breaks[-1].end() if breaks else 0
    return first_line + len(breaks), offset - line_start + 1


def line_count(text: str) -> int:
    """How many lines an editor shows for `text` (a final line break opens an empty line)."""
    return len(_LINE_BREAK.findall(text)) + 1


def iter_line_breaks(text: str) -> Iterable[re.Match[str]]:
    return _LINE_BREAK.finditer(text)
