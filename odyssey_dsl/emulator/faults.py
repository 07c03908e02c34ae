"""Fault injection for clients' reliability tests: latency, errors, dropped connections,
truncated downloads, failing streams and rate limits.

Each fault draws from its own random stream (seeded from `--seed` and the fault's name), so
turning one fault on does not change when another fires, and a seeded test sees the same
faults every run. Dropping and truncating must cut a real TCP connection: that needs the
server's transport, which uvicorn's `send` callable carries (`send.__self__.transport`).
Without it (another server, an in-process transport) the request ends in an exception instead.
"""

from __future__ import annotations

import asyncio
import json
import random
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from .._support.numbers import whole_number
from .errors import problem, rate_limited
from .settings import Settings

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

API_PREFIXES = ("/auth/", "/simulation-jobs", "/recordings", "/stream-recordings")
FILE_PREFIX = "/files/"


class Dice:
    """One independent random stream per fault."""

    def __init__(self, seed: int | None) -> None:
        self._seed = seed
        self._streams: dict[str, random.Random] = {}
        self._lock = threading.Lock()

    def roll(self, fault: str, rate: float) -> bool:
        if rate <= 0:
            return False
        return self.stream(fault) < rate

    def choice(self, fault: str, options: tuple[int, ...]) -> int:
        return options[int(self.stream(fault) * len(options))]

    def stream(self, fault: str) -> float:
        with self._lock:
            rng = self._streams.get(fault)
            if rng is None:
                rng = self._streams[fault] = random.Random(None if self._seed is None else f"{self._seed}:{fault}")
            return rng.random()


class RateLimiter:
    """At most `rate` requests per key in any one-second window; refused ones do not count."""

    def __init__(self, rate: float | None) -> None:
        self._limit = None if rate is None else max(1, int(rate))
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, key: str) -> None:
        if self._limit is None:
            return
        now = time.monotonic()
        with self._lock:
            window = self._seen.setdefault(key, deque())
            while window and window[0] <= now - 1.0:
                window.popleft()
            if len(window) >= self._limit:
                raise rate_limited(window[0] + 1.0 - now)
            window.append(now)


class FaultLayer:
    """The outermost ASGI layer: latency, then errors, drops and truncation."""

    def __init__(self, settings: Settings, dice: Dice) -> None:
        self._s = settings
        self._dice = dice

    async def __call__(self, scope: Scope, receive: Receive, send: Send, app: ASGIApp) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        if self._s.latency_ms > 0:
            await asyncio.sleep(self._s.latency_ms / 1000)
        path: str = scope.get("path", "")
        if path.startswith(API_PREFIXES):
            if self._dice.roll("error", self._s.error_rate):
                await _answer(send, self._dice.choice("error-status", (500, 502, 503)),
                              "injected fault (--error-rate): the request was not handled")
                return
            if self._dice.roll("drop", self._s.drop_rate):
                await app(scope, receive, _swallow)
                await _hang_up(send)
                return
        elif path.startswith(FILE_PREFIX) and scope.get("method") == "GET" \
                and self._dice.roll("truncate", self._s.truncate_rate):
            await app(scope, receive, _Truncating(send))
            return
        await app(scope, receive, send)


async def _swallow(message: Message) -> None:
    return None


class _Truncating:
    """Passes a response through until half its body (at least a byte, so a client that resumes
    always gets further), then hangs up."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self._left: int | None = None
        self._cut = False

    async def __call__(self, message: Message) -> None:
        if self._cut:
            return
        if message["type"] == "http.response.start":
            headers = dict((k.lower(), v) for k, v in message.get("headers", []))
            length = whole_number(headers.get(b"content-length"))
            if message["status"] in (200, 206) and length:
                self._left = max(1, length // 2)
            await self._send(message)
            return
        if self._left is None or message["type"] != "http.response.body":
            await self._send(message)
            return
        body: bytes = message.get("body", b"")
        if len(body) < self._left:
            self._left -= len(body)
            await self._send(message)
            return
        await self._send({"type": "http.response.body", "body": body[: self._left], "more_body": True})
        self._cut = True
        await _hang_up(self._send)


async def _hang_up(send: Send) -> None:
    """Close the connection without finishing the answer (uvicorn only; see the module doc)."""
    cycle = getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None:
        raise ConnectionAbortedError("injected fault: connection dropped")
    transport.close()
    for _ in range(200):  # until uvicorn notices, so that it neither logs nor answers 500
        if getattr(cycle, "disconnected", True):
            return
        await asyncio.sleep(0.005)


async def _answer(send: Send, status: int, detail: str) -> None:
    body = json.dumps(problem(detail)).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
