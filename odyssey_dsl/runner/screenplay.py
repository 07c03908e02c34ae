"""One screenplay's run: ask what the journal and the API know, submit what is missing, wait,
download, and write `run.json`. Shared state (client, journal, the session's count of active
jobs) comes in a `Context`; the outcome is a `Result` with an exit code.

What to reuse and what to submit (per script, in the current take: same request, API and
key) is decided by the plain functions of `decide`; this class does the asking and the acting.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from ..api import JobDetail, Recording, Stream, is_active
from ..errors import Interrupted
from . import decide
from .client import ApiRefusal, Client, ConcurrentLimit
from .download import DownloadError, fetch, part_of
from .errors import (
    EXIT_API,
    EXIT_INTERRUPTED,
    EXIT_JOB,
    EXIT_OK,
    EXIT_USAGE,
    RunnerError,
    worst,
)
from .journal import ADOPTED, OWNED, REJECTED, Journal, Row
from .locks import held
from .outputs import (
    KINDS,
    file_name,
    file_take,
    image_extension,
    inside,
    manifest_path,
    read_manifest,
    write_manifest,
)
from .poll import Pace, TimedOut, wait
from .prepare import Known, Prepared
from .progress import Reporter
from .submit import Request, Submitter
from .target import state_dir


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
        return sum(1 for s in self.streams if s.get("files", {}).get("video", {}).get("complete"))


class ScreenplayRun:
    def __init__(self, prepared: Prepared | Known, ctx: Context) -> None:
        self.p = prepared
        self.ctx = ctx
        self.client = ctx.client
        self.base, self.fp = ctx.client.target.base, ctx.client.target.fingerprint
        self.result = Result(prepared.name)
        self.jobs: dict[str, JobDetail] = {}  # job id -> latest detail
        self.rows: list[Row] = []
        self.take = 0
        self.folder: Path | None = None  # known once the journal is read
        self.file_take = 1
        self._files: dict[str, dict[str, Any]] = {}  # stream name -> kind -> record, as in run.json
        self._previous: dict[str, Any] = {}
        self._interrupted_download: Path | None = None

    @property
    def _dir(self) -> Path:
        assert self.folder is not None, "the folder is chosen first"
        return self.folder

    def say(self, text: str, loud: bool = False) -> None:
        self.ctx.reporter.say(self.p.name, text, loud)

    # --- the whole run ------------------------------------------------------------------------

    def run(self) -> Result:
        try:
            self._run()
        except Interrupted:
            self._interrupted()
        except OSError as error:  # the output folder: full, read-only, removed
            self.result.code = EXIT_USAGE
            self.result.status = "error"
            self.result.message = f"cannot write the recordings: {error.strerror or error}"
            if getattr(error, "filename", None):
                self.result.message += f" ({error.filename})"
        except sqlite3.Error as error:  # the journal: locked for too long, disk full
            self.result.code = EXIT_USAGE
            self.result.status = "error"
            self.result.message = f"cannot use the journal: {error}"
        except RunnerError as error:
            self.result.code = error.exit_code
            self.result.message = error.message + (f" ({error.hint})" if error.hint else "")
            self.result.status = "timeout" if isinstance(error, TimedOut) else "error"
        return self.result

    def _run(self) -> None:
        j = self.ctx.journal
        group = self.p.group_hash
        latest = j.take(group, self.base, self.fp)
        self.take = decide.take_to_use(latest, self.ctx.new)
        fixed = self.p.rows if isinstance(self.p, Known) else ()
        if fixed:
            self.take = fixed[0].take
        self.rows = list(fixed) or [r for r in j.rows(group, self.base, self.fp, self.take) if r.state in OWNED]
        self.folder = self._folder(use_rows=not fixed)
        self.result.folder = self.folder
        for row in self.rows:
            self._refresh(row)
        needed = decide.needed(self.p.scenes, self.rows, self.jobs)
        # A rejected adoption ends the run as when it is found after waiting: the writer
        # decides what to do with that job before anything else is paid for.
        if self.ctx.submitter is not None and self.result.code != EXIT_JOB:  # job commands never pay
            news = decide.reuse_news(self.p.scenes, self.rows, self.jobs, needed)
            if news is not None:
                self.say(news.text, news.loud)
            if needed:
                self._submit(needed)
        self.result.jobs = [r.job_id for r in self.rows if r.job_id]
        self.result.status = "submitted"
        self._write_manifest()
        if self.ctx.no_wait:
            for job_id in self.result.jobs:
                self.say(f"not waiting: `ody wait {job_id} --download` picks job {job_id} up")
            return
        for row in list(self.rows):
            if self.ctx.wait and self._active(row.job_id):
                self._wait(row)
        self._download_all()
        self._finish()

    # --- deciding -----------------------------------------------------------------------------

    def _refresh(self, row: Row) -> None:
        assert row.job_id is not None
        try:
            job = self.client.job(row.job_id)
        except ApiRefusal as error:
            if error.status != 404:
                raise
            self.say(f"the server no longer knows job {row.job_id}: it is not reused", loud=True)
            self._reject(row)
            return
        self._seen(job)
        if is_active(job.status):
            self.ctx.active.add(row.job_id)
        self._check_adopted(row, job)

    def _active(self, job_id: str | None) -> bool:
        job = self.jobs.get(job_id or "")
        return job is not None and is_active(job.status)

    def _check_adopted(self, row: Row, job: JobDetail) -> None:
        """An adopted job is this screenplay's only once its streams match the request."""
        problem = decide.adoption_problem(row, job)
        if problem is None:
            return
        self._reject(row)
        self.result.code = EXIT_JOB
        self.result.message = (f"job {row.job_id}, adopted after an interrupted submit, does not match "
                               f"{self.p.name} ({problem}): its files were not put in {self.folder}; "
                               f"`ody download {row.job_id} --out DIR` fetches them elsewhere")
        self.say(self.result.message, loud=True)

    def _reject(self, row: Row) -> None:
        self.ctx.journal.set_state(row.id, REJECTED)
        self.rows = [r for r in self.rows if r.id != row.id]
        self.jobs.pop(row.job_id or "", None)

    # --- submitting ---------------------------------------------------------------------------

    def _submit(self, needed: tuple[int, ...]) -> None:
        assert self.ctx.submitter is not None and isinstance(self.p, Prepared)
        body = self.p.body_for(needed)
        request = Request(body, self.p.group_hash, self.take, str(self.p.path), str(self.folder), self.p.title,
                          tuple(s for s in self.p.scenes if s.index in needed), frozenset(r.id for r in self.rows))
        self.ctx.reporter.stage(self.p.name, "submitting")
        while True:
            try:
                row = self.ctx.submitter.submit(request)
                break
            except ConcurrentLimit as error:
                if not self.ctx.active.wait_for_one(self.client.stop, self.ctx.deadline):
                    raise error
                self.say("the account's limit of active jobs is reached: waiting for one of ours to finish")
        assert row.job_id is not None
        self.rows.append(row)
        self.ctx.active.add(row.job_id)
        self.say(f"submitted job {row.job_id}")
        self.jobs[row.job_id] = JobDetail(row.job_id, row.status or "pending")
        self.ctx.reporter.job(self.p.name, self.jobs[row.job_id])

    # --- waiting ------------------------------------------------------------------------------

    def _wait(self, row: Row) -> None:
        assert row.job_id is not None
        try:
            job = wait(self.client, row.job_id, self.ctx.pace, self.ctx.deadline, self._seen,
                       self.jobs.get(row.job_id))  # just seen: the first check comes after a pause
        finally:  # final, timed out or interrupted: this session stops counting it either way
            self.ctx.active.finished(row.job_id)
        self.ctx.journal.set_status(row.job_id, job.status)
        self._check_adopted(row, job)

    def _seen(self, job: JobDetail) -> None:
        self.jobs[job.job_id] = job
        self.ctx.reporter.job(self.p.name, job)

    # --- downloading --------------------------------------------------------------------------

    def _download_all(self) -> None:
        for scene in self.p.scenes:
            completed = decide.completed(self.rows, self.jobs, scene.index)
            if completed is None:
                continue
            row, stream = completed
            for kind in KINDS:
                self._download(scene.name, row, stream, kind)

    def _download(self, name: str, row: Row, stream: Stream, kind: str) -> None:
        url = _url(stream, kind)
        if not url:
            return
        entry = self._files.setdefault(name, {})
        known = entry.get(kind)
        extension = image_extension(httpx.URL(url).path, None) if kind == "thumbnail" else ""
        dest = inside(self._dir, file_name(name, kind, self.file_take, extension))
        if known and known.get("complete") and _size(dest) == known.get("size"):
            return
        stream_id = stream.stream_id
        self.ctx.reporter.stage(self.p.name, "downloading", dest.name)

        def fresh() -> str | None:
            return _url(self.client.recording(stream_id), kind)

        def shown(done: int, total: int | None) -> None:
            self.ctx.reporter.progress(self.p.name, dest.name, done, total)

        try:
            with held(state_dir() / "locks", f"download {dest}", self.client.stop):
                done = self._done_elsewhere(name, kind, dest)
                if done is not None:  # another `ody run` of this screenplay fetched it meanwhile
                    entry[kind] = done
                    return
                fetched = fetch(self.ctx.downloads, url, dest, owner=f"{row.job_id} {stream_id} {kind}",
                                backoff=self.client.backoff, stop=self.client.stop,
                                refresh=fresh if stream_id else None, progress=shown)
        except Interrupted:
            self._interrupted_download = dest
            raise
        except DownloadError as error:
            entry[kind] = {"path": dest.name, "size": None, "complete": False, "error": error.message}
            self.result.code = worst([self.result.code, EXIT_API])
            self.say(error.message + (f" ({error.hint})" if error.hint else ""), loud=True)
            return
        entry[kind] = {"path": dest.name, "size": fetched.size, "complete": True}
        self._write_manifest()

    def _done_elsewhere(self, name: str, kind: str, dest: Path) -> dict[str, Any] | None:
        """The file's record in the manifest on disk, when it says complete and the size fits."""
        manifest = read_manifest(manifest_path(self._dir, self.file_take)) or {}
        for stream in manifest.get("streams", []):
            if isinstance(stream, dict) and stream.get("name") == name:
                record = (stream.get("files") or {}).get(kind)
                if isinstance(record, dict) and record.get("complete") and _size(dest) == record.get("size"):
                    return record
        return None

    # --- the outcome --------------------------------------------------------------------------

    def _finish(self) -> None:
        streams = self._stream_records()
        self.result.streams = streams
        self.result.code, self.result.status = decide.verdict(streams, self.result.code)
        for s in streams:
            if s["status"] != "completed":
                self.say(f"{s['name']}: {s['status']}" + (f": {s['error_message']}" if s.get("error_message") else ""),
                         loud=True)
        self._write_manifest()

    def _stream_records(self) -> list[dict[str, Any]]:
        records = []
        for scene in self.p.scenes:
            completed = decide.completed(self.rows, self.jobs, scene.index)
            record: dict[str, Any] = {"name": scene.name, "script_index": scene.index, "scene": scene.scene,
                                      "variant": scene.variant, "choices": list(scene.choices),
                                      "expected_duration_seconds": scene.duration_ms / 1000}
            if completed is not None:
                row, stream = completed
                record.update(job_id=row.job_id, stream_id=stream.stream_id, status="completed",
                              duration_seconds=stream.duration_seconds, frame_count=stream.frame_count)
            else:
                failure = decide.failure(self.rows, self.jobs, scene.index)
                if failure.get("error_message"):
                    failure["error_message"] = self.client.clean(str(failure["error_message"]))
                record.update(failure)
            record["files"] = self._files.get(scene.name, {})
            records.append(record)
        return records

    def _kept_records(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """`records` with those of the take's other scripts, as run.json had them: a run of
        some scenes (`--scene`) leaves the others' files and records alone."""
        ours = {s.index for s in self.p.scenes}
        earlier = self._previous.get("streams")
        kept = [s for s in (earlier if isinstance(earlier, list) else [])
                if isinstance(s, dict) and isinstance(s.get("script_index"), int) and s["script_index"] not in ours]
        return sorted(records + kept, key=lambda s: int(s["script_index"]))

    def _status(self, row: Row) -> str | None:
        job = self.jobs.get(row.job_id or "")
        return job.status if job is not None else row.status

    def _interrupted(self) -> None:
        self.result.code = EXIT_INTERRUPTED
        self.result.status = "interrupted"
        active = [r.job_id for r in self.rows if r.job_id and self._active(r.job_id)]
        part = self._interrupted_download
        if part is not None:
            self.say(f"download of {part.name} stopped; {part_of(part).name} is kept: "
                     f"`ody download {self.result.jobs[-1] if self.result.jobs else 'JOB'}` resumes it", loud=True)
        for job_id in active:
            if self.ctx.cancel_on_interrupt:
                self._cancel(job_id)
            else:
                self.say(f"job {job_id} keeps running: `ody wait {job_id} --download` resumes", loud=True)
        if self.folder is not None:
            self._write_manifest()

    def _cancel(self, job_id: str) -> None:
        try:
            job = self.client.cancel(job_id)
        except ApiRefusal as error:
            if error.status == 400:
                self.say(f"job {job_id} is already processing and can no longer be cancelled: it will finish "
                         f"and be billed; `ody download {job_id}` fetches it", loud=True)
                return
            raise
        self.ctx.journal.set_status(job_id, job.status)
        self.say(f"cancelled job {job_id}", loud=True)

    # --- the folder and run.json --------------------------------------------------------------

    def _folder(self, use_rows: bool) -> Path:
        """This screenplay's folder under --out: the one its journal rows name, else the stem,
        made distinct from any other screenplay's (`cat`, `cat-2`)."""
        root = self.ctx.out.resolve()
        mine = str(self.p.path)
        chosen = next((Path(r.folder) for r in self.rows if use_rows and r.folder and Path(r.folder).parent == root),
                      None)
        n = 1
        with self.ctx.claim_lock:
            while chosen is None:
                candidate = root / (self.p.stem if n == 1 else f"{self.p.stem}-{n}")
                if self.ctx.journal.folder_owner(str(candidate)) in (None, mine) \
                        and self.ctx.claimed.get(candidate, self.p.path) == self.p.path:
                    chosen = candidate
                n += 1
            self.ctx.claimed[chosen] = self.p.path
        return self._claim(chosen)

    def _claim(self, folder: Path) -> Path:
        """Create the folder, record it for every row, and read what its manifest says."""
        folder.mkdir(parents=True, exist_ok=True)
        for row in self.rows:
            if row.folder != str(folder) and row.state in OWNED:
                self.ctx.journal.set_folder(row.id, str(folder))
        self.file_take = file_take(folder, self.p.group_hash, self.take)
        manifest = read_manifest(manifest_path(folder, self.file_take)) or {}
        self._previous = manifest  # what a job command cannot know (orientation, script hash) stays
        self._files = {
            str(s.get("name")): s.get("files", {}) for s in manifest.get("streams", []) if isinstance(s, dict)}
        return folder

    def _write_manifest(self) -> None:
        target = self.client.target
        data = {
            "title": self.p.title,
            "screenplay": str(self.p.path),
            "status": self.result.status,
            "jobs": [{"job_id": r.job_id, "status": self._status(r), "adopted": r.state == ADOPTED}
                     for r in self.rows],
            "streams": self._kept_records(self.result.streams or self._stream_records()),
            "script_sha256": self.p.script_hash or self._previous.get("script_sha256"),
            "request_sha256": self.p.group_hash,
            "journal_take": self.take,
            "take": self.file_take,
            "api": target.base,
            "api_url": target.url,
            "orientation": (self._previous.get("orientation") if self.p.portrait is None
                            else "portrait" if self.p.portrait else "landscape"),
            "updated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        write_manifest(manifest_path(self._dir, self.file_take), data)


def _url(recording: Stream | Recording, kind: str) -> str | None:
    """The URL of one kind of file (video, thumbnail, events) of a stream or recording."""
    url = {"video": recording.video_url, "thumbnail": recording.thumbnail_url, "events": recording.events_url}[kind]
    return url or None


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None
