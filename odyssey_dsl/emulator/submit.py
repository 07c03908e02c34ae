"""Turning a submitted body into scripts, or a 422 that names the entry and the problem.

The rules are the project's own (`check_json`, as `ody check` runs them), so a script the
emulator accepts is one `ody check` accepts, and its messages read the same:
`script[2] (interact at 3000 ms): <message> [ODY102]`. Warnings pass.

Two things happen before the rules. An `image` that is not a data URL is refused: `check_json`
would look the path up on *this* machine, and a server must never read files a client names.
And data-URL images are checked here, with the function `check_json` uses, then swapped for a
tiny stand-in: the position-keeping JSON reader behind `check_json` takes seconds over a 33 MB
string, and no rule looks inside an image.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from .._support.sizes import size_text
from ..api import SOURCES
from ..images import ImageProblem, inspect_data_url, is_data_url
from ..jsoncheck import check_json
from ..models import SimulationRequest
from .errors import ApiError
from .fetch import fetch_script
from .settings import MIB, Settings

MAX_ENTRIES = 10_000
MAX_TEXT_BYTES = 2 * MIB  # the request without its images
MAX_MESSAGES = 20
SCRIPT, SCRIPTS, SCRIPT_URL = SOURCES
_SHAPE = f"the body must be a JSON object with exactly one of `{SCRIPT}`, `{SCRIPTS}` and `{SCRIPT_URL}`"
_STAND_IN = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGA"
             "WjR9awAAAABJRU5ErkJggg==")  # a 1x1 PNG
Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Submission:
    scripts: list[list[dict[str, Any]]]
    portrait: bool
    bypass_vlm_expansion: bool


def read_submission(body: bytes, settings: Settings) -> Submission:
    """The scripts of a `POST /simulation-jobs` body (fetching `script_url`), or ApiError."""
    data = _json(body, "body")
    if not isinstance(data, dict):
        raise ApiError(422, _SHAPE)
    options: dict[str, Any] | None = None
    if SCRIPT_URL in data and not ({SCRIPT, SCRIPTS} & data.keys()):
        options = _model(data)
        data = _as_request(_json(fetch_script(options[SCRIPT_URL], settings), "the file at `script_url`"))
    _refuse_paths(data)
    _check(data, settings)
    request = _model(data)
    options = options or request
    if options["output_video"] is not True:
        raise ApiError(422, "`output_video` must be true: the emulator, like the API, makes videos")
    scripts: list[list[dict[str, Any]]] = [*([request[SCRIPT]] if SCRIPT in request else []), *request.get(SCRIPTS, [])]
    _limits(scripts, settings)
    return Submission(scripts, bool(options["portrait"]), bool(options["bypass_vlm_expansion"]))


def duration_ms(script: list[dict[str, Any]]) -> int:
    """The script's `end` time (the rules made sure `end` is last)."""
    return int(script[-1]["timestamp_ms"])


class _Duplicate(ValueError):
    pass


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Objects as `ody check` reads them: a key given twice is an error, not "last one wins"."""
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _Duplicate(key)
        result[key] = value
    return result


def _json(body: bytes, what: str) -> Any:
    try:
        return json.loads(body.decode("utf-8-sig"), object_pairs_hook=_pairs)
    except _Duplicate as error:
        raise ApiError(422, f"{what}: key `{str(error)[:30]}` appears twice [ODY302]") from None
    except UnicodeDecodeError as error:
        raise ApiError(422, f"{what}: not valid UTF-8 (byte {error.start}) [ODY006]") from None
    except json.JSONDecodeError as error:
        raise ApiError(422, f"{what}: line {error.lineno}, column {error.colno}: invalid JSON: {error.msg} "
                            "[ODY301]") from None
    except RecursionError:
        raise ApiError(422, f"{what}: the JSON is nested too deeply") from None
    except ValueError as error:  # e.g. a number of thousands of digits
        raise ApiError(422, f"{what}: invalid JSON: {str(error)[:80]} [ODY301]") from None


def _check(data: dict[str, Any], settings: Settings) -> None:
    """Every error of the request under `check_json`'s rules, or nothing."""
    count = _entry_count(data)
    if count > MAX_ENTRIES:
        raise ApiError(422, f"the request has {count} entries; the emulator takes at most {MAX_ENTRIES}")
    messages: list[str] = []
    holders = list(_images(data))
    for path, holder in holders:
        problem = inspect_data_url(holder["image"])
        if isinstance(problem, ImageProblem):
            hint = f" ({problem.help})" if problem.help else ""
            messages.append(f"{_where(data, path)}: {problem.message}{hint} [ODY107]")
    text = _encode_without_images(data, [h for _, h in holders])
    if len(text) > MAX_TEXT_BYTES:
        raise ApiError(422, f"the request is over {size_text(MAX_TEXT_BYTES)} without its images")
    try:
        result = check_json(text.encode("ascii"), settings.data_dir / "no-files-here")
    except Exception:
        raise ApiError(422, "the body could not be read as a script request") from None
    for diagnostic in result.diagnostics:
        if diagnostic.is_error:
            entry = result.entry_of(diagnostic)
            where = "request" if entry is None else f"{entry[0]} ({entry[1].action} at {entry[1].time.ms} ms)"
            hint = f" ({diagnostic.help})" if diagnostic.help else ""
            messages.append(f"{where}: {diagnostic.message}{hint} [{diagnostic.code}]")
    if messages:
        more = f"; and {len(messages) - MAX_MESSAGES} more" if len(messages) > MAX_MESSAGES else ""
        raise ApiError(422, "; ".join(messages[:MAX_MESSAGES]) + more)


