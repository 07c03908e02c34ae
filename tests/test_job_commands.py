"""The job commands as a person uses them: `ody jobs` with a header and an API column, quick
and honest when an API is down; job ids by a unique prefix; `ody cancel` that says what
happened; `ody status` in plain words; any status that is not final counts as active.

Real `ody` processes, against the emulator in a thread on the home's port, a loopback port
where nothing listens (a down API), or a tiny server that speaks the JavaScript SDK's
`running`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, ClassVar

import pytest
from emulator_support import renderer_available
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from runner_support import (
    KEY,
    SINGLE,
    Home,
    emulator,
    free_port,
    make_home,
    poll_until,
    send_json,
    server_jobs,
    serving,
)

from odyssey_dsl.errors import EXIT_API, EXIT_USAGE, ApiFailure
from odyssey_dsl.runner.client import Client
from odyssey_dsl.runner.estimate import about
from odyssey_dsl.runner.journal import Journal
from odyssey_dsl.runner.listing import short_id
from odyssey_dsl.runner.retry import Backoff
from odyssey_dsl.runner.target import Target, fingerprint

needs_renderer = pytest.mark.skipif(not renderer_available(), reason="the emulator's renderer is not installed")


@pytest.fixture
def home(tmp_path: Path) -> Home:
    home = make_home(tmp_path)
    home.screenplay("cat.ody", SINGLE)
    return home


def journaled(home: Home, job_id: str, api_base: str, status: str, screenplay: str = "lost.ody") -> None:
    """A job the journal knows on `api_base`, last seen `status` (as a run on it leaves it)."""
    home.state.mkdir(parents=True, exist_ok=True)
    journal = Journal(home.state / "journal.sqlite3")
    try:
        row = journal.intend(api_base=api_base, key_fp=fingerprint(KEY), group_hash=job_id, request_hash=job_id,
                             take=1, screenplay=str(home.work / screenplay), folder=None, title=None, plan=())
        journal.answered(row.id, job_id, status)
    finally:
        journal.close()


def submitted(home: Home, server: Any) -> str:
    """`ody run cat.ody --no-wait`, and the id of the job it made."""
    done = home.ody("run", "cat.ody", "--no-wait")
    assert done.returncode == 0, done.stderr
    (job,) = server_jobs(server)
    return str(job["job_id"])


def table(stdout: str) -> list[list[str]]:
    return [line.split() for line in stdout.splitlines()]


DOWN_JOB = "0d0e0f10-1111-4222-8333-444455556666"


# --- ody jobs ----------------------------------------------------------------------------------

@needs_renderer
def test_jobs_has_a_header_an_api_column_and_marks_what_a_down_api_last_said(home: Home) -> None:
    down = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    journaled(home, DOWN_JOB, down, "processing")
    with emulator(home, pending_seconds=100000.0) as server:
        job_id = submitted(home, server)
        started = time.monotonic()
        done = home.ody("jobs")
        took = time.monotonic() - started
        print(f"ody jobs with one API down answered in {took:.2f} s")
        assert took < 10, took  # a hang guard; bench/jobs_bench.py measures it
        assert done.returncode == 0, done.stderr
        header, *lines = table(done.stdout)
        assert header == ["JOB", "STATUS", "CREATED", "API", "SCREENPLAY", "FOLDER"]
        by_id = {line[0]: line for line in lines}
        assert by_id[job_id[:8]][1] == "pending" and by_id[job_id[:8]][4] == home.url
        assert by_id[DOWN_JOB[:8]][1] == "processing?" and by_id[DOWN_JOB[:8]][4] == down
        assert f"ody jobs: cannot reach {down}" in done.stderr and "status last seen (marked ?)" in done.stderr
        listed = {j["job_id"]: j for j in json.loads(home.ody("jobs", "--json").stdout)}
        assert listed[DOWN_JOB]["live"] is False and listed[DOWN_JOB]["status"] == "processing"
        assert listed[job_id]["live"] is True and listed[job_id]["api"] == home.url
        only_down = home.ody("jobs", "--api-url", down, "--json")
        assert [j["job_id"] for j in json.loads(only_down.stdout)] == [DOWN_JOB]
        only_up = home.ody("jobs", "--api-url", home.url, "--json")
        assert [j["job_id"] for j in json.loads(only_up.stdout)] == [job_id]


def test_jobs_does_not_wait_on_down_apis_even_with_the_default_retries(tmp_path: Path) -> None:
    home = make_home(tmp_path, config="")  # 6 tries with backoff from 0.5 s: about 8 to 15 s per API before
    journaled(home, DOWN_JOB, f"http://127.0.0.1:{free_port()}", "pending")
    started = time.monotonic()
    done = home.ody("jobs")  # the configured API (home.url) is down too
    took = time.monotonic() - started
    print(f"ody jobs with two APIs down answered in {took:.2f} s")
    assert took < 7, took  # a hang guard, far above what it takes (bench/jobs_bench.py)
    assert done.returncode == 0, done.stderr
    assert table(done.stdout)[1][:2] == [DOWN_JOB[:8], "pending?"]
    assert done.stderr.count("cannot reach") == 2


def test_a_quick_client_takes_a_refusal_from_this_machine_as_final() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    patient = Client(Target(url, url, "ody_k"), Backoff(3, 0.01, 0.01))
    quick = Client(Target(url, url, "ody_k"), Backoff(3, 0.01, 0.01), quick=True)
    for client, tries in ((patient, 3), (quick, 1)):
        with pytest.raises(ApiFailure, match="cannot reach"):
            client.jobs()
        assert client.requests == tries
        client.close()


@needs_renderer
def test_jobs_active_shows_only_jobs_not_yet_final(home: Home) -> None:
    journaled(home, DOWN_JOB, f"http://127.0.0.1:{free_port()}", "completed")
    with emulator(home, pending_seconds=100000.0) as server:
        job_id = submitted(home, server)
        listed = home.ody("jobs", "--active", "--json")
        assert [j["job_id"] for j in json.loads(listed.stdout)] == [job_id]
        assert "cannot reach" in listed.stderr and "marked ?" not in listed.stderr  # its jobs are final


def test_the_emulator_is_not_started_to_list_its_jobs(home: Home) -> None:
    journaled(home, DOWN_JOB, "emulator", "pending")
    done = home.ody("jobs", ODYSSEY_API_KEY="")
    assert done.returncode == 0, done.stderr
    assert table(done.stdout)[1][:2] == [DOWN_JOB[:8], "pending?"]
    assert "`ody jobs --emulator` starts it" in done.stderr
    assert not (home.state / "emulator").exists()


@needs_renderer
def test_jobs_emulator_starts_the_emulator_and_asks_it(home: Home) -> None:
    done = home.ody("run", "cat.ody", "--emulator", "--no-wait", ODYSSEY_API_KEY="")
    assert done.returncode == 0, done.stderr
    (row,) = home.journal()
    listed = home.ody("jobs", "--emulator", "--json", ODYSSEY_API_KEY="")
    assert listed.returncode == 0, listed.stderr
    (job,) = json.loads(listed.stdout)
    assert (job["job_id"], job["api"], job["live"]) == (row["job_id"], "emulator", True)
    assert not (home.state / "emulator" / "endpoint.json").exists()  # stopped again


# --- job ids by prefix ---------------------------------------------------------------------------

@needs_renderer
def test_job_commands_take_a_unique_prefix_of_a_job_id(home: Home) -> None:
    with emulator(home, pending_seconds=100000.0) as server:
        job_id = submitted(home, server)
        status = home.ody("status", job_id[:8])
        assert status.returncode == 0, status.stderr
        assert status.stdout.startswith(f"job {job_id}: pending\n")
        cancelled = home.ody("cancel", job_id[:12])  # as the live table prints ids
        assert (cancelled.returncode, cancelled.stdout) == (0, f"job {job_id} is cancelled\n")
        waited = home.ody("wait", job_id[:8])
        assert waited.returncode == 3 and waited.stdout == f"job {job_id} is cancelled\n"


def test_a_prefix_the_journal_does_not_know_is_said_so_without_asking_for_a_key(home: Home) -> None:
    done = home.ody("status", "fd04c483", ODYSSEY_API_KEY="")
    assert done.returncode == EXIT_USAGE
    assert done.stderr.startswith("ody status: no job `fd04c483…` in the journal\n")
    assert "API key" not in done.stderr
    short = home.ody("download", "fd04c4", ODYSSEY_API_KEY="")
    assert short.returncode == EXIT_USAGE
    assert short.stderr.startswith("ody download: `fd04c4` is too short to name a job: give at least 8 characters")


def test_a_prefix_of_several_jobs_lists_them(home: Home) -> None:
    first, second = "aaaabbbb-0000-4000-8000-000000000001", "aaaabbbb-0000-4000-8000-000000000002"
    journaled(home, first, home.url, "completed", "one.ody")
    journaled(home, second, home.url, "completed", "two.ody")
    done = home.ody("cancel", "aaaabbbb-0000")
    assert done.returncode == EXIT_USAGE
    assert f"`aaaabbbb-0000` starts 2 job ids: {first} (one.ody), {second} (two.ody)" in done.stderr
    listed = table(home.ody("jobs", ODYSSEY_API_KEY="").stdout)
    assert sorted(line[0] for line in listed[1:]) == [first, second]  # no shorter start names one alone


@needs_renderer
def test_a_full_id_the_journal_does_not_know_is_asked_of_the_api(home: Home) -> None:
    with emulator(home):
        done = home.ody("status", "fd04c483-0000-4000-8000-000000000000")
    assert done.returncode == EXIT_API
    assert "the API answered 404" in done.stderr


# --- ody cancel ----------------------------------------------------------------------------------

@needs_renderer
def test_cancel_a_cancelled_job_says_so_and_succeeds(home: Home) -> None:
    with emulator(home, pending_seconds=100000.0) as server:
        job_id = submitted(home, server)
        assert home.ody("cancel", job_id).returncode == 0
        again = home.ody("cancel", job_id)
        assert (again.returncode, again.stdout, again.stderr) == (0, f"job {job_id} is already cancelled\n", "")


@needs_renderer
def test_cancel_a_processing_job_says_it_runs_to_its_end(home: Home) -> None:
    with emulator(home, render_delay=120.0) as server:  # processing for two minutes
        job_id = submitted(home, server)
        poll_until(lambda: server_jobs(server)[0]["status"] == "processing")
        done = home.ody("cancel", job_id[:8])
    assert done.returncode == EXIT_API
    assert done.stderr.startswith(f"ody cancel: job {job_id} is processing and can no longer be cancelled: "
                                  "it runs to its end\n")
    assert "ody run" not in done.stderr


@needs_renderer
def test_cancel_a_completed_job_says_it_is_already_final(home: Home) -> None:
    with emulator(home) as server:
        assert home.ody("run", "cat.ody").returncode == 0
        (job,) = server_jobs(server)
        done = home.ody("cancel", job["job_id"])
    assert done.returncode == EXIT_API
    assert done.stderr.startswith(f"ody cancel: job {job['job_id']} is already completed: there is nothing to cancel")


# --- ody status, wait, download --------------------------------------------------------------------

@pytest.mark.parametrize(("minutes", "said"), [
    (0.0, "less than a minute"), (0.4, "less than a minute"), (1.0, "about 1 minute"),
    (1.83333, "about 2 minutes"), (59.4, "about 59 minutes"), (60.0, "about 1 hour"),
    (70.2, "about 1 hour 10 minutes"), (152.0, "about 2 hours 30 minutes"),
])
def test_waits_are_said_in_rounded_words(minutes: float, said: str) -> None:
    assert about(minutes) == said


def told(said: str) -> float:
    """The minutes a wait in words says (`about 1 hour 10 minutes`: 70; less than a minute: 0.5)."""
    words = said.removeprefix("about ").split()
    if said == "less than a minute":
        return 0.5
    return sum(int(n) * (60 if unit.startswith("hour") else 1) for n, unit in zip(words[::2], words[1::2]))


@given(st.floats(min_value=0, max_value=100000, allow_nan=False), st.floats(min_value=0, max_value=1000))
def test_a_wait_in_words_is_near_the_estimate_and_grows_with_it(minutes: float, more: float) -> None:
    assert abs(told(about(minutes)) - minutes) <= (0.5 if minutes < 60 else 2.5)
    assert told(about(minutes)) <= told(about(minutes + more))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text("0a", min_size=1, max_size=6), min_size=1, max_size=8, unique=True))
def test_the_short_id_of_a_job_names_it_alone_in_the_journal(tmp_path: Path, tails: list[str]) -> None:
    """Ids that share long starts (`fd04c483-0a…`, `fd04c483-00…`): each table id is one the
    job commands resolve to that job and no other (an id that starts another is shown whole:
    the commands take a whole id first)."""
    ids = [f"fd04c483-{tail}" for tail in tails]
    journal = Journal(tmp_path / f"{len(list(tmp_path.iterdir()))}.sqlite3")
    try:
        for job_id in ids:
            row = journal.intend(api_base="emulator", key_fp="k", group_hash=job_id, request_hash=job_id, take=1,
                                 screenplay=None, folder=None, title=None, plan=())
            journal.answered(row.id, job_id, "pending")
        for job_id in ids:
            short = short_id(journal, job_id)
            assert len(short) >= 8 and job_id.startswith(short)
            assert [r.job_id for r in journal.by_prefix(short)] == [job_id] or short == job_id
    finally:
        journal.close()


@needs_renderer
def test_status_says_the_wait_in_words(home: Home) -> None:
    with emulator(home, pending_seconds=12000.0) as server:  # 120 s of real time at the tests' speed
        job_id = submitted(home, server)
        done = home.ody("status", job_id)
    assert done.returncode == 0, done.stderr
    assert "  estimated wait: about 2 minutes\n" in done.stdout
    assert "minutes:" not in done.stdout
    assert done.stdout.endswith(f"not finished: `ody wait {job_id} --download` downloads it when it completes\n")


@needs_renderer
def test_status_says_how_to_download_what_is_not_on_disk(home: Home) -> None:
    with emulator(home) as server:
        job_id = submitted(home, server)
        poll_until(lambda: server_jobs(server)[0]["status"] == "completed")
        before = home.ody("status", job_id)
        assert before.stdout.endswith(f"not downloaded yet: `ody download {job_id}`\n")
        assert json.loads(home.ody("status", job_id, "--json").stdout)["downloaded"] is False
        fetched = home.ody("download", job_id[:8])
        assert fetched.returncode == 0, fetched.stderr
        after = home.ody("status", job_id)
    assert "not downloaded" not in after.stdout and "not finished" not in after.stdout


@needs_renderer
def test_wait_and_download_name_themselves(home: Home) -> None:
    with emulator(home, fail_rate=1.0) as server:  # every stream fails: messages on stderr
        job_id = submitted(home, server)
        waited = home.ody("wait", job_id[:8], "--download")
        fetched = home.ody("download", job_id)
    for done, name in ((waited, "wait"), (fetched, "download")):
        assert done.returncode == 3, done.stderr
        lines = [line for line in done.stderr.splitlines() if not line.startswith("  ")]
        assert lines and all(line.startswith(f"ody {name}: ") for line in lines), done.stderr


# --- statuses the API does not document --------------------------------------------------------------

class Running(BaseHTTPRequestHandler):
    """The JavaScript SDK's words: `job-run` is `running` for the first `polls` reads, then
    completed; it cannot be cancelled. The list also has a completed job."""

    polls: ClassVar[int] = 0

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        send_json(self, {"access_token": "t", "expires_in": 3600})

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        if path == "/simulation-jobs":
            send_json(self, {"jobs": [{"job_id": "job-run", "status": "running"},
                                      {"job_id": "job-done", "status": "completed"}]})
        elif path == "/simulation-jobs/job-run":
            type(self).polls -= 1
            status = "running" if self.polls >= 0 else "completed"
            send_json(self, {"job_id": "job-run", "status": status, "estimated_wait_minutes": 0.5, "streams": []})
        else:
            send_json(self, {"detail": "not here"}, 404)

    def do_DELETE(self) -> None:
        send_json(self, {"detail": "the job is running and can no longer be cancelled"}, 400)

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture
def sdk(home: Home) -> Iterator[Home]:
    Running.polls = 3
    with serving(home, Running):
        yield home


def test_a_running_job_is_active_to_every_job_command(sdk: Home) -> None:
    active = sdk.ody("jobs", "--active", "--json")
    assert [j["job_id"] for j in json.loads(active.stdout)] == ["job-run"]  # the server's filter is not trusted
    status = sdk.ody("status", "job-run")
    assert "estimated wait: less than a minute" in status.stdout and "not finished" in status.stdout
    cancel = sdk.ody("cancel", "job-run")
    assert cancel.returncode == EXIT_API and "is running and can no longer be cancelled" in cancel.stderr
    Running.polls = 3
    waited = sdk.ody("wait", "job-run")
    assert (waited.returncode, waited.stdout) == (0, "job job-run is completed\n")
