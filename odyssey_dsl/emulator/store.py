"""SQLite state: tokens, jobs, streams and their scripts, under the data directory.

Every phase of a job is written as a moment at submit (`dispatch_at`, `start_at`, each
stream's `end_at`), so after a crash the status is simply read off the clock again; only the
final states (rendered, failed, cancelled) are written later, each in one transaction. WAL
with `synchronous=FULL` makes a committed answer survive a SIGKILL. One connection behind a
lock: the emulator's load is a handful of clients.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, TypeVar

from .._support.transactions import immediate
from ..api import ACTIVE

SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS tokens (
    token_hash TEXT PRIMARY KEY, key_hash TEXT NOT NULL, expires_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS jobs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, job_id TEXT NOT NULL UNIQUE, owner TEXT NOT NULL,
    portrait INTEGER NOT NULL, created_at REAL NOT NULL, dispatch_at REAL NOT NULL,
    start_at REAL NOT NULL, final_status TEXT, completed_at REAL, error_message TEXT);
CREATE INDEX IF NOT EXISTS jobs_by_owner ON jobs (owner, seq);
CREATE TABLE IF NOT EXISTS streams (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, stream_id TEXT NOT NULL UNIQUE,
    job_id TEXT NOT NULL REFERENCES jobs (job_id), script_index INTEGER NOT NULL,
    owner TEXT NOT NULL, portrait INTEGER NOT NULL, duration_ms INTEGER NOT NULL,
    start_at REAL NOT NULL, end_at REAL NOT NULL, will_fail INTEGER NOT NULL,
    status TEXT NOT NULL, error_message TEXT, finished_at REAL, frame_count INTEGER,
    duration_seconds REAL, width INTEGER, height INTEGER,
    video TEXT, thumbnail TEXT, preview TEXT, events TEXT);
CREATE INDEX IF NOT EXISTS streams_by_job ON streams (job_id, script_index);
CREATE INDEX IF NOT EXISTS streams_due ON streams (status, end_at);
CREATE TABLE IF NOT EXISTS scripts (stream_id TEXT PRIMARY KEY, entries TEXT NOT NULL);
"""
PENDING, DISPATCHED, PROCESSING = ACTIVE
# The status a job shows at :now; `job_status` below is the same rule in Python.
_STATUS_SQL = f"""CASE WHEN final_status IS NOT NULL THEN final_status
    WHEN :now < dispatch_at THEN '{PENDING}' WHEN :now < start_at THEN '{DISPATCHED}'
    ELSE '{PROCESSING}' END"""


@dataclass(frozen=True)
class JobRow:
    seq: int
    job_id: str
    owner: str
    portrait: int
    created_at: float
    dispatch_at: float
    start_at: float
    final_status: str | None
    completed_at: float | None
    error_message: str | None


@dataclass(frozen=True)
class StreamRow:
    seq: int
    stream_id: str
    job_id: str
    script_index: int
    owner: str
    portrait: int
    duration_ms: int
    start_at: float
    end_at: float
    will_fail: int
    status: str  # scheduled | completed | failed | cancelled
    error_message: str | None = None
    finished_at: float | None = None
    frame_count: int | None = None
    duration_seconds: float | None = None
    width: int | None = None
    height: int | None = None
    video: str | None = None
    thumbnail: str | None = None
    preview: str | None = None
    events: str | None = None


@dataclass(frozen=True)
class NewStream:
    stream_id: str
    script_index: int
    duration_ms: int
    end_at: float
    will_fail: bool
    entries_json: str


@dataclass(frozen=True)
class Rendered:
    """What a finished render leaves: file names inside the stream's folder, and numbers."""

    video: str
    thumbnail: str
    preview: str
    events: str
    frame_count: int
    duration_seconds: float
    width: int
    height: int


R = TypeVar("R", JobRow, StreamRow)


class TooManyActive(Exception):
    """A job not added: its owner already has `active` active jobs, as many as allowed or more."""

    def __init__(self, active: int) -> None:
        super().__init__(f"{active} active jobs")
        self.active = active


def job_status(job: JobRow, now: float) -> str:
    if job.final_status is not None:
        return job.final_status
    if now < job.dispatch_at:
        return PENDING
    return DISPATCHED if now < job.start_at else PROCESSING


