"""The typed syntax tree of a screenplay, and `parse`, which builds it with every syntax error.

Each logical line is parsed on its own (`statement` is the grammar's start symbol), so a
broken line becomes an `Invalid` node with one diagnostic and never hides the lines around
it, and an editor can re-parse a range of lines (`parse(text, first_line=...)`). Literals are
decoded here, once: later stages see milliseconds and prompt strings, not source text.
Nothing here reads files or resolves relative times; the checks do that.

Drafting mistakes whose meaning is evident (curly quotes, a `"` inside a string, a `//`
comment) are read as meant, so the statement still counts, with one diagnostic whose fix
writes it so.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from collections.abc import Set as AbstractSet
from functools import cache
from typing import Any, NamedTuple

from . import strings, templates, times
from .diagnostics import (
    BRACE_PROBLEM,
    CURLY_QUOTES,
    DEFINE_PROBLEM,
    DIRECTIVE_PROBLEM,
    INVALID_ESCAPE,
    INVALID_TIME,
    QUOTE_IN_STRING,
    SLASH_COMMENT,
    SYNTAX_ERROR,
    UNKNOWN_KEYWORD,
    UNTERMINATED_STRING,
    Descriptor,
    Diagnostic,
    Fix,
    Span,
    closest,
    shown,
    sort_key,
)
from .grammar import Failure, Grammar, Shape, load
from .lexer import BAD_LONG_STRING, BAD_STRING, Line, Token
from .lexer import CURLY_QUOTES as CURLY_QUOTE_MARKS
from .lines import BREAK, count, position
from .vocabulary import ACTIONS, AFTER, DIRECTIVES, DURATIONS, HEADERS, KEYWORDS, SCENE


def _join(first: Span, last: Span) -> Span:
    return Span(first.line, first.column, last.end_line, last.end_column)


class Time(NamedTuple):
    """`@3s` / `@+1:30`; `ms` is None when the text is not a valid time (see `Cue.diagnostics`)."""

    text: str  # as written after `@`
    span: Span  # includes the `@`
    relative: bool
    ms: int | None


class Text(NamedTuple):
    """A string literal; `value` is None when an escape in it is invalid."""

    raw: str
    span: Span
    value: str | None

    @property
    def long(self) -> bool:
        return self.raw.startswith('"""')


class Word(NamedTuple):
    text: str
    span: Span


class Comment(NamedTuple):
    """`# ...`; `ignores` are the codes of a `# ody: ignore[...]` suppression, with places."""

    text: str
    span: Span
    ignores: tuple[tuple[str, Span], ...] = ()


class Cue(NamedTuple):
    time: Time
    action: str  # "start" | "interact" | "end"
    keyword: Span
    prompt: Text | None
    image: Text | None
    image_keyword: Span | None
    span: Span
    comment: Comment | None = None
    diagnostics: tuple[Diagnostic, ...] = ()


class Directive(NamedTuple):
    name: str  # "title" | "orientation" | "prompt-expansion" | "min-gap" | "max-duration"
    keyword: Span
    value: Text | Word
    span: Span
    comment: Comment | None = None
    diagnostics: tuple[Diagnostic, ...] = ()


class Define(NamedTuple):
    """`define NAME "text"`: `{NAME}` in a prompt stands for the text (see compose.py)."""

    keyword: Span
    name: Word
    value: Text
    span: Span
    comment: Comment | None = None
    diagnostics: tuple[Diagnostic, ...] = ()


class Style(NamedTuple):
    """`style "text"` or `negative "text"`: added to every prompt of the file, or of a scene
    when it stands at the scene's top."""

    name: str  # "style" | "negative"
    keyword: Span
    value: Text
    span: Span
    comment: Comment | None = None
    diagnostics: tuple[Diagnostic, ...] = ()


class Include(NamedTuple):
    """`include "path.ody"`: another file's header lines, as if written here."""

    keyword: Span
    path: Text
    span: Span
    comment: Comment | None = None
    diagnostics: tuple[Diagnostic, ...] = ()


Header = Define | Style | Include


class Scene(NamedTuple):
    """`scene "name"`, or `scene "night" after "day"`: `after` names the scene whose
    recording's last frame this one starts from (`after_keyword` is where `after` stands)."""

    keyword: Span
    name: Text
    span: Span
    comment: Comment | None = None
    diagnostics: tuple[Diagnostic, ...] = ()
    after: Text | None = None
    after_keyword: Span | None = None


class Invalid(NamedTuple):
    """A line that failed to parse: kept as written, with its one syntax diagnostic."""

    text: str
    span: Span
    comment: Comment | None = None
    diagnostics: tuple[Diagnostic, ...] = ()


