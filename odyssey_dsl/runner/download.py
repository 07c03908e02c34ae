"""Downloading one file: streamed to `<name>.part`, resumed with a Range request, renamed only
when complete, in constant memory whatever the size.

"Complete" means the byte count the server announced (Content-Length, or the total of a
Content-Range); presigned URLs are often signed for GET only, so no HEAD request is made.
Download requests carry no Authorization header. An expired URL (401/403/410) is replaced by
a fresh one from `refresh` (the API's /recordings/{stream_id}), once per expiry.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable
from pathlib import Path

import httpx

from .._support.numbers import whole_number
from ..errors import Interrupted
from .client import USER_AGENT
from .errors import RunnerError
from .retry import Backoff

CHUNK = 256 * 1024
EXPIRED = frozenset({401, 403, 410})
RETRYABLE = frozenset({408, 429, 500, 502, 503, 504})


class DownloadError(RunnerError):
    """A file that could not be fetched after every retry; its `.part` is kept."""


class Fetched:
    """What a finished download left: its size and content type."""

    def __init__(self, size: int, content_type: str | None) -> None:
        self.size = size
        self.content_type = content_type


def download_client() -> httpx.Client:
    """The client for file URLs: no credentials ever, redirects followed (storage may move)."""
    return httpx.Client(timeout=httpx.Timeout(60.0, connect=10.0), follow_redirects=True,
                        headers={"user-agent": USER_AGENT})


def part_of(dest: Path) -> Path:
    return dest.with_name(dest.name + ".part")


def fetch(http: httpx.Client, url: str, dest: Path, *, backoff: Backoff, stop: threading.Event,
          refresh: Callable[[], str | None] | None = None,
          progress: Callable[[int, int | None], None] | None = None) -> Fetched:
    """Download `url` to `dest`; raises Interrupted (keeping the `.part`) when `stop` is set."""
    part = part_of(dest)
    retry = 0
    refreshed = False
    while True:
        if stop.is_set():
            raise Interrupted()
        have = part.stat().st_size if part.exists() else 0
        try:
            outcome = _attempt(http, url, part, have, stop, progress)
        except httpx.TransportError as error:  # cut off mid-body: resume from what we have
            outcome = f"the connection broke ({type(error).__name__})"
        if isinstance(outcome, Fetched):
            os.replace(part, dest)
            return outcome
        if outcome == "expired":
            if refresh is None or refreshed:
                raise DownloadError(f"{dest.name}: the download URL has expired",
                                    "run `ody download JOB` to get fresh URLs")
            fresh = refresh()
            if fresh is None:
                raise DownloadError(f"{dest.name}: the server has no fresh URL for it")
            url, refreshed = fresh, True
            continue
        if outcome.startswith("final:"):
            raise DownloadError(f"{dest.name}: {outcome[6:]}")
        if retry + 1 >= backoff.attempts:
            raise DownloadError(f"{dest.name}: {outcome}; gave up after {backoff.attempts} tries",
                                "run the same command again: the download resumes where it stopped")
        if stop.wait(backoff.delay(retry)):
            raise Interrupted()
        retry += 1
        refreshed = False


def _attempt(http: httpx.Client, url: str, part: Path, have: int, stop: threading.Event,
             progress: Callable[[int, int | None], None] | None) -> Fetched | str:
    """One GET; a Fetched when the whole file is in `part`, else why not (a retry reason,
    `expired`, or `final:` and a message)."""
    headers = {"range": f"bytes={have}-"} if have else {}
    with http.stream("GET", url, headers=headers) as answer:
        status = answer.status_code
        if status in EXPIRED:
            return "expired"
        if status == 416:
            total = _total(answer.headers.get("content-range"))
            if total is not None and total == have:
                return Fetched(have, answer.headers.get("content-type"))
            part.unlink(missing_ok=True)
            return "the partial file did not match the server's: starting again"
        if status in RETRYABLE:
            return f"the file server answered {status}"
        if status not in (200, 206):
            return f"final:the file server answered {status}"
        start, total = 0, _int(answer.headers.get("content-length"))
        if status == 206:
            first, total = _range(answer.headers.get("content-range"))
            if first != have:
                part.unlink(missing_ok=True)
                return "the server resumed at the wrong place: starting again"
            start = have
        mode = "ab" if start else "wb"
        written = start
        expected = None if total is None else (total if status == 206 else start + total)
        with open(part, mode) as f:
            for chunk in answer.iter_bytes(CHUNK):
                f.write(chunk)
                written += len(chunk)
                if progress is not None:
                    progress(written, expected)
                if stop.is_set():
                    f.flush()
                    raise Interrupted()
            f.flush()
            os.fsync(f.fileno())
        if expected is not None and written != expected:
            return f"got {written} of {expected} bytes"
        return Fetched(written, answer.headers.get("content-type"))


def _int(text: str | None) -> int | None:
    return whole_number(text.strip(" \t")) if text is not None else None


# ASCII digits only (`\d` alone would take `٣`); each number is then read by whole_number.
_CONTENT_RANGE = re.compile(r"bytes +([0-9]+)-([0-9]+)/([0-9]+|\*)")


def _range(header: str | None) -> tuple[int | None, int | None]:
    """(first byte, total size) of a 206's Content-Range."""
    match = _CONTENT_RANGE.fullmatch((header or "").strip())
    if not match:
        return None, None
    return whole_number(match.group(1)), None if match.group(3) == "*" else whole_number(match.group(3))


def _total(header: str | None) -> int | None:
    """The size in a 416's `Content-Range: bytes */SIZE`."""
    match = re.fullmatch(r"bytes +\*/([0-9]+)", (header or "").strip(" \t"))
    return whole_number(match.group(1)) if match else None
