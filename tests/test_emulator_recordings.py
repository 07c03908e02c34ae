"""Recordings: real files rendered when a stream completes, served at signed, expiring URLs
with Content-Length and byte ranges; batches with per-stream results."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import av
import httpx
import pytest
from emulator_support import OTHER_KEY, Api, renderer_available, script, thread_server
from PIL import Image

from odyssey_dsl.emulator.server import ServerThread

pytestmark = pytest.mark.skipif(not renderer_available(), reason="the renderer (emulator/render.py) is not there yet")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    with thread_server(tmp_path_factory.mktemp("recordings"), url_ttl=600) as running:
        yield running


@pytest.fixture(scope="module")
def client(server: ServerThread) -> Iterator[Api]:
    with Api(server.url) as api:
        yield api.login()


@pytest.fixture(scope="module")
def landscape(client: Api) -> dict[str, Any]:
    job = client.submit({"script": script(2.0, "The cat turns its head"), "portrait": False})
    done = client.wait(job["job_id"])
    assert done["status"] == "completed", done
    return done


def probe(data: bytes) -> tuple[int, int, int, float]:
    with av.open(io.BytesIO(data), "r") as container:
        stream = container.streams.video[0]
        frames = sum(1 for _ in container.decode(stream))
        duration = float(container.duration / av.time_base) if container.duration else 0.0
        return stream.codec_context.width, stream.codec_context.height, frames, duration


def test_a_completed_stream_has_a_real_video(landscape: dict[str, Any]) -> None:
    (stream,) = landscape["streams"]
    assert stream["status"] == "completed" and stream["script_index"] == 0 and stream["error_message"] is None
    assert stream["frame_count"] == 50 and stream["duration_seconds"] == pytest.approx(2.0)
    video = httpx.get(stream["video_url"])  # no Authorization header: the URL is the key
    assert video.status_code == 200 and video.headers["content-type"] == "video/mp4"
    assert int(video.headers["content-length"]) == len(video.content)
    width, height, frames, duration = probe(video.content)
    assert (width, height, frames) == (640, 352, 50)
    assert duration == pytest.approx(2.0, abs=0.05)
    with av.open(io.BytesIO(video.content)) as container:
        assert container.streams.video[0].codec_context.name == "h264"


def test_companion_files(landscape: dict[str, Any]) -> None:
    (stream,) = landscape["streams"]
    thumbnail = httpx.get(stream["thumbnail_url"])
    assert thumbnail.status_code == 200 and Image.open(io.BytesIO(thumbnail.content)).size == (640, 352)
    preview = httpx.get(stream["preview_url"])
    assert preview.status_code == 200 and probe(preview.content)[:2] == (640, 352)
    events = httpx.get(stream["events_url"])
    assert events.status_code == 200 and events.headers["content-type"].startswith("application/json")
    assert "The cat turns its head" in json.dumps(events.json())


def test_portrait_size(client: Api) -> None:
    done = client.wait(client.submit({"script": script(0.4)})["job_id"])
    video = httpx.get(done["streams"][0]["video_url"]).content
    assert probe(video)[:3] == (352, 640, 10)


def test_recording_endpoint_hands_out_fresh_urls(client: Api, landscape: dict[str, Any]) -> None:
    stream = landscape["streams"][0]
    answer = client.request("GET", f"/recordings/{stream['stream_id']}")
    assert answer.status_code == 200
    recording = answer.json()
    assert set(recording) == {"stream_id", "video_url", "events_url", "thumbnail_url", "preview_url", "frame_count",
                              "duration_seconds"}
    assert recording["frame_count"] == 50 and httpx.get(recording["video_url"]).status_code == 200
    with Api(client.url, OTHER_KEY) as other:
        assert other.login().request("GET", f"/recordings/{stream['stream_id']}").status_code == 403


def test_stream_recordings_lists_them(client: Api, landscape: dict[str, Any]) -> None:
    listed = client.request("GET", "/stream-recordings", params={"limit": 100}).json()
    item = next(r for r in listed["recordings"] if r["stream_id"] == landscape["streams"][0]["stream_id"])
    assert (item["width"], item["height"], item["duration_seconds"]) == (640, 352, 2.0)
    assert item["started_at"] < item["ended_at"]
    page = client.request("GET", "/stream-recordings", params={"limit": 1, "offset": 0}).json()
    assert len(page["recordings"]) == 1 and page["total"] == listed["total"] and page["limit"] == 1


def test_range_requests(landscape: dict[str, Any]) -> None:
    url = landscape["streams"][0]["video_url"]
    whole = httpx.get(url).content
    size = len(whole)
    part = httpx.get(url, headers={"Range": "bytes=10-109"})
    assert part.status_code == 206 and part.content == whole[10:110]
    assert part.headers["content-range"] == f"bytes 10-109/{size}" and part.headers["content-length"] == "100"
    tail = httpx.get(url, headers={"Range": "bytes=-7"})
    assert tail.status_code == 206 and tail.content == whole[-7:]
    rest = httpx.get(url, headers={"Range": f"bytes={size - 5}-"})
    assert rest.status_code == 206 and rest.content == whole[-5:]
    beyond = httpx.get(url, headers={"Range": f"bytes=0-{size * 2}"})
    assert beyond.status_code == 206 and beyond.content == whole
    past = httpx.get(url, headers={"Range": f"bytes={size}-"})
    assert past.status_code == 416 and past.headers["content-range"] == f"bytes */{size}"
    for ignored in ("bytes=0-1,5-9", "bytes=9-2", "items=0-5", "bytes=x-"):
        answer = httpx.get(url, headers={"Range": ignored})
        assert answer.status_code == 200 and answer.content == whole
    head = httpx.head(url)
    assert head.status_code == 200 and head.headers["content-length"] == str(size) and head.content == b""
    assert head.headers["accept-ranges"] == "bytes"


def test_digits_outside_ascii_in_range_or_expiry_are_refused_not_a_crash(landscape: dict[str, Any]) -> None:
    """`str.isdigit()` takes `²` and `٣`; the server must neither crash (500) nor read them."""
    url = landscape["streams"][0]["video_url"]
    whole = httpx.get(url).content
    for header in (b"bytes=\xb2-", b"bytes=-\xb2", b"bytes=0-\xb2", b"bytes=\xb9\xb2-\xb3"):
        answer = httpx.get(url, headers=[(b"Range", header)])  # latin-1 on the wire, as a client may send
        assert answer.status_code == 200 and answer.content == whole, (header, answer.text)
    for expires in ("²", "٣٣٣٣٣٣٣٣٣٣", "¹⁰⁰⁰⁰⁰⁰⁰⁰⁰⁰⁰", " 1", "+1", "1_0"):
        answer = httpx.get(with_query(url, expires=expires))
        assert answer.status_code == 403 and "not signed" in answer.json()["detail"], (expires, answer.text)


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()} | changes
    return parts._replace(query=urlencode(query)).geturl()


def test_forged_urls_are_403(landscape: dict[str, Any]) -> None:
    url = landscape["streams"][0]["video_url"]
    signature = parse_qs(urlsplit(url).query)["signature"][0]
    expires = parse_qs(urlsplit(url).query)["expires"][0]
    forged = [
        with_query(url, signature="0" * 64),
        with_query(url, expires=str(int(expires) + 1000)),
        url.split("?")[0],
        url.replace("recording.mp4", "recording.events.json"),
        with_query(url, signature=signature.upper()),
        with_query(url, signature="é"),
    ]
    for bad in forged:
        answer = httpx.get(bad)
        assert answer.status_code == 403 and isinstance(answer.json()["detail"], str), bad


def test_urls_expire(tmp_path: Path) -> None:
    with thread_server(tmp_path, url_ttl=1) as running, Api(running.url) as client:
        done = client.wait(client.login().submit({"script": script(0.2)})["job_id"])
        url = done["streams"][0]["video_url"]
        assert httpx.get(url).status_code == 200
        time.sleep(2.1)
        answer = httpx.get(url)
        assert answer.status_code == 403 and "expired" in answer.json()["detail"]
        fresh = client.request("GET", f"/recordings/{done['streams'][0]['stream_id']}").json()["video_url"]
        assert httpx.get(fresh).status_code == 200


def test_a_batch_can_partly_fail(tmp_path: Path) -> None:
    def run(folder: Path) -> dict[str, Any]:
        with thread_server(folder, fail_rate=0.5, seed=3) as running, Api(running.url) as client:
            job = client.login().submit({"scripts": [script(0.2 + i / 10) for i in range(6)]})
            return client.wait(job["job_id"])

    done = run(tmp_path / "a")
    statuses = [s["status"] for s in done["streams"]]
    failed = statuses.count("failed")
    assert 0 < failed < 6, statuses
    assert done["status"] == "completed" and done["error_message"] == f"{failed} of 6 streams failed"
    assert [s["script_index"] for s in done["streams"]] == list(range(6))
    for stream in done["streams"]:
        assert (stream["video_url"] is None) == (stream["status"] == "failed")
        assert (stream["error_message"] is None) == (stream["status"] == "completed")
    assert [s["status"] for s in run(tmp_path / "b")["streams"]] == statuses  # the seed repeats it


def test_truncated_downloads_resume(tmp_path: Path) -> None:
    with thread_server(tmp_path, truncate_rate=1.0) as running, Api(running.url) as client:
        done = client.wait(client.login().submit({"script": script(1.0)})["job_id"])
        url = done["streams"][0]["video_url"]
        on_disk = next((tmp_path / "recordings").glob("*/recording.mp4")).read_bytes()
        received = b""
        cuts = 0
        for _ in range(64):  # each try gets half of what is left
            headers = {"Range": f"bytes={len(received)}-"} if received else {}
            try:
                with httpx.stream("GET", url, headers=headers) as answer:
                    assert answer.status_code in (200, 206)
                    for chunk in answer.iter_raw():
                        received += chunk
            except httpx.RemoteProtocolError:
                cuts += 1
                continue
            break
        assert cuts > 0 and received == on_disk
