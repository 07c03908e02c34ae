"""Fault injection, each flag on its own, set through the app factory's settings object."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest
from emulator_support import KEY, OTHER_KEY, Api, script, thread_server

SLOW = {"speed": 1.0, "pending_seconds": 60.0, "dispatched_seconds": 60.0}


def login(url: str, key: str = KEY) -> str:
    answer = httpx.post(url + "/auth/token", json={"api_key": key})
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["access_token"]
    return token


def test_latency_is_added_to_every_response(tmp_path: Path) -> None:
    with thread_server(tmp_path, latency_ms=300) as running:
        for path in ("/openapi.json", "/simulation-jobs"):
            began = time.monotonic()
            httpx.get(running.url + path)
            assert time.monotonic() - began >= 0.3


def test_errors_are_answered_before_anything_happens(tmp_path: Path) -> None:
    with thread_server(tmp_path) as running:
        token = login(running.url)
    with thread_server(tmp_path, error_rate=1.0) as running, httpx.Client(base_url=running.url) as http:
        statuses = set()
        for _ in range(30):
            answer = http.post("/simulation-jobs", json={"script": script()},
                               headers={"Authorization": f"Bearer {token}"})
            statuses.add(answer.status_code)
            assert "injected" in answer.json()["detail"]
        assert statuses == {500, 502, 503}
        assert httpx.get(running.url + "/openapi.json").status_code == 200  # not an API request
    with thread_server(tmp_path) as running, Api(running.url) as client:
        client.token = token
        assert client.request("GET", "/simulation-jobs").json()["total"] == 0  # no job was made


def test_dropped_requests_are_handled_then_hung_up_on(tmp_path: Path) -> None:
    with thread_server(tmp_path) as running:
        token = login(running.url)
    with thread_server(tmp_path, drop_rate=1.0, **SLOW) as running, pytest.raises(httpx.RemoteProtocolError):
        httpx.post(running.url + "/simulation-jobs", json={"script": script()},
                   headers={"Authorization": f"Bearer {token}"})
    with thread_server(tmp_path, **SLOW) as running, Api(running.url) as client:
        client.token = token
        listed = client.request("GET", "/simulation-jobs").json()
        assert listed["total"] == 1 and listed["jobs"][0]["status"] == "pending"  # the client paid


def test_rate_limit_per_key(tmp_path: Path) -> None:
    with thread_server(tmp_path, rate_limit=3) as running, Api(running.url) as client, \
            Api(running.url, OTHER_KEY) as other:
        client.login()
        other.login()
        answers = [client.request("GET", "/simulation-jobs") for _ in range(4)]
        assert [a.status_code for a in answers[:3]] == [200, 200, 200]
        limited = answers[3]
        assert limited.status_code == 429
        body = limited.json()
        assert body["error"] == body["code"] == "RATE_LIMITED" and body["message"] and body["action"]
        assert isinstance(body["detail"], str)
        seconds = body["details"]["retry_after_seconds"]
        assert isinstance(seconds, int) and seconds >= 1 and limited.headers["retry-after"] == str(seconds)
        assert other.request("GET", "/simulation-jobs").status_code == 200  # another key has its own window
        time.sleep(1.05)
        assert client.request("GET", "/simulation-jobs").status_code == 200


def test_the_queue_limit(tmp_path: Path) -> None:
    with thread_server(tmp_path, queue_limit=1, **SLOW) as running, Api(running.url) as client:
        first = client.login().submit()
        answer = client.request("POST", "/simulation-jobs", json={"script": script()})
        assert answer.status_code == 429
        body = answer.json()
        assert body["error"] == "CONCURRENT_LIMIT_REACHED" and body["details"] == {"active_count": 1, "limit": 1}
        client.request("DELETE", f"/simulation-jobs/{first['job_id']}")
        assert client.submit()["status"] == "pending"
        with Api(running.url, OTHER_KEY) as other:
            assert other.login().submit()["status"] == "pending"


def test_max_duration(tmp_path: Path) -> None:
    with thread_server(tmp_path, max_duration=2.0, **SLOW) as running, Api(running.url) as client:
        client.login()
        answer = client.request("POST", "/simulation-jobs", json={"scripts": [script(1.0), script(2.5)]})
        assert answer.status_code == 429
        body = answer.json()
        assert body["code"] == "STREAM_DURATION_EXCEEDED" and body["details"] == {"max_duration_seconds": 2}
        assert client.submit({"script": script(2.0)})["status"] == "pending"


def test_monthly_limit_reached(tmp_path: Path) -> None:
    with thread_server(tmp_path, monthly_limit_reached=True) as running, Api(running.url) as client:
        answer = client.login().request("POST", "/simulation-jobs", json={"script": script()})
        assert answer.status_code == 429
        body = answer.json()
        assert body["error"] == "MONTHLY_LIMIT_REACHED"
        assert set(body["details"]) == {"used_hours", "limit_hours", "reset_date"}
        assert client.request("GET", "/simulation-jobs").status_code == 200  # only submits are refused


def test_fail_rate_fails_streams(tmp_path: Path) -> None:
    with thread_server(tmp_path, fail_rate=1.0) as running, Api(running.url) as client:
        job = client.login().submit()
        done = client.wait(job["job_id"])
        assert done["status"] == "failed" and done["error_message"] == done["streams"][0]["error_message"]
        assert "--fail-rate" in done["error_message"]


def error_pattern(folder: Path, **options: object) -> list[int]:
    with thread_server(folder, **options) as running, httpx.Client(base_url=running.url) as http:
        return [http.get("/simulation-jobs").status_code for _ in range(40)]


def test_seeded_faults_repeat_and_do_not_disturb_each_other(tmp_path: Path) -> None:
    first = error_pattern(tmp_path / "a", error_rate=0.5, seed=7)
    assert 401 in first and any(code >= 500 for code in first)
    assert error_pattern(tmp_path / "b", error_rate=0.5, seed=7) == first
    assert error_pattern(tmp_path / "c", error_rate=0.5, seed=7, fail_rate=0.5, truncate_rate=0.5) == first
    assert error_pattern(tmp_path / "d", error_rate=0.5, seed=8) != first
