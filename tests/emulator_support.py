"""Helpers for the emulator's tests: a server in a subprocess or a thread, scripts, polling.

Every wait is bounded: a broken emulator fails a test, it never hangs the suite.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from odyssey_dsl.emulator.server import ServerThread
from odyssey_dsl.emulator.settings import Settings
from odyssey_dsl.runner.emulated import first_line as read_line

KEY = "ody_test_key"
OTHER_KEY = "ody_other_key"
FINAL = ("completed", "failed", "cancelled")
QUICK = {"speed": 100.0, "pending_seconds": 1.0, "dispatched_seconds": 1.0}


def script(seconds: float = 1.0, *prompts: str, start: str = "A tabby cat on a window sill") -> list[dict[str, Any]]:
    """`start`, then one `interact` per prompt spread evenly, then `end` at `seconds`."""
    end = int(seconds * 1000)
    entries: list[dict[str, Any]] = [{"timestamp_ms": 0, "start": {"prompt": start}}]
    for i, prompt in enumerate(prompts, 1):
        entries.append({"timestamp_ms": end * i // (len(prompts) + 1), "interact": {"prompt": prompt}})
    entries.append({"timestamp_ms": end, "end": {}})
    return entries


def renderer_available() -> bool:
    try:
        import odyssey_dsl.emulator.render  # noqa: F401
    except ImportError:
        return False
    return True


@contextmanager
def thread_server(data_dir: Path, **options: Any) -> Iterator[ServerThread]:
    settings = Settings(data_dir=data_dir, port=0, **{**QUICK, **options})
    with ServerThread(settings) as server:
        yield server


class Api:
    """An httpx client that knows one key's token."""

    def __init__(self, url: str, key: str = KEY, **client: Any) -> None:
        self.url = url
        self.http = httpx.Client(base_url=url, timeout=30, **client)
        self.key = key
        self.token = ""

    def __enter__(self) -> Api:
        return self

    def __exit__(self, *_: object) -> None:
        self.http.close()

    def login(self) -> Api:
        answer = self.http.post("/auth/token", json={"api_key": self.key})
        assert answer.status_code == 200, answer.text
        self.token = answer.json()["access_token"]
        return self

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return self.http.request(method, path, headers={**self.auth, **kwargs.pop("headers", {})}, **kwargs)

    def submit(self, body: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
        answer = self.request("POST", "/simulation-jobs", json=body or {"script": script(), **fields})
        assert answer.status_code == 200, answer.text
        job: dict[str, Any] = answer.json()
        return job

    def job(self, job_id: str) -> dict[str, Any]:
        answer = self.request("GET", f"/simulation-jobs/{job_id}")
        assert answer.status_code == 200, answer.text
        job: dict[str, Any] = answer.json()
        return job

    def wait(self, job_id: str, until: Callable[[dict[str, Any]], bool] | tuple[str, ...] = FINAL,
             timeout: float = 30.0) -> dict[str, Any]:
        test = until if callable(until) else (lambda job: job["status"] in until)
        job: dict[str, Any] = poll(lambda: self.job(job_id), test, timeout)
        return job


def poll(read: Callable[[], Any], test: Callable[[Any], bool], timeout: float = 30.0, every: float = 0.02) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = read()
        if test(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting after {timeout} s; last seen: {value}")
        time.sleep(every)


class Emulator:
    """`ody emulator` in a subprocess; stderr goes to a file (a full pipe would block it)."""

    def __init__(self, data_dir: Path, *flags: str, env: dict[str, str] | None = None) -> None:
        self.data_dir = data_dir
        self.flags = flags
        self.env = {**os.environ, **(env or {})}
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""
        self.first_line = ""
        self.stderr_path = data_dir.parent / f"{data_dir.name}-stderr.txt"

    def start(self, timeout: float = 60.0) -> str:
        with open(self.stderr_path, "ab") as err:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "odyssey_dsl", "emulator", "--port", "0", "--data-dir", str(self.data_dir),
                 *self.flags], stdout=subprocess.PIPE, stderr=err, stdin=subprocess.DEVNULL, env=self.env)
        self.first_line = read_line(self.process, timeout)
        assert self.first_line.startswith("listening on http://"), (self.first_line, self.stderr())
        self.url = self.first_line.removeprefix("listening on ")
        return self.url

    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace") if self.stderr_path.exists() else ""

    def kill(self) -> None:
        """SIGKILL: no cleanup at all, as in a crash."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)
        self._close()

    def stop(self) -> int:
        if self.process is None:
            return 0
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)
        self._close()
        return self.process.returncode

    def _close(self) -> None:
        if self.process is not None and self.process.stdout is not None:
            self.process.stdout.close()
