"""Templates (templates.py): every brace form, ODY111 where the braces are written and its
safe fix, and the properties: `parse` never raises, `escape` is its inverse, `source_offset`
finds each decoded character in the literal as written."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import apply_fix, diags, only
from hypothesis import given
from hypothesis import strategies as st
from test_cli import ody

from odyssey_dsl import parse, strings, templates
from odyssey_dsl.diagnostics import Span
from odyssey_dsl.fixing import chosen, fix_text
from odyssey_dsl.templates import BraceError, Group, Ref, Template


def errors(text: str) -> list[tuple[int, int, str]]:
    parsed = templates.parse(text)
    assert not isinstance(parsed, Template), parsed
    return [(e.start, e.end, e.message) for e in parsed]


# --- the forms ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "parts"), [
    ("", ()),
    ("plain text", ("plain text",)),
    ("{hero}", (Ref("hero", 0, 6),)),
    ("a {hero} b", ("a ", Ref("hero", 2, 8), " b")),
    ("{a}{b}", (Ref("a", 0, 3), Ref("b", 3, 6))),
    ("{_x-1}", (Ref("_x-1", 0, 6),)),
    ("{a|b|c}", (Group(("a", "b", "c"), 0, 7),)),
    ("x{|big }y", ("x", Group(("", "big "), 1, 8), "y")),
    ("{|}", (Group(("", ""), 0, 3),)),
    ("{ a | b }", (Group((" a ", " b "), 0, 9),)),
    ("{a|}", (Group(("a", ""), 0, 4),)),
    ("{{", ("{",)),
    ("}}", ("}",)),
    ("{{hero}}", ("{hero}",)),
    ("a {{ b }} c", ("a { b } c",)),
    ("{{{x}}}", ("{", Ref("x", 2, 5), "}")),
    ("{{{{", ("{{",)),
    ("{{a|b}}", ("{a|b}",)),
])
def test_each_brace_form_parses_to_its_parts(text: str, parts: tuple[object, ...]) -> None:
    assert templates.parse(text) == Template(parts)  # type: ignore[arg-type]


@pytest.mark.parametrize(("text", "found"), [
    ("a { b", [(2, 3, "a lone `{` that nothing closes")]),
    ("a } b", [(2, 3, "a lone `}` that closes nothing")]),
    ("{", [(0, 1, "a lone `{` that nothing closes")]),
    ("}{", [(0, 1, "a lone `}` that closes nothing"), (1, 2, "a lone `{` that nothing closes")]),
    ("{}", [(0, 2, "`{}` names nothing")]),
    ("{ x }", [(0, 5, "no spaces inside `{x}`")]),
    ("{x }", [(0, 4, "no spaces inside `{x}`")]),
    ("{ }", [(0, 3, "a name in braces is ASCII letters, digits, `_` and `-`, beginning with a letter or `_`")]),
    ("{1x}", [(0, 4, "a name in braces is ASCII letters, digits, `_` and `-`, beginning with a letter or `_`")]),
    ("{a b}", [(0, 5, "a name in braces is ASCII letters, digits, `_` and `-`, beginning with a letter or `_`")]),
    ("{é}", [(0, 3, "a name in braces is ASCII letters, digits, `_` and `-`, beginning with a letter or `_`")]),
    ("{a.b}", [(0, 5, "a name in braces is ASCII letters, digits, `_` and `-`, beginning with a letter or `_`")]),
    ("{{x}", [(3, 4, "a lone `}` that closes nothing")]),
    ("{x}}", [(3, 4, "a lone `}` that closes nothing")]),
    # a name inside a variant: one mistake over the group (it read as two lone braces)
    ("{a|{b}}", [(0, 7, "a variant's alternatives are text: no `{NAME}` inside `{a|b}`")]),
    ("{a|{b}|x{c}}", [(0, 12, "a variant's alternatives are text: no `{NAME}` inside `{a|b}`")]),
    ("{x{b}y}", [(0, 1, "a lone `{` that nothing closes"), (6, 7, "a lone `}` that closes nothing")]),
    ("{ok} {", [(5, 6, "a lone `{` that nothing closes")]),
])
def test_every_other_brace_is_an_error_of_its_own(text: str, found: list[tuple[int, int, str]]) -> None:
    assert errors(text) == found


def test_an_error_names_the_reference_it_may_have_meant() -> None:
    parsed = templates.parse("{ hero }")
    assert parsed == (BraceError(0, 8, "no spaces inside `{hero}`",
                                 "write `{hero}` for the define's text, or write `{{` or `}}` for a brace that is text",
                                 "hero"),)


def test_escape_doubles_the_braces_and_nothing_else() -> None:
    assert templates.escape("a {b} }{") == "a {{b}} }}{{"
    assert templates.escape("no braces") == "no braces"
    assert templates.has_braces("}") and not templates.has_braces("x")


# --- ODY111 in a screenplay ---------------------------------------------------------------------------

@pytest.mark.parametrize(("line", "span", "fixed"), [
    ('@0 start "a { b"', Span(1, 13, 1, 14), '@0 start "a {{ b"'),
    ('@0 start "a } b"', Span(1, 13, 1, 14), '@0 start "a }} b"'),
    ('@0 start "set {} here"', Span(1, 15, 1, 17), '@0 start "set {{}} here"'),
    ('@0 start "json { x }"', Span(1, 16, 1, 21), '@0 start "json {{ x }}"'),
    ('@0 start "\\"q\\" {1}"', Span(1, 17, 1, 20), '@0 start "\\"q\\" {{1}}"'),
    ('@0 start "\\u007b"', Span(1, 11, 1, 17), '@0 start "{{"'),
    ('@0 start "\\u007D x"', Span(1, 11, 1, 17), '@0 start "}} x"'),
    ('@0 start "é🐈 {"', Span(1, 14, 1, 15), '@0 start "é🐈 {{"'),
    ('@0 start """a\n    long {\n    prompt"""', Span(2, 10, 2, 11), '@0 start """a\n    long {{\n    prompt"""'),
])
def test_ody111_points_at_the_braces_as_written_and_its_safe_fix_doubles_them(
        line: str, span: Span, fixed: str) -> None:
    text = line + "\n@3s end\n"
    d = only(diags(text), "ODY111")
    assert d.span == span and d.help is not None and "`{{`" in d.help
    fix = chosen(d)
    assert fix is not None and fix.title == "Double the braces"
    assert apply_fix(text, fix) == fixed + "\n@3s end\n"
    assert diags(apply_fix(text, fix)) == []


def test_ody111_is_reported_in_styles_negatives_and_defines_too() -> None:
    text = 'define a "x {"\nstyle "}"\nnegative "{}"\n@0 start "{a}"\n@3s end\n'
    assert [(d.code, d.span) for d in diags(text)] == [
        ("ODY111", Span(1, 13, 1, 14)), ("ODY111", Span(2, 8, 2, 9)), ("ODY111", Span(3, 11, 3, 13))]


def test_lint_fix_doubles_every_brace_of_a_v1_screenplay() -> None:
    """Braces were literal in v1: `ody lint --fix` makes such a file mean what it meant."""
    text = '@0 start "a {json: {\\"k\\": 1}} and a } and { x }"\n@3s end\n'
    done = fix_text(text, diags)
    assert done.diagnostics == ()
    assert done.text == '@0 start "a {{json: {{\\"k\\": 1}}}} and a }} and {{ x }}"\n@3s end\n'


def test_ody_lint_fix_mends_a_v1_screenplay_on_disk(tmp_path: Path) -> None:
    """Its lone and spaced braces safely; `{b}`, now a name that no define gives, only with
    --unsafe-fixes (it may be a define still to write)."""
    (tmp_path / "v1.ody").write_text('@0 start "a {b} c { and } }"\n@3s end\n', encoding="utf-8")
    done = ody("lint", "--fix", "v1.ody", cwd=tmp_path)
    assert done.returncode == 1 and "error[ODY112]" in done.stdout and "ODY111" not in done.stdout
    assert (tmp_path / "v1.ody").read_text(encoding="utf-8") == '@0 start "a {b} c {{ and }} }}"\n@3s end\n'
    done = ody("lint", "--fix", "--unsafe-fixes", "v1.ody", cwd=tmp_path)
    assert done.returncode == 0 and done.stdout == "", done.stdout
    assert (tmp_path / "v1.ody").read_text(encoding="utf-8") == '@0 start "a {{b}} c {{ and }} }}"\n@3s end\n'


def test_the_unsafe_fix_of_spaces_in_braces_writes_the_reference() -> None:
    text = 'define hero "a cat"\n@0 start "{ hero }"\n@3s end\n'
    d = only(diags(text), "ODY111")
    [double, reference] = d.fixes
    assert chosen(d) == double and chosen(d, unsafe=True) == double and reference.safe is False
    assert apply_fix(text, reference) == 'define hero "a cat"\n@0 start "{hero}"\n@3s end\n'


# --- properties ---------------------------------------------------------------------------------------

_TEMPLATE_TEXT = st.text(st.sampled_from("{}|ab _-1 é\\\""), max_size=24)


@given(_TEMPLATE_TEXT)
def test_parse_never_raises_and_every_error_lies_in_the_text(text: str) -> None:
    parsed = templates.parse(text)
    if isinstance(parsed, Template):
        for part in parsed.parts:
            if not isinstance(part, str):
                assert text[part.start] == "{" and text[part.end - 1] == "}"
    else:
        assert parsed and all(0 <= e.start < e.end <= len(text) for e in parsed)


@given(st.text(max_size=40))
def test_parse_of_escape_is_the_literal_text(text: str) -> None:
    assert templates.parse(templates.escape(text)) == Template((text,) if text else ())


# The pieces of a literal's inside as written: characters, braces, escapes (a surrogate pair
# too), spaces, and line breaks (only in a `"""` string).
_PIECE = st.sampled_from(["a", "b", "{", "}", "é", "🐈", " ", "  ", "\\\"", "\\\\", "\\n", "\\t", "\\u007b",
                          "\\u00e9", "\\ud83d\\ude00"])
_BREAK = st.sampled_from(["\n", "\n   ", " \n\t", "\r\n  "])


@given(st.lists(_PIECE, max_size=12), st.booleans(), st.data())
def test_source_offset_finds_each_decoded_character_in_the_literal(pieces: list[str], long: bool,
                                                                   data: st.DataObject) -> None:
    """The oracle: a marker written at `source_offset(raw, i)` decodes to just before the
    `i`th character of the value (or at its end)."""
    if long:
        pieces = [data.draw(_BREAK) if data.draw(st.booleans()) and i % 3 == 0 else p for i, p in enumerate(pieces)]
    quote = '"""' if long else '"'
    raw = quote + "".join(pieces) + quote
    value = strings.decode(raw)
    assert isinstance(value, str)
    for offset in range(len(value) + 1):
        at = templates.source_offset(raw, offset)
        assert len(quote) <= at <= len(raw) - len(quote)
        marked = strings.decode(raw[:at] + "\x00" + raw[at:])
        assert marked == value[:offset] + "\x00" + value[offset:], (raw, offset, at)


@given(st.lists(st.one_of(st.sampled_from(["a", " ", "{", "}", "{{", "}}", "|", "-"]),
                          st.from_regex(r"\{[A-Za-z_][A-Za-z0-9_-]{0,3}\}", fullmatch=True)), max_size=8).map("".join))
def test_the_quick_reading_of_references_agrees_with_the_brace_by_brace_one(text: str) -> None:
    """The oracle of the fast path (`_references`, for prompts that only use defines)."""
    if templates.has_braces(text):
        assert templates.parse.__wrapped__(text) == templates._parse(text)


def test_a_name_inside_a_variant_gets_no_fix_that_turns_the_variant_into_text() -> None:
    """`--fix` doubled both braces of `{a|{b}}`: the prompt then sent the text `{a|B}`."""
    (d,) = parse('@0 start "{a|{b}}"\n').diagnostics
    assert (d.code, d.span.column, d.span.end_column, d.fixes) == ("ODY111", 11, 18, ())
