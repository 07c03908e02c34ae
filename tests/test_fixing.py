"""Applying fixes (`odyssey_dsl.fixing`) and `ody lint --fix` / `--diff` / `--unsafe-fixes`.

The fixes are the compiler's own (misspelt keywords and values, unclosed strings, a missing
`end`); the one made-up fix stands for a class no rule should produce, a fix that adds an
error elsewhere, to show the round that applies it is undone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import diags
from hypothesis import given
from hypothesis import strategies as st
from test_cli import ody

from odyssey_dsl import Diagnostic, Fix, Span
from odyssey_dsl.diagnostics import DIRECTIVE_PROBLEM, MISSING_END, UNKNOWN_KEYWORD
from odyssey_dsl.fixing import MAX_ROUNDS, apply_fixes, chosen, fix_text


def _edit(line: int, column: int, end_line: int, end_column: int, replacement: str) -> tuple[Diagnostic, Fix]:
    span = Span(line, column, end_line, end_column)
    fix = Fix("edit", span, replacement)
    return UNKNOWN_KEYWORD.at(span, "edit", fixes=(fix,)), fix


# --- apply_fixes ---------------------------------------------------------------------------------

def test_columns_count_code_points_and_ends_are_exclusive() -> None:
    text = '@0 start "🐈 cat"\n@3s interct "🐦"\n'
    new, applied = apply_fixes(text, [_edit(2, 5, 2, 12, "interact"), _edit(1, 13, 1, 13, "ginger ")])
    assert new == '@0 start "🐈 ginger cat"\n@3s interact "🐦"\n'
    assert [a.fix.replacement for a in applied] == ["ginger ", "interact"]  # in the text's order


def test_overlapping_fixes_and_two_insertions_at_one_place_apply_the_first_only() -> None:
    text = "abcdef\n"
    new, applied = apply_fixes(text, [_edit(1, 2, 1, 5, "X"), _edit(1, 4, 1, 6, "Y"), _edit(1, 6, 1, 6, "1"),
                                      _edit(1, 6, 1, 6, "2"), _edit(1, 5, 1, 6, "Z")])
    assert new == "aXZ1f\n" and len(applied) == 3


def test_a_fix_whose_place_is_not_in_the_text_is_left_out() -> None:
    """A fix meant for another text (an included file's) never lands at a wrong place."""
    text = "@0 start \"a\"\n@9s end"
    for span in [(3, 1, 3, 1), (1, 20, 1, 20), (2, 1, 1, 1), (0, 1, 0, 2), (2, 8, 2, 9)]:
        assert apply_fixes(text, [_edit(*span, "X")]) == (text, ())
    assert apply_fixes(text, [_edit(2, 8, 2, 8, "\n")])[0] == text + "\n"  # the end of the last line is in it


def test_line_breaks_in_a_replacement_follow_the_text() -> None:
    text = '@0 start "a"\r\n@3s interact "b"\r\n'
    assert apply_fixes(text, [_edit(2, 17, 2, 17, "\n@6s end")])[0] == '@0 start "a"\r\n@3s interact "b"\r\n@6s end\r\n'


_TEXT = st.lists(st.text(st.sampled_from("ab🐈\t é"), max_size=6), min_size=1, max_size=5).flatmap(
    lambda lines: st.tuples(st.just(lines), st.sampled_from(["\n", "\r\n", "\r"])))


@given(_TEXT, st.data())
def test_fixes_that_do_not_touch_apply_as_if_one_by_one_from_the_end(text_and_break: tuple[list[str], str],
                                                                     data: st.DataObject) -> None:
    """The oracle: each edit on the list of lines, the last first, so that none moves another."""
    lines, newline = text_and_break
    text = newline.join(lines)
    places = sorted({(n + 1, c + 1) for n, line in enumerate(lines) for c in range(len(line) + 1)})
    chosen_places = sorted(data.draw(st.sets(st.sampled_from(places), max_size=6)))
    edits = []
    for (line, column), after in zip(chosen_places, [*chosen_places[1:], None]):
        end_column = column if after is None or after[0] != line else data.draw(st.integers(column, after[1] - 1))
        edits.append(_edit(line, column, line, end_column, data.draw(st.sampled_from(["", "x", "🐦🐦", "\n"]))))
    new, applied = apply_fixes(text, data.draw(st.permutations(edits)))
    expected, written = list(lines), newline if len(lines) > 1 else "\n"  # a text without a break: "\n"
    for _, fix in reversed(edits):
        row, span = expected[fix.span.line - 1], fix.span
        expected[span.line - 1] = row[:span.column - 1] + fix.replacement.replace("\n", written) + row[span.end_column - 1:]
    assert new == newline.join(expected) and len(applied) == len(edits)


# --- chosen --------------------------------------------------------------------------------------

def test_the_fix_chosen_is_the_only_one_allowed_never_a_guess_between_several() -> None:
    span = Span(1, 1, 1, 2)
    safe, unsafe, other = Fix("a", span, "a"), Fix("b", span, "b", safe=False), Fix("c", span, "c")
    assert chosen(UNKNOWN_KEYWORD.at(span, "m", fixes=(safe,))) is safe
    assert chosen(MISSING_END.at(span, "m", fixes=(other,))) is None
    assert chosen(MISSING_END.at(span, "m", fixes=(other,)), unsafe=True) is other
    assert chosen(UNKNOWN_KEYWORD.at(span, "m", fixes=(safe, other))) is None  # two safe readings: the writer's choice
    assert chosen(UNKNOWN_KEYWORD.at(span, "m", fixes=(unsafe, safe)), unsafe=True) is safe  # the one safe reading
    assert chosen(UNKNOWN_KEYWORD.at(span, "m")) is None


def test_a_diagnostic_or_a_fix_in_another_file_is_never_chosen() -> None:
    """`--fix` edits the text it fixes only: an included file's problem (`file` set) and a fix
    of another file are left, whatever their safety."""
    span = Span(1, 1, 1, 2)
    here, there = Fix("a", span, "a"), Fix("b", span, "b", file="lib.ody")
    assert chosen(UNKNOWN_KEYWORD.at(span, "m", fixes=(here,), file="lib.ody"), unsafe=True) is None
    assert chosen(UNKNOWN_KEYWORD.at(span, "m", fixes=(there,)), unsafe=True) is None
    assert chosen(UNKNOWN_KEYWORD.at(span, "m", fixes=(there, here))) is here  # the one safe fix of this text


# --- fix_text ------------------------------------------------------------------------------------

def test_fixes_go_in_rounds_until_none_applies() -> None:
    """The unclosed string hides the misspelt action on its line: a second round mends it."""
    text = '@0 start "a"\n@3s interct "b\n@9s ned\n'
    done = fix_text(text, diags)
    assert done.text == '@0 start "a"\n@3s interact "b"\n@9s end\n'
    assert done.rounds == 2 and done.diagnostics == () and done.undone is None
    assert [a.diagnostic.code for a in done.applied] == ["ODY002", "ODY004", "ODY004"]


def test_unsafe_fixes_only_when_asked() -> None:
    text = 'orientation landscpe\n@0 start "a"\n@3s interact "b"\n'
    safe = fix_text(text, diags)
    assert safe.text == text.replace("landscpe", "landscape") and [d.code for d in safe.diagnostics] == ["ODY103"]
    assert fix_text(text, diags, unsafe=True).text == safe.text + "@6s end\n"


def test_a_diagnostic_with_several_readings_is_left_to_the_writer() -> None:
    text = '@0 start "a"\n@3 interact "b"\n@9s end\n'
    done = fix_text(text, diags, unsafe=True)
    assert done.text == text and len(done.diagnostics[0].fixes) == 2


def test_a_round_that_would_add_an_error_is_undone() -> None:
    """A "fix" of the bad value that moves `end` before the cue above it (ODY102): the round
    is undone, the file keeps the rounds before, and the first added error is named."""
    text = 'orientation landscpe\n@0 start "a"\n@3s interct "b"\n@9s end\n'

    def misfixing(text: str) -> tuple[Diagnostic, ...]:
        return tuple(d._replace(fixes=(Fix("misfix", Span(4, 1, 4, 4), "@1s"),)) if d.code == "ODY109" else d
                     for d in diags(text))

    done = fix_text(text, misfixing)
    assert done.text == text.replace("interct", "interact") and done.rounds == 1
    assert done.undone is not None and done.undone.round == 2
    assert (done.undone.added.code, done.undone.added.span.line) == ("ODY102", 4)
    assert [d.code for d in done.diagnostics] == ["ODY109"]


def test_an_undone_round_of_unsafe_fixes_keeps_the_safe_fixes() -> None:
    """Safe fixes go in rounds before unsafe ones: a bad unsafe fix (an `end` added too early)
    is undone alone."""
    text = 'orientation landscpe\n@0 start "a"\n@3s interact "b"\n'

    def early_end(text: str) -> tuple[Diagnostic, ...]:
        return tuple(d._replace(fixes=(Fix("too early", Span(2, 13, 2, 13), "\n@1s end"),)) if d.code == "ODY103" else d
                     for d in diags(text))

    done = fix_text(text, early_end, unsafe=True)
    assert done.text == text.replace("landscpe", "landscape") and done.rounds == 1
    assert done.undone is not None and done.undone.round == 2 and done.undone.added.is_error


def test_lines_added_by_a_fix_move_the_problems_of_the_text_not_those_of_an_included_file() -> None:
    """An included file's error at line 5 stays at line 5 when a fix adds a line above line 5
    of the text fixed: it is not new, and the round stands."""
    text = 'orientation landscape\n@0 start "a"\n@3s interact "b"\n'
    elsewhere = UNKNOWN_KEYWORD.at(Span(5, 1, 5, 3), "in the library", file="lib.ody")

    def with_library(text: str) -> tuple[Diagnostic, ...]:
        return (*diags(text), elsewhere)

    done = fix_text(text, with_library, unsafe=True)
    assert done.undone is None and done.text == text + "@6s end\n"
    assert done.diagnostics == (elsewhere,)


def test_mending_a_stray_brace_may_reveal_the_names_it_hid() -> None:
    """A prompt with a stray brace is not read for names: doubling the brace (ODY111) shows the
    misspelt `{heor}` (ODY112), which the next round mends."""
    text = 'define hero "a cat"\n@0 start "{heor} {oops"\n@3s end\n'
    done = fix_text(text, diags)
    assert done.undone is None and done.diagnostics == ()
    assert done.text == 'define hero "a cat"\n@0 start "{hero} {{oops"\n@3s end\n'
    assert [a.diagnostic.code for a in done.applied] == ["ODY111", "ODY112"]


def test_a_fix_that_keeps_offering_itself_stops_after_the_last_round() -> None:
    def endless(text: str) -> tuple[Diagnostic, ...]:
        line = text.count("\n") + 1
        return (DIRECTIVE_PROBLEM.at(Span(line, 1, line, 1), "more", fixes=(Fix("more", Span(line, 1, line, 1), "#\n"),)),)

    done = fix_text("", endless)
    assert done.rounds == MAX_ROUNDS and done.exhausted and done.text == "#\n" * MAX_ROUNDS


_TYPOS = {"interact": ["interct", "intreact", "interactt", "nteract"], "end": ["ned", "edn", "ende"],
          "landscape": ["landscpe", "lanscape"], "portrait": ["portrat", "protrait"], "orientation": ["orientaton"]}


@given(st.lists(st.tuples(st.integers(1, 30), st.booleans()), min_size=1, max_size=8), st.sampled_from(["landscape", "portrait"]),
       st.data())
def test_misspelt_keywords_are_all_mended_back_to_the_screenplay(cues: list[tuple[int, bool]], orientation: str,
                                                                 data: st.DataObject) -> None:
    """Property: a valid screenplay with random keywords misspelt (as writers misspell them)
    is given back exactly by `--fix`, in as many rounds as it takes."""
    lines, at = [f"orientation {orientation}", '@0 start "A cat on a sill"'], 0
    for gap, relative in cues:
        at += gap * 1000
        lines.append(f'@{"+" if relative else ""}{gap if relative else at // 1000}s interact "beat {at}"')
    lines.append(f"@+{3}s end")
    original = "\n".join(lines) + "\n"
    words = [w for line in lines for w in line.split() if w in _TYPOS]
    broken = [data.draw(st.sampled_from([w, *_TYPOS[w]])) for w in words]
    text, it = [], iter(broken)
    for line in lines:
        text.append(" ".join(next(it) if w in _TYPOS else w for w in line.split(" ")))
    done = fix_text("\n".join(text) + "\n", diags)
    assert done.text == original and not [d for d in done.diagnostics if d.is_error] and done.undone is None


# --- ody lint --fix ------------------------------------------------------------------------------

BROKEN = 'orientation landscpe\n@0 start "a cat"\n@3s interct "it looks outside"\n@6s interact "the bird"\n'
FIXED = BROKEN.replace("landscpe", "landscape").replace("interct", "interact")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "scene.ody").write_text(BROKEN, encoding="utf-8")
    (tmp_path / "clean.ody").write_text('@0 start "a"\n@9s end\n', encoding="utf-8")
    return tmp_path


