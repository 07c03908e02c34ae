"""Time literals: `3s`, `1m30s`, `1:30.25`, `+500ms`, and their canonical spelling.

The grammar accepts any text after `@` as a time so that a mistyped time gets a precise
message here (unknown unit, missing unit, not a whole millisecond) instead of a parse error.
Values are exact integers of milliseconds: nothing is ever rounded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .diagnostics import shown

UNIT_MS: dict[str, int] = {"h": 3_600_000, "m": 60_000, "s": 1_000, "ms": 1}
_UNIT_ORDER = ("h", "m", "s", "ms")
_NEXT_UNIT = {"h": "m", "m": "s", "s": "ms"}
#: Larger values are refused: they are no real screenplay and stay exact in JSON numbers.
MAX_MS = 2**53 - 1
_MAX_DIGITS = 16

# The everyday valid forms, read by one regular expression each; anything else (including
# every mistake) takes the general path, which explains what is wrong.
_SIMPLE = re.compile(r"(\+?)(\d{1,12})(ms|s|m|h)", re.ASCII)
_UNITS = re.compile(r"(\+?)(?:(\d{1,9})h)?(?:(\d{1,9})m(?!s))?(?:(\d{1,9})(?:\.(\d{1,3}))?s)?(?:(\d{1,9})ms)?", re.ASCII)
_CLOCK_FAST = re.compile(r"(\+?)(\d{1,9}):([0-5]\d)(?::([0-5]\d))?(?:\.(\d{1,3}))?", re.ASCII)
_NUMBER = re.compile(r"(\d*)(?:\.(\d*))?", re.ASCII)
_PART = re.compile(r"(\d+)(?:\.(\d+))?([^\d.:]*)", re.ASCII)
_CLOCK = re.compile(r"(\d+):(\d+)(?::(\d+))?(?:\.(\d+))?", re.ASCII)
_UNIT_ALIASES = {
    "sec": "s", "secs": "s", "second": "s", "seconds": "s",
    "min": "m", "mins": "m", "minute": "m", "minutes": "m",
    "hr": "h", "hrs": "h", "hour": "h", "hours": "h",
    "msec": "ms", "msecs": "ms", "millis": "ms", "millisecond": "ms", "milliseconds": "ms",
}


@dataclass(frozen=True, slots=True)
class TimeError:
    """Why a time literal is invalid; `suggestions` are replacement texts (without `@`)."""

    message: str
    help: str | None = None
    suggestions: tuple[str, ...] = ()
    safe: bool = False  # the suggestion is evidently what was meant (`ody lint --fix` applies it)


@lru_cache(maxsize=4096)
def parse_time(text: str) -> tuple[bool, int] | TimeError:
    """Parse a time as written after `@` into (relative, milliseconds), or say what is wrong."""
    return _fast(text) or parse_time_slowly(text)


def parse_time_slowly(text: str) -> tuple[bool, int] | TimeError:
    """`parse_time` without the fast paths: the reference they are tested against."""
    if not text.isascii() and any(c.isdigit() for c in text):
        return TimeError("times are written with the digits 0-9", "retype the number with ASCII digits, e.g. `3s`")
    relative = text.startswith("+")
    body = text[1:] if relative else text
    sign = "+" if relative else ""
    if "," in body or _BARE_DOT.search(body):
        return _misspelt_number(body, sign)
    if not body:
        return TimeError(
            "missing time after `@`" if not relative else "missing time after `@+`",
            "write the time right after `@`, with no space: `@3s`, `@1:30`, `@+500ms`",
        )
    if ":" in body:
        result = _parse_clock(body, sign)
    elif _NUMBER.fullmatch(body):
        result = _parse_bare(body, sign)
    else:
        result = _parse_units(body, sign)
    if isinstance(result, TimeError):
        return result
    if result > MAX_MS:
        return _TOO_LARGE
    return relative, result


def _fast(text: str) -> tuple[bool, int] | None:
    """Valid `3s` / `1m30.25s` / `1:30.250` forms without the general machinery, else None."""
    simple = _SIMPLE.fullmatch(text)
    if simple is not None:
        sign, number, unit = simple.groups()
        value = int(number) * UNIT_MS[unit]
        return (bool(sign), value) if value <= MAX_MS else None
    match = _UNITS.fullmatch(text)
    if match is not None:
        sign, hours, minutes, seconds, frac, millis = match.groups()
        if (hours or minutes or seconds or millis) and not (frac and millis):
            value = (int(hours or 0) * 3_600_000 + int(minutes or 0) * 60_000 + int(seconds or 0) * 1000
                     + int((frac or "").ljust(3, "0")) + int(millis or 0))
            return bool(sign), value
        return None
    match = _CLOCK_FAST.fullmatch(text)
    if match is not None:
        sign, first, second, third, frac = match.groups()
        whole = (int(first) * 3600 + int(second) * 60 + int(third)) if third else (int(first) * 60 + int(second))
        return bool(sign), whole * 1000 + int((frac or "").ljust(3, "0"))
    return None


def format_ms(ms: int) -> str:
    """The canonical spelling: `0`, `250ms`, `3s`, `1.5s`, `1m`, `1m2.25s`, `1h2m3.5s`."""
    if ms == 0:
        return "0"
    if ms < 1000:
        return f"{ms}ms"
    hours, rest = divmod(ms, UNIT_MS["h"])
    minutes, rest = divmod(rest, UNIT_MS["m"])
    out = (f"{hours}h" if hours else "") + (f"{minutes}m" if minutes else "")
    if rest:
        seconds, millis = divmod(rest, 1000)
        out += f"{seconds}.{millis:03d}".rstrip("0").rstrip(".") + "s"
    return out


def format_clock(ms: int) -> str:
    """`M:SS.mmm` (or `H:MM:SS.mmm`), the form a hover shows next to the milliseconds."""
    hours, rest = divmod(ms, UNIT_MS["h"])
    minutes, rest = divmod(rest, UNIT_MS["m"])
    seconds, millis = divmod(rest, 1000)
    head = f"{hours}:{minutes:02d}" if hours else f"{minutes}"
    return f"{head}:{seconds:02d}.{millis:03d}"


# A number with nothing before or after its dot (`.5m`, `5.s`).
_BARE_DOT = re.compile(r"(?<![0-9])\.[0-9]|[0-9]\.(?![0-9])", re.ASCII)
_THOUSANDS = re.compile(r"[0-9],[0-9]{3}(?![0-9])", re.ASCII)


def _misspelt_number(body: str, sign: str) -> TimeError:
    """A number written with a decimal comma (`2,5s`) or a bare dot (`.5m`, `5.s`): said in
    those words, with the spelling that is accepted when it makes a time. A comma before
    exactly three digits may be a thousands separator (`1,500ms`): then no fix is safe."""
    comma = "," in body
    fixed = body.replace(",", ".") if comma else _BARE_DOT.sub(_digit_beside_dot, body)
    if comma:
        message, say = "a time is written with a decimal point, not a comma", "use a dot: `{}`"
    else:
        message, say = "a number in a time has a digit on each side of its dot", "write `{}`"
    parsed = parse_time_slowly(sign + fixed)
    thousands = comma and _THOUSANDS.search(body) is not None
    if not isinstance(parsed, TimeError):
        return TimeError(message, say.format(shown(sign + fixed)), (sign + fixed,), safe=not thousands)
    without = sign + body.replace(",", "")
    if thousands and not isinstance(parse_time_slowly(without), TimeError):
        return TimeError(message, f"a time has no thousands separator: write `{shown(without)}`", (without,))
    return TimeError(message, parsed.help, parsed.suggestions)


def _digit_beside_dot(match: re.Match[str]) -> str:
    """`.5` → `0.5`; `5.` → `5` (the dot had nothing after it)."""
    text = match.group()
    return "0" + text if text.startswith(".") else text[0]


def _parse_bare(body: str, sign: str) -> int | TimeError:
    """A number without a unit is only allowed when it is exactly `0`."""
    if body == "0":
        return 0
    match = _NUMBER.fullmatch(body)
    assert match is not None
    whole, frac = match.group(1), match.group(2) or ""
    if len(whole) > _MAX_DIGITS:
        return _TOO_LARGE
    if not whole.strip("0") and not frac.strip("0"):
        return TimeError("a zero time is written `0`", f"write `{sign}0`", (f"{sign}0",), safe=True)
    seconds = _exact(whole or "0", frac, UNIT_MS["s"])
    millis = _exact(whole or "0", frac, 1)
    body = (whole or "0") + (f".{frac}" if frac else "")  # `1.` and `.5` are written `1`, `0.5`
    options, words = [], []
    if seconds is not None and seconds <= MAX_MS:
        options.append(f"{sign}{body}s")
        words.append(f"`{sign}{body}s` (that is `{sign}{seconds}ms`)")
    if millis is not None and millis <= MAX_MS:
        options.append(f"{sign}{body}ms")
        words.append(f"`{sign}{body}ms`")
    if not options:
        return TimeError("a time needs a unit", "write it with a unit, such as `3s` or `3000ms`")
    return TimeError(
        "a time needs a unit: only `0` may be written without one",
        "write " + " or ".join(words),
        tuple(options),
    )


def _parse_units(body: str, sign: str) -> int | TimeError:
    """`1h2m3.5s`: units largest first, each once, a fraction only on the last part."""
    pos, parts = 0, []
    while pos < len(body):
        match = _PART.match(body, pos)
        if match is None:
            return TimeError(
                f"`{shown(body)}` is not a time",
                "write a number and a unit (h, m, s, ms), like `3s`, `1m30s` or `1:30`",
            )
        parts.append(match.groups())
        pos = match.end()
    seen: list[str] = []
    total = 0
    for index, (whole, frac, unit) in enumerate(parts):
        if not unit and seen and index == len(parts) - 1 and seen[-1] != "ms":
            fixed = f"{sign}{body}{_NEXT_UNIT[seen[-1]]}"  # `1m30` means `1m30s`
            return TimeError("a time needs a unit after every number", f"did you mean `{shown(fixed)}`?", (fixed,))
        if unit not in UNIT_MS:
            return _unknown_unit(unit, whole, frac, sign, len(parts) == 1)
        if unit in seen:
            return TimeError(f"unit `{unit}` appears twice", "write each unit once: `1m30s`")
        if seen and _UNIT_ORDER.index(unit) < _UNIT_ORDER.index(seen[-1]):
            return TimeError(
                "units must go from largest to smallest (h, m, s, ms)",
                "for example `1m30s`, not `30s1m`",
            )
        if frac is not None and index != len(parts) - 1:
            return TimeError(
                "only the last part of a time may have a fraction",
                "put the fraction on the last part: `1m30.5s`, not `1.5m30s`",
            )
        if len(whole) > _MAX_DIGITS:
            return _TOO_LARGE
        value = _exact(whole, frac or "", UNIT_MS[unit])
        if value is None:
            return _NOT_WHOLE
        seen.append(unit)
        total += value
    return total


def _parse_clock(body: str, sign: str) -> int | TimeError:
    """`M:SS` or `H:MM:SS`, fields after a colon two digits below 60, optional fraction."""
    match = _CLOCK.fullmatch(body)
    if match is None:
        return TimeError(
            f"`{shown(body)}` is not a clock time",
            "clock times are `M:SS` or `H:MM:SS`, optionally with a fraction: `1:30`, `0:01:30.250`",
        )
    first, second, third, frac = match.groups()
    fields = [second] + ([third] if third is not None else [])
    if any(len(f) != 2 or int(f) >= 60 for f in fields):
        if all(len(f) <= 2 and int(f) < 60 for f in fields):  # `1:5` means `1:05`
            fixed = f"{sign}{first}:" + ":".join(f.zfill(2) for f in fields) + (f".{frac}" if frac else "")
            return TimeError("in a clock time the fields after a colon are two digits",
                             f"did you mean `{shown(fixed)}`?", (fixed,))
        return TimeError(
            "in a clock time the fields after a colon are two digits below 60",
            "write `1:05` for one minute five seconds, `1:00:00` for an hour",
        )
    if len(first) > _MAX_DIGITS:
        return _TOO_LARGE
    if third is None:
        whole_ms = int(first) * UNIT_MS["m"] + int(second) * 1000
    else:
        whole_ms = int(first) * UNIT_MS["h"] + int(second) * UNIT_MS["m"] + int(third) * 1000
    fraction = _exact("0", frac or "", 1000)
    if fraction is None:
        return _NOT_WHOLE
    return whole_ms + fraction


def _exact(whole: str, frac: str, unit_ms: int) -> int | None:
    """`whole.frac` units in milliseconds, or None when that is not a whole millisecond."""
    frac = frac.rstrip("0")
    if len(frac) > 9:  # no unit has more than 10^5 in it: cannot be whole
        return None
    scale = 10 ** len(frac)
    numerator = (int(whole) * scale + (int(frac) if frac else 0)) * unit_ms
    value, remainder = divmod(numerator, scale)
    return None if remainder else value


_TOO_LARGE = TimeError("time is too large", "a script lasts minutes, not centuries")
_NOT_WHOLE = TimeError(
    "not a whole number of milliseconds",
    "times are sent in whole milliseconds and are never rounded: drop the extra digits",
)


def _unknown_unit(unit: str, whole: str, frac: str | None, sign: str, alone: bool) -> TimeError:
    number = whole + (f".{frac}" if frac is not None else "")
    guess = _UNIT_ALIASES.get(unit.lower()) or (unit.lower() if unit.lower() in UNIT_MS else None)
    if not unit:
        return TimeError("a time needs a unit after every number", "write `1m30s`, not `1m30`")  # see _missing_unit
    if guess and alone:
        fixed = f"{sign}{number}{guess}"
        return TimeError(f"unknown time unit `{unit}`", f"did you mean `{fixed}`?", (fixed,), safe=True)
    return TimeError(
        f"unknown time unit `{shown(unit)}`",
        "units are h, m, s and ms, in lowercase: `3s`, `1m30s`, `250ms`",
    )
