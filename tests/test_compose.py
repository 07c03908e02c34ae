"""What `define`, `{NAME}`, `style`, `negative` and `{a|b}` variants compile to (compose.py),
and the diagnostics of each mistake, rule by rule of the language section of issue 12."""

from __future__ import annotations

import itertools
import json
import math
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import NOWHERE, apply_fix, compile_ody, diags, only
from hypothesis import assume, given
from hypothesis import strategies as st

from odyssey_dsl import Settings
from odyssey_dsl.compiler import compile_text
from odyssey_dsl.compose import MAX_SCRIPTS, ScriptName, with_negative, with_style
from odyssey_dsl.config import load_settings
from odyssey_dsl.diagnostics import Span


def prompts(text: str) -> list[Any]:
    """The prompts the API receives: one list per script (one list only for a single script)."""
    result = compile_ody(text)
    assert result.ok, result.diagnostics
    out = json.loads(result.script_json())
    if result.batch:
        return [[e[_action(e)].get("prompt") for e in script if _action(e) != "end"] for script in out]
    return [e[_action(e)].get("prompt") for e in out if _action(e) != "end"]


def _action(entry: dict[str, Any]) -> str:
    return next(k for k in ("start", "interact", "end") if k in entry)


def found(text: str, settings: Settings | None = None) -> list[tuple[str, int, int, int, int, str]]:
    return [(d.code, *d.span, d.message) for d in diags(text, settings=settings)]


def play(*prompts_: str, header: str = "") -> str:
    """A screenplay: `header`, then a start cue and interactions 3 s apart, and an end."""
    lines = [header] if header else []
    lines += [f'@{3 * i}s {"start" if i == 0 else "interact"} "{p}"' for i, p in enumerate(prompts_)]
    return "\n".join([*lines, f"@{3 * len(prompts_)}s end"]) + "\n"


# --- style and negative: how they are joined -----------------------------------------------------

def test_the_issues_example_verbatim() -> None:
    text = play("Boats leave the harbour!", header='style "golden-hour light"\nnegative "blur"')
    assert prompts(text) == ["Boats leave the harbour! golden-hour light. Negative prompt: blur"]


@pytest.mark.parametrize(("prompt", "joined"), [
    ("a cat.", "a cat. S"), ("a cat,", "a cat, S"), ("a cat;", "a cat; S"), ("a cat:", "a cat: S"),
    ("a cat!", "a cat! S"), ("a cat?", "a cat? S"), ("a cat…", "a cat… S"), ("a cat", "a cat, S"),
    ("a cat  ", "a cat, S"), ("a cat.  ", "a cat. S"), ("a cat)", "a cat), S"), ("a cat -", "a cat -, S"),
])
def test_a_style_follows_a_punctuation_mark_with_one_space_else_a_comma(prompt: str, joined: str) -> None:
    assert with_style(prompt, "S") == joined
    assert prompts(play(prompt, header='style "S"')) == [joined]


@pytest.mark.parametrize(("prompt", "joined"), [
    ("a cat.", "a cat. Negative prompt: N"), ("a cat!", "a cat! Negative prompt: N"),
    ("a cat?", "a cat? Negative prompt: N"), ("a cat…", "a cat… Negative prompt: N"),
    ("a cat,", "a cat. Negative prompt: N"), ("a cat;", "a cat. Negative prompt: N"),
    ("a cat:", "a cat. Negative prompt: N"), ("a cat", "a cat. Negative prompt: N"),
    ("a cat   ", "a cat. Negative prompt: N"), ("a cat!  ", "a cat! Negative prompt: N"),
    ("a cat,  ", "a cat. Negative prompt: N"),
])
def test_a_negative_comes_last_after_the_end_of_a_sentence(prompt: str, joined: str) -> None:
    assert with_negative(prompt, "N") == joined
    assert prompts(play(prompt, header='negative "N"')) == [joined]


def test_the_negative_is_joined_to_the_prompt_with_its_style() -> None:
    assert prompts(play("a cat", "a dog.", header='style "film grain;"\nnegative "blur"')) == [
        "a cat, film grain. Negative prompt: blur", "a dog. film grain. Negative prompt: blur"]


def test_an_empty_style_or_negative_adds_nothing_not_even_a_space() -> None:
    assert prompts(play("a cat  ", header='style ""\nnegative ""')) == ["a cat  "]
    assert with_style("a cat ", "") == "a cat " and with_negative("a cat ", "") == "a cat "


