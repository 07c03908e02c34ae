"""One diagnostic type for every stage and every output format.

Records are named tuples: thousands are made per file, and a named tuple is the cheapest
immutable record to create and to define (editors start `ody lint` on every save).
Positions are 1-based lines and columns counted in Unicode code points, with an exclusive
end, because that is what writers see and what the report writers (report.py) and the language server
convert from. A diagnostic that points at another place (the cue it conflicts with) carries
that place as a `Related` location instead of writing its line into the message, so a
diagnostic stays equal when lines move above it.
"""

from __future__ import annotations

import re
import sys
from enum import StrEnum
from functools import lru_cache
from typing import NamedTuple


class Severity(StrEnum):
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


class Safety(StrEnum):
    """Whether `ody lint --fix` may apply a code's fixes without being asked.

    SAFE: the result means what the writer evidently meant (quotes, comments, spelling);
    UNSAFE: it changes a time or adds what is paid for (`--unsafe-fixes` applies it);
    NONE: the code offers no fix."""

    SAFE = "safe"
    UNSAFE = "unsafe"
    NONE = "none"


class Fix(NamedTuple):
    """A suggested edit: replace the text in `span` by `replacement`. `safe` overrides the
    descriptor's `fix` safety for this one edit (None: the descriptor's)."""

    title: str
    span: Span
    replacement: str
    safe: bool | None = None
    file: str | None = None  # another file than the diagnostic's (an included one)

    def moved(self, span: Span) -> Fix:
        """The same edit at another place (the same text after lines moved, or in other units)."""
        return Fix(self.title, span, self.replacement, self.safe, self.file)


class Related(NamedTuple):
    """Another place the diagnostic refers to, e.g. the earlier cue it conflicts with."""

    span: Span
    message: str
    file: str | None = None  # another file than the diagnostic's (an included one)


class Diagnostic(NamedTuple):
    """One problem at one place. Made by a `Descriptor` (`SHORT_GAP.at(span, ...)`): the code
    is kept as its string so that every output format can show it as is."""

    code: str
    message: str
    span: Span
    help: str | None = None
    fixes: tuple[Fix, ...] = ()
    related: tuple[Related, ...] = ()
    file: str | None = None  # the file it is in, when not the one compiled (an included one)

    @property
    def descriptor(self) -> Descriptor:
        return CODES[self.code]

    @property
    def name(self) -> str:
        """The rule's kebab-case name (`cue-out-of-order`), for outputs and suppressions."""
        return CODES[self.code].name

    @property
    def severity(self) -> Severity:
        return CODES[self.code].severity

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def is_safe(self, fix: Fix) -> bool:
        """Whether `ody lint --fix` applies `fix` without `--unsafe-fixes`."""
        return fix.safe if fix.safe is not None else CODES[self.code].fix is Safety.SAFE

    def shifted(self, lines: int) -> Diagnostic:
        """This diagnostic with every position in its text moved `lines` down (a place in another
        file stays). Built directly, not with `_replace`: the language server moves every
        diagnostic below an inserted line."""
        if self.file is not None:  # all of it in another file
            return self
        fixes = tuple(f if f.file is not None else f.moved(f.span.shifted(lines)) for f in self.fixes) \
            if self.fixes else ()
        related = tuple(r if r.file is not None else r._replace(span=r.span.shifted(lines)) for r in self.related) \
            if self.related else ()
        return Diagnostic(self.code, self.message, self.span.shifted(lines), self.help, fixes, related, self.file)


class Descriptor(NamedTuple):
    """Everything about one diagnostic code, declared once below.

    `message` and `help` are default templates (`str.format` fields filled by `at`); most
    codes cover several problems and pass their own words instead. `silenceable`: a
    `# ody: ignore[...]` after a statement can silence it (the ignore setting silences every
    warning). `fix`: how safe its fixes are (docs/diagnostics.md says it under each code)."""

    code: str
    name: str
    severity: Severity
    summary: str
    fix: Safety = Safety.NONE
    silenceable: bool = False
    message: str | None = None
    help: str | None = None

    def at(
        self,
        span: Span,
        message: str | None = None,
        help: str | None = None,
        fixes: tuple[Fix, ...] = (),
        related: tuple[Related, ...] = (),
        file: str | None = None,
        **values: object,
    ) -> Diagnostic:
        """A diagnostic of this code at `span`; the templates are used where no words are given.

        The words are interned: a file repeating one mistake on every line then holds them
        once, not once per line, and the report's spool pickles them once per chunk."""
        if message is None:
            assert self.message is not None, f"{self.code} has no message template: pass one"
            message = self.message.format(**values)
        if help is None and self.help is not None:
            help = self.help.format(**values)
        if related and not all(r.message.isprintable() for r in related):
            related = tuple(r._replace(message=printable(r.message)) for r in related)
        return Diagnostic(self.code, sys.intern(printable(message)), span,
                          None if help is None else sys.intern(printable(help)), fixes, related, file)

    @property
    def doc(self) -> str:
        """The link to this code's section of docs/diagnostics.md (GitHub's heading anchor)."""
        heading = f"{self.code} — {self.summary}".lower()
        return "docs/diagnostics.md#" + re.sub(r"[^\w\- ]", "", heading).replace(" ", "-")


