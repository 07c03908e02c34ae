"""How long `ody jobs` takes when the APIs in its journal are down, against the same command
with no API to ask.

Issue 13 asks that `ody jobs` answer within 2 s when an API in the journal is down. Three
journals, each in its own state folder, with the default retry settings: **none** (no key, no
job: nothing to ask, the baseline), **refused** (a job on each of two loopback ports where
nothing listens, and the configured API down too: refused at once) and **silent** (a job on a
loopback port that accepts connections and never answers: only the 1 s budget ends it).
Rounds alternate the order; the median and minimum of each are printed with their excess over
the baseline.

Run it with the project's interpreter: `.venv/bin/python bench/jobs_bench.py [--rounds 7]`.
It exits non-zero only when a command fails, never for a figure.
"""

from __future__ import annotations

import socket
import statistics
import sys
import tempfile
from pathlib import Path

from _common import interleaved, start

from odyssey_dsl.runner.journal import Journal
from odyssey_dsl.runner.target import fingerprint

KEY = "ody_bench_key"
TARGET = 2.0  # seconds, as the issue asks


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def journal(state: Path, apis: list[str]) -> None:
    """A journal with one job, last seen processing, on each of `apis`."""
    folder = state / "odyssey-dsl"
    folder.mkdir(parents=True)
    book = Journal(folder / "journal.sqlite3")
    for n, api in enumerate(apis):
        job_id = f"{n:08x}-0000-4000-8000-000000000000"
        row = book.intend(api_base=api, key_fp=fingerprint(KEY), group_hash=job_id, request_hash=job_id, take=1,
                          screenplay=f"/bench/{n}.ody", folder=None, title=None, plan=())
        book.answered(row.id, job_id, "processing")
    book.close()


def main() -> int:
    started = start("jobs_bench", __doc__ or "", lambda p: p.add_argument("--rounds", type=int, default=7))
    if started is None:
        return 2
    args, ody = started
    with tempfile.TemporaryDirectory() as tmp, socket.socket() as silent:
        root = Path(tmp)
        silent.bind(("127.0.0.1", 0))
        silent.listen(64)  # accepts (the kernel does) and never answers
        silent_url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        refused = [f"http://127.0.0.1:{free_port()}" for _ in range(3)]
        setups = {"none": ([], ""), "refused": (refused[:2], KEY), "silent": ([silent_url], KEY)}
        commands = {}
        for name, (apis, key) in setups.items():
            journal(root / name / "state", apis)
            (root / name / "config").mkdir()
            commands[name] = ["env", f"XDG_STATE_HOME={root / name / 'state'}",
                              f"XDG_CONFIG_HOME={root / name / 'config'}", f"ODYSSEY_API_KEY={key}",
                              f"ODYSSEY_API_URL={refused[2]}", str(ody), "jobs"]
        runs = interleaved(commands, args.rounds, silent=False)
    base = statistics.median(runs["none"]), min(runs["none"])
    print(f"`ody jobs`, {args.rounds} rounds (seconds; target: at most {TARGET:g} s with an API down)")
    print(f"{'journal':<10}{'median':>9}{'min':>9}{'excess (median)':>18}")
    for name, seconds in runs.items():
        median = statistics.median(seconds)
        print(f"{name:<10}{median:>9.2f}{min(seconds):>9.2f}{median - base[0]:>+18.2f}"
              + ("" if name == "none" or median <= TARGET else "  over the target"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
