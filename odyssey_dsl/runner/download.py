"""Downloading one file: streamed to `<name>.part`, resumed with a Range request, renamed only
when complete, in constant memory whatever the size.

"Complete" means the byte count the server announced (Content-Length, or the total of a
Content-Range); presigned URLs are often signed for GET only, so no HEAD request is made.
Download requests carry no Authorization header. An expired URL (401/403/410) is replaced by
a fresh one from `refresh` (the API's /recordings/{stream_id}), once per expiry.

A `.part` belongs to one file of one job: `<name>.part.json` beside it records whose it is
(`owner`: job, stream and kind) and what the server said of the whole file (ETag,
Last-Modified, size). A rerun that submitted another job writes to the same name; without the
record its Range request would append the new video to the old one's first bytes. A `.part` is
resumed only for the same owner, with `If-Range` so that a changed file comes back whole; any
other mismatch (no record, another size or validator) starts the file over.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Callable
from pathlib import Path

import httpx

from .._support.files import refuse_special, write_atomic
from .._support.numbers import whole_number
from .._support.reads import read_file
from ..errors import Interrupted
from .client import USER_AGENT
from .errors import RunnerError
from .retry import Backoff

CHUNK = 256 * 1024
EXPIRED = frozenset({401, 403, 410})
RETRYABLE = frozenset({408, 429, 500, 502, 503, 504})
STARTING_OVER = ": starting again"  # the end of a retry reason whose `.part` was dropped


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


def claim_of(dest: Path) -> Path:
    """The record of whose `dest`'s `.part` is: in the same folder, as `dest` itself."""
    return dest.with_name(dest.name + ".part.json")


class Claim:
    """Whose a `.part` is, and the validators of the whole file it is the beginning of."""

    def __init__(self, owner: str, etag: str | None = None, last_modified: str | None = None,
                 total: int | None = None) -> None:
        self.owner, self.etag, self.last_modified, self.total = owner, etag, last_modified, total

    @classmethod
    def answered(cls, owner: str, headers: httpx.Headers, total: int | None) -> Claim:
        return cls(owner, headers.get("etag"), headers.get("last-modified"), total)

    def if_range(self) -> str | None:
        """What `If-Range` may carry: a strong ETag, else the date (a weak ETag is not allowed)."""
        if self.etag and not self.etag.startswith("W/"):
            return self.etag
        return self.last_modified

    def mismatch(self, other: Claim) -> str | None:
        """Why `other` (a 206's headers) is not the file this `.part` began, or None."""
        for what, mine, theirs in (("size", self.total, other.total), ("ETag", self.etag, other.etag),
                                   ("date", self.last_modified, other.last_modified)):
            if mine is not None and theirs is not None and mine != theirs:
                return f"the file's {what} changed on the server"
        return None

    def save(self, path: Path) -> None:
        write_atomic(path, json.dumps({"owner": self.owner, "etag": self.etag, "last_modified": self.last_modified,
                                       "total": self.total}), only_files=True)

    @classmethod
    def load(cls, path: Path) -> Claim | None:
        try:
            data = json.loads(read_file(path).decode("utf-8"))
            owner, total = data["owner"], data.get("total")
            etag, modified = data.get("etag"), data.get("last_modified")
        except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
            return None
        fields_ok = isinstance(owner, str) and all(v is None or isinstance(v, str) for v in (etag, modified))
        if not fields_ok or not (total is None or (isinstance(total, int) and not isinstance(total, bool))):
            return None
        return cls(owner, etag, modified, total)


def fetch(http: httpx.Client, url: str, dest: Path, *, owner: str, backoff: Backoff, stop: threading.Event,
          refresh: Callable[[], str | None] | None = None,
          progress: Callable[[int, int | None], None] | None = None,
          note: Callable[[str], None] | None = None) -> Fetched:
    """Download `url` to `dest` for `owner` (`"JOB STREAM KIND"`: a `.part` of anyone else's
    is started over, never resumed); raises Interrupted (keeping the `.part`) when `stop` is
    set. `note` hears why a `.part` was started over."""
    part, record = part_of(dest), claim_of(dest)
    retry = 0
    refreshed = False
    while True:
        if stop.is_set():
            raise Interrupted()
        claim = _ours(part, record, owner, note)
        have = part.stat().st_size if part.exists() else 0
        try:
            outcome = _attempt(http, url, part, record, claim, have, stop, progress)
        except httpx.TransportError as error:  # cut off mid-body: resume from what we have
            outcome = f"the connection broke ({type(error).__name__})"
        if isinstance(outcome, Fetched):
            os.replace(part, dest)
            record.unlink(missing_ok=True)
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
        if outcome.endswith(STARTING_OVER) and note is not None:
            note(f"{dest.name}: {outcome}")
        if retry + 1 >= backoff.attempts:
            raise DownloadError(f"{dest.name}: {outcome}; gave up after {backoff.attempts} tries",
                                "run the same command again: the download resumes where it stopped")
        if stop.wait(backoff.delay(retry)):
            raise Interrupted()
        retry += 1
        refreshed = False



def _ours(part: Path, record: Path, owner: str, note: Callable[[str], None] | None) -> Claim:
    """The claim on `part` when it is `owner`'s; else `part` is deleted (a `.part` with no
    record is an older `ody`'s, or its record was lost: whose it is cannot be known)."""
    claim = Claim.load(record)
    if claim is not None and claim.owner == owner:
        return claim
    if part.exists():
        _discard(part, record)
        if note is not None:
            note(f"{part.name} was begun for another job's file: downloading {part.name[:-5]} from the start")
    return Claim(owner)


def _discard(part: Path, record: Path) -> None:
    part.unlink(missing_ok=True)
    record.unlink(missing_ok=True)


def _attempt(http: httpx.Client, url: str, part: Path, record: Path, claim: Claim, have: int,
             stop: threading.Event, progress: Callable[[int, int | None], None] | None) -> Fetched | str:
    """One GET; a Fetched when the whole file is in `part`, else why not (a retry reason,
    `expired`, or `final:` and a message). `claim` is whose `part` is (its `have` bytes)."""
    headers = {}
    if have:
        headers["range"] = f"bytes={have}-"
        validator = claim.if_range()
        if validator:  # a changed file comes back whole (200) instead of its tail
            headers["if-range"] = validator
    with http.stream("GET", url, headers=headers) as answer:
        status = answer.status_code
        if status in EXPIRED:
            return "expired"
        if status == 416:
            total = _total(answer.headers.get("content-range"))
            if total is not None and total == have and claim.total in (None, total):
                return Fetched(have, answer.headers.get("content-type"))
            _discard(part, record)
            return "the partial file did not match the server's" + STARTING_OVER
        if status in RETRYABLE:
            return f"the file server answered {status}"
        if status not in (200, 206):
            return f"final:the file server answered {status}"
        start, total = 0, _int(answer.headers.get("content-length"))
        if status == 206:
            first, total = _range(answer.headers.get("content-range"))
            if first != have:
                _discard(part, record)
                return "the server resumed at the wrong place" + STARTING_OVER
            changed = claim.mismatch(Claim.answered(claim.owner, answer.headers, total))
            if changed is not None:
                _discard(part, record)
                return changed + STARTING_OVER
            start = have
        if not start:  # the whole file (also the answer to a Range whose If-Range no longer holds)
            Claim.answered(claim.owner, answer.headers, total).save(record)  # before its first byte
        mode = "ab" if start else "wb"
        refuse_special(part)  # a FIFO put in its place would wait for a reader
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
