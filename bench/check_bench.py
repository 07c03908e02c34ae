"""How long `ody check` takes on a 20,000-entry JSON script, against a floor on the same machine.

Issue 7 sets the target: the whole-process time of `ody check big.json` is at most 6 times the
floor, the whole-process time of a `python -c` that `json.load`s the same file and writes it
back compact with the C encoder (`json.dumps(data, separators=(",", ":"))`). Both are measured
in one run, in interleaved rounds, so that the machine's mood affects them alike. In-process times follow
(no interpreter start, no imports, no report): `check_json`, and its JSON reader against
`json.loads`.

Run it with the project's interpreter: `.venv/bin/python bench/check_bench.py [--rounds 7]`.
It exits non-zero only when something fails to run, never for missing the target.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from _common import interleaved, start, timed
from compile_bench import FLOOR, ms, prompt

ENTRIES = 20_000
TARGET = 6.0
LONG = frozenset({"ODY202"})  # hours of script: the one warning it earns is silenced, as a user would


def script(entries: int, seed: int = 7) -> str:
    """A valid script of `entries` entries as `json.dumps(indent=2)` writes it (non-ASCII as
    `\\u` escapes): `start` at 0 with `"image": null`, then interactions 3 to 9 s apart with
    prompts of 30 to 120 characters (some with `\\"`), and an `end`."""
    rng = random.Random(seed)
    items: list[dict[str, object]] = [{"timestamp_ms": 0, "start": {"prompt": text(rng), "image": None}}]
    ms = 0
    for _ in range(entries - 2):
        ms += rng.randint(3000, 9000)
        items.append({"timestamp_ms": ms, "interact": {"prompt": text(rng)}})
    items.append({"timestamp_ms": ms + 5000, "end": {}})
    return json.dumps(items, indent=2) + "\n"


def text(rng: random.Random) -> str:
    """A prompt of `compile_bench`, whose `\\"` (a .ody escape) becomes a plain `"`."""
    return prompt(rng).replace('\\"', '"')


def in_process(path: Path, repeat: int) -> list[tuple[str, float]]:
    """Best times in process, with the garbage collector off as in the CLI: `check_json` on the
    file's bytes, and the reader alone against `json.loads`, with entries read at once as
    usual and read token by token (as entries spelt another way are)."""
    from odyssey_dsl.jsoncheck import check_json
    from odyssey_dsl.jsonpos import read

    data = path.read_bytes()
    text = data.decode("utf-8")
    result = check_json(data, path.parent, ignore=LONG)
    if result.diagnostics:
        raise RuntimeError(f"the generated script is not clean: {result.diagnostics[0].message}")
    parts = [("check_json (the whole check)", lambda: check_json(data, path.parent, ignore=LONG)),
             ("jsonpos.read", lambda: read(text, decoded=True)),
             ("jsonpos.read, token by token", lambda: read(text, decoded=True, usual=False)),
             ("json.loads (for scale)", lambda: json.loads(text))]
    return [(name, best(run, repeat)) for name, run in parts]


def best(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        gc.disable()
        t0 = time.perf_counter()
        run()
        times.append(time.perf_counter() - t0)
        gc.enable()
    return min(times)


def main() -> int:
    def options(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds (default 7)")
        parser.add_argument("--entries", type=int, default=ENTRIES, help=f"entries in the file (default {ENTRIES})")

    started = start("check_bench", __doc__ or "", options)
    if started is None:
        return 2
    args, ody = started
    with tempfile.TemporaryDirectory(prefix="ody-bench-") as tmp:
        source = Path(tmp) / "big.json"
        os.environ["ODY_CACHE_DIR"] = str(Path(tmp) / "cache")  # never the user's cache
        source.write_text(script(args.entries), encoding="utf-8")
        commands = {"ody": [str(ody), "check", "--ignore", "ODY202", str(source)],
                    "floor": [sys.executable, "-c", FLOOR, str(source), str(Path(tmp) / "floor.json")]}
        try:
            for cmd in commands.values():
                timed(cmd, silent=True)  # once untimed: a clean check prints nothing
            runs = interleaved(commands, args.rounds)
            parts = in_process(source, repeat=min(args.rounds, 3))
        except (RuntimeError, OSError) as error:
            print(f"check_bench: {error}", file=sys.stderr)
            return 1
        size = f"{source.stat().st_size / 1e6:.1f} MB"
    med = {k: statistics.median(v) for k, v in runs.items()}
    low = {k: min(v) for k, v in runs.items()}
    ratios = med["ody"] / med["floor"], low["ody"] / low["floor"]
    verdict = "met" if max(ratios) <= TARGET else "MISSED"
    print(f"ody check, {args.entries:,} entries ({size} of JSON), {args.rounds} interleaved rounds\n"
          f"{'':32}{'median':>11}{'min':>11}\n"
          f"{'ody check big.json':32}{ms(med['ody'])}{ms(low['ody'])}\n"
          f"{'floor: json.load + dumps (C)':32}{ms(med['floor'])}{ms(low['floor'])}\n"
          f"{'ratio (target at most 6x)':32}{ratios[0]:10.1f}x{ratios[1]:10.1f}x   {verdict}\n\n"
          f"in process (best of {min(args.rounds, 3)}, gc off):")
    for name, seconds in parts:
        print(f"  {name:30}{ms(seconds)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
