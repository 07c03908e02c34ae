"""Tests for odyssey_dsl.images: sniffing, file checks and data URLs."""

from __future__ import annotations

import base64
import io
import os
import pathlib
import struct
import zlib
from typing import Any, BinaryIO, cast

import pytest
from hypothesis import given
from hypothesis import strategies as st

from odyssey_dsl.images import (
    MAX_IMAGE_BYTES,
    MIME_TYPES,
    SNIFF_BYTES,
    ImageProblem,
    data_url,
    decode_data_url,
    image_path,
    image_size,
    inspect_data_url,
    inspect_file,
    is_data_url,
    size_of,
    sniff,
)


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    """A PNG chunk: length, type, data, CRC-32 over type and data."""
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def make_png(width: int = 2, height: int = 2) -> bytes:
    """A valid 8-bit greyscale PNG: signature, IHDR, one IDAT, IEND."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = b"".join(b"\x00" + bytes(range(width)) for _ in range(height))  # filter 0 per row
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", zlib.compress(rows))
        + _png_chunk(b"IEND", b"")
    )


def make_jpeg() -> bytes:
    """SOI marker followed by a JFIF APP0 segment."""
    app0 = b"JFIF\x00" + bytes([1, 1, 0]) + struct.pack(">HH", 1, 1) + b"\x00\x00"
    return b"\xff\xd8" + b"\xff\xe0" + struct.pack(">H", len(app0) + 2) + app0


def make_gif(version: bytes = b"89a") -> bytes:
    """GIF header and a 1x1 logical screen descriptor, then the trailer."""
    return b"GIF" + version + struct.pack("<HHBBB", 1, 1, 0, 0, 0) + b";"


def make_webp() -> bytes:
    """A RIFF container of form WEBP holding an empty VP8L chunk header."""
    body = b"WEBP" + b"VP8L" + struct.pack("<I", 0)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def make_ftyp(major: bytes, *compatible: bytes) -> bytes:
    """An ISO BMFF `ftyp` box: size, type, major brand, minor version, brands."""
    body = major + struct.pack(">I", 0) + b"".join(compatible)
    return struct.pack(">I", 8 + len(body)) + b"ftyp" + body


def make_bmp() -> bytes:
    """A 1x1 24-bit BMP: file header, BITMAPINFOHEADER, one padded pixel row."""
    info = struct.pack("<IiiHHIIiiII", 40, 1, 1, 1, 24, 0, 4, 2835, 2835, 0, 0)
    pixels = b"\x00\x00\xff\x00"
    offset = 14 + len(info)
    return b"BM" + struct.pack("<IHHI", offset + len(pixels), 0, 0, offset) + info + pixels


def as_url(mime: str, data: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


# --- sniff ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "mime"),
    [
        (make_jpeg(), "image/jpeg"),
        (make_png(), "image/png"),
        (make_gif(b"87a"), "image/gif"),
        (make_gif(b"89a"), "image/gif"),
        (make_webp(), "image/webp"),
        (make_bmp(), "image/bmp"),
        (make_ftyp(b"avif", b"mif1", b"miaf"), "image/avif"),
        (make_ftyp(b"avis", b"msf1"), "image/avif"),
        (make_ftyp(b"heic", b"mif1", b"heic"), "image/heic"),
        (make_ftyp(b"heix", b"mif1"), "image/heic"),
        (make_ftyp(b"hevc", b"msf1"), "image/heic"),
        (make_ftyp(b"mif1", b"mif1", b"miaf"), "image/heif"),
        (make_ftyp(b"msf1"), "image/heif"),
        (make_ftyp(b"mif1", b"mif1", b"miaf", b"avif"), "image/avif"),
        (make_ftyp(b"mif1", b"heic", b"mif1"), "image/heic"),
    ],
)
def test_sniff_known_types(data: bytes, mime: str) -> None:
    assert sniff(data[:SNIFF_BYTES]) == mime


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"hello world\n",
        b"BMW is a car maker, not a bitmap\n",
        b"GIF88a",
        b"RIFF\x00\x00\x00\x00WAVEfmt ",
        make_ftyp(b"isom", b"avif"),  # an MP4 video, even if it lists avif
        make_ftyp(b"mp42"),
        b"\x00\x00\x00\x08ftypavif",  # box too small to hold a brand and version
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
    ],
)
def test_sniff_refuses_other_bytes(data: bytes) -> None:
    assert sniff(data) is None


def test_generic_brand_only_reads_brands_inside_the_box() -> None:
    box = make_ftyp(b"mif1", b"mif1")
    assert sniff(box + b"avif" * 4) == "image/heif"


def test_mime_types_listed() -> None:
    assert set(MIME_TYPES) == {
        "image/jpeg", "image/png", "image/gif", "image/webp",
        "image/heic", "image/heif", "image/avif", "image/bmp",
    }


@given(st.binary(max_size=2 * SNIFF_BYTES))
def test_sniff_never_raises(data: bytes) -> None:
    assert sniff(data) in (None, *MIME_TYPES)


# --- files ---------------------------------------------------------------


def test_inspect_file_png(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "cat.png"
    path.write_bytes(make_png())
    assert inspect_file(path) == "image/png"


def test_type_comes_from_bytes_not_name(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "really_a_jpeg.png"
    path.write_bytes(make_jpeg())
    assert inspect_file(path) == "image/jpeg"


def test_text_file_refused(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "notes.png"
    path.write_text("just some words\n")
    problem = inspect_file(path)
    assert isinstance(problem, ImageProblem)
    assert problem.message == (
        "notes.png is not an image type the API takes "
        "(JPEG, PNG, GIF, WebP, HEIC, HEIF, AVIF, BMP)"
    )
    assert isinstance(data_url(path), ImageProblem)


def test_empty_file_refused(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "empty.png"
    path.touch()
    problem = inspect_file(path)
    assert isinstance(problem, ImageProblem)
    assert problem.message == "image file is empty: empty.png"


def test_missing_file(tmp_path: pathlib.Path) -> None:
    problem = inspect_file(tmp_path / "cat.png")
    assert isinstance(problem, ImageProblem)
    assert problem.message == "image file not found: cat.png"
    assert problem.help == f"looked in {tmp_path}"
    assert isinstance(data_url(tmp_path / "cat.png"), ImageProblem)


def test_directory_refused(tmp_path: pathlib.Path) -> None:
    folder = tmp_path / "shots.png"
    folder.mkdir()
    problem = inspect_file(folder)
    assert isinstance(problem, ImageProblem)
    assert problem.message == "image path is a folder, not a file: shots.png"


def test_fifo_refused_without_blocking(tmp_path: pathlib.Path) -> None:
    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    problem = inspect_file(fifo)
    assert isinstance(problem, ImageProblem)
    assert problem.message == "image path is not a regular file: pipe.png"


def test_nul_in_path_is_a_problem() -> None:
    problem = inspect_file(pathlib.Path("cat\0.png"))
    assert isinstance(problem, ImageProblem)
    assert problem.message.startswith("cannot read image cat\0.png: ")


def test_unreadable_file_is_a_problem(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "cat.png"
    path.write_bytes(make_png())

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(pathlib.Path, "open", refuse)
    problem = inspect_file(path)
    assert isinstance(problem, ImageProblem)
    assert problem.message == "cannot read image cat.png: Permission denied"


def test_over_limit_sparse_file_not_read(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "huge.png"
    with path.open("wb") as file:
        file.write(make_png())
        file.truncate(26 * 1024 * 1024)

    def no_open(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("an oversized file must be refused from stat alone")

    monkeypatch.setattr(pathlib.Path, "open", no_open)
    for result in (inspect_file(path), data_url(path)):
        assert isinstance(result, ImageProblem)
        assert result.message == "image huge.png is 26.0 MiB, over the API's 25 MiB limit"


def test_size_rounds_up(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "edge.png"
    with path.open("wb") as file:
        file.write(make_png())
        file.truncate(MAX_IMAGE_BYTES + 1)
    problem = inspect_file(path)
    assert isinstance(problem, ImageProblem)
    assert "25.1 MiB" in problem.message


def test_at_limit_accepted(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "edge.png"
    with path.open("wb") as file:
        file.write(make_png())
        file.truncate(MAX_IMAGE_BYTES)
    assert inspect_file(path) == "image/png"


def test_inspect_file_reads_only_the_head(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "cat.png"
    path.write_bytes(make_png() + bytes(10_000))
    sizes: list[int] = []
    real_open = pathlib.Path.open

    class Spy:
        def __init__(self, file: BinaryIO) -> None:
            self._file = file

        def __enter__(self) -> Spy:
            return self

        def __exit__(self, *exc: object) -> None:
            self._file.close()

        def read(self, size: int = -1) -> bytes:
            sizes.append(size)
            return self._file.read(size)

    def spy_open(self: pathlib.Path, *args: Any, **kwargs: Any) -> Spy:
        return Spy(cast(BinaryIO, real_open(self, *args, **kwargs)))  # images opens it "rb"

    monkeypatch.setattr(pathlib.Path, "open", spy_open)
    assert inspect_file(path) == "image/png"
    assert sizes == [SNIFF_BYTES]


def test_data_url_round_trip(tmp_path: pathlib.Path) -> None:
    original = make_png(16, 9)
    path = tmp_path / "frame.png"
    path.write_bytes(original)
    url = data_url(path)
    assert isinstance(url, str)
    assert url.startswith("data:image/png;base64,")
    assert inspect_data_url(url) == "image/png"
    assert decode_data_url(url) == ("image/png", original)


def test_data_url_rechecks_size_of_bytes_read(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file that grows after stat must still be refused."""
    path = tmp_path / "growing.png"
    path.write_bytes(make_png())
    grown = make_png() + bytes(MAX_IMAGE_BYTES)

    class Grown:
        def __enter__(self) -> Grown:
            return self

        def __exit__(self, *exc: object) -> None:
            pass

        def read(self, size: int = -1) -> bytes:
            return grown[:size]

    monkeypatch.setattr(pathlib.Path, "open", lambda self, *a, **k: Grown())
    problem = data_url(path)
    assert isinstance(problem, ImageProblem)
    assert "over the API's 25 MiB limit" in problem.message


