"""Templates: the `{NAME}` references, `{a|b}` variant groups and `{{`/`}}` braces in a text.

A prompt, a `style`, a `negative` and a define's text are templates once decoded (escapes
read, a `\"\"\"` string folded): this module splits one into its parts, or says what is wrong
with each brace, and maps a place in the decoded text back to the literal as written, for
diagnostics. Pure functions of strings: the syntax stage checks every template once, the
composition stage (compose.py) expands them.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

#: What a define's name may be (also what a `{NAME}` reference names).
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
# A reference (the common case, first), `{{`, `}}`, `{...}` without braces inside (a group, or
# a mistake), or a lone `{` or `}`.
_REFERENCE = re.compile(rf"\{{({NAME.pattern})\}}")
_BRACE = re.compile(rf"{_REFERENCE.pattern}|\{{\{{|\}}\}}|\{{([^{{}}]*)\}}|[{{}}]")


class Ref(NamedTuple):
    """`{NAME}` at `start:end` of the decoded text."""

    name: str
    start: int
    end: int


class Group(NamedTuple):
    """`{a|b|c}` at `start:end`: one of `options` is chosen per script."""

    options: tuple[str, ...]
    start: int
    end: int


Part = str | Ref | Group


class BraceError(NamedTuple):
    """Braces that are none of the above, at `start:end` of the decoded text: their fix doubles
    them (what they meant before braces had a meaning); `name` is the reference they may have
    been meant as (`{ hero }`), for a second fix."""

    start: int
    end: int
    message: str
    help: str
    name: str | None = None
    doubling: bool = True  # False: doubling would turn what was meant into text (`{a|{b}}`)


class Template(NamedTuple):
    """A text split into literal parts (braces already collapsed) and references and groups."""

    parts: tuple[Part, ...]

    @property
    def plain(self) -> bool:
        """Nothing to expand: the text is its one literal part."""
        return all(part.__class__ is str for part in self.parts)

    @property
    def refs(self) -> tuple[Ref, ...]:
        return tuple(p for p in self.parts if isinstance(p, Ref))

    @property
    def groups(self) -> tuple[Group, ...]:
        return tuple(p for p in self.parts if isinstance(p, Group))


_DOUBLE = "write `{{` or `}}` for a brace that is text"


@lru_cache(maxsize=4096)
def parse(text: str) -> Template | tuple[BraceError, ...]:
    """The template `text` is, or every brace that is wrong in it (cached: the syntax stage
    and the composition read each prompt in turn, and a file repeats its style)."""
    if "{" not in text and "}" not in text:
        return Template((text,) if text else ())
    return _references(text) or _parse(text)


def _references(text: str) -> Template | None:
    """The common case, quickly: `text` holds references and no other brace (else None)."""
    pieces = _REFERENCE.split(text)
    parts: list[Part] = []
    at = 0
    for index, piece in enumerate(pieces):
        if index % 2:
            end = at + len(piece) + 2
            parts.append(Ref(piece, at, end))
            at = end
        elif "{" in piece or "}" in piece:
            return None
        elif piece:
            parts.append(piece)
            at += len(piece)
    return Template(tuple(parts))


def _parse(text: str) -> Template | tuple[BraceError, ...]:
    """Any text, brace by brace."""
    parts: list[Part] = []
    errors: list[BraceError] = []
    literal = ""
    at = skip = 0
    for match in _BRACE.finditer(text):
        start, end = match.span()
        if start < skip:  # inside a nested group, reported whole
            continue
        if start != at:
            literal += text[at:start]
        at = end
        name = match.group(1)
        part: Part | None
        if name is not None:
            part = Ref(name, start, end)
        else:
            inner = match.group(2)
            if inner is None:  # `{{`, `}}` or a lone brace
                token = match.group()
                nested = _NESTED.match(text, start) if token == "{" else None
                if nested is not None and "|" not in nested.group():
                    nested = None
                if len(token) == 2:
                    literal += token[0]
                elif nested is not None:
                    skip = at = nested.end()
                    errors.append(BraceError(
                        start, skip, "a variant's alternatives are text: no `{NAME}` inside `{a|b}`",
                        "write the define's text in the alternative, or make the define the variant: "
                        '`define x "{a|b}"`', doubling=False))
                else:
                    errors.append(_lone(start, token))
                continue
            part = _braced(inner, start, end, errors)
            if part is None:
                continue
        if literal:
            parts.append(literal)
            literal = ""
        parts.append(part)
    literal += text[at:]
    if literal:
        parts.append(literal)
    return tuple(errors) if errors else Template(tuple(parts))


# A variant group with a reference inside (`{a|{b}}`, `{x{b}|c}`): one mistake, not two lone braces.
_NESTED = re.compile(r"\{[^{}]*(?:\{[^{}|]*\}[^{}]*)+\}")


def _braced(inner: str, start: int, end: int, errors: list[BraceError]) -> Part | None:
    if "|" in inner:
        return Group(tuple(inner.split("|")), start, end)
    name = inner.strip()
    if NAME.fullmatch(inner):
        return Ref(inner, start, end)
    if NAME.fullmatch(name):
        errors.append(BraceError(start, end, f"no spaces inside `{{{name}}}`",
                                 f"write `{{{name}}}` for the define's text, or {_DOUBLE}", name))
    elif not inner:
        errors.append(BraceError(start, end, "`{}` names nothing", f"{_DOUBLE}; `{{NAME}}` uses a define's text"))
    else:
        errors.append(BraceError(
            start, end, "a name in braces is ASCII letters, digits, `_` and `-`, beginning with a letter or `_`",
            f"{_DOUBLE}; `{{a|b}}` makes variants"))
    return None


def _lone(start: int, brace: str) -> BraceError:
    """A `{` that no `}` closes before the next brace, or a `}` that closes nothing."""
    what = "`{` that nothing closes" if brace == "{" else "`}` that closes nothing"
    return BraceError(start, start + 1, f"a lone {what}", f"{_DOUBLE}; `{{NAME}}` uses a define's text")


def escape(text: str) -> str:
    """`text` as a template whose value is `text` (braces doubled): what `ody decompile` writes."""
    return text.replace("{", "{{").replace("}", "}}") if "{" in text or "}" in text else text


def has_braces(text: str) -> bool:
    return "{" in text or "}" in text


# --- from the decoded text back to the literal ---------------------------------------------------

_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|[\s\S])")
_RUN = re.compile(r"[ \t\r\n]*[\r\n][ \t\r\n]*")


def source_offset(raw: str, offset: int) -> int:
    """Where the character at `offset` of `raw`'s decoded value (`strings.decode`) is written in
    `raw` (a literal with its quotes), so that a brace's diagnostic points at the brace itself.
    An offset at the end maps to the closing quotes."""
    long = raw.startswith('"""')
    quote = 3 if long else 1
    inner_end = len(raw) - quote
    position, decoded = quote, 0
    if long:  # leading whitespace is folded away
        while position < inner_end and raw[position] in " \t\r\n":
            position += 1
    while position < inner_end:
        if decoded >= offset:
            return position
        char = raw[position]
        if char == "\\":
            match = _ESCAPE.match(raw, position)
            step = match.end() - position if match else 1
            position += step
            # an escaped surrogate pair decodes to one character
            if match and len(match.group(1)) == 5 and 0xD800 <= int(match.group(1)[1:], 16) <= 0xDBFF:
                pair = _ESCAPE.match(raw, position)
                if pair and len(pair.group(1)) == 5:
                    position = pair.end()
            decoded += 1
        elif long and char in " \t\r\n":
            run = _RUN.match(raw, position)
            if run is not None:
                position = run.end()
            else:
                position += 1
            decoded += 1
        else:
            position += 1
            decoded += 1
    return min(position, inner_end)

