"""The rules (odyssey_dsl.checks): for each code a failing and a passing screenplay, with the
exact place, the key words, the fix and the related location; the broken-line rule;
suppressions; scenes; images; and diagnostics that stay equal when lines move."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import codes, compile_ody, data_url, diags, only, png_bytes

from odyssey_dsl import Diagnostic, Settings, Span

OK = '@0 start "a cat"\n@3s interact "it jumps"\n@6s end\n'


def test_a_correct_screenplay_has_no_diagnostics() -> None:
    assert diags(OK) == []


def fixes(d: Diagnostic) -> list[tuple[Span, str]]:
    return [(f.span, f.replacement) for f in d.fixes]


def related(d: Diagnostic) -> list[Span]:
    return [r.span for r in d.related]


# --- ODY101: begins with start at 0 ----------------------------------------------------------


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", 'title "T"\n'])
def test_ody101_no_cues(text: str) -> None:
    d = only(diags(text), "ODY101")
    assert d.message == "there are no cues"
    assert d.span == Span(1, 1, 1, 1)
    assert d.is_error


def test_ody101_first_cue_is_not_start() -> None:
    d = only(diags('@0 interact "a"\n@3s end'), "ODY101")
    assert "must begin with `start`" in d.message
    assert d.span == Span(1, 1, 1, 16)


def test_ody101_start_not_at_zero() -> None:
    d = only(diags('@1s start "a"\n@4s end'), "ODY101")
    assert d.message == "the first cue must be at 0, not at 1s"
    assert d.span == Span(1, 1, 1, 4)
    assert fixes(d) == [(Span(1, 1, 1, 4), "@0")]


@pytest.mark.parametrize("zero", ["@0", "@0s", "@0ms", "@0:00", "@0:00:00.000"])
def test_ody101_passes_with_any_spelling_of_zero(zero: str) -> None:
    assert diags(f'{zero} start "a"\n@3s end') == []


# --- ODY102: later than the cue before --------------------------------------------------------


def test_ody102_same_time() -> None:
    d = only(diags('@0 start "a"\n@3s interact "b"\n@3s end'), "ODY102")
    assert d.message == "this cue is at the same time as the cue before it (3s)"
    assert d.span == Span(3, 1, 3, 4)
    assert related(d) == [Span(2, 1, 2, 17)]
    assert "previous cue" in d.related[0].message
    assert fixes(d) == [(Span(3, 1, 3, 4), "@6s")]


def test_ody102_out_of_order_points_at_the_previous_cue_not_its_line() -> None:
    text = '@0 start "a"\n\n\n\n\n\n@9s interact "b"\n@4s end'
    d = only(diags(text), "ODY102")
    assert d.span == Span(8, 1, 8, 4)
    assert "comes before" in d.message
    assert related(d) == [Span(7, 1, 7, 17)]
    for words in (d.message, d.help or ""):
        assert "line" not in words and "7" not in words
    assert fixes(d) == [(Span(8, 1, 8, 4), "@12s")]


def test_ody102_fix_with_min_gap_zero_leaves_the_usual_gap() -> None:
    """`min-gap 0` allows any gap, but a suggestion 1 ms later is no suggestion: the fix leaves
    the usual 3 s, as ODY103's does."""
    d = only(diags('min-gap 0\n@0 start "a"\n@3s interact "b"\n@2s end'), "ODY102")
    assert fixes(d) == [(Span(4, 1, 4, 4), "@6s")]


def test_ody102_same_time_even_with_min_gap_zero() -> None:
    # `min-gap 0` turns off the short-gap warning, never the ordering rule.
    d = only(diags('min-gap 0\n@0 start "a"\n@3s interact "b"\n@3s end'), "ODY102")
    assert d.span == Span(4, 1, 4, 4)
    assert fixes(d) == [(Span(4, 1, 4, 4), "@6s")]
    assert codes('min-gap 0\n@0 start "a"\n@0 end') == ["ODY102"]


def test_ody102_suggests_a_time_between_the_previous_and_the_next_cue() -> None:
    """Cues at 3 s, 3 s, 6 s: `@6s` would collide with the next cue; the middle does not."""
    d = only(diags('@0 start "a"\n@3s interact "b"\n@3s interact "c"\n@6s end'), "ODY102")
    assert fixes(d) == [(Span(3, 1, 3, 4), "@4.5s")]
    assert d.help == "cues must be in time order: make it later than 3s and earlier than 6s, e.g. `@4.5s`"


def test_ody102_keeps_min_gap_on_both_sides_when_there_is_room() -> None:
    d = only(diags('@0 start "a"\n@6s interact "b"\n@2s interact "c"\n@20s end'), "ODY102")
    assert fixes(d)[0] == (Span(3, 1, 3, 4), "@9s")


def test_ody102_says_when_there_is_no_room_and_offers_no_fix() -> None:
    d = only(diags('min-gap 0\n@0 start "a"\n@3s interact "b"\n@3s interact "c"\n@3.001s end'), "ODY102")
    assert d.fixes == ()
    assert d.help == "there is no time between 3s and 3.001s for it: move the cues after it later first"


def test_ody102_a_cue_between_the_two_above_may_be_a_swapped_line() -> None:
    text = '@0 start "a"\n@6s interact "b"  # second\n@4s interact "c"  # first\n@9s end'
    d = only(diags(text), "ODY102")
    assert fixes(d) == [(Span(3, 1, 3, 4), "@7.5s"),
                        (Span(2, 1, 3, 26), '@4s interact "c"  # first\n@6s interact "b"  # second')]
    assert d.help is not None and d.help.endswith("; or, if the two lines are in the wrong order, swap them")


