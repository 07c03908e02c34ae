"""`ody fmt` (issue 3): one canonical layout, proven by properties.

Golden pairs in `fmt_golden/` (`NAME.in.ody` formats to `NAME.out.ody`) pin the layout, one
rule or two per pair. Properties 2 and 3 of the issue are proven over generated screenplays that
compile (random spacing, comments, blank lines, scenes, directives, long prompts, every way
of writing times and strings, suppression comments; defines used and not, `{NAME}`, `{a|b}`,
`{{`, `style` and `negative` in the header and at scene tops, an `include` of a library in the
folder): formatting is idempotent, keeps the compiled output byte for byte, and keeps every
comment. Text generated from the grammar, most
of it broken, is either refused (syntax errors) or formatted with the same diagnostics. A
writer's line breaks in a `\"\"\"` prompt are kept, and only the lines too long are reflowed.
The command line is tested through click's runner, and once as the installed executable.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import TypedDict

import pytest
from click.testing import CliRunner
from conftest import compile_ody, data_url, png_bytes
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.lark import from_lark
from test_properties import GRAMMAR, LIBRARY, NAMES, REALISTIC, Part, flatten, template, write_included, written

from odyssey_dsl import Compilation, compile_text, parse
from odyssey_dsl.cli import main
from odyssey_dsl.diagnostics import SYNTAX_CODES
from odyssey_dsl.fmt import INDENT, TIME_COLUMN, FormatError, format_text
from odyssey_dsl.strings import decode, quote
from odyssey_dsl.syntax import Comment
from odyssey_dsl.times import format_clock, format_ms

GOLDEN = Path(__file__).parent / "fmt_golden"
EXAMPLES = Path(__file__).parent.parent / "examples"
ODY = shutil.which("ody", path=str(Path(sys.executable).parent)) or "ody"
# Examples per property come from the hypothesis profile (conftest: 200, nightly 5,000).
PROPERTY = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                          HealthCheck.filter_too_much])
class Options(TypedDict, total=False):
    line_width: int
    normalize_times: str | None


OPTIONS: dict[str, Options] = {
    "narrow": {"line_width": 40},
    "times-absolute": {"normalize_times": "absolute"},
    "times-relative": {"normalize_times": "relative"},
}


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the screenplays are compiled: beside the files they include."""
    return write_included(tmp_path_factory.mktemp("includes"))


def outcome(result: Compilation) -> tuple[str, ...] | list[tuple[str, str]]:
    """What formatting must keep: the output of a file that compiles, else (errors, or a
    library: nothing to compile) its diagnostics (code and words; positions move with the layout)."""
    if result.scripts is not None:
        return result.script_json(), result.request_json()
    return sorted((d.code, d.message) for d in result.diagnostics)


def comments(text: str) -> Counter[str]:
    """Every comment's text (full-line and trailing), without the trailing whitespace fmt drops."""
    found = (item if isinstance(item, Comment) else item.comment for item in parse(text).items)
    return Counter(c.text.rstrip() for c in found if c is not None)


def assert_formats(text: str, line_width: int = 100, normalize_times: str | None = None,
                   folder: Path | None = None) -> str:
    """Everything a formatted text promises: canonical bytes, a fixed point, same meaning
    (compiled as `folder/t.ody`, its includes read from there)."""
    out = format_text(text, line_width=line_width, normalize_times=normalize_times)
    assert "\r" not in out and not out.startswith("\ufeff")
    assert out == "" or (out.endswith("\n") and not out.endswith("\n\n") and not out.startswith("\n"))
    assert "\n\n\n" not in out
    assert all(line == line.rstrip() for line in out.split("\n")), out
    assert format_text(out, line_width=line_width, normalize_times=normalize_times) == out
    assert outcome(compile_ody(out, folder)) == outcome(compile_ody(text, folder))
    assert comments(out) == comments(text)
    return out


# --- golden pairs ------------------------------------------------------------------------------

PAIRS = sorted(p.name[: -len(".in.ody")] for p in GOLDEN.glob("*.in.ody"))


def test_every_golden_input_has_its_output() -> None:
    assert PAIRS and sorted(p.name[: -len(".out.ody")] for p in GOLDEN.glob("*.out.ody")) == PAIRS


