"""The open files as their includes join them.

A screenplay's includes are read from the editor's open buffers first, then from disk
(`resolver`): what the writer has not saved yet already counts, exactly as `ody lint` would
read it once saved. A diagnostic that `ody lint` reports inside an included file is shown on
that file when it is open (each once, however many open files include it, and beside the
file's own), else on the including file at the include line that brings it in, with its place
in the included file as the related location (`published`). When an included file changes
(edited, saved, opened or closed), the open files that include it are checked again
(`including`).

Files are named in diagnostics by the path the includes make (`Diagnostic.file`, `Related.file`,
None for the file compiled); here they are compared as normalized absolute paths (`key`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from ..compiler import SourceError, decode, file_resolver, too_large
from ..config import Settings
from ..diagnostics import Diagnostic, Related, Span, sort_key
from ..includes import Resolver
from ..lines import split_keeping
from .document import LiveDocument
from .positions import CLIENT_BYTES, LineAt


def key(path: str | Path) -> str:
    return os.path.normpath(os.path.abspath(path))


def resolver(buffer: Callable[[Path], LiveDocument | None], max_bytes: int) -> Resolver:
    """Reads an included file from its open buffer (`buffer` finds it), else from disk."""
    disk = file_resolver(max_bytes)

    def resolve(path: Path) -> str:
        live = buffer(path)
        return disk(path) if live is None else saved(live, path, max_bytes)

    return resolve


def saved(live: LiveDocument, path: Path, max_bytes: int) -> str:
    """An open buffer's text as `compiler.file_resolver` would read it once saved: refused over
    `max_bytes`, or with a byte that is not UTF-8, and without a byte-order mark."""
    text = live.text
    if text.isascii() and len(text) <= max_bytes:
        return text
    data = text.encode("utf-8", CLIENT_BYTES)
    if len(data) > max_bytes:
        raise SourceError(f"{path}: {too_large(len(data), max_bytes)}")
    decoded, problems = decode(data)
    if problems:
        raise SourceError(f"{path}: {problems[0].message}")
    return decoded


def disk_lines(path: Path) -> LineAt:
    """The lines of a file that is not open, to count a related place's columns on."""
    try:
        lines = split_keeping(file_resolver(Settings().max_bytes)(path))
    except SourceError:
        lines = []

    def line_at(index: int) -> str:
        return lines[index].rstrip("\r\n") if 0 <= index < len(lines) else ""

    return line_at


def including(path: Path, lives: Mapping[str, LiveDocument]) -> list[str]:
    """The open files (URIs) whose includes read `path`, however deep."""
    wanted = key(path)
    return [uri for uri, live in lives.items() if any(key(p) == wanted for p in live.includes)]


def reached(lives: Iterable[LiveDocument], open_paths: Mapping[str, str]) -> set[str]:
    """The open files (URIs, from `open_paths`: key -> URI) that the includes of `lives` read."""
    return {open_paths[key(p)] for live in lives for p in live.includes if key(p) in open_paths}


def published(uri: str, path: Path | None, lives: Mapping[str, LiveDocument],
              open_paths: Mapping[str, str]) -> list[Diagnostic]:
    """The diagnostics shown on the file `uri` (at `path`; `lives`: every open file by URI,
    `open_paths`: their keys to their URIs): its own, those its includes have whose file is
    not open (at the include line), and those other open files find in it."""
    live = lives.get(uri)
    here = key(path) if path is not None else None
    others = [(other, str(other.path)) for other_uri, other in lives.items() if other_uri != uri and here is not None
              and other.path is not None and any(key(p) == here for p in other.includes)]
    if live is not None and not others and not live.includes:
        return list(live.diagnostics)  # nothing to move: the usual case, and a file may have thousands
    found: list[Diagnostic] = []
    if live is not None:
        for d in live.diagnostics:
            if d.file is None:
                found.append(d)
            elif key(d.file) not in open_paths:
                found.append(_at_include(d, live))
    for other, root in others:
        found += (_rehomed(d, root, d.file) for d in other.diagnostics if d.file is not None and key(d.file) == here)
    return sorted(dict.fromkeys(found), key=sort_key)  # each once, in place order


def _rehomed(d: Diagnostic, root: str, file: str) -> Diagnostic:
    """`d`, found in `file` by checking `root`, as `file`'s own: its other places named from there."""
    def moved(where: str | None) -> str | None:
        return root if where is None else None if where == file else where

    return d._replace(file=None, related=tuple(r._replace(file=moved(r.file)) for r in d.related),
                      fixes=tuple(f._replace(file=moved(f.file)) for f in d.fixes))


def _at_include(d: Diagnostic, live: LiveDocument) -> Diagnostic:
    """`d`, inside an included file that is not open, shown at the include line that brings it
    in, its own place as the first related one (its fixes are for that file: left out)."""
    assert d.file is not None
    span = live.brought_by(d.file) or Span(1, 1, 1, 1)  # always found: each file read was brought by one
    name = os.path.relpath(d.file, live.path.parent) if live.path is not None else d.file
    where = Related(d.span, f"here, in `{name}`", d.file)
    return Diagnostic(d.code, f"in `{name}` (line {d.span.line}): {d.message}", span, d.help, (),
                      (where, *d.related))
