"""The last frame of a recording, as the start image of the scene that continues it
(`scene "night" after "day"`).

Only the end of the video is decoded: a seek to its last second lands on the key frame before
it, and decoding from there to the end costs one group of pictures, not the whole video (for a
60 s emulator recording, 250 frames of 1,500: bench/frames_bench.py). When the container cannot
seek (no duration, a seek error, nothing decoded after it) the whole video is decoded instead.

The frame is sent as a JPEG (quality 90) no larger than 1280 px on its longer side: the API
scales every start image to 1280x704 or 704x1280 anyway, and this keeps the data URL far below
its 25 MB limit whatever the video's size.

PyAV and Pillow come with the `video` extra and are imported only here, when a scene
continues another.
"""

from __future__ import annotations

import base64
import io
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import EXIT_API
from .errors import RunnerError, UsageError

if TYPE_CHECKING:
    import av.container
    import av.video.frame
    import av.video.stream

LARGEST_SIDE = 1280  # the API's largest start image side: more is scaled away on its side
QUALITY = 90
TAIL_SECONDS = 1  # seek this far before the end: the key frame before it starts the decode


class FrameError(RunnerError):
    """A recording whose last frame cannot be read (empty, truncated, not a video). Exit 4,
    as for any answer of the API that does not fit: the file is what the server sent."""

    exit_code = EXIT_API


def require() -> None:
    """Refuse, before anything is paid for, a run with a scene to continue and no PyAV."""
    try:
        import av  # noqa: F401
        import PIL  # noqa: F401
    except ImportError:
        raise UsageError("continuing a scene needs the video extra", "pip install 'odyssey-dsl[video]'") from None


def start_image(video: Path) -> str:
    """The last frame of `video` (an MP4) as a `data:image/jpeg;base64,...` URL."""
    require()
    import av
    from PIL import Image

    try:
        frame = _from_the_tail(video)
        if frame is None:
            frame = _from_the_start(video)
    except (av.error.FFmpegError, OSError) as error:
        raise _unreadable(video, getattr(error, "strerror", None) or str(error)) from None
    if frame is None:
        raise _unreadable(video, "it has no video frame")
    image = frame.to_image()  # type: ignore[no-untyped-call]  # RGB; PyAV's stub leaves to_image unannotated
    image.thumbnail((LARGEST_SIDE, LARGEST_SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=QUALITY)
    return "data:image/jpeg;base64," + base64.b64encode(out.getvalue()).decode("ascii")


def _unreadable(video: Path, why: str) -> FrameError:
    return FrameError(f"cannot read the last frame of {video.name}: {why}",
                      f"delete {video.name} and run again to download it anew")


def _from_the_tail(video: Path) -> av.video.frame.VideoFrame | None:
    """The last frame, decoding from the key frame before the last second; None when the
    container cannot say where its end is or the seek finds nothing."""
    import av

    with av.open(str(video)) as container:
        stream = _video_stream(container, video)
        end = _end(container, stream)
        if end is None or stream.time_base is None:
            return None
        target = max(0, end - int(TAIL_SECONDS / stream.time_base))
        try:
            container.seek(target, backward=True, any_frame=False, stream=stream)
        except av.error.FFmpegError:
            return None
        return _last(container, stream)


def _from_the_start(video: Path) -> av.video.frame.VideoFrame | None:
    import av

    with av.open(str(video)) as container:
        return _last(container, _video_stream(container, video))


def _video_stream(container: av.container.InputContainer, video: Path) -> av.video.stream.VideoStream:
    if not container.streams.video:
        raise _unreadable(video, "it has no video stream")
    return container.streams.video[0]


def _end(container: av.container.InputContainer, stream: av.video.stream.VideoStream) -> int | None:
    """The stream's end in its own time base, from the stream or else the container."""
    start = stream.start_time or 0
    if stream.duration:
        return start + stream.duration
    if container.duration and stream.time_base:
        return start + int(Fraction(container.duration, 1_000_000) / stream.time_base)
    return None


def _last(container: av.container.InputContainer,
          stream: av.video.stream.VideoStream) -> av.video.frame.VideoFrame | None:
    last = None
    for frame in container.decode(stream):
        last = frame
    return last
