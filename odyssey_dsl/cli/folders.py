"""Which files a folder named on the command line stands for (`ody lint DIR`, and the same
for `fmt`, `check` and `run`), as ruff and black choose them:

- the files whose name matches the command's pattern in any case (`scene.ODY` is a screenplay);
- not below a hidden folder nor `venv`, `.venv`, `build`, `node_modules`, `__pycache__`, and
  no hidden file;
- not what a `.gitignore` ignores: the folder's own and nested ones, and those of the folders
  above it up to the repository's root (the folder holding `.git`);
- not what the `exclude` setting names: gitignore-style patterns relative to the folder of the
  config file that governs each folder (the nearest, as for every other setting);
- no symbolic link, to a file or a folder: a walk never leaves the folder it was given (`fmt`
  rewrites what it finds) and never loops.

A pattern that names the given folder itself is set aside: a folder named on the command line
is walked, as a file named there is always read. pathspec (gitignore's rules) is imported only
when there is a `.gitignore` or an `exclude` to apply.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from fnmatch import fnmatchcase
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from .._support.reads import read_at_most
from ..config import ConfigError, Settings, config_in, is_pattern, load_settings, read_settings
from ..errors import OdyError

if TYPE_CHECKING:
    from pathspec import GitIgnoreSpec

#: Folders never searched (besides hidden ones): environments, build output, caches.
SKIPPED = frozenset({"venv", ".venv", "build", "node_modules", "__pycache__"})
GITIGNORE = ".gitignore"
_MOST_GITIGNORE = 1 << 20  # bytes: a .gitignore larger than this is not one anyone wrote


class _Rules(NamedTuple):
    """The patterns of one file (a `.gitignore`, or a config's `exclude`), relative to `base`
    (an absolute folder, with no trailing separator)."""

    base: str
    spec: GitIgnoreSpec

    def verdict(self, path: str, is_dir: bool) -> bool | None:
        """True: ignored; False: re-included by a `!pattern`; None: no pattern is about it."""
        if not path.startswith(self.base + os.sep):
            return None
        relative = path[len(self.base) + 1:].replace(os.sep, "/")
        return self.spec.check_file(relative + "/" if is_dir else relative).include

    def without_matches_of(self, path: str) -> _Rules:
        """These rules less the patterns that ignore the folder `path` itself."""
        from pathspec import GitIgnoreSpec

        if not self.verdict(path, True):
            return self
        relative = path[len(self.base) + 1:].replace(os.sep, "/") + "/"
        kept = [p for p in self.spec.patterns if not (p.include and p.match_file(relative))]
        return _Rules(self.base, GitIgnoreSpec(kept))


def _rules(base: str, lines: list[str]) -> _Rules:
    """Rules from gitignore lines; a line git would not understand is passed over, as git does."""
    from pathspec import GitIgnoreSpec

    try:
        return _Rules(base, GitIgnoreSpec.from_lines(lines))
    except ValueError:  # pathspec refuses a pattern (`!` alone, a trailing `\`): keep the others
        return _Rules(base, GitIgnoreSpec.from_lines([line for line in lines if is_pattern(line)]))


def _gitignore(folder: str) -> _Rules | None:
    """The rules of `folder`'s own `.gitignore`, if it has a readable one: a regular file (not
    a link, as git reads it; a FIFO would block, `/dev/zero` never end) of at most 1 MiB."""
    path = os.path.join(folder, GITIGNORE)
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return None
        with open(path, "rb") as f:
            data = read_at_most(f, _MOST_GITIGNORE)
    except OSError:  # none (the usual case), or unreadable: git passes it over too
        return None
    return None if data is None else _rules(folder, data.decode("utf-8", errors="replace").splitlines())


def _above(root: str) -> list[_Rules]:
    """The `.gitignore` rules of the folders above `root`, outermost first, up to the
    repository's root; none when `root` is in no repository."""
    if os.path.lexists(os.path.join(root, ".git")):
        return []
    found = []
    folder = os.path.dirname(root)
    while True:
        rules = _gitignore(folder)
        if rules is not None:
            found.append(rules)
        if os.path.lexists(os.path.join(folder, ".git")):
            return found[::-1]
        parent = os.path.dirname(folder)
        if parent == folder:
            return []
        folder = parent


