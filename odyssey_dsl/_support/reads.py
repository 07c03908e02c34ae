"""Reading an input up to a limit that may be far larger than the input (`max-bytes = 1 TiB`).

`f.read(limit + 1)` asks for a buffer of the limit's size before reading a byte: a limit of a
terabyte is a MemoryError on a 30-byte file, and 2^63 an OverflowError. Here the input is read
in pieces that are never larger than what is left of it (a regular file's size is known, so it
is usually one read and no copy), and the limit only decides when to stop.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import BinaryIO

#: Bytes asked for at a time when the size is not known (a pipe, stdin).
CHUNK = 1 << 20


def read_at_most(f: BinaryIO, limit: int, size: int | None = None) -> bytes | None:
    """All of `f`, or None when it holds more than `limit` bytes (then at most `limit + 1` of
    them are read). `size`: what the file is expected to hold, the size of the first read.
    A file opened non-blocking that has nothing to give yet raises BlockingIOError."""
    first = _read(f, min(CHUNK if size is None else size, limit) + 1)
    if len(first) > limit:
        return None
    pieces, total = [first], len(first)
    while pieces[-1]:
        piece = _read(f, min(CHUNK, limit + 1 - total))
        total += len(piece)
        if total > limit:
            return None
        pieces.append(piece)
    return first if len(pieces) == 2 else b"".join(pieces)


def _read(f: BinaryIO, n: int) -> bytes:
    """`f.read(n)`, which is None for a non-blocking file with nothing to give yet."""
    data = f.read(n)
    if data is None:
        raise BlockingIOError(errno.EAGAIN, os.strerror(errno.EAGAIN))
    return data


def read_file(path: Path) -> bytes:
    """The bytes of a regular file; a FIFO, a device or a socket raises NotRegularFile (without
    waiting: it is opened non-blocking, and checked once open), a folder IsADirectoryError.
    For a file of a folder we keep (run.json, an events file), which a user's FIFO must not
    turn into a wait for a writer that never comes."""
    from .files import not_regular

    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "rb") as f:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
        if not stat.S_ISREG(mode):
            raise not_regular(mode, path)
        return f.read()