def test_ody102_no_swap_when_the_cue_is_earlier_than_both_above() -> None:
    d = only(diags('@0 start "a"\n@3s interact "b"\n@6s interact "c"\n@2s interact "d"\n@9s end'), "ODY102")
    assert [f.title for f in d.fixes] == ["Replace with `@7.5s`"]


def test_ody102_no_fix_and_no_swap_when_the_next_cue_comes_before_the_one_above() -> None:
    """Any later time, or swapping, would pass the 5 s cue: the cues after it must move first."""
    d = only(diags('min-gap 0\n@0 start "a"\n@6s interact "b"\n@4s interact "c"\n@5s end'), "ODY102")
    assert d.fixes == ()
    assert d.help == ("it must come after 6s, but a cue after it is not later than that: "
                      "move the cues after it later first")


def test_ody102_relative_time_gets_a_relative_suggestion() -> None:
    d = only(diags('@0 start "a"\n@3s interact "b"\n@+0 interact "c"\n@+3s end'), "ODY102")
    assert fixes(d) == [(Span(3, 1, 3, 4), "@+3s")]
    assert d.help == "a relative time counts from the cue before it: give it a gap, e.g. `@+3s`"


def test_ody102_relative_cues_after_it_move_with_it_and_must_not_pass_the_next_absolute_one() -> None:
    """Moving `@+0s` later moves `@+1s` too: both must stay before the cue at 6 s."""
    d = only(diags('min-gap 0\n@0 start "a"\n@3s interact "b"\n@+0s interact "c"\n@+1s interact "d"\n@6s end'),
             "ODY102")
    assert fixes(d) == [(Span(4, 1, 4, 5), "@+1s")]


def test_ody102_relative_zero() -> None:
    d = only(diags('@0 start "a"\n@3s interact "b"\n@+0 end'), "ODY102")
    assert d.span == Span(3, 1, 3, 4)


def test_ody201_a_relative_time_gets_a_relative_suggestion() -> None:
    d = only(diags('@0 start "a"\n@3s interact "b"\n@+1s end'), "ODY201")
    assert d.help == "the model needs time to act on a cue: move it to `@+3s` or later, or lower `min-gap`"


def test_ody102_passes_when_increasing() -> None:
    assert diags('@0 start "a"\n@3s interact "b"\n@+3s interact "c"\n@0:09 end') == []


# --- ODY103: has an end ---------------------------------------------------------------------


def test_ody103_fix_inserts_end_after_the_last_cue() -> None:
    d = only(diags('@0 start "a"\n@3s interact "b"'), "ODY103")
    assert d.message == "this script has no `end`"
    assert d.span == Span(2, 1, 2, 17)
    assert fixes(d) == [(Span(2, 17, 2, 17), "\n@6s end")]


def test_ody103_fix_goes_after_a_trailing_comment() -> None:
    d = only(diags('@0 start "a"\n@3s interact "b" # hi'), "ODY103")
    assert fixes(d) == [(Span(2, 22, 2, 22), "\n@6s end")]


@pytest.mark.parametrize(("gap", "at", "end"), [("0", "3s", "@6s"), ("5s", "5s", "@10s"), ("500ms", "3s", "@3.5s")])
def test_ody103_fix_uses_min_gap_or_3s_when_it_is_zero(gap: str, at: str, end: str) -> None:
    d = only(diags(f'min-gap {gap}\n@0 start "a"\n@{at} interact "b"'), "ODY103")
    assert fixes(d) == [(Span(3, 17, 3, 17), f"\n{end} end")]


def test_ody103_fix_after_a_long_string() -> None:
    d = only(diags('@0 start "a"\n@1m interact """b\n  c"""'), "ODY103")
    assert d.span == Span(2, 1, 3, 7)
    assert fixes(d) == [(Span(3, 7, 3, 7), "\n@1m3s end")]


def test_ody103_passes_with_end() -> None:
    assert "ODY103" not in codes('@0 start "a"\n@3s end')


# --- ODY104: nothing after end ----------------------------------------------------------------


def test_ody104_cue_after_end() -> None:
    d = only(diags('@0 start "a"\n@3s end\n@6s interact "c"'), "ODY104")
    assert d.message == "cue after `end`"
    assert d.span == Span(3, 1, 3, 17)
    assert related(d) == [Span(2, 1, 2, 8)]


def test_ody104_reported_once_for_many_cues_after_end() -> None:
    assert codes('@0 start "a"\n@3s end\n@6s interact "c"\n@9s interact "d"\n@12s end') == ["ODY104"]


# --- ODY105: one start ----------------------------------------------------------------------


def test_ody105_second_start() -> None:
    d = only(diags('@0 start "a"\n@3s start "b"\n@6s end'), "ODY105")
    assert d.message == "a second `start` in one script"
    assert d.span == Span(2, 5, 2, 10)
    assert fixes(d) == [(Span(2, 5, 2, 10), "interact")]
    assert related(d) == [Span(1, 1, 1, 13)]


def test_ody105_passes_with_interact() -> None:
    assert diags('@0 start "a"\n@3s interact "b"\n@6s end') == []


# --- ODY106: empty prompt ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ('@0 start ""\n@3s end', Span(1, 10, 1, 12)),
        ('@0 start "  \\t "\n@3s end', Span(1, 10, 1, 17)),
        ('@0 start "a"\n@3s interact """ \n \n """\n@6s end', Span(2, 14, 4, 5)),
    ],
)
def test_ody106_empty_prompt(text: str, where: Span) -> None:
    d = only(diags(text), "ODY106")
    assert d.message == "empty prompt"
    assert d.span == where


def test_ody106_passes_with_words() -> None:
    assert diags('@0 start """\n  x\n"""\n@3s end') == []