@pytest.mark.parametrize("name", PAIRS)
def test_golden(name: str, folder: Path) -> None:
    source = (GOLDEN / f"{name}.in.ody").read_text(encoding="utf-8")
    expected = (GOLDEN / f"{name}.out.ody").read_text(encoding="utf-8")
    assert assert_formats(source, **OPTIONS.get(name, {}), folder=folder) == expected


def test_the_golden_header_lines_compile(folder: Path) -> None:
    """The header-lines pair is a real screenplay (its include is found): its output, not only
    its diagnostics, is what formatting keeps."""
    result = compile_ody((GOLDEN / "header-lines.in.ody").read_text(encoding="utf-8"), folder)
    assert result.ok and result.names is not None and len(result.names) == 6, result.diagnostics


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.ody")), ids=lambda p: p.name)
def test_examples_keep_their_output(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    out = assert_formats(text)
    images = compile_ody(out, EXAMPLES)
    assert images.ok
    if not images.library:  # a library's output is that of the screenplays including it
        assert images.request_json() == compile_ody(text, EXAMPLES).request_json()


# --- single rules ------------------------------------------------------------------------------

def test_line_ends_bom_and_the_final_newline() -> None:
    text = '\ufeff# head\r\n\r\n@0 start "a"\r@3s end'
    assert assert_formats(text) == '# head\n\n@0  start "a"\n@3s end\n'


def test_empty_and_blank_files_stay_empty() -> None:
    assert format_text("") == ""
    assert format_text(" \n\t\r\n\n") == ""
    assert format_text("\n\n# only a comment  \n\n\n# and another\n\n") == "# only a comment\n\n# and another\n"


def test_syntax_errors_refuse_to_format() -> None:
    with pytest.raises(FormatError) as caught:
        format_text('@0 start "cat\n@3s interct "dog"\n@1.0005s end\norientation "x"\n')
    found = caught.value.diagnostics
    assert [d.code for d in found] == ["ODY002", "ODY004", "ODY003"]  # not ODY109: not a syntax error
    assert all(d.code in SYNTAX_CODES for d in found)
    assert "line 1, column 10" in str(caught.value)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError):
        format_text("", normalize_times="clock")


def test_cues_are_never_indented_and_one_space_precedes_a_comment() -> None:
    out = assert_formats('   @0 start "a"      # c\n\t@3s end\t#d\n')
    assert out == '@0  start "a" # c\n@3s end #d\n'


def test_the_time_column_is_capped() -> None:
    out = assert_formats('@0 start "a"\n@+1h1m30s250ms interact "b"\n@1h1m33.25s end\n')
    assert len("@+1h1m30s250ms") > TIME_COLUMN >= len("@1h1m33.25s")
    assert out.split("\n")[:3] == ["@0" + " " * 10 + 'start    "a"', '@+1h1m30s250ms interact "b"', "@1h1m33.25s end"]


def test_a_scene_always_has_a_blank_line_above_it() -> None:
    out = assert_formats('scene "a"\n@0 start "x"\n@3s end\n# about b\nscene "b"\n@0 start "y"\n@3s end\n')
    assert out == ('scene "a"\n@0  start "x"\n@3s end\n\n# about b\nscene "b"\n@0  start "y"\n@3s end\n')


def test_only_the_top_directives_are_sorted() -> None:
    text = 'min-gap 1s\ntitle "t"\n@0 start "x"\norientation landscape\ntitle "u"\n@3s end\n'
    assert assert_formats(text) == (
        'title "t"\nmin-gap 1s\n\n@0 start "x"\norientation landscape\ntitle "u"\n@3s end\n')


def test_the_header_lines_are_sorted_in_groups_and_a_define_means_the_same_anywhere(folder: Path) -> None:
    """`ody fmt` used to fail on the first define, style, negative or include line."""
    text = ('negative "blur"\ndefine look "{light} light"\nstyle "{look}"\ndefine light "golden"\n'
            'min-gap 1s\ninclude "lib.ody"\ntitle "t"\n@0 start "{harbour}"\n@3s end\n')
    assert assert_formats(text, folder=folder) == (
        'include "lib.ody"\n\ntitle "t"\nmin-gap 1s\n\ndefine look "{light} light"\ndefine light "golden"\n\n'
        'style "{look}"\nnegative "blur"\n\n@0  start "{harbour}"\n@3s end\n')
    assert json.loads(compile_ody(text, folder).script_json())[0]["start"] == {
        "prompt": "a harbour {at} dawn, golden light. Negative prompt: blur"}


