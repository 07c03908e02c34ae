"""Shared helpers for the compiler's tests, and the hypothesis profiles.

Profiles: `default` (200 examples, the one CI runs) and `nightly` (5,000), chosen with the
HYPOTHESIS_PROFILE environment variable. No deadline: the tests assert behaviour, never speed,
and a shared machine must not make them flaky.
"""

from __future__ import annotations

import base64
import os
import struct
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
from hypothesis import settings

from odyssey_dsl import Compilation, Diagnostic, Settings, compile_text
from odyssey_dsl.diagnostics import Fix

T = TypeVar("T")

settings.register_profile("default", max_examples=200, deadline=None)
settings.register_profile("nightly", max_examples=5000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

#: A screenplay path in a folder that does not exist: relative image paths are never found,
#: whatever the current directory holds.
NOWHERE = Path(__file__).resolve().parent / "__no_such_folder__" / "t.ody"


def compile_ody(text: str | bytes, folder: Path | None = None, settings: Settings | None = None,
                embed_images: bool = True) -> Compilation:
    """Compile `text` as if it were `<folder>/t.ody` (images resolve against `folder`)."""
    path = folder / "t.ody" if folder is not None else NOWHERE
    return compile_text(text, path=path, settings=settings, embed_images=embed_images)


def diags(text: str | bytes, folder: Path | None = None, settings: Settings | None = None) -> list[Diagnostic]:
    """Every diagnostic of a screenplay, in the compiler's order."""
    return list(compile_ody(text, folder, settings).diagnostics)


def codes(text: str | bytes, folder: Path | None = None, settings: Settings | None = None) -> list[str]:
    return [d.code for d in diags(text, folder, settings)]


def only(found: list[Diagnostic] | tuple[Diagnostic, ...], code: str) -> Diagnostic:
    """The one diagnostic in `found`, which must have `code` (nothing else may be reported)."""
    assert [d.code for d in found] == [code], found
    return found[0]


def apply_fix(text: str, fix: Fix) -> str:
    """`text` with one fix applied, as `ody lint --fix` applies it (odyssey_dsl.fixing)."""
    from odyssey_dsl.diagnostics import SYNTAX_ERROR
    from odyssey_dsl.fixing import apply_fixes

    new, applied = apply_fixes(text, [(SYNTAX_ERROR.at(fix.span, "the fix's own"), fix)])
    assert applied, f"{fix} does not lie in the text"
    return new


def png_bytes(width: int = 1, height: int = 1) -> bytes:
    """A real, decodable PNG (8-bit RGB, red pixels), built without an imaging library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def data_url(mime: str, data: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


@pytest.fixture
def png_file(tmp_path: Path) -> Path:
    """`pic.png` next to the screenplay `tmp_path / "t.ody"`."""
    path = tmp_path / "pic.png"
    path.write_bytes(png_bytes())
    return path


def within(seconds: float, call: Callable[[], T]) -> T:
    """`call()`'s result (or its exception), failing the test when it has not returned after
    `seconds`: a read of a FIFO that waits for a writer fails here instead of hanging the run
    (the waiting thread is a daemon, left behind)."""
    import threading

    outcome: list[tuple[bool, object]] = []

    def run() -> None:
        try:
            outcome.append((True, call()))
        except BaseException as error:  # handed to the test's thread as it was raised
            outcome.append((False, error))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    if not outcome:
        pytest.fail(f"still waiting after {seconds:g} s")
    ok, value = outcome[0]
    if not ok:
        raise value  # type: ignore[misc]
    return value  # type: ignore[return-value]