def test_a_style_and_a_negative_use_defines() -> None:
    text = play("a cat", header='define look "golden {light}"\ndefine light "light"\nstyle "{look}"\n'
                                'negative "{look}s"')
    assert prompts(text) == ["a cat, golden light. Negative prompt: golden lights"]


# --- expansion -------------------------------------------------------------------------------------

def test_names_expand_recursively_and_in_any_order() -> None:
    text = play("{hero} waits", "{scene}", header='define scene "{hero} by {place}"\ndefine hero "a {colour} cat"\n'
                                                   'define place "the window"\ndefine colour "ginger"')
    assert prompts(text) == ["a ginger cat waits", "a ginger cat by the window"]


def test_the_result_of_an_expansion_is_not_scanned_again() -> None:
    assert prompts(play("a {x} b", header='define x "{{x}}"')) == ["a {x} b"]
    assert prompts(play("{a}", header='define a "{{b}}"\ndefine b "no"')) == ["{b}"]


def test_doubled_braces_are_literal_once_where_they_are_written() -> None:
    assert prompts(play("{{{{}}}} {{hero}}")) == ["{{}} {hero}"]


def test_names_are_case_sensitive_and_may_hold_digits_dashes_and_underscores() -> None:
    text = play("{Hero} {hero} {_x-1}", header='define hero "h"\ndefine Hero "H"\ndefine _x-1 "x"')
    assert prompts(text) == ["H h x"]


def test_a_keyword_is_a_valid_name() -> None:
    assert prompts(play("{end} {style}", header='define end "e"\ndefine style "s"')) == ["e s"]


def test_a_define_is_expanded_after_its_text_is_decoded() -> None:
    text = play("{x}", header='define x """a\n   long \\u0041 \\"one\\" """')
    assert prompts(text) == ['a long A "one"']


def test_a_reference_written_with_escaped_braces_is_a_reference() -> None:
    assert prompts(play("\\u007bx\\u007d!", header='define x "y"')) == ["y!"]


# --- mistakes with names ---------------------------------------------------------------------------

def test_a_name_defined_twice_is_an_error_at_the_second_with_the_first_related() -> None:
    d = only(diags(play("{x}", header='define x "a"\ndefine x "b"')), "ODY114")
    assert d.span == Span(2, 8, 2, 9) and d.message == "`x` is defined twice"
    assert [(r.span, r.message, r.file) for r in d.related] == [(Span(1, 8, 1, 9), "`x` is first defined here", None)]


def test_a_cycle_is_an_error_at_each_define_in_it_and_nothing_else() -> None:
    text = play("{a} and {c}", header='define a "1 {b}"\ndefine b "2 {a}"\ndefine c "3 {c}"')
    assert [(c, line, col) for c, line, col, *_ in found(text)] == [
        ("ODY113", 1, 8), ("ODY113", 2, 8), ("ODY113", 3, 8)]
    messages = [d.message for d in diags(text)]
    assert messages[0] == "`a` uses itself: `{a}` → `{b}` → `{a}`"
    assert messages[2] == "`c` uses itself: `{c}` → `{c}`"


def test_a_prompt_made_only_of_a_cycle_is_not_also_an_empty_prompt() -> None:
    assert [c for c, *_ in found(play("{a}", header='define a "{a}"'))] == ["ODY113"]


def test_an_undefined_name_is_an_error_with_did_you_mean_and_a_safe_fix() -> None:
    text = play("{heor} waits", header='define hero "a cat"')
    d = only(diags(text), "ODY112")
    assert (d.span, d.message, d.help) == (Span(2, 12, 2, 18), "`{heor}` names no define", "did you mean `{hero}`?")
    [fix] = d.fixes
    assert fix.replacement == "{hero}" and d.is_error
    assert apply_fix(text, fix) == play("{hero} waits", header='define hero "a cat"')
    from odyssey_dsl.fixing import chosen
    assert chosen(d) == fix  # applied by `ody lint --fix`


def test_an_undefined_name_without_a_close_one_says_how_to_define_it() -> None:
    """Or it is a v1 prompt's braces: the unsafe fix doubles them."""
    text = play("a {nope}")
    d = only(diags(text), "ODY112")
    assert d.help == 'define it at the top: `define nope "..."`, or write `{{` and `}}` for braces that are text'
    [fix] = d.fixes
    assert fix.safe is False and apply_fix(text, fix) == play("a {{nope}}")