Statement = Cue | Directive | Define | Style | Include | Scene | Invalid
Item = Cue | Directive | Define | Style | Include | Scene | Invalid | Comment


class Document(NamedTuple):
    """A parsed file (or range of lines): statements and full-line comments, in order."""

    items: tuple[Item, ...]
    line_count: int
    first_line: int = 1
    diagnostics: tuple[Diagnostic, ...] = ()

    @property
    def statements(self) -> tuple[Statement, ...]:
        return tuple(i for i in self.items if not isinstance(i, Comment))


def _scene(children: list[Any], comment: Comment | None) -> Scene:
    keyword, name = children[0], children[1]
    problems: list[Diagnostic] = []
    text = _text(name, problems, "scene name")
    if len(children) == 2:
        return Scene(keyword.span, text, _join(keyword.span, text.span), comment, tuple(problems))
    after_keyword, after_name = children[2], children[3]
    after = _text(after_name, problems, "scene name")
    return Scene(keyword.span, text, _join(keyword.span, after.span), comment, tuple(problems), after,
                 after_keyword.span)


def _cue(children: list[Any], action: str, comment: Comment | None) -> Cue:
    problems: list[Diagnostic] = []
    time_token, keyword = children[0], children[1]
    time = _time(time_token, problems)
    prompt = image = image_keyword = None
    last = keyword.span
    count = len(children)
    if count > 2:
        if children[2].__class__ is Token:
            prompt = _text(children[2], problems)
            if prompt.value is not None and ("{" in prompt.value or "}" in prompt.value):
                _template(prompt, problems)
            last = prompt.span
        if children[-1].__class__ is tuple:
            image_token, image_text = children[-1]
            image_keyword = image_token.span
            image = _text(image_text, problems, "image path")
            last = image.span
    return Cue(time, action, keyword.span, prompt, image, image_keyword,
               _join(time.span, last), comment, tuple(problems) if problems else ())


def _directive(children: list[Any], name: str, comment: Comment | None) -> Directive:
    keyword, value_token = children
    problems: list[Diagnostic] = []
    value: Text | Word
    if value_token.type == "WORD":
        value = Word(value_token.value, value_token.span)
    else:
        value = _text(value_token, problems, name)
    return Directive(name, keyword.span, value, _join(keyword.span, value.span), comment, tuple(problems))


def _define(children: list[Any], comment: Comment | None) -> Define:
    keyword, name_token, value_token = children
    problems: list[Diagnostic] = []
    name = Word(name_token.value, name_token.span)
    if not templates.NAME.fullmatch(name.text):
        problems.append(DEFINE_PROBLEM.at(
            name.span, f"`{shown(name.text)}` is not a name", "a name is ASCII letters, digits, `_` and `-`, "
            "beginning with a letter or `_`: `define hero \"a ginger cat\"`"))
    value = _text(value_token, problems, "define")
    _template(value, problems)
    return Define(keyword.span, name, value, _join(keyword.span, value.span), comment, tuple(problems))


def _style(children: list[Any], name: str, comment: Comment | None) -> Style:
    keyword, value_token = children
    problems: list[Diagnostic] = []
    value = _text(value_token, problems, name)
    _template(value, problems, name)
    return Style(name, keyword.span, value, _join(keyword.span, value.span), comment, tuple(problems))


def _include(children: list[Any], comment: Comment | None) -> Include:
    keyword, path_token = children
    problems: list[Diagnostic] = []
    path = _text(path_token, problems, "path")
    return Include(keyword.span, path, _join(keyword.span, path.span), comment, tuple(problems))


def _template(text: Text, problems: list[Diagnostic], plain_only: str | None = None) -> None:
    """ODY111 for each brace of `text` that is not `{NAME}`, `{a|b}`, `{{` or `}}` (and for a
    variant group in a `style` or `negative`, named by `plain_only`): the safe fix doubles the
    braces, as they meant before braces had a meaning."""
    value = text.value
    if value is None or ("{" not in value and "}" not in value):
        return
    parsed = templates.parse(value)
    if isinstance(parsed, templates.Template):
        for group in parsed.groups if plain_only else ():
            span, written = part_span(text, group.start, group.end)
            problems.append(BRACE_PROBLEM.at(
                span, f"a `{plain_only}` has no variants: it is the same in every script",
                "put the variants in the prompts, or write `{{` and `}}` for braces that are text",
                (Fix("Double the braces", span, _doubled(written), safe=True),)))
        return
    for error in parsed:
        span, written = part_span(text, error.start, error.end)
        fixes = [Fix("Double the braces", span, _doubled(written))] if error.doubling else []
        if error.name is not None:
            fixes.append(Fix(f"Write `{{{error.name}}}`", span, f"{{{error.name}}}", safe=False))
        problems.append(BRACE_PROBLEM.at(span, error.message, error.help, tuple(fixes)))


