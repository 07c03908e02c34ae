"""Captions beside every recording (issue 14): `ody run`, `ody download` and `ody wait
--download` write `<video stem>.vtt` next to each video, one cue per prompt as sent (after
expansion, style and negative) from its time to the next cue's, and record it in run.json with
the take's date. A job command takes the prompts from the screenplay when it still has the
job's script, else from the recording's events; when neither says them, no captions, said once.

Real `ody` processes against the emulator over loopback (or a stand-in API for a recording
whose events name no prompt); the files are read back with webvtt-py, a reader of our own
making would share our mistakes.
"""

from __future__ import annotations

import html
import io
import itertools
import json
import os
import re
import shutil
import sqlite3
import stat
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, cast

import pytest
import webvtt
from emulator_support import renderer_available
from hypothesis import given
from hypothesis import strategies as st
from runner_support import KEY, SINGLE, Home, emulator, make_home, send_json, server_jobs, serving

from odyssey_dsl.emulator.lifecycle import stream_folder
from odyssey_dsl.runner.captioning import NO_EVENTS, NO_PROMPTS, missing

needs_renderer = pytest.mark.skipif(not renderer_available(), reason="the emulator's renderer is not installed")

HARBOUR = """\
title "Captions"
define hero "a ginger cat"
style "35 mm film grain"
negative "text & <watermark>"
scene "day"
@0 start "{hero} on the quay"
@400ms interact "It runs & jumps --> <fast>"
@1s end
scene "night" after "day"
@0 start "{hero} asleep under the lamps"
@1s end
scene "dusk"
@0 start "{hero} under the {stars|rain}"
@600ms interact "The light fades"
@1s end
"""
DATE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
Cue = tuple[int, int, str]


@pytest.fixture
def home(tmp_path: Path) -> Home:
    return make_home(tmp_path)


def expected(home: Home, name: str) -> list[list[Cue]]:
    """Per script, the cues `ody compile` says: each prompt as sent, until the next entry."""
    done = home.ody("compile", name)
    assert done.returncode == 0, done.stderr
    scripts = json.loads(done.stdout)
    out = []
    for entries in scripts if isinstance(scripts[0], list) else [scripts]:
        cues = []
        for entry, after in itertools.pairwise(entries):
            action = next(k for k in entry if k != "timestamp_ms")
            cues.append((entry["timestamp_ms"], after["timestamp_ms"], entry[action]["prompt"]))
        out.append(cues)
    return out


def read(path: Path) -> list[Cue]:
    """The cues of a WebVTT file as webvtt-py reads them, their text unescaped."""
    def ms(stamp: str) -> int:
        hours, minutes, seconds = stamp.split(":")
        return round((int(hours) * 3600 + int(minutes) * 60 + float(seconds)) * 1000)

    captions = webvtt.from_buffer(io.StringIO(path.read_text(encoding="utf-8"))).captions
    return [(ms(c.start), ms(c.end), html.unescape(c.text)) for c in captions]


