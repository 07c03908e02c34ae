"""What the benchmarks need: the `ody` beside this interpreter, their command line, timing one
whole process, and the unit of a child's peak RSS."""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

RSS_UNIT = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB on Linux


def find_ody(script: str) -> Path | None:
    """The `ody` executable of this interpreter's environment, or None with a message."""
    ody = Path(sys.executable).parent / "ody"
    if ody.is_file():
        return ody
    print(f"{script}: no `ody` beside {sys.executable}; run with the project's venv", file=sys.stderr)
    return None


def start(script: str, doc: str,
          options: Callable[[argparse.ArgumentParser], object]) -> tuple[argparse.Namespace, Path] | None:
    """A benchmark's arguments (described by the first paragraph of its `doc`, with `options`
    added) and the `ody` to run, or None with a message when there is no `ody`."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    options(parser)
    args = parser.parse_args()
    ody = find_ody(script)
    return None if ody is None else (args, ody)


def interleaved(commands: dict[str, list[str]], rounds: int, silent: bool = True) -> dict[str, list[float]]:
    """Seconds of each whole process per round, the order of the commands alternating (so that
    neither always runs first on a machine whose load drifts)."""
    runs: dict[str, list[float]] = {name: [] for name in commands}
    for i in range(rounds):
        order = list(commands.items())
        for name, cmd in order if i % 2 == 0 else order[::-1]:
            runs[name].append(timed(cmd, silent=silent))
    return runs


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
