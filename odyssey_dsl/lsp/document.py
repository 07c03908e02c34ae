"""An open screenplay as the editor sees it, kept checked after every edit.

Positions here are 0-based lines and columns counted in code points; the server converts the
client's encoding (UTF-8, UTF-16 or UTF-32) before calling `edit`. Lines end with `\\n`,
`\\r\\n` or a lone `\\r`, as in LSP and in the compiler. The diagnostics are always those
`ody lint` reports for the same text, path and settings (tests/test_lsp_document.py compares
them after random edits).

Checking a 20,000-line file from scratch takes most of a second, and the editor must never
wait, so an edit costs about what it changes:

- **Parsing.** Only the logical lines the edit touches are parsed again. A `\"\"\"` string
  makes the scanner's state cross lines, so parsing goes on until the new and the old parse
  both have a line boundary at the same place (reading twice as far at each step, so that a
  change of partners that runs down the file is read in a few passes, not hundreds). An
  unclosed `\"\"\"` runs only up to the next line that begins with `@`, so an edit can change
  where one ends only from the record just after it: parsing starts there when that record is one.
- **Undoing a cascade.** Typing a `\"\"\"` near the top can change the partners of the
  `\"\"\"` below it: the rest of the file is read again. The records it replaced are kept aside
  (`_Shadow`, with what the rules found there): when the next edits close that string (or
  remove it), the parse soon reaches a line from which the rest of the text is what those
  records were made from, and takes them back instead of parsing it all again; the script rules
  then stop at the first cue whose progress is what it was, as for any edit.
- **Lines that moved.** Each record keeps the syntax node as parsed and the line it now
  starts on; the node (and its diagnostics) is shifted only when it is looked at (`_current`).
  Moving 20,000 records is one list of integers.
- **Script rules.** `rules.timing.step` runs them one statement at a time with a plain-value
  `Progress`; each record keeps the progress after it, so the rules resume at the edit and stop
  at the first unchanged cue whose progress is what it was. Their diagnostics only point at the
  cue itself, the cue before it (always re-run after an edit between them) or the script's
  first cue (the second `start`s after the edit are re-run).
- **The rest** (directives, scene lines, how scripts begin and end, images, suppression) is
  small and is run again on every edit from indexes kept beside the records, a byte per record.
- **Names, styles, variants, includes.** The composer (composing.py) is fed again on every
  edit, but only what can change what it says: the header lines and the files they include
  (read through `resolver`: the editor's open buffers first), the scene lines, the first cues
  of each script and the cues whose prompts hold braces; and of those, a cue that makes no
  variants keeps what it said while the header lines and included files are unchanged (see
  `_header_rules`), so a file whose every prompt uses a define is not composed again whole.

What `ody lint` reads from disk before it parses, the editor keeps too: a text larger than the
`max-bytes` setting is not parsed at all (one ODY010 at line 1 instead, as `ody lint` refuses
the file), and a byte that was not UTF-8 (a lone surrogate U+DC80-U+DCFF in the text, see
`server._readable`) is parsed as U+FFFD and reported by the compiler's own `decode` (ODY006),
with the syntax errors of its lines left out, exactly as `ody lint` reports those bytes.
"""

from __future__ import annotations

import gc
import re
from bisect import bisect_right
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import NamedTuple, cast, overload

from .. import templates
from ..checks import Checked, Script
from ..compiler import UNREADABLE, decode, file_resolver, too_large
from ..compose import Definition, Prompt, Varying
from ..config import Settings
from ..diagnostics import FILE_TOO_LARGE, SYNTAX_CODES, UNTERMINATED_STRING, UNUSED_DEFINE, Diagnostic, Span, sort_key
from ..includes import Resolver
from ..lines import split_keeping
from ..rules.directives import Options, directives, options_of
from ..rules.images import check_images
from ..rules.registry import Chains, Link, ScriptEnd, Timed, on_chains, on_script_end
from ..rules.scenes import scene_like, scenes
from ..rules.suppression import comment_codes, lone_suppression, setting_codes
from ..rules.timing import Progress, pace, spell_ody, step
from ..syntax import (
    Comment,
    Cue,
    Define,
    Directive,
    Document,
    Include,
    Invalid,
    Item,
    Scene,
    Style,
    Text,
    Time,
    Word,
    parse_items,
)
from ..templates import Template, has_braces
from .composing import Composing, Groups
from .positions import CLIENT_BYTES

# One byte per record says what it is, so that `bytearray.find` (memchr) finds scripts, cues
# and scenes among 20,000 records in microseconds.
_START, _CUE, _DIRECTIVE, _SCENE, _BROKEN_SCENE, _BROKEN_CUE, _BROKEN, _COMMENT, _HEADER = b"TCDSHAIME"
_CUES = b"TC"
_HEADS = b"SH"  # what starts a script
_STATEMENTS = b"TCAI"  # what belongs to a script
_OTHERS = b"TCSAH"  # what directives must come before
_BREAKS = b"AI"
_COMPOSED = b"DE"  # what the composer reads wherever it is: directives, defines, styles, includes
_CUE_RUN = re.compile(b"[TC]")
_BODY = re.compile(b"[TCSAH]")  # `_OTHERS`: the first of them begins the body (a search stops there)
_STATEMENT = re.compile(b"[TCAI]")  # `_STATEMENTS`


class Placed(NamedTuple):
    """A cue in its script, with what a hover or a quick fix says about the cues around it
    (times in ms; None where unknown)."""

    timed: Timed
    first: bool  # the script's first cue
    just_before: int | None  # the time of the cue right before it: what a relative time counts from
    previous: int | None  # the nearest earlier known time in the script
    following: int | None  # the nearest later known time in the script
    scene: Scene | None
    length: int | None  # the time of the script's last `end`


class _Composed(NamedTuple):
    """What a cue with braces said to the composer in an epoch (see `LiveDocument._header_rules`):
    the names it uses, its diagnostics (as if it began on `line`), and its prompt (in a 1-tuple;
    None: not kept, it depends on the scene's style)."""

    epoch: int
    names: frozenset[str]
    found: tuple[Diagnostic, ...]
    line: int
    prompt: tuple[Prompt] | None


