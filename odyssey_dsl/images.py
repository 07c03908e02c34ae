"""Image inspection and data URLs for `start` cues.

The video API takes a start image only as ``data:<mime>;base64,<payload>`` and
rejects anything over 25 MiB or of a type it does not know. Checking that here
lets the compiler (and an editor, on every keystroke) report the problem at the
cue instead of after an upload. The type is decided from magic bytes, never
from the file name, because the API decodes the bytes, not the name.

Nothing here raises on bad input: every failure is an ``ImageProblem``.
"""

from __future__ import annotations

import binascii
import math
import os
import pathlib
import re
import stat
from typing import Literal, NamedTuple

MAX_IMAGE_BYTES: int = 25 * 1024 * 1024
SNIFF_BYTES: int = 64
"""Enough for every signature, including an ISO BMFF ``ftyp`` box with up to
twelve compatible brands."""

_NAMES: dict[str, str] = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/gif": "GIF",
    "image/webp": "WebP",
    "image/heic": "HEIC",
    "image/heif": "HEIF",
    "image/avif": "AVIF",
    "image/bmp": "BMP",
}
MIME_TYPES: tuple[str, ...] = tuple(_NAMES)

_MIB = 1024 * 1024
_NOT_ACCEPTED = f"not an image type the API takes ({', '.join(_NAMES.values())})"
_DATA_URL_FORM = "malformed data URL: expected data:<type>;base64,<data>"
# The header (`data:<mime>;base64`) is short; looking for its comma only this
# far keeps a huge payload without one from being scanned.
_MAX_HEADER = 256
_MIME_RE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*")

# ISO BMFF brands (HEIF family). `mif1`/`msf1` only say "some HEIF image", so
# for them the compatible brands decide whether the codec is AV1 or HEVC.
_SPECIFIC_BRANDS: dict[bytes, str] = {
    b"avif": "image/avif",
    b"avis": "image/avif",
    b"heic": "image/heic",
    b"heix": "image/heic",
    b"hevc": "image/heic",
    b"hevx": "image/heic",
    b"heim": "image/heic",
    b"heis": "image/heic",
}
_GENERIC_BRANDS = frozenset({b"mif1", b"msf1"})
# Sizes of the BMP info headers in use (CORE, OS/2 short, INFO, V2..V5).
_BMP_INFO_SIZES = frozenset({12, 16, 40, 52, 56, 64, 108, 124})


class ImageProblem(NamedTuple):
    """Why an image cannot be sent, in words fit for a diagnostic."""

    message: str
    help: str | None


def sniff(head: bytes) -> str | None:
    """Return the mime type the leading bytes announce, or None if not accepted.

    Give it at least ``SNIFF_BYTES`` bytes when the file has that many.
    """
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp":
        return _sniff_bmff(head)
    # "BM" alone also starts plenty of text; the info header size is a second, independent check.
    if head.startswith(b"BM") and len(head) >= 18 and int.from_bytes(head[14:18], "little") in _BMP_INFO_SIZES:
        return "image/bmp"
    return None


def _sniff_bmff(head: bytes) -> str | None:
    """Classify an ISO BMFF file by its ``ftyp`` box.

    A specific major brand wins. A generic major brand (mif1/msf1) is narrowed
    by the first specific brand in its compatible list, because encoders such
    as libavif write ``mif1`` + ``avif`` and the API should hear the real codec;
    with no specific brand it is plain HEIF. Other major brands (mp4 video...)
    are not images.
    """
    size = int.from_bytes(head[:4], "big")
    if size < 16 or len(head) < 16:
        return None
    major = head[8:12]
    if major in _SPECIFIC_BRANDS:
        return _SPECIFIC_BRANDS[major]
    if major not in _GENERIC_BRANDS:
        return None
    end = min(size, len(head))
    for offset in range(16, end - 3, 4):
        brand = head[offset : offset + 4]
        if brand in _SPECIFIC_BRANDS:
            return _SPECIFIC_BRANDS[brand]
    return "image/heif"


def image_path(ref: str, base_dir: pathlib.Path) -> pathlib.Path:
    """Where an image path points: `~/...` (or `~`) starts from the home folder, as in a shell;
    anything else from `base_dir`, the screenplay's folder. When the home folder cannot be
    told, the path is left as written, and the file is reported missing where it was looked for."""
    if ref == "~" or ref.startswith(("~/", "~" + os.sep)):
        try:
            return pathlib.Path(ref).expanduser()
        except RuntimeError:
            pass
    return base_dir / ref


def is_data_url(ref: str) -> bool:
    """Tell an inline image from a file path (the scheme is case-insensitive)."""
    return ref[:5].lower() == "data:"


def inspect_file(path: pathlib.Path) -> str | ImageProblem:
    """Return the file's mime type or a problem, reading only its first bytes.

    Cheap enough to run while the user types: size comes from ``stat``.
    """
    checked = _read_image(path, SNIFF_BYTES)
    return checked if isinstance(checked, ImageProblem) else checked[0]


