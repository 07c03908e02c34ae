"""`ody preview`: real `ody` processes rendering real videos, read back with PyAV and the
captions with an independent WebVTT parser; every bad input and its exit code; no journal, no
network. Watch mode is in test_preview_watch.py."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import av
import pytest
import webvtt
from emulator_support import renderer_available
from runner_support import Home, make_home, poll_until

pytestmark = pytest.mark.skipif(not renderer_available(), reason="the emulator's renderer is not installed")

CAT = """\
title "Window cat"
orientation landscape
@0 start "A ginger cat dozes on a sunlit windowsill"
@3s interact "The cat wakes & turns <its> head"
@6s interact "A sparrow lands on the ledge"
@9.01s end
"""
HARBOUR = """\
title "Harbour"
scene "night" after "day"
@0 start "The harbour at {night|dusk}"
@4s interact "A ferry's lights cross the water"
@8s end

scene "day"
@0 start "A fishing harbour at noon"
@4s interact "Gulls circle over the crates"
@7s end
"""


@pytest.fixture
def home(tmp_path: Path) -> Home:
    return make_home(tmp_path)


def probe(video: Path) -> dict[str, Any]:
    """What a player sees: the size, the frames decoded, the duration."""
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        frames = sum(1 for _ in container.decode(stream))
        assert container.duration is not None
        return {"size": (stream.width, stream.height), "frames": frames, "seconds": container.duration / 1_000_000}


def first_frame(video: Path) -> bytes:
    with av.open(str(video)) as container:
        frame = next(container.decode(video=0))
        return bytes(frame.to_image().tobytes())  # type: ignore[no-untyped-call]  # PyAV's stub leaves to_image unannotated


def cues(captions: Path) -> list[tuple[str, str, str]]:
    return [(c.start, c.end, c.text) for c in webvtt.read(str(captions)).captions]


def untouched_state(home: Home) -> None:
    """No journal, lock or state folder: preview never gets that far."""
    assert not (home.root / "state").exists()


def test_one_script_becomes_a_video_and_its_captions_beside_it(home: Home) -> None:
    home.screenplay("cat.ody", CAT)
    done = home.ody("preview", "cat.ody")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("rendered cat.preview.mp4 (9.0 s) in ") and done.stdout.endswith(" s\n")
    assert done.stderr == ""
    video = home.work / "cat.preview.mp4"
    assert probe(video) == {"size": (640, 352), "frames": 225, "seconds": 9.0}  # the end, to the frame
    assert cues(home.work / "cat.preview.vtt") == [
        ("00:00:00.000", "00:00:03.000", "A ginger cat dozes on a sunlit windowsill"),
        ("00:00:03.000", "00:00:06.000", "The cat wakes &amp; turns &lt;its&gt; head"),  # as WebVTT escapes them
        ("00:00:06.000", "00:00:09.010", "A sparrow lands on the ledge"),
    ]
    assert sorted(p.name for p in home.work.iterdir()) == ["cat.ody", "cat.preview.mp4", "cat.preview.vtt"]
    untouched_state(home)


@pytest.mark.parametrize(("flag", "size"), [("--portrait", (352, 640)), ("--landscape", (640, 352)), (None, (352, 640))])
def test_the_orientation_comes_from_the_file_unless_a_flag_says_otherwise(home: Home, flag: str | None,
                                                                        size: tuple[int, int]) -> None:
    home.screenplay("cat.ody", CAT.replace("orientation landscape\n", "" if flag is None else "orientation portrait\n"))
    done = home.ody("preview", "cat.ody", "-o", "out.mp4", *([flag] if flag else []))
    assert done.returncode == 0, done.stderr
    assert probe(home.work / "out.mp4")["size"] == size
    assert (home.work / "out.vtt").is_file()


def test_json_lists_each_video_with_its_captions_name_scene_and_length(home: Home) -> None:
    home.screenplay("harbour.ody", HARBOUR)
    done = home.ody("preview", "harbour.ody", "--json")
    assert done.returncode == 0, done.stderr
    folder = home.work / "harbour.preview"
    listed = json.loads(done.stdout)
    assert listed == {"videos": [
        {"name": name, "scene": scene, "video": str(folder / f"{name}.mp4"), "captions": str(folder / f"{name}.vtt"),
         "duration_ms": ms}
        for name, scene, ms in (("night.v1", "night", 8000), ("night.v2", "night", 8000), ("day", "day", 7000))],
        "sources": [str(home.work / "harbour.ody")]}
    assert done.stdout.count("\n") == 1
    for item in listed["videos"]:
        assert probe(Path(item["video"]))["seconds"] * 1000 == item["duration_ms"]
        assert cues(Path(item["captions"]))[0][0] == "00:00:00.000"
    assert sorted(p.name for p in folder.iterdir()) == ["day.mp4", "day.vtt", "night.v1.mp4", "night.v1.vtt",
                                                         "night.v2.mp4", "night.v2.vtt"]



def test_json_sources_are_the_file_and_every_file_it_includes_or_tried_to(home: Home) -> None:
    """What an editor watches to render again, as --watch does."""
    (home.work / "lib").mkdir()
    home.screenplay("lib/names.ody", 'define hero "a ginger cat"\n')
    home.screenplay("cat.ody", 'include "lib/names.ody"\n' + CAT.replace("A ginger cat", "{hero}", 1))
    done = home.ody("preview", "cat.ody", "--json", "-o", "out/")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["sources"] == [str(home.work / "cat.ody"), str(home.work / "lib" / "names.ody")]
    roundabout = home.ody("preview", "lib/../cat.ody", "--json", "-o", "out/")  # normalised as the includes are
    assert json.loads(roundabout.stdout)["sources"] == json.loads(done.stdout)["sources"]

def test_a_scene_with_variants_makes_a_folder_of_them_alone(home: Home) -> None:
    home.screenplay("harbour.ody", HARBOUR)
    done = home.ody("preview", "harbour.ody", "--scene", "night", "-o", "nights")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("rendered 2 videos in nights/ (night.v1 8.0 s, night.v2 8.0 s) in ")
    # The scene it continues was rendered for its last frame, then removed: nothing hidden is left.
    assert sorted(p.name for p in (home.work / "nights").iterdir()) == ["night.v1.mp4", "night.v1.vtt",
                                                                         "night.v2.mp4", "night.v2.vtt"]
    assert cues(home.work / "nights" / "night.v2.vtt")[0][2] == "The harbour at dusk"


def test_a_scene_of_one_script_is_one_video(home: Home) -> None:
    home.screenplay("harbour.ody", HARBOUR)
    done = home.ody("preview", "harbour.ody", "--scene", "day", "--json")
    assert done.returncode == 0, done.stderr
    video = home.work / "harbour.preview.mp4"
    assert json.loads(done.stdout) == {"videos": [{"name": "day", "scene": "day", "video": str(video),
                                                   "captions": str(home.work / "harbour.preview.vtt"),
                                                   "duration_ms": 7000}],
                                       "sources": [str(home.work / "harbour.ody")]}
    assert probe(video)["frames"] == 175


def test_a_continuing_scene_starts_from_the_last_frame_of_the_scene_it_continues(home: Home) -> None:
    home.screenplay("harbour.ody", HARBOUR)
    assert home.ody("preview", "harbour.ody", "--scene", "night", "-o", "a").returncode == 0
    home.screenplay("harbour.ody", HARBOUR.replace("Gulls circle over the crates", "Rain sweeps the empty quay"))
    assert home.ody("preview", "harbour.ody", "--scene", "night", "-o", "b").returncode == 0
    home.screenplay("harbour.ody", HARBOUR.replace(' after "day"', ""))
    assert home.ody("preview", "harbour.ody", "--scene", "night", "-o", "c").returncode == 0
    a, b, c = (first_frame(home.work / folder / "night.v1.mp4") for folder in "abc")
    assert a != b  # night's own lines are the same: its picture is day's last frame
    assert a != c and b != c


def test_errors_are_shown_as_lint_shows_them_and_nothing_is_written(home: Home) -> None:
    home.screenplay("cat.ody", CAT.replace("@6s interact", "@6s interct"))
    (home.work / "cat.preview.mp4").write_bytes(b"an earlier preview")
    done = home.ody("preview", "cat.ody", "--json")
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr == home.ody("lint", "cat.ody").stdout
    assert "error[ODY004]" in done.stderr
    assert (home.work / "cat.preview.mp4").read_bytes() == b"an earlier preview"
    assert not (home.work / "cat.preview.vtt").exists()


def test_an_unknown_scene_is_a_usage_error_listing_the_scenes(home: Home) -> None:
    home.screenplay("harbour.ody", HARBOUR)
    done = home.ody("preview", "harbour.ody", "--scene", "nite")
    assert done.returncode == 2
    assert done.stderr == ("ody preview: --scene `nite`: there is no scene of that name in harbour.ody\n"
                           "  hint: did you mean `night`? the scenes are: `night`, `day`\n")
    home.screenplay("cat.ody", CAT)
    done = home.ody("preview", "cat.ody", "--scene", "day")
    assert done.returncode == 2 and "has no `scene` lines" in done.stderr
    assert sorted(p.name for p in home.work.iterdir()) == ["cat.ody", "harbour.ody"]


def test_a_library_is_refused_with_exit_1_as_compile_and_run_refuse_it(home: Home) -> None:
    home.screenplay("look.ody", 'define hero "a ginger cat"\nstyle "35mm film"\n')
    done = home.ody("preview", "look.ody")
    assert done.returncode == 1
    assert done.stderr.startswith("ody preview: look.ody is a library (header lines, no cue): nothing to preview\n")


@pytest.mark.parametrize(("args", "said"), [
    (("cat.ody", "-o", "cat.ody/out.mp4"), "ody preview: cat.ody/out.mp4: cannot write it (Not a directory)"),
    (("cat.ody", "-o", "missing/out.mp4"), "ody preview: missing/out.mp4: cannot write it (No such file or directory)"),
    (("cat.ody", "-o", "out.mov"),
     "ody preview: -o out.mov: one script makes one MP4 video: give a path ending in .mp4, or a folder"),
    (("harbour.ody", "-o", "all.mp4"), "ody preview: -o all.mp4: 3 scripts make 3 videos: give a folder"),
    (("harbour.ody", "-o", "cat.ody"), "ody preview: -o cat.ody: 3 scripts make 3 videos: give a folder"),
    (("harbour.ody", "-o", "cat.ody/x"), "ody preview: cat.ody/x: cannot make the folder (Not a directory)"),
    (("nothing.ody",), "ody preview: nothing.ody: no such file"),
    (("-",), "ody preview: needs a screenplay file, not `-`"),
])
def test_an_output_that_cannot_be_written_or_an_input_that_cannot_be_read_is_exit_2(
        home: Home, args: tuple[str, ...], said: str) -> None:
    home.screenplay("cat.ody", CAT)
    home.screenplay("harbour.ody", HARBOUR)
    done = home.ody("preview", *args)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(said), done.stderr
    assert "Traceback" not in done.stderr
    assert sorted(p.name for p in home.work.iterdir()) == ["cat.ody", "harbour.ody"]


@pytest.mark.parametrize(("args", "said"), [
    (("harbour.ody", "--scene", "night", "-o", "night.mp4"),
     "ody preview: -o night.mp4: scene `night` has 2 variants (night.v1, night.v2): give a folder\n"),
    (("harbour.ody", "-o", "all.mp4"),
     "ody preview: -o all.mp4: 3 scripts make 3 videos: give a folder\n  hint: or pick one scene with --scene NAME\n"),
    (("harbour.ody", "-o", ""), "ody preview: -o needs a path\n"),
    (("harbour.ody", "-o", "-"),
     "ody preview: -o -: this command writes files, which stdout cannot take\n  hint: give a file or a folder (ending in /)\n"),
])
def test_an_output_for_several_scripts_or_an_empty_one_is_refused_saying_what_to_give(
        home: Home, args: tuple[str, ...], said: str) -> None:
    home.screenplay("harbour.ody", HARBOUR)
    done = home.ody("preview", *args)
    assert (done.returncode, done.stdout, done.stderr) == (2, "", said)
    assert [p.name for p in home.work.iterdir()] == ["harbour.ody"]


def test_a_folder_given_is_a_folder_whatever_its_suffix(home: Home) -> None:
    home.screenplay("harbour.ody", HARBOUR)
    home.screenplay("cat.ody", CAT)
    (home.work / "kept.mp4").mkdir()
    for file, output, folder, names in [("harbour.ody", "all.mp4/", "all.mp4", ["day", "night.v1", "night.v2"]),
                                        ("harbour.ody", "kept.mp4", "kept.mp4", ["day", "night.v1", "night.v2"]),
                                        ("cat.ody", "one.mp4/", "one.mp4", ["cat"])]:
        done = home.ody("preview", file, "-o", output, "--json")
        assert done.returncode == 0, done.stderr
        made = [Path(v["video"]) for v in json.loads(done.stdout)["videos"]]
        assert sorted(made) == [home.work / folder / f"{name}.mp4" for name in names]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder")
def test_a_read_only_folder_is_exit_2_with_its_path(home: Home) -> None:
    home.screenplay("cat.ody", CAT)
    (home.work / "ro").mkdir(mode=0o555)
    done = home.ody("preview", "cat.ody", "-o", "ro/cat.mp4")
    assert done.returncode == 2
    assert done.stderr.startswith("ody preview: ro/cat.mp4: cannot write it (Permission denied)")


@pytest.mark.parametrize(("missing", "args"), [("av", []), ("PIL", ["--json"]), ("watchfiles", ["--watch"])])
def test_without_the_emulator_extra_it_says_what_to_install(home: Home, missing: str, args: list[str]) -> None:
    home.screenplay("cat.ody", CAT)
    blocked = (f"import sys; sys.modules[{missing!r}] = None; sys.argv = ['ody', 'preview', 'cat.ody', *{args!r}]\n"
               "from odyssey_dsl.cli import run\nrun()")
    done = subprocess.run([sys.executable, "-c", blocked], cwd=home.work, env=home.env(), capture_output=True,
                          text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert done.returncode == 2
    assert done.stderr == (f"ody preview: previewing needs the emulator's extra ({missing} is missing)\n"
                           "  hint: pip install 'odyssey-dsl[emulator]'\n")
    assert sorted(p.name for p in home.work.iterdir()) == ["cat.ody"]


NO_NETWORK = """\
import os, sys

