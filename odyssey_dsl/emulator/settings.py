"""Everything the emulator can be told, in one frozen object.

The command line builds it from flags and tests build it directly for `create_app`, so a fault
or a limit is set the same way in both. Times given in *simulated* seconds are divided by
`speed` to get wall-clock seconds; TTLs and latency are real time, because clients measure them
with real clocks.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .._support.network import is_loopback

KEY_PATTERN = re.compile(r"ody_[A-Za-z0-9_-]+")
KEYS_ENV = "ODY_EMULATOR_API_KEYS"
MIB = 1024 * 1024
MAX_BODY_BYTES = 36 * MIB  # a 25 MiB image in base64 (33.4 MiB) plus the script
MAX_KEY_LENGTH = 256
MIN_PADDING = 8  # the smallest MP4 box: a 4-byte size and a 4-byte type
QUEUE_LIMIT = 10  # queued jobs an account may have, in Odyssey's documentation of its limits


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    host: str = "127.0.0.1"
    port: int = 8787
    allow_remote: bool = False
    # auth
    api_keys: frozenset[str] | None = None  # None: any well-formed key is accepted
    token_ttl: float = 3600.0
    url_ttl: float = 3600.0
    bypass_privilege: bool = True
    # lifecycle (simulated seconds, see `speed`)
    speed: float = 10.0
    pending_seconds: float = 5.0
    dispatched_seconds: float = 3.0
    render_delay: float = 0.0  # real seconds before each render: a testing aid for crash tests
    video_padding_bytes: int = 0  # bytes added to every video: large downloads without long renders
    # limits
    max_body_bytes: int = MAX_BODY_BYTES
    max_scripts: int = 32
    max_script_seconds: float = 3600.0
    script_url_timeout: float = 10.0
    allow_remote_script_urls: bool = False
    # faults
    latency_ms: float = 0.0
    error_rate: float = 0.0
    drop_rate: float = 0.0
    truncate_rate: float = 0.0
    fail_rate: float = 0.0
    rate_limit: float | None = None  # requests per second per key
    # Jobs not yet final (pending, dispatched, processing) per key, as the account's simulation
    # queue holds (10 documented); 0: no limit.
    queue_limit: int = QUEUE_LIMIT
    max_duration: float | None = None  # seconds of script; STREAM_DURATION_EXCEEDED beyond
    monthly_limit_reached: bool = False
    seed: int | None = None
    access_log: bool = False

    def __post_init__(self) -> None:
        problems = list(_problems(self))
        if problems:
            raise ValueError("; ".join(problems))

    def real_seconds(self, simulated: float) -> float:
        """Wall-clock seconds that `simulated` seconds take at this speed."""
        return simulated / self.speed


def _problems(s: Settings) -> Iterable[str]:
    for name in ("error_rate", "drop_rate", "truncate_rate", "fail_rate"):
        value = getattr(s, name)
        if not 0.0 <= value <= 1.0:
            yield f"{name} must be between 0 and 1, not {value}"
    for name in ("token_ttl", "url_ttl", "speed", "script_url_timeout", "max_script_seconds"):
        value = getattr(s, name)
        if not (math.isfinite(value) and value > 0):
            yield f"{name} must be a positive number, not {value}"
    for name in ("pending_seconds", "dispatched_seconds", "render_delay", "latency_ms"):
        value = getattr(s, name)
        if not (math.isfinite(value) and value >= 0):
            yield f"{name} must be 0 or more, not {value}"
    if s.video_padding_bytes != 0 and s.video_padding_bytes < MIN_PADDING:
        yield f"video_padding_bytes must be 0 or at least {MIN_PADDING} (an MP4 box header), not {s.video_padding_bytes}"
    if s.rate_limit is not None and not (math.isfinite(s.rate_limit) and s.rate_limit > 0):
        yield f"rate_limit must be a positive number, not {s.rate_limit}"
    if s.queue_limit < 0:
        yield f"queue_limit must be 0 (no limit) or more, not {s.queue_limit}"
    if s.max_duration is not None and not (math.isfinite(s.max_duration) and s.max_duration > 0):
        yield f"max_duration must be a positive number, not {s.max_duration}"
    if not 0 <= s.port <= 65535:
        yield f"port must be between 0 and 65535, not {s.port}"
    if s.max_body_bytes < 1 or s.max_scripts < 1:
        yield "max_body_bytes and max_scripts must be positive"
    for key in s.api_keys or ():
        if not valid_key(key):
            yield f"API key {key[:12]!r}... does not look like ody_<letters, digits, _ or ->"
    if not s.allow_remote and not is_loopback(s.host):
        yield f"{s.host} is not a loopback address: pass --allow-remote to serve other machines"


def valid_key(key: str) -> bool:
    return len(key) <= MAX_KEY_LENGTH and KEY_PATTERN.fullmatch(key) is not None


def parse_keys(text: str) -> list[str]:
    """Keys from a file or the environment: separated by commas or whitespace, `#` comments."""
    keys: list[str] = []
    for line in text.splitlines():
        line = line.split("#", 1)[0]
        keys.extend(k for k in re.split(r"[\s,]+", line) if k)
    return keys