def test_only_the_header_lines_above_the_first_cue_are_sorted() -> None:
    text = 'style "s"\ndefine a "x"\n@0 start "{a}"\ndefine b "y"\nstyle "z"\n@3s end\n'
    assert assert_formats(text) == 'define a "x"\n\nstyle "s"\n\n@0 start "{a}"\ndefine b "y"\nstyle "z"\n@3s end\n'


def test_a_scenes_style_and_negative_stay_right_below_its_scene_line() -> None:
    text = ('style "day"\n\nscene "a"\n\n# the night look\nnegative "sun"\n\nstyle "night"\n'
            '@0 start "x"\n@3s end\nscene "b"\nstyle ""\n\n@0 start "y"\n@3s end\n')
    assert assert_formats(text) == (
        'style "day"\n\nscene "a"\nstyle "night"\n# the night look\nnegative "sun"\n@0  start "x"\n@3s end\n\n'
        'scene "b"\nstyle ""\n\n@0  start "y"\n@3s end\n')


def test_braces_are_kept_as_written() -> None:
    text = ('define hero "\\u007bcat\\u007d"\n@0 start """{{x}} {hero}\n   {a|b}"""\n'
            '@3s interact """{{x}} {hero} {a|b}"""\n@6s end\n')
    assert assert_formats(text) == ('define hero "\\u007bcat\\u007d"\n\n@0  start    """\n    {{x}} {hero}\n    {a|b}\n"""\n'
                                    '@3s interact "{{x}} {hero} {a|b}"\n@6s end\n')


def test_a_long_define_style_or_negative_folds_like_a_prompt_and_a_wrap_never_cuts_braces() -> None:
    words = "one two three four five six"
    text = f'define a "{words} {{b c|d e}}"\nstyle "{words}"  # why\nnegative "{words}" # ody: ignore[ODY201]\n' \
           '@0 start "{a}"\n@3s end\n'
    out = assert_formats(text, line_width=40)  # the suppression does not count: folding cannot shorten it
    assert out.startswith(f'define a """\n    {words}\n    {{b c|d e}}\n"""\n\nstyle """\n    {words}\n'
                          f'""" # why\nnegative "{words}" # ody: ignore[ODY201]\n'), out


@pytest.mark.parametrize("prompt", ["  leading spaces" + " word" * 30, "a trailing space" + " word" * 30 + " "])
def test_a_prompt_that_folding_would_change_keeps_its_quotes(prompt: str) -> None:
    text = f"@0 start {quote(prompt)}\n@3s end\n"
    out = assert_formats(text, line_width=40)
    assert '"""' not in out


def test_folded_content_lines_are_indented_four_spaces_and_wrap_at_the_width() -> None:
    words = " ".join(f"w{k:02d}" for k in range(40))
    out = assert_formats(f'@0 start "{words}"\n@3s end\n', line_width=30)
    content = out.split("\n")[1:-3]
    assert content and all(line.startswith("    ") and len(line) <= 30 for line in content)
    assert " ".join(line.strip() for line in content) == words


def test_min_gap_is_normalized_with_the_times() -> None:
    text = 'min-gap 1500ms\n@0 start "x"\n@+1500ms end\n'
    assert assert_formats(text) == 'min-gap 1500ms\n\n@0       start "x"\n@+1500ms end\n'
    assert assert_formats(text, normalize_times="absolute") == 'min-gap 1.5s\n\n@0    start "x"\n@1.5s end\n'
    assert assert_formats(text, normalize_times="relative") == 'min-gap 1.5s\n\n@0     start "x"\n@+1.5s end\n'


def prompt_lines(out: str) -> list[str]:
    """The content lines of the first `\"\"\"` prompt of a formatted text, without their indent."""
    lines = out.split('"""')[1].split("\n")[1:-1]
    assert all(line.startswith(INDENT) and not line[len(INDENT)].isspace() for line in lines), lines
    return [line[len(INDENT):] for line in lines]


