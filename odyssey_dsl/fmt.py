"""The formatter: the one canonical layout of a screenplay (`ody fmt`, and `ody decompile`'s output).

It works on the syntax tree, not on raw lines, so that it can only move whole statements and
comments and never cut a string or a comment. What it may change is whitespace, the order of
the header lines at the top, the form of a prompt (`"..."` or folded `\"\"\"`) and, on request,
the spelling of times; every change keeps the compiled output the same, and formatting twice
gives what formatting once gave. Layout rules (docs/language.md, "Formatting"):

- the comment block at the very top (the header) stays there, then one blank line;
- the header lines in the order includes, title, the other directives (in `DIRECTIVES`'
  order), defines, style, negative, each kind in its written order, one blank line between
  the groups (includes; directives; defines; style and negative) and after them; only the run
  of header lines before the first other statement is sorted (one further down is an error,
  and stays where it is, so nothing moves across it). Sorting never changes the meaning: a
  define, a style or an include means the same anywhere in the header;
- a `style` or `negative` at the top of a scene stays right below its `scene` line (style
  first), with no blank line between;
- a full-line comment belongs to the statement below it and moves with it;
- cues are aligned in columns (time, action, prompt) per block of consecutive cues; a block
  ends at a blank line or at any statement that is not a cue; the time column is at most
  `TIME_COLUMN` characters wide: a longer time is followed by one space;
- one space before a trailing comment, no trailing whitespace, runs of blank lines become one,
  and a scene line (with its comments) always has a blank line above it;
- a `\"\"\"` prompt written over several lines keeps the writer's lines (so a file laid out
  once stays laid out); only a line longer than the width is wrapped at spaces, and two lines
  join where other whitespace touches the break;
- any other cue line longer than the line width (its image and a suppression comment not
  counted: folding would not shorten them) writes its prompt as a folded `\"\"\"` string wrapped
  at spaces, only where the parser reads the very same prompt back; so does a define, `style`
  or `negative` line. A `{NAME}` or `{a|b}` is never cut by a wrap;
- literals keep the writer's escapes where the form allows, else take `strings.quote`'s.

`format_range` (the editor's "Format Selection") lays out only the statements a range of lines
touches, in place, with the same rules: it moves nothing, and leaves every other line as it is.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from . import strings
from .checks import check
from .diagnostics import SYNTAX_CODES, Diagnostic, Span
from .lines import BREAK, normalized, split_keeping
from .strings import quote
from .syntax import (
    Comment,
    Cue,
    Define,
    Directive,
    Document,
    Include,
    Invalid,
    Item,
    Scene,
    Statement,
    Style,
    Text,
    Word,
    parse,
)
from .times import TimeError, format_ms, parse_time
from .vocabulary import DIRECTIVES, DURATIONS

NORMALIZE_TIMES = ("absolute", "relative")
#: The widest time column (`@` included) a block is aligned to: one long time such as
#: `@0:01:30.250` sets the column, `@1h20m30.125s` just takes one space.
TIME_COLUMN = 12
INDENT = "    "

# Where a folded prompt may wrap: a space with no other whitespace beside it. A space or tab
# there would fold away with the line break; any other (a no-break space) would end a line,
# where editors that trim trailing whitespace could silently delete it from the prompt.
_BREAK = re.compile(r"(?<!\s) (?!\s)")
# Braces as `templates` reads them in a text: `{{` and `}}`, else a reference or a group.
_BRACED = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")


class FormatError(Exception):
    """The text has syntax errors (ODY001–ODY009): it is never rewritten, because a line that
    cannot be read cannot be laid out without guessing what it meant."""

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        self.diagnostics: tuple[Diagnostic, ...] = tuple(diagnostics)
        first = self.diagnostics[0]
        count = len(self.diagnostics)
        super().__init__(f"{count} syntax error{'s' if count > 1 else ''}, the first at line "
                         f"{first.span.line}, column {first.span.column}: {first.message}")


def format_text(text: str, *, line_width: int = 100, normalize_times: str | None = None) -> str:
    """The canonical layout of a screenplay (UTF-8 str in, str out, `\\n` line ends, one final
    newline; no text at all for a file without statements or comments). Raises FormatError
    (with .diagnostics: the syntax diagnostics) when the text has syntax errors (ODY001–ODY009):
    such a file is never rewritten. `normalize_times` is None (keep times as written),
    "absolute" or "relative"."""
    if normalize_times not in (None, *NORMALIZE_TIMES):
        raise ValueError(f"normalize_times is 'absolute', 'relative' or None, not {normalize_times!r}")
    document = _readable(text)
    times = _normalized_times(document, normalize_times == "relative") if normalize_times else {}
    writer = _Writer(line_width, times, normalize_times is not None)
    lines = writer.lines(_layout(document))
    return "\n".join(lines) + "\n" if lines else ""


def format_range(text: str, lines: tuple[int, int], *, line_width: int = 100) -> str:
    """`text` with the items (statements and comment lines) that touch `lines` (1-based,
    inclusive) laid out in place, each whole, as `format_text` writes it: the editor's "Format
    Selection". Nothing moves (the directives are not sorted) and every line outside those
    items keeps its bytes; runs of blank lines between them become one. Raises FormatError
    when the text has syntax errors, as `format_text` does."""
    document = _readable(text)
    items = document.items
    touched = [i for i, item in enumerate(items) if item.span.line <= lines[1] and item.span.end_line >= lines[0]]
    if not touched:
        return text
    first, last = touched[0], touched[-1]
    rows, where = _rows(items)
    fresh = _Writer(line_width, {}, False).lines(rows[where[first]:where[last] + 1], context=rows)
    old = split_keeping(text)
    top, bottom = items[first].span.line - 1, items[last].span.end_line - 1
    region = old[top:bottom + 1]
    breaks = [line[len(line.rstrip("\r\n")):] for line in region]
    newline = next((b for b in breaks if b), _first_break(text))
    head = "\ufeff" if top == 0 and text.startswith("\ufeff") else ""
    body = "\n".join(fresh).replace("\n", newline)  # a folded prompt's lines too
    return "".join(old[:top]) + head + body + breaks[-1] + "".join(old[bottom + 1:])


def _readable(text: str) -> Document:
    """The parsed text, or FormatError with its syntax diagnostics."""
    document = parse(text)
    blocking = [d for d in document.diagnostics if d.code in SYNTAX_CODES]
    if blocking:
        raise FormatError(blocking)
    return document


def _first_break(text: str) -> str:
    found = BREAK.search(text)
    return found.group() if found else "\n"


# --- which line goes where -------------------------------------------------------------------

@dataclass
class _Unit:
    """A statement and the full-line comments above it (statement None: the file's last comments);
    `blanks[i]` says whether a blank line was written above `items[i]`."""

    items: list[Item]
    blanks: list[bool]

    @property
    def statement(self) -> Statement | None:
        last = self.items[-1]
        return None if isinstance(last, Comment) else last


_BLANK = None  # a blank line in a layout
Row = Item | None


def _units(document: Document) -> list[_Unit]:
    units: list[_Unit] = []
    current = _Unit([], [])
    previous_end: int | None = None
    for item in document.items:
        current.items.append(item)
        current.blanks.append(previous_end is not None and item.span.line > previous_end + 1)
        previous_end = item.span.end_line
        if not isinstance(item, Comment):
            units.append(current)
            current = _Unit([], [])
    if current.items:
        units.append(current)
    return units


def _header(unit: _Unit) -> str | None:
    """The header line a unit holds (`include`, a directive's name, `define`, `style` or
    `negative`), else None. A directive line that failed to parse only because its value is
    quoted (ODY109, kept as written) counts too: the checks count it with the directives (it
    does not make the ones after it misplaced)."""
    statement = unit.statement
    if isinstance(statement, Directive | Style):
        return statement.name
    if isinstance(statement, Define):
        return "define"
    if isinstance(statement, Include):
        return "include"
    if isinstance(statement, Invalid):
        word = statement.text.split(maxsplit=1)[0]
        return word if word in DIRECTIVES else None
    return None


#: The header lines in the order they are written, and the group of each (a blank line
#: between two groups): includes, directives, defines, style and negative.
_ORDER = ("include", *DIRECTIVES, "define", "style", "negative")
_GROUP = {"include": 0, **dict.fromkeys(DIRECTIVES, 1), "define": 2, "style": 3, "negative": 3}


def _group(unit: _Unit) -> int:
    return _GROUP[_header(unit) or ""]


def _rank(unit: _Unit) -> int:
    """Where a header line goes in the canonical order (a stable sort keeps repeated ones as written)."""
    return _ORDER.index(_header(unit) or "")


def _layout(document: Document) -> list[Row]:
    """Items in their canonical order, with None for the blank lines between them."""
    units = _units(document)
    rows: list[Row] = []

    def blank() -> None:
        if rows and rows[-1] is not _BLANK:
            rows.append(_BLANK)

    # The header: the comments above the first statement, except those right above it
    # (no blank line between), which belong to that statement.
    if units:
        first = units[0]
        cut = 0 if first.statement is not None else len(first.items)
        cut = max([i for i, b in enumerate(first.blanks) if b and i] + [cut])
        for item, was_blank in zip(first.items[:cut], first.blanks[:cut]):
            if was_blank:
                blank()
            rows.append(item)
        units[0] = _Unit(first.items[cut:], [False] * (len(first.items) - cut))
        if not units[0].items:
            units.pop(0)
    top = 0
    while top < len(units) and _header(units[top]) is not None:
        top += 1
    header = sorted(units[:top], key=_rank)
    for section in (header, _scene_tops(units[top:])):
        if section:
            blank()
        scene_top = False  # right below a `scene` line and its style and negative
        for index, unit in enumerate(section):
            blanks = list(unit.blanks)
            if section is header:
                blanks[0] = blanks[0] or (index > 0 and _group(unit) != _group(section[index - 1]))
            elif isinstance(unit.statement, Scene):
                scene_top = True
                blanks[0] = blanks[0] or not any(blanks)
            elif scene_top and isinstance(unit.statement, Style):
                blanks[0] = False
            else:
                scene_top = False
            for position, (item, was_blank) in enumerate(zip(unit.items, blanks)):
                if was_blank and (index or position):
                    blank()
                rows.append(item)
    return rows


def _scene_tops(units: list[_Unit]) -> list[_Unit]:
    """`units` with the `style` and `negative` lines right below each `scene` line in the
    canonical order (style first); nothing else moves."""
    out: list[_Unit] = []
    index = 0
    while index < len(units):
        out.append(units[index])
        index += 1
        if isinstance(out[-1].statement, Scene):
            end = index
            while end < len(units) and isinstance(units[end].statement, Style):
                end += 1
            out.extend(sorted(units[index:end], key=_rank))
            index = end
    return out


def _rows(items: Sequence[Item]) -> tuple[list[Row], list[int]]:
    """The items in the order written, with None for each run of blank lines between two of
    them (the cue blocks are the same as in the canonical layout); and each item's index there."""
    rows: list[Row] = []
    where: list[int] = []
    for index, item in enumerate(items):
        if index and item.span.line > items[index - 1].span.end_line + 1:
            rows.append(_BLANK)
        where.append(len(rows))
        rows.append(item)
    return rows, where


# --- writing lines ---------------------------------------------------------------------------

class _Writer:
    """Renders the rows; `times` maps a cue's span to its new time text (normalized times)."""

    def __init__(self, width: int, times: dict[Span, str], normalize: bool) -> None:
        self.width = width
        self.times = times
        self.normalize = normalize

    def lines(self, rows: list[Row], context: list[Row] | None = None) -> list[str]:
        """The lines of `rows`, cues aligned in the blocks of `context` (default: `rows`)."""
        columns = self._columns(rows if context is None else context)
        out: list[str] = []
        for row in rows:
            if row is _BLANK:
                out.append("")
            elif isinstance(row, Comment):
                out.append(row.text.rstrip())
            elif isinstance(row, Cue):
                out.append(self._cue(row, *columns[row.span]))
            elif isinstance(row, Define | Style):
                out.append(self._template(row))
            else:
                out.append(self._statement(row) + _trailing(row.comment))
        return out

    def _columns(self, rows: list[Row]) -> dict[Span, tuple[int, int]]:
        """Time and action column widths of each cue, from the block it is in."""
        columns: dict[Span, tuple[int, int]] = {}
        block: list[Cue] = []

        def close() -> None:
            times = [n for n in (len(self._time(c)) for c in block) if n <= TIME_COLUMN]
            widths = (max(times, default=0), max((len(c.action) for c in block), default=0))
            columns.update((c.span, widths) for c in block)
            block.clear()

        for row in rows:
            if isinstance(row, Cue):
                block.append(row)
            elif not isinstance(row, Comment):
                close()
        close()
        return columns

    def _time(self, cue: Cue) -> str:
        return "@" + self.times.get(cue.span, cue.time.text)

    def _cue(self, cue: Cue, time_width: int, action_width: int) -> str:
        followed = cue.prompt is not None or cue.image is not None
        head = f"{self._time(cue).ljust(time_width)} {cue.action.ljust(action_width) if followed else cue.action}"
        image = " image " + _one_line(cue.image) if cue.image is not None else ""
        comment = _trailing(cue.comment)
        if cue.prompt is None:
            return head + image + comment
        # The image does not count towards the width: folding could not shorten it (the
        # grammar keeps it on the prompt's last line).
        return head + " " + self._prompt(cue.prompt, _room_taken(head, cue.comment)) + image + comment

    def _template(self, line: Define | Style) -> str:
        """A define, `style` or `negative` line: its text written as a prompt is."""
        head = f"define {line.name.text}" if isinstance(line, Define) else line.name
        return f"{head} {self._prompt(line.value, _room_taken(head, line.comment))}{_trailing(line.comment)}"

    def _prompt(self, prompt: Text, room_taken: int) -> str:
        """The writer's own lines for a `\"\"\"` prompt written over several lines, else the
        prompt on one line if the cue line fits, else folded where that is exact.

        Both one-line forms try the writer's own escapes first and fall back to the canonical
        ones (`strings.quote`). Folding only happens when neither one-line form fits, so the
        result does not change when formatted again.
        """
        value = prompt.value
        assert value is not None
        content = self.width - len(INDENT)
        if prompt.long:
            kept = _long(_kept_lines(prompt.raw[3:-3], content))
            if kept is not None and _value(kept) == value:
                return kept
        written = _escaped(prompt)
        canonical = quote(value)[1:-1]
        one = written if not prompt.long or written == canonical else _valid_short(written, value) or canonical

        def fits(body: str) -> bool:
            return room_taken + len(body) + 2 <= self.width

        if fits(one):
            return f'"{one}"'
        if fits(canonical):
            return f'"{canonical}"'
        for body in dict.fromkeys((written, canonical)):
            folded = _long(_wrap(body, content))
            if folded is not None and _value(folded) == value:
                return folded
        return f'"{one}"'

    def _statement(self, statement: Statement) -> str:
        if isinstance(statement, Directive):
            value = statement.value
            if isinstance(value, Word):
                return f"{statement.name} {self._word(statement.name, value.text)}"
            return f"{statement.name} {_one_line(value)}"
        if isinstance(statement, Scene):
            after = f" after {_one_line(statement.after)}" if statement.after is not None else ""
            return f"scene {_one_line(statement.name)}{after}"
        if isinstance(statement, Include):
            return f"include {_one_line(statement.path)}"
        assert isinstance(statement, Invalid)  # e.g. `orientation "portrait"` (ODY109): as written
        return normalized(statement.text)

    def _word(self, name: str, text: str) -> str:
        """A directive's bare value as written; a duration (`min-gap`) is a time, so normalized with them."""
        if name in DURATIONS and self.normalize:
            parsed = parse_time(text)
            if not isinstance(parsed, TimeError) and not parsed[0]:
                return format_ms(parsed[1])
        return text


def _trailing(comment: Comment | None) -> str:
    return " " + comment.text.rstrip() if comment is not None else ""


def _room_taken(head: str, comment: Comment | None) -> int:
    """The width a line takes besides its text: `head`, a space, and the trailing comment
    unless it is a suppression (folding the text could not shorten it)."""
    return len(head) + 1 + (0 if comment is not None and comment.ignores else len(_trailing(comment)))


# --- string literals -------------------------------------------------------------------------

def _escaped(text: Text) -> str:
    """The literal's text between its quotes as written, on one line: a `\"\"\"` one folded,
    its escapes and raw characters kept (it may not be valid between `"` quotes)."""
    if not text.long:
        return text.raw[1:-1]
    return strings.fold(text.raw[3:-3])


def _valid_short(body: str, value: str) -> str | None:
    """`body` if `"body"` is a literal whose value is `value`, else None."""
    return body if _value(f'"{body}"') == value else None


def _one_line(text: Text) -> str:
    """A title, scene name or image on one line: as written if it is a `"..."`, else the
    writer's escapes when they make a valid one-line literal, else the canonical quoting."""
    if not text.long:
        return text.raw
    assert text.value is not None
    body = _valid_short(_escaped(text), text.value)
    return f'"{body}"' if body is not None else quote(text.value)


def _kept_lines(inner: str, width: int) -> list[str]:
    """The lines of a `\"\"\"` string's text as the writer broke them, only those longer than
    `width` wrapped; two lines are joined where other whitespace (a no-break space) touches
    the break, which would end up at the end of a line. Blank lines go: folding drops them.
    Empty for a string written on one line: it has no line break of the writer's to keep."""
    if BREAK.search(inner) is None:
        return []
    lines: list[str] = []
    for line in BREAK.split(inner):
        line = line.strip(" \t")
        if not line:
            continue
        if lines and (lines[-1][-1].isspace() or line[0].isspace()):
            lines[-1] += " " + line
        else:
            lines.append(line)
    return [piece for line in lines for piece in _wrap(line, width)]


def _wrap(body: str, width: int) -> list[str]:
    """`body` wrapped greedily at single spaces to `width` per line (a longer word alone). A
    word beginning with `@` stays on the line before: a line of a long string that begins
    with `@` would begin a cue. A `{NAME}` or `{a|b}` is one word: a reader sees it whole."""
    lines: list[str] = []
    for word in _words(body):
        if lines and (len(lines[-1]) + 1 + len(word) <= width or word.startswith("@")):
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


def _words(body: str) -> list[str]:
    """`body` split where it may wrap (`_BREAK`), except inside braces (`_BRACED`)."""
    if "{" not in body:
        return _BREAK.split(body)
    braced = [(m.start(), m.end()) for m in _BRACED.finditer(body) if m.group(1) is not None]
    words: list[str] = []
    at = 0
    for space in _BREAK.finditer(body):
        if not any(start < space.start() < end for start, end in braced):
            words.append(body[at:space.start()])
            at = space.end()
    words.append(body[at:])
    return words


def _long(lines: list[str]) -> str | None:
    """`lines` as a `\"\"\"` literal, indented; None when there are none, or when the text
    begins or ends with whitespace (folding would strip it, or leave it at the end of a line)."""
    if not lines or not lines[0] or not lines[-1] or lines[0][0].isspace() or lines[-1][-1].isspace():
        return None
    return '"""\n' + "".join(INDENT + line + "\n" for line in lines) + '"""'


def _value(raw: str) -> str | None:
    """The value of `raw` read as exactly one string literal by the real parser, else None:
    the proof that a rewritten literal means what the original did."""
    items = parse("title " + raw).items
    if len(items) != 1 or not isinstance(items[0], Directive) or items[0].diagnostics:
        return None
    value = items[0].value
    return value.value if isinstance(value, Text) and value.raw == raw else None


# --- normalized times ------------------------------------------------------------------------

def _normalized_times(document: Document, relative: bool) -> dict[Span, str]:
    """New time texts, for the cues whose absolute time is known: absolute (`format_ms`), or
    with `relative` the first cue of each script absolute and the others `+gap`. A cue earlier
    than the one before it cannot be `+gap` and is written absolute; a cue whose time cannot be
    resolved (e.g. a relative first cue, ODY108) keeps its text, so every cue still means the
    same time."""
    out: dict[Span, str] = {}
    for script in check(document, None).scripts:
        previous: int | None = None
        for index, timed in enumerate(script.cues):
            ms = timed.ms
            if ms is not None:
                if relative and index > 0 and previous is not None and ms >= previous:
                    out[timed.cue.span] = "+" + format_ms(ms - previous)
                else:
                    out[timed.cue.span] = format_ms(ms)
            previous = ms
    return out

