"""The job commands' side of the runner: which API a known job lives on, and waiting for or
downloading a job through the same code as `ody run` (without ever submitting).

A job's API base is in the journal: an emulator job is resumed against the emulator (started
on its data folder when needed) and never sent to production, and a job submitted with
another key is refused rather than asked about with this one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path

from ..api import JobDetail, Stream
from .client import Client
from .download import download_client
from .errors import UsageError
from .journal import OWNED, Journal, Row, Scene
from .outputs import safe_name
from .poll import pace
from .prepare import known
from .progress import Reporter
from .screenplay import ActiveJobs, Context, Result, ScreenplayRun
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

    def __init__(self, stack: ExitStack, emulator: bool, api_url: str | None, quiet: bool = False,
                 prefix: str = "ody run: ") -> None:
        self.stack = stack
        self.config = read_config()
        self.journal = Journal(state_dir() / "journal.sqlite3")
        stack.callback(self.journal.close)
        self.stop = threading.Event()
        self.reporter = Reporter(quiet=quiet, prefix=prefix)
        stack.callback(self.reporter.close)
        self._flags = (emulator, api_url)
        self._clients: dict[str, Client] = {}  # by the row's API base, or "" for the flags' choice
        self._on_exit: list[Callable[[], None]] = []  # what a second Ctrl-C must still do

    def stopping(self) -> Stopper:
        """Ctrl-C sets this command's stop flag (a second one exits at once)."""
        return Stopper(self.reporter, self._on_exit, self.stop)

    def client_for(self, job_id: str) -> tuple[Client, Row | None]:
        row = self.journal.by_job(job_id)
        if row is None:
            return self.client(None), None
        return self.client(row), row

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
        client = Client(target, backoff(self.config), self.stop)
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



def _script_index(stream: Stream) -> int:
    return stream.script_index
