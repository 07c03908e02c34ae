"""`--queue-limit N` (default 10, as Odyssey documents an account's simulation queue): a key's
jobs not yet final (pending, dispatched, processing) are counted, and the submit beyond them is
refused as the service refuses it, 429 CONCURRENT_LIMIT_REACHED with `active_count` and
`limit`; a job that completes or is cancelled frees its slot. Over real HTTP."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from emulator_support import KEY, OTHER_KEY, Api, Emulator, poll, script, thread_server

from odyssey_dsl.emulator.settings import Settings

WAITING = ("--speed", "1", "--pending-seconds", "600", "--dispatched-seconds", "600")


@pytest.fixture
def default_emulator(tmp_path: Path) -> Iterator[Emulator]:
    """`ody emulator` with no limit flag: the default applies."""
    running = Emulator(tmp_path / "data", *WAITING)
    running.start()
    try:
        yield running
    finally:
        running.stop()


def refused(client: Api) -> dict[str, object]:
    answer = client.request("POST", "/simulation-jobs", json={"script": script()})
    assert answer.status_code == 429, answer.text
    body: dict[str, object] = answer.json()
    assert body["code"] == body["error"] == "CONCURRENT_LIMIT_REACHED"
    return body


def test_the_eleventh_unfinished_job_is_refused_until_one_is_cancelled(default_emulator: Emulator) -> None:
    with Api(default_emulator.url, KEY) as client:
        jobs = [client.login().submit()["job_id"] for _ in range(10)]
        assert refused(client)["details"] == {"active_count": 10, "limit": 10}
        assert client.request("DELETE", f"/simulation-jobs/{jobs[0]}").status_code == 200
        assert client.submit()["status"] == "pending"  # the cancelled job's slot
        refused(client)
        with Api(default_emulator.url, OTHER_KEY) as other:  # each key has its own queue
            assert other.login().submit()["status"] == "pending"


def test_a_processing_job_counts_and_a_completed_one_frees_its_slot(tmp_path: Path) -> None:
    with thread_server(tmp_path, queue_limit=1, speed=20.0, pending_seconds=0.0, dispatched_seconds=0.0) as running, \
            Api(running.url) as client:
        first = client.login().submit({"script": script(40.0)})  # 2 real seconds of processing
        poll(lambda: client.job(first["job_id"])["status"], lambda status: status == "processing")
        assert refused(client)["details"] == {"active_count": 1, "limit": 1}
        poll(lambda: client.job(first["job_id"])["status"], lambda status: status == "completed")
        assert client.submit()["job_id"] != first["job_id"]  # accepted (submit checks the 200)


def test_a_limit_of_0_is_no_limit(tmp_path: Path) -> None:
    with thread_server(tmp_path, queue_limit=0, pending_seconds=600.0) as running, Api(running.url) as client:
        client.login()
        assert all(client.submit()["status"] == "pending" for _ in range(12))


def test_the_old_concurrent_limit_flag_still_sets_it(tmp_path: Path) -> None:
    running = Emulator(tmp_path / "data", "--concurrent-limit", "2", *WAITING)
    running.start()
    try:
        with Api(running.url) as client:
            client.login().submit()
            client.submit()
            assert refused(client)["details"] == {"active_count": 2, "limit": 2}
    finally:
        running.stop()
    assert "--concurrent-limit is now --queue-limit" in running.stderr()


def test_a_negative_limit_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"queue_limit must be 0 \(no limit\) or more, not -1"):
        Settings(data_dir=tmp_path, queue_limit=-1)
    done = subprocess.run([sys.executable, "-m", "odyssey_dsl", "emulator", "--queue-limit", "-1"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "--queue-limit" in done.stderr and "Traceback" not in done.stderr
    shown = " ".join(subprocess.run([sys.executable, "-m", "odyssey_dsl", "emulator", "--help"],
                                    capture_output=True, text=True, timeout=60).stdout.split())
    assert "CONCURRENT_LIMIT_REACHED. 0: no limit. [default: 10; x>=0]" in shown and "--concurrent-limit" not in shown

