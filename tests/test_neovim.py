"""docs/editors.md's Neovim set-ups, run in a real Neovim against the real `ody lsp`.

The 0.7-to-0.9 `init.lua` is taken from the docs as they are (so the docs cannot drift) and
run headless in the Neovim that is installed (CI installs Debian's, 0.7.2): `.ody` files get
the `ody` filetype, the server attaches, diagnostics arrive with the right code and line,
edits reach the server, one server serves every screenplay, and saving formats. Every Lua
block of the page must at least parse. Skipped only when `nvim` is not installed.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from lsp_support import ENV
from test_editors import docs_blocks

from odyssey_dsl.diagnostics import INVALID_TIME, UNKNOWN_KEYWORD
from odyssey_dsl.fmt import format_text

NVIM = shutil.which("nvim")
pytestmark = pytest.mark.skipif(
    NVIM is None, reason="nvim is not installed (.ci/run installs Debian's neovim with apt-get)")

#: Seconds a Neovim session may take, server start and every wait included: past this it hangs.
SESSION_DEADLINE = 90
#: Milliseconds the driver waits for one thing (diagnostics, an attached server) before failing.
WAIT_MS = 20_000

MISTAKE = '@0 start "A ginger cat dozes"\n@+3s interct "The cat wakes"\n@+3s end\n'
BAD_TIME = '@0 start "A paper boat"\n@3s interact "It sails"\n@5sec end\n'
UNFORMATTED = 'orientation   portrait\n@0    start "A cat"\n@3s end\n'

# Runs after init.lua, as Vim script so that files open as a user opens them (an error in an
# autocommand is printed, where Lua's vim.cmd would hide it); STEPS records what each step
# saw. Neovim always quits, so a failure is an assertion below, never a hang.
DRIVER = """\
luafile steps.lua
edit cat.ody
lua Steps.mistake()
edit boat.ODY
lua Steps.another()
edit layout.ody
lua Steps.attach()
write
edit notes.txt
lua Steps.other()
lua Steps.finish()
qall!
"""

STEPS = r"""
local WAIT = tonumber(vim.env.WAIT_MS)
local steps = {}
Steps = {}

local function record()
  local buf = vim.api.nvim_get_current_buf()
  local step = {
    file = vim.fn.expand('%'),
    filetype = vim.bo[buf].filetype,
    commentstring = vim.bo[buf].commentstring,
    diagnostics = {},
  }
  table.insert(steps, step)
  return buf, step
end

local function clients(buf)
  local found = {}
  for _, client in pairs(vim.lsp.buf_get_clients(buf)) do
    table.insert(found, { id = client.id, name = client.name })
  end
  return found
end

local function diagnostics(buf)
  local found = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    table.insert(found, { code = d.code, lnum = d.lnum, message = d.message })
  end
  return found
end