def test_the_writers_line_breaks_stay_even_when_the_prompt_would_fit_on_one_line() -> None:
    text = '@0 start """A cat\n      on a mat\n"""\n@3s end\n'
    assert assert_formats(text) == '@0  start """\n    A cat\n    on a mat\n"""\n@3s end\n'


def test_a_prompt_in_long_quotes_on_one_line_is_unfolded_and_one_on_a_line_of_its_own_stays() -> None:
    assert assert_formats('@0 start """A cat on a mat"""\n@3s end\n') == '@0  start "A cat on a mat"\n@3s end\n'
    text = '@0 start """\n  A cat on a mat\n""" image "cat.png"\n@3s end\n'
    assert assert_formats(text) == '@0  start """\n    A cat on a mat\n""" image "cat.png"\n@3s end\n'


def test_only_the_lines_that_are_too_long_are_reflowed() -> None:
    text = '@0 start """\n    one two\n    three four five six seven eight\n    nine\n"""\n@3s end\n'
    assert prompt_lines(assert_formats(text, line_width=24)) == ["one two", "three four five six", "seven eight", "nine"]


@pytest.mark.parametrize("space", ["\xa0", "\u3000", "\x0c"])
def test_a_break_beside_other_whitespace_joins_the_lines(space: str) -> None:
    text = f'@0 start """\n    one{space}\n    two\n    three\n"""\n@3s end\n'
    assert prompt_lines(assert_formats(text)) == [f"one{space} two", "three"]


def test_an_image_never_makes_a_prompt_fold() -> None:
    text = f'@0 start "a cat on a mat" image "{"pictures/" * 12}cat.png" # ody: ignore[ODY201]\n@3s end\n'
    out = assert_formats(text, line_width=40)
    assert out.split("\n")[0] == text.split("\n")[0].replace("@0 ", "@0  ")


# --- properties --------------------------------------------------------------------------------

SPACE = st.sampled_from([" ", " ", "  ", "\t", " \t ", "\u3000", "\x0c"])
NEWLINE = st.sampled_from(["\n", "\n", "\r\n", "\r"])
COMMENT_TEXT = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\r\n"), max_size=20)
SUPPRESSION = st.sampled_from(["ody: ignore[ODY201]", "ody: ignore[ODY201, ODY202] a quick beat",
                               "ody:ignore[ody202]"])
CHARS = st.characters(blacklist_categories=["Cs"])
WORDS = st.lists(st.sampled_from(["the", "cat", "wakes", "and", "looks", "outside", "—", "café", "a", "très",
                                  "long", "prompt", "🐈", "windowsill", '"quoted"', "back\\slash"]),
                 min_size=1, max_size=40).map(" ".join)
PROMPT = st.one_of(WORDS, st.text(CHARS, min_size=1, max_size=30), st.tuples(WORDS, st.text(CHARS, max_size=5), WORDS)
                   .map("".join)).filter(lambda p: p.strip())
PNG = data_url("image/png", png_bytes())


@st.composite
def comment(draw: st.DrawFn) -> str:
    return "#" + draw(st.one_of(COMMENT_TEXT, SUPPRESSION.map(lambda s: " " + s)))


@st.composite
def literal(draw: st.DrawFn, value: str, newline: str) -> str:
    """`value` as a string literal, written one of the ways a writer might."""
    form = draw(st.sampled_from(["quote", "escapes", "folded"]))
    if form == "escapes":  # every character as a \\u escape, astral ones as surrogate pairs
        units = value.encode("utf-16-le")
        return '"' + "".join(f"\\u{int.from_bytes(units[i:i + 2], 'little'):04x}" for i in range(0, len(units), 2)) + '"'
    if form == "folded":
        body = quote(value)[1:-1]
        # a line of a `"""` string that begins with `@` would begin a cue: the writer escapes it
        pieces = ["\\u0040" + p[1:] if p.startswith("@") else p for p in re.split(r"(?<![ \t]) (?![ \t])", body)]
        breaks = [draw(st.sampled_from([" ", newline + "    ", newline, " " + newline + "\t "])) for _ in pieces]
        raw = '"""' + draw(st.sampled_from(["", newline + "  "])) + "".join(
            p + b for p, b in zip(pieces, [*breaks[:-1], ""])) + draw(st.sampled_from(["", newline])) + '"""'
        if decode(raw) == value:
            return raw
    return quote(value)


