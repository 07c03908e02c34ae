"""What each endpoint does, apart from HTTP: jobs, streams and recordings as API objects.

Status and moments are computed at one `now` per request, from the moments stored at submit,
so one answer is always self-consistent (a job is never shown `processing` without a
`started_at`).
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..api import ACTIVE, STATUSES, JobDetail, JobList, JobSummary, Recording, RecordingList, Stream, StreamRecording
from . import errors
from .errors import ApiError
from .faults import Dice
from .lifecycle import Worker, plan, stream_folder
from .settings import Settings
from .store import DISPATCHED, PENDING, PROCESSING, JobRow, NewStream, Store, StreamRow, TooManyActive, job_status
from .submit import duration_ms, read_submission
from .urls import Signer

REGION = "emulator-local"
PRIORITY = "normal"
HALF_SIZE = {True: (352, 640), False: (640, 352)}  # half the API's 704x1280 / 1280x704


def iso(seconds: float | None) -> str | None:
    """ISO 8601 UTC with milliseconds and `Z`, the form every timestamp takes here."""
    if seconds is None:
        return None
    millis = int(seconds * 1000)
    moment = datetime.fromtimestamp(millis // 1000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{millis % 1000:03d}Z"


@dataclass
class Service:
    settings: Settings
    store: Store
    signer: Signer
    dice: Dice
    worker: Worker

    # --- jobs -----------------------------------------------------------------------------------

    def submit(self, owner: str, body: bytes, base: str) -> JobDetail:
        s = self.settings
        submission = read_submission(body, s)
        now = time.time()
        if submission.bypass_vlm_expansion and not s.bypass_privilege:
            raise ApiError(403, "bypass_vlm_expansion needs a privilege this API key does not have")
        if s.monthly_limit_reached:
            raise errors.monthly_limit(now)
        durations = [duration_ms(script) for script in submission.scripts]
        if s.max_duration is not None and max(durations) / 1000 > s.max_duration:
            raise errors.duration_exceeded(max(durations) / 1000, s.max_duration)
        schedule = plan(s, now, durations)
        streams = [NewStream(str(uuid.uuid4()), i, durations[i], schedule.ends[i],
                             self.dice.roll("fail", s.fail_rate), json.dumps(script, ensure_ascii=False))
                   for i, script in enumerate(submission.scripts)]
        job_id = str(uuid.uuid4())
        try:
            self.store.add_job(job_id, owner, submission.portrait, now, schedule.dispatch_at, schedule.start_at,
                               streams, active_limit=s.queue_limit or None)
        except TooManyActive as full:
            raise errors.queue_full(full.active, s.queue_limit) from None
        self.worker.wake()
        # The job as it stood when it was made: `pending`, as the API answers a submit, however
        # long the insert took (a loaded machine could otherwise answer `processing`).
        return self._detail(self._own_job(owner, job_id), now, base)

    def job(self, owner: str, job_id: str, base: str) -> JobDetail:
        job = self._own_job(owner, job_id)
        return self._detail(job, time.time(), base)

    def cancel(self, owner: str, job_id: str, base: str) -> JobDetail:
        self._own_job(owner, job_id)
        was = self.store.cancel(job_id, time.time())
        if was not in (PENDING, DISPATCHED):
            raise ApiError(400, f"the job is {was} and can no longer be cancelled: only pending or dispatched "
                                "jobs can")
        return self.job(owner, job_id, base)

    def jobs(self, owner: str, status: str | None, active: bool | None, limit: int, offset: int) -> JobList:
        wanted = set(STATUSES)
        if status is not None:
            if status not in STATUSES:
                raise ApiError(422, f"status must be one of {', '.join(STATUSES)}, not {status[:30]!r}")
            wanted &= {status}
        if active is not None:
            wanted &= set(ACTIVE) if active else set(STATUSES) - set(ACTIVE)
        now = time.time()
        rows, total = self.store.list_jobs(owner, now, sorted(wanted), limit, offset) if wanted else ([], 0)
        return JobList(jobs=[self._summary(j, now) for j in rows], total=total, limit=limit, offset=offset)

    def _own_job(self, owner: str, job_id: str) -> JobRow:
        job = self.store.job(job_id[:100])
        if job is None:
            raise ApiError(404, "simulation job not found")
        if job.owner != owner:
            raise ApiError(403, "this simulation job belongs to another API key")
        return job

    def _summary(self, job: JobRow, now: float) -> JobSummary:
        return JobSummary(job_id=job.job_id, status=job_status(job, now), priority=PRIORITY,
                          created_at=iso(job.created_at), completed_at=iso(job.completed_at),
                          error_message=job.error_message)

    def _detail(self, job: JobRow, now: float, base: str) -> JobDetail:
        status = job_status(job, now)
        end = job.completed_at if job.completed_at is not None else now

        def seen(moment: float) -> str | None:
            return iso(moment) if moment <= now and moment <= end else None

        waiting = status in (PENDING, DISPATCHED)
        started = seen(job.start_at) is not None and status != "cancelled"
        return JobDetail(
            job_id=job.job_id, status=status, priority=PRIORITY, created_at=iso(job.created_at), retry_count=0,
            dispatched_at=seen(job.dispatch_at), started_at=seen(job.start_at), completed_at=iso(job.completed_at),
            error_message=job.error_message, assigned_region=REGION if seen(job.dispatch_at) else None,
            estimated_wait_minutes=round(max(0.0, job.start_at - now) / 60, 4) if waiting else None,
            streams=[self._stream(s, now, base) for s in self.store.streams_of(job.job_id)] if started else [],
        )

    def _stream(self, stream: StreamRow, now: float, base: str) -> Stream:
        shown = PROCESSING if stream.status == "scheduled" else stream.status
        urls = self._urls(stream, now, base)
        return Stream(stream_id=stream.stream_id, script_index=stream.script_index, status=shown,
                      error_message=stream.error_message, frame_count=stream.frame_count,
                      duration_seconds=stream.duration_seconds, **urls)

    def _urls(self, stream: StreamRow, now: float, base: str) -> dict[str, str | None]:
        names = {"video_url": stream.video, "events_url": stream.events, "thumbnail_url": stream.thumbnail,
                 "preview_url": stream.preview}
        if stream.status != "completed":
            return dict.fromkeys(names)
        return {k: self.signer.url(base, stream.stream_id, n, now) if n else None for k, n in names.items()}

    # --- recordings -------------------------------------------------------------------------------

    def recording(self, owner: str, stream_id: str, base: str) -> Recording:
        stream = self.store.stream(stream_id[:100])
        if stream is None:
            raise ApiError(404, "recording not found")
        if stream.owner != owner:
            raise ApiError(403, "this recording belongs to another API key")
        if stream.status != "completed":
            why = {"scheduled": "not ready yet: the stream is still being generated",
                   "failed": "not available: the stream failed", "cancelled": "not available: the job was cancelled"}
            raise ApiError(404, f"recording {why.get(stream.status, 'not available')}")
        return Recording(stream_id=stream.stream_id, frame_count=stream.frame_count,
                         duration_seconds=stream.duration_seconds, **self._urls(stream, time.time(), base))

    def recordings(self, owner: str, limit: int, offset: int) -> RecordingList:
        now = time.time()
        rows, total = self.store.list_recordings(owner, now, limit, offset)
        items = []
        for s in rows:
            ended = s.end_at <= now
            width, height = (s.width, s.height) if s.width and s.height else HALF_SIZE[bool(s.portrait)]
            items.append(StreamRecording(
                stream_id=s.stream_id, width=width, height=height, started_at=iso(s.start_at),
                ended_at=iso(s.end_at) if ended else None,
                duration_seconds=(s.duration_seconds or s.duration_ms / 1000) if ended else None))
        return RecordingList(recordings=items, total=total, limit=limit, offset=offset)

    def file(self, stream_id: str, name: str, expires: str | None, signature: str | None) -> Path:
        self.signer.check(stream_id, name, expires, signature, time.time())
        stream = self.store.stream(stream_id)
        if stream is None or stream.status != "completed" or \
                name not in (stream.video, stream.thumbnail, stream.preview, stream.events):
            raise ApiError(404, "file not found")
        path = stream_folder(self.settings.data_dir, stream_id) / name
        if not path.is_file():
            raise ApiError(404, "file not found")
        return path