def part_span(text: Text, start: int, end: int) -> tuple[Span, str]:
    """The span of `text.value[start:end]` in the source, and what is written there."""
    raw_start = templates.source_offset(text.raw, start)
    raw_end = templates.source_offset(text.raw, end)
    return _inner_span(text.raw, text.span, raw_start, raw_end), text.raw[raw_start:raw_end]


def _doubled(written: str) -> str:
    """Braces as text: each `{` and `}` written twice (an escaped one too: `\u007b` → `{{`)."""
    return re.sub(r"\\u007[bdBD]", lambda m: "{" if m.group()[-1] in "bB" else "}", written) \
        .replace("{", "{{").replace("}", "}}")


#: One builder per grammar rule (by rule name or alias): a pure function of the rule's
#: children (tokens, or what the sub-rules built) and the line's trailing comment.
_BUILDERS: dict[str, Callable[[list[Any], Comment | None], Any]] = {
    "start_cue": lambda c, comment: _cue(c, "start", comment),
    "interact_cue": lambda c, comment: _cue(c, "interact", comment),
    "end_cue": lambda c, comment: _cue(c, "end", comment),
    "image": lambda c, comment: (c[0], c[1]),
    "title": lambda c, comment: _directive(c, "title", comment),
    "orientation": lambda c, comment: _directive(c, "orientation", comment),
    "prompt_expansion": lambda c, comment: _directive(c, "prompt-expansion", comment),
    "min_gap": lambda c, comment: _directive(c, "min-gap", comment),
    "max_duration": lambda c, comment: _directive(c, "max-duration", comment),
    "scene": _scene,
    "define": _define,
    "_name": lambda c, comment: c[0],
    "style": lambda c, comment: _style(c, "style", comment),
    "negative": lambda c, comment: _style(c, "negative", comment),
    "include": _include,
}


def _build(shape: Shape, tokens: list[Token], comment: Comment | None = None) -> Any:
    rule, children = shape
    return _BUILDERS[rule]([tokens[c] if isinstance(c, int) else _build(c, tokens) for c in children], comment)


def _time(token: Token, problems: list[Diagnostic]) -> Time:
    text = token.value[1:]
    span = token.span
    parsed = times.parse_time(text)
    if isinstance(parsed, times.TimeError):
        safe = True if parsed.safe else None
        fixes = tuple(Fix(f"Replace with `@{s}`", span, "@" + s, safe) for s in parsed.suggestions)
        problems.append(INVALID_TIME.at(span, parsed.message, parsed.help, fixes))
        return Time(text, span, text.startswith("+"), None)
    relative, ms = parsed
    return Time(text, span, relative, ms)


def _text(token: Token, problems: list[Diagnostic], what: str = "prompt") -> Text:
    span, raw = token.span, token.value
    if raw[0] != '"' or (token.type == "STRING" and raw.find('"', 1, len(raw) - 1) >= 0):
        fixed = '"' + strings.escape_quotes(raw[1:-1]) + '"'
        if raw[0] != '"' or fixed != raw:
            return _misquoted(token, fixed, problems, what)
    decoded = strings.decode(raw)
    if isinstance(decoded, str):
        return Text(raw, span, decoded)
    for error in decoded:
        problems.append(INVALID_ESCAPE.at(_inner_span(raw, span, error.start, error.end), error.message, error.help))
    return Text(token.value, span, None)


def _misquoted(token: Token, fixed: str, problems: list[Diagnostic], what: str) -> Text:
    """A string read as the writer meant it, reported once with the fix that writes it so:
    between curly quotes (lexer.CURLY_QUOTES), or with inner quotes (`_requoted`). Its value
    is the fixed literal's (None while an escape in it is invalid: reported once fixed)."""
    span = token.span
    if token.value[0] != '"':
        problems.append(CURLY_QUOTES.at(span, fixes=(Fix("Use straight quotes", span, fixed),), fixed=shown(fixed)))
    else:
        problems.append(QUOTE_IN_STRING.at(span, fixes=(Fix("Escape the inner quotes", span, fixed),),
                                           what=what, fixed=shown(fixed)))
    value = strings.decode(fixed)
    return Text(token.value, span, value if isinstance(value, str) else None)


def _inner_span(raw: str, span: Span, start: int, end: int) -> Span:
    """The span of `raw[start:end]` (a literal at `span`), which may sit on a later line of a long string."""
    first, offset = span.line, span.column - 1
    line, column = position(raw, start, first)
    end_line, end_column = position(raw, end, first)
    return Span(line, column + (offset if line == first else 0), end_line, end_column + (offset if end_line == first else 0))


