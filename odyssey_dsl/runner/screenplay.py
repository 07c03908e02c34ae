"""One screenplay's run: ask what the journal and the API know, submit what is missing (in
stages, when a scene continues another's recording), wait, download, write the captions
beside each video (captioning.py), and write `run.json`. Shared state comes in a `Context`
(context.py); the outcome is a `Result`.

What to reuse and what to submit (per script, by its key, from any job on the same API and
key) is decided by the plain functions of `decide`; this class does the asking and the acting.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeGuard

import httpx

from ..api import JobDetail, Recording, Stream, is_active
from ..captions import Caption, captions
from ..errors import Interrupted
from . import captioning, decide
from .client import ApiRefusal, ConcurrentLimit
from .context import Context, Result
from .download import DownloadError, fetch, part_of
from .errors import (
    EXIT_API,
    EXIT_INTERRUPTED,
    EXIT_JOB,
    EXIT_USAGE,
    RunnerError,
    UsageError,
    worst,
)
from .journal import ADOPTED, OWNED, REJECTED, Row, Scene
from .locks import held
from .outputs import KINDS, file_name, image_extension, inside, manifest_path, read_manifest
from .plan import reuse_view
from .poll import TimedOut, wait
from .prepare import Known, Prepared
from .review import PAGE, write_page
from .submit import Request
from .takes import Takes
from .target import state_dir


class ScreenplayRun:
    def __init__(self, prepared: Prepared | Known, ctx: Context) -> None:
        self.p = prepared
        self.ctx = ctx
        self.client = ctx.client
        self.base, self.fp = ctx.client.target.base, ctx.client.target.fingerprint
        self.result = Result(prepared.name)
        self.jobs: dict[str, JobDetail] = {}  # job id -> the latest word on it (the API's, or the journal's)
        self.asked: set[str] = set()  # the jobs whose word in `jobs` is the API's, this run
        self.rows: list[Row] = []  # the jobs carrying this screenplay's scripts, oldest first
        self.mine: set[int] = set()  # the rows this run submitted
        self.renew: frozenset[int] = frozenset()  # `--new`: scripts only this run's jobs may make
        self.take = 0  # the journal's take of this request (`--new` starts the next)
        self.folder: Path | None = None  # known once the journal is read
        self.takes: Takes | None = None
        self._files: dict[str, dict[str, Any]] = {}  # recording name -> kind -> record, as in run.json
        self._recordings: dict[str, Recording] = {}  # fresh URLs of streams the journal named
        self._interrupted_download: Path | None = None
        self._page_failed = False  # the review page could not be written (said once)
        self._captioned: set[tuple[str, int]] = set()  # (name, take) whose captions were tried, this run
        self._uncaptioned: dict[str, str] = {}  # recording name -> why it has no captions (said once)

    @property
    def _dir(self) -> Path:
        assert self.folder is not None, "the folder is chosen first"
        return self.folder

    @property
    def _takes(self) -> Takes:
        assert self.takes is not None, "the folder is chosen first"
        return self.takes

    def say(self, text: str, loud: bool = False) -> None:
        self.ctx.reporter.say(self.p.name, text, loud)

    # --- the whole run ------------------------------------------------------------------------

    def run(self) -> Result:
        try:
            self._run_safely()
        finally:
            self.ctx.reporter.finished(self.p.name, self.result.status)
        return self.result

    def _jobs_named(self) -> list[str]:
        """The jobs the outcome speaks of: those this run submitted, those the recordings come
        from, and for a script no job made, the newest job that tried."""
        named: list[str | None] = [r.job_id for r in self.rows if r.id in self.mine or self._used(r)]
        for scene in self.p.scenes:
            if self._covering(scene) is None:
                named.append(decide.failure(self._rows_for(scene), self.jobs, scene).get("job_id"))
        return [j for j in dict.fromkeys(named) if j]

    def _run_safely(self) -> None:
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
            self.result.message = f"cannot use the journal {self.ctx.journal.path}: {error}"
        except RunnerError as error:
            self.result.code = error.exit_code
            self.result.message = error.message + (f" ({error.hint})" if error.hint else "")
            self.result.status = "timeout" if isinstance(error, TimedOut) else "error"
        if self.folder is not None and not self.result.jobs:
            self.result.jobs = self._jobs_named()

    def _run(self) -> None:
        j = self.ctx.journal
        fixed = self.p.rows if isinstance(self.p, Known) else ()
        if fixed:
            self.take = fixed[0].take
            self.rows = list(fixed)
        else:
            assert isinstance(self.p, Prepared)
            latest = j.take(self.p.group_hash, self.base, self.fp)
            self.take = latest + 1 if (self.ctx.new or latest == 0) else latest
            self.rows, self.renew = reuse_view(self.p, j, self.base, self.fp, self.ctx.new)
        self.jobs = decide.from_journal(self.rows)
        self.folder = self._folder(fixed)
        self.result.folder = self.folder
        self._ask_about_rows()
        needed = decide.needed(self.p.scenes, self._rows_for, self.jobs) if not fixed else ()
        # A rejected adoption ends the run as when it is found after waiting: the writer
        # decides what to do with that job before anything else is paid for.
        submitting = self.ctx.submitter is not None and self.result.code != EXIT_JOB  # job commands never pay
        if submitting:
            news = decide.reuse_news(self.p.scenes, self._rows_for, self.jobs, needed)
            if news is not None:
                self.say(news.text, news.loud)
        self.result.status = "submitted"
        while True:
            self._download_all()  # a reused scene's recording first: a scene may continue from it
            ready = self._ready(needed) if submitting else ()
            if ready:
                self._submit(ready)
                needed = tuple(i for i in needed if i not in ready)
            self.result.jobs = self._jobs_named()
            self._write_manifest()
            if self.ctx.no_wait:
                for job_id in self.result.jobs:
                    if self._active(job_id):
                        self.say(f"not waiting: `ody wait {job_id} --download` picks job {job_id} up")
                for index in needed:
                    self.say(f"{self._scene(index).name} continues another scene's recording: "
                             "run the same command again once that one is done")
                return
            waited = [r for r in list(self.rows) if self.ctx.wait and self._active(r.job_id) and self._used(r)]
            for row in waited:
                self._wait(row)
            if not waited and not ready:
                break
        self._download_all()
        self._finish()

    def _rows_for(self, scene: Scene) -> Sequence[Row]:
        """The jobs that may make `scene`'s script: any carrying it, or with `--new` this run's;
        for a scene that continues another, only those made from that scene's recording now."""
        if isinstance(self.p, Known):
            return self.rows
        return decide.chained(self._plain_rows, self.jobs, self.p.every)(scene)

    def _plain_rows(self, scene: Scene) -> Sequence[Row]:
        if scene.index in self.renew:
            return [r for r in self.rows if r.id in self.mine]
        return self.rows

    def _covering(self, scene: Scene) -> tuple[Row, Stream | None] | None:
        return decide.covering(self._rows_for(scene), self.jobs, scene)

    def _used(self, row: Row) -> bool:
        """Whether one of the screenplay's scripts comes (or will come) from this job."""
        return any((found := self._covering(s)) is not None and found[0].id == row.id for s in self.p.scenes)

    def _scene(self, index: int) -> Scene:
        return next(s for s in self.p.scenes if s.index == index)

    # --- deciding -----------------------------------------------------------------------------

    def _ask_about_rows(self) -> None:
        """Ask the API about the jobs the journal cannot speak for (active, or never seen final
        by this version), newest first, until every script is covered or known to be needed."""
        asked: set[int] = set()
        while True:
            row = next((r for s in self.p.scenes if (r := self._deciding(s)) is not None and r.id not in asked), None)
            if row is None:
                return
            asked.add(row.id)
            self._refresh(row)

    def _deciding(self, scene: Scene) -> Row | None:
        """The newest job carrying `scene`'s script whose journal word is not enough: not
        final, or final but its recording is not on disk (the API must still have it)."""
        for row in reversed(self._rows_for(scene)):
            position = decide.position_of(row, scene)
            if position is None or row.job_id is None:
                continue
            if row.job_id not in self.asked and not (decide.settled(row) and self._on_disk(scene, row, position)):
                return row
            job = self.jobs.get(row.job_id)
            if job is not None and (is_active(job.status) or decide.completed([row], self.jobs, scene)):
                return None
        return None

    def _on_disk(self, scene: Scene, row: Row, position: int) -> bool:
        """Whether the recording stream `position` of `row` made for `scene` is on disk, complete."""
        stream_id = row.streams[position][0]
        return any(take.get("stream_id") == stream_id and self._complete(take["files"].get("video"))
                   for take in self._takes.history.get(scene.name, []))

    def _complete(self, record: object) -> TypeGuard[dict[str, Any]]:
        """Whether a file's record (as in run.json) says complete and the file has its size (a
        link out of the folder in its place is not a file of ours)."""
        if not isinstance(record, dict) or not record.get("complete"):
            return False
        try:
            return _size(inside(self._dir, str(record.get("path")))) == record.get("size")
        except UsageError:
            return False

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

    def _ready(self, needed: tuple[int, ...]) -> tuple[int, ...]:
        """The scripts to submit now: those that start on their own, and those whose scene
        they continue has its recording on disk."""
        ready = []
        for index in needed:
            parent = self._scene(index).after
            if parent is None or (parent not in needed and self._video(self._parent(parent)) is not None):
                ready.append(index)
        return tuple(ready)

    def _parent(self, index: int) -> Scene:
        assert isinstance(self.p, Prepared)
        return self.p.script_scene(index)

    def _video(self, scene: Scene) -> Path | None:
        """The complete video of `scene`'s current take, if it is on disk."""
        record = self._files.get(scene.name, {}).get("video")
        return inside(self._dir, str(record["path"])) if self._complete(record) else None

    # --- submitting ---------------------------------------------------------------------------

    def _submit(self, needed: tuple[int, ...]) -> None:
        assert self.ctx.submitter is not None and isinstance(self.p, Prepared)
        images, plan = {}, []
        for index in needed:
            scene = self._scene(index)
            if scene.after is not None:
                from .frames import start_image

                parent = self._parent(scene.after)
                video, made = self._video(parent), decide.completed(self._rows_for(parent), self.jobs, parent)
                assert video is not None and made is not None, "submitted once the recording it continues is on disk"
                self.say(f"{scene.name} starts from the last frame of {video.name}")
                images[index] = start_image(video)
                scene = replace(scene, after_stream=made[1].stream_id)
            plan.append(scene)
        if not self.ctx.budget.spend(sum(s.duration_ms for s in plan)):
            raise UsageError(f"submitting {', '.join(s.name for s in plan)} would take this run past max-video: "
                             "the plan counted on a job that did not complete; nothing more was submitted",
                             "run again to see the new plan, with --yes to go ahead, or raise max-video")
        body = self.p.body_for(needed, images)
        request = Request(body, self.p.group_hash, self.take, str(self.p.path), str(self.folder), self.p.title,
                          tuple(plan), frozenset(r.id for r in self.rows))
        self.ctx.reporter.stage(self.p.name, "submitting")
        while True:
            try:
                row = self.ctx.submitter.submit(request, self.ctx.deadline)
                break
            except ConcurrentLimit as error:
                if not self.ctx.active.wait_for_one(self.client.stop, self.ctx.deadline):
                    raise error
                self.say("the account's limit of active jobs is reached: waiting for one of ours to finish")
        assert row.job_id is not None
        self.rows.append(row)
        self.mine.add(row.id)
        self.say(f"submitted job {row.job_id}" if row.state != ADOPTED else f"continuing with job {row.job_id}")
        if row.state == ADOPTED or not is_active(row.status):
            self._refresh(row)  # found by listing, perhaps already done: its streams are needed
            return
        self.ctx.active.add(row.job_id)
        self.jobs[row.job_id] = JobDetail(row.job_id, row.status or "pending")
        self.asked.add(row.job_id)
        self.ctx.reporter.job(self.p.name, self.jobs[row.job_id])

    # --- waiting ------------------------------------------------------------------------------

    def _wait(self, row: Row) -> None:
        assert row.job_id is not None
        if row.plan:  # a batch's scripts are made side by side: the longest sets the pace
            self.ctx.reporter.expect(self.p.name, max(s.duration_ms for s in row.plan) / 1000)
        try:
            job = wait(self.client, row.job_id, self.ctx.pace, self.ctx.deadline, self._seen,
                       self.jobs.get(row.job_id) if row.job_id in self.asked else None)
        finally:  # final, timed out or interrupted: this session stops counting it either way
            self.ctx.active.finished(row.job_id)
        self._check_adopted(row, job)

    def _seen(self, job: JobDetail) -> None:
        self.jobs[job.job_id] = job
        self.asked.add(job.job_id)
        self.ctx.reporter.job(self.p.name, job)
        if not is_active(job.status):
            row = next((r for r in self.rows if r.job_id == job.job_id), None)
            self.ctx.journal.set_status(job.job_id, job.status)
            if row is not None and row.state != REJECTED:
                self.ctx.journal.set_streams(row.id, [(s.script_index, s.stream_id, decide.stream_status(job, s),
                                                       self._key_of(row, s.script_index)) for s in job.streams])

    def _key_of(self, row: Row, position: int) -> str | None:
        """The key of script `position` of `row`: its own, or for a row of this request from
        before keys, that of the script with the same index."""
        if not 0 <= position < len(row.plan):
            return None
        known = row.plan[position].key
        if known is not None or not isinstance(self.p, Prepared) or row.group_hash != self.p.group_hash:
            return known
        index = row.plan[position].index
        return self.p.every[index].key if 0 <= index < len(self.p.every) else None

    # --- downloading --------------------------------------------------------------------------

    def _download_all(self) -> None:
        for scene in self.p.scenes:
            completed = decide.completed(self._rows_for(scene), self.jobs, scene)
            if completed is None:
                continue
            row, stream = completed
            take = self._takes.of(scene.name, row.job_id, stream.stream_id)
            take["script_sha256"] = scene.key
            if stream.duration_seconds is not None:
                take.update(duration_seconds=stream.duration_seconds, frame_count=stream.frame_count)
            self._files[scene.name] = take["files"]
            # With no URL and the video on disk, the journal's word and the files suffice:
            # nothing to ask the API.
            if stream.video_url is not None or self._video(scene) is None:
                for kind in KINDS:
                    self._download(scene.name, take, stream, kind)
            self._caption(scene, take)

    def _download(self, name: str, take: dict[str, Any], stream: Stream, kind: str) -> None:
        files: dict[str, Any] = take["files"]
        if self._complete(files.get(kind)):
            return
        source = self._urls(stream)
        url = _url(source, kind)
        if not url:
            return
        extension = image_extension(httpx.URL(url).path, None) if kind == "thumbnail" else ""
        dest = inside(self._dir, file_name(name, kind, int(take["take"]), extension))
        stream_id = stream.stream_id
        self.ctx.reporter.stage(self.p.name, "downloading", dest.name)

        def fresh() -> str | None:
            return _url(self.client.recording(stream_id), kind)

        def shown(done: int, total: int | None) -> None:
            self.ctx.reporter.progress(self.p.name, dest.name, done, total)

        try:
            with held(state_dir() / "locks", f"download {dest}", self.client.stop):
                done = self._done_elsewhere(name, take, kind, dest)
                if done is not None:  # another `ody run` of this screenplay fetched it meanwhile
                    files[kind] = done
                    return
                fetched = fetch(self.ctx.downloads, url, dest, owner=f"{take.get('job_id')} {stream_id} {kind}",
                                backoff=self.client.backoff, stop=self.client.stop,
                                refresh=fresh if stream_id else None, progress=shown, note=self.say)
        except Interrupted:
            self._interrupted_download = dest
            raise
        except DownloadError as error:
            files[kind] = {"path": dest.name, "size": None, "complete": False, "error": error.message}
            self.result.code = worst([self.result.code, EXIT_API])
            self.say(error.message + (f" ({error.hint})" if error.hint else ""), loud=True)
            return
        files[kind] = {"path": dest.name, "size": fetched.size, "complete": True}
        self._write_manifest()

    def _caption(self, scene: Scene, take: dict[str, Any]) -> None:
        """Write the captions beside the take's video once it is on disk and they are not (a
        folder from before captions too), once a run; a failure is a warning, never the run's."""
        files: dict[str, Any] = take["files"]
        number = int(take["take"])
        if (scene.name, number) in self._captioned or self._video(scene) is None or self._complete(files.get("captions")):
            return
        self._captioned.add((scene.name, number))
        files.pop("captions", None)  # the record says what is on disk: not these captions
        cues = self._cues(scene, files, take.get("duration_seconds"))
        if isinstance(cues, str):
            self._uncaptioned[scene.name] = cues
            return
        dest = self._dir / file_name(scene.name, "captions", number)
        try:
            files["captions"] = captioning.write(inside(self._dir, dest.name), cues)
        except UsageError as error:  # a link out of the folder in the captions' place
            self.say(f"cannot write the captions {dest}: {error.message}", loud=True)
        except OSError as error:
            self.say(f"cannot write the captions {dest}: {error.strerror or error}", loud=True)

    def _cues(self, scene: Scene, files: dict[str, Any], seconds: object) -> list[Caption] | str:
        """The captions of `scene`'s recording, or why it has none: its compiled script; for a
        job command, the screenplay's script with the job's key, else the downloaded events."""
        if isinstance(self.p, Prepared):
            return captions(self.p.scripts[scene.index])
        entries = self.p.scripts_now.get(scene.key) if scene.key else None
        if entries is not None:
            return captions(entries)
        events = files.get("events")
        duration_ms = round(seconds * 1000) if isinstance(seconds, int | float) else None
        found = captioning.from_recording(
            inside(self._dir, str(events["path"])) if self._complete(events) else None, duration_ms)
        if isinstance(found, str) and self.p.path.is_absolute():
            return f"{self.p.path.name} as it is now does not have its script, and {found}"
        return found

    def _urls(self, stream: Stream) -> Stream | Recording:
        """Where a stream's files are: in the API's answer, or (for a stream the journal named)
        from the API's recording of it, asked once."""
        if stream.video_url or not stream.stream_id:
            return stream
        if stream.stream_id not in self._recordings:
            self._recordings[stream.stream_id] = self.client.recording(stream.stream_id)
        return self._recordings[stream.stream_id]

    def _done_elsewhere(self, name: str, take: dict[str, Any], kind: str, dest: Path) -> dict[str, Any] | None:
        """The file's record in the run.json on disk, when it says complete and the size fits."""
        for other in Takes(self._dir).history.get(name, []):
            if (other.get("stream_id"), other.get("take")) == (take.get("stream_id"), take.get("take")):
                record = other["files"].get(kind)
                if isinstance(record, dict) and record.get("complete") and _size(dest) == record.get("size"):
                    return dict(record)
        return None

    # --- the outcome --------------------------------------------------------------------------

    def _finish(self) -> None:
        streams = self._stream_records()
        self.result.streams = streams
        self.result.code, self.result.status = decide.verdict(streams, self.result.code)
        if self._uncaptioned:
            self.say(captioning.missing(self._uncaptioned))
        for s in streams:
            if s["status"] == decide.NOT_SUBMITTED and s.get("after"):
                self.say(f"{s['name']}: not submitted: {s['after']}, the scene it continues, has no recording",
                         loud=True)
            elif s["status"] != "completed":
                self.say(f"{s['name']}: {s['status']}" + (f": {s['error_message']}" if s.get("error_message") else ""),
                         loud=True)
        self._write_manifest()

    def _stream_records(self) -> list[dict[str, Any]]:
        records = []
        for scene in self.p.scenes:
            completed = decide.completed(self._rows_for(scene), self.jobs, scene)
            record: dict[str, Any] = {"name": scene.name, "script_index": scene.index, "scene": scene.scene,
                                      "variant": scene.variant, "choices": list(scene.choices),
                                      "expected_duration_seconds": scene.duration_ms / 1000,
                                      "script_sha256": scene.key}
            if scene.after is not None and isinstance(self.p, Prepared):
                record["after"] = self._parent(scene.after).name
            if completed is not None:
                row, stream = completed
                take = self._takes.of(scene.name, row.job_id, stream.stream_id)
                record.update(job_id=row.job_id, stream_id=stream.stream_id, status="completed",
                              duration_seconds=take.get("duration_seconds", stream.duration_seconds),
                              frame_count=take.get("frame_count", stream.frame_count), take=take["take"])
                record["files"] = take["files"]
            else:
                failure = decide.failure(self._rows_for(scene), self.jobs, scene)
                if failure.get("error_message"):
                    failure["error_message"] = self.client.clean(str(failure["error_message"]))
                record.update(failure)
                record["files"] = {}
            records.append(record)
        return records

    def _kept_records(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """`records` with those of the screenplay's other scripts, as run.json had them: a run
        of some scenes (`--scene`, or a job command) leaves the others' files and records alone;
        a whole run drops the scenes the screenplay no longer has."""
        if isinstance(self.p, Prepared) and not self.p.named:
            return records
        ours = {s["name"] for s in records}
        earlier = self._takes.previous.get("streams")
        kept = [s for s in (earlier if isinstance(earlier, list) else [])
                if isinstance(s, dict) and isinstance(s.get("script_index"), int) and s.get("name") not in ours
                and isinstance(s.get("name"), str)]
        return sorted(records + kept, key=lambda s: int(s["script_index"]))

    def _status(self, row: Row) -> str | None:
        job = self.jobs.get(row.job_id or "")
        return job.status if job is not None else row.status

    def _interrupted(self) -> None:
        self.result.code = EXIT_INTERRUPTED
        self.result.status = "interrupted"
        active = [r.job_id for r in self.rows if r.job_id and self._active(r.job_id) and self._used(r)]
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
        job, refused = self.client.cancel(job_id)
        self.ctx.journal.set_status(job_id, job.status)
        if job.status == "cancelled":
            self.say(f"job {job_id} was already cancelled" if refused else f"cancelled job {job_id}", loud=True)
        elif is_active(job.status):
            self.say(f"job {job_id} is {job.status} and can no longer be cancelled: it will finish "
                     f"and be billed; `ody download {job_id}` fetches it", loud=True)
        else:
            self.say(f"job {job_id} is already {job.status}: nothing to cancel", loud=True)

    # --- the folder and run.json --------------------------------------------------------------

    def _folder(self, fixed: tuple[Row, ...]) -> Path:
        """This screenplay's folder under --out: the one it used last (for a job command, the
        one its job's rows name) while it is on disk and still its own, else the stem, made
        distinct from any other screenplay's (`cat`, `cat-2`): a fresh clone gets `cat` again.
        Another screenplay's folder is never taken over, even when its jobs are reused (a copy
        of a screenplay); see Journal.claim_folder for what owns a folder."""
        root = self.ctx.out.resolve()
        mine = str(self.p.path)
        recorded = (next((r.folder for r in fixed if r.folder and r.state in OWNED), None) if fixed
                    else self.ctx.journal.folder_of(mine))
        chosen: Path | None = None
        with self.ctx.claim_lock:
            if recorded and Path(recorded).parent == root and self._claims(Path(recorded), existing=True):
                chosen = Path(recorded)
            n = 1
            while chosen is None:
                candidate = root / (self.p.stem if n == 1 else f"{self.p.stem}-{n}")
                if self._claims(candidate):
                    chosen = candidate
                n += 1
            self.ctx.claimed[chosen] = self.p.path
        chosen.mkdir(parents=True, exist_ok=True)
        for row in self.rows:
            if row.folder != str(chosen) and row.state in OWNED and row.screenplay == mine:
                self.ctx.journal.set_folder(row.id, str(chosen))
        self.takes = Takes(chosen, self.client.stop)
        return chosen

    def _claims(self, folder: Path, existing: bool = False) -> bool:
        """Whether `folder` is now this screenplay's: not another's of this run, nor of another
        screenplay that is there by its run.json (a folder a new state folder's journal does
        not know), nor the journal's."""
        mine = str(self.p.path)
        return self.ctx.claimed.get(folder, self.p.path) == self.p.path and not _anothers(folder, mine) \
            and self.ctx.journal.claim_folder(folder, mine, existing=existing)

    def _write_manifest(self) -> None:
        target = self.client.target
        previous = self._takes.previous
        streams = self._kept_records(self._stream_records())
        data = {
            "title": self.p.title,
            "screenplay": str(self.p.path),
            "status": self.result.status,
            "jobs": [{"job_id": r.job_id, "status": self._status(r), "adopted": r.state == ADOPTED}
                     for r in self.rows if r.job_id in self.result.jobs],
            "streams": streams,
            "latest": {s["name"]: s["files"]["video"]["path"] for s in streams
                       if isinstance(s.get("files"), dict) and isinstance(s["files"].get("video"), dict)
                       and s["files"]["video"].get("complete")},
            "script_sha256": self.p.script_hash or previous.get("script_sha256"),
            "request_sha256": self.p.group_hash,
            "journal_take": self.take,
            "api": target.base,
            "api_url": target.url,
            "orientation": (previous.get("orientation") if self.p.portrait is None
                            else "portrait" if self.p.portrait else "landscape"),
            "updated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        self._takes.write(data)
        self._write_page()

    def _write_page(self) -> None:
        """The folder's review page, after each change of run.json (a new take, a file fetched);
        one that cannot be written is said once, never the run's failure."""
        try:
            write_page(self._dir)
        except (OSError, UsageError) as error:  # UsageError: a link out of the folder in its place
            if not self._page_failed:
                self._page_failed = True
                why = error.message if isinstance(error, UsageError) else error.strerror or error
                self.say(f"cannot write the review page {self._dir / PAGE}: {why}", loud=True)


def _anothers(folder: Path, screenplay: str) -> bool:
    """Whether the run.json in `folder` names a screenplay other than `screenplay` that exists."""
    try:
        written = read_manifest(manifest_path(folder))
    except (UsageError, OSError):  # run.json a link out of the folder: the run says so, when it writes
        return False
    other = written.get("screenplay") if written else None
    return isinstance(other, str) and other != screenplay and os.path.lexists(other)


def _url(recording: Stream | Recording, kind: str) -> str | None:
    """The URL of one kind of file (video, thumbnail, events) of a stream or recording."""
    url = {"video": recording.video_url, "thumbnail": recording.thumbnail_url, "events": recording.events_url}[kind]
    return url or None


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None
