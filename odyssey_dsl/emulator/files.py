"""Serving a recording file: Content-Length, and single byte ranges so downloads can resume.

Multiple ranges are answered with the whole file (RFC 9110 lets a server ignore Range), a
range that starts past the end is 416 with `Content-Range: bytes */size`, and a malformed
Range header is ignored.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Iterator
from email.utils import formatdate
from pathlib import Path

from starlette.responses import JSONResponse, Response, StreamingResponse

from .._support.numbers import whole_number
from .errors import problem

CHUNK = 64 * 1024
UNSATISFIABLE = (-1, -1)
_TYPES = {".mp4": "video/mp4", ".json": "application/json", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
          ".png": "image/png", ".webp": "image/webp", ".gif": "image/gif"}


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(first, last) inclusive, None to send everything, or UNSATISFIABLE."""
    if not header:
        return None
    unit, _, spec = header.partition("=")
    spec = spec.strip(" \t")
    if unit.strip(" \t").lower() != "bytes" or "," in spec or "-" not in spec:
        return None
    first_text, _, last_text = (part.strip(" \t") for part in spec.partition("-"))
    if not first_text:
        suffix = whole_number(last_text)
        if suffix is None:
            return None
        if suffix == 0 or size == 0:
            return UNSATISFIABLE
        return max(0, size - suffix), size - 1
    first = whole_number(first_text)
    last = whole_number(last_text) if last_text else size - 1
    if first is None or last is None:
        return None
    if first >= size:
        return UNSATISFIABLE
    if last < first:
        return None
    return first, min(last, size - 1)


def file_response(path: Path, range_header: str | None, head: bool) -> Response:
    stat = path.stat()
    size = stat.st_size
    headers = {
        "accept-ranges": "bytes",
        "content-type": _TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0]
        or "application/octet-stream",
        "etag": f'"{stat.st_mtime_ns:x}-{size:x}"',
        "last-modified": formatdate(stat.st_mtime, usegmt=True),
        "cache-control": "private, max-age=60",
    }
    wanted = byte_range(range_header, size)
    if wanted == UNSATISFIABLE:
        return JSONResponse(problem(f"the range starts past the end of the file ({size} bytes)"), 416,
                            headers={"content-range": f"bytes */{size}", "accept-ranges": "bytes"})
    status, (first, last) = (200, (0, size - 1)) if wanted is None else (206, wanted)
    if status == 206:
        headers["content-range"] = f"bytes {first}-{last}/{size}"
    length = max(0, last - first + 1)
    headers["content-length"] = str(length)
    if head or length == 0:
        return Response(b"", status, headers=headers)
    return StreamingResponse(_read(path, first, length), status, headers=headers)


def _read(path: Path, first: int, length: int) -> Iterator[bytes]:
    with open(path, "rb") as f:
        f.seek(first)
        left = length
        while left > 0:
            chunk = f.read(min(CHUNK, left))
            if not chunk:
                return
            left -= len(chunk)
            yield chunk


__all__ = ["UNSATISFIABLE", "byte_range", "file_response"]
