"""The errors endpoints raise, each becoming one JSON answer with a string `detail`.

Usage errors (429) also carry the reference's usage shape (`error`/`code`, `message`,
`action`, `details`) because Odyssey's SDK turns exactly those fields into typed exceptions.
"""

from __future__ import annotations

import math
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from ..api import Problem, UsageProblem


def problem(detail: str) -> dict[str, Any]:
    """The body of an error answer (any but a 429)."""
    return asdict(Problem(detail=detail))


class ApiError(Exception):
    def __init__(self, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return problem(self.detail)


class UsageLimit(ApiError):
    def __init__(self, code: str, message: str, action: str, details: dict[str, Any],
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(429, message, headers)
        self.code, self.message, self.action, self.details = code, message, action, details

    def body(self) -> dict[str, Any]:
        return asdict(UsageProblem(message=self.message, action=self.action, error=self.code, code=self.code,
                                   details=self.details, detail=self.detail))


def rate_limited(retry_after: float) -> UsageLimit:
    seconds = max(1, math.ceil(retry_after))
    return UsageLimit("RATE_LIMITED", "Too many requests: slow down.",
                      f"Wait {seconds} s before the next request.", {"retry_after_seconds": seconds},
                      {"Retry-After": str(seconds)})


def queue_full(active: int, limit: int) -> UsageLimit:
    """A submit beyond the key's jobs not yet final: CONCURRENT_LIMIT_REACHED, the one code
    Odyssey documents for a limit on a key's unfinished jobs (none is documented for its
    queue of 10 as such)."""
    return UsageLimit("CONCURRENT_LIMIT_REACHED",
                      f"This key already has {active} jobs not yet finished (the limit is {limit}).",
                      "Wait for a job to finish or cancel one, then submit again.",
                      {"active_count": active, "limit": limit})


def duration_exceeded(seconds: float, limit: float) -> UsageLimit:
    shown = int(limit) if float(limit).is_integer() else limit
    return UsageLimit("STREAM_DURATION_EXCEEDED",
                      f"A script lasts {seconds:g} s, over the {shown} s a stream may last.",
                      "Shorten the script (its `end` entry) and submit again.", {"max_duration_seconds": shown})


def monthly_limit(now: float) -> UsageLimit:
    today = datetime.fromtimestamp(now, UTC)
    reset = today.replace(year=today.year + today.month // 12, month=today.month % 12 + 1, day=1)
    return UsageLimit("MONTHLY_LIMIT_REACHED", "Monthly usage limit reached.",
                      "Upgrade the plan or wait for the monthly reset.",
                      {"used_hours": 10.0, "limit_hours": 10.0, "reset_date": reset.strftime("%Y-%m-%d")})