@st.composite
def time_text(draw: st.DrawFn, ms: int) -> str:
    """`ms` written as an absolute time, in any valid spelling."""
    seconds, millis = divmod(ms, 1000)
    spellings = [format_ms(ms), f"{ms}ms", format_clock(ms), format_clock(ms).rstrip("0").rstrip(".")]
    if ms >= 1000:
        spellings.append(f"{seconds}s{millis}ms" if millis else f"{seconds}s")
        spellings.append(f"{seconds}.{millis:03d}s")
    if ms == 0:
        spellings += ["0s", "0:00"]
    return draw(st.sampled_from(spellings))


@st.composite
def prompt_parts(draw: st.DrawFn, names: list[str], budget: list[int]) -> list[Part]:
    """A prompt as a template: words with `{NAME}`s of `names` and, while `budget[0]` lasts,
    `{a|b}` groups among them."""
    parts: list[Part] = draw(template(names, budget))
    parts.insert(draw(st.integers(0, len(parts))), ("text", draw(PROMPT)))
    return parts


@st.composite
def prompt_template(draw: st.DrawFn, names: list[str], budget: list[int]) -> str:
    """`prompt_parts` as written (braces in text doubled)."""
    return written(draw(prompt_parts(names, budget)))


@st.composite
def screenplays(draw: st.DrawFn) -> str:
    """A screenplay that compiles, laid out at random (compiled beside the files of
    test_properties.INCLUDED: it may include `lib.ody`)."""
    nl = draw(NEWLINE)
    def sp() -> str:
        return draw(SPACE)
    lines: list[str] = []

    def statement(text: str) -> tuple[int, int]:
        """Write `text` as a line; where it is (its line in `lines`, where its text ends)."""
        for _ in range(draw(st.integers(0, 2))):
            lines.append(draw(st.sampled_from(["", sp(), sp() + draw(comment())])))
        tail = sp() + draw(comment()) if draw(st.booleans()) else draw(st.sampled_from(["", sp()]))
        indent = draw(st.sampled_from(["", sp()]))
        lines.append(indent + text + tail)
        return len(lines) - 1, len(indent + text)

    directives = {
        "title": lambda: draw(literal(draw(st.text(CHARS, max_size=20)), nl)),
        "orientation": lambda: draw(st.sampled_from(["portrait", "landscape"])),
        "prompt-expansion": lambda: draw(st.sampled_from(["on", "off"])),
        "min-gap": lambda: draw(time_text(draw(st.integers(0, 5000)))),
    }
    header = [f"{name}{sp()}{directives[name]()}"
              for name in draw(st.permutations(list(directives)))[: draw(st.integers(0, 4))]]
    # Defines (used or not) naming those drawn before them; variants in two groups at most
    # (of three alternatives: 9 scripts a scene, 27 in all); style and negative without any.
    known = list(LIBRARY) if draw(st.booleans()) else []
    if known:
        header.append(f'include{sp()}"lib.ody"')
    budget = [2]
    defines: dict[str, list[Part]] = {}
    for name in draw(st.lists(st.sampled_from(NAMES), unique=True, max_size=3)):
        defines[name] = draw(template(known, budget))
        if draw(st.booleans()):
            defines[name].append(("text", draw(WORDS)))  # long enough to fold
        header.append(f"define{sp()}{name}{sp()}{draw(literal(written(defines[name]), nl))}")
        known.append(name)
    plain = [n for n in known if all(isinstance(p, str) for p in flatten([("ref", n)], defines, None))]

    def styles() -> list[str]:
        return [f"{kind}{sp()}{draw(literal(draw(prompt_template(plain, [0])) if draw(st.booleans()) else '', nl))}"
                for kind in draw(st.permutations(["style", "negative"]))[: draw(st.integers(0, 2))]]

    for line in draw(st.permutations([*header, *styles()])):
        statement(line)
    scenes = draw(st.integers(0, 3))
    named: list[str] = []
    heads: list[tuple[int, int]] = []  # each scene line: its place in `lines`, where `after` may go
    imaged: list[bool] = []
    varying: list[bool] = []
    for k in range(max(scenes, 1)):
        if scenes:
            named.append(draw(st.text(CHARS, max_size=10)) + f" {k}")
            heads.append(statement(f"scene{sp()}{draw(literal(named[-1], nl))}"))
            for line in styles():
                statement(line)
        imaged.append(False)
        varying.append(False)
        gaps = draw(st.lists(st.integers(1, 20_000) | st.integers(1, 400_000), min_size=1, max_size=8))
        at = 0
        for index, gap in enumerate([0, *gaps]):
            at += gap
            action = "start" if index == 0 else "end" if index == len(gaps) else "interact"
            when = draw(time_text(at)) if index == 0 or draw(st.booleans()) else "+" + draw(time_text(gap))
            text = f"@{when}{sp()}{action}"
            if action != "end":
                parts = draw(prompt_parts(known, budget))
                varying[-1] |= any(not isinstance(p, str) for p in flatten(parts, defines, None))
                text += sp() + draw(literal(written(parts), nl))
            if action == "start" and draw(st.booleans()):
                text += f"{sp()}image{sp()}{quote(PNG)}"
                imaged[-1] = True
            statement(text)
    # `after`: a scene without an image continues one without variants that comes before it in a
    # random order (above or below it; no cycle).
    rank = draw(st.permutations(range(scenes)))
    for k in reversed(range(scenes)):  # from the bottom: a line's place is kept by those above
        parents = [j for j in range(scenes) if rank[j] < rank[k] and not varying[j]]
        if parents and not imaged[k] and draw(st.booleans()):
            index, at = heads[k]
            after = f"{sp()}after{sp()}{draw(literal(named[draw(st.sampled_from(parents))], nl))}"
            lines[index] = lines[index][:at] + after + lines[index][at:]
    for _ in range(draw(st.integers(0, 2))):
        lines.append(draw(st.sampled_from(["", draw(comment())])))
    return nl.join(lines) + draw(st.sampled_from(["", nl]))


