"""Waiting for a save (`ody preview --watch`): until one of the files a render read holds
something else than it did then.

A render remembers what each file it read held (None: it could not be read, such as an include
not written yet); the set changes as the user edits, so it is given anew for every wait. The
files' folders are watched with watchfiles (inotify, FSEvents, ReadDirectoryChangesW), so that
an editor's save through a temporary file and a rename is seen as the file's. The events only
wake the comparison, which decides: an event for a write the render already read, or for another
file of the folder, changes nothing. A save the events cannot show (made between the read and
the start of watching, or an include in a folder not made yet, which is not watched) is found
by the comparison made before watching and then at least once a second, whatever else happens
in the folders: watchfiles wakes on a quiet second (its timeout) but not while other files keep
changing, so every wake-up, for any file, checks the time since the last comparison.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from pathlib import Path

QUIET_MS = 1_000  # the comparison runs at least this often, whatever the events


def until_changed(seen: Mapping[Path, object], read: Callable[[Path], object]) -> None:
    """Return once `read(path)` differs from `seen[path]` for one of `seen`'s files: compared
    at once, on every event for one of them, and at least every QUIET_MS otherwise.
    Ctrl-C raises KeyboardInterrupt."""
    import watchfiles

    def changed() -> bool:
        return any(read(path) != held for path, held in seen.items())

    if changed():
        return
    compared = time.monotonic()
    names = {os.path.abspath(path) for path in seen}
    folders = sorted({_existing(Path(name).parent) for name in names})
    # Every event is let through: one filtered out is not yielded, and so would not wake the clock.
    for events in watchfiles.watch(*folders, watch_filter=None, recursive=False, rust_timeout=QUIET_MS,
                                   yield_on_timeout=True):
        now = time.monotonic()
        if any(path in names for _change, path in events) or now - compared >= QUIET_MS / 1000:
            compared = now
            if changed():
                return


def _existing(folder: Path) -> str:
    """The folder, or its nearest existing parent (an include in a folder not made yet: its
    creation is found by the comparison after a quiet second)."""
    while not folder.is_dir() and folder.parent != folder:
        folder = folder.parent
    return str(folder)