def test_names_are_judged_in_a_text_whose_other_braces_are_wrong() -> None:
    """Fixing the braces never reveals a hidden error, so `ody lint --fix` can apply it."""
    text = play("{heor} and {", header='define hero "x"\ndefine used "y"\nstyle "{used} {nope} }"')
    assert [(c, line, col) for c, line, col, *_ in found(text)] == [
        ("ODY112", 3, 15), ("ODY111", 3, 22), ("ODY112", 4, 12), ("ODY111", 4, 23)]


def test_a_prompt_made_only_of_an_undefined_name_is_not_also_an_empty_prompt() -> None:
    assert [c for c, *_ in found(play("{nope}"))] == ["ODY112"]


def test_an_undefined_name_in_a_style_is_reported_once_not_at_every_prompt() -> None:
    assert [(c, line) for c, line, *_ in found(play("a", "b", "c", header='style "{nope}"'))] == [("ODY112", 1)]
    text = 'scene "s"\nnegative "{nope}"\n' + play("a", "b")
    assert [(c, line) for c, line, *_ in found(text)] == [("ODY112", 2)]


def test_an_undefined_name_in_a_define_is_reported_at_the_define_once() -> None:
    text = play("{a}", "{a}", header='define a "{nope}"')
    assert [(c, line, col) for c, line, col, *_ in found(text)] == [("ODY112", 1, 11)]


def test_an_unused_define_is_a_warning_with_an_unsafe_fix_removing_it() -> None:
    text = play("{a}", header='define a "x"\ndefine b "y"')
    d = only(diags(text), "ODY209")
    assert (d.span, d.message, d.is_error) == (Span(2, 8, 2, 9), "`b` is never used", False)
    from odyssey_dsl.fixing import chosen
    assert chosen(d) is None and chosen(d, unsafe=True) == d.fixes[0]
    assert apply_fix(text, d.fixes[0]) == play("{a}", header='define a "x"\n')


def test_a_define_used_by_a_style_or_another_define_counts_as_used() -> None:
    assert found(play("p", header='define a "x"\ndefine b "{a}"\nstyle "{b}"')) == []


def test_the_unused_define_warning_is_silenced_by_a_comment_or_the_setting(tmp_path: Path) -> None:
    assert found(play("p", header='define b "y"  # ody: ignore[unused-define]')) == []
    assert found(play("p", header='define b "y"  # ody: ignore[ODY209]')) == []
    assert found(play("p", header='define b "y"'), Settings(ignore=frozenset({"ODY209"}))) == []
    (tmp_path / "ody.toml").write_text('ignore = ["unused-define"]\n', encoding="utf-8")
    assert found(play("p", header='define b "y"'), load_settings(tmp_path)) == []


def test_a_misspelt_name_does_not_also_make_its_define_unused() -> None:
    """One mistake, one diagnostic: the fix of the ODY112 makes the define used."""
    assert [c for c, *_ in found(play("{heor}", header='define hero "x"'))] == ["ODY112"]


def test_a_library_has_no_unused_defines_and_no_missing_cue() -> None:
    result = compile_ody('define a "x"\nstyle "{a}"\ndefine b "y"\n')
    assert result.diagnostics == () and result.library and result.ok and result.scripts is None


def test_an_empty_prompt_after_expansion_is_an_error() -> None:
    d = only(diags(play("{e}", header='define e ""')), "ODY106")
    assert (d.span, d.message) == (Span(2, 11, 2, 16), "empty prompt once expanded (its names, or one of its variants)")
    assert found(play("{|x}"))[0][0] == "ODY106"  # one of the variants is empty
    assert found(play("{| }"))[0][0] == "ODY106"
    assert prompts(play("{|x} y")) == [[" y"], ["x y"]]


def test_a_define_below_the_first_cue_is_an_error_and_is_not_known_above_it() -> None:
    """Names are judged as the file is read (a file of a million undefined names is never
    held in memory): above a define written too low, its name names no define."""
    text = '@0 start "{late}"\ndefine late "x"\n@3s interact "{late}"\n@6s end\n'
    assert [(c, line) for c, line, *_ in found(text)] == [("ODY112", 1), ("ODY114", 2)]


