"""Ctrl-C and SIGKILL at the moments that matter: the job is never lost, never paid twice,
and the user is told how to resume. `ody run` runs in a subprocess; the emulator in a thread."""

from __future__ import annotations

import hashlib
import json
import signal
import subprocess
import time
from pathlib import Path

import pytest
from emulator_support import Api, renderer_available
from runner_support import (
    BATCH,
    KEY,
    SINGLE,
    Home,
    emulator,
    frames,
    make_home,
    poll_until,
    server_jobs,
)

from odyssey_dsl.runner.prepare import Prepared

pytestmark = pytest.mark.skipif(not renderer_available(), reason="the emulator's renderer is not installed")


@pytest.fixture
def home(tmp_path: Path) -> Home:
    home = make_home(tmp_path)
    home.screenplay("cat.ody", SINGLE)
    return home


def finish(process: subprocess.Popen[str], timeout: float = 60) -> tuple[int, str]:
    _, err = process.communicate(timeout=timeout)
    assert KEY not in err
    return process.returncode, err


def journaled(home: Home) -> str:
    return str(poll_until(lambda: next((r["job_id"] for r in home.journal() if r["job_id"]), None)))


def test_ctrl_c_while_waiting_keeps_the_job_and_says_how_to_resume(home: Home) -> None:
    with emulator(home, pending_seconds=3000.0) as server:
        process = home.spawn("run", "cat.ody")
        job_id = journaled(home)
        time.sleep(0.3)
        process.send_signal(signal.SIGINT)
        code, err = finish(process)
        assert code == 130, err
        assert f"ody wait {job_id} --download" in err
        assert server_jobs(server)[0]["status"] == "pending"
        again = home.ody("run", "cat.ody", "--timeout", "1s")  # a rerun finds the same job
        assert again.returncode == 5 and "reusing it instead of paying again" in again.stderr
        assert len(server_jobs(server)) == 1


def test_cancel_on_interrupt_cancels_a_pending_job(home: Home) -> None:
    with emulator(home, pending_seconds=3000.0) as server:
        process = home.spawn("run", "cat.ody", "--cancel-on-interrupt")
        job_id = journaled(home)
        process.send_signal(signal.SIGINT)
        code, err = finish(process)
        assert code == 130, err
        assert f"cancelled job {job_id}" in err
        assert server_jobs(server)[0]["status"] == "cancelled"


def test_cancel_on_interrupt_says_plainly_when_it_is_too_late(home: Home) -> None:
    # At speed 0.4 the 2-second script is `processing` for five real seconds.
    with emulator(home, speed=0.4, pending_seconds=0.0, dispatched_seconds=0.0) as server:
        process = home.spawn("run", "cat.ody", "--cancel-on-interrupt")
        job_id = journaled(home)
        with Api(server.url, KEY) as api:
            api.login().wait(job_id, ("processing",))
        process.send_signal(signal.SIGINT)
        code, err = finish(process)
        assert code == 130, err
        assert "can no longer be cancelled" in err
        assert server_jobs(server)[0]["status"] in ("processing", "completed")


def test_a_second_ctrl_c_exits_at_once(home: Home) -> None:
    with emulator(home, pending_seconds=3000.0):
        process = home.spawn("run", "cat.ody")
        journaled(home)
        process.send_signal(signal.SIGINT)
        process.send_signal(signal.SIGINT)
        code, _ = finish(process, timeout=10)
        assert code == 130


def test_ctrl_c_during_the_submit_waits_for_the_answer_to_be_journaled(home: Home) -> None:
    with emulator(home, latency_ms=1500.0, pending_seconds=3000.0) as server:
        process = home.spawn("run", "cat.ody")
        poll_until(lambda: any(r["state"] == "intent" for r in home.journal()))
        process.send_signal(signal.SIGINT)
        code, err = finish(process)
        assert code == 130, err
        (row,) = home.journal()
        (job,) = server_jobs(server)
        assert (row["state"], row["job_id"]) == ("submitted", job["job_id"])


def test_sigkill_after_the_submit_then_a_rerun_pays_once(home: Home) -> None:
    with emulator(home, pending_seconds=300.0) as server:
        process = home.spawn("run", "cat.ody")
        journaled(home)
        process.kill()
        process.communicate(timeout=30)
        done = home.ody("run", "cat.ody")
        assert done.returncode == 0, done.stderr
        assert len(server_jobs(server)) == 1
    assert frames(home.work / "recordings" / "cat" / "cat.mp4") == 50


