"""A run folder's review page: `index.html` beside `run.json`, to watch every scene's takes
with their prompts as captions, and jump to any cue.

The page is one self-contained file, opened from the disk: no network, no CDN, its style and
script inline (a Content-Security-Policy with their hashes lets nothing else run or load), and
only relative links to the files beside it. A browser refuses `<track src="cat.vtt">` on a
`file://` page (each file is an origin of its own, and a track needs CORS), so each caption
track is carried inline as a `data:` URL of the `.vtt` beside the video; the `.vtt` files stay
there for players. The cue list beside each video is read from the same file.

Everything shown comes from `run.json` (read as `takes.Takes` reads it: only well-formed
records, file names that stay in the folder) and from the files on disk; all of it is text
of unknown origin, escaped. Whatever is missing or malformed is left out with a note: writing
the page never fails for that, only when the folder cannot be written.
"""

from __future__ import annotations

import base64
import hashlib
import html
import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .._support.files import write_atomic
from .._support.reads import read_at_most
from ..captions import read_vtt
from ..times import format_clock
from .errors import UsageError
from .outputs import inside
from .takes import Takes

PAGE = "index.html"
MAX_CAPTIONS_BYTES = 1 << 20  # a recording's prompts are a few KiB; a larger .vtt is not ours
_VIDEO = re.compile(r"(?P<name>[^.].*?)(?:\.take(?P<take>[1-9][0-9]*))?\.mp4")  # not a hidden .part
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")

STYLE = """
:root { color-scheme: light dark; --accent: #0b62d6; --muted: #666; --line: #8884; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 80rem; padding: 1rem; font: 16px/1.45 system-ui, sans-serif; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; overflow-wrap: anywhere; }
h2 { font-size: 1.25rem; margin: 2rem 0 .25rem; overflow-wrap: anywhere; }
h3 { font-size: 1rem; margin: 0 0 .25rem; }
.meta, .note { color: var(--muted); margin: .25rem 0; overflow-wrap: anywhere; }
.note { border-left: 3px solid var(--accent); padding-left: .5rem; }
.takes { display: grid; gap: 1rem; grid-template-columns: repeat(auto-fill, minmax(min(100%, 20rem), 1fr)); }
.take { border: 1px solid var(--line); border-radius: .5rem; padding: .75rem; min-width: 0; }
.take.current { border-color: var(--accent); }
video { display: block; width: 100%; max-height: 70vh; background: #000; border-radius: .25rem; }
code { overflow-wrap: anywhere; }
ol.cues { list-style: none; margin: .5rem 0 0; padding: 0; }
ol.cues button { display: flex; gap: .5rem; width: 100%; text-align: left; font: inherit; color: inherit;
  background: none; border: 1px solid transparent; border-radius: .25rem; padding: .35rem .5rem; cursor: pointer; }
ol.cues button:hover { border-color: var(--line); }
ol.cues button[aria-current="true"] { background: #0b62d633; border-color: var(--accent); }
ol.cues time { font-variant-numeric: tabular-nums; color: var(--muted); flex: none; }
ol.cues span { white-space: pre-line; overflow-wrap: anywhere; }
a, button, video { outline-offset: 2px; }
:focus-visible { outline: 3px solid var(--accent); }
"""

# A cue button seeks its video (`aria-controls`); the cue playing is marked `aria-current`,
# at once on a click and as the video plays or seeks.
SCRIPT = """
"use strict";
const cues = new Map();
for (const button of document.querySelectorAll("button[aria-controls]")) {
  const id = button.getAttribute("aria-controls");
  if (!cues.has(id)) { cues.set(id, []); }
  cues.get(id).push(button);
}
const mark = (video) => {
  const now = video.currentTime;
  for (const b of cues.get(video.id) || []) {
    if (now >= Number(b.dataset.start) && now < Number(b.dataset.end)) { b.setAttribute("aria-current", "true"); }
    else { b.removeAttribute("aria-current"); }
  }
};
document.addEventListener("click", (event) => {
  const button = event.target instanceof Element ? event.target.closest("button[data-start]") : null;
  const video = button && document.getElementById(button.getAttribute("aria-controls"));
  if (video) { video.currentTime = Number(button.dataset.start); mark(video); }
});
for (const video of document.querySelectorAll("video[id]")) {
  for (const name of ["timeupdate", "seeked", "loadedmetadata"]) { video.addEventListener(name, () => mark(video)); }
}
"""