class _Folder(NamedTuple):
    """A folder being walked, with what applies to its entries."""

    path: Path  # as the user named it, joined with the names below
    absolute: str
    settings: Settings  # the project settings governing it (before the command's flags)
    ignores: tuple[_Rules, ...]  # .gitignore rules, outermost first
    exclude: _Rules | None


class Walk:
    """The files matching `pattern` below `root`, in the order of their sorted paths, each
    with its project settings (`config`: the --config file that governs them all)."""

    def __init__(self, root: Path, pattern: str, config: Path | None) -> None:
        self.root = root
        self.pattern = pattern.lower()
        self.config = config
        #: Whether anything was passed over (for the note when nothing is found).
        self.skipped = False
        self._excludes: dict[Path, _Rules] = {}

    def files(self, trouble: Callable[[OdyError], None]) -> Iterator[tuple[Path, Settings]]:
        """Each file found; a folder that cannot be read, or whose config is broken, is handed
        to `trouble` (with what it holds left out) and the walk goes on."""
        absolute = os.path.abspath(self.root)
        try:
            settings = read_settings(self.config) if self.config is not None else load_settings(self.root)
        except ConfigError as error:
            trouble(error)
            return
        ignores = tuple(rules.without_matches_of(absolute) for rules in _above(absolute))
        exclude = self._exclude(settings)
        if exclude is not None and settings.source is not None:
            exclude = self._excludes[settings.source] = exclude.without_matches_of(absolute)
        top = self._enter(_Folder(self.root, absolute, settings, ignores, exclude), trouble)
        stack = [top] if top is not None else []
        while stack:
            folder, entries = stack[-1]
            entry = next(entries, None)
            if entry is None:
                stack.pop()
                continue
            path = os.path.join(folder.absolute, entry.name)
            wanted = fnmatchcase(entry.name.lower(), self.pattern)
            if entry.name.startswith(".") or entry.is_symlink():
                self.skipped = self.skipped or wanted or entry.is_dir()
            elif entry.is_dir(follow_symlinks=False):
                if entry.name in SKIPPED or self._ignored(folder, path, True):
                    self.skipped = True
                    continue
                below = self._enter(self._below(folder, entry.name, path, trouble), trouble)
                if below is not None:
                    stack.append(below)
            elif wanted and entry.is_file(follow_symlinks=False):
                if self._ignored(folder, path, False):
                    self.skipped = True
                else:
                    yield folder.path / entry.name, folder.settings

    def _below(self, folder: _Folder, name: str, absolute: str,
               trouble: Callable[[OdyError], None]) -> _Folder | None:
        """What applies inside the subfolder `name` of `folder`: its own config, else the
        folder's; its own `.gitignore` on top of the folder's."""
        settings = folder.settings
        if self.config is None:
            own = config_in(Path(absolute))
            if own is not None:
                try:
                    settings = read_settings(own)
                except ConfigError as error:
                    trouble(error)
                    return None
        return _Folder(folder.path / name, absolute, settings, folder.ignores, self._exclude(settings))

    def _enter(self, folder: _Folder | None, trouble: Callable[[OdyError], None]
               ) -> tuple[_Folder, Iterator[os.DirEntry[str]]] | None:
        """The folder with its entries in name order, and its own `.gitignore` added."""
        from ..compiler import SourceError

        if folder is None:
            return None
        try:
            with os.scandir(folder.absolute) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as error:
            trouble(SourceError(f"{folder.path}: cannot read this folder ({error.strerror or error})"))
            return None
        own = _gitignore(folder.absolute) if any(e.name == GITIGNORE for e in entries) else None
        if own is not None:
            folder = folder._replace(ignores=(*folder.ignores, own))
        return folder, iter(entries)

    def _exclude(self, settings: Settings) -> _Rules | None:
        """The `exclude` setting as rules relative to its config file's folder (built once)."""
        if not settings.exclude or settings.source is None:
            return None
        if settings.source not in self._excludes:
            base = os.path.dirname(os.path.abspath(settings.source))
            self._excludes[settings.source] = _rules(base, list(settings.exclude))
        return self._excludes[settings.source]

    @staticmethod
    def _ignored(folder: _Folder, path: str, is_dir: bool) -> bool:
        """Whether the `exclude` setting or the deepest `.gitignore` with a say ignores `path`."""
        if folder.exclude is not None and folder.exclude.verdict(path, is_dir):
            return True
        for rules in reversed(folder.ignores):
            verdict = rules.verdict(path, is_dir)
            if verdict is not None:
                return verdict
        return False
