"""Jobs move by the wall clock; a background worker renders each stream when it ends.

A job's phases are fixed at submit as moments (`plan`), so its status is read off the clock,
before and after any restart. The only work left is the end of each stream: a recording to
render or a decided failure to write. The worker finds due streams in the store, never in
memory, so a stream whose render was cut short by a crash is simply found again and redone
in a clean folder. Rendering runs on worker threads: requests never wait for it.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from .settings import Settings
from .store import Rendered, Store, StreamRow

ID_PATTERN = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
RECORDINGS = "recordings"
STEM = "recording"
FAILED_STREAM = "the stream failed while generating (injected by --fail-rate)"


@dataclass(frozen=True)
class Plan:
    created_at: float
    dispatch_at: float
    start_at: float
    ends: tuple[float, ...]  # one per stream: its script's `end`, at the emulator's speed


def plan(settings: Settings, now: float, durations_ms: list[int]) -> Plan:
    dispatch_at = now + settings.real_seconds(settings.pending_seconds)
    start_at = dispatch_at + settings.real_seconds(settings.dispatched_seconds)
    return Plan(now, dispatch_at, start_at, tuple(start_at + settings.real_seconds(ms / 1000) for ms in durations_ms))


def stream_folder(data_dir: Path, stream_id: str) -> Path:
    """Where a stream's files live; the id is checked, though only the server makes ids."""
    if not ID_PATTERN.fullmatch(stream_id):
        raise ValueError(f"not a stream id: {stream_id[:40]!r}")
    return data_dir / RECORDINGS / stream_id


class Worker:
    def __init__(self, settings: Settings, store: Store, workers: int = 2) -> None:
        self._settings = settings
        self._store = store
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._claimed: set[str] = set()
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ody-render")
        self._thread = threading.Thread(target=self._loop, name="ody-lifecycle", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        """A job was submitted: look at the schedule again now rather than at the next tick."""
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=10)
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                now = time.time()
                for stream in self._store.due_streams(now):
                    self._claim(stream)
                upcoming = self._store.next_end(now)
            except Exception as error:
                _log(f"lifecycle: {type(error).__name__}: {error}")
                upcoming = None
            wait = 0.5 if upcoming is None else min(0.5, max(0.01, upcoming - time.time()))
            self._wake.wait(wait)
            self._wake.clear()

    def _claim(self, stream: StreamRow) -> None:
        with self._lock:
            if stream.stream_id in self._claimed:
                return
            self._claimed.add(stream.stream_id)
        try:
            self._pool.submit(self._finish, stream)
        except RuntimeError:  # shutting down
            self._release(stream.stream_id)

    def _release(self, stream_id: str) -> None:
        with self._lock:
            self._claimed.discard(stream_id)

    def _finish(self, stream: StreamRow) -> None:
        try:
            if stream.will_fail:
                self._store.finish_stream(stream.stream_id, _done_at(stream), error=FAILED_STREAM)
                return
            try:
                rendered = self._render(stream)
            except Exception as error:
                if self._stop.is_set():
                    return
                _log(f"render of stream {stream.stream_id} failed: {type(error).__name__}: {error}")
                self._store.finish_stream(stream.stream_id, _done_at(stream),
                                          error=f"the recording could not be rendered ({type(error).__name__})")
                return
            if rendered is not None:
                self._store.finish_stream(stream.stream_id, _done_at(stream), rendered=rendered)
        except Exception as error:
            _log(f"lifecycle: stream {stream.stream_id}: {type(error).__name__}: {error}")
        finally:
            self._release(stream.stream_id)
            self._wake.set()  # the loop sleeps past streams it has handed out: look again

    def _render(self, stream: StreamRow) -> Rendered | None:
        """Render into an emptied folder (whatever a crashed render left is thrown away)."""
        from .render import render

        folder = stream_folder(self._settings.data_dir, stream.stream_id)
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True, mode=0o700)
        if self._settings.render_delay and self._stop.wait(self._settings.render_delay):
            return None
        entries = json.loads(self._store.entries_json(stream.stream_id))
        made = render(entries, bool(stream.portrait), folder, STEM, self._settings.video_padding_bytes)
        video, thumbnail, preview, events = (_inside(folder, p) for p in (made.video, made.thumbnail, made.preview,
                                                                          made.events))
        return Rendered(video, thumbnail, preview, events, frame_count=int(made.frame_count),
                        duration_seconds=float(made.duration_seconds), width=int(made.width), height=int(made.height))


def _inside(folder: Path, path: Path) -> str:
    """The file's name, after checking the renderer put it where it was told to."""
    resolved = Path(path).resolve()
    if resolved.parent != folder.resolve() or not resolved.is_file():
        raise RuntimeError(f"the renderer wrote {path} outside {folder}")
    return resolved.name


def _done_at(stream: StreamRow) -> float:
    return max(time.time(), stream.end_at)


def _log(message: str) -> None:
    print(f"ody emulator: {message}", file=sys.stderr, flush=True)
