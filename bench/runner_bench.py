"""What `ody run` asks of the API per job, and what a large download costs it in memory.

Issue 5 asks for both; issue 13 adds the requests of an iteration on one scene of four (an
edit of one scene, rerun with the same journal: the goal is one submit of one script and no
list calls) and the time from `ody run` to the first byte of its download for the 9 s
`window-cat.ody`, against the job's own time on the emulator (created to completed).

The API is the emulator in a subprocess (fast lifecycle, `--access-log`,
whose lines are counted by kind); `ody run` is the real command in a subprocess, with its own
state and config folders. Requests are counted for a one-script job and a four-scene batch.
Memory is the peak RSS of `ody run` downloading a video made large by the emulator's hidden
`--video-padding` (a trailing MP4 `free` box: a big file without a long render), against a
baseline measured in the same run: the same command downloading the unpadded video. Its
download speed is set against a floor: a minimal httpx loop streaming the same URL to a file.
Rounds alternate which goes first, so the machine's mood affects all alike.

Run it with the project's interpreter: `/tmp/v/bin/python bench/runner_bench.py [--size 512]`.
Linux or macOS (it reads a child's peak RSS with `os.wait4`). It exits non-zero only when
something fails to run or a download is the wrong size, never for a figure.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from _common import RSS_UNIT, start

from odyssey_dsl.runner.emulated import first_line

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SINGLE, BATCH = EXAMPLES / "window-cat.ody", EXAMPLES / "four-seasons.ody"
MIB = 1024 * 1024
LIFECYCLE = ("--speed", "100", "--pending-seconds", "1", "--dispatched-seconds", "1")
KINDS = ("auth", "submit", "status", "list", "recording", "file", "other", "errors (4xx/5xx)")
_ACCESS = re.compile(r'"([A-Z]+) (\S+) HTTP/[\d.]+" (\d{3})')
KEY = "ody_bench_key"
FLOOR = (  # what any client must do: stream to a file and make it durable; prints its seconds
    "import os, sys, time, httpx\n"
    "with httpx.Client(timeout=60) as http:\n"
    "    t0 = time.perf_counter()\n"
    "    with http.stream('GET', sys.argv[1]) as answer, open(sys.argv[2], 'wb') as f:\n"
    "        answer.raise_for_status()\n"
    "        for chunk in answer.iter_bytes(256 * 1024): f.write(chunk)\n"
    "        f.flush(); os.fsync(f.fileno())\n"
    "    print(time.perf_counter() - t0)\n"
)


class Emulator:
    """`ody emulator` in a subprocess, logging every request to a file we count from."""

    def __init__(self, folder: Path, padding: int) -> None:
        folder.mkdir()
        self.data_dir = folder / "data"
        self.log = folder / "access.log"
        env = {k: v for k, v in os.environ.items() if k != "ODY_EMULATOR_API_KEYS"}  # any key will do
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "odyssey_dsl", "emulator", "--port", "0", "--data-dir", str(self.data_dir),
                 "--access-log", "--video-padding", str(padding), *LIFECYCLE],
                stdout=subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL, env=env)
        line = first_line(self.process, timeout=60)
        if not line.startswith("listening on http://"):
            self.stop()
            raise RuntimeError(f"the emulator did not start: {line!r} {self.log.read_text(errors='replace')[-2000:]}")
        self.url = line.removeprefix("listening on ")
        self.peak_rss = 0

    def video(self, stream_id: str) -> Path:
        """The video file the emulator serves for a stream."""
        return self.data_dir / "recordings" / stream_id / "recording.mp4"

    def requests_since(self, offset: int) -> Counter[str]:
        """Requests logged after byte `offset` of the log, by kind."""
        with open(self.log, "rb") as f:
            f.seek(offset)
            text = f.read().decode("utf-8", "replace")
        counts: Counter[str] = Counter()
        for method, target, status in _ACCESS.findall(text):
            counts[_kind(method, target.split("?", 1)[0])] += 1
            if int(status) >= 400:
                counts["errors (4xx/5xx)"] += 1
        return counts

    def stop(self) -> None:
        """SIGTERM, then its peak RSS from `wait4` (the emulator's memory should stay flat too)."""
        if self.process.returncode is None:
            os.kill(self.process.pid, signal.SIGTERM)  # not Popen.send_signal: its poll() could reap it
            _, status, usage = os.wait4(self.process.pid, 0)
            self.process.returncode = os.waitstatus_to_exitcode(status)
            self.peak_rss = usage.ru_maxrss * RSS_UNIT
        if self.process.stdout is not None:
            self.process.stdout.close()


def _kind(method: str, path: str) -> str:
    if path == "/auth/token":
        return "auth"
    if path == "/simulation-jobs":
        return "submit" if method == "POST" else "list"
    if path.startswith("/simulation-jobs/"):
        return "status" if method == "GET" else "other"
    if path.startswith("/recordings/") or path == "/stream-recordings":
        return "recording"
    return "file" if path.startswith("/files/") else "other"


@dataclass(frozen=True)
class Run:
    """One `ody run`: its wall time, peak RSS, requests by kind, its JSON summary, and how long
    the video's `.part` existed (the download, including the final fsync)."""

    seconds: float
    peak_rss: int
    requests: Counter[str]
    summary: dict[str, Any]
    download_seconds: float | None
    first_byte: float | None  # seconds from the start of `ody run` to its video's `.part`


def ody_run(ody: Path, screenplay: Path, emulator: Emulator, folder: Path, cache: Path) -> Run:
    """`ody run SCREENPLAY --api-url URL --json` with fresh state, config and output folders (so
    no earlier job is reused), reaped with `wait4` for its peak RSS. Meanwhile the video's
    `.part` is watched to time the download."""
    state, config, out = folder / "state", folder / "config", folder / "out"
    env = {**os.environ, "ODYSSEY_API_KEY": KEY, "XDG_STATE_HOME": str(state),
           "XDG_CONFIG_HOME": str(config), "ODY_CACHE_DIR": str(cache)}
    env.pop("ODYSSEY_API_URL", None)
    video = out / screenplay.stem / f"{screenplay.stem}.mp4"
    part = video.with_name(video.name + ".part")
    offset = emulator.log.stat().st_size
    with open(folder / "stdout.json", "wb") as stdout, open(folder / "stderr.txt", "wb") as stderr:
        t0 = time.perf_counter()
        process = subprocess.Popen([str(ody), "run", str(screenplay), "--api-url", emulator.url, "--out", str(out),
                                    "--timeout", "2m", "--json"], stdout=stdout, stderr=stderr,
                                   stdin=subprocess.DEVNULL, env=env)
        part_seen = video_seen = None
        killed = False
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            now = time.perf_counter()
            if pid:
                break
            if part_seen is None and part.exists():
                part_seen = now
            if video_seen is None and part_seen is not None and video.exists():
                video_seen = now
            if now - t0 > 300 and not killed:
                process.kill()  # reaped by the next wait4 (never `poll`: it would reap it without the usage)
                killed = True
            time.sleep(0.005)
    process.returncode = os.waitstatus_to_exitcode(status)
    seconds = now - t0
    if process.returncode != 0:
        output = ((folder / "stdout.json").read_text(errors="replace") + (folder / "stderr.txt").read_text(
            errors="replace"))[-2000:]
        raise RuntimeError(f"ody run {screenplay.name} exited {process.returncode}: {output}")
    summary = json.loads((folder / "stdout.json").read_text(encoding="utf-8"))
    download = None if part_seen is None else (video_seen or now) - part_seen
    first_byte = None if part_seen is None else part_seen - t0
    return Run(seconds, usage.ru_maxrss * RSS_UNIT, emulator.requests_since(offset), summary, download, first_byte)


def job_seconds(emulator: Emulator, job_id: str) -> float:
    """The job's own time on the emulator, from its `created_at` to its `completed_at`."""
    from datetime import datetime

    with httpx.Client(base_url=emulator.url, timeout=30) as http:
        token = http.post("/auth/token", json={"api_key": KEY}).json()["access_token"]
        job = http.get(f"/simulation-jobs/{job_id}", headers={"authorization": f"Bearer {token}"}).json()
    created, completed = (datetime.fromisoformat(job[k].replace("Z", "+00:00")) for k in ("created_at", "completed_at"))
    return (completed - created).total_seconds()


def one_scene_changed(ody: Path, emulator: Emulator, folder: Path, cache: Path) -> Run:
    """The four-scene batch run once, then again with one scene's prompt edited, in the same
    state and output folders: the second run's requests are the iteration's cost."""
    screenplay = folder / BATCH.name
    text = BATCH.read_text(encoding="utf-8")
    screenplay.write_text(text, encoding="utf-8")
    ody_run(ody, screenplay, emulator, folder, cache)
    edited = text.replace("Two children run", "Three children run")
    if edited == text:
        raise RuntimeError("the batch example no longer has the line the iteration edits")
    screenplay.write_text(edited, encoding="utf-8")
    return ody_run(ody, screenplay, emulator, folder, cache)


def stream_of(run: Run) -> dict[str, Any]:
    stream: dict[str, Any]
    (stream,) = run.summary["screenplays"][0]["streams"]
    return stream


def video_size(run: Run, emulator: Emulator, padding: int) -> int:
    """The downloaded video's size, checked against the file the emulator served and the
    padding it was asked for; raises when they disagree."""
    stream = stream_of(run)
    got = int(stream["files"]["video"]["size"])
    size = emulator.video(stream["stream_id"]).stat().st_size
    with open(emulator.video(stream["stream_id"]), "rb") as f:
        f.seek(size - padding + 4)
        tail_is_padding = padding == 0 or f.read(4) == b"free"
    if got != size or not tail_is_padding:
        raise RuntimeError(f"downloaded {got} bytes of a {size}-byte video (padding {padding}: "
                           f"{'found' if tail_is_padding else 'missing'})")
    return got


def floor_download(emulator: Emulator, stream_id: str, dest: Path) -> float:
    """Seconds the FLOOR client takes to download a stream's video (a fresh URL is asked for;
    those requests come after the counted ones). The file is first dropped from the page
    cache: `ody run` read it cold, and so must the floor."""
    if hasattr(os, "posix_fadvise"):
        fd = os.open(emulator.video(stream_id), os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)
    with httpx.Client(base_url=emulator.url, timeout=30) as http:
        token = http.post("/auth/token", json={"api_key": KEY}).json()["access_token"]
        url = http.get(f"/recordings/{stream_id}", headers={"authorization": f"Bearer {token}"}).json()["video_url"]
    done = subprocess.run([sys.executable, "-c", FLOOR, url, str(dest)], capture_output=True, text=True, timeout=300,
                          check=False)
    dest.unlink(missing_ok=True)
    if done.returncode != 0:
        raise RuntimeError(f"the floor download failed: {done.stderr[-2000:]}")
    return float(done.stdout)


def mib(size: float) -> str:
    return f"{size / MIB:.1f} MiB"


def spread(values: list[float], unit: str, scale: float = 1.0) -> str:
    """Median, then min to max, as the tables print them."""
    return (f"{statistics.median(values) / scale:8.1f} {unit}  "
            f"({min(values) / scale:.1f} to {max(values) / scale:.1f})")


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def _options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--size", type=positive, default=512, metavar="MIB",
                        help="padding of the large video (default 512)")
    parser.add_argument("--rounds", type=positive, default=3,
                        help="rounds of baseline, large and floor (default 3)")


