"""The peak memory of `ody compile` against the size of its input (issue "Foundations for v2", 7).

The target: compiling 1M valid cues (about 29 MB) peaks at no more than 25 times the input's
size. This writes such a screenplay (short prompts, as in the issue's measurement), runs
`ody compile` on it as a whole process and prints the child's peak resident size (ru_maxrss,
which includes the interpreter itself) and its ratio to the input.

Run it with the project's interpreter: `.venv/bin/python bench/memory_bench.py [--cues 1000000]`.
It exits non-zero only when something fails to run, never for missing the target.

Measured (36.5 MB of input): 2,073 MB, then 1,579 MB = 43.2× with the whole syntax tree held;
623 MB = 17.1× since `ody compile` runs `compile_streamed` (a cue leaves only its entry);
554 MB = 15.2× since the JSON's indent is joined in, not copied into every entry.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import find_ody

TARGET = 25.0


def screenplay(cues: int) -> str:
    """`cues` valid cues, 3 s apart, with short prompts: about 29 bytes a cue."""
    lines = ['@0 start "a quiet harbour"']
    lines += [f'@{3 * i}s interact "boats drift {i % 1000}"' for i in range(1, cues - 1)]
    lines.append(f"@{3 * (cues - 1)}s end")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cues", type=int, default=1_000_000)
    args = parser.parse_args()
    ody = find_ody("memory_bench")
    if ody is None:
        return 2
    with tempfile.TemporaryDirectory() as folder:
        source, output = Path(folder) / "big.ody", Path(folder) / "out.json"
        source.write_text(screenplay(args.cues), encoding="utf-8")
        done = subprocess.run([str(ody), "compile", str(source), "-o", str(output)], capture_output=True)
        if done.returncode != 0:
            print(done.stderr.decode(errors="replace")[:2000], file=sys.stderr)
            return 1
        size = source.stat().st_size
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024  # KiB on Linux
    ratio = peak / size
    print(f"{args.cues:,} cues, input {size / 1e6:.1f} MB: peak {peak / 1e6:.0f} MB = {ratio:.1f}x the input "
          f"(target <= {TARGET:g}x: {'met' if ratio <= TARGET else 'not met'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