#: The public catalogue, code → descriptor: codes never change meaning. Documented in
#: docs/diagnostics.md, one section per code.
CODES: dict[str, Descriptor] = {}
#: The same, by name.
NAMES: dict[str, Descriptor] = {}


def _declare(
    code: str, name: str, severity: Severity, summary: str, fix: Safety = Safety.NONE,
    silenceable: bool = False, message: str | None = None, help: str | None = None,
) -> Descriptor:
    """Add a code to the catalogue: a code or a name given twice fails at import."""
    descriptor = Descriptor(code, name, severity, summary, fix, silenceable, message, help)
    assert re.fullmatch(r"ODY\d{3}", code) and re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name), descriptor
    assert code not in CODES and name not in NAMES, f"{code} or {name} is declared twice"
    CODES[code] = NAMES[name] = descriptor
    return descriptor


_E, _W = Severity.ERROR, Severity.WARNING
_SAFE, _UNSAFE = Safety.SAFE, Safety.UNSAFE

# Syntax: a line could not be read.
SYNTAX_ERROR = _declare("ODY001", "syntax-error", _E, "syntax error: unexpected text", _UNSAFE)
UNTERMINATED_STRING = _declare("ODY002", "unterminated-string", _E, "unterminated string", _SAFE)
INVALID_TIME = _declare("ODY003", "invalid-time", _E, "invalid time", _UNSAFE)
UNKNOWN_KEYWORD = _declare("ODY004", "unknown-keyword", _E, "unknown action or directive", _SAFE)
INVALID_ESCAPE = _declare("ODY005", "invalid-escape", _E, "invalid escape sequence", _SAFE)
NOT_UTF8 = _declare("ODY006", "not-utf8", _E, "the file is not valid UTF-8")
# Drafting mistakes whose meaning is evident: the line is read as the writer meant it (the
# statement still counts), with one error whose fix writes it so.
CURLY_QUOTES = _declare("ODY007", "curly-quotes", _E, "curly quotes around a string", _SAFE,
                        message="curly quotes are not string quotes",
                        help='write the string between straight double quotes: `{fixed}`')
QUOTE_IN_STRING = _declare("ODY008", "quote-in-string", _E, "a `\"` inside a string ends it", _SAFE,
                           message='a `"` inside a {what} ends it: write `\\"` or use a `"""` string',
                           help="escape the inner quotes: `{fixed}`")
SLASH_COMMENT = _declare("ODY009", "slash-comment", _E, "a comment written with `//`", _SAFE,
                         message="comments start with `#`", help="write `#` instead of `//`")
# What the screenplay says.
MISSING_START = _declare("ODY101", "missing-start", _E, "a script must begin with `start` at 0", _UNSAFE)
CUE_OUT_OF_ORDER = _declare("ODY102", "cue-out-of-order", _E, "cue not later than the cue before it", _UNSAFE)
MISSING_END = _declare("ODY103", "missing-end", _E, "script has no `end`", _UNSAFE)
CUE_AFTER_END = _declare("ODY104", "cue-after-end", _E, "cue after `end`")
SECOND_START = _declare("ODY105", "second-start", _E, "second `start` in one script", _UNSAFE)
EMPTY_PROMPT = _declare("ODY106", "empty-prompt", _E, "empty prompt")
IMAGE_PROBLEM = _declare("ODY107", "image-problem", _E, "image problem", _UNSAFE)
RELATIVE_FIRST_CUE = _declare("ODY108", "relative-first-cue", _E, "relative time on the first cue of a script", _UNSAFE)
DIRECTIVE_PROBLEM = _declare("ODY109", "directive-problem", _E, "directive repeated, misplaced or with a bad value",
                            _SAFE)
