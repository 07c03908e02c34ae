"""The last frame of a 60 s recording (a continuing scene's start image): decoding from the key
frame before the last second against decoding the whole video, in process.

Renders the recording with the emulator's renderer (key frames every 10 s, as libx264's default
makes them), then times, interleaved, `frames.start_image` (seek, decode the tail, encode the
JPEG) and a full decode to the last frame (no JPEG), printing the median and minimum of each
and their ratio. Exits non-zero only when something fails to run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=11)
    parser.add_argument("--seconds", type=int, default=60, help="the recording's length")
    args = parser.parse_args()
    try:
        import av

        from odyssey_dsl.emulator.render import render
        from odyssey_dsl.runner.frames import start_image
    except ImportError as error:
        print(f"frames_bench.py: {error.name} is missing: pip install -e '.[dev]'", file=sys.stderr)
        return 2

    def whole(video: Path) -> None:
        with av.open(str(video)) as container:
            for _ in container.decode(video=0):
                pass

    with tempfile.TemporaryDirectory() as folder:
        end = args.seconds * 1000
        entries = [{"timestamp_ms": 0, "start": {"prompt": "A lighthouse at dusk"}},
                   {"timestamp_ms": end // 2, "interact": {"prompt": "The lamp turns"}},
                   {"timestamp_ms": end, "end": {}}]
        video = render(entries, False, Path(folder), "day").video
        times: dict[str, list[float]] = {"start_image (tail)": [], "full decode": []}
        for i in range(args.rounds):
            order = list(times) if i % 2 == 0 else list(reversed(times))
            for name in order:
                began = time.perf_counter()
                if name == "full decode":
                    whole(video)
                else:
                    start_image(video)
                times[name].append(time.perf_counter() - began)
    for name, runs in times.items():
        print(f"{name:20} median {statistics.median(runs) * 1000:7.1f} ms   min {min(runs) * 1000:7.1f} ms")
    tail, full = times["start_image (tail)"], times["full decode"]
    print(f"full decode / start_image: {statistics.median(full) / statistics.median(tail):.1f}x (medians), "
          f"{min(full) / min(tail):.1f}x (minimums)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
