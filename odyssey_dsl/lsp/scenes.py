"""Scene names in the editor: where a scene is named (its own line, and each `after` that
continues it), for hover, go to definition, references, rename and completion.

Scenes belong to one file (an included file holds none), so every place is in the file
itself; an `after` names the first scene of that name, as the compiler reads it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from ..diagnostics import Span, shown
from ..rules.chains import by_name
from ..syntax import Item, Scene, Text
from .document import LiveDocument


class Named(NamedTuple):
    """A scene name where it is written: a scene line's own name, or the name after `after`."""

    name: str
    text: Text
    continues: bool  # the name after `after`


def name_at(item: Item, line: int, column: int) -> Named | None:
    """The scene name at 1-based `line`, `column` of `item` (None: not on one; the place just
    after a name's closing quote counts, as a cursor there is on it)."""
    if not isinstance(item, Scene):
        return None
    for text, continues in ((item.name, False), (item.after, True)):
        if text is not None and text.value is not None and _touches(text.span, line, column):
            return Named(text.value, text, continues)
    return None


def _touches(span: Span, line: int, column: int) -> bool:
    return (span.line, span.column) <= (line, column) <= (span.end_line, span.end_column)


def scenes(live: LiveDocument) -> list[Scene]:
    """The file's scene lines, in order."""
    found = []
    for first, _ in live.scene_lines():
        item = live.item_at(first)
        if isinstance(item, Scene):
            found.append(item)
    return found


def defined(live: LiveDocument, name: str) -> Scene | None:
    """The scene line `name` stands for (the first of that name)."""
    return by_name(scenes(live)).get(name)


def places(live: LiveDocument, name: str) -> Iterator[tuple[Text, bool]]:
    """Each place `name` is written as a scene name (the scene's own first: True), in order."""
    every = scenes(live)
    scene = by_name(every).get(name)
    if scene is None:
        return
    yield scene.name, True
    for other in every:
        if other.after is not None and other.after.value == name:
            yield other.after, False


def hover(live: LiveDocument, named: Named) -> str | None:
    """What a scene name means: for the name after `after`, the scene it continues; for a scene's
    own name, the scenes that continue it (None: none does)."""
    name = shown(named.name, 60)
    every = scenes(live)
    scene = by_name(every).get(named.name)
    if named.continues:
        if scene is None:
            return f"no scene is named `{name}`"
        return (f"**scene `{name}`**, line {scene.span.line}: this scene starts from the last frame of `{name}`'s "
                "recording (`ody run` adds it as the start image once that scene is recorded)")
    followers = [shown(s.name.value or "", 60) for s in every if s.after is not None and s.after.value == named.name]
    if not followers:
        return None
    listed = ", ".join(f"`{f}`" for f in followers)
    return f"**scene `{name}`**: {listed} start{'s' if len(followers) == 1 else ''} from its last frame"