def main() -> int:
    started = start("runner_bench", __doc__ or "", _options)
    if started is None:
        return 2
    args, ody = started
    if not hasattr(os, "wait4"):
        print("runner_bench: needs os.wait4 (Linux or macOS) to read a child's peak RSS", file=sys.stderr)
        return 2
    padding = args.size * MIB
    with tempfile.TemporaryDirectory(prefix="ody-runner-bench-") as tmp, ExitStack() as stack:
        folder = Path(tmp)
        cache = folder / "cache"  # never the user's cache; filled once below, before anything is measured
        numbers = itertools.count()

        def fresh() -> Path:
            path = folder / f"run{next(numbers)}"
            path.mkdir()
            return path

        try:
            subprocess.run([str(ody), "compile", str(SINGLE), "-o", str(folder / "warm.json")], check=True,
                           capture_output=True, env={**os.environ, "ODY_CACHE_DIR": str(cache)})
            plain = Emulator(folder / "plain", 0)
            stack.callback(plain.stop)
            large = Emulator(folder / "large", padding)
            stack.callback(large.stop)
            single = ody_run(ody, SINGLE, plain, fresh(), cache)
            batch = ody_run(ody, BATCH, plain, fresh(), cache)
            iteration = one_scene_changed(ody, plain, fresh(), cache)
            firsts = [ody_run(ody, SINGLE, plain, fresh(), cache) for _ in range(args.rounds)]
            lifecycles = [job_seconds(plain, run.summary["screenplays"][0]["jobs"][0]) for run in firsts]
            base_runs: list[Run] = []
            large_runs: list[Run] = []
            floors: list[float] = []
            small = big = 0
            for i in range(args.rounds):
                for kind in ("base", "large") if i % 2 == 0 else ("large", "base"):
                    where = fresh()
                    if kind == "base":
                        base_runs.append(ody_run(ody, SINGLE, plain, where, cache))
                        small = video_size(base_runs[-1], plain, 0)
                    else:
                        large_runs.append(ody_run(ody, SINGLE, large, where, cache))
                        big = video_size(large_runs[-1], large, padding)  # checked against the served file
                        floors.append(floor_download(large, stream_of(large_runs[-1])["stream_id"], where / "floor.mp4"))
                    for path in (where / "out").rglob("*.mp4"):
                        path.unlink()  # 512 MiB a round otherwise
            stack.close()  # stop both emulators now: their peak RSS is read as they exit
        except (RuntimeError, OSError, ValueError, KeyError, httpx.HTTPError, subprocess.SubprocessError) as error:
            print(f"runner_bench: {error}", file=sys.stderr)
            return 1

    columns = [("single script", single), ("batch, 4 scenes", batch), ("1 of 4 scenes edited", iteration),
               (f"single, +{args.size} MiB", large_runs[0])]
    print("ody run against `ody emulator` (speed 100, pending 1 s, dispatched 1 s)\n")
    print(f"{'requests per job':24}" + "".join(f"{name:>22}" for name, _ in columns))
    for kind in KINDS:
        counts = [run.requests[kind] for _, run in columns]
        if any(counts) or kind in ("auth", "submit", "status", "file"):
            print(f"{kind:24}" + "".join(f"{n:22d}" for n in counts))
    print(f"{'total':24}" + "".join(f"{sum(run.requests.values()) - run.requests[KINDS[-1]]:22d}" for _, run in columns))
    print(f"{'wall time of ody run':24}" + "".join(f"{run.seconds:20.2f} s" for _, run in columns))
    print(f"{'status polls per second':24}" + "".join(f"{run.requests['status'] / run.seconds:22.2f}"
                                                      for _, run in columns))

    plan = iteration.summary["plan"]["screenplays"][0]
    print(f"\none of 4 scenes edited: {plan['scripts']} script(s) submitted in {plan['jobs']} job(s), "
          f"{plan['reused_scripts']} reused; {iteration.requests['list']} list call(s)")
    ttfb = [r.first_byte for r in firsts if r.first_byte is not None]
    if ttfb:
        gaps = [t - life for t, life in zip(ttfb, lifecycles, strict=False)]
        print(f"time from `ody run` to the first byte of {SINGLE.name} (9 s of video), {len(ttfb)} rounds: "
              f"{spread(ttfb, 's')}")
        print(f"  the job's own time on the emulator (created to completed): {spread(lifecycles, 's')}")
        print(f"  difference (start-up, compile, submit, polling, asking for the file): {spread(gaps, 's')}")

    base_rss = [float(r.peak_rss) for r in base_runs]
    large_rss = [float(r.peak_rss) for r in large_runs]
    difference = statistics.median(large_rss) - statistics.median(base_rss)
    pairs = [(r.download_seconds, f) for r, f in zip(large_runs, floors) if r.download_seconds]
    throughput = [big / ours for ours, _ in pairs]
    floor = [big / theirs for _, theirs in pairs]
    print(f"\npeak RSS of ody run, {args.rounds} rounds: median (min to max)")
    print(f"  {'baseline: ' + mib(small) + ' video':36}{spread(base_rss, 'MiB', MIB)}")
    print(f"  {'large: ' + mib(big) + ' video':36}{spread(large_rss, 'MiB', MIB)}")
    print(f"  {'difference of the medians':36}{difference / MIB:+8.1f} MiB")
    if throughput:
        print(f"  {'download speed of ody run':36}{spread(throughput, 'MB/s', 1e6)}")
        print(f"  {'download speed of the floor':36}{spread(floor, 'MB/s', 1e6)}")
        print(f"  {'ody / floor, paired by round':36}{spread([100 * theirs / ours for ours, theirs in pairs], '%')}")
    print(f"  {'wall time, baseline / large':36}{statistics.median(r.seconds for r in base_runs):8.2f} s / "
          f"{statistics.median(r.seconds for r in large_runs):.2f} s")
    print(f"\npeak RSS of the emulator: {mib(plain.peak_rss)} (plain), {mib(large.peak_rss)} (serving the large videos)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
