"""Whole-pipeline properties: text generated from the grammar always compiles to output or to
diagnostics, never to an exception; valid screenplays built by hand compile cleanly to the
JSON entries they describe.

The screenplays built by hand use `define`, `{NAME}`, `{{`/`}}`, `style`, `negative` (in the
header and at the top of scenes), `include` and `{a|b}` variants; the prompts they must send
are computed here from what was drawn, with the joining rules of the language written out
again (issue 12), never by the compiler's own composition code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from itertools import product
from pathlib import Path

import pytest
from conftest import compile_ody, data_url, png_bytes
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.lark import from_lark
from lark import Lark

from odyssey_dsl import CODES, Compilation, Diagnostic
from odyssey_dsl.compose import ScriptName
from odyssey_dsl.grammar import grammar_path
from odyssey_dsl.strings import decode, quote
from odyssey_dsl.times import format_clock, format_ms

GRAMMAR = Lark(grammar_path().read_text(encoding="utf-8"), start="file")

#: Files next to the screenplays (`include "..."`): a library, a file that includes itself, one
#: with cues (it cannot be included), a library that includes the first from a subfolder.
INCLUDED = {
    "lib.ody": 'define harbour "a harbour {{at}} dawn"  # a library\ndefine harbour_boat "a boat in {harbour}"\n',
    "cycle.ody": 'include "cycle.ody"\n',
    "cues.ody": 'define x "y"\n@0 start "a"\n@3s end\n',
    "sub/deeper.ody": 'include "../lib.ody"\nstyle "{harbour}"\n',
}
#: What the defines of `lib.ody` expand to, worked out by hand.
LIBRARY = {"harbour": "a harbour {at} dawn", "harbour_boat": "a boat in a harbour {at} dawn"}


def write_included(folder: Path) -> Path:
    """`folder` with the files of `INCLUDED` in it (the screenplay compiled is `folder/t.ody`)."""
    for name, text in INCLUDED.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_included(tmp_path_factory.mktemp("includes"))


def assert_sound(result: Compilation) -> None:
    """What every compilation promises, whatever the input."""
    for d in result.diagnostics:
        assert d.code in CODES
        assert 1 <= d.span.line <= d.span.end_line
        assert d.span.column >= 1 and d.span.end_column >= 1
    if result.ok and not result.library:
        assert result.scripts is not None
        value = json.loads(result.script_json())
        if result.batch:
            assert all(isinstance(s, list) for s in value)
        else:
            assert isinstance(value, list)
        json.loads(result.request_json())
    else:
        assert result.scripts is None


# --- text from the grammar ------------------------------------------------------------------

SMALL_TEXT = st.text(st.characters(blacklist_categories=["Cs"]), max_size=12)
# Text with the braces of templates in it, right and wrong: names, groups, doubled and lone braces.
BRACES = st.sampled_from(["{hero}", "{harbour}", "{end}", "{a|b}", "{|x}", "{{", "}}", "{", "}", "{}", "{ hero }",
                          "{9}", "{a{b}", "{a|{b}}"])
TEMPLATE_TEXT = st.lists(SMALL_TEXT | BRACES, max_size=4).map("".join)
PATHS = st.sampled_from(["lib.ody", "cycle.ody", "cues.ody", "sub/deeper.ody", "missing.ody", "t.ody", "",
                         "https://example.com/lib.ody", "sub"])

# Realistic terminals: keywords surrounded by spaces so that the tokens stay apart, times and
# values both valid and not, strings with any content.
REALISTIC = {
    "TIME": st.one_of(
        st.sampled_from(["0", "3s", "+3s", "1:30", "1m30s", "250ms", "3", "1.0005s", "3sec", "x", ""]),
        st.integers(0, 10**6).map(format_ms),
        st.integers(0, 10**6).map(lambda ms: "+" + format_ms(ms)),
    ).map(lambda t: "@" + t),
    "STRING": (TEMPLATE_TEXT | PATHS).map(lambda s: " " + quote(s) + " "),
    "LONG_STRING": TEMPLATE_TEXT.filter(lambda s: '"' not in s and "\\" not in s).map(lambda s: ' """' + s + '""" '),
    "WORD": st.sampled_from(["portrait", "landscape", "on", "off", "3s", "0", "sideways", "+1s", "x", "hero", "harbour",
                             "9x", "a-b"]),
    "COMMENT": st.sampled_from(["# note", "# ody: ignore[ODY201]", "# ody: ignore[ODY101, nope]", "#"]).map(
        lambda c: " " + c
    ),
    "START": st.just(" start "),
    "INTERACT": st.just(" interact "),
    "END": st.just(" end "),
    "IMAGE": st.just(" image "),
    "TITLE": st.just("title "),
    "ORIENTATION": st.just("orientation "),
    "PROMPT_EXPANSION": st.just("prompt-expansion "),
    "MIN_GAP": st.just("min-gap "),
    "MAX_DURATION": st.just("max-duration "),
    "SCENE": st.just("scene "),
    "AFTER": st.just(" after "),
    "DEFINE": st.just("define "),
    "STYLE": st.just("style "),
    "NEGATIVE": st.just("negative "),
    "INCLUDE": st.just("include "),
    "_NEWLINE": st.sampled_from(["\n", "\r\n", "\r"]),
}


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
@given(from_lark(GRAMMAR, start="file", alphabet=st.characters(codec="utf-8", max_codepoint=0x2FFF)))
def test_text_from_the_grammar_never_raises(text: str) -> None:
    assert_sound(compile_ody(text))


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
@given(from_lark(GRAMMAR, start="file", explicit=REALISTIC))
@example('include """\x00"""\n')  # found at 5,000 examples: opening the path raised ValueError (embedded null byte)
def test_realistic_text_from_the_grammar_never_raises(folder: Path, text: str) -> None:
    assert_sound(compile_ody(text, folder))
    assert_sound(compile_ody(text.encode("utf-8"), folder))


@given(st.text(max_size=300))
def test_arbitrary_text_never_raises(text: str) -> None:
    assert_sound(compile_ody(text))


@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    assert_sound(compile_ody(data))


# --- valid screenplays ------------------------------------------------------------------------

IMAGE_URL = data_url("image/png", png_bytes())
WORD = st.text(
    st.characters(blacklist_categories=["Cs", "Zs", "Zl", "Zp", "Cc"], blacklist_characters='"\\#'),
    min_size=1,
    max_size=8,
)
#: Define names: any case (they are case-sensitive), `_` and `-`, and keywords (a keyword is a name).
NAMES = ["hero", "Hero", "look_2", "a-b", "_x", "end", "scene"]
#: A variant's alternative: literal text without braces or `|`, maybe empty.
OPTION = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="{}|"), max_size=6)
#: At most this many variant groups in a file, of at most 3 alternatives: 9 scripts a scene, 27 in all.
GROUPS = 2

#: A part of a template as drawn: ("text", literal text), ("ref", name) or ("group", alternatives).
Part = tuple[str, str | tuple[str, ...]]


@dataclass
class Expected:
    text: str
    scripts: list[list[dict[str, object]]]
    batch: bool
    portrait: bool
    expansion: bool
    names: list[ScriptName] = field(default_factory=list)
    folder: bool = False  # it includes `lib.ody`: compile it next to the files of INCLUDED
    after: list[int | None] = field(default_factory=list)  # Compilation.after


def written(parts: list[Part]) -> str:
    """The template `parts` are, as the writer types it (before string escapes): braces in
    text doubled, `{NAME}`, `{a|b}`."""
    out = []
    for kind, value in parts:
        if kind == "text":
            assert isinstance(value, str)
            out.append(value.replace("{", "{{").replace("}", "}}"))
        elif kind == "ref":
            out.append("{" + str(value) + "}")
        else:
            out.append("{" + "|".join(value) + "}")
    return "".join(out)


Flat = list[str | tuple[object, tuple[str, ...]]]  # text, and (group's identity, alternatives)


def flatten(parts: list[Part], defines: dict[str, list[Part]], owner: object) -> Flat:
    """`parts` with every name replaced by its define's parts, recursively. A group is known by
    where it is written: a define's group is the same group wherever the define is used."""
    out: Flat = []
    for index, (kind, value) in enumerate(parts):
        if kind == "text":
            assert isinstance(value, str)
            out.append(value)
        elif kind == "ref":
            assert isinstance(value, str)
            if value in LIBRARY:
                out.append(LIBRARY[value])
            else:
                out.extend(flatten(defines[value], defines, value))
        else:
            assert isinstance(value, tuple)
            out.append(((owner, index), value))
    return out


