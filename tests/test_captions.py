"""Captions: one cue per prompt until the next cue, in WebVTT and SubRip, read back by an
independent parser (webvtt-py) and by our own reader; and prompts read from events files."""

from __future__ import annotations

import html
import itertools
import json

import webvtt
from hypothesis import given
from hypothesis import strategies as st

from odyssey_dsl.captions import Caption, captions, from_events, lines, read_vtt, srt, vtt
from odyssey_dsl.compiler import compile_text
from odyssey_dsl.emit import Entry

WINDOW_CAT = """title "Window cat"
style "film grain"
@0 start "A ginger cat dozes"
@3s interact "The cat wakes & looks <outside>"
@+3s interact "A sparrow --> lands"
@9s end
"""


def test_a_compiled_screenplay_has_one_caption_per_prompt_until_the_next_cue() -> None:
    result = compile_text(WINDOW_CAT)
    assert result.scripts is not None
    cues = captions(result.scripts[0])
    assert [(c.start_ms, c.end_ms) for c in cues] == [(0, 3000), (3000, 6000), (6000, 9000)]
    assert cues[0].text == result.scripts[0][0].prompt  # the prompt as sent: the style included
    assert "film grain" in cues[0].text


def test_the_webvtt_file_escapes_what_the_format_reserves_and_times_cues_to_the_millisecond() -> None:
    text = vtt([Caption(0, 3000, "a & b"), Caption(3000, 3_725_042, "x <b> --> y")])
    assert text == ("WEBVTT\n\n00:00:00.000 --> 00:00:03.000\na &amp; b\n\n"
                    "00:00:03.000 --> 01:02:05.042\nx &lt;b&gt; --&gt; y\n")


def test_blank_lines_in_a_prompt_do_not_end_its_cue() -> None:
    text = vtt([Caption(0, 1000, "one\n\n  \r\ntwo\rthree"), Caption(1000, 2000, "next")])
    parsed = webvtt.from_string(text)
    assert [c.text for c in parsed.captions] == ["one\ntwo\nthree", "next"]


def test_subrip_numbers_cues_and_uses_a_comma_before_the_milliseconds() -> None:
    assert srt([Caption(0, 1500, "a\n\nb"), Caption(1500, 2000, "c")]) == (
        "1\n00:00:00,000 --> 00:00:01,500\na\nb\n\n2\n00:00:01,500 --> 00:00:02,000\nc\n")
    assert srt([]) == ""


def test_control_characters_are_shown_as_the_replacement_character_in_both_formats() -> None:
    cue = Caption(0, 1000, "a\x00b \x1b[31mred\x1b[0m\tc\x7f\x85d\x9be")
    shown_as = "a\ufffdb \ufffd[31mred\ufffd[0m\tc\ufffd\ufffdd\ufffde"
    assert lines(cue.text) == [shown_as]
    assert srt([cue]) == f"1\n00:00:00,000 --> 00:00:01,000\n{shown_as}\n"
    assert vtt([cue]) == f"WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n{shown_as}\n"


def test_a_prompt_with_no_time_on_screen_has_no_caption() -> None:
    entries = [Entry(0, "start", "a"), Entry(0, "interact", "b"), Entry(500, "end")]
    assert captions(entries) == [Caption(0, 500, "b")]


prompts = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40)


def shown(text: str) -> str:
    """What a player shows of a prompt: its non-blank lines (control characters already U+FFFD)."""
    return "\n".join(lines(text))


CONTROLS = {chr(c) for c in (*range(0x20), *range(0x7F, 0xA0))} - {"\t"}


@st.composite
def cue_lists(draw: st.DrawFn) -> list[Caption]:
    times = sorted(set(draw(st.lists(st.integers(0, 10**8), min_size=1, max_size=8))))
    if len(times) < 2:
        times.append(times[0] + 1)
    return [Caption(a, b, draw(prompts)) for a, b in itertools.pairwise(times)]