# --- ODY107: images --------------------------------------------------------------------------


def test_ody107_image_on_interact(tmp_path: Path, png_file: Path) -> None:
    text = '@0 start "a"\n@3s interact "b" image "pic.png"\n@6s end'
    d = only(diags(text, tmp_path), "ODY107")
    assert d.message == "only `start` takes an image, not `interact`"
    assert d.span == Span(2, 18, 2, 33)
    # The fix removes ` image "pic.png"` and keeps the prompt.
    assert fixes(d) == [(Span(2, 17, 2, 33), "")]


def test_ody107_image_on_end(tmp_path: Path, png_file: Path) -> None:
    d = only(diags('@0 start "a"\n@3s end image "pic.png"', tmp_path), "ODY107")
    assert d.message == "only `start` takes an image, not `end`"
    assert d.span == Span(2, 9, 2, 24)
    assert fixes(d) == [(Span(2, 8, 2, 24), "")]


def test_ody107_missing_file(tmp_path: Path) -> None:
    d = only(diags('@0 start "a" image "missing.png"\n@3s end', tmp_path), "ODY107")
    assert "not found" in d.message and "missing.png" in d.message
    assert d.span == Span(1, 20, 1, 33)
    assert d.help is not None and str(tmp_path) in d.help


def test_ody107_wrong_type(tmp_path: Path) -> None:
    (tmp_path / "notes.png").write_bytes(b"hello, not an image at all")
    d = only(diags('@0 start "a" image "notes.png"\n@3s end', tmp_path), "ODY107")
    assert "not an image type the API takes" in d.message
    assert d.span == Span(1, 20, 1, 31)


def test_ody107_empty_file(tmp_path: Path) -> None:
    (tmp_path / "empty.png").write_bytes(b"")
    d = only(diags('@0 start "a" image "empty.png"\n@3s end', tmp_path), "ODY107")
    assert "empty" in d.message


def test_ody107_folder(tmp_path: Path) -> None:
    (tmp_path / "pics").mkdir()
    d = only(diags('@0 start "a" image "pics"\n@3s end', tmp_path), "ODY107")
    assert "folder" in d.message


def test_ody107_passes_and_embeds_the_file(tmp_path: Path, png_file: Path) -> None:
    result = compile_ody('@0 start "a" image "pic.png"\n@3s end', tmp_path)
    assert result.diagnostics == ()
    assert result.scripts is not None
    assert result.scripts[0][0].image == data_url("image/png", png_bytes())


def test_ody107_path_kept_as_written_without_embedding(tmp_path: Path, png_file: Path) -> None:
    result = compile_ody('@0 start "a" image "pic.png"\n@3s end', tmp_path, embed_images=False)
    assert result.scripts is not None and result.scripts[0][0].image == "pic.png"


def test_ody107_good_data_url() -> None:
    url = data_url("image/png", png_bytes(2, 2))
    result = compile_ody(f'@0 start "a" image "{url}"\n@3s end')
    assert result.diagnostics == ()
    assert result.scripts is not None and result.scripts[0][0].image == url


@pytest.mark.parametrize(
    ("url", "words"),
    [
        (data_url("image/jpeg", png_bytes()), "declares image/jpeg but the bytes are PNG"),
        ("data:image/png;base64,abc", "not valid base64"),
        ("data:image/png,abc", "malformed data URL"),
        ("data:image/png;base64,", "no image data"),
        ("data:text/plain;base64,aGVsbG8=", "not an image type the API takes"),
        (data_url("image/png", b"hello world, not a png"), "are not an image type"),
    ],
)
def test_ody107_bad_data_url(url: str, words: str) -> None:
    text = f'@0 start "a" image "{url}"\n@3s end'
    d = only(diags(text), "ODY107")
    assert words in d.message
    assert d.span == Span(1, 20, 1, 20 + len(url) + 2)


# --- ODY108: relative first cue ----------------------------------------------------------------


def test_ody108_relative_first_cue() -> None:
    d = only(diags('@+1s start "a"\n@4s end'), "ODY108")
    assert d.message == "the first cue of a script cannot have a relative time"
    assert d.span == Span(1, 1, 1, 5)
    assert fixes(d) == [(Span(1, 1, 1, 5), "@0")]


def test_ody108_in_a_scene() -> None:
    text = 'scene "A"\n@0 start "a"\n@3s end\nscene "B"\n@+0 start "b"\n@+3s end'
    d = only(diags(text), "ODY108")
    assert d.span == Span(5, 1, 5, 4)


def test_ody108_passes_on_later_cues() -> None:
    assert diags('@0 start "a"\n@+3s interact "b"\n@+3s end') == []


# --- ODY109: directives ------------------------------------------------------------------------

BODY = '@0 start "a"\n@3s end'


def test_ody109_set_twice() -> None:
    d = only(diags(f'title "T"\ntitle "U"\n{BODY}'), "ODY109")
    assert d.message == "`title` is set twice"
    assert d.span == Span(2, 1, 2, 10)
    assert related(d) == [Span(1, 1, 1, 10)]


def test_ody109_after_the_first_cue() -> None:
    d = only(diags('@0 start "a"\ntitle "U"\n@3s end'), "ODY109")
    assert "after the first cue" in d.message
    assert d.span == Span(2, 1, 2, 6)
    assert related(d) == [Span(1, 1, 1, 13)]


