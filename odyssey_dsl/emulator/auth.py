"""API keys and bearer tokens.

Keys are never stored: tokens and owners are kept as SHA-256 hashes, so a copy of the data
directory gives away nothing a client can replay. A token names the key that made it, and a
key dropped from the allowed list at a restart takes its tokens with it.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import time

from .errors import ApiError
from .settings import Settings, valid_key
from .store import Store

TOKEN_PREFIX = "odyt_"
_CHALLENGE = {"WWW-Authenticate": "Bearer"}


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


class Auth:
    def __init__(self, settings: Settings, store: Store) -> None:
        self._settings = settings
        self._store = store
        keys = settings.api_keys
        self._allowed = None if keys is None else frozenset(digest(k) for k in keys)

    def exchange(self, api_key: object) -> tuple[str, int]:
        """A fresh token and its lifetime in whole seconds, for a well-formed, allowed key."""
        if not isinstance(api_key, str) or not valid_key(api_key):
            raise ApiError(422, "malformed API key: expected ody_ followed by letters, digits, _ or -")
        owner = digest(api_key)
        if not self._admits(owner):
            raise ApiError(401, "invalid API key")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = time.time()
        self._store.add_token(digest(token), owner, now + self._settings.token_ttl, now)
        return token, max(1, math.floor(self._settings.token_ttl))

    def owner(self, authorization: str | None) -> str:
        """The key hash behind an `Authorization: Bearer` header, or 401."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(401, "not authenticated: send Authorization: Bearer <access_token>", _CHALLENGE)
        owner = self._store.token_owner(digest(token.strip()), time.time())
        if owner is None or not self._admits(owner):
            raise ApiError(401, "invalid or expired token: exchange the API key again at /auth/token", _CHALLENGE)
        return owner

    def _admits(self, owner: str) -> bool:
        return self._allowed is None or owner in self._allowed