def takes(home: Home, folder: str, name: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = home.manifest(folder)["takes"][name]
    return found


def emulator_events(home: Home, job_id: str) -> Path:
    """The events file the emulator serves for the job's only stream."""
    with sqlite3.connect(home.root / "emulator" / "emulator.sqlite3") as db:
        (stream_id, name), = db.execute("SELECT stream_id, events FROM streams WHERE job_id = ?", (job_id,))
    return stream_folder(home.root / "emulator", stream_id) / str(name)


@needs_renderer
def test_every_recording_has_its_captions_beside_it_with_the_prompts_as_sent(home: Home) -> None:
    home.screenplay("harbour.ody", HARBOUR)
    with emulator(home):
        done = home.ody("run", "harbour.ody")
    assert done.returncode == 0, done.stderr
    folder = home.work / "recordings" / "harbour"
    names = ["day", "night", "dusk.v1", "dusk.v2"]
    assert sorted(p.stem for p in folder.glob("*.mp4")) == sorted(names)
    assert sorted(p.name for p in folder.glob("*.vtt")) == sorted(f"{n}.vtt" for n in names)
    for name, cues in zip(names, expected(home, "harbour.ody"), strict=True):
        assert read(folder / f"{name}.vtt") == cues
    day = (folder / "day.vtt").read_text(encoding="utf-8")
    assert "00:00:00.400 --> 00:00:01.000\nIt runs &amp; jumps --&gt; &lt;fast&gt;, 35 mm film grain." in day
    assert read(folder / "dusk.v2.vtt")[0][2] == ("a ginger cat under the rain, 35 mm film grain. "
                                                  "Negative prompt: text & <watermark>")
    manifest = home.manifest("harbour")
    for stream in manifest["streams"]:
        record = stream["files"]["captions"]
        assert record == {"path": f"{stream['name']}.vtt", "size": (folder / record["path"]).stat().st_size,
                          "complete": True}
        (take,) = manifest["takes"][stream["name"]]
        assert take["files"]["captions"] == record and DATE.fullmatch(take["created_at"])
    home.assert_no_secret()


@needs_renderer
def test_each_take_has_its_own_captions_and_the_earlier_ones_stay(home: Home) -> None:
    path = home.screenplay("cat.ody", SINGLE)
    folder = home.work / "recordings" / "cat"
    with emulator(home):
        assert home.ody("run", "cat.ody").returncode == 0
        path.write_text(SINGLE.replace("dozes", "stretches"), encoding="utf-8")
        edited = home.ody("run", "cat.ody")
        assert edited.returncode == 0, edited.stderr
        again = home.ody("run", "cat.ody", "--new")
        assert again.returncode == 0, again.stderr
    assert sorted(p.name for p in folder.glob("*.vtt")) == ["cat.take2.vtt", "cat.take3.vtt", "cat.vtt"]
    assert read(folder / "cat.vtt")[0] == (0, 1000, "A ginger cat dozes on a sunlit windowsill")
    assert read(folder / "cat.take2.vtt") == read(folder / "cat.take3.vtt") == [
        (0, 1000, "A ginger cat stretches on a sunlit windowsill"), (1000, 2000, "The cat wakes and looks outside")]
    recorded = takes(home, "cat", "cat")
    assert [t["files"]["captions"]["path"] for t in recorded] == ["cat.vtt", "cat.take2.vtt", "cat.take3.vtt"]
    dates = [t["created_at"] for t in recorded]
    assert all(DATE.fullmatch(d) for d in dates) and dates == sorted(dates)


@needs_renderer
def test_a_rerun_writes_the_captions_a_folder_lacks_without_fetching_anything(home: Home) -> None:
    home.screenplay("cat.ody", SINGLE)
    folder = home.work / "recordings" / "cat"
    with emulator(home) as server:
        assert home.ody("run", "cat.ody").returncode == 0
        # As an `ody` from before captions left it: no .vtt, no record of one, no take date.
        (folder / "cat.vtt").unlink()
        manifest = json.loads((folder / "run.json").read_text(encoding="utf-8"))
        for take in manifest["takes"]["cat"]:
            del take["files"]["captions"], take["created_at"]
        del manifest["streams"][0]["files"]["captions"]
        (folder / "run.json").write_text(json.dumps(manifest), encoding="utf-8")
        fetched = {p.name: p.stat().st_mtime_ns for p in folder.iterdir() if p.name not in ("run.json", "index.html")}
        again = home.ody("run", "cat.ody")
        assert again.returncode == 0, again.stderr
        assert len(server_jobs(server)) == 1
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir() if p.suffix not in (".json", ".vtt", ".html")
            or p.name.endswith(".events.json")} == fetched
    assert read(folder / "cat.vtt") == expected(home, "cat.ody")[0]
    (take,) = takes(home, "cat", "cat")
    assert take["files"]["captions"]["path"] == "cat.vtt" and "created_at" not in take  # an older take stays as it was


@needs_renderer
def test_captions_that_cannot_be_written_are_one_warning_and_the_run_succeeds(home: Home) -> None:
    home.screenplay("cat.ody", SINGLE)
    folder = home.work / "recordings" / "cat"
    with emulator(home):
        assert home.ody("run", "cat.ody").returncode == 0
        (folder / "cat.vtt").unlink()
        (folder / "cat.vtt").mkdir()  # in the way of the captions only: the video is there
        again = home.ody("run", "cat.ody")
    assert again.returncode == 0, again.stderr
    warnings = [line for line in again.stderr.splitlines() if "captions" in line]
    assert warnings == [f"ody run: cat.ody: cannot write the captions {folder / 'cat.vtt'}: Is a directory"]
    assert "captions" not in home.manifest("cat")["streams"][0]["files"]