@pytest.mark.parametrize("name", ["1x", "a.b", "é"])
def test_a_bad_name_is_an_error_at_the_name(name: str) -> None:
    d = diags(f'define {name} "x"\n@0 start "p"\n@3s end\n')[0]
    assert (d.code, d.span) == ("ODY114", Span(1, 8, 1, 8 + len(name)))


# --- where style and negative may stand -------------------------------------------------------------

def test_a_scene_style_replaces_the_files_and_an_empty_one_clears_it() -> None:
    text = ('style "S"\nnegative "N"\nscene "a"\nstyle "A"\n@0 start "p."\n@3s end\nscene "b"\nstyle ""\n'
            '@0 start "q"\n@3s end\nscene "c"\nnegative ""\n@0 start "r:"\n@3s end\nscene "d"\n@0 start "u;"\n'
            '@3s end\n')
    assert prompts(text) == [["p. A. Negative prompt: N"], ["q. Negative prompt: N"], ["r: S"],
                             ["u; S. Negative prompt: N"]]


def test_a_style_below_a_cue_is_an_error_at_its_keyword() -> None:
    text = 'scene "a"\n@0 start "p"\nstyle "x"\n@3s end\n'
    d = only(diags(text), "ODY109")
    assert (d.span, d.message) == (Span(3, 1, 3, 6), "`style` goes at the top of the file or right below a `scene` line")


def test_a_style_set_twice_is_an_error_at_the_second() -> None:
    for text in ('style "a"\nstyle "b"\n' + play("p"), 'scene "s"\nnegative "a"\nnegative "b"\n' + play("p")):
        d = only(diags(text), "ODY109")
        assert d.message.endswith("is set twice") and d.related[0].message.endswith("is first set here")


def test_a_variant_group_in_a_style_or_negative_is_an_error_with_a_safe_fix() -> None:
    text = play("p", header='negative "{a|b}"')
    d = only(diags(text), "ODY111")
    assert d.span == Span(1, 11, 1, 16) and d.fixes[0].safe
    assert prompts(apply_fix(text, d.fixes[0])) == ["p. Negative prompt: {a|b}"]


def test_a_variant_group_reaching_a_style_through_a_define_is_an_error() -> None:
    text = play("p", header='define look "{warm|cold}"\nstyle "the {look} light"')
    d = only(diags(text), "ODY111")
    assert (d.span, d.message) == (Span(2, 12, 2, 18), "`{look}` has variants, and a `style` has none: it is the same "
                                   "in every script")


# --- variants ---------------------------------------------------------------------------------------

def test_one_script_per_combination_the_first_group_varying_slowest() -> None:
    result = compile_ody(play("a {cat|dog}", "b {up|down|away}"))
    assert result.batch and len(result.scripts or ()) == 6
    assert prompts(play("a {cat|dog}", "b {up|down|away}")) == [
        ["a cat", "b up"], ["a cat", "b down"], ["a cat", "b away"],
        ["a dog", "b up"], ["a dog", "b down"], ["a dog", "b away"]]
    assert result.names == tuple(ScriptName(None, n, c) for n, c in enumerate(
        [(x, y) for x in ("cat", "dog") for y in ("up", "down", "away")], 1))


def test_the_exact_json_of_a_screenplay_with_variants() -> None:
    result = compile_ody('style "soft"\n@0 start "a {cat|dog}"\n@3s end\n')
    assert json.loads(result.script_json()) == [
        [{"timestamp_ms": 0, "start": {"prompt": "a cat, soft"}}, {"timestamp_ms": 3000, "end": {}}],
        [{"timestamp_ms": 0, "start": {"prompt": "a dog, soft"}}, {"timestamp_ms": 3000, "end": {}}]]


def test_a_group_inside_a_define_is_chosen_once_per_script_wherever_it_is_used() -> None:
    text = play("{hero} sits", "{hero} jumps", header='define hero "{a ginger cat|a black dog}"')
    assert prompts(text) == [["a ginger cat sits", "a ginger cat jumps"], ["a black dog sits", "a black dog jumps"]]


def test_linked_variants_through_nested_defines() -> None:
    text = play("{pair}", "{pet}", header='define pair "{pet} and {pet}"\ndefine pet "{cat|dog}"')
    assert prompts(text) == [["cat and cat", "cat"], ["dog and dog", "dog"]]


def test_the_same_group_written_twice_varies_twice() -> None:
    assert prompts(play("{a|b} {a|b}")) == [["a a"], ["a b"], ["b a"], ["b b"]]


