"""Which API a command talks to, with which key: flags, then the environment, then the user's
config file (`ody config set ...`, 0600 in the platform's config folder).

The key is never a command-line argument: it would land in shell history and process lists.
Only its fingerprint (a salted hash prefix) is ever written anywhere.
"""

from __future__ import annotations

import hashlib
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from .._support.files import write_atomic
from .._support.network import is_loopback
from .._support.reads import read_file
from .errors import UsageError
from .retry import Backoff

DEFAULT_URL = "https://api.odyssey.ml"
KEY_ENV, URL_ENV = "ODYSSEY_API_KEY", "ODYSSEY_API_URL"
EMULATOR = "emulator"  # the journal's API base for jobs of the local emulator, whatever its port
EMULATOR_KEY = "ody_local_emulator"  # the emulator's own key: a user's real key never goes there


def config_path() -> Path:
    from platformdirs import user_config_path

    return user_config_path("odyssey-dsl", appauthor=False) / "config.toml"


def state_dir() -> Path:
    """The journal, locks and the `--emulator` data live here (created private, 0700)."""
    from platformdirs import user_state_path

    folder = user_state_path("odyssey-dsl", appauthor=False)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


# --- the user config file ----------------------------------------------------------------------

class Duration(str):
    """A setting that is a length of time, in the language's syntax (`5m`, `90s`, `1:30:00`)."""


SETTINGS: dict[str, type] = {  # key -> type; documented in docs/runner.md
    "api-url": str, "api-key": str,
    "retry-attempts": int, "retry-base": float, "retry-cap": float,
    "poll-first": float, "poll-max": float,
    "max-video": Duration,
}
MAX_VIDEO = 300.0  # seconds of new video one `ody run` may ask for without `--yes`
POLL_FLOOR = 0.5  # seconds: the shortest pause between status checks of a job on a remote API
POLL_FLOOR_LOCAL = 0.05  # ...and of one on this machine (the emulator), where a request costs nothing


def read_config(path: Path | None = None) -> dict[str, object]:
    """The config file's settings; a missing file is empty, a broken one a usage error."""
    path = path or config_path()
    try:
        data = tomllib.loads(read_file(path).decode("utf-8"))  # a FIFO or a device refused, never waited on
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError) as error:
        why = error.strerror if isinstance(error, OSError) and error.strerror else error
        raise UsageError(f"{path}: cannot read the config file ({why})") from None
    for key, value in data.items():
        kind = SETTINGS.get(key)
        if kind is None:
            raise UsageError(f"{path}: unknown setting `{key}`", f"known: {', '.join(SETTINGS)}")
        problem = wrong(key, value)
        if problem is not None:
            raise UsageError(f"{path}: `{key}` {problem}")
    return data


def wrong(key: str, value: object) -> str | None:
    """What is wrong with a setting's value (its type and range), or None."""
    kind = SETTINGS[key]
    if kind is Duration:
        return None if seconds(value) is not None else "must be a length of time such as 5m, 90s or 1:30:00"
    if kind is float:
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            return "must be a number"
        floor = POLL_FLOOR_LOCAL if key.startswith("poll-") else 0.0
        if not value >= floor:
            return f"must be {floor:g} or more" + (
                f" (seconds between status checks: {POLL_FLOOR:g} or more for a remote API)" if floor else "")
        return None
    if kind is int:
        return None if isinstance(value, int) and not isinstance(value, bool) and value >= 1 else "must be 1 or more"
    return None if isinstance(value, str) else "must be a string"


def seconds(value: object) -> float | None:
    """A length of time setting in seconds: `5m`, `90s`, `1:30:00`, or a plain number of seconds."""
    from ..times import TimeError, parse_time

    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value) if value > 0 else None
    if not isinstance(value, str):
        return None
    parsed = parse_time(value.strip())
    return None if isinstance(parsed, TimeError) or parsed[0] or parsed[1] <= 0 else parsed[1] / 1000


def max_video(flag: float | None, config: dict[str, object]) -> float:
    """Seconds of new video one run may ask for: `--max-video`, the `max-video` setting, 5 minutes."""
    if flag is not None:
        return flag
    return seconds(config.get("max-video", MAX_VIDEO)) or MAX_VIDEO


def write_config(data: dict[str, object], path: Path | None = None) -> Path:
    """Write the settings atomically, readable by the user only (it may hold the key)."""
    path = path or config_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    lines = [f"{key} = {_toml(value)}\n" for key, value in sorted(data.items())]
    write_atomic(path, "# odyssey-dsl user settings: written by `ody config set`\n" + "".join(lines), mode=0o600,
                 only_files=True)  # never into a FIFO (a wait) or /dev/null (a setting said saved, and lost)
    return path


def _toml(value: object) -> str:
    import json

    return json.dumps(value) if isinstance(value, str) else repr(value)


# --- the target -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    """An API to talk to: `base` is what the journal records (a URL, or `emulator`), `url`
    where requests go now."""

    base: str
    url: str
    key: str = field(repr=False)

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.key)

    @property
    def emulated(self) -> bool:
        return self.base == EMULATOR

    @property
    def local(self) -> bool:
        """An API on this machine: requests to it cost nothing but a little CPU."""
        return self.emulated or is_loopback(urlsplit(self.url).hostname or "")


def fingerprint(key: str) -> str:
    """Names a key in the journal without revealing it."""
    return hashlib.sha256(b"odyssey-dsl key\0" + key.encode()).hexdigest()[:16]


def number(config: dict[str, object], key: str, default: float) -> float:
    value = config.get(key, default)
    return float(value) if isinstance(value, (int, float)) else default


def backoff(config: dict[str, object]) -> Backoff:
    """The retry policy, from the config file's `retry-*` settings (validated on reading)."""
    return Backoff(int(number(config, "retry-attempts", 6)), number(config, "retry-base", 0.5),
                   number(config, "retry-cap", 30.0))



def api_url(flag: str | None, config: dict[str, object]) -> str:
    """The API's base URL from `--api-url`, ODYSSEY_API_URL, the config file or the default."""
    url = flag or os.environ.get(URL_ENV) or config.get("api-url") or DEFAULT_URL
    return check_url(str(url))


def api_key(config: dict[str, object]) -> str:
    key = os.environ.get(KEY_ENV) or config.get("api-key")
    if not key:
        raise UsageError("no API key", f"set {KEY_ENV} (or run `ody config set api-key`), or try --emulator "
                                       "to run against the local emulator")
    key = str(key).strip()
    if not re.fullmatch(r"[\x21-\x7e]{1,512}", key):
        raise UsageError(f"the API key (from {KEY_ENV} or the config file) is malformed",
                         "API keys look like ody_... with no spaces")
    return key


def check_url(url: str) -> str:
    """An http(s) base URL without credentials, query or fragment; plain http only to this
    machine (a key or token sent in clear over a network is a leaked key)."""
    url = url.strip().rstrip("/")
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        raise UsageError(f"{_safe(url)} is not a valid URL") from None
    if parts.scheme not in ("http", "https") or not host:
        raise UsageError(f"{_safe(url)} is not an http(s) URL")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise UsageError("the API URL must not hold credentials, a query or a fragment")
    if parts.scheme == "http" and not is_loopback(host):
        raise UsageError(f"refusing plain http:// for {host}", "use https://, or http:// only for this machine")
    return url


def _safe(url: str) -> str:
    return repr(url[:80])

