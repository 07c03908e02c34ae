"""The journal: every submit's intent and outcome, in a SQLite file in the user's state folder.

An intent (request hash, API base, key fingerprint, time, the job ids already known) is
committed before the request leaves, and the job id the moment the server answers, before any
waiting: a process killed at any point leaves either a job id or an intent to reconcile, never
a job nobody knows about. Each row is one job (or one attempt at one); rows of one screenplay
share `group_hash`, the hash of the whole screenplay's request, and a `take` number (`--new`
starts the next take). `plan` says which of the screenplay's scripts the job carries, in the
job's `script_index` order, so a rerun can submit only the scenes that failed; `origins`,
beside it, which scene and variant each is (a column of its own, added to older journals, so
that an older `ody` sharing the state folder still reads every row).

The `scripts` table says, per job and script, the script's key (its own hash: script,
orientation, options and the scene it continues) and, once the job is final, its stream and
that stream's status: a rerun reuses any completed stream of an unchanged script, whichever
screenplay or take made it, without asking the API. `folders` says which screenplay owns which
recordings folder, also when none of its own jobs is there (a copy reusing another's job).

Nothing secret is stored: the key only as a fingerprint, never a token or a presigned URL.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._support.transactions import immediate
from .errors import UsageError

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY,
    created REAL NOT NULL,
    api_base TEXT NOT NULL,
    key_fp TEXT NOT NULL,
    group_hash TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    take INTEGER NOT NULL,
    screenplay TEXT,
    folder TEXT,
    title TEXT,
    plan TEXT NOT NULL,
    known TEXT NOT NULL,
    job_id TEXT UNIQUE,
    state TEXT NOT NULL,
    status TEXT,
    updated REAL NOT NULL,
    origins TEXT
);
CREATE INDEX IF NOT EXISTS jobs_group ON jobs (group_hash, api_base, key_fp, take);
CREATE TABLE IF NOT EXISTS scripts (
    row_id INTEGER NOT NULL,
    position INTEGER NOT NULL,
    key TEXT NOT NULL,
    stream_id TEXT,
    status TEXT,
    after_stream TEXT,
    PRIMARY KEY (row_id, position)
);
CREATE INDEX IF NOT EXISTS scripts_key ON scripts (key);
CREATE TABLE IF NOT EXISTS folders (
    folder TEXT PRIMARY KEY,
    screenplay TEXT NOT NULL
);
"""

# What a row's `state` means:
INTENT = "intent"  # about to submit, or the process died before the answer: reconcile it
SUBMITTED = "submitted"  # the server answered with this job id
ADOPTED = "adopted"  # found by reconciliation: provisional until its streams match the plan
REJECTED = "rejected"  # an adopted job whose streams did not match: not this screenplay's
ABANDONED = "abandoned"  # an intent that reconciliation proved never became a job
OWNED = (SUBMITTED, ADOPTED)


@dataclass(frozen=True)
class Scene:
    """One script of the screenplay as a job carries it: its index in the screenplay, the
    name its files get, its length (to check an adopted job against), and which scene and
    variant it is (for run.json, also when `ody wait` writes it)."""

    index: int
    name: str
    duration_ms: int
    scene: str | None = None  # the scene's name as written; None: a screenplay without scenes
    variant: int | None = None  # 1-based; None: the script has no variant groups
    choices: tuple[str, ...] = ()  # the alternative taken from each group
    key: str | None = None  # the script's identity for reuse; None: a row from before keys
    after: int | None = None  # the index of the script whose last frame it starts from
    after_stream: str | None = None  # in a job: the stream whose last frame it started from


@dataclass(frozen=True)
class Row:
    id: int
    created: float
    api_base: str
    key_fp: str
    group_hash: str
    request_hash: str
    take: int
    screenplay: str | None
    folder: str | None
    title: str | None
    plan: tuple[Scene, ...]
    known: tuple[str, ...]
    job_id: str | None
    state: str
    status: str | None
    streams: tuple[tuple[str | None, str | None], ...] = ()  # per position, once final: (stream id, status)


