"""`ody`'s standard output as it really is: a terminal (a pseudo-terminal, so that the command
takes its terminal path), a closed descriptor, a full device. Every command run in a real
subprocess, as users run it."""

from __future__ import annotations

import json
import os
import pty
import shutil
import subprocess
from pathlib import Path

import pytest
from emulator_support import renderer_available
from test_cli import COLOUR_VARIABLES, ODY


def on_terminal(*args: str, cwd: Path, **env: str) -> tuple[int, str, str]:
    """`ody ARGS` with stdout on a pseudo-terminal (80 columns, colour allowed) and stderr piped:
    the exit code, what the terminal received (its CR LF as LF) and stderr."""
    main, secondary = pty.openpty()
    variables = {k: v for k, v in os.environ.items() if k not in COLOUR_VARIABLES} | {"TERM": "xterm-256color",
                                                                                       "COLUMNS": "200"} | env
    try:
        child = subprocess.Popen([ODY, *args], cwd=cwd, stdout=secondary, stderr=subprocess.PIPE,
                                 stdin=subprocess.DEVNULL, env=variables)
    finally:
        os.close(secondary)
    received = bytearray()
    try:
        while chunk := _read(main):
            received += chunk
    finally:
        os.close(main)
    assert child.stderr is not None
    stderr = child.stderr.read().decode("utf-8")
    child.stderr.close()
    code = child.wait(timeout=60)
    return code, received.decode("utf-8").replace("\r\n", "\n"), stderr


def _read(fd: int) -> bytes:
    try:
        return os.read(fd, 65536)
    except OSError:  # EIO: the terminal's other end closed (Linux)
        return b""


EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
WRITERS = [  # a command that prints on stdout, as its arguments
    ("compile", "window-cat.ody"),
    ("export", "--vtt", "window-cat.ody"),
    ("stats", "window-cat.ody"),
    ("stats", "--json", "window-cat.ody"),
    pytest.param(("preview", "--json", "window-cat.ody", "-o", "cat.mp4"),
                 marks=pytest.mark.skipif(not renderer_available(), reason="the emulator's renderer is not installed")),
]


def ody_with_stdout(args: tuple[str, ...], cwd: Path, stdout: int | None,
                    close_stdout: bool = False) -> subprocess.CompletedProcess[str]:
    """`ody ARGS` with stdout on `stdout`, or (close_stdout) with no descriptor 1 at all: `>&-`."""
    return subprocess.run([ODY, *args], cwd=cwd, stdout=stdout, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                          preexec_fn=(lambda: os.close(1)) if close_stdout else None, text=True, timeout=60,
                          env=dict(os.environ, NO_COLOR="1"))


@pytest.mark.parametrize("args", WRITERS)
def test_a_full_stdout_is_said_in_one_line_exit_2(tmp_path: Path, args: tuple[str, ...]) -> None:
    shutil.copy(EXAMPLES / "window-cat.ody", tmp_path)
    with open("/dev/full", "wb") as full:
        done = ody_with_stdout(args, tmp_path, full.fileno())
    assert (done.returncode, done.stderr) == (2, f"ody {args[0]}: cannot write stdout: No space left on device\n")


@pytest.mark.parametrize("args", WRITERS)
def test_a_closed_stdout_is_said_in_one_line_exit_2(tmp_path: Path, args: tuple[str, ...]) -> None:
    shutil.copy(EXAMPLES / "window-cat.ody", tmp_path)
    done = ody_with_stdout(args, tmp_path, None, close_stdout=True)
    assert (done.returncode, done.stderr) == (2, f"ody {args[0]}: cannot write stdout: Bad file descriptor\n")


def test_a_pipe_whose_reader_left_is_still_quiet(tmp_path: Path) -> None:
    """`ody compile | head -0`: the reader left; nothing to say, exit 1 (click's own handling, kept)."""
    shutil.copy(EXAMPLES / "window-cat.ody", tmp_path)
    reader, writer = os.pipe()
    os.close(reader)
    try:
        done = ody_with_stdout(("compile", "window-cat.ody"), tmp_path, writer)
    finally:
        os.close(writer)
    assert (done.returncode, done.stderr) == (1, "")


@pytest.mark.skipif(not renderer_available(), reason="the emulator's renderer is not installed")
def test_ody_run_s_summary_on_a_terminal_shows_a_screenplay_named_like_markup_as_written(tmp_path: Path) -> None:
    from runner_support import SINGLE, make_home

    home = make_home(tmp_path)
    home.screenplay("[intro].ody", SINGLE)
    env = {k: v for k, v in home.env().items() if k.startswith(("XDG_", "HOME", "ODYSSEY_"))}
    code, shown, stderr = on_terminal("run", "[intro].ody", "--emulator", cwd=home.work, **env)
    assert code == 0, stderr
    assert "[intro].ody" in shown  # rich read `[intro]` as a style tag and printed `.ody`


@pytest.mark.skipif(not renderer_available(), reason="the emulator's renderer is not installed")
def test_ody_run_never_writes_a_control_character_of_a_file_name_to_the_terminal(tmp_path: Path) -> None:
    from runner_support import SINGLE, make_home

    home = make_home(tmp_path)
    home.screenplay("e\x1b[31mvil.ody", SINGLE)
    done = home.ody("run", "e\x1b[31mvil.ody", "--emulator")
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stdout + done.stderr
    assert "e\\x1b[31mvil.ody" in done.stdout and "e\\x1b[31mvil.ody" in done.stderr


INITIALIZE = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                         "params": {"processId": None, "rootUri": None, "capabilities": {}}})


@pytest.mark.parametrize("closed", [False, True], ids=["full", "closed"])
def test_the_language_server_stops_in_one_line_when_it_cannot_answer_the_editor(tmp_path: Path, closed: bool) -> None:
    """pygls caught each write failure and failed again reporting it: 115,000 lines of tracebacks, exit 0."""
    message = f"Content-Length: {len(INITIALIZE)}\r\n\r\n{INITIALIZE}"
    with open("/dev/full", "wb") as full:
        done = subprocess.run([ODY, "lsp"], input=message, stdout=None if closed else full,
                              stderr=subprocess.PIPE, preexec_fn=(lambda: os.close(1)) if closed else None,
                              text=True, timeout=60, cwd=tmp_path)
    reason = "Bad file descriptor" if closed else "No space left on device"
    assert (done.returncode, done.stderr) == (2, f"ody lsp: cannot write to the editor (stdout): {reason}; stopping\n")
