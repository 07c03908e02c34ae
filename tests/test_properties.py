"""Whole-pipeline properties: text generated from the grammar always compiles to output or to
diagnostics, never to an exception; valid screenplays built by hand compile cleanly to the
JSON entries they describe."""

from __future__ import annotations

import json
from dataclasses import dataclass

from conftest import compile_ody, data_url, png_bytes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.lark import from_lark
from lark import Lark

from odyssey_dsl import CODES, Compilation, Diagnostic
from odyssey_dsl.grammar import grammar_path
from odyssey_dsl.strings import quote
from odyssey_dsl.times import format_clock, format_ms

GRAMMAR = Lark(grammar_path().read_text(encoding="utf-8"), start="file")


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

# Realistic terminals: keywords surrounded by spaces so that the tokens stay apart, times and
# values both valid and not, strings with any content.
REALISTIC = {
    "TIME": st.one_of(
        st.sampled_from(["0", "3s", "+3s", "1:30", "1m30s", "250ms", "3", "1.0005s", "3sec", "x", ""]),
        st.integers(0, 10**6).map(format_ms),
        st.integers(0, 10**6).map(lambda ms: "+" + format_ms(ms)),
    ).map(lambda t: "@" + t),
    "STRING": SMALL_TEXT.map(lambda s: " " + quote(s) + " "),
    "LONG_STRING": SMALL_TEXT.filter(lambda s: '"' not in s and "\\" not in s).map(lambda s: ' """' + s + '""" '),
    "WORD": st.sampled_from(["portrait", "landscape", "on", "off", "3s", "0", "sideways", "+1s", "x"]),
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
    "SCENE": st.just("scene "),
    "_NEWLINE": st.sampled_from(["\n", "\r\n", "\r"]),
}


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
@given(from_lark(GRAMMAR, start="file", alphabet=st.characters(codec="utf-8", max_codepoint=0x2FFF)))
def test_text_from_the_grammar_never_raises(text: str) -> None:
    assert_sound(compile_ody(text))


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
@given(from_lark(GRAMMAR, start="file", explicit=REALISTIC))
def test_realistic_text_from_the_grammar_never_raises(text: str) -> None:
    assert_sound(compile_ody(text))
    assert_sound(compile_ody(text.encode("utf-8")))


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


@dataclass
class Expected:
    text: str
    scripts: list[list[dict[str, object]]]
    batch: bool
    portrait: bool
    expansion: bool


@st.composite
def prompts(draw: st.DrawFn) -> tuple[str, str]:
    """(literal as written, its value): a quoted string or a folded `\"\"\"` one."""
    if draw(st.booleans()):
        value = draw(st.text(st.characters(blacklist_categories=["Cs"]), min_size=1, max_size=20).filter(
            lambda s: s.strip() != ""))
        return quote(value), value
    words = draw(st.lists(WORD, min_size=1, max_size=4))
    breaks = draw(st.lists(st.sampled_from(["\n", "\n    ", " \r\n\t", "\r"]), min_size=len(words) + 1,
                           max_size=len(words) + 1))
    # A line of a `"""` string that begins with `@` would begin a cue: the writer escapes it.
    raw = breaks[0] + "".join(("\\u0040" + w[1:] if w.startswith("@") else w) + b for w, b in zip(words, breaks[1:]))
    return '"""' + raw + '"""', " ".join(words)


@st.composite
def times(draw: st.DrawFn, previous: int | None, ms: int) -> str:
    """A time for a cue at `ms`, in one of the ways a writer may spell it."""
    forms = [format_ms(ms), format_clock(ms)]
    if previous is not None:
        forms.append("+" + format_ms(ms - previous))
    if ms == 0:
        forms += ["0s", "0:00"]
    return "@" + draw(st.sampled_from(forms))


@st.composite
def script_lines(draw: st.DrawFn, min_gap: int) -> tuple[list[str], list[dict[str, object]]]:
    count = draw(st.integers(min_value=0, max_value=6))  # interact cues between start and end
    gap_size = st.integers(min_value=max(min_gap, 1), max_value=20_000)
    gaps = draw(st.lists(gap_size, min_size=count + 1, max_size=count + 1))
    lines: list[str] = []
    entries: list[dict[str, object]] = []
    literal, value = draw(prompts())
    start = f"{draw(times(None, 0))} start {literal}"
    body: dict[str, object] = {"prompt": value}
    if draw(st.booleans()):
        start += f' image "{IMAGE_URL}"'
        body["image"] = IMAGE_URL
    lines.append(start)
    entries.append({"timestamp_ms": 0, "start": body})
    now = 0
    for gap in gaps[:-1]:
        literal, value = draw(prompts())
        lines.append(f"{draw(times(now, now + gap))} interact {literal}")
        now += gap
        entries.append({"timestamp_ms": now, "interact": {"prompt": value}})
    end = now + gaps[-1]
    lines.append(f"{draw(times(now, end))} end")
    entries.append({"timestamp_ms": end, "end": {}})
    # Decorations that change nothing: comments, blank lines, indentation.
    out: list[str] = []
    for line in lines:
        if draw(st.booleans()):
            out.append(draw(st.sampled_from(["", "# a note", "   ", "\t# indented note"])))
        indent = draw(st.sampled_from(["", "  ", "\t"]))
        comment = draw(st.sampled_from(["", "  # why", " # ody: ignore[ODY201]"]))
        out.append(indent + line + comment)
    return out, entries


@st.composite
def screenplays(draw: st.DrawFn) -> Expected:
    lines: list[str] = []
    portrait = draw(st.booleans())
    expansion = draw(st.booleans())
    min_gap = draw(st.sampled_from([0, 1000, 3000]))
    if draw(st.booleans()):
        lines.append(f"title {quote(draw(st.text(max_size=10)))}")
    if not portrait or draw(st.booleans()):
        lines.append(f"orientation {'portrait' if portrait else 'landscape'}")
    if not expansion or draw(st.booleans()):
        lines.append(f"prompt-expansion {'on' if expansion else 'off'}")
    if min_gap != 3000 or draw(st.booleans()):
        lines.append(f"min-gap {format_ms(min_gap)}")
    batch = draw(st.booleans())
    scripts: list[list[dict[str, object]]] = []
    for index in range(draw(st.integers(1, 3)) if batch else 1):
        if batch:
            lines.append(f"scene {quote(f'scene {index}')}")
        script, entries = draw(script_lines(max(min_gap, 3000 if draw(st.booleans()) else min_gap)))
        lines.extend(script)
        scripts.append(entries)
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    text = newline.join(lines) + draw(st.sampled_from(["", newline]))
    return Expected(text, scripts, batch, portrait, expansion)


@given(screenplays())
def test_valid_screenplays_compile_cleanly(play: Expected) -> None:
    result = compile_ody(play.text)
    assert result.diagnostics == (), play.text
    assert result.batch == play.batch
    output = json.loads(result.script_json())
    assert output == (play.scripts if play.batch else play.scripts[0])
    request = json.loads(result.request_json())
    assert request["portrait"] is play.portrait
    assert request.get("bypass_vlm_expansion", False) is (not play.expansion)
    assert request["scripts" if play.batch else "script"] == output


@given(screenplays())
def test_valid_screenplays_from_bytes_with_a_bom(play: Expected) -> None:
    result = compile_ody(b"\xef\xbb\xbf" + play.text.encode("utf-8"))
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
