"""What a screenplay's run decides, as plain functions of what the journal and the API said.

Per script of the screenplay: the newest job the journal owns that carries the same script
(by its key: script, orientation, options and the scene it continues, whichever screenplay or
take submitted it) decides. Its completed stream is kept (its files downloaded); a job still
active is waited for; the rest (never run, failed, cancelled) is submitted, and only that: a
rerun after one scene of four changed, or some failed, pays for those alone. An adopted job
is the screenplay's only once its streams match the request. No I/O here: `ScreenplayRun`
(screenplay.py) asks, then acts on these answers; `plan` reads the same answers from the
journal alone.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..api import JobDetail, Stream, is_active
from ..errors import EXIT_API, EXIT_JOB, EXIT_OK, EXIT_TIMEOUT
from .journal import ADOPTED, Row, Scene
from .submit import matches

Jobs = Mapping[str, JobDetail]  # job id -> the latest answer about it
RowsFor = Callable[[Scene], Sequence[Row]]  # the jobs that may make a script (`--new`: this run's only)
NOT_SUBMITTED = "not submitted"  # the status of a script no job carries


def position_of(row: Row, scene: Scene) -> int | None:
    """Where `scene`'s script is among the scripts `row`'s job carries: by its key, or, in a
    row from before keys (always of the same request), by its index."""
    if scene.key is not None and any(s.key is not None for s in row.plan):
        return next((k for k, s in enumerate(row.plan) if s.key == scene.key), None)
    return next((k for k, s in enumerate(row.plan) if s.index == scene.index), None)


def from_journal(rows: Sequence[Row]) -> dict[str, JobDetail]:
    """What the journal alone says of these jobs: their last known status and, for a final
    job, its streams (the plan and `--dry-run` ask no API)."""
    jobs = {}
    for row in rows:
        if row.job_id is None:
            continue
        streams = [Stream(stream_id=stream_id, script_index=k, status=status)
                   for k, (stream_id, status) in enumerate(row.streams) if stream_id is not None]
        if not streams and row.status == "completed":  # a row from before the journal noted streams
            streams = [Stream(stream_id="", script_index=k, status="completed") for k in range(len(row.plan))]
        jobs[row.job_id] = JobDetail(row.job_id, row.status or "pending", streams=streams)
    return jobs


def settled(row: Row) -> bool:
    """Whether the journal knows all there is to know of this job: final, every stream noted."""
    return row.status is not None and not is_active(row.status) and bool(row.streams) \
        and all(stream is not None for stream, _ in row.streams)


def stream_at(job: JobDetail, position: int) -> Stream | None:
    """The job's stream for its script number `position`."""
    return next((s for s in job.streams if s.script_index == position), None)


def stream_status(job: JobDetail, stream: Stream) -> str:
    """A stream's own status, or, from a server that gives none, the job's."""
    if stream.status is not None:
        return stream.status
    return "completed" if job.status == "completed" and stream.video_url else job.status


def covering(rows: Sequence[Row], jobs: Jobs, scene: Scene) -> tuple[Row, Stream | None] | None:
    """The newest job that has (or will have) `scene`'s script: its completed stream, or an
    active job carrying it (with no stream yet); None when no job will make it."""
    for row in reversed(rows):
        job = jobs.get(row.job_id or "")
        position = position_of(row, scene)
        if job is None or position is None:
            continue
        if is_active(job.status):
            return row, None
        stream = stream_at(job, position)
        if stream is not None and stream_status(job, stream) == "completed":
            return row, stream
    return None


def completed(rows: Sequence[Row], jobs: Jobs, scene: Scene) -> tuple[Row, Stream] | None:
    """The completed stream of `scene`'s script, with the row of its job."""
    found = covering(rows, jobs, scene)
    if found is None or found[1] is None:
        return None
    return found[0], found[1]


def needed(scenes: Sequence[Scene], rows: RowsFor, jobs: Jobs) -> tuple[int, ...]:
    """The scripts to submit: those no job has made or is making; a script twice in the
    screenplay (same key) is made once."""
    keys: set[str] = set()
    out = []
    for s in scenes:
        if covering(rows(s), jobs, s) is None and (s.key is None or s.key not in keys):
            out.append(s.index)
            keys.add(s.key or "")
    return tuple(out)


def chained(rows_for: RowsFor, jobs: Jobs, every: Sequence[Scene]) -> RowsFor:
    """`rows_for`, where a scene that continues another may come only from a job made from
    the recording that other scene has now: after `day` is made again, `night` is too."""
    def rows(scene: Scene) -> Sequence[Row]:
        if scene.after is None:
            return rows_for(scene)
        parent = every[scene.after]
        found = completed(rows(parent), jobs, parent)
        if found is None:
            return ()
        return [r for r in rows_for(scene) if (k := position_of(r, scene)) is not None
                and r.plan[k].after_stream == found[1].stream_id]

    return rows


def levels(every: Sequence[Scene], redo: Collection[int]) -> int:
    """How many submits `redo` takes: one for the scripts that start on their own or from a
    recording already made, then one per step of a chain of scenes to make (`after`; a parent
    left out of `redo` as the twin of another script is made all the same)."""
    keys = {every[i].key for i in redo}

    def depth(index: int) -> int:
        parent = every[index].after
        made = parent is not None and (parent in redo or every[parent].key in keys)
        return 1 + depth(parent) if made and parent is not None else 0

    return len({depth(i) for i in redo})


@dataclass(frozen=True)
class News:
    text: str
    loud: bool = False


def reuse_news(scenes: Sequence[Scene], rows_for: RowsFor, jobs: Jobs, redo: tuple[int, ...]) -> News | None:
    """What to tell the user before submitting `redo`: which jobs are reused and why."""
    used: list[str | None] = []
    rows = list(dict.fromkeys(r for s in scenes for r in rows_for(s)))
    for scene in scenes:
        found = covering(rows_for(scene), jobs, scene)
        if found is not None and found[0].job_id not in used:
            used.append(found[0].job_id)
    names = ", ".join(str(j) for j in used)
    if not used:
        carrying = [r for r in rows if any(position_of(r, s) is not None for s in scenes)]
        if carrying:
            return News(f"job {', '.join(str(r.job_id) for r in carrying)} did not complete: submitting again")
        return None
    if not redo:
        return News(f"unchanged since job {names}: reusing {'them' if len(used) > 1 else 'it'} instead of paying again "
                    "(generation is random: --new starts a new take)", loud=True)
    redone = [s for s in scenes if s.index in redo]
    tried = [s.name for s in redone if any(position_of(r, s) is not None for r in rows)]
    untried = [s.name for s in redone if all(position_of(r, s) is None for r in rows)]  # changed, or new
    parts = ([f"what did not complete: {', '.join(tried)}"] if tried else []) \
        + ([f"what changed or was not run yet: {', '.join(untried)}"] if untried else [])
    return News(f"keeping what job {names} made; submitting only {' and '.join(parts)}", loud=True)


def adoption_problem(row: Row, job: JobDetail) -> str | None:
    """Why an adopted job is not this screenplay's after all (None: it is, or it is too early
    to tell): a completed adopted job must have one stream per script, each as long as its
    script."""
    if row.state != ADOPTED or is_active(job.status) or job.status != "completed":
        return None
    return matches(row.plan, job)


def failure(rows: Sequence[Row], jobs: Jobs, scene: Scene) -> dict[str, Any]:
    """What became of a script no completed stream has: the newest job's word on it
    (`error_message` uncleaned: the caller cleans server text)."""
    for row in reversed(rows):
        job = jobs.get(row.job_id or "")
        position = position_of(row, scene)
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
