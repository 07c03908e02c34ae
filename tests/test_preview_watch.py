"""`ody preview --watch` as a user runs it: a real process, files saved beside it (in place and,
as editors do, through a temporary file renamed over it), and Ctrl-C as a real SIGINT. Each
step waits for the line the process prints, with a generous bound: never a sleep."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

import pytest
from emulator_support import renderer_available
from runner_support import Home, make_home

pytestmark = pytest.mark.skipif(not renderer_available(), reason="the emulator's renderer is not installed")

MAIN = """\
include "look.ody"
@0 start "{hero} dozes on a windowsill"
@3s end
"""
WAIT = 120.0  # seconds: a loaded machine is slow, a hung process still fails


class Watching:
    """`ody preview --watch` running, its stdout and stderr read line by line as they come."""

    def __init__(self, home: Home, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "odyssey_dsl", "preview", *args, "--watch"], cwd=home.work, env=home.env(),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # as from a terminal
        self.out: queue.Queue[str] = queue.Queue()
        self.err: queue.Queue[str] = queue.Queue()
        self.said: list[str] = []  # everything on stderr so far
        for stream, lines in ((self.process.stdout, self.out), (self.process.stderr, self.err)):
            threading.Thread(target=_pump, args=(stream, lines), daemon=True).start()

    def line(self) -> str:
        """The next line on stdout."""
        return self.out.get(timeout=WAIT)

    def error_until(self, test: Callable[[str], bool]) -> list[str]:
        """Lines on stderr up to the first that passes `test`."""
        lines = []
        while True:
            line = self.err.get(timeout=WAIT)
            self.said.append(line)
            lines.append(line)
            if test(line):
                return lines

    def interrupt(self, sent: signal.Signals = signal.SIGINT) -> tuple[int, str]:
        """Ctrl-C (or another signal): the exit code, and what stderr said after what was read."""
        self.process.send_signal(sent)
        code = self.process.wait(timeout=WAIT)
        rest = []
        while True:
            try:
                rest.append(self.err.get(timeout=WAIT))
            except queue.Empty:
                break
            if rest[-1] == "":
                break
        return code, "".join(rest)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=WAIT)


def _pump(stream: IO[str] | None, lines: queue.Queue[str]) -> None:
    assert stream is not None
    for line in stream:
        lines.put(line)
    lines.put("")  # the end


@pytest.fixture
def home(tmp_path: Path) -> Home:
    home = make_home(tmp_path)
    home.screenplay("cat.ody", MAIN)
    home.screenplay("look.ody", 'define hero "A ginger cat"\n')
    return home


@pytest.fixture
def watching(home: Home) -> Iterator[Watching]:
    started = Watching(home, "cat.ody")
    yield started
    started.kill()


def captions(home: Home) -> str:
    return (home.work / "cat.preview.vtt").read_text(encoding="utf-8")


def save_as_an_editor_does(path: Path, text: str) -> None:
    """A temporary file renamed over the file (the inode changes)."""
    temp = path.with_name(f".{path.name}.swp")
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, path)


def test_it_renders_again_when_a_file_it_includes_is_saved_and_follows_new_includes(
        home: Home, watching: Watching) -> None:
    assert watching.line().startswith("rendered cat.preview.mp4 (3.0 s) in ")
    assert "A ginger cat dozes" in captions(home)

    home.screenplay("look.ody", 'define hero "A black cat"\n')
    assert watching.line().startswith("rendered cat.preview.mp4 (3.0 s) in ")
    assert "A black cat dozes" in captions(home)

    (home.work / "more").mkdir()
    home.screenplay("more/extra.ody", 'style "shot on 35mm film"\n')
    save_as_an_editor_does(home.work / "cat.ody", 'include "more/extra.ody"\n' + MAIN)
    assert watching.line().startswith("rendered cat.preview.mp4 (3.0 s) in ")
    assert "A black cat dozes on a windowsill, shot on 35mm film" in captions(home)

    save_as_an_editor_does(home.work / "more" / "extra.ody", 'style "in watercolour"\n')
    assert watching.line().startswith("rendered cat.preview.mp4 (3.0 s) in ")
    assert "in watercolour" in captions(home)

    code, rest = watching.interrupt()
    assert code == 130
    assert rest == "ody preview: interrupted\n"
    assert "Traceback" not in "".join(watching.said)


def test_errors_are_shown_and_the_last_good_preview_stays_until_they_are_fixed(
        home: Home, watching: Watching) -> None:
    assert watching.line().startswith("rendered cat.preview.mp4")
    good = (home.work / "cat.preview.mp4").read_bytes(), captions(home)

    home.screenplay("look.ody", 'define hero "A ginger cat\n')  # the string is not closed
    shown = watching.error_until(lambda line: line.endswith(" in 1 file\n"))
    assert any(line.startswith("error[") for line in shown)
    lint = home.ody("lint", "cat.ody").stdout
    assert "".join(shown) == lint  # as `ody lint` shows them
    home.screenplay("look.ody", 'define hero "A grey cat"\n')
    assert watching.line().startswith("rendered cat.preview.mp4")
    assert "A grey cat dozes" in captions(home)
    assert good[0] != (home.work / "cat.preview.mp4").read_bytes()

    home.screenplay("cat.ody", MAIN.replace('include "look.ody"', 'include "gone.ody"'))
    watching.error_until(lambda line: line.endswith(" in 1 file\n"))
    kept = (home.work / "cat.preview.mp4").read_bytes(), captions(home)
    assert "A grey cat dozes" in kept[1]
    home.screenplay("gone.ody", 'define hero "A white cat"\n')  # the missing include appears
    assert watching.line().startswith("rendered cat.preview.mp4")
    assert "A white cat dozes" in captions(home)
    assert watching.interrupt()[0] == 130


def test_a_file_going_from_one_unreadable_state_to_another_is_said_anew(home: Home, watching: Watching) -> None:
    """Every unreadable state was the same to --watch: an include deleted, then made a folder,
    still showed `no such file`. Then the main file itself, deleted and made a folder."""
    assert watching.line().startswith("rendered cat.preview.mp4")
    (home.work / "look.ody").unlink()
    assert any("no such file" in line for line in watching.error_until(lambda line: line.endswith(" in 1 file\n")))
    (home.work / "look.ody").mkdir()
    assert any("is a folder" in line for line in watching.error_until(lambda line: line.endswith(" in 1 file\n")))
    (home.work / "look.ody").rmdir()
    home.screenplay("look.ody", 'define hero "A grey cat"\n')
    assert watching.line().startswith("rendered cat.preview.mp4")
    (home.work / "cat.ody").unlink()
    assert "no such file" in watching.error_until(lambda line: "cat.ody" in line)[-1]
    (home.work / "cat.ody").mkdir()
    assert "folder" in watching.error_until(lambda line: "cat.ody" in line)[-1]
    (home.work / "cat.ody").rmdir()
    os.mkfifo(home.work / "cat.ody")  # read, it waited for a writer forever, deaf to Ctrl-C
    assert "not a regular file (a FIFO)" in watching.error_until(lambda line: "cat.ody" in line)[-1]
    (home.work / "cat.ody").unlink()
    home.screenplay("cat.ody", MAIN)
    assert watching.line().startswith("rendered cat.preview.mp4")
    assert watching.interrupt()[0] == 130


def test_a_scene_gone_is_said_and_watching_goes_on(home: Home) -> None:
    home.screenplay("cat.ody", 'include "look.ody"\nscene "day"\n@0 start "{hero}"\n@3s end\n')
    watching = Watching(home, "cat.ody", "--scene", "day", "--json")
    try:
        first = json.loads(watching.line())
        assert [v["name"] for v in first["videos"]] == ["day"]
        home.screenplay("cat.ody", 'include "look.ody"\nscene "dusk"\n@0 start "{hero}"\n@3s end\n')
        said = watching.error_until(lambda line: "hint:" in line)
        assert said[-2:] == ["ody preview: --scene `day`: there is no scene of that name in cat.ody\n",
                             "  hint: the scenes are: `dusk`\n"]
        home.screenplay("cat.ody", 'include "look.ody"\nscene "day"\n@0 start "{hero} wakes"\n@4s end\n')
        again = json.loads(watching.line())
        assert again["videos"][0]["duration_ms"] == 4000
        assert watching.interrupt()[0] == 130
    finally:
        watching.kill()


def test_a_file_that_cannot_be_read_at_the_start_ends_it_with_exit_2(home: Home) -> None:
    done = home.ody("preview", "nothing.ody", "--watch")
    assert done.returncode == 2
    assert done.stderr == "ody preview: nothing.ody: no such file\n"


@pytest.mark.parametrize(("args", "code", "said"), [
    (("--scene", "nope"), 2, "ody preview: --scene `nope`: cat.ody has no `scene` lines\n"),
    (("-o", "out.mov"), 2, "ody preview: -o out.mov: one script makes one MP4 video"),
    (("-o", "missing/cat.mp4"), 2, "ody preview: missing/cat.mp4: cannot write it"),
])
def test_a_usage_error_at_the_first_render_ends_it_as_an_unreadable_file_does(
        home: Home, args: tuple[str, ...], code: int, said: str) -> None:
    done = home.ody("preview", "cat.ody", *args, "--watch", timeout=WAIT)
    assert (done.returncode, done.stdout) == (code, ""), done.stderr
    assert done.stderr.startswith(said), done.stderr


def test_a_library_at_the_first_render_ends_it_with_exit_1(home: Home) -> None:
    done = home.ody("preview", "look.ody", "--watch", timeout=WAIT)
    assert (done.returncode, done.stdout) == (1, ""), done.stderr
    assert done.stderr.startswith("ody preview: look.ody is a library"), done.stderr


@pytest.mark.parametrize("sent", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_or_sighup_ends_it_as_ctrl_c_does(watching: Watching, sent: signal.Signals) -> None:
    assert watching.line().startswith("rendered cat.preview.mp4")
    assert watching.interrupt(sent) == (130, "ody preview: interrupted\n")


def test_an_include_made_in_a_new_folder_is_rendered_while_other_files_of_the_folder_keep_changing(
        home: Home) -> None:
    """Events for other files wake the wait every 0.2 s, never a second of quiet: the comparison
    that finds the include (its folder is not watched yet) must still run."""
    home.screenplay("a.ody", 'include "sub/c.ody"\n@0 start "{hero} by the sea"\n@2s end\n')
    stop = threading.Event()

    def noise() -> None:
        n = 0
        while not stop.wait(0.2):
            n += 1
            (home.work / "noise.txt").write_text(f"{n}\n", encoding="utf-8")

    noisy = threading.Thread(target=noise, daemon=True)
    noisy.start()
    watching = Watching(home, "a.ody")
    try:
        watching.error_until(lambda line: line.endswith(" in 1 file\n"))  # the include is missing
        (home.work / "sub").mkdir()
        home.screenplay("sub/c.ody", 'define hero "A heron"\n')
        assert watching.line().startswith("rendered a.preview.mp4 (2.0 s) in ")
        assert "A heron by the sea" in (home.work / "a.preview.vtt").read_text(encoding="utf-8")
        assert noisy.is_alive()  # the noise went on throughout
        assert watching.interrupt()[0] == 130
    finally:
        stop.set()
        watching.kill()
