"""One submit, at most once: the intent is journaled first, the job id as soon as it is known,
and an ambiguous failure is reconciled against the server's list of jobs instead of guessed.

Reconciling an intent: the jobs of this key that appeared since the intent was journaled (by
the server's `created_at`, with `CLOCK_SLACK` for clocks that disagree) and that no journal
row owns are the candidates. One is adopted, provisionally: when it completes, its streams
must match the request (checked by the caller, see `matches`). None: look once more after a
short wait, then the request is known to have made nothing. Several: stop and name them.

Only one submit per key is in flight on this machine (a file lock in the state folder), so a
process that reconciles never mistakes a neighbour's fresh job for its own. Under that lock,
the account's queue is respected too: Odyssey holds at most `QUEUE_LIMIT` simulation jobs
not yet final per account, so a submit waits until the journal (asked again of the API when
its word may be stale) counts fewer on this API and key, instead of collecting refusals. With no
idempotency key in the API, the guarantee holds per journal: a key shared by several machines
narrows it (their jobs can look like ours; the provisional check catches most of those).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .._support.digests import sha256
from ..api import JobDetail, JobSummary
from ..errors import Interrupted
from .client import Ambiguous, ApiRefusal, Client
from .errors import ApiFailure, UnexpectedAnswer
from .estimate import moment
from .journal import ABANDONED, ADOPTED, OWNED, REJECTED, Journal, Row, Scene
from .locks import held
from .poll import TimedOut

QUEUE_LIMIT = 10  # jobs not yet final per account (Odyssey's documented queue limit)
CLOCK_SLACK = 300.0  # seconds a server's clock may be behind ours
SETTLE = 2.0  # seconds to wait before the second look for a job that may still appear
MAX_PAGES = 10  # pages of 100 jobs looked through when reconciling


@dataclass(frozen=True)
class Request:
    """A request body to submit, and what the journal must know about it."""

    body: bytes
    group_hash: str
    take: int
    screenplay: str
    folder: str | None
    title: str | None
    plan: tuple[Scene, ...]
    considered: frozenset[int] = frozenset()  # the take's owned rows when this submit was decided

    @property
    def request_hash(self) -> str:
        return sha256(self.body)


class Submitter:
    def __init__(self, client: Client, journal: Journal, lock_dir: Path, say: Callable[[str], None],
                 settle: float = SETTLE) -> None:
        self.client = client
        self.journal = journal
        self.lock_dir = lock_dir
        self.say = say
        self.settle = settle
        self.base, self.fp = client.target.base, client.target.fingerprint

    def submit(self, request: Request, deadline: float) -> Row:
        """Submit, or adopt the job an ambiguous submit made; the row has a job id."""
        with held(self.lock_dir, f"submit {self.fp}", self.client.stop):
            self.reconcile_stale()
            twin = self._twin(request)
            if twin is not None:
                return twin
            self._queue_slot(deadline)
            row = self.journal.intend(api_base=self.base, key_fp=self.fp, group_hash=request.group_hash,
                                      request_hash=request.request_hash, take=request.take,
                                      screenplay=request.screenplay, folder=request.folder,
                                      title=request.title, plan=request.plan)
            for _ in range(self.client.backoff.attempts):
                try:
                    answer = self.client.submit(request.body)
                except Ambiguous as error:
                    self.say(f"{error}: looking for the job among the server's")
                    adopted = self._reconcile(row)
                    if adopted is not None:
                        return adopted
                    self.say("no job was made: submitting again")
                    continue
                except UnexpectedAnswer:
                    raise  # accepted, perhaps: the intent stays, and the next run reconciles it
                except BaseException:
                    self.journal.set_state(row.id, ABANDONED)  # the request provably made nothing
                    raise
                if not answer.job_id or len(answer.job_id) > 200:
                    raise ApiFailure("the server accepted the job but sent no usable job id")
                return self.journal.answered(row.id, answer.job_id, answer.status)
            self.journal.set_state(row.id, ABANDONED)
            raise ApiFailure(f"the submit failed {self.client.backoff.attempts} times and made no job",
                             "check the API's status, then run the same command again")

    def _queue_slot(self, deadline: float) -> None:
        """Wait until fewer than QUEUE_LIMIT jobs of this API and key may be in the queue."""
        pause, said = 1.0, False
        while True:
            waiting = self.journal.unfinished(self.base, self.fp)
            if len(waiting) < QUEUE_LIMIT:
                return
            for row in waiting:  # the journal's word may be stale: a job nobody waited for
                self._ask(row)
            waiting = self.journal.unfinished(self.base, self.fp)
            if len(waiting) < QUEUE_LIMIT:
                return
            if not said:
                self.say(f"the account's queue holds {len(waiting)} jobs not yet final (Odyssey's limit is "
                         f"{QUEUE_LIMIT}): waiting for one to finish before submitting")
                said = True
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimedOut(f"the account's queue was still full ({QUEUE_LIMIT} jobs not yet final) at the --timeout",
                               "run the same command again once a job has finished")
            if self.client.stop.wait(min(pause, left)):
                raise Interrupted()
            pause = min(pause * 1.5, 15.0)

    def _ask(self, row: Row) -> None:
        """The API's word on a job the journal counts as not final."""
        if row.job_id is None:
            return
        try:
            job = self.client.job(row.job_id)
        except ApiRefusal as error:
            if error.status != 404:
                raise
            self.journal.set_state(row.id, REJECTED)  # the server no longer knows it: not in its queue
            return
        if job.status != row.status:
            self.journal.set_status(row.job_id, job.status)

    def _twin(self, request: Request) -> Row | None:
        """The same request, submitted by another `ody run` since this one decided to submit
        (two runs of one screenplay at once): shared, not paid twice."""
        for row in self.journal.rows(request.group_hash, self.base, self.fp, request.take):
            if row.id not in request.considered and row.state in OWNED and row.request_hash == request.request_hash:
                self.say(f"job {row.job_id}, adopted from the interrupted submit, is this request's: continuing with it"
                         if row.state == ADOPTED else
                         f"job {row.job_id} was just submitted for the same screenplay by another ody run: "
                         "waiting for it instead of paying again")
                return row
        return None

    def reconcile_stale(self) -> None:
        """Settle the intents of processes that died mid-submit, before anything else."""
        for row in self.journal.pending_intents(self.base, self.fp):
            self.say(f"an earlier submit of {row.screenplay or 'a screenplay'} was interrupted: "
                     "checking whether it made a job")
            if self._reconcile(row) is None:
                self.journal.set_state(row.id, ABANDONED)

    def _reconcile(self, row: Row) -> Row | None:
        """Adopt the one job `row`'s request made; None when it made none (the row stays an
        intent: a retry of the submit is still covered by it)."""
        for look in range(2):
            candidates = self._candidates(row)
            if len(candidates) == 1:
                job = candidates[0]
                self.say(f"adopting job {job.job_id} (made by the interrupted submit; checked again "
                         "when it completes)")
                return self.journal.answered(row.id, job.job_id, job.status, ADOPTED)
            if len(candidates) > 1:
                names = ", ".join(j.job_id for j in candidates)
                raise ApiFailure(f"several jobs appeared since the submit of {row.screenplay} and none can be "
                                 f"told apart: {names}",
                                 f"tie the right one to the screenplay with `ody adopt JOB {row.screenplay}`")
            if look == 0 and self.client.stop.wait(self.settle):
                raise Interrupted()
        return None

    def _candidates(self, row: Row) -> list[JobSummary]:
        owned = self.journal.owners(self.base, self.fp) | set(row.known)  # known then, or owned since
        since = row.created - CLOCK_SLACK
        found: list[JobSummary] = []
        for page in range(MAX_PAGES):
            jobs = self.client.jobs(limit=100, offset=page * 100).jobs
            recent = [j for j in jobs if (moment(j.created_at) or since) >= since]
            found += [j for j in recent if j.job_id not in owned]
            if len(jobs) < 100 or not recent:
                break
        return found



def matches(plan: tuple[Scene, ...], job: JobDetail) -> str | None:
    """Why an adopted job's streams do not fit the request (None when they do): one stream per
    script, each as long as its script to the frame."""
    streams = job.streams
    if len(streams) != len(plan):
        return f"it has {len(streams)} stream(s), the request {len(plan)}"
    for stream in streams:
        index = stream.script_index
        if not 0 <= index < len(plan):
            return f"a stream has script_index {index!r}"
        seconds, frames = stream.duration_seconds, stream.frame_count
        if seconds is None:
            continue  # a failed stream has no length to compare
        frame = seconds / frames if frames is not None and frames > 0 else 0.04
        if abs(seconds * 1000 - plan[index].duration_ms) > frame * 1000 + 1e-6:
            return f"stream {index} lasts {seconds:g} s, its script {plan[index].duration_ms / 1000:g} s"
    return None
