"""`ody check` (odyssey_dsl.jsoncheck): hand-written script JSON judged by the screenplay rules,
with positions pointing into the JSON text."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path
from unittest.mock import patch

import pytest
from conftest import NOWHERE, data_url, only, png_bytes
from hypothesis import given
from hypothesis import strategies as st
from test_jsonpos import SCRIPTS

from odyssey_dsl import CODES, Diagnostic, Span, jsoncheck, jsonpos
from odyssey_dsl.jsoncheck import check_json

START = '{"timestamp_ms": 0, "start": {"prompt": "a"}}'
END = '{"timestamp_ms": 3000, "end": {}}'
SCRIPT = f"[{START}, {END}]"


def check(text: str | bytes, folder: Path | None = None, ignore: frozenset[str] = frozenset()) -> list[Diagnostic]:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return list(check_json(data, folder or NOWHERE.parent, ignore).diagnostics)


# --- the three shapes -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        SCRIPT,
        f"[{SCRIPT}, {SCRIPT}]",
        f'{{"script": {SCRIPT}, "portrait": true, "output_video": true}}',
        f'{{"scripts": [{SCRIPT}], "portrait": false, "bypass_vlm_expansion": true}}',
        '[{"timestamp_ms": 0, "start": {"prompt": "a", "image": null}}, ' + END + "]",
        "\ufeff" + SCRIPT,
        " \n\t" + SCRIPT + "\n",
    ],
)
def test_valid_json(text: str) -> None:
    assert check(text) == []


def test_the_compiler_output_checks_clean(tmp_path: Path) -> None:
    from conftest import compile_ody

    (tmp_path / "p.png").write_bytes(png_bytes())
    result = compile_ody('@0 start "a \\"q\\" é" image "p.png"\n@3s interact "b"\n@1m end', tmp_path)
    assert check(result.script_json()) == []
    assert check(result.request_json()) == []


# --- shape problems (ODY302) --------------------------------------------------------------------


def test_unknown_key_in_a_request_with_did_you_mean() -> None:
    d = only(check(f'{{"scrpt": {SCRIPT}}}'), "ODY302")
    assert d.message == "unknown key `scrpt` in request body"
    assert d.help == "did you mean `script`?"
    assert d.span == Span(1, 2, 1, 9)


def test_unknown_key_in_an_entry_with_did_you_mean() -> None:
    text = f'[{START},\n {{"timestamp_ms": 3000, "ned": {{}}}}]'
    d = only(check(text), "ODY302")
    assert d.message == "unknown key `ned` in script[1]"
    assert d.help == "did you mean `end`?"
    assert d.span == Span(2, 25, 2, 30)


def test_unknown_key_in_an_action() -> None:
    d = only(check(f'[{{"timestamp_ms": 0, "start": {{"promt": "a"}}}}, {END}]'), "ODY302")
    assert d.message == "unknown key `promt` in `start`"
    assert d.help == "did you mean `prompt`?"


def test_image_is_only_for_start() -> None:
    d = only(check(f'[{START}, {{"timestamp_ms": 3000, "interact": {{"prompt": "b", "image": "x"}}}}, {END}]'), "ODY302")
    assert "unknown key `image`" in d.message


@pytest.mark.parametrize("value", ["3000.5", '"3000"', "1e3", "3.0e3", "-1", "true", "null"])
def test_non_integer_timestamp(value: str) -> None:
    text = f'[{START},\n {{"timestamp_ms": {value}, "end": {{}}}}]'
    d = only(check(text), "ODY302")
    assert "`timestamp_ms` must be a whole number" in d.message
    assert d.span == Span(2, 19, 2, 19 + len(value))


def test_two_actions() -> None:
    text = f'[{START},\n {{"timestamp_ms": 3000, "end": {{}}, "interact": {{"prompt": "x"}}}}]'
    d = only(check(text), "ODY302")
    assert "exactly one of `start`, `interact` and `end`" in d.message
    assert d.span == Span(2, 2, 2, 64)


def test_missing_timestamp() -> None:
    d = only(check(f'[{START}, {{"end": {{}}}}]'), "ODY302")
    assert d.message == "script[1] has no `timestamp_ms`"


def test_missing_prompt() -> None:
    d = only(check(f'[{{"timestamp_ms": 0, "start": {{}}}}, {END}]'), "ODY302")
    assert "no `prompt`" in d.message


def test_entry_is_not_an_object() -> None:
    d = only(check(f"[{START}, 1, {END}]"), "ODY302")
    assert d.message.startswith("script[1] must be an object")
    assert d.span.column == len(START) + 4


def test_not_a_script() -> None:
    d = only(check('"x"'), "ODY302")
    assert d.span == Span(1, 1, 1, 4)


def test_request_with_two_script_fields() -> None:
    d = only(check(f'{{"script": {SCRIPT}, "scripts": [{SCRIPT}]}}'), "ODY302")
    assert "exactly one of" in d.message


def test_request_flag_must_be_a_boolean() -> None:
    d = only(check(f'{{"script": {SCRIPT}, "portrait": "yes"}}'), "ODY302")
    assert d.message == "`portrait` must be true or false"


def test_duplicate_key_is_a_shape_problem_not_an_exception() -> None:
    d = only(check('[{"timestamp_ms": 0, "timestamp_ms": 1, "start": {"prompt": "a"}}]'), "ODY302")
    assert "appears twice" in d.message
    assert d.span == Span(1, 22, 1, 36)


def test_lone_surrogate_escape_is_a_diagnostic_not_an_exception() -> None:
    text = '[{"timestamp_ms": 0, "start": {"prompt": "\\ud800"}}, ' + END + "]"
    d = only(check(text), "ODY302")
    assert "lone surrogate" in d.message


# --- invalid JSON (ODY301) ----------------------------------------------------------------------


def test_invalid_json_missing_comma() -> None:
    text = f'[{START},\n {{"timestamp_ms": 3000 "end": {{}}}}]'
    d = only(check(text), "ODY301")
    assert d.message.startswith("invalid JSON")
    assert d.span == Span(2, 24, 2, 25)


def test_invalid_json_extra_bracket() -> None:
    d = only(check(f"[{START},\n {END}]]"), "ODY301")
    assert d.span == Span(2, 36, 2, 37)


def test_invalid_json_ends_early() -> None:
    text = f'[{START},\n {{"timestamp_ms": 3000, "end": {{}}'
    d = only(check(text), "ODY301")
    assert "ends before" in d.message
    assert d.span == Span(2, 34, 2, 35)


@pytest.mark.parametrize("text", ["", "   ", "[", "{", "nul", "[1,]", "{'a': 1}", "\x00"])
def test_invalid_json_small(text: str) -> None:
    d = only(check(text), "ODY301")
    assert d.span.line == 1


def test_invalid_escape_in_a_json_string_is_invalid_json() -> None:
    text = '[{"timestamp_ms": 0, "start": {"prompt": "\\x"}}, ' + END + "]"
    d = only(check(text), "ODY301")
    assert d.span.line == 1


def test_lines_end_only_at_line_feeds_and_carriage_returns() -> None:
    """U+2028, U+0085 and a form feed in a string break no line (as in the compiler and editors);
    a lone carriage return does."""
    ends_early = '["a\u2028b\x85c",\n 1'
    d = only(check(ends_early), "ODY301")
    assert "ends before" in d.message
    assert d.span == Span(2, 3, 2, 4)
    form_feed = '["a\u2028b",\n "c\x0cd"]'
    d = only(check(form_feed), "ODY301")
    assert d.span == Span(2, 4, 2, 5)
    carriage_return = '["\u2028\x85",\r 1 x]'
    d = only(check(carriage_return), "ODY301")
    assert d.span == Span(2, 4, 2, 5)
    shape = f'[{START},\r\n {{"timestamp_ms": 3000, "prompt": "\u2028", "ned": {{}}}}]'
    d = only(check(shape), "ODY302")
    assert d.span == Span(2, 25, 2, 33)


def test_a_control_character_in_a_string_is_pointed_at() -> None:
    d = only(check('[{"timestamp_ms": 0, "start": {"prompt": "a\tb"}}]'), "ODY301")
    assert d.message == "invalid JSON: unexpected character '\\t' in a string"
    assert d.span == Span(1, 44, 1, 45)


def test_not_utf8() -> None:
    d = only(check(b"\xff" + SCRIPT.encode()), "ODY006")
    assert d.span == Span(1, 1, 1, 2)


# --- the screenplay rules, placed in the JSON ------------------------------------------------------


def test_ody102_points_at_the_timestamp_value() -> None:
    text = (
        "[" + START + ",\n"
        '  {"timestamp_ms": 5000, "interact": {"prompt": "b"}},\n'
        '  {"timestamp_ms": 4000, "end": {}}]'
    )
    d = only(check(text), "ODY102")
    assert d.span == Span(3, 20, 3, 24)
    assert [r.span for r in d.related] == [Span(2, 3, 2, 54)]
    # A fix in JSON writes a number, not a screenplay time.
    assert [(f.span, f.replacement) for f in d.fixes] == [(Span(3, 20, 3, 24), "8000")]


def test_missing_end_and_short_gap() -> None:
    text = "[" + START + ',\n  {"timestamp_ms": 1000, "interact": {"prompt": "b"}}]'
    found = check(text)
    assert [(d.code, d.span) for d in found] == [("ODY103", Span(2, 3, 2, 54)), ("ODY201", Span(2, 20, 2, 24))]
    assert found[0].fixes == ()


def test_ody101_and_ody106() -> None:
    text = '[{"timestamp_ms": 1000, "start": {"prompt": " "}}, {"timestamp_ms": 9000, "end": {}}]'
    assert [d.code for d in check(text)] == ["ODY101", "ODY106"]


def test_empty_script() -> None:
    d = only(check("[]"), "ODY101")
    assert d.span == Span(1, 1, 1, 3)


def test_each_script_of_a_batch_is_checked() -> None:
    bad = '[{"timestamp_ms": 0, "start": {"prompt": "a"}}]'
    found = check(f"[{SCRIPT},\n{bad}]")
    d = only(found, "ODY103")
    assert d.span.line == 2


def test_a_broken_entry_hides_the_missing_end() -> None:
    text = f'[{START}, {{"timestamp_ms": 3000, "ned": {{}}}}]'
    assert [d.code for d in check(text)] == ["ODY302"]


def test_images_are_checked(tmp_path: Path) -> None:
    (tmp_path / "p.png").write_bytes(png_bytes())
    good = data_url("image/png", png_bytes())
    assert check(f'[{{"timestamp_ms": 0, "start": {{"prompt": "a", "image": "{good}"}}}}, {END}]') == []
    assert check(f'[{{"timestamp_ms": 0, "start": {{"prompt": "a", "image": "p.png"}}}}, {END}]', tmp_path) == []
    d = only(check(f'[{{"timestamp_ms": 0, "start": {{"prompt": "a", "image": "nope.png"}}}}, {END}]', tmp_path), "ODY107")
    assert d.span == Span(1, 56, 1, 66)


def test_entries_are_placed_and_name_the_diagnostics() -> None:
    text = f'{{"script": [{START},\n  {{"timestamp_ms": 3000, "interact": {{"prompt": "b"}}}},\n  {END}]}}'
    result = check_json(text.encode(), NOWHERE.parent)
    cue = dict(result.entries)["script[1]"]
    assert (cue.action, cue.time.ms, cue.span, cue.keyword) == ("interact", 3000, Span(2, 3, 2, 54), Span(2, 26, 2, 36))
    assert cue.prompt is not None and (cue.prompt.raw, cue.prompt.span) == ('"b"', Span(2, 49, 2, 52))
    d = only(result.diagnostics, "ODY102")
    entry = result.entry_of(d)
    assert entry is not None and entry[0] == "script[2]" and entry[1].span.line == 3


@given(SCRIPTS)
def test_usual_entries_are_checked_as_any_other(text: str) -> None:
    """Entries read at once (see jsonpos) get the diagnostics of entries read token by token."""
    data = text.encode("utf-8", "surrogatepass")  # a lone surrogate is not UTF-8: ODY006
    fast = check(data)
    with patch.object(jsoncheck, "read", partial(jsonpos.read, usual=False)):
        assert check(data) == fast


def test_ignore_setting() -> None:
    text = "[" + START + ', {"timestamp_ms": 1000, "end": {}}]'
    assert [d.code for d in check(text)] == ["ODY201"]
    assert check(text, ignore=frozenset({"ODY201"})) == []


# --- absurd input -------------------------------------------------------------------------------


def test_deeply_nested_arrays_do_not_crash() -> None:
    depth = 100_000
    d = only(check("[" * depth + "]" * depth), "ODY302")
    assert d.span.line == 1


def test_deeply_nested_unclosed_arrays_do_not_crash() -> None:
    d = only(check("[" * 100_000), "ODY301")
    assert d.span == Span(1, 100_001, 1, 100_002)


def test_deeply_nested_objects_do_not_crash() -> None:
    depth = 50_000
    assert [d.code for d in check('{"a":' * depth + "1" + "}" * depth)] == ["ODY302"]


JSONISH = st.lists(
    st.sampled_from([
        "[", "]", "{", "}", ",", ":", '"timestamp_ms"', '"start"', '"end"', '"interact"', '"prompt"',
        '"image"', '"script"', '"scripts"', '"portrait"', "0", "3000", "-1", "1.5", "1e3", "true", "null",
        '"a"', '"\\x"', '"\\ud800"', '"\\ud83d\\ude00"', '"\\u00e9"', " ", "\n", "\r", '"',
    ]),
    max_size=40,
).map("".join)


def _well_placed(d: Diagnostic) -> bool:
    return d.code in CODES and d.span.line >= 1 and d.span.column >= 1 and (
        (d.span.line, d.span.column) <= (d.span.end_line, d.span.end_column))


@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    assert all(_well_placed(d) for d in check(data))


@given(JSONISH)
def test_json_like_text_never_raises(text: str) -> None:
    found = check(text)
    assert all(_well_placed(d) for d in found)
    try:
        json.loads(text)
    except ValueError:
        assert found, f"{text!r} is not JSON but nothing was reported"


# --- ODY303: timestamps in seconds ---------------------------------------------------------------


def _in_seconds(*times: int) -> str:
    entries = [f'{{"timestamp_ms": {times[0]}, "start": {{"prompt": "a"}}}}']
    entries += [f'{{"timestamp_ms": {t}, "interact": {{"prompt": "b"}}}}' for t in times[1:-1]]
    entries.append(f'{{"timestamp_ms": {times[-1]}, "end": {{}}}}')
    return "[\n  " + ",\n  ".join(entries) + "\n]"


def test_ody303_timestamps_that_look_like_seconds_get_one_warning_instead_of_short_gaps() -> None:
    d = only(check(_in_seconds(0, 4, 8)), "ODY303")
    assert d.message == "these timestamps look like seconds: timestamps are in milliseconds"
    assert d.help == "multiply them by 1000 (8 seconds is 8000)"
    assert d.span == Span(4, 20, 4, 21) and not d.is_error  # the last timestamp


@pytest.mark.parametrize("times", [(0, 3000, 6000), (0, 100, 200), (0, 4, 8, 601), (0, 0)])
def test_ody303_not_for_milliseconds_or_long_gaps(times: tuple[int, ...]) -> None:
    assert "ODY303" not in [d.code for d in check(_in_seconds(*times))]


def test_ody303_once_per_script_of_a_batch_and_errors_stay() -> None:
    found = check(f"[{_in_seconds(0, 4, 4, 8)}, {_in_seconds(0, 5, 9)}]")
    assert [d.code for d in found] == ["ODY102", "ODY303", "ODY303"]
    assert check(_in_seconds(0, 4, 8), ignore=frozenset({"ODY303"})) == []


# --- the settings and the request's orientation ----------------------------------------------------


def test_ody202_at_the_max_duration_setting() -> None:
    text = '[{"timestamp_ms": 0, "start": {"prompt": "a"}}, {"timestamp_ms": 150001, "end": {}}]'
    assert [d.code for d in check(text)] == ["ODY202"]
    assert check_json(text.encode(), NOWHERE.parent, frozenset(), max_duration_ms=300_000).diagnostics == ()


def test_ody207_only_when_the_request_says_how_the_video_is_shaped() -> None:
    wide = data_url("image/png", png_bytes(16, 9))
    script = f'[{{"timestamp_ms": 0, "start": {{"prompt": "a", "image": "{wide}"}}}}, {END}]'
    assert check(script) == []  # a bare script: sent portrait or landscape, who knows
    assert [d.code for d in check(f'{{"script": {script}}}')] == ["ODY207"]  # portrait by default
    assert check(f'{{"script": {script}, "portrait": false}}') == []
