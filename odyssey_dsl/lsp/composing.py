"""The composer as the editor feeds it: header lines, the files they include, scene lines and
the few cues that can change what it says.

`compose.Composer` judges names, styles and variants; `checks.Checker` feeds it every item
of a file in order. Only header lines, scene lines and prompts holding braces can be wrong
there (compose.py), and the first cue of each script matters too: the script's style and
negative are expanded at its first prompt, and a `style` below a cue is misplaced. (One
exception: a name in a style or negative that is not defined is reported at every prompt it
is added to; with such a style, every cue is fed.) So `LiveDocument` feeds just those records,
through `Composing`, which reads the includes and calls the composer as the checker does
(`_include` mirrors `Checker._include`); tests/test_lsp_document.py holds the two to the same
diagnostics after random edits.

What it finds is kept in two lists, in the order `ody lint` ranks them: `problems` (the
includes' own: a file that cannot be read, an included file's mistakes at its own lines),
silenced only by the ignore setting, then `composed` (the composer's), of which those in the
file itself also heed a `# ody: ignore` on their line.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from .. import includes
from ..compiler import SourceError
from ..compose import Composer, Definition, Prompt
from ..diagnostics import INCLUDE_PROBLEM, Diagnostic, Related, Span
from ..errors import OdyError
from ..includes import Resolver
from ..rules.directives import directives, opens_body
from ..syntax import Comment, Cue, Define, Directive, Include, Item, Scene, Style
from ..templates import has_braces

Groups = tuple[tuple[str, ...], ...]


class Composing:
    """One pass of the composer over a file's header lines, scene lines and chosen cues, fed
    in file order (`path` is the file's: includes are relative to it)."""

    def __init__(self, path: Path | None, resolver: Resolver, max_duration_ms: int) -> None:
        self.problems: list[Diagnostic] = []
        self.composed: list[Diagnostic] = []
        self.ordered: list[Directive] = []  # every directive, the included ones too, in order
        self.read: set[Path] = set()  # every file an include read, or tried to
        self.tops: dict[str, Span] = {}  # an included file's name in diagnostics -> the include here that brings it
        self.styled = False  # a `style` or `negative` was seen, here or in an included file
        self.named_style = False  # one of them holds braces: the composer reads it again at every prompt
        self.scene_styled = False  # one of them is a scene's: prompts depend on the scene they are in
        self.late = False  # a define or include below the first cue: a name means something from there on
        self.texts: list[tuple[Path, str | None]] = []  # each file read, and its text (None: it could not be)
        self._path, self._resolver, self._max_duration_ms = path, resolver, max_duration_ms
        self._composer = Composer(self.composed.append)
        self._opened = False

    # --- fed in file order ---------------------------------------------------------------------

    def directive(self, item: Directive, file: str | None = None) -> None:
        self.ordered.append(item)
        self._composer.directive(item, file)

    def header_line(self, item: Define | Style | Include) -> None:
        """A define, style, negative or include of the file itself."""
        chain = (self._path.absolute(),) if self._path is not None else ()
        self._header_line(item, None, self._path, None, chain, item.span)

    def open_body(self) -> None:
        """The first cue or scene line (or a broken line meant as one)."""
        self._opened = True
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

    # --- includes, as checks.Checker reads them --------------------------------------------------

    def _header_line(self, item: Define | Style | Include, file: str | None, including: Path | None,
                     label: str | None, chain: tuple[Path, ...], top: Span) -> None:
        if isinstance(item, Define):
            self.late = self.late or self._opened
            self._composer.define(item, file)
        elif isinstance(item, Style):
            self.styled = True
            self.named_style = self.named_style or has_braces(item.value.value or "")
            self.scene_styled = self.scene_styled or self._opened
            self._composer.style(item, file)
        else:
            if self._opened:
                self.late = True
                self.problems.append(INCLUDE_PROBLEM.at(
                    item.keyword, "`include` comes after the first cue or scene",
                    "includes go at the top of the file, with the directives", file=file))
            self._include(item, file, including, label, chain, top)

    def _include(self, item: Include, file: str | None, including: Path | None, label: str | None,
                 chain: tuple[Path, ...], top: Span) -> None:
        read = includes.read(item, including, label, chain, self._resolve, file)
        if isinstance(read, Diagnostic):
            self.problems.append(read)
            return
        inner = read.label
        self.tops.setdefault(inner, top)
        stray = next((i for i in read.items if opens_body(i) or (isinstance(i, Directive) and i.name == "title")), None)
        if stray is not None:
            what = "a title" if isinstance(stray, Directive) else "cues or scenes"
            self.problems.append(INCLUDE_PROBLEM.at(
                item.path.span, f"an included file holds only header lines, and this one has {what}",
                "keep the cues, scenes and title in the screenplay; include only defines, styles and directives",
                related=(Related(stray.span, f"the first of them in `{inner}`", inner),), file=file))
        found: list[Diagnostic] = []
        directives(read.items, found, self._max_duration_ms)
        for item_in in read.items:
            if isinstance(item_in, Comment):
                continue
            found.extend(item_in.diagnostics)
            if isinstance(item_in, Directive) and item_in.name != "title":
                self.directive(item_in, inner)
            elif isinstance(item_in, (Define, Style, Include)):
                self._header_line(item_in, inner, read.path, inner, (*chain, read.path), top)
        self.problems.extend(d._replace(file=inner) for d in found)

    @property
    def defines(self) -> Mapping[str, Definition]:
        return self._composer.defines

    def _resolve(self, path: Path) -> str:
        self.read.add(path)
        try:
            text = self._resolver(path)
        except ValueError as error:  # a NUL in the path: `open` refuses it (the editor must go on)
            self.texts.append((path, None))
            raise SourceError(f"{path}: {error}") from None
        except OdyError:
            self.texts.append((path, None))
            raise
        self.texts.append((path, text))
        return text