# --- data URLs -----------------------------------------------------------


def test_is_data_url() -> None:
    assert is_data_url("data:image/png;base64,AAAA")
    assert is_data_url("DATA:image/png;base64,AAAA")
    assert not is_data_url("images/data.png")
    assert not is_data_url("dat")


@pytest.mark.parametrize(
    ("mime", "data"),
    [
        ("image/jpeg", make_jpeg()),
        ("image/png", make_png()),
        ("image/gif", make_gif()),
        ("image/webp", make_webp()),
        ("image/bmp", make_bmp()),
        ("image/avif", make_ftyp(b"avif", b"mif1")),
        ("image/heic", make_ftyp(b"heic", b"mif1")),
        ("image/heif", make_ftyp(b"mif1", b"miaf")),
    ],
)
def test_good_data_urls(mime: str, data: bytes) -> None:
    url = as_url(mime, data)
    assert inspect_data_url(url) == mime
    assert decode_data_url(url) == (mime, data)


def test_scheme_and_type_case_insensitive() -> None:
    url = "DATA:Image/PNG;BASE64," + base64.b64encode(make_png()).decode()
    assert inspect_data_url(url) == "image/png"


def _problem(ref: str) -> ImageProblem:
    result = inspect_data_url(ref)
    assert isinstance(result, ImageProblem), result
    return result


