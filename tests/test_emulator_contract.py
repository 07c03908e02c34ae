"""The emulator answers what `odyssey_dsl.api` says the API answers: each answer, read back with
`api.read(cls, ...)` over real HTTP on loopback, fits its dataclass, carries every field the
dataclass declares (null where the API allows it), and the OpenAPI description is made from the
same classes, so a field is declared once for the runner and the emulator alike."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from emulator_support import Api, renderer_available, script, thread_server

from odyssey_dsl import api as contract
from odyssey_dsl.api import read

ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """A key's client of one emulator, for the tests that only add jobs of their own."""
    with thread_server(tmp_path_factory.mktemp("contract")) as running, Api(running.url) as client:
        yield client.login()


def fits(cls: type[Any], answer: httpx.Response, status: int = 200) -> Any:
    """The answer as `cls`, after checking that it names every field `cls` declares."""
    assert answer.status_code == status, answer.text
    data = answer.json()
    value = read(cls, data)
    missing = {f.name for f in dataclasses.fields(cls)} - set(data)
    assert not missing, (cls.__name__, missing)
    return value


def fits_detail(job: contract.JobDetail) -> None:
    assert job.status in contract.STATUSES and job.priority == "normal" and job.retry_count == 0
    assert job.created_at is not None and ISO.fullmatch(job.created_at)
    for stream in job.streams:
        assert stream.status in {"processing", *contract.FINAL} and stream.script_index in range(len(job.streams))


def test_a_token_fits(api: Api) -> None:
    token = fits(contract.Token, httpx.post(api.url + "/auth/token", json={"api_key": "ody_contract"}))
    assert token.access_token and token.expires_in == 3600 and token.token_type == "bearer"


def test_a_job_fits_from_submit_to_its_end(api: Api) -> None:
    body = {"scripts": [script(0.5, "The cat blinks"), script(0.3)]}
    submitted = fits(contract.JobDetail, api.request("POST", "/simulation-jobs", json=body))
    fits_detail(submitted)
    assert submitted.status == contract.ACTIVE[0] and submitted.streams == [] and submitted.active
    seen = {submitted.status}
    job = submitted
    for _ in range(len(contract.STATUSES)):  # one status after another, each awaited for 30 s at most
        job = fits(contract.JobDetail, api.request("GET", f"/simulation-jobs/{submitted.job_id}"))
        fits_detail(job)
        seen.add(job.status)
        if not job.active:
            break
        was = job.status

        def moved(raw: dict[str, Any], was: str = was) -> bool:
            return bool(raw["status"] != was)

        api.wait(submitted.job_id, moved, timeout=30)
    assert not job.active and seen <= set(contract.STATUSES), seen
    assert [s.script_index for s in job.streams] == [0, 1]
    if renderer_available():
        assert job.status == "completed" and job.completed_at and ISO.fullmatch(job.completed_at)
        for stream in job.streams:
            assert isinstance(stream, contract.Stream) and stream.status == "completed" and stream.video_url
            recording = fits(contract.Recording, api.request("GET", f"/recordings/{stream.stream_id}"))
            assert recording.stream_id == stream.stream_id and recording.frame_count == stream.frame_count
        listed = fits(contract.RecordingList, api.request("GET", "/stream-recordings", params={"limit": 5}))
        assert {r.stream_id for r in listed.recordings} >= {s.stream_id for s in job.streams}
        assert all(isinstance(r, contract.StreamRecording) and r.width and r.height for r in listed.recordings)
        assert listed.limit == 5 and listed.offset == 0 and listed.total is not None


def test_lists_and_cancels_fit(tmp_path: Path) -> None:
    with thread_server(tmp_path, speed=1.0, pending_seconds=60.0) as slow, \
            Api(slow.url) as client:
        client.login()
        job = fits(contract.JobDetail, client.request("POST", "/simulation-jobs", json={"script": script()}))
        listed = fits(contract.JobList, client.request("GET", "/simulation-jobs", params={"active": "true"}))
        assert [j.job_id for j in listed.jobs] == [job.job_id] and listed.total == 1
        assert (listed.limit, listed.offset) == (20, 0)
        assert all(type(j) is contract.JobSummary and j.priority == "normal" for j in listed.jobs)
        cancelled = fits(contract.JobDetail, client.request("DELETE", f"/simulation-jobs/{job.job_id}"))
        fits_detail(cancelled)
        assert cancelled.status == "cancelled" and not cancelled.active
        again = fits(contract.Problem, client.request("DELETE", f"/simulation-jobs/{job.job_id}"), 400)
        assert again.detail and "cancelled" in again.detail


def test_errors_fit(api: Api) -> None:
    for answer, status in [(api.request("GET", "/simulation-jobs/nope"), 404),
                           (httpx.get(api.url + "/simulation-jobs"), 401),
                           (api.request("POST", "/simulation-jobs", json={"script": []}), 422),
                           (api.request("GET", "/simulation-jobs", params={"limit": "²"}), 422)]:
        assert fits(contract.Problem, answer, status).detail


def test_a_usage_limit_fits(tmp_path: Path) -> None:
    with thread_server(tmp_path, queue_limit=1, pending_seconds=600.0) as running, Api(running.url) as client:
        client.login().submit()
        problem = fits(contract.UsageProblem, client.request("POST", "/simulation-jobs", json={"script": script()}), 429)
        assert problem.name == "CONCURRENT_LIMIT_REACHED" and problem.error == problem.code
        assert problem.details == {"active_count": 1, "limit": 1} and problem.message and problem.action
        assert problem.detail == problem.message


@pytest.mark.parametrize("name", ["Token", "JobDetail", "JobList", "Recording", "RecordingList", "Problem",
                                  "UsageProblem"])
def test_the_openapi_description_is_made_from_the_same_classes(http_spec: dict[str, Any], name: str) -> None:
    cls = getattr(contract, name)
    schemas = http_spec["components"]["schemas"]
    assert set(schemas[cls.__name__]["properties"]) == {f.name for f in dataclasses.fields(cls)}


@pytest.fixture(scope="module")
def http_spec(api: Api) -> dict[str, Any]:
    spec: dict[str, Any] = api.http.get("/openapi.json").json()
    return spec
