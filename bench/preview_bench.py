"""`ody preview` of a 10-second screenplay: as a whole process and in process, against the
emulator's plain render of the same script (`emulator.render.render`) in the same run.

Issue 14's target: a 10 s screenplay previewed in at most 1 s on this machine. Rounds are
interleaved (the order alternating); the median and minimum of each are printed, and the ratio of
each preview to the plain render. Everything is written to a temporary folder. Exits non-zero
only when something fails to run, never for missing the target.
"""

from __future__ import annotations

import contextlib
import io
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from _common import start, timed

SCREENPLAY = """\
title "Window cat"
orientation landscape
@0 start "A ginger cat dozes on a sunlit windowsill, a potted fern beside it, rain-streaked glass behind"
@3s interact "The cat wakes, stretches its front paws and turns its head toward the glass"
@6s interact "A sparrow lands on the ledge outside; the cat's tail starts to twitch"
@10s end
"""


def main() -> int:
    started = start("preview_bench.py", __doc__ or "",
                    lambda p: p.add_argument("--rounds", type=int, default=11, help="rounds (default 11)"))
    if started is None:
        return 2
    args, ody = started
    try:
        from odyssey_dsl.cli.app import main as ody_main
        from odyssey_dsl.compiler import compile_text
        from odyssey_dsl.emulator.render import render
    except ImportError as error:
        print(f"preview_bench.py: {error.name} is missing: pip install -e '.[dev]'", file=sys.stderr)
        return 2

    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        screenplay = work / "cat.ody"
        screenplay.write_text(SCREENPLAY, encoding="utf-8")
        result = compile_text(SCREENPLAY, path=screenplay)
        assert result.scripts is not None
        entries = [e.to_json() for e in result.scripts[0]]

        def in_process() -> None:
            try:
                with contextlib.redirect_stdout(io.StringIO()):  # its one line
                    ody_main(["preview", str(screenplay), "-o", str(work / "in.mp4")], standalone_mode=False)
            except SystemExit as done:
                if done.code:
                    raise RuntimeError(f"ody preview exited {done.code}") from None

        cases: dict[str, Callable[[], object]] = {
            "ody preview (process)": lambda: timed([str(ody), "preview", str(screenplay), "-o", str(work / "out.mp4")]),
            "ody preview (in process)": in_process,
            "emulator render (in process)": lambda: render(entries, False, work / "emulator", "cat"),
        }
        for case in cases.values():  # untimed: imports, caches, fonts
            case()
        times: dict[str, list[float]] = {name: [] for name in cases}
        for i in range(args.rounds):
            for name in list(cases) if i % 2 == 0 else list(reversed(cases)):
                began = time.perf_counter()
                cases[name]()
                times[name].append(time.perf_counter() - began)
    base = times["emulator render (in process)"]
    for name, runs in times.items():
        ratio = "" if runs is base else (f"   {statistics.median(runs) / statistics.median(base):.2f}x / "
                                         f"{min(runs) / min(base):.2f}x the render")
        print(f"{name:30} median {statistics.median(runs) * 1000:7.1f} ms   min {min(runs) * 1000:7.1f} ms{ratio}")
    print("target: a 10 s screenplay in at most 1000 ms (the process)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