def hook(event, args):
    if event.startswith("socket."):
        os.write(2, f"network: {event}\\n".encode())
        os._exit(99)

sys.addaudithook(hook)
sys.argv = ["ody", *sys.argv[1:]]
from odyssey_dsl.cli import run
run()
"""


def test_it_never_opens_a_socket_nor_touches_the_journal(home: Home) -> None:
    home.screenplay("harbour.ody", HARBOUR)
    done = subprocess.run([sys.executable, "-c", NO_NETWORK, "preview", "harbour.ody", "--json"], cwd=home.work,
                          env=home.env(), capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)["videos"]) == 3
    untouched_state(home)


def test_open_without_a_display_says_so_once_and_succeeds(home: Home) -> None:
    home.screenplay("cat.ody", CAT)
    done = home.ody("preview", "cat.ody", "--open", DISPLAY="", WAYLAND_DISPLAY="")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("rendered cat.preview.mp4 (9.0 s)")
    assert done.stderr == "ody preview: cannot open cat.preview.mp4 here (no display): open it yourself\n"


def test_open_without_a_program_to_open_it_says_so_once_and_succeeds(home: Home, tmp_path: Path) -> None:
    home.screenplay("harbour.ody", HARBOUR)
    (tmp_path / "empty").mkdir()
    done = home.ody("preview", "harbour.ody", "--open", DISPLAY=":99", PATH=str(tmp_path / "empty"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("rendered 3 videos in harbour.preview/ (")
    assert done.stderr == "ody preview: cannot open harbour.preview here (no program to open it): open it yourself\n"


def test_open_whose_opener_fails_says_so_once_and_succeeds(home: Home, tmp_path: Path) -> None:
    """`xdg-open` started, then failed (exit 4: no browser it could run): it was taken as opened."""
    home.screenplay("cat.ody", CAT)
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "xdg-open").write_text("#!/bin/sh\nexit 4\n", encoding="utf-8")
    (tmp_path / "bin" / "xdg-open").chmod(0o755)
    done = home.ody("preview", "cat.ody", "--open", DISPLAY=":99", PATH=str(tmp_path / "bin"))
    assert done.returncode == 0, done.stderr
    assert done.stderr == ("ody preview: cannot open cat.preview.mp4 here (xdg-open failed, exit status 4): "
                           "open it yourself\n")


def test_ctrl_c_mid_render_leaves_the_earlier_preview_whole(home: Home) -> None:
    home.screenplay("long.ody", '@0 start "A long shot of the sea"\n@150s end\n')
    earlier = b"the earlier preview, playing in a player"
    (home.work / "long.preview.mp4").write_bytes(earlier)
    process = subprocess.Popen([sys.executable, "-m", "odyssey_dsl", "preview", "long.ody"], cwd=home.work,
                               env=home.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               stdin=subprocess.DEVNULL, preexec_fn=default_sigint)
    try:
        poll_until(lambda: any(p.name.endswith(".part") for p in home.work.iterdir()), timeout=120)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=120)
    finally:
        process.kill()
    assert process.returncode == 130, err
    assert (out, err) == ("", "ody preview: interrupted\n")
    assert (home.work / "long.preview.mp4").read_bytes() == earlier
    assert sorted(p.name for p in home.work.iterdir()) == ["long.ody", "long.preview.mp4"]


def default_sigint() -> None:
    """In the child: Ctrl-C as a terminal delivers it (a background shell starts children
    with SIGINT ignored, and Python then installs no KeyboardInterrupt)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_a_second_preview_replaces_the_first(home: Home) -> None:
    home.screenplay("cat.ody", CAT)
    assert home.ody("preview", "cat.ody").returncode == 0
    home.screenplay("cat.ody", CAT.replace("@9.01s end", "@12s end"))
    assert home.ody("preview", "cat.ody").returncode == 0
    assert probe(home.work / "cat.preview.mp4")["frames"] == 300
    assert cues(home.work / "cat.preview.vtt")[-1][1] == "00:00:12.000"


