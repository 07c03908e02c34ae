"""From a screenplay to what the runner submits: the request body, its hash, and one `Scene`
per script (index, file name, length, scene and variant, its key, the script it continues),
with `--landscape`/`--portrait` applied; `Prepared.only` keeps the scripts of some scenes
(`ody run --scene`).

A script's key is what makes its recording: the script, the orientation, the options, and
for a scene that continues another (`after`) that scene's key, since its start image is that
recording's last frame. Equal keys, equal requests: a rerun reuses the stream.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from itertools import accumulate
from pathlib import Path

from .._support.digests import sha256
from ..compiler import Compilation
from ..compose import ScriptName
from ..emit import Entry, request_json, script_json
from .journal import Row, Scene
from .outputs import safe_name, unique_names


@dataclass(frozen=True)
class Prepared:
    path: Path  # absolute
    name: str  # as the user wrote it, for messages
    title: str | None
    batch: bool
    portrait: bool
    expansion: bool
    scripts: tuple[tuple[Entry, ...], ...]
    scenes: tuple[Scene, ...]  # the scripts this run makes (`--scene`: some of them)
    every: tuple[Scene, ...] = ()  # all the screenplay's scripts, by index
    named: frozenset[int] = frozenset()  # `--scene`: the scripts of the scenes named (for `--new`)

    def script_scene(self, index: int) -> Scene:
        """Script `index` of the screenplay, made by this run or not (a scene one continues)."""
        return self.every[index]

    @property
    def stem(self) -> str:
        return safe_name(self.path.stem, "screenplay")

    @cached_property  # images are embedded: the body can be megabytes, made once
    def body(self) -> bytes:
        return request_json(self.scripts, self.batch, self.portrait, self.expansion).encode("utf-8")

    def body_for(self, indexes: tuple[int, ...], images: Mapping[int, str] | None = None) -> bytes:
        """The request for some of the scripts: all of them, or a batch of those to redo;
        `images` gives the start image of scripts that continue another's recording."""
        if len(indexes) == len(self.scripts) and not images:
            return self.body
        chosen = tuple(_with_image(self.scripts[i], (images or {}).get(i)) for i in indexes)
        return request_json(chosen, True, self.portrait, self.expansion).encode("utf-8")

    @cached_property
    def group_hash(self) -> str:
        """What a rerun compares: the whole request, orientation and options included."""
        return sha256(self.body)

    @cached_property
    def script_hash(self) -> str:
        """The compiled script's (what `ody compile` prints), for run.json."""
        return sha256(script_json(self.scripts, self.batch).encode("utf-8"))

    def only(self, scenes: Collection[str]) -> Prepared:
        """The same request, running only the scripts of `scenes` (every variant of each) and
        of the scenes they continue (`after`: reused when already made). A later run of the rest
        (or of everything) reuses what this one made, and pays only for what is missing."""
        named = frozenset(s.index for s in self.scenes if s.scene in scenes)
        chosen = set(named)
        for index in sorted(named):
            parent = self.every[index].after
            while parent is not None:
                chosen.add(parent)
                parent = self.every[parent].after
        return replace(self, scenes=tuple(s for s in self.scenes if s.index in chosen), named=named)


def prepare(result: Compilation, name: str, portrait: bool | None) -> Prepared:
    """`result` must have compiled without errors, and not be a library."""
    assert result.scripts is not None and result.names is not None and result.path is not None
    stem = safe_name(result.path.stem, "screenplay")
    files = recording_names(result.names, stem)
    options = result.options
    portrait = options.portrait if portrait is None else portrait
    after = result.after or (None,) * len(result.scripts)
    keys = script_keys(result.scripts, after, portrait, options.expansion)
    scenes = tuple(Scene(i, files[i], entries[-1].timestamp_ms, n.scene, n.variant, n.choices, keys[i], after[i])
                   for i, (entries, n) in enumerate(zip(result.scripts, result.names, strict=True)))
    return Prepared(result.path.resolve(), name, options.title, result.batch, portrait, options.expansion,
                    result.scripts, scenes, scenes)


