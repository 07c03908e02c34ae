"""Durations as a person reads them: a server's estimate is a float of minutes
(`1.83333`), which nobody wants to read; rounded words are what `ody status` shows."""

from __future__ import annotations


def about(minutes: float) -> str:
    """A wait as a person says it: `less than a minute`, `about 2 minutes`, `about 1 hour
    10 minutes` (to the minute under an hour, to five minutes over it)."""
    if minutes < 1:
        return "less than a minute"
    whole = round(minutes) if minutes < 60 else 5 * round(minutes / 5)
    hours, rest = divmod(whole, 60)
    parts = [f"{hours} hour{'s' * (hours != 1)}"] if hours else []
    if rest or not hours:
        parts.append(f"{rest} minute{'s' * (rest != 1)}")
    return "about " + " ".join(parts)
