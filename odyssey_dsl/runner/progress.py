"""What the user sees while jobs run: a live rich table on a terminal, plain lines otherwise.

Every message goes to stderr (stdout carries only the final summary, or its JSON with
`--json`). Texts from the server are already cleaned by the client; presigned URLs are
never shown.
"""

from __future__ import annotations

import sys
import threading
import time
from dataclasses import dataclass, field
from typing import IO, Any

from ..api import JobDetail


@dataclass
class _Line:
    job: str = "-"
    status: str = "compiling"
    started: float = field(default_factory=time.monotonic)
    wait: float | None = None
    detail: str = ""


class Reporter:
    """Thread-safe news of several screenplays' runs."""

    def __init__(self, quiet: bool = False, stream: IO[str] | None = None, live: bool | None = None,
                 prefix: str = "ody run: ") -> None:
        self.prefix = prefix  # the command's, before each plain line
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.live_mode = (not quiet and self.stream.isatty()) if live is None else live
        self._lines: dict[str, _Line] = {}
        self._lock = threading.RLock()
        self._live: Any = None
        self._console: Any = None
        if self.live_mode:
            from rich.console import Console
            from rich.live import Live

            self._console = Console(file=self.stream, highlight=False)
            self._live = Live(self._table(), console=self._console, refresh_per_second=4, transient=True,
                              get_renderable=self._table)
            self._live.start()

    def close(self) -> None:
        with self._lock:
            if self._live is not None:
                self._live.stop()
                self._live = None

    def say(self, name: str, text: str, loud: bool = False) -> None:
        """A line of news; `loud` ones are shown even with --quiet."""
        if self.quiet and not loud:
            return
        with self._lock:
            prefix = f"{name}: " if name else ""
            if self._console is not None:
                style = "bold yellow" if loud else ""
                self._console.print(f"{prefix}{text}", style=style, markup=False, highlight=False)
            else:
                self.stream.write(f"{self.prefix}{prefix}{text}\n")
                self.stream.flush()

    def job(self, name: str, job: JobDetail) -> None:
        """The latest status of a screenplay's job; plain mode prints changes only."""
        with self._lock:
            line = self._lines.setdefault(name, _Line())
            status = job.status or "?"
            changed = (line.job, line.status) != (job.job_id, status)
            line.job, line.status = job.job_id, status
            line.wait = job.estimated_wait_minutes
        if changed and self._live is None:
            extra = f", about {line.wait:.1f} min to wait" if line.wait else ""
            self.say(name, f"job {line.job} is {status}{extra}")

    def progress(self, name: str, file: str, done: int, total: int | None) -> None:
        with self._lock:
            line = self._lines.setdefault(name, _Line())
            share = f" {done * 100 // total}%" if total else f" {done / 1e6:.1f} MB"
            line.status, line.detail = "downloading", f"{file}{share}"

    def stage(self, name: str, status: str, detail: str = "") -> None:
        with self._lock:
            line = self._lines.setdefault(name, _Line())
            line.status, line.detail = status, detail

    def _table(self) -> Any:
        from rich.table import Table

        table = Table(box=None, pad_edge=False)
        for column in ("screenplay", "job", "status", "elapsed", "est. wait", ""):
            table.add_column(column)
        with self._lock:
            for name, line in self._lines.items():
                elapsed = f"{time.monotonic() - line.started:.0f}s"
                wait = f"{line.wait:.1f} min" if line.wait else ""
                table.add_row(name, line.job[:12], line.status, elapsed, wait, line.detail)
        return table
