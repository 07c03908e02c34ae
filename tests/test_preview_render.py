"""What `ody preview` adds to the emulator's renderer and the order it renders scenes in, in
process: `render_video` writes the very frames of `render`'s video, alone; a continued scene is
rendered before the scenes that continue it, wherever it is written."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import av
import pytest
from emulator_support import renderer_available
from hypothesis import given
from hypothesis import strategies as st

from odyssey_dsl.preview import _parents_first
from odyssey_dsl.runner.journal import Scene

pytestmark = pytest.mark.skipif(not renderer_available(), reason="the emulator's renderer is not installed")

SCRIPT = [{"timestamp_ms": 0, "start": {"prompt": "A lighthouse at dusk"}},
          {"timestamp_ms": 1010, "interact": {"prompt": "The lamp goes dark"}},
          {"timestamp_ms": 1600, "end": {}}]


def pictures(video: Path) -> list[bytes]:
    with av.open(str(video)) as container:
        return [bytes(f.to_image().tobytes()) for f in container.decode(video=0)]  # type: ignore[no-untyped-call]  # PyAV's stub leaves to_image unannotated


@pytest.mark.parametrize("portrait", [False, True])
def test_render_video_writes_the_frames_of_the_emulators_video_and_nothing_else(tmp_path: Path,
                                                                               portrait: bool) -> None:
    from odyssey_dsl.emulator.render import render, render_video

    recording = render(SCRIPT, portrait, tmp_path / "emulator", "rec")
    (tmp_path / "preview").mkdir()
    video = tmp_path / "preview" / "cat.preview.mp4"
    assert render_video(SCRIPT, portrait, video) == recording.frame_count == 40
    assert pictures(video) == pictures(recording.video)
    assert [p.name for p in (tmp_path / "preview").iterdir()] == ["cat.preview.mp4"]


def test_render_video_into_a_missing_folder_raises_and_leaves_nothing(tmp_path: Path) -> None:
    from odyssey_dsl.emulator.render import render_video

    with pytest.raises(OSError):
        render_video(SCRIPT, False, tmp_path / "missing" / "cat.mp4")
    assert list(tmp_path.iterdir()) == []


@st.composite
def forests(draw: st.DrawFn) -> tuple[list[Scene], list[int]]:
    """Scripts each continuing none or an earlier-drawn one (so no cycle), shuffled into any
    file order, and some of them wanted."""
    count = draw(st.integers(1, 12))
    parents: list[int | None] = [None]
    for k in range(1, count):
        parents.append(draw(st.none() | st.integers(0, k - 1)))
    order = draw(st.permutations(range(count)))  # order[k]: where drawn script k is written
    after: list[int | None] = [None] * count
    for k, parent in enumerate(parents):
        after[order[k]] = None if parent is None else order[parent]
    scenes = [Scene(i, f"s{i}", 1000, after=after[i]) for i in range(count)]
    wanted = draw(st.lists(st.integers(0, count - 1), min_size=1, unique=True))
    return scenes, wanted


@given(forests())
def test_each_script_is_rendered_once_after_the_chain_it_continues(forest: tuple[list[Scene], list[int]]) -> None:
    scenes, wanted = forest
    order = _parents_first(scenes, wanted)
    needed = set()
    for index in wanted:
        j: int | None = index
        while j is not None:
            needed.add(j)
            j = scenes[j].after
    assert sorted(order) == sorted(needed)  # each once, nothing more
    for position, index in enumerate(order):
        parent = scenes[index].after
        assert parent is None or order.index(parent) < position


def test_render_video_refuses_a_fifo_and_leaves_it_a_fifo(tmp_path: Path) -> None:
    """An MP4 is finished by seeking back: a FIFO (or a device) is never written nor replaced."""
    from odyssey_dsl._support.files import NotRegularFile
    from odyssey_dsl.emulator.render import render_video

    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "cat.mp4").symlink_to(tmp_path / "pipe")
    for video in (tmp_path / "pipe", tmp_path / "cat.mp4"):
        with pytest.raises(NotRegularFile, match=r"not a regular file \(a FIFO\)"):
            render_video(SCRIPT, False, video)
    assert stat.S_ISFIFO((tmp_path / "pipe").lstat().st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cat.mp4", "pipe"]