def test_a_folder_for_one_script_holds_its_video_named_as_ody_run_names_it(home: Home) -> None:
    home.screenplay("cat.ody", CAT)
    done = home.ody("preview", "cat.ody", "-o", "out/", "--json")
    assert done.returncode == 0, done.stderr
    (only,) = json.loads(done.stdout)["videos"]
    assert Path(only["video"]) == (home.work / "out" / "cat.mp4").resolve()
    assert sorted(p.name for p in (home.work / "out").iterdir()) == ["cat.mp4", "cat.vtt"]


def test_linked_outputs_are_written_through_their_links_as_every_file_is(home: Home) -> None:
    """The video as the captions (write_atomic): the file a link points to is replaced, the link
    kept; a dangling link's target is created. The video's link was replaced by a file."""
    home.screenplay("cat.ody", CAT)
    elsewhere = home.root / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "old.mp4").write_bytes(b"an older video")
    (elsewhere / "old.vtt").write_text("WEBVTT\n", encoding="utf-8")
    for output, target in [("cat.preview", "old"), ("new", "missing")]:
        for suffix in (".mp4", ".vtt"):
            (home.work / f"{output}{suffix}").symlink_to(elsewhere / f"{target}{suffix}")
        done = home.ody("preview", "cat.ody", *(["-o", f"{output}.mp4"] if output == "new" else []))
        assert done.returncode == 0, done.stderr
        for suffix in (".mp4", ".vtt"):
            assert (home.work / f"{output}{suffix}").readlink() == elsewhere / f"{target}{suffix}"
        assert probe(elsewhere / f"{target}.mp4")["frames"] == 225
        assert cues(elsewhere / f"{target}.vtt")[0][2] == "A ginger cat dozes on a sunlit windowsill"
    assert sorted(p.name for p in elsewhere.iterdir()) == ["missing.mp4", "missing.vtt", "old.mp4", "old.vtt"]
    assert sorted(p.name for p in home.work.iterdir()) == ["cat.ody", "cat.preview.mp4", "cat.preview.vtt", "new.mp4",
                                                           "new.vtt"]