@pytest.mark.parametrize(
    ("line", "where", "guess"),
    [
        ("orientation landscap", Span(1, 13, 1, 21), "landscape"),
        ("orientation Portrait", Span(1, 13, 1, 21), "portrait"),
        ("prompt-expansion of", Span(1, 18, 1, 20), "off"),
        ("prompt-expansion yes", Span(1, 18, 1, 21), None),
    ],
)
def test_ody109_bad_value(line: str, where: Span, guess: str | None) -> None:
    d = only(diags(f"{line}\n{BODY}"), "ODY109")
    assert d.span == where
    if guess:
        assert d.help == f"did you mean `{guess}`?"
        assert fixes(d) == [(where, guess)]
    else:
        assert fixes(d) == []


@pytest.mark.parametrize(("line", "words"), [
    ("min-gap 3", "unit"), ("min-gap +3s", "not a relative time"), ("min-gap 3sec", "unknown time unit"),
])
def test_ody109_bad_min_gap(line: str, words: str) -> None:
    d = only(diags(f"{line}\n{BODY}"), "ODY109")
    assert d.message.startswith("bad `min-gap`") and words in d.message
    assert d.span.column == 9
    assert d.help is not None and "min-gap 0" in d.help


def test_ody109_passes() -> None:
    text = f'title "T"\norientation landscape\nprompt-expansion off\nmin-gap 1s\n{BODY}'
    result = compile_ody(text)
    assert result.diagnostics == ()
    assert (result.options.title, result.options.portrait, result.options.expansion, result.options.min_gap_ms) == (
        "T", False, False, 1000)


# --- ODY110: scenes --------------------------------------------------------------------------

SCENE_A = 'scene "A"\n@0 start "a"\n@3s end\n'


def test_ody110_duplicate_scene_name() -> None:
    d = only(diags(SCENE_A + SCENE_A), "ODY110")
    assert d.message == "two scenes are named `A`"
    assert d.span == Span(4, 7, 4, 10)
    assert related(d) == [Span(1, 1, 1, 10)]


def test_ody110_cue_outside_scenes() -> None:
    d = only(diags('@0 start "x"\n@3s end\n' + SCENE_A), "ODY110")
    assert "outside any scene" in d.message and "1 more" in d.message
    assert d.span == Span(1, 1, 1, 13)
    assert related(d) == [Span(3, 1, 3, 10)]


def test_ody110_scene_without_cues() -> None:
    d = only(diags(SCENE_A + 'scene "B"\n'), "ODY110")
    assert d.message == "this scene has no cues"
    assert d.span == Span(4, 1, 4, 10)


def test_ody110_empty_scene_name() -> None:
    d = only(diags('scene ""\n@0 start "a"\n@3s end'), "ODY110")
    assert d.span == Span(1, 7, 1, 9)


def test_each_scene_is_its_own_script() -> None:
    text = SCENE_A + 'scene "B"\n@2s start "b"\n@3s interact "c"\n'
    found = diags(text)
    assert [(d.code, d.span.line) for d in found] == [("ODY101", 5), ("ODY103", 6), ("ODY201", 6)]
    # The second scene restarts at 0 without comparing it to the first scene's end.
    assert diags(SCENE_A + 'scene "B"\n@0 start "b"\n@3s end') == []


def test_scenes_compile_to_a_batch() -> None:
    result = compile_ody(SCENE_A + 'scene "B"\n@0 start "b"\n@5s end')
    assert result.batch and result.scripts is not None
    assert [[(e.timestamp_ms, e.action, e.prompt) for e in s] for s in result.scripts] == [
        [(0, "start", "a"), (3000, "end", None)],
        [(0, "start", "b"), (5000, "end", None)],
    ]


# --- ODY201: min-gap ------------------------------------------------------------------------


def test_ody201_short_gap() -> None:
    d = only(diags('@0 start "a"\n@2999ms interact "b"\n@6s end'), "ODY201")
    assert not d.is_error
    assert d.message == "only 2.999s after the previous cue (min-gap is 3s)"
    assert d.span == Span(2, 1, 2, 8)
    assert related(d) == [Span(1, 1, 1, 13)]
    assert d.help is not None and "`@3s`" in d.help


def test_ody201_gap_equal_to_min_gap_is_fine() -> None:
    assert diags('@0 start "a"\n@3s interact "b"\n@6s end') == []


def test_ody201_end_is_included() -> None:
    d = only(diags('@0 start "a"\n@3s interact "b"\n@4s end'), "ODY201")
    assert d.span == Span(3, 1, 3, 4)


def test_ody201_min_gap_setting() -> None:
    assert codes('min-gap 5s\n@0 start "a"\n@4999ms end') == ["ODY201"]
    assert codes('min-gap 5s\n@0 start "a"\n@5s end') == []
    assert codes('min-gap 1s\n@0 start "a"\n@1s end') == []


def test_ody201_min_gap_zero_disables() -> None:
    assert diags('min-gap 0\n@0 start "a"\n@1ms interact "b"\n@2ms end') == []


def test_a_warning_does_not_stop_output() -> None:
    result = compile_ody('@0 start "a"\n@1s end')
    assert [d.code for d in result.diagnostics] == ["ODY201"]
    assert result.ok and result.scripts is not None


# --- ODY202: max-duration, 150 s unless set --------------------------------------------------


def test_ody202_on_the_end_line_above_150_seconds() -> None:
    d = only(diags('@0 start "a"\n@2:30.001 end'), "ODY202")
    assert not d.is_error
    assert d.message == "the script lasts 2m30.001s, longer than 2m30s"
    assert d.help is not None and d.help.startswith(
        "Odyssey's stream-duration documentation gives streams a default limit of 150 seconds")
    assert d.span == Span(2, 1, 2, 14)


def test_ody202_exactly_150_seconds_is_fine() -> None:
    assert diags('@0 start "a"\n@2:30 end') == []
    night_train = Path(__file__).resolve().parent.parent / "examples" / "night-train.ody"
    assert "ODY202" not in codes(night_train.read_bytes(), night_train.parent)