def test_groups_are_ordered_by_first_appearance_a_defines_where_it_is_first_used() -> None:
    text = play("{x|y}", "{hero} {1|2}", "{hero}", header='define hero "{cat|dog}"')
    result = compile_ody(text)
    assert [n.choices for n in result.names or ()] == [
        (x, h, n) for x in ("x", "y") for h in ("cat", "dog") for n in ("1", "2")]


def test_empty_alternatives_are_allowed() -> None:
    assert prompts(play("a{| big} cat")) == [["a cat"], ["a big cat"]]
    assert prompts(play("a {|}cat")) == [["a cat"], ["a cat"]]


def test_scenes_expand_independently_and_a_scene_without_groups_stays_one_script() -> None:
    text = 'scene "day"\n@0 start "{sun|rain}"\n@3s end\nscene "night"\n@0 start "moon"\n@3s end\n' \
           'scene "dusk"\n@0 start "{red|grey}"\n@3s end\n'
    result = compile_ody(text)
    assert prompts(text) == [["sun"], ["rain"], ["moon"], ["red"], ["grey"]]
    assert result.names == (ScriptName("day", 1, ("sun",)), ScriptName("day", 2, ("rain",)),
                            ScriptName("night", None), ScriptName("dusk", 1, ("red",)),
                            ScriptName("dusk", 2, ("grey",)))
    assert [n.label("t") for n in result.names or ()] == ["day.v1", "day.v2", "night", "dusk.v1", "dusk.v2"]


def test_a_linked_group_is_chosen_again_in_each_scene() -> None:
    text = 'define hero "{cat|dog}"\nscene "a"\n@0 start "{hero}"\n@3s end\nscene "b"\n@0 start "x {hero}"\n@3s end\n'
    assert prompts(text) == [["cat"], ["dog"], ["x cat"], ["x dog"]]


def test_a_screenplay_without_groups_stays_one_script_not_a_batch() -> None:
    result = compile_ody(play("a {{b}}"))
    assert not result.batch and result.names == (ScriptName(None, None),)
    assert ScriptName(None, None).label("walk") == "walk" and ScriptName(None, 3).label("walk") == "walk.v3"


def test_thirty_two_scripts_are_allowed_thirty_three_are_not() -> None:
    eight, four = "|".join("abcdefgh"), "|".join("wxyz")
    assert len(compile_ody(play(f"{{{eight}}} {{{four}}}")).scripts or ()) == MAX_SCRIPTS
    d = only(diags(play(f"{{{eight}}} {{{four}|v}}")), "ODY116")
    assert d.span == Span(1, 30, 1, 41)
    assert d.message == "with these variants the request has at least 40 scripts: at most 32 are allowed"


def test_too_many_scripts_counts_the_whole_request() -> None:
    scene = 'scene "{0}"\n@0 start "{{a|b|c|d|e}} {{1|2|3|4}}"\n@3s end\n'
    text = scene.format("one") + scene.format("two")
    d = only(diags(text), "ODY116")
    assert d.span.line == 5 and "32" in d.message


def test_plain_scenes_after_the_variants_count_too() -> None:
    """Thirty-two variants of a first scene, then one plain scene: 33 scripts."""
    many = "|".join(str(i) for i in range(32))
    text = f'scene "a"\n@0 start "{{{many}}}"\n@3s end\nscene "b"\n@0 start "plain"\n@3s end\n'
    d = only(diags(text), "ODY116")
    assert d.span.line == 2 and "33 scripts" in d.message


def test_many_plain_scenes_alone_are_not_this_rules_business() -> None:
    text = "".join(f'scene "s{i}"\n@0 start "p"\n@3s end\n' for i in range(40))
    assert found(text) == []


def test_every_diagnostic_of_a_prompt_in_a_folded_string_points_into_it() -> None:
    text = 'define hero "x"\n@0 start """a long\n    prompt with {heor}\n    in it"""\n@3s end\n'
    d = only(diags(text), "ODY112")
    assert d.span == Span(3, 17, 3, 23)


def test_compile_text_without_a_path_composes_the_same() -> None:
    text = play("{hero}", header='define hero "{a|b}"')
    assert compile_text(text).script_json() == compile_text(text, path=NOWHERE).script_json()


