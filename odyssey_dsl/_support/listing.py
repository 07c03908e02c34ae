"""What a folder holds, for completion (the shell's file arguments, the editor's image paths):
subfolders, and the files a caller wants, sorted; hidden entries only when asked for with a dot,
and an unreadable folder or entry passed over rather than raised."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path


def entries(folder: Path | str, start: str, wanted: Callable[[str], bool], most: int | None = None) -> list[tuple[str, bool]]:
    """(name, is a folder) of the entries of `folder` whose names begin with `start`: every
    subfolder, and the files whose names `wanted` accepts; at most `most` entries are looked at."""
    try:
        with os.scandir(folder) as listing:
            found = sorted(listing, key=lambda e: e.name)
    except (OSError, ValueError):  # ValueError: a NUL in the path
        return []
    kept = []
    for entry in found[:most]:
        if not entry.name.startswith(start) or (entry.name.startswith(".") and not start.startswith(".")):
            continue
        try:
            is_dir = entry.is_dir()
        except OSError:
            continue
        if is_dir or wanted(entry.name):
            kept.append((entry.name, is_dir))
    return kept
