"""Captions of a script: one cue per prompt, shown from its time until the next cue's, written
as WebVTT (beside every recording, and inline in the review page) or SubRip (`ody export`).

A caption's text is the prompt exactly as the API receives it (after expansion, style and
negative). Players show it over the video, so the writer sees which words were on screen when.
Times are end-exclusive, as WebVTT and SMIL define them: a cue at 3000 ms followed by one at
6000 ms shows during [3000, 6000). The text is made safe for each format: WebVTT's reserved
characters are escaped (`&`, `<`, `>`, which also covers `-->`), a blank line, which would end
a cue early in both formats, is dropped, and a control character but tab (NUL, ESC, which a
terminal would obey when the file is printed) is shown as U+FFFD, as WebVTT's parser shows NUL.

`from_events` reads the prompts back from a recording's events file (the emulator's JSON, or
JSON Lines with a time and a prompt per event), for a job downloaded without its screenplay.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from .emit import Entry

_LINES = re.compile(r"\r\n|\r|\n|\u2028|\u2029")
_VTT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
# C0 and C1 controls and DEL, but tab (shown as a space) and the line breaks `_LINES` splits on
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_VTT_TIME = re.compile(r"(?:(\d+):)?([0-5]\d):([0-5]\d)\.(\d{3})")
_VTT_TIMING = re.compile(rf"^({_VTT_TIME.pattern})[ \t]+-->[ \t]+({_VTT_TIME.pattern})(?:[ \t].*)?$")


class Caption(NamedTuple):
    """One prompt on screen: from `start_ms` (included) to `end_ms` (excluded)."""

    start_ms: int
    end_ms: int
    text: str


def captions(entries: Sequence[Entry]) -> list[Caption]:
    """The captions of one compiled script: each `start` and `interact` until the next entry
    (an `interact` or the `end`). A prompt with no time on screen (two entries at the same time,
    which the compiler refuses) has no caption: WebVTT requires an end after the start."""
    return _between((e.timestamp_ms, e.prompt if e.action != "end" else None) for e in entries)


def _between(timed: Iterable[tuple[int, str | None]]) -> list[Caption]:
    """Captions from (time, prompt or None) in time order, each lasting until the next time."""
    ordered = list(timed)
    return [Caption(start, end, text) for (start, text), (end, _) in itertools.pairwise(ordered)
            if text is not None and end > start]


def lines(text: str) -> list[str]:
    """The caption's text as the lines a player shows: line breaks kept, blank lines (which end a
    cue in WebVTT and SubRip) dropped, every other control character but tab as U+FFFD. Both
    formats go through here, so no control character reaches a file or stdout."""
    return [_CONTROLS.sub("\ufffd", line) for line in _LINES.split(text) if line.strip()]


def vtt(cues: Sequence[Caption]) -> str:
    """A WebVTT file: the `WEBVTT` header, then each cue's timing line and escaped text."""
    blocks = ["WEBVTT"]
    for cue in cues:
        text = "\n".join(line.translate(_VTT_ESCAPES) for line in lines(cue.text))
        blocks.append(f"{_time(cue.start_ms, '.')} --> {_time(cue.end_ms, '.')}\n{text}".rstrip("\n"))
    return "\n\n".join(blocks) + "\n"


def srt(cues: Sequence[Caption]) -> str:
    """A SubRip file: numbered cues, times with a comma, the text's lines as they are but for
    `-->`, written `->`: SubRip has no escapes, and readers (FFmpeg's) take a text line holding
    an arrow for the timing of a new cue, dropping the cue it is in."""
    blocks = [f"{n}\n{_time(cue.start_ms, ',')} --> {_time(cue.end_ms, ',')}\n"
              + "\n".join(line.replace("-->", "->") for line in lines(cue.text)) for n, cue in enumerate(cues, 1)]
    return "\n\n".join(block.rstrip("\n") for block in blocks) + "\n" if blocks else ""


def _time(ms: int, separator: str) -> str:
    """`HH:MM:SS.mmm` (hours grow past two digits when they must)."""
    seconds, milli = divmod(ms, 1000)
    minutes, second = divmod(seconds, 60)
    hours, minute = divmod(minutes, 60)
    return f"{hours:02d}:{minute:02d}:{second:02d}{separator}{milli:03d}"


def read_vtt(text: str) -> list[Caption]:
    """The cues of a WebVTT file (ours, or any simple one), text unescaped; what cannot be read
    as a cue is skipped. The review page lists a recording's cues from the file beside it."""
    out = []
    for block in re.split(r"(?:\r\n|\r|\n)[ \t]*(?:\r\n|\r|\n)", text.lstrip("\ufeff")):
        rows = _LINES.split(block.strip("\r\n"))
        timing = next((i for i, row in enumerate(rows) if "-->" in row), None)
        match = _VTT_TIMING.match(rows[timing]) if timing is not None else None
        if timing is None or match is None:
            continue
        start, end = _vtt_ms(match.group(1)), _vtt_ms(match.group(6))
        body = "\n".join(rows[timing + 1:])
        out.append(Caption(start, end, body.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")))
    return out


def _vtt_ms(text: str) -> int:
    match = _VTT_TIME.fullmatch(text)
    assert match is not None  # matched by _VTT_TIMING
    hours, minutes, seconds, milli = match.groups()
    return ((int(hours or 0) * 60 + int(minutes)) * 60 + int(seconds)) * 1000 + int(milli)


def from_events(data: bytes, duration_ms: int | None = None) -> list[Caption] | None:
    """The captions a recording's events file gives, or None when it names no prompt.

    Two shapes are read: the emulator's (a JSON object whose `cues` have `action`,
    `timestamp_ms` and `prompt`, docs/emulator-recordings.md) and JSON Lines (Odyssey's
    `events_url`, whose schema is not documented): any event with an integer `timestamp_ms`
    and a string `prompt`, the `end` (or the recording's duration) closing the last."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    events = _events(text)
    timed: list[tuple[int, str | None]] = []
    for event in events:
        ms = event.get("timestamp_ms")
        if not isinstance(ms, int) or isinstance(ms, bool) or ms < 0:
            continue
        prompt = event.get("prompt")
        if isinstance(prompt, str) and event.get("action") != "end":
            timed.append((ms, prompt))
        elif event.get("action") == "end" or event.get("type") == "end":
            timed.append((ms, None))
    if not any(prompt is not None for _, prompt in timed):
        return None
    timed.sort(key=lambda item: item[0])
    if timed[-1][1] is not None and duration_ms is not None:
        timed.append((duration_ms, None))
    return _between(timed) or None


def _events(text: str) -> list[dict[str, object]]:
    """The event objects of an events file, in either shape; none when it is neither."""
    try:
        whole = json.loads(text)
    except (ValueError, RecursionError):  # not JSON, or nested deeper than Python's stack
        whole = None
    if isinstance(whole, dict) and isinstance(whole.get("cues"), list):
        whole = whole["cues"]
    if isinstance(whole, list):
        return [event for event in whole if isinstance(event, dict)]
    out = []
    for line in text.splitlines():
        try:
            event = json.loads(line)
        except (ValueError, RecursionError):
            continue
        if isinstance(event, dict):
            out.append(event)
    return out
