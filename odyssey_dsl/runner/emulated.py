"""The local emulator behind `--emulator`: started in the background on a free loopback port,
its data in `<state folder>/emulator` so a rerun finds the last run's jobs and files.

One emulator serves every `ody` command using that folder at the same time, and the last of
them stops it, whichever started it. Each user holds a shared `flock` on `users.lock` while it
uses the emulator; a user leaving tries to take that lock exclusively, which succeeds only when
no one else holds it, and then stops the emulator: its own child, or else the process that
`endpoint.json` names, once /proc shows it is an emulator on this folder. Finding or starting
the emulator and taking the shared lock, and leaving and stopping it, each happen under an
exclusive `start.lock`, so that no one joins an emulator being stopped. The kernel drops a
process's locks when it dies, even by kill -9: a user killed counts no more, and the emulator
it leaves behind (in its own session) is reused by the next user and stopped by the last.

The child runs in its own session, so a Ctrl-C at the terminal reaches only us. It accepts
only the fixed local key (`target.EMULATOR_KEY`).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from .._support.files import write_atomic
from .errors import ApiFailure, UsageError
from .target import EMULATOR, EMULATOR_KEY, Target, state_dir

START_TIMEOUT = 60.0


def data_dir() -> Path:
    return state_dir() / "emulator"


class LocalEmulator:
    """A context manager giving the `Target` of a running emulator, shared with every other
    user of the same folder and stopped by the last one to leave."""

    def __init__(self, folder: Path | None = None, extra_args: tuple[str, ...] = ()) -> None:
        self.folder = folder or data_dir()
        self._extra = extra_args
        self._process: subprocess.Popen[bytes] | None = None
        self._using: int | None = None  # the descriptor holding our shared lock on users.lock
        self.target: Target | None = None

    def __enter__(self) -> Target:
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        with _exclusive(self.folder / "start.lock"):
            using = os.open(self.folder / "users.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            try:
                fcntl.flock(using, fcntl.LOCK_SH)  # never waits: one who holds it exclusively holds start.lock
                url = _running(self.folder / "endpoint.json") or self._start()
            except BaseException:
                os.close(using)
                raise
            self._using = using
        self.target = Target(EMULATOR, url, EMULATOR_KEY)
        return self.target

    def __exit__(self, *_: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Leave the emulator: stop it if no other user holds it (safe to call twice)."""
        using, self._using = self._using, None
        if using is None:
            return
        try:
            with _exclusive(self.folder / "start.lock"):
                try:
                    fcntl.flock(using, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    return  # another user still needs it
                self._halt()
        finally:
            os.close(using)

    def _halt(self) -> None:
        """Stop the emulator of `endpoint.json`: SIGTERM, then SIGKILL after 10 s."""
        endpoint = self.folder / "endpoint.json"
        pid = _pid(endpoint)
        endpoint.unlink(missing_ok=True)
        process, self._process = self._process, None
        if process is not None and pid in (None, process.pid):
            _end_child(process)
        elif pid is not None and _is_emulator(pid, self.folder):
            _end_pid(pid)

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
            _end_child(self._process)
            self._process = None
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


@contextlib.contextmanager
def _exclusive(path: Path) -> Iterator[None]:
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _pid(endpoint: Path) -> int | None:
    try:
        pid = json.loads(endpoint.read_text())["pid"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return pid if isinstance(pid, int) and not isinstance(pid, bool) and pid > 0 else None


def _is_emulator(pid: int, folder: Path) -> bool:
    """Whether `pid` is still `ody emulator` on `folder` (not a process that took its number)."""
    try:
        words = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return b"emulator" in words and os.fsencode(str(folder)) in words


def _end_child(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)


def _end_pid(pid: int) -> None:
    """Stop a process that is not our child (we cannot wait for it): SIGTERM, then SIGKILL."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if not _alive(pid):
                return
            time.sleep(0.05)


def _alive(pid: int) -> bool:
    """Running: neither gone nor a zombie waiting for a parent that does not reap it."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")
