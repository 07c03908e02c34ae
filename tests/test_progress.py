"""What `ody run`, `ody wait` and `ody download` show while jobs run: heartbeat lines off a
terminal, estimates of the time left, download amounts and speed, and the live table.

The Reporter is fed JobDetail answers as the runner feeds it, with a short heartbeat interval.
Bounds on time are one-sided (a heartbeat never comes sooner than the interval after the last
line; one comes within a generous limit), so a loaded machine cannot make them fail.
"""

from __future__ import annotations

import io
import re
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from emulator_support import renderer_available
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console
from runner_support import emulator, make_home, poll_until

from odyssey_dsl.api import JobDetail
from odyssey_dsl.runner.estimate import (
    Speed,
    clock,
    left,
    left_text,
    observed_rate,
    processing_elapsed,
)
from odyssey_dsl.runner.progress import Reporter

JOB = "3f2a9c1e-7b1d-4c55-9a0e-2b8f61d0c4aa"
OTHER = "9c0d1e2f-0000-4000-8000-000000000001"
BEAT = 0.1
MIB = 1024 * 1024


class Clocked(io.StringIO):
    """A stream that remembers when each line was written."""

    def __init__(self) -> None:
        super().__init__()
        self.times: list[tuple[float, str]] = []
        self._lock = threading.Lock()

    def write(self, text: str) -> int:
        with self._lock:
            self.times.append((time.monotonic(), text.rstrip("\n")))
        return super().write(text)

    def lines(self, containing: str = "") -> list[str]:
        with self._lock:
            return [text for _, text in self.times if containing in text]


def iso(seconds_ago: float) -> str:
    return (datetime.now(UTC) - timedelta(seconds=seconds_ago)).isoformat().replace("+00:00", "Z")


def plain(stream: io.StringIO, beat: float = BEAT) -> Reporter:
    return Reporter(stream=stream, live=False, heartbeat=beat)


# --- heartbeat ---------------------------------------------------------------------------------


def test_a_waiting_job_gets_a_heartbeat_with_its_elapsed_and_left_times() -> None:
    out = Clocked()
    reporter = plain(out)
    try:
        reporter.expect("cat.ody", 20)
        reporter.job("cat.ody", JobDetail(JOB, "pending", estimated_wait_minutes=0.5))
        beats = poll_until(lambda: out.lines("elapsed"), timeout=10)
    finally:
        reporter.close()
    assert out.lines()[0] == f"ody run: cat.ody: job {JOB} is pending, ~0:50 left"  # 30 s queue + 20 s video
    assert re.fullmatch(r"ody run: cat\.ody: job 3f2a9c1e is pending, 0:\d\d elapsed, ~0:50 left", beats[0])


def test_a_heartbeat_comes_only_after_an_interval_of_silence_about_that_screenplay() -> None:
    out = Clocked()
    beat = 0.3
    reporter = plain(out, beat)
    try:
        reporter.job("cat.ody", JobDetail(JOB, "dispatched"))
        for _ in range(10):  # news keeps it quiet for a while, whatever the machine's load
            reporter.say("cat.ody", "news")
            time.sleep(0.05)
        poll_until(lambda: len(out.lines("elapsed")) >= 3, timeout=20)
    finally:
        reporter.close()
    times = out.times
    for i, (moment, text) in enumerate(times):
        if "elapsed" in text:
            assert moment - times[i - 1][0] >= beat, f"{text!r} came too soon"
    # A dispatched job without a wait from the server has no estimate: none is made up.
    assert all(text.endswith(" elapsed") for text in out.lines("elapsed"))


def test_the_heartbeat_stops_at_close_and_never_speaks_of_a_finished_screenplay() -> None:
    out = Clocked()
    reporter = plain(out)
    reporter.job("done.ody", JobDetail(JOB, "completed"))  # final: nothing to report
    reporter.job("cat.ody", JobDetail(JOB, "processing"))
    reporter.job("dog.ody", JobDetail(OTHER, "processing"))
    poll_until(lambda: out.lines("cat.ody: job 3f2a9c1e is processing, "), timeout=10)
    reporter.finished("cat.ody")
    after = len(out.lines())
    poll_until(lambda: len(out.lines("dog.ody: job 9c0d1e2f is processing, ")) >= 3, timeout=10)
    assert not [t for t in out.lines()[after:] if "cat.ody" in t]
    assert out.lines("done.ody") == [f"ody run: done.ody: job {JOB} is completed"]  # no heartbeat
    reporter.close()
    closed = len(out.lines())
    time.sleep(BEAT * 5)
    assert len(out.lines()) == closed


def test_a_quiet_reporter_has_no_heartbeat() -> None:
    out = Clocked()
    reporter = Reporter(stream=out, quiet=True, live=False, heartbeat=BEAT)
    reporter.job("cat.ody", JobDetail(JOB, "pending"))
    time.sleep(BEAT * 5)
    reporter.close()
    assert out.getvalue() == ""


