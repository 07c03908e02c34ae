"""Project settings from ``ody.toml`` or ``[tool.ody]`` in ``pyproject.toml``.

The terminal, the editor, pre-commit hooks and CI must agree on which
diagnostics are ignored and how strict a check is, so those settings live in a
file next to the screenplays rather than in each tool's flags. Discovery walks
up from the screenplay's folder, like other Python tools do, and nothing is
cached: an editor reloads after every save of the config file.
"""

from __future__ import annotations

import dataclasses
import json
import os
import pathlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ._support.reads import read_file
from .diagnostics import NAMES, closest, shown
from .errors import OdyError

_ODY_TOML = "ody.toml"
_PYPROJECT = "pyproject.toml"
#: The files settings are read from (an editor watches them).
CONFIG_NAMES = (_ODY_TOML, _PYPROJECT)
_CODE_RE = re.compile(r"ODY\d{3}", re.IGNORECASE)
_LINE_WIDTH_RANGE = range(20, 1001)
#: Odyssey's documented default limit per stream: a longer script is warned about (ODY202).
DEFAULT_MAX_DURATION_MS = 150_000


@dataclass(frozen=True, slots=True)
class Settings:
    """Settings for one run; ``source`` is the file they came from, if any."""

    ignore: frozenset[str] = frozenset()
    strict: bool = False
    line_width: int = 100
    max_bytes: int = 64 * 1024 * 1024
    max_duration_ms: int = DEFAULT_MAX_DURATION_MS
    # Patterns of files and folders that commands walking folders pass over (gitignore-like).
    exclude: tuple[str, ...] = ()
    source: pathlib.Path | None = None


class ConfigError(OdyError):
    """A config file that cannot be used; ``str()`` is one line naming it."""

    def __init__(self, path: pathlib.Path, message: str) -> None:
        super().__init__(f"{_display(path)}: {message}")
        self.path = path


def find_config(start: pathlib.Path) -> pathlib.Path | None:
    """Return the nearest config file at or above ``start`` (a file or a folder).

    In each folder ``ody.toml`` wins; a ``pyproject.toml`` counts only if it
    has a ``[tool.ody]`` table. One that is not valid TOML counts only if its
    text mentions ``tool.ody``, so that a typo in our own table is reported
    while someone else's broken file is passed over; an unreadable one is
    passed over too, as we cannot tell whose it is.
    """
    absolute = pathlib.Path(os.path.abspath(start))
    folder = absolute if _is(absolute, pathlib.Path.is_dir) else absolute.parent
    return next(filter(None, map(config_in, (folder, *folder.parents))), None)


def config_in(folder: pathlib.Path) -> pathlib.Path | None:
    """The config file of ``folder`` itself, by `find_config`'s rules (a walk through a tree
    asks each folder once instead of walking up from each file)."""
    ody = folder / _ODY_TOML
    if _is(ody, pathlib.Path.is_file):
        return ody
    pyproject = folder / _PYPROJECT
    if _is(pyproject, pathlib.Path.is_file) and _claims_tool_ody(pyproject):
        return pyproject
    return None


def load_settings(start: pathlib.Path) -> Settings:
    """Settings for files under ``start``: defaults when no config is found."""
    path = find_config(start)
    return Settings() if path is None else read_settings(path)


def read_settings(path: pathlib.Path) -> Settings:
    """Read one config file, e.g. given with ``--config``.

    A file named ``pyproject.toml`` must have a ``[tool.ody]`` table; any
    other file holds the keys at top level or in a ``[tool.ody]`` table.
    """
    document = _parse(path)
    table, where = _settings_table(path, document)
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in _KNOWN_KEYS:
            raise ConfigError(path, f"{where}unknown key `{_key(key)}`{_suggest(key)}")
        field = _FIELDS.get(key, key.replace("-", "_"))
        values[field] = _VALIDATORS[key](path, f"{where}`{key}`", value)
    return Settings(**values, source=path)


def merge(
    settings: Settings,
    *,
    ignore: Iterable[str] = (),
    strict: bool | None = None,
    line_width: int | None = None,
    max_bytes: int | None = None,
) -> Settings:
    """Apply command-line flags on top of file settings.

    Codes to ignore are added to the file's (names made codes, like the file's);
    the other flags replace the file's value when given. Flag values are the
    command line's to validate.
    """
    changes: dict[str, Any] = {"ignore": settings.ignore | {as_code(word) for word in ignore}}
    if strict is not None:
        changes["strict"] = strict
    if line_width is not None:
        changes["line_width"] = line_width
    if max_bytes is not None:
        changes["max_bytes"] = max_bytes
    return dataclasses.replace(settings, **changes)


def _display(path: pathlib.Path) -> str:
    """The path relative to the current folder when inside it, else as is."""
    try:
        return str(pathlib.Path(os.path.abspath(path)).relative_to(os.getcwd()))
    except (ValueError, OSError):
        return str(path)


def _is(path: pathlib.Path, test: Callable[[pathlib.Path], bool]) -> bool:
    """Run an ``is_file``-style test, treating an unreadable folder as "no"."""
    try:
        return test(path)
    except (OSError, ValueError):
        return False


def _claims_tool_ody(pyproject: pathlib.Path) -> bool:
    """Whether a pyproject.toml is meant to configure us (see find_config)."""
    try:
        text = pyproject.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    import tomllib  # only when a config file exists: most lint runs find none

    try:
        tool = tomllib.loads(text).get("tool")
    except (tomllib.TOMLDecodeError, RecursionError):
        return "tool.ody" in text
    return isinstance(tool, dict) and "ody" in tool