def test_lint_fix_writes_the_safe_fixes_says_what_and_reports_what_is_left(folder: Path) -> None:
    done = ody("lint", "--fix", ".", cwd=folder)
    assert (folder / "scene.ody").read_text(encoding="utf-8") == FIXED
    assert done.returncode == 1  # the missing `end` is left: its fix is unsafe
    assert "error[ODY103]" in done.stdout and "ODY004" not in done.stdout
    assert done.stderr.splitlines() == [
        "scene.ody: fixed 2 problems (ODY004 unknown-keyword, ODY109 directive-problem)",
        "fixed 2 problems in 1 of 2 files; 1 more with --unsafe-fixes",
    ]
    again = ody("lint", "--fix", "--unsafe-fixes", "scene.ody", cwd=folder)
    assert again.returncode == 0 and again.stdout == "", again.stdout
    assert (folder / "scene.ody").read_text(encoding="utf-8").endswith('"the bird"\n@9s end\n')
    assert again.stderr.splitlines()[-1] == "fixed 1 problem in 1 file"


def test_lint_fix_with_warnings_left_fails_only_when_strict(tmp_path: Path) -> None:
    (tmp_path / "w.ody").write_text('@0 start "a"\n@1s interct "quick"\n@9s end\n', encoding="utf-8")
    assert ody("lint", "--fix", "w.ody", cwd=tmp_path).returncode == 0
    (tmp_path / "w.ody").write_text('@0 start "a"\n@1s interct "quick"\n@9s end\n', encoding="utf-8")
    strict = ody("lint", "--fix", "--strict", "--format", "json", "w.ody", cwd=tmp_path)
    assert strict.returncode == 1 and [d["code"] for d in json.loads(strict.stdout)] == ["ODY201"]
    assert "interact" in (tmp_path / "w.ody").read_text(encoding="utf-8")


