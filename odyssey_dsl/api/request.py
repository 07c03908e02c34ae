"""What a client sends to `POST /simulation-jobs`: the names of its keys, once.

The compiler writes these keys (emit), `ody check` and `ody decompile` read them back with
positions, and the emulator accepts them; each used to keep its own copy of these tables.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import vocabulary

#: The actions an entry may hold, in the order a script uses them: the language's own actions,
#: by design (a cue's action is the key the compiler writes).
ACTIONS: tuple[str, ...] = vocabulary.ACTIONS

#: The keys of one entry: its time and exactly one action.
ENTRY_KEYS: tuple[str, ...] = ("timestamp_ms", *ACTIONS)

#: The keys each action's object may hold (`image` only on `start`).
ACTION_KEYS: dict[str, tuple[str, ...]] = {"start": ("prompt", "image"), "interact": ("prompt",), "end": ()}

#: Where a request's scripts come from: exactly one of these is given.
SOURCES: tuple[str, ...] = ("script", "scripts", "script_url")

#: Every key of the request body.
REQUEST_KEYS: tuple[str, ...] = (*SOURCES, "portrait", "output_video", "bypass_vlm_expansion")


@dataclass(frozen=True)
class TokenRequest:
    """The body of `POST /auth/token`: an API key (`ody_...`) to exchange for a bearer token."""

    api_key: str
