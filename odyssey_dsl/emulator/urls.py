"""Expiring, unguessable file URLs, like presigned storage URLs.

A URL carries its expiry and an HMAC of (stream, file, expiry) under a secret kept in the data
directory (mode 0600), so URLs handed out before a restart keep working until they expire and
nobody can make one up. Downloads need no Authorization header, exactly as with presigned URLs.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import os
import secrets
from pathlib import Path
from urllib.parse import quote, urlencode

from .._support.numbers import whole_number
from .errors import ApiError

SECRET_FILE = "url-secret"


def load_secret(data_dir: Path) -> bytes:
    """The signing secret, created on first use with owner-only permissions."""
    path = data_dir / SECRET_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        os.chmod(path, 0o600)
        text = path.read_text(encoding="ascii").strip()
        if len(text) < 32:
            raise RuntimeError(f"{path} is damaged: delete it (file URLs handed out so far stop working)") from None
        return bytes.fromhex(text)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(secrets.token_hex(32) + "\n")
        f.flush()
        os.fsync(f.fileno())
    return load_secret(data_dir)


class Signer:
    def __init__(self, secret: bytes, ttl: float) -> None:
        self._secret = secret
        self._ttl = ttl

    def url(self, base: str, stream_id: str, name: str, now: float) -> str:
        expires = math.ceil(now + self._ttl)
        query = urlencode({"expires": expires, "signature": self._sign(stream_id, name, expires)})
        return f"{base.rstrip('/')}/files/{quote(stream_id)}/{quote(name)}?{query}"

    def check(self, stream_id: str, name: str, expires: str | None, signature: str | None, now: float) -> None:
        """403 for a forged, altered or expired URL (forgery is judged first: the expiry of a
        made-up URL means nothing)."""
        moment = whole_number(expires, max_digits=12)
        if moment is None or not signature:
            raise ApiError(403, "this file URL is not signed: ask GET /recordings/{stream_id} for a fresh one")
        expected = self._sign(stream_id, name, moment).encode("ascii")
        if not hmac.compare_digest(expected, signature.encode("utf-8", "surrogatepass")):
            raise ApiError(403, "this file URL's signature does not match: ask GET /recordings/{stream_id} "
                                "for a fresh one")
        if moment < now:
            raise ApiError(403, "this file URL has expired: ask GET /recordings/{stream_id} for a fresh one")

    def _sign(self, stream_id: str, name: str, expires: int) -> str:
        message = f"{stream_id}\n{name}\n{expires}".encode("utf-8", "surrogatepass")
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()
