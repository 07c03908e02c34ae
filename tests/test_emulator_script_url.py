"""`script_url`: fetched at submit over http(s), from loopback only unless allowed, size-limited,
with a timeout, without redirects; the file is checked with the same rules as a body."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from emulator_support import Api, script, thread_server

from odyssey_dsl.emulator.server import ServerThread

FILES: dict[str, tuple[int, bytes]] = {
    "/script.json": (200, json.dumps(script(1.0, "A bird lands")).encode()),
    "/batch.json": (200, json.dumps([script(1.0), script(2.0)]).encode()),
    "/bad.json": (200, json.dumps([{"timestamp_ms": 5, "start": {"prompt": "a"}}, {"timestamp_ms": 9, "end": {}}]).encode()),
    "/path-image.json": (200, json.dumps([{"timestamp_ms": 0, "start": {"prompt": "a", "image": "/etc/passwd"}},
                                          {"timestamp_ms": 900, "end": {}}]).encode()),
    "/broken.json": (200, b"[{"),
    "/object.json": (200, b"{}"),
    "/big.json": (200, b" " * 5000),
    "/missing.json": (404, b"no"),
    "/redirect": (302, b""),
}


class Files(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/slow.json":
            time.sleep(2)
        status, body = FILES.get(self.path, (404, b""))
        self.send_response(status)
        if status == 302:
            self.send_header("Location", "/script.json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture(scope="module")
def files() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Files)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerThread]:
    with thread_server(tmp_path, speed=1.0, pending_seconds=60.0, max_body_bytes=4096,
                       script_url_timeout=0.5) as running:
        yield running


def submit_url(server: ServerThread, url: str, **fields: object) -> tuple[int, dict[str, object]]:
    with Api(server.url) as client:
        answer = client.login().request("POST", "/simulation-jobs", json={"script_url": url, **fields})
        return answer.status_code, answer.json()


def test_loopback_script_is_fetched(server: ServerThread, files: str) -> None:
    status, job = submit_url(server, files + "/script.json", portrait=False)
    assert status == 200 and job["status"] == "pending"
    localhost = files.replace("127.0.0.1", "localhost")
    assert submit_url(server, localhost + "/batch.json")[0] == 200


@pytest.mark.parametrize("path, words", [
    ("/bad.json", "script[0] (start at 5 ms)"), ("/path-image.json", "file path"), ("/broken.json", "ODY301"),
    ("/object.json", "must hold a script"), ("/big.json", "over 4 KiB"), ("/missing.json", "HTTP 404"),
    ("/redirect", "HTTP 302"), ("/slow.json", "did not answer within 0.5 s"),
])
def test_bad_script_files_are_422(server: ServerThread, files: str, path: str, words: str) -> None:
    status, body = submit_url(server, files + path)
    assert status == 422 and words in str(body["detail"]), body


@pytest.mark.parametrize("url, words", [
    ("file:///etc/passwd", "http:// or https://"), ("ftp://127.0.0.1/x", "http:// or https://"),
    ("http://example.com/script.json", "not a loopback address"), ("http://10.0.0.1/x", "not a loopback address"),
    ("http://[::1", "not a valid URL"), ("http://" + "a" * 3000, "longer than"),
])
def test_urls_that_are_not_allowed(server: ServerThread, url: str, words: str) -> None:
    status, body = submit_url(server, url)
    assert status == 422 and words in str(body["detail"]), body


def test_remote_urls_with_the_flag(tmp_path: Path) -> None:
    with thread_server(tmp_path, allow_remote_script_urls=True, script_url_timeout=0.5) as running:
        status, body = submit_url(running, "http://nonexistent.invalid/script.json")
        assert status == 422 and "could not be fetched" in str(body["detail"])


def test_script_url_with_script_is_422(server: ServerThread, files: str) -> None:
    status, body = submit_url(server, files + "/script.json", script=script())
    assert status == 422 and "exactly one" in str(body["detail"])
