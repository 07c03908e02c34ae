"""The emulator's small parts on their own: ranges, timestamps, settings, signatures, dice."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pytest

from odyssey_dsl._support.network import is_loopback
from odyssey_dsl.emulator.errors import ApiError, UsageLimit
from odyssey_dsl.emulator.faults import Dice, RateLimiter
from odyssey_dsl.emulator.files import UNSATISFIABLE, byte_range
from odyssey_dsl.emulator.lifecycle import stream_folder
from odyssey_dsl.emulator.service import iso
from odyssey_dsl.emulator.settings import Settings, parse_keys, valid_key
from odyssey_dsl.emulator.urls import Signer, load_secret


@pytest.mark.parametrize("header, expected", [
    (None, None), ("", None), ("bytes=0-9", (0, 9)), ("bytes=5-", (5, 99)), ("bytes=-10", (90, 99)),
    ("bytes=-500", (0, 99)), ("bytes=90-500", (90, 99)), ("bytes=100-", UNSATISFIABLE), ("bytes=-0", UNSATISFIABLE),
    ("bytes=0-1,3-4", None), ("bytes=5-2", None), ("lines=0-1", None), ("bytes=a-b", None), ("bytes=", None),
    ("bytes=1" + "0" * 30 + "-", None), (" bytes = 1-2", (1, 2)),
    ("bytes=²-", None), ("bytes=-²", None), ("bytes=0-²", None), ("bytes=٣-٥", None), ("bytes=+1-2", None),
    ("bytes=1_0-", None), ("bytes=-1_0", None),
])
def test_byte_range(header: str | None, expected: object) -> None:
    assert byte_range(header, 100) == expected


def test_empty_file_has_no_satisfiable_range() -> None:
    assert byte_range("bytes=0-", 0) == UNSATISFIABLE and byte_range("bytes=-1", 0) == UNSATISFIABLE


def test_timestamps_have_milliseconds_and_z() -> None:
    assert iso(0) == "1970-01-01T00:00:00.000Z"
    assert iso(1_700_000_000.1239) == "2023-11-14T22:13:20.123Z"
    assert iso(None) is None


@pytest.mark.parametrize("options", [
    {"error_rate": 1.5}, {"speed": 0}, {"token_ttl": -1}, {"rate_limit": 0}, {"port": 70000},
    {"host": "0.0.0.0"}, {"api_keys": frozenset({"nope"})}, {"latency_ms": float("nan")},
])
def test_settings_refuse_nonsense(tmp_path: Path, options: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        Settings(data_dir=tmp_path, **options)


def test_settings_defaults(tmp_path: Path) -> None:
    s = Settings(data_dir=tmp_path)
    assert (s.host, s.port, s.speed, s.token_ttl, s.url_ttl) == ("127.0.0.1", 8787, 10.0, 3600.0, 3600.0)
    assert s.api_keys is None and s.bypass_privilege and s.max_body_bytes == 36 * 1024 * 1024
    assert Settings(data_dir=tmp_path, host="0.0.0.0", allow_remote=True).host == "0.0.0.0"


def test_keys() -> None:
    assert valid_key("ody_abc-DEF_123") and not valid_key("ody_") and not valid_key("ody_a b")
    assert parse_keys("ody_a, ody_b\n# comment ody_c\n ody_d # trailing\n") == ["ody_a", "ody_b", "ody_d"]
    assert is_loopback("127.0.0.2") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("example.com")


def test_secret_is_private_and_stable(tmp_path: Path) -> None:
    first = load_secret(tmp_path)
    assert stat.S_IMODE((tmp_path / "url-secret").stat().st_mode) == 0o600
    assert load_secret(tmp_path) == first and len(first) == 32


def test_signatures() -> None:
    signer = Signer(b"k" * 32, ttl=10)
    url = signer.url("http://h:1/", "s", "f.mp4", now=1000)
    query = dict(part.split("=") for part in url.split("?")[1].split("&"))
    assert url.startswith("http://h:1/files/s/f.mp4?") and query["expires"] == "1010"
    signer.check("s", "f.mp4", query["expires"], query["signature"], now=1010)
    for args, now in [(("s", "f.mp4", query["expires"], query["signature"]), 1011),
                      (("s", "other.mp4", query["expires"], query["signature"]), 1000),
                      (("t", "f.mp4", query["expires"], query["signature"]), 1000),
                      (("s", "f.mp4", "1011", query["signature"]), 1000),
                      (("s", "f.mp4", None, query["signature"]), 1000),
                      (("s", "f.mp4", "-5", "x"), 1000),
                      (("s", "f.mp4", "²", query["signature"]), 1000),
                      (("s", "f.mp4", "١٠١٠", query["signature"]), 1000),
                      (("s", "f.mp4", "1_010", query["signature"]), 1000)]:
        with pytest.raises(ApiError) as caught:
            signer.check(*args, now=now)
        assert caught.value.status == 403
    assert Signer(b"j" * 32, 10).url("http://h:1", "s", "f.mp4", 1000) != url


def test_each_fault_has_its_own_stream() -> None:
    alone, mixed = Dice(5), Dice(5)
    errors = [alone.roll("error", 0.5) for _ in range(50)]
    interleaved = []
    for _ in range(50):
        mixed.roll("drop", 0.5)
        interleaved.append(mixed.roll("error", 0.5))
    assert errors == interleaved and not Dice(5).roll("error", 0.0)


def test_rate_limiter_window() -> None:
    limiter = RateLimiter(2)
    limiter.check("a")
    limiter.check("a")
    limiter.check("b")
    with pytest.raises(UsageLimit) as caught:
        limiter.check("a")
    assert caught.value.body()["details"]["retry_after_seconds"] == 1
    RateLimiter(None).check("a")


def test_stream_folders_take_only_server_ids(tmp_path: Path) -> None:
    good = "0b7f4c2e-1d2a-4b3c-8d4e-5f6a7b8c9d0e"
    assert stream_folder(tmp_path, good) == tmp_path / "recordings" / good
    for bad in ("../x", "/etc", good.upper(), good + "/..", ""):
        with pytest.raises(ValueError):
            stream_folder(tmp_path, bad)