def filled(flat: Flat, choice: dict[object, str]) -> str:
    return "".join(p if isinstance(p, str) else choice[p[0]] for p in flat)


def styled(prompt: str, style: str) -> str:
    """The issue's rule: trailing spaces of the prompt dropped, then joined with one space
    after `. , ; : ! ? …`, else with `", "`; an empty (or blank) style adds nothing."""
    if not style.strip():
        return prompt
    prompt = prompt.rstrip(" ")
    return prompt + (" " if prompt[-1:] in (".", ",", ";", ":", "!", "?", "…") else ", ") + style


def negated(prompt: str, negative: str) -> str:
    """The issue's rule: trailing spaces dropped, then `" "` after `. ! ? …`, else `". "` (a
    trailing `, ; :` becomes the `.`), then `Negative prompt: ` and the text; an empty (or
    blank) negative adds nothing."""
    if not negative.strip():
        return prompt
    prompt = prompt.rstrip(" ")
    if prompt[-1:] in (".", "!", "?", "…"):
        return f"{prompt} Negative prompt: {negative}"
    if prompt[-1:] in (",", ";", ":"):
        prompt = prompt[:-1]
    return f"{prompt}. Negative prompt: {negative}"


@st.composite
def template(draw: st.DrawFn, names: list[str], budget: list[int], text: bool = False) -> list[Part]:
    """Parts naming only `names`, with variant groups while `budget[0]` lasts; with `text`,
    some non-blank text among them (a prompt must say something once expanded)."""
    parts: list[Part] = []
    for _ in range(draw(st.integers(0, 3))):
        kinds = ["text", *(["ref"] if names else []), *(["group"] if budget[0] > 0 else [])]
        kind = draw(st.sampled_from(kinds))
        if kind == "text":
            parts.append(("text", draw(st.text(st.characters(blacklist_categories=["Cs"]), max_size=10))))
        elif kind == "ref":
            parts.append(("ref", draw(st.sampled_from(names))))
        else:
            budget[0] -= 1
            parts.append(("group", tuple(draw(st.lists(OPTION, min_size=2, max_size=3)))))
    if text and not any(kind == "text" and str(value).strip() for kind, value in parts):
        words = draw(st.text(st.characters(blacklist_categories=["Cs"]), min_size=1, max_size=10).filter(str.strip))
        parts.insert(draw(st.integers(0, len(parts))), ("text", words))
    return parts


