"""The composer as the editor feeds it: header lines, the files they include, scene lines and
the few cues that can change what it says.

`compose.Composer` judges names, styles and variants; `checks.Checker` feeds it every item
of a file in order. Only header lines, scene lines and prompts holding braces can be wrong
there (compose.py), and the first cue of each script matters too: the script's style and
negative are expanded at its first prompt, and a `style` below a cue is misplaced. (With a
style or negative that holds braces, every cue is fed: `named_style`.) So `LiveDocument` feeds just those records,
through `Composing`, which reads the includes as the checker does (the same
`headers.HeaderLines`) and calls the composer as it does; tests/test_lsp_document.py holds the
two to the same diagnostics after random edits.

What it finds is kept in two lists, in the order `ody lint` ranks them: `problems` (the
includes' own: a file that cannot be read, an included file's mistakes at its own lines),
silenced only by the ignore setting, then `composed` (the composer's), of which those in the
file itself also heed a `# ody: ignore` on their line.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from ..compose import Composer, Definition, Prompt
from ..diagnostics import Diagnostic
from ..errors import OdyError
from ..headers import HeaderLines
from ..includes import Resolver
from ..syntax import Cue, Define, Directive, Include, Item, Scene, Style
from ..templates import has_braces

Groups = tuple[tuple[str, ...], ...]


class Composing:
    """One pass of the composer over a file's header lines, scene lines and chosen cues, fed
    in file order (`path` is the file's: includes are relative to it)."""

    def __init__(self, path: Path | None, resolver: Resolver, max_duration_ms: int) -> None:
        self.problems: list[Diagnostic] = []
        self.composed: list[Diagnostic] = []
        self.ordered: list[Directive] = []  # every directive, the included ones too, in order
        self.styled = False  # a `style` or `negative` was seen, here or in an included file
        self.named_style = False  # one of them holds braces: the composer reads it again at every prompt
        self.scene_styled = False  # one of them is a scene's: prompts depend on the scene they are in
        self.late = False  # a define or include below the first cue: a name means something from there on
        self.texts: list[tuple[Path, str | None]] = []  # each file read, and its text (None: it could not be)
        self._path, self._resolver, self._max_duration_ms = path, resolver, max_duration_ms
        self._composer = Composer(self.composed.append)
        self._headers = HeaderLines(self, path, self._resolve, max_duration_ms)
        self.read = self._headers.read  # every file an include read, or tried to
        self.tops = self._headers.tops  # an included file's name in diagnostics -> the include here that brings it
        self._opened = False

    # --- fed in file order ---------------------------------------------------------------------

    def directive(self, item: Directive, file: str | None = None) -> None:
        self.ordered.append(item)
        self._composer.directive(item, file)

    def header_line(self, item: Define | Style | Include) -> None:
        """A define, style, negative or include of the file itself."""
        self._headers.line(item)

    def open_body(self) -> None:
        """The first cue or scene line (or a broken line meant as one)."""
        self._opened = self._headers.opened = True
        self._composer.header_done()

    def script_done(self, counted: bool) -> Groups:
        """The end of a script (`counted`: one of the request's); its variant groups."""
        return self._composer.script_done(counted)

    def scene(self, head: Item) -> None:
        """A scene line, or a broken one (which opens a script but no scene)."""
        if isinstance(head, Scene):
            self._composer.scene()

    def prompt(self, cue: Cue) -> Prompt:
        return self._composer.prompt(cue)

    def finish(self, library: bool) -> None:
        """The end of the file, once the last script is done."""
        self._composer.finish(library)

    # --- what the header lines say (headers.Reader), the included files' too -----------------------

    def define(self, item: Define, file: str | None) -> None:
        self.late = self.late or self._opened
        self._composer.define(item, file)

    def style(self, item: Style, file: str | None) -> None:
        self.styled = True
        self.named_style = self.named_style or has_braces(item.value.value or "")
        self.scene_styled = self.scene_styled or self._opened
        self._composer.style(item, file)

    def include_failed(self) -> None:
        self.late = self.late or self._opened
        self._composer.include_failed()

    def problem(self, d: Diagnostic) -> None:
        self.problems.append(d)

    @property
    def defines(self) -> Mapping[str, Definition]:
        return self._composer.defines

    def _resolve(self, path: Path) -> str:
        """The resolver, noting what each file read said (what the kept cues' answers depend on)."""
        try:
            text = self._resolver(path)
        except OdyError:
            self.texts.append((path, None))
            raise
        self.texts.append((path, text))
        return text
