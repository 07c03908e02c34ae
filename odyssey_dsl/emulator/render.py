"""Recordings of the emulator: a video that shows a script's timing, and its companions.

Odyssey answers a stream with a generated video; the emulator cannot imagine a world, so it
records what a person testing against it needs to see instead: which cue is active at each
frame, the time, and where the screenplay stands. The video has the real container, codec,
frame rate and duration (the script's `end`, to the frame), so a client's downloads, probes
and players meet the same kind of file the service returns.

Drawing is split so that rendering stays cheap: each cue's still layer (background, labels,
wrapped prompt, the timeline of every cue) is drawn once; a frame is that layer plus its
time and the progress bar. A cue shows from its `frame` (its time rounded to the nearest
frame, the same rounding as the video's length), so the video and the events file agree.
Files are written under temporary names and renamed at the end, so a crash mid-render
leaves nothing under the final names. docs/emulator-recordings.md describes the result;
`render_video` writes the same video alone, for `ody preview` (docs/preview.md).
"""

from __future__ import annotations

import io
import json
import os
import secrets
import struct
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import av
from av.video.reformatter import VideoReformatter
from PIL import Image, ImageDraw, ImageFont, ImageOps

from .._support.files import hidden_beside, refuse_special, replaced
from ..api import ACTIONS
from ..images import ImageProblem, decode_data_url
from .settings import MIN_PADDING

FPS = 25
LANDSCAPE = (640, 352)  # half of the API's 1280x704
PORTRAIT = (352, 640)
PREVIEW_SECONDS = 3
EVENTS_VERSION = 1

_PRESET = "ultrafast"  # the frames are flat graphics: quality is fine, and speed matters
_MP4 = {"movflags": "+faststart"}  # the index first, so a player starts before the download ends
_MAX_IMAGE_PIXELS = 50_000_000  # a start image larger than this is not decoded (memory, time)
_MAX_PROMPT_CHARS = 2_000  # more than fits at the smallest size: the rest would be cut anyway
_PROMPT_SIZES = (30, 26, 22, 19, 16, 14)  # tried in order until the prompt fits
_PAD = 20
_CLOCK_SIZE = 26
_BAR = 10

_INK = (245, 246, 250)
_MUTED = (176, 182, 196)
_DARK = (14, 16, 22)
_TICK = (220, 224, 235)
_TRACK = (48, 52, 64)
_START = (86, 204, 140)
_INTERACT = ((110, 168, 255), (255, 176, 87), (214, 130, 255), (255, 112, 134))
_ASCII_LIKE = {"Pd": "-", "Pi": '"', "Pf": '"'}  # dashes and quotes the font lacks
_BOX_32_BIT = 0xFFFF_FFFF  # the largest box whose size fits its 32-bit header


@dataclass(frozen=True)
class Recording:
    """The four files of one rendered stream and the numbers a job listing reports."""

    video: Path
    thumbnail: Path
    preview: Path
    events: Path
    frame_count: int
    duration_seconds: float
    width: int
    height: int


@dataclass(frozen=True)
class _Cue:
    index: int
    action: str  # "start" | "interact" | "end"
    timestamp_ms: int
    frame: int
    prompt: str | None
    image: str | None


def frame_of(timestamp_ms: int) -> int:
    """The frame a time falls on: the same rounding as the video's length, so they agree."""
    return round(timestamp_ms * FPS / 1000)


