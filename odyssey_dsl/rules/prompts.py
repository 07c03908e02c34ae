"""What a cue's prompt says, and the tabs typed in it or in a title or a scene name."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from .. import strings
from ..diagnostics import EMPTY_PROMPT, TAB_IN_PROMPT, Diagnostic
from ..syntax import Directive, Item, Scene, Text
from .registry import CueStep, Grouped, on_cue, on_directives, on_scenes


@on_cue
def empty_prompt(step: CueStep) -> tuple[Diagnostic, ...]:
    """ODY106: a prompt with nothing but spaces: the model would be told nothing."""
    prompt = step.cue.prompt
    if prompt is not None and prompt.value is not None and not prompt.value.strip():
        return (EMPTY_PROMPT.at(prompt.span, "empty prompt", "describe what should happen, e.g. \"the cat looks outside\""),)
    return ()


@on_cue
def tab_in_prompt(step: CueStep) -> tuple[Diagnostic, ...]:
    """ODY205: a tab typed in a prompt looks like spaces but reaches the model as `\\t`."""
    prompt = step.cue.prompt
    return (TAB_IN_PROMPT.at(prompt.span),) if prompt is not None and typed_tab(prompt) else ()


@on_directives
def tab_in_title(items: Sequence[Item]) -> Iterator[Diagnostic]:
    """ODY205 for a title: it names the recordings and the run, where a tab is no space either."""
    for item in items:
        if isinstance(item, Directive) and item.name == "title" and isinstance(item.value, Text) and typed_tab(item.value):
            yield TAB_IN_PROMPT.at(item.value.span, "this title has a tab character: it is kept as `\\t`")


@on_scenes
def tab_in_scene_name(grouped: Grouped) -> Iterator[Diagnostic]:
    """ODY205 for a scene's name, as for a title."""
    for head, _ in grouped.heads:
        if isinstance(head, Scene) and typed_tab(head.name):
            yield TAB_IN_PROMPT.at(head.name.span, "this scene name has a tab character: it is kept as `\\t`")


def typed_tab(text: Text) -> bool:
    """A tab typed as is in a string: not the escape `\\t` (meant), nor a tab a `\"\"\"` string
    folds away with a line break, nor one in a string of nothing but spaces (ODY106)."""
    return (text.value is not None and "\t" in text.raw and bool(text.value.strip())
            and strings.decode(text.raw.replace("\t", " ")) != text.value)
