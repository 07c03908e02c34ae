"""What the job commands show: `ody jobs` (the journal merged with the servers' live status),
`ody status` (one job), and `ody adopt` (tie a job to a screenplay by hand).

`ody jobs` asks every API it lists at once, each in a thread, and waits `BUDGET` seconds in
all (counted once an emulator named by `--emulator` is up): an API that is down (refused at
once by this machine, or silent elsewhere) costs no more, and its jobs show their last known
status from the journal, marked as such. The emulator is asked only when `--emulator` names
it (starting it would be a side effect of a listing).
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import re
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..api import JobDetail, JobSummary, is_active
from ..errors import Interrupted
from .client import ApiRefusal, Client
from .decide import stream_status
from .errors import RunnerError, UsageError
from .estimate import about, moment
from .journal import ABANDONED, ADOPTED, OWNED, Journal, Row
from .outputs import read_manifest
from .prepare import Prepared
from .resume import MIN_PREFIX, Jobs
from .target import EMULATOR, api_url

BUDGET = 1.0  # seconds `ody jobs` waits for all the APIs it asks together: with its start, under 2 s
SCAN = 500  # the journal's newest rows read for a listing (filtered by API, then cut to --limit)

Answer = tuple[dict[str, JobSummary], str | None]  # an API's jobs by id, or why it said nothing


@dataclass(frozen=True)
class Listing:
    """`ody jobs`: the jobs to show (newest first), the id each is shown by (a unique prefix
    for the journal's, the whole id for others), and a note for each API not heard from."""

    jobs: list[dict[str, Any]]
    short: dict[str, str]
    notes: list[str]


def listing(stack: ExitStack, emulator: bool, url_flag: str | None, active: bool, limit: int,
            prefix: str) -> Listing:
    """The newest jobs of the API the flags name (none named: of every API in the journal, and
    of the configured API when a key is configured), each with its live status where its API
    answers within the budget, else the journal's last known one (`live` false)."""
    session = Jobs(stack, emulator, url_flag, prefix, quiet=True, quick=True)
    named = EMULATOR if emulator else api_url(url_flag, session.config) if url_flag else None
    rows = session.journal.recent(SCAN, named)
    clients, notes = _clients(session, rows, named)
    answers = _ask_all(clients, rows, active, session.stop, time.monotonic() + BUDGET)
    out: dict[str, dict[str, Any]] = {}
    for row in rows:
        assert row.job_id is not None
        job = answers.get(row.api_base, ({}, None))[0].get(row.job_id)
        if job is not None and job.status != row.status:
            session.journal.set_status(row.job_id, job.status)  # the next listing's last known status
        status = job.status if job is not None else row.status or "unknown"
        if not (active and not is_active(status)):
            out[row.job_id] = {"job_id": row.job_id, "status": status, "live": job is not None,
                               "created_at": (job.created_at if job else None) or _iso(row.created),
                               "screenplay": None if (row.screenplay or "").startswith("job:") else row.screenplay,
                               "folder": row.folder, "api": row.api_base, "adopted": row.state == ADOPTED}
    journaled = set(out)
    for base, (jobs, problem) in answers.items():
        for job_id, job in jobs.items():
            if job_id not in out and (is_active(job.status) or not active) and session.journal.by_job(job_id) is None:
                out[job_id] = {"job_id": job_id, "status": job.status, "live": True, "created_at": job.created_at,
                               "screenplay": None, "folder": None, "api": base, "adopted": False}
        if problem is not None:
            unsure = any(r.api_base == base and is_active(r.status) for r in rows)
            notes.append(problem + (": its jobs show the status last seen (marked ?)" if unsure else ""))
    shown = sorted(out.values(), key=lambda j: moment(j["created_at"]) or -math.inf, reverse=True)[:limit]
    short = {j["job_id"]: short_id(session.journal, j["job_id"]) if j["job_id"] in journaled else j["job_id"] for j in shown}
    return Listing(shown, short, notes)


def _clients(session: Jobs, rows: list[Row], named: str | None) -> tuple[dict[str, Client], list[str]]:
    """A client for each API to ask, and a note for each API with jobs that may have changed
    that cannot be asked (the emulator unless named, another key, no key)."""
    clients: dict[str, Client] = {}
    notes: list[str] = []
    for base in dict.fromkeys(r.api_base for r in rows):
        unsure = any(r.api_base == base and is_active(r.status) for r in rows)
        if base == EMULATOR and named != EMULATOR:
            if unsure:
                notes.append("the emulator is not asked (`ody jobs --emulator` starts it and asks it): "
                             "its jobs show the status last seen (marked ?)")
            continue
        refusal = None
        for row in {r.key_fp: r for r in rows if r.api_base == base}.values():  # one row per key that used it
            try:
                clients[base] = session.client(row)
                break
            except RunnerError as error:
                refusal = error
        if base not in clients and unsure and refusal is not None:
            notes.append(f"{base} is not asked ({refusal.message}): its jobs show the status last seen (marked ?)")
    if named not in clients:
        try:
            default = session.client(None)
        except RunnerError as error:
            if named is not None:  # unnamed, the configured API is asked only when a key is configured
                notes.append(f"{named} is not asked: {error.message}")
        else:
            clients.setdefault(default.target.base, default)
    return clients, notes


def _ask_all(clients: dict[str, Client], rows: list[Row], active: bool, stop: threading.Event,
             deadline: float) -> dict[str, Answer]:
    """Every API's answer, asked in parallel and waited for until `deadline` (monotonic).
    Threads still waiting then are left behind (daemons: they never delay the exit)."""
    answers: dict[str, Answer] = {}
    threads = []
    for base, client in clients.items():
        mine = client.target.fingerprint  # another key's jobs are not this key's to ask about
        unsure = [r.job_id for r in rows if r.api_base == base and r.key_fp == mine and r.job_id and is_active(r.status)]
        thread = threading.Thread(target=_ask, args=(client, unsure, active, answers), daemon=True,
                                  name=f"ody-jobs-{base}")
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    stop.set()  # a thread sleeping between retries gives up
    heard = dict(answers)  # one snapshot: a late answer changes nothing from here on
    return {base: heard.get(base, ({}, f"{base} gave no answer within {BUDGET:g} s")) for base in clients}


def _ask(client: Client, unsure: list[str], active: bool, answers: dict[str, Answer]) -> None:
    """One API's jobs: its newest 100, and each job the journal last saw active that is not
    among them (a final status needs no asking: it never changes)."""
    base = client.target.base
    try:
        jobs: dict[str, JobSummary] = {j.job_id: j for j in client.jobs(active=True if active else None, limit=100).jobs}
        for job_id in unsure:
            if job_id not in jobs:
                try:
                    jobs[job_id] = client.job(job_id)
                except ApiRefusal as error:
                    if error.status != 404:
                        raise
        answers[base] = (jobs, None)
    except RunnerError as error:
        answers[base] = ({}, error.message)
    except (Interrupted, RuntimeError):  # past the budget: stopped between tries, or the client closed
        answers[base] = ({}, f"{base} gave no answer")


def short_id(journal: Journal, job_id: str) -> str:
    """The shortest start of `job_id`, of at least `MIN_PREFIX` characters, that names it alone
    in the journal (what the job commands take)."""
    for length in range(MIN_PREFIX, len(job_id)):
        if len(journal.by_prefix(job_id[:length])) <= 1:
            return job_id[:length]
    return job_id


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_SIGNED = re.compile(r"\?.*$")


def unsigned(url: object) -> object:
    """A presigned URL without its query string (the signature is a credential)."""
    return _SIGNED.sub("?…", url) if isinstance(url, str) and "?" in url else url


def describe(job: JobDetail, row: Row | None, as_json: bool) -> str:
    """`ody status`: the job, its streams, what the journal knows of it, and what to do next."""
    streams = [{k: unsigned(v) if k.endswith("_url") else v for k, v in dataclasses.asdict(s).items()}
               for s in job.streams]
    fetch = not_downloaded(job, row)
    if as_json:
        shown: dict[str, Any] = {**dataclasses.asdict(job), "streams": streams, "downloaded": not fetch}
        if row is not None:
            shown["journal"] = {"screenplay": row.screenplay, "folder": row.folder, "api": row.api_base,
                                "state": row.state}
        return json.dumps(shown, indent=2, ensure_ascii=False) + "\n"
    lines = [f"job {job.job_id}: {job.status}"]
    for key in ("created_at", "started_at", "completed_at", "error_message"):
        value = getattr(job, key)
        if value is not None:
            lines.append(f"  {key.replace('_', ' ')}: {value}")
    if is_active(job.status) and job.estimated_wait_minutes is not None:
        lines.append(f"  estimated wait: {about(job.estimated_wait_minutes)}")
    if row is not None and not (row.screenplay or "").startswith("job:"):
        lines.append(f"  screenplay: {row.screenplay}" + (f"  (files in {row.folder})" if row.folder else ""))
    for s in streams:
        extra = f", {s['duration_seconds']:g} s" if isinstance(s.get("duration_seconds"), (int, float)) else ""
        error = f": {s['error_message']}" if s.get("error_message") else ""
        lines.append(f"  stream {s['script_index']}: {s['status'] or '?'}{extra}{error}")
    if fetch:
        lines.append(f"not downloaded yet: `ody download {job.job_id}`")
    elif is_active(job.status):
        lines.append(f"not finished: `ody wait {job.job_id} --download` downloads it when it completes")
    return "\n".join(lines) + "\n"


def not_downloaded(job: JobDetail, row: Row | None) -> bool:
    """Whether a finished recording of `job` is not on disk: none of the manifests (`run*.json`)
    in the journal's folder for it records its video as complete, with the file there (as
    the current stream of a scene, or as one of its earlier takes)."""
    ready = {s.stream_id for s in job.streams if stream_status(job, s) == "completed"}
    if not ready:
        return False
    folder = Path(row.folder) if row is not None and row.folder else None
    if folder is None:
        return True
    here: set[str] = set()
    for path in folder.glob("run*.json"):
        manifest = read_manifest(path) or {}
        takes = manifest.get("takes")
        earlier = [t for ts in takes.values() if isinstance(ts, list) for t in ts] if isinstance(takes, dict) else []
        for stream in [*(manifest.get("streams") or []), *earlier]:
            video = (stream.get("files") or {}).get("video") if isinstance(stream, dict) else None
            if isinstance(video, dict) and video.get("complete") and stream.get("job_id") == job.job_id \
                    and isinstance(video.get("path"), str) and (folder / os.path.basename(video["path"])).is_file():
                here.add(str(stream.get("stream_id")))
    return not ready <= here


def adopt(stack: ExitStack, emulator: bool, url_flag: str | None, job_id: str, prepared: Prepared,
          prefix: str) -> str:
    """Journal `job_id` as the current take of `prepared`, settling that screenplay's
    unresolved intents (the adoption answers them)."""
    session = Jobs(stack, emulator, url_flag, prefix, quiet=True)
    client = session.client(None)
    target = client.target
    owner = session.journal.by_job(job_id)
    if owner is not None:
        why = "already belongs to" if owner.state in OWNED else "was found not to match"
        raise UsageError(f"job {job_id} {why} {owner.screenplay}")
    try:
        client.job(job_id)
    except ApiRefusal as error:
        if error.status == 404:
            raise UsageError(f"the API does not know job {job_id}") from None
        raise
    journal = session.journal
    take = max(1, journal.take(prepared.group_hash, target.base, target.fingerprint))
    # The interrupted submit's own scripts (a batch of the changed scenes, a chain's stage),
    # else the whole screenplay.
    plan, request_hash = prepared.scenes, prepared.group_hash
    for row in journal.pending_intents(target.base, target.fingerprint):
        if row.group_hash == prepared.group_hash:
            plan, request_hash = row.plan, row.request_hash
            journal.set_state(row.id, ABANDONED)
    journal.adopt(job_id=job_id, api_base=target.base, key_fp=target.fingerprint, group_hash=prepared.group_hash,
                  request_hash=request_hash, take=take, screenplay=str(prepared.path), folder=None,
                  title=prepared.title, plan=plan)
    return (f"job {job_id} now belongs to {prepared.name}: `ody run {prepared.name}"
            f"{' --emulator' if target.emulated else ''}` waits for it and downloads it "
            "(checked against the screenplay when it completes)")