def test_lint_diff_changes_nothing_and_fails_when_there_is_a_diff(folder: Path) -> None:
    done = ody("lint", "--diff", "scene.ody", "clean.ody", cwd=folder)
    assert done.returncode == 1
    assert (folder / "scene.ody").read_text(encoding="utf-8") == BROKEN
    assert "-orientation landscpe\n+orientation landscape\n" in done.stdout and "clean.ody" not in done.stdout
    assert done.stdout.startswith("--- scene.ody\t(original)\n+++ scene.ody\t(fixed)\n@@ ")
    assert "scene.ody: would fix 2 problems" in done.stderr and "error[ODY103]" in done.stderr
    clean = ody("lint", "--diff", "clean.ody", cwd=folder)
    assert (clean.returncode, clean.stdout) == (0, "")


def test_lint_fix_of_stdin_writes_the_fixed_text_on_stdout_and_the_report_on_stderr(folder: Path) -> None:
    done = ody("lint", "--fix", "-", "--stdin-filename", "piped.ody", cwd=folder, stdin=BROKEN.encode("utf-8"))
    assert done.stdout == FIXED
    assert done.returncode == 1 and "piped.ody:4:1" in done.stderr and "error[ODY103]" in done.stderr


def test_lint_fix_keeps_the_bom_and_the_line_breaks(tmp_path: Path) -> None:
    path = tmp_path / "crlf.ody"
    path.write_bytes(b"\xef\xbb\xbf" + BROKEN.replace("\n", "\r\n").encode("utf-8"))
    assert ody("lint", "--fix", "--unsafe-fixes", "crlf.ody", cwd=tmp_path).returncode == 0
    fixed = FIXED + "@9s end\n"
    assert path.read_bytes() == b"\xef\xbb\xbf" + fixed.replace("\n", "\r\n").encode("utf-8")


