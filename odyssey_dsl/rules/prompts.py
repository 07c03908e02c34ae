"""What a cue's prompt says."""

from __future__ import annotations

from .. import strings
from ..diagnostics import EMPTY_PROMPT, TAB_IN_PROMPT, Diagnostic
from .registry import CueStep, on_cue


@on_cue
def empty_prompt(step: CueStep) -> tuple[Diagnostic, ...]:
    """ODY106: a prompt with nothing but spaces: the model would be told nothing."""
    prompt = step.cue.prompt
    if prompt is not None and prompt.value is not None and not prompt.value.strip():
        return (EMPTY_PROMPT.at(prompt.span, "empty prompt", "describe what should happen, e.g. \"the cat looks outside\""),)
    return ()


@on_cue
def tab_in_prompt(step: CueStep) -> tuple[Diagnostic, ...]:
    """ODY205: a tab typed in a prompt looks like spaces but reaches the model as `\\t`. Not the
    escape `\\t` (meant), nor a tab a `\"\"\"` string folds away, nor an empty prompt (ODY106)."""
    prompt = step.cue.prompt
    if (prompt is not None and prompt.value is not None and "\t" in prompt.raw and prompt.value.strip()
            and strings.decode(prompt.raw.replace("\t", " ")) != prompt.value):
        return (TAB_IN_PROMPT.at(prompt.span),)
    return ()