def render(entries: list[dict[str, Any]], portrait: bool, out_dir: Path, stem: str, padding: int = 0) -> Recording:
    """Render one script into `<out_dir>/<stem>` + `.mp4`, `.thumbnail.jpg`, `.preview.mp4`
    and `.events.json`, and describe them.

    `entries` is the script as the API takes it (`start` at 0, then `interact`s, then `end`),
    already validated by the caller. The files are written under temporary names and renamed
    at the end, so a crash mid-render leaves no file under the final names. A start image
    that cannot be read is skipped, never an error. `padding` (0, or at least 8) makes the
    video that many bytes larger with a trailing `free` box (see `_pad`); the preview is not.
    """
    if not stem or Path(stem).name != stem or stem in (".", ".."):
        raise ValueError(f"stem must be a plain file name, not {stem!r}")
    if padding != 0 and padding < MIN_PADDING:
        raise ValueError(f"padding must be 0 or at least {MIN_PADDING} bytes, not {padding}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    cues = _cues(entries)
    frame_count = _frame_count(cues)
    width, height = PORTRAIT if portrait else LANDSCAPE
    recording = Recording(
        video=out_dir / f"{stem}.mp4",
        thumbnail=out_dir / f"{stem}.thumbnail.jpg",
        preview=out_dir / f"{stem}.preview.mp4",
        events=out_dir / f"{stem}.events.json",
        frame_count=frame_count,
        duration_seconds=frame_count / FPS,
        width=width,
        height=height,
    )
    # The events file is renamed last: when it exists, so do the other three.
    finals = [recording.video, recording.preview, recording.thumbnail, recording.events]
    token = secrets.token_hex(4)
    temps = [out_dir / hidden_beside(p.name, f"{token}.part") for p in finals]
    try:
        scene = _Scene(cues, frame_count, (width, height))
        _encode(scene, temps[0])
        _cut(temps[0], temps[1], min(frame_count, PREVIEW_SECONDS * FPS))
        if padding:
            _pad(temps[0], padding)
        scene.thumbnail().save(temps[2], format="JPEG", quality=85)
        temps[3].write_bytes(_events_json(cues, recording))
        for temp in temps:
            _fsync(temp)
        for temp, final in zip(temps, finals):
            os.replace(temp, final)
        _fsync(out_dir)
    finally:
        for temp in temps:
            temp.unlink(missing_ok=True)
    return recording


def render_video(entries: list[dict[str, Any]], portrait: bool, video: Path) -> int:
    """Render one script's video alone into `video` (`ody preview`, which needs no thumbnail,
    cut or events file) and return its frame count: the same frames as `render`'s video.

    It is written under a temporary name beside `video` and renamed over it at the end, so a
    crash, a full disk or Ctrl-C mid-render leaves `video` as it was (an earlier preview a
    player may be showing), never half written. The folder must exist. A symlink stays a link,
    as `write_atomic` keeps it (the captions beside it): the file it points to is replaced.

    A FIFO, a device or a socket at `video` (or where its link points) raises NotRegularFile,
    before and again after encoding, and is left as it is: replacing it would put a file in
    place of `/dev/null` (as root), and writing into it cannot work, since an MP4 is finished by
    seeking back (faststart moves the index to the front in a second pass)."""
    refuse_special(Path(video))
    target = replaced(Path(video))
    cues = _cues(entries)
    frame_count = _frame_count(cues)
    temp = target.parent / hidden_beside(target.name, f"{secrets.token_hex(4)}.part")
    try:
        _encode(_Scene(cues, frame_count, PORTRAIT if portrait else LANDSCAPE), temp)
        _fsync(temp)
        refuse_special(Path(video))  # made meanwhile
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)
    return frame_count


def _frame_count(cues: list[_Cue]) -> int:
    """The video's length: up to the `end`'s frame, and at least one frame."""
    return max(1, frame_of(cues[-1].timestamp_ms))


def _cues(entries: list[dict[str, Any]]) -> list[_Cue]:
    """The script as cues; the caller validated it, so only the shape is relied on."""
    cues = []
    for index, entry in enumerate(entries):
        action = next(k for k in ACTIONS if k in entry)
        body = entry[action] or {}
        prompt = None if action == "end" else str(body.get("prompt", ""))
        image = body.get("image") if action == "start" else None
        ms = int(entry["timestamp_ms"])
        cues.append(_Cue(index, action, ms, frame_of(ms), prompt, image if isinstance(image, str) else None))
    return cues


