"""What one screenplay's run is given and gives back: the session's shared state (the client,
the journal, the count of this session's active jobs, the budget of new video) in a
`Context`, and the outcome in a `Result` with an exit code."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from ..errors import Interrupted
from .client import Client
from .errors import EXIT_OK
from .journal import Journal
from .poll import Pace, TimedOut
from .progress import Reporter
from .submit import Submitter


class ActiveJobs:
    """How many of this session's jobs are active: a CONCURRENT_LIMIT_REACHED answer waits for
    that number to drop instead of failing, and is final only when it is zero."""

    def __init__(self) -> None:
        self._ids: set[str] = set()
        self._changed = threading.Condition()

    def add(self, job_id: str) -> None:
        with self._changed:
            self._ids.add(job_id)

    def finished(self, job_id: str) -> None:
        with self._changed:
            self._ids.discard(job_id)
            self._changed.notify_all()

    def wait_for_one(self, stop: threading.Event, deadline: float) -> bool:
        """Wait until one of our jobs finishes; False at once when none is active."""
        with self._changed:
            if not self._ids:
                return False
            count = len(self._ids)
            while len(self._ids) >= count:
                if stop.is_set():
                    raise Interrupted()
                if time.monotonic() > deadline:
                    raise TimedOut("the account's limit of active jobs was still reached at the --timeout",
                                   "run the same command again once a job has finished")
                self._changed.wait(0.5)
            return True


class Budget:
    """The new video (ms) this `ody run` may still ask for, shared by its screenplays: what
    the plan was allowed (None: no bound, `--yes`). A submit the plan did not foresee (a job it
    counted on failed) must fit in what is left."""

    def __init__(self, limit_ms: float | None) -> None:
        self.limit_ms = limit_ms
        self._spent = 0
        self._lock = threading.Lock()

    def spend(self, ms: int) -> bool:
        with self._lock:
            if self.limit_ms is not None and self._spent + ms > self.limit_ms:
                return False
            self._spent += ms
            return True


@dataclass
class Context:
    client: Client
    journal: Journal
    submitter: Submitter | None  # None for the job commands, which never submit
    downloads: httpx.Client
    out: Path
    pace: Pace
    deadline: float
    reporter: Reporter
    active: ActiveJobs
    budget: Budget = field(default_factory=lambda: Budget(None))
    new: bool = False
    no_wait: bool = False
    wait: bool = True  # False for `ody download`: what is ready now, and no more
    cancel_on_interrupt: bool = False
    claimed: dict[Path, Path] = field(default_factory=dict)  # folder -> screenplay, this session
    claim_lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class Result:
    name: str
    code: int = EXIT_OK
    jobs: list[str] = field(default_factory=list)
    status: str = "?"
    folder: Path | None = None
    streams: list[dict[str, Any]] = field(default_factory=list)
    message: str | None = None

    @property
    def recorded(self) -> int:
        """Streams whose video is complete on disk."""
        return len(self.latest())

    def latest(self) -> list[str]:
        """The video file of every stream that has one complete on disk (its newest take)."""
        return [s["files"]["video"]["path"] for s in self.streams
                if s.get("files", {}).get("video", {}).get("complete")]