@PROPERTY
@given(screenplays(), st.integers(20, 120), st.sampled_from([None, "absolute", "relative"]))
@example('@0 start "a"\n@3s end\n', 100, None)
@example('@0 start "the"\n@3s interact "the" #\ufeff\n@6s end', 20, None)  # a BOM inside a comment stays
@example('@0 start "the"\n@3s interact "a cat\xa0 wakes up\xa0"\n@6s end', 20, None)  # no line ends in a no-break space
def test_formatting_is_idempotent_and_keeps_the_output_and_the_comments(
        folder: Path, text: str, width: int, normalize: str | None) -> None:
    source = compile_ody(text, folder)
    assert source.ok, source.diagnostics
    assert_formats(text, line_width=width, normalize_times=normalize, folder=folder)


LINE_WORDS = st.sampled_from(["the", "cat", "wakes", "—", "café", "🐈", "windowsill", '"quoted"', "a", "\\u00e9",
                              "a-long-hyphenated-word-that-cannot-be-broken"])


@PROPERTY
@given(st.lists(st.lists(LINE_WORDS, min_size=1, max_size=14).map(" ".join), min_size=2, max_size=6),
       st.integers(20, 100), st.sampled_from(["", "\n", "\n  ", "\n\t"]), st.sampled_from(["\n", "\r\n", "\n\n    "]),
       st.sampled_from(["", "\n"]))
def test_the_writers_line_breaks_stay_and_only_lines_that_are_too_long_are_reflowed(
        lines: list[str], width: int, opening: str, newline: str, closing: str) -> None:
    text = f'@0 start """{opening}{newline.join(lines)}{closing}"""\n@3s end\n'
    assume(compile_ody(text).ok)  # a line that ends with `"` right before the closing quotes
    out = iter(prompt_lines(assert_formats(text, line_width=width)))
    for line in lines:
        if len(INDENT + line) <= width:
            assert next(out) == line
            continue
        pieces = [next(out)]
        while " ".join(pieces) != line:
            pieces.append(next(out))
        assert all(len(INDENT + p) <= width or " " not in p for p in pieces), pieces
    assert next(out, None) is None