def test_ody202_the_max_duration_setting_moves_the_limit() -> None:
    five = Settings(max_duration_ms=300_000)
    assert diags('@0 start "a"\n@5m end', settings=five) == []
    d = only(diags('@0 start "a"\n@5m1ms end', settings=five), "ODY202")
    assert d.help == ("the limit is 5m (`max-duration`): a longer job may be stopped after it has spent credits; "
                      "shorten it or split it into scenes")


def test_ody202_the_max_duration_directive_overrides_the_setting() -> None:
    """Checked on a syntax tree: the directive's line in the grammar is another part's work."""
    from odyssey_dsl.checks import check
    from odyssey_dsl.syntax import Directive, Document, Word, parse

    def with_directive(value: str, cues: str) -> list[str]:
        word = Word(value, Span(1, 14, 1, 14 + len(value)))
        directive = Directive("max-duration", Span(1, 1, 1, 13), word, Span(1, 1, 1, 14 + len(value)))
        parsed = parse(cues, first_line=2)
        document = Document((directive, *parsed.items), parsed.line_count + 1)
        return [d.code for d in check(document, None, max_duration_ms=60_000).diagnostics]

    assert with_directive("5m", '@0 start "a"\n@4m end') == []
    assert with_directive("5m", '@0 start "a"\n@6m end') == ["ODY202"]
    assert with_directive("0", '@0 start "a"\n@30s end') == ["ODY109"]
    assert with_directive("+5m", '@0 start "a"\n@2m end') == ["ODY109", "ODY202"]  # a bad value: the setting


def test_ody202_only_once_on_the_end_line() -> None:
    found = diags('@0 start "a"\n@2:31 interact "b"\n@6m end')
    d = only(found, "ODY202")
    assert d.span == Span(3, 1, 3, 8)


def test_ody202_not_without_end() -> None:
    assert codes('@0 start "a"\n@6m interact "b"') == ["ODY103"]


# --- broken lines: one mistake, one diagnostic ------------------------------------------------


@pytest.mark.parametrize(
    "broken",
    ['@6s ned', '@6s end "x"', '@6s ennd', '6s end', '@6s interact "b" "c"', '@6s interact "open'],
)
def test_no_ody103_when_a_line_failed_to_parse(broken: str) -> None:
    found = diags(f'@0 start "a"\n@3s interact "b"\n{broken}')
    assert len(found) == 1 and found[0].span.line == 3, found


@pytest.mark.parametrize("broken", ['@0 strt "a"', '@0 start "a" "b"', '0 start "a"', 'start "a"', '@0 start "open'])
def test_a_broken_line_before_the_first_cue_hides_ody101(broken: str) -> None:
    found = diags(f'{broken}\n@3s interact "b"\n@6s end')
    assert len(found) == 1 and found[0].span.line == 1, found


def test_a_bad_time_does_not_cascade() -> None:
    assert codes('@0 start "a"\n@3x interact "b"\n@6s end') == ["ODY003"]
    assert codes('@0 start "a"\n@3x interact "b"\n@+3s end') == ["ODY003"]


def test_a_broken_line_in_one_scene_does_not_hide_another_scene() -> None:
    text = 'scene "A"\n@0 start "a"\n@3s inter "x"\nscene "B"\n@0 start "b"\n@3s interact "c"'
    assert [(d.code, d.span.line) for d in diags(text)] == [("ODY004", 3), ("ODY103", 6)]


# --- suppressions ---------------------------------------------------------------------------

TWO_SHORT_GAPS = '@0 start "a"\n@1s interact "b"{first}\n@2s interact "c"{second}\n@5s end'


def test_ignore_comment_silences_only_its_statement() -> None:
    text = TWO_SHORT_GAPS.format(first=" # ody: ignore[ODY201]", second="")
    d = only(diags(text), "ODY201")
    assert d.span.line == 3


def test_ignore_comment_on_a_long_string_covers_all_its_lines() -> None:
    text = '@0 start "a"\n@1s interact """b\n  c""" # ody: ignore[ODY201]\n@4s end'
    assert diags(text) == []


def test_ignore_comment_is_case_insensitive_and_takes_lists() -> None:
    text = '@0 start "a"\n@6m end # ody: ignore[ody201, ODY202]\n'
    assert diags(text.replace("@6m", "@1s")) == []
    assert diags(text) == []


def test_ignoring_an_error_code_is_reported_and_the_error_stays() -> None:
    text = '@0 start "a"\n@3s interact "b"\n@3s end # ody: ignore[ODY102]'
    found = diags(text)
    assert [d.code for d in found] == ["ODY102", "ODY203"]
    warning = found[1]
    assert not warning.is_error
    assert "`ODY102` is an error" in warning.message
    assert warning.span == Span(3, 23, 3, 29)


def test_unknown_code_in_a_comment() -> None:
    d = only(diags('@0 start "a"\n@3s end # ody: ignore[ODY2O1]'), "ODY204")
    assert "`ODY2O1`" in d.message
    assert d.help == "did you mean `ODY201`?"
    assert d.span == Span(2, 23, 2, 29)


def test_settings_ignore_silences_everywhere() -> None:
    text = TWO_SHORT_GAPS.format(first="", second="")
    assert codes(text) == ["ODY201", "ODY201"]
    assert diags(text, settings=Settings(ignore=frozenset({"ODY201"}))) == []


def test_settings_ignore_of_an_error_is_reported() -> None:
    text = '@1s start "a"\n@4s end'
    found = diags(text, settings=Settings(ignore=frozenset({"ODY101"})))
    assert [d.code for d in found] == ["ODY101", "ODY203"]
    assert "ignore setting" in found[1].message


