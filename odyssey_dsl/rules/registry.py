"""The registry of rules: each rule is one function, registered with what it reads.

A rule takes one plain value (its *context*) and returns or yields diagnostics; the `on_cue`
rules, run on every cue, return a tuple (`()` for none): a generator would cost twice as much. The contexts are chosen so
that both drivers can build them cheaply: `checks.check` for a whole file and `ody check`,
`lsp.document.LiveDocument` after each edit. Neither driver names a rule: they run a registry
(`on_script_end.run(...)`) or a stage function that runs one (`timing.step`,
`directives.directives`, `scenes.scenes`, `images.check_images`). So a new rule is one
function with a decorator, and it shows in `ody lint`, `ody check` and the editor alike.

What a rule may read, by registry:

- `on_cue`: one cue of a script, the cue before it (with both times, when they are compared)
  and the script's first cue. Not run on cues after `end`.
- `on_script_end`: a script's first and last cue, whether it ended, whether a line was broken.
- `on_directives`: the directives and the first cue or scene (or line meant as one); a
  driver may pass the lines above it too.
- `on_scenes`: the scene lines, whether statements follow each, and the cues above the first.
- `on_image`: one cue that has an image, and the folder image paths start from.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Generic, NamedTuple, TypeVar

from ..diagnostics import Diagnostic, Span
from ..syntax import Cue, Invalid, Item, Scene

_Context = TypeVar("_Context")


class Timed(NamedTuple):
    """A cue and its absolute time (None when it cannot be known)."""

    cue: Cue
    ms: int | None
    after_break: bool = False  # a broken line comes right before it: no comparison across it


class CueStep(NamedTuple):
    """What an `on_cue` rule reads."""

    cue: Cue
    ms: int | None  # its absolute time (None: unknown)
    previous: Timed | None  # the cue before, when the two times are compared
    first: Cue | None  # the script's first cue
    min_gap_ms: int
    spell: Callable[[int], str]  # a time in the source's own syntax, for fixes


class ScriptEnd(NamedTuple):
    """What an `on_script_end` rule reads; `first`/`last` are None for a script without cues."""

    first: Timed | None
    last: Timed | None
    ended: bool  # an `end` was seen
    min_gap_ms: int
    broken_before_first: bool  # a line before the first cue failed to parse
    broken: bool  # some line of the script failed to parse
    empty_span: Span | None  # where to report a script without cues (None: elsewhere)
    spell: Callable[[int], str]


class Grouped(NamedTuple):
    """What an `on_scenes` rule reads: each scene line (or broken line meant as one) with
    whether any statement follows it, and the cues above the first one: the first of them
    and how many. Summaries, not lists: the batch driver reads a file once and keeps no
    statement it has checked."""

    heads: Sequence[tuple[Scene | Invalid, bool]]
    stray: Cue | None
    strays: int


class ImageUse(NamedTuple):
    """What an `on_image` rule reads: a cue with an image, and where relative paths start."""

    cue: Cue
    base_dir: Path


Rule = Callable[[_Context], Iterable[Diagnostic]]


class Registry(Generic[_Context]):
    """The rules that read one kind of context, in the order they were registered."""

    def __init__(self) -> None:
        self.rules: list[Rule[_Context]] = []

    def __call__(self, rule: Rule[_Context]) -> Rule[_Context]:
        """Register `rule` (used as a decorator)."""
        self.rules.append(rule)
        return rule

    def run(self, context: _Context, found: list[Diagnostic]) -> None:
        for rule in self.rules:
            found.extend(rule(context))


on_cue: Registry[CueStep] = Registry()
on_script_end: Registry[ScriptEnd] = Registry()
on_directives: Registry[Sequence[Item]] = Registry()
on_scenes: Registry[Grouped] = Registry()
on_image: Registry[ImageUse] = Registry()
