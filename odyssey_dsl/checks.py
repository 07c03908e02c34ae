"""The rules: small functions over the syntax tree, each owning its diagnostic codes.

`check` runs them all and returns the file's options, its scripts with absolute times,
and every diagnostic. The per-script rules (`check_script`) take plain cues, so that a JSON
script (`ody check`) is judged by exactly the same code as a screenplay. They run one cue at
a time (`step`) with a plain-value `Progress`, so that an editor can resume them from an edited
cue and stop once the progress is what it was (odyssey_dsl.lsp.document).

A script that contains a line which failed to parse skips the whole-script rules (ODY101 when
the broken line comes before the first cue, ODY103 always): the broken line may have been the
missing `start` or `end`, and one mistake must give one diagnostic.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import NamedTuple

from . import images
from .diagnostics import CODES, Diagnostic, Fix, Related, Severity, Span, closest, shown, sort_key
from .syntax import Comment, Cue, Directive, Document, Invalid, Item, Scene, Text, Time, Word
from .times import TimeError, format_ms, parse_time

STREAM_LIMIT_MS = 5 * 60 * 1000
DEFAULT_MIN_GAP_MS = 3000


class Options(NamedTuple):
    """What the directives say, with the API's defaults for what they leave out."""

    title: str | None = None
    portrait: bool = True
    expansion: bool = True
    min_gap_ms: int = DEFAULT_MIN_GAP_MS


class Timed(NamedTuple):
    """A cue and its absolute time (None when it cannot be known)."""

    cue: Cue
    ms: int | None
    after_break: bool = False  # a broken line comes right before it: no comparison across it


class Script(NamedTuple):
    """One script: the whole file, or one scene of a batch."""

    scene: Scene | None
    cues: tuple[Timed, ...]

    @property
    def name(self) -> str | None:
        return self.scene.name.value if self.scene is not None else None


class Checked(NamedTuple):
    options: Options
    scripts: tuple[Script, ...]
    has_scenes: bool
    diagnostics: tuple[Diagnostic, ...]


def check(document: Document, base_dir: Path | None, ignore: frozenset[str] = frozenset()) -> Checked:
    """Every rule over a parsed file; `base_dir` resolves image paths (None: don't look).

    The diagnostics come sorted by place (`sort_key`), as every output shows them."""
    found: list[Diagnostic] = list(document.diagnostics)
    options = directives(document.items, found)
    groups, has_scenes = scenes(document.items, found)
    scripts = []
    for head, statements in groups:
        cues: list[Cue | None] = [s if isinstance(s, Cue) else None for s in statements]
        broken = None in cues or isinstance(head, Invalid)
        empty = Span(document.first_line, 1, document.first_line, 1) if not has_scenes else None
        scene = head if isinstance(head, Scene) else None
        script = Script(scene, check_script(cues, options.min_gap_ms, found, broken, broken, empty))
        scripts.append(script)
        if base_dir is not None:
            check_images(script.cues, base_dir, found)
    kept = suppress(found, document, ignore)
    return Checked(options, tuple(scripts), has_scenes, tuple(sorted(kept, key=sort_key)))


# --- directives (ODY109) -------------------------------------------------------------------

_VALUES = {"orientation": ("portrait", "landscape"), "prompt-expansion": ("on", "off")}


def directives(items: Iterable[Item], found: list[Diagnostic]) -> Options:
    """The options the directives set, and their problems.

    Only the directives and the items up to the first cue or scene matter: an editor passes
    just those."""
    seen: dict[str, Directive] = {}
    first_other: Cue | Scene | Invalid | None = None
    values: dict[str, object] = {}
    for item in items:
        if isinstance(item, Comment):
            continue
        if not isinstance(item, Directive):
            if isinstance(item, (Cue, Scene)) or item.text.startswith("@") or scene_like(item):
                first_other = first_other or item
            continue
        if item.name in seen:
            found.append(Diagnostic(
                "ODY109", f"`{item.name}` is set twice", item.span, "remove one of them",
                related=(Related(seen[item.name].span, f"`{item.name}` is first set here"),),
            ))
            continue
        seen[item.name] = item
        if first_other is not None:
            found.append(Diagnostic(
                "ODY109", f"`{item.name}` comes after the first cue or scene", item.keyword,
                "directives go at the top of the file, before any cue or scene",
                related=(Related(first_other.span, "the first cue or scene"),),
            ))
        value = _directive_value(item, found)
        if value is not None:
            values[item.name] = value
    return Options(
        title=values.get("title"),  # type: ignore[arg-type]
        portrait=values.get("orientation", "portrait") == "portrait",
        expansion=values.get("prompt-expansion", "on") == "on",
        min_gap_ms=values.get("min-gap", DEFAULT_MIN_GAP_MS),  # type: ignore[arg-type]
    )