def _events_json(cues: list[_Cue], recording: Recording) -> bytes:
    """The cue list as docs/emulator-recordings.md describes it, in UTF-8.

    A prompt may hold a lone surrogate (JSON allows `"\\ud83d"`), which UTF-8 cannot encode;
    `backslashreplace` writes it as `\\ud83d`, which is the JSON escape for it, so the file
    stays valid JSON and gives back the same string."""
    listed = []
    for cue in cues:
        item: dict[str, object] = {"index": cue.index, "action": cue.action,
                                   "timestamp_ms": cue.timestamp_ms, "frame": cue.frame}
        if cue.action != "end":
            item["prompt"] = cue.prompt
        if cue.action == "start":
            item["has_image"] = cue.image is not None
        listed.append(item)
    text = json.dumps({"version": EVENTS_VERSION, "fps": FPS, "width": recording.width,
                       "height": recording.height, "frame_count": recording.frame_count,
                       "duration_seconds": recording.duration_seconds, "cues": listed},
                      indent=2, ensure_ascii=False)
    return (text + "\n").encode("utf-8", "backslashreplace")


def _encode(scene: _Scene, video: Path) -> None:
    """Encode every frame into an H.264 MP4."""
    with _Writer(video, scene.size) as main:
        for i, frame in enumerate(scene.video_frames()):
            frame.pts = i
            frame.time_base = Fraction(1, FPS)
            main.write(frame)


def _cut(video: Path, preview: Path, frames: int) -> None:
    """The preview is the video's first `frames` packets, copied, not encoded again. That is
    a clean cut because the encoder makes no B-frames (packets come in display order) and
    the first packet is a key frame."""
    with av.open(str(video)) as source, av.open(str(preview), "w", format="mp4", options=_MP4) as target:
        inp = source.streams.video[0]
        out = target.add_stream_from_template(inp)
        for packet in source.demux(inp):
            if packet.dts is None or packet.pts is None:
                continue  # the demuxer's empty end-of-stream packet
            if packet.pts * packet.time_base >= Fraction(frames, FPS):
                break
            packet.stream = out
            target.mux(packet)


def _pad(video: Path, padding: int) -> None:
    """Append a `free` box of `padding` bytes, which players and demuxers skip (ISO/IEC 14496-12):
    the file stays the same video, only larger. A `free` box's content means nothing, so the
    file is extended rather than written: no memory or time whatever the size, and no disk on
    a filesystem with sparse files. Past 4 GiB the box header takes its 64-bit form."""
    if padding <= _BOX_32_BIT:
        header = struct.pack(">I4s", padding, b"free")
    else:
        header = struct.pack(">I4sQ", 1, b"free", padding)  # size 1: the real size follows
    with open(video, "r+b") as f:
        end = f.seek(0, os.SEEK_END)
        f.write(header)
        f.truncate(end + padding)


class _Writer:
    """An H.264 MP4 being written."""

    def __init__(self, path: Path, size: tuple[int, int]) -> None:
        self._container = av.open(str(path), "w", format="mp4", options=_MP4)
        self._stream = self._container.add_stream("libx264", rate=FPS, options={"preset": _PRESET})
        self._stream.width, self._stream.height = size
        self._stream.pix_fmt = "yuv420p"
        self._stream.codec_context.max_b_frames = 0  # ultrafast makes none; `_cut` relies on it

    def write(self, frame: av.VideoFrame) -> None:
        self._container.mux(self._stream.encode(frame))

    def __enter__(self) -> _Writer:
        return self

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        try:
            if kind is None:
                self._container.mux(self._stream.encode(None))  # flush the encoder
        finally:
            self._container.close()


def _compact(plane: av.video.plane.VideoPlane) -> bytes:
    """A YUV plane's rows without the padding some builds add at the end of each row."""
    data = bytes(plane)
    if plane.line_size == plane.width:
        return data
    return b"".join(data[r * plane.line_size:r * plane.line_size + plane.width] for r in range(plane.height))


