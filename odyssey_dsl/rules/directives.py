"""The directives at the top of a file: the options they set, and ODY109."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import NamedTuple

from ..config import DEFAULT_MAX_DURATION_MS
from ..diagnostics import DIRECTIVE_PROBLEM, Diagnostic, Fix, Related, closest, shown
from ..syntax import Comment, Cue, Directive, Invalid, Item, Scene, Text, Word
from ..times import TimeError, parse_time
from ..vocabulary import DIRECTIVE_VALUES
from .registry import on_directives
from .scenes import scene_like

DEFAULT_MIN_GAP_MS = 3000
#: The directives whose values the rules on cues and scripts read while a file is checked.
JUDGING = ("min-gap", "max-duration", "orientation")


class Options(NamedTuple):
    """What the directives say, with the API's defaults (and the settings') for what they leave out."""

    title: str | None = None
    portrait: bool = True
    expansion: bool = True
    min_gap_ms: int = DEFAULT_MIN_GAP_MS
    max_duration_ms: int = DEFAULT_MAX_DURATION_MS  # longer scripts are warned about (ODY202)


def directives(items: Iterable[Item], found: list[Diagnostic], max_duration_ms: int = DEFAULT_MAX_DURATION_MS) -> Options:
    """The options the directives set (the first of each counts; `max_duration_ms` is the
    setting's, for files without `max-duration`), after the `on_directives` rules have put
    their problems in `found`.

    Only the directives and the first cue or scene (`opens_body`) matter: the batch driver
    passes just those, an editor the lines above that too."""
    items = [item for item in items if not isinstance(item, Comment)]
    on_directives.run(items, found)
    return options_of((item for item in items if isinstance(item, Directive)), max_duration_ms)


def options_of(items: Iterable[Directive], max_duration_ms: int = DEFAULT_MAX_DURATION_MS) -> Options:
    """The options `items` set, in order (the first of each name counts)."""
    options = Options(max_duration_ms=max_duration_ms)
    seen: set[str] = set()
    for item in items:
        if item.name not in seen:
            seen.add(item.name)
            options = applied(options, item, max_duration_ms)
    return options


def applied(options: Options, item: Directive, max_duration_ms: int) -> Options:
    """`options` as the first `item` of its name sets them (a bad value: the default)."""
    value, _ = value_of(item)
    name = item.name
    if name == "title":
        return options._replace(title=None if value is None else str(value))
    if name == "min-gap":
        return options._replace(min_gap_ms=DEFAULT_MIN_GAP_MS if value is None else int(value))
    if name == "max-duration":
        return options._replace(max_duration_ms=max_duration_ms if value is None else int(value))
    if name == "orientation":
        return options._replace(portrait=value != "landscape")
    return options._replace(expansion=value != "off")


@on_directives
def directive_problem(items: Sequence[Item]) -> Iterator[Diagnostic]:
    """ODY109: a directive set twice, below the first cue or scene, or with a bad value."""
    seen: dict[str, Directive] = {}
    first_other: Item | None = None
    for item in items:
        if isinstance(item, Comment):
            continue
        if not isinstance(item, Directive):
            if opens_body(item):
                first_other = first_other or item
            continue
        if item.name in seen:
            yield DIRECTIVE_PROBLEM.at(
                item.span, f"`{item.name}` is set twice", "remove one of them",
                related=(Related(seen[item.name].span, f"`{item.name}` is first set here"),),
            )
            continue
        seen[item.name] = item
        if first_other is not None:
            yield DIRECTIVE_PROBLEM.at(
                item.keyword, f"`{item.name}` comes after the first cue or scene",
                "directives go at the top of the file, before any cue or scene",
                related=(Related(first_other.span, "the first cue or scene"),),
            )
        _, problem = value_of(item)
        if problem is not None:
            yield problem


def opens_body(item: Item) -> bool:
    """A cue or scene line (or a broken line meant as one): directives must come above it."""
    return isinstance(item, (Cue, Scene)) or (isinstance(item, Invalid) and (item.text.startswith("@") or scene_like(item)))


def value_of(item: Directive) -> tuple[str | int | None, Diagnostic | None]:
    """A directive's value (None when there is none to use) and what is wrong with it."""
    value = item.value
    if item.name == "title":
        return (value.value if isinstance(value, Text) else None), None
    assert isinstance(value, Word)
    if item.name == "max-duration":
        parsed = parse_time(value.text)
        if isinstance(parsed, TimeError) or parsed[0] or not parsed[1]:
            message = (parsed.message if isinstance(parsed, TimeError)
                       else "max-duration is a duration, not a relative time" if parsed[0] else "it must be longer than 0")
            return None, DIRECTIVE_PROBLEM.at(
                value.span, f"bad `max-duration`: {message}",
                "write a duration such as `max-duration 150s` or `max-duration 5m`",
            )
        return parsed[1], None
    if item.name == "min-gap":
        parsed = parse_time(value.text)
        if isinstance(parsed, TimeError) or parsed[0]:
            message = parsed.message if isinstance(parsed, TimeError) else "min-gap is a duration, not a relative time"
            return None, DIRECTIVE_PROBLEM.at(
                value.span, f"bad `min-gap`: {message}",
                "write a duration such as `min-gap 3s` (`min-gap 0` turns the warning off)",
            )
        return parsed[1], None
    allowed = DIRECTIVE_VALUES[item.name]
    if value.text in allowed:
        return value.text, None
    guess = closest(value.text.lower(), allowed, 0.5)
    fixes = (Fix(f"Replace with `{guess}`", value.span, guess),) if guess else ()
    return None, DIRECTIVE_PROBLEM.at(
        value.span, f"`{item.name}` is `{allowed[0]}` or `{allowed[1]}`, not `{shown(value.text)}`",
        f"did you mean `{guess}`?" if guess else f"write `{item.name} {allowed[0]}` or `{item.name} {allowed[1]}`",
        fixes,
    )