def data_url(path: pathlib.Path) -> str | ImageProblem:
    """Read the whole file and return it as a data URL with the bytes unchanged."""
    checked = _read_image(path, MAX_IMAGE_BYTES + 1)
    if isinstance(checked, ImageProblem):
        return checked
    mime, data = checked
    payload = binascii.b2a_base64(data, newline=False).decode("ascii")
    return f"data:{mime};base64,{payload}"


def inspect_data_url(ref: str) -> str | ImageProblem:
    """Return the declared mime type of a valid data URL, or a problem."""
    decoded = decode_data_url(ref)
    return decoded if isinstance(decoded, ImageProblem) else decoded[0]


def decode_data_url(ref: str) -> tuple[str, bytes] | ImageProblem:
    """Validate a data URL and return its (mime type, image bytes)."""
    if not is_data_url(ref):
        return ImageProblem(_DATA_URL_FORM, "a data URL starts with `data:`")
    comma = ref.find(",", 0, _MAX_HEADER)
    if comma < 0:
        return ImageProblem(_DATA_URL_FORM, "no `,` separates the header from the data")
    mime, *params = ref[5:comma].split(";")
    mime = mime.lower()
    if [p.lower() for p in params] != ["base64"]:
        return ImageProblem(_DATA_URL_FORM, _params_hint(params))
    if not _MIME_RE.fullmatch(mime):
        return ImageProblem(_DATA_URL_FORM, f"`{mime}` is not a media type")
    if mime not in _NAMES:
        return ImageProblem(
            f"data URL declares {mime}, {_NOT_ACCEPTED}",
            f"use one of: {', '.join(MIME_TYPES)}",
        )
    start = comma + 1
    length = len(ref) - start
    if not length:
        return ImageProblem("data URL has no image data", None)
    # Size from the length alone, so an oversized payload is neither copied
    # nor decoded.
    padding = next((n for n in (3, 2, 1) if ref.endswith("=" * n, start)), 0)
    size = length * 3 // 4 - min(padding, 2)
    if size > MAX_IMAGE_BYTES:
        return _too_big("data URL image", size)
    payload = ref[start:]
    # strict_mode still lets `AAAA=` and `AAAA====` through, hence the
    # explicit length and padding check.
    if length % 4 or padding > 2:
        return _bad_base64(payload)
    try:
        data = binascii.a2b_base64(payload, strict_mode=True)
    except ValueError:  # binascii.Error, or non-ASCII text
        return _bad_base64(payload)
    actual = sniff(data[:SNIFF_BYTES])
    if actual != mime:
        looks = f"are {_NAMES[actual]}" if actual else "are not an image type the API takes"
        return ImageProblem(f"data URL declares {mime} but the bytes {looks}", None)
    return mime, data


def _params_hint(params: list[str]) -> str:
    """Say what is wrong with the parameters of a data URL header."""
    extra = [p for p in params if p.lower() != "base64"]
    if extra:
        return f"parameters such as `{extra[0]}` are not accepted"
    if params:
        return "`;base64` must appear exactly once"
    return "only base64 data is accepted: add `;base64` after the type"


def _bad_base64(payload: str) -> ImageProblem:
    """Report invalid base64, pointing at the usual culprit."""
    hint = None
    if any(c.isspace() for c in payload):
        hint = "remove the spaces and line breaks from the data"
    elif len(payload) % 4 or payload.endswith("==="):
        hint = "base64 comes in groups of 4 characters; only the last may end in `=` or `==`"
    return ImageProblem("data URL payload is not valid base64", hint)


def _read_image(path: pathlib.Path, limit: int) -> tuple[str, bytes] | ImageProblem:
    """Check a file and read at most ``limit`` bytes of it.

    ``stat`` comes first so that a directory, a FIFO (which would block an
    editor) or an oversized file is refused without opening it; the length of
    what was read is checked again because the file may have changed since.
    """
    name = path.name or str(path)
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            return ImageProblem(f"image path is a folder, not a file: {name}", None)
        if not stat.S_ISREG(info.st_mode):
            return ImageProblem(f"image path is not a regular file: {name}", None)
        if info.st_size > MAX_IMAGE_BYTES:
            return _too_big(f"image {name}", info.st_size)
        with path.open("rb") as file:
            data = file.read(limit)
    except FileNotFoundError:
        return ImageProblem(f"image file not found: {name}", f"looked in {_folder(path)}")
    except (OSError, ValueError) as error:  # ValueError: a NUL in the path
        reason = error.strerror if isinstance(error, OSError) and error.strerror else error
        return ImageProblem(f"cannot read image {name}: {reason}", None)
    if len(data) > MAX_IMAGE_BYTES:
        return _too_big(f"image {name}", len(data))
    if not data:
        return ImageProblem(f"image file is empty: {name}", None)
    mime = sniff(data[:SNIFF_BYTES])
    if mime is None:
        return ImageProblem(f"{name} is {_NOT_ACCEPTED}", None)
    return mime, data


def _folder(path: pathlib.Path) -> pathlib.Path:
    """The folder a path points into, absolute unless the current one is gone."""
    try:
        return path.absolute().parent
    except OSError:
        return path.parent