class _Record:
    """One logical line: its node as parsed (its first line then was `line`), what its comment
    silences, the script rules' progress after it, the diagnostics it shows (`shown`, as
    if it began on `shown_line`): its syntax errors, what the rules found there, its comment's;
    and, for a cue with braces, what the composer said of it."""

    __slots__ = ("after_break", "codes", "composed", "extras", "gap", "item", "line", "ms", "progress", "shown",
                 "shown_line")

    def __init__(self, item: Item, silenced: frozenset[str]) -> None:
        self.item = item
        self.line = item.span.line
        extras: list[Diagnostic] = []
        self.codes: frozenset[str] = frozenset()
        if isinstance(item, Comment):
            if item.ignores:
                extras.append(lone_suppression(item))
        elif item.comment is not None and item.comment.ignores:
            self.codes = comment_codes(item.comment, extras)
        self.extras = tuple(d for d in extras if d.code not in silenced)
        self.progress: Progress | None = None  # None: outside every script
        self.ms: int | None = None
        self.gap: int | None = None  # ms since the cue the rules compared it with (None: none)
        self.after_break = False
        self.composed: _Composed | None = None
        self.show((), silenced)

    def show(self, found: Sequence[Diagnostic], silenced: frozenset[str]) -> None:
        """Keep what the script rules `found` here (the node is where it is now), minus the
        warnings its comment or the ignore setting silence."""
        own = () if isinstance(self.item, Comment) else self.item.diagnostics
        if found:
            own += tuple(d for d in found if d.is_error or (d.code not in silenced and d.code not in self.codes))
        self.shown, self.shown_line = own + self.extras if self.extras else own, self.line


