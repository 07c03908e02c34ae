"""What a hover says: a time's absolute value and its place in the script, a keyword's meaning,
and what a `{NAME}` stands for."""

from __future__ import annotations

import os
import re

from ..diagnostics import Span, lookup, shown
from ..syntax import Comment, Cue, Define, Directive, Include, Invalid, Item, Scene, Style, Time, broken_time
from ..times import format_clock, format_ms
from . import names, scenes
from .document import LiveDocument

#: One line per keyword, from docs/language.md.
KEYWORDS: dict[str, str] = {
    "start": "`start`: the opening scene; the first cue of a script, at 0 (only it may take an `image`).",
    "interact": "`interact`: changes what happens, from its time on.",
    "end": "`end`: the last cue; its time is the length of the video.",
    "image": "`image`: the opening frame of the `start` cue, a file (from this file's folder) or a `data:` URL; "
             "JPEG, PNG, GIF, WebP, HEIC, HEIF, AVIF or BMP, at most 25 MiB.",
    "scene": "`scene \"name\"`: begins another script of a batch; the cues below it belong to it.",
    "after": "`scene \"night\" after \"day\"`: this scene starts from the last frame of `day`'s recording "
             "(`ody run` submits it once `day` is recorded, with that frame as its start image).",
    "title": "`title \"...\"`: informational; the runner's manifest and summaries show it.",
    "orientation": "`orientation portrait|landscape`: the video's shape, 704x1280 or 1280x704 (default portrait).",
    "prompt-expansion": "`prompt-expansion on|off`: `off` sends the prompts exactly as written "
                        "(`bypass_vlm_expansion`; default on).",
    "min-gap": "`min-gap 3s`: the shortest gap between cues that is not warned about (ODY201); "
               "`min-gap 0` turns the warning off.",
    "max-duration": "`max-duration 150s`: a script longer than this is warned about (ODY202); Odyssey's "
                    "documented default limit per stream is 150 seconds (default: the `max-duration` setting).",
    "include": "`include \"path.ody\"`: the header lines of another file (defines, styles, directives), as if "
               "written here; the path is relative to this file, never a URL.",
    "define": "`define NAME \"text\"`: a name for a text; `{NAME}` in a prompt, a style, a negative or another "
              "define stands for it (a header line; `{{` and `}}` are literal braces).",
    "style": "`style \"text\"`: added to every prompt once its names are expanded, after a comma (or a space after "
             "punctuation); in the header for the file, right below a `scene` line for that scene (`style \"\"` "
             "clears it).",
    "negative": "`negative \"text\"`: added last to every prompt, as `Negative prompt: text` after a sentence's "
                "end; in the header for the file, right below a `scene` line for that scene.",
}


def _inside(span: Span, line: int, column: int) -> bool:
    return (span.line, span.column) <= (line, column) < (span.end_line, span.end_column)


def hover_at(live: LiveDocument, line: int, column: int) -> tuple[str, Span] | None:
    """Markdown about what is at 1-based `line`, `column`, and the span it is about (only that
    line's statement is looked at, never the whole file)."""
    item = live.item_at(line)
    if item is None:
        return None
    comment = item if isinstance(item, Comment) else item.comment
    if comment is not None:
        for word, span in comment.ignores:
            known = lookup(word)
            if known is not None and _inside(span, line, column):
                return f"`{known.code}`: {known.summary} ({known.severity.value})", span
    if isinstance(item, (Cue, Define, Style)):
        about = name_text(live, item, line, column)
        if about is not None:
            return about
    if isinstance(item, Cue):
        if _inside(item.time.span, line, column):
            text = time_text(live, item)
            return (text, item.time.span) if text else None
        if _inside(item.keyword, line, column):
            return KEYWORDS[item.action], item.keyword
        if item.image_keyword is not None and _inside(item.image_keyword, line, column):
            return KEYWORDS["image"], item.image_keyword
    elif isinstance(item, Scene) and item.after_keyword is not None and _inside(item.after_keyword, line, column):
        return KEYWORDS["after"], item.after_keyword
    elif isinstance(item, Scene) and (named := scenes.name_at(item, line, column)) is not None:
        text = scenes.hover(live, named)
        return (text, named.text.span) if text is not None else None
    elif isinstance(item, (Directive, Scene)) and _inside(item.keyword, line, column):
        return KEYWORDS[item.name if isinstance(item, Directive) else "scene"], item.keyword
    elif isinstance(item, (Define, Style, Include)) and _inside(item.keyword, line, column):
        word = "define" if isinstance(item, Define) else "include" if isinstance(item, Include) else item.name
        return (KEYWORDS[word], item.keyword) if word in KEYWORDS else None
    elif isinstance(item, Invalid):
        time = broken_time(item)
        if time is not None and _inside(time.span, line, column):
            text = broken_time_text(live, item, time)
            return (text, time.span) if text else None
    return None


