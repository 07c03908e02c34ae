"""What the user sees while jobs run: a live rich table on a terminal, plain lines otherwise.

Every message goes to stderr (stdout carries only the final summary, or its JSON with
`--json`). Texts from the server are already cleaned by the client; presigned URLs are
never shown. Off a terminal, a silent log looks like a hung one, so a heartbeat thread writes
a line for every screenplay still at work that has printed nothing for `heartbeat` seconds:
how long its job has been at it and has left, or how far its download is (estimate.py says
how those are worked out).
"""

from __future__ import annotations

import sys
import threading
import time
from dataclasses import dataclass, field
from typing import IO, Any

from ..api import FINAL, JobDetail, is_active, is_rendering
from ..diagnostics import printable
from .estimate import (
    REAL_TIME,
    Speed,
    amount_text,
    clock,
    left,
    left_text,
    moment,
    observed_rate,
    processing_elapsed,
    share_text,
    speed_text,
)

HEARTBEAT = 10.0  # seconds of silence, per screenplay, before a plain-lines heartbeat


@dataclass
class _Line:
    """One screenplay's state, as the table row and the heartbeat show it."""

    job: str = "-"
    status: str = "compiling"  # what is shown: the job's status, or a stage such as `downloading`
    started: float = field(default_factory=time.monotonic)
    wait: float | None = None
    detail: str = ""
    video: float | None = None  # seconds of video the job being waited for makes (expect)
    job_status: str | None = None
    started_at: str | None = None  # the job's, as the server last said
    seen: float = 0.0  # when the job's status was last seen
    since: float = field(default_factory=time.monotonic)  # when the shown status began
    before: float | None = None  # last seen in a status before `processing` (bounds its start)
    file: str = ""
    done: int | None = None
    total: int | None = None
    speed: Speed = field(default_factory=Speed)
    printed: float = field(default_factory=time.monotonic)  # the last plain line about it
    ended: float | None = None  # when its run finished: no heartbeat, a frozen elapsed time