class LiveDocument:
    """The text of one open file with its parse, its checked scripts and its diagnostics."""

    def __init__(self, text: str, path: Path | None, settings: Settings, resolver: Resolver | None = None) -> None:
        self.path = path
        self.settings = settings
        self._resolver = resolver or file_resolver(settings.max_bytes)  # reads what the includes name
        self.revision = 0  # one more after every change: what answers about the whole file are cached by
        self._epoch = 0  # what the cues with braces said is kept while it is this (see `_header_rules`)
        self.replace(text)

    # --- the text ------------------------------------------------------------------------------

    def replace(self, text: str) -> None:
        """The whole text changed (open, full sync, settings reloaded)."""
        with _collector_paused():
            self._rebuild(text)

    def _rebuild(self, text: str) -> None:
        self._raw = split_keeping(text)
        self._text: str | None = text
        self._bad = bytearray(map(_is_bad, self._raw)) if UNREADABLE.search(text) else bytearray(len(self._raw))
        self._size = _size(text)
        self._parse_all()

    def _parse_all(self) -> None:
        """Parse and check the whole text again (none of it when it is over `max-bytes`)."""
        self._refused = self._size > self.settings.max_bytes
        self._setting_extras: list[Diagnostic] = []
        self._silenced = setting_codes(self.settings.ignore, 1, self._setting_extras)
        items = [] if self._refused else parse_items(self._readable(self.text.removeprefix("\ufeff"), 0))
        self._records: list[_Record] = []
        self._firsts: list[int] = []
        self._kinds = bytearray()
        self._noisy = bytearray()  # 1: the record shows diagnostics
        self._open = bytearray()  # 1: a `"""` string that no later `"""` closes
        self._imaged = bytearray()  # 1: a cue with an image to look at
        self._tall = bytearray()  # 1: an item over several lines
        self._braced = bytearray()  # 1: a cue whose prompt holds braces (names, variants)
        self._unfed = bytearray()  # 1: such a cue that keeps nothing from this epoch: fed to the composer
        self._said = bytearray()  # 1: such a cue that keeps diagnostics
        self._epoch_key: tuple[object, ...] | None = None
        self._shadow: _Shadow | None = None
        self._splice(0, 0, items)
        self._options = self._header_rules()
        self._has_scenes = _find(self._kinds, _HEADS) >= 0
        self._fold(0, len(self._records))
        self._refresh()

    def edit(self, start: tuple[int, int], end: tuple[int, int], new_text: str) -> None:
        """Replace the text from `start` to `end` (line, column) by `new_text`."""
        raw = self._raw
        (sl, sc), (el, ec) = sorted((self._clamp(start), self._clamp(end)))
        head, tail = raw[sl][:sc], raw[el][ec:]
        lo = sl
        if sl > 0 and raw[sl - 1].endswith("\r"):  # a lone CR may become half of a CRLF
            lo, head = sl - 1, raw[sl - 1] + head
        lines = split_keeping(head + new_text + tail)
        if el < len(raw) - 1:  # `tail` ends with a line break: the next line is not part of it
            lines.pop()
        self._size += sum(map(_size, lines)) - sum(map(_size, raw[lo:el + 1]))
        self._replaced = (lo, raw[lo:el + 1], len(lines))  # what the shadow's text needs
        raw[lo:el + 1] = lines
        self._bad[lo:el + 1] = bytes(map(_is_bad, lines))
        self._text = None
        if self._refused or self._size > self.settings.max_bytes:
            with _collector_paused():
                self._parse_all()  # nothing to parse while over the limit; all of it once back under
            return
        first, count = self._reparse(lo + 1, el + 1, len(lines) - (el + 1 - lo))
        self._judge(self._header_rules(), first, count)
        self._refresh()

    def _judge(self, options: Options, first: int, count: int) -> None:
        """Run the script rules again from record `first`, where `count` records are new, and on
        whatever the options (or whether the file has scenes) changed the judgement of."""
        has_scenes = _find(self._kinds, _HEADS) >= 0
        if has_scenes != self._has_scenes:
            self._options, self._has_scenes = options, has_scenes
            self._fold(0, len(self._records))  # every script is judged differently now
        elif options.min_gap_ms != self._options.min_gap_ms:
            bound = max(options.min_gap_ms, self._options.min_gap_ms)
            self._options = options
            self._fold(first, first + count)
            self._regap(bound)
        else:
            self._options = options
            self._fold(first, first + count)

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = "".join(self._raw)
        return self._text

    @property
    def line_count(self) -> int:
        return len(self._raw)

    def recheck(self) -> None:
        """The text did not change but the disk (or an included file's open buffer) may have:
        image files and includes are read again with the rest of the whole-file rules, without
        parsing anything of this file again."""
        self._judge(self._header_rules(), 0, 0)
        self._refresh()

    @property
    def includes(self) -> frozenset[Path]:
        """The files (absolute) the includes read or tried to read, however deep: when one of
        them changes, this file is to be checked again (`recheck`)."""
        return frozenset(self._composing.read)

    @property
    def defines(self) -> Mapping[str, Definition]:
        """Every define of the compilation as of the last change, this file's and its includes'
        (`Definition.file` names the file, None for this one), by name: the first of each."""
        return self._composing.defines

    def brought_by(self, file: str) -> Span | None:
        """The include line of this file that brings in the included file named `file` in
        diagnostics (directly or through others), if any."""
        return self._composing.tops.get(file)

    def prompt(self, line: int) -> Prompt:
        """What the cue beginning on 1-based `line` sends as its prompt, names expanded, style
        and negative added (a `Varying` in a script with variants; None: no cue, no prompt, or
        it cannot be known), as `.checked` has it, without composing the whole file when the
        cue holds braces."""
        index = bisect_right(self._firsts, line) - 1
        if index < 0 or self._firsts[index] != line or self._kinds[index] not in _CUES:
            return None
        return self._prompt_of(index)

    def groups(self, line: int) -> Groups:
        """The variant groups of the script 1-based `line` is in (none: one script), as
        `.checked` has them."""
        index = bisect_right(self._firsts, line) - 1
        head = max(self._kinds.rfind(b"S", 0, index + 1), self._kinds.rfind(b"H", 0, index + 1))
        return self._groups.get(head, ())

    def lines(self) -> list[str]:
        """A copy of the lines, each with its line break: cheap (the strings are shared), and
        safe for another thread to read while edits go on."""
        return self._raw.copy()

    def line(self, index: int) -> str:
        """Line `index` (0-based) without its line break; '' past the end."""
        return self._raw[index].rstrip("\r\n") if 0 <= index < len(self._raw) else ""

    def items_between(self, first: int, last: int) -> list[Item]:
        """The items that touch lines `first..last` (1-based), as in `.document`: what a hover,
        a completion or the visible range needs, without building the whole document (which,
        after lines were inserted near the top of a large file, moves every node below)."""
        return [self._current(i) for i in range(*self._between(first, last))]

    def timed_between(self, first: int, last: int) -> list[Timed]:
        """The cues that touch lines `first..last` with their times, as in `.checked` (cues above
        the first scene of a batch belong to no script and are left out)."""
        start, end = self._between(first, last)
        return [self._timed(m.start()) for m in _CUE_RUN.finditer(self._kinds, start, end)
                if self._records[m.start()].progress is not None]

    def silenced(self, line: int) -> frozenset[str]:
        """The warnings not shown at 1-based `line`: the ignore setting's, and those the comment
        of the statement there names."""
        index = bisect_right(self._firsts, line) - 1
        here = index >= 0 and self._last(index) >= line
        return self._silenced | self._records[index].codes if here else self._silenced

    def item_at(self, line: int) -> Item | None:
        """The statement or full-line comment covering 1-based `line` (a `\"\"\"` string spans several)."""
        index = bisect_right(self._firsts, line) - 1
        if index < 0 or self._last(index) < line:
            return None
        return self._current(index)

    def items_above(self, line: int) -> Iterator[Item]:
        """The items that begin above 1-based `line`, the nearest first, each made current only
        when reached (what the cursor's context needs is usually a few lines up)."""
        for index in range(bisect_right(self._firsts, line - 1) - 1, -1, -1):
            yield self._current(index)

    def items_from_top(self) -> Iterator[Item]:
        """The items from the first line down, each made current only when reached."""
        for index in range(len(self._records)):
            yield self._current(index)

    def place(self, line: int) -> Placed | None:
        """The cue that begins on 1-based `line`, in its script, as `.checked` has it (None: no
        cue begins there, or it is above the first scene of a batch), found without building
        the script: the neighbours' times are kept in the records."""
        index = bisect_right(self._firsts, line) - 1
        records, kinds = self._records, self._kinds
        if index < 0 or self._firsts[index] != line or kinds[index] not in _CUES or records[index].progress is None:
            return None
        head = max(kinds.rfind(b"S", 0, index), kinds.rfind(b"H", 0, index))
        end = self._script_end(head)
        before = self._last_cue(head + 1, index)
        known = (records[i].ms for i in self._cues_back(head + 1, index))
        later = (records[m.start()].ms for m in _CUE_RUN.finditer(kinds, index + 1, end))
        ends = (records[i].ms for i in self._cues_back(head + 1, end) if cast(Cue, records[i].item).action == "end")
        return Placed(self._timed(index), before < 0, records[before].ms if before >= 0 else None,
                      next((ms for ms in known if ms is not None), None), next((ms for ms in later if ms is not None), None),
                      cast(Scene, self._current(head)) if head >= 0 and kinds[head] == _SCENE else None,
                      next(ends, None))

    def scene_lines(self) -> list[tuple[int, int]]:
        """(first, last line) of each `scene` line and what follows it up to the next one: to the
        end of its last statement (comments left out), found without moving any node."""
        kinds, found = self._kinds, []
        index = kinds.find(_SCENE)
        while index >= 0:
            following = kinds.find(_SCENE, index + 1)
            last = (following if following >= 0 else len(kinds)) - 1
            while kinds[last] == _COMMENT:
                last -= 1
            found.append((self._firsts[index], self._last(last)))
            index = following
        return found

    def tall_items(self) -> list[Item]:
        """The items written over several lines (a `\"\"\"` string): few, kept in an index."""
        return [self._current(i) for i in _each_byte(self._tall)]

    def _cues_back(self, start: int, end: int) -> Iterator[int]:
        """The cue records in `start..end-1`, the last first."""
        index = self._last_cue(start, end)
        while index >= 0:
            yield index
            index = self._last_cue(start, index)

    def _between(self, first: int, last: int) -> tuple[int, int]:
        start = bisect_right(self._firsts, first) - 1
        if start < 0 or self._last(start) < first:
            start += 1
        return start, max(start, bisect_right(self._firsts, last))

    def _clamp(self, point: tuple[int, int]) -> tuple[int, int]:
        line = min(max(point[0], 0), len(self._raw) - 1)
        return line, min(max(point[1], 0), len(self.line(line)))

    # --- the parse -----------------------------------------------------------------------------

    def _reparse(self, first: int, old_last: int, shift: int) -> tuple[int, int]:
        """Parse again after lines `first..old_last` (1-based) became `first..old_last + shift`;
        returns where the new records are (index, count)."""
        firsts = self._firsts
        r0, r1 = self._between(first, old_last)
        begin = min(first, firsts[r0]) if r0 < r1 else first
        end = max(old_last, self._last(r1 - 1) if r1 > r0 else 0) + 1 + shift
        if r0 > 0 and self._open[r0 - 1]:  # an unclosed `"""` takes the lines up to the next cue: maybe these
            r0 -= 1
            begin = firsts[r0]
        moved = r1  # the records from here on were shifted
        if shift:
            firsts[r1:] = [f + shift for f in firsts[r1:]]
        items: list[Item] = []
        pos, shadow, taken = begin, self._shadow, None
        if shadow is not None and shadow.judged != (self._options.min_gap_ms, self._has_scenes):
            shadow = None  # its records were judged with other options
        while pos < end:  # until the old and the new parse agree on a line boundary
            found, pos = self._scan(pos, end)
            items += found
            if shadow is not None and (taken := shadow.taken(self._raw, pos)) is not None:
                r1 = len(firsts)  # the rest of the file is what the shadow's records were made from
                break
            while r1 < len(firsts) and firsts[r1] < pos:
                end = max(end, self._last(r1) + 1)
                r1 += 1
            if pos < end:  # read twice as far: a cascade down the file takes log(n) steps
                end = min(max(end, 2 * pos - begin), len(self._raw) + 1)
        if r1 - r0 >= _SHADOWED and r1 == len(firsts):
            self._shadow = _Shadow.of(self, r0, r1, moved, shift)
        elif taken is not None:
            self._shadow = None  # its records are live again
        self._splice(r0, r1, items)
        if taken is not None:
            self._put_back(pos, *taken)
        return r0, len(items)

    def _put_back(self, pos: int, shadow: _Shadow, index: int) -> None:
        """Append the shadow's records from `index` on, the first at line `pos`, as they were."""
        base = pos - shadow.offsets[index]
        start = len(self._records)
        self._records += shadow.records[index:]
        self._firsts += [base + offset for offset in shadow.offsets[index:]]
        for name in _FLAGS:
            getattr(self, name).extend(getattr(shadow, name)[index:])
        at = self._braced.find(1, start)
        while at >= 0:  # what they keep from an earlier epoch is fed again
            composed = self._records[at].composed
            if composed is None or composed.epoch != self._epoch:
                self._unfed[at], self._said[at] = 1, 0
            at = self._braced.find(1, at + 1)

    def _scan(self, begin: int, end: int) -> tuple[list[Item], int]:
        """The items of lines `begin..end-1` and the line after the last one read (later than
        `end - 1` when a `\"\"\"` string runs on)."""
        text = "".join(self._raw[begin - 1:end - 1])
        stop = None
        if '"""' in text:  # it may close anywhere below
            stop = len(text)
            text += "".join(self._raw[end - 1:])
        if begin == 1 and text.startswith("\ufeff"):
            text = text[1:]
            stop = stop - 1 if stop is not None else None
        items = parse_items(self._readable(text, begin - 1), begin, stop)
        return items, max(end, items[-1].span.end_line + 1) if items else end

    def _splice(self, r0: int, r1: int, items: list[Item]) -> None:
        records = [_Record(item, self._silenced) for item in items]
        self._records[r0:r1] = records
        self._firsts[r0:r1] = [r.line for r in records]
        self._kinds[r0:r1] = bytes(_kind(r.item) for r in records)
        self._noisy[r0:r1] = bytes(bool(r.shown) for r in records)
        self._open[r0:r1] = bytes(_unclosed(r.item) for r in records)
        self._imaged[r0:r1] = bytes(_imaged(r.item) for r in records)
        self._tall[r0:r1] = bytes(r.item.span.end_line > r.line for r in records)
        self._braced[r0:r1] = braced = bytes(_braced(r.item) for r in records)
        self._unfed[r0:r1] = braced
        self._said[r0:r1] = bytes(len(records))

    def _readable(self, text: str, first: int) -> str:
        """`text`, which begins at 0-based line `first`, as the parser reads it: each byte that
        was not UTF-8 as U+FFFD, as `ody lint` reads them from disk."""
        return UNREADABLE.sub("\ufffd", text) if self._bad.find(1, first) >= 0 else text

    def _last(self, index: int) -> int:
        """The last line of record `index`, as the text is now."""
        record = self._records[index]
        return self._firsts[index] + record.item.span.end_line - record.line

    def _current(self, index: int) -> Item:
        """Record `index`'s node where it is now: shifted (for good) if lines moved above it."""
        record = self._records[index]
        shift = self._firsts[index] - record.line
        if shift:
            record.item = _shift_item(record.item, shift)
            record.line += shift
            record.extras = tuple(d.shifted(shift) for d in record.extras)
        return record.item

    # --- the script rules ----------------------------------------------------------------------

    def _fold(self, start: int, fresh_end: int) -> None:
        """Run the script rules again from record `start`, where records up to `fresh_end` are
        new, until an unchanged cue leaves the progress it had (or a scene line ends the script)."""
        kinds, records, count = self._kinds, self._records, len(self._records)
        head = max(kinds.rfind(b"S", 0, start), kinds.rfind(b"H", 0, start))
        in_script = not self._has_scenes or head >= 0
        progress = (records[start - 1].progress if start > 0 and in_script else None) or Progress()
        before, first = self._cue(self._last_cue(head + 1, start)), self._cue(self._first_cue(head))
        old_cue_seen = False
        for index in range(start, count):
            kind, record, old = kinds[index], records[index], index >= fresh_end
            if kind in _HEADS:
                if old:
                    return  # the scripts below an unchanged scene line are unchanged
                record.progress = progress = Progress()
                head, before, first, in_script, old_cue_seen = index, None, self._cue(self._first_cue(index)), True, False
            elif not in_script:  # above the first scene: no script
                if old and record.progress is None:
                    return
                record.progress, record.ms, record.gap = None, None, None
                record.show([], self._silenced)
                self._noisy[index] = bool(record.shown)
            elif kind in _STATEMENTS:
                was = record.progress
                item = self._current(index)
                cue = cast(Cue, item) if kind in _CUES else None
                progress = self._step(index, progress, cue, before, first)
                if cue is not None:
                    before, old_cue_seen = cue, old_cue_seen or old
                if old and old_cue_seen and progress == was:
                    self._restep_starts(head, index + 1, first)
                    return
            else:
                record.progress = progress  # a comment or directive: the progress goes through

    def _step(self, index: int, progress: Progress, cue: Cue | None, before: Cue | None, first: Cue | None) -> Progress:
        """`rules.timing.step` on record `index`, made current by the caller (`cue` is its node, None
        for a broken line), keeping what it gives; returns the progress after it."""
        record = self._records[index]
        found: list[Diagnostic] = []
        compared = progress.compare and before is not None and not (progress.stopped or progress.ended or progress.after_break)
        previous_ms = progress.previous_ms if compared else None
        progress, entry = step(progress, cue, before, first, self._options.min_gap_ms, found)
        record.progress = progress
        if found or record.shown:
            record.show(found, self._silenced)
            self._noisy[index] = bool(record.shown)
        if entry is not None:
            record.ms, record.after_break = entry.ms, entry.after_break
        record.gap = entry.ms - previous_ms if entry is not None and entry.ms is not None and previous_ms is not None else None
        return progress

    def _regap(self, bound: int) -> None:
        """min-gap changed, and `bound` is the larger of its old and new value: run the rules
        again on the cues less than `bound` after the cue they are compared with, and on those
        that settle an ODY102 left pending above them (its suggested time keeps min-gap), each
        on until the progress is what it was. The progress does not depend on min-gap otherwise
        (the differential tests change min-gap at random to hold the rules to it): any other
        cue is judged alike under both values, and 20,000 cues need not be stepped again."""
        records, kinds = self._records, self._kinds

        def judged_by_gap(index: int) -> bool:
            record, before = records[index], records[index - 1].progress if index > 0 else None
            return ((record.gap is not None and record.gap < bound)
                    or (kinds[index] in _CUES and before is not None and before.pending is not None))

        firsts: dict[int, Cue | None] = {}  # each script's first cue, by its head
        for index in [i for i in range(len(records)) if judged_by_gap(i)]:
            head = max(kinds.rfind(b"S", 0, index), kinds.rfind(b"H", 0, index))
            if head not in firsts:
                firsts[head] = self._cue(self._first_cue(head))
            was = records[index].progress
            progress = records[index - 1].progress if index - 1 > head else None
            progress = self._step(index, progress or Progress(), self._cue(index),
                                  self._cue(self._last_cue(head + 1, index)), firsts[head])
            if progress != was and index + 1 < len(records):  # what it leaves pending changed: on
                self._fold(index + 1, index + 1)

    def _restep_starts(self, head: int, start: int, first: Cue | None) -> None:
        """A second `start` points at the script's first cue, which may have changed or moved:
        run the rules again on those below `start` (the progress before each is current)."""
        end = self._script_end(head)
        index = self._kinds.find(b"T", start, end)
        while index >= 0:
            progress = self._records[index - 1].progress if index - 1 > head else None
            self._step(index, progress or Progress(), self._cue(index), self._cue(self._last_cue(head + 1, index)), first)
            index = self._kinds.find(b"T", index + 1, end)

    def _cue(self, index: int) -> Cue | None:
        """The cue at record `index` where it is now (None for -1)."""
        return cast(Cue, self._current(index)) if index >= 0 else None

    def _first_cue(self, head: int) -> int:
        return _find(self._kinds, _CUES, head + 1, self._script_end(head))

    def _last_cue(self, start: int, end: int) -> int:
        return _rfind(self._kinds, _CUES, start, end)

    def _script_end(self, head: int) -> int:
        end = _find(self._kinds, _HEADS, head + 1)
        return end if end >= 0 else len(self._kinds)

    def _scripts(self) -> list[tuple[int, int]]:
        """(head, end) of each script: -1 for a file without scenes; scenes with statements."""
        if not self._has_scenes:
            return [(-1, len(self._kinds))]
        found = []
        for head in _each(self._kinds, _HEADS):
            end = self._script_end(head)
            if _find(self._kinds, _STATEMENTS, head + 1, end) >= 0:
                found.append((head, end))
        return found

    def _pace(self, start: int, end: int, enough: int) -> int:
        """`rules.timing.pace` of the cues in records `start..end-1`, from the times they keep."""
        records = self._records
        cues = ((r.ms, r.after_break) for r in (records[m.start()] for m in _CUE_RUN.finditer(self._kinds, start, end)))
        return pace(cues, enough)

    def _timed(self, index: int) -> Timed:
        record = self._records[index]
        return Timed(cast(Cue, self._current(index)), record.ms, record.after_break)

    # --- the rules on the whole file -----------------------------------------------------------

    def _directive_rules(self) -> tuple[Options, list[Diagnostic]]:
        """The options and ODY109, from the lines up to the first cue or scene and the directives."""
        kinds = self._kinds
        top = _find(kinds, _OTHERS) + 1 or len(kinds)
        items = [self._current(i) for i in range(top) if kinds[i] != _COMMENT]
        index = kinds.find(b"D", top)
        while index >= 0:
            items.append(self._current(index))
            index = kinds.find(b"D", index + 1)
        found: list[Diagnostic] = []
        return directives(items, found, self.settings.max_duration_ms), found

    def _header_rules(self) -> Options:
        """The composer's pass and the directives' rules: the options, from the directives here
        and in the included files, in order.

        A cue whose prompt holds braces but makes no variants says the same (its undefined
        names, an empty expansion) and sends the same prompt as long as the header lines and
        the included files are what they were (the *epoch*), and no define comes below the first
        cue (whose name means nothing above it): what it said is kept on its record
        (`_Composed`) and it is not fed again; the composer only warns about a define that such a
        kept cue uses, which is dropped here. When the header lines or an included file changed,
        every cue with braces is fed again."""
        headers = self._header_texts()
        trusted = self._epoch_key is not None and self._epoch_key[0] == headers
        composing, prompts, groups = self._compose(every_cue=False, kept=trusted)
        if composing.named_style:  # see composing.py: what it says depends on every prompt
            composing, prompts, groups = self._compose(every_cue=True, kept=False)
            self._forget(None)
            self._composed = composing.composed
        else:
            key = (headers, tuple(composing.texts))
            if key != self._epoch_key:
                if trusted:
                    composing, prompts, groups = self._compose(every_cue=False, kept=False)
                self._forget(key)
            self._composed = self._remember(composing, prompts)
        self._composing, self._prompts, self._groups = composing, prompts, groups
        self._every: dict[int, Prompt] | None = None
        _, self._option_diagnostics = self._directive_rules()
        return options_of(composing.ordered, self.settings.max_duration_ms)

    def _header_texts(self) -> tuple[tuple[str, bool], ...]:
        """The text of each define, style, negative and include line, and whether it comes below
        the first cue or scene: what the cues with braces are judged by, with the included files."""
        body = _body(self._kinds)
        return tuple(("".join(self._raw[self._firsts[i] - 1:self._last(i)]), 0 <= body < i)
                     for i in _each(self._kinds, b"E"))

    def _forget(self, key: tuple[object, ...] | None) -> None:
        """A new epoch (`key`: what it is judged by; None: nothing is kept in it)."""
        self._epoch += 1
        self._epoch_key = key
        self._unfed[:] = self._braced
        self._said[:] = bytes(len(self._said))

    def _remember(self, composing: Composing, prompts: dict[int, Prompt]) -> list[Diagnostic]:
        """The composer's diagnostics, with what the kept cues said; each cue with braces fed
        this time keeps what it said, unless it makes variants."""
        records, firsts = self._records, self._firsts
        said: dict[int, list[Diagnostic]] = {}
        found = []
        for d in composing.composed:
            if d.file is None:
                index = bisect_right(firsts, d.span.line) - 1
                if index in prompts and self._braced[index]:
                    said.setdefault(index, []).append(d)
                    continue
            found.append(d)
        for index, prompt in prompts.items():
            if not self._braced[index]:
                continue
            record = records[index]
            if isinstance(prompt, Varying) or composing.late:
                record.composed, self._unfed[index], self._said[index] = None, 1, 0
                found += said.get(index, ())
                continue
            text = cast(Cue, self._current(index)).prompt
            parsed = templates.parse(text.value) if text is not None and text.value is not None else None
            names = frozenset(r.name for r in parsed.refs) if isinstance(parsed, Template) else frozenset()
            own = tuple(said.get(index, ()))
            record.composed = _Composed(self._epoch, names, own, firsts[index],
                                        None if composing.scene_styled else (prompt,))
            self._unfed[index], self._said[index] = 0, bool(own)
            found += own
        for index in _each_byte(self._said):
            if index not in prompts:
                found += self._kept_said(index).found
        if any(d.code == UNUSED_DEFINE.code for d in found):
            used = self._kept_names(prompts)
            spans = {d.define.name.span for n, d in composing.defines.items() if d.file is None and n in used}
            found = [d for d in found if d.code != UNUSED_DEFINE.code or d.span not in spans]
        return found

    def _keep_prompts(self, prompts: dict[int, Prompt]) -> None:
        """Every cue without braces keeps its prompt for this epoch (the file's style and negative
        added) when it is plain text and no scene has a style of its own: an outline after each
        edit must not compose the whole file again."""
        if self._epoch_key is None or self._composing.scene_styled:
            return
        records, firsts, braced, epoch = self._records, self._firsts, self._braced, self._epoch
        for index, prompt in prompts.items():
            if not braced[index] and not isinstance(prompt, Varying):
                records[index].composed = _Composed(epoch, frozenset(), (), firsts[index], (prompt,))

    def _kept_said(self, index: int) -> _Composed:
        """What kept cue `index` said, moved to where it is now."""
        record = self._records[index]
        kept = cast(_Composed, record.composed)
        shift = self._firsts[index] - kept.line
        if shift:
            kept = record.composed = kept._replace(found=tuple(d.shifted(shift) for d in kept.found),
                                                   line=kept.line + shift)
        return kept

    def _kept_names(self, prompts: dict[int, Prompt]) -> set[str]:
        """The names the kept cues (not fed this time) use: defines the composer did not see used."""
        records, used = self._records, set[str]()
        for index in _each_byte(self._braced):
            composed = records[index].composed
            if index not in prompts and composed is not None:
                used |= composed.names
        return used

    def _compose(self, every_cue: bool, kept: bool) -> tuple[Composing, dict[int, Prompt], dict[int, Groups]]:
        """Feed the composer what `checks.Checker` feeds it that can change what it says (see
        composing.py): the header lines, the scene lines, the first cue of each script (and its
        first with a prompt) and the cues whose prompts hold braces (with `kept`, only those
        that keep nothing from this epoch), or `every_cue`; the prompts of the cues fed (by
        record) and the variant groups of each script (by its head, -1 for a file without scenes)."""
        kinds = self._kinds
        composing = Composing(self.path, self._resolver, self.settings.max_duration_ms)
        body = _body(kinds)
        heads = list(_each(kinds, _HEADS))
        fed = set(_each(kinds, _COMPOSED))
        fed.update(heads)
        if body >= 0:
            fed.add(body)
        if every_cue:
            fed.update(m.start() for m in _CUE_RUN.finditer(kinds))
        else:
            fed.update(_each_byte(self._unfed if kept else self._braced))
            for head in (-1, *heads):
                fed.update(self._first_cues(head))
        prompts: dict[int, Prompt] = {}
        groups: dict[int, Groups] = {}
        head = -1
        for index in sorted(fed):
            if index == body:
                composing.open_body()
            kind, item = kinds[index], self._current(index)
            if kind == _DIRECTIVE:
                composing.directive(cast(Directive, item))
            elif kind == _HEADER:
                composing.header_line(cast(Define | Style | Include, item))
            elif kind in _HEADS:
                groups[head] = composing.script_done(self._counted(head))
                composing.scene(item)
                head = index
            elif kind in _CUES:
                prompts[index] = composing.prompt(cast(Cue, item))
        groups[head] = composing.script_done(self._counted(head))
        composing.finish(self._library)
        return composing, prompts, groups

    def _first_cues(self, head: int) -> list[int]:
        """The first cue of the script `head` begins, and its first with a prompt: where the
        script's style and negative are first applied."""
        end = self._script_end(head)
        first = _find(self._kinds, _CUES, head + 1, end)
        index = first
        while index >= 0:
            prompt = cast(Cue, self._current(index)).prompt
            if prompt is not None and prompt.value is not None:
                return [first, index]
            index = _find(self._kinds, _CUES, index + 1, end)
        return [first] if first >= 0 else []

    def _counted(self, head: int) -> bool:
        """Whether the script `head` begins is one of the request's (as `checks.Checker` counts
        them): the file's, or a scene with a statement; not the cues above the first scene."""
        if head < 0:
            return _find(self._kinds, _HEADS) < 0
        return _STATEMENT.search(self._kinds, head + 1, self._script_end(head)) is not None

    @property
    def _library(self) -> bool:
        """Header lines and no cue, scene or title: valid on its own, included by screenplays."""
        kinds = self._kinds
        if _body(kinds) >= 0 or _find(kinds, _COMPOSED) < 0:
            return False
        return not any(cast(Directive, self._current(i)).name == "title" for i in _each(kinds, b"D"))

    def _prompt_of(self, index: int) -> Prompt:
        """The prompt cue record `index` sends: fed to the composer on this revision, kept from
        this epoch, or, with no style or negative anywhere, its text as written (what the
        composer would give)."""
        if index in self._prompts:
            return self._prompts[index]
        composed = self._records[index].composed
        if composed is not None and composed.epoch == self._epoch and composed.prompt:
            return composed.prompt[0]
        if self._composing.styled or self._braced[index]:
            if self._every is None:
                self._every = self._compose(every_cue=True, kept=False)[1]
                self._keep_prompts(self._every)
            return self._every[index]
        prompt = cast(Cue, self._current(index)).prompt
        return prompt.value if prompt is not None else None

    def _scene_rules(self, scripts: list[tuple[int, int]]) -> list[Diagnostic]:
        """ODY110, from the scene lines, the cues above the first and one statement of each scene;
        ODY117-ODY120, from the scene lines, each scene's first cue with an image and its variants."""
        found: list[Diagnostic] = []
        if not self._has_scenes:
            return found
        kinds = self._kinds
        heads = list(_each(kinds, _HEADS))
        items = [self._current(m.start()) for m in _CUE_RUN.finditer(kinds, 0, heads[0])]
        with_statements = {head for head, _ in scripts}
        links: list[Link] = []
        for head in heads:
            scene = self._current(head)
            items.append(scene)
            if head in with_statements:
                items.append(self._current(_find(kinds, _STATEMENTS, head + 1)))
            if isinstance(scene, Scene):
                imaged = self._imaged.find(1, head + 1, self._script_end(head))
                links.append(Link(scene, self._cue(imaged), bool(self._groups.get(head))))
        scenes(items, found)
        on_chains.run(Chains(links, len(links) == len(heads)), found)
        return found

    def _script_rules(self, scripts: list[tuple[int, int]]) -> list[Diagnostic]:
        """How each script begins and ends (ODY101, ODY103)."""
        found: list[Diagnostic] = []
        kinds = self._kinds
        empty = None if self._has_scenes else Span(1, 1, 1, 1)
        for head, end in scripts:
            first, last = _find(kinds, _CUES, head + 1, end), self._last_cue(head + 1, end)
            broken = (head >= 0 and kinds[head] == _BROKEN_SCENE) or _find(kinds, _BREAKS, head + 1, end) >= 0
            progress = (self._records[last].progress if last >= 0 else None) or Progress()
            before = self._last_cue(head + 1, last) if last >= 0 else -1
            on_script_end.run(ScriptEnd(self._timed(first) if first >= 0 else None, self._timed(last) if last >= 0 else None,
                                        progress, self._options.min_gap_ms, broken, broken, empty, spell_ody,
                                        self._options.max_duration_ms, self._timed(before) if before >= 0 else None,
                                        partial(self._pace, head + 1, before + 1)), found)
        return found

    def _unsilenced(self, found: list[Diagnostic]) -> list[Diagnostic]:
        """`found` without the warnings the ignore setting or their statement's comment silence."""
        def commented(d: Diagnostic) -> frozenset[str]:
            index = bisect_right(self._firsts, d.span.line) - 1
            return self._records[index].codes if index >= 0 else frozenset()

        return [d for d in found if d.is_error or (d.code not in self._silenced and d.code not in commented(d))]

    def _image_rules(self) -> list[Diagnostic]:
        """ODY107 and ODY207, looked up again on every change: files come and go on disk."""
        found: list[Diagnostic] = []
        base = self.path.parent if self.path is not None else Path.cwd()
        index = self._imaged.find(1, max(_find(self._kinds, _HEADS), 0))  # cues above the first scene: no script
        while index >= 0:
            check_images((self._timed(index),), base, found, self._options.portrait)
            index = self._imaged.find(1, index + 1)
        return found

    def _refresh(self) -> None:
        """Gather every diagnostic: what the records show, moved to where they are now, and the
        rules on the whole file (the ordering and suppressions of `checks.check`)."""
        self.revision += 1
        self._document: Document | None = None
        self._checked: Checked | None = None
        self._not_utf8: list[Diagnostic] = []
        if self._refused:
            line = self.line(0)
            self.diagnostics: tuple[Diagnostic, ...] = (FILE_TOO_LARGE.at(
                Span(1, 1, 1, len(line) + 1), f"the file is too large to check: {too_large(self._size, self.settings.max_bytes)}",
                "`ody lint` refuses it too: split it, or raise the `max-bytes` setting (ody.toml or [tool.ody])"),)
            return
        found: list[Diagnostic] = []
        firsts, records = self._firsts, self._records
        index = self._noisy.find(1)
        while index >= 0:
            record = records[index]
            shift = firsts[index] - record.shown_line
            if shift:
                record.shown = tuple(d.shifted(shift) for d in record.shown)
                record.shown_line += shift
            found += record.shown
            index = self._noisy.find(1, index + 1)
        scripts = [] if self._library else self._scripts()
        composing = self._composing
        found += (d for d in composing.problems if d.is_error or d.code not in self._silenced)
        found += self._unsilenced([*self._option_diagnostics, *self._scene_rules(scripts), *self._script_rules(scripts)])
        found += self._unsilenced(self._image_rules())
        found += (d for d in self._setting_extras if d.code not in self._silenced)
        found += self._unsilenced([d for d in self._composed if d.file is None])
        found += (d for d in self._composed if d.file is not None and (d.is_error or d.code not in self._silenced))
        if self._bad.find(1) >= 0:
            text, self._not_utf8 = decode(self.text.encode("utf-8", CLIENT_BYTES))
            found = self._not_utf8 + [d for d in found if self._kept(d)] if text else self._not_utf8
        self.diagnostics = tuple(sorted(found, key=sort_key))

    def _kept(self, d: Diagnostic) -> bool:
        """Not a syntax error on a line with a byte that is not UTF-8 (reported once, as such)."""
        return d.code not in SYNTAX_CODES or not 0 < d.span.line <= len(self._bad) or not self._bad[d.span.line - 1]

    # --- views of the whole file, built when asked for -------------------------------------------

    @property
    def document(self) -> Document:
        if self._document is None:
            with _collector_paused():
                items = tuple(self._current(i) for i in range(len(self._records)))
            noisy = (items[i] for i in _each_byte(self._noisy))
            parsed = [d for item in noisy if not isinstance(item, Comment) for d in item.diagnostics if self._kept(d)]
            parsed += self._not_utf8
            self._document = Document(items, len(self._raw), 1, tuple(sorted(parsed, key=sort_key)))
        return self._document

    @property
    def checked(self) -> Checked:
        if self._checked is None:
            scripts = []
            library = self._library
            with _collector_paused():
                for head, end in [] if library else self._scripts():
                    scene = cast(Scene, self._current(head)) if head >= 0 and self._kinds[head] == _SCENE else None
                    indexes = [m.start() for m in _CUE_RUN.finditer(self._kinds, head + 1, end)]
                    scripts.append(Script(scene, tuple(self._timed(i) for i in indexes),
                                          tuple(self._prompt_of(i) for i in indexes), self._groups.get(head, ())))
            self._checked = Checked(self._options, tuple(scripts), self._has_scenes, self.diagnostics, library)
        return self._checked


