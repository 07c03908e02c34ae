"""The runner against a server that answers something else than the API's shapes: one clear
message naming the field, exit 4, never a traceback, and a submit whose answer cannot be read
is left for reconciliation (the job may exist) instead of being forgotten.

The server is a tiny http.server on loopback, whose answers each test sets.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import pytest
from runner_support import SINGLE, Home, make_home, send_json, serving

from odyssey_dsl.errors import EXIT_API, UnexpectedAnswer
from odyssey_dsl.runner.client import ApiRefusal, Client, ConcurrentLimit
from odyssey_dsl.runner.retry import Backoff
from odyssey_dsl.runner.target import Target

TOKEN = {"access_token": "garbled-token", "expires_in": 3600}
JOB = {"job_id": "job-1", "status": "completed", "streams": []}


@dataclass(frozen=True)
class Refusal:
    """An error answer: its status and body."""

    status: int
    body: object


@dataclass(frozen=True)
class Raw:
    """An answer sent as these bytes, as JSON."""

    body: bytes


class Garbled(BaseHTTPRequestHandler):
    """Answers `answers[(method, path)]` (a path ending in `/` matches what follows it), and
    records every request."""

    answers: ClassVar[dict[tuple[str, str], object]] = {}
    seen: ClassVar[list[tuple[str, str]]] = []

    def do_GET(self) -> None:
        self._answer("GET")

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._answer("POST")

    def _answer(self, method: str) -> None:
        path = self.path.split("?")[0]
        type(self).seen.append((method, path))
        body = self.answers.get((method, path), self.answers.get((method, path.rsplit("/", 1)[0] + "/")))
        if body is None:
            send_json(self, {"detail": "not here"}, 404)
        elif isinstance(body, Refusal):
            send_json(self, body.body, body.status)
        elif isinstance(body, Raw):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body.body)))
            self.end_headers()
            self.wfile.write(body.body)
        else:
            send_json(self, body)

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture
def home(tmp_path: Path) -> Iterator[Home]:
    home = make_home(tmp_path)
    Garbled.answers = {("POST", "/auth/token"): TOKEN, ("GET", "/simulation-jobs"): {"jobs": [], "total": 0}}
    Garbled.seen = []
    with serving(home, Garbled):
        yield home


E = TypeVar("E", bound=Exception)


def asking_for_a_job(home: Home, answer: object, raises: type[E]) -> E:
    """What the client raises when the server gives `answer` to `GET /simulation-jobs/job-1`."""
    Garbled.answers[("GET", "/simulation-jobs/")] = answer
    client = Client(Target(home.url, home.url, "ody_garbled_key"), Backoff(2, 0.01, 0.01))
    try:
        with pytest.raises(raises) as caught:
            client.job("job-1")
    finally:
        client.close()
    return caught.value


def test_the_client_names_the_field_that_does_not_fit(home: Home) -> None:
    unexpected = asking_for_a_job(home, {**JOB, "streams": [{"stream_id": 7, "script_index": 0}]}, UnexpectedAnswer)
    assert unexpected.where == "answer.streams[0].stream_id"
    assert unexpected.message == ("the API answered something unexpected: "
                                  "`answer.streams[0].stream_id` should be a string, not a number")
    assert unexpected.exit_code == EXIT_API


def test_ody_status_says_which_field_is_wrong_and_exits_4(home: Home) -> None:
    Garbled.answers[("GET", "/simulation-jobs/")] = {**JOB, "status": 3}
    done = home.ody("status", "job-1")
    assert done.returncode == EXIT_API
    assert done.stderr == ("ody status: the API answered something unexpected: `answer.status` should be a "
                           "string, not a number\n  hint: check the API URL: it may not be the Odyssey Simulate API\n")
    assert done.stdout == ""


@pytest.mark.parametrize("body", [b"[" * 100_000, b'{"job_id": ' + b"9" * 5000 + b"}"], ids=["nested", "digits"])
def test_json_nested_too_deep_or_with_a_number_python_refuses_is_one_message(home: Home, body: bytes) -> None:
    """json.loads raised RecursionError, and ValueError for 5,000 digits: both escaped as internal errors."""
    Garbled.answers[("GET", "/simulation-jobs/")] = Raw(body)
    done = home.ody("status", "job-1")
    assert done.returncode == EXIT_API, done.stderr
    assert done.stderr.startswith("ody status: the server answered 200 with something that is not JSON"), done.stderr


def test_a_token_that_is_not_a_token_is_one_message(home: Home) -> None:
    Garbled.answers[("POST", "/auth/token")] = {"access_token": ["not", "a", "token"]}
    done = home.ody("wait", "job-1")
    assert done.returncode == EXIT_API
    assert done.stderr.startswith("ody wait: the API answered something unexpected: `answer.access_token` "
                                  "should be a string, not a list\n")
    assert "Traceback" not in done.stderr


def test_a_submit_answer_that_does_not_fit_keeps_the_intent_for_reconciliation(home: Home) -> None:
    """The server may have made the job: the intent stays in the journal, so that the next run
    looks for it among the server's jobs before paying again."""
    Garbled.answers[("POST", "/simulation-jobs")] = {"job_id": 12345, "status": "pending"}
    home.screenplay("cat.ody", SINGLE)
    done = home.ody("run", "cat.ody")
    assert done.returncode == EXIT_API
    assert ("ody run: cat.ody: the API answered something unexpected: `answer.job_id` should be a string, "
            "not a number") in done.stderr
    assert "Traceback" not in done.stderr
    assert Garbled.seen.count(("POST", "/simulation-jobs")) == 1  # never retried blindly
    assert [row["state"] for row in home.journal()] == ["intent"]


def test_a_poll_answer_that_does_not_fit_stops_the_run_with_the_job_journaled(home: Home) -> None:
    Garbled.answers[("POST", "/simulation-jobs")] = {"job_id": "job-1", "status": "pending"}
    Garbled.answers[("GET", "/simulation-jobs/")] = {"job_id": "job-1", "status": "processing", "streams": {}}
    home.screenplay("cat.ody", SINGLE)
    done = home.ody("run", "cat.ody")
    assert done.returncode == EXIT_API
    assert "`answer.streams` should be a list, not an object" in done.stderr
    assert "Traceback" not in done.stderr
    assert [(row["job_id"], row["state"]) for row in home.journal()] == [("job-1", "submitted")]


def test_a_429_says_which_limit_and_what_to_do(home: Home) -> None:
    refused = asking_for_a_job(home, Refusal(429, {"code": "CONCURRENT_LIMIT_REACHED", "message": "3 jobs are active",
                                "action": "wait for one", "details": {"active": 3}}), ApiRefusal)
    assert isinstance(refused, ConcurrentLimit)
    assert (refused.message, refused.hint, refused.details) == (
        "CONCURRENT_LIMIT_REACHED: 3 jobs are active", "wait for one", {"active": 3})


def test_a_429_whose_body_does_not_fit_is_still_a_refusal(home: Home) -> None:
    """The status says enough: a garbled body costs its words, not the refusal."""
    refused = asking_for_a_job(home, Refusal(429, {"code": 7, "message": ["not", "words"], "details": "none"}), ApiRefusal)
    assert type(refused) is ApiRefusal and refused.status == 429
    assert refused.message.startswith("usage limit: ")
