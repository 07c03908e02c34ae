"""A journal and a recordings folder left by an `ody` from before per-scene reuse (journal
rows without script keys, `run.json` without `takes`): the plan still counts their jobs, the
run reuses them and their files (no `.take2` copies of the same recording), and the journal
learns their scripts, so the next run asks the API nothing. Real `ody` against the emulator."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from emulator_support import renderer_available
from runner_support import BATCH, Home, emulator, make_home, server_jobs

pytestmark = pytest.mark.skipif(not renderer_available(), reason="the emulator's renderer is not installed")


@pytest.fixture
def home(tmp_path: Path) -> Home:
    return make_home(tmp_path)


def as_an_older_ody_left_it(home: Home, folder: str) -> None:
    """Forget what this version adds: the journal's scripts, run.json's takes and latest."""
    with sqlite3.connect(home.state / "journal.sqlite3") as db:
        db.execute("DELETE FROM scripts")
        db.execute("DELETE FROM folders")
    path = home.work / "recordings" / folder / "run.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    for key in ("takes", "latest"):
        manifest.pop(key)
    manifest["take"] = 1
    for stream in manifest["streams"]:
        stream.pop("take")
    path.write_text(json.dumps(manifest), encoding="utf-8")


def test_an_older_journal_and_folder_are_reused_not_paid_or_fetched_again(home: Home) -> None:
    home.screenplay("seasons.ody", BATCH)
    with emulator(home) as server:
        assert home.ody("run", "seasons.ody").returncode == 0
        as_an_older_ody_left_it(home, "seasons")
        plan = home.ody("run", "seasons.ody", "--dry-run")
        assert plan.stdout == "seasons.ody: nothing to submit; reusing 4 of 4 scenes\n"
        done = home.ody("run", "seasons.ody", "--max-video", "1s")
        assert done.returncode == 0, done.stderr
        assert len(server_jobs(server)) == 1
        again = home.ody("run", "seasons.ody", "--json")
        assert again.returncode == 0 and json.loads(again.stdout)["api_requests"] == 0
    names = sorted(p.name for p in (home.work / "recordings" / "seasons").iterdir() if p.suffix == ".mp4")
    assert names == ["autumn.mp4", "spring.mp4", "summer.mp4", "winter.mp4"]
    assert home.manifest("seasons")["latest"]["summer"] == "summer.mp4"


def test_an_older_second_take_keeps_its_number(home: Home) -> None:
    """run.take2.json (an older `ody`'s second take) counts: a new take is the third. (A row
    from before keys is known by its whole request: its scripts are learnt on the first run
    of the unchanged screenplay, then reused one by one.)"""
    path = home.screenplay("seasons.ody", BATCH)
    with emulator(home) as server:
        assert home.ody("run", "seasons.ody").returncode == 0
        folder = home.work / "recordings" / "seasons"
        as_an_older_ody_left_it(home, "seasons")
        manifest = (folder / "run.json").read_text(encoding="utf-8")
        (folder / "run.json").unlink()
        for name in ("spring", "summer", "autumn", "winter"):  # as the older `ody` named a second take
            for kind in (".mp4", ".thumbnail.jpg", ".events.json"):
                (folder / f"{name}{kind}").rename(folder / f"{name}.take2{kind}")
                manifest = manifest.replace(f'"{name}{kind}"', f'"{name}.take2{kind}"')
        (folder / "run.take2.json").write_text(manifest, encoding="utf-8")
        unchanged = home.ody("run", "seasons.ody")  # reuses the older take and learns its scripts
        assert unchanged.returncode == 0, unchanged.stderr
        assert not list(folder.glob("*.take3.*"))
        path.write_text(BATCH.replace("An orchard in spring", "An orchard in early spring"), encoding="utf-8")
        done = home.ody("run", "seasons.ody")
        assert done.returncode == 0, done.stderr
        assert len(server_jobs(server)) == 2
    assert home.manifest("seasons")["latest"] == {"spring": "spring.take3.mp4", "summer": "summer.take2.mp4",
                                                  "autumn": "autumn.take2.mp4", "winter": "winter.take2.mp4"}