_SHADOWED = 256  # records: a cascade that replaced fewer is cheap to parse again
_FLAGS = ("_kinds", "_noisy", "_open", "_imaged", "_tall", "_braced", "_unfed", "_said")  # the indexes kept beside the records


class _Shadow:
    """Records a cascade replaced, to the end of the file, with their indexes, each record's
    first line (from the first's, which was on line `first`), the text they were made from
    (`tail`, to the end) and the options they were judged with (min-gap, whether the file has scenes)."""

    def __init__(self, records: list[_Record], offsets: list[int], flags: list[bytes], tail: list[str],
                 judged: tuple[int, bool], first: int) -> None:
        self.records, self.offsets, self.tail, self.judged, self.first = records, offsets, tail, judged, first
        self._kinds, self._noisy, self._open, self._imaged, self._tall, self._braced, self._unfed, self._said = flags
        self.starts = {offset: index for index, offset in enumerate(offsets)}

    @classmethod
    def of(cls, live: LiveDocument, r0: int, r1: int, moved: int, shift: int) -> _Shadow:
        """Records `r0..r1-1` of `live` as they were before the edit (`moved..`: already shifted)."""
        before = [f if i < moved else f - shift for i, f in enumerate(live._firsts[r0:r1], r0)]  # lines before the edit
        lo, old_lines, count = live._replaced
        raw = live._raw
        tail = (raw[:lo] + old_lines + raw[lo + count:])[before[0] - 1:]  # the text before the edit, from the first
        offsets = [line - before[0] for line in before]
        return cls(live._records[r0:r1], offsets, [bytes(getattr(live, n)[r0:r1]) for n in _FLAGS], tail,
                   (live._options.min_gap_ms, live._has_scenes), before[0])

    def taken(self, raw: list[str], pos: int) -> tuple[_Shadow, int] | None:
        """(self, the record to take back from), when the text from 1-based line `pos` to the
        end is the text a record began with: parsing it would give those records again."""
        offset = len(self.tail) - (len(raw) - pos + 1)
        index = self.starts.get(offset)
        if index is None or raw[pos - 1:] != self.tail[offset:]:
            return None
        if (self.first + offset == 1) != (pos == 1) and raw[pos - 1].startswith("\ufeff"):
            return None  # a BOM is dropped on the first line only: the record would read otherwise
        return self, index


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while tens of thousands of records or nodes are built (none
    of them in a cycle): the collector would walk the whole heap again and again."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _is_bad(line: str) -> bool:
    return not line.isascii() and UNREADABLE.search(line) is not None


