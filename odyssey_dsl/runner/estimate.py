"""Estimates for people: how long a job has been at it and has left, and how fast a download
goes. Pure functions of what the runner saw, so they are tested without waiting.

The API says nothing about progress while a job is processing, so the time left is inferred:
a job's scripts run side by side (Odyssey documents batches as run in parallel), so a job takes
about as long as its longest script, and the service renders video at about real time (one
second of processing per second of video: Odyssey's models stream live) until the session has
seen a job finish, whose `started_at` and `completed_at` give the service's real pace. An
estimate is printed with `~`, is never negative, and is left out when nothing supports one
(no video length, no wait from the server, or a job already past its estimate).
"""

from __future__ import annotations

import math
from collections import deque
from datetime import datetime

from .._support.sizes import size_text
from ..api import is_rendering

REAL_TIME = 1.0  # seconds of processing per second of video, until a finished job says otherwise
SPEED_WINDOW = 5.0  # seconds of download progress a speed is measured over
_SAMPLE_EVERY = 0.25  # a download reports every chunk; one sample per quarter second is enough


def clock(seconds: float) -> str:
    """`seconds` (0 for a negative or unknown number) as m:ss, or h:mm:ss from an hour on."""
    whole = int(seconds) if math.isfinite(seconds) and seconds > 0 else 0
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def moment(text: str | None) -> float | None:
    """An API timestamp (ISO 8601, `Z` or an offset) as seconds since the epoch; None when absent
    or unreadable."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def processing_elapsed(since_seen: float, since_before: float | None, by_server: float | None) -> float:
    """How long a job has been processing. `since_seen`: seconds since it was first seen
    processing; `since_before`: since it was last seen in an earlier status (None when it never
    was); `by_server`: now minus its `started_at`, by this machine's clock. The server's figure
    is exact when the clocks agree; what was seen bounds it, so a skewed clock cannot push the
    estimate outside what polling proved."""
    if by_server is None:
        return since_seen
    high = math.inf if since_before is None else since_before
    return min(max(by_server, since_seen), max(high, since_seen))


def left(status: str, wait_minutes: float | None, video_seconds: float | None, rate: float,
         elapsed: float) -> tuple[float, str] | None:
    """Seconds left and what they are left for (`left`: until the job is done, `to wait`: in
    the queue alone, when the video's length is unknown), or None when no estimate is possible.
    `elapsed` is the processing time so far (used while `processing`); `rate` the seconds of
    processing per second of video."""
    render = None if video_seconds is None or not video_seconds > 0 else video_seconds * rate
    if is_rendering(status):
        if render is None:
            return None
        seconds, what = render - elapsed, "left"
    elif wait_minutes is None or not (math.isfinite(wait_minutes) and wait_minutes >= 0):
        return None
    elif render is None:
        seconds, what = wait_minutes * 60, "to wait"
    else:
        seconds, what = wait_minutes * 60 + render, "left"
    # Past the estimate (or a wait of nothing): no honest figure rather than `~0:00`.
    return (seconds, what) if math.isfinite(seconds) and seconds > 0 else None


def left_text(estimate: tuple[float, str] | None) -> str:
    """`~0:20 left`, `~2:00 to wait`, or empty; rounded, but never to `~0:00`."""
    if estimate is None:
        return ""
    seconds, what = estimate
    return f"~{clock(max(1, round(seconds)))} {what}"


def observed_rate(started_at: str | None, completed_at: str | None, video_seconds: float | None) -> float | None:
    """Seconds of processing per second of video, from a finished job's own timestamps."""
    start, end = moment(started_at), moment(completed_at)
    if start is None or end is None or video_seconds is None or video_seconds <= 0 or end <= start:
        return None
    return (end - start) / video_seconds


class Speed:
    """A download's recent speed, from progress reports sampled a few times a second."""

    def __init__(self) -> None:
        self._samples: deque[tuple[float, int]] = deque()  # at least _SAMPLE_EVERY apart
        self._latest: tuple[float, int] | None = None

    def add(self, now: float, done: int) -> None:
        if self._latest is not None and done < self._latest[1]:
            self._samples.clear()  # the download started over
        self._latest = (now, done)
        if not self._samples or now - self._samples[-1][0] >= _SAMPLE_EVERY:
            self._samples.append((now, done))
        while len(self._samples) > 2 and now - self._samples[1][0] >= SPEED_WINDOW:
            self._samples.popleft()

    def per_second(self, now: float) -> float | None:
        """Bytes a second over the last few seconds: 0 when nothing came for a whole window,
        None before there is enough to say."""
        if self._latest is None or not self._samples:
            return None
        last_time, last_done = self._latest
        if now - last_time >= SPEED_WINDOW:
            return 0.0
        first_time, first_done = self._samples[0]
        span = now - first_time
        if span < _SAMPLE_EVERY:
            return None
        return (last_done - first_done) / span


def amount_text(done: int, total: int | None, joiner: str = " of ") -> str:
    """`12.3 MiB of 40.1 MiB`, or `12.3 MiB` when the size is unknown."""
    return f"{size_text(done)}{joiner}{size_text(total)}" if total else size_text(done)


def share_text(done: int, total: int | None) -> str:
    """`30%` of a known size (never over 100%), or empty."""
    return f"{min(done, total) * 100 // total}%" if total else ""


def speed_text(per_second: float | None) -> str:
    if per_second is None:
        return ""
    return "stalled" if per_second <= 0 else f"{size_text(int(per_second))}/s"


def about(minutes: float) -> str:
    """A wait as a person says it: `less than a minute`, `about 2 minutes`, `about 1 hour
    10 minutes` (to the minute under an hour, to five minutes over it)."""
    if minutes < 1:
        return "less than a minute"
    whole = round(minutes) if minutes < 60 else 5 * round(minutes / 5)
    hours, rest = divmod(whole, 60)
    parts = [f"{hours} hour{'s' * (hours != 1)}"] if hours else []
    if rest or not hours:
        parts.append(f"{rest} minute{'s' * (rest != 1)}")
    return "about " + " ".join(parts)