def test_a_download_heartbeat_says_how_much_of_the_file_and_how_fast() -> None:
    out = Clocked()
    reporter = plain(out)
    try:
        reporter.stage("cat.ody", "downloading", "cat.mp4")
        first = poll_until(lambda: out.lines("downloading"), timeout=10)[0]
        done = 0
        while not out.lines("/s"):
            done += MIB
            reporter.progress("cat.ody", "cat.mp4", done, 400 * MIB)
            time.sleep(0.02)
    finally:
        reporter.close()
    assert re.fullmatch(r"ody run: cat\.ody: downloading cat\.mp4, 0:\d\d elapsed", first)
    line = out.lines("/s")[0]
    assert re.fullmatch(r"ody run: cat\.ody: downloading cat\.mp4: [\d.]+ MiB of 400 MiB \(\d+%\), [\d.]+ [KM]iB/s",
                        line), line


def test_a_downloaded_file_is_no_longer_news() -> None:
    out = Clocked()
    reporter = plain(out)
    reporter.progress("cat.ody", "cat.mp4", 40 * MIB, 40 * MIB)
    reporter.job("dog.ody", JobDetail(OTHER, "pending"))
    poll_until(lambda: len(out.lines("dog.ody")) >= 4, timeout=10)
    reporter.close()
    assert not out.lines("cat.ody")


def test_a_download_of_unknown_size_and_a_stalled_one() -> None:
    speed = Speed()
    speed.add(0.0, 0)
    speed.add(0.5, 2 * MIB)
    speed.add(1.0, 4 * MIB)
    assert speed.per_second(1.0) == 4 * MIB
    assert speed.per_second(30.0) == 0.0  # nothing for a whole window: stalled
    speed.add(31.0, 1000)  # started over
    assert speed.per_second(31.0) is None
    out = Clocked()
    reporter = plain(out)
    reporter.progress("cat.ody", "cat.mp4", 3 * MIB, None)
    poll_until(lambda: out.lines("downloading"), timeout=10)
    reporter.close()
    assert out.lines("downloading")[0] == "ody run: cat.ody: downloading cat.mp4: 3 MiB"


# --- estimates ---------------------------------------------------------------------------------


def test_a_status_change_says_what_is_left_or_what_to_wait() -> None:
    out = io.StringIO()
    reporter = Reporter(stream=out, live=False, prefix="ody wait: ", heartbeat=3600)
    reporter.job("cat.ody", JobDetail(JOB, "pending", estimated_wait_minutes=2.0))
    reporter.job("cat.ody", JobDetail(JOB, "pending", estimated_wait_minutes=1.0))  # no change: no line
    reporter.job("cat.ody", JobDetail(JOB, "dispatched", estimated_wait_minutes=0.0))
    reporter.close()
    assert out.getvalue() == (f"ody wait: cat.ody: job {JOB} is pending, ~2:00 to wait\n"
                              f"ody wait: cat.ody: job {JOB} is dispatched\n")


def test_processing_is_estimated_from_the_video_and_the_pace_seen_so_far() -> None:
    out = io.StringIO()
    reporter = Reporter(stream=out, live=False, heartbeat=3600)
    reporter.expect("cat.ody", 20)
    reporter.job("cat.ody", JobDetail(JOB, "processing", started_at=iso(5)))  # adopted mid-way: 5 s gone
    # Seen pending a moment ago: it cannot have started 5 s ago, whatever this clock says.
    reporter.job("dog.ody", JobDetail(OTHER, "pending"))
    reporter.expect("dog.ody", 20)
    reporter.job("dog.ody", JobDetail(OTHER, "processing", started_at=iso(5)))
    # A job that took 10 s for 5 s of video: the service runs at half real time.
    reporter.expect("cow.ody", 5)
    reporter.job("cow.ody", JobDetail("c0", "processing"))
    reporter.job("cow.ody", JobDetail("c0", "completed", started_at=iso(10), completed_at=iso(0)))
    reporter.expect("cow.ody", 3)
    reporter.job("cow.ody", JobDetail("c1", "processing"))
    reporter.close()
    lines = out.getvalue().splitlines()
    assert f"ody run: cat.ody: job {JOB} is processing, ~0:15 left" in lines
    assert f"ody run: dog.ody: job {OTHER} is processing, ~0:20 left" in lines
    assert "ody run: cow.ody: job c1 is processing, ~0:06 left" in lines


def test_no_estimate_without_the_videos_length_or_past_it() -> None:
    assert left("processing", None, None, 1.0, 3.0) is None
    assert left("processing", None, 10.0, 1.0, 12.0) is None  # longer than estimated
    assert left("pending", None, 10.0, 1.0, 0.0) is None  # no wait from the server
    assert left("pending", 1.0, None, 1.0, 0.0) == (60.0, "to wait")
    assert left_text(left("processing", None, 10.0, 1.0, 9.9)) == "~0:01 left"  # never ~0:00
    assert observed_rate(iso(0), iso(10), 5.0) is None  # ends before it starts: not a pace


times = st.floats(min_value=-1e7, max_value=1e7, allow_nan=False) | st.sampled_from([float("inf"), float("nan")])