def test_defines_that_multiply_are_stopped_at_the_one_too_long() -> None:
    """Eleven lines would otherwise make a prompt of 10 MB (and fifteen, of 10 GB)."""
    lines = ['define d0 "xxxxxxxxxx"', *(f'define d{i} "{{d{i - 1}}}{{d{i - 1}}}{{d{i - 1}}}{{d{i - 1}}}"'
                                      for i in range(1, 16))]
    d = only(diags(play("{d15}", "{d3}", header="\n".join(lines))), "ODY114")
    assert (d.span, d.message) == (Span(8, 8, 8, 10), "`d7` is more than 100,000 characters once expanded")


def test_a_prompt_too_long_once_expanded_is_an_error_at_the_prompt() -> None:
    text = play("{big} {big}", "{big}", header=f'define big "{"x" * 60_000}"')
    d = only(diags(text), "ODY114")
    assert (d.span.line, d.message) == (2, "more than 100,000 characters once its names are expanded")
    assert len(prompts(play("{big}", header=f'define big "{"x" * 100_000}"'))[0]) == 100_000


# --- the property: composition as the issue words it --------------------------------------------

_WORDS = st.sampled_from(["a cat", "by the sea", "{{", "}}", " ", "  ", ".", ",", ";", ":", "!", "?", "…", "é"])


def _expanded(text: str, defines: dict[str, str]) -> str:
    """The issue's words, read naively: `{{` and `}}` collapse once, `{NAME}` is the define's
    text expanded, and what an expansion gives is not read again."""
    return re.sub(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_-]*)\}",
                  lambda m: _expanded(defines[m.group(1)], defines) if m.group(1) else m.group()[0], text)


def _joined(prompt: str, style: str, negative: str) -> str:
    """The issue's joining rules; an empty style or negative adds nothing, and so does a blank one
    (spaces only: "Negative prompt:  " would tell the model nothing)."""
    if style.strip():
        prompt = prompt.rstrip(" ")
        prompt += (" " if prompt[-1:] in (".", ",", ";", ":", "!", "?", "…") else ", ") + style
    if negative.strip():
        prompt = prompt.rstrip(" ")
        if prompt[-1:] in (".", "!", "?", "…"):
            return f"{prompt} Negative prompt: {negative}"
        if prompt[-1:] in (",", ";", ":"):  # replaced by the `.` of `. `
            prompt = prompt[:-1]
        prompt += ". Negative prompt: " + negative
    return prompt


@given(st.data())
def test_prompts_are_expanded_and_joined_as_the_issue_says(data: st.DataObject) -> None:
    count = data.draw(st.integers(0, 4))
    names = [f"n{i}" for i in range(count)]

    def template(uses: list[str]) -> str:  # a define uses only those after it: no cycle
        chunks = data.draw(st.lists(st.one_of(_WORDS, st.sampled_from(uses)) if uses else _WORDS, max_size=4))
        return "".join(chunks)

    defines = {name: template([f"{{{n}}}" for n in names[i + 1:]]) for i, name in enumerate(names)}
    refs = [f"{{{n}}}" for n in names]
    style, negative = template(refs), template(refs)
    cues = [template(refs) + " word" + template(refs) for _ in range(data.draw(st.integers(1, 3)))]
    order = data.draw(st.permutations(names))  # the order of the defines never matters
    header = "\n".join([*(f'define {n} "{defines[n]}"' for n in order), f'style "{style}"', f'negative "{negative}"'])
    expected = [_joined(_expanded(c, defines), _expanded(style, defines), _expanded(negative, defines)) for c in cues]
    assert prompts(play(*cues, header=header)) == expected


_GROUPS = st.sampled_from(["{a|b}", "{x|y|z}", "{|q}"])