def special_nodes(home: Home) -> list[tuple[str, str, Path]]:
    """What a video's or its captions' path may be besides a file: (the path given, the node's
    kind as said, the node), through links too; a device only where one can be made (root: a
    node with /dev/null's numbers, in the test's folder)."""
    elsewhere = home.root / "elsewhere"
    elsewhere.mkdir()
    os.mkfifo(home.work / "fifo.mp4")
    os.mkfifo(elsewhere / "fifo")
    (home.work / "linked.mp4").symlink_to(elsewhere / "fifo")
    made = [("fifo.mp4", "a FIFO", home.work / "fifo.mp4"), ("linked.mp4", "a FIFO", elsewhere / "fifo")]
    if os.geteuid() == 0:
        null = os.stat("/dev/null").st_rdev
        os.mknod(elsewhere / "null", 0o666 | stat.S_IFCHR, null)
        (home.work / "null.mp4").symlink_to(elsewhere / "null")
        made.append(("null.mp4", "a device", elsewhere / "null"))
    return made


def test_a_video_or_its_captions_is_never_put_in_place_of_a_fifo_or_a_device(home: Home) -> None:
    """A preview replaces its files once complete: a FIFO, a device or a link to one is refused,
    video or captions alike, before anything is rendered, and left as it was."""
    home.screenplay("cat.ody", CAT)
    for given, kind, node in special_nodes(home):
        for output, refused in [(given, given), (f"{given[:-4]}.vtt.mp4", f"{given[:-4]}.vtt.vtt")]:
            if refused != given:  # the captions' path is the node, the video's is free
                (home.work / refused).symlink_to(node)
            before = sorted(p.name for p in home.work.iterdir())
            done = home.ody("preview", "cat.ody", "-o", output, timeout=60)
            assert (done.returncode, done.stdout) == (2, ""), done.stderr
            assert done.stderr.startswith(f"ody preview: {refused}: not a regular file ({kind})"), done.stderr
            assert sorted(p.name for p in home.work.iterdir()) == before
            assert not node.is_file() and not (home.work / refused).is_file()
            assert stat.S_ISFIFO(node.stat().st_mode) or stat.S_ISCHR(node.stat().st_mode)


