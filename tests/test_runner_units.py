"""The runner's small parts: backoff, Retry-After, URLs, safe names, the adoption check, the
polling pace, exit-code order, tokens (against the emulator), and the config command."""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from conftest import within
from emulator_support import renderer_available, thread_server
from hypothesis import given
from hypothesis import strategies as st

from odyssey_dsl.api import JobDetail, read
from odyssey_dsl.runner import download
from odyssey_dsl.runner.client import ApiRefusal, Client
from odyssey_dsl.runner.errors import UsageError, worst
from odyssey_dsl.runner.journal import Scene
from odyssey_dsl.runner.listing import describe
from odyssey_dsl.runner.outputs import image_extension, inside, safe_name, unique_names
from odyssey_dsl.runner.poll import Pace
from odyssey_dsl.runner.progress import Reporter
from odyssey_dsl.runner.retry import Backoff, retry_after
from odyssey_dsl.runner.submit import matches
from odyssey_dsl.runner.target import Target, check_url


@given(st.integers(0, 20), st.floats(0, 100))
def test_backoff_grows_within_bounds_and_honours_the_server(retry: int, asked: float) -> None:
    policy = Backoff(attempts=6, base=0.5, cap=30.0)
    delay = policy.delay(retry, asked)
    nominal = min(30.0, 0.5 * 2 ** retry)
    assert max(asked, nominal / 2) <= delay <= max(asked, nominal)


def test_retry_after_reads_the_body_then_the_header() -> None:
    assert retry_after("7", 3) == 3.0
    assert retry_after("7") == 7.0
    later = datetime.now(UTC) + timedelta(seconds=30)
    assert 25 <= retry_after(format_datetime(later, usegmt=True)) <= 30
    assert retry_after("soon") == 0.0 and retry_after(None, True) == 0.0
    assert retry_after("99999999") == 3600.0  # a server cannot park us for days


@pytest.mark.parametrize("header", ["²", "٣", "+5", "1_0", "5.0", "1" * 40])
def test_a_retry_after_that_is_not_ascii_digits_counts_as_absent(header: str) -> None:
    assert retry_after(header) == 0.0  # `²` crashed a run ("internal error"), `٣` waited 3 s


@pytest.mark.parametrize(("header", "expected"), [
    ("bytes 10-19/20", (10, 20)), ("bytes 10-19/*", (10, None)), ("bytes ١٠-19/20", (None, None)),
    ("bytes 1²-19/20", (None, None)), ("bytes 10-19/2٠", (None, None)),
])
def test_content_range_is_read_with_ascii_digits_only(header: str, expected: tuple[int | None, int | None]) -> None:
    assert download._range(header) == expected


def test_sizes_in_headers_are_read_with_ascii_digits_only() -> None:
    assert download._int(" 42 ") == 42 and download._int("²") is None and download._int("٣") is None
    assert download._total("bytes */30") == 30 and download._total("bytes */٣٠") is None


@pytest.mark.parametrize(("url", "ok"), [
    ("https://api.odyssey.ml/", True), ("http://127.0.0.1:8787", True), ("http://localhost:1", True),
    ("http://[::1]:80", True), ("http://api.example.com", False), ("ftp://x", False),
    ("https://user:pw@api.example.com", False), ("https://api.example.com/?k=1", False), ("https://:99999", False),
])
def test_api_urls(url: str, ok: bool) -> None:
    if ok:
        assert check_url(url) == url.rstrip("/")
    else:
        with pytest.raises(UsageError):
            check_url(url)


@given(st.text())
def test_a_safe_name_never_leaves_its_folder(text: str) -> None:
    name = safe_name(text, "fallback")
    assert name and len(name.encode("utf-8")) <= 120 and "/" not in name and "\\" not in name
    assert not name.startswith(".") and not any(ord(c) < 32 for c in name)
    folder = Path("/tmp/ody-out")
    assert inside(folder, name).parent == folder


@given(st.text(st.characters(min_codepoint=0x10000, max_codepoint=0x1FFFF), min_size=60, max_size=200))
def test_a_long_name_of_wide_characters_still_fits_the_file_system(text: str) -> None:
    """Bounded in bytes: 80 four-byte characters and a take suffix went past 255 bytes."""
    name = safe_name(text, "fallback")
    longest = f"{name}.take999.thumbnail.webp.part"
    assert len(longest.encode("utf-8")) <= 255
    name.encode("utf-8")  # never half a character


def test_spaces_and_non_ascii_letters_are_kept_in_nfc() -> None:
    assert safe_name("Cafe\u0301 du port", "x") == "Café du port"
    assert safe_name("  night   train. ", "x") == "night train"


def test_safe_names_and_collisions() -> None:
    assert safe_name("../../etc/passwd", "x") == "etc-passwd"
    assert safe_name("Spring: the orchard?", "x") == "Spring- the orchard"
    assert safe_name("...", "scene-1") == "scene-1"
    assert safe_name("CON", "x") == "CON-"
    assert unique_names(["a", "A", "a", "b"]) == ["a", "A-2", "a-3", "b"]
    with pytest.raises(UsageError):
        inside(Path("/tmp/out"), "../x")
    assert image_extension("/files/s/thumbnail.PNG", None) == "png"
    assert image_extension("/files/s/thumbnail", "image/webp") == "webp"
    assert image_extension("/x.exe", "text/html") == "jpg"


