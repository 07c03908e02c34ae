"""A screenplay's scripts rendered on this machine, as the emulator would record them: `ody preview`.

No server, job, key or journal: each compiled script goes straight to the emulator's renderer
(`emulator.render.render_video`: the same frames, prompt, clock, cue timeline and start image),
and its captions (`captions.py`) are written beside the video, `cat.preview.mp4` and
`cat.preview.vtt`. A scene that continues another (`scene "night" after "day"`) starts from the
last frame of that scene's preview, read as `ody run` reads a recording's
(`runner.frames.start_image`); a scene continued but not asked for (`--scene night`) is rendered
to a hidden file beside the others, read, and removed.

PyAV and Pillow (the emulator's extra) are imported only when a preview is rendered.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ._support.files import NotRegularFile, refuse_special, write_atomic
from .captions import captions, vtt

if TYPE_CHECKING:
    from .runner.journal import Scene
    from .runner.prepare import Prepared


@dataclass(frozen=True)
class Preview:
    """One script's preview: its recording name (as `ody run` names its files), its scene, the
    video and the captions written, and the video's length (the `end`, to the frame)."""

    name: str
    scene: str | None
    video: Path
    captions: Path
    duration_ms: int

    def to_json(self) -> dict[str, object]:
        """As `ody preview --json` lists it (docs/preview.md): paths absolute."""
        return {"name": self.name, "scene": self.scene, "video": str(self.video.absolute()),
                "captions": str(self.captions.absolute()), "duration_ms": self.duration_ms}


def captions_path(video: Path) -> Path:
    """The captions beside a video: its name with `.vtt` for `.mp4`."""
    return video.with_suffix(".vtt")


def render(prepared: Prepared, videos: Mapping[int, Path]) -> list[Preview]:
    """Render the scripts `videos` names (script index -> its video's path, in a folder that
    exists) with their captions, in that order, and describe them. A video is replaced only
    once complete (`render_video`); the scenes they continue are rendered first. A video or
    captions' path that is a FIFO, a device or a socket raises NotRegularFile naming it, and
    one that is a folder IsADirectoryError, before anything is rendered: both are written by
    replacement only, never into such a node (the video cannot be, `render_video`; the captions
    follow the same rule, so that an output is refused or written whole, the pair alike). A file
    that cannot be written raises OSError naming it (a video, its captions, or for a scene only
    continued, the folder)."""
    from .emulator.render import FPS, render_video
    from .runner.frames import start_image

    for asked in videos.values():
        for path in (asked, captions_path(asked)):
            refuse_special(path)
            if path.is_dir():
                raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
    made: dict[int, Path] = {}
    previews: dict[int, Preview] = {}
    hidden: list[Path] = []
    folder = next(iter(videos.values())).parent
    try:
        for index in _parents_first(prepared.every, videos):
            scene = prepared.script_scene(index)
            video = videos.get(index)
            if video is None:  # continued, not asked for
                video = folder / f".{scene.name}.{secrets.token_hex(4)}.continued.mp4"
                hidden.append(video)
            entries = prepared.scripts[index]
            image = None if scene.after is None else start_image(made[scene.after])
            script = [e.to_json() for e in entries]
            if image is not None:  # the first entry is always `start`
                script[0] = entries[0]._replace(image=image).to_json()
            with _named(videos.get(index, folder)):
                frames = render_video(script, prepared.portrait, video)
            if index in videos:
                with _named(captions_path(video)):
                    refuse_special(captions_path(video))  # made meanwhile
                    write_atomic(captions_path(video), vtt(captions(entries)))
            made[index] = video
            if index in videos:
                previews[index] = Preview(scene.name, scene.scene, video, captions_path(video), frames * 1000 // FPS)
    finally:
        for path in hidden:
            path.unlink(missing_ok=True)
    return [previews[i] for i in videos]


@contextlib.contextmanager
def _named(path: Path) -> Iterator[None]:
    """An OSError said with the path asked for, not a temporary file's beside it; a node
    refused (NotRegularFile) already names itself."""
    try:
        yield
    except NotRegularFile:
        raise
    except OSError as error:
        raise OSError(error.errno, error.strerror or str(error), str(path)) from None


def _parents_first(every: Sequence[Scene], wanted: Iterable[int]) -> list[int]:
    """The scripts to render: those wanted, each after the chain of scenes it continues (which
    may be written below it), each once."""
    order: list[int] = []
    for index in wanted:
        chain: list[int] = []
        j: int | None = index
        while j is not None and j not in order:
            chain.append(j)
            j = every[j].after
        order.extend(reversed(chain))
    return order
