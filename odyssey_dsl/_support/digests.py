"""The one content hash of requests and scripts, in one place: what the journal and run.json
compare to know a request or a script again. Kept apart from the runner's network code so that
the commands that only name scripts (`ody preview`, `stats`, `export`) import no HTTP client."""

from __future__ import annotations

import hashlib


def sha256(data: bytes) -> str:
    """The SHA-256 of `data`, in hex."""
    return hashlib.sha256(data).hexdigest()
