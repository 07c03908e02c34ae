"""What a screenplay's run decides, as plain functions of what the journal and the API said.

Per script of the screenplay, in the current take: a completed stream of a job the journal
owns is kept (its files downloaded); a job still active is waited for; the rest (never run,
failed, cancelled) is submitted, and only that: a rerun after some scenes failed pays for
those scenes alone. An adopted job is the screenplay's only once its streams match the
request. No I/O here: `ScreenplayRun` (screenplay.py) asks, then acts on these answers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..api import JobDetail, Stream, is_active
from ..errors import EXIT_API, EXIT_JOB, EXIT_OK, EXIT_TIMEOUT
from .journal import ADOPTED, Row, Scene
from .submit import matches

Jobs = Mapping[str, JobDetail]  # job id -> the latest answer about it
NOT_SUBMITTED = "not submitted"  # the status of a script no job carries


def take_to_use(latest: int, new: bool) -> int:
    """The journal take a run works in: the latest one (reusing its jobs), or a new one for
    `--new` or a first run."""
    return latest + 1 if (new or latest == 0) else latest


def position_of(row: Row, index: int) -> int | None:
    """Where script `index` of the screenplay is among the scripts `row`'s job carries."""
    return next((k for k, s in enumerate(row.plan) if s.index == index), None)


def stream_at(job: JobDetail, position: int) -> Stream | None:
    """The job's stream for its script number `position`."""
    return next((s for s in job.streams if s.script_index == position), None)


def stream_status(job: JobDetail, stream: Stream) -> str:
    """A stream's own status, or, from a server that gives none, the job's."""
    if stream.status is not None:
        return stream.status
    return "completed" if job.status == "completed" and stream.video_url else job.status


def covering(rows: Sequence[Row], jobs: Jobs, index: int) -> tuple[Row, Stream | None] | None:
    """The job that has (or will have) script `index`: a completed stream first, then an
    active job carrying it (with no stream yet); None when no job will make it."""
    active = None
    for row in rows:
        job = jobs.get(row.job_id or "")
        position = position_of(row, index)
        if job is None or position is None:
            continue
        if is_active(job.status):
            active = active or (row, None)
            continue
        stream = stream_at(job, position)
        if stream is not None and stream_status(job, stream) == "completed":
            return row, stream
    return active


def completed(rows: Sequence[Row], jobs: Jobs, index: int) -> tuple[Row, Stream] | None:
    """The completed stream of script `index`, with the row of its job."""
    found = covering(rows, jobs, index)
    if found is None or found[1] is None:
        return None
    return found[0], found[1]


def needed(scenes: Sequence[Scene], rows: Sequence[Row], jobs: Jobs) -> tuple[int, ...]:
    """The scripts to submit: those no job has made or is making."""
    return tuple(s.index for s in scenes if covering(rows, jobs, s.index) is None)


@dataclass(frozen=True)
class News:
    text: str
    loud: bool = False


def reuse_news(scenes: Sequence[Scene], rows: Sequence[Row], jobs: Jobs, redo: tuple[int, ...]) -> News | None:
    """What to tell the user before submitting `redo`: which jobs are reused and why."""
    used: list[str | None] = []
    for scene in scenes:
        found = covering(rows, jobs, scene.index)
        if found is not None and found[0].job_id not in used:
            used.append(found[0].job_id)
    names = ", ".join(str(j) for j in used)
    if not used:
        carrying = [r for r in rows if any(position_of(r, s.index) is not None for s in scenes)]
        if carrying:  # not a job of other scenes (`--scene`)
            return News(f"job {', '.join(str(r.job_id) for r in carrying)} did not complete: submitting again")
        return None
    if not redo:
        return News(f"unchanged since job {names}: reusing it instead of paying again "
                    "(generation is random: --new starts a new take)", loud=True)
    redone = [s for s in scenes if s.index in redo]
    tried = [s.name for s in redone if any(position_of(r, s.index) is not None for r in rows)]
    untried = [s.name for s in redone if all(position_of(r, s.index) is None for r in rows)]  # `--scene`
    parts = ([f"what did not complete: {', '.join(tried)}"] if tried else []) \
        + ([f"what was not run yet: {', '.join(untried)}"] if untried else [])
    return News(f"keeping what job {names} made; submitting only {' and '.join(parts)}", loud=True)


def adoption_problem(row: Row, job: JobDetail) -> str | None:
    """Why an adopted job is not this screenplay's after all (None: it is, or it is too early
    to tell): a completed adopted job must have one stream per script, each as long as its
    script."""
    if row.state != ADOPTED or is_active(job.status) or job.status != "completed":
        return None
    return matches(row.plan, job)


def failure(rows: Sequence[Row], jobs: Jobs, index: int) -> dict[str, Any]:
    """What became of a script no completed stream has: the newest job's word on it
    (`error_message` uncleaned: the caller cleans server text)."""
    for row in reversed(rows):
        job = jobs.get(row.job_id or "")
        position = position_of(row, index)
        if job is None or position is None:
            continue
        stream = stream_at(job, position)
        status = stream_status(job, stream) if stream is not None else job.status
        message = (stream.error_message if stream is not None else None) or job.error_message
        return {"job_id": row.job_id, "stream_id": stream.stream_id if stream is not None else None,
                "status": status, "error_message": message}
    return {"status": NOT_SUBMITTED}


def verdict(streams: Sequence[Mapping[str, Any]], code: int = EXIT_OK) -> tuple[int, str]:
    """The exit code and status of a run from its streams' records (as run.json has them),
    starting from `code` (a failed download may already have set one): every video on disk
    is success; failed streams are a failed job (3); streams still active at the end are a
    timeout (5); a completed stream whose video is missing is an API problem (4)."""
    from .errors import worst

    bad = [s for s in streams if s["status"] != "completed"]
    missing = [s for s in streams if s["status"] == "completed"
               and not s["files"].get("video", {}).get("complete")]
    if not bad and not missing:
        return code, "completed"
    unready = bool(bad) and all(s["status"] != NOT_SUBMITTED and is_active(s["status"]) for s in bad)
    code = worst([code, EXIT_TIMEOUT if unready else EXIT_JOB if bad else EXIT_API])
    if len(bad) < len(streams):
        return code, "partial"
    statuses = {s["status"] for s in bad}
    return code, statuses.pop() if len(statuses) == 1 else "failed"