_SUPPRESSION = re.compile(r"ody:\s*ignore\s*\[([^\]]*)\]")
_CODE = re.compile(r"[^,\s]+")


def _slash(token: Token) -> Diagnostic:
    """ODY009: a `//` comment, with the fix that writes `#` for `//`."""
    line, column = token.span.line, token.span.column
    slashes = Span(line, column, line, column + 2)
    return SLASH_COMMENT.at(slashes, fixes=(Fix("Write `#`", slashes, "#"),))


def _comment(token: Token) -> Comment:
    span = token.span
    if token.value[0] == "/":  # `//`: reported by `_slash`; it suppresses nothing
        return Comment(token.value, span)
    match = _SUPPRESSION.search(token.value)
    if match is None:
        return Comment(token.value, span)
    line, base = token.span.line, token.span.column + match.start(1)
    ignores = tuple(
        (code.group().upper(), Span(line, base + code.start(), line, base + code.end()))
        for code in _CODE.finditer(match.group(1))
    )
    # `ignore[]` names no code: kept as one empty code, so that the checks can say so
    return Comment(token.value, span, ignores or (("", Span(line, base - 1, line, base + 1 + len(match.group(1)))),))


@cache
def _grammar() -> Grammar:
    """The parser, built on first use (one per process: its memo only ever saves work)."""
    return load()


def parse(text: str, first_line: int = 1) -> Document:
    """Parse `text` (a whole file, or lines starting at line `first_line`) into a Document.

    Never raises for any text: problems become diagnostics on the lines they concern.
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    items = parse_items(text, first_line)
    diagnostics = [d for item in items if not isinstance(item, Comment) for d in item.diagnostics]
    diagnostics.sort(key=sort_key)
    return Document(tuple(items), count(text), first_line, tuple(diagnostics))


def parse_items(text: str, first_line: int = 1, stop: int | None = None) -> list[Item]:
    """The items of `text` as is (a byte-order mark is text here), numbered from `first_line`;
    with `stop`, only the logical lines that begin before that offset, for an editor that
    re-parses a few lines but lets a long string read on to the end of the file."""
    return list(iter_items(text, first_line, stop))


def iter_items(text: str, first_line: int = 1, stop: int | None = None) -> Iterator[Item]:
    """`parse_items` one item at a time: the batch driver checks each and lets it go."""
    grammar = _grammar()
    for line in grammar.scanner.scan(text, first_line, stop=stop):
        if line.tokens:
            yield _statement(grammar, text, line)
            continue
        comment = line.comment
        assert comment is not None
        # a `//` line is a statement that failed, not a comment: it must not read as one
        yield _comment(comment) if comment.value[0] != "/" else Invalid(comment.value, comment.span, None, (_slash(comment),))


def _statement(grammar: Grammar, text: str, line: Line) -> Statement:
    tokens, comment_token = line.tokens, line.comment
    shape = grammar.structure(tokens)
    if line.first == line.last and (isinstance(shape, Failure) or (
            comment_token is not None and comment_token.start_pos == tokens[-1].end_pos and '"' in comment_token.value)):
        requoted = _requoted(grammar, text, line)
        if requoted is not None:
            tokens, comment_token, shape = requoted
    comment = _comment(comment_token) if comment_token is not None else None
    statement: Statement
    if isinstance(shape, Failure):
        first, last = tokens[0], tokens[-1]
        raw = text[first.start_pos:last.end_pos]
        diagnostic = _syntax_error(text, tokens, shape.at, shape.expected)
        statement = Invalid(raw, _join(first.span, last.span), comment, (diagnostic,))
    else:
        statement = _build(shape, tokens, comment)  # the builders are keyed by rule name: untyped
    if comment_token is not None and comment_token.value[0] == "/":
        statement = statement._replace(diagnostics=(*statement.diagnostics, _slash(comment_token)))
    return statement


#: At most this many quotes of a line are tried as the end of a string (a line of quotes is no prompt).
_MAX_QUOTES = 16


def _requoted(grammar: Grammar, text: str, line: Line) -> tuple[list[Token], Token | None, Shape] | None:
    """The (one-line) line read with one string running on past quotes that ended it too early
    (`"reads "OPEN" in red"`), when that makes it a statement and the inner quotes hug
    what they quote; the string's token keeps them unescaped, for `_text` to report."""
    tokens = line.tokens
    if text.find('"""', line.start, line.end) >= 0:  # a long string's end may depend on the lines below
        return None
    for index, first in enumerate(tokens):
        if first.type not in ("STRING", BAD_STRING) or first.value[0] != '"':
            continue
        eol = line.end
        quote, tried = text.find('"', first.start_pos + 1, eol), 0
        while quote >= 0 and tried < _MAX_QUOTES:
            tried += 1
            end = quote + 1
            raw = text[first.start_pos:end]
            if raw != first.value and _hugging(raw[1:-1]):
                column = first.span.column
                merged = Token("STRING", raw, first.start_pos, end,
                               Span(first.span.line, column, first.span.line, column + len(raw)))
                rest = grammar.scanner.rest(text, end, first.span.line, first.start_pos - column + 1)
                candidate = [*tokens[:index], merged, *(rest.tokens if rest is not None else ())]
                shape = grammar.structure(candidate)
                if not isinstance(shape, Failure):
                    return candidate, rest.comment if rest is not None else None, shape
            quote = text.find('"', end, eol)
    return None