@st.composite
def literal(draw: st.DrawFn, value: str) -> str:
    """`value` as a quoted string, or as a `\"\"\"` one folded over lines when it is words
    between single spaces."""
    words = value.split(" ")
    if draw(st.booleans()) or not all(w and all(c.isprintable() and not c.isspace() and c not in '"\\' for c in w)
                                      for w in words):
        return quote(value)
    breaks = draw(st.lists(st.sampled_from(["\n", "\n    ", " \r\n\t", "\r", " "]), min_size=len(words) + 1,
                           max_size=len(words) + 1))
    # A line of a `"""` string that begins with `@` would begin a cue: the writer escapes it.
    raw = '"""' + breaks[0] + "".join(("\\u0040" + w[1:] if w.startswith("@") else w) + b
                                      for w, b in zip(words, breaks[1:])) + '"""'
    assert decode(raw) == value, raw
    return raw


@st.composite
def times(draw: st.DrawFn, previous: int | None, ms: int) -> str:
    """A time for a cue at `ms`, in one of the ways a writer may spell it."""
    forms = [format_ms(ms), format_clock(ms)]
    if previous is not None:
        forms.append("+" + format_ms(ms - previous))
    if ms == 0:
        forms += ["0s", "0:00"]
    return "@" + draw(st.sampled_from(forms))


@dataclass
class Cue:
    ms: int
    action: str
    prompt: list[Part] | None = None
    image: str | None = None