def _load(plane: av.video.plane.VideoPlane, rows: bytes) -> None:
    """Fill a YUV plane from unpadded rows."""
    if plane.line_size != plane.width:
        pad = bytes(plane.line_size - plane.width)
        rows = b"".join(rows[r * plane.width:(r + 1) * plane.width] + pad for r in range(plane.height))
    plane.update(rows)


def _fsync(path: Path) -> None:
    """Make a rename durable; skipped where a folder cannot be opened (Windows)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@dataclass(frozen=True)
class _Layer:
    """What one cue shows without the clock: the still image, its bottom band (where the clock
    and progress are drawn), and the still in YUV, converted once."""

    first_frame: int
    accent: tuple[int, int, int]
    still: Image.Image
    band: Image.Image
    tops: tuple[bytes, ...]  # the Y, U and V planes' rows above the band


class _Scene:
    """The still layer of each shown cue, and the frames drawn from them.

    Only the bottom band changes between frames of a cue, so a frame is the cue's YUV planes
    with the band's rows replaced: converting a fifth of the picture per frame instead of all
    of it is what keeps a 10-second render well under a second.
    """

    def __init__(self, cues: list[_Cue], frame_count: int, size: tuple[int, int]) -> None:
        self.size = size
        self.frame_count = frame_count
        self._cues = cues
        self._bar = (_PAD, size[1] - _PAD - _BAR, size[0] - _PAD, size[1] - _PAD)
        self._time_y = self._bar[1] - 14 - _CLOCK_SIZE
        self._band_top = (self._time_y - 6) // 2 * 2  # even: chroma rows are shared by two rows
        start = cues[0]
        picture = _picture(start.image, size) if start.image else None
        shown = [c for c in cues if c.action != "end"]
        self.layers: list[_Layer] = []
        for n, cue in enumerate(shown):
            still = self._still(cue, n, len(shown), picture, start.image is not None)
            yuv = av.VideoFrame.from_image(still).reformat(format="yuv420p")  # type: ignore[no-untyped-call]  # PyAV's stub leaves from_image unannotated
            tops = tuple(_compact(p)[:self._band_top // (1 if k == 0 else 2) * p.width]
                         for k, p in enumerate(yuv.planes))
            band = still.crop((0, self._band_top, size[0], size[1]))
            self.layers.append(_Layer(cue.frame, _accent(cue), still, band, tops))

    def video_frames(self) -> Iterator[av.VideoFrame]:
        """Every frame in order; a cue shows from its own frame (as the events file says)."""
        width, height = self.size
        convert = VideoReformatter()
        current = 0
        for i in range(self.frame_count):
            while current + 1 < len(self.layers) and self.layers[current + 1].first_frame <= i:
                current += 1
            layer = self.layers[current]
            band = layer.band.copy()
            self._draw_clock(band, i, layer.accent, self._band_top)
            band_yuv = convert.reformat(av.VideoFrame.from_image(band), format="yuv420p")  # type: ignore[no-untyped-call]  # as above
            frame = av.VideoFrame(width, height, "yuv420p")
            for plane, top, rows in zip(frame.planes, layer.tops, band_yuv.planes):
                _load(plane, top + _compact(rows))
            yield frame

    def thumbnail(self) -> Image.Image:
        """The first frame of the start cue, as a picture."""
        image = self.layers[0].still.copy()
        self._draw_clock(image, self.layers[0].first_frame, self.layers[0].accent, 0)
        return image

    def _draw_clock(self, image: Image.Image, i: int, accent: tuple[int, int, int], top: int) -> None:
        """The frame's time and the progress bar, on an image whose row 0 is row `top` of the frame."""
        x = _PAD
        for char in _clock(i * 1000 // FPS):
            sprite = _sprite(char)
            image.paste(_INK, (x, self._time_y - top), sprite)
            x += sprite.width
        draw = ImageDraw.Draw(image)
        left, bar_top, right, bar_bottom = self._bar
        filled = left + (right - left) * i // self.frame_count
        if filled > left:
            draw.rectangle((left, bar_top + 2 - top, filled, bar_bottom - 2 - top), fill=accent)

    def _still(self, cue: _Cue, n: int, shown: int, picture: Image.Image | None, had_image: bool) -> Image.Image:
        """Background, cue label, wrapped prompt, what comes next, and the timeline."""
        width, _height = self.size
        accent = _accent(cue)
        tint = Image.new("RGB", self.size, _mix(_DARK, accent, 0.2))
        image = Image.blend(picture, tint, 0.5) if picture is not None else tint
        draw = ImageDraw.Draw(image)
        # Header: the cue kind in a pill, then where it sits in the script.
        label_font, small = _font(16), _font(14)
        label = cue.action.upper()
        label_w = int(label_font.getlength(label))
        draw.rounded_rectangle((_PAD, _PAD, _PAD + label_w + 20, _PAD + 26), radius=13, fill=accent)
        draw.text((_PAD + 10, _PAD + 5), label, font=label_font, fill=_DARK)
        where = f"cue {n + 1} of {shown} - at {_clock(cue.timestamp_ms)}"
        if had_image and cue.action == "start":
            where += " - image shown" if picture is not None else " - image unreadable"
        x, y = _PAD + label_w + 32, _PAD + 6
        if x + small.getlength(where) > width - _PAD:
            x, y = _PAD, _PAD + 34
        draw.text((x, y), where, font=small, fill=_MUTED)
        # The prompt, as large as fits between the header and the clock.
        top, bottom = y + 34, self._time_y - 12
        font, lines = _fit(_readable(cue.prompt or ""), width - 2 * _PAD - 24, bottom - top - 24)
        line_h = int(font.size * 1.3)
        panel_h = line_h * len(lines) + 24
        ImageDraw.Draw(image, "RGBA").rounded_rectangle((_PAD, top, width - _PAD, top + panel_h),
                                                        radius=10, fill=(0, 0, 0, 120))
        for k, line in enumerate(lines):
            draw.text((_PAD + 12, top + 12 + k * line_h), line, font=font, fill=_INK)
        # Footer: what comes next (right) and the timeline of every cue (bottom).
        after = self._cues[cue.index + 1]  # the end is last, so every shown cue has one
        upcoming = f"next: {after.action} at {_clock(after.timestamp_ms)}"
        draw.text((width - _PAD - small.getlength(upcoming), self._time_y + 10), upcoming, font=small, fill=_MUTED)
        left, bar_top, right, bar_bottom = self._bar
        draw.rectangle(self._bar, fill=_TRACK)
        span = right - left
        end_frame = min(max(after.frame, cue.frame), self.frame_count)
        draw.rectangle((left + span * cue.frame // self.frame_count, bar_top,
                        left + span * end_frame // self.frame_count, bar_bottom), fill=_mix(_TRACK, accent, 0.45))
        for other in self._cues:
            x = left + span * min(other.frame, self.frame_count) // self.frame_count
            draw.line((x, bar_top - 5, x, bar_bottom), fill=accent if other is cue else _TICK, width=2)
        return image


def _accent(cue: _Cue) -> tuple[int, int, int]:
    """A colour per cue, so a cue change is visible at a glance."""
    return _START if cue.action == "start" else _INTERACT[(cue.index - 1) % len(_INTERACT)]


def _mix(base: tuple[int, int, int], colour: tuple[int, int, int], amount: float) -> tuple[int, int, int]:
    """`amount` of `colour` over `base`: the tinted backgrounds and the dimmed track."""
    r, g, b = (round(x + (y - x) * amount) for x, y in zip(base, colour))
    return r, g, b


def _clock(ms: int) -> str:
    """`0:04.320`: minutes, seconds and milliseconds, as a person reads a timeline."""
    return f"{ms // 60000}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"


@cache
def _font(size: int) -> ImageFont.FreeTypeFont:
    """Pillow's bundled font (CI machines have no system fonts), laid out without raqm:
    the text is already reduced to characters the font draws, and results match everywhere."""
    font = ImageFont.load_default(size=size)
    if not isinstance(font, ImageFont.FreeTypeFont):  # a Pillow built without FreeType
        raise RuntimeError("the emulator's renderer needs Pillow with FreeType support")
    return font.font_variant(layout_engine=ImageFont.Layout.BASIC)


@cache
def _sprite(char: str) -> Image.Image:
    """One character of the clock as a mask, drawn once: pasting twelve of these is much
    cheaper than laying out the clock's text on every frame."""
    font = _font(_CLOCK_SIZE)
    sprite = Image.new("L", (int(font.getlength(char)), int(_CLOCK_SIZE * 1.3)))
    ImageDraw.Draw(sprite).text((0, 0), char, font=font, fill=255)
    return sprite


@lru_cache(maxsize=4096)
def _has_glyph(char: str) -> bool:
    """Whether the font draws `char` as itself rather than its box for a missing glyph."""
    return _drawn(char) != _drawn("\uffff")  # a noncharacter: never in any font


@lru_cache(maxsize=4096)
def _drawn(char: str) -> tuple[float, bytes]:
    font = _font(16)
    return font.getlength(char), bytes(font.getmask(char))


def _readable(text: str) -> str:
    """Text the bundled font can draw: accents dropped (`é` → `e`), dashes and quotes made
    ASCII, invisible marks removed, and anything else named by code point (`[U+1F600]`)."""
    out = []
    for char in unicodedata.normalize("NFC", text[:_MAX_PROMPT_CHARS]):
        if char.isspace():
            out.append(" ")
        elif _has_glyph(char):
            out.append(char)
        else:
            category = unicodedata.category(char)
            base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
            if base and base != char and all(_has_glyph(c) for c in base):
                out.append(base)
            elif category in _ASCII_LIKE:
                out.append(_ASCII_LIKE[category])
            elif category in ("Mn", "Me", "Cf"):
                continue  # combining marks, joiners, variation selectors: nothing to see
            else:
                out.append(f" [U+{ord(char):04X}] ")  # spaced: a line may break between two
    return " ".join("".join(out).split())[:_MAX_PROMPT_CHARS]


def _fit(text: str, width: int, height: int) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    """The largest size at which the wrapped text fits; at the smallest, the overflow is cut."""
    for size in _PROMPT_SIZES:
        font = _font(size)
        lines = _wrap(text, font, width)
        rows = max(1, (height - size) // int(size * 1.3) + 1)
        if len(lines) <= rows:
            return font, lines
    kept = lines[:rows]
    while kept and font.getlength(kept[-1] + " ...") > width:
        kept[-1] = kept[-1][:-1]
    if kept:
        kept[-1] = kept[-1].rstrip() + " ..."
    return font, kept


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Greedy word wrap; a word wider than a line is split between characters."""
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        candidate = f"{line} {word}" if line else word
        if font.getlength(candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = ""
        for char in word:
            if line and font.getlength(line + char) > width:
                lines.append(line)
                line = ""
            line += char
    if line or not lines:
        lines.append(line)
    return lines


def _picture(data_url: str, size: tuple[int, int]) -> Image.Image | None:
    """The start image cropped to fill the frame, or None when it cannot be read: a broken
    image must not fail the stream (the frame then says the image was unreadable)."""
    decoded = decode_data_url(data_url)
    if isinstance(decoded, ImageProblem):
        return None
    try:
        with Image.open(io.BytesIO(decoded[1])) as opened:  # reads the header only
            if opened.width * opened.height > _MAX_IMAGE_PIXELS:
                return None
            opened.draft("RGB", size)  # a JPEG decodes at a reduced scale: much faster
            image = ImageOps.exif_transpose(opened).convert("RGBA")
            backdrop = Image.new("RGBA", image.size, (*_DARK, 255))
            flat = Image.alpha_composite(backdrop, image).convert("RGB")
        return ImageOps.fit(flat, size, method=Image.Resampling.BILINEAR)
    except Exception:
        return None
