"""Downloads over real HTTP: interrupted and resumed with Range, truncated, expired, and a
hostile server whose ids try to escape the output folder."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, HTTPServer, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar, cast

import httpx
import pytest
from runner_support import send_json

from odyssey_dsl.errors import Interrupted
from odyssey_dsl.runner.download import DownloadError, fetch, part_of
from odyssey_dsl.runner.retry import Backoff

BODY = bytes(range(256)) * 4096  # 1 MiB
FAST = Backoff(attempts=4, base=0.01, cap=0.05)


class Files(BaseHTTPRequestHandler):
    """Serves BODY slowly (64 KiB per 20 ms), with single ranges; `/expired` is 403."""

    ranges: ClassVar[list[str | None]] = []  # what every request asked, across handler instances
    authorization: ClassVar[list[str | None]] = []

    def do_GET(self) -> None:
        type(self).ranges.append(self.headers.get("Range"))
        type(self).authorization.append(self.headers.get("Authorization"))
        if self.path.startswith("/expired"):
            self.send_response(403)
            self.send_header("content-length", "0")
            self.end_headers()
            return
        start = int(self.headers["Range"].split("=")[1].rstrip("-")) if self.headers.get("Range") else 0
        self.send_response(206 if start else 200)
        if start:
            self.send_header("content-range", f"bytes {start}-{len(BODY) - 1}/{len(BODY)}")
        self.send_header("content-length", str(len(BODY) - start))
        self.end_headers()
        try:
            for offset in range(start, len(BODY), 65536):
                self.wfile.write(BODY[offset:offset + 65536])
                time.sleep(0.02)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, *_: object) -> None:
        return


@contextmanager
def file_server() -> Iterator[str]:
    Files.ranges, Files.authorization = [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Files)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_an_interrupted_download_keeps_its_part_and_resumes_with_a_range(tmp_path: Path) -> None:
    dest = tmp_path / "cat.mp4"
    stop = threading.Event()
    with file_server() as url, httpx.Client() as http:
        def interrupt(done: int, total: int | None) -> None:
            if done >= 300_000:
                stop.set()

        with pytest.raises(Interrupted):
            fetch(http, url + "/cat.mp4", dest, owner="job stream video", backoff=FAST, stop=stop, progress=interrupt)
        kept = part_of(dest).stat().st_size
        assert 300_000 <= kept < len(BODY) and not dest.exists()
        fetched = fetch(http, url + "/cat.mp4", dest, owner="job stream video", backoff=FAST, stop=threading.Event())
    assert dest.read_bytes() == BODY and fetched.size == len(BODY)
    assert not part_of(dest).exists()
    assert Files.ranges == [None, f"bytes={kept}-"]
    assert Files.authorization == [None, None]  # download requests never carry credentials


def test_an_expired_url_is_renewed_once_then_given_up(tmp_path: Path) -> None:
    with file_server() as url, httpx.Client() as http:
        renewed = fetch(http, url + "/expired", tmp_path / "a.mp4", owner="j s video", backoff=FAST, stop=threading.Event(),
                        refresh=lambda: url + "/fresh.mp4")
        assert renewed.size == len(BODY)
        with pytest.raises(DownloadError, match="no fresh URL"):
            fetch(http, url + "/expired", tmp_path / "b.mp4", owner="j s video", backoff=FAST, stop=threading.Event(),
                  refresh=lambda: None)
        with pytest.raises(DownloadError, match="expired"):
            fetch(http, url + "/expired", tmp_path / "c.mp4", owner="j s video", backoff=FAST, stop=threading.Event(),
                  refresh=lambda: url + "/expired-too")


class Hostile(BaseHTTPRequestHandler):
    """An API whose job and stream ids are paths, and whose URLs point back at itself."""

    def do_POST(self) -> None:
        self._json({"access_token": "t0ken-secret", "expires_in": 3600})

    def do_GET(self) -> None:
        base = f"http://127.0.0.1:{cast(HTTPServer, self.server).server_port}"
        if self.path.startswith("/simulation-jobs/"):
            stream = {"stream_id": "../../../escaped", "script_index": 0, "status": "completed",
                      "video_url": f"{base}/f/../../x.mp4?signature=abc", "thumbnail_url": f"{base}/f/t.../../x",
                      "events_url": None, "frame_count": 25, "duration_seconds": 1.0}
            self._json({"job_id": "../../x", "status": "completed", "streams": [stream]})
            return
        body = b"\0" * 1000
        self.send_response(200)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _json(self, data: object) -> None:
        send_json(self, data)

    def log_message(self, *_: object) -> None:
        return


def test_a_hostile_server_cannot_write_outside_the_output_folder(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hostile)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    work = tmp_path / "deep" / "er" / "work"
    work.mkdir(parents=True)
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state"), "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "ODYSSEY_API_KEY": "ody_hostile_test", "ODYSSEY_API_URL": f"http://127.0.0.1:{server.server_address[1]}"}
    try:
        done = subprocess.run([sys.executable, "-m", "odyssey_dsl", "download", "../../x", "--out", "out"],
                              cwd=work, env=env, capture_output=True, text=True, timeout=60)
    finally:
        server.shutdown()
        server.server_close()
    assert done.returncode == 0, done.stderr
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file() and "state" not in p.parts)
    assert written and all(str(p).startswith("deep/er/work/out/") for p in written), written
    assert "signature=abc" not in done.stdout + done.stderr and "t0ken-secret" not in done.stdout + done.stderr
    assert "ody_hostile_test" not in done.stdout + done.stderr
