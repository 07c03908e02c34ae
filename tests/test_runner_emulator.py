"""`--emulator`: the README's first command. The emulator starts in the background on the
user's state folder, answers only its own key, is stopped at the end, and a job command finds
an emulator job there again (never in production)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from emulator_support import renderer_available
from runner_support import SINGLE, frames

from odyssey_dsl.api import JobDetail

pytestmark = pytest.mark.skipif(not renderer_available(), reason="the emulator's renderer is not installed")


def test_run_with_the_emulator_leaves_a_video_and_stops_it(tmp_path: Path) -> None:
    (tmp_path / "cat.ody").write_text(SINGLE, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ODYSSEY_")}
    env.update(XDG_STATE_HOME=str(tmp_path / "state"), XDG_CONFIG_HOME=str(tmp_path / "config"),
               ODYSSEY_API_KEY="ody_real_key_never_sent", ODYSSEY_API_URL="https://api.example.invalid")

    def ody(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "odyssey_dsl", *args], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=180, stdin=subprocess.DEVNULL)

    done = ody("run", "cat.ody", "--emulator", "--json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    job_id = summary["screenplays"][0]["jobs"][0]
    assert frames(tmp_path / "recordings" / "cat" / "cat.mp4") == 50
    manifest = json.loads((tmp_path / "recordings" / "cat" / "run.json").read_text())
    assert manifest["api"] == "emulator" and manifest["api_url"].startswith("http://127.0.0.1:")
    data = tmp_path / "state" / "odyssey-dsl" / "emulator"
    assert not (data / "endpoint.json").exists()  # stopped, and said so
    assert "ody_real_key_never_sent" not in (data / "emulator.log").read_text()
    # The journal knows it is an emulator job: asked about there, not at ODYSSEY_API_URL.
    status = ody("status", job_id)
    assert status.returncode == 0, status.stderr
    assert "completed" in status.stdout
    assert not (data / "endpoint.json").exists()
    again = ody("run", "cat.ody", "--emulator")
    assert again.returncode == 0 and "reusing" in again.stderr


def test_the_live_view_renders_jobs_and_downloads() -> None:
    from odyssey_dsl.runner.progress import Reporter

    stream = io.StringIO()
    reporter = Reporter(stream=stream, live=True)
    reporter.job("cat.ody", JobDetail("abc123", "pending", estimated_wait_minutes=2.5))
    reporter.progress("cat.ody", "cat.mp4", 512, 1024)
    table = reporter._table()
    reporter.say("cat.ody", "submitted job abc123")
    reporter.close()
    from rich.console import Console

    buffer = io.StringIO()
    Console(file=buffer, width=120).print(table)
    text = buffer.getvalue()
    assert "abc123" in text and "cat.mp4 50%" in text
    assert "submitted job abc123" in stream.getvalue()