def _entry_count(data: dict[str, Any]) -> int:
    script, scripts = data.get(SCRIPT), data.get(SCRIPTS)
    count = len(script) if isinstance(script, list) else 0
    if isinstance(scripts, list):
        count += sum(len(s) if isinstance(s, list) else 1 for s in scripts)
    return count


def _encode_without_images(data: dict[str, Any], holders: list[dict[str, Any]]) -> str:
    """The request as ASCII JSON with every image replaced by the stand-in (restored after)."""
    images = [h["image"] for h in holders]
    try:
        for holder in holders:
            holder["image"] = _STAND_IN
        return json.dumps(data, ensure_ascii=True)
    except (RecursionError, ValueError):
        raise ApiError(422, "the JSON is nested too deeply") from None
    finally:
        for holder, image in zip(holders, images):
            holder["image"] = image


def _refuse_paths(data: Any) -> None:
    for path, _ in _images(data, paths=True):
        raise ApiError(422, f"{_where(data, path)}: the image is a file path; a server cannot read the client's "
                            "files, send it as a data URL (data:image/<type>;base64,...) [ODY107]")


def _images(data: Any, paths: bool = False) -> Iterator[tuple[Path, dict[str, Any]]]:
    """Each object, with its path, whose `image` is a data URL (with `paths`: a string that is
    not one), at any depth and without recursion."""
    todo: list[tuple[Path, Any]] = [((), data)]
    while todo:
        path, value = todo.pop()
        if isinstance(value, dict):
            image = value.get("image")
            if isinstance(image, str) and is_data_url(image) != paths:
                yield path, value
            todo.extend(((*path, key), child) for key, child in value.items() if key != "image")
        elif isinstance(value, list):
            todo.extend(((*path, i), child) for i, child in enumerate(value))


def _where(data: Any, path: Path) -> str:
    """`script[0] (start at 0 ms)` for the action object at `path`, as `check_json` names entries."""
    entry: Any = data
    for part in path[:-1]:
        entry = entry[part]
    label = "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else p) for i, p in enumerate(path[:-1]))
    at = entry.get("timestamp_ms") if isinstance(entry, dict) else None
    if path and isinstance(at, int) and not isinstance(at, bool):
        return f"{label} ({path[-1]} at {at} ms)"
    return label or "request"


def _model(data: dict[str, Any]) -> dict[str, Any]:
    """The request, validated by the models, as plain JSON values without the keys left out."""
    try:
        return SimulationRequest.model_validate(data).model_dump(exclude_none=True)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in error.errors()[:10])
        raise ApiError(422, problems) from None


def _as_request(data: Any) -> dict[str, Any]:
    """A fetched file holds one script or a batch (a list of scripts)."""
    if isinstance(data, list) and data and all(isinstance(s, list) for s in data):
        return {SCRIPTS: data}
    if isinstance(data, list):
        return {SCRIPT: data}
    raise ApiError(422, "the file at `script_url` must hold a script (a JSON array of entries) or a list of scripts")


def _limits(scripts: list[list[dict[str, Any]]], settings: Settings) -> None:
    if not scripts:
        raise ApiError(422, "`scripts` is empty: a batch needs at least one script")
    if len(scripts) > settings.max_scripts:
        raise ApiError(422, f"a batch may hold at most {settings.max_scripts} scripts here, not {len(scripts)}")
    for i, script in enumerate(scripts):
        seconds = duration_ms(script) / 1000
        if seconds > settings.max_script_seconds:
            raise ApiError(422, f"script {i} lasts {seconds:g} s; the emulator renders at most "
                                f"{settings.max_script_seconds:g} s per script")


__all__ = ["Submission", "duration_ms", "read_submission"]
