"""A write transaction on a full disk reports the full disk: SQLite rolls back by itself after
SQLITE_FULL, and the rollback that followed used to replace the error with "cannot rollback -
no transaction is active". The disk is filled for real as far as SQLite can tell: the
connection's `max_page_count` makes the file unable to grow, the same SQLITE_FULL a full
file system gives."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from odyssey_dsl._support.transactions import immediate
from odyssey_dsl.runner.journal import Journal, Scene

ROW = b"x" * 4000  # about a page: the file grows with every row


def full_database(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("CREATE TABLE t (x BLOB)")
    db.execute(f"PRAGMA max_page_count = {db.execute('PRAGMA page_count').fetchone()[0] + 4}")
    return db


def test_a_full_disk_says_so_and_the_connection_stays_usable(tmp_path: Path) -> None:
    db, lock = full_database(tmp_path / "full.sqlite3"), threading.RLock()
    with pytest.raises(sqlite3.OperationalError, match="database or disk is full") as raised:
        for _ in range(50):
            with immediate(db, lock) as d:
                d.execute("INSERT INTO t VALUES (?)", (ROW,))
    assert raised.value.sqlite_errorname == "SQLITE_FULL"
    assert not db.in_transaction
    written = db.execute("SELECT count(*) FROM t").fetchone()[0]
    db.execute("PRAGMA max_page_count = 1000000")  # space freed: the next write goes through
    with immediate(db, lock) as d:
        d.execute("INSERT INTO t VALUES (?)", (ROW,))
    assert db.execute("SELECT count(*) FROM t").fetchone()[0] == written + 1


def test_an_error_in_the_body_rolls_back_and_propagates(tmp_path: Path) -> None:
    db, lock = full_database(tmp_path / "db.sqlite3"), threading.RLock()
    with pytest.raises(KeyError), immediate(db, lock) as d:
        d.execute("INSERT INTO t VALUES (?)", (b"kept?",))
        raise KeyError("boom")
    assert db.execute("SELECT count(*) FROM t").fetchone()[0] == 0 and not db.in_transaction


def test_the_journal_on_a_full_disk_reports_the_full_disk(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.sqlite3")
    journal._db.execute(f"PRAGMA max_page_count = {journal._db.execute('PRAGMA page_count').fetchone()[0] + 2}")
    plan = tuple(Scene(i, f"scene{i}" + "x" * 2000, 4000) for i in range(4))  # about two pages a row
    with pytest.raises(sqlite3.OperationalError, match="database or disk is full"):
        for n in range(50):
            journal.intend(api_base="http://127.0.0.1:1", key_fp="fp", group_hash=f"g{n}", request_hash="r", take=1,
                           screenplay=None, folder=None, title=None, plan=plan)
    journal.close()