@PROPERTY
@given(from_lark(GRAMMAR, start="file", explicit=REALISTIC), st.sampled_from([None, "absolute", "relative"]))
@example('min-gap 1s\norientation "x"\ntitle "t"\n@0 start "a"\nmin-gap "3s"\n@3s end\n', None)
def test_any_text_is_refused_for_its_syntax_errors_or_formatted_with_the_same_diagnostics(
        folder: Path, text: str, normalize: str | None) -> None:
    syntax = [d for d in parse(text).diagnostics if d.code in SYNTAX_CODES]
    try:
        out = format_text(text, normalize_times=normalize)
    except FormatError as error:
        assert list(error.diagnostics) == syntax and syntax
        return
    assert not syntax
    assert assert_formats(text, normalize_times=normalize, folder=folder) == out


# --- the command line --------------------------------------------------------------------------

MESSY = '@0 start   "a cat"\n@3s   interact "it wakes"\n@6s end\n'
TIDY = '@0  start    "a cat"\n@3s interact "it wakes"\n@6s end\n'
BROKEN = '@0 start "a cat\n@3s end\n'


def ody_fmt(*args: str, stdin: bytes | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["fmt", *args], input=stdin)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "messy.ody").write_text(MESSY, encoding="utf-8")
    (tmp_path / "tidy.ody").write_text(TIDY, encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "deep.ody").write_text(MESSY, encoding="utf-8")
    (tmp_path / "sub" / "notes.txt").write_text(MESSY, encoding="utf-8")
    return tmp_path


def test_in_place_rewrites_only_what_changes_and_leaves_no_temporary_file(tree: Path) -> None:
    before = (tree / "tidy.ody").stat().st_mtime_ns
    os.chmod(tree / "messy.ody", 0o640)
    code, out, err = ody_fmt(".")
    assert code == 0 and out == ""
    assert "2 files reformatted, 1 file left unchanged" in err
    assert (tree / "messy.ody").read_text(encoding="utf-8") == TIDY
    assert (tree / "sub" / "deep.ody").read_text(encoding="utf-8") == TIDY
    assert (tree / "sub" / "notes.txt").read_text(encoding="utf-8") == MESSY
    assert (tree / "tidy.ody").stat().st_mtime_ns == before
    assert (tree / "messy.ody").stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tree.rglob("*")) == ["deep.ody", "messy.ody", "notes.txt", "sub", "tidy.ody"]


def test_check_changes_nothing_and_lists_the_files(tree: Path) -> None:
    code, out, _err = ody_fmt("--check", ".")
    assert code == 1
    assert out == f"would reformat messy.ody\nwould reformat {Path('sub/deep.ody')}\n"
    assert (tree / "messy.ody").read_text(encoding="utf-8") == MESSY
    assert ody_fmt("--check", "tidy.ody")[0] == 0


def test_diff_prints_a_unified_diff(tree: Path) -> None:
    code, out, _ = ody_fmt("--diff", "messy.ody", "tidy.ody")
    assert code == 1
    assert out.startswith("--- messy.ody\t(original)\n+++ messy.ody\t(formatted)\n@@ ")
    assert '-@0 start   "a cat"\n' in out and '+@0  start    "a cat"\n' in out and "tidy.ody" not in out
    assert (tree / "messy.ody").read_text(encoding="utf-8") == MESSY
    assert ody_fmt("--diff", "tidy.ody") == (0, "", "1 file already formatted\n")


def test_stdin_to_stdout(tree: Path) -> None:
    assert ody_fmt("-", stdin=MESSY.encode()) == (0, TIDY, "")
    assert ody_fmt("--check", "-", stdin=MESSY.encode())[:2] == (1, "would reformat <stdin>\n")
    code, out, err = ody_fmt("-", "--stdin-filename", "x.ody", stdin=BROKEN.encode())
    assert (code, out) == (3, "") and "x.ody:1:10" in err and "ODY002" in err


def test_syntax_errors_leave_the_file_as_it_was(tree: Path) -> None:
    (tree / "broken.ody").write_text(BROKEN, encoding="utf-8")
    code, _, err = ody_fmt("broken.ody", "messy.ody")
    assert code == 3
    assert "error[ODY002]" in err and "1 file with syntax errors left as it was" in err
    assert (tree / "broken.ody").read_text(encoding="utf-8") == BROKEN
    assert (tree / "messy.ody").read_text(encoding="utf-8") == TIDY