def test_lint_fix_leaves_a_file_that_is_not_utf8_as_it_is(tmp_path: Path) -> None:
    data = b'@0 start "Ma\xebl"\n@3s interct "b"\n@9s end\n'
    (tmp_path / "latin1.ody").write_bytes(data)
    done = ody("lint", "--fix", "latin1.ody", cwd=tmp_path)
    assert done.returncode == 1 and "ODY006" in done.stdout
    assert (tmp_path / "latin1.ody").read_bytes() == data


def test_lint_fix_goes_on_past_a_missing_file_and_exits_2(folder: Path) -> None:
    done = ody("lint", "--fix", "missing.ody", "scene.ody", cwd=folder)
    assert done.returncode == 2 and "ody lint: missing.ody: no such file" in done.stderr
    assert "interact" in (folder / "scene.ody").read_text(encoding="utf-8")


def test_unsafe_fixes_alone_is_a_usage_error(folder: Path) -> None:
    done = ody("lint", "--unsafe-fixes", "scene.ody", cwd=folder)
    assert done.returncode == 2 and "--unsafe-fixes goes with --fix or --diff" in done.stderr


def test_plain_lint_says_how_many_fix_would_fix_in_the_human_format_only(folder: Path) -> None:
    human = ody("lint", "scene.ody", cwd=folder)
    assert human.returncode == 1 and human.stderr == "2 fixable with `ody lint --fix`\n"
    assert ody("lint", "--format", "gcc", "scene.ody", cwd=folder).stderr == ""
    (folder / "late.ody").write_text('@0 start "a"\n@3s interact "b"\n', encoding="utf-8")
    assert ody("lint", "late.ody", cwd=folder).stderr == "1 fixable with `ody lint --fix --unsafe-fixes`\n"
    (folder / "late.ody").write_text('orientation landscpe\n@0 start "a"\n@3s interact "b"\n', encoding="utf-8")
    assert ody("lint", "late.ody", cwd=folder).stderr == "1 fixable with `ody lint --fix` (1 more with --unsafe-fixes)\n"


def test_fixes_of_another_text_or_that_change_nothing_end_the_fixing_at_once() -> None:
    calls: list[str] = []

    def elsewhere(text: str) -> tuple[Diagnostic, ...]:
        calls.append(text)
        return (_edit(40, 1, 40, 3, "x")[0],)

    done = fix_text("@0 start \"a\"\n", elsewhere)
    assert (done.rounds, done.exhausted, len(calls)) == (0, False, 1)
    same = fix_text('@0 start "a"\n', lambda text: (_edit(1, 1, 1, 3, "@0")[0],))
    assert (same.rounds, same.exhausted, same.applied) == (0, False, ())
