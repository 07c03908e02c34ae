"""How much `ody lint --fix` costs over `ody lint` on a 20,000-line screenplay full of fixable mistakes.

The input is a valid screenplay of scenes with one mistake in every few lines, of the kinds the
compiler fixes: misspelt actions (`interct`) and directive values (`landscpe`), misspelt
directives, unclosed strings that hide a misspelt action on the same line (mended in a second
round), and scenes without `end` (an unsafe fix: `--unsafe-fixes`; the file is then clean). Each round of fixes is one
compile of the whole text, so the time is about (rounds + 1) lints; the ratio to `ody lint` of
the same broken file, measured in interleaved rounds in one run, shows it. The rounds and fixes
come from the same fixing in process (`odyssey_dsl.fixing.fix_text`).

Run it with the project's interpreter: `.venv/bin/python bench/fix_bench.py [--rounds 5] [--lines 20000]`.
It exits non-zero only when something fails to run.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import start


def screenplay(lines: int) -> str:
    """About `lines` lines: misspelt directives, then scenes of 40 cues with a mistake every
    5 lines or so, every other scene without its `end`."""
    out = ['title "Harbour"', "orientation landscpe", "min-gp 3s", 'prompt-expansion of']
    scene = 0
    while len(out) < lines:
        scene += 1
        out += [f'scene "Scene {scene}"', f'@0 start "Scene {scene} opens on a quiet harbour"']
        for cue in range(1, 40):
            action = "interct" if cue % 5 == 0 else "intreact" if cue % 11 == 0 else "interact"
            quote = "" if cue % 7 == 0 and action != "interact" else '"'
            out.append(f'@{cue * 4}s {action} "Beat {cue}: the gulls circle the masts{quote}')
        if scene % 2:
            out.append("@160s ned" if scene % 6 == 1 else "@160s end")
    return "\n".join(out) + "\n"


def main() -> int:
    started = start("fix_bench", __doc__ or "", lambda parser: (
        parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)"),
        parser.add_argument("--lines", type=int, default=20000, help="lines of the screenplay (default 20000)")))
    if started is None:
        return 2
    args, ody = started
    text = screenplay(args.lines)
    with tempfile.TemporaryDirectory(prefix="ody-bench-") as tmp:
        os.environ["ODY_CACHE_DIR"] = str(Path(tmp) / "cache")  # never the user's cache
        broken = Path(tmp) / "broken.ody"
        broken.write_text(text, encoding="utf-8")
        commands = {
            "lint": [str(ody), "lint", "--format", "gcc", str(broken)],
            "fix": [str(ody), "lint", "--fix", "--format", "gcc", str(Path(tmp) / "fixing.ody")],
            "unsafe": [str(ody), "lint", "--fix", "--unsafe-fixes", "--format", "gcc", str(Path(tmp) / "fixing.ody")],
        }
        runs: dict[str, list[float]] = {name: [] for name in commands}
        for i in range(args.rounds):
            order = list(commands.items())
            for name, cmd in order if i % 2 == 0 else order[::-1]:
                shutil.copyfile(broken, Path(tmp) / "fixing.ody")  # each fix starts from the broken file
                t0 = time.perf_counter()
                done = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True)
                runs[name].append(time.perf_counter() - t0)
                if done.returncode not in (0, 1):
                    print(f"fix_bench: {' '.join(cmd)} exited {done.returncode}: {done.stderr.decode()[-2000:]}",
                          file=sys.stderr)
                    return 1
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
        from odyssey_dsl.compiler import compile_streamed
        from odyssey_dsl.config import Settings
        from odyssey_dsl.diagnostics import Diagnostic
        from odyssey_dsl.fixing import fix_text

        def diagnose(t: str) -> list[Diagnostic]:
            return list(compile_streamed(t.encode(), path=broken, settings=Settings(), entries=False).diagnostics)

        found = diagnose(text)
        outcome = {unsafe: fix_text(text, diagnose, unsafe) for unsafe in (False, True)}
    errors = sum(d.is_error for d in found)
    print(f"ody lint --fix, {text.count(chr(10))} lines, {len(text) / 1e6:.2f} MB, {errors} errors before, "
          f"{args.rounds} interleaved rounds")
    print(f"{'':34}{'median':>10}{'min':>10}{'ratio':>8}   rounds  fixes  errors left")
    base = statistics.median(runs["lint"])
    for name, label in (("lint", "ody lint"), ("fix", "ody lint --fix"), ("unsafe", "ody lint --fix --unsafe-fixes")):
        med, low = statistics.median(runs[name]), min(runs[name])
        row = f"{label:34}{med * 1000:7.0f} ms{low * 1000:7.0f} ms{med / base:7.2f}×"
        if name != "lint":
            fixed = outcome[name == "unsafe"]
            row += f"   {fixed.rounds:6}  {len(fixed.applied):5}  {sum(d.is_error for d in fixed.diagnostics):11}"
        print(row)
    return 0


if __name__ == "__main__":
    sys.exit(main())