@pytest.mark.parametrize(
    "payload",
    [
        "iVBO Rw0K",  # space inside
        base64.b64encode(make_png()).decode()[:40] + "\n" + base64.b64encode(make_png()).decode()[40:],
        base64.b64encode(make_png()).decode().rstrip("="),  # padding dropped
        "iVBORw0K=",  # padding after a whole group
        "iVBORw0K====",
        "iVBORw0KGgo=====",
        "iVBORw0K!!!!",
        "iVBORw0KGgé=",
    ],
)
def test_bad_base64(payload: str) -> None:
    problem = _problem(f"data:image/png;base64,{payload}")
    assert problem.message == "data URL payload is not valid base64"


def test_whitespace_hint() -> None:
    assert _problem("data:image/png;base64,AAAA\nAAAA").help == (
        "remove the spaces and line breaks from the data"
    )


def test_bad_padding() -> None:
    problem = _problem("data:image/png;base64,iVBORw0KGg")
    assert problem.message == "data URL payload is not valid base64"
    assert problem.help is not None and "groups of 4" in problem.help


def test_mismatched_type() -> None:
    problem = _problem(as_url("image/png", make_jpeg()))
    assert problem.message == "data URL declares image/png but the bytes are JPEG"


def test_bytes_of_no_accepted_type() -> None:
    problem = _problem(as_url("image/png", b"plain text, not pixels"))
    assert problem.message == (
        "data URL declares image/png but the bytes are not an image type the API takes"
    )


