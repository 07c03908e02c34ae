"""Reading inputs under a limit: a limit far above the input's size (`max-bytes = 1 TiB`,
2^63) reads what the input holds, never asks for a buffer of the limit's size."""

from __future__ import annotations

import io
import os
import threading
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from odyssey_dsl._support import reads
from odyssey_dsl._support.reads import read_at_most
from odyssey_dsl.compiler import SourceError, read_source

HUGE = (1 << 40, (1 << 63) - 1, 1 << 63, 1 << 80)


class Trickle(io.RawIOBase):
    """A pipe that hands out at most `step` bytes per read, as a slow writer does."""

    def __init__(self, data: bytes, step: int) -> None:
        self._data, self._step = data, step

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer)
        piece = self._data[: min(len(view), self._step)]
        self._data = self._data[len(piece):]
        view[: len(piece)] = piece
        return len(piece)


@pytest.mark.parametrize("limit", HUGE)
def test_a_huge_limit_reads_a_small_file(tmp_path: Path, limit: int) -> None:
    path = tmp_path / "a.ody"
    path.write_bytes(b'@0 start "a cat"\n@3s end\n')
    assert read_source(path, limit) == path.read_bytes()
    with path.open("rb") as f:
        assert read_at_most(f, limit) == path.read_bytes()


@given(st.binary(max_size=300), st.integers(min_value=0, max_value=400), st.integers(min_value=1, max_value=64),
       st.sampled_from([None, 0, 5, 300]))
def test_all_of_the_input_or_none_when_it_is_over_the_limit(data: bytes, limit: int, step: int,
                                                             size: int | None) -> None:
    """Whatever the pieces the input comes in and whatever size it was expected to have."""
    stream = io.BufferedReader(Trickle(data, step), buffer_size=7)
    assert read_at_most(stream, limit, size) == (data if len(data) <= limit else None)


def test_never_reads_far_past_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reads, "CHUNK", 4)
    stream = io.BytesIO(b"x" * 100)
    assert read_at_most(stream, 10) is None
    assert stream.tell() == 11


def test_a_file_that_grows_past_the_limit_is_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.ody"
    os.mkfifo(fifo)
    writer = threading.Thread(target=lambda: fifo.write_bytes(b"y" * 100))
    writer.start()
    with pytest.raises(SourceError, match=r"over the 10 byte limit"):
        read_source(fifo, 10)
    writer.join()
