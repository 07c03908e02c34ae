"""The scene lines: how they split a file into scripts, and ODY110."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ..diagnostics import SCENE_PROBLEM, Diagnostic, Related, closest, shown
from ..syntax import Cue, Invalid, Item, Scene
from .registry import Grouped, Head, on_scenes

Statement = Cue | Invalid
Group = tuple[Head, list[Statement]]


def scenes(items: Iterable[Item], found: list[Diagnostic]) -> tuple[list[Group], bool]:
    """Split the statements into scripts, one per scene with statements (or one for a file
    without scenes), after the `on_scenes` rules have put their problems in `found`.

    A broken line that looks like a scene line still starts a script (of unknown name), so
    its cues are not blamed on the scene before it. The scene rules only look at the scene
    lines, the cues before the first one and whether a scene has any statement: an editor
    passes just those."""
    groups: list[Group] = [(None, [])]
    for item in items:
        if isinstance(item, Scene) or (isinstance(item, Invalid) and scene_like(item)):
            groups.append((item, []))
        elif isinstance(item, (Cue, Invalid)):
            groups[-1][1].append(item)
    if len(groups) == 1:
        return groups, False
    on_scenes.run(Grouped(groups), found)
    return [g for g in groups[1:] if g[1]], True


def scene_like(line: Invalid) -> bool:
    """A broken line that was meant as a `scene` line (`scene intro`, `scen "a"`)."""
    word = line.text.split(maxsplit=1)[0] if line.text.strip() else ""
    return word == "scene" or closest(word.lower(), ("scene",), 0.75) is not None


@on_scenes
def scene_problem(grouped: Grouped) -> Iterator[Diagnostic]:
    """ODY110: a scene name empty or used twice, cues above the first scene, a scene without cues."""
    groups = grouped.groups
    names: dict[str, Scene] = {}
    for head, _ in groups[1:]:
        if isinstance(head, Scene):
            yield from _scene_name(head, names)
    stray = [s for s in groups[0][1] if isinstance(s, Cue)]
    if stray:
        more = f" (and {len(stray) - 1} more)" if len(stray) > 1 else ""
        first_head = groups[1][0]
        assert first_head is not None
        yield SCENE_PROBLEM.at(
            stray[0].span, f"this cue is outside any scene{more}",
            'in a file with scenes every cue belongs to one: add a `scene "name"` line above it',
            related=(Related(first_head.span, "the first scene"),),
        )
    for head, statements in groups[1:]:
        if not statements and isinstance(head, Scene):
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
