"""What a cue's prompt says."""

from __future__ import annotations

from collections.abc import Iterator

from ..diagnostics import EMPTY_PROMPT, TAB_IN_PROMPT, Diagnostic
from .registry import CueStep, on_cue


@on_cue
def empty_prompt(step: CueStep) -> Iterator[Diagnostic]:
    """ODY106: a prompt with nothing but spaces: the model would be told nothing."""
    prompt = step.cue.prompt
    if prompt is not None and prompt.value is not None and not prompt.value.strip():
        yield EMPTY_PROMPT.at(prompt.span, "empty prompt", "describe what should happen, e.g. \"the cat looks outside\"")


@on_cue
def tab_in_prompt(step: CueStep) -> Iterator[Diagnostic]:
    """ODY205: a tab in a prompt, written or escaped: it reaches the model as `\\t`
    (an empty prompt is ODY106 alone)."""
    prompt = step.cue.prompt
    if prompt is not None and prompt.value is not None and "\t" in prompt.value and prompt.value.strip():
        yield TAB_IN_PROMPT.at(prompt.span)
