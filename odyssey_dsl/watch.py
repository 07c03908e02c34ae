"""Waiting for a save (`ody preview --watch`): until one of the files a render read holds
something else than it did then.

A render remembers what each file it read held (None: it could not be read, such as an include
not written yet); the set changes as the user edits, so it is given anew for every wait. The
files' folders are watched with watchfiles (inotify, FSEvents, ReadDirectoryChangesW), so that
an editor's save through a temporary file and a rename is seen as the file's. The events only
wake the comparison, which decides: an event for a write the render already read, or for another
file of the folder, changes nothing; a save made between the read and the start of watching is
found by the comparison made before watching and after every second of quiet.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path

QUIET_MS = 1_000  # the comparison runs at least this often, events or not


def until_changed(seen: Mapping[Path, object], read: Callable[[Path], object]) -> None:
    """Return once `read(path)` differs from `seen[path]` for one of `seen`'s files.
    Ctrl-C raises KeyboardInterrupt."""
    import watchfiles

    def changed() -> bool:
        return any(read(path) != held for path, held in seen.items())

    if changed():
        return
    names = {os.path.abspath(path) for path in seen}
    folders = sorted({_existing(Path(name).parent) for name in names})
    for _ in watchfiles.watch(*folders, watch_filter=lambda _change, path: path in names, recursive=False,
                              rust_timeout=QUIET_MS, yield_on_timeout=True):
        if changed():
            return


def _existing(folder: Path) -> str:
    """The folder, or its nearest existing parent (an include in a folder not made yet: its
    creation is found by the comparison after a quiet second)."""
    while not folder.is_dir() and folder.parent != folder:
        folder = folder.parent
    return str(folder)