# --- positions survive lines inserted above ------------------------------------------------------

MANY_MISTAKES = (
    'title "T"\n'
    '@0 start "a" image "pic.png"\n'
    '@3s interact "b" image "pic.png"\n'
    "@3s interact \"c\" # ody: ignore[ODY101]\n"
    '@4s start "d"\n'
    '@5s interact ""\n'
    'title "again"\n'
    '@6s intract "e"\n'
    '@7x interact "f"\n'
    '@8s interact "\\q"\n'
    '@+1s interact """g\n  h"""\n'
)


def test_diagnostics_are_stable_when_lines_are_inserted_above(tmp_path: Path, png_file: Path) -> None:
    before = diags(MANY_MISTAKES, tmp_path)
    after = diags("\n\n\n" + MANY_MISTAKES, tmp_path)
    assert len(before) >= 8
    assert after == [d.shifted(3) for d in before]


def test_stable_ody103_fix_and_related_locations() -> None:
    text = '@0 start "a"\n@3s interact "b"\n@2s interact "c"'
    before = diags(text)
    after = diags("\n\n\n" + text)
    assert {d.code for d in before} == {"ODY102", "ODY103"}
    assert after == [d.shifted(3) for d in before]


# --- every rule has a passing neighbour -----------------------------------------------------------

PASSING = {
    "ODY101": '@0 start "a"\n@3s end',
    "ODY102": 'min-gap 0\n@0 start "a"\n@1ms interact "b"\n@2ms end',
    "ODY103": '@0 start "a"\n@3s end',
    "ODY104": '@0 start "a"\n@3s interact "b"\n@6s end',
    "ODY105": '@0 start "a"\n@3s interact "b"\n@6s end',
    "ODY106": '@0 start "."\n@3s end',
    "ODY107": f'@0 start "a" image "{data_url("image/png", png_bytes())}"\n@3s end',
    "ODY108": '@0 start "a"\n@+3s end',
    "ODY109": 'title "T"\norientation portrait\nprompt-expansion on\nmin-gap 3s\n@0 start "a"\n@3s end',
    "ODY110": 'scene "A"\n@0 start "a"\n@3s end\nscene "B"\n@0 start "b"\n@3s end',
    "ODY201": '@0 start "a"\n@3s interact "b"\n@6s end',
    "ODY202": '@0 start "a"\n@2:30 end',
    "ODY206": '@0 start "a"\n@3s interact "b"\n@6s interact "c"\n@36s end',
    "ODY203": '@0 start "a"\n@1s end # ody: ignore[ODY201]',
    "ODY204": '@0 start "a"\n@1s end # ody: ignore[ODY201, ODY202]',
}


@pytest.mark.parametrize("code", sorted(PASSING))
def test_passing_example(code: str) -> None:
    assert diags(PASSING[code]) == []


# --- one mistake, one diagnostic: broken lines never cause follow-on errors ------------------

VALID_LINES = ["title \"T\"", "orientation landscape", "", "@0 start \"a cat\"", "@3s interact \"b\"",
               "@6s interact \"c\"", "@9s end"]
BREAKAGES = {
    "misspelled action": lambda line: line.replace("interact", "interct").replace("start", "strat").replace("end", "edn"),
    "unterminated string": lambda line: line.replace('"', "", 1) if line.count('"') == 2 else line + ' "x',
    "lost @": lambda line: line.lstrip("@"),
    "garbage": lambda line: line + " ))",
}


@pytest.mark.parametrize("breakage", sorted(BREAKAGES))
@pytest.mark.parametrize("index", [0, 1, 3, 4, 5, 6])
def test_one_broken_line_gives_one_diagnostic(breakage: str, index: int) -> None:
    lines = list(VALID_LINES)
    broken = BREAKAGES[breakage](lines[index])
    if broken == lines[index]:
        pytest.skip("this breakage does not apply to this line")
    lines[index] = broken
    found = diags("\n".join(lines) + "\n")
    assert len(found) == 1, found
    assert found[0].span.line == index + 1


@pytest.mark.parametrize("index", [1, 2, 4, 5])
def test_one_broken_line_in_a_scene_file_gives_one_diagnostic(index: int) -> None:
    lines = ['scene "one"', '@0 start "a"', "@3s end", 'scene "two"', '@0 start "b"', "@3s end"]
    lines[index] = {1: "@0 strat \"a\"", 2: "@3s edn", 4: "@0 start \"b", 5: "@3 end"}[index]
    found = diags("\n".join(lines))
    assert len(found) == 1, found


@pytest.mark.parametrize("line", ["scene two", 'scen "two"', 'scene "two'])
def test_a_broken_scene_line_still_separates_scripts(line: str) -> None:
    text = f'scene "one"\n@0 start "a"\n@3s end\n{line}\n@0 start "b"\n@3s end\n'
    found = diags(text)
    assert len(found) == 1 and found[0].span.line == 4, found


def test_no_comparison_across_a_broken_line() -> None:
    found = diags('@0 start "a"\n@3s interct "b"\n@2s interact "c"\n@9s end\n')
    assert [d.code for d in found] == ["ODY004"]


def test_a_broken_top_line_does_not_make_directives_misplaced() -> None:
    found = diags('titel "x"\norientation landscape\n@0 start "a"\n@3s end\n')
    assert [d.code for d in found] == ["ODY004"]


# --- the script rules one cue at a time, as an editor resumes them ---------------------------


RESUMABLE = ('@0 start "a"\n@+1s interact "b"\n@x interact "c"\n@+3s interact "d"\n@3s start "e"\n'
             '@9s end\n@5m interact "late"\n@+2s interct "broken"\n@1s end\n')