class Journal:
    """The journal file; every method is one short transaction, safe across processes and
    across the threads of one (they share the connection, one at a time)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.RLock()
        try:
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
            self._db = sqlite3.connect(path, timeout=30.0, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA busy_timeout = 30000")
            with self._write() as db:
                for statement in SCHEMA.split(";"):
                    if statement.strip():
                        db.execute(statement)
                if "origins" not in {c[1] for c in db.execute("PRAGMA table_info(jobs)")}:  # made before variants
                    db.execute("ALTER TABLE jobs ADD COLUMN origins TEXT")
                if "after_stream" not in {c[1] for c in db.execute("PRAGMA table_info(scripts)")}:
                    db.execute("ALTER TABLE scripts ADD COLUMN after_stream TEXT")
        except (OSError, sqlite3.Error) as error:
            raise UsageError(f"cannot use the journal {path}: {error}",
                             "check the state folder's permissions and free space") from None

    def close(self) -> None:
        self._db.close()

    def _write(self) -> AbstractContextManager[sqlite3.Connection]:
        return immediate(self._db, self._lock)

    def _read(self, sql: str, parameters: tuple[Any, ...]) -> list[Any]:
        with self._lock:
            return self._db.execute(sql, parameters).fetchall()

    # --- writing ----------------------------------------------------------------------------

    def intend(self, *, api_base: str, key_fp: str, group_hash: str, request_hash: str, take: int,
               screenplay: str | None, folder: str | None, title: str | None, plan: tuple[Scene, ...]) -> Row:
        """Record the intent to submit, with the job ids already known to the journal."""
        now = time.time()
        with self._write() as db:
            known = [r[0] for r in db.execute(
                "SELECT job_id FROM jobs WHERE job_id IS NOT NULL AND api_base = ? AND key_fp = ?", (api_base, key_fp))]
            cursor = db.execute(
                "INSERT INTO jobs (created, api_base, key_fp, group_hash, request_hash, take, screenplay, folder,"
                " title, plan, known, state, updated, origins) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (now, api_base, key_fp, group_hash, request_hash, take, screenplay, folder, title,
                 _plan_json(plan), json.dumps(known), INTENT, now, _origins_json(plan)))
            row_id = cursor.lastrowid
            db.executemany("INSERT INTO scripts (row_id, position, key, after_stream) VALUES (?, ?, ?, ?)",
                           [(row_id, k, s.key, s.after_stream) for k, s in enumerate(plan) if s.key is not None])
        assert row_id is not None
        return self.get(row_id)

    def answered(self, row_id: int, job_id: str, status: str | None, state: str = SUBMITTED) -> Row:
        """The server's job id for an intent: the first thing done with an answer."""
        with self._write() as db:
            db.execute("UPDATE jobs SET job_id = ?, status = ?, state = ?, updated = ? WHERE id = ?",
                       (job_id, status, state, time.time(), row_id))
        return self.get(row_id)

    def set_state(self, row_id: int, state: str) -> None:
        with self._write() as db:
            db.execute("UPDATE jobs SET state = ?, updated = ? WHERE id = ?", (state, time.time(), row_id))

    def set_status(self, job_id: str, status: str) -> None:
        with self._write() as db:
            db.execute("UPDATE jobs SET status = ?, updated = ? WHERE job_id = ?", (status, time.time(), job_id))

    def set_folder(self, row_id: int, folder: str) -> None:
        with self._write() as db:
            db.execute("UPDATE jobs SET folder = ?, updated = ? WHERE id = ?", (folder, time.time(), row_id))

    def set_streams(self, row_id: int, streams: list[tuple[int, str | None, str | None, str | None]]) -> None:
        """What a final job made of each script: (position, stream id, stream status, the
        script's key). A row from before keys gets its scripts here, when the key is known."""
        with self._write() as db:
            for k, stream, status, key in streams:
                if db.execute("UPDATE scripts SET stream_id = ?, status = ? WHERE row_id = ? AND position = ?",
                              (stream, status, row_id, k)).rowcount == 0 and key is not None:
                    db.execute("INSERT INTO scripts (row_id, position, key, stream_id, status) VALUES (?, ?, ?, ?, ?)",
                               (row_id, k, key, stream, status))

    def claim_folder(self, folder: Path, screenplay: str, *, existing: bool = False) -> bool:
        """Make `folder` the screenplay's and create it, unless another screenplay owns it, or a
        file that is not a folder is in its place. What owns a folder:
        - a claim (every folder a run chose since claims exist), also while the folder is gone
          (its run may be waiting for a job), until its screenplay is gone too and no job of it
          may still change (a screenplay renamed, the clone it was in deleted);
        - else a job's row naming it, while it is on disk: a row is no claim (journals from
          before claims; rows an older `ody` wrote another screenplay's folder into, where a
          fresh clone would get `window-cat-2`).
        With `existing`, a folder not on disk is not claimed (a screenplay's last folder,
        deleted: it starts afresh from its stem). Owner, disk and claim are read and made in
        one transaction (the folder too), so that no other process slips in between."""
        name = str(folder)
        with self._write() as db:
            on_disk = os.path.lexists(folder)
            if (on_disk and not folder.is_dir()) or (existing and not on_disk):
                return False
            claim = db.execute("SELECT screenplay FROM folders WHERE folder = ?", (name,)).fetchone()
            owner = claim[0] if claim else None
            if owner is not None and owner != screenplay and not on_disk and not _in_use(db, owner):
                owner = None  # a stale claim: nothing of it is left, nor will be
            if owner is None and claim is None and on_disk:
                row = db.execute("SELECT screenplay FROM jobs WHERE folder = ? ORDER BY id LIMIT 1", (name,)).fetchone()
                owner = row[0] if row else None
            if owner is not None and owner != screenplay:
                return False
            db.execute("INSERT OR REPLACE INTO folders (folder, screenplay) VALUES (?, ?)", (name, screenplay))
            folder.mkdir(parents=True, exist_ok=True)
            return True

    def adopt(self, *, job_id: str, api_base: str, key_fp: str, group_hash: str, request_hash: str, take: int,
              screenplay: str, folder: str | None, title: str | None, plan: tuple[Scene, ...]) -> Row:
        """Tie a job to a screenplay by hand (`ody adopt`): provisional, like any adoption."""
        row = self.intend(api_base=api_base, key_fp=key_fp, group_hash=group_hash, request_hash=request_hash,
                          take=take, screenplay=screenplay, folder=folder, title=title, plan=plan)
        return self.answered(row.id, job_id, None, ADOPTED)

    # --- reading ----------------------------------------------------------------------------

    def _rows(self, sql: str, parameters: tuple[Any, ...]) -> list[Row]:
        """Rows of `jobs`, with their scripts' keys and streams."""
        with self._lock:
            found = self._db.execute(sql, parameters).fetchall()
            scripts: dict[int, dict[int, tuple[str, str | None, str | None, str | None]]] = {}
            for start in range(0, len(found), 500):
                ids = [r[0] for r in found[start:start + 500]]
                for row_id, k, key, stream, status, after in self._db.execute(
                        f"SELECT row_id, position, key, stream_id, status, after_stream FROM scripts WHERE row_id IN "
                        f"({','.join('?' * len(ids))})", ids):
                    scripts.setdefault(row_id, {})[k] = (key, stream, status, after)
        return [_row(r, scripts.get(r[0], {})) for r in found]

    def get(self, row_id: int) -> Row:
        return self._rows("SELECT * FROM jobs WHERE id = ?", (row_id,))[0]

    def by_job(self, job_id: str) -> Row | None:
        found = self._rows("SELECT * FROM jobs WHERE job_id = ?", (job_id,))
        return found[0] if found else None

    def by_prefix(self, prefix: str) -> list[Row]:
        """The rows whose job id starts with `prefix` (as the job tables print ids)."""
        return self._rows(
            "SELECT * FROM jobs WHERE substr(job_id, 1, ?) = ? ORDER BY id", (len(prefix), prefix))

    def owners(self, api_base: str, key_fp: str) -> set[str]:
        """Every job id the journal knows for this API and key (owned or rejected alike)."""
        return {r[0] for r in self._read(
            "SELECT job_id FROM jobs WHERE job_id IS NOT NULL AND api_base = ? AND key_fp = ?", (api_base, key_fp))}

    def pending_intents(self, api_base: str, key_fp: str) -> list[Row]:
        """Intents with no answer, oldest first: left by a process that died mid-submit."""
        return self._rows(
            "SELECT * FROM jobs WHERE state = ? AND api_base = ? AND key_fp = ? ORDER BY id", (INTENT, api_base, key_fp))

    def take(self, group_hash: str, api_base: str, key_fp: str) -> int:
        """The newest take of this screenplay's request on this API and key (0: never run)."""
        found = self._read("SELECT MAX(take) FROM jobs WHERE group_hash = ? AND api_base = ? AND key_fp = ?",
                           (group_hash, api_base, key_fp))
        return int(found[0][0] or 0)

    def rows(self, group_hash: str, api_base: str, key_fp: str, take: int) -> list[Row]:
        """The rows of one take, oldest first."""
        return self._rows(
            "SELECT * FROM jobs WHERE group_hash = ? AND api_base = ? AND key_fp = ? AND take = ? ORDER BY id",
            (group_hash, api_base, key_fp, take))

    def folder_of(self, screenplay: str) -> str | None:
        """The folder the screenplay's recordings last went to."""
        found = self._read("SELECT folder FROM folders WHERE screenplay = ? ORDER BY rowid DESC LIMIT 1",
                           (screenplay,)) or self._read(
            "SELECT folder FROM jobs WHERE screenplay = ? AND folder IS NOT NULL ORDER BY id DESC LIMIT 1",
            (screenplay,))
        return found[0][0] if found else None

    def carrying(self, keys: list[str], group_hash: str, api_base: str, key_fp: str | None) -> list[Row]:
        """The owned rows on this API and key (None: any key) that carry one of these scripts,
        or belong to the same request (rows from before keys), oldest first."""
        marks = ",".join("?" * len(keys))
        return self._rows(
            f"SELECT * FROM jobs WHERE api_base = ? AND (key_fp = ? OR ? IS NULL) AND state IN (?, ?)"
            f" AND job_id IS NOT NULL AND (group_hash = ? OR id IN (SELECT row_id FROM scripts WHERE key IN ({marks})))"
            " ORDER BY id", (api_base, key_fp, key_fp, *OWNED, group_hash, *keys))

    def unfinished(self, api_base: str, key_fp: str) -> list[Row]:
        """The jobs on this API and key not known to be final (and intents not yet settled):
        what the account's queue may still hold."""
        condition, parameters = _may_change()
        return self._rows(f"SELECT * FROM jobs WHERE api_base = ? AND key_fp = ? AND {condition} ORDER BY id",
                          (api_base, key_fp, *parameters))

    def recent(self, limit: int, api_base: str | None = None) -> list[Row]:
        """The newest jobs, of one API (None: of any)."""
        return self._rows(
            "SELECT * FROM jobs WHERE job_id IS NOT NULL AND (api_base = ? OR ? IS NULL) ORDER BY id DESC LIMIT ?",
            (api_base, api_base, limit))


