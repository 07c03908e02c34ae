"""The emulator's recordings: real files, probed and decoded with PyAV, opened with Pillow.

Scripts are short (a few seconds at most) so the suite stays quick.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import av
import pytest
from conftest import data_url, png_bytes
from PIL import Image, ImageChops, ImageStat

from odyssey_dsl.emulator.render import Recording, _readable, render


def script(*cues: tuple[int, str, str], end: int, image: str | None = None) -> list[dict[str, Any]]:
    """A script in the API's shape: (time, action, prompt) cues, then `end`."""
    entries: list[dict[str, Any]] = []
    for ms, action, prompt in cues:
        body: dict[str, Any] = {"prompt": prompt}
        if action == "start" and image is not None:
            body["image"] = image
        entries.append({"timestamp_ms": ms, action: body})
    return [*entries, {"timestamp_ms": end, "end": {}}]


def frames(path: Path) -> list[Image.Image]:
    with av.open(str(path)) as container:
        return [frame.to_image() for frame in container.decode(video=0)]  # type: ignore[no-untyped-call]  # PyAV's stub leaves to_image unannotated


def probe(path: Path) -> dict[str, Any]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert container.duration is not None
        return {"codec": stream.codec_context.name, "pix_fmt": stream.codec_context.pix_fmt,
                "size": (stream.width, stream.height), "frames": stream.frames,
                "seconds": container.duration / 1_000_000}


def change(a: Image.Image, b: Image.Image, box: tuple[int, int, int, int]) -> float:
    """Mean absolute difference of two frames in a region (0 = same, 255 = opposite)."""
    return sum(ImageStat.Stat(ImageChops.difference(a.crop(box), b.crop(box))).mean) / 3


PROMPT_AREA = (20, 60, 620, 200)  # landscape: below the header, above the clock
CLOCK_AREA = (70, 282, 140, 316)  # the clock's fraction of a second: `.000` in `0:00.000`


@pytest.fixture(scope="module")
def two_cues(tmp_path_factory: pytest.TempPathFactory) -> Recording:
    """Start, then an interact at 1010 ms (frame 25, rounded), ending at 1600 ms (40 frames)."""
    entries = script((0, "start", "A lighthouse at dusk"), (1010, "interact", "The lamp goes dark"), end=1600)
    return render(entries, False, tmp_path_factory.mktemp("two"), "rec")


@pytest.mark.parametrize(("end_ms", "count"), [
    (9000, 225), (1, 1), (1001, 25), (20, 1),
    (1020, 26), (1060, 26),  # 25.5 and 26.5 frames: Python's round, as the issue writes it
])
def test_frame_count_and_duration_follow_the_end(tmp_path: Path, end_ms: int, count: int) -> None:
    made = render(script((0, "start", "go"), end=end_ms), False, tmp_path, "rec")
    assert made.frame_count == count
    assert made.duration_seconds == pytest.approx(count / 25)
    found = probe(made.video)
    assert found["frames"] == count
    assert found["seconds"] == pytest.approx(count / 25, abs=1e-3)
    assert len(frames(made.video)) == count


@pytest.mark.parametrize(("portrait", "size"), [(False, (640, 352)), (True, (352, 640))])
def test_h264_at_half_the_api_size_in_each_orientation(tmp_path: Path, portrait: bool, size: tuple[int, int]) -> None:
    made = render(script((0, "start", "go"), end=200), portrait, tmp_path, "rec")
    assert (made.width, made.height) == size
    assert probe(made.video) | {"frames": None, "seconds": None} == {
        "codec": "h264", "pix_fmt": "yuv420p", "size": size, "frames": None, "seconds": None}
    with Image.open(made.thumbnail) as thumbnail:
        assert thumbnail.format == "JPEG"
        assert thumbnail.size == size
    assert probe(made.preview)["size"] == size


def test_the_four_files_are_named_after_the_stem_and_nothing_else_is_left(two_cues: Recording) -> None:
    folder = two_cues.video.parent
    assert sorted(p.name for p in folder.iterdir()) == [
        "rec.events.json", "rec.mp4", "rec.preview.mp4", "rec.thumbnail.jpg"]
    assert (two_cues.video, two_cues.thumbnail, two_cues.preview, two_cues.events) == (
        folder / "rec.mp4", folder / "rec.thumbnail.jpg", folder / "rec.preview.mp4", folder / "rec.events.json")


def test_the_preview_is_the_first_three_seconds(tmp_path: Path) -> None:
    long = render(script((0, "start", "go"), end=4000), False, tmp_path, "long")
    assert (probe(long.preview)["frames"], probe(long.preview)["seconds"]) == (75, pytest.approx(3.0, abs=1e-3))
    short = render(script((0, "start", "go"), end=1001), False, tmp_path, "short")
    assert probe(short.preview)["frames"] == 25
    assert probe(short.preview)["seconds"] == pytest.approx(1.0, abs=1e-3)
    # Cut from the video, so its frames are the video's first ones.
    assert change(frames(long.preview)[74], frames(long.video)[74], (0, 0, 640, 352)) < 1


