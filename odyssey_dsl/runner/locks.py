"""Machine-wide locks in the state folder, waited for without ignoring Ctrl-C.

One submit per key is in flight at a time, and one process at a time downloads a given file:
two `ody run`s of one screenplay would otherwise write the same `.part`. The system drops a
lock when its process dies, even by SIGKILL.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import Interrupted


@contextmanager
def held(folder: Path, name: str, stop: threading.Event) -> Iterator[None]:
    """Hold the lock `name` (any text: it is hashed into a file name) until the block ends."""
    from filelock import FileLock, Timeout

    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:24]
    lock = FileLock(str(folder / f"{digest}.lock"))
    while True:
        try:
            lock.acquire(timeout=0.2)
            break
        except Timeout:
            if stop.is_set():
                raise Interrupted() from None
    try:
        yield
    finally:
        lock.release()
