"""The captions beside a recording (`day.vtt` next to `day.mp4`, `day.take2.vtt` next to
`day.take2.mp4`): one cue per prompt as sent, so that any player shows which words were on
screen when.

`ody run` writes them from the screenplay it compiled. The job commands have only the journal,
which keeps no prompts: they take the script with the job's key from the screenplay file as it
is now (`Known.scripts_now`), else the prompts the downloaded events file says (a job submitted
elsewhere, or a screenplay edited since). Nothing is ever fetched for captions, and captions
that cannot be made or written are a line of news, never a failed run: the recording matters
more.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .._support.files import write_atomic
from .._support.reads import read_file
from ..captions import Caption, from_events, vtt

NO_EVENTS = "no events file came with the recording"
NO_PROMPTS = "the recording's events do not say its prompts"


def from_recording(events: Path | None, duration_ms: int | None) -> list[Caption] | str:
    """The captions a downloaded events file (None: there is none) gives, or why there are none."""
    if events is None:
        return NO_EVENTS
    try:
        data = read_file(events)
    except OSError as error:
        return f"its events file cannot be read ({error.strerror or error})"
    return from_events(data, duration_ms) or NO_PROMPTS


def write(dest: Path, cues: Sequence[Caption]) -> dict[str, Any]:
    """Write `cues` to `dest` as WebVTT, atomically (a player or the review page never reads
    half a file); the file's record for run.json. OSError when it cannot be written."""
    text = vtt(cues)
    write_atomic(dest, text, only_files=True)
    return {"path": dest.name, "size": len(text.encode("utf-8")), "complete": True}


def missing(reasons: Mapping[str, str]) -> str:
    """One line for every recording left without captions (name -> why), grouped by why."""
    named: dict[str, list[str]] = {}
    for name, reason in reasons.items():
        named.setdefault(reason, []).append(name)
    return "; ".join(f"no captions for {', '.join(names)}: {reason}" for reason, names in named.items())