def _in_use(db: sqlite3.Connection, screenplay: str) -> bool:
    """Whether a screenplay's claim still stands: its file is there (`job:<id>` names none), or
    one of its jobs may still change (an intent, a job not final: a run may be waiting)."""
    if os.path.lexists(screenplay):
        return True
    condition, parameters = _may_change()
    return db.execute(f"SELECT 1 FROM jobs WHERE screenplay = ? AND {condition} LIMIT 1",
                      (screenplay, *parameters)).fetchone() is not None


def _may_change() -> tuple[str, tuple[str, ...]]:
    """The SQL condition (and its parameters) of a row whose job may still change: an intent
    not yet settled, or an owned job not known to be final."""
    from ..api import FINAL

    marks = ",".join("?" * len(FINAL))
    return (f"(state = ? OR (state IN (?, ?) AND (status IS NULL OR status NOT IN ({marks}))))",
            (INTENT, *OWNED, *sorted(FINAL)))


def _plan_json(plan: tuple[Scene, ...]) -> str:
    return json.dumps([[s.index, s.name, s.duration_ms] for s in plan], ensure_ascii=False)


def _origins_json(plan: tuple[Scene, ...]) -> str:
    return json.dumps([[s.scene, s.variant, list(s.choices)] for s in plan], ensure_ascii=False)


def _row(r: Any, scripts: dict[int, tuple[str, str | None, str | None, str | None]]) -> Row:
    origins = json.loads(r[16]) if r[16] else []  # NULL: written by an `ody` from before variants
    plan = tuple(Scene(int(i), str(n), int(d), *_origin(origins, k), *((scripts[k][0], None, scripts[k][3])
                                                                        if k in scripts else ()))
                 for k, (i, n, d) in enumerate(json.loads(r[10])))
    streams = tuple((scripts[k][1], scripts[k][2]) if k in scripts else (None, None) for k in range(len(plan)))
    return Row(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], plan, tuple(json.loads(r[11])),
               r[12], r[13], r[14], streams)


def _origin(origins: list[Any], k: int) -> tuple[str | None, int | None, tuple[str, ...]]:
    if k >= len(origins):
        return None, None, ()
    scene, variant, choices = origins[k]
    return scene, variant, tuple(choices)
