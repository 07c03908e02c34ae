"""Scenes that continue another (`scene "night" after "day"`): ODY117 to ODY120.

`night` starts from the last frame of `day`'s recording, so `day` must be a scene of the file
(named above or below: the order of the scene lines does not matter), must not come back to
`night` through other `after`s, and must make one recording (no variants); `night` takes no
image of its own. `night` may have variants: each starts from the same frame.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ..diagnostics import (
    CONTINUED_IMAGE,
    CONTINUED_VARIANTS,
    SCENE_CYCLE,
    UNKNOWN_SCENE,
    Diagnostic,
    Fix,
    Related,
    Span,
    closest,
    shown,
)
from ..strings import quote
from ..syntax import Scene
from .registry import Chains, on_chains

#: At most this many names of a cycle are spelled out in its message.
_SHOWN = 6


def by_name(scenes: Iterable[Scene]) -> dict[str, Scene]:
    """Each scene name's first scene line (a second scene of the same name is ODY110)."""
    found: dict[str, Scene] = {}
    for scene in scenes:
        name = scene.name.value
        if name is not None and name not in found:
            found[name] = scene
    return found


def parents(scenes: dict[str, Scene]) -> dict[str, str]:
    """Scene name → the name of the scene it continues, for every `after` that names a scene."""
    return {name: scene.after.value for name, scene in scenes.items()
            if scene.after is not None and scene.after.value is not None and scene.after.value in scenes}


def cycles(parent: dict[str, str]) -> dict[str, list[str]]:
    """The names on a cycle, each with its loop starting from it (`a`, `b`: a after b after a).
    Each name is walked once: a long chain costs its length, not its square."""
    done: set[str] = set()
    found: dict[str, list[str]] = {}
    for start in parent:
        path: list[str] = []
        at: dict[str, int] = {}
        name: str | None = start
        while name is not None and name not in done and name not in at:
            at[name] = len(path)
            path.append(name)
            name = parent.get(name)
        if name is not None and name in at:
            loop = path[at[name]:]
            for index, member in enumerate(loop):
                found[member] = loop[index:] + loop[:index]
        done.update(path)
    return found


@on_chains
def unknown_scene(chains: Chains) -> Iterator[Diagnostic]:
    """ODY117: `after` names no scene of the file (not reported while a scene line is broken:
    the name may be on it)."""
    if not chains.complete:
        return
    names = by_name(link.scene for link in chains.links)
    for link in chains.links:
        after, own = link.scene.after, link.scene.name.value
        if after is None or after.value is None or after.value in names:
            continue
        others = tuple(name for name in names if name != own)
        guess = closest(after.value, others)
        message = f"no scene is named `{shown(after.value, 40)}`"
        if guess is not None:
            yield UNKNOWN_SCENE.at(after.span, message, f"did you mean `{shown(guess, 40)}`?",
                                   (Fix(f"Replace with `{shown(guess, 40)}`", after.span, quote(guess)),),
                                   (Related(names[guess].name.span, "the scene with a close name"),))
        elif others:
            listed = ", ".join(f"`{shown(name, 40)}`" for name in others[:_SHOWN]) + (", …" if len(others) > _SHOWN else "")
            yield UNKNOWN_SCENE.at(after.span, message, f"`after` names another scene of this file: {listed}")
        else:
            yield UNKNOWN_SCENE.at(after.span, message, "this file has no other scene to continue: add it, "
                                   "or remove `after` to start from this scene's own prompt")


@on_chains
def scene_cycle(chains: Chains) -> Iterator[Diagnostic]:
    """ODY118: scenes that continue each other in a cycle (a scene after itself too); each
    scene of the cycle is reported, with the loop from it in the message."""
    names = by_name(link.scene for link in chains.links)
    parent = parents(names)
    looped = cycles(parent)
    for link in chains.links:
        scene, name = link.scene, link.scene.name.value
        if name is None or name not in looped or names[name] is not scene:
            continue
        after = scene.after
        assert after is not None  # on a cycle: it continues a scene
        loop = looped[name]
        if len(loop) == 1:
            yield SCENE_CYCLE.at(after.span, "a scene cannot continue itself",
                                 "remove `after` to start from the scene's own prompt, or name the scene it follows")
            continue
        shown_loop = [*loop[:_SHOWN], name] if len(loop) < _SHOWN else [*loop[:_SHOWN], "…"]
        spelled = " after ".join(n if n == "…" else f"`{shown(n, 40)}`" for n in shown_loop)
        yield SCENE_CYCLE.at(
            after.span, f"these scenes continue each other in a cycle: {spelled}",
            "one of them must start from its own prompt: remove one of these `after`s",
            related=(Related(names[loop[1]].span, "the scene it continues"),),
        )


@on_chains
def continued_image(chains: Chains) -> Iterator[Diagnostic]:
    """ODY119: a scene that continues another has an image of its own (its start image is the
    last frame of the other scene's recording)."""
    for link in chains.links:
        after, cue = link.scene.after, link.image
        if after is None or cue is None or cue.image is None or cue.image_keyword is None:
            continue
        keyword, image = cue.image_keyword, cue.image.span
        yield CONTINUED_IMAGE.at(
            Span(keyword.line, keyword.column, image.end_line, image.end_column),
            f"this scene continues `{shown(after.value or after.raw, 40)}`: it starts from the last frame of "
            "that scene's recording, not from an image",
            "remove the image, or remove `after` from the scene line to start from this image",
            related=(Related(after.span, "the scene it continues"),),
        )


@on_chains
def continued_variants(chains: Chains) -> Iterator[Diagnostic]:
    """ODY120: a scene continues a scene whose variants make several recordings."""
    names = by_name(link.scene for link in chains.links)
    varying = {link.scene.name.value: link.scene for link in chains.links if link.variants}
    for link in chains.links:
        after = link.scene.after
        if after is None or after.value is None or after.value not in varying:
            continue
        parent = names[after.value]
        if varying[after.value] is not parent:
            continue
        yield CONTINUED_VARIANTS.at(
            after.span, f"`{shown(after.value, 40)}` has variants: it makes several recordings, and a scene "
            "can continue only one",
            "continue a scene without variants, or write each variant you want to continue as a scene of its own",
            related=(Related(parent.span, "the scene with variants"),),
        )
