"""How long `ody compile` takes on a 20,000-cue screenplay, against a floor on the same machine.

Issue 2 ("Speed") sets the target: the whole-process time of `ody compile big.ody -o out.json`
is at most 6 times the floor, the whole-process time of a `python -c` that `json.load`s that
output and writes it back compact with the C encoder. Both are measured in one run, in
interleaved rounds, so that the machine's mood affects them alike. The in-process breakdown
(import, parser tables, parse, checks, emit) through the public API says where time goes.

Issue 12 ("Say it once") adds a second figure: the same screenplay written with a `define`
and a `style` in every prompt compiles within 1.5 times the time of it written out (both
whole processes, interleaved, their outputs checked equal).

Run it with the project's interpreter: `/tmp/v/bin/python bench/compile_bench.py [--rounds 7]`.
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
from pathlib import Path

from _common import interleaved, start, timed

CUES = 20_000
TARGET = 6.0
SAID_ONCE_TARGET = 1.5
STYLE = "golden-hour light, 35 mm film grain"
FLOOR = (
    "import json, sys\n"
    "with open(sys.argv[1], encoding='utf-8') as f: data = json.load(f)\n"
    "with open(sys.argv[2], 'w', encoding='utf-8') as f: f.write(json.dumps(data, separators=(',', ':')))\n"
)

_WHO = ["the tabby cat", "a cyclist in a red jacket", "Zoë", "the old fisherman", "a delivery drone",
        "the café owner", "Søren", "a child in a yellow raincoat", "the night guard", "Amélie",
        "a flock of pigeons", "the street musician", "José", "the robot vacuum", "a tired commuter"]
_DOES = ["walks slowly toward", "turns to look at", "jumps onto", "waves at", "circles around",
         "stops in front of", "points at", "runs past", "leans against", "picks up"]
_WHAT = ["the rain-streaked window", "a stack of old newspapers", "the flickering neon sign",
         "the bakery's counter", "a parked tram", "the fountain", "a sign that reads \\\"OPEN\\\"",
         "the piano by the door", "a bowl of ramen (ラーメン)", "the crème brûlée stand"]
_WHERE = ["as snow begins to fall", "in the golden light of late afternoon", "while the crowd cheers",
          "under a sky full of drones", "près de la fenêtre", "as the camera pans left",
          "while thunder rolls in the distance", "in slow motion", "as the lights go out — briefly",
          "beside a steaming cup of tea ☕"]


def prompt(rng: random.Random) -> str:
    """A prompt of 30 to 120 characters, as a writer would type it (escapes kept as written)."""
    words = f"{rng.choice(_WHO)} {rng.choice(_DOES)} {rng.choice(_WHAT)}"
    words, length = words[0].upper() + words[1:], rng.randint(30, 120)
    while len(words) < length:
        words += f" {rng.choice(_WHERE)}" if rng.random() < 0.7 else f", then {rng.choice(_DOES)} {rng.choice(_WHAT)}"
    if len(words) > 120:
        words = words[:120].rsplit(" ", 1)[0].rstrip(",\\")
    return words


def units(ms: int, rng: random.Random) -> str:
    """`ms` in unit form: `1h2m3.25s`, `45s`, or sometimes `3250ms`."""
    if ms < 60_000 and rng.random() < 0.2:
        return f"{ms}ms"
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, frac = divmod(rest, 1000)
    seconds = f"{s}.{frac:03d}".rstrip("0") if frac else str(s)
    return (f"{h}h" if h else "") + (f"{m}m" if m else "") + (f"{seconds}s" if rest or not (h or m) else "")


def clock(ms: int) -> str:
    """`ms` in clock form: `1:30.250` or `2:05:07`."""
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, frac = divmod(rest, 1000)
    text = f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
    return text + (f".{frac:03d}" if frac else "")


def screenplay(cues: int = CUES, seed: int = 2) -> str:
    """A valid screenplay of `cues` cues: start at 0, interactions at varied times, an end."""
    rng = random.Random(seed)
    lines = ['title "Benchmark: the long walk"', "orientation landscape", "min-gap 3s", "",
             f'@0 start "{prompt(rng)}"']
    now = 0
    for i in range(1, cues):
        if i % 50 == 0:
            lines += ["", f"# --- act {i // 50} ---"]
        gap = rng.randrange(3000, 9001, 250)
        now += gap
        pick = rng.random()
        at = f"+{units(gap, rng)}" if pick < 0.4 else units(now, rng) if pick < 0.75 else clock(now)
        if i == cues - 1:
            lines.append(f"@{at} end  # ody: ignore[ODY202]")  # hours long, and meant to be
        else:
            note = "  # check framing" if rng.random() < 0.03 else ""
            lines.append(f'@{at} interact "{prompt(rng)}"{note}')
    return "\n".join(lines) + "\n"


def said_once(cues: int = CUES, seed: int = 3) -> tuple[str, str]:
    """One screenplay twice: each prompt begins with a define (`{who3}`) and gets the file's
    `style`, and the same written out (the define's text in place, the style appended as
    compose.py joins it: after `, `, no prompt ending with a punctuation mark)."""
    rng = random.Random(seed)
    names = [f"who{i}" for i in range(len(_WHO))]
    head = ['title "Benchmark: said once"', "min-gap 3s"]
    said = [*head, *(f'define {n} "{w}"' for n, w in zip(names, _WHO, strict=True)), f'style "{STYLE}"', ""]
    written = [*head, ""]
    for i in range(cues - 1):
        at = "0" if i == 0 else f"+{units(rng.randrange(3000, 9001, 250), rng)}"
        action = "start" if i == 0 else "interact"
        who, rest = rng.randrange(len(_WHO)), prompt(rng)
        said.append(f'@{at} {action} "{{{names[who]}}} {rest}"')
        written.append(f'@{at} {action} "{_WHO[who]} {rest}, {STYLE}"')
    end = f"@+{units(rng.randrange(3000, 9001, 250), rng)} end  # ody: ignore[ODY202]"
    return "\n".join([*said, end]) + "\n", "\n".join([*written, end]) + "\n"


def breakdown(source: Path, repeat: int) -> list[tuple[str, float]]:
    """Where the time of one compile goes, in process: the best of `repeat` rounds of each
    stage (gc off, as the CLI runs)."""
    t0 = time.perf_counter()
    from odyssey_dsl import checks, compiler, syntax  # timed: nothing above imported the package
    imported = time.perf_counter() - t0
    t0 = time.perf_counter()
    syntax.parse("@0 end\n")
    tables = time.perf_counter() - t0
    text = source.read_bytes().decode("utf-8")
    stages: dict[str, list[float]] = {"parse": [], "checks": [], "whole": [], "emit": []}
    gc.disable()
    try:
        for _ in range(repeat):
            t0 = time.perf_counter()
            document = syntax.parse(text)
            t1 = time.perf_counter()
            checks.check(document, source.parent)
            t2 = time.perf_counter()
            del document
            t3 = time.perf_counter()
            result = compiler.compile_text(text, path=source)
            t4 = time.perf_counter()
            if not result.ok:
                raise RuntimeError("the generated screenplay does not compile cleanly")
            result.script_json()
            t5 = time.perf_counter()
            del result
            for name, seconds in zip(stages, (t1 - t0, t2 - t1, t4 - t3, t5 - t4)):
                stages[name].append(seconds)
    finally:
        gc.enable()
    best = {name: min(times) for name, times in stages.items()}
    return [("import odyssey_dsl.compiler", imported), ("load parser tables (first parse)", tables),
            ("syntax.parse", best["parse"]), ("checks.check", best["checks"]),
            ("compile_text (parse + checks + entries)", best["whole"]),
            ("Compilation.script_json", best["emit"])]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.0f} ms"


def table(title: str, measured: tuple[str, list[float]], baseline: tuple[str, list[float]], target: float,
          digits: int) -> None:
    """Median and minimum of a measure and its baseline (same run), and their ratio against `target`."""
    runs, base = measured[1], baseline[1]
    ratio_med, ratio_min = statistics.median(runs) / statistics.median(base), min(runs) / min(base)
    print(title)
    print(f"{'':32}{'median':>11}{'min':>11}")
    for label, values in (measured, baseline):
        print(f"{label:32}{ms(statistics.median(values))}{ms(min(values))}")
    verdict = "met" if max(ratio_med, ratio_min) <= target else "MISSED"
    print(f"{f'ratio (target at most {target:g}x)':32}{ratio_med:10.{digits}f}x{ratio_min:10.{digits}f}x   {verdict}")


def main() -> int:
    def options(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds (default 7)")
        parser.add_argument("--cues", type=int, default=CUES, help=f"cues in the file (default {CUES})")

    started = start("compile_bench", __doc__ or "", options)
    if started is None:
        return 2
    args, ody = started
    with tempfile.TemporaryDirectory(prefix="ody-bench-") as tmp:
        folder = Path(tmp)
        os.environ["ODY_CACHE_DIR"] = str(folder / "cache")  # never the user's cache
        source, out, floor_out = folder / "big.ody", folder / "out.json", folder / "floor.json"
        source.write_text(screenplay(args.cues), encoding="utf-8")
        compile_cmd = [str(ody), "compile", str(source), "-o", str(out)]
        floor_cmd = [sys.executable, "-c", FLOOR, str(out), str(floor_out)]
        try:
            timed(compile_cmd)  # builds the parser-table cache and the output the floor reads
            entries = len(json.loads(out.read_text(encoding="utf-8")))
            if entries != args.cues:
                raise RuntimeError(f"expected {args.cues} entries in out.json, found {entries}")
            timed(floor_cmd)
            runs = interleaved({"ody": compile_cmd, "floor": floor_cmd}, args.rounds, silent=False)
            parts = breakdown(source, repeat=min(args.rounds, 3))
            once = said_once_runs(ody, folder, args.cues, args.rounds)
        except (RuntimeError, OSError) as error:
            print(f"compile_bench: {error}", file=sys.stderr)
            return 1
        sizes = f"{source.stat().st_size / 1e6:.1f} MB .ody -> {out.stat().st_size / 1e6:.1f} MB JSON"
    table(f"ody compile, {args.cues:,} cues ({sizes}), {args.rounds} interleaved rounds",
          ("ody compile big.ody -o out.json", runs["ody"]), ("floor: json.load + dumps (C)", runs["floor"]),
          TARGET, 1)
    print("\nin-process breakdown (best of a few, gc off):")
    for name, seconds in parts:
        print(f"  {name:42}{ms(seconds)}")
    table(f"\nsaid once: a define and a style in every prompt vs written out, {args.rounds} interleaved rounds",
          ("ody compile said-once.ody", once["said"]), ("ody compile written-out.ody", once["written"]),
          SAID_ONCE_TARGET, 2)
    return 0


def said_once_runs(ody: Path, folder: Path, cues: int, rounds: int) -> dict[str, list[float]]:
    """Whole-process times of `ody compile` of `said_once`'s two files, once their outputs
    are checked to be the same JSON."""
    commands: dict[str, list[str]] = {}
    for name, text in zip(("said", "written"), said_once(cues), strict=True):
        source = folder / f"{name}.ody"
        source.write_text(text, encoding="utf-8")
        commands[name] = [str(ody), "compile", str(source), "-o", str(folder / f"{name}.json")]
        timed(commands[name])
    if (folder / "said.json").read_bytes() != (folder / "written.json").read_bytes():
        raise RuntimeError("the screenplay said once does not compile to what it says written out")
    return interleaved(commands, rounds, silent=False)


if __name__ == "__main__":
    sys.exit(main())
