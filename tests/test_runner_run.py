"""`ody run` end to end against the emulator over loopback HTTP: success, reuse, takes, batches
with failed streams, and what is left on disk (docs/runner.md)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from emulator_support import renderer_available
from runner_support import (
    BATCH,
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
    return make_home(tmp_path)


def test_a_screenplay_becomes_a_video_and_a_manifest(home: Home) -> None:
    home.screenplay("cat.ody", SINGLE)
    with emulator(home) as server:
        done = home.ody("run", "cat.ody")
        assert done.returncode == 0, done.stderr
        assert len(server_jobs(server)) == 1
    folder = home.work / "recordings" / "cat"
    assert [p.name for p in files_under(folder)] == ["cat.events.json", "cat.mp4", "cat.thumbnail.jpg", "cat.vtt", "index.html",
                                                     "run.json"]
    assert frames(folder / "cat.mp4") == 50  # 2 s at 25 fps
    manifest = home.manifest("cat")
    assert manifest["status"] == "completed" and manifest["title"] == "Window cat"
    (stream,) = manifest["streams"]
    assert stream["status"] == "completed" and stream["duration_seconds"] == 2.0
    assert stream["files"]["video"] == {"path": "cat.mp4", "size": (folder / "cat.mp4").stat().st_size,
                                        "complete": True}
    assert manifest["api_url"] == home.url
    compiled = home.ody("compile", "cat.ody").stdout.encode()
    assert manifest["script_sha256"] == hashlib.sha256(compiled).hexdigest()
    assert len(manifest["request_sha256"]) == 64
    assert "cat.ody" in done.stdout and "completed" in done.stdout  # the summary
    home.assert_no_secret()


def test_a_rerun_reuses_the_job_and_new_makes_a_second_take(home: Home) -> None:
    home.screenplay("cat.ody", SINGLE)
    with emulator(home) as server:
        assert home.ody("run", "cat.ody").returncode == 0
        video = home.work / "recordings" / "cat" / "cat.mp4"
        before = video.stat().st_mtime_ns
        again = home.ody("run", "cat.ody")
        assert again.returncode == 0, again.stderr
        assert "reusing it instead of paying again" in again.stderr
        assert len(server_jobs(server)) == 1
        assert video.stat().st_mtime_ns == before  # complete files are not fetched again
        video.unlink()  # a lost file is downloaded again, still without a new job
        assert home.ody("run", "cat.ody").returncode == 0
        assert video.exists() and len(server_jobs(server)) == 1
        take = home.ody("run", "cat.ody", "--new")
        assert take.returncode == 0, take.stderr
        assert len(server_jobs(server)) == 2
    names = {p.name for p in files_under(home.work / "recordings" / "cat")}
    assert {"cat.mp4", "run.json", "cat.take2.mp4"} <= names and "run.take2.json" not in names
    manifest = home.manifest("cat")
    assert manifest["latest"] == {"cat": "cat.take2.mp4"} and manifest["streams"][0]["take"] == 2
    assert [t["take"] for t in manifest["takes"]["cat"]] == [1, 2]
    assert len({t["job_id"] for t in manifest["takes"]["cat"]}) == 2


def test_a_changed_screenplay_is_a_new_job_and_keeps_the_old_files(home: Home) -> None:
    path = home.screenplay("cat.ody", SINGLE)
    with emulator(home) as server:
        assert home.ody("run", "cat.ody").returncode == 0
        path.write_text(SINGLE.replace("@2s end", "@3s end"), encoding="utf-8")
        assert home.ody("run", "cat.ody").returncode == 0
        assert len(server_jobs(server)) == 2
    folder = home.work / "recordings" / "cat"
    assert frames(folder / "cat.mp4") == 50 and frames(folder / "cat.take2.mp4") == 75


def test_a_batch_names_files_after_scenes_and_redoes_only_failed_ones(home: Home) -> None:
    home.screenplay("seasons.ody", BATCH)
    with emulator(home, fail_rate=0.5, seed=3) as server:
        first = home.ody("run", "seasons.ody")
        (_job,) = server_jobs(server)
    manifest = home.manifest("seasons")
    failed = [s["name"] for s in manifest["streams"] if s["status"] == "failed"]
    good = [s["name"] for s in manifest["streams"] if s["status"] == "completed"]
    assert failed and good, "seed 3 must fail some streams and not others"
    assert first.returncode == 3, first.stderr
    folder = home.work / "recordings" / "seasons"
    for name in good:
        assert frames(folder / f"{name}.mp4") == 25
    for name in failed:
        assert not (folder / f"{name}.mp4").exists()
        assert next(s for s in manifest["streams"] if s["name"] == name)["error_message"]
    with emulator(home) as server:  # the same API, now without failures
        second = home.ody("run", "seasons.ody")
        assert second.returncode == 0, second.stderr
        assert "submitting only what did not complete" in second.stderr
        jobs = server_jobs(server)
        assert len(jobs) == 2
        from runner_support import job_detail

        assert len(job_detail(server, jobs[0]["job_id"])["streams"]) == len(failed)
    assert sorted(p.name for p in folder.glob("*.mp4")) == sorted(f"{n}.mp4" for n in failed + good)
    assert home.manifest("seasons")["status"] == "completed"


def test_compile_errors_stop_everything_before_any_request(home: Home) -> None:
    home.screenplay("good.ody", SINGLE)
    home.screenplay("bad.ody", '@0 start "x"\n@2s interct "y"\n@4s end\n')
    with emulator(home) as server:
        done = home.ody("run", "good.ody", "bad.ody")
        assert done.returncode == 1
        assert "ODY004" in done.stderr
        assert server_jobs(server) == []
    assert home.journal() == []


def test_several_screenplays_with_one_stem_get_distinct_folders(home: Home) -> None:
    (home.work / "a").mkdir()
    (home.work / "b").mkdir()
    home.screenplay("a/cat.ody", SINGLE)
    home.screenplay("b/cat.ody", SINGLE.replace("ginger", "black"))
    with emulator(home) as server:
        done = home.ody("run", "a/cat.ody", "b/cat.ody", "--concurrency", "2", "--json")
        assert done.returncode == 0, done.stderr
        assert len(server_jobs(server)) == 2
    summary = json.loads(done.stdout)
    folders = sorted(Path(s["folder"]).name for s in summary["screenplays"])
    assert folders == ["cat", "cat-2"] and summary["exit_code"] == 0
    # An upper bound only: how many polls a quick job needs depends on the machine's load.
    assert summary["api_requests"] <= 30  # 1 token, 2 submits, a few polls and downloads each: no hammering


def test_orientation_flags_override_the_screenplay(home: Home) -> None:
    home.screenplay("cat.ody", SINGLE)
    with emulator(home):
        assert home.ody("run", "cat.ody", "--landscape").returncode == 0
    assert home.manifest("cat")["orientation"] == "landscape"
    import av

    with av.open(str(home.work / "recordings" / "cat" / "cat.mp4")) as container:
        stream = container.streams.video[0]
        assert stream.width > stream.height


def test_no_wait_then_wait_download_resumes_the_job(home: Home) -> None:
    home.screenplay("cat.ody", SINGLE)
    with emulator(home, pending_seconds=400.0) as server:  # 4 s real
        done = home.ody("run", "cat.ody", "--no-wait")
        assert done.returncode == 0, done.stderr
        (job,) = server_jobs(server)
        assert f"ody wait {job['job_id']} --download" in done.stderr
        assert home.manifest("cat")["status"] == "submitted"
        status = home.ody("status", job["job_id"])
        assert status.returncode == 0 and "pending" in status.stdout and "cat.ody" in status.stdout
        listed = home.ody("jobs", "--json")
        assert [j["job_id"] for j in json.loads(listed.stdout)] == [job["job_id"]]
        waited = home.ody("wait", job["job_id"], "--download")
        assert waited.returncode == 0, waited.stderr
        assert len(server_jobs(server)) == 1
    assert frames(home.work / "recordings" / "cat" / "cat.mp4") == 50
    assert home.manifest("cat")["status"] == "completed"


def test_timeout_leaves_the_job_running_and_says_how_to_resume(home: Home) -> None:
    home.screenplay("cat.ody", SINGLE)
    with emulator(home, pending_seconds=10000.0) as server:
        done = home.ody("run", "cat.ody", "--timeout", "1s")
        assert done.returncode == 5, done.stderr
        (job,) = server_jobs(server)
        assert job["status"] == "pending"
        assert f"ody wait {job['job_id']} --download" in done.stderr


def test_missing_key_names_both_ways_forward(home: Home) -> None:
    home.screenplay("cat.ody", SINGLE)
    done = home.ody("run", "cat.ody", ODYSSEY_API_KEY="")
    assert done.returncode == 2
    assert "ODYSSEY_API_KEY" in done.stderr and "--emulator" in done.stderr


def test_plain_http_is_refused_for_remote_hosts(home: Home) -> None:
    home.screenplay("cat.ody", SINGLE)
    done = home.ody("run", "cat.ody", "--api-url", "http://api.example.com")
    assert done.returncode == 2 and "plain http://" in done.stderr
