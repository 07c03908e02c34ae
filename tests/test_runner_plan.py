"""`ody run` without surprise bills (issue 13, sections 1 and 2): the plan printed before
paying, `--dry-run` with no key and no network, the `max-video` budget (refused off a
terminal, asked on one), reuse of every unchanged scene's stream, `--scene` with `--new`,
per-scene takes with run.json's `latest`, and a copied screenplay that reuses the original's
job without taking over its folder (a row naming a folder that is gone binds nothing). Real
`ody` processes against the emulator over loopback."""

from __future__ import annotations

import json
import os
import pty
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from emulator_support import renderer_available
from runner_support import (
    BATCH,
    FAST_CONFIG,
    SINGLE,
    Home,
    emulator,
    frames,
    free_port,
    job_detail,
    make_home,
    poll_until,
    server_jobs,
)

from odyssey_dsl.runner.journal import Journal

pytestmark = pytest.mark.skipif(not renderer_available(), reason="the emulator's renderer is not installed")


@pytest.fixture
def home(tmp_path: Path) -> Home:
    return make_home(tmp_path)


def test_editing_one_scene_of_four_submits_that_script_alone(home: Home) -> None:
    path = home.screenplay("seasons.ody", BATCH)
    with emulator(home) as server:
        assert home.ody("run", "seasons.ody").returncode == 0
        path.write_text(BATCH.replace("An orchard in summer", "An orchard in a summer storm"), encoding="utf-8")
        done = home.ody("run", "seasons.ody", "--json")
        assert done.returncode == 0, done.stderr
        (second, first) = server_jobs(server)
        assert len(job_detail(server, second["job_id"])["streams"]) == 1
    summary = json.loads(done.stdout)
    assert summary["plan"]["screenplays"][0] | {"path": ""} == {"path": "", "jobs": 1, "scripts": 1,
                                                               "video_ms": 1000, "reused_scripts": 3}
    # a token, one submit, and the polls of that one job: no list, nothing asked of the reused job
    assert summary["api_requests"] <= 2 + 10
    manifest = home.manifest("seasons")
    assert manifest["latest"] == {"spring": "spring.mp4", "summer": "summer.take2.mp4", "autumn": "autumn.mp4",
                                  "winter": "winter.mp4"}
    assert {s["name"]: s["job_id"] for s in manifest["streams"]} == {
        "spring": first["job_id"], "summer": second["job_id"], "autumn": first["job_id"], "winter": first["job_id"]}
    folder = home.work / "recordings" / "seasons"
    assert frames(folder / "summer.mp4") == frames(folder / "summer.take2.mp4") == 25  # the old take is kept


def test_the_summary_names_the_newest_take_of_every_scene(home: Home) -> None:
    path = home.screenplay("seasons.ody", BATCH)
    with emulator(home):
        assert home.ody("run", "seasons.ody").returncode == 0
        path.write_text(BATCH.replace("An orchard in winter", "An orchard under snow"), encoding="utf-8")
        done = home.ody("run", "seasons.ody")
    assert done.returncode == 0, done.stderr
    assert "recordings/seasons/: spring.mp4 summer.mp4 autumn.mp4 winter.take2.mp4" in done.stdout
    assert "ody run: plan: seasons.ody: 1 job, 1 script, 0:01 of new video; reusing 3 of 4 scenes" in done.stderr


def test_a_dry_run_needs_no_key_and_no_network(home: Home) -> None:
    home.screenplay("seasons.ody", BATCH)
    home.screenplay("cat.ody", SINGLE)
    closed = f"http://127.0.0.1:{free_port()}"
    done = home.ody("run", ".", "--dry-run", ODYSSEY_API_KEY="", ODYSSEY_API_URL=closed)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["cat.ody: 1 job, 1 script, 0:02 of new video",
                                        "seasons.ody: 1 job, 4 scripts, 0:04 of new video",
                                        "in all: 0:06 of new video in 2 job(s)"]
    as_json = home.ody("run", "seasons.ody", "--dry-run", "--json", ODYSSEY_API_KEY="", ODYSSEY_API_URL=closed)
    assert as_json.returncode == 0, as_json.stderr
    assert json.loads(as_json.stdout) == {"screenplays": [{"path": str(home.work / "seasons.ody"), "jobs": 1,
                                                           "scripts": 4, "video_ms": 4000, "reused_scripts": 0}],
                                          "video_ms": 4000}
    assert not (home.work / "recordings").exists()


