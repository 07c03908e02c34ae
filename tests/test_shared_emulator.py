"""Two `ody run --emulator` at once share one emulator, and the last to leave stops it, whichever
started it: the second used to lose its emulator ("cannot reach") when the first, its starter,
finished. Real `ody run` processes with private state folders, the emulator at its defaults
(a 120 s screenplay keeps a job processing for 12 s, a 240 s one for 24 s)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from emulator_support import renderer_available
from runner_support import Home, frames, make_home, poll_until

pytestmark = pytest.mark.skipif(not renderer_available(), reason="the emulator's renderer is not installed")

LONG = """\
title "Harbour"
@0 start "A harbour at dawn, boats at rest"
@40s interact "The boats leave one by one"
@80s interact "The harbour is empty"
@120s end
"""


@pytest.fixture
def started() -> Iterator[list[int]]:
    """The emulators a test's runs started: killed at its end if a failure left one running."""
    pids: list[int] = []
    yield pids
    for pid in pids:
        if not gone(pid):
            os.kill(pid, signal.SIGKILL)


def endpoint(home: Home) -> Path:
    return home.state / "emulator" / "endpoint.json"


def running_emulator(home: Home, run: subprocess.Popen[str], started: list[int]) -> int:
    """The emulator's pid once `run` has started it (or found it)."""
    def listening() -> int | None:
        assert run.poll() is None, run.communicate()
        try:
            return int(json.loads(endpoint(home).read_text())["pid"])
        except (OSError, ValueError, KeyError):
            return None

    pid: int = poll_until(listening, timeout=60)
    started.append(pid)
    return pid


def gone(pid: int) -> bool:
    """Not running: no such process, or a zombie nobody has reaped yet."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except OSError:
        return True


def finished(run: subprocess.Popen[str]) -> tuple[int, str]:
    _, err = run.communicate(timeout=180)
    return run.returncode, err


def test_the_starter_finishing_first_leaves_the_emulator_to_the_other(tmp_path: Path, started: list[int]) -> None:
    home = make_home(tmp_path)
    home.screenplay("harbour.ody", LONG)
    home.screenplay("voyage.ody", LONG.replace("@120s end", "@240s end"))  # twice as long: ends last
    first = home.spawn("run", "harbour.ody", "--emulator")
    pid = running_emulator(home, first, started)
    second = home.spawn("run", "voyage.ody", "--emulator")
    # Both use it before the first can finish (a loaded machine may take seconds to start one).
    poll_until(lambda: sum(1 for row in home.journal() if row["job_id"]) == 2, timeout=60)
    code, err = finished(first)
    assert code == 0, err
    assert second.poll() is None, "the second run ended before the first: nothing was shared"
    assert not gone(pid) and endpoint(home).exists()  # the second still uses it
    code, err = finished(second)
    assert code == 0, err
    assert frames(home.work / "recordings" / "harbour" / "harbour.mp4") == 3000
    assert not endpoint(home).exists()
    poll_until(lambda: gone(pid), timeout=30)  # stopped by the last user, which had not started it


def test_a_user_killed_counts_no_more_and_the_last_one_stops_the_emulator(tmp_path: Path,
                                                                           started: list[int]) -> None:
    home = make_home(tmp_path)
    home.screenplay("harbour.ody", LONG)
    home.screenplay("lighthouse.ody", LONG.replace("harbour", "lighthouse"))
    starter = home.spawn("run", "harbour.ody", "--emulator")
    pid = running_emulator(home, starter, started)
    other = home.spawn("run", "lighthouse.ody", "--emulator")
    poll_until(lambda: sum(1 for row in home.journal() if row["job_id"]) == 2, timeout=60)  # both use it
    os.kill(starter.pid, signal.SIGKILL)
    starter.communicate(timeout=30)
    code, err = finished(other)
    assert code == 0, err
    assert frames(home.work / "recordings" / "lighthouse" / "lighthouse.mp4") == 3000
    assert not endpoint(home).exists()
    poll_until(lambda: gone(pid), timeout=30)