def _directive_value(item: Directive, found: list[Diagnostic]) -> str | int | None:
    value = item.value
    if item.name == "title":
        return value.value if isinstance(value, Text) else None
    assert isinstance(value, Word)
    if item.name == "min-gap":
        parsed = parse_time(value.text)
        if isinstance(parsed, TimeError) or parsed[0]:
            message = parsed.message if isinstance(parsed, TimeError) else "min-gap is a duration, not a relative time"
            found.append(Diagnostic("ODY109", f"bad `min-gap`: {message}", value.span,
                                    "write a duration such as `min-gap 3s` (`min-gap 0` turns the warning off)"))
            return None
        return parsed[1]
    allowed = _VALUES[item.name]
    if value.text in allowed:
        return value.text
    guess = closest(value.text.lower(), allowed, 0.5)
    fixes = (Fix(f"Replace with `{guess}`", value.span, guess),) if guess else ()
    found.append(Diagnostic(
        "ODY109", f"`{item.name}` is `{allowed[0]}` or `{allowed[1]}`, not `{shown(value.text)}`", value.span,
        f"did you mean `{guess}`?" if guess else f"write `{item.name} {allowed[0]}` or `{item.name} {allowed[1]}`",
        fixes,
    ))
    return None


# --- scenes (ODY110) -----------------------------------------------------------------------

_Statement = Cue | Invalid


_Head = Scene | Invalid | None  # what starts a script: a scene line, a broken one, or the file


def scenes(items: Iterable[Item], found: list[Diagnostic]) -> tuple[list[tuple[_Head, list[_Statement]]], bool]:
    """Split the statements into scripts: one per scene, or one for a file without scenes.

    A broken line that looks like a scene line still starts a script (of unknown name), so
    its cues are not blamed on the scene before it. The scene rules only look at the scene
    lines, the cues before the first one and whether a scene has any statement: an editor
    passes just those."""
    groups: list[tuple[_Head, list[_Statement]]] = [(None, [])]
    names: dict[str, Scene] = {}
    for item in items:
        if isinstance(item, Scene) or (isinstance(item, Invalid) and scene_like(item)):
            groups.append((item, []))
            if isinstance(item, Scene):
                _scene_name(item, names, found)
        elif isinstance(item, (Cue, Invalid)):
            groups[-1][1].append(item)
    if len(groups) == 1:
        return groups, False
    stray = [s for s in groups[0][1] if isinstance(s, Cue)]
    if stray:
        more = f" (and {len(stray) - 1} more)" if len(stray) > 1 else ""
        found.append(Diagnostic(
            "ODY110", f"this cue is outside any scene{more}", stray[0].span,
            'in a file with scenes every cue belongs to one: add a `scene "name"` line above it',
            related=(Related(groups[1][0].span, "the first scene"),),  # type: ignore[union-attr]
        ))
    for head, statements in groups[1:]:
        if not statements and isinstance(head, Scene):
            found.append(Diagnostic("ODY110", "this scene has no cues", head.span,
                                    "add its cues below it (`@0 start ...` to `end`), or remove it"))
    return [g for g in groups[1:] if g[1]], True


def scene_like(line: Invalid) -> bool:
    """A broken line that was meant as a `scene` line (`scene intro`, `scen "a"`)."""
    word = line.text.split(maxsplit=1)[0] if line.text.strip() else ""
    return word == "scene" or closest(word.lower(), ("scene",), 0.75) is not None


def _scene_name(scene: Scene, names: dict[str, Scene], found: list[Diagnostic]) -> None:
    name = scene.name.value
    if name is None:
        return
    if not name.strip():
        found.append(Diagnostic("ODY110", "scene name is empty", scene.name.span, "give the scene a name"))
    elif name in names:
        found.append(Diagnostic(
            "ODY110", f"two scenes are named `{shown(name, 40)}`", scene.name.span, "give each scene its own name",
            related=(Related(names[name].span, "the first scene with this name"),),
        ))
    else:
        names[name] = scene


# --- one script (ODY101-108, ODY201-202) -----------------------------------------------------