def test_a_dry_run_after_a_run_says_what_is_reused(home: Home) -> None:
    home.screenplay("seasons.ody", BATCH)
    with emulator(home):
        assert home.ody("run", "seasons.ody").returncode == 0
    done = home.ody("run", "seasons.ody", "--dry-run")  # the emulator is gone: the journal alone speaks
    assert done.stdout == "seasons.ody: nothing to submit; reusing 4 of 4 scenes\n"
    new = home.ody("run", "seasons.ody", "--dry-run", "--new", "--scene", "summer")
    assert new.stdout == "seasons.ody: 1 job, 1 script, 0:01 of new video\n"


def test_a_plan_over_the_budget_is_refused_off_a_terminal_and_yes_goes_ahead(home: Home) -> None:
    home.screenplay("seasons.ody", BATCH)
    with emulator(home) as server:
        refused = home.ody("run", "seasons.ody", "--max-video", "3s")
        assert refused.returncode == 2
        assert "ody run: plan: seasons.ody: 1 job, 4 scripts, 0:04 of new video" in refused.stderr
        assert "over max-video (0:03): nothing was submitted" in refused.stderr
        assert "--yes" in refused.stderr and "ody config set max-video 0:04" in refused.stderr
        assert server_jobs(server) == []
        assert home.ody("config", "set", "max-video", "2s").returncode == 0
        assert home.ody("run", "seasons.ody").returncode == 2 and server_jobs(server) == []
        done = home.ody("run", "seasons.ody", "--yes")
        assert done.returncode == 0, done.stderr
        assert len(server_jobs(server)) == 1


@pytest.mark.parametrize("value", ["0", "0s", "soon", "5x", "+5m"])
def test_a_budget_that_is_not_a_length_of_time_is_refused(home: Home, value: str) -> None:
    done = home.ody("config", "set", "max-video", value)
    assert done.returncode == 2
    assert "`max-video` must be a length of time such as 5m, 90s or 1:30:00" in done.stderr


def run_on_a_terminal(home: Home, answer: bytes, *args: str) -> subprocess.CompletedProcess[str]:
    """`ody run` with a terminal on stdin, typing `answer` at its question."""
    leader, follower = pty.openpty()
    try:
        process = subprocess.Popen([sys.executable, "-m", "odyssey_dsl", "run", *args], cwd=home.work,
                                   env=home.env(), stdin=follower, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True)
        os.write(leader, answer)
        out, err = process.communicate(timeout=120)
    finally:
        os.close(follower)
        os.close(leader)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def test_on_a_terminal_a_plan_over_the_budget_is_asked_about(home: Home) -> None:
    home.screenplay("seasons.ody", BATCH)
    with emulator(home) as server:
        no = run_on_a_terminal(home, b"n\n", "seasons.ody", "--max-video", "3s")
        assert no.returncode == 2 and "submit 0:04 of new video, over max-video (0:03)?" in no.stderr
        assert server_jobs(server) == []
        yes = run_on_a_terminal(home, b"y\n", "seasons.ody", "--max-video", "3s")
        assert yes.returncode == 0, yes.stderr
        assert len(server_jobs(server)) == 1


def test_on_a_terminal_several_screenplays_are_asked_about(home: Home) -> None:
    home.screenplay("seasons.ody", BATCH)
    home.screenplay("cat.ody", SINGLE)
    with emulator(home) as server:
        no = run_on_a_terminal(home, b"\n", ".")  # the default is no
        assert no.returncode == 2 and "submit 2 screenplays (0:06 of new video)?" in no.stderr
        assert "cat.ody: 1 job" in no.stderr and "seasons.ody: 1 job" in no.stderr
        assert server_jobs(server) == []
        assert home.ody("run", ".").returncode == 0  # no terminal: nobody to ask, and within the budget
        assert len(server_jobs(server)) == 2