@given(st.data())
def test_variants_are_one_script_per_combination_as_the_issue_says(data: st.DataObject) -> None:
    """The oracle: each group found reading the prompts top to bottom, left to right, a
    define's groups where the define is first used and the same group wherever it is used."""
    defines = {"d0": data.draw(st.lists(st.one_of(_WORDS, _GROUPS), max_size=3).map("".join))}
    defines["d1"] = data.draw(st.lists(st.one_of(_WORDS, _GROUPS, st.just("{d0}")), max_size=3).map("".join))
    chunks = st.one_of(_WORDS, _GROUPS, st.sampled_from(["{d0}", "{d1}"]))
    cues = [data.draw(st.lists(chunks, max_size=4).map("".join)) + " w" for _ in range(data.draw(st.integers(1, 3)))]
    order: list[object] = []  # each group's identity, by first appearance
    options: dict[object, list[str]] = {}

    def read(text: str, where: object) -> list[str | object]:
        out: list[str | object] = []
        for index, match in enumerate(re.finditer(r"\{\{|\}\}|\{([^{}|]+)\}|\{([^{}]*)\}|[^{}]+", text)):
            if match.group(1):
                out += read(defines[match.group(1)], match.group(1))
            elif match.group(2) is not None:
                key = (where, index) if isinstance(where, str) else (where, match.start())
                if key not in options:
                    order.append(key)
                    options[key] = match.group(2).split("|")
                out.append(key)
            else:
                out.append(match.group()[0] if match.group() in ("{{", "}}") else match.group())
        return out

    parts = [read(cue, ("cue", n)) for n, cue in enumerate(cues)]
    assume(math.prod(len(o) for o in options.values()) <= MAX_SCRIPTS)
    expected = [[("".join(p if isinstance(p, str) else choice[order.index(p)] for p in cue)) for cue in parts]
                for choice in itertools.product(*(options[k] for k in order))]
    header = "\n".join(f'define {n} "{t}"' for n, t in defines.items())
    result = compile_ody(play(*cues, header=header))
    assert result.ok, result.diagnostics
    assert prompts(play(*cues, header=header)) == (expected if order else expected[0])


def test_every_define_of_a_cycle_is_an_error_even_one_the_first_loop_found_left_out() -> None:
    """`d` uses `e`, which uses `r`, which uses `d`: a depth-first search from `r` finds the
    loop `r → e → r` first and `d` next to it, and `d` was left out."""
    text = play("{r}", header='define r "{e} {d}"\ndefine e "{r}"\ndefine d "{e}"')
    assert [(d.code, d.span.line, d.message) for d in diags(text)] == [
        ("ODY113", 1, "`r` uses itself: `{r}` → `{e}` → `{r}`"),
        ("ODY113", 2, "`e` uses itself: `{e}` → `{r}` → `{e}`"),
        ("ODY113", 3, "`d` uses itself: `{d}` → `{e}` → `{r}` → `{d}`")]


def test_defines_may_nest_sixty_four_deep_and_thousands_are_one_error_not_a_crash() -> None:
    def chain(count: int) -> str:
        return "\n".join(['define d0 "x"', *(f'define d{i} "{{d{i - 1}}}"' for i in range(1, count))])

    assert prompts(play("{d64}", header=chain(65))) == ["x"]
    d = only(diags(play("{d2999}", header=chain(3000) + '\nstyle "{d2999}"')), "ODY114")
    assert (d.span.line, d.message) == (66, "`d65` uses defines more than 64 deep")


def test_a_blank_style_or_negative_adds_nothing() -> None:
    """`negative "   "` sent "A cat, x. Negative prompt:    ": junk the model reads."""
    assert prompts(play("A cat", header='style "x"\nnegative "   "')) == ["A cat, x"]
    assert prompts(play("A cat.", header='style "   "')) == ["A cat."]


def test_a_badly_named_define_is_one_mistake_and_never_a_suggestion() -> None:
    """`define -hero` was also "never used", and `{hero}` was told "did you mean `{-hero}`?" with
    a safe fix `--fix` could not apply."""
    found = diags('define -hero "a cat"\ndefine 9lives "n"\n@0 start "{hero} sleeps"\n@3s end\n')
    assert sorted(d.code for d in found) == ["ODY112", "ODY114", "ODY114"]
    (undefined,) = [d for d in found if d.code == "ODY112"]
    assert "-hero" not in (undefined.help or "") and all(f.safe is False for f in undefined.fixes)


def test_a_resolver_of_a_tool_may_fail_its_own_way() -> None:
    """The README's resolver (a dict lookup) raised KeyError out of compile_text."""
    buffers = {(NOWHERE / "look.ody").absolute(): 'define hero "a ginger cat"\ninclude "colors.ody"\n'}
    result = compile_text('include "look.ody"\n@0 start "{hero}"\n@3s end\n', path=NOWHERE / "scene.ody",
                          resolver=lambda p: buffers[p])
    (d,) = result.diagnostics
    assert (d.code, d.file, d.message) == ("ODY115", str(NOWHERE / "look.ody"), "cannot include `colors.ody`: no such file")