def answer(**fields: Any) -> JobDetail:
    """A job as the API answers it (read through the same shapes as the client's answers)."""
    return read(JobDetail, {"job_id": "j1", "status": "completed", **fields})


def test_an_adopted_job_must_match_the_request_to_the_frame() -> None:
    plan = (Scene(0, "a", 3000), Scene(1, "b", 5000))
    stream = {"stream_id": "s0", "frame_count": 75, "duration_seconds": 3.0, "script_index": 0}
    other = {"stream_id": "s1", "frame_count": 125, "duration_seconds": 5.0, "script_index": 1}
    assert matches(plan, answer(streams=[stream, other])) is None
    assert matches(plan, answer(streams=[stream])) == "it has 1 stream(s), the request 2"
    late = {**other, "duration_seconds": 5.08, "frame_count": 127}
    assert "lasts 5.08 s" in str(matches(plan, answer(streams=[stream, late])))
    assert matches(plan, answer(streams=[stream, {**other, "duration_seconds": 5.02}])) is None


def test_polling_starts_quick_and_slows_for_long_waits() -> None:
    pace = Pace(first=1.0, most=15.0)
    moving = answer(status="processing")
    assert [pace.pause(n, moving) for n in (0, 1, 2)] == [1.0, 1.5, 2.25]
    assert pace.pause(50, moving) == 15.0
    assert pace.pause(0, answer(status="pending", estimated_wait_minutes=3.0)) == 30.0
    assert pace.pause(0, answer(status="pending", estimated_wait_minutes=600.0)) == 60.0


def test_a_status_the_api_does_not_document_waits_like_pending() -> None:
    pace = Pace(first=1.0, most=15.0)
    assert pace.pause(0, answer(status="queued", estimated_wait_minutes=3.0)) == 30.0  # 1.0 before
    assert pace.pause(0, answer(status="processing", estimated_wait_minutes=3.0)) == 1.0
    assert pace.pause(0, answer(status="completed", estimated_wait_minutes=3.0)) == 1.0


def test_status_shows_a_job_without_the_signatures_of_its_urls() -> None:
    job = answer(created_at="2026-12-06T14:00:00Z", streams=[
        {"stream_id": "s0", "script_index": 0, "status": "completed", "duration_seconds": 2.0,
         "video_url": "https://files.example/v.mp4?X-Signature=secret"},
        {"stream_id": "s1", "script_index": 1, "status": "failed", "error_message": "GPU lost"}])
    text = describe(job, None, as_json=False)
    assert text == ("job j1: completed\n  created at: 2026-12-06T14:00:00Z\n"
                    "  stream 0: completed, 2 s\n  stream 1: failed: GPU lost\n"
                    "not downloaded yet: `ody download j1`\n")
    shown = json.loads(describe(job, None, as_json=True))
    assert shown["job_id"] == "j1" and shown["streams"][0]["video_url"] == "https://files.example/v.mp4?…"
    assert "secret" not in json.dumps(shown)


def test_progress_lines_carry_the_commands_prefix() -> None:
    out = io.StringIO()
    reporter = Reporter(stream=out, live=False, prefix="ody wait: ")
    reporter.job("cat.ody", answer(status="pending", estimated_wait_minutes=2.0))
    reporter.job("cat.ody", answer(status="pending", estimated_wait_minutes=1.0))  # no change of status
    reporter.say("", "interrupted", loud=True)
    assert out.getvalue() == ("ody wait: cat.ody: job j1 is pending, ~2:00 to wait\n"
                              "ody wait: interrupted\n")


def test_the_most_serious_exit_code_wins() -> None:
    assert worst([0, 3, 5, 1]) == 1
    assert worst([3, 4, 130, 2]) == 130
    assert worst([3, 5]) == 5 and worst([0, 3]) == 3 and worst([]) == 0


@pytest.mark.skipif(not renderer_available(), reason="the emulator is not installed")
def test_a_401_gets_one_fresh_token_then_is_final(tmp_path: Path) -> None:
    with thread_server(tmp_path / "emu") as server:
        client = Client(Target(server.url, server.url, "ody_unit_key"), Backoff(3, 0.01, 0.01), threading.Event())
        assert client.jobs().jobs == []
        client._token = "expired-by-the-server"  # what a server-side expiry looks like
        before = client.requests
        assert client.jobs().total == 0
        assert client.requests - before == 3  # the 401, the fresh exchange, the retry
        refused = Client(Target(server.url, server.url, "not a key"), Backoff(3, 0.01, 0.01))
        with pytest.raises(ApiRefusal) as error:
            refused.jobs()
        assert error.value.status == 422 and "not a key" not in error.value.message
        client.close()
        refused.close()


