"""Running the app with uvicorn on a socket we bind ourselves.

Binding first lets `--port 0` pick a free port and lets us print the real address; the line
`listening on http://HOST:PORT` is printed (and flushed) as the first line on stdout only once
the app has started, so a parent process that reads it can connect at once.
"""

from __future__ import annotations

import copy
import socket
import sqlite3
import sys
from typing import Any

import uvicorn
from uvicorn.config import LOGGING_CONFIG

from .._support.network import is_loopback
from .app import create_app
from .settings import Settings


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, url: str) -> None:
        super().__init__(config)
        self._url = url

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            print(f"listening on {self._url}", flush=True)


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP spelled out: asyncio sets TCP_NODELAY on accepted sockets only when the proto
    # says TCP, and without it every answer waits ~40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host.strip("[]"), port))
    sock.set_inheritable(True)
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class StartupError(Exception):
    """Why the emulator cannot start, in one line for the user."""


def serve(settings: Settings) -> None:
    """Serve until interrupted (SIGINT/SIGTERM stop it cleanly; SIGKILL loses nothing committed)."""
    if not is_loopback(settings.host):
        print(f"ody emulator: warning: serving on {settings.host}, reachable from other machines; it has no "
              "real security, use it on trusted networks only", file=sys.stderr, flush=True)
    try:
        sock = bind(settings.host, settings.port)
    except OSError as error:
        raise StartupError(f"cannot listen on {settings.host}:{settings.port}: {error.strerror or error}") from None
    try:
        app = create_app(settings)
    except (OSError, sqlite3.Error, RuntimeError, ValueError) as error:
        sock.close()
        raise StartupError(f"cannot use the data directory {settings.data_dir}: {error}") from None
    server = _Server(uvicorn.Config(app, **_uvicorn_options(settings)), url_of(sock))
    server.run(sockets=[sock])


def _uvicorn_options(settings: Settings) -> dict[str, Any]:
    """Quiet by default; --access-log logs requests, on stderr (stdout carries only the
    listening line)."""
    logging = copy.deepcopy(LOGGING_CONFIG)
    logging["handlers"]["access"]["stream"] = "ext://sys.stderr"
    return {"log_level": "info" if settings.access_log else "warning", "access_log": settings.access_log,
            "log_config": logging, "lifespan": "on", "timeout_graceful_shutdown": 5, "server_header": False}


class ServerThread:
    """The emulator in a thread of this process, on a free loopback port: for tests (the
    emulator's and the runner's), which still talk to it over a real socket.

        with ServerThread(Settings(data_dir=tmp, port=0)) as server:
            httpx.get(server.url + "/openapi.json")
    """

    def __init__(self, settings: Settings, start_timeout: float = 30.0) -> None:
        import threading

        self.settings = settings
        self._sock = bind(settings.host, settings.port)
        self.url = url_of(self._sock)
        self.app = create_app(settings)
        self._server = uvicorn.Server(uvicorn.Config(self.app, log_level="warning", access_log=False,
                                                     lifespan="on", timeout_graceful_shutdown=2))
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._sock]},
                                        name="ody-emulator", daemon=True)
        self._timeout = start_timeout

    def __enter__(self) -> ServerThread:
        import time

        self._thread.start()
        deadline = time.monotonic() + self._timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the emulator did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *_: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=15)
        self._sock.close()
