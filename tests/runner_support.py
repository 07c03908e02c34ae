"""Helpers for the runner's tests: `ody` in a subprocess with private state and config
folders, against the emulator in a thread on a fixed loopback port (so that a restarted
emulator is the same API base, as the journal sees it), and inspection of what it left.

Every wait is bounded.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from emulator_support import QUICK, Api

from odyssey_dsl.emulator.server import ServerThread
from odyssey_dsl.emulator.settings import Settings

KEY = "ody_runner_test_key_5f2c9a"
FAST_CONFIG = """\
poll-first = 0.05
poll-max = 0.3
retry-attempts = 8
retry-base = 0.02
retry-cap = 0.3
"""
SINGLE = """\
title "Window cat"
@0 start "A ginger cat dozes on a sunlit windowsill"
@1s interact "The cat wakes and looks outside"
@2s end
"""
BATCH = """\
title "Seasons"
scene "spring"
@0 start "An orchard in spring"
@1s end
scene "summer"
@0 start "An orchard in summer"
@1s end
scene "autumn"
@0 start "An orchard in autumn"
@1s end
scene "winter"
@0 start "An orchard in winter"
@1s end
"""


def make_home(root: Path, config: str = FAST_CONFIG) -> Home:
    """A fresh home on a free port, with the fast polling and retry settings in its config."""
    home = Home(root, free_port())
    home.work.mkdir()
    folder = root / "config" / "odyssey-dsl"
    folder.mkdir(parents=True)
    (folder / "config.toml").write_text(config, encoding="utf-8")
    return home


def send_json(handler: BaseHTTPRequestHandler, data: object, status: int = 200) -> None:
    """Answer an http.server request with `data` as JSON (the test servers' stand-in APIs)."""
    body = json.dumps(data).encode()
    handler.send_response(status)
    handler.send_header("content-type", "application/json")
    handler.send_header("content-length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


@contextmanager
def serving(home: Home, handler: type[BaseHTTPRequestHandler]) -> Iterator[None]:
    """A stand-in API (an http.server handler) on the home's port, in a thread, stopped after."""
    server = ThreadingHTTPServer(("127.0.0.1", home.port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Home:
    """A user's machine in miniature: state and config folders, a working folder, a key."""

    root: Path
    port: int

    @property
    def work(self) -> Path:
        return self.root / "work"

    @property
    def state(self) -> Path:
        return self.root / "state" / "odyssey-dsl"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ODYSSEY_")}
        env.update({"XDG_STATE_HOME": str(self.root / "state"), "XDG_CONFIG_HOME": str(self.root / "config"),
                    "ODYSSEY_API_KEY": KEY, "ODYSSEY_API_URL": self.url, "NO_COLOR": "1", **extra})
        return {k: v for k, v in env.items() if v}

    def screenplay(self, name: str, text: str) -> Path:
        path = self.work / name
        path.write_text(text, encoding="utf-8")
        return path

    def ody(self, *args: str, timeout: float = 120, **env: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([sys.executable, "-m", "odyssey_dsl", *args], cwd=self.work, env=self.env(**env),
                              capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        assert KEY not in done.stdout + done.stderr, "the API key was printed"
        return done

    def spawn(self, *args: str, **env: str) -> subprocess.Popen[str]:
        return subprocess.Popen([sys.executable, "-m", "odyssey_dsl", *args], cwd=self.work, env=self.env(**env),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)

    def journal(self) -> list[dict[str, Any]]:
        path = self.state / "journal.sqlite3"
        if not path.exists():
            return []
        with sqlite3.connect(path) as db:
            db.row_factory = sqlite3.Row
            try:
                return [dict(r) for r in db.execute("SELECT * FROM jobs ORDER BY id")]
            except sqlite3.OperationalError as error:  # read between the file's creation and its schema
                if "no such table" not in str(error):
                    raise
                return []

    def manifest(self, folder: str, name: str = "run.json") -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.work / "recordings" / folder / name).read_text(encoding="utf-8"))
        return data

    def assert_no_secret(self) -> None:
        """Neither the key nor anything like a token or signed URL in a file we wrote."""
        for folder in (self.root / "state", self.root / "config", self.work):
            for path in folder.rglob("*"):
                if path.is_file() and path.name != "emulator.sqlite3" and not path.name.startswith("emulator.sqlite3"):
                    data = path.read_bytes()
                    assert KEY.encode() not in data, f"the key is in {path}"
                    assert b"signature=" not in data, f"a signed URL is in {path}"


@contextmanager
def emulator(home: Home, **options: Any) -> Iterator[ServerThread]:
    """The emulator on the home's fixed port, its data in the home (restartable)."""
    settings = Settings(data_dir=home.root / "emulator", port=home.port, **{**QUICK, **options})
    with ServerThread(settings) as server:
        yield server


def server_jobs(server: ServerThread) -> list[dict[str, Any]]:
    """Every job the emulator has for the test key, newest first."""
    with Api(server.url, KEY) as api:
        api.login()
        answer = api.request("GET", "/simulation-jobs", params={"limit": 100})
        assert answer.status_code == 200, answer.text
        jobs: list[dict[str, Any]] = answer.json()["jobs"]
        return jobs


def job_detail(server: ServerThread, job_id: str) -> dict[str, Any]:
    with Api(server.url, KEY) as api:
        return api.login().job(job_id)


def frames(path: Path) -> int:
    """Decoded video frames: a truncated or corrupt file fails here."""
    import av

    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def poll_until(test: Any, timeout: float = 30.0) -> Any:
    import time

    deadline = time.monotonic() + timeout
    while True:
        value = test()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout} s")
        time.sleep(0.02)