def _hugging(inner: str) -> bool:
    """Whether the unescaped quotes inside a string quote something (`"OPEN"`: the opening one
    followed, the closing one preceded, by a visible character; a last lone one, as in `5"`,
    may stand anywhere): two strings side by side (`"a" "b"`) are not one."""
    quotes = [m.end() - 1 for m in _BARE_QUOTE.finditer(inner)]
    for opening, closing in zip(quotes[0::2], quotes[1::2]):
        if inner[opening + 1:opening + 2].isspace() or inner[closing - 1:closing].isspace():
            return False
    return True


_BARE_QUOTE = re.compile(r'(?<!\\)(?:\\\\)*"')


def broken_time(item: Invalid) -> Time | None:
    """The time a broken line begins with (`@+3s interract "..."`), as a cue's would be read,
    so that an editor can still say when it is; None when it begins with no time."""
    line = _grammar().scanner.rest(item.text, 0, item.span.line, 1 - item.span.column)
    if line is None or not line.tokens or line.tokens[0].type != "TIME":
        return None
    return _time(line.tokens[0], [])


# --- syntax errors in plain words ------------------------------------------------------------

_WORDS = {
    "TIME": "a time such as `@3s`",
    "STRING": "a quoted string",
    "LONG_STRING": "a quoted string",
    "WORD": "a value",
    "$END": "the end of the line",
    "_NEWLINE": "the end of the line",  # the tables are shared with the `file` rule
    "COMMENT": "the end of the line",
    "IMAGE": "`image`",
}


def _describe(token: Token) -> str:
    if token.type == "$END":
        return "end of line"
    if token.type in ("STRING", "LONG_STRING"):
        return "string"
    if token.type == "TIME":
        return f"time `{shown(token.value)}`"
    return f"`{shown(token.value)}`"


def _expected(expected: AbstractSet[str]) -> str:
    words: list[str] = []
    for name in sorted(expected):
        word = _WORDS.get(name) or f"`{name.lower().replace('_', '-')}`"
        if word not in words:
            words.append(word)
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " or " + words[-1]


_DIRECTIVE_KEYWORDS = {KEYWORDS[name]: name for name in DIRECTIVES}
_DIRECTIVE_HELP = {
    "title": 'a title is a quoted string: `title "Window cat"`',
    "orientation": "write `orientation portrait` or `orientation landscape`",
    "prompt-expansion": "write `prompt-expansion on` or `prompt-expansion off`",
    "min-gap": "write a duration without `@`, such as `min-gap 3s` (`min-gap 0` turns the warning off)",
    "max-duration": "write a duration without `@`, such as `max-duration 150s`",
}


_HEADER_KEYWORDS = {KEYWORDS[name]: name for name in HEADERS}
_HEADER_NEEDS = {"define": "a name and its text in quotes", "style": "its text in quotes",
                 "negative": "its text in quotes", "include": "the path of a file in quotes"}
_HEADER_EXAMPLES = {"define": 'define hero "a ginger cat"', "style": 'style "golden-hour light"',
                    "negative": 'negative "blur, text"', "include": 'include "common.ody"'}


def _point(line: int, column: int) -> Span:
    return Span(line, column, line, column)


