"""The runner against every fault the emulator can inject: it never loses a job, never pays
twice (the emulator sees exactly one job per screenplay), never leaves a corrupt file and
never prints the key. Over real loopback HTTP."""

from __future__ import annotations

import json
import random
import sqlite3
import time
from pathlib import Path

import pytest
from emulator_support import Api, renderer_available, script
from runner_support import (
    BATCH,
    FAST_CONFIG,
    KEY,
    SINGLE,
    Home,
    emulator,
    files_under,
    frames,
    make_home,
    server_jobs,
)

pytestmark = pytest.mark.skipif(not renderer_available(), reason="the emulator's renderer is not installed")


@pytest.fixture
def home(tmp_path: Path) -> Home:
    return make_home(tmp_path, FAST_CONFIG.replace("retry-attempts = 8", "retry-attempts = 12"))


def seed_where(fault: str, rate: float, hits: list[bool]) -> int:
    """A seed whose first rolls of `fault` fire exactly as `hits` says (request by request)."""
    for seed in range(10_000):
        rolls = random.Random(f"{seed}:{fault}")
        if [rolls.random() < rate for _ in hits] == hits:
            return seed
    raise AssertionError("no such seed")


def assert_complete(home: Home, folder: str, names: list[str], frame_count: int) -> None:
    """Every video is whole and decodes; no .part is left; run.json agrees with the disk."""
    base = home.work / "recordings" / folder
    assert not [p for p in files_under(base) if p.suffix == ".part"]
    manifest = home.manifest(folder)
    for name in names:
        video = base / f"{name}.mp4"
        assert frames(video) == frame_count
        record = next(s for s in manifest["streams"] if s["name"] == name)["files"]["video"]
        assert record == {"path": video.name, "size": video.stat().st_size, "complete": True}


@pytest.mark.parametrize("fault", [
    {"error_rate": 0.3, "seed": 7},
    {"drop_rate": 0.3, "seed": 11},
    {"truncate_rate": 0.6, "seed": 5},
    {"latency_ms": 40.0},
    {"rate_limit": 4.0},
    {"token_ttl": 1.0, "pending_seconds": 200.0},  # tokens expire while the job waits
], ids=lambda f: next(iter(f)))
def test_reads_and_downloads_survive_the_fault(home: Home, fault: dict[str, float]) -> None:
    home.screenplay("cat.ody", SINGLE)
    with emulator(home, **fault):
        done = home.ody("run", "cat.ody")
    assert done.returncode == 0, done.stderr
    with emulator(home) as server:
        assert len(server_jobs(server)) == 1
    assert_complete(home, "cat", ["cat"], 50)
    home.assert_no_secret()


def test_a_batch_survives_every_fault_at_once(home: Home) -> None:
    home.screenplay("seasons.ody", BATCH)
    with emulator(home, error_rate=0.15, drop_rate=0.15, truncate_rate=0.3, latency_ms=5.0, seed=2):
        done = home.ody("run", "seasons.ody")
    assert done.returncode == 0, done.stderr
    with emulator(home) as server:
        assert len(server_jobs(server)) == 1
    assert_complete(home, "seasons", ["spring", "summer", "autumn", "winter"], 25)


def test_a_dropped_submit_is_adopted_not_paid_twice(home: Home) -> None:
    home.screenplay("cat.ody", SINGLE)
    seed = seed_where("drop", 0.5, [False, True])  # the token exchange passes, the submit is cut
    with emulator(home, drop_rate=0.5, seed=seed):
        done = home.ody("run", "cat.ody")
    assert done.returncode == 0, done.stderr
    assert "adopting job" in done.stderr
    with emulator(home) as server:  # counted without faults: the test's own requests would roll them
        (job,) = server_jobs(server)
    (row,) = home.journal()
    assert (row["job_id"], row["state"]) == (job["job_id"], "adopted")
    assert_complete(home, "cat", ["cat"], 50)


def test_a_500_on_submit_that_made_nothing_is_submitted_again_once(home: Home) -> None:
    home.screenplay("cat.ody", SINGLE)
    seed = seed_where("error", 0.5, [False, True])
    with emulator(home, error_rate=0.5, seed=seed):
        done = home.ody("run", "cat.ody")
    assert done.returncode == 0, done.stderr
    assert "no job was made: submitting again" in done.stderr
    with emulator(home) as server:
        assert len(server_jobs(server)) == 1
    assert [r["state"] for r in home.journal()] == ["submitted"]  # one intent covered both tries


def test_the_concurrent_limit_queues_submits_until_one_of_ours_finishes(home: Home) -> None:
    for name in ("a", "b", "c"):
        home.screenplay(f"{name}.ody", SINGLE.replace("ginger", name))
    with emulator(home, queue_limit=1, pending_seconds=50.0) as server:
        done = home.ody("run", "a.ody", "b.ody", "c.ody", "--concurrency", "3")
        assert done.returncode == 0, done.stderr
        assert "limit of active jobs" in done.stderr
        jobs = server_jobs(server)
    assert len(jobs) == 3
    for name in ("a", "b", "c"):
        assert frames(home.work / "recordings" / name / f"{name}.mp4") == 50


