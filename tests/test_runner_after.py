"""Scenes that continue from the last frame (issue 13, section 3), run end to end: `night`
is submitted only once `day` is made and downloaded, with `day`'s last frame as its start
image; chains of three; each stage journaled, so a run stopped between stages resumes without
paying twice; an unchanged rerun reuses both; an edited `day` makes both again. Real `ody`
processes against the emulator over loopback."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from emulator_support import renderer_available
from runner_support import Home, emulator, frames, make_home, poll_until, server_jobs

from odyssey_dsl.runner.frames import start_image

pytestmark = pytest.mark.skipif(not renderer_available(), reason="the emulator's renderer is not installed")

CHAIN = """\
title "A day at the harbour"
scene "night" after "day"
@0 start "The harbour lights come on one by one"
@1s end
scene "day"
@0 start "A harbour at noon, fishing boats unloading"
@1s end
scene "gulls"
@0 start "Gulls over the breakwater"
@1s end
"""


@pytest.fixture
def home(tmp_path: Path) -> Home:
    return make_home(tmp_path)


def start_of(home: Home, job_id: str) -> dict[str, Any]:
    """The start entry the emulator received for the job's only stream."""
    with sqlite3.connect(home.root / "emulator" / "emulator.sqlite3") as db:
        (entries,) = db.execute("SELECT entries FROM scripts JOIN streams USING (stream_id) WHERE job_id = ?",
                                (job_id,)).fetchone()
    start: dict[str, Any] = json.loads(entries)[0]["start"]
    return start


def test_a_scene_after_another_starts_from_its_last_frame(home: Home) -> None:
    home.screenplay("harbour.ody", CHAIN)
    with emulator(home) as server:
        done = home.ody("run", "harbour.ody")
        assert done.returncode == 0, done.stderr
        assert "ody run: plan: harbour.ody: 2 jobs, 3 scripts, 0:03 of new video" in done.stderr
        assert "night starts from the last frame of day.mp4" in done.stderr
        night_job, first_job = server_jobs(server)
        assert len(server_jobs(server)) == 2
        folder = home.work / "recordings" / "harbour"
        assert start_of(home, night_job["job_id"])["image"] == start_image(folder / "day.mp4")
        manifest = home.manifest("harbour")
        assert {s["name"]: s["job_id"] for s in manifest["streams"]} == {
            "night": night_job["job_id"], "day": first_job["job_id"], "gulls": first_job["job_id"]}
        assert next(s for s in manifest["streams"] if s["name"] == "night")["after"] == "day"
        assert frames(folder / "night.mp4") == 25
        again = home.ody("run", "harbour.ody")
        assert again.returncode == 0 and len(server_jobs(server)) == 2  # unchanged: both reused
        assert "nothing to submit; reusing 3 of 3 scenes" in again.stderr


def test_editing_the_first_scene_makes_the_one_after_it_again(home: Home) -> None:
    path = home.screenplay("harbour.ody", CHAIN)
    with emulator(home) as server:
        assert home.ody("run", "harbour.ody").returncode == 0
        path.write_text(CHAIN.replace("at noon", "at dawn"), encoding="utf-8")
        plan = home.ody("run", "harbour.ody", "--dry-run")
        assert plan.stdout == "harbour.ody: 2 jobs, 2 scripts, 0:02 of new video; reusing 1 of 3 scenes\n"
        done = home.ody("run", "harbour.ody")
        assert done.returncode == 0, done.stderr
        assert len(server_jobs(server)) == 4
    assert home.manifest("harbour")["latest"] == {"night": "night.take2.mp4", "day": "day.take2.mp4",
                                                  "gulls": "gulls.mp4"}


def test_a_chain_of_three_and_a_run_stopped_between_stages_resumes_without_paying_twice(home: Home) -> None:
    home.screenplay("harbour.ody", CHAIN.replace('scene "gulls"', 'scene "gulls" after "night"'))
    with emulator(home) as server:
        first = home.ody("run", "harbour.ody", "--no-wait")  # stops after the first stage
        assert first.returncode == 0, first.stderr
        assert "night continues another scene's recording: run the same command again" in first.stderr
        assert len(server_jobs(server)) == 1
        done = home.ody("run", "harbour.ody")
        assert done.returncode == 0, done.stderr
        jobs = server_jobs(server)
        assert len(jobs) == 3  # day (reused), then night, then gulls: one job each
    folder = home.work / "recordings" / "harbour"
    gulls_job = jobs[0]["job_id"]
    assert start_of(home, gulls_job)["image"] == start_image(folder / "night.mp4")
    assert [row["state"] for row in home.journal()] == ["submitted"] * 3


def test_scene_runs_the_scenes_it_continues_too(home: Home) -> None:
    home.screenplay("harbour.ody", CHAIN)
    with emulator(home) as server:
        done = home.ody("run", "harbour.ody", "--scene", "night")
        assert done.returncode == 0, done.stderr
        assert len(server_jobs(server)) == 2
    assert sorted(home.manifest("harbour")["latest"]) == ["day", "night"]


def test_making_the_first_scene_again_makes_the_one_after_it_again(home: Home) -> None:
    """`night` continues `day`'s recording: after `--scene day --new`, the night made from
    the old day is not the screenplay's any more (it used to stay reused, silently stale)."""
    home.screenplay("harbour.ody", CHAIN)
    with emulator(home) as server:
        assert home.ody("run", "harbour.ody").returncode == 0
        assert home.ody("run", "harbour.ody", "--scene", "day", "--new").returncode == 0
        plan = home.ody("run", "harbour.ody", "--dry-run")
        assert plan.stdout == "harbour.ody: 1 job, 1 script, 0:01 of new video; reusing 2 of 3 scenes\n"
        done = home.ody("run", "harbour.ody")
        assert done.returncode == 0, done.stderr
        newest = server_jobs(server)[0]["job_id"]
    folder = home.work / "recordings" / "harbour"
    assert home.manifest("harbour")["latest"]["night"] == "night.take2.mp4"
    assert start_of(home, newest)["image"] == start_image(folder / "day.take2.mp4")


def test_killed_between_stages_the_rerun_pays_for_each_stage_once(home: Home) -> None:
    home.screenplay("harbour.ody", CHAIN.replace('scene "gulls"', 'scene "gulls" after "night"'))
    with emulator(home, pending_seconds=200.0) as server:
        process = home.spawn("run", "harbour.ody")
        poll_until(lambda: sum(1 for row in home.journal() if row["job_id"]) == 2, timeout=60)  # night submitted
        process.kill()
        process.communicate(timeout=30)
        done = home.ody("run", "harbour.ody")
        assert done.returncode == 0, done.stderr
        assert len(server_jobs(server)) == 3
    assert sorted(home.manifest("harbour")["latest"]) == ["day", "gulls", "night"]


def test_without_pyav_a_chain_stops_before_paying(home: Home) -> None:
    home.screenplay("harbour.ody", CHAIN)
    blocker = home.root / "no-av"
    blocker.mkdir()
    (blocker / "av.py").write_text('raise ImportError("PyAV is not installed")\n', encoding="utf-8")
    with emulator(home) as server:
        done = home.ody("run", "harbour.ody", PYTHONPATH=str(blocker))
        assert done.returncode == 2
        assert "continuing a scene needs the video extra" in done.stderr
        assert "pip install 'odyssey-dsl[video]'" in done.stderr
        assert server_jobs(server) == []
