"""The scanner: text to tokens grouped by logical line, using the grammar's own terminals.

Lark's LALR tables come from `grammar/ody.lark`; this module compiles that grammar's
terminal patterns into one regular expression and scans a whole file in a single pass,
because per-token objects and per-file lexer set-up dominate parse time on large files.
It never fails: text no terminal matches becomes an error token the parser rejects, an
unclosed `"` string ends at the line end and an unclosed `\"\"\"` one before the next cue, so that
one stray quote breaks one statement, not the file. Two drafting mistakes are read as what the
writer meant, for syntax.py to report once: a string between curly quotes (`“Fox”`, pasted
from a word processor) is a STRING token, and a `//` comment a COMMENT token.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

from .diagnostics import Span
from .lines import BREAK

# Token types the scanner adds to the grammar's: unclosed strings (reported as ODY002).
BAD_STRING = "BAD_STRING"
BAD_LONG_STRING = "BAD_LONG_STRING"
#: Curly quotes a word processor puts around a string, as (openers, closers) of one family:
#: any opener of a family with any closer of the same family (“…”, „…“, ”…”, ‘…’, «…», »…«, 「…」).
CURLY_QUOTES = (("“”„‟", "“”‟"), ("‘’‚‛", "‘’‛"), ("«»", "«»"), ("‹›", "‹›"), ("「『", "」』"))
# A curly string ends at the first closer followed by a space, a comment or the line end (so
# that the apostrophe of `‘the cat’s toy’` does not end it).
_CURLY = "|".join(f"[{o}][^\r\n]*?[{c}](?=[\\s#]|\\Z)" for o, c in CURLY_QUOTES)
# A `"""` string that does not close before a line beginning with `@` (a cue): over the lines
# LONG_STRING would take, up to the last that is not blank, so that they are one mistake.
_BAD_LONG = r'"""[^\r\n]*(?:(?:[ \t]*(?:\r\n|\r(?!\n)|\n))+[ \t]*[^ \t\r\n@][^\r\n]*)*'
_CURLY_STRING, _SLASH_COMMENT = "CURLY_STRING", "SLASH_COMMENT"
_EXTRA = {
    BAD_LONG_STRING: _BAD_LONG,
    BAD_STRING: r'"[^"\\\r\n]*(?:\\[^\r\n][^"\\\r\n]*)*\\?',
    _CURLY_STRING: _CURLY,
    _SLASH_COMMENT: r"//[^\r\n]*",
}
#: The token type each drafting mistake is read as.
_READ_AS = {_CURLY_STRING: "STRING", _SLASH_COMMENT: "COMMENT"}
# Alternatives are tried in this order: the long string before the short one, errors after
# the terminal they stand in for, `//` before a word.
_ORDER = ("_NEWLINE", "LONG_STRING", BAD_LONG_STRING, "STRING", BAD_STRING, _CURLY_STRING, "COMMENT",
          _SLASH_COMMENT, "TIME", "WORD")


_MULTILINE = ("LONG_STRING", BAD_LONG_STRING)


class Token:
    """What Lark's parser reads (`type`), the text, offsets, and the code-point span."""

    __slots__ = ("end_pos", "span", "start_pos", "type", "value")

    def __init__(self, type: str, value: str, start_pos: int, end_pos: int, span: Span) -> None:
        self.type = type
        self.value = value
        self.start_pos = start_pos
        self.end_pos = end_pos
        self.span = span

    def __repr__(self) -> str:
        return f"Token({self.type}, {self.value!r}, {self.span.line}:{self.span.column})"

    def end(self) -> Token:
        """The `$END` token the parser needs after this one, placed where this one ends."""
        line, column = self.span.end_line, self.span.end_column
        return Token("$END", "", self.end_pos, self.end_pos, Span(line, column, line, column))