class Reporter:
    """Thread-safe news of several screenplays' runs."""

    def __init__(self, quiet: bool = False, stream: IO[str] | None = None, live: bool | None = None,
                 prefix: str = "ody run: ", heartbeat: float = HEARTBEAT) -> None:
        self.prefix = prefix  # the command's, before each plain line
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.live_mode = (not quiet and self.stream.isatty()) if live is None else live
        self.heartbeat = heartbeat
        self._lines: dict[str, _Line] = {}
        self._lock = threading.RLock()
        self._rate = REAL_TIME  # refined by each job seen to finish
        self._closed = threading.Event()
        self._live: Any = None
        self._console: Any = None
        self._beats: threading.Thread | None = None
        if self.live_mode:
            from rich.console import Console
            from rich.live import Live

            self._console = Console(file=self.stream, highlight=False)
            self._live = Live(self._table(), console=self._console, refresh_per_second=4, transient=True,
                              get_renderable=self._table)
            self._live.start()
        elif not quiet:
            self._beats = threading.Thread(target=self._beat_loop, name="ody-heartbeat", daemon=True)
            self._beats.start()

    def close(self) -> None:
        """Stop the table and the heartbeat; nothing is printed by either afterwards."""
        with self._lock:
            self._closed.set()
            if self._live is not None:
                self._live.stop()
                self._live = None
        if self._beats is not None and self._beats is not threading.current_thread():
            self._beats.join(timeout=5)

    def say(self, name: str, text: str, loud: bool = False) -> None:
        """A line of news; `loud` ones are shown even with --quiet."""
        if self.quiet and not loud:
            return
        with self._lock:
            prefix = f"{name}: " if name else ""
            if self._console is not None:
                style = "bold yellow" if loud else ""
                self._console.print(printable(f"{prefix}{text}"), style=style, markup=False, highlight=False)
            else:
                self._write(name, text)

    def expect(self, name: str, video_seconds: float) -> None:
        """The seconds of video the job `name` waits for makes: its longest script, since a
        batch's scripts run side by side. Without it, a processing job has no estimate."""
        with self._lock:
            self._line(name).video = video_seconds

    def finished(self, name: str, status: str = "done") -> None:
        """`name`'s run is over: no more heartbeats; its row shows `status`."""
        with self._lock:
            line = self._line(name)
            line.status, line.ended = status, time.monotonic()

    def job(self, name: str, job: JobDetail) -> None:
        """The latest status of a screenplay's job; plain mode prints changes only."""
        now = time.monotonic()
        with self._lock:
            line = self._line(name)
            status = job.status or "?"
            same_job = line.job == job.job_id
            changed = not same_job or line.job_status != status
            if changed:
                was = line.job_status if same_job else None
                line.before = line.seen if is_rendering(status) and was is not None and is_active(was) else None
                line.since = now
                if status == "completed" and was is not None and is_active(was):
                    self._rate = observed_rate(job.started_at, job.completed_at, line.video) or self._rate
            line.job, line.job_status, line.status = job.job_id, status, status
            line.wait, line.started_at, line.seen = job.estimated_wait_minutes, job.started_at, now
            if is_active(status):
                line.ended = None
            estimate = left_text(self._left(line, now))
        if changed and self._live is None:
            self.say(name, f"job {job.job_id} is {status}" + (f", {estimate}" if estimate else ""))

    def progress(self, name: str, file: str, done: int, total: int | None) -> None:
        """Bytes of `file` on disk so far (and its size, when known)."""
        now = time.monotonic()
        with self._lock:
            line = self._line(name)
            if (line.status, line.file) != ("downloading", file) or line.done is None:
                line.speed = Speed()
            line.status, line.file, line.done, line.total, line.ended = "downloading", file, done, total, None
            line.speed.add(now, done)

    def stage(self, name: str, status: str, detail: str = "") -> None:
        """A step of the run (`submitting`, `downloading` a file, ...)."""
        with self._lock:
            line = self._line(name)
            if line.status != status:
                line.since = time.monotonic()
            line.status, line.detail, line.ended = status, detail, None
            if status == "downloading":
                line.file, line.done, line.total, line.speed = detail, None, None, Speed()

    # --- plain lines ----------------------------------------------------------------------------

    def _line(self, name: str) -> _Line:
        return self._lines.setdefault(name, _Line())

    def _write(self, name: str, text: str) -> None:
        """One plain line (the caller holds the lock); it counts as news of `name`."""
        prefix = f"{name}: " if name else ""
        self.stream.write(printable(f"{self.prefix}{prefix}{text}") + "\n")
        self.stream.flush()
        if name in self._lines:
            self._lines[name].printed = time.monotonic()

    def _beat_loop(self) -> None:
        while not self._closed.wait(self.heartbeat / 10):
            self._beat()

    def _beat(self) -> None:
        now = time.monotonic()
        with self._lock:
            if self._closed.is_set():
                return
            for name, line in list(self._lines.items()):
                if now - line.printed >= self.heartbeat and _at_work(line):
                    self._write(name, self._news(line, now))

    def _news(self, line: _Line, now: float) -> str:
        """A heartbeat: what `line` is doing now, and how far it is."""
        if line.status == "downloading":
            if line.done is None:
                return f"downloading {line.file}, {clock(now - line.since)} elapsed"
            share, speed = share_text(line.done, line.total), speed_text(line.speed.per_second(now))
            return (f"downloading {line.file}: {amount_text(line.done, line.total)}" + (f" ({share})" if share else "")
                    + (f", {speed}" if speed else ""))
        if line.status == line.job_status:
            estimate = left_text(self._left(line, now))
            return (f"job {line.job[:8]} is {line.status}, {clock(self._elapsed(line, now))} elapsed"
                    + (f", {estimate}" if estimate else ""))
        return f"{line.status}{f' {line.detail}' if line.detail else ''}, {clock(now - line.since)} elapsed"

    # --- estimates ------------------------------------------------------------------------------

    def _elapsed(self, line: _Line, now: float) -> float:
        """Seconds the job has been in its current status (processing: by the server's clock,
        within what polling saw)."""
        if not is_rendering(line.job_status):
            return now - line.since
        start = moment(line.started_at)
        by_server = None if start is None else time.time() - start
        return processing_elapsed(now - line.since, None if line.before is None else now - line.before, by_server)

    def _left(self, line: _Line, now: float) -> tuple[float, str] | None:
        if line.job_status is None or not is_active(line.job_status):
            return None
        return left(line.job_status, line.wait, line.video, self._rate, self._elapsed(line, now))

    # --- the live table -------------------------------------------------------------------------

    def _table(self) -> Any:
        from rich.table import Table
        from rich.text import Text

        table = Table(box=None, pad_edge=False)
        for column in ("screenplay", "job", "status", "elapsed", "estimate", ""):
            table.add_column(column)
        now = time.monotonic()
        with self._lock:
            for name, line in self._lines.items():
                elapsed = clock((line.ended or now) - line.started)
                active = line.ended is None
                estimate = left_text(self._left(line, now)) if active and line.status == line.job_status else ""
                cells = (printable(name), line.job[:12], line.status, elapsed, estimate, printable(self._detail(line, now)))
                table.add_row(*(Text(cell) for cell in cells))  # names as written: `[intro]` is not markup
        return table

    def _detail(self, line: _Line, now: float) -> str:
        if line.status != "downloading" or line.done is None:
            return line.detail
        parts = (line.file, share_text(line.done, line.total), amount_text(line.done, line.total, "/"),
                 speed_text(line.speed.per_second(now)))
        return " ".join(part for part in parts if part)


def _at_work(line: _Line) -> bool:
    """Whether a screenplay is still waiting, downloading or at another step worth a heartbeat."""
    if line.ended is not None or line.status in FINAL:
        return False
    return not (line.status == "downloading" and line.total and line.done is not None and line.done >= line.total)
