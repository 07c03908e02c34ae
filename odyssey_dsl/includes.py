"""`include "path.ody"`: finding, reading and parsing another file's header lines.

A path is relative to the file that includes it, never a URL; a file that includes itself
through others, or lies more than `MAX_DEPTH` includes deep, is refused at the include line.
A file included twice (two files of a series including the same look) counts once: the
compilation reads it at its first include and skips it at the others (`read`'s `seen`).
Reading goes through a `Resolver`, so that an editor can serve the text of unsaved buffers;
what the included lines mean is the checks' business (checks.py), not this module's.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from pathlib import Path
from typing import NamedTuple

from .diagnostics import INCLUDE_PROBLEM, Diagnostic, shown
from .errors import OdyError
from .syntax import Include, Item, parse

#: How deep includes may nest (a file that includes one that includes one...).
MAX_DEPTH = 16

#: Reads an included file's text; raises `OdyError` (a one-line message), or `OSError` or
#: `LookupError` (a tool's own "not here"), when it cannot.
Resolver = Callable[[Path], str]

_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://|data:")


class Included(NamedTuple):
    """A file read for an include: where it is (`path`, absolute), how diagnostics name it
    (`label`, joined to the including file's name as written) and its items."""

    path: Path
    label: str
    items: tuple[Item, ...]


def read(include: Include, including: Path | None, label: str | None, chain: tuple[Path | None, ...],
         resolver: Resolver, file: str | None, seen: AbstractSet[Path] = frozenset()) -> Included | Diagnostic | None:
    """The file `include` names, read and parsed, or the one diagnostic (at the include line)
    saying why not. `including` is the file it is written in (None: the current folder),
    `chain` the files including it, outermost first, the compiled one included (None when it
    has no path): its length is the include's depth. None: the file is one of `seen`, the
    files already included, whose lines already count."""
    target = include.path.value
    span = include.path.span
    if target is None:  # the checks skip such an include: the syntax stage reports its escape
        return INCLUDE_PROBLEM.at(span, "this path has an invalid escape", "fix the escape first", file=file)
    if not target.strip():
        return INCLUDE_PROBLEM.at(span, "the path is empty", 'write the path of a file: `include "common.ody"`',
                                  file=file)
    if _URL.match(target):
        return INCLUDE_PROBLEM.at(span, "an include is never fetched from a URL",
                                  "download the file and include it by its path", file=file)
    if len(chain) > MAX_DEPTH:
        return INCLUDE_PROBLEM.at(span, f"includes nest more than {MAX_DEPTH} deep",
                                  "include the files you need from fewer levels", file=file)
    base = including.parent if including is not None else Path()
    written = os.path.expanduser(target)
    joined = base / written
    path = Path(os.path.abspath(joined))
    if path in chain:
        names = " → ".join(p.name for p in (*chain[chain.index(path):], path) if p is not None)
        return INCLUDE_PROBLEM.at(span, f"this include makes a cycle: {shown(names, 120)}",
                                  "a file cannot include itself, even through other files", file=file)
    if path in seen:
        return None
    try:
        text = resolver(path)
    except (OdyError, OSError, LookupError, ValueError) as error:  # a tool's resolver may say "not here" its own way
        reason = _reason(str(error), str(path)) if isinstance(error, OdyError) else _foreign(error)
        return INCLUDE_PROBLEM.at(span, f"cannot include `{shown(target, 60)}`: {reason}", _help(reason), file=file)
    shown_label = os.path.normpath(os.path.join(os.path.dirname(label), written) if label else joined)
    return Included(path, shown_label, parse(text).items)


def _foreign(error: Exception) -> str:
    """What a resolver's own exception says: a missing file or buffer is "no such file"."""
    if isinstance(error, (FileNotFoundError, LookupError)):
        return "no such file"
    return getattr(error, "strerror", None) or str(error) or type(error).__name__


def _reason(message: str, path: str) -> str:
    """The reader's message without the path it begins with (the diagnostic names it)."""
    if message.startswith(f"{path}: "):
        return message[len(path) + 2:]
    return message.split(": ", 1)[-1] if ": " in message else message


def _help(reason: str) -> str:
    """What to do about a file that could not be read: its encoding, its size, or its path."""
    if "UTF" in reason or "not a text file" in reason:
        return "an included file is a text file like a screenplay: save it as UTF-8"
    if "--max-bytes" in reason:
        return "keep included files small (defines, styles and directives), or raise the limit with --max-bytes"
    return "check the path: it is relative to this file's folder"
