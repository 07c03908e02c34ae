"""Writing a file so that no reader, crash or second writer ever sees half of it: the one way
every command writes what it produces (compiled scripts, formatted screenplays, the runner's
manifests and user config, the parser-table cache).

Only a regular file (or a new path) is written through a temporary file renamed over it: a
FIFO, a device or the process's own standard output (`-o /dev/stdout`, `-o /dev/null`) is
written as it is, never replaced. A symlink stays a link: what it points to is written. The
process umask is never changed (other threads may be creating files meanwhile): a new file
gets its permissions from the kernel, as any file the user creates."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import sys
from pathlib import Path

# A folder whose entries are this process's open descriptors (`/dev/stdout` -> `/proc/self/fd/1`):
# on Linux /proc/<pid>/fd (or a thread's), elsewhere /dev/fd.
_DESCRIPTORS = re.compile(r"/proc/(\d+)(?:/task/\d+)?/fd|/dev/fd")
_MAX_LINKS = 40  # as the kernel: more links in a row than this is a loop


def write_atomic(path: Path, text: str, mode: int | None = None, *, only_files: bool = False) -> None:
    """Write `text` (UTF-8, newlines as they are) to `path`.

    A regular file is replaced atomically by a complete new one (written beside it, flushed to
    disk, renamed over it) with the same permissions, unless `mode` is given; a new path is
    created the same way, with `mode` or else the permissions the umask gives a new file;
    through a symlink, the file it points to is replaced and the link kept. A FIFO, a device
    (`/dev/null`, a terminal) or a descriptor of this process (`/dev/stdout`, `/dev/fd/N`) is
    opened and written directly: it is not a file to replace; with `only_files` (a file of a
    folder we keep, which nobody writes to a device: run.json, a review page), NotRegularFile
    instead, since opening a FIFO would wait for a reader. A folder raises IsADirectoryError;
    any other failure, OSError, and `path` is left as it was."""
    if only_files:
        refuse_special(path)
    data = text.encode("utf-8")
    descriptor = _own_descriptor(path)
    if descriptor is not None:
        _write_descriptor(descriptor, data)
        return
    try:
        info: os.stat_result | None = os.stat(path)  # through symlinks: what would be written
    except FileNotFoundError:
        info = None  # a new file, or a dangling link: its target is created
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
    if info is not None and not stat.S_ISREG(info.st_mode):
        _write_in_place(path, data)
        return
    _replace(replaced(path), data, info, mode)


def replaced(path: Path) -> Path:
    """The file a write to `path` replaces: `path`, or through symlinks what they point to (for
    a dangling link, its target, which the write creates), so that a link stays a link. Every
    file written by replacement goes through here (`write_atomic`, the preview's video)."""
    return Path(os.path.realpath(path))


class NotRegularFile(OSError):
    """A file to be replaced is a FIFO, a device or a socket (`refuse_special`)."""


def refuse_special(path: Path) -> None:
    """Raise NotRegularFile (its strerror `not a regular file (a FIFO)`, its filename `path`)
    when `path`, through links, is a FIFO, a device or a socket: for a file only ever written by
    replacement (a preview's video and captions), which must never take such a node's place (as
    root, a link to /dev/null would replace /dev/null), and for a file read because another
    names it (an include), whose opening would wait for a FIFO's writer forever. A folder or a
    missing or unnameable path passes: the write or read says what is wrong with it."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):  # ValueError: a NUL in the path
        return
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return
    raise not_regular(mode, path)


def not_regular(mode: int, path: Path) -> NotRegularFile:
    """The error for `path`, a node of `mode` that is no regular file nor folder."""
    kind = "a FIFO" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else "a device"
    return NotRegularFile(errno.EEXIST, f"not a regular file ({kind})", str(path))


def _replace(target: Path, data: bytes, existing: os.stat_result | None, mode: int | None) -> None:
    """Write a temporary file beside `target` and rename it over `target`."""
    if mode is None and existing is not None:
        mode = stat.S_IMODE(existing.st_mode)
    # Created with at most 0600 when its final mode is known (nobody else ever reads a
    # config's first bytes), else with 0666 for the kernel to apply the umask (and a folder's
    # default ACL) exactly as to any new file.
    fd, tmp = _create_beside(target, 0o666 if mode is None else mode & 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            if existing is not None:
                _same_owner(f.fileno(), existing)  # before the mode: a chown clears set-id bits
            if mode is not None:
                _set_mode(f.fileno(), tmp, mode)
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _sync_folder(target.parent)


def hidden_beside(name: str, suffix: str) -> str:
    """`.NAME.SUFFIX`, a temporary file's name beside NAME, with NAME cut (by whole characters)
    so that it fits the 255-byte limit of a file name: a valid name of 250 bytes has room for
    itself, not for its temporary file's prefix and suffix."""
    room = 255 - len(os.fsencode(f"..{suffix}"))
    while len(os.fsencode(name)) > room:
        name = name[:-1]
    return f".{name}.{suffix}"


def _create_beside(target: Path, permissions: int) -> tuple[int, str]:
    """A new, empty, uniquely named file in `target`'s folder, open for writing."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
    for _ in range(100):
        tmp = os.path.join(target.parent, hidden_beside(target.name, f"{os.urandom(6).hex()}.tmp"))
        try:
            return os.open(tmp, flags, permissions), tmp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no unused temporary name", str(target.parent))


def _same_owner(fd: int, existing: os.stat_result) -> None:
    """Keep the replaced file's owner and group, where this process may (root, or its own group)."""
    if hasattr(os, "fchown") and (existing.st_uid, existing.st_gid) != (os.geteuid(), os.getegid()):
        with contextlib.suppress(OSError):
            os.fchown(fd, existing.st_uid, existing.st_gid)


def _set_mode(fd: int, path: str, mode: int) -> None:
    if hasattr(os, "fchmod"):
        os.fchmod(fd, mode)
    else:  # Windows before Python 3.13
        os.chmod(path, mode)


def _sync_folder(folder: Path) -> None:
    """Best effort: make the rename itself survive a crash."""
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _write_in_place(path: Path, data: bytes) -> None:
    """A FIFO or a device: opened as it is (a FIFO waits for its reader) and written."""
    fd = os.open(path, os.O_WRONLY | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        _write_all(fd, data)
    finally:
        os.close(fd)


def _write_descriptor(fd: int, data: bytes) -> None:
    """One of this process's descriptors: written where it stands (`ody ... -o /dev/stdout
    >> log` appends, as printing would), after what Python's own streams still hold for it."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, OSError, ValueError):
            if stream.fileno() == fd:
                stream.flush()
    _write_all(fd, data)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _own_descriptor(path: Path) -> int | None:
    """The descriptor of this process that `path` names (`/dev/stdout`, `/dev/fd/1`,
    `/proc/self/fd/1`, or a link to one), else None. Such a name is a link the kernel resolves
    to whatever the descriptor is open on (a pipe, a terminal, a file opened for appending),
    which no path-based write would reach as it is."""
    current = os.path.abspath(path)
    for _ in range(_MAX_LINKS):
        folder, name = os.path.split(current)
        found = _DESCRIPTORS.fullmatch(os.path.realpath(folder))
        if found is not None and name.isdigit() and (found[1] is None or int(found[1]) == os.getpid()):
            return int(name)
        try:
            link = os.readlink(current)
        except OSError:  # not a link (or not there): not a descriptor's name
            return None
        current = os.path.join(folder, link)  # `..` in it: resolved by realpath above
    return None