def test_resuming_the_script_rules_from_any_cue_gives_the_same_result() -> None:
    from odyssey_dsl.rules.timing import Progress, check_script, step
    from odyssey_dsl.syntax import Cue, parse

    cues = [s if isinstance(s, Cue) else None for s in parse(RESUMABLE).statements]
    first = next(c for c in cues if c is not None)

    def run(progress: Progress, part: list[Cue | None], before: Cue | None) -> tuple[Progress, list[Diagnostic]]:
        found: list[Diagnostic] = []
        for cue in part:
            progress, _ = step(progress, cue, before, first, 3000, found)
            before = cue or before
        return progress, found

    whole = run(Progress(), cues, None)
    for k in range(len(cues) + 1):
        saved, head = run(Progress(), cues[:k], None)
        before = next((c for c in reversed(cues[:k]) if c is not None), None)
        end, tail = run(Progress(*saved), cues[k:], before)  # a copy: only plain values carry over
        assert (end, head + tail) == whole
    found: list[Diagnostic] = []
    timed = check_script(cues, 3000, found)
    assert found[:len(whole[1])] == whole[1]
    assert [t.ms for t in timed] == [0, 1000, None, None, 3000, 9000, 300000, 1000]


def test_check_sorts_its_diagnostics_by_place() -> None:
    from odyssey_dsl.checks import check
    from odyssey_dsl.diagnostics import sort_key
    from odyssey_dsl.syntax import parse

    found = check(parse(RESUMABLE), None).diagnostics
    assert list(found) == sorted(found, key=sort_key) and len(found) > 3


# --- suppressions by name -------------------------------------------------------------------

def test_a_suppression_may_name_the_warning_instead_of_its_code() -> None:
    assert codes(TWO_SHORT_GAPS.format(first=" # ody: ignore[short-gap]", second="")) == ["ODY201"]
    assert codes(TWO_SHORT_GAPS.format(first=" # ody: ignore[Short-Gap, ODY202]", second="")) == ["ODY201"]


def test_a_misspelled_name_is_unknown_and_the_help_guesses_the_name() -> None:
    d = only(diags('@0 start "a"\n@3s end # ody: ignore[short-gaps]'), "ODY204")
    assert d.help == "did you mean `short-gap`?"
    assert d.span == Span(2, 23, 2, 33)


def test_naming_an_error_by_its_name_is_reported_by_that_name() -> None:
    found = diags('@0 start "a"\n@3s interact "b"\n@3s end # ody: ignore[cue-out-of-order]')
    assert [d.code for d in found] == ["ODY102", "ODY203"]
    assert "`cue-out-of-order` is an error" in found[1].message


def test_ody205_a_typed_tab_in_a_prompt_warns_in_lint_and_the_editor() -> None:
    from odyssey_dsl.lsp.document import LiveDocument

    text = '@0 start "a\tcat"\n@3s interact "b\\tc"\n@6s interact """x\n\ty"""\n@9s end\n'
    found = diags(text)  # not the escape `\t` (line 2), nor the tab folded away with a line break (line 4)
    assert [(d.code, d.span, d.is_error) for d in found] == [("ODY205", Span(1, 10, 1, 17), False)]
    assert diags(text.replace('cat"', 'cat" # ody: ignore[tab-in-prompt]')) == []
    live = LiveDocument(text.replace("a\tcat", "a cat"), None, Settings())
    live.edit((0, 11), (0, 12), "\t")  # the editor's driver reruns the rule on the edited cue only
    assert live.text == text and live.diagnostics == tuple(found)


# --- ODY206: an `end` whose unit looks mistyped --------------------------------------------------


def test_ody206_an_end_in_minutes_after_cues_in_seconds() -> None:
    """`@4m` meant `@4s`, but 4 s is not after 6 s: the suggestion is the longest gap after the last cue.
    (Four minutes is also over the stream limit: ODY202 says so on its own.)"""
    found = diags('@0 start "a"\n@3s interact "b"\n@6s interact "c"\n@4m end')
    assert [f.code for f in found] == ["ODY202", "ODY206"]
    d = found[1]
    assert not d.is_error
    assert d.message == "`end` comes 3m54s after the cue before it, more than 10 times any gap before (3s at most)"
    assert d.help == "the video lasts until `end` and every second is paid for: did you mean `@9s`?"
    assert fixes(d) == [(Span(4, 1, 4, 4), "@9s")]
    assert not d.is_safe(d.fixes[0])


def test_ody206_the_end_s_number_in_the_other_cues_unit_when_that_is_after_them() -> None:
    d = only(diags('@0 start "a"\n@3s interact "b"\n@6s interact "c"\n@2m end'), "ODY206")
    assert fixes(d) == [(Span(4, 1, 4, 4), "@9s")]  # 2 s is not after 6 s
    d = only(diags('@0 start "a"\n@3s interact "b"\n@6s interact "c"\n@2.25m end'), "ODY206")
    assert fixes(d) == [(Span(4, 1, 4, 7), "@9s")]
    d = only(diags('min-gap 1s\n@0 start "a"\n@1s interact "b"\n@2s interact "c"\n@1m end'), "ODY206")
    assert fixes(d) == [(Span(5, 1, 5, 4), "@3s")]
    d = only(diags('@0 start "a"\n@3s interact "b"\n@+3s interact "c"\n@+2m end'), "ODY206")
    assert fixes(d) == [(Span(4, 1, 4, 5), "@+2s")]


