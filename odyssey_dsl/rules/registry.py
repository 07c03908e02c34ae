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
- `on_script_end`: a script's first and last cue and the cue before the last, the progress
  after them (`Progress`: whether it ended, the ODY102 its last cues leave unresolved),
  whether a line was broken, its pace (longest gap; computed only when asked) and the limit on
  its length.
- `on_directives`: the directives and the first cue or scene (or line meant as one); a
  driver may pass the lines above it too.
- `on_scenes`: the scene lines, whether statements follow each, and the cues above the first.
- `on_image`: one cue that has an image, the folder image paths start from and the
  screenplay's orientation.
- `on_chains`: each scene line with its first cue that has an image and whether its prompts
  make variants, and whether every scene line could be read (`scene "night" after "day"`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Generic, NamedTuple, TypeVar

from ..diagnostics import Diagnostic, Span
from ..syntax import Cue, Invalid, Item, Scene

if TYPE_CHECKING:
    from .order import Pending

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


class Progress(NamedTuple):
    """What the script rules carry from one statement of a script to the next.

    Plain values only: the cue before and the first cue are passed to `step` by the caller,
    so an editor can keep the progress after each statement, resume the rules from an edited
    cue and stop as soon as the progress is what it was (`==`)."""

    base_ms: int | None = None  # what a relative time counts from (None: unknown)
    first: bool = True  # no cue and no broken line yet
    after_break: bool = False  # a broken line since the last cue
    compare: bool = False  # the next cue is compared with the one before (`previous_ms`)
    previous_ms: int | None = None
    ended: bool = False  # an `end` was seen
    stopped: bool = False  # a cue after `end` was reported: the rules have finished
    earlier_ms: int | None = None  # the time of the cue before the previous, when the two were compared
    pending: Pending | None = None  # an ODY102 waiting for the cue that bounds its fix


class ScriptEnd(NamedTuple):
    """What an `on_script_end` rule reads; `first`/`last` are None for a script without cues."""

    first: Timed | None
    last: Timed | None
    progress: Progress  # after the last statement: whether it ended, or stopped after a cue after `end`
    min_gap_ms: int
    broken_before_first: bool  # a line before the first cue failed to parse
    broken: bool  # some line of the script failed to parse
    empty_span: Span | None  # where to report a script without cues (None: elsewhere)
    spell: Callable[[int], str]
    max_duration_ms: int  # longer is warned about (ODY202)
    before: Timed | None  # the cue before `last`
    pace: Callable[[int], int]  # `timing.pace` of the cues up to `before` (given `enough`), only when asked


class Grouped(NamedTuple):
    """What an `on_scenes` rule reads: each scene line (or broken line meant as one) with
    whether any statement follows it, and the cues above the first one: the first of them
    and how many. Summaries, not lists: the batch driver reads a file once and keeps no
    statement it has checked."""

    heads: Sequence[tuple[Scene | Invalid, bool]]
    stray: Cue | None
    strays: int


class ImageUse(NamedTuple):
    """What an `on_image` rule reads: a cue with an image, where relative paths start and
    whether the video is portrait (None: unknown, as for a bare JSON script)."""

    cue: Cue
    base_dir: Path
    portrait: bool | None


class Link(NamedTuple):
    """One scene as the `on_chains` rules read it: its line (with the scene it continues, if
    any), its first cue with an image (None: none) and whether its prompts make variants."""

    scene: Scene
    image: Cue | None
    variants: bool


class Chains(NamedTuple):
    """What an `on_chains` rule reads: every scene of the file, in order; `complete` is False
    when a line meant as a scene line is broken (the name an `after` gives may be on it)."""

    links: Sequence[Link]
    complete: bool


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
on_chains: Registry[Chains] = Registry()
