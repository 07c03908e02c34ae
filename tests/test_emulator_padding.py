"""`--video-padding`: videos made larger by a trailing MP4 `free` box, for download benchmarks.

The padded file must stay the same playable video (same frames), be served whole with the right
Content-Length, and answer Range requests anywhere in it, padding included.
"""

from __future__ import annotations

import io
import struct
import subprocess
import sys
from pathlib import Path

import av
import httpx
import pytest
from emulator_support import Api, renderer_available, script, thread_server

from odyssey_dsl.emulator.settings import Settings

pytestmark = pytest.mark.skipif(not renderer_available(), reason="the renderer (emulator/render.py) is not there yet")

PADDING = 3 * 1024 * 1024 + 5  # odd, so no chunk size hides an off-by-one


def frame_count(video: bytes | Path) -> int:
    with av.open(io.BytesIO(video) if isinstance(video, bytes) else str(video), "r") as container:
        return sum(1 for _ in container.decode(video=0))


def test_the_padding_is_a_free_box_after_the_same_video(tmp_path: Path) -> None:
    from odyssey_dsl.emulator.render import render

    entries = script(2.0, "The cat turns its head")
    plain = render(entries, False, tmp_path / "plain", "rec")
    padded = render(entries, False, tmp_path / "padded", "rec", padding=PADDING)
    original, grown = plain.video.read_bytes(), padded.video.read_bytes()
    assert len(grown) == len(original) + PADDING and grown.startswith(original)
    assert grown[len(original):len(original) + 8] == struct.pack(">I4s", PADDING, b"free")
    assert frame_count(padded.video) == frame_count(plain.video) == 50
    assert padded.preview.read_bytes() == plain.preview.read_bytes()


def test_past_4_gib_the_box_header_is_64_bit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The 64-bit form, made small by lowering the 32-bit limit, still leaves a playable file."""
    from odyssey_dsl.emulator import render as module

    monkeypatch.setattr(module, "_BOX_32_BIT", 1000)
    made = module.render(script(0.4), False, tmp_path, "rec", padding=2000)
    data = made.video.read_bytes()
    assert data[-2000:-1984] == struct.pack(">I4sQ", 1, b"free", 2000) and not any(data[-1984:])
    assert frame_count(made.video) == 10


@pytest.mark.parametrize("padding", [-1, 1, 7])
def test_padding_smaller_than_a_box_header_is_refused(tmp_path: Path, padding: int) -> None:
    with pytest.raises(ValueError, match="video_padding_bytes"):
        Settings(data_dir=tmp_path, video_padding_bytes=padding)
    assert Settings(data_dir=tmp_path, video_padding_bytes=8).video_padding_bytes == 8


@pytest.mark.parametrize(("value", "words"), [
    ("-1", "--video-padding"),  # refused by the flag's own range
    ("7", "video_padding_bytes must be 0 or at least 8"),  # refused by the settings: the flag reached them
])
def test_the_flag_reaches_the_settings(tmp_path: Path, value: str, words: str) -> None:
    done = subprocess.run([sys.executable, "-m", "odyssey_dsl", "emulator", "--port", "0", "--data-dir",
                           str(tmp_path), "--video-padding", value], capture_output=True, text=True, timeout=60,
                           check=False)
    assert done.returncode == 2 and done.stdout == "" and words in done.stderr


def test_a_padded_video_is_served_whole_and_by_ranges(tmp_path: Path) -> None:
    with thread_server(tmp_path / "data", video_padding_bytes=PADDING) as server, Api(server.url) as client:
        done = client.login().wait(client.submit({"script": script(2.0)})["job_id"])
        assert done["status"] == "completed", done
        url = done["streams"][0]["video_url"]
        on_disk = next((tmp_path / "data" / "recordings").glob("*/recording.mp4")).stat().st_size
        whole = httpx.get(url, timeout=30)
        assert whole.status_code == 200 and int(whole.headers["content-length"]) == len(whole.content) == on_disk
        assert frame_count(whole.content) == done["streams"][0]["frame_count"] == 50
        box = on_disk - PADDING
        header = httpx.get(url, headers={"Range": f"bytes={box}-{box + 7}"})
        assert header.status_code == 206 and header.content == struct.pack(">I4s", PADDING, b"free")
        assert header.headers["content-range"] == f"bytes {box}-{box + 7}/{on_disk}"
        middle = httpx.get(url, headers={"Range": f"bytes={box - 100}-"}, timeout=30)
        assert middle.status_code == 206 and middle.content == whole.content[box - 100:]
        assert int(middle.headers["content-length"]) == PADDING + 100