def _syntax_error(text: str, tokens: list[Token], index: int, expected: frozenset[str]) -> Diagnostic:
    """Turn the parser's complaint about `tokens[index]` into the diagnostic a writer needs:
    the likely mistake in plain words, with a fix where there is an obvious one."""
    if tokens[0].type == "SCENE":
        found = _scene_error(tokens, index, expected)
        if found is not None:
            return found
        if index > 2:  # the tables are shared: `after` is only ever expected after the scene's name
            expected = expected - {"AFTER"}
    elif tokens[0].type == "AFTER":
        return SYNTAX_ERROR.at(tokens[0].span, "`after` belongs on a scene line, after the scene's name",
                               'write `scene "night" after "day"`: the scene `night` continues from `day`')
    elif any(t.type == "AFTER" for t in tokens):  # off a scene line, `after` is a word like any other
        tokens = [Token("WORD", t.value, t.start_pos, t.end_pos, t.span) if t.type == "AFTER" else t for t in tokens]
    bad = tokens[index] if index < len(tokens) else tokens[-1].end()
    previous = tokens[index - 1] if index else None
    if tokens[0].type != "TIME":  # the tables are shared: `image` is only ever expected in a cue
        expected = expected - {"IMAGE"}
    if bad.type == "WORD" and bad.value[0] in _OPENERS and expected & {"STRING", "LONG_STRING"}:
        return _unquoted(text, tokens, index)  # `“A fox` or `“A fox"`: curly quotes, not a bare word
    bad_string = next((t for t in tokens if t.type in (BAD_STRING, BAD_LONG_STRING)), None)
    if bad_string is not None:
        return _unterminated(bad_string)
    if previous is not None and previous.type == "TIME":
        spaced = _spaced_time(previous, bad)
        if spaced is not None:
            return spaced
    if bad.type == "WORD" and expected & {"START", "INTERACT", "END"}:
        return _unknown("action", bad, ACTIONS, "`start`, `interact` or `end`")
    if index == 0:
        return _bad_first_token(bad)
    if tokens[0].type in _DIRECTIVE_KEYWORDS and index == 1:
        return _bad_directive_value(text, tokens, bad)
    if tokens[0].type == "DEFINE" and index == 1 and bad.type in ("STRING", "LONG_STRING"):
        return SYNTAX_ERROR.at(bad.span, "`define` needs a name before its text",
                               f"write `{_HEADER_EXAMPLES['define']}`: the name is a word, without quotes")
    if tokens[0].type in _HEADER_KEYWORDS and bad.type == "$END":
        name = _HEADER_KEYWORDS[tokens[0].type]
        return SYNTAX_ERROR.at(_join(tokens[0].span, tokens[-1].span), f"`{name}` needs {_HEADER_NEEDS[name]}",
                               f"write `{_HEADER_EXAMPLES[name]}`")
    assert previous is not None
    if previous.type == "TIME" and bad.type in ("STRING", "LONG_STRING"):
        return _missing_action(previous, bad)
    if bad.type in ("STRING", "LONG_STRING") and previous.type == "END":
        return SYNTAX_ERROR.at(bad.span, "`end` takes no prompt", "remove the text after `end`",
            (Fix("Remove the prompt", Span(previous.span.end_line, previous.span.end_column,
                                           bad.span.end_line, bad.span.end_column), ""),),
        )
    if bad.type == "$END" and expected & {"STRING", "LONG_STRING"}:
        what = "a prompt" if previous.type in ("START", "INTERACT") else "a name" if previous.type == "SCENE" else "a value"
        return SYNTAX_ERROR.at(previous.span, f"expected {what} in quotes after `{previous.value}`",
            f'write it in double quotes: `{previous.value} "..."`',
        )
    if bad.type == "WORD" and expected & {"STRING", "LONG_STRING"}:
        return _unquoted(text, tokens, index)
    if bad.type == "$END":
        return SYNTAX_ERROR.at(previous.span, f"the line ends too early: expected {_expected(expected)}")
    return SYNTAX_ERROR.at(bad.span, f"unexpected {_describe(bad)}: expected {_expected(expected)}",
        "remove it, or start a new line for a new statement" if "$END" in expected else None,
    )


def _scene_error(tokens: list[Token], index: int, expected: frozenset[str]) -> Diagnostic | None:
    """The mistakes particular to a scene line (`scene "a" afer "b"`, `scene "a" "b"`,
    `scene "a" after`), or None for those every line shares."""
    bad = tokens[index] if index < len(tokens) else tokens[-1].end()
    if index == 1 and bad.type == "AFTER":
        return SYNTAX_ERROR.at(bad.span, "expected the scene's own name in quotes before `after`",
                               'write `scene "night" after "day"`: `night` is this scene, `day` the one it continues')
    if index == 3 and bad.type == "$END":
        return SYNTAX_ERROR.at(tokens[2].span, "expected the name of the scene it continues, in quotes, after `after`",
                               'write `after "day"`, naming another scene of the file')
    if index != 2 or "AFTER" not in expected:
        return None
    if bad.type == "WORD" and closest(bad.value.lower(), (AFTER,)):
        return UNKNOWN_KEYWORD.at(bad.span, f"unknown word `{shown(bad.value)}` on a scene line",
                                  f"did you mean `{AFTER}`?", (Fix(f"Replace with `{AFTER}`", bad.span, AFTER),))
    if bad.type in ("STRING", "LONG_STRING"):
        return SYNTAX_ERROR.at(bad.span, "a scene line holds one name",
                               "to continue another scene, write `after` before its name: "
                               f'`scene {tokens[1].value} after {shown(bad.value)}`',
                               (Fix("Insert `after`", _point(bad.span.line, bad.span.column), f"{AFTER} "),))
    return None