def _digest(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


# Files beside the page (`'self'`; `file:` too, which not every browser counts as a file page's
# `'self'`) and the inline captions (`data:`); nothing from the network, no script or style but ours.
POLICY = (f"default-src 'none'; img-src 'self' file:; media-src 'self' file: data:; "
          f"style-src {_digest(STYLE)}; script-src {_digest(SCRIPT)}; base-uri 'none'; form-action 'none'")


def write_page(folder: Path) -> Path:
    """(Re)write `<folder>/index.html` from the folder's run.json and the files beside it, and
    return its path. Raises OSError when the folder cannot be written, UsageError when
    index.html is a link out of it (never written through)."""
    page = inside(folder, PAGE)
    write_atomic(page, _render(folder), only_files=True)
    return page


@dataclass(frozen=True)
class _Recording:
    """One recording name (a scene, or one variant of it) and what run.json says of it."""

    name: str
    stream: dict[str, Any]
    takes: list[dict[str, Any]]
    latest: str | None


def _render(folder: Path) -> str:
    """The page's HTML."""
    notes: list[str] = []
    try:
        read = Takes(folder)
        manifest, history = read.previous, read.history
    except UsageError:  # run.json is a link to a file outside the folder: not read
        manifest, history = {}, {}
    history = history or _found(folder)
    if not manifest:
        notes.append("run.json is missing or unreadable: showing only the takes found beside it."
                     if history else "run.json is missing or unreadable: there is nothing to show yet.")
    title = _string(manifest.get("title")) or folder.absolute().name
    ids = _Ids()
    body = [f"<h1>{_text(title)}</h1>", *_header(manifest), *(_note(n) for n in notes)]
    for recording in _recordings(manifest, history):
        body.extend(_section(folder, recording, ids))
    return "\n".join([
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta http-equiv="Content-Security-Policy" content="{_text(POLICY)}">',
        f"<title>{_text(title)} — review</title>", f"<style>{STYLE}</style>", "</head>", "<body>", "<main>",
        *body, "</main>", f"<script>{SCRIPT}</script>", "</body>", "</html>", ""])


def _header(manifest: dict[str, Any]) -> Iterator[str]:
    facts = []
    if screenplay := _string(manifest.get("screenplay")):
        facts.append(f"screenplay <code>{_text(screenplay)}</code>")
    if status := _string(manifest.get("status")):
        facts.append(f"run {_text(status)}")
    if (updated := _string(manifest.get("updated_at"))) and _DATE.fullmatch(updated):
        facts.append(f"updated {_time(updated)}")
    if facts:
        yield f'<p class="meta">{" · ".join(facts)}</p>'


def _recordings(manifest: dict[str, Any], history: dict[str, list[dict[str, Any]]]) -> Iterator[_Recording]:
    """The screenplay's recordings in its order (run.json's `streams`), then any other name that
    has takes in the folder (a scene the screenplay no longer has)."""
    latest, streams = manifest.get("latest"), manifest.get("streams")
    latest = latest if isinstance(latest, dict) else {}
    seen: set[str] = set()
    for stream in streams if isinstance(streams, list) else []:
        if isinstance(stream, dict) and isinstance(stream.get("name"), str) and stream["name"] not in seen:
            seen.add(stream["name"])
            yield _Recording(stream["name"], stream, history.get(stream["name"], []), _string(latest.get(stream["name"])))
    for name, takes in history.items():
        if name not in seen:
            yield _Recording(name, {}, takes, _string(latest.get(name)))


def _found(folder: Path) -> dict[str, list[dict[str, Any]]]:
    """The takes the files beside the page show when run.json cannot say them (missing, or
    garbled): each `<name>.mp4` / `<name>.takeN.mp4` with its thumbnail, named as the runner
    names its files (outputs.file_name)."""
    found: dict[str, list[dict[str, Any]]] = {}
    try:
        names = sorted(p.name for p in folder.iterdir())
    except OSError:
        return found
    posters = {n.rsplit(".thumbnail.", 1)[0]: n for n in reversed(names) if ".thumbnail." in n}  # by video stem
    for name in names:
        match = _VIDEO.fullmatch(name)
        if match is None or name.endswith(".thumbnail.mp4") or not _on_disk(folder, name):
            continue
        files: dict[str, Any] = {"video": {"path": name}}
        poster = posters.get(name.removesuffix(".mp4"))
        if poster is not None:
            files["thumbnail"] = {"path": poster}
        found.setdefault(match["name"], []).append({"take": int(match["take"] or 1), "files": files})
    return found


def _section(folder: Path, recording: _Recording, ids: _Ids) -> Iterator[str]:
    heading = ids.next("s")
    yield f'<section aria-labelledby="{heading}">'
    yield f'<h2 id="{heading}">{_text(recording.name)}</h2>'
    about = _about(recording.stream)
    if about:
        yield f'<p class="meta">{about}</p>'
    shown = [t for t in recording.takes if _unplayable(folder, t) is None]
    shown_ids = {id(t) for t in shown}
    if not shown:
        yield _note(_missing(recording))
    else:
        current = next((t for t in shown if _path(t, "video") == recording.latest), None)
        first = current or max(shown, key=lambda t: int(t["take"]))
        yield '<div class="takes">'
        yield from _take(folder, recording.name, first, ids, "current" if current else "newest on disk")
        for take in sorted(shown, key=lambda t: -int(t["take"])):
            if take is not first:
                yield from _take(folder, recording.name, take, ids, None)
        yield "</div>"
    for take in recording.takes:
        if id(take) not in shown_ids:
            yield _note(f"take {take['take']}: {_unplayable(folder, take)}")
    yield "</section>"


def _about(stream: dict[str, Any]) -> str:
    """What run.json says of the recording: its scene and variant, what it continues."""
    facts = []
    if isinstance(stream.get("scene"), str) and stream["scene"] != stream.get("name"):
        facts.append(f"scene {_text(stream['scene'])}")
    if isinstance(stream.get("variant"), int) and not isinstance(stream["variant"], bool):
        choices = [c for c in stream.get("choices") or [] if isinstance(c, str)]
        facts.append(f"variant {stream['variant']}" + (f" ({_text(', '.join(choices))})" if choices else ""))
    if isinstance(stream.get("after"), str):
        facts.append(f"continues {_text(stream['after'])}")
    return " · ".join(facts)


def _missing(recording: _Recording) -> str:
    """Why a recording has no video to show: its status, else that it has none yet."""
    status = _string(recording.stream.get("status"))
    if status is None:
        return "no recording on disk yet"
    message = _string(recording.stream.get("error_message"))
    job = _string(recording.stream.get("job_id"))
    return f"no recording: {status}" + (f" (job {job})" if job else "") + (f": {message}" if message else "")


def _unplayable(folder: Path, take: dict[str, Any]) -> str | None:
    """Why a take's video cannot be shown (None: it can): not on disk (or a link out of the
    folder), or not whole (empty, or not the size run.json recorded)."""
    record = take["files"].get("video")
    path = _beside(folder, _path(take, "video"))
    if path is None:
        error = _string(record.get("error")) if isinstance(record, dict) else None
        return f"the video is not on disk ({error})" if error else "the video is not on disk"
    try:
        size = path.stat().st_size
    except OSError:
        return "the video is not on disk"
    wanted = record.get("size") if isinstance(record, dict) else None
    if size == 0 or (isinstance(wanted, int) and not isinstance(wanted, bool) and wanted != size):
        return f"the video on disk is incomplete ({size:,} bytes" + (f" of {wanted:,})" if isinstance(wanted, int) else ")")
    return None


def _take(folder: Path, name: str, take: dict[str, Any], ids: _Ids, first: str | None) -> Iterator[str]:
    """One take's video, facts and cues; `first` labels the take shown first (`current`: the one
    run.json's `latest` names; `newest on disk` when that one is missing)."""
    number = int(take["take"])
    video = _path(take, "video")
    assert video is not None  # only takes with a video on disk are shown
    label = f"{name}, take {number}"
    heading, player = ids.next("t"), ids.next("v")
    yield f'<article class="take{" current" if first else ""}" aria-labelledby="{heading}">'
    yield f'<h3 id="{heading}">Take {number}{f" ({first})" if first else ""}</h3>'
    facts = []
    job = _string(take.get("job_id"))
    if job:
        facts.append(f"job <code>{_text(job)}</code>")
    facts.append(_time(_date(folder, take, video)))
    yield f'<p class="meta">{" · ".join(facts)}</p>'
    captions_name = _path(take, "captions") or _captions_beside(video)
    captions = _read(folder, captions_name)
    poster = _path(take, "thumbnail")
    attributes = [f'id="{player}"', "controls", 'preload="metadata"', "playsinline", f'src="{_url(video)}"',
                  f'aria-label="{_text(label)}"']
    if poster is not None and _on_disk(folder, poster):
        attributes.append(f'poster="{_url(poster)}"')
    yield f"<video {' '.join(attributes)}>"
    if captions is not None:
        data = base64.b64encode(captions).decode("ascii")
        yield f'<track kind="captions" label="Prompts" default src="data:text/vtt;base64,{data}">'
    yield f'<a href="{_url(video)}">{_text(video)}</a>'
    yield "</video>"
    links = [f'<a href="{_url(video)}">video</a>']
    if captions is not None:
        links.append(f'<a href="{_url(captions_name)}">captions</a>')
    yield f'<p class="meta">{" · ".join(links)}</p>'
    if captions is None:
        yield _note(f"no captions: {captions_name} is not beside the video" if not _on_disk(folder, captions_name)
                    else f"no captions: {captions_name} cannot be read or is over {MAX_CAPTIONS_BYTES // 1024} KiB")
    else:
        yield from _cues(read_vtt(captions.decode("utf-8", "replace")), player, label)
    yield "</article>"


def _cues(cues: list[Any], player: str, label: str) -> Iterator[str]:
    if not cues:
        yield _note("the captions have no cues")
        return
    yield f'<ol class="cues" aria-label="{_text(f"Cues of {label}")}">'
    for cue in cues:
        yield (f'<li><button type="button" aria-controls="{player}" data-start="{cue.start_ms / 1000:.3f}" '
               f'data-end="{cue.end_ms / 1000:.3f}"><time>{format_clock(cue.start_ms)}</time>'
               f" <span>{_text(cue.text)}</span></button></li>")
    yield "</ol>"


class _Ids:
    """Unique element ids: `s1`, `t2`, `v3`... (never made from a name)."""

    def __init__(self) -> None:
        self.count = 0

    def next(self, kind: str) -> str:
        self.count += 1
        return f"{kind}{self.count}"


def _path(take: dict[str, Any], kind: str) -> str | None:
    """The file name run.json gives a take's file (`Takes` keeps only names inside the folder)."""
    record = take["files"].get(kind)
    return _string(record.get("path")) if isinstance(record, dict) else None


def _captions_beside(video: str) -> str:
    """`cat.take2.vtt` for `cat.take2.mp4`: the captions the runner writes beside a video."""
    return f"{video.removesuffix('.mp4')}.vtt"


def _beside(folder: Path, name: str | None) -> Path | None:
    """The file `name` beside the page, or None when there is none: absent, not a file, a link
    out of the folder (never read, nor linked to), a name no file system takes."""
    if name is None:
        return None
    try:
        path = inside(folder, name)
        return path if path.is_file() else None
    except (UsageError, OSError, ValueError):
        return None


def _on_disk(folder: Path, name: str | None) -> bool:
    return _beside(folder, name) is not None


def _read(folder: Path, name: str) -> bytes | None:
    """A caption file's bytes, or None when it is absent, unreadable or too large to inline."""
    path = _beside(folder, name)
    if path is None:
        return None
    try:
        with path.open("rb") as f:
            return read_at_most(f, MAX_CAPTIONS_BYTES)
    except OSError:
        return None


def _date(folder: Path, take: dict[str, Any], video: str) -> str:
    """When the take was recorded: run.json's `created_at`, else the video file's time."""
    stamp = take.get("created_at")
    if isinstance(stamp, str) and _DATE.fullmatch(stamp):
        return stamp
    try:
        seconds = (folder / video).stat().st_mtime
    except OSError:
        seconds = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def _time(stamp: str) -> str:
    """`<time>` of a UTC stamp, shown as `2026-12-07 01:02 UTC`."""
    return f'<time datetime="{stamp}">{stamp[:10]} {stamp[11:16]} UTC</time>'


def _string(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _url(name: str) -> str:
    """A relative link to a file beside the page: every byte of its name (as the file system
    has it: a name that is not UTF-8 keeps its bytes) but unreserved ones percent-encoded."""
    try:
        raw = os.fsencode(name)
    except UnicodeEncodeError:  # a lone surrogate run.json holds: no file has that name
        raw = name.encode("utf-8", "replace")
    return _text(quote(raw, safe=""))


def _text(text: str) -> str:
    """`text` for HTML: escaped, and what UTF-8 cannot hold (a non-UTF-8 file name's bytes, a
    lone surrogate from run.json) shown as `?`."""
    return html.escape(text.encode("utf-8", "replace").decode("utf-8"), quote=True)


def _note(text: str) -> str:
    return f'<p class="note">{_text(text)}</p>'
