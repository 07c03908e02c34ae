"""Byte counts written for people, in the unit that fits: `512 bytes`, `64 KiB`, `36 MiB`."""

from __future__ import annotations

_UNITS = ((1024 * 1024, "MiB"), (1024, "KiB"))


def size_text(size: int) -> str:
    """`size` bytes in the largest unit it holds at least one of: whole when it is a whole number
    of them (`64 KiB`), else with one decimal rounded down (`1.5 KiB`, never more than `size`:
    a limit shown this way is one a user can stay under)."""
    for unit, name in _UNITS:
        if size >= unit:
            if size % unit == 0:
                return f"{size // unit} {name}"
            tenths = size * 10 // unit
            return f"{tenths // 10}.{tenths % 10} {name}"
    return "1 byte" if size == 1 else f"{size} bytes"


__all__ = ["size_text"]
