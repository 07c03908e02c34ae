"""`ody emulator` as a process: the listening line, flags, keys, and state that survives a
SIGKILL in every phase of a job."""

from __future__ import annotations

import io
import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import av
import httpx
import pytest
from emulator_support import KEY, OTHER_KEY, Api, Emulator, poll, renderer_available, script

needs_renderer = pytest.mark.skipif(not renderer_available(), reason="the renderer is not there yet")


@pytest.fixture
def emulators() -> Iterator[list[Emulator]]:
    """Every emulator a test starts is stopped at its end, whatever happens."""
    started: list[Emulator] = []
    yield started
    for emulator in started:
        emulator.stop()


def launch(emulators: list[Emulator], data_dir: Path, *flags: str, **env: str) -> Emulator:
    emulator = Emulator(data_dir, *flags, env=env)
    emulators.append(emulator)
    emulator.start()
    return emulator


def ody(*args: str, timeout: float = 60, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "odyssey_dsl", *args], capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL, env={**os.environ, **env})


def test_first_line_names_a_free_port(emulators: list[Emulator], tmp_path: Path) -> None:
    one = launch(emulators, tmp_path / "a")
    two = launch(emulators, tmp_path / "b")
    assert one.url != two.url and one.url.startswith("http://127.0.0.1:")
    assert httpx.get(one.url + "/openapi.json").json()["info"]["title"].startswith("Odyssey Simulate API")
    secret = tmp_path / "a" / "url-secret"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert one.stop() in (0, -signal.SIGTERM)  # uvicorn shuts down, then lets the signal end it
    assert "Traceback" not in one.stderr()


def test_remote_hosts_need_a_flag(emulators: list[Emulator], tmp_path: Path) -> None:
    refused = ody("emulator", "--host", "0.0.0.0", "--port", "0", "--data-dir", str(tmp_path))
    assert refused.returncode == 2 and "--allow-remote" in refused.stderr and refused.stdout == ""
    allowed = launch(emulators, tmp_path / "remote", "--host", "0.0.0.0", "--allow-remote")
    assert allowed.url.startswith("http://0.0.0.0:")
    port = allowed.url.rsplit(":", 1)[1]
    assert httpx.get(f"http://127.0.0.1:{port}/openapi.json").status_code == 200
    allowed.stop()
    assert "warning" in allowed.stderr()


@pytest.mark.parametrize("flags", [("--error-rate", "2"), ("--api-key", "sk_nope"), ("--speed", "0"),
                                   ("--port", "70000")])
def test_bad_flags_are_usage_errors(tmp_path: Path, flags: tuple[str, ...]) -> None:
    done = ody("emulator", "--port", "0", "--data-dir", str(tmp_path), *flags)
    assert done.returncode == 2 and done.stdout == ""


def test_keys_from_flags_file_and_environment(emulators: list[Emulator], tmp_path: Path) -> None:
    keys = tmp_path / "keys.txt"
    keys.write_text("# team keys\nody_from_file\n\n", encoding="utf-8")
    emulator = launch(emulators, tmp_path / "data", "--api-key", "ody_from_flag", "--api-keys-file", str(keys),
                      ODY_EMULATOR_API_KEYS="ody_from_env, ody_also_env")
    for key, status in [("ody_from_flag", 200), ("ody_from_file", 200), ("ody_from_env", 200),
                        ("ody_also_env", 200), (KEY, 401), ("bad", 422)]:
        assert httpx.post(emulator.url + "/auth/token", json={"api_key": key}).status_code == status, key


def test_malformed_key_in_file_is_a_usage_error(tmp_path: Path) -> None:
    keys = tmp_path / "keys.txt"
    keys.write_text("not-a-key\n", encoding="utf-8")
    done = ody("emulator", "--port", "0", "--data-dir", str(tmp_path / "d"), "--api-keys-file", str(keys))
    assert done.returncode == 2 and "does not look like" in done.stderr


def test_tokens_survive_a_restart(emulators: list[Emulator], tmp_path: Path) -> None:
    first = launch(emulators, tmp_path / "data")
    with Api(first.url) as client:
        client.login()
        first.kill()
        second = launch(emulators, tmp_path / "data")
        client.http.base_url = httpx.URL(second.url)
        assert client.request("GET", "/simulation-jobs").status_code == 200


