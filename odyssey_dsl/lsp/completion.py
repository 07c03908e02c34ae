"""Completion from the text before the cursor: a half-typed line does not parse, so the
line's prefix decides what fits there, and the syntax tree only adds context (which
directives are set, whether the script has begun)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import NamedTuple

from lsprotocol import types

from .._support.listing import entries
from ..diagnostics import shown
from ..images import is_data_url
from ..strings import decode, quote
from ..syntax import Comment, Cue, Define, Directive, Include, Invalid, Item, Scene, Style
from ..times import TimeError, parse_time
from ..vocabulary import ACTIONS, AFTER, DIRECTIVE_VALUES, DIRECTIVES, DURATIONS, HEADERS, SCENE_HEADERS, UNITS
from . import names, scenes
from .document import LiveDocument
from .hover import KEYWORDS
from .positions import Columns

TRIGGERS = [" ", '"', "/", "{"]
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".gif", ".webp", ".heic", ".heif", ".avif", ".bmp"})
_MOST_PATHS = 500

_STRING = r'(?:"""(?:.*?)"""|"(?:[^"\\\n]|\\.)*")'
_IMAGE_PATH = re.compile(r'\bimage[ \t]+"([^"]*)$')
_TIME_NUMBER = re.compile(r"^[ \t]*@(\+?[0-9.:hms]*[0-9])$")
_GAP_NUMBER = re.compile(rf"^[ \t]*(?:{'|'.join(DURATIONS)})[ \t]+([0-9.hms]*[0-9])$")
_ACTION = re.compile(r"^[ \t]*@\S+[ \t]+([a-z]*)$")
_IMAGE_KEYWORD = re.compile(rf"^[ \t]*@\S+[ \t]+start[ \t]+{_STRING}[ \t]+([a-z]*)$")
_LONG_CLOSED = re.compile(r'"""[ \t]+([a-z]*)$')
_START_CUE = re.compile(r"[ \t]*@\S+[ \t]+start\b")
_AFTER_KEYWORD = re.compile(rf"^[ \t]*scene[ \t]+{_STRING}[ \t]+([a-z]*)$")
_AFTER_NAME = re.compile(rf'^[ \t]*scene[ \t]+({_STRING})[ \t]+after[ \t]+"((?:[^"\\]|\\.)*)$')
_VALUES = {**DIRECTIVE_VALUES, "min-gap": ("3s", "2s", "1s", "0"), "max-duration": ("150s", "5m")}
_VALUE = re.compile(rf"^[ \t]*({'|'.join(map(re.escape, _VALUES))})[ \t]+([a-z0-9.]*)$")
_LINE_START = re.compile(r"^[ \t]*([a-z-]*)$")
_TYPED_NAME = re.compile(r"(\{+)([A-Za-z0-9_-]*)$")
# What comes before the string of a line whose text is a template (a prompt, a define, a style)
_TEMPLATE_HEAD = re.compile(r"[ \t]*(?:@\S+[ \t]+(?:start|interact)|define[ \t]+\S+|style|negative)[ \t]*")


class Context(NamedTuple):
    """Where the cursor is: the file, its 0-based line, that line's text, the cursor's code-point
    column, the folder image paths start from, and what the client can take."""

    live: LiveDocument
    line: int
    text: str
    column: int
    base_dir: Path | None
    snippets: bool
    columns: Columns

    @property
    def prefix(self) -> str:
        return self.text[:self.column]

    def item(self, label: str, kind: types.CompletionItemKind, start: int, new_text: str | None = None,
             snippet: str | None = None, detail: str | None = None, order: int = 0) -> types.CompletionItem:
        """An item replacing the text from code-point column `start` to the cursor."""
        use_snippet = snippet is not None and self.snippets
        edit_range = types.Range(types.Position(self.line, self.columns.to_client(self.text, start)),
                                 types.Position(self.line, self.columns.to_client(self.text, self.column)))
        return types.CompletionItem(
            label=label, kind=kind, detail=detail, sort_text=f"{order:03d}{label}", filter_text=label,
            text_edit=types.TextEdit(edit_range, (snippet if use_snippet else new_text) or label),
            insert_text_format=types.InsertTextFormat.Snippet if use_snippet else None,
        )