def _too_big(what: str, size: int) -> ImageProblem:
    """Report an oversized image; MiB rounded up so 25 MiB + 1 byte shows 25.1."""
    mib = math.ceil(size * 10 / _MIB) / 10
    return ImageProblem(
        f"{what} is {mib:.1f} MiB, over the API's {MAX_IMAGE_BYTES // _MIB} MiB limit",
        None,
    )


#: How far into a file its size is looked for: a JPEG's frame header comes after its EXIF data
#: (with a thumbnail, tens of KiB), a HEIF's after its item boxes.
SIZE_BYTES = 256 * 1024
_JPEG_FRAMES = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}  # SOFn: they hold the size


def data_url_size(ref: str) -> tuple[int, int] | None:
    """(width, height) of a data URL's image, from the start of its payload only."""
    comma = ref.find(",", 0, _MAX_HEADER)
    if comma < 0:
        return None
    try:
        head = binascii.a2b_base64(ref[comma + 1:comma + 1 + SIZE_BYTES // 3 * 4])
    except ValueError:  # binascii.Error, or non-ASCII text
        return None
    return image_size(head)


def size_of(path: pathlib.Path) -> tuple[int, int] | None:
    """(width, height) of an image file as it is shown, read from its header; None when it
    cannot be read or told (read as every image is, so a FIFO or a folder is never opened)."""
    read = _read_image(path, SIZE_BYTES)
    return None if isinstance(read, ImageProblem) else image_size(read[1])


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of the image whose first bytes are `data`, turned as an EXIF orientation
    or a HEIF rotation says it is shown; None when the header does not tell."""
    mime = sniff(data[:SNIFF_BYTES])
    size: tuple[int, int] | None = None
    if mime == "image/png" and len(data) >= 24:
        size = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    elif mime == "image/gif" and len(data) >= 10:
        size = int.from_bytes(data[6:8], "little"), int.from_bytes(data[8:10], "little")
    elif mime == "image/bmp" and len(data) >= 26:
        if int.from_bytes(data[14:18], "little") == 12:
            size = int.from_bytes(data[18:20], "little"), int.from_bytes(data[20:22], "little")
        else:
            size = abs(int.from_bytes(data[18:22], "little", signed=True)), abs(int.from_bytes(data[22:26], "little",
                                                                                                signed=True))
    elif mime == "image/webp":
        size = _webp_size(data)
    elif mime == "image/jpeg":
        size = _jpeg_size(data)
    elif mime is not None:  # the HEIF family
        size = _heif_size(data)
    return size if size is not None and all(size) else None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    kind = data[12:16]
    if kind == b"VP8 " and len(data) >= 30:
        return int.from_bytes(data[26:28], "little") & 0x3FFF, int.from_bytes(data[28:30], "little") & 0x3FFF
    if kind == b"VP8L" and len(data) >= 25:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if kind == b"VP8X" and len(data) >= 30:
        return int.from_bytes(data[24:27], "little") + 1, int.from_bytes(data[27:30], "little") + 1
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    """Walk the JPEG's segments to its frame header; an EXIF orientation of 5–8 turns it."""
    at, turned = 2, False
    while at + 9 <= len(data) and data[at] == 0xFF:
        marker = data[at + 1]
        if marker == 0xFF:  # padding
            at += 1
            continue
        length = int.from_bytes(data[at + 2:at + 4], "big")
        if marker == 0xE1 and data[at + 4:at + 10] == b"Exif\0\0":
            turned = _exif_orientation(data[at + 10:at + 2 + length]) in (5, 6, 7, 8)
        elif marker in _JPEG_FRAMES:
            height, width = int.from_bytes(data[at + 5:at + 7], "big"), int.from_bytes(data[at + 7:at + 9], "big")
            return (height, width) if turned else (width, height)
        at += 2 + length
    return None


def _exif_orientation(tiff: bytes) -> int | None:
    """The orientation tag (0x0112) of an EXIF block's first directory."""
    endian: Literal["little", "big"]
    if tiff[:2] == b"II":
        endian = "little"
    elif tiff[:2] == b"MM":
        endian = "big"
    else:
        return None
    start = int.from_bytes(tiff[4:8], endian)
    count = int.from_bytes(tiff[start:start + 2], endian)
    for entry in range(start + 2, min(start + 2 + 12 * count, len(tiff) - 11), 12):
        if int.from_bytes(tiff[entry:entry + 2], endian) == 0x0112:
            return int.from_bytes(tiff[entry + 8:entry + 10], endian)
    return None


def _heif_size(data: bytes) -> tuple[int, int] | None:
    """The largest `ispe` (image spatial extents) box: the primary image, not a thumbnail; an
    `irot` of 90° or 270° turns it."""
    sizes = []
    for match in re.finditer(b"ispe", data):
        body = data[match.end() + 4:match.end() + 12]
        if len(body) == 8:
            sizes.append((int.from_bytes(body[:4], "big"), int.from_bytes(body[4:], "big")))
    if not sizes:
        return None
    width, height = max(sizes, key=lambda size: size[0] * size[1])
    rotation = data.find(b"irot")
    turned = rotation >= 0 and rotation + 4 < len(data) and data[rotation + 4] & 3 in (1, 3)
    return (height, width) if turned else (width, height)
