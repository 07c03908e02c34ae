"""What a screenplay's scripts amount to before any job runs: per script its length, cues,
gaps between cues and words, and per file the seconds of video a run would request (what an
account's usage is measured in): a script the screenplay has twice (the same key: script,
orientation, options, continued scene) counted once, as `ody run` makes it once. `ody stats`
prints them (docs/output-formats.md, "ody stats").

Computed from the compiled entries, so a script is counted as the API receives it: each
expanded variant is a script of its own, and its words are those of its prompts as sent
(after expansion, style and negative).

- `cues`: the prompts (the `start` and each `interact`), one caption each (`captions.captions`).
- gaps: between consecutive entries' times, the `end` included; `mean_gap_ms` is their sum
  (the script's length, since it starts at 0) over their number, rounded to the nearest
  millisecond, halves up.
- `words`: the whitespace-separated runs of each prompt (`str.split()`), summed.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any, NamedTuple

from .emit import Entry


class ScriptStats(NamedTuple):
    """The figures of one script, named as `ody run` names its recording."""

    name: str
    duration_ms: int
    cues: int
    min_gap_ms: int
    mean_gap_ms: int
    max_gap_ms: int
    words: int

    def as_json(self) -> dict[str, Any]:
        return self._asdict()


class FileStats(NamedTuple):
    """One screenplay's scripts, in the order it compiles them, and each one's key (what
    makes its recording: runner.prepare.script_key)."""

    path: str
    scripts: tuple[ScriptStats, ...]
    keys: tuple[str, ...]

    @property
    def total_ms(self) -> int:
        """The video a run of every script requests: each distinct script once."""
        return sum(s.duration_ms for s in self._distinct())

    @property
    def repeated(self) -> int:
        """How many scripts repeat an earlier one (made once, counted once)."""
        return len(self.scripts) - len(self._distinct())

    def _distinct(self) -> list[ScriptStats]:
        first: dict[str, ScriptStats] = {}
        for key, script in zip(self.keys, self.scripts, strict=True):
            first.setdefault(key, script)
        return list(first.values())

    def as_json(self) -> dict[str, Any]:
        return {"path": self.path, "total_ms": self.total_ms, "scenes": [s.as_json() for s in self.scripts]}


def script_stats(name: str, entries: Sequence[Entry]) -> ScriptStats:
    """The figures of one compiled script (a `start` at 0, ..., its `end`)."""
    gaps = [b.timestamp_ms - a.timestamp_ms for a, b in itertools.pairwise(entries)]
    prompts = [e.prompt or "" for e in entries if e.action != "end"]
    mean = (sum(gaps) * 2 + len(gaps)) // (2 * len(gaps)) if gaps else 0  # round(x / n), halves up
    return ScriptStats(name, entries[-1].timestamp_ms if entries else 0, len(prompts), min(gaps, default=0), mean,
                       max(gaps, default=0), sum(len(p.split()) for p in prompts))


def file_stats(path: str, names: Sequence[str], scripts: Sequence[Sequence[Entry]], keys: Sequence[str]) -> FileStats:
    """A screenplay's figures: its scripts with the names `ody run` gives their recordings."""
    return FileStats(path, tuple(script_stats(n, s) for n, s in zip(names, scripts, strict=True)), tuple(keys))


def report(files: Sequence[FileStats], screenplays: int) -> dict[str, Any]:
    """`ody stats --json`: every file, the total over all of them, and when exactly one
    screenplay was given (`screenplays`: those read, libraries left out, errors or not) its
    scripts at the top level too (`scenes`, empty when it has errors), so that one screenplay's
    figures read directly whether it compiled or not."""
    out: dict[str, Any] = {"files": [f.as_json() for f in files], "total_ms": sum(f.total_ms for f in files)}
    if screenplays == 1:
        out["scenes"] = out["files"][0]["scenes"] if files else []
    return out