def test_server_text_is_cleaned_of_secrets_and_controls() -> None:
    client = Client(Target("https://x", "https://x", "ody_secret"), Backoff())
    client._token = "tok123"
    assert client.clean("key ody_secret token tok123 \x1b[31mred\u202e") == "key *** token *** ?[31mred?"
    assert len(client.clean("x" * 2000)) == 500
    client.close()


def _config(tmp_path: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config")}
    return subprocess.run([sys.executable, "-m", "odyssey_dsl", "config", *args], env=env, input=stdin,
                          capture_output=True, text=True, timeout=60)


def test_config_keeps_the_key_private(tmp_path: Path) -> None:
    refused = _config(tmp_path, "set", "api-key", "ody_on_the_command_line")
    assert refused.returncode == 2 and "never taken as an argument" in refused.stderr
    done = _config(tmp_path, "set", "api-key", stdin="ody_from_stdin_123\n")
    assert done.returncode == 0, done.stderr
    assert "ody_from_stdin_123" not in done.stdout + done.stderr
    path = tmp_path / "config" / "odyssey-dsl" / "config.toml"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert 'api-key = "ody_from_stdin_123"' in path.read_text()
    assert _config(tmp_path, "set", "retry-attempts", "9").returncode == 0
    assert _config(tmp_path, "set", "retry-attempts", "zero").returncode == 2
    assert _config(tmp_path, "set", "api-url", "http://api.example.com").returncode == 2
    assert _config(tmp_path, "set", "colour", "red").returncode == 2
    shown = _config(tmp_path, "show")
    assert shown.stdout == "api-key = (set)\nretry-attempts = 9\n"
    assert _config(tmp_path, "unset", "api-key").returncode == 0
    assert _config(tmp_path, "show").stdout == "retry-attempts = 9\n"
    assert _config(tmp_path, "path").stdout.strip() == str(path)
    path.write_text("retry-attempts = [\n")
    broken = _config(tmp_path, "show")
    assert broken.returncode == 2 and "cannot read the config file" in broken.stderr


def test_the_journal_takes_many_threads_and_processes_at_once(tmp_path: Path) -> None:
    from odyssey_dsl.runner.journal import Journal

    path = tmp_path / "state" / "journal.sqlite3"
    shared, other = Journal(path), Journal(path)  # a second connection stands for another process

    def work(journal: Journal, n: int) -> None:
        for i in range(40):
            row = journal.intend(api_base="b", key_fp="k", group_hash="g", request_hash="r", take=1,
                                 screenplay=None, folder=None, title=None, plan=(Scene(0, "x", 1000),))
            journal.answered(row.id, f"job-{n}-{i}", "pending")

    threads = [threading.Thread(target=work, args=(shared if n % 2 else other, n)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(shared.owners("b", "k")) == 240
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    shared.close()
    other.close()


def test_a_runner_config_nested_too_deeply_is_a_usage_error(tmp_path: Path) -> None:
    """tomllib raises RecursionError on deep nesting: it must read as a broken file, not crash."""
    from odyssey_dsl.errors import UsageError
    from odyssey_dsl.runner.target import read_config

    config = tmp_path / "config.toml"
    config.write_text("x = " + "[" * 1000 + "]" * 1000 + "\n", encoding="utf-8")
    with pytest.raises(UsageError, match="cannot read the config file"):
        read_config(config)


def test_a_runner_config_that_is_a_fifo_or_a_device_is_a_usage_error_at_once(tmp_path: Path) -> None:
    """A FIFO made `ody config show` and `ody run` wait forever; /dev/zero read until memory ran
    out; `ody config set` into /dev/null said the setting was saved."""
    from odyssey_dsl.errors import UsageError
    from odyssey_dsl.runner.target import read_config, write_config

    os.mkfifo(tmp_path / "fifo.toml")
    (tmp_path / "zero.toml").symlink_to("/dev/zero")
    for name, kind in (("fifo.toml", "a FIFO"), ("zero.toml", "a device")):
        with pytest.raises(UsageError, match=rf"cannot read the config file \(not a regular file \({kind}\)\)"):
            within(30, partial(read_config, tmp_path / name))
    (tmp_path / "null.toml").symlink_to("/dev/null")
    with pytest.raises(OSError, match="not a regular file"):
        write_config({"max-video": "5m"}, tmp_path / "null.toml")


def test_the_javascript_sdks_running_is_rendering_not_queued() -> None:
    """`running` (the JavaScript SDK's word) is estimated and polled as `processing` is: it
    used to be read as still queued, its estimate the queue's."""
    from odyssey_dsl.runner.estimate import left
    from odyssey_dsl.runner.poll import Pace

    assert left("running", 5.0, 20.0, 1.0, 8.0) == left("processing", 5.0, 20.0, 1.0, 8.0) == (12.0, "left")
    assert left("pending", 5.0, 20.0, 1.0, 8.0) == (320.0, "left")
    pace = Pace(1.0, 15.0)
    assert pace.pause(0, answer(status="running", estimated_wait_minutes=30.0)) == 1.0
    assert pace.pause(0, answer(status="queued", estimated_wait_minutes=30.0)) == 60.0
