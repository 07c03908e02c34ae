"""What `ody run` will pay for, said before it pays: per screenplay, the jobs, the scripts and
the seconds of new video it will request, and what it reuses instead; and the budget
(`max-video`) that a plan may not exceed without a yes.

The plan reads the journal alone (no key, no network), so `--dry-run` can say it anywhere;
the run itself asks the API about the jobs the journal cannot vouch for and may find one of
them gone (then it makes that script again: the only way a run pays more than its plan).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from . import decide, estimate
from .journal import Journal, Row, Scene
from .prepare import Prepared


@dataclass(frozen=True)
class Plan:
    path: str
    name: str
    jobs: int  # submits: one, plus one per step of a chain of scenes to make
    scripts: int  # streams to request
    video_ms: int  # of new video
    reused: int  # scripts a job made or is making
    total: int  # scripts this run makes or reuses
    unit: str  # what the screenplay's scripts are to its writer: scenes, or scripts

    def as_json(self) -> dict[str, Any]:
        return {"path": self.path, "jobs": self.jobs, "scripts": self.scripts, "video_ms": self.video_ms,
                "reused_scripts": self.reused}

    def text(self) -> str:
        reuse = f"reusing {self.reused} of {self.total} {self.unit}" if self.reused else ""
        if not self.scripts:
            return f"{self.name}: nothing to submit" + (f"; {reuse}" if reuse else "")
        made = (f"{self.jobs} job{'s' * (self.jobs != 1)}, {self.scripts} script{'s' * (self.scripts != 1)}, "
                f"{clock(self.video_ms)} of new video")
        return f"{self.name}: {made}" + (f"; {reuse}" if reuse else "")


def reuse_view(p: Prepared, journal: Journal, base: str, fp: str | None,
               new: bool) -> tuple[list[Row], frozenset[int]]:
    """The jobs that may spare a submit (any carrying one of the scripts), and the scripts
    `--new` asks to make again (those `--scene` named, else all)."""
    keys = [s.key for s in p.scenes if s.key is not None]
    rows = journal.carrying(keys, p.group_hash, base, fp)
    renew = (p.named or frozenset(s.index for s in p.scenes)) if new else frozenset()
    return rows, renew


def plan(p: Prepared, journal: Journal, base: str, fp: str | None, new: bool) -> Plan:
    rows, renew = reuse_view(p, journal, base, fp, new)
    jobs = decide.from_journal(rows)

    def plain(scene: Scene) -> Sequence[Row]:
        return () if scene.index in renew else rows

    rows_for = decide.chained(plain, jobs, p.every)
    redo = decide.needed(p.scenes, rows_for, jobs)
    reused = sum(1 for s in p.scenes if decide.covering(rows_for(s), jobs, s) is not None)
    scenes_only = all(s.variant is None and s.scene is not None for s in p.scenes)
    return Plan(str(p.path), p.name, decide.levels(p.every, redo) if redo else 0, len(redo),
                sum(p.every[i].duration_ms for i in redo), reused, len(p.scenes),
                "scenes" if scenes_only else "scripts")


def clock(ms: int) -> str:
    """A length of video as people read it (`0:04`, `12:30`), rounded up to the second."""
    return estimate.clock(-(-ms // 1000))
