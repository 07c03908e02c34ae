"""`ody`'s standard output as it really is: a terminal (a pseudo-terminal, so that the command
takes its terminal path), a closed descriptor, a full device. Every command run in a real
subprocess, as users run it."""

from __future__ import annotations

import os
import pty
import subprocess
from pathlib import Path

from test_cli import COLOUR_VARIABLES, ODY


def on_terminal(*args: str, cwd: Path, **env: str) -> tuple[int, str, str]:
    """`ody ARGS` with stdout on a pseudo-terminal (80 columns, colour allowed) and stderr piped:
    the exit code, what the terminal received (its CR LF as LF) and stderr."""
    main, secondary = pty.openpty()
    variables = {k: v for k, v in os.environ.items() if k not in COLOUR_VARIABLES} | {"TERM": "xterm-256color",
                                                                                       "COLUMNS": "200"} | env
    try:
        child = subprocess.Popen([ODY, *args], cwd=cwd, stdout=secondary, stderr=subprocess.PIPE,
                                 stdin=subprocess.DEVNULL, env=variables)
    finally:
        os.close(secondary)
    received = bytearray()
    try:
        while chunk := _read(main):
            received += chunk
    finally:
        os.close(main)
    assert child.stderr is not None
    stderr = child.stderr.read().decode("utf-8")
    child.stderr.close()
    code = child.wait(timeout=60)
    return code, received.decode("utf-8").replace("\r\n", "\n"), stderr


def _read(fd: int) -> bytes:
    try:
        return os.read(fd, 65536)
    except OSError:  # EIO: the terminal's other end closed (Linux)
        return b""