def complete(context: Context) -> list[types.CompletionItem]:
    """The completions that fit at the cursor (inside a prompt, only names after `{`)."""
    prefix = context.prefix
    typed = _TYPED_NAME.search(prefix)
    if typed is not None and len(typed.group(1)) % 2 and _in_template(context, prefix[:typed.start()]):
        return _names(context, typed.start(2))
    path = _IMAGE_PATH.search(prefix)
    if path is not None:
        return _paths(context, path.group(1), path.start(1))
    statement = context.live.item_at(context.line + 1)
    if statement is not None and statement.span.line <= context.line:  # inside a `"""` string
        closed = _LONG_CLOSED.search(prefix)
        if closed is not None and _opens_with_start(statement):
            return _image_keyword(context, closed.start(1))
        return []
    match = _AFTER_NAME.match(prefix)
    if match is not None:
        return _scene_names(context, match.group(1), match.start(2))
    if _in_string_or_comment(prefix):
        return []
    match = _AFTER_KEYWORD.match(prefix)
    if match is not None:
        return [context.item(AFTER, types.CompletionItemKind.Keyword, match.start(1), new_text=AFTER + " ",
                             snippet=f'{AFTER} "$1"', detail=KEYWORDS[AFTER])]
    for pattern, make in ((_TIME_NUMBER, _units), (_GAP_NUMBER, _units)):
        match = pattern.match(prefix)
        if match is not None:
            return make(context, match.group(1), match.start(1))
    match = _IMAGE_KEYWORD.match(prefix)
    if match is not None:
        return _image_keyword(context, match.start(1))
    match = _ACTION.match(prefix)
    if match is not None:
        return _actions(context, match.start(1))
    match = _VALUE.match(prefix)
    if match is not None:
        return [context.item(v, types.CompletionItemKind.Value, match.start(2), order=i)
                for i, v in enumerate(_VALUES[match.group(1)])]
    match = _LINE_START.match(prefix)
    if match is not None:
        return _line_start(context, match.start(1))
    return []


def _in_template(context: Context, before: str) -> bool:
    """Whether the cursor, after `before` on its line, is inside a prompt, a define's text, a
    style or a negative (a `\"\"\"` string opened above counts, parsed or half-typed)."""
    statement = context.live.item_at(context.line + 1)
    if statement is not None and statement.span.line <= context.line:  # a string opened above
        if isinstance(statement, Invalid):
            return _TEMPLATE_HEAD.match(statement.text.split('"', 1)[0]) is not None and '"""' not in before
        return isinstance(statement, (Cue, Define, Style)) and '"""' not in before
    rest = re.sub(_STRING, "", before)
    opening = rest.find('"')
    return opening >= 0 and _TEMPLATE_HEAD.fullmatch(rest[:opening]) is not None


def _names(context: Context, start: int) -> list[types.CompletionItem]:
    """The names the file may use (its own, its includes', and those of the open files that
    include it), each with its text; the closing brace added unless it is there."""
    closed = context.text[context.column:].startswith("}")
    return [context.item(name, types.CompletionItemKind.Constant, start, new_text=name if closed else name + "}",
                         detail=shown(named.define.value.value or named.define.value.raw, 80))
            for name, named in sorted(names.visible(context.live).items())]


def _scene_names(context: Context, own: str, start: int) -> list[types.CompletionItem]:
    """The names of the file's other scenes, for `after "`, the closing quote added unless it is
    there (the half-typed line itself may read as a scene of another name: it is left out)."""
    closed = context.text[context.column:].startswith('"')
    mine = decode(own)
    found = []
    for order, scene in enumerate(scenes.scenes(context.live)):
        name = scene.name.value
        if name is None or name == mine or not name.strip() or scene.span.line == context.line + 1:
            continue
        written = quote(name)[1:-1]
        found.append(context.item(name, types.CompletionItemKind.Reference, start,
                                  new_text=written if closed else written + '"',
                                  detail=f"scene, line {scene.span.line}", order=order))
    return found


def _opens_with_start(statement: Item) -> bool:
    """A `start` cue without an image yet, parsed or (half-typed) not."""
    if isinstance(statement, Cue):
        return statement.action == "start" and statement.image is None
    return isinstance(statement, Invalid) and _START_CUE.match(statement.text) is not None