def _size(text: str) -> int:
    """Bytes in the file the client would write (what `max-bytes` counts)."""
    return len(text) if text.isascii() else len(text.encode("utf-8", CLIENT_BYTES))


def _find(kinds: bytearray, chars: bytes, start: int = 0, end: int | None = None) -> int:
    """The first record in `start..end-1` of one of the kinds `chars`, or -1."""
    end = len(kinds) if end is None else end
    found = [i for i in (kinds.find(c, start, end) for c in chars) if i >= 0]
    return min(found) if found else -1


def _body(kinds: bytearray) -> int:
    """The first cue or scene line (or broken line meant as one), or -1."""
    found = _BODY.search(kinds)
    return found.start() if found is not None else -1


def _rfind(kinds: bytearray, chars: bytes, start: int, end: int) -> int:
    """The last record in `start..end-1` of one of the kinds `chars`, or -1."""
    return max(kinds.rfind(c, start, end) for c in chars)


def _each_byte(flags: bytearray) -> Iterator[int]:
    index = flags.find(1)
    while index >= 0:
        yield index
        index = flags.find(1, index + 1)


def _each(kinds: bytearray, chars: bytes) -> Iterator[int]:
    index = _find(kinds, chars)
    while index >= 0:
        yield index
        index = _find(kinds, chars, index + 1)