def status_of(url: str, token: str, job_id: str) -> dict[str, Any]:
    answer = httpx.get(f"{url}/simulation-jobs/{job_id}", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert answer.status_code == 200, answer.text
    job: dict[str, Any] = answer.json()
    return job


@needs_renderer
def test_sigkill_in_every_phase_loses_nothing(emulators: list[Emulator], tmp_path: Path) -> None:
    """One job, killed and restarted while pending, dispatched, processing, rendering and done.
    Timeline at --speed 10: pending 2 s, dispatched 2 s, processing 1.5 s, then a 2 s render."""
    data = tmp_path / "data"
    flags = ("--speed", "10", "--pending-seconds", "20", "--dispatched-seconds", "20", "--render-delay", "2")
    emulator = launch(emulators, data, *flags)
    with Api(emulator.url) as client:
        token = client.login().token
        job = client.submit({"script": script(15.0, "A bird lands"), "portrait": False})
    job_id = job["job_id"]

    def restart_in(phase: str) -> dict[str, Any]:
        nonlocal emulator
        poll(lambda: status_of(emulator.url, token, job_id), lambda j: j["status"] == phase, timeout=30)
        emulator.kill()
        emulator = launch(emulators, data, *flags)
        return status_of(emulator.url, token, job_id)

    assert restart_in("pending")["status"] in ("pending", "dispatched")
    assert restart_in("dispatched")["status"] in ("dispatched", "processing")
    after = restart_in("processing")
    assert after["status"] == "processing" and after["started_at"]
    # rendering: the stream has ended and its recording is being made
    started = time.time()
    ends = after["streams"][0]
    poll(lambda: (data / "recordings").exists() and any((data / "recordings").iterdir()), bool, timeout=30)
    emulator.kill()
    assert not list((data / "recordings").glob("*/recording.mp4"))  # the render was cut short
    emulator = launch(emulators, data, *flags)
    assert status_of(emulator.url, token, job_id)["status"] == "processing"  # and is redone
    done = poll(lambda: status_of(emulator.url, token, job_id), lambda j: j["status"] == "completed", timeout=60)
    assert time.time() - started >= 2  # the redone render waited its delay again
    stream = done["streams"][0]
    assert stream["stream_id"] == ends["stream_id"] and stream["frame_count"] == 375
    video = httpx.get(stream["video_url"]).content
    emulator.kill()
    emulator = launch(emulators, data, *flags)
    again = status_of(emulator.url, token, job_id)
    assert again["status"] == "completed" and again["completed_at"] == done["completed_at"]
    old_url = httpx.URL(stream["video_url"])  # signed before the crash; only the port has changed
    assert httpx.get(emulator.url + old_url.raw_path.decode()).content == video
    with av.open(io.BytesIO(video), "r") as container:
        assert sum(1 for _ in container.decode(video=0)) == 375


def test_fail_decisions_are_fixed_at_submit(emulators: list[Emulator], tmp_path: Path) -> None:
    data = tmp_path / "data"
    emulator = launch(emulators, data, "--fail-rate", "1", "--speed", "100")
    with Api(emulator.url) as client:
        client.login()
        job = client.submit({"scripts": [script(0.5), script(0.5)]})
        emulator.kill()
        emulator = launch(emulators, data, "--fail-rate", "0", "--speed", "100")
        client.http.base_url = httpx.URL(emulator.url)
        done = client.wait(job["job_id"])
        assert done["status"] == "failed" and [s["status"] for s in done["streams"]] == ["failed", "failed"]


def test_default_data_dir_is_the_user_data_folder(emulators: list[Emulator], tmp_path: Path) -> None:
    home = tmp_path / "home"
    emulator = Emulator(tmp_path / "unused", env={"HOME": str(home), "XDG_DATA_HOME": str(home / "data")})
    emulators.append(emulator)
    with open(emulator.stderr_path, "ab") as err:
        emulator.process = subprocess.Popen([sys.executable, "-m", "odyssey_dsl", "emulator", "--port", "0"],
                                            stdout=subprocess.PIPE, stderr=err, stdin=subprocess.DEVNULL,
                                            env=emulator.env)
    from odyssey_dsl.runner.emulated import first_line as read_line

    assert read_line(emulator.process, 60).startswith("listening on http://127.0.0.1:")
    assert (home / "data" / "odyssey-dsl" / "emulator" / "emulator.sqlite3").exists()


def test_other_keys_cannot_see_jobs_across_processes(emulators: list[Emulator], tmp_path: Path) -> None:
    emulator = launch(emulators, tmp_path / "data", "--pending-seconds", "600")
    with Api(emulator.url) as mine, Api(emulator.url, OTHER_KEY) as theirs:
        job = mine.login().submit()
        assert theirs.login().request("GET", f"/simulation-jobs/{job['job_id']}").status_code == 403


def test_a_busy_port_or_a_bad_data_dir_is_a_usage_error(tmp_path: Path) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = str(busy.getsockname()[1])
        done = ody("emulator", "--port", port, "--data-dir", str(tmp_path / "d"))
        assert done.returncode == 2 and "cannot listen" in done.stderr and "Traceback" not in done.stderr
    a_file = tmp_path / "file"
    a_file.write_text("x", encoding="utf-8")
    done = ody("emulator", "--port", "0", "--data-dir", str(a_file / "sub"))
    assert done.returncode == 2 and "data directory" in done.stderr and "Traceback" not in done.stderr


def test_access_log_goes_to_stderr(emulators: list[Emulator], tmp_path: Path) -> None:
    emulator = launch(emulators, tmp_path / "data", "--access-log")
    httpx.get(emulator.url + "/openapi.json")
    assert emulator.process is not None and emulator.process.stdout is not None
    emulator.stop()
    assert "/openapi.json" in emulator.stderr()


def test_one_emulator_per_data_dir(emulators: list[Emulator], tmp_path: Path) -> None:
    launch(emulators, tmp_path / "data")
    done = ody("emulator", "--port", "0", "--data-dir", str(tmp_path / "data"))
    assert done.returncode == 2 and "another emulator is using it" in done.stderr