def _spaced_time(time: Token, bad: Token) -> Diagnostic | None:
    """`@ 3s` or `@3 s`: a time cut in two by a space (ODY003, with the joined time as a fix)."""
    if bad.type != "WORD":
        return None
    joined = time.value[1:] + bad.value
    if isinstance(times.parse_time(joined), times.TimeError):
        return None
    span = Span(time.span.line, time.span.column, bad.span.end_line, bad.span.end_column)
    where = "between `@` and the time" if time.value in ("@", "@+") else "inside a time"
    return INVALID_TIME.at(span, f"there must be no space {where}", f"write `@{shown(joined)}`",
                      (Fix(f"Write `@{shown(joined)}`", span, "@" + joined, safe=True),))


def _missing_action(time: Token, bad: Token) -> Diagnostic:
    """A string right after the time: no action, or one glued to the time (`@0start`)."""
    for action in ACTIONS:
        glued = time.value[1:]
        if glued.endswith(action) and not isinstance(times.parse_time(glued[: -len(action)]), times.TimeError):
            fixed = f"{time.value[: -len(action)]} {action}"
            return SYNTAX_ERROR.at(time.span, "the action is glued to the time", f"put a space before it: `{shown(fixed)}`",
                (Fix("Insert a space", time.span, fixed, safe=True),),
            )
    return SYNTAX_ERROR.at(time.span, "expected an action after the time",
        'write `start`, `interact` or `end` after the time: `@3s interact "..."`',
        (Fix("Insert `interact`", _point(bad.span.line, bad.span.column), "interact "),),
    )


def _unquoted(text: str, tokens: list[Token], index: int) -> Diagnostic:
    """A prompt or name written without double quotes: the fix quotes the rest of the line."""
    first, last = tokens[index], tokens[-1]
    words = text[first.start_pos:last.end_pos]
    span = Span(first.span.line, first.span.column, last.span.end_line, last.span.end_column)
    if words[0] in _OPENERS:  # a curly quote that nothing closes, or a `"` does
        inner = words[1:-1] if words[-1] in _CLOSERS or words[-1] == '"' else words[1:]
        quoted = strings.quote(inner)
        return CURLY_QUOTES.at(span, fixes=(Fix("Use straight quotes", span, quoted),), fixed=shown(quoted))
    # single quotes around it: only the quotes change (safe); bare words may not all be the string
    single = len(words) >= 2 and words[0] == words[-1] == "'"
    if single:
        words = words[1:-1]
    quoted = strings.quote(words)
    return SYNTAX_ERROR.at(span, "expected a string in double quotes", f"put it in double quotes: `{shown(quoted)}`",
        (Fix("Put it in double quotes", span, quoted, safe=True if single else None),),
    )


def _bad_directive_value(text: str, tokens: list[Token], bad: Token) -> Diagnostic:
    """A directive whose value is missing or of the wrong kind (ODY109)."""
    name = _DIRECTIVE_KEYWORDS[tokens[0].type]
    help = _DIRECTIVE_HELP[name]
    if bad.type == "$END":
        return DIRECTIVE_PROBLEM.at(tokens[0].span, f"`{name}` needs a value", help)
    fixes: tuple[Fix, ...] = ()
    if name == "title" and bad.type not in ("STRING", "LONG_STRING"):
        return _replace_code(_unquoted(text, tokens, 1), DIRECTIVE_PROBLEM, "the title is written in double quotes")
    if bad.type in ("STRING", "LONG_STRING"):
        value = strings.decode(bad.value)
        if isinstance(value, str) and value and not any(c.isspace() or c in '"#@' for c in value):
            fixes = (Fix(f"Write `{shown(value)}`", bad.span, value),)
        return DIRECTIVE_PROBLEM.at(bad.span, f"the value of `{name}` is written without quotes", help, fixes)
    if bad.type == "TIME" and name in DURATIONS:
        fixes = (Fix(f"Write `{shown(bad.value[1:])}`", bad.span, bad.value[1:]),)
        return DIRECTIVE_PROBLEM.at(bad.span, f"`{name}` takes a duration without `@`", help, fixes)
    return DIRECTIVE_PROBLEM.at(bad.span, f"`{shown(bad.value)}` is not a value of `{name}`", help)


