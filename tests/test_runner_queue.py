"""The account's queue (issue 13): never more than 10 jobs not yet final on one API and key,
counted from the journal across `ody` processes, waiting for a slot instead of collecting
refusals. The emulator refuses an 11th non-final job with 429 CONCURRENT_LIMIT_REACHED, as
the service would, so a run that went past the limit would say so."""

from __future__ import annotations

from pathlib import Path

import pytest
from emulator_support import renderer_available
from runner_support import Home, emulator, make_home, server_jobs

pytestmark = pytest.mark.skipif(not renderer_available(), reason="the emulator's renderer is not installed")


@pytest.fixture
def home(tmp_path: Path) -> Home:
    return make_home(tmp_path)


def screenplays(home: Home, folder: str, count: int) -> None:
    (home.work / folder).mkdir()
    for n in range(count):
        home.screenplay(f"{folder}/shot{n}.ody", f'@0 start "Shot {folder} {n} of a harbour at dawn"\n@1s end\n')


def test_two_runs_at_once_never_have_more_than_ten_jobs_in_the_queue(home: Home) -> None:
    screenplays(home, "a", 6)
    screenplays(home, "b", 6)
    with emulator(home, pending_seconds=500.0, queue_limit=10) as server:  # 5 s pending each: all 12 overlap
        runs = [home.spawn("run", folder, "--no-wait", "--yes") for folder in ("a", "b")]
        outputs = [run.communicate(timeout=180) for run in runs]
        assert [run.returncode for run in runs] == [0, 0], outputs
        errors = "".join(err for _, err in outputs)
        assert "queue holds 10 jobs not yet final" in errors
        assert "limit of active jobs" not in errors and "CONCURRENT_LIMIT" not in errors
        assert len(server_jobs(server)) == 12


def test_the_journal_is_asked_again_when_its_word_is_stale(home: Home) -> None:
    """Ten `--no-wait` jobs finished long ago still say `pending` in the journal: the next
    submit asks the API about them instead of waiting for ever."""
    screenplays(home, "a", 10)
    home.screenplay("last.ody", '@0 start "The last shot of the harbour"\n@1s end\n')
    with emulator(home, queue_limit=10) as server:
        first = home.ody("run", "a", "--no-wait", "--yes")
        assert first.returncode == 0, first.stderr
        assert [row["status"] for row in home.journal()] == ["pending"] * 10
        done = home.ody("run", "last.ody")
        assert done.returncode == 0, done.stderr
        assert len(server_jobs(server)) == 11
    assert sum(1 for row in home.journal() if row["status"] == "completed") >= 10
