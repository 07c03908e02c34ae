"""Which settings an open file is checked with: exactly those `ody lint FILE` would use.

A file's project configuration is found by walking up from its folder; an untitled buffer
has no folder and gets the defaults. A configuration that cannot be used never stops the
server: the writer is told, and the file is checked with the defaults meanwhile.

A configuration edited while files are open applies to them without reopening: the server
reads it again when the client's file watcher reports a change, or, with a client that cannot
watch files, on every save of a screenplay, whenever a configuration file's stamp (its
modification time, size and inode, from `stat`) is not what it was (`Projects`).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import NamedTuple

from pygls.uris import to_fs_path

from ..config import CONFIG_NAMES, ConfigError, Settings, load_settings
from ..diagnostics import CODES, Severity


class Project(NamedTuple):
    settings: Settings
    problems: tuple[str, ...]  # one line each, for the client's message window


def path_of(uri: str) -> Path | None:
    """The file behind a `file:` URI; None for an untitled buffer or another scheme."""
    if not uri.startswith("file:"):
        return None
    path = to_fs_path(uri)
    return Path(path) if path else None


def project_for(path: Path | None) -> Project:
    """The settings of the project holding `path`, as `ody lint` reads them."""
    if path is None:
        return Project(Settings(), ())
    try:
        settings = load_settings(path.parent)
    except ConfigError as error:
        return Project(Settings(), (f"ody: {error} (checking with the default settings)",))
    problems = []
    for code in sorted(settings.ignore):
        known = CODES.get(code)
        if known is None or known.severity is not Severity.WARNING:
            what = "an error and cannot be suppressed [ODY203]" if known else "not a known code [ODY204]"
            problems.append(f"ody: {code} ({settings.source or 'the configuration'}) is {what}")
    ignore = frozenset(c for c in settings.ignore if c in CODES and CODES[c].severity is Severity.WARNING)
    return Project(replace(settings, ignore=ignore), tuple(problems))


#: The files a project's settings are read from, in each folder from the file's up to the root.

#: What the configuration files a folder's settings depend on look like on disk: (path, mtime,
#: size, inode) of each that exists, from the folder up (a new ody.toml nearer the file counts).
Stamp = tuple[tuple[str, int, int, int], ...]


def stamp(folder: Path) -> Stamp:
    """A few `stat` calls, no reading: cheap enough to take on every save."""
    found = []
    for candidate in (folder, *folder.parents):
        for name in CONFIG_NAMES:
            try:
                info = (candidate / name).stat()
            except OSError:
                continue
            found.append((str(candidate / name), info.st_mtime_ns, info.st_size, info.st_ino))
    return tuple(found)


class Projects:
    """The settings of each folder that holds an open file, read again only when a configuration
    file's stamp changed (or when `forget` is called: a watcher said so)."""

    def __init__(self) -> None:
        self._known: dict[Path, tuple[Stamp, Project]] = {}

    def get(self, path: Path | None) -> Project:
        if path is None:
            return project_for(None)
        folder = path.parent
        now = stamp(folder)
        known = self._known.get(folder)
        if known is None or known[0] != now:
            known = self._known[folder] = (now, project_for(path))
        return known[1]

    def forget(self) -> None:
        self._known.clear()
