"""One way to write to a SQLite file shared by threads and processes: the emulator's store and
the runner's journal both keep one connection per process, used by several threads."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def immediate(db: sqlite3.Connection, lock: threading.RLock) -> Iterator[sqlite3.Connection]:
    """A write transaction taken at once (BEGIN IMMEDIATE), so that two processes never
    interleave a read and a write, and held by one thread of this process at a time (one
    connection cannot nest transactions). Rolled back on any exception, the exception itself
    propagating: SQLite has already rolled back after some errors (a full disk, an I/O error),
    and a second rollback's "no transaction is active" would hide why."""
    with lock:
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                with contextlib.suppress(sqlite3.Error):  # what failed first is the news
                    db.execute("ROLLBACK")
            raise
