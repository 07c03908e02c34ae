"""What both benchmarks need: the `ody` beside this interpreter, and timing one whole process."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path


def find_ody(script: str) -> Path | None:
    """The `ody` executable of this interpreter's environment, or None with a message."""
    ody = Path(sys.executable).parent / "ody"
    if ody.is_file():
        return ody
    print(f"{script}: no `ody` beside {sys.executable}; run with the project's venv", file=sys.stderr)
    return None


def timed(cmd: list[str], silent: bool = False) -> float:
    """Seconds of wall time for one whole process; raises when it fails (or, when `silent`
    is asked, when it prints anything: a clean lint prints nothing)."""
    t0 = time.perf_counter()
    done = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True)
    elapsed = time.perf_counter() - t0
    if done.returncode != 0 or (silent and done.stdout):
        output = (done.stdout + done.stderr).decode(errors="replace")[:2000]
        raise RuntimeError(f"{' '.join(cmd)} exited {done.returncode}: {output}")
    return elapsed