def _in_string_or_comment(prefix: str) -> bool:
    rest = re.sub(_STRING, "", prefix)
    return '"' in rest or "#" in rest


def _units(context: Context, number: str, start: int) -> list[types.CompletionItem]:
    items = []
    for order, unit in enumerate(UNITS):
        parsed = parse_time(number + unit)
        if isinstance(parsed, TimeError):
            continue
        items.append(context.item(number + unit, types.CompletionItemKind.Unit, start,
                                  detail=f"{'+' if parsed[0] else ''}{parsed[1]} ms", order=order))
    return items


def _actions(context: Context, start: int) -> list[types.CompletionItem]:
    begun = _script_has_begun(context.live, context.line + 1)
    order = ("interact", "end", "start") if begun else ("start", "interact", "end")
    return [context.item(a, types.CompletionItemKind.Keyword, start, new_text=a,
                         snippet=f'{a} "$1"' if a != "end" else None, detail=KEYWORDS[a], order=order.index(a))
            for a in ACTIONS]


def _script_has_begun(live: LiveDocument, line: int) -> bool:
    """Whether the nearest statement above `line` is a cue other than `end`, even a broken
    one (so the next is rarely `start`)."""
    above = next((item for item in live.items_above(line) if not isinstance(item, Comment)), None)
    if isinstance(above, Cue):
        return above.action != "end"
    return isinstance(above, Invalid) and above.text.startswith("@")


def _image_keyword(context: Context, start: int) -> list[types.CompletionItem]:
    return [context.item("image", types.CompletionItemKind.Keyword, start, snippet='image "$1"',
                         detail=KEYWORDS["image"])]


_SNIPPETS = {"title": 'title "$1"', "include": 'include "$1"', "define": 'define ${1:name} "$2"',
             "style": 'style "$1"', "negative": 'negative "$1"'}


def _line_start(context: Context, start: int) -> list[types.CompletionItem]:
    """While no cue or scene came before: the directives, `style` and `negative` not set yet,
    `include` and `define`; right below a `scene` line: the `style` and `negative` the scene
    has not set yet; `scene` anywhere."""
    set_already, top = set(), True
    for item in context.live.items_from_top():
        if item.span.line > context.line:
            break
        if isinstance(item, (Directive, Style)):
            set_already.add(item.name)
        elif not isinstance(item, (Comment, Define, Include)):  # a cue, a scene or a broken line: the top is over
            top = False
            break
    if top:
        names = [d for d in (*DIRECTIVES, *HEADERS) if d not in set_already]
    else:
        in_scene = _scene_top(context.live, context.line + 1)
        names = [h for h in SCENE_HEADERS if h not in in_scene] if in_scene is not None else []
    items = [context.item(d, types.CompletionItemKind.Keyword, start, new_text=d + " ", snippet=_SNIPPETS.get(d),
                          detail=KEYWORDS[d], order=i)
             for i, d in enumerate(names)]
    items.append(context.item("scene", types.CompletionItemKind.Keyword, start, new_text="scene ",
                              snippet='scene "$1"', detail=KEYWORDS["scene"], order=len(names)))
    return items


def _scene_top(live: LiveDocument, line: int) -> set[str] | None:
    """The `style` and `negative` set between the nearest `scene` line above 1-based `line` and
    it, when nothing else is (None: `line` is not at the top of a scene)."""
    found = set()
    for item in live.items_above(line):
        if isinstance(item, Style):
            found.add(item.name)
        elif not isinstance(item, Comment):
            return found if isinstance(item, Scene) else None
    return None


def _paths(context: Context, typed: str, start: int) -> list[types.CompletionItem]:
    """Folders and image files under the screenplay's folder, for `image "..."`."""
    if context.base_dir is None or is_data_url(typed) or "\\" in typed:
        return []
    folder, _, name = typed.rpartition("/")
    found = entries(context.base_dir / folder if folder else context.base_dir, "." if name.startswith(".") else "",
                    lambda file: os.path.splitext(file)[1].lower() in IMAGE_SUFFIXES, _MOST_PATHS)
    at = start + len(typed) - len(name)
    return [context.item(entry + "/", types.CompletionItemKind.Folder, at, order=0) if is_dir
            else context.item(entry, types.CompletionItemKind.File, at, order=1) for entry, is_dir in found]