def seconds_of(text: str) -> int:
    parts = [int(p) for p in text.split(":")]
    return parts[-1] + 60 * parts[-2] + (3600 * parts[0] if len(parts) == 3 else 0)


@given(times, times)
def test_clock_times_are_never_negative_and_keep_their_order(a: float, b: float) -> None:
    for value in (a, b):
        text = clock(value)
        assert re.fullmatch(r"[1-5]?\d:[0-5]\d|[1-9]\d*:[0-5]\d:[0-5]\d", text), text  # m:ss, h:mm:ss
        assert (text.count(":") == 2) == (value >= 3600 and value != float("inf"))
    if a <= b < float("inf"):  # an unknown time (inf, nan) shows as 0:00
        assert seconds_of(clock(a)) <= seconds_of(clock(b))


@given(st.sampled_from(["pending", "dispatched", "running", "processing", "queued"]),
       st.none() | st.floats(allow_nan=True), st.none() | st.floats(allow_nan=True),
       st.floats(min_value=0.01, max_value=100), st.floats(min_value=0, max_value=1e6), st.floats(0, 1e6))
def test_an_estimate_is_never_negative_and_shrinks_as_processing_goes_on(
        status: str, wait: float | None, video: float | None, rate: float, elapsed: float, more: float) -> None:
    now = left(status, wait, video, rate, elapsed)
    if now is None:
        return
    assert now[0] > 0 and not left_text(now).startswith("~-")
    later = left(status, wait, video, rate, elapsed + more)
    if status == "processing":
        assert later is None or later[0] <= now[0]


@given(st.floats(0, 1e5), st.none() | st.floats(0, 1e5), st.none() | st.floats(-1e6, 1e6))
def test_processing_time_stays_within_what_polling_saw(seen: float, before: float | None,
                                                       server: float | None) -> None:
    elapsed = processing_elapsed(seen, before, server)
    assert elapsed >= seen
    if before is not None:
        assert elapsed <= max(before, seen)


# --- the live table ----------------------------------------------------------------------------


def render(reporter: Reporter) -> str:
    console = Console(file=io.StringIO(), width=160, record=True)
    console.print(reporter._table())
    return console.export_text()


def test_the_live_table_shows_the_estimate_and_the_download_amount_and_speed() -> None:
    reporter = Reporter(stream=io.StringIO(), live=True)
    try:
        reporter.expect("cat.ody", 20)
        reporter.job("cat.ody", JobDetail(JOB, "pending", estimated_wait_minutes=2.5))
        reporter.job("dog.ody", JobDetail(OTHER, "processing"))
        for i in range(1, 30):
            reporter.progress("cow.ody", "cow.mp4", i * MIB, 40 * MIB)
            time.sleep(0.02)
        text = render(reporter)
        header = text.splitlines()[0].split()
        assert header == ["screenplay", "job", "status", "elapsed", "estimate"]
        assert re.search(r"cat\.ody +3f2a9c1e-7b1 +pending +0:0\d +~2:50 left", text), text
        assert re.search(r"dog\.ody +9c0d1e2f-000 +processing +0:0\d +\n", text), text  # no length: no guess
        assert re.search(r"cow\.ody .*downloading +0:0\d +cow\.mp4 72% 29 MiB/40 MiB [\d.]+ [KM]iB/s", text), text
        reporter.finished("cat.ody", "completed")
        reporter.finished("cow.ody")
        text = render(reporter)
        assert re.search(r"cat\.ody +3f2a9c1e-7b1 +completed +0:0\d *\n", text), text
        assert re.search(r"cow\.ody +- +done +0:0\d *\n", text), text
    finally:
        reporter.close()


def test_the_live_table_shows_names_as_written_never_as_markup() -> None:
    reporter = Reporter(stream=io.StringIO(), live=True)
    try:
        reporter.job("[intro].ody", JobDetail(JOB, "pending"))
        reporter.progress("[b]x[/b].ody", "[red].mp4", MIB, 2 * MIB)
        text = render(reporter)
        assert "[intro].ody" in text and "[b]x[/b].ody" in text and "[red].mp4" in text, text
    finally:
        reporter.close()


# --- end to end --------------------------------------------------------------------------------

LONG = """\
title "Slow cat"
@0 start "A ginger cat dozes on a sunlit windowsill"
@15s end
"""


@pytest.mark.skipif(not renderer_available(), reason="the emulator's renderer is not installed")
def test_ody_run_off_a_terminal_is_never_silent_for_ten_seconds(tmp_path: Path) -> None:
    """A 15 s video at the emulator's real-time speed processes for 15 s of wall-clock time
    whatever the machine's load, with no change of status to print: a heartbeat must fill it."""
    home = make_home(tmp_path)
    home.screenplay("cat.ody", LONG)
    with emulator(home, speed=1.0):
        done = home.ody("run", "cat.ody")
    assert done.returncode == 0, done.stderr
    beats = [line for line in done.stderr.splitlines() if "is processing, " in line and " elapsed" in line]
    assert beats, done.stderr
    assert re.fullmatch(r"ody run: cat\.ody: job [0-9a-f]{8} is processing, 0:\d\d elapsed.*", beats[0])
