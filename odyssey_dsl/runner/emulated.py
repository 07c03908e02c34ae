"""The local emulator behind `--emulator`: started in the background on a free loopback port,
its data in `<state folder>/emulator` so a rerun finds the last run's jobs and files.

A running emulator on that folder (another `ody run --emulator`) is reused rather than started
twice: `endpoint.json` in the data folder says where it listens and which process owns it.
The child runs in its own session, so a Ctrl-C at the terminal reaches only us, and we stop
it last. It accepts only the fixed local key (`target.EMULATOR_KEY`).
"""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import sys
import time
from pathlib import Path

import httpx

from .._support.files import write_atomic
from .errors import ApiFailure, UsageError
from .target import EMULATOR, EMULATOR_KEY, Target, state_dir

START_TIMEOUT = 60.0


def data_dir() -> Path:
    return state_dir() / "emulator"


class LocalEmulator:
    """A context manager giving the `Target` of a running emulator."""

    def __init__(self, folder: Path | None = None, extra_args: tuple[str, ...] = ()) -> None:
        self.folder = folder or data_dir()
        self._extra = extra_args
        self._process: subprocess.Popen[bytes] | None = None
        self.target: Target | None = None

    def __enter__(self) -> Target:
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        url = _running(self.folder / "endpoint.json")
        if url is None:
            url = self._start()
        self.target = Target(EMULATOR, url, EMULATOR_KEY)
        return self.target

    def __exit__(self, *_: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop the emulator if we started it (SIGTERM, then SIGKILL after 10 s)."""
        process, self._process = self._process, None
        if process is None:
            return
        endpoint = self.folder / "endpoint.json"
        try:
            if json.loads(endpoint.read_text()).get("pid") == process.pid:
                endpoint.unlink()
        except (OSError, ValueError, AttributeError):
            pass
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)

    def _start(self) -> str:
        try:
            import uvicorn  # noqa: F401  - the emulator's extra must be installed
        except ImportError:
            raise UsageError("--emulator needs the emulator's dependencies",
                             "pip install 'odyssey-dsl[emulator]'") from None
        command = [sys.executable, "-m", "odyssey_dsl", "emulator", "--port", "0", "--host", "127.0.0.1",
                   "--data-dir", str(self.folder), "--api-key", EMULATOR_KEY, *self._extra]
        with open(self.folder / "emulator.log", "ab") as log:  # the child keeps its own copy
            self._process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                             stderr=log, start_new_session=True)
        url = _listening(first_line(self._process, START_TIMEOUT))
        if url is None:
            self.stop()
            raise ApiFailure("the local emulator did not start",
                             f"see {self.folder / 'emulator.log'} for why")
        write_atomic(self.folder / "endpoint.json", json.dumps({"url": url, "pid": self._process.pid}))
        return url


def first_line(process: subprocess.Popen[bytes], timeout: float) -> str:
    """The child's first stdout line (without its newline), or what came of it before
    `timeout` seconds or the end of its output. Read a byte at a time, unbuffered, so that
    nothing the child writes later is swallowed into a buffer select cannot see."""
    assert process.stdout is not None
    line = b""
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while not line.endswith(b"\n"):
            left = deadline - time.monotonic()
            if left <= 0 or not selector.select(left):
                break
            byte = os.read(process.stdout.fileno(), 1)
            if not byte:
                break
            line += byte
    return line.decode("utf-8", "replace").rstrip("\n")


def _listening(line: str) -> str | None:
    """The address in the emulator's `listening on URL` line."""
    return line.removeprefix("listening on ") if line.startswith("listening on http://") else None


def _running(endpoint: Path) -> str | None:
    """The URL of a live emulator on this folder, if one answers there."""
    try:
        data = json.loads(endpoint.read_text())
        url, pid = str(data["url"]), int(data["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not url.startswith("http://127.0.0.1:"):
        return None
    try:
        os.kill(pid, 0)
        answer = httpx.get(url + "/openapi.json", timeout=2.0)
    except (OSError, httpx.HTTPError):
        return None
    return url if answer.status_code == 200 else None
