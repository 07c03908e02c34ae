"""Opening a result with the system's viewer (`ody preview --open`, `ody review`), or saying
why not: a server or a CI job has no display, and a missing or failing opener is not a
failure of the command, only something to say."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

NO_DISPLAY = "no display"
NO_OPENER = "no program to open it"

#: How long an opener may take to say it failed. `xdg-open` hands the file to the viewer and
#: exits at once, with 0 or its error (4: the viewer could not be started); one still running
#: after this is taken to be the viewer itself (some run it in the foreground), which started.
WAIT_SECONDS = 3.0


def has_display() -> bool:
    """Whether a viewer can show anything: always on macOS and Windows; elsewhere with X or Wayland."""
    if sys.platform in ("darwin", "win32", "cygwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def launch(path: Path) -> str | None:
    """Open `path` (absolute, so a viewer never reads it as an option); None when a viewer
    started, else why not (`NO_DISPLAY`, `NO_OPENER`, or the opener's failure)."""
    if not has_display():
        return NO_DISPLAY
    target = str(path.absolute())
    if sys.platform == "win32":
        try:
            os.startfile(target)  # type: ignore[attr-defined]  # Windows only
        except OSError:
            return NO_OPENER
        return None
    opener = shutil.which("open" if sys.platform == "darwin" else "xdg-open")
    if opener is None:
        return NO_OPENER
    try:
        process = subprocess.Popen([opener, target], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, start_new_session=True)
    except OSError:
        return NO_OPENER
    try:
        code = process.wait(timeout=WAIT_SECONDS)
    except subprocess.TimeoutExpired:
        return None
    return None if code == 0 else f"{Path(opener).name} failed, exit status {code}"
