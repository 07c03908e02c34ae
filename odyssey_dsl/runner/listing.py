"""What the job commands show: `ody jobs` (the journal merged with the servers' live status),
`ody status` (one job), and `ody adopt` (tie a job to a screenplay by hand)."""

from __future__ import annotations

import dataclasses
import json
import re
from contextlib import ExitStack
from datetime import UTC, datetime
from typing import Any

from ..api import JobDetail, JobSummary, is_active
from .client import ApiRefusal, Client
from .errors import ApiFailure, RunnerError, UsageError
from .journal import ABANDONED, ADOPTED, OWNED, Row
from .prepare import Prepared
from .resume import Jobs


def listing(stack: ExitStack, emulator: bool, api_url: str | None, active: bool, limit: int) -> list[dict[str, Any]]:
    """The newest jobs: the journal's, each with its live status from the API it lives on, and
    the chosen API's own jobs that the journal does not know."""
    session = Jobs(stack, emulator, api_url, quiet=True)
    rows = session.journal.recent(limit * 3)
    out: dict[str, dict[str, Any]] = {}
    live: dict[str, tuple[JobSummary, str]] = {}  # job id -> the job, and the API it lives on
    clients: dict[str, Client | None] = {}
    for row in rows:
        if row.api_base not in clients:
            clients[row.api_base] = _client_or_none(session, row)
            live.update(_server_jobs(clients[row.api_base], active))
    default = _client_or_none(session, None)
    if default is not None and default.target.base not in clients:
        live.update(_server_jobs(default, active))
    for row in rows:
        assert row.job_id is not None
        found = live.get(row.job_id)
        job = found[0] if found else None
        status = job.status if job else row.status
        if active and (status is None or not is_active(status)):
            continue
        out[row.job_id] = {"job_id": row.job_id, "status": status or "unknown", "live": job is not None,
                           "created_at": (job.created_at if job else None) or _iso(row.created),
                           "screenplay": None if (row.screenplay or "").startswith("job:") else row.screenplay,
                           "folder": row.folder, "api": row.api_base, "adopted": row.state == ADOPTED}
    for job_id, (job, api) in live.items():
        if job_id not in out:
            out[job_id] = {"job_id": job_id, "status": job.status, "live": True,
                           "created_at": job.created_at, "screenplay": None, "folder": None,
                           "api": api, "adopted": False}
    ordered = sorted(out.values(), key=lambda j: str(j["created_at"] or ""), reverse=True)
    return ordered[:limit]


def _client_or_none(session: Jobs, row: Row | None) -> Client | None:
    """A client for that API, or None when we cannot ask it (no key, another key)."""
    try:
        return session.client(row)
    except RunnerError:
        return None


def _server_jobs(client: Client | None, active: bool) -> dict[str, tuple[JobSummary, str]]:
    if client is None:
        return {}
    try:
        answer = client.jobs(active=True if active else None, limit=100)
    except ApiFailure:
        return {}
    return {job.job_id: (job, client.target.base) for job in answer.jobs}


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_SIGNED = re.compile(r"\?.*$")


def unsigned(url: object) -> object:
    """A presigned URL without its query string (the signature is a credential)."""
    return _SIGNED.sub("?…", url) if isinstance(url, str) and "?" in url else url


def describe(job: JobDetail, row: Row | None, as_json: bool) -> str:
    """`ody status`: the job, its streams, and what the journal knows of it."""
    streams = [{k: unsigned(v) if k.endswith("_url") else v for k, v in dataclasses.asdict(s).items()}
               for s in job.streams]
    if as_json:
        shown: dict[str, Any] = {**dataclasses.asdict(job), "streams": streams}
        if row is not None:
            shown["journal"] = {"screenplay": row.screenplay, "folder": row.folder, "api": row.api_base,
                                "state": row.state}
        return json.dumps(shown, indent=2, ensure_ascii=False) + "\n"
    lines = [f"job {job.job_id}: {job.status}"]
    for key in ("created_at", "started_at", "completed_at", "estimated_wait_minutes", "error_message"):
        value = getattr(job, key)
        if value is not None:
            lines.append(f"  {key.replace('_', ' ')}: {value}")
    if row is not None:
        lines.append(f"  screenplay: {row.screenplay}" + (f"  (files in {row.folder})" if row.folder else ""))
    for s in streams:
        extra = f", {s['duration_seconds']:g} s" if isinstance(s.get("duration_seconds"), (int, float)) else ""
        error = f": {s['error_message']}" if s.get("error_message") else ""
        lines.append(f"  stream {s['script_index']}: {s['status'] or '?'}{extra}{error}")
    return "\n".join(lines) + "\n"


def adopt(stack: ExitStack, emulator: bool, api_url: str | None, job_id: str, prepared: Prepared) -> str:
    """Journal `job_id` as the current take of `prepared`, settling that screenplay's
    unresolved intents (the adoption answers them)."""
    session = Jobs(stack, emulator, api_url, quiet=True)
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
    for row in journal.pending_intents(target.base, target.fingerprint):
        if row.group_hash == prepared.group_hash:
            journal.set_state(row.id, ABANDONED)
    journal.adopt(job_id=job_id, api_base=target.base, key_fp=target.fingerprint, group_hash=prepared.group_hash,
                  request_hash=prepared.group_hash, take=take, screenplay=str(prepared.path), folder=None,
                  title=prepared.title, plan=prepared.scenes)
    return (f"job {job_id} now belongs to {prepared.name}: `ody run {prepared.name}"
            f"{' --emulator' if target.emulated else ''}` waits for it and downloads it "
            "(checked against the screenplay when it completes)")