def test_ody206_not_when_the_last_gap_is_short_or_like_the_others() -> None:
    assert codes('@0 start "a"\n@3s interact "b"\n@6s interact "c"\n@36s end') == []  # exactly 30 s
    assert codes('@0 start "a"\n@10s interact "b"\n@20s interact "c"\n@2m end') == []  # 10 times, not more
    assert codes('@0 start "a"\n@3s interact "b"\n@1m end') == []  # one gap before: no pace to compare with
    assert codes('@0 start "a"\n@3s interact "b"\n@6s interact "c"\n@2m end # ody: ignore[long-last-gap]') == []


def test_ody206_in_the_editor_too() -> None:
    from odyssey_dsl.lsp.document import LiveDocument

    text = '@0 start "a"\n@3s interact "b"\n@6s interact "c"\n@9s end\n'
    live = LiveDocument(text, None, Settings())
    live.edit((3, 2), (3, 3), "m")  # `@9m end`: over the stream limit too
    assert live.diagnostics == tuple(diags(live.text)) and [d.code for d in live.diagnostics] == ["ODY202", "ODY206"]


def test_ody206_in_the_editor_after_the_gap_that_ruled_it_out_shrinks() -> None:
    """The editor stops looking at the gaps at the first one that rules the warning out: an edit
    of that gap must bring the warning back, as `ody lint` has it."""
    from odyssey_dsl.lsp.document import LiveDocument

    text = '@0 start "a"\n@9s interact "b"\n' + "".join(f'@+3s interact "{i}"\n' for i in range(20)) + "@+1m end\n"
    live = LiveDocument(text, None, Settings())
    assert live.diagnostics == tuple(diags(text)) and [d.code for d in live.diagnostics] == []
    live.edit((1, 1), (1, 2), "3")
    assert live.diagnostics == tuple(diags(live.text)) and [d.code for d in live.diagnostics] == ["ODY206"]


# --- ODY205: tabs in titles and scene names --------------------------------------------------------


def test_ody205_a_typed_tab_in_a_title_or_a_scene_name() -> None:
    from odyssey_dsl.lsp.document import LiveDocument

    text = 'title "Night\ttrain"\nscene "one\ttwo"\n@0 start "a"\n@3s end\nscene "three\\tfour"\n@0 start "b"\n@3s end\n'
    found = diags(text)
    assert [(d.code, d.span.line, d.message) for d in found] == [
        ("ODY205", 1, "this title has a tab character: it is kept as `\\t`"),
        ("ODY205", 2, "this scene name has a tab character: it is kept as `\\t`")]
    assert LiveDocument(text, None, Settings()).diagnostics == tuple(found)
    silenced = text.replace('train"', 'train"  # ody: ignore[ODY205]')
    assert [d.span.line for d in diags(silenced)] == [2]
    assert LiveDocument(silenced, None, Settings()).diagnostics == tuple(diags(silenced))
    assert diags(text, settings=Settings(ignore=frozenset({"ODY205"}))) == []
    assert LiveDocument(text, None, Settings(ignore=frozenset({"ODY205"}))).diagnostics == ()


# --- ODY207: an image of the other orientation ---------------------------------------------------------


@pytest.mark.parametrize(("orientation", "size", "warned"), [
    ("", (121, 100), True), ("", (120, 100), False), ("", (100, 100), False), ("", (9, 16), False),
    ("orientation landscape\n", (100, 121), True), ("orientation landscape\n", (100, 120), False),
    ("orientation landscape\n", (16, 9), False),
])
def test_ody207_an_image_clearly_of_the_other_shape_will_be_cropped(tmp_path: Path, orientation: str,
                                                                    size: tuple[int, int], warned: bool) -> None:
    from odyssey_dsl.lsp.document import LiveDocument

    (tmp_path / "pic.png").write_bytes(png_bytes(*size))
    text = orientation + '@0 start "a" image "pic.png"\n@3s end\n'
    found = diags(text, tmp_path)
    assert [d.code for d in found] == (["ODY207"] if warned else [])
    assert LiveDocument(text, tmp_path / "t.ody", Settings()).diagnostics == tuple(found)
    inline = text.replace("pic.png", data_url("image/png", png_bytes(*size)))
    assert [d.code for d in diags(inline)] == (["ODY207"] if warned else [])


def test_ody207_message_and_place() -> None:
    d = only(diags(f'@0 start "a" image "{data_url("image/png", png_bytes(16, 9))}"\n@3s end'), "ODY207")
    assert d.message == "this landscape image (16×9) will be cropped to fill a portrait video"
    assert d.help == "use a portrait image (or a square one), or write `orientation landscape` at the top"
    assert d.span.line == 1 and d.span.column == 20 and not d.is_error  # the image string


def test_a_late_orientation_judges_the_images_of_a_batch_with_it(tmp_path: Path) -> None:
    (tmp_path / "pic.png").write_bytes(png_bytes(16, 9))
    text = 'scene "one"\n@0 start "a" image "pic.png"\n@3s end\norientation landscape\n'
    assert codes(text, tmp_path) == ["ODY109"]


# --- `~` in image paths ------------------------------------------------------------------------------


def test_an_image_path_from_the_home_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from odyssey_dsl.lsp.document import LiveDocument

    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "Pictures").mkdir()
    (tmp_path / "Pictures" / "x.png").write_bytes(png_bytes())
    text = '@0 start "a" image "~/Pictures/x.png"\n@3s end\n'
    result = compile_ody(text)  # the screenplay is elsewhere: the image is found from the home folder
    assert result.ok and result.diagnostics == ()
    assert result.scripts is not None and (result.scripts[0][0].image or "").startswith("data:image/png;base64,")
    assert LiveDocument(text, None, Settings()).diagnostics == ()
    d = only(diags(text.replace("x.png", "y.png")), "ODY107")
    assert d.message == "image file not found: y.png" and d.help == f"looked in {tmp_path / 'Pictures'}"
