"""The scene lines: how they split a file into scripts, and ODY110."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ..diagnostics import SCENE_PROBLEM, Diagnostic, Related, closest, shown
from ..syntax import Cue, Invalid, Item, Scene
from .registry import Grouped, on_scenes


class SceneLines:
    """What the `on_scenes` rules read, gathered one item at a time: the batch driver feeds
    every item of a file, an editor just the scene lines, the cues above the first and one
    statement of each scene."""

    def __init__(self) -> None:
        self.heads: list[tuple[Scene | Invalid, bool]] = []
        self.stray: Cue | None = None
        self.strays = 0

    def add(self, item: Item) -> bool:
        """Note `item`; True when it starts a script (a scene line, or a broken line meant as one:
        its cues are then not blamed on the scene before it)."""
        if is_head(item):
            assert isinstance(item, (Scene, Invalid))
            self.heads.append((item, False))
            return True
        if isinstance(item, (Cue, Invalid)):
            if self.heads:
                if not self.heads[-1][1]:
                    self.heads[-1] = (self.heads[-1][0], True)
            elif isinstance(item, Cue):
                self.stray = self.stray or item
                self.strays += 1
        return False

    def run(self, found: list[Diagnostic]) -> None:
        """The `on_scenes` rules, when there is a scene line."""
        if self.heads:
            on_scenes.run(Grouped(self.heads, self.stray, self.strays), found)


def scenes(items: Iterable[Item], found: list[Diagnostic]) -> None:
    """The `on_scenes` rules over `items`, their problems put in `found`."""
    lines = SceneLines()
    for item in items:
        lines.add(item)
    lines.run(found)


def is_head(item: Item) -> bool:
    """A scene line, or a broken line that was meant as one."""
    return isinstance(item, Scene) or (isinstance(item, Invalid) and scene_like(item))


def scene_like(line: Invalid) -> bool:
    """A broken line that was meant as a `scene` line (`scene intro`, `scen "a"`)."""
    word = line.text.split(maxsplit=1)[0] if line.text.strip() else ""
    return word == "scene" or closest(word.lower(), ("scene",), 0.75) is not None


@on_scenes
def scene_problem(grouped: Grouped) -> Iterator[Diagnostic]:
    """ODY110: a scene name empty or used twice, cues above the first scene, a scene without cues."""
    names: dict[str, Scene] = {}
    for head, _ in grouped.heads:
        if isinstance(head, Scene):
            yield from _scene_name(head, names)
    if grouped.stray is not None:
        more = f" (and {grouped.strays - 1} more)" if grouped.strays > 1 else ""
        yield SCENE_PROBLEM.at(
            grouped.stray.span, f"this cue is outside any scene{more}",
            'in a file with scenes every cue belongs to one: add a `scene "name"` line above it',
            related=(Related(grouped.heads[0][0].span, "the first scene"),),
        )
    for head, filled in grouped.heads:
        if not filled and isinstance(head, Scene):
            yield SCENE_PROBLEM.at(head.span, "this scene has no cues",
                                   "add its cues below it (`@0 start ...` to `end`), or remove it")


def _scene_name(scene: Scene, names: dict[str, Scene]) -> Iterator[Diagnostic]:
    name = scene.name.value
    if name is None:
        return
    if not name.strip():
        yield SCENE_PROBLEM.at(scene.name.span, "scene name is empty", "give the scene a name")
    elif name in names:
        yield SCENE_PROBLEM.at(
            scene.name.span, f"two scenes are named `{shown(name, 40)}`", "give each scene its own name",
            related=(Related(names[name].span, "the first scene with this name"),),
        )
    else:
        names[name] = scene