def script_keys(scripts: Sequence[tuple[Entry, ...]], after: Sequence[int | None], portrait: bool,
                expansion: bool) -> list[str]:
    """Every script's key, in order; `after[i]` is the index of the script the i-th continues."""
    keys: list[str | None] = [None] * len(scripts)
    for i in range(len(keys)):  # a scene's key needs the key of the scene it continues first
        chain: list[int] = []
        j: int | None = i
        while j is not None and keys[j] is None:
            chain.append(j)
            j = after[j]
        for k in reversed(chain):
            parent = after[k]
            keys[k] = script_key(scripts[k], portrait, expansion, None if parent is None else keys[parent])
    return [k for k in keys if k is not None]


def script_key(entries: tuple[Entry, ...], portrait: bool, expansion: bool, after: str | None) -> str:
    """What makes one script's recording, as a hash (see the module's docstring)."""
    return sha256(json.dumps({"script": [e.to_json() for e in entries], "portrait": portrait,
                              "expansion": expansion, "after": after},
                             ensure_ascii=False, sort_keys=True).encode("utf-8"))


def _with_image(entries: tuple[Entry, ...], image: str | None) -> tuple[Entry, ...]:
    """The script with `image` as its start image (the first entry is always `start`)."""
    if image is None:
        return entries
    return (entries[0]._replace(image=image), *entries[1:])


def recording_names(names: tuple[ScriptName, ...], stem: str) -> list[str]:
    """What each script's files are called: its scene's name (the stem without scenes), made
    safe and distinct (`day`, `day-2`), then `.v<n>` for each variant (`day.v1`). Variants keep
    their names: a scene literally called `day.v1` becomes `day.v1-2`."""
    starts = [n.variant in (None, 1) for n in names]  # where each scene's scripts begin
    firsts = [n for n, start in zip(names, starts, strict=True) if start]
    bases = unique_names([stem if n.scene is None else safe_name(n.scene, f"scene-{k + 1}")
                          for k, n in enumerate(firsts)])
    labels = [n._replace(scene=None).label(bases[k - 1]) for n, k in zip(names, accumulate(starts), strict=True)]
    varying = {i for i, n in enumerate(names) if n.variant is not None}
    plain = iter(unique_names([label for i, label in enumerate(labels) if i not in varying],
                              taken=[labels[i] for i in varying]))
    return [label if i in varying else next(plain) for i, label in enumerate(labels)]


@dataclass(frozen=True)
class Known:
    """A screenplay as the journal remembers it, for the commands that resume a job (`ody wait`,
    `ody download`): enough to name and check files, never to submit."""

    path: Path
    name: str
    title: str | None
    scenes: tuple[Scene, ...]
    group_hash: str
    stem: str
    portrait: bool | None = None  # unknown to the journal: run.json keeps what it said
    script_hash: str | None = None  # the journal keeps the request's hash, not the script's
    rows: tuple[Row, ...] = ()  # the jobs to wait for and download (a rejected one: alone, never in its folder)

    @cached_property  # compiled only when a recording needs its captions
    def scripts_now(self) -> dict[str, tuple[Entry, ...]]:
        """The scripts of the screenplay file as it is now, by key: the journal keeps no
        prompts, so a recording's captions come from the script with its key (none for a job
        submitted elsewhere, `job:ID`)."""
        return scripts_by_key(self.path) if self.path.is_absolute() else {}


def scripts_by_key(path: Path) -> dict[str, tuple[Entry, ...]]:
    """Every script of the screenplay at `path` by its key in either orientation (`--portrait`
    or `--landscape` may have been given); none when the file cannot be read or compiled."""
    from ..compiler import compile_path
    from ..config import load_settings
    from ..errors import OdyError

    try:
        result = compile_path(path, load_settings(path.parent))
    except (OdyError, OSError):
        return {}
    if result.scripts is None or result.library:
        return {}
    return {scene.key: result.scripts[scene.index] for portrait in (False, True)
            for scene in prepare(result, str(path), portrait).every if scene.key is not None}


def known(rows: list[Row], name: str, stem: str | None = None) -> Known:
    """What the rows of one take say about their screenplay: every script any of them carries."""
    scenes = {s.index: s for row in rows for s in row.plan}
    first = rows[0]
    path = Path(first.screenplay or name)
    return Known(path, name, first.title, tuple(scenes[i] for i in sorted(scenes)), first.group_hash,
                 stem or safe_name(path.stem, "screenplay"))
