"""Fetching `script_url` at submit: http(s) only, loopback only unless allowed, size-limited,
with a deadline, no redirects and no proxies (either could lead the fetch to a host that was
not allowed).
"""

from __future__ import annotations

import time

from .._support.network import is_loopback
from .._support.sizes import size_text
from .errors import ApiError
from .settings import Settings

MAX_URL_LENGTH = 2048


def fetch_script(url: str, settings: Settings) -> bytes:
    """GET `url` once: http(s), no redirects, no proxies, loopback hosts unless allowed, at most
    `max_body_bytes`, within about `script_url_timeout` seconds."""
    import httpx

    if len(url) > MAX_URL_LENGTH:
        raise ApiError(422, f"`script_url` is longer than {MAX_URL_LENGTH} characters")
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError, TypeError):
        raise ApiError(422, "`script_url` is not a valid URL") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise ApiError(422, "`script_url` must be an http:// or https:// URL")
    if not settings.allow_remote_script_urls and not is_loopback(parsed.host):
        raise ApiError(422, f"`script_url` host {parsed.host} is not a loopback address; the emulator fetches "
                            "only from this machine unless started with --allow-remote-script-urls")
    timeout = settings.script_url_timeout
    deadline = time.monotonic() + timeout
    limit = settings.max_body_bytes
    try:
        with httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client, \
                client.stream("GET", parsed) as response:
            if response.status_code != 200:
                raise ApiError(422, f"`script_url` answered HTTP {response.status_code}, not 200 "
                                    "(redirects are not followed)")
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > limit:
                    raise ApiError(422, f"the file at `script_url` is over {size_text(limit)}")
                if time.monotonic() > deadline:
                    raise httpx.ReadTimeout("too slow")
                chunks.append(chunk)
    except httpx.TimeoutException:
        raise ApiError(422, f"`script_url` did not answer within {timeout:g} s") from None
    except httpx.HTTPError as error:
        raise ApiError(422, f"`script_url` could not be fetched ({type(error).__name__})") from None
    return b"".join(chunks)