class Store:
    def __init__(self, path: Path) -> None:
        self._lock = threading.RLock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA foreign_keys=ON")
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version not in (0, SCHEMA_VERSION):
            raise RuntimeError(f"{path} was written by another version of the emulator (schema {version})")
        with self._write():
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    self._db.execute(statement)
            self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _write(self) -> AbstractContextManager[sqlite3.Connection]:
        return immediate(self._db, self._lock)

    def _rows(self, cls: type[R], sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[R]:
        names = [f.name for f in fields(cls)]
        with self._lock:
            return [cls(**{n: row[n] for n in names}) for row in self._db.execute(sql, params)]

    # --- tokens ---------------------------------------------------------------------------------

    def add_token(self, token_hash: str, key_hash: str, expires_at: float, now: float) -> None:
        with self._write() as db:
            db.execute("DELETE FROM tokens WHERE expires_at <= ?", (now,))
            db.execute("INSERT INTO tokens VALUES (?, ?, ?)", (token_hash, key_hash, expires_at))

    def token_owner(self, token_hash: str, now: float) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT key_hash FROM tokens WHERE token_hash = ? AND expires_at > ?",
                                   (token_hash, now)).fetchone()
        return None if row is None else str(row[0])

    # --- jobs -----------------------------------------------------------------------------------

    def add_job(self, job_id: str, owner: str, portrait: bool, created_at: float, dispatch_at: float,
                start_at: float, streams: Sequence[NewStream], active_limit: int | None = None) -> None:
        """The job, its streams and their scripts in one transaction: all or nothing. With
        `active_limit`, TooManyActive instead when the owner already has that many active jobs:
        counted in the same transaction (BEGIN IMMEDIATE), so no other submit, of this process or
        another, can slip in between the count and the insert."""
        with self._write() as db:
            if active_limit is not None:
                active = self.list_jobs(owner, created_at, ACTIVE, 1, 0)[1]
                if active >= active_limit:
                    raise TooManyActive(active)
            db.execute("INSERT INTO jobs (job_id, owner, portrait, created_at, dispatch_at, start_at) "
                       "VALUES (?, ?, ?, ?, ?, ?)", (job_id, owner, int(portrait), created_at, dispatch_at, start_at))
            for s in streams:
                db.execute("INSERT INTO streams (stream_id, job_id, script_index, owner, portrait, duration_ms, "
                           "start_at, end_at, will_fail, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'scheduled')",
                           (s.stream_id, job_id, s.script_index, owner, int(portrait), s.duration_ms, start_at,
                            s.end_at, int(s.will_fail)))
                db.execute("INSERT INTO scripts VALUES (?, ?)", (s.stream_id, s.entries_json))

    def job(self, job_id: str) -> JobRow | None:
        found = self._rows(JobRow, "SELECT * FROM jobs WHERE job_id = ?", (job_id,))
        return found[0] if found else None

    def streams_of(self, job_id: str) -> list[StreamRow]:
        return self._rows(StreamRow, "SELECT * FROM streams WHERE job_id = ? ORDER BY script_index", (job_id,))

    def list_jobs(self, owner: str, now: float, statuses: Sequence[str], limit: int,
                  offset: int) -> tuple[list[JobRow], int]:
        """The owner's jobs whose status at `now` is one of `statuses`, newest first."""
        marks = ", ".join(f":s{i}" for i in range(len(statuses)))
        where = f"owner = :owner AND ({_STATUS_SQL}) IN ({marks})"
        params: dict[str, Any] = {"owner": owner, "now": now, **{f"s{i}": s for i, s in enumerate(statuses)}}
        with self._lock:
            total = self._db.execute(f"SELECT COUNT(*) FROM jobs WHERE {where}", params).fetchone()[0]
            rows = self._rows(JobRow, f"SELECT * FROM jobs WHERE {where} ORDER BY seq DESC LIMIT :limit "
                                      "OFFSET :offset", {**params, "limit": limit, "offset": offset})
        return rows, int(total)

    def cancel(self, job_id: str, now: float) -> str | None:
        """Cancel the job if it is pending or dispatched at `now`; its status before, in any case."""
        with self._write() as db:
            job = self.job(job_id)
            if job is None:
                return None
            status = job_status(job, now)
            if status in (PENDING, DISPATCHED):
                db.execute("UPDATE jobs SET final_status = 'cancelled', completed_at = ? WHERE job_id = ?",
                           (now, job_id))
                db.execute("UPDATE streams SET status = 'cancelled', finished_at = ? WHERE job_id = ?",
                           (now, job_id))
            return status

    # --- streams ----------------------------------------------------------------------------------

    def stream(self, stream_id: str) -> StreamRow | None:
        found = self._rows(StreamRow, "SELECT * FROM streams WHERE stream_id = ?", (stream_id,))
        return found[0] if found else None

    def due_streams(self, now: float, limit: int = 16) -> list[StreamRow]:
        """Streams whose simulated end has passed and that have no recording yet, oldest first."""
        return self._rows(StreamRow, "SELECT * FROM streams WHERE status = 'scheduled' AND end_at <= ? "
                                     "ORDER BY end_at, seq LIMIT ?", (now, limit))

    def next_end(self, now: float) -> float | None:
        """When the next stream still running at `now` ends."""
        with self._lock:
            row = self._db.execute("SELECT MIN(end_at) FROM streams WHERE status = 'scheduled' AND end_at > ?",
                                   (now,)).fetchone()
        return None if row[0] is None else float(row[0])

    def entries_json(self, stream_id: str) -> str:
        with self._lock:
            return str(self._db.execute("SELECT entries FROM scripts WHERE stream_id = ?", (stream_id,)).fetchone()[0])

    def finish_stream(self, stream_id: str, now: float, rendered: Rendered | None = None,
                      error: str | None = None) -> None:
        """Record a stream's end (a recording, or an error) and, when it was the job's last one,
        the job's: failed only when every stream failed."""
        with self._write() as db:
            if rendered is not None:
                db.execute("UPDATE streams SET status = 'completed', finished_at = ?, video = ?, thumbnail = ?, "
                           "preview = ?, events = ?, frame_count = ?, duration_seconds = ?, width = ?, height = ? "
                           "WHERE stream_id = ? AND status = 'scheduled'",
                           (now, rendered.video, rendered.thumbnail, rendered.preview, rendered.events,
                            rendered.frame_count, rendered.duration_seconds, rendered.width, rendered.height,
                            stream_id))
            else:
                db.execute("UPDATE streams SET status = 'failed', finished_at = ?, error_message = ? "
                           "WHERE stream_id = ? AND status = 'scheduled'", (now, error, stream_id))
            job_id = db.execute("SELECT job_id FROM streams WHERE stream_id = ?", (stream_id,)).fetchone()[0]
            statuses = [r[0] for r in db.execute("SELECT status FROM streams WHERE job_id = ?", (job_id,))]
            if "scheduled" in statuses:
                return
            failed = statuses.count("failed")
            if failed == len(statuses):
                first = db.execute("SELECT error_message FROM streams WHERE job_id = ? ORDER BY script_index",
                                   (job_id,)).fetchone()[0]
                message = first if failed == 1 else f"all {failed} streams failed; the first: {first}"
                final = "failed"
            else:
                message = f"{failed} of {len(statuses)} streams failed" if failed else None
                final = "completed"
            db.execute("UPDATE jobs SET final_status = ?, completed_at = ?, error_message = ? "
                       "WHERE job_id = ? AND final_status IS NULL", (final, now, message, job_id))

    def list_recordings(self, owner: str, now: float, limit: int, offset: int) -> tuple[list[StreamRow], int]:
        """The owner's streams that have begun and not failed or been cancelled, newest first."""
        where = "owner = ? AND start_at <= ? AND status IN ('scheduled', 'completed')"
        with self._lock:
            total = self._db.execute(f"SELECT COUNT(*) FROM streams WHERE {where}", (owner, now)).fetchone()[0]
            rows = self._rows(StreamRow, f"SELECT * FROM streams WHERE {where} ORDER BY seq DESC LIMIT ? OFFSET ?",
                              (owner, now, limit, offset))
        return rows, int(total)