class Line(NamedTuple):
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
    """Compiled once per grammar; `scan` is then a pure function of its text.

    Most lines of a screenplay are `@time action "prompt"  # comment`: one regular
    expression built from the same terminal patterns takes such a line whole; any other
    line goes through the general token-by-token scan. Both give the same tokens (a test
    compares them), the fast one just makes fewer Python steps.
    """

    def __init__(self, patterns: dict[str, str], keywords: dict[str, str], ignore: str) -> None:
        alternatives = "|".join(f"(?P<{name}>{{}})".format(
            patterns[name] if name in patterns else _EXTRA[name]) for name in _ORDER)
        self._master = re.compile(f"(?:{ignore})?(?:{alternatives})")
        space = f"(?:{ignore})"
        self._cue = re.compile(
            f"{space}?(?P<t>{patterns['TIME']}){space}(?P<w>{patterns['WORD']})"
            f"(?:{space}(?P<s>{patterns['STRING']}))?{space}?(?P<c>{patterns['COMMENT']})?"
            f"(?P<nl>{patterns['_NEWLINE']}|\\Z)"
        )
        self.keywords = keywords

    def scan(self, text: str, first_line: int = 1, fast: bool = True, stop: int | None = None) -> Iterator[Line]:
        """Every non-blank logical line of `text`, numbered from `first_line`; with `stop`, only
        those that begin before that offset (a long string that crosses it still reads the text
        after it). One line at a time: a file's tokens never all exist at once."""
        keywords, cue = self.keywords, self._cue.match
        pos, line_no, size = 0, first_line, len(text) if stop is None else stop
        while pos < size:
            match = cue(text, pos) if fast else None
            if match is None:
                line, pos, line_no = self._line(text, pos, line_no)
                if line is not None:
                    yield line
                continue
            t0, t1 = match.span("t")
            w0, w1 = match.span("w")
            word = match.group("w")
            tokens = [
                Token("TIME", match.group("t"), t0, t1, Span(line_no, t0 - pos + 1, line_no, t1 - pos + 1)),
                Token(keywords.get(word, "WORD"), word, w0, w1, Span(line_no, w0 - pos + 1, line_no, w1 - pos + 1)),
            ]
            if match.start("s") >= 0:
                s0, s1 = match.span("s")
                tokens.append(Token("STRING", match.group("s"), s0, s1,
                                    Span(line_no, s0 - pos + 1, line_no, s1 - pos + 1)))
            comment = None
            if match.start("c") >= 0:
                c0, c1 = match.span("c")
                comment = Token("COMMENT", match.group("c"), c0, c1,
                                Span(line_no, c0 - pos + 1, line_no, c1 - pos + 1))
            yield Line(tokens, comment, line_no, line_no, pos, match.start("nl"))
            pos = match.end()
            line_no += 1

    def rest(self, text: str, pos: int, line_no: int, line_start: int) -> Line | None:
        """The tokens from offset `pos` to the end of its logical line, which began at
        `line_start` (for columns): to read the end of a line again another way."""
        return self._line(text, pos, line_no, line_start)[0]

    def _line(self, text: str, pos: int, line_no: int, line_start: int | None = None) -> tuple[Line | None, int, int]:
        """Scan one logical line token by token; returns it (None if blank), the offset after
        its line break and the next line number."""
        keywords, master = self.keywords, self._master.match
        tokens: list[Token] = []
        comment: Token | None = None
        first, start, line_start = line_no, pos, pos if line_start is None else line_start
        while True:
            match = master(text, pos)
            if match is None:  # only spaces remain before the end of the text
                end = len(text)
                break
            kind = match.lastgroup or ""  # never "": each alternative is a named group
            begin = match.start(kind)
            if kind == "_NEWLINE":
                end = begin
                pos = match.end()
                line_no += 1
                return (Line(tokens, comment, first, line_no - 1, start, end) if tokens or comment else None), pos, line_no
            value = match.group(kind)
            pos = match.end()
            column = begin - line_start + 1
            kind = _READ_AS.get(kind, kind)
            if kind in _MULTILINE and ("\n" in value or "\r" in value):
                breaks = list(BREAK.finditer(value))
                token = Token(kind, value, begin, pos, Span(
                    line_no, column, line_no + len(breaks), len(value) - breaks[-1].end() + 1))
                line_no += len(breaks)
                line_start = begin + breaks[-1].end()
            else:
                if kind == "WORD":
                    kind = keywords.get(value, kind)
                token = Token(kind, value, begin, pos, Span(line_no, column, line_no, pos - line_start + 1))
            if kind == "COMMENT":
                comment = token
            else:
                tokens.append(token)
        line = Line(tokens, comment, first, line_no, start, end) if tokens or comment else None
        return line, len(text), line_no
