"""Opening a result with the system's viewer (`ody preview --open`, `ody review`), or saying
why not: a server or a CI job has no display, and a missing opener is not a failure."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

NO_DISPLAY = "no display"
NO_OPENER = "no program to open it"


def has_display() -> bool:
    """Whether a viewer can show anything: always on macOS and Windows; elsewhere with X or Wayland."""
    if sys.platform in ("darwin", "win32", "cygwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def launch(path: Path) -> str | None:
    """Open `path` (absolute, so a viewer never reads it as an option); None when a viewer
    started, else why not (`NO_DISPLAY`, `NO_OPENER`)."""
    if not has_display():
        return NO_DISPLAY
    return None if click.launch(str(path.absolute())) == 0 else NO_OPENER
