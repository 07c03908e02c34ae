"""A `.part` belongs to one file of one job. A rerun that submitted job B downloads to the name
job A's interrupted download left a `.part` under: resumed with a Range request, B's tail was
appended to A's head, a file of B's size marked complete and corrupt. Over real HTTP, against a
file server that sends validators and honours If-Range (or ignores it, as a server may)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import httpx
import pytest

from odyssey_dsl.errors import Interrupted
from odyssey_dsl.runner.download import claim_of, fetch, part_of
from odyssey_dsl.runner.retry import Backoff

FAST = Backoff(attempts=4, base=0.01, cap=0.05)
JOB_A = bytes(range(256)) * 4096  # 1 MiB
JOB_B = bytes(reversed(range(256))) * 6144  # 1.5 MiB, another pattern: a spliced file shows


class Store(BaseHTTPRequestHandler):
    """Serves `files[path]` as (ETag, body), slowly, with single ranges and If-Range."""

    files: ClassVar[dict[str, tuple[str, bytes]]] = {}
    honour_if_range: ClassVar[bool] = True
    asked: ClassVar[list[tuple[str, str | None, str | None]]] = []  # (path, Range, If-Range)

    def do_GET(self) -> None:
        wanted, condition = self.headers.get("Range"), self.headers.get("If-Range")
        type(self).asked.append((self.path, wanted, condition))
        etag, body = type(self).files[self.path]
        start = int(wanted.split("=")[1].rstrip("-")) if wanted else 0
        if condition is not None and condition != etag and type(self).honour_if_range:
            start = 0  # the file changed since the client's first bytes: all of it
        self.send_response(206 if start else 200)
        self.send_header("etag", etag)
        if start:
            self.send_header("content-range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        self.send_header("content-length", str(len(body) - start))
        self.end_headers()
        try:
            for offset in range(start, len(body), 65536):
                self.wfile.write(body[offset:offset + 65536])
                time.sleep(0.01)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, *_: object) -> None:
        return


@contextmanager
def store(files: dict[str, tuple[str, bytes]], honour_if_range: bool = True) -> Iterator[str]:
    Store.files, Store.honour_if_range, Store.asked = dict(files), honour_if_range, []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Store)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def interrupted(http: httpx.Client, url: str, dest: Path, owner: str) -> int:
    """Start downloading `url` and stop after 300 kB: the bytes its `.part` keeps."""
    stop = threading.Event()

    def cut(done: int, total: int | None) -> None:
        if done >= 300_000:
            stop.set()

    with pytest.raises(Interrupted):
        fetch(http, url, dest, owner=owner, backoff=FAST, stop=stop, progress=cut)
    return part_of(dest).stat().st_size


def test_a_part_of_job_a_is_never_resumed_into_job_b(tmp_path: Path) -> None:
    dest, notes = tmp_path / "cat.mp4", list[str]()
    with store({"/a.mp4": ('"a1"', JOB_A), "/b.mp4": ('"b1"', JOB_B)}) as url, httpx.Client() as http:
        interrupted(http, url + "/a.mp4", dest, "job-a stream-a video")
        assert json.loads(claim_of(dest).read_text())["owner"] == "job-a stream-a video"
        fetched = fetch(http, url + "/b.mp4", dest, owner="job-b stream-b video", backoff=FAST,
                        stop=threading.Event(), note=notes.append)
    assert dest.read_bytes() == JOB_B and fetched.size == len(JOB_B)
    assert Store.asked[-1] == ("/b.mp4", None, None)  # from the first byte
    assert not part_of(dest).exists() and not claim_of(dest).exists()
    assert notes == ["cat.mp4.part was begun for another job's file: downloading cat.mp4 from the start"]


def test_the_same_file_resumes_with_if_range(tmp_path: Path) -> None:
    dest = tmp_path / "cat.mp4"
    with store({"/a.mp4": ('"a1"', JOB_A)}) as url, httpx.Client() as http:
        kept = interrupted(http, url + "/a.mp4", dest, "job-a stream-a video")
        fetch(http, url + "/a.mp4", dest, owner="job-a stream-a video", backoff=FAST, stop=threading.Event())
    assert dest.read_bytes() == JOB_A
    assert Store.asked[-1] == ("/a.mp4", f"bytes={kept}-", '"a1"')


@pytest.mark.parametrize("honour_if_range", [True, False], ids=["if-range-honoured", "if-range-ignored"])
def test_a_file_changed_on_the_server_is_fetched_whole(tmp_path: Path, honour_if_range: bool) -> None:
    dest, notes = tmp_path / "cat.mp4", list[str]()
    with store({"/v.mp4": ('"v1"', JOB_A)}, honour_if_range) as url, httpx.Client() as http:
        interrupted(http, url + "/v.mp4", dest, "job-a stream-a video")
        Store.files["/v.mp4"] = ('"v2"', JOB_B)
        fetch(http, url + "/v.mp4", dest, owner="job-a stream-a video", backoff=FAST, stop=threading.Event(),
              note=notes.append)
    assert dest.read_bytes() == JOB_B
    if honour_if_range:  # the 200 to the Range request was the whole new file, written over the old
        assert notes == [] and len(Store.asked) == 2
    else:  # the 206's size and ETag differ from the claim's: the `.part` is dropped, then all of it
        assert notes == ["cat.mp4: the file's size changed on the server: starting again"]
        assert Store.asked[-1] == ("/v.mp4", None, None)


def test_a_part_without_a_record_is_started_over(tmp_path: Path) -> None:
    dest = tmp_path / "cat.mp4"
    part_of(dest).write_bytes(JOB_A[:300_000])  # as an `ody` before records left it
    with store({"/b.mp4": ('"b1"', JOB_B)}) as url, httpx.Client() as http:
        fetch(http, url + "/b.mp4", dest, owner="job-b stream-b video", backoff=FAST, stop=threading.Event())
    assert dest.read_bytes() == JOB_B and Store.asked == [("/b.mp4", None, None)]


@pytest.mark.parametrize("record", ["{", "[]", '{"owner": 3}', '{"owner": "x", "total": "9"}', '{"total": 1}'])
def test_a_garbled_record_is_no_ones(tmp_path: Path, record: str) -> None:
    dest = tmp_path / "cat.mp4"
    part_of(dest).write_bytes(JOB_B[:300_000])
    claim_of(dest).write_text(record)
    with store({"/b.mp4": ('"b1"', JOB_B)}) as url, httpx.Client() as http:
        fetch(http, url + "/b.mp4", dest, owner="x", backoff=FAST, stop=threading.Event())
    assert dest.read_bytes() == JOB_B and Store.asked == [("/b.mp4", None, None)]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cat.mp4"]