@st.composite
def script_lines(draw: st.DrawFn, min_gap: int, names: list[str], budget: list[int]) -> tuple[list[str], list[Cue]]:
    count = draw(st.integers(min_value=0, max_value=6))  # interact cues between start and end
    gap_size = st.integers(min_value=max(min_gap, 1), max_value=20_000)
    gaps = draw(st.lists(gap_size, min_size=count + 1, max_size=count + 1))
    lines: list[str] = []
    prompt = draw(template(names, budget, text=True))
    cues = [Cue(0, "start", prompt)]
    start = f"{draw(times(None, 0))} start {draw(literal(written(prompt)))}"
    if draw(st.booleans()):
        start += f' image "{IMAGE_URL}"'
        cues[0].image = IMAGE_URL
    lines.append(start)
    now = 0
    for gap in gaps[:-1]:
        prompt = draw(template(names, budget, text=True))
        lines.append(f"{draw(times(now, now + gap))} interact {draw(literal(written(prompt)))}")
        now += gap
        cues.append(Cue(now, "interact", prompt))
    end = now + gaps[-1]
    lines.append(f"{draw(times(now, end))} end")
    cues.append(Cue(end, "end"))
    return lines, cues


def decorated(draw: st.DrawFn, lines: list[str]) -> list[str]:
    """`lines` with what changes nothing: comments, blank lines, indentation."""
    out: list[str] = []
    for line in lines:
        if draw(st.booleans()):
            out.append(draw(st.sampled_from(["", "# a note", "   ", "\t# indented note"])))
        indent = draw(st.sampled_from(["", "  ", "\t"]))
        comment = "" if "# ody:" in line else draw(st.sampled_from(["", "  # why", " # ody: ignore[ODY201]"]))
        out.append(indent + line + comment)
    return out


def entries(cues: list[Cue], flats: list[Flat | None], choice: dict[object, str], style: Flat,
            negative: Flat) -> list[dict[str, object]]:
    """The API entries of one script, for one choice of its variants."""
    out: list[dict[str, object]] = []
    for cue, flat in zip(cues, flats):
        body: dict[str, object] = {}
        if flat is not None:
            body["prompt"] = negated(styled(filled(flat, choice), filled(style, choice)), filled(negative, choice))
        if cue.image is not None:
            body["image"] = cue.image
        out.append({"timestamp_ms": cue.ms, cue.action: body})
    return out