def test_scene_with_new_makes_only_that_scene_again(home: Home) -> None:
    home.screenplay("seasons.ody", BATCH)
    with emulator(home) as server:
        assert home.ody("run", "seasons.ody").returncode == 0
        done = home.ody("run", "seasons.ody", "--scene", "autumn", "--new")
        assert done.returncode == 0, done.stderr
        newest, _ = server_jobs(server)
        whole = home.ody("run", "seasons.ody")
        assert whole.returncode == 0 and len(server_jobs(server)) == 2
    manifest = home.manifest("seasons")
    assert manifest["latest"] == {"spring": "spring.mp4", "summer": "summer.mp4", "autumn": "autumn.take2.mp4",
                                  "winter": "winter.mp4"}
    assert next(s for s in manifest["streams"] if s["name"] == "autumn")["job_id"] == newest["job_id"]


def test_a_copied_screenplay_reuses_the_job_but_never_the_originals_folder(home: Home) -> None:
    home.screenplay("cat.ody", SINGLE)
    (home.work / "copy").mkdir()
    home.screenplay("copy/cat.ody", SINGLE)
    with emulator(home) as server:
        assert home.ody("run", "cat.ody").returncode == 0
        copied = home.ody("run", "copy/cat.ody")
        assert copied.returncode == 0, copied.stderr
        assert len(server_jobs(server)) == 1  # the same script: nothing paid again
        (job,) = server_jobs(server)
        assert frames(home.work / "recordings" / "cat-2" / "cat.mp4") == 50
        listed = json.loads(home.ody("jobs", "--json").stdout)
        assert next(j for j in listed if j["job_id"] == job["job_id"])["folder"] == str(
            home.work / "recordings" / "cat")
        again = home.ody("run", "copy/cat.ody", "--new")
        assert again.returncode == 0, again.stderr
        original = home.ody("run", "cat.ody", "--new")
        assert original.returncode == 0, original.stderr
    assert sorted(p.name for p in (home.work / "recordings").iterdir()) == ["cat", "cat-2"]
    assert home.manifest("cat")["screenplay"] == str(home.work / "cat.ody")
    assert home.manifest("cat-2")["screenplay"] == str(home.work / "copy" / "cat.ody")
    assert home.manifest("cat")["latest"] == {"cat": "cat.take2.mp4"}
    assert home.manifest("cat-2")["latest"] == {"cat": "cat.take2.mp4"}


def forget_claims(home: Home) -> None:
    """The journal as an `ody` from before folder claims left it: rows only."""
    with sqlite3.connect(home.state / "journal.sqlite3") as db:
        db.execute("DELETE FROM folders")


def test_a_row_naming_a_folder_that_is_gone_binds_nothing(home: Home) -> None:
    """CI failed on this: a fresh clone got `window-cat-2`, as a row an older `ody` had written
    still named its `recordings/window-cat` for another screenplay (the earlier clone's). The
    row's screenplay, run again, finds its folder another's and takes one of its own."""
    home.screenplay("cat.ody", SINGLE)
    (home.work / "copy").mkdir()
    home.screenplay("copy/cat.ody", SINGLE)
    with emulator(home) as server:
        assert home.ody("run", "cat.ody").returncode == 0
        forget_claims(home)
        shutil.rmtree(home.work / "recordings" / "cat")
        copied = home.ody("run", "copy/cat.ody")
        assert copied.returncode == 0, copied.stderr
        assert frames(home.work / "recordings" / "cat" / "cat.mp4") == 50
        original = home.ody("run", "cat.ody")
        assert original.returncode == 0, original.stderr
        assert len(server_jobs(server)) == 1
    assert sorted(p.name for p in (home.work / "recordings").iterdir()) == ["cat", "cat-2"]
    assert home.manifest("cat")["screenplay"] == str(home.work / "copy" / "cat.ody")
    assert home.manifest("cat-2")["screenplay"] == str(home.work / "cat.ody")