def _replace_code(diagnostic: Diagnostic, descriptor: Descriptor, message: str) -> Diagnostic:
    return descriptor.at(diagnostic.span, message, diagnostic.help, diagnostic.fixes, diagnostic.related)


def _unterminated(token: Token) -> Diagnostic:
    span = token.span
    if token.type == BAD_LONG_STRING:
        return _unterminated_long(token)
    curly = _CURLY_END.match(token.value)
    if curly is not None:  # `"A fox”`: closed by a curly quote
        end = span.column + curly.end(1)
        closed = Span(span.line, span.column, span.line, end)
        quoted = '"' + strings.escape_quotes(curly.group(2)) + '"'
        return CURLY_QUOTES.at(closed, fixes=(Fix("Use straight quotes", closed, quoted),), fixed=shown(quoted))
    return UNTERMINATED_STRING.at(span, "unterminated string",
        'add the closing `"`; a `"..."` string ends on its line (use `"""` to span lines)',
        (Fix('Add the closing `"`', Span(span.end_line, span.end_column, span.end_line, span.end_column), '"'),),
    )


_OPENERS = "".join(opening for opening, _ in CURLY_QUOTE_MARKS)
_CLOSERS = "".join(closing for _, closing in CURLY_QUOTE_MARKS)
# A `"` string that a curly quote closes, before a space, a comment or the line end.
_CURLY_END = re.compile(f'("([^\r\n]*?)[{_CLOSERS}])(?=\\s|#|$)')


def _unterminated_long(token: Token) -> Diagnostic:
    """A `\"\"\"` that no `\"\"\"` closes before the next cue (the token runs to its last line
    that is not blank): reported at the opening line, with a fix that closes it at its end,
    safe when the lines it took are indented as a prompt's are (else they may be statements)."""
    span, value = token.span, token.value
    first_line = BREAK.split(value, 1)[0]
    opening = Span(span.line, span.column, span.line, span.column + len(first_line))
    end = Span(span.end_line, span.end_column, span.end_line, span.end_column)
    following = BREAK.split(value)[1:]
    indented = all(not line.strip() or line[:1] in " \t" for line in following)
    count = len(following)
    where = (" (the line below it is read as part of it)" if count == 1
             else f" (the {count} lines below it are read as part of it)" if count else "")
    return UNTERMINATED_STRING.at(
        opening, f'unterminated `"""` string{where}',
        'close it with `"""`: a `"""` string ends before the next line that begins with `@`',
        (Fix('Add the closing `"""`', end, '"""', safe=None if indented else False),),
    )


def _unknown(kind: str, token: Token, known: tuple[str, ...], listing: str) -> Diagnostic:
    span = token.span
    guess = closest(token.value.lower(), known)
    if guess:
        return UNKNOWN_KEYWORD.at(span, f"unknown {kind} `{shown(token.value)}`", f"did you mean `{guess}`?",
            (Fix(f"Replace with `{guess}`", span, guess),),
        )
    return UNKNOWN_KEYWORD.at(span, f"unknown {kind} `{shown(token.value)}`", f"the {kind}s are {listing}")


def _bad_first_token(bad: Token) -> Diagnostic:
    span = bad.span
    if bad.type == "WORD":
        valid = not isinstance(times.parse_time(bad.value), times.TimeError)
        if valid or bad.value[:1].isdigit():
            return SYNTAX_ERROR.at(span, "a cue starts with `@` and its time", f"write `@{shown(bad.value)}`",
                (Fix("Add `@`", Span(span.line, span.column, span.line, span.column), "@", safe=True if valid else None),),
            )
        guess = closest(bad.value.lower(), ACTIONS)
        if guess and not closest(bad.value.lower(), (*DIRECTIVES, *HEADERS, SCENE)):
            return UNKNOWN_KEYWORD.at(span, f"`{shown(bad.value)}` is not a directive",
                f'did you mean the action `{guess}`? A cue begins with its time: `@3s {guess} ...`',
            )
        return _unknown(
            "directive", bad, (*DIRECTIVES, *HEADERS, SCENE),
            "`title`, `orientation`, `prompt-expansion`, `min-gap` and `max-duration`; the header lines are `include`, "
            "`define`, `style` and `negative`; and there is `scene`",
        )
    if bad.type in ("START", "INTERACT", "END"):
        return SYNTAX_ERROR.at(span, "a cue needs a time", f"write the time first: `@3s {bad.value} ...`")
    return SYNTAX_ERROR.at(
        span, f"unexpected {_describe(bad)} at the start of a line",
        "a line holds a cue (`@3s interact \"...\"`), a directive, a `scene` or a comment",
    )