SCENE_PROBLEM = _declare("ODY110", "scene-problem", _E, "scene problem")
# Saying things once: defines, style, negative, includes and variants.
BRACE_PROBLEM = _declare("ODY111", "brace-problem", _E, "a brace that is not `{NAME}`, `{a|b}`, `{{` or `}}`", _SAFE)
UNDEFINED_NAME = _declare("ODY112", "undefined-name", _E, "`{NAME}` names no define", _SAFE)
DEFINE_CYCLE = _declare("ODY113", "define-cycle", _E, "defines that use each other in a cycle")
DEFINE_PROBLEM = _declare("ODY114", "define-problem", _E, "define repeated, misplaced or badly named")
INCLUDE_PROBLEM = _declare("ODY115", "include-problem", _E, "an included file cannot be used")
TOO_MANY_VARIANTS = _declare("ODY116", "too-many-variants", _E, "variants make more than 32 scripts")
# Scenes that continue another (`scene "night" after "day"`).
UNKNOWN_SCENE = _declare("ODY117", "unknown-scene", _E, "`after` names no scene", _SAFE)
SCENE_CYCLE = _declare("ODY118", "scene-cycle", _E, "scenes that continue each other in a cycle")
CONTINUED_IMAGE = _declare("ODY119", "continued-image", _E, "a scene that continues another has its own image")
CONTINUED_VARIANTS = _declare("ODY120", "continued-variants", _E, "a scene continues a scene that has variants")
# Warnings.
SHORT_GAP = _declare("ODY201", "short-gap", _W, "gap between cues shorter than min-gap", silenceable=True)
LONG_SCRIPT = _declare("ODY202", "long-script", _W, "script longer than max-duration", silenceable=True)
ERROR_SUPPRESSED = _declare("ODY203", "error-suppressed", _W, "an error code cannot be suppressed")
UNKNOWN_SUPPRESSION = _declare("ODY204", "unknown-suppression", _W, "unknown code in a suppression")
TAB_IN_PROMPT = _declare("ODY205", "tab-in-prompt", _W, "tab character in a prompt", silenceable=True,
                         message="this prompt has a tab character: it is sent as `\\t`",
                         help="write spaces instead, or `\\t` where a tab is meant")
# Warnings about what a script costs.
LONG_LAST_GAP = _declare("ODY206", "long-last-gap", _W, "`end` far later than the gaps before it", _UNSAFE,
                         silenceable=True)
IMAGE_CROPPED = _declare("ODY207", "image-cropped", _W, "image of the other orientation: it will be cropped",
                         silenceable=True)
# Only `ody check`, on JSON scripts.
INVALID_JSON = _declare("ODY301", "invalid-json", _E, "invalid JSON")
NOT_A_SCRIPT = _declare("ODY302", "not-a-script", _E, "not a script: unexpected JSON shape")
TIMESTAMPS_IN_SECONDS = _declare("ODY303", "timestamps-in-seconds", _W, "timestamps that look like seconds",
                          silenceable=True, message="these timestamps look like seconds: timestamps are in milliseconds",
                          help="multiply them by 1000 ({last} seconds is {last_ms})")
# Only the editor: a file over max-bytes (`ody lint` refuses it, exit 2), the cap on what is published.
FILE_TOO_LARGE = _declare("ODY010", "file-too-large", _E, "file larger than max-bytes")
UNUSED_DEFINE = _declare("ODY209", "unused-define", _W, "a define the screenplay never uses", _UNSAFE,
                        silenceable=True)
PROBLEMS_NOT_SHOWN = _declare("ODY208", "problems-not-shown", _W, "more problems than the editor shows",
                              silenceable=True)

#: Codes whose presence means a line could not be parsed (the formatter refuses such files).
SYNTAX_CODES = frozenset(d.code for d in (SYNTAX_ERROR, UNTERMINATED_STRING, INVALID_TIME, UNKNOWN_KEYWORD,
                                          INVALID_ESCAPE, NOT_UTF8, CURLY_QUOTES, QUOTE_IN_STRING, SLASH_COMMENT))


def lookup(word: str) -> Descriptor | None:
    """The descriptor a suppression names, by code (any case) or by name."""
    return CODES.get(word.upper()) or NAMES.get(word.lower())


def sort_key(d: Diagnostic) -> tuple[str, int, int, str]:
    """Place order: the compiled file's own first, then each included file's."""
    return (d.file or "", d.span.line, d.span.column, d.code)


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
    return printable(text)


def printable(text: str) -> str:
    """`text` with control characters escaped (`\\x1b`, `\\t`): every message and help passes
    through here, so no file name or prompt can put a terminal escape into a report."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
