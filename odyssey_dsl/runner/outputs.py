"""Where `ody run` puts things: one folder per screenplay, safe file names, and `run.json`.

Names come from scene names (or the screenplay's stem) and never from anything a server
sends, and every path is checked to stay inside the folder the user chose. Spaces and
non-ASCII letters are kept (NFC: every current file system takes them); separators, control
and reserved characters become `-`, a name is at most `MAX_NAME_BYTES` of UTF-8, and Windows'
reserved device names get a `-`. Takes never overwrite each other, scene by scene: a scene's
first recording is `<name>.mp4`, a new one of the same scene (changed, or `--new`)
`<name>.take2.mp4`, and so on; `run.json` describes the newest take of every scene (`latest`)
and remembers which job and stream each take came from (`takes`).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .._support.files import write_atomic
from .._support.reads import read_file
from .errors import UsageError

MAX_NAME_BYTES = 120  # the file system's limit is 255 bytes: room for `.take12.thumbnail.webp.part`
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|\ud800-\udfff]+')  # surrogates: bytes of a non-UTF-8 name
_RESERVED = frozenset({"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))})
KINDS = ("video", "thumbnail", "events")


def safe_name(text: str, fallback: str) -> str:
    """A file name made from free text: no separators, controls or leading dots, bounded."""
    name = unicodedata.normalize("NFC", text)
    name = _UNSAFE.sub("-", name)
    name = re.sub(r"\s+", " ", name).strip(" .-")
    name = name.encode("utf-8")[:MAX_NAME_BYTES].decode("utf-8", "ignore").rstrip(" .-")
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
    """`folder / name`, refusing any name that would land outside `folder`, or that cannot be
    followed to a place at all (a link loop: Python raises RuntimeError or OSError for it)."""
    path = folder / name
    try:
        outside = os.sep in name or bool(os.altsep and os.altsep in name) or name in ("", ".", "..") \
            or path.resolve().parent != folder.resolve()
        if not outside and os.path.islink(path):
            _follow(path)  # a loop, which Python 3.13's resolve() lets through, fails here
    except (RuntimeError, OSError) as error:
        raise UsageError(f"refusing to write {name!r} in {folder}: {getattr(error, 'strerror', None) or error}") \
            from None
    if outside:
        raise UsageError(f"refusing to write {name!r} outside {folder}")
    return path


def _follow(link: Path) -> None:
    """Follow `link` to its end: OSError for a loop; a dangling link is fine (its target is made)."""
    with contextlib.suppress(FileNotFoundError):
        os.stat(link)


def suffix(take: int) -> str:
    return "" if take <= 1 else f".take{take}"


def manifest_path(folder: Path) -> Path:
    return inside(folder, "run.json")


def file_name(base: str, kind: str, take: int, extension: str = "") -> str:
    """`cat.mp4`, `cat.thumbnail.jpg`, `cat.events.json`, `cat.vtt` (the captions, written here,
    not downloaded), with `.takeN` before the kind."""
    tail = {"video": ".mp4", "thumbnail": f".thumbnail.{extension or 'jpg'}", "events": ".events.json",
            "captions": ".vtt"}[kind]
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
        data = json.loads(read_file(path).decode("utf-8"))
    except (OSError, ValueError, RecursionError):  # not JSON or UTF-8, a 5,000-digit number, nested too deep
        return None  # OSError: also a FIFO in its place, refused rather than waited on
    return data if isinstance(data, dict) else None


def write_manifest(path: Path, data: dict[str, Any]) -> None:
    """Atomically, so a reader (or a rerun after a crash) never sees half a file; never into a
    FIFO or a device put in its place (NotRegularFile)."""
    write_atomic(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n", only_files=True)


def next_take(folder: Path, name: str, recorded: Iterable[int]) -> int:
    """The take number for a new recording of `name`: after every take `run.json` records and
    every file of the name on disk (also from an older `ody`, or half downloaded)."""
    pattern = re.compile(re.escape(name) + r"(?:\.take([0-9]+))?\.(?:mp4|thumbnail\.[a-z]+|events\.json|vtt)(?:\.part)?")
    found = [int(m.group(1) or 1) for path in folder.iterdir() if (m := pattern.fullmatch(path.name))]
    return max([*recorded, *found], default=0) + 1