@pytest.mark.parametrize(("fault", "words"), [
    ({"monthly_limit_reached": True}, "MONTHLY_LIMIT_REACHED"),
    ({"max_duration": 1.0}, "STREAM_DURATION_EXCEEDED"),
], ids=["monthly", "duration"])
def test_account_limits_are_final_with_the_servers_advice(home: Home, fault: dict[str, object], words: str) -> None:
    home.screenplay("cat.ody", SINGLE)
    with emulator(home, **fault) as server:
        done = home.ody("run", "cat.ody")
        assert server_jobs(server) == []
    assert done.returncode == 4, done.stderr
    assert words in done.stderr
    assert [r["state"] for r in home.journal()] == ["abandoned"]


def test_a_queue_full_of_jobs_this_run_does_not_own_is_final_with_the_servers_advice(home: Home) -> None:
    home.screenplay("cat.ody", SINGLE)
    with emulator(home, queue_limit=1, pending_seconds=600.0) as server:
        with Api(server.url, KEY) as elsewhere:  # the key's one slot, taken by a job no journal knows
            elsewhere.login().submit()
        done = home.ody("run", "cat.ody")
        assert len(server_jobs(server)) == 1
    assert done.returncode == 4, done.stderr
    assert "CONCURRENT_LIMIT_REACHED" in done.stderr
    assert [r["state"] for r in home.journal()] == ["abandoned"]


def test_a_missing_privilege_is_final(home: Home) -> None:
    home.screenplay("cat.ody", "prompt-expansion off\n" + SINGLE)
    with emulator(home, bypass_privilege=False) as server:
        done = home.ody("run", "cat.ody")
        assert server_jobs(server) == []
    assert done.returncode == 4 and "403" in done.stderr


def test_an_unreachable_api_is_exit_4(home: Home) -> None:
    home.screenplay("cat.ody", SINGLE)
    done = home.ody("run", "cat.ody")  # nothing listens on the home's port
    assert done.returncode == 4
    assert "cannot reach" in done.stderr and "gave up" in done.stderr


def test_a_wrong_key_is_exit_4_and_not_printed(home: Home) -> None:
    home.screenplay("cat.ody", SINGLE)
    with emulator(home, api_keys=frozenset({"ody_the_only_key"})):
        done = home.ody("run", "cat.ody")
    assert done.returncode == 4 and "401" in done.stderr


def test_expired_download_urls_are_renewed(home: Home) -> None:
    home.screenplay("cat.ody", SINGLE)
    with emulator(home, url_ttl=0.5) as server:
        assert home.ody("run", "cat.ody", "--no-wait").returncode == 0
        (job,) = server_jobs(server)
        with Api(server.url, KEY) as api:
            api.login().wait(job["job_id"])
        time.sleep(0.6)  # every URL the job detail gave out so far has expired
        done = home.ody("download", job["job_id"])
        assert done.returncode == 0, done.stderr
    assert_complete(home, "cat", ["cat"], 50)


def test_a_job_the_server_forgot_is_not_reused_once_its_files_are_gone(home: Home) -> None:
    """With its recording on disk, a completed job is reused without a request; without it,
    the API must still know the job, and one it forgot is made again."""
    home.screenplay("cat.ody", SINGLE)
    with emulator(home) as server:
        assert home.ody("run", "cat.ody").returncode == 0
    with sqlite3.connect(home.root / "emulator" / "emulator.sqlite3") as db:
        db.execute("DELETE FROM streams")
        db.execute("DELETE FROM jobs")
    with emulator(home) as server:
        kept = home.ody("run", "cat.ody", "--json")
        assert kept.returncode == 0, kept.stderr
        assert json.loads(kept.stdout)["api_requests"] == 0 and not server_jobs(server)
        (home.work / "recordings" / "cat" / "cat.mp4").unlink()
        done = home.ody("run", "cat.ody")
        assert done.returncode == 0, done.stderr
        assert "no longer knows job" in done.stderr
        assert len(server_jobs(server)) == 1
    assert (home.work / "recordings" / "cat" / "cat.take2.mp4").exists()


def test_a_foreign_job_downloads_into_a_folder_named_after_it(home: Home) -> None:
    with emulator(home) as server, Api(server.url, KEY) as api:
        job = api.login().submit({"scripts": [script(1.0), script(1.0)]})
        api.wait(job["job_id"])
        done = home.ody("download", job["job_id"], "--out", "elsewhere")
        assert done.returncode == 0, done.stderr
    folder = home.work / "elsewhere" / job["job_id"]
    assert frames(folder / "stream-1.mp4") == 25 and frames(folder / "stream-2.mp4") == 25
