"""`scene "night" after "day"`: a scene that starts from the last frame of another's recording.
The syntax, ODY117-ODY120 at their places, `ody fmt`, `ody compile` (the scripts and the note on
stderr), `Compilation.after`, and `ody lint --fix` of a misspelt name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import apply_fix, compile_ody, diags, only
from test_cli import ody

from odyssey_dsl import Settings, Span
from odyssey_dsl.compiler import compile_streamed
from odyssey_dsl.fmt import format_text
from odyssey_dsl.lsp.document import LiveDocument
from odyssey_dsl.syntax import Scene, parse

DAY = 'scene "day"\n@0 start "A harbour at noon"\n@4s end\n'
NIGHT = 'scene "night" after "day"\n@0 start "The harbour at night"\n@4s end\n'
PNG = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC"


def scene(name: str, after: str | None = None, prompt: str = "A harbour", image: str | None = None) -> str:
    head = f'scene "{name}"' + (f' after "{after}"' if after is not None else "")
    return f'{head}\n@0 start "{prompt}"' + (f' image "{image}"' if image else "") + "\n@4s end\n"


def same_in_the_editor(text: str) -> None:
    """The editor finds what `ody lint` finds (the same rules, through the other driver)."""
    assert LiveDocument(text, None, Settings()).diagnostics == tuple(diags(text))


# --- the syntax ---------------------------------------------------------------------------------

def test_a_scene_line_keeps_the_name_it_continues_with_its_places() -> None:
    (item,) = parse('scene "night"  after\t"""day"""  # the second shot\n').items
    assert isinstance(item, Scene)
    assert item.name.value == "night" and item.after is not None and item.after.value == "day"
    assert item.after_keyword == Span(1, 16, 1, 21)
    assert item.after.span == Span(1, 22, 1, 31)
    assert item.span == Span(1, 1, 1, 31)  # the statement ends with the name it continues
    (plain,) = parse('scene "day"\n').items
    assert isinstance(plain, Scene) and plain.after is None and plain.after_keyword is None


@pytest.mark.parametrize(("line", "code", "span", "message"), [
    ('scene "a" after', "ODY001", Span(1, 11, 1, 16),
     "expected the name of the scene it continues, in quotes, after `after`"),
    ('scene after "b"', "ODY001", Span(1, 7, 1, 12), "expected the scene's own name in quotes before `after`"),
    ('scene "a" "b"', "ODY001", Span(1, 11, 1, 14), "a scene line holds one name"),
    ('scene "a" afer "b"', "ODY004", Span(1, 11, 1, 15), "unknown word `afer` on a scene line"),
    ('scene "a" after "b" after "c"', "ODY001", Span(1, 21, 1, 26), "unexpected `after`: expected the end of the line"),
    ('scene "a" after "b" "c"', "ODY001", Span(1, 21, 1, 24), "unexpected string: expected the end of the line"),
    ('after "day"', "ODY001", Span(1, 1, 1, 6), "`after` belongs on a scene line, after the scene's name"),
    ('@3s after "x"', "ODY004", Span(1, 5, 1, 10), "unknown action `after`"),  # as any word there
])
def test_a_broken_scene_line_says_what_is_wrong_in_plain_words(line: str, code: str, span: Span, message: str) -> None:
    (found,) = parse(line).diagnostics
    assert (found.code, found.span, found.message) == (code, span, message)


def test_the_fixes_of_a_broken_scene_line_write_after() -> None:
    (found,) = parse('scene "a" afer "b"').diagnostics
    assert apply_fix('scene "a" afer "b"', found.fixes[0]) == 'scene "a" after "b"'
    (found,) = parse('scene "a" "b"').diagnostics
    assert apply_fix('scene "a" "b"', found.fixes[0]) == 'scene "a" after "b"'


def test_after_is_still_a_word_elsewhere() -> None:
    assert diags('define after "later"\n@0 start "{after}"\n@3s end\n') == []
    assert diags('@0 start "after the rain"\n@3s end\n') == []


# --- the rules ------------------------------------------------------------------------------------

def test_a_scene_may_continue_one_above_or_below_it() -> None:
    for text in (DAY + NIGHT, NIGHT + DAY):
        assert diags(text) == []
        same_in_the_editor(text)


def test_an_unknown_scene_is_ody117_with_the_close_name_as_a_safe_fix() -> None:
    text = DAY + NIGHT.replace('"day"', '"Day"')
    found = only(diags(text), "ODY117")
    assert (found.span, found.message, found.help) == (Span(4, 21, 4, 26), "no scene is named `Day`", "did you mean `day`?")
    assert [r.span for r in found.related] == [Span(1, 7, 1, 12)]
    assert found.is_safe(found.fixes[0]) and apply_fix(text, found.fixes[0]) == DAY + NIGHT
    same_in_the_editor(text)


def test_an_unknown_scene_with_no_close_name_lists_the_scenes() -> None:
    found = only(diags(DAY + NIGHT.replace('"day"', '"sunset"')), "ODY117")
    assert (found.message, found.help, found.fixes) == (
        "no scene is named `sunset`", "`after` names another scene of this file: `day`", ())
    found = only(diags(NIGHT), "ODY117")  # the one scene: nothing else to continue
    assert found.help is not None and found.help.startswith("this file has no other scene to continue")


def test_an_unknown_scene_is_not_reported_beside_a_broken_scene_line() -> None:
    """The name may be on the broken line: its syntax error is the one to fix first."""
    assert [d.code for d in diags(DAY.replace('scene "day"', 'scene "day" afterr "x"') + NIGHT)] == ["ODY004"]


@pytest.mark.parametrize("order", [(0, 1, 2), (2, 1, 0), (1, 0, 2)])
def test_a_cycle_is_ody118_at_each_scene_of_it_with_the_loop(order: tuple[int, int, int]) -> None:
    scenes = [scene("a", "b"), scene("b", "c"), scene("c", "a")]
    text = "".join(scenes[i] for i in order)
    found = diags(text)
    assert {d.code for d in found} == {"ODY118"}
    loops = {d.message for d in found}
    assert loops == {"these scenes continue each other in a cycle: `a` after `b` after `c` after `a`",
                     "these scenes continue each other in a cycle: `b` after `c` after `a` after `b`",
                     "these scenes continue each other in a cycle: `c` after `a` after `b` after `c`"}
    for d in found:  # at the name after `after`, pointing at the scene it continues
        line = text.splitlines()[d.span.line - 1]
        assert line[d.span.column - 1:d.span.end_column - 1] == line.split(" after ")[1]
        assert len(d.related) == 1 and text.splitlines()[d.related[0].span.line - 1].startswith("scene ")
    same_in_the_editor(text)


def test_a_scene_after_itself_is_ody118_and_a_chain_into_a_cycle_is_reported_once() -> None:
    text = scene("a", "a") + scene("b", "a")
    found = only(diags(text), "ODY118")
    assert (found.span, found.message) == (Span(1, 17, 1, 20), "a scene cannot continue itself")
    same_in_the_editor(text)


def test_a_long_cycle_names_a_few_scenes_then_stops() -> None:
    text = "".join(scene(f"s{i}", f"s{(i + 1) % 20}") for i in range(20))
    found = diags(text)
    assert len(found) == 20 and {d.code for d in found} == {"ODY118"}
    assert found[0].message == ("these scenes continue each other in a cycle: `s0` after `s1` after `s2` after `s3` "
                                "after `s4` after `s5` after …")


def test_an_image_on_a_continuing_scene_is_ody119_at_the_image() -> None:
    text = DAY + scene("night", "day", image=PNG)
    found = only(diags(text), "ODY119")
    line = text.splitlines()[4]
    assert found.span == Span(5, line.index(" image") + 2, 5, len(line) + 1)
    assert found.message == ("this scene continues `day`: it starts from the last frame of that scene's recording, "
                             "not from an image")
    assert [r.span for r in found.related] == [Span(4, 21, 4, 26)]
    assert diags(scene("day", image=PNG) + NIGHT) == []  # the scene it continues may have one
    same_in_the_editor(text)


def test_continuing_a_scene_with_variants_is_ody120_at_the_name() -> None:
    text = scene("day", prompt="A harbour at {noon|dusk}") + NIGHT
    found = only(diags(text), "ODY120")
    assert (found.span, found.message) == (
        Span(4, 21, 4, 26), "`day` has variants: it makes several recordings, and a scene can continue only one")
    assert [r.span for r in found.related] == [Span(1, 1, 1, 12)]
    same_in_the_editor(text)


def test_variants_through_a_define_count_too() -> None:
    text = 'define hour "{noon|dusk}"\n\n' + scene("day", prompt="A harbour at {hour}") + NIGHT
    assert only(diags(text), "ODY120").span == Span(6, 21, 6, 26)
    same_in_the_editor(text)


def test_a_continuing_scene_may_have_variants() -> None:
    text = DAY + scene("night", "day", prompt="The harbour at night, {calm|stormy}")
    assert diags(text) == []
    assert compile_ody(text).after == (None, 0, 0)


# --- Compilation.after ------------------------------------------------------------------------------

def test_after_indexes_the_scripts_a_chain_of_three_makes() -> None:
    """dusk (two variants) after night after day: each of dusk's scripts continues night's one."""
    text = (scene("dusk", "night", prompt="Dusk, {calm|stormy}") + scene("night", "day") + DAY
            + scene("other", prompt="A {red|blue} boat"))
    result = compile_ody(text)
    assert [(n.scene, n.variant) for n in result.names or ()] == [
        ("dusk", 1), ("dusk", 2), ("night", None), ("day", None), ("other", 1), ("other", 2)]
    assert result.after == (2, 2, 3, None, None, None)
    streamed = compile_streamed(text.encode(), path=None, settings=Settings(), entries=True)
    assert streamed.after == result.after and streamed.names == result.names


def test_after_is_none_with_errors_and_all_none_without_after() -> None:
    assert compile_ody(DAY + NIGHT.replace('"day"', '"dya"')).after is None
    assert compile_ody(DAY + scene("dawn")).after == (None, None)
    assert compile_ody('@0 start "a"\n@3s end\n').after == (None,)


# --- ody fmt ------------------------------------------------------------------------------------------

def test_fmt_writes_one_space_around_after_and_is_idempotent() -> None:
    text = 'scene   "night"\tafter   """day"""   # second\n@0 start "b"\n@3s end\n' + DAY
    out = format_text(text)
    assert out.splitlines()[0] == 'scene "night" after "day" # second'
    assert format_text(out) == out
    assert compile_ody(out).script_json() == compile_ody(text).script_json()


# --- ody compile --------------------------------------------------------------------------------------

def test_compile_writes_the_scripts_without_the_chained_image_and_a_note_on_stderr(tmp_path: Path) -> None:
    (tmp_path / "harbour.ody").write_text(DAY + NIGHT, encoding="utf-8")
    result = ody("compile", "harbour.ody", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    scripts = json.loads(result.stdout)
    assert scripts[1] == [{"timestamp_ms": 0, "start": {"prompt": "The harbour at night"}},
                          {"timestamp_ms": 4000, "end": {}}]
    assert result.stderr == ("ody compile: note: scene `night` starts from the last frame of `day`'s recording, "
                             "which `ody run` adds as its start image: the script written here has none\n")


def test_the_note_names_every_continuing_scene_once(tmp_path: Path) -> None:
    text = scene("dusk", "night") + scene("night", "day", prompt="Night {calm|stormy}") + DAY
    (tmp_path / "chain.ody").write_text(text, encoding="utf-8")
    result = ody("compile", "chain.ody", cwd=tmp_path)
    assert result.returncode == 1  # dusk continues night, which has variants
    (tmp_path / "chain.ody").write_text(text.replace("Night {calm|stormy}", "Night"), encoding="utf-8")
    result = ody("compile", "chain.ody", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stderr == ("ody compile: note: scenes `dusk` (after `night`) and `night` (after `day`) start from "
                             "the last frame of the scene they continue, which `ody run` adds as their start image: "
                             "the scripts written here have none\n")


def test_no_note_without_after_nor_in_a_report_format_that_is_one_document(tmp_path: Path) -> None:
    (tmp_path / "two.ody").write_text(DAY + scene("dawn"), encoding="utf-8")
    assert ody("compile", "two.ody", cwd=tmp_path).stderr == ""
    (tmp_path / "harbour.ody").write_text(DAY + NIGHT, encoding="utf-8")
    for fmt in ("json", "sarif"):
        result = ody("compile", "--format", fmt, "harbour.ody", cwd=tmp_path)
        assert result.returncode == 0 and "ody compile: note" not in result.stderr
        json.loads(result.stderr)  # stderr is one JSON document


def test_lint_fix_corrects_a_misspelt_scene_name(tmp_path: Path) -> None:
    path = tmp_path / "harbour.ody"
    path.write_text(DAY + NIGHT.replace('"day"', '"dya"'), encoding="utf-8")
    result = ody("lint", "--fix", "harbour.ody", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert path.read_text(encoding="utf-8") == DAY + NIGHT
