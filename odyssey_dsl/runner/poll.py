"""Waiting for a job: quick at first, slower as it drags on, slower still while it is pending
with a long estimated wait, never more often than `first` and never past the deadline."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from ..api import JobDetail, is_active, is_rendering
from ..errors import Interrupted
from .client import Client
from .errors import EXIT_TIMEOUT, RunnerError, UsageError
from .target import POLL_FLOOR, Target, number


class TimedOut(RunnerError):
    exit_code = EXIT_TIMEOUT


@dataclass(frozen=True)
class Pace:
    first: float = 1.0  # seconds before the first status check
    most: float = 15.0  # longest pause while the job is moving
    growth: float = 1.5

    def pause(self, checks: int, job: JobDetail) -> float:
        """Seconds to wait after the `checks`-th status check of `job`; a job still waiting for
        its turn (any active status but `processing` or `running`: `pending`, `dispatched`, another
        server's name for either) with a long estimated wait is asked less often."""
        pause = min(self.most, self.first * self.growth ** checks)
        wait = job.estimated_wait_minutes
        if is_active(job.status) and not is_rendering(job.status) and wait is not None and wait > 0:
            pause = max(pause, min(wait * 60 / 6, 4 * self.most))  # a sixth of the wait, at most 4× most
        return pause


def pace(config: dict[str, object], target: Target) -> Pace:
    """The polling pace, from the config file's `poll-*` settings: never below `POLL_FLOOR`
    for a remote API (a job of a few seconds polled without pause is a thousand requests);
    an API on this machine (the emulator) may be polled faster."""
    chosen = Pace(number(config, "poll-first", 1.0), number(config, "poll-max", 15.0))
    low = min(chosen.first, chosen.most)
    if not target.local and low < POLL_FLOOR:
        raise UsageError(f"poll-first and poll-max must be {POLL_FLOOR:g} s or more for a remote API, not {low:g}",
                         "raise them with `ody config set poll-first 1` (a smaller pause only for the emulator)")
    return chosen


def wait(client: Client, job_id: str, pace: Pace, deadline: float,
         seen: Callable[[JobDetail], None], first: JobDetail | None = None) -> JobDetail:
    """Poll until the job is final; `seen` gets every answer. Raises TimedOut at `deadline`
    (monotonic) and Interrupted on Ctrl-C; the job keeps running in both cases."""
    job = first if first is not None else client.job(job_id)
    seen(job)
    checks = 0
    while is_active(job.status):
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimedOut(f"job {job_id} is still {job.status} after the --timeout",
                           f"it keeps running: `ody wait {job_id} --download` picks it up")
        if client.stop.wait(min(pace.pause(checks, job), left)):
            raise Interrupted()
        checks += 1
        job = client.job(job_id)
        seen(job)
    return job