def test_sigkill_between_intent_and_answer_is_reconciled_first(home: Home) -> None:
    """The state a SIGKILL leaves when the server made the job but its answer was never
    journaled: an intent without a job id, and a job nobody owns. The rerun adopts it."""
    from odyssey_dsl.runner.journal import Journal, Scene
    from odyssey_dsl.runner.target import fingerprint

    with emulator(home) as server:
        home.state.mkdir(parents=True)
        journal = Journal(home.state / "journal.sqlite3")
        journal.intend(api_base=home.url, key_fp=fingerprint(KEY), group_hash="g" * 64, request_hash="r" * 64,
                       take=1, screenplay=str(home.work / "other.ody"), folder=None, title=None,
                       plan=(Scene(0, "other", 2000),))
        journal.close()
        with Api(server.url, KEY) as api:
            orphan = api.login().submit()  # the job the killed process made
        done = home.ody("run", "cat.ody")
        assert done.returncode == 0, done.stderr
        assert "was interrupted" in done.stderr and f"adopting job {orphan['job_id']}" in done.stderr
        assert len(server_jobs(server)) == 2  # the orphan, and cat.ody's own: nothing paid twice
    rows = home.journal()
    assert rows[0]["job_id"] == orphan["job_id"] and rows[0]["state"] == "adopted"


def interrupted_submit_of_cat(home: Home) -> Prepared:
    """The journal a SIGKILL between the intent and the answer leaves for cat.ody: its
    intent, with no job id."""
    from odyssey_dsl.compiler import compile_path
    from odyssey_dsl.runner.journal import Journal
    from odyssey_dsl.runner.prepare import prepare
    from odyssey_dsl.runner.target import fingerprint

    prepared = prepare(compile_path(home.work / "cat.ody"), "cat.ody", None)
    home.state.mkdir(parents=True)
    journal = Journal(home.state / "journal.sqlite3")
    journal.intend(api_base=home.url, key_fp=fingerprint(KEY), group_hash=prepared.group_hash,
                   request_hash=prepared.group_hash, take=1, screenplay=str(prepared.path), folder=None,
                   title=None, plan=prepared.scenes)
    journal.close()
    return prepared


def test_a_job_adopted_after_it_finished_is_downloaded(home: Home) -> None:
    """The state a SIGKILL mid-submit leaves, with the job done by the time the next run
    reconciles: it used to be adopted from the listing alone (no streams), nothing was
    downloaded, run.json said completed with no files, and the run exited 4 with no message."""
    prepared = interrupted_submit_of_cat(home)
    with emulator(home) as server:
        with Api(server.url, KEY) as api:
            orphan = api.login().submit(json.loads(prepared.body))
            assert api.wait(orphan["job_id"])["status"] == "completed"
        done = home.ody("run", "cat.ody")
        assert done.returncode == 0, done.stderr
        assert f"adopting job {orphan['job_id']}" in done.stderr
        assert len(server_jobs(server)) == 1
    assert frames(home.work / "recordings" / "cat" / "cat.mp4") == 50
    assert home.manifest("cat")["latest"] == {"cat": "cat.mp4"}


def test_adopting_by_hand_keeps_the_interrupted_submits_own_scripts(home: Home) -> None:
    """The interrupted submit carried one changed scene of four: `ody adopt` ties the job to
    that one script (it used to tie it to all four, then reject it: 1 stream, 4 expected)."""
    from odyssey_dsl.compiler import compile_path
    from odyssey_dsl.runner.journal import Journal
    from odyssey_dsl.runner.prepare import prepare
    from odyssey_dsl.runner.target import fingerprint

    home.screenplay("seasons.ody", BATCH)
    prepared = prepare(compile_path(home.work / "seasons.ody"), "seasons.ody", None)
    home.state.mkdir(parents=True)
    body = prepared.body_for((1,))
    journal = Journal(home.state / "journal.sqlite3")
    journal.intend(api_base=home.url, key_fp=fingerprint(KEY), group_hash=prepared.group_hash,
                   request_hash=hashlib.sha256(body).hexdigest(), take=1, screenplay=str(prepared.path),
                   folder=None, title=None, plan=prepared.scenes[1:2])
    journal.close()
    with emulator(home) as server:
        with Api(server.url, KEY) as api:
            api.login()
            _, second = api.submit(json.loads(body)), api.submit(json.loads(body))
        assert home.ody("adopt", second["job_id"], "seasons.ody").returncode == 0
        done = home.ody("run", "seasons.ody", "--yes")
        assert done.returncode == 0, done.stderr
        assert next(s for s in home.manifest("seasons")["streams"] if s["name"] == "summer")["job_id"] == \
            second["job_id"]
        assert len(server_jobs(server)) == 3  # the two candidates, and one for the other three scenes


