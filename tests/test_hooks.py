"""The pre-commit hooks run as pre-commit runs them: each hook's `entry` as a real `ody` process,
with the names of the staged files that match its `files` pattern appended, in the
repository's folder (what `language: python` installs is this package's `ody`)."""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import pytest
from test_cli import ODY
from test_editors import _hooks

HOOKS = {hook["id"]: hook for hook in _hooks()}
BROKEN_LAYOUT = '@0   start "A cat on a sill"\n@3s interct "It looks outside"\n@6s    end\n'
FIXED_LAYOUT = '@0   start "A cat on a sill"\n@3s interact "It looks outside"\n@6s    end\n'
CANONICAL = '@0  start    "A cat on a sill"\n@3s interact "It looks outside"\n@6s end\n'


def _run(hook: str, folder: Path, staged: list[str]) -> subprocess.CompletedProcess[str]:
    """What pre-commit does: the entry, then the staged files its pattern matches."""
    program, *args = shlex.split(HOOKS[hook]["entry"])
    assert program == "ody"
    files = [name for name in staged if re.search(HOOKS[hook]["files"], name)]
    return subprocess.run([ODY, *args, *files], cwd=folder, capture_output=True, text=True, timeout=120)


@pytest.fixture
def staged(tmp_path: Path) -> list[str]:
    (tmp_path / "scenes").mkdir()
    (tmp_path / "scenes" / "cat.ody").write_text(BROKEN_LAYOUT, encoding="utf-8")
    (tmp_path / "LOUD.ODY").write_text(BROKEN_LAYOUT, encoding="utf-8")
    (tmp_path / "notes.ody.json").write_text("not a screenplay", encoding="utf-8")
    return ["scenes/cat.ody", "LOUD.ODY", "notes.ody.json"]


def test_ody_lint_fails_on_the_error_and_changes_nothing(tmp_path: Path, staged: list[str]) -> None:
    done = _run("ody-lint", tmp_path, staged)
    assert done.returncode == 1, done.stderr
    assert "scenes/cat.ody:2:5" in done.stdout and "LOUD.ODY:2:5" in done.stdout and "notes" not in done.stdout
    assert (tmp_path / "scenes" / "cat.ody").read_text(encoding="utf-8") == BROKEN_LAYOUT


def test_ody_lint_fix_mends_the_staged_screenplays(tmp_path: Path, staged: list[str]) -> None:
    done = _run("ody-lint-fix", tmp_path, staged)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "scenes" / "cat.ody").read_text(encoding="utf-8") == FIXED_LAYOUT
    assert (tmp_path / "LOUD.ODY").read_text(encoding="utf-8") == FIXED_LAYOUT
    assert "scenes/cat.ody: fixed 1 problem (ODY004 unknown-keyword)" in done.stderr
    assert (tmp_path / "notes.ody.json").read_text(encoding="utf-8") == "not a screenplay"


def test_ody_fmt_rewrites_and_ody_fmt_check_only_says(tmp_path: Path, staged: list[str]) -> None:
    screenplays = [tmp_path / "scenes" / "cat.ody", tmp_path / "LOUD.ODY"]
    for path in screenplays:
        path.write_text(FIXED_LAYOUT, encoding="utf-8")
    check = _run("ody-fmt-check", tmp_path, staged)
    assert check.returncode == 1 and "would reformat scenes/cat.ody\nwould reformat LOUD.ODY" in check.stdout
    assert [p.read_text(encoding="utf-8") for p in screenplays] == [FIXED_LAYOUT] * 2
    fmt = _run("ody-fmt", tmp_path, staged)
    assert fmt.returncode == 0, fmt.stderr
    assert [p.read_text(encoding="utf-8") for p in screenplays] == [CANONICAL] * 2
    assert _run("ody-fmt-check", tmp_path, staged).returncode == 0
