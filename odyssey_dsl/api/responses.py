"""What the Simulate API answers, as typed values (../shared/odyssey-api.md has the source).

Optional fields default to None: the API documents them as nullable, and a server that leaves
one out means the same. Statuses stay strings: the JavaScript SDK documents `running` where the
Python SDK says `dispatched`/`processing`, so any status that is not final counts as active.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: The statuses a job passes through before a final one, in order (the Python SDK's names).
ACTIVE: tuple[str, ...] = ("pending", "dispatched", "processing")

#: Every status the API documents, active ones first (a server may still send another, such as
#: the JavaScript SDK's `running`: `is_active` counts it as active).
STATUSES: tuple[str, ...] = (*ACTIVE, "completed", "failed", "cancelled")

#: The statuses after which a job or stream never changes again.
FINAL: frozenset[str] = frozenset(STATUSES[len(ACTIVE):])


def is_active(status: str | None) -> bool:
    """Whether a job (or stream) with this status may still change: every non-final status."""
    return status not in FINAL


def is_rendering(status: str | None) -> bool:
    """Whether a job is being made now, no longer queued: `processing`, or the JavaScript
    SDK's word for it, `running`."""
    return status in ("processing", "running")


@dataclass(frozen=True)
class Token:
    """`POST /auth/token`."""

    access_token: str
    expires_in: float = 3600.0
    token_type: str | None = None


@dataclass(frozen=True)
class Recording:
    """`GET /recordings/{stream_id}`; presigned URLs, valid for a limited time."""

    stream_id: str
    video_url: str | None = None
    events_url: str | None = None
    thumbnail_url: str | None = None
    preview_url: str | None = None
    frame_count: int | None = None
    duration_seconds: float | None = None


@dataclass(frozen=True)
class Stream(Recording):
    """One output stream of a job: a recording, its script in the batch, and its own fate."""

    script_index: int = 0
    status: str | None = None
    error_message: str | None = None


@dataclass(frozen=True)
class JobSummary:
    """One job as `GET /simulation-jobs` lists it."""

    job_id: str
    status: str
    priority: str | None = None
    created_at: str | None = None
    completed_at: str | None = None
    error_message: str | None = None

    @property
    def active(self) -> bool:
        return is_active(self.status)


@dataclass(frozen=True)
class JobDetail(JobSummary):
    """`GET /simulation-jobs/{job_id}`, and the answer to a submit."""

    dispatched_at: str | None = None
    started_at: str | None = None
    assigned_region: str | None = None
    retry_count: int | None = None
    estimated_wait_minutes: float | None = None
    streams: list[Stream] = field(default_factory=list)


@dataclass(frozen=True)
class JobList:
    """`GET /simulation-jobs?...`: one page of jobs."""

    jobs: list[JobSummary]
    total: int | None = None
    limit: int | None = None
    offset: int | None = None


@dataclass(frozen=True)
class StreamRecording:
    """One entry of `GET /stream-recordings`."""

    stream_id: str
    width: int | None = None
    height: int | None = None
    started_at: str | None = None
    ended_at: str | None = None
    duration_seconds: float | None = None


@dataclass(frozen=True)
class RecordingList:
    recordings: list[StreamRecording]
    total: int | None = None
    limit: int | None = None
    offset: int | None = None


@dataclass(frozen=True)
class UsageProblem:
    """The body of a 429: `error` or `code` names the limit; only RATE_LIMITED is worth waiting out."""

    message: str | None = None
    action: str | None = None
    action_url: str | None = None
    error: str | None = None
    code: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    detail: str | None = None  # what every other error answer carries too (see Problem)

    @property
    def name(self) -> str | None:
        return self.code or self.error


@dataclass(frozen=True)
class Problem:
    """The body of an error answer other than a 429: `detail` says what went wrong."""

    detail: str | None = None