def spell_ody(ms: int) -> str:
    """A time as a screenplay writes it, for help texts and fixes."""
    return "@" + format_ms(ms)


class Progress(NamedTuple):
    """What the script rules carry from one statement of a script to the next.

    Plain values only: the cue before and the first cue are passed to `step` by the caller,
    so an editor can keep the progress after each statement, resume the rules from an edited
    cue and stop as soon as the progress is what it was (`==`)."""

    base_ms: int | None = None  # what a relative time counts from (None: unknown)
    first: bool = True  # no cue and no broken line yet
    after_break: bool = False  # a broken line since the last cue
    compare: bool = False  # the next cue is compared with the one before (`previous_ms`)
    previous_ms: int | None = None
    ended: bool = False  # an `end` was seen
    stopped: bool = False  # a cue after `end` was reported: the rules have finished


def check_script(
    cues: Sequence[Cue | None],
    min_gap_ms: int,
    found: list[Diagnostic],
    broken_before_first: bool = False,
    broken: bool = False,
    empty_span: Span | None = None,
    spell: Callable[[int], str] = spell_ody,
) -> tuple[Timed, ...]:
    """Resolve times and apply the timing and ordering rules to one script's cues.

    `empty_span` is where to report a script without cues (None: it is reported elsewhere);
    `spell` writes a time in the source's own syntax, for suggested replacements.
    """
    first_cue = next((c for c in cues if c is not None), None)
    progress, before = Progress(), None
    timed: list[Timed] = []
    for cue in cues:
        progress, entry = step(progress, cue, before, first_cue, min_gap_ms, found, spell)
        if entry is not None:
            timed.append(entry)
            before = cue
    first, last = (timed[0], timed[-1]) if timed else (None, None)
    close_script(first, last, progress.ended, min_gap_ms, found, broken_before_first, broken, empty_span, spell)
    return tuple(timed)


def step(
    progress: Progress,
    cue: Cue | None,
    before: Cue | None,
    first_cue: Cue | None,
    min_gap_ms: int,
    found: list[Diagnostic],
    spell: Callable[[int], str] = spell_ody,
) -> tuple[Progress, Timed | None]:
    """The rules for one statement of a script (None: a broken line): its absolute time and
    the progress after it. `before` is the script's previous cue, `first_cue` its first."""
    if cue is None:  # a broken line, maybe a cue (even the first): nothing after it is placed by it
        return Progress(None, False, True, *progress[3:]), None
    ms = _resolve(progress, cue.time, found)
    entry = Timed(cue, ms, progress.after_break)
    _, _, _, compare, previous_ms, ended, stopped = progress
    if stopped:
        return Progress(ms, False, False, compare, previous_ms, ended, stopped), entry
    if ended:
        found.append(Diagnostic(
            "ODY104", "cue after `end`", cue.span,
            "`end` must be the last cue: move it below this one, or remove this cue",
            related=(Related(before.span, "the script ends here"),),  # type: ignore[union-attr]
        ))
        return Progress(ms, False, False, compare, previous_ms, ended, True), entry
    if cue.prompt is not None and cue.prompt.value is not None and not cue.prompt.value.strip():
        found.append(Diagnostic("ODY106", "empty prompt", cue.prompt.span,
                                "describe what should happen, e.g. \"the cat looks outside\""))
    if cue.action == "start" and cue is not first_cue and first_cue is not None and first_cue.action == "start":
        fixes = (Fix("Change to `interact`", cue.keyword, "interact"),) if cue.image is None else ()
        found.append(Diagnostic(
            "ODY105", "a second `start` in one script", cue.keyword,
            "use `interact` to change what happens, or a `scene` line to begin another script",
            fixes, (Related(first_cue.span, "the script starts here"),),
        ))
    if compare and not entry.after_break:
        _order_and_gap(Timed(before, previous_ms), entry, min_gap_ms, found, spell)  # type: ignore[arg-type]
    if cue.action == "end":
        ended = True
        _length(entry, found)
    # an unknown time leaves nothing to compare the next cue with (unless it is the first)
    compare = ms is not None or not compare
    return Progress(ms, False, False, compare, ms if compare else None, ended, False), entry


def _resolve(progress: Progress, time: Time, found: list[Diagnostic]) -> int | None:
    """The absolute time: a relative time counts from the previous cue of the script."""
    if time.ms is None:
        return None
    if not time.relative:
        return time.ms
    if progress.first:
        found.append(Diagnostic(
            "ODY108", "the first cue of a script cannot have a relative time", time.span,
            "there is no cue before it to count from: write `@0`",
            (Fix("Replace with `@0`", time.span, "@0"),),
        ))
        return None
    return progress.base_ms + time.ms if progress.base_ms is not None else None