def test_an_output_named_near_the_limit_is_written(home: Home) -> None:
    """A valid 251-byte name was refused, `File name too long`: its temporary file's was."""
    home.screenplay("cat.ody", CAT)
    name = "é" * 123 + ".mp4"
    done = home.ody("preview", "cat.ody", "-o", name)
    assert done.returncode == 0, done.stderr
    assert probe(home.work / name)["frames"] > 0 and (home.work / name).with_suffix(".vtt").is_file()


def test_a_screenplay_that_is_a_fifo_is_refused_not_waited_for(home: Home) -> None:
    """It waited for a writer forever (and the preview would be named after the pipe)."""
    os.mkfifo(home.work / "pipe.ody")
    done = home.ody("preview", "pipe.ody", timeout=60)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.startswith("ody preview: pipe.ody: not a regular file (a FIFO)\n"), done.stderr


def test_captions_whose_path_is_a_folder_are_refused_before_the_video_is_written(home: Home) -> None:
    """The video was put in place, then the captions failed with a message naming the video."""
    home.screenplay("cat.ody", CAT)
    (home.work / "cat.preview.vtt").mkdir()
    done = home.ody("preview", "cat.ody")
    assert (done.returncode, done.stdout, done.stderr) == (
        2, "", "ody preview: cat.preview.vtt: cannot write it (Is a directory)\n")
    assert sorted(p.name for p in home.work.iterdir()) == ["cat.ody", "cat.preview.vtt"]


