"""The last frame of a recording, as a continuing scene's start image: on real videos the
emulator renders, the frame sent is the one a full decode ends on (within JPEG's loss), in a
data URL the API takes; a missing PyAV or a video that cannot be read ends in one message."""

from __future__ import annotations

import io
import sys
from fractions import Fraction
from pathlib import Path

import av
import pytest
from PIL import Image, ImageChops, ImageStat

from odyssey_dsl.emulator.render import Recording, render
from odyssey_dsl.errors import EXIT_API, EXIT_USAGE
from odyssey_dsl.images import MAX_IMAGE_BYTES, ImageProblem, decode_data_url
from odyssey_dsl.runner.errors import UsageError
from odyssey_dsl.runner.frames import FrameError, start_image

CLOCK_AREA = (70, 282, 140, 316)  # landscape: the clock's milliseconds, which change every frame


def recording(folder: Path, seconds: float, portrait: bool = False) -> Recording:
    """A recording of `seconds` (key frames every 10 s: more than one group of pictures)."""
    end = int(seconds * 1000)
    entries = [{"timestamp_ms": 0, "start": {"prompt": "A lighthouse at dusk"}},
               {"timestamp_ms": end // 2, "interact": {"prompt": "The lamp turns toward the sea"}},
               {"timestamp_ms": end, "end": {}}]
    return render(entries, portrait, folder, "day")


def decoded(data_url: str) -> Image.Image:
    checked = decode_data_url(data_url)
    assert not isinstance(checked, ImageProblem), checked
    mime, data = checked
    assert mime == "image/jpeg" and len(data) <= MAX_IMAGE_BYTES
    return Image.open(io.BytesIO(data)).convert("RGB")


def every_frame(video: Path) -> list[Image.Image]:
    with av.open(str(video)) as container:
        return [f.to_image() for f in container.decode(video=0)]  # type: ignore[no-untyped-call]  # PyAV's stub leaves to_image unannotated


def difference(a: Image.Image, b: Image.Image, box: tuple[int, int, int, int] | None = None) -> float:
    """Mean absolute difference (0 = the same, 255 = opposite), of a region or the whole."""
    if box is not None:
        a, b = a.crop(box), b.crop(box)
    return sum(ImageStat.Stat(ImageChops.difference(a, b)).mean) / 3


@pytest.mark.parametrize("seconds", [0.2, 1.0, 23.0, 60.0])
def test_the_frame_is_the_last_a_full_decode_gives(tmp_path: Path, seconds: float) -> None:
    video = recording(tmp_path, seconds).video
    frames = every_frame(video)
    sent = decoded(start_image(video))
    assert sent.size == frames[-1].size
    assert difference(sent, frames[-1]) < 2.0  # JPEG at quality 90 of flat graphics
    if len(frames) > 1:  # the clock's milliseconds tell the last frame from the one before
        assert difference(sent, frames[-1], CLOCK_AREA) < difference(sent, frames[-2], CLOCK_AREA)


def test_a_portrait_recording_stays_portrait(tmp_path: Path) -> None:
    video = recording(tmp_path, 2.0, portrait=True).video
    sent = decoded(start_image(video))
    assert sent.size == (352, 640) and difference(sent, every_frame(video)[-1]) < 2.0


def test_a_container_that_cannot_seek_is_decoded_whole(tmp_path: Path) -> None:
    """A raw H.264 stream has no duration to seek from: the whole stream is decoded."""
    source = recording(tmp_path, 12.0).video
    raw = tmp_path / "day.h264"
    with av.open(str(source)) as inp, av.open(str(raw), "w", format="h264") as out:
        stream = out.add_stream_from_template(inp.streams.video[0])
        for packet in inp.demux(video=0):
            if packet.dts is not None:
                packet.stream = stream
                out.mux(packet)
    assert difference(decoded(start_image(raw)), every_frame(source)[-1]) < 2.0


def test_a_frame_larger_than_the_api_keeps_is_scaled_down(tmp_path: Path) -> None:
    video = tmp_path / "big.mp4"
    with av.open(str(video), "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=25, options={"preset": "ultrafast"})
        stream.width, stream.height, stream.pix_fmt = 2560, 1408, "yuv420p"
        for i, colour in enumerate([(200, 30, 30), (30, 200, 30)]):
            frame = av.VideoFrame.from_image(Image.new("RGB", (2560, 1408), colour))  # type: ignore[no-untyped-call]
            frame.pts, frame.time_base = i, Fraction(1, 25)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    sent = decoded(start_image(video))
    assert sent.size == (1280, 704)
    red, green, blue = sent.getpixel((640, 352))  # type: ignore[misc]  # an RGB image's pixel is a triple
    assert green > 150 and red < 80 and blue < 80  # the last frame, not the first


def test_without_pyav_the_message_names_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    video = recording(tmp_path, 0.2).video
    monkeypatch.setitem(sys.modules, "av", None)  # `import av` now raises ImportError
    with pytest.raises(UsageError) as raised:
        start_image(video)
    assert raised.value.message == "continuing a scene needs the video extra"
    assert raised.value.hint == "pip install 'odyssey-dsl[video]'" and raised.value.exit_code == EXIT_USAGE


@pytest.mark.parametrize(("content", "why"), [
    (b"", "Invalid data found when processing input"),
    (b"<html>Access denied</html>" * 20, "Invalid data found when processing input"),
    ("half", "Invalid data found when processing input"),
    (None, "No such file or directory"),
], ids=["empty", "not-a-video", "truncated", "missing"])
def test_a_video_that_cannot_be_read_says_which_and_why(tmp_path: Path, content: bytes | str | None,
                                                         why: str) -> None:
    video = tmp_path / "day.mp4"
    if content == "half":
        whole = recording(tmp_path / "whole", 23.0).video.read_bytes()
        video.write_bytes(whole[:len(whole) // 2])
    elif isinstance(content, bytes):
        video.write_bytes(content)
    with pytest.raises(FrameError) as raised:
        start_image(video)
    assert raised.value.message == f"cannot read the last frame of day.mp4: {why}"
    assert raised.value.exit_code == EXIT_API and raised.value.hint is not None and "day.mp4" in raised.value.hint


def test_a_file_with_no_picture_says_so(tmp_path: Path) -> None:
    sound, empty = tmp_path / "sound.mp4", tmp_path / "empty.mp4"
    with av.open(str(sound), "w", format="mp4") as out:
        audio = out.add_stream("aac", rate=8000)
        frame = av.AudioFrame(format="fltp", layout="mono", samples=1024)
        frame.sample_rate, frame.pts = 8000, 0
        for plane in frame.planes:
            plane.update(bytes(plane.buffer_size))
        out.mux(audio.encode(frame))
        out.mux(audio.encode(None))
    with av.open(str(empty), "w", format="mp4") as out:  # a video track without a single frame
        video = out.add_stream("libx264", rate=25)
        video.width, video.height, video.pix_fmt = 64, 64, "yuv420p"
        out.start_encoding()
    for path in (sound, empty):
        with pytest.raises(FrameError, match=f"^cannot read the last frame of {path.name}: it has no video stream$"):
            start_image(path)
