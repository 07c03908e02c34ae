"""The emulator's API over real HTTP: auth, submit and its validation, status, list, cancel,
ownership and error bodies. The server runs in a thread on a free loopback port."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import data_url, png_bytes
from emulator_support import KEY, OTHER_KEY, Api, script, thread_server
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odyssey_dsl.emulator.server import ServerThread

ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
SLOW = {"speed": 1.0, "pending_seconds": 60.0, "dispatched_seconds": 60.0}  # stays pending


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    """One server for the tests that only add jobs of their own (a fresh one costs 0.2 s); its
    jobs stay pending."""
    with thread_server(tmp_path_factory.mktemp("data"), **SLOW) as running:
        yield running


@pytest.fixture(scope="module")
def http(server: ServerThread) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        yield client


@pytest.fixture
def api(server: ServerThread) -> Iterator[Api]:
    with Api(server.url) as client:
        yield client.login()


def detail(answer: httpx.Response, status: int) -> str:
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert isinstance(body["detail"], str), body
    return body["detail"]


# --- auth ------------------------------------------------------------------------------------------

def test_token_exchange(http: httpx.Client) -> None:
    answer = http.post("/auth/token", json={"api_key": KEY})
    assert answer.status_code == 200
    body = answer.json()
    assert body["expires_in"] == 3600 and body["access_token"] and body["token_type"] == "bearer"


@pytest.mark.parametrize("body", [
    {"api_key": "abc"}, {"api_key": "ody_"}, {"api_key": "ody_has space"}, {"api_key": 12},
    {"api_key": "ody_" + "x" * 300}, {}, [], "ody_x",
])
def test_malformed_key_is_422(http: httpx.Client, body: Any) -> None:
    detail(http.post("/auth/token", json=body), 422)


def test_an_oversized_token_body_is_413_with_its_limit_in_the_unit_that_fits(http: httpx.Client) -> None:
    said = detail(http.post("/auth/token", content=b" " * (64 * 1024 + 1)), 413)
    assert "64 KiB" in said and "MiB" not in said, said


def test_token_body_that_is_not_json_is_422(http: httpx.Client) -> None:
    detail(http.post("/auth/token", content=b"\xff{"), 422)


def test_allowed_keys_restrict(tmp_path: Path) -> None:
    with thread_server(tmp_path, api_keys=frozenset({KEY})) as running:
        assert httpx.post(running.url + "/auth/token", json={"api_key": KEY}).status_code == 200
        assert "invalid API key" in detail(httpx.post(running.url + "/auth/token", json={"api_key": OTHER_KEY}), 401)


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer nope", "Basic abc", "bearer"])
def test_calls_without_a_valid_token_are_401(http: httpx.Client, header: str | None) -> None:
    headers = {} if header is None else {"Authorization": header}
    for method, path in [("GET", "/simulation-jobs"), ("POST", "/simulation-jobs"), ("GET", "/simulation-jobs/x"),
                         ("DELETE", "/simulation-jobs/x"), ("GET", "/recordings/x"), ("GET", "/stream-recordings")]:
        answer = http.request(method, path, headers=headers)
        detail(answer, 401)
        assert answer.headers["www-authenticate"] == "Bearer"


def test_tokens_expire(tmp_path: Path) -> None:
    with thread_server(tmp_path, token_ttl=0.4) as running, Api(running.url) as client:
        client.login()
        assert client.request("GET", "/simulation-jobs").status_code == 200
        time.sleep(0.6)
        assert "expired" in detail(client.request("GET", "/simulation-jobs"), 401)
        assert client.login().request("GET", "/simulation-jobs").status_code == 200


def test_a_dropped_key_loses_its_tokens_at_restart(tmp_path: Path) -> None:
    with thread_server(tmp_path) as running, Api(running.url) as client:
        client.login()
    with thread_server(tmp_path, api_keys=frozenset({OTHER_KEY})) as running, Api(running.url) as again:
        again.token = client.token
        detail(again.request("GET", "/simulation-jobs"), 401)


def test_tokens_are_stored_hashed(api: Api, server: ServerThread) -> None:
    raw = (server.settings.data_dir / "emulator.sqlite3").read_bytes()
    wal = server.settings.data_dir / "emulator.sqlite3-wal"
    raw += wal.read_bytes() if wal.exists() else b""
    assert api.token.encode() not in raw and KEY.encode() not in raw


# --- submit ----------------------------------------------------------------------------------------

def test_submit_answers_the_pending_job(api: Api) -> None:
    job = api.submit()
    assert job["status"] == "pending" and job["priority"] == "normal" and job["streams"] == []
    assert ISO.fullmatch(job["created_at"])
    assert job["dispatched_at"] is job["started_at"] is job["completed_at"] is job["error_message"] is None
    assert isinstance(job["estimated_wait_minutes"], float) and job["retry_count"] == 0
    assert set(job) >= {"job_id", "assigned_region", "streams"}


def test_invalid_script_names_the_entry(api: Api) -> None:
    bad = [{"timestamp_ms": 0, "start": {"prompt": "a"}}, {"timestamp_ms": 4000, "interact": {"prompt": "b"}},
           {"timestamp_ms": 3000, "end": {}}]
    text = detail(api.request("POST", "/simulation-jobs", json={"script": bad}), 422)
    assert re.fullmatch(r"script\[2\] \(end at 3000 ms\): .+ \[ODY102\]", text), text


def test_batch_errors_name_the_script(api: Api) -> None:
    late = [{"timestamp_ms": 500, "start": {"prompt": "a"}}, {"timestamp_ms": 3000, "end": {}}]
    text = detail(api.request("POST", "/simulation-jobs", json={"scripts": [script(), late]}), 422)
    assert text.startswith("scripts[1][0] (start at 500 ms): "), text


def test_warnings_are_accepted(api: Api) -> None:
    close = [{"timestamp_ms": 0, "start": {"prompt": "a"}}, {"timestamp_ms": 500, "interact": {"prompt": "b"}},
             {"timestamp_ms": 1000, "end": {}}]
    assert api.submit({"script": close})["status"] == "pending"


def test_image_paths_are_refused_without_being_read(api: Api, tmp_path: Path) -> None:
    picture = tmp_path / "pic.png"
    picture.write_bytes(png_bytes())
    for path in (str(picture), "/etc/passwd", "pic.png", "../../x.png"):
        body = {"script": [{"timestamp_ms": 0, "start": {"prompt": "a", "image": path}}, {"timestamp_ms": 1000, "end": {}}]}
        text = detail(api.request("POST", "/simulation-jobs", json=body), 422)
        assert text.startswith("script[0] (start at 0 ms): the image is a file path") and "[ODY107]" in text


def test_data_url_images_are_accepted_and_checked(api: Api) -> None:
    good = {"script": [{"timestamp_ms": 0, "start": {"prompt": "a", "image": data_url("image/png", png_bytes())}},
                       {"timestamp_ms": 1000, "end": {}}]}
    assert api.submit(good)["status"] == "pending"
    lying = {"script": [{"timestamp_ms": 0, "start": {"prompt": "a", "image": data_url("image/jpeg", png_bytes())}},
                        {"timestamp_ms": 1000, "end": {}}]}
    assert "[ODY107]" in detail(api.request("POST", "/simulation-jobs", json=lying), 422)


@pytest.mark.parametrize("body", [
    b"", b"{", b"[]", b"null", b"42", b'"x"', b"{}", b'{"script": []}', b'{"scripts": []}',
    b'{"script": [], "scripts": []}', b'{"scirpt": []}', b'{"script": [1, 2]}', b'{"script": {"a": 1}}',
    b"\xff\xfe", b"[" * 100_000, b'{"script": ' + b"[" * 50_000 + b"]" * 50_000 + b"}",
    b'{"script": [{"timestamp_ms": 1' + b"0" * 5000 + b', "end": {}}]}',
    b'{"script": [{"timestamp_ms": 0, "start": {"prompt": "\\ud800"}}, {"timestamp_ms": 9, "end": {}}]}',
    b'{"script": [{"timestamp_ms": NaN, "end": {}}]}', b'{"a": 1, "a": 2}',
    b'{"script": [{"timestamp_ms": 0, "start": {"prompt": "a"}}, {"timestamp_ms": 1000, "end": {}}], "output_video": false}',
    b'{"script": [{"timestamp_ms": 0, "start": {"prompt": "a"}}, {"timestamp_ms": 1000, "end": {}}], "portrait": "yes"}',
    b'{"script": [{"timestamp_ms": 0, "start": {"prompt": "a"}}, {"timestamp_ms": 99999999, "end": {}}]}',
])
def test_bad_bodies_are_422_never_a_crash(api: Api, body: bytes) -> None:
    detail(api.request("POST", "/simulation-jobs", content=body), 422)


def test_unknown_keys_get_a_suggestion(api: Api) -> None:
    text = detail(api.request("POST", "/simulation-jobs", json={"script": script(), "portrait": True,
                                                                 "bypass_vlm_expanson": True}), 422)
    assert "bypass_vlm_expansion" in text and "[ODY302]" in text


def test_too_many_scripts(tmp_path: Path) -> None:
    with thread_server(tmp_path, max_scripts=2) as running, Api(running.url) as client:
        answer = client.login().request("POST", "/simulation-jobs", json={"scripts": [script()] * 3})
        assert "at most 2 scripts" in detail(answer, 422)


def test_bodies_over_36_mib_are_413(api: Api) -> None:
    big = b'{"script": "' + b"a" * (36 * 1024 * 1024) + b'"}'
    assert "limit" in detail(api.request("POST", "/simulation-jobs", content=big), 413)

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit is counted while reading
        for _ in range(37):
            yield b" " * (1024 * 1024)

    detail(api.request("POST", "/simulation-jobs", content=chunks()), 413)


def test_a_25_mib_image_fits(api: Api) -> None:
    image = png_bytes() + b"\0" * (25 * 1024 * 1024 - len(png_bytes()) - 10)
    body = {"script": [{"timestamp_ms": 0, "start": {"prompt": "a", "image": data_url("image/png", image)}},
                       {"timestamp_ms": 1000, "end": {}}]}
    assert api.submit(body)["status"] in ("pending", "dispatched", "processing")


def test_bypass_is_allowed_by_default_and_403_without_the_privilege(api: Api, tmp_path: Path) -> None:
    assert api.submit({"script": script(), "bypass_vlm_expansion": True})["status"] == "pending"
    with thread_server(tmp_path / "strict", bypass_privilege=False, **SLOW) as running, Api(running.url) as client:
        client.login()
        assert "bypass_vlm_expansion" in detail(
            client.request("POST", "/simulation-jobs", json={"script": script(), "bypass_vlm_expansion": True}), 403)
        assert client.submit({"script": script(), "bypass_vlm_expansion": False})["status"] == "pending"


# --- lifecycle, status, ownership ------------------------------------------------------------------

def test_phases_follow_the_wall_clock(tmp_path: Path) -> None:
    with thread_server(tmp_path, speed=10.0, pending_seconds=3.0, dispatched_seconds=3.0, fail_rate=1.0) as running, \
            Api(running.url) as client:
        job = client.login().submit({"script": script(2.0)})
        seen = [job["status"]]
        deadline = time.monotonic() + 20
        while seen[-1] not in ("completed", "failed") and time.monotonic() < deadline:
            job = client.job(job["job_id"])
            if job["status"] != seen[-1]:
                seen.append(job["status"])
                if job["status"] == "dispatched":
                    assert job["dispatched_at"] and not job["started_at"] and job["assigned_region"]
                    assert 0 < job["estimated_wait_minutes"] < 0.01
                if job["status"] == "processing":
                    assert job["started_at"] and job["estimated_wait_minutes"] is None
                    assert [s["status"] for s in job["streams"]] == ["processing"]
            time.sleep(0.02)
        assert seen == ["pending", "dispatched", "processing", "failed"]
        assert job["created_at"] < job["dispatched_at"] < job["started_at"] < job["completed_at"]


def test_unknown_job_is_404_and_another_keys_job_403(api: Api, server: ServerThread) -> None:
    detail(api.request("GET", "/simulation-jobs/nope"), 404)
    detail(api.request("GET", "/simulation-jobs/" + "x" * 5000), 404)
    job = api.submit()
    with Api(server.url, OTHER_KEY) as other:
        other.login()
        for method in ("GET", "DELETE"):
            assert "another API key" in detail(other.request(method, f"/simulation-jobs/{job['job_id']}"), 403)
        assert other.request("GET", "/simulation-jobs").json()["total"] == 0


def test_batch_streams_fail_per_stream(tmp_path: Path) -> None:
    with thread_server(tmp_path, fail_rate=1.0) as running, Api(running.url) as client:
        job = client.login().submit({"scripts": [script(1.0), script(2.0), script(0.5)]})
        done = client.wait(job["job_id"])
        assert done["status"] == "failed" and "all 3 streams failed" in done["error_message"]
        assert [s["script_index"] for s in done["streams"]] == [0, 1, 2]
        assert all(s["status"] == "failed" and s["error_message"] and s["video_url"] is None for s in done["streams"])
        assert len({s["stream_id"] for s in done["streams"]}) == 3
        stream = done["streams"][0]["stream_id"]
        assert "failed" in detail(client.request("GET", f"/recordings/{stream}"), 404)


def test_list_filters_and_pages(tmp_path: Path) -> None:
    with thread_server(tmp_path, **SLOW) as running, Api(running.url) as client:
        client.login()
        ids = [client.submit()["job_id"] for _ in range(5)]
        client.request("DELETE", f"/simulation-jobs/{ids[0]}")
        everything = client.request("GET", "/simulation-jobs").json()
        assert everything["total"] == 5 and everything["limit"] == 20 and everything["offset"] == 0
        assert [j["job_id"] for j in everything["jobs"]] == ids[::-1]  # newest first
        assert set(everything["jobs"][0]) == {"job_id", "status", "priority", "created_at", "completed_at",
                                              "error_message"}
        page = client.request("GET", "/simulation-jobs", params={"limit": 2, "offset": 1}).json()
        assert [j["job_id"] for j in page["jobs"]] == [ids[3], ids[2]] and page["total"] == 5
        active = client.request("GET", "/simulation-jobs", params={"active": "true"}).json()
        assert active["total"] == 4 and all(j["status"] == "pending" for j in active["jobs"])
        final = client.request("GET", "/simulation-jobs", params={"active": "false"}).json()
        assert [j["job_id"] for j in final["jobs"]] == [ids[0]]
        cancelled = client.request("GET", "/simulation-jobs", params={"status": "cancelled"}).json()
        assert cancelled["total"] == 1 and cancelled["jobs"][0]["completed_at"]
        both = client.request("GET", "/simulation-jobs", params={"status": "cancelled", "active": "true"}).json()
        assert both["total"] == 0


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 101}, {"offset": -1}, {"status": "done"},
                                    {"active": "maybe"}, {"limit": "x"}, {"limit": "²"}, {"limit": "+5"},
                                    {"limit": " 5"}, {"limit": "1_0"}, {"limit": "5.0"}, {"offset": "٣"},
                                    {"offset": "+0"}])
def test_list_rejects_bad_parameters(api: Api, params: dict[str, Any]) -> None:
    detail(api.request("GET", "/simulation-jobs", params=params), 422)


def test_the_largest_offset_is_accepted_and_one_more_is_not(api: Api) -> None:
    answer = api.request("GET", "/simulation-jobs", params={"offset": str(2**62)})
    assert answer.status_code == 200 and answer.json()["jobs"] == [], answer.text
    detail(api.request("GET", "/simulation-jobs", params={"offset": str(2**62 + 1)}), 422)


def test_cancel_rules(tmp_path: Path) -> None:
    with thread_server(tmp_path, **SLOW) as running, Api(running.url) as client:
        job = client.login().submit()
        answer = client.request("DELETE", f"/simulation-jobs/{job['job_id']}")
        assert answer.status_code == 200
        cancelled = answer.json()
        assert cancelled["status"] == "cancelled" and cancelled["completed_at"] and cancelled["streams"] == []
        assert "cancelled" in detail(client.request("DELETE", f"/simulation-jobs/{job['job_id']}"), 400)
        detail(client.request("DELETE", "/simulation-jobs/unknown"), 404)
    with thread_server(tmp_path / "quick", speed=1.0, pending_seconds=0.3, dispatched_seconds=0.0,
                       fail_rate=1.0) as running, Api(running.url) as client:
        job = client.login().submit({"script": script(5.0)})
        assert client.request("DELETE", f"/simulation-jobs/{job['job_id']}").json()["status"] == "cancelled"
        job = client.submit({"script": script(5.0)})
        client.wait(job["job_id"], ("processing",))
        assert "processing" in detail(client.request("DELETE", f"/simulation-jobs/{job['job_id']}"), 400)


def test_cancel_while_dispatched(tmp_path: Path) -> None:
    with thread_server(tmp_path, speed=1.0, pending_seconds=0.0, dispatched_seconds=60.0) as running, \
            Api(running.url) as client:
        job = client.login().submit()
        assert client.job(job["job_id"])["status"] == "dispatched"
        cancelled = client.request("DELETE", f"/simulation-jobs/{job['job_id']}").json()
        assert cancelled["status"] == "cancelled" and cancelled["dispatched_at"] and cancelled["started_at"] is None


def test_recording_not_ready_is_404_and_others_403(tmp_path: Path) -> None:
    with thread_server(tmp_path, speed=1.0, pending_seconds=0.0, dispatched_seconds=0.0) as running, \
            Api(running.url) as client:
        job = client.login().submit({"script": script(30.0)})
        stream = client.wait(job["job_id"], lambda j: bool(j["streams"]))["streams"][0]
        assert stream["status"] == "processing" and stream["video_url"] is None
        assert "not ready" in detail(client.request("GET", f"/recordings/{stream['stream_id']}"), 404)
        detail(client.request("GET", "/recordings/unknown"), 404)
        listed = client.request("GET", "/stream-recordings").json()
        assert listed["total"] == 1 and listed["limit"] == 20
        item = listed["recordings"][0]
        assert item["stream_id"] == stream["stream_id"] and (item["width"], item["height"]) == (352, 640)
        assert ISO.fullmatch(item["started_at"]) and item["ended_at"] is None and item["duration_seconds"] is None
        with Api(running.url, OTHER_KEY) as other:
            other.login()
            detail(other.request("GET", f"/recordings/{stream['stream_id']}"), 403)
            assert other.request("GET", "/stream-recordings").json()["total"] == 0
        detail(client.request("GET", "/stream-recordings", params={"limit": 101}), 422)


def test_unknown_paths_and_methods_answer_json(http: httpx.Client) -> None:
    detail(http.get("/nowhere"), 404)
    detail(http.put("/simulation-jobs"), 405)


def test_openapi_describes_the_api(http: httpx.Client) -> None:
    spec = http.get("/openapi.json").json()
    assert {"/auth/token", "/simulation-jobs", "/simulation-jobs/{job_id}", "/recordings/{stream_id}",
            "/stream-recordings"} <= set(spec["paths"])
    body = spec["paths"]["/simulation-jobs"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert "script" in body["properties"]
    refs = re.findall(r'"\$ref": "#/components/schemas/(\w+)"', json.dumps(spec))
    assert set(refs) <= set(spec["components"]["schemas"])


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**20), 10**20) | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["script", "scripts", "script_url", "start", "interact", "end", "timestamp_ms", "prompt",
                         "image", "portrait", "x"]), inner, max_size=4),
    max_leaves=30)


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.one_of(_JSON.map(lambda v: json.dumps(v).encode()),
                      _JSON.map(lambda v: json.dumps({"script": v}).encode()), st.binary(max_size=200)))
def test_any_body_gets_an_answer(http: httpx.Client, api: Api, body: bytes) -> None:
    answer = http.post("/simulation-jobs", content=body, headers=api.auth)
    assert answer.status_code in (200, 422), answer.text
    assert isinstance(answer.json()["detail"] if answer.status_code == 422 else answer.json()["job_id"], str)


def test_sdk_telemetry_is_accepted_and_ignored(http: httpx.Client) -> None:
    """The official SDK posts telemetry to the API base: answer it, keep nothing."""
    answer = http.post("/telemetry", json={"event": "session_end"})
    assert answer.status_code == 204 and answer.content == b""
