"""A screenplay folder's `run.json`: which take of each recording came from which job and
stream, so that a rerun reuses files already on disk and a new recording of a scene never
overwrites an earlier one (`day.mp4`, then `day.take2.mp4`).

Only names and numbers of our own making are read back from the file; anything malformed in
it is ignored (the files it describes are checked against the disk again).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .outputs import manifest_path, next_take, read_manifest, write_manifest


class Takes:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.previous: dict[str, Any] = read_manifest(manifest_path(folder)) or {}
        self.history: dict[str, list[dict[str, Any]]] = _history(self.previous.get("takes"))

    def reload(self) -> None:
        """What another `ody` wrote meanwhile (two runs of one screenplay share a folder)."""
        self.previous = read_manifest(manifest_path(self.folder)) or self.previous
        for name, takes in _history(self.previous.get("takes")).items():
            mine = self.history.setdefault(name, [])
            known = {t["take"] for t in mine}
            mine.extend(t for t in takes if t["take"] not in known)

    def of(self, name: str, job_id: str | None, stream_id: str | None) -> dict[str, Any]:
        """The take of `name` that stream `stream_id` of `job_id` is (a new one, numbered after
        every take on record or on disk, the first time)."""
        takes = self.history.setdefault(name, [])
        for take in takes:
            if take.get("stream_id") == stream_id and take.get("job_id") == job_id:
                return take
        take = {"take": next_take(self.folder, name, (t["take"] for t in takes)), "job_id": job_id,
                "stream_id": stream_id, "files": {}}
        takes.append(take)
        return take

    def write(self, data: dict[str, Any]) -> None:
        data["takes"] = {name: sorted(takes, key=lambda t: int(t["take"])) for name, takes in self.history.items()}
        write_manifest(manifest_path(self.folder), data)


def _history(value: object) -> dict[str, list[dict[str, Any]]]:
    """The `takes` of a run.json, keeping only well-formed records."""
    if not isinstance(value, dict):
        return {}
    out: dict[str, list[dict[str, Any]]] = {}
    for name, takes in value.items():
        if isinstance(name, str) and isinstance(takes, list):
            good = [dict(t) for t in takes if isinstance(t, dict) and isinstance(t.get("take"), int)
                    and not isinstance(t.get("take"), bool) and t["take"] >= 1]
            for t in good:
                t["files"] = t["files"] if isinstance(t.get("files"), dict) else {}
            out[name] = good
    return out
