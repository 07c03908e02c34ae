"""`ody review [FOLDER]`: it (re)writes the folder's page and prints its path, opens it with the
system viewer when there is a display, and refuses what is not a run folder (exit 2). Real
`ody` processes; the system viewer is a script on PATH that records what it was asked to open.
(Without FOLDER, from the journal after real runs: tests/test_review_browser.py.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from runner_support import Home, make_home, poll_until
from test_cli_streams import on_terminal

from odyssey_dsl.captions import Caption, vtt

NO_DISPLAY = {"DISPLAY": "", "WAYLAND_DISPLAY": ""}


@pytest.fixture
def home(tmp_path: Path) -> Home:
    return make_home(tmp_path)


def run_folder(home: Home) -> Path:
    """A run folder as `ody run` leaves it: run.json, a video and its captions."""
    folder = home.work / "recordings" / "cat"
    folder.mkdir(parents=True)
    take = {"take": 1, "job_id": "job-1", "stream_id": "s1", "files": {"video": {"path": "cat.mp4", "size": 3,
                                                                                 "complete": True}}}
    (folder / "run.json").write_text(json.dumps({"title": "Window cat", "takes": {"cat": [take]}}), encoding="utf-8")
    (folder / "cat.mp4").write_bytes(b"mp4")  # only linked: the browser tests play real recordings
    (folder / "cat.vtt").write_text(vtt([Caption(0, 2000, "A cat")]), encoding="utf-8")
    return folder


def viewer(home: Home, exit_code: int = 0) -> Path:
    """An `xdg-open` that records its arguments: the folder to put first on PATH."""
    folder = home.root / "bin"
    folder.mkdir()
    script = folder / "xdg-open"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > "{home.root / "opened"}"\nexit {exit_code}\n', encoding="utf-8")
    script.chmod(0o755)
    return folder


def test_a_run_folder_gets_its_page_and_its_path_is_printed_without_a_display(home: Home) -> None:
    folder = run_folder(home)
    done = home.ody("review", "recordings/cat", DISPLAY="", WAYLAND_DISPLAY="", PATH=str(viewer(home)))
    assert (done.returncode, done.stdout, done.stderr) == (0, f"{folder / 'index.html'}\n", "")
    assert "<h1>Window cat</h1>" in (folder / "index.html").read_text(encoding="utf-8")
    assert not (home.root / "opened").exists()  # no display: nothing was launched


def test_with_a_display_the_page_is_opened_with_the_system_viewer(home: Home) -> None:
    folder = run_folder(home)
    done = home.ody("review", "recordings/cat", DISPLAY=":99", PATH=str(viewer(home)))
    assert (done.returncode, done.stdout) == (0, f"{folder / 'index.html'}\n")
    opened = poll_until(lambda: (home.root / "opened").exists() and (home.root / "opened").read_text(encoding="utf-8"))
    assert opened == f"{(folder / 'index.html').absolute()}\n"


def test_with_a_display_but_no_viewer_the_path_is_printed_with_a_warning(home: Home) -> None:
    folder = run_folder(home)
    empty = home.root / "empty"
    empty.mkdir()
    done = home.ody("review", str(folder), WAYLAND_DISPLAY="wayland-0", DISPLAY="", PATH=str(empty))
    assert (done.returncode, done.stdout) == (0, f"{folder / 'index.html'}\n")
    assert done.stderr == "ody review: warning: no viewer could be started: open the page above in a browser\n"


def test_with_a_display_and_a_viewer_that_fails_the_path_is_printed_with_a_warning(home: Home) -> None:
    """`xdg-open` exiting 4 (here, Chromium refusing to run as root) was taken as opened."""
    folder = run_folder(home)
    done = home.ody("review", "recordings/cat", DISPLAY=":99", PATH=str(viewer(home, exit_code=4)))
    assert (done.returncode, done.stdout) == (0, f"{folder / 'index.html'}\n")
    assert done.stderr == ("ody review: warning: the viewer could not open it (xdg-open failed, exit status 4): "
                           "open the page above in a browser\n")


def test_without_a_folder_the_current_one_is_reviewed_when_it_has_a_run_json(home: Home) -> None:
    folder = run_folder(home)
    done = ody_in(home, folder, "review")
    assert (done.returncode, done.stdout, done.stderr) == (0, f"{folder / 'index.html'}\n", "")
    assert "<h1>Window cat</h1>" in (folder / "index.html").read_text(encoding="utf-8")
    (folder / "run.json").write_text("{}", encoding="utf-8")  # no title: the folder's name, though it is "."
    assert ody_in(home, folder, "review").returncode == 0
    assert "<h1>cat</h1>" in (folder / "index.html").read_text(encoding="utf-8")


def test_without_a_folder_or_a_journal_it_says_to_name_one(home: Home) -> None:
    done = home.ody("review", DISPLAY="", WAYLAND_DISPLAY="")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == ("ody review: no run folder here (no run.json) and none in the journal\n"
                           "  hint: name one: `ody review recordings/NAME`\n")
    assert not (home.work / "index.html").exists()


@pytest.mark.parametrize(("folder", "message"), [
    ("recordings", "recordings has no run.json: it is not a folder `ody run` wrote\n"
                                 "  hint: `ody run FILE` writes one folder per screenplay, under recordings/ unless --out says"),
    ("missing", "missing: no such folder"),
    ("cat.ody", "cat.ody is not a folder"),
], ids=["no-run-json", "missing", "a-file"])
def test_what_is_not_a_run_folder_is_refused_and_nothing_is_written(home: Home, folder: str, message: str) -> None:
    (home.work / "recordings").mkdir()
    (home.work / "cat.ody").write_text('@0 start "A cat"\n@3s end\n', encoding="utf-8")
    done = home.ody("review", folder, DISPLAY="", WAYLAND_DISPLAY="")
    assert (done.returncode, done.stdout, done.stderr) == (2, "", f"ody review: {message}\n")
    assert not list(home.work.rglob("index.html"))


@pytest.mark.parametrize(("make", "said"), [
    (os.mkfifo, "not a regular file (a FIFO)"),
    (lambda path: path.mkdir(), "is a folder, not a file"),
], ids=["fifo", "folder"])
def test_a_run_json_that_is_no_file_is_said_as_such(home: Home, make: Callable[[Path], None], said: str) -> None:
    """It was `has no run.json: it is not a folder ody run wrote`."""
    folder = run_folder(home)
    (folder / "run.json").unlink()
    make(folder / "run.json")
    done = home.ody("review", "recordings/cat", DISPLAY="", WAYLAND_DISPLAY="", timeout=60)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (f"ody review: recordings/cat/run.json: {said}\n"
                           "  hint: move it out of the way: `ody run` writes it anew\n")


def test_a_page_that_cannot_be_written_is_a_usage_error(home: Home) -> None:
    folder = run_folder(home)
    (folder / "index.html").mkdir()
    done = home.ody("review", "recordings/cat", DISPLAY="", WAYLAND_DISPLAY="")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == f"ody review: cannot write {Path('recordings/cat/index.html')}: Is a directory\n"


def test_the_page_path_is_printed_with_control_characters_escaped_on_a_pipe_and_a_terminal(home: Home) -> None:
    """As `ody preview` prints paths: click stripped the escape off a pipe (the path printed did
    not exist) and wrote it raw to a terminal."""
    red = run_folder(home).rename(home.work / "recordings" / "\x1b[31mred")
    said = f"{str(red / 'index.html').replace(chr(27), chr(92) + 'x1b')}\n"
    done = home.ody("review", str(red), DISPLAY="", WAYLAND_DISPLAY="")
    assert (done.returncode, done.stdout, done.stderr) == (0, said, "")
    code, shown, stderr = on_terminal("review", str(red), cwd=home.work, DISPLAY="", WAYLAND_DISPLAY="",
                                      XDG_STATE_HOME=str(home.root / "state"))
    assert (code, shown, stderr) == (0, said, "")


def test_a_stdout_that_cannot_be_written_is_said_in_one_line_and_the_page_is_still_written(home: Home) -> None:
    folder = run_folder(home)
    with open("/dev/full", "wb") as full:
        done = subprocess.run([sys.executable, "-m", "odyssey_dsl", "review", "recordings/cat"], cwd=home.work,
                              env=home.env(DISPLAY="", WAYLAND_DISPLAY=""), stdout=full, stderr=subprocess.PIPE,
                              text=True, timeout=60)
    assert (done.returncode, done.stderr) == (2, "ody review: cannot write stdout: No space left on device\n")
    assert (folder / "index.html").is_file()


def test_review_is_listed_among_the_commands() -> None:
    from click.testing import CliRunner

    from odyssey_dsl.cli import main

    listed = CliRunner().invoke(main, ["--help"])
    assert listed.exit_code == 0 and "review" in listed.output
    helped = CliRunner().invoke(main, ["review", "--help"])
    assert helped.exit_code == 0 and "Usage: main review [OPTIONS] [FOLDER]" in helped.output


def ody_in(home: Home, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`ody ARGS` run in `cwd`, without a display."""
    return subprocess.run([sys.executable, "-m", "odyssey_dsl", *args], cwd=cwd, env=home.env(**NO_DISPLAY),
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