@pytest.mark.parametrize("signal_sent", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_or_sighup_mid_render_ends_it_as_ctrl_c_does_leaving_no_hidden_file(
        home: Home, signal_sent: signal.Signals) -> None:
    """Sent while the scene continued is a hidden file beside the output and the scene asked for
    a temporary one: both go, the earlier preview stays whole, exit 130 as for Ctrl-C."""
    home.screenplay("long.ody", 'scene "night" after "day"\n@0 start "The harbour at night"\n@150s end\n\n'
                                'scene "day"\n@0 start "The harbour at noon"\n@3s end\n')
    earlier = b"the earlier preview, playing in a player"
    (home.work / "long.preview.mp4").write_bytes(earlier)
    process = subprocess.Popen([sys.executable, "-m", "odyssey_dsl", "preview", "long.ody", "--scene", "night"],
                               cwd=home.work, env=home.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        def mid_render() -> bool:
            names = [p.name for p in home.work.iterdir()]
            return (any(n.startswith(".long.preview.mp4.") and n.endswith(".part") for n in names)
                    and any(n.startswith(".day.") and n.endswith(".continued.mp4") for n in names))

        poll_until(mid_render, timeout=120)
        process.send_signal(signal_sent)
        out, err = process.communicate(timeout=120)
    finally:
        process.kill()
    assert (process.returncode, out, err) == (130, "", "ody preview: interrupted\n")
    assert (home.work / "long.preview.mp4").read_bytes() == earlier
    assert sorted(p.name for p in home.work.iterdir()) == ["long.ody", "long.preview.mp4"]
