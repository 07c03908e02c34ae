"""The README's two set-up commands are what CI runs, and they stay true."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", quick)


@pytest.mark.skipif((ROOT / "PKG-INFO").is_file() and not (ROOT / ".ci" / "run").exists(),
                    reason="run from an sdist: the README's commands are checked against .ci/run, which only the repository has")
def test_readme_has_exactly_two_commands_and_ci_runs_them() -> None:
    commands = _commands()
    assert len(commands) == 2
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1] in ci.splitlines()
    first_job = commands[0].rsplit("&& ", 1)[1]
    assert first_job.replace(".venv/bin/", "") == "ody run examples/window-cat.ody --emulator"
    assert (ROOT / "examples" / "window-cat.ody").is_file()
    assert first_job in ci.splitlines()