@given(cue_lists())
def test_any_prompts_make_a_webvtt_file_another_parser_reads_cue_for_cue(cues: list[Caption]) -> None:
    text = vtt(cues)
    parsed = webvtt.from_string(text).captions
    assert len(parsed) == len(cues)
    for cue, read in zip(cues, parsed, strict=True):
        assert (read.start_in_seconds * 1000 + int(read.start[-3:]), read.end_in_seconds * 1000 + int(read.end[-3:])) \
            == (cue.start_ms, cue.end_ms)
        assert html.unescape(read.raw_text) == shown(cue.text)


@given(cue_lists())
def test_our_reader_gives_back_what_the_writer_wrote(cues: list[Caption]) -> None:
    assert read_vtt(vtt(cues)) == [c._replace(text=shown(c.text)) for c in cues]


@given(st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40).map(
    lambda text: text + "".join(sorted(CONTROLS))[: len(text) % 8]))
def test_no_caption_line_holds_a_control_character_but_tab(text: str) -> None:
    for line in lines(text):
        assert not CONTROLS & set(line)
    for written in (vtt([Caption(0, 1, text)]), srt([Caption(0, 1, text)])):
        assert not (CONTROLS - {"\n"}) & set(written)


@given(cue_lists())
def test_no_cue_text_line_is_blank_or_holds_an_arrow(cues: list[Caption]) -> None:
    body = vtt(cues).rstrip("\n").split("\n\n")[1:]
    for block in body:
        timing, *text = block.split("\n")
        assert "-->" in timing
        assert all(line.strip() and "-->" not in line for line in text)


def test_the_emulator_events_give_the_prompts_back() -> None:
    events = {"version": 1, "cues": [
        {"index": 0, "action": "start", "timestamp_ms": 0, "frame": 0, "prompt": "a", "has_image": False},
        {"index": 1, "action": "interact", "timestamp_ms": 3000, "frame": 75, "prompt": "b"},
        {"index": 2, "action": "end", "timestamp_ms": 9000, "frame": 225}]}
    assert from_events(json.dumps(events).encode()) == [Caption(0, 3000, "a"), Caption(3000, 9000, "b")]


def test_json_lines_events_with_prompts_are_read_and_the_duration_closes_the_last() -> None:
    data = b'{"timestamp_ms": 0, "prompt": "a"}\nnot json\n{"timestamp_ms": 2000, "prompt": "b"}\n'
    assert from_events(data, duration_ms=5000) == [Caption(0, 2000, "a"), Caption(2000, 5000, "b")]


def test_events_that_name_no_prompt_give_no_captions() -> None:
    assert from_events(b'{"timestamp_ms": 0, "kind": "frame"}\n') is None
    assert from_events(b"\xff\xfe") is None
    assert from_events(b"[]") is None


@given(st.binary(max_size=200))
def test_reading_events_never_raises(data: bytes) -> None:
    result = from_events(data, 1000)
    assert result is None or all(c.end_ms > c.start_ms for c in result)


def test_events_nested_deeper_than_python_s_stack_give_no_captions() -> None:
    """json.loads raised RecursionError out of `ody download` once the files were on disk."""
    assert from_events(b"[" * 100_000) is None
    assert from_events(b"[" * 100_000 + b"\n" + b'{"timestamp_ms": 0, "prompt": "a"}', 1000) == [Caption(0, 1000, "a")]


@given(cue_lists())
def test_a_subrip_text_line_never_holds_an_arrow_a_reader_takes_for_a_timing(cues: list[Caption]) -> None:
    """FFmpeg's SubRip reader dropped a cue whose text read `00:00:05,000 --> 00:00:08,000 a cat`."""
    for block in srt(cues).rstrip("\n").split("\n\n") if cues else []:
        number, timing, *text = block.split("\n")
        assert number.isdigit() and " --> " in timing
        assert all("-->" not in line for line in text)


def test_an_arrow_in_a_prompt_is_written_as_a_short_one_in_subrip() -> None:
    assert srt([Caption(0, 1000, "00:00:05,000 --> 00:00:08,000 a cat")]) == (
        "1\n00:00:00,000 --> 00:00:01,000\n00:00:05,000 -> 00:00:08,000 a cat\n")
