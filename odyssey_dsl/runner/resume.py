"""The job commands' side of the runner: which API a known job lives on, and waiting for or
downloading a job through the same code as `ody run` (without ever submitting).

A job's API base is in the journal: an emulator job is resumed against the emulator (started
on its data folder when needed) and never sent to production, and a job submitted with
another key is refused rather than asked about with this one.

A job is named by its id or by a unique prefix of it (at least `MIN_PREFIX` characters, as the
tables print ids). What could be the start of a UUID (the emulator's ids, and the shape the
tables shorten) and matches nothing in the journal is a mistyped or foreign prefix, said so
without asking any API; anything else the journal does not know is a full id, asked of the API.
"""

from __future__ import annotations

import string
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path

from ..api import JobDetail, Stream
from .client import Client
from .context import ActiveJobs, Context, Result
from .download import download_client
from .errors import UsageError
from .journal import OWNED, Journal, Row, Scene
from .outputs import safe_name
from .poll import pace
from .prepare import known
from .progress import Reporter
from .screenplay import ScreenplayRun
from .session import Stopper, resolve_target
from .target import (
    EMULATOR,
    Target,
    api_key,
    backoff,
    fingerprint,
    read_config,
    state_dir,
)


class Jobs:
    """Everything a job command needs, opened once and closed with the stack."""

    def __init__(self, stack: ExitStack, emulator: bool, api_url: str | None, prefix: str,
                 quiet: bool = False, quick: bool = False) -> None:
        """`prefix` starts the command's plain lines (`ody wait: `); `quick` clients give up at
        once on an API this machine refuses (a question, not a run: see `Client`)."""
        self.stack = stack
        self.config = read_config()
        self.journal = Journal(state_dir() / "journal.sqlite3")
        stack.callback(self.journal.close)
        self.stop = threading.Event()
        self.reporter = Reporter(quiet=quiet, prefix=prefix)
        stack.callback(self.reporter.close)
        self._flags = (emulator, api_url)
        self._quick = quick
        self._clients: dict[str, Client] = {}  # by the row's API base, or "" for the flags' choice
        self._on_exit: list[Callable[[], None]] = []  # what a second Ctrl-C must still do

    def stopping(self) -> Stopper:
        """Ctrl-C sets this command's stop flag (a second one exits at once)."""
        return Stopper(self.reporter, self._on_exit, self.stop)

    def client_for(self, job: str) -> tuple[str, Client, Row | None]:
        """The full id of the job `job` names (an id or a unique prefix), a client for the API
        it lives on, and its journal row (None: a job the journal does not know)."""
        job_id, row = self.find(job)
        return job_id, self.client(row), row

    def find(self, job: str) -> tuple[str, Row | None]:
        """The job id `job` names and its row (module doc); a usage error when it names none
        or several."""
        row = self.journal.by_job(job)
        if row is not None:
            return job, row
        rows = self.journal.by_prefix(job) if len(job) >= MIN_PREFIX else []
        if len(rows) == 1 and rows[0].job_id is not None:
            return rows[0].job_id, rows[0]
        if len(rows) > 1:
            shown = ", ".join(f"{r.job_id} ({_named(r)})" for r in rows[:10])
            raise UsageError(f"`{job}` starts {len(rows)} job ids: {shown}{', …' if len(rows) > 10 else ''}",
                             "give more of the job id")
        if not _uuid_start(job):
            return job, None  # a full id of another shape: the API says whether it knows it
        if len(job) < MIN_PREFIX:
            raise UsageError(f"`{job}` is too short to name a job: give at least {MIN_PREFIX} characters of its id",
                             "`ody jobs` lists the jobs with their ids")
        raise UsageError(f"no job `{job}…` in the journal",
                         "`ody jobs` lists the jobs it knows; a full job id is asked of the API")

    def client(self, row: Row | None) -> Client:
        """A client for the API `row` was submitted to (None: the one the flags choose), made
        once per API: an emulator is started (or found) once."""
        where = "" if row is None else row.api_base
        if where in self._clients:
            return self._clients[where]
        if row is None or row.api_base == EMULATOR:
            target, stop_emulator = resolve_target(*(self._flags if row is None else (True, None)),
                                                   self.stack, self.config)
            self._on_exit.append(stop_emulator)
        else:
            key = api_key(self.config)
            if fingerprint(key) != row.key_fp:
                raise UsageError(f"job {row.job_id} was submitted with another API key",
                                 "set ODYSSEY_API_KEY to the key that submitted it")
            target = Target(row.api_base, row.api_base, key)
        client = Client(target, backoff(self.config), self.stop, quick=self._quick)
        self.stack.callback(client.close)
        self._clients[where] = client
        return client

    def run(self, client: Client, row: Row, out: Path | None, wait: bool, timeout: float) -> Result:
        """Wait for (when `wait`) and download the take `row` belongs to, as `ody run` would."""
        name = row.screenplay or str(row.job_id)
        own_folder = safe_name(str(row.job_id), "job")
        if row.state not in OWNED:  # rejected: that job alone, and never in the screenplay's folder
            plan = replace(known([row], name, own_folder), rows=(row,))
        else:
            rows = [r for r in self.journal.rows(row.group_hash, row.api_base, row.key_fp, row.take)
                    if r.state in OWNED]
            plan = replace(known(rows, name, own_folder if name.startswith("job:") else None), rows=tuple(rows))
        root = out if out is not None else Path(row.folder).parent if row.folder else Path("recordings")
        downloads = download_client()
        self.stack.callback(downloads.close)
        ctx = Context(client, self.journal, None, downloads, root, pace(self.config, client.target),
                      time.monotonic() + timeout, self.reporter, ActiveJobs(), wait=wait)
        return ScreenplayRun(plan, ctx).run()

    def adopt_foreign(self, client: Client, job: JobDetail) -> Row:
        """Journal a job submitted elsewhere (the SDK, another machine), named after its id,
        with one scene per stream, so it downloads like any other."""
        job_id = job.job_id
        streams = sorted(job.streams, key=_script_index)
        plan = tuple(Scene(i, f"stream-{i + 1}", round((s.duration_seconds or 0) * 1000))
                     for i, s in enumerate(streams))
        target = client.target
        return self.journal.adopt(job_id=job_id, api_base=target.base, key_fp=target.fingerprint,
                                  group_hash=f"job:{job_id}", request_hash="", take=1,
                                  screenplay=f"job:{job_id}", folder=None, title=None, plan=plan)



MIN_PREFIX = 8  # the shortest prefix of a job id a job command takes
_DASHES = (8, 13, 18, 23)  # where a UUID (36 characters) has its dashes


def _uuid_start(text: str) -> bool:
    """Whether `text` is a proper start of a UUID: shorter, hex digits and dashes in their places."""
    return len(text) < 36 and all(c == "-" if i in _DASHES else c in string.hexdigits for i, c in enumerate(text))


def _named(row: Row) -> str:
    """What a row is, for a list of candidates: its screenplay's file name, or `job:ID`."""
    return Path(row.screenplay).name if row.screenplay and not row.screenplay.startswith("job:") else "submitted elsewhere"


def _script_index(stream: Stream) -> int:
    return stream.script_index
