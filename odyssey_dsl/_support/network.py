"""Which hosts are this machine: the rule behind every "loopback only" decision (the emulator
binds there by default, fetches `script_url` only from there; the runner sends a key over
plain http only there)."""

from __future__ import annotations

import ipaddress


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 (bracketed or not) and `localhost` (with or without its final dot);
    any other name could be made to resolve to another machine."""
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


__all__ = ["is_loopback"]
