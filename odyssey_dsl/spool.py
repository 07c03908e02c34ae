"""Diagnostics held in their final order at a few bytes each, until a file is fully checked.

The batch driver (`checks.Checker`) reads a file once and keeps no syntax node, but the
report lists diagnostics by place and some rules only speak at the end of a script or of the
file (a missing `start` is reported at the first cue, once the script is known not to be
broken). So diagnostics are gathered here: each with its *rank*, where it would stand among
equal places in `checks.check`'s order (stage, then order of production), so that the final
order never depends on when a rule ran. Few of them stay as they are; past `CHUNK` they are
sorted and pickled in chunks (~30 bytes each instead of ~400 as objects: a file with an
error on each of its million lines must not hold a million diagnostics), and read back in
one merge.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator

from .diagnostics import Diagnostic, Span

CHUNK = 8192

Ranked = tuple[int, Diagnostic]  # (rank, diagnostic)


def _key(item: Ranked) -> tuple[str, int, int, str, int]:
    d = item[1]
    return (d.file or "", d.span.line, d.span.column, d.code, item[0])


class Spool:
    """Ranked diagnostics, given in any order, read back sorted by place then rank; with
    `compact`, pickled past `CHUNK` (without, they stay objects: for a caller that keeps the
    syntax tree, whose nodes hold them anyway)."""

    def __init__(self, compact: bool = True) -> None:
        self._compact = compact
        self._pending: list[Ranked] = []
        self._runs: list[list[bytes]] = []  # each run: pickled chunks, each sorted, in order
        self._last: tuple[str, int, int, str, int] | None = None  # the last key of the last run
        self.errors = self.warnings = 0

    def add(self, rank: int, d: Diagnostic) -> None:
        if d.is_error:
            self.errors += 1
        else:
            self.warnings += 1
        self._pending.append((rank, d))
        if self._compact and len(self._pending) >= CHUNK:
            self._pack()

    def extend(self, other: Spool) -> None:
        """Take every diagnostic of `other` (which is then empty)."""
        self.errors += other.errors
        self.warnings += other.warnings
        if self._compact:
            other._pack()
            self._pack()
            self._runs += other._runs
            self._last = None
        else:
            self._pending += other._pending
        other._pending, other._runs, other._last, other.errors, other.warnings = [], [], None, 0, 0

    def __len__(self) -> int:
        return self.errors + self.warnings

    def __iter__(self) -> Iterator[Diagnostic]:
        """Every diagnostic by place (line, column, code), then rank."""
        pending = sorted(self._pending, key=_key)
        if not self._runs:
            return (d for _, d in pending)
        runs = [_unpickled(run) for run in self._runs]
        return (d for _, d in heapq.merge(*runs, pending, key=_key))

    def _pack(self) -> None:
        """Pickle what is pending as a chunk: the continuation of the last run when it sorts
        after it (diagnostics mostly come in order), else the start of a new run."""
        import pickle  # only large reports need it: editors lint on every save

        if not self._pending:
            return
        chunk = sorted(self._pending, key=_key)
        self._pending = []
        if self._last is None or _key(chunk[0]) < self._last:
            self._runs.append([])
        flat = [(rank, d.code, d.message, *d.span, d.help, d.fixes, d.related, d.file) for rank, d in chunk]
        self._runs[-1].append(pickle.dumps(flat, pickle.HIGHEST_PROTOCOL))
        self._last = _key(chunk[-1])


def _unpickled(run: list[bytes]) -> Iterator[Ranked]:
    """A run's diagnostics back, chunk by chunk. Pickled as flat tuples and rebuilt with
    `tuple.__new__` (what a named tuple's constructor does, without its Python frame): a
    third of the time of pickling the records themselves."""
    import pickle

    new = tuple.__new__
    for chunk in run:
        for rank, code, message, line, column, end_line, end_column, help, fixes, related, file in pickle.loads(chunk):
            span = new(Span, (line, column, end_line, end_column))
            yield rank, new(Diagnostic, (code, message, span, help, fixes, related, file))