@needs_renderer
def test_a_downloaded_job_takes_its_prompts_from_its_screenplay_else_from_the_events(home: Home) -> None:
    path = home.screenplay("cat.ody", SINGLE)
    folder = home.work / "recordings" / "cat"
    with emulator(home) as server:
        first = home.ody("run", "cat.ody", "--portrait")  # the key has the other orientation than the file's
        assert first.returncode == 0, first.stderr
        (job,) = server_jobs(server)
        events = emulator_events(home, job["job_id"])
        served = events.read_bytes()
        events.write_text(json.dumps({"version": 1, "cues": [{"action": "start", "timestamp_ms": 0}]}),
                          encoding="utf-8")  # says no prompt: captions now come from the screenplay alone
        shutil.rmtree(folder)
        unchanged = home.ody("download", job["job_id"])
        assert unchanged.returncode == 0, unchanged.stderr
        assert read(folder / "cat.vtt") == expected(home, "cat.ody")[0]
        assert "no captions" not in unchanged.stderr

        path.write_text(SINGLE.replace("dozes", "stretches"), encoding="utf-8")  # no longer the job's script
        shutil.rmtree(folder)
        none = home.ody("download", job["job_id"])
        assert none.returncode == 0, none.stderr
        assert (folder / "cat.mp4").exists() and not (folder / "cat.vtt").exists()
        said = [line for line in none.stderr.splitlines() if "captions" in line]
        assert said == [f"ody download: {path}: no captions for cat: cat.ody as it is now does not have its "
                        "script, and the recording's events do not say its prompts"]
        assert "captions" not in home.manifest("cat")["streams"][0]["files"]

        events.write_bytes(served)
        shutil.rmtree(folder)
        from_events = home.ody("wait", job["job_id"], "--download")
        assert from_events.returncode == 0, from_events.stderr
        assert read(folder / "cat.vtt") == [(0, 1000, "A ginger cat dozes on a sunlit windowsill"),
                                           (1000, 2000, "The cat wakes and looks outside")]


@needs_renderer
def test_a_job_submitted_elsewhere_gets_its_captions_from_the_recordings_events(home: Home) -> None:
    from emulator_support import Api

    script = [{"timestamp_ms": 0, "start": {"prompt": "Fish & <chips>"}},
              {"timestamp_ms": 600, "interact": {"prompt": "Gulls\n\nsteal them"}}, {"timestamp_ms": 1200, "end": {}}]
    with emulator(home) as server, Api(server.url, KEY) as api:
        job = api.login().submit({"script": script})
        api.wait(job["job_id"])
        done = home.ody("download", job["job_id"])
    assert done.returncode == 0, done.stderr
    folder = home.work / "recordings" / job["job_id"]
    assert read(folder / "stream-1.vtt") == [(0, 600, "Fish & <chips>"), (600, 1200, "Gulls\nsteal them")]
    assert home.manifest(job["job_id"])["streams"][0]["files"]["captions"]["path"] == "stream-1.vtt"


