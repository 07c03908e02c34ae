"""The catalogue of descriptors: every code declared once, with a name a suppression can use,
and no code written as a string anywhere else."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from odyssey_dsl import diagnostics
from odyssey_dsl.diagnostics import CODES, NAMES, SHORT_GAP, Fix, Severity, Span, lookup

PACKAGE = Path(diagnostics.__file__).parent


def test_each_descriptor_is_the_module_constant_named_after_it() -> None:
    for code, descriptor in CODES.items():
        assert descriptor.code == code and NAMES[descriptor.name] is descriptor
        assert getattr(diagnostics, descriptor.name.upper().replace("-", "_")) is descriptor
    assert len(NAMES) == len(CODES)


def test_the_hundreds_say_the_severity_and_only_some_warnings_are_silenced_by_a_comment() -> None:
    for code, descriptor in CODES.items():
        warning = descriptor.severity is Severity.WARNING
        assert warning == code.startswith("ODY2") or code == diagnostics.TIMESTAMPS_IN_SECONDS.code, code
        assert not descriptor.silenceable or warning, code
    assert sorted(d.code for d in CODES.values() if d.severity is Severity.WARNING and not d.silenceable) == [
        "ODY203", "ODY204"]  # about suppressions themselves


def test_a_code_or_a_name_declared_twice_fails() -> None:
    with pytest.raises(AssertionError):
        diagnostics._declare("ODY201", "another-gap", Severity.WARNING, "again")
    with pytest.raises(AssertionError):
        diagnostics._declare("ODY299", "short-gap", Severity.WARNING, "again")
    with pytest.raises(AssertionError):
        diagnostics._declare("ODY299", "Not_Kebab", Severity.WARNING, "bad name")
    assert "ODY299" not in CODES


def test_lookup_takes_a_code_or_a_name_in_any_case() -> None:
    assert lookup("ody201") is lookup("ODY201") is lookup("Short-Gap") is SHORT_GAP
    assert lookup("ODY999") is None and lookup("short-gaps") is None


def test_a_diagnostic_knows_its_name_and_descriptor() -> None:
    d = SHORT_GAP.at(Span(1, 1, 1, 2), "only 1s")
    assert (d.code, d.name, d.descriptor, d.severity) == ("ODY201", "short-gap", SHORT_GAP, Severity.WARNING)


def test_templates_fill_what_a_call_site_leaves_out() -> None:
    descriptor = diagnostics.Descriptor("ODY299", "x", Severity.WARNING, "s", silenceable=True, message="{n} tabs",
                                         help="use {what}")
    d = descriptor.at(Span(1, 1, 1, 2), n=2, what="spaces")
    assert (d.message, d.help) == ("2 tabs", "use spaces")
    assert descriptor.at(Span(1, 1, 1, 2), "own words", "own help").message == "own words"


def _code_literals(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and re.fullmatch(r"ODY\d{3}", node.value)]


def test_no_module_writes_a_code_as_a_string_outside_the_declarations() -> None:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(PACKAGE).as_posix()
        if name != "diagnostics.py" and _code_literals(path):
            found[name] = _code_literals(path)
    assert found == {}


def test_a_fix_is_safe_as_its_descriptor_says_unless_it_says_otherwise() -> None:
    """`ody lint --fix` reads this: a spelling fix is safe, a time change is not."""
    span = Span(1, 1, 1, 2)
    spelling = diagnostics.UNKNOWN_KEYWORD.at(span, "m", fixes=(Fix("t", span, "interact"),))
    timing = diagnostics.CUE_OUT_OF_ORDER.at(span, "m", fixes=(Fix("t", span, "@4s"), Fix("t", span, "@4s", safe=True)))
    assert spelling.is_safe(spelling.fixes[0])
    assert [timing.is_safe(f) for f in timing.fixes] == [False, True]
    assert spelling.shifted(2).fixes[0].span == Span(3, 1, 3, 2)
    assert timing.shifted(1).fixes[1].safe is True


@pytest.mark.parametrize("escape", ["\\u001b[31m", "\\u0007", "\\u009b", "\\u2028"])
def test_no_message_carries_a_control_character(escape: str, tmp_path: Path) -> None:
    """An image path built from escapes used to write them raw into the report (a terminal
    would obey them); every message, help and related note is escaped where it is made."""
    from odyssey_dsl import compile_text

    text = f'@0 start "a cat" image "{escape}x.png"\n@3s end\n'
    found = compile_text(text, path=tmp_path / "s.ody").diagnostics
    assert found
    for d in found:
        for words in (d.message, d.help or "", *(r.message for r in d.related)):
            assert words.isprintable(), words
    made = SHORT_GAP.at(Span(1, 1, 1, 2), "a\x1bb", "c\x07d", related=(diagnostics.Related(Span(1, 1, 1, 2), "e\x00"),))
    assert (made.message, made.help, made.related[0].message) == ("a\\x1bb", "c\\x07d", "e\\x00")


def test_shifting_moves_only_the_places_in_the_text_that_moved() -> None:
    """Lines typed above a diagnostic move it, not its related place or fix in an included file."""
    from odyssey_dsl.diagnostics import DEFINE_PROBLEM, Fix, Related, Span

    here, there = Span(3, 8, 3, 12), Span(1, 8, 1, 12)
    d = DEFINE_PROBLEM.at(here, "`hero` is defined twice", related=(Related(there, "first", "lib.ody"), Related(here, "x")),
                          fixes=(Fix("f", there, "", file="lib.ody"), Fix("g", here, "")))
    moved = d.shifted(2)
    assert moved.span == here.shifted(2)
    assert [r.span for r in moved.related] == [there, here.shifted(2)]
    assert [f.span for f in moved.fixes] == [there, here.shifted(2)]
    inside = d._replace(file="lib.ody")
    assert inside.shifted(2) == inside