def broken_time_text(live: LiveDocument, item: Invalid, time: Time) -> str | None:
    """What the time of a line with an error would be, once the line is fixed: absolute, or
    counted from the cue above (None when that is unknown, or there is none to count from)."""
    if time.ms is None:
        return None
    previous = None
    if time.relative:
        for above in live.items_above(item.span.line):
            if isinstance(above, Cue):
                placed = live.place(above.span.line)
                previous = placed.timed.ms if placed is not None else None
                break
            if isinstance(above, (Scene, Invalid)):  # the first cue of a script, or after another broken line
                break
        if previous is None:
            return None
    ms = time.ms + (previous or 0)
    lines = [f"**{format_clock(ms)}** ({ms} ms)"]
    if previous is not None:
        lines.append(f"{format_ms(time.ms)} after the previous cue (at {format_clock(previous)})")
    lines.append("this line has an error: it is left out of the script until it is fixed")
    return "  \n".join(lines)


def time_text(live: LiveDocument, cue: Cue) -> str | None:
    """`**0:12.500** (12500 ms)`, the gap from the previous cue and the script's length."""
    placed = live.place(cue.span.line)
    if placed is None or placed.timed.ms is None:
        return None
    ms = placed.timed.ms
    lines = [f"**{format_clock(ms)}** ({ms} ms)"]
    previous = placed.previous
    if previous is not None:
        gap = ms - previous
        where = "after" if gap >= 0 else "before"
        lines.append(f"{format_ms(abs(gap))} {where} the previous cue (at {format_clock(previous)})")
    elif placed.first:
        lines.append("the first cue")
    scene = placed.scene
    whole = f"the scene `{shown(scene.name.value or '', 40)}`" if scene is not None else "the script"
    length = placed.length
    lines.append(f"{whole} lasts {format_clock(length)}" if length is not None else f"{whole} has no `end` yet")
    return "  \n".join(lines)


_FENCE = re.compile(r"`{3,}")


def _fenced(text: str) -> str:
    """`text` as a Markdown code block, whatever backticks it holds."""
    fence = "`" * max((len(m) + 1 for m in _FENCE.findall(text)), default=3)
    return f"{fence}text\n{text}\n{fence}"


def name_text(live: LiveDocument, item: Item, line: int, column: int) -> tuple[str, Span] | None:
    """What the `{NAME}` (or the define's name) at the cursor stands for: the define's text as
    written and expanded, and in a cue, the cue's prompt as sent (with its style and negative)."""
    use = names.name_at(item, line, column)
    if use is None:
        return None
    found = names.lookup(live, use.name)
    if found is None:
        return f"`{{{shown(use.name, 60)}}}` names no define", use.span
    scope, named = found
    define = named.define
    where = f"line {define.span.line}"
    here = names.absolute(live.path)
    if named.path != here:
        other = os.path.relpath(named.path, here.parent) if named.path is not None and here is not None else named.label
        where += f" of `{shown(other or '', 80)}`"
    written = define.value.value if define.value.value is not None else define.value.raw
    lines = [f"**`{{{shown(use.name, 60)}}}`**: `define {shown(use.name, 60)}`, {where}", _fenced(written)]
    whole = names.expanded(scope, named)
    if whole is not None and whole.text != written:
        lines += ["expands to", _fenced(whole.text)]
    if isinstance(item, Cue):
        own = scope if scope.live is live else names.Scope(live)
        prompt = names.composed(own, item, names.scene_styles(live, item.span.line))
        if prompt is not None:
            if prompt.variants > 1:
                lines += [f"**this cue's prompt** makes {prompt.variants} variants, with its style and negative:",
                          _fenced(prompt.text), "the first:", _fenced(prompt.first)]
            else:
                lines += ["**this cue's prompt** as sent, with its style and negative:", _fenced(prompt.first)]
    return "\n\n".join(lines), use.span