def test_events_list_every_cue_with_its_frame(two_cues: Recording) -> None:
    events = json.loads(two_cues.events.read_text(encoding="utf-8"))
    assert events == {
        "version": 1, "fps": 25, "width": 640, "height": 352, "frame_count": 40, "duration_seconds": 1.6,
        "cues": [
            {"index": 0, "action": "start", "timestamp_ms": 0, "frame": 0,
             "prompt": "A lighthouse at dusk", "has_image": False},
            {"index": 1, "action": "interact", "timestamp_ms": 1010, "frame": 25, "prompt": "The lamp goes dark"},
            {"index": 2, "action": "end", "timestamp_ms": 1600, "frame": 40},
        ],
    }


def test_a_cue_shows_from_its_frame_and_the_clock_runs(two_cues: Recording) -> None:
    video = frames(two_cues.video)
    assert change(video[0], video[24], PROMPT_AREA) < 2  # still the start's prompt
    assert change(video[24], video[25], PROMPT_AREA) > 10  # the interact, at its rounded frame
    assert change(video[25], video[39], PROMPT_AREA) < 2
    assert change(video[0], video[1], CLOCK_AREA) > 5  # 0:00.000 then 0:00.040
    assert change(video[0], video[10], CLOCK_AREA) > 5  # 0:00.400


def test_the_thumbnail_is_the_start(two_cues: Recording) -> None:
    video = frames(two_cues.video)
    with Image.open(two_cues.thumbnail) as thumbnail:
        shown = thumbnail.convert("RGB")
    assert change(shown, video[0], PROMPT_AREA) < change(shown, video[30], PROMPT_AREA)


def test_text_the_font_cannot_draw_renders(tmp_path: Path) -> None:
    hard = "Rocket 🚀👨‍👩‍👧 over 東京 \x07\x00\u202e tab\there\nnew line \ud83d lone, café – “ok” " + "长" * 400
    made = render(script((0, "start", hard), (600, "interact", "🙂" * 300), end=1000), True, tmp_path, "rec")
    assert len(frames(made.video)) == 25
    assert json.loads(made.events.read_text(encoding="utf-8"))["cues"][0]["prompt"] == hard


def test_unknown_characters_become_readable_text() -> None:
    assert _readable("café – “ok”") == "cafe - “ok”"  # accents dropped, dash made ASCII
    assert _readable("hi 😀!") == "hi [U+1F600] !"
    assert _readable("👨\u200d👩") == "[U+1F468] [U+1F469]"  # the joiner draws nothing
    assert _readable("a\tb\n\nc\x07") == "a b c [U+0007]"
    assert _readable("Ｗｉｄｅ") == "Wide"


@pytest.mark.parametrize("image", [
    data_url("image/png", b"\x89PNG\r\n\x1a\n" + b"not really a png" * 4),  # right magic, broken body
    "data:image/png;base64,%%%not-base64%%%",
    data_url("image/jpeg", png_bytes(4, 4)),  # the declared type lies
])
def test_a_broken_start_image_is_skipped(tmp_path: Path, image: str) -> None:
    made = render(script((0, "start", "go"), end=400, image=image), False, tmp_path, "rec")
    assert probe(made.video)["frames"] == 10
    assert json.loads(made.events.read_text(encoding="utf-8"))["cues"][0]["has_image"] is True


def test_the_start_image_is_the_background(tmp_path: Path) -> None:
    red = render(script((0, "start", "go"), end=200, image=data_url("image/png", png_bytes(32, 18))),
                 False, tmp_path, "red")
    plain = render(script((0, "start", "go"), end=200), False, tmp_path, "plain")
    corner = (300, 230, 620, 270)  # background only: right of the prompt panel, above the clock
    r, g, b = ImageStat.Stat(frames(red.video)[0].crop(corner)).mean
    assert r > g + 40 and r > b + 40
    assert change(frames(red.video)[0], frames(plain.video)[0], corner) > 20


def test_a_failed_render_leaves_no_file(tmp_path: Path) -> None:
    (tmp_path / "rec.mp4").mkdir()  # the video cannot be renamed into place
    with pytest.raises(OSError):
        render(script((0, "start", "go"), end=200), False, tmp_path, "rec")
    assert [p.name for p in tmp_path.iterdir()] == ["rec.mp4"]


@pytest.mark.parametrize("stem", ["", "../x", "a/b", ".."])
def test_the_stem_is_a_plain_name(tmp_path: Path, stem: str) -> None:
    with pytest.raises(ValueError):
        render(script((0, "start", "go"), end=200), False, tmp_path, stem)