@pytest.mark.parametrize("finished_first", [True, False], ids=["adopted-job-finished", "adopted-job-running"])
def test_several_candidates_stop_and_name_the_adopt_command(home: Home, finished_first: bool) -> None:
    """Whether the adopted job has finished when the next run looks (a slow machine) or not,
    a mismatch ends that run: nothing downloaded into the screenplay's folder, nothing paid
    for (a finished one used to be rejected and a new job submitted at once)."""
    interrupted_submit_of_cat(home)
    with emulator(home, pending_seconds=300.0) as server:
        with Api(server.url, KEY) as api:
            api.login()
            first, second = api.submit(), api.submit()
        done = home.ody("run", "cat.ody")
        assert done.returncode == 4
        assert first["job_id"] in done.stderr and second["job_id"] in done.stderr
        assert "ody adopt JOB" in done.stderr
        adopted = home.ody("adopt", second["job_id"], "cat.ody")
        assert adopted.returncode == 0, adopted.stderr
        if finished_first:
            with Api(server.url, KEY) as api:
                assert api.login().wait(second["job_id"])["status"] == "completed"
        done = home.ody("run", "cat.ody")
        assert done.returncode == 3  # the adopted job is 1 s long: it does not match cat.ody's 2 s
        assert "does not match" in done.stderr
        assert not (home.work / "recordings" / "cat" / "cat.mp4").exists()
        fetched = home.ody("download", second["job_id"], "--out", "elsewhere")  # as the message says
        assert fetched.returncode == 0, fetched.stderr
        assert frames(home.work / "elsewhere" / second["job_id"] / "cat.mp4") == 25
        assert len(server_jobs(server)) == 2


def test_two_runs_of_one_screenplay_at_once_share_one_job(home: Home) -> None:
    with emulator(home, latency_ms=100.0) as server:
        first, second = home.spawn("run", "cat.ody"), home.spawn("run", "cat.ody")
        (code1, err1), (code2, err2) = finish(first), finish(second)
        assert (code1, code2) == (0, 0), err1 + err2
        assert len(server_jobs(server)) == 1
        # Both decided before either submitted (the second finds the first's job under the
        # submit lock), or the second started after: either way it says it shares the job.
        assert "by another ody run" in err1 + err2 or "reusing it instead of paying again" in err1 + err2


def test_cancel_a_job_and_cancel_it_again(home: Home) -> None:
    with emulator(home, pending_seconds=3000.0) as server:
        assert home.ody("run", "cat.ody", "--no-wait").returncode == 0
        (job,) = server_jobs(server)
        done = home.ody("cancel", job["job_id"])
        assert done.returncode == 0 and "cancelled" in done.stdout
        again = home.ody("cancel", job["job_id"])
        assert again.returncode == 0 and "already cancelled" in again.stdout
        rerun = home.ody("run", "cat.ody")  # a cancelled job is not reused
        assert rerun.returncode == 0, rerun.stderr
        assert len(server_jobs(server)) == 2


def test_ctrl_c_during_a_download_keeps_the_part_and_a_rerun_resumes_it(home: Home) -> None:
    padding = 300 * 1024 * 1024  # a big video (a sparse MP4 `free` box on the server's side)
    with emulator(home, video_padding_bytes=padding) as server:
        process = home.spawn("run", "cat.ody")
        part = home.work / "recordings" / "cat" / "cat.mp4.part"
        poll_until(lambda: part.exists() and part.stat().st_size > 0, timeout=60)
        process.send_signal(signal.SIGINT)
        code, err = finish(process)
        assert code == 130, err
        (job,) = server_jobs(server)
        assert "cat.mp4.part is kept" in err and f"ody download {job['job_id']}" in err
        kept = part.stat().st_size
        assert 0 < kept < padding
        done = home.ody("download", job["job_id"])
        assert done.returncode == 0, done.stderr
        assert len(server_jobs(server)) == 1
    video = home.work / "recordings" / "cat" / "cat.mp4"
    assert not part.exists() and video.stat().st_size > padding
    assert frames(video) == 50
    video.unlink()