@st.composite
def screenplays(draw: st.DrawFn) -> Expected:
    header: list[str] = []
    portrait = draw(st.booleans())
    expansion = draw(st.booleans())
    min_gap = draw(st.sampled_from([0, 1000, 3000]))
    if draw(st.booleans()):
        header.append(f"title {quote(draw(st.text(max_size=10)))}")
    if not portrait or draw(st.booleans()):
        header.append(f"orientation {'portrait' if portrait else 'landscape'}")
    if not expansion or draw(st.booleans()):
        header.append(f"prompt-expansion {'on' if expansion else 'off'}")
    if min_gap != 3000 or draw(st.booleans()):
        header.append(f"min-gap {format_ms(min_gap)}")
    included = draw(st.booleans())
    if included:
        header.append('include "lib.ody"')
    budget = [GROUPS]
    # Defines, each naming only those drawn before it (no cycle), written in any order.
    defines: dict[str, list[Part]] = {}
    known = list(LIBRARY) if included else []
    for name in draw(st.lists(st.sampled_from(NAMES), unique=True, max_size=4)):
        defines[name] = draw(template(known, budget))
        known.append(name)
    plain = [n for n in known if all(isinstance(p, str) for p in flatten([("ref", n)], defines, None))]
    styles: dict[str, list[Part]] = {}
    for kind in ("style", "negative"):
        if draw(st.booleans()):
            styles[kind] = draw(template(plain, [0]))
    batch = draw(st.booleans())
    lines: list[str] = []
    scenes: list[tuple[dict[str, list[Part]], list[Cue]]] = []
    scene_lines: list[int] = []  # where each scene line is in `lines`
    for index in range(draw(st.integers(1, 3)) if batch else 1):
        tops: dict[str, list[Part]] = {}
        if batch:
            scene_lines.append(len(lines))
            lines.append(f"scene {quote(f'scene {index}')}")
            for kind in draw(st.permutations(["style", "negative"]))[:draw(st.integers(0, 2))]:
                tops[kind] = draw(template(plain, [0]))  # no parts: `style ""` clears the file's
                lines.append(f"{kind} {draw(literal(written(tops[kind])))}")
        script, cues = draw(script_lines(max(min_gap, 3000 if draw(st.booleans()) else min_gap), known, budget))
        lines.extend(script)
        scenes.append((tops, cues))
    used = {str(v) for parts in [*defines.values(), *styles.values(), *(t for tops, cues in scenes for t in tops.values()),
                                 *(c.prompt for tops, cues in scenes for c in cues if c.prompt is not None)]
            for kind, v in parts if kind == "ref"}
    for name, parts in defines.items():  # an unused define is a warning: silenced, as a writer may
        header.append(f"define {name} {draw(literal(written(parts)))}" + ("" if name in used else
                                                                           "  # ody: ignore[ODY209]"))
    header += [f"{kind} {draw(literal(written(parts)))}" for kind, parts in styles.items()]
    scripts: list[list[dict[str, object]]] = []
    names: list[ScriptName] = []
    firsts: list[int] = []  # each scene's first script
    varying: list[bool] = []
    for index, (tops, cues) in enumerate(scenes):
        around = [flatten({**styles, **tops}.get(kind, []), defines, kind) for kind in ("style", "negative")]
        flats = [flatten(c.prompt, defines, (index, k)) if c.prompt is not None else None for k, c in enumerate(cues)]
        groups: dict[object, tuple[str, ...]] = {}  # in order of first appearance, top to bottom
        for flat in flats:
            for part in flat or ():
                if not isinstance(part, str):
                    groups.setdefault(*part)
        firsts.append(len(scripts))
        varying.append(bool(groups))
        for number, chosen in enumerate(product(*groups.values()), 1):
            scripts.append(entries(cues, flats, dict(zip(groups, chosen)), *around))
            names.append(ScriptName(f"scene {index}" if batch else None, number if groups else None,
                                    tuple(chosen)))
    # Scenes that continue another, above or below it: one without an image continues one
    # without variants that comes before it in a random order (so there is no cycle).
    continued: list[int | None] = [None] * len(scenes)
    rank = draw(st.permutations(range(len(scenes))))
    for index, (_, cues) in enumerate(scenes if batch else ()):
        parents = [j for j in range(len(scenes)) if rank[j] < rank[index] and not varying[j]]
        if parents and all(c.image is None for c in cues) and draw(st.booleans()):
            continued[index] = parent = draw(st.sampled_from(parents))
            lines[scene_lines[index]] += f" after {draw(literal(f'scene {parent}'))}"
    parent_of = [continued[int(n.scene[6:]) if n.scene is not None else 0] for n in names]
    after = [None if parent is None else firsts[parent] for parent in parent_of]
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    order = draw(st.permutations(range(len(header))))  # header lines mean the same in any order
    text = newline.join(decorated(draw, [header[k] for k in order] + lines)) + draw(st.sampled_from(["", newline]))
    return Expected(text, scripts, batch or len(scripts) > 1, portrait, expansion, names, included, after)


@given(screenplays())
def test_valid_screenplays_compile_cleanly(folder: Path, play: Expected) -> None:
    result = compile_ody(play.text, folder if play.folder else None)
    assert result.diagnostics == (), play.text
    assert result.batch == play.batch
    output = json.loads(result.script_json())
    assert output == (play.scripts if play.batch else play.scripts[0])
    assert list(result.names or ()) == play.names
    assert list(result.after or ()) == play.after
    request = json.loads(result.request_json())
    assert request["portrait"] is play.portrait
    assert request.get("bypass_vlm_expansion", False) is (not play.expansion)
    assert request["scripts" if play.batch else "script"] == output


@given(screenplays())
def test_valid_screenplays_from_bytes_with_a_bom(folder: Path, play: Expected) -> None:
    result = compile_ody(b"\xef\xbb\xbf" + play.text.encode("utf-8"), folder if play.folder else None)
    assert result.diagnostics == ()
    assert json.loads(result.script_json()) == (play.scripts if play.batch else play.scripts[0])


def _whole_file(d: Diagnostic) -> bool:
    """Diagnostics about the file as a whole sit at its first line wherever the text moves."""
    return d.code == "ODY101" and d.message == "there are no cues"


@given(from_lark(GRAMMAR, start="file", explicit=REALISTIC))
def test_diagnostics_move_with_their_lines(text: str) -> None:
    before = [d for d in compile_ody(text).diagnostics if not _whole_file(d)]
    after = [d for d in compile_ody("\n\n\n" + text).diagnostics if not _whole_file(d)]
    assert after == [d.shifted(3) for d in before]