def close_script(
    first: Timed | None,
    last: Timed | None,
    ended: bool,
    min_gap_ms: int,
    found: list[Diagnostic],
    broken_before_first: bool = False,
    broken: bool = False,
    empty_span: Span | None = None,
    spell: Callable[[int], str] = spell_ody,
) -> None:
    """The rules on the script as a whole: no cues, how it begins (ODY101), that it ends (ODY103)."""
    if first is None or last is None:
        if not broken and empty_span is not None:
            found.append(Diagnostic("ODY101", "there are no cues", empty_span,
                                    'a script needs at least a `start` cue at 0 and an `end`'))
        return
    if not broken_before_first:
        _starts_at_zero(first, found, spell)
    if not ended and not broken:
        _missing_end(last, min_gap_ms, found, spell)


def _starts_at_zero(first: Timed, found: list[Diagnostic], spell: Callable[[int], str]) -> None:
    cue = first.cue
    if cue.action != "start":
        found.append(Diagnostic(
            "ODY101", "a script must begin with `start`", cue.span,
            "add a `start` cue at 0 before this cue: it sets the opening scene",
        ))
    elif first.ms not in (None, 0):
        found.append(Diagnostic(
            "ODY101", f"the first cue must be at 0, not at {format_ms(first.ms)}", cue.time.span,
            f"the video starts with the `start` cue: write `{spell(0)}`",
            (Fix(f"Replace with `{spell(0)}`", cue.time.span, spell(0)),),
        ))


def _order_and_gap(
    previous: Timed, entry: Timed, min_gap_ms: int, found: list[Diagnostic], spell: Callable[[int], str]
) -> None:
    if previous.ms is None or entry.ms is None:
        return
    gap = entry.ms - previous.ms
    if gap > 0 and gap >= min_gap_ms:
        return
    here = format_ms(entry.ms)
    related = (Related(previous.cue.span, f"the previous cue, at {format_ms(previous.ms)}"),)
    if gap <= 0:
        message = (f"this cue is at the same time as the cue before it ({here})" if gap == 0
                   else f"this cue ({here}) comes before the cue before it ({format_ms(previous.ms)})")
        suggestion = spell(previous.ms + max(min_gap_ms, 1))
        found.append(Diagnostic(
            "ODY102", message, entry.cue.time.span,
            f"cues must be in time order: make it later than {format_ms(previous.ms)}, e.g. `{suggestion}`",
            (Fix(f"Replace with `{suggestion}`", entry.cue.time.span, suggestion),), related,
        ))
    else:
        suggestion = spell(previous.ms + min_gap_ms)
        found.append(Diagnostic(
            "ODY201", f"only {format_ms(gap)} after the previous cue (min-gap is {format_ms(min_gap_ms)})",
            entry.cue.time.span,
            f"the model needs time to act on a cue: move it to `{suggestion}` or later, or lower `min-gap`",
            related=related,
        ))


def _length(end: Timed, found: list[Diagnostic]) -> None:
    if end.ms is not None and end.ms > STREAM_LIMIT_MS:
        found.append(Diagnostic(
            "ODY202", f"the script lasts {format_ms(end.ms)}, longer than 5 minutes", end.cue.span,
            "the API's default stream limit is 5 minutes: shorten it or split it into scenes",
        ))


def _missing_end(last: Timed, min_gap_ms: int, found: list[Diagnostic], spell: Callable[[int], str]) -> None:
    fixes: tuple[Fix, ...] = ()
    if last.ms is not None and spell is spell_ody:
        at = format_ms(last.ms + (min_gap_ms or DEFAULT_MIN_GAP_MS))
        point = Span(last.cue.span.end_line, last.cue.span.end_column, last.cue.span.end_line, last.cue.span.end_column)
        if last.cue.comment is not None:
            point = Span(point.line, last.cue.comment.span.end_column, point.line, last.cue.comment.span.end_column)
        fixes = (Fix(f"Add `@{at} end`", point, f"\n@{at} end"),)
    found.append(Diagnostic(
        "ODY103", "this script has no `end`", last.cue.span,
        "add an `end` cue after the last one: its time is the length of the video", fixes,
    ))


# --- images (ODY107) -----------------------------------------------------------------------