def test_unknown_declared_type() -> None:
    problem = _problem(as_url("image/svg+xml", b"<svg/>"))
    assert problem.message == (
        "data URL declares image/svg+xml, not an image type the API takes "
        "(JPEG, PNG, GIF, WebP, HEIC, HEIF, AVIF, BMP)"
    )
    assert problem.help is not None and "image/jpeg" in problem.help


@pytest.mark.parametrize(
    "ref",
    [
        "data:image/png," + base64.b64encode(make_png()).decode(),  # missing ;base64
        "data:image/png;charset=utf-8;base64,AAAA",
        "data:image/png;base64;base64,AAAA",
        "data:;base64,AAAA",
        "data:image png;base64,AAAA",
        "data:image/png;base64",
        "cat.png",
    ],
)
def test_malformed(ref: str) -> None:
    problem = _problem(ref)
    assert problem.message == "malformed data URL: expected data:<type>;base64,<data>"
    assert problem.help


def test_missing_base64_marker_help() -> None:
    assert _problem("data:image/png,AAAA").help == (
        "only base64 data is accepted: add `;base64` after the type"
    )


def test_empty_payload() -> None:
    assert _problem("data:image/png;base64,").message == "data URL has no image data"


def test_huge_payload_refused_without_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_decode(*_args: object, **_kwargs: object) -> bytes:
        raise AssertionError("an oversized payload must not be decoded")

    monkeypatch.setattr("odyssey_dsl.images.binascii.a2b_base64", no_decode)
    problem = _problem("data:image/png;base64," + "A" * (40 * 1024 * 1024))
    assert problem.message == "data URL image is 30.0 MiB, over the API's 25 MiB limit"
    assert isinstance(decode_data_url("data:image/png;base64," + "A" * (40 * 1024 * 1024)), ImageProblem)


def test_payload_at_limit_accepted() -> None:
    data = make_png() + bytes(MAX_IMAGE_BYTES - len(make_png()))
    assert inspect_data_url(as_url("image/png", data)) == "image/png"
    over = make_png() + bytes(MAX_IMAGE_BYTES + 1 - len(make_png()))
    assert isinstance(inspect_data_url(as_url("image/png", over)), ImageProblem)


@given(st.text())
def test_inspect_data_url_never_raises(ref: str) -> None:
    result = inspect_data_url(ref)
    assert isinstance(result, ImageProblem) or result in MIME_TYPES


@given(st.sampled_from(MIME_TYPES), st.text(alphabet=st.characters(codec="ascii")))
def test_inspect_data_url_never_raises_past_the_header(mime: str, payload: str) -> None:
    result = inspect_data_url(f"data:{mime};base64,{payload}")
    assert isinstance(result, ImageProblem) or result == mime


@given(st.binary(max_size=200))
def test_decoded_bytes_are_unchanged(data: bytes) -> None:
    url = as_url("image/png", b"\x89PNG\r\n\x1a\n" + data)
    assert decode_data_url(url) == ("image/png", b"\x89PNG\r\n\x1a\n" + data)


# --- sizes from the header (ODY207) --------------------------------------------------------------


def _saved(image: Any, kind: str, **options: Any) -> bytes:
    out = io.BytesIO()
    image.save(out, kind, **options)
    return out.getvalue()


