"""What `ody lint` and `ody compile` import: only what they need, so that they start fast.

Editors run `ody lint` on every save (issue 2, "Speed": at most 100 ms over a bare Python). The
heavy libraries of the project's other tools (language server, runner, emulator, schema and
models, terminal colours) must stay off these paths as the project grows. Each run is a fresh
interpreter whose output is a pipe, as in an editor, with a warm parser-table cache.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = frozenset({"httpx", "pygls", "lsprotocol", "fastapi", "uvicorn", "starlette", "av", "PIL",
                   "pydantic", "jsonschema", "rich", "imageio", "numpy"})
SCREENPLAY = """\
title "Window cat"
@0 start "A tabby cat sits on a rain-streaked window sill at dusk"
@4s interact "A sparrow lands on the ledge; the cat's ears turn — café lights flicker"
@+4s end
"""
# Runs the CLI as the console script does, and records every module loaded once it exits.
RUN_CLI = """\
import atexit, json, sys
modules_file, sys.argv = sys.argv[1], ["ody", *sys.argv[2:]]
atexit.register(lambda: open(modules_file, "w").write(json.dumps(sorted(sys.modules))))
from odyssey_dsl.cli import run
run()
"""


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment for the runs: a private parser-table cache, filled by a first run."""
    folder = tmp_path_factory.mktemp("ody-warm")
    env = {**os.environ, "ODY_CACHE_DIR": str(folder / "cache")}
    env.pop("NO_COLOR", None)
    (folder / "cat.ody").write_text(SCREENPLAY, encoding="utf-8")
    ody(["lint", "cat.ody"], folder, env)
    return env


def ody(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """Run `ody ARGS` in a fresh interpreter: its result and the top-level names of the
    modules it loaded (`PIL.Image` counts as `PIL`)."""
    modules_file = cwd / "modules.json"
    done = subprocess.run([sys.executable, "-c", RUN_CLI, str(modules_file), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, encoding="utf-8", stdin=subprocess.DEVNULL,
                          timeout=120)
    names = json.loads(modules_file.read_text(encoding="utf-8"))
    return done, {name.partition(".")[0] for name in names}


def test_lint_imports_nothing_heavy(tmp_path: Path, env: dict[str, str]) -> None:
    (tmp_path / "cat.ody").write_text(SCREENPLAY, encoding="utf-8")
    done, loaded = ody(["lint", "cat.ody"], tmp_path, env)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert "odyssey_dsl" in loaded  # the probe saw the real run
    assert not loaded & HEAVY, f"ody lint imported {sorted(loaded & HEAVY)}"


def test_compile_imports_nothing_heavy(tmp_path: Path, env: dict[str, str]) -> None:
    (tmp_path / "cat.ody").write_text(SCREENPLAY, encoding="utf-8")
    done, loaded = ody(["compile", "cat.ody"], tmp_path, env)
    assert (done.returncode, done.stderr) == (0, "")
    assert [e["timestamp_ms"] for e in json.loads(done.stdout)] == [0, 4000, 8000]
    assert not loaded & HEAVY, f"ody compile imported {sorted(loaded & HEAVY)}"


@pytest.mark.parametrize("args", [["--help"], ["lsp", "--help"], ["run", "--help"], ["jobs", "--help"]])
def test_help_imports_nothing_heavy(tmp_path: Path, env: dict[str, str], args: list[str]) -> None:
    """`ody --help` imports every command's module: each must keep its own libraries lazy."""
    done, loaded = ody(args, tmp_path, env)
    assert done.returncode == 0 and "Usage:" in done.stdout
    assert not loaded & HEAVY, f"ody {' '.join(args)} imported {sorted(loaded & HEAVY)}"
