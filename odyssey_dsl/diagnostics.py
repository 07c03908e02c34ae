"""One diagnostic type for every stage and every output format.

Records are named tuples: thousands are made per file, and a named tuple is the cheapest
immutable record to create and to define (editors start `ody lint` on every save).
Positions are 1-based lines and columns counted in Unicode code points, with an exclusive
end, because that is what writers see and what the renderers and the language server
convert from. A diagnostic that points at another place (the cue it conflicts with) carries
that place as a `Related` location instead of writing its line into the message, so a
diagnostic stays equal when lines move above it.
"""

from __future__ import annotations

from enum import Enum
from functools import lru_cache
from typing import NamedTuple


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


class Span(NamedTuple):
    """A range of text: 1-based line and column of the first character, exclusive end.

    A named tuple because every token makes one: it is the cheapest immutable record.
    """

    line: int
    column: int
    end_line: int
    end_column: int

    def shifted(self, lines: int) -> Span:
        """The same range `lines` further down (for editors that move unchanged text)."""
        return Span(self.line + lines, self.column, self.end_line + lines, self.end_column)


class Fix(NamedTuple):
    """A suggested edit: replace the text in `span` by `replacement`."""

    title: str
    span: Span
    replacement: str


class Related(NamedTuple):
    """Another place the diagnostic refers to, e.g. the earlier cue it conflicts with."""

    span: Span
    message: str


class Diagnostic(NamedTuple):
    code: str
    message: str
    span: Span
    help: str | None = None
    fixes: tuple[Fix, ...] = ()
    related: tuple[Related, ...] = ()

    @property
    def severity(self) -> Severity:
        return CODES[self.code].severity

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def shifted(self, lines: int) -> Diagnostic:
        """This diagnostic with every position moved `lines` down. Built directly, not with
        `_replace`: the language server moves every diagnostic below an inserted line."""
        fixes = tuple(Fix(f.title, f.span.shifted(lines), f.replacement) for f in self.fixes) if self.fixes else ()
        related = tuple(Related(r.span.shifted(lines), r.message) for r in self.related) if self.related else ()
        return Diagnostic(self.code, self.message, self.span.shifted(lines), self.help, fixes, related)


class Code(NamedTuple):
    severity: Severity
    summary: str


_E, _W = Severity.ERROR, Severity.WARNING

#: The public catalogue: codes never change meaning. Documented in docs/diagnostics.md.
CODES: dict[str, Code] = {
    "ODY001": Code(_E, "syntax error: unexpected text"),
    "ODY002": Code(_E, "unterminated string"),
    "ODY003": Code(_E, "invalid time"),
    "ODY004": Code(_E, "unknown action or directive"),
    "ODY005": Code(_E, "invalid escape sequence"),
    "ODY006": Code(_E, "the file is not valid UTF-8"),
    "ODY101": Code(_E, "a script must begin with `start` at 0"),
    "ODY102": Code(_E, "cue not later than the cue before it"),
    "ODY103": Code(_E, "script has no `end`"),
    "ODY104": Code(_E, "cue after `end`"),
    "ODY105": Code(_E, "second `start` in one script"),
    "ODY106": Code(_E, "empty prompt"),
    "ODY107": Code(_E, "image problem"),
    "ODY108": Code(_E, "relative time on the first cue of a script"),
    "ODY109": Code(_E, "directive repeated, misplaced or with a bad value"),
    "ODY110": Code(_E, "scene problem"),
    "ODY201": Code(_W, "gap between cues shorter than min-gap"),
    "ODY202": Code(_W, "script longer than 5 minutes"),
    "ODY203": Code(_W, "an error code cannot be suppressed"),
    "ODY204": Code(_W, "unknown code in a suppression"),
    "ODY301": Code(_E, "invalid JSON"),
    "ODY302": Code(_E, "not a script: unexpected JSON shape"),
}

#: Codes whose presence means a line could not be parsed (the formatter refuses such files).
SYNTAX_CODES = frozenset({"ODY001", "ODY002", "ODY003", "ODY004", "ODY005", "ODY006"})


def sort_key(d: Diagnostic) -> tuple[int, int, str]:
    return (d.span.line, d.span.column, d.code)


@lru_cache(maxsize=1024)
def closest(word: str, choices: tuple[str, ...], cutoff: float = 0.6) -> str | None:
    """The did-you-mean for a misspelling: the most similar choice, if similar enough.

    Memoized: a file repeating one typo on every line must not pay for difflib each time.
    """
    import difflib  # only mistakes need it

    if len(word) > 64:  # no keyword is that long: nothing to compare
        return None
    found = difflib.get_close_matches(word, choices, n=1, cutoff=cutoff)
    return found[0] if found else None


def shown(text: str, limit: int = 30) -> str:
    """User text as it may appear inside a one-line message: at most `limit` characters, and
    control characters escaped (a message must never carry a terminal escape or a NUL)."""
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
