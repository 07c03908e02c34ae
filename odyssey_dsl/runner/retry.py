"""Exponential backoff with jitter, bounded: the one retry policy of every read.

Full jitter within the upper half of the window keeps several clients from retrying in step
while never retrying sooner than half the nominal delay.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC
from email.utils import parsedate_to_datetime

from .._support.numbers import whole_number


@dataclass(frozen=True)
class Backoff:
    attempts: int = 6  # tries in all, the first included
    base: float = 0.5  # seconds before the first retry
    cap: float = 30.0  # longest single wait

    def delay(self, retry: int, at_least: float = 0.0) -> float:
        """Seconds to wait before retry number `retry` (0-based); `at_least` is what the
        server asked for (Retry-After), which is honoured even above the cap."""
        nominal = min(self.cap, self.base * 2.0 ** retry)
        return max(at_least, nominal * random.uniform(0.5, 1.0))


def retry_after(header: str | None, body_seconds: object = None) -> float:
    """Seconds the server asked us to wait: `retry_after_seconds` in a 429 body, else the
    `Retry-After` header (seconds or an HTTP date); 0 when neither says."""
    if isinstance(body_seconds, (int, float)) and not isinstance(body_seconds, bool) and body_seconds > 0:
        return min(float(body_seconds), 3600.0)
    if not header:
        return 0.0
    header = header.strip(" \t")
    seconds = whole_number(header)
    if seconds is not None:
        return min(float(seconds), 3600.0)
    try:
        moment = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return 0.0
    from datetime import datetime

    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, min((moment - datetime.now(UTC)).total_seconds(), 3600.0))