def _parse(path: pathlib.Path) -> dict[str, Any]:
    """Read and parse a TOML file, turning every failure into ConfigError."""
    try:
        raw = read_file(path)  # a FIFO or a device refused, never waited on
    except (OSError, ValueError) as error:  # ValueError: a NUL in the path
        reason = error.strerror if isinstance(error, OSError) and error.strerror else error
        raise ConfigError(path, f"cannot read: {reason}") from None
    import tomllib

    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(path, "not valid UTF-8 text") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(path, f"invalid TOML: {error}") from None
    except RecursionError:  # tomllib descends once per level of nesting
        raise ConfigError(path, "invalid TOML: tables or arrays nested too deeply") from None


def _settings_table(path: pathlib.Path, document: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """Pick the table holding our keys and a prefix naming it in messages."""
    tool = document.get("tool")
    has_tool_ody = isinstance(tool, dict) and "ody" in tool
    if path.name != _PYPROJECT and not has_tool_ody:
        return document, ""
    if not isinstance(tool, dict) or "ody" not in tool:
        raise ConfigError(path, "no [tool.ody] table")
    table = tool["ody"]
    if not isinstance(table, dict):
        raise ConfigError(path, "`tool.ody` must be a table")
    if path.name != _PYPROJECT:
        stray = next((key for key in document if key != "tool"), None)
        if stray is not None:
            raise ConfigError(
                path, f"`{_key(stray)}` is outside [tool.ody]: put all settings in one place"
            )
    return table, "[tool.ody] "


def _key(key: str) -> str:
    """A TOML key for a one-line message (quoted keys may hold line breaks; cut if long)."""
    return shown(json.dumps(key)[1:-1], 60)


def _suggest(key: str) -> str:
    """A did-you-mean for a misspelt key, and always the known keys."""
    close = closest(key.replace("_", "-").lower(), _KNOWN_KEYS)
    hint = f"; did you mean `{close}`?" if close else ""
    return f"{hint} (known keys: {', '.join(_KNOWN_KEYS)})"


def _show(value: Any) -> str:
    """A TOML value as it would be written in the file, on one line (cut if long)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return "a list" if isinstance(value, list) else "a table"
    return shown(json.dumps(value) if isinstance(value, str) else repr(value), 60)


# Each validator takes the file, the key as messages name it, and the raw value.


def _ignore(path: pathlib.Path, name: str, value: Any) -> frozenset[str]:
    """Codes, or the names of the rules (`short-gap`), kept as codes."""
    if not isinstance(value, list):
        raise ConfigError(path, f'{name} must be a list of codes like "ODY201"')
    for item in value:
        if not isinstance(item, str) or not (_CODE_RE.fullmatch(item) or item.lower() in NAMES):
            raise ConfigError(path, f'{name} has {_show(item)}, which is not a code like "ODY201"')
    return frozenset(map(as_code, value))


def as_code(word: str) -> str:
    """The code a rule's name stands for; other words upper-cased, so `ody201` is `ODY201`."""
    known = NAMES.get(word.lower())
    return known.code if known is not None else word.upper()


def _strict(path: pathlib.Path, name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(path, f"{name} must be true or false")
    return value


def _line_width(path: pathlib.Path, name: str, value: Any) -> int:
    # bool is an int in Python but `true` is no width.
    if isinstance(value, bool) or not isinstance(value, int) or value not in _LINE_WIDTH_RANGE:
        raise ConfigError(
            path,
            f"{name} must be a whole number from {_LINE_WIDTH_RANGE.start} "
            f"to {_LINE_WIDTH_RANGE.stop - 1}, not {_show(value)}",
        )
    return value


def _max_bytes(path: pathlib.Path, name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ConfigError(
            path, f"{name} must be a whole number of bytes above 0, not {_show(value)}"
        )
    return value


def _max_duration(path: pathlib.Path, name: str, value: Any) -> int:
    """A duration in the screenplay's own words (`"150s"`, `"2m30s"`), kept in milliseconds."""
    from .times import parse_time

    parsed = parse_time(value) if isinstance(value, str) and not value.startswith(("+", "@")) else None
    if parsed is None or not isinstance(parsed, tuple) or parsed[1] <= 0:
        raise ConfigError(path, f'{name} must be a duration like "150s" or "2m30s", not {_show(value)}')
    return parsed[1]


def _exclude(path: pathlib.Path, name: str, value: Any) -> tuple[str, ...]:
    """Gitignore-style patterns (gitignore's rules, through pathspec: imported only here)."""
    if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
        raise ConfigError(path, f'{name} must be a list of patterns like "drafts/" or "*.old.ody"')
    for item in value:
        if not is_pattern(item):
            raise ConfigError(path, f"{name} has {_show(item)}, which is not a gitignore-style pattern")
    return tuple(value)


def is_pattern(line: str) -> bool:
    """Whether gitignore's rules (pathspec's reading of them) understand `line`."""
    from pathspec import GitIgnoreSpec  # only when a pattern is there to read

    try:
        GitIgnoreSpec.from_lines([line])
    except ValueError:
        return False
    return True


_VALIDATORS: dict[str, Callable[[pathlib.Path, str, Any], Any]] = {
    "ignore": _ignore,
    "strict": _strict,
    "line-width": _line_width,
    "max-bytes": _max_bytes,
    "max-duration": _max_duration,
    "exclude": _exclude,
}
# In this order in messages.
_KNOWN_KEYS = tuple(_VALIDATORS)
# Keys whose field is not the key with underscores (the unit is in the field's name).
_FIELDS = {"max-duration": "max_duration_ms"}