def _kind(item: Item) -> int:
    if isinstance(item, Cue):
        return _START if item.action == "start" else _CUE
    if isinstance(item, Invalid):
        return _BROKEN_SCENE if scene_like(item) else _BROKEN_CUE if item.text.startswith("@") else _BROKEN
    if isinstance(item, (Define, Style, Include)):
        return _HEADER
    return _DIRECTIVE if isinstance(item, Directive) else _SCENE if isinstance(item, Scene) else _COMMENT


def _unclosed(item: Item) -> bool:
    """A broken line that may hold a `\"\"\"` no later `\"\"\"` closes (an edit below may close it)."""
    return isinstance(item, Invalid) and '"""' in item.text and any(d.code == UNTERMINATED_STRING.code for d in item.diagnostics)


def _braced(item: Item) -> bool:
    """A cue whose prompt the composer may say something about: one with `{` or `}`."""
    return isinstance(item, Cue) and item.prompt is not None and item.prompt.value is not None and has_braces(
        item.prompt.value)


def _imaged(item: Item) -> bool:
    return isinstance(item, Cue) and item.image is not None and item.image.value is not None


# --- moving nodes down or up ------------------------------------------------------------------

@overload
def _text(text: Text, shift: int) -> Text: ...
@overload
def _text(text: None, shift: int) -> None: ...
@overload
def _text(text: Text | None, shift: int) -> Text | None: ...
def _text(text: Text | None, shift: int) -> Text | None:
    return None if text is None else Text(text.raw, text.span.shifted(shift), text.value)


