"""Which settings an open file is checked with: exactly those `ody lint FILE` would use.

A file's project configuration is found by walking up from its folder; an untitled buffer
has no folder and gets the defaults. A configuration that cannot be used never stops the
server: the writer is told, and the file is checked with the defaults meanwhile.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import NamedTuple

from pygls.uris import to_fs_path

from ..config import ConfigError, Settings, load_settings
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