class Promptless(BaseHTTPRequestHandler):
    """An API with one completed job of two streams whose events (JSON Lines) name no prompt."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        send_json(self, {"access_token": "t", "expires_in": 3600})

    def do_GET(self) -> None:
        base = f"http://127.0.0.1:{cast(ThreadingHTTPServer, self.server).server_port}"
        path = self.path.split("?")[0]
        if path == "/simulation-jobs/job-elsewhere":
            streams = [{"stream_id": f"s{i}", "script_index": i, "status": "completed", "video_url": f"{base}/v{i}.mp4",
                        "thumbnail_url": None, "events_url": f"{base}/e{i}.jsonl", "frame_count": 25,
                        "duration_seconds": 1.0} for i in range(2)]
            send_json(self, {"job_id": "job-elsewhere", "status": "completed", "streams": streams})
            return
        body = b'{"type": "frame", "timestamp_ms": 0}\n{"type": "end", "timestamp_ms": 1000}\n' \
            if path.endswith(".jsonl") else b"\0" * 2000
        self.send_response(200)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: object) -> None:
        return


def test_a_recording_whose_events_name_no_prompt_has_no_captions_said_once(home: Home) -> None:
    with serving(home, Promptless):
        done = home.ody("download", "job-elsewhere")
    assert done.returncode == 0, done.stderr
    folder = home.work / "recordings" / "job-elsewhere"
    assert sorted(p.name for p in folder.iterdir()) == [
        "index.html", "run.json", "stream-1.events.json", "stream-1.mp4", "stream-2.events.json", "stream-2.mp4"]
    said = [line for line in done.stderr.splitlines() if "captions" in line]
    assert said == ["ody download: job:job-elsewhere: no captions for stream-1, stream-2: "
                    "the recording's events do not say its prompts"]


@given(st.dictionaries(st.text("abc-.", min_size=1, max_size=6), st.sampled_from([NO_EVENTS, NO_PROMPTS]),
                       min_size=1, max_size=6))
def test_the_recordings_without_captions_are_said_in_one_line_each_named_once(reasons: dict[str, str]) -> None:
    line = missing(reasons)
    assert "\n" not in line
    groups = [part.removeprefix("no captions for ").split(": ", 1) for part in line.split("; ")]
    assert sorted(name for names, _ in groups for name in names.split(", ")) == sorted(reasons)
    assert {why for _, why in groups} == set(reasons.values())
    assert all(reasons[name] == why for names, why in groups for name in names.split(", "))


@needs_renderer
def test_every_run_keeps_the_folder_s_review_page_current_with_its_takes(home: Home) -> None:
    path = home.screenplay("cat.ody", SINGLE)
    folder = home.work / "recordings" / "cat"
    with emulator(home):
        assert home.ody("run", "cat.ody").returncode == 0
        first = (folder / "index.html").read_text(encoding="utf-8")
        path.write_text(SINGLE.replace("dozes", "stretches"), encoding="utf-8")
        edited = home.ody("run", "cat.ody")
        assert edited.returncode == 0, edited.stderr
    page = (folder / "index.html").read_text(encoding="utf-8")
    assert 'src="cat.mp4"' in first and "cat.take2.mp4" not in first
    assert 'src="cat.take2.mp4"' in page and 'src="cat.mp4"' in page  # the new take beside the earlier one
    assert "stretches on a sunlit windowsill" in page and "dozes on a sunlit windowsill" in page  # each take's cues


@needs_renderer
def test_a_review_page_that_cannot_be_written_is_said_once_and_the_run_succeeds(home: Home) -> None:
    home.screenplay("cat.ody", SINGLE)
    folder = home.work / "recordings" / "cat"
    with emulator(home):
        assert home.ody("run", "cat.ody").returncode == 0
        (folder / "index.html").unlink()
        (folder / "index.html").mkdir()  # in the way of the page only
        again = home.ody("run", "cat.ody", "--new")
    assert again.returncode == 0, again.stderr
    said = [line for line in again.stderr.splitlines() if "review page" in line]
    assert said == [f"ody run: cat.ody: cannot write the review page {folder / 'index.html'}: Is a directory"]
    assert (folder / "cat.take2.mp4").is_file() and (folder / "cat.take2.vtt").is_file()


@needs_renderer
def test_captions_and_page_in_place_of_links_out_of_the_folder_are_warnings_and_nothing_outside_changes(
        home: Home) -> None:
    home.screenplay("cat.ody", SINGLE)
    folder = home.work / "recordings" / "cat"
    outside = home.work / "outside"
    outside.mkdir()
    with emulator(home):
        assert home.ody("run", "cat.ody").returncode == 0
        for name in ("cat.vtt", "index.html"):
            (outside / name).write_text("mine", encoding="utf-8")
            (folder / name).unlink()
            (folder / name).symlink_to(outside / name)
        again = home.ody("run", "cat.ody")
    assert again.returncode == 0, again.stderr
    said = [line for line in again.stderr.splitlines() if "cannot write" in line]
    assert said == [f"ody run: cat.ody: cannot write the captions {folder / 'cat.vtt'}: refusing to write "
                    f"'cat.vtt' outside {folder}",
                    f"ody run: cat.ody: cannot write the review page {folder / 'index.html'}: refusing to write "
                    f"'index.html' outside {folder}"]
    assert [(outside / n).read_text(encoding="utf-8") for n in ("cat.vtt", "index.html")] == ["mine", "mine"]


@needs_renderer
@pytest.mark.parametrize(("name", "code", "said"), [
    ("run.json", 2, "cannot write the recordings: not a regular file (a FIFO)"),
    ("index.html", 0, "cannot write the review page"),
    ("cat.vtt", 0, ""),
])
def test_a_fifo_in_the_run_folder_is_never_waited_on(home: Home, name: str, code: int, said: str) -> None:
    """A FIFO named run.json made `ody run` wait forever for a writer (SIGTERM did not end it):
    every file of the folder is read and written as a regular file or not at all."""
    home.screenplay("cat.ody", SINGLE)
    folder = home.work / "recordings" / "cat"
    with emulator(home) as server:
        assert home.ody("run", "cat.ody").returncode == 0
        (folder / name).unlink()
        os.mkfifo(folder / name)
        again = home.ody("run", "cat.ody", timeout=90)  # a wait fails here rather than hanging
        assert again.returncode == code, again.stderr
        assert said in again.stderr
        assert len(server_jobs(server)) == 1
    assert stat.S_ISFIFO((folder / name).lstat().st_mode)