function Steps.mistake()  -- its diagnostic, then the fix typed in clears it
  local buf, step = record()
  step.published = vim.wait(WAIT, function() return #vim.diagnostic.get(buf) > 0 end, 20)
  step.diagnostics = diagnostics(buf)
  step.clients = clients(buf)
  vim.api.nvim_buf_set_lines(buf, 1, 2, true, { '@+3s interact "The cat wakes"' })
  step.cleared = vim.wait(WAIT, function() return #vim.diagnostic.get(buf) == 0 end, 20)
end

function Steps.another()  -- another screenplay: the same server
  local buf, step = record()
  step.published = vim.wait(WAIT, function() return #vim.diagnostic.get(buf) > 0 end, 20)
  step.diagnostics = diagnostics(buf)
  step.clients = clients(buf)
  step.servers = #vim.lsp.get_active_clients()
end

function Steps.attach()  -- the server ready for this buffer: `write` then formats
  local buf, step = record()
  step.attached = vim.wait(WAIT, function()
    for _, client in pairs(vim.lsp.buf_get_clients(buf)) do
      if client.initialized then
        return true
      end
    end
    return false
  end, 20)
end

function Steps.other()  -- not a screenplay: no server
  local buf, step = record()
  step.clients = clients(buf)
end

function Steps.finish()
  vim.fn.writefile({ vim.fn.json_encode(steps) }, vim.env.RESULT)
end
"""

# Parses every block given on the command line (loadstring: syntax only, nothing runs).
PARSE = r"""
local errors = {}
for _, file in ipairs(vim.fn.argv()) do
  local _, err = loadstring(table.concat(vim.fn.readfile(file), '\n'), file)
  if err then table.insert(errors, err) end
end
vim.fn.writefile({ vim.fn.json_encode(errors) }, vim.env.RESULT)
vim.cmd('qa!')
"""


def _lua_block(needle: str) -> str:
    (block,) = [body for body in docs_blocks("lua") if needle in body]
    return block


def _nvim(folder: Path, args: list[str], scripts: dict[str, str],
          extra_env: dict[str, str] | None = None) -> tuple[Any, str]:
    """Run Neovim headless in `folder`, isolated from the user's configuration, sourcing the
    first of `scripts` after start-up; returns the JSON it writes to $RESULT, and what Neovim
    printed (headless, its error messages go there)."""
    assert NVIM is not None
    home = folder / "home"
    home.mkdir()
    for name, text in scripts.items():
        (folder / name).write_text(text, encoding="utf-8")
    result = folder / "result.json"
    env = {**ENV, "HOME": str(home), "RESULT": str(result), **(extra_env or {})}
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        env[name] = str(home / name.lower())
    command = [NVIM, "--headless", "-i", "NONE", "-n", *args, "-S", next(iter(scripts))]
    done = subprocess.run(command, cwd=folder, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=SESSION_DEADLINE, check=False)
    assert result.is_file(), f"nvim wrote no result (exit {done.returncode}): {done.stdout}{done.stderr}"
    return json.loads(result.read_text(encoding="utf-8")), done.stdout + done.stderr


def _ody_on_path(folder: Path) -> str:
    """A PATH whose `ody` is this checkout's (the docs' `cmd = { 'ody', 'lsp' }` finds it)."""
    bin_dir = folder / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "ody"
    shim.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -m odyssey_dsl "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    return os.pathsep.join([str(bin_dir), ENV.get("PATH", os.defpath)])


def test_the_neovim_0_7_set_up_runs_the_server_on_screenplays(tmp_path: Path) -> None:
    (tmp_path / "init.lua").write_text(_lua_block("vim.lsp.start_client"), encoding="utf-8")
    for name, text in [("cat.ody", MISTAKE), ("boat.ODY", BAD_TIME), ("layout.ody", UNFORMATTED),
                       ("notes.txt", "@3s interct\n")]:
        (tmp_path / name).write_text(text, encoding="utf-8")

    steps, printed = _nvim(tmp_path, ["-u", "init.lua"], {"driver.vim": DRIVER, "steps.lua": STEPS},
                           {"PATH": _ody_on_path(tmp_path), "WAIT_MS": str(WAIT_MS)})
    assert not re.search(r"Error|\bE\d+:", printed), printed  # the set-up runs without an error
    cat, boat, layout, notes = steps

    for step in (cat, boat, layout):
        assert (step["filetype"], step["commentstring"]) == ("ody", "# %s"), step
    assert [c["name"] for c in cat["clients"]] == ["ody"]
    assert cat["published"], "no diagnostics within the wait"
    assert [(d["code"], d["lnum"]) for d in cat["diagnostics"]] == [(UNKNOWN_KEYWORD.code, 1)], cat["diagnostics"]
    assert "interact" in cat["diagnostics"][0]["message"]
    assert cat["cleared"], "the diagnostic stayed after the fix was typed in"

    assert boat["published"]
    assert [(d["code"], d["lnum"]) for d in boat["diagnostics"]] == [(INVALID_TIME.code, 2)], boat["diagnostics"]
    assert boat["clients"] == cat["clients"] and boat["servers"] == 1, "one server serves every screenplay"

    assert layout["attached"]
    assert (tmp_path / "layout.ody").read_text(encoding="utf-8") == format_text(UNFORMATTED) != UNFORMATTED

    assert notes["filetype"] != "ody" and notes["clients"] == []


def test_every_lua_block_of_editors_md_parses(tmp_path: Path) -> None:
    blocks = docs_blocks("lua")
    files = []
    for number, body in enumerate(blocks):
        path = tmp_path / f"block{number}.lua"
        path.write_text(body, encoding="utf-8")
        files.append(path.name)
    assert len(files) >= 4  # 0.11, 0.10, LspAttach, 0.7
    errors, _ = _nvim(tmp_path, ["--clean", *files], {"parse.lua": PARSE})
    assert errors == []