@overload
def _comment(comment: Comment, shift: int) -> Comment: ...
@overload
def _comment(comment: Comment | None, shift: int) -> Comment | None: ...
def _comment(comment: Comment | None, shift: int) -> Comment | None:
    if comment is None:
        return None
    ignores = tuple((code, span.shifted(shift)) for code, span in comment.ignores)
    return Comment(comment.text, comment.span.shifted(shift), ignores)


def _shift_item(item: Item, shift: int) -> Item:
    """The same node `shift` lines further down, as parsing it there would give."""
    if isinstance(item, Comment):
        return _comment(item, shift)
    diagnostics = tuple(d.shifted(shift) for d in item.diagnostics)
    comment, span = _comment(item.comment, shift), item.span.shifted(shift)
    if isinstance(item, Cue):
        time = item.time
        return Cue(Time(time.text, time.span.shifted(shift), time.relative, time.ms), item.action,
                   item.keyword.shifted(shift), _text(item.prompt, shift), _text(item.image, shift),
                   item.image_keyword.shifted(shift) if item.image_keyword is not None else None,
                   span, comment, diagnostics)
    if isinstance(item, Directive):
        value = item.value
        moved = _text(value, shift) if isinstance(value, Text) else Word(value.text, value.span.shifted(shift))
        return Directive(item.name, item.keyword.shifted(shift), moved, span, comment, diagnostics)
    if isinstance(item, Scene):
        return Scene(item.keyword.shifted(shift), _text(item.name, shift), span, comment, diagnostics,
                     _text(item.after, shift), item.after_keyword.shifted(shift) if item.after_keyword is not None else None)
    if isinstance(item, Define):
        return Define(item.keyword.shifted(shift), Word(item.name.text, item.name.span.shifted(shift)),
                      _text(item.value, shift), span, comment, diagnostics)
    if isinstance(item, Style):
        return Style(item.name, item.keyword.shifted(shift), _text(item.value, shift), span, comment, diagnostics)
    if isinstance(item, Include):
        return Include(item.keyword.shifted(shift), _text(item.path, shift), span, comment, diagnostics)
    return Invalid(item.text, span, comment, diagnostics)