def test_bytes_that_are_not_utf8_are_never_rewritten(tree: Path) -> None:
    (tree / "latin1.ody").write_bytes(b'@0  start "caf\xe9"\n@3s end\n')
    code, _, err = ody_fmt("--format", "gcc", "latin1.ody")
    assert code == 3 and "latin1.ody:1:15: error:" in err and "[ODY006]" in err
    assert (tree / "latin1.ody").read_bytes() == b'@0  start "caf\xe9"\n@3s end\n'


def test_exit_codes_take_the_most_serious_problem(tree: Path) -> None:
    (tree / "broken.ody").write_text(BROKEN, encoding="utf-8")
    assert ody_fmt("--check", "messy.ody")[0] == 1
    assert ody_fmt("--check", "messy.ody", "broken.ody")[0] == 3
    code, _, err = ody_fmt("--check", "missing.ody", "broken.ody", "messy.ody")
    assert code == 2 and "missing.ody: no such file" in err
    assert ody_fmt("--check", "broken.ody", "missing.ody")[0] == 2
    assert ody_fmt("--line-width", "5", "messy.ody")[0] == 2


def test_line_width_comes_from_the_configuration_and_the_flag_overrides_it(tree: Path) -> None:
    long = '@0  start "' + " ".join(["word"] * 12) + '"\n@3s end\n'
    (tree / "sub" / "long.ody").write_text(long, encoding="utf-8")
    (tree / "sub" / "ody.toml").write_text("line-width = 40\n", encoding="utf-8")
    assert ody_fmt("--check", "sub/long.ody")[0] == 1
    assert ody_fmt("--check", "--line-width", "100", "sub/long.ody")[0] == 0
    ody_fmt("sub/long.ody")
    assert '"""' in (tree / "sub" / "long.ody").read_text(encoding="utf-8")
    (tree / "sub" / "ody.toml").write_text("line-width = 4\n", encoding="utf-8")
    code, _, err = ody_fmt("sub/long.ody")
    assert code == 2 and "line-width" in err


def test_normalize_times_flag(tree: Path) -> None:
    (tree / "t.ody").write_text('@0 start "a"\n@3000ms interact "b"\n@+3s end\n', encoding="utf-8")
    assert ody_fmt("--normalize-times", "relative", "-", stdin=(tree / "t.ody").read_bytes())[1] == (
        '@0   start    "a"\n@+3s interact "b"\n@+3s end\n')
    ody_fmt("--normalize-times=absolute", "t.ody")
    assert (tree / "t.ody").read_text(encoding="utf-8") == '@0  start    "a"\n@3s interact "b"\n@6s end\n'


def test_the_installed_command(tree: Path) -> None:
    result = subprocess.run([ODY, "fmt", "--check", "tidy.ody", "messy.ody"], cwd=tree, capture_output=True,
                            env=dict(os.environ, NO_COLOR="1"), timeout=60)
    assert result.returncode == 1 and result.stdout == b"would reformat messy.ody\n"


def test_the_documented_example() -> None:
    docs = (Path(__file__).parent.parent / "docs" / "language.md").read_text(encoding="utf-8")
    before, after = re.findall(r"^```ody\n(.*?)^```", docs[docs.index("\n## Formatting\n"):], re.S | re.M)[:2]
    assert assert_formats(before) == after


def test_wrapping_never_starts_a_line_with_an_at_word_and_keeps_the_writers_breaks() -> None:
    """A long line wrapped before `@tags` would begin a cue: the result was refused and the
    whole prompt fell back to one line far over the width, losing the writer's line breaks."""
    text = ('@0 start """\n    A cat watches the street from the window sill while the rain falls on @tags and'
            ' @more words here\n    second line\n"""\n@3s end\n')
    out = format_text(text, line_width=40)
    assert "    second line\n" in out and not any(line.lstrip().startswith("@t") for line in out.splitlines())
    assert compile_text(out).ok and compile_text(out).script_json() == compile_text(text).script_json()


def test_a_prompt_whose_fold_would_end_on_an_empty_line_stays_on_one_line() -> None:
    """Found by the decompile round trip at 5,000 examples: a long prompt ending in a space,
    wrapped to the width, left an empty last line, and fmt raised IndexError."""
    text = '@0 start "' + "0" * 54 + "\\u001f" * 7 + ' "\n@3s end\n'
    assert assert_formats(text) == '@0  start "' + "0" * 54 + "\\u001f" * 7 + ' "\n@3s end\n'
