"""A screenplay folder's `run.json`: which take of each recording came from which job and
stream, so that a rerun reuses files already on disk and a new recording of a scene never
overwrites an earlier one (`day.mp4`, then `day.take2.mp4`).

Only names and numbers of our own making are read back from the file; anything malformed in
it is ignored (a file record whose path is not a plain file name too; the files it describes
are checked against the disk again). A folder written by an older `ody` (`run.json` without
`takes`, `run.take2.json` for a second take) is read as takes, so its files are reused, not
fetched again (their takes have no `created_at`). Two runs of one screenplay may write at once: each write merges the takes on
disk first, under a lock.
"""

from __future__ import annotations

import os
import re
import threading
import time
from pathlib import Path
from typing import Any

from .locks import held
from .outputs import manifest_path, next_take, read_manifest, write_manifest
from .target import state_dir


class Takes:
    def __init__(self, folder: Path, stop: threading.Event | None = None) -> None:
        self.folder = folder
        self.stop = stop or threading.Event()
        self.previous: dict[str, Any] = read_manifest(manifest_path(folder)) or {}
        self.history: dict[str, list[dict[str, Any]]] = (
            _history(self.previous["takes"]) if "takes" in self.previous else _older(folder))

    def _merge(self) -> None:
        """Add the takes another `ody` wrote meanwhile (two runs of one screenplay at once)."""
        on_disk = read_manifest(manifest_path(self.folder)) or {}
        for name, takes in _history(on_disk.get("takes")).items():
            mine = self.history.setdefault(name, [])
            known = {(t["take"], t.get("stream_id")) for t in mine}
            mine.extend(t for t in takes if (t["take"], t.get("stream_id")) not in known)

    def of(self, name: str, job_id: str | None, stream_id: str | None) -> dict[str, Any]:
        """The take of `name` that stream `stream_id` of `job_id` is (a new one, numbered after
        every take on record or on disk and dated now, in UTC, the first time: the review page
        shows when each take was made)."""
        takes = self.history.setdefault(name, [])
        for take in takes:
            if take.get("stream_id") == stream_id and take.get("job_id") == job_id:
                return take
        take = {"take": next_take(self.folder, name, (t["take"] for t in takes)), "job_id": job_id,
                "stream_id": stream_id, "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "files": {}}
        takes.append(take)
        return take

    def write(self, data: dict[str, Any]) -> None:
        with held(state_dir() / "locks", f"manifest {self.folder}", self.stop):
            self._merge()
            data["takes"] = {name: sorted(takes, key=lambda t: int(t["take"])) for name, takes in self.history.items()}
            write_manifest(manifest_path(self.folder), data)


def _history(value: object) -> dict[str, list[dict[str, Any]]]:
    """The `takes` of a run.json, keeping only well-formed records."""
    if not isinstance(value, dict):
        return {}
    out: dict[str, list[dict[str, Any]]] = {}
    for name, takes in value.items():
        if isinstance(name, str) and isinstance(takes, list):
            good = [dict(t) for t in takes if isinstance(t, dict) and _number(t.get("take"))]
            for t in good:
                t["files"] = _files(t.get("files"))
            out[name] = good
    return out


def _older(folder: Path) -> dict[str, list[dict[str, Any]]]:
    """The takes an older `ody` left: each `run.json` / `run.takeN.json` described one take
    of every stream it names."""
    out: dict[str, list[dict[str, Any]]] = {}
    for path in sorted(folder.glob("run*.json")):
        match = re.fullmatch(r"run(?:\.take([0-9]+))?\.json", path.name)
        manifest = read_manifest(path) if match else None
        if manifest is None:
            continue
        number = int(match.group(1) or 1) if match else 1
        streams = manifest.get("streams")
        for stream in streams if isinstance(streams, list) else []:
            if isinstance(stream, dict) and isinstance(stream.get("name"), str) and stream.get("stream_id"):
                out.setdefault(stream["name"], []).append({
                    "take": number, "job_id": stream.get("job_id"), "stream_id": stream["stream_id"],
                    "files": _files(stream.get("files"))})
    return out


def _number(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _files(value: object) -> dict[str, Any]:
    """File records whose path is a plain file name (anything else, a NUL byte included, which no
    file system takes, is as if absent)."""
    if not isinstance(value, dict):
        return {}
    return {kind: record for kind, record in value.items()
            if isinstance(record, dict) and isinstance(record.get("path"), str)
            and record["path"] not in ("", ".", "..") and os.path.basename(record["path"]) == record["path"]
            and "\\" not in record["path"] and "\0" not in record["path"]}