FORMATS = [("PNG", "RGBA", {}), ("JPEG", "RGB", {}), ("GIF", "RGB", {}), ("BMP", "RGB", {}),
           ("WEBP", "RGB", {"quality": 80}), ("WEBP", "RGBA", {"lossless": True}),
           ("WEBP", "RGB", {"exif": b"Exif\x00\x00II*\x00\x08\x00\x00\x00\x00\x00"}), ("AVIF", "RGB", {})]


@given(st.sampled_from(FORMATS), st.integers(1, 400), st.integers(1, 400))
def test_the_size_of_real_images_is_read_from_their_header(kind: tuple[str, str, dict[str, Any]], width: int,
                                                           height: int) -> None:
    from PIL import Image

    name, mode, options = kind
    data = _saved(Image.new(mode, (width, height)), name, **options)
    assert image_size(data) == (width, height)


def test_a_jpeg_turned_by_its_exif_orientation_is_as_shown() -> None:
    """Phones store a portrait photo sideways and say so in EXIF: it is shown, and sent, upright."""
    from PIL import Image

    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° to show
    data = _saved(Image.new("RGB", (64, 48)), "JPEG", exif=exif.tobytes())
    assert image_size(data) == (48, 64)
    exif[0x0112] = 1
    assert image_size(_saved(Image.new("RGB", (64, 48)), "JPEG", exif=exif.tobytes())) == (64, 48)


def test_a_heif_turned_by_its_rotation_box_is_as_shown() -> None:
    def box(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", 8 + len(body)) + kind + body

    thumbnail = box(b"ispe", b"\x00" * 4 + struct.pack(">II", 32, 24))
    primary = box(b"ispe", b"\x00" * 4 + struct.pack(">II", 4032, 3024))
    heic = make_ftyp(b"heic", b"mif1") + thumbnail + primary
    assert image_size(heic) == (4032, 3024)
    assert image_size(heic + box(b"irot", b"\x01")) == (3024, 4032)


@given(st.binary(max_size=300))
def test_reading_a_size_never_raises(data: bytes) -> None:
    for head in (data, b"\xff\xd8\xff" + data, b"\x89PNG\r\n\x1a\n" + data, b"RIFF\0\0\0\0WEBP" + data):
        size = image_size(head)
        assert size is None or (size[0] > 0 and size[1] > 0)


def test_size_of_a_missing_file_is_unknown(tmp_path: pathlib.Path) -> None:
    assert size_of(tmp_path / "nope.png") is None


# --- `~` in image paths --------------------------------------------------------------------------


def test_a_path_starting_with_a_tilde_starts_from_the_home_folder(tmp_path: pathlib.Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    base = tmp_path / "screenplays"
    assert image_path("~/Pictures/x.png", base) == tmp_path / "home" / "Pictures" / "x.png"
    assert image_path("~", base) == tmp_path / "home"
    assert image_path("~x.png", base) == base / "~x.png"  # a file whose name begins with `~`
    assert image_path("pics/x.png", base) == base / "pics" / "x.png"


def test_an_image_that_is_a_fifo_never_blocks_lint_or_the_editor(tmp_path: pathlib.Path) -> None:
    """The cropped-image rule read the picture's header without the checks every other read
    makes: `ody lint` and the editor blocked on a FIFO. Run in subprocesses, with a timeout,
    so that a regression fails instead of hanging the suite."""
    import subprocess
    import sys

    os.mkfifo(tmp_path / "pipe.png")
    (tmp_path / "s.ody").write_text('@0 start "a cat" image "pipe.png"\n@3s end\n', encoding="utf-8")
    lint = subprocess.run([sys.executable, "-m", "odyssey_dsl", "lint", "s.ody"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60)
    assert lint.returncode == 1 and "image path is not a regular file: pipe.png" in lint.stdout
    editor = ("from pathlib import Path; from odyssey_dsl.config import Settings; "
              "from odyssey_dsl.lsp.document import LiveDocument; "
              "d = LiveDocument(Path('s.ody').read_text(), Path('s.ody').resolve(), Settings()); "
              "print(sorted({x.code for x in d.diagnostics}))")
    live = subprocess.run([sys.executable, "-c", editor], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert live.returncode == 0 and live.stdout.strip() == "['ODY107']", live.stderr
