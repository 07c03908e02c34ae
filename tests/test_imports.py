"""What `ody lint` and `ody compile` import: only what they need, so that they start fast.

Editors run `ody lint` on every save (issue 2, "Speed": at most 100 ms over a bare Python). The
heavy libraries of the project's other tools (language server, runner, emulator, schema and
models, terminal colours) must stay off these paths as the project grows. Each run is a fresh
interpreter whose output is a pipe, as in an editor, with a warm parser-table cache.

The default install has neither pydantic (the emulator's extra) nor jsonschema (tests only):
no command outside the emulator may import them (`EXTRAS`), the language server included.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

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
EXTRAS = frozenset({"pydantic", "pydantic_core", "jsonschema"})  # not in the default install
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
    for name in ("NO_COLOR", "FORCE_COLOR", "CLICOLOR_FORCE"):  # colour would import rich
        env.pop(name, None)
    (folder / "cat.ody").write_text(SCREENPLAY, encoding="utf-8")
    ody(["lint", "cat.ody"], folder, env)
    return env


def ody(args: list[str], cwd: Path, env: dict[str, str],
        stdin: str | None = None) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """Run `ody ARGS` in a fresh interpreter (reading `stdin`, else nothing): its result and
    the top-level names of the modules it loaded (`PIL.Image` counts as `PIL`)."""
    modules_file = cwd / "modules.json"
    done = subprocess.run([sys.executable, "-c", RUN_CLI, str(modules_file), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, encoding="utf-8", input=stdin,
                          stdin=subprocess.DEVNULL if stdin is None else None, timeout=120)
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


@pytest.mark.parametrize("args", [["fmt", "cat.ody"], ["fmt", "--diff", "cat.ody"], ["schema"], ["check", "cat.json"],
                                  ["decompile", "cat.json"], ["lint", "--format", "json", "cat.ody"],
                                  ["compile", "--request", "cat.ody"]])
def test_commands_import_no_extra(tmp_path: Path, env: dict[str, str], args: list[str]) -> None:
    """What the default install lacks is never imported: `ody schema` prints the shipped file
    (generated from the pydantic models, which the tests compare), nothing builds it."""
    (tmp_path / "cat.ody").write_text(SCREENPLAY.replace("@4s ", "@4s   "), encoding="utf-8")
    (tmp_path / "cat.json").write_text('[{"timestamp_ms": 0, "start": {"prompt": "a cat"}},'
                                       ' {"timestamp_ms": 3000, "end": {}}]', encoding="utf-8")
    done, loaded = ody(args, tmp_path, env)
    assert done.returncode in (0, 1), done.stderr  # --diff exits 1: it has a change to show
    assert "odyssey_dsl" in loaded and "Traceback" not in done.stderr
    assert not loaded & EXTRAS, f"ody {' '.join(args)} imported {sorted(loaded & EXTRAS)}"


def _lsp_session(uri: str, text: str) -> str:
    """What an editor sends in a short session: open, edit, the usual requests, then exit."""
    document = {"uri": uri}
    position = {"line": 1, "character": 5}
    messages: list[dict[str, Any]] = [
        {"id": 1, "method": "initialize", "params": {"processId": None, "rootUri": None, "capabilities": {}}},
        {"method": "initialized", "params": {}},
        {"method": "textDocument/didOpen",
         "params": {"textDocument": {**document, "languageId": "ody", "version": 1, "text": text}}},
        {"method": "textDocument/didChange", "params": {"textDocument": {**document, "version": 2},
                                                        "contentChanges": [{"text": text + "@12s end\n"}]}},
        {"id": 2, "method": "textDocument/hover", "params": {"textDocument": document, "position": position}},
        {"id": 3, "method": "textDocument/completion", "params": {"textDocument": document, "position": position}},
        {"id": 4, "method": "textDocument/formatting",
         "params": {"textDocument": document, "options": {"tabSize": 2, "insertSpaces": True}}},
        {"id": 5, "method": "textDocument/codeAction", "params": {
            "textDocument": document, "range": {"start": position, "end": position}, "context": {"diagnostics": []}}},
        {"id": 6, "method": "textDocument/hover", "params": {"textDocument": document, "position": {"line": -1,
                                                                                                   "character": 0}}},
        {"id": 7, "method": "shutdown", "params": None},
        {"method": "exit", "params": None},
    ]
    out = []
    for message in messages:
        body = json.dumps({"jsonrpc": "2.0", **message})
        out.append(f"Content-Length: {len(body.encode('utf-8'))}\r\n\r\n{body}")
    return "".join(out)


def test_lsp_imports_no_extra(tmp_path: Path, env: dict[str, str]) -> None:
    (tmp_path / "cat.ody").write_text(SCREENPLAY, encoding="utf-8")
    session = _lsp_session((tmp_path / "cat.ody").as_uri(), SCREENPLAY)
    done, loaded = ody(["lsp"], tmp_path, env, stdin=session)
    assert done.returncode == 0, done.stderr
    assert all(f'"id": {n}' in done.stdout or f'"id":{n}' in done.stdout for n in range(1, 8)), done.stdout[-2000:]
    assert {"pygls", "lsprotocol"} <= loaded  # the probe saw the server run
    assert not loaded & EXTRAS, f"ody lsp imported {sorted(loaded & EXTRAS)}"
