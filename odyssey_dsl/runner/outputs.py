"""Where `ody run` puts things: one folder per screenplay, safe file names, and `run.json`.

Names come from scene names (or the screenplay's stem) and never from anything a server
sends, and every path is checked to stay inside the folder the user chose. A folder's takes
never overwrite each other: the first take's files are `<name>.mp4` with `run.json`, the
second's `<name>.take2.mp4` with `run.take2.json`, and so on.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .._support.files import write_atomic
from .errors import UsageError

MAX_NAME = 80
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')
_RESERVED = frozenset({"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))})
KINDS = ("video", "thumbnail", "events")


def safe_name(text: str, fallback: str) -> str:
    """A file name made from free text: no separators, controls or leading dots, bounded."""
    name = unicodedata.normalize("NFC", text)
    name = _UNSAFE.sub("-", name)
    name = re.sub(r"\s+", " ", name).strip(" .-")
    name = name[:MAX_NAME].rstrip(" .-")
    if not name:
        return fallback
    return f"{name}-" if name.split(".")[0].lower() in _RESERVED else name


def unique_names(wanted: list[str], taken: Iterable[str] = ()) -> list[str]:
    """The same names with `-2`, `-3`... on collisions with each other or with `taken`
    (case-insensitively, for macOS/Windows)."""
    seen = {name.lower() for name in taken}
    out = []
    for name in wanted:
        candidate, n = name, 1
        while candidate.lower() in seen:
            n += 1
            candidate = f"{name}-{n}"
        seen.add(candidate.lower())
        out.append(candidate)
    return out


def inside(folder: Path, name: str) -> Path:
    """`folder / name`, refusing any name that would land outside `folder`."""
    path = folder / name
    if os.sep in name or (os.altsep and os.altsep in name) or name in ("", ".", "..") \
            or path.resolve().parent != folder.resolve():
        raise UsageError(f"refusing to write {name!r} outside {folder}")
    return path


def suffix(take: int) -> str:
    return "" if take <= 1 else f".take{take}"


def manifest_path(folder: Path, take: int) -> Path:
    return inside(folder, f"run{suffix(take)}.json")


def file_name(base: str, kind: str, take: int, extension: str = "") -> str:
    """`cat.mp4`, `cat.thumbnail.jpg`, `cat.events.json` (with `.takeN` before the kind)."""
    tail = {"video": ".mp4", "thumbnail": f".thumbnail.{extension or 'jpg'}", "events": ".events.json"}[kind]
    return f"{base}{suffix(take)}{tail}"


def image_extension(url_path: str, content_type: str | None) -> str:
    """The thumbnail's extension from its URL or type, from a short list (never free text)."""
    known = {"jpg": "jpg", "jpeg": "jpg", "png": "png", "webp": "webp", "gif": "gif"}
    tail = url_path.rsplit(".", 1)[-1].lower() if "." in url_path.rsplit("/", 1)[-1] else ""
    if tail in known:
        return known[tail]
    kind = (content_type or "").split(";")[0].strip().lower()
    return known.get(kind.removeprefix("image/"), "jpg")


def read_manifest(path: Path) -> dict[str, Any] | None:
    """A folder's `run.json`, or None when there is none or it is unreadable (then it is
    rewritten: it only describes files, which are checked again)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    return data if isinstance(data, dict) else None


def write_manifest(path: Path, data: dict[str, Any]) -> None:
    """Atomically, so a reader (or a rerun after a crash) never sees half a file."""
    write_atomic(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def file_take(folder: Path, group_hash: str, journal_take: int) -> int:
    """Which take number this request's files use in `folder`: the one its manifest already
    has, else the next free one (a changed screenplay never overwrites an earlier run)."""
    taken = []
    for path in folder.glob("run*.json"):
        match = re.fullmatch(r"run(?:\.take(\d+))?\.json", path.name)
        if not match:
            continue
        number = int(match.group(1) or 1)
        data = read_manifest(path)
        if data is not None and data.get("request_sha256") == group_hash and data.get("journal_take") == journal_take:
            return number
        taken.append(number)
    return max(taken, default=0) + 1