def test_a_job_whose_folder_is_now_anothers_downloads_beside_it_not_in_the_current_folder(home: Home) -> None:
    home.screenplay("cat.ody", SINGLE)
    (home.work / "copy").mkdir()
    home.screenplay("copy/cat.ody", SINGLE)
    elsewhere = home.root / "elsewhere"
    elsewhere.mkdir()
    with emulator(home):
        assert home.ody("run", "cat.ody").returncode == 0
        forget_claims(home)
        shutil.rmtree(home.work / "recordings" / "cat")
        assert home.ody("run", "copy/cat.ody").returncode == 0
        (job,) = {row["job_id"] for row in home.journal()}
        done = subprocess.run([sys.executable, "-m", "odyssey_dsl", "download", job], cwd=elsewhere, env=home.env(),
                              capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
        assert done.returncode == 0, done.stderr
    assert list(elsewhere.iterdir()) == []
    assert frames(home.work / "recordings" / "cat-2" / "cat.mp4") == 50
    assert home.manifest("cat")["screenplay"] == str(home.work / "copy" / "cat.ody")


def test_a_claim_binds_while_its_folder_is_gone(home: Home) -> None:
    """Its screenplay may be running (the folder deleted while it waits for its job), or run
    again: another screenplay never gets it. Its own next run makes it again."""
    home.screenplay("cat.ody", SINGLE)
    (home.work / "copy").mkdir()
    home.screenplay("copy/cat.ody", SINGLE)
    with emulator(home):
        assert home.ody("run", "cat.ody").returncode == 0
        shutil.rmtree(home.work / "recordings" / "cat")
        assert home.ody("run", "copy/cat.ody").returncode == 0
        assert sorted(p.name for p in (home.work / "recordings").iterdir()) == ["cat-2"]
        assert home.ody("run", "cat.ody").returncode == 0
    assert home.manifest("cat")["screenplay"] == str(home.work / "cat.ody")
    assert home.manifest("cat-2")["screenplay"] == str(home.work / "copy" / "cat.ody")


def test_a_folder_a_new_journal_does_not_know_stays_the_screenplay_its_run_json_names(home: Home) -> None:
    """With a new state folder, another screenplay of the same stem took `cat` and filed the
    first one's take as its own."""
    for name, colour in (("a", "ginger"), ("b", "black")):
        (home.work / name).mkdir()
        home.screenplay(f"{name}/cat.ody", SINGLE.replace("ginger", colour))
    with emulator(home):
        assert home.ody("run", "a/cat.ody").returncode == 0
        (home.state / "journal.sqlite3").unlink()
        other = home.ody("run", "b/cat.ody")
        assert other.returncode == 0, other.stderr
    assert home.manifest("cat")["screenplay"] == str(home.work / "a" / "cat.ody")
    assert home.manifest("cat-2")["screenplay"] == str(home.work / "b" / "cat.ody")
    assert [t["take"] for t in home.manifest("cat")["takes"]["cat"]] == [1]


def test_a_claim_of_a_screenplay_that_is_gone_with_its_folder_is_released(home: Home) -> None:
    """A screenplay moved (its folder renamed) and its recordings deleted: the stem was kept
    for the old path forever, and a fresh clone of the moved one got `cat-2`."""
    (home.work / "examples").mkdir()
    home.screenplay("examples/cat.ody", SINGLE)
    with emulator(home):
        assert home.ody("run", "examples/cat.ody").returncode == 0
        (home.work / "examples").rename(home.work / "demos")
        shutil.rmtree(home.work / "recordings")
        moved = home.ody("run", "demos/cat.ody")
        assert moved.returncode == 0, moved.stderr
    assert sorted(p.name for p in (home.work / "recordings").iterdir()) == ["cat"]
    assert home.manifest("cat")["screenplay"] == str(home.work / "demos" / "cat.ody")


def test_a_file_in_the_place_of_the_folder_is_passed_over(home: Home) -> None:
    """It failed the run: `cannot write the recordings: File exists`."""
    home.screenplay("cat.ody", SINGLE)
    (home.work / "recordings").mkdir()
    (home.work / "recordings" / "cat").write_text("notes", encoding="utf-8")
    (home.work / "recordings" / "cat-2").symlink_to(home.work / "nowhere")
    with emulator(home):
        done = home.ody("run", "cat.ody")
        assert done.returncode == 0, done.stderr
    assert frames(home.work / "recordings" / "cat-3" / "cat.mp4") == 50
    assert (home.work / "recordings" / "cat").read_text(encoding="utf-8") == "notes"


def test_a_stale_claim_is_released_only_when_no_job_of_its_screenplay_may_still_change(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.sqlite3")
    gone, folder = str(tmp_path / "gone.ody"), tmp_path / "recordings" / "cat"
    assert journal.claim_folder(folder, gone)
    folder.rmdir()
    row = journal.intend(api_base="emulator", key_fp="k", group_hash="g", request_hash="r", take=1,
                         screenplay=gone, folder=str(folder), title=None, plan=())
    assert not journal.claim_folder(folder, "other.ody")  # an intent: a run may be submitting
    journal.answered(row.id, "job-1", "processing")
    assert not journal.claim_folder(folder, "other.ody")  # a job being made: a run may be waiting
    journal.set_status("job-1", "completed")
    assert journal.claim_folder(folder, "other.ody")
    assert journal.folder_of("other.ody") == str(folder)


def test_a_fresh_clone_gets_the_stem_again_whatever_folder_its_path_used_last(home: Home) -> None:
    """CI, the next time: the journal said this very screenplay last used `cat-2`, gone from
    disk in the fresh clone, and only an old row named `cat`: the stem's folder is the one the
    README names."""
    home.screenplay("cat.ody", SINGLE)
    (home.work / "copy").mkdir()
    home.screenplay("copy/cat.ody", SINGLE)
    with emulator(home):
        assert home.ody("run", "cat.ody").returncode == 0
        assert home.ody("run", "copy/cat.ody").returncode == 0
        with sqlite3.connect(home.state / "journal.sqlite3") as db:
            db.execute("DELETE FROM folders WHERE screenplay = ?", (str(home.work / "cat.ody"),))
        for gone in ("cat", "cat-2"):
            shutil.rmtree(home.work / "recordings" / gone)
        again = home.ody("run", "copy/cat.ody")
        assert again.returncode == 0, again.stderr
    assert sorted(p.name for p in (home.work / "recordings").iterdir()) == ["cat"]
    assert home.manifest("cat")["screenplay"] == str(home.work / "copy" / "cat.ody")


@pytest.mark.parametrize(("setting", "url", "expected"), [
    ("poll-first = 0", None, "`poll-first` must be 0.05 or more"),
    ("poll-max = 0.0", None, "`poll-max` must be 0.05 or more"),
    ("poll-first = 0.3", "https://api.example.invalid", "poll-first and poll-max must be 0.5 s or more for a remote API"),
])
def test_polling_below_the_floor_is_refused_before_any_submit(tmp_path: Path, setting: str, url: str | None,
                                                              expected: str) -> None:
    """`poll-first 0` made about 1,500 requests for one 4-second job."""
    key = setting.split()[0]
    home = make_home(tmp_path, "".join(line + "\n" for line in FAST_CONFIG.splitlines() if not line.startswith(key))
                     + setting + "\n")
    home.screenplay("cat.ody", SINGLE)
    done = home.ody("run", "cat.ody", *(("--api-url", url) if url else ()))
    assert done.returncode == 2 and expected in done.stderr
    assert "submitted" not in done.stderr
    assert home.ody("config", "set", key, "0").returncode == 2


def test_polling_an_api_on_this_machine_may_be_quick(home: Home) -> None:
    home.screenplay("cat.ody", SINGLE)  # the home's config polls every 0.05 s, its API on 127.0.0.1
    with emulator(home):
        assert home.ody("run", "cat.ody").returncode == 0


def test_a_submit_the_plan_did_not_foresee_still_keeps_to_the_budget(home: Home) -> None:
    """The plan counted on a job the journal last saw pending; it failed meanwhile. Making it
    again would pass max-video: refused, nothing submitted (it used to go ahead silently)."""
    home.screenplay("seasons.ody", BATCH)
    with emulator(home, fail_rate=1.0) as server:
        assert home.ody("run", "seasons.ody", "--no-wait").returncode == 0
        poll_until(lambda: all(j["status"] == "failed" for j in server_jobs(server)))
        done = home.ody("run", "seasons.ody", "--max-video", "2s", "--json")
        assert done.returncode == 2, done.stderr
        assert len(server_jobs(server)) == 1
        summary = json.loads(done.stdout)
        assert "would take this run past max-video" in summary["screenplays"][0]["message"]
        assert summary["plan"]["screenplays"][0]["reused_scripts"] == 4  # what the journal said
        assert summary["screenplays"][0]["jobs"]  # the failed job is named, not `-`


def test_a_refused_plan_with_json_still_prints_the_summary(home: Home) -> None:
    home.screenplay("seasons.ody", BATCH)
    done = home.ody("run", "seasons.ody", "--max-video", "1s", "--json")
    assert done.returncode == 2
    summary = json.loads(done.stdout)
    assert summary["exit_code"] == 2 and summary["screenplays"] == [] and summary["plan"]["video_ms"] == 4000


def test_a_closed_stdin_is_no_terminal(home: Home) -> None:
    home.screenplay("seasons.ody", BATCH)
    done = subprocess.run([sys.executable, "-m", "odyssey_dsl", "run", "seasons.ody", "--max-video", "1s"],
                          cwd=home.work, env=home.env(), capture_output=True, text=True, timeout=60,
                          stdin=None, preexec_fn=lambda: os.close(0))
    assert done.returncode == 2 and "over max-video (0:01): nothing was submitted" in done.stderr
    assert "internal error" not in done.stderr


def test_the_end_of_input_at_the_question_is_an_interruption(home: Home) -> None:
    """Ctrl-D (or Ctrl-C: click reads both as an abort) at the question: exit 130, nothing
    submitted, never a traceback."""
    home.screenplay("seasons.ody", BATCH)
    with emulator(home) as server:
        done = run_on_a_terminal(home, b"\x04", "seasons.ody", "--max-video", "1s")
        assert done.returncode == 130, done.stderr
        assert "interrupted: nothing was submitted" in done.stderr and "Traceback" not in done.stderr
        assert server_jobs(server) == []


def test_a_whole_run_forgets_the_scenes_the_screenplay_no_longer_has(home: Home) -> None:
    path = home.screenplay("seasons.ody", BATCH)
    with emulator(home):
        assert home.ody("run", "seasons.ody").returncode == 0
        edited = BATCH.replace('scene "autumn"', 'scene "fall"')
        path.write_text(edited[:edited.index('scene "winter"')], encoding="utf-8")
        done = home.ody("run", "seasons.ody")
        assert done.returncode == 0, done.stderr
    manifest = home.manifest("seasons")
    assert list(manifest["latest"]) == ["spring", "summer", "fall"]
    assert [s["script_index"] for s in manifest["streams"]] == [0, 1, 2]


def test_two_runs_of_one_folder_at_once_keep_both_takes(home: Home) -> None:
    home.screenplay("seasons.ody", BATCH)
    with emulator(home):
        assert home.ody("run", "seasons.ody").returncode == 0
        runs = [home.spawn("run", "seasons.ody", "--new", "--scene", name) for name in ("spring", "winter")]
        outputs = [run.communicate(timeout=120) for run in runs]
        assert [run.returncode for run in runs] == [0, 0], outputs
    manifest = home.manifest("seasons")
    assert [t["take"] for t in manifest["takes"]["spring"]] == [1, 2]
    assert [t["take"] for t in manifest["takes"]["winter"]] == [1, 2]


def test_a_malformed_path_in_run_json_is_ignored_not_fatal(home: Home) -> None:
    home.screenplay("cat.ody", SINGLE)
    with emulator(home) as server:
        assert home.ody("run", "cat.ody").returncode == 0
        manifest = home.manifest("cat")
        manifest["takes"]["cat"][0]["files"]["video"]["path"] = "../../evil.mp4"
        (home.work / "recordings" / "cat" / "run.json").write_text(json.dumps(manifest), encoding="utf-8")
        done = home.ody("run", "cat.ody")
        assert done.returncode == 0, done.stderr
        assert len(server_jobs(server)) == 1
    assert not (home.work / "evil.mp4").exists()
