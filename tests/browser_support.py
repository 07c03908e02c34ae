"""A real headless browser for the tests: Debian's Chromium, driven by Playwright.

Playwright's own browser download does not work here, so it launches the system's Chromium
(`/usr/bin/chromium`, which `.ci/run` installs) with Playwright's default arguments only:
nothing that relaxes the file-origin rules (no `--allow-file-access-from-files`, no
`--disable-web-security`), so a page opened from `file://` is treated as any user's browser
treats it. Every page records what would show in its console as a problem: errors and
warnings, uncaught exceptions, and requests that failed (but a video's range request its own
player cancelled for a newer one, after a seek).

Without Chromium (or Playwright) the tests that need it skip with the reason, except in CI
(`CI=true`), where a skip would hide them: there they fail.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path("/usr/bin/chromium")
#: Milliseconds a page may take for one thing (loading, a video's metadata, a seek).
WAIT_MS = 30_000


def missing(reason: str) -> None:
    """Skip the test for `reason`, or fail it in CI, which must run it."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}: CI must run the browser tests (.ci/run installs Chromium)")
    pytest.skip(reason)


@contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's Chromium, headless, for the length of the block."""
    if not os.access(CHROMIUM, os.X_OK):
        missing(f"Debian's Chromium ({CHROMIUM}) is not installed: `apt-get install chromium`")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("Playwright is not installed (the dev extra has it)")
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=str(CHROMIUM), timeout=WAIT_MS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Visit:
    """One page open in the browser, and the problems it reported."""

    page: Page
    problems: list[str] = field(default_factory=list)
    requested: list[str] = field(default_factory=list)


def _cancelled_by_the_player(kind: str, failure: str | None) -> bool:
    """A video's own range request that its player dropped for a newer one (a seek while the
    file loads): Chromium reports it as `net::ERR_ABORTED`, and nothing is wrong. One stress run
    in three under load saw it after a click on a cue."""
    return kind == "media" and failure == "net::ERR_ABORTED"


@contextmanager
def visiting(browser: Browser, url: str, width: int = 1280, height: int = 800) -> Iterator[Visit]:
    """`url` open in a fresh page of `width` x `height` CSS pixels until the block ends."""
    page = browser.new_page(viewport={"width": width, "height": height})
    page.set_default_timeout(WAIT_MS)
    visit = Visit(page)
    page.on("console", lambda m: visit.problems.append(f"console {m.type}: {m.text}")
            if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda error: visit.problems.append(f"uncaught: {error}"))
    page.on("requestfailed", lambda r: None if _cancelled_by_the_player(r.resource_type, r.failure)
            else visit.problems.append(f"request failed: {r.url[:120]} ({r.failure})"))
    page.on("request", lambda r: visit.requested.append(r.url))
    try:
        page.goto(url, wait_until="load")
        yield visit
    finally:
        page.close()
