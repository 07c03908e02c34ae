"""Pydantic models of what the emulator answers: the shapes Odyssey's SDK reads.

They exist for the OpenAPI description and to keep every answer's fields in one place; the
endpoints build them from store rows. Where the reference is silent, the choice is noted here
and in docs/emulator.md.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

JobStatus = Literal["pending", "dispatched", "processing", "completed", "failed", "cancelled"]
StreamStatus = Literal["processing", "completed", "failed", "cancelled"]
ACTIVE: tuple[JobStatus, ...] = ("pending", "dispatched", "processing")
STATUSES: tuple[JobStatus, ...] = (*ACTIVE, "completed", "failed", "cancelled")


def iso(seconds: float | None) -> str | None:
    """ISO 8601 UTC with milliseconds and `Z`, the form every timestamp takes here."""
    if seconds is None:
        return None
    millis = int(seconds * 1000)
    moment = datetime.fromtimestamp(millis // 1000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{millis % 1000:03d}Z"


class TokenRequest(BaseModel):
    api_key: str


class Token(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds until the token expires.")


class Error(BaseModel):
    detail: str


class UsageError(BaseModel):
    """A 429: the usage error shape of the reference, with `detail` like every error."""

    detail: str
    error: str
    code: str
    message: str
    action: str
    action_url: str | None = None
    details: dict[str, Any] = Field(default_factory=dict)


class Recording(BaseModel):
    stream_id: str
    video_url: str | None = None
    events_url: str | None = None
    thumbnail_url: str | None = None
    preview_url: str | None = None
    frame_count: int | None = None
    duration_seconds: float | None = None


class Stream(Recording):
    """One output stream of a job: a recording plus its place in the batch and its fate."""

    script_index: int
    status: StreamStatus
    error_message: str | None = None


class JobSummary(BaseModel):
    job_id: str
    status: JobStatus
    priority: str = "normal"
    created_at: str
    completed_at: str | None = None
    error_message: str | None = None


class JobDetail(JobSummary):
    dispatched_at: str | None = None
    started_at: str | None = None
    assigned_region: str | None = None
    retry_count: int = 0
    estimated_wait_minutes: float | None = Field(
        default=None, description="Real minutes until processing starts; null once it has.")
    streams: list[Stream] = Field(default_factory=list)


class JobList(BaseModel):
    jobs: list[JobSummary]
    total: int
    limit: int
    offset: int


class StreamRecording(BaseModel):
    stream_id: str
    width: int
    height: int
    started_at: str
    ended_at: str | None = None
    duration_seconds: float | None = None


class RecordingList(BaseModel):
    recordings: list[StreamRecording]
    total: int
    limit: int
    offset: int
