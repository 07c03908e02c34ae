"""One way to write to a SQLite file shared by threads and processes: the emulator's store and
the runner's journal both keep one connection per process, used by several threads."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def immediate(db: sqlite3.Connection, lock: threading.RLock) -> Iterator[sqlite3.Connection]:
    """A write transaction taken at once (BEGIN IMMEDIATE), so that two processes never
    interleave a read and a write, and held by one thread of this process at a time (one
    connection cannot nest transactions). Rolled back on any exception."""
    with lock:
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
