"""The batch driver: every rule over a parsed file, for `ody lint`, `ody compile` and the API.

The editor's driver is `lsp.document.LiveDocument`; both run the same registered rules
(`rules.registry`) through the same stage functions, and a property test compares them.
`ody check` (jsoncheck) judges JSON scripts with `check_script`, `check_images` and `suppress`.

`Checker` reads a file's items once, in order, and keeps none of them once checked (only
the directives, the scene lines and each script's first and last cue): `ody lint` and
`ody compile` feed it straight from the parser, so that a million-line file never exists as
a million nodes. `check` is the same over a parsed `Document`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Generic, NamedTuple, TypeVar

from .compose import Composer, Prompt
from .config import DEFAULT_MAX_DURATION_MS
from .diagnostics import Diagnostic, Span
from .headers import HeaderLines
from .includes import Resolver
from .rules.directives import DEFAULT_MIN_GAP_MS, JUDGING, Options, applied, directives, opens_body, options_of
from .rules.images import check_images
from .rules.registry import Chains, Link, Timed, on_chains
from .rules.scenes import SceneLines
from .rules.suppression import comment_codes, lone_suppression, setting_codes, suppress
from .rules.timing import ScriptRun, check_script
from .spool import Spool
from .syntax import Comment, Cue, Define, Directive, Document, Include, Invalid, Item, Scene, Style

__all__ = [
    "DEFAULT_MIN_GAP_MS", "Checked", "Checker", "Options", "Script", "Timed", "check", "check_images", "check_script",
    "suppress",
]

T = TypeVar("T")

# Where a diagnostic stands among others at the same place (line, column, code): the order in
# which the stages of `check` used to gather them, then the order they were produced in.
SYNTAX, DIRECTIVES, SCENES, SCRIPTS, COMMENTS, LONE, SETTING, EMBED, COMPOSE = range(9)
_STAGE = 1 << 48


class Script(NamedTuple):
    """One script: the whole file, or one scene of a batch; each cue's prompt as sent (see
    compose.py) and the options of its variant groups (none: one script)."""

    scene: Scene | None
    cues: tuple[Timed, ...]
    prompts: tuple[Prompt, ...] = ()
    groups: tuple[tuple[str, ...], ...] = ()

    @property
    def name(self) -> str | None:
        return self.scene.name.value if self.scene is not None else None


class Checked(NamedTuple):
    options: Options
    scripts: tuple[Script, ...]
    has_scenes: bool
    diagnostics: tuple[Diagnostic, ...]
    library: bool = False  # header lines only: valid on its own, nothing to compile


class LateOptions(Exception):
    """The file's first `min-gap`, `max-duration` or `orientation` comes after cues that were
    judged with another value: check it again from the top with `options` (rare: it is an
    error of its own, ODY109)."""

    def __init__(self, options: Options) -> None:
        super().__init__(options)
        self.options = options


def _judged(options: Options) -> tuple[int, int, bool]:
    """What the rules on cues, scripts and images read of the options while a file is read."""
    return options.min_gap_ms, options.max_duration_ms, options.portrait


class Checker(Generic[T]):
    """Every rule over a file's items, fed in order (`add`), then `finish`.

    The diagnostics go to `spool` (sorted when read; pickled when `compact`); each script's
    cues, turned by `keep` (given the cue and its prompt as sent) into what the caller needs
    (None: nothing), to `scripts`, and its variant groups to `groups`. `path` is the file's
    (for its includes, read through `resolver`; None: nothing is included). The cues
    above the first scene line are judged as the file's one script until a scene line shows
    they are not one.
    `options` are the file's, when known before reading it (None: the defaults);
    `LateOptions` is raised when they were not, once that matters. `max_duration_ms` is the
    setting, for a file without `max-duration`."""

    def __init__(self, base_dir: Path | None, ignore: frozenset[str] = frozenset(), first_line: int = 1,
                 options: Options | None = None, keep: Callable[[Timed, Prompt], T] | None = None,
                 compact: bool = True, max_duration_ms: int = DEFAULT_MAX_DURATION_MS,
                 path: Path | None = None, resolver: Resolver | None = None) -> None:
        self.base_dir, self.first_line, self._keep = base_dir, first_line, keep
        self.options = options or Options(max_duration_ms=max_duration_ms)
        self.max_duration_ms = max_duration_ms
        self._compact = compact
        self.spool, self._tentative = Spool(compact), Spool(compact)
        self._count = 0
        self._setting_extras: list[Diagnostic] = []
        self._silenced = setting_codes(ignore, first_line, self._setting_extras)
        self._by_line: dict[int, frozenset[str]] = {}
        self._directives: list[Item] = []  # the directives and the first cue or scene: what ODY109 reads
        self._opened = self._stepped = False
        self._named: set[str] = set()  # the directives whose first line was seen
        self._scenes = SceneLines()
        self._links: list[Link] = []  # each scene line, for the `on_chains` rules
        self.scripts: list[tuple[Scene | None, list[T]]] = []
        self.groups: list[tuple[tuple[str, ...], ...]] = []
        self._composer = Composer(lambda d: self._report(COMPOSE, d, filtered=d.file is None))
        self._headers = HeaderLines(self, path, resolver, max_duration_ms)
        self._ordered: list[Directive] = []  # every directive, included ones too, in order
        self._header = self._titled = False  # a header line, a title was seen
        self._open_script(None)

    # --- feeding --------------------------------------------------------------------------------

    def add(self, item: Item, syntax: bool = True) -> None:
        """The next item; with `syntax`, its own diagnostics are reported too."""
        if isinstance(item, Comment):
            if item.ignores:
                self._report(LONE, lone_suppression(item), filtered=False)
            return
        if item.comment is not None and item.comment.ignores:
            extras: list[Diagnostic] = []
            codes = comment_codes(item.comment, extras)
            for line in range(item.span.line, item.span.end_line + 1):
                self._by_line[line] = self._by_line.get(line, frozenset()) | codes
            for d in extras:
                self._report(COMMENTS, d, filtered=False)
        if syntax:
            self.syntax(item.diagnostics)
        if isinstance(item, Directive):
            self._header = True
            self._titled = self._titled or item.name == "title"
            self._directives.append(item)
            self.directive(item, None)
            return
        if isinstance(item, (Define, Style, Include)):
            self._header = True
            self._headers.line(item)
            return
        if not self._opened and opens_body(item):
            self._opened = True
            self._directives.append(item)
            self._headers.opened = True
            self._composer.header_done()
        if self._scenes.add(item):
            assert isinstance(item, (Scene, Invalid))
            self._close_script()
            self._open_script(item)
        elif isinstance(item, (Cue, Invalid)):
            self._statement(item)

    def syntax(self, found: Iterable[Diagnostic]) -> None:
        """Syntax diagnostics, in the order `parse` gives them."""
        for d in found:
            self._report(SYNTAX, d)

    def finish(self) -> Options:
        """The rules on the whole file, once every item was added; the options it sets."""
        self._close_script()
        found: list[Diagnostic] = []
        directives(self._directives, found, self.max_duration_ms)
        options = options_of(self._ordered, self.max_duration_ms)
        assert _judged(options) == _judged(self.options), "a late directive raises LateOptions"
        self._composer.finish(self.library)
        self._report_all(DIRECTIVES, found)
        found = []
        self._scenes.run(found)
        on_chains.run(Chains(self._links, all(isinstance(head, Scene) for head, _ in self._scenes.heads)), found)
        self._report_all(SCENES, found)
        for d in self._setting_extras:
            self._report(SETTING, d, filtered=False)
        return options

    @property
    def has_scenes(self) -> bool:
        return bool(self._scenes.heads)

    @property
    def library(self) -> bool:
        """Header lines and no cue, scene or title (a title names a screenplay): valid on its
        own, included by screenplays."""
        return self._header and not self._opened and not self._titled

    # --- the stages -------------------------------------------------------------------------------

    # --- what the header lines say (headers.Reader), the included files' too -----------------------

    def define(self, item: Define, file: str | None) -> None:
        self._composer.define(item, file)

    def style(self, item: Style, file: str | None) -> None:
        self._composer.style(item, file)

    def include_failed(self) -> None:
        self._composer.include_failed()

    def problem(self, d: Diagnostic) -> None:
        self._report(DIRECTIVES, d, filtered=False)

    def directive(self, item: Directive, file: str | None) -> None:
        """A directive of the file (`file` None) or of a file it includes: the options it sets."""
        self._ordered.append(item)
        self._composer.directive(item, file)
        if item.name in JUDGING and item.name not in self._named:
            self._named.add(item.name)
            options = applied(self.options, item, self.max_duration_ms)
            if _judged(options) != _judged(self.options):
                if self._stepped:
                    raise LateOptions(options)
                self.options = options
                self._run = self._script_run()

    def _script_run(self) -> ScriptRun:
        return ScriptRun(self.options.min_gap_ms, max_duration_ms=self.options.max_duration_ms)

    def _open_script(self, head: Scene | Invalid | None) -> None:
        self._head, self._filled, self._broken = head, False, isinstance(head, Invalid)
        self._imaged: Cue | None = None  # the script's first cue with an image
        if isinstance(head, Scene):
            self._composer.scene()
        self._run = self._script_run()
        self._images: list[Timed] = []
        self._cues: list[T] = []

    def _statement(self, statement: Cue | Invalid) -> None:
        self._filled = True
        cue = statement if isinstance(statement, Cue) else None
        self._broken = self._broken or cue is None
        found: list[Diagnostic] = []
        timed = self._run.add(cue, found)
        self._stepped = True
        self._report_all(SCRIPTS, found, self._head is None)
        prompt = self._composer.prompt(cue) if cue is not None else None
        if self._imaged is None and cue is not None and cue.image is not None and cue.image.value is not None:
            self._imaged = cue
        if timed is not None:
            if self._keep is not None:
                self._cues.append(self._keep(timed, prompt))
            if timed.cue.image is not None and timed.cue.image.value is not None and self.base_dir is not None:
                self._images.append(timed)

    def _close_script(self) -> None:
        """The end of the open script: how it begins and ends, and its images. The cues above
        the first scene line make no script, and a scene line with no statement neither."""
        head = self._head
        groups = self._composer.script_done(counted=not (head is None and self.has_scenes) and (
            head is None or self._filled))
        if isinstance(head, Scene):
            self._links.append(Link(head, self._imaged, bool(groups)))
        if head is None and self.has_scenes:
            self._tentative = Spool(self._compact)
            return
        if head is not None and not self._filled:
            return
        if head is None and self.library:
            return
        found: list[Diagnostic] = []
        empty = Span(self.first_line, 1, self.first_line, 1) if head is None else None
        self._run.end(self._broken, self._broken, empty, found)
        if self.base_dir is not None:
            check_images(self._images, self.base_dir, found, self.options.portrait)
        self._report_all(SCRIPTS, found)
        self.spool.extend(self._tentative)
        self.scripts.append((head if isinstance(head, Scene) else None, self._cues))
        self.groups.append(groups)

    def _report_all(self, stage: int, found: list[Diagnostic], tentative: bool = False) -> None:
        for d in found:
            self._report(stage, d, tentative=tentative)

    def late(self, d: Diagnostic) -> None:
        """A problem found after the checks, while embedding images."""
        self._report(EMBED, d, filtered=False)

    def _report(self, stage: int, d: Diagnostic, filtered: bool = True, tentative: bool = False) -> None:
        """Keep `d` unless a suppression silences it (`filtered`: a `# ody: ignore` on its line
        counts; the suppressions' own warnings only heed the ignore setting)."""
        if not d.is_error and (d.code in self._silenced or (filtered and d.code in self._by_line.get(d.span.line, ()))):
            return
        self._count += 1
        (self._tentative if tentative else self.spool).add(stage * _STAGE + self._count, d)


def run(make: Callable[[Options], Checker[T]], feed: Callable[[Checker[T]], None],
        max_duration_ms: int = DEFAULT_MAX_DURATION_MS) -> tuple[Checker[T], Options]:
    """A checker made by `make` (given the options assumed) and fed by `feed`, finished; fed
    again from the top with the right options when a directive they depend on came late."""
    options = Options(max_duration_ms=max_duration_ms)
    while True:
        checker = make(options)
        try:
            feed(checker)
        except LateOptions as late:
            options = late.options
            continue
        return checker, checker.finish()


def check(document: Document, base_dir: Path | None, ignore: frozenset[str] = frozenset(),
          max_duration_ms: int = DEFAULT_MAX_DURATION_MS, path: Path | None = None,
          resolver: Resolver | None = None) -> Checked:
    """Every rule over a parsed file; `base_dir` resolves image paths (None: don't look);
    `max_duration_ms` is the setting, for a file without `max-duration`; `path` and
    `resolver` read the files it includes (None: includes are not read).

    The diagnostics come sorted by place (`sort_key`), as every output shows them."""

    def feed(checker: Checker[tuple[Timed, Prompt]]) -> None:
        checker.syntax(document.diagnostics)  # maybe not the items' own (see compiler.decode)
        for item in document.items:
            checker.add(item, syntax=False)

    checker, options = run(
        lambda assumed: Checker(base_dir, ignore, document.first_line, assumed, _pair, False, max_duration_ms,
                                path, resolver), feed, max_duration_ms)
    scripts = tuple(Script(scene, tuple(t for t, _ in cues), tuple(p for _, p in cues), groups)
                    for (scene, cues), groups in zip(checker.scripts, checker.groups, strict=True))
    return Checked(options, scripts, checker.has_scenes, tuple(checker.spool), checker.library)


def _pair(timed: Timed, prompt: Prompt) -> tuple[Timed, Prompt]:
    return timed, prompt