def check_images(cues: Iterable[Timed], base_dir: Path, found: list[Diagnostic]) -> None:
    """Cheap checks only (existence, size, first bytes): editors run this on every change."""
    for entry in cues:
        cue = entry.cue
        if cue.image is None or cue.image.value is None:
            continue
        span = Span(cue.image_keyword.line, cue.image_keyword.column,  # type: ignore[union-attr]
                    cue.image.span.end_line, cue.image.span.end_column)
        if cue.action != "start":
            before = cue.prompt.span if cue.prompt is not None else cue.keyword
            found.append(Diagnostic(
                "ODY107", f"only `start` takes an image, not `{cue.action}`", span,
                "the image sets the opening frame: move it to the `start` cue",
                (Fix("Remove the image", Span(before.end_line, before.end_column, span.end_line, span.end_column), ""),),
            ))
            continue
        problem = image_problem(cue.image.value, base_dir)
        if problem is not None:
            found.append(Diagnostic("ODY107", problem.message, cue.image.span, problem.help))


def image_problem(ref: str, base_dir: Path) -> images.ImageProblem | None:
    """What is wrong with an image reference (a data URL, or a path from `base_dir`), if anything."""
    if not ref.strip():
        return images.ImageProblem("the image path is empty", "write the path of a file, or a data: URL")
    result = images.inspect_data_url(ref) if images.is_data_url(ref) else images.inspect_file(base_dir / ref)
    return result if isinstance(result, images.ImageProblem) else None


# --- suppressions (ODY203, ODY204) -----------------------------------------------------------

def suppress(found: list[Diagnostic], document: Document, ignore: frozenset[str]) -> list[Diagnostic]:
    """Drop the warnings a `# ody: ignore[...]` comment or the ignore setting names."""
    by_line: dict[int, set[str]] = {}
    extra: list[Diagnostic] = []
    for item in document.statements:
        if item.comment is not None and item.comment.ignores:
            codes = comment_codes(item.comment, extra)
            for line in range(item.span.line, item.span.end_line + 1):
                by_line.setdefault(line, set()).update(codes)
    for item in document.items:
        if isinstance(item, Comment) and item.ignores:
            extra.append(lone_suppression(item))
    silenced = setting_codes(ignore, document.first_line, extra)
    kept = [
        d for d in found
        if d.is_error or (d.code not in silenced and d.code not in by_line.get(d.span.line, ()))
    ]
    kept.extend(d for d in extra if d.code not in silenced)
    return kept


def comment_codes(comment: Comment, extra: list[Diagnostic]) -> frozenset[str]:
    """The warnings a statement's `# ody: ignore[...]` silences; its bad codes go to `extra`."""
    return frozenset(code for code, span in comment.ignores if _suppressible(code, span, extra, "this comment"))


def lone_suppression(comment: Comment) -> Diagnostic:
    """ODY204 for a suppression comment on a line of its own."""
    return Diagnostic(
        "ODY204", "a suppression comment on a line of its own silences nothing", comment.span,
        "put it after the statement whose warnings it silences: `@3s interact \"...\"  # ody: ignore[ODY201]`",
    )


def setting_codes(ignore: frozenset[str], first_line: int, extra: list[Diagnostic]) -> frozenset[str]:
    """The warnings the ignore setting silences; its bad codes go to `extra`, placed at the top."""
    start = Span(first_line, 1, first_line, 1)
    return frozenset(c for c in ignore if _suppressible(c, start, extra, "the ignore setting"))


_WARNING_CODES = tuple(code for code, info in CODES.items() if info.severity is Severity.WARNING)


def _suppressible(code: str, span: Span, extra: list[Diagnostic], where: str) -> bool:
    if not code:
        extra.append(Diagnostic("ODY204", f"{where} names no code", span,
                                "name the warnings to silence: `# ody: ignore[ODY201]`"))
        return False
    known = CODES.get(code)
    if known is None:
        guess = closest(code, _WARNING_CODES, 0.7)
        extra.append(Diagnostic("ODY204", f"unknown code `{shown(code, 20)}` in {where}", span,
                                f"did you mean `{guess}`?" if guess else "codes are listed in docs/diagnostics.md"))
        return False
    if known.severity is Severity.ERROR:
        extra.append(Diagnostic("ODY203", f"`{code}` is an error and cannot be suppressed ({where})", span,
                                "fix the error instead; only warnings (ODY2xx) can be silenced"))
        return False
    return True
