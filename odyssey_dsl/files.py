"""Writing a file so that no reader, crash or second writer ever sees half of it: the one way
every command writes what it produces (compiled scripts, formatted screenplays, the runner's
manifests and user config, the parser-table cache)."""

from __future__ import annotations

import os
from pathlib import Path


def write_atomic(path: Path, text: str, mode: int | None = None) -> None:
    """Write `text` to a unique temporary file beside `path`, flush it to disk and rename it
    over `path`. The file keeps the permissions of the one it replaces, else gets `mode`
    (default: 0666 less the umask); through a symlink, the target is replaced, the link kept."""
    import tempfile  # not at the top: `ody lint` imports this module and writes nothing

    path = Path(os.path.realpath(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        elif path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o7777)
        else:
            os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
