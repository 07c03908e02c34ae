"""The batch driver: every rule over a parsed file, for `ody lint`, `ody compile` and the API.

The editor's driver is `lsp.document.LiveDocument`; both run the same registered rules
(`rules.registry`) through the same stage functions, and a property test compares them.
`ody check` (jsoncheck) judges JSON scripts with `check_script`, `check_images` and `suppress`.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from .diagnostics import Diagnostic, Span, sort_key
from .rules.directives import DEFAULT_MIN_GAP_MS, Options, directives
from .rules.images import check_images
from .rules.registry import Timed
from .rules.scenes import scenes
from .rules.suppression import suppress
from .rules.timing import check_script
from .syntax import Cue, Document, Invalid, Scene

__all__ = [
    "DEFAULT_MIN_GAP_MS", "Checked", "Options", "Script", "Timed", "check", "check_images", "check_script", "suppress",
]


class Script(NamedTuple):
    """One script: the whole file, or one scene of a batch."""

    scene: Scene | None
    cues: tuple[Timed, ...]

    @property
    def name(self) -> str | None:
        return self.scene.name.value if self.scene is not None else None


class Checked(NamedTuple):
    options: Options
    scripts: tuple[Script, ...]
    has_scenes: bool
    diagnostics: tuple[Diagnostic, ...]


def check(document: Document, base_dir: Path | None, ignore: frozenset[str] = frozenset()) -> Checked:
    """Every rule over a parsed file; `base_dir` resolves image paths (None: don't look).

    The diagnostics come sorted by place (`sort_key`), as every output shows them."""
    found: list[Diagnostic] = list(document.diagnostics)
    options = directives(document.items, found)
    groups, has_scenes = scenes(document.items, found)
    scripts = []
    for head, statements in groups:
        cues: list[Cue | None] = [s if isinstance(s, Cue) else None for s in statements]
        broken = None in cues or isinstance(head, Invalid)
        empty = Span(document.first_line, 1, document.first_line, 1) if not has_scenes else None
        scene = head if isinstance(head, Scene) else None
        script = Script(scene, check_script(cues, options.min_gap_ms, found, broken, broken, empty))
        scripts.append(script)
        if base_dir is not None:
            check_images(script.cues, base_dir, found)
    kept = suppress(found, document, ignore)
    return Checked(options, tuple(scripts), has_scenes, tuple(sorted(kept, key=sort_key)))
