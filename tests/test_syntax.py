"""The parser (odyssey_dsl.syntax): the typed tree, positions in code points, line ends,
recovery at each line, parsing at a line offset, suppression comments, and the syntax
diagnostics ODY001-ODY005 in plain words."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from odyssey_dsl import CODES, Diagnostic, Document, Span, parse
from odyssey_dsl.syntax import Comment, Cue, Directive, Invalid, Scene, Text, Word


def one(text: str, code: str) -> Diagnostic:
    found = parse(text).diagnostics
    assert [d.code for d in found] == [code], found
    return found[0]


# --- the tree -------------------------------------------------------------------------------


def test_a_cue_with_image_and_comment() -> None:
    document = parse('@1m30s start "a cat" image "cat.png" # hello')
    assert document.diagnostics == ()
    (cue,) = document.items
    assert isinstance(cue, Cue)
    assert cue.action == "start"
    assert cue.time.text == "1m30s" and cue.time.ms == 90_000 and not cue.time.relative
    assert cue.time.span == Span(1, 1, 1, 7)
    assert cue.keyword == Span(1, 8, 1, 13)
    assert cue.prompt == Text('"a cat"', Span(1, 14, 1, 21), "a cat")
    assert cue.image_keyword == Span(1, 22, 1, 27)
    assert cue.image == Text('"cat.png"', Span(1, 28, 1, 37), "cat.png")
    assert cue.span == Span(1, 1, 1, 37)
    assert cue.comment is not None and cue.comment.text == "# hello"
    assert cue.comment.span == Span(1, 38, 1, 45)


def test_relative_and_end_cues() -> None:
    document = parse("@+500ms end")
    (cue,) = document.statements
    assert isinstance(cue, Cue)
    assert (cue.action, cue.time.relative, cue.time.ms, cue.prompt, cue.image) == ("end", True, 500, None, None)


def test_directives_and_scene() -> None:
    document = parse('title "Window cat"\norientation landscape\nprompt-expansion off\nmin-gap 2s\nscene "One"')
    assert document.diagnostics == ()
    title, orientation, expansion, gap, scene = document.statements
    assert isinstance(title, Directive) and title.name == "title"
    assert isinstance(title.value, Text) and title.value.value == "Window cat"
    assert isinstance(orientation, Directive) and orientation.value == Word("landscape", Span(2, 13, 2, 22))
    assert isinstance(expansion, Directive) and expansion.name == "prompt-expansion"
    assert isinstance(gap, Directive) and gap.name == "min-gap" and gap.value == Word("2s", Span(4, 9, 4, 11))
    assert isinstance(scene, Scene) and scene.name.value == "One" and scene.span == Span(5, 1, 5, 12)


def test_a_long_string_spans_lines() -> None:
    document = parse('@0 start """a cat\n   looks outside"""\n@3s end')
    assert document.diagnostics == ()
    start, end = document.statements
    assert isinstance(start, Cue) and start.prompt is not None
    assert start.prompt.value == "a cat looks outside"
    assert start.prompt.span == Span(1, 10, 2, 20)
    assert start.span == Span(1, 1, 2, 20)
    assert isinstance(end, Cue) and end.span == Span(3, 1, 3, 8)


def test_blank_lines_and_full_line_comments() -> None:
    document = parse('\n\n# a note\n   \n@0 start "a"\n\t\n')
    assert document.diagnostics == ()
    comment, cue = document.items
    assert comment == Comment("# a note", Span(3, 1, 3, 9))
    assert isinstance(cue, Cue) and cue.span.line == 5
    assert document.statements == (cue,)
    assert document.line_count == 7


def test_hash_inside_a_string_is_not_a_comment() -> None:
    (cue,) = parse('@0 start "#1 fan" # real').statements
    assert isinstance(cue, Cue) and cue.prompt is not None and cue.prompt.value == "#1 fan"
    assert cue.comment is not None and cue.comment.text == "# real"


def test_bom_is_tolerated() -> None:
    document = parse('\ufeff@0 start "a"')
    assert document.diagnostics == ()
    (cue,) = document.statements
    assert isinstance(cue, Cue) and cue.span == Span(1, 1, 1, 13)


# --- columns and lines ----------------------------------------------------------------------


def test_columns_count_code_points_after_an_emoji() -> None:
    d = one('@0 start "😀😀" x', "ODY001")
    assert d.span == Span(1, 15, 1, 16)


def test_escape_error_column_after_an_emoji() -> None:
    d = one('@0 start "😀\\q"', "ODY005")
    assert d.span == Span(1, 12, 1, 14)


def test_a_tab_is_one_column() -> None:
    d = one('\t@0 start "a" x', "ODY001")
    assert d.span == Span(1, 15, 1, 16)


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_every_line_end(newline: str) -> None:
    text = newline.join(['@0 start "a"', "", "@x end", '@3s interact "b"'])
    document = parse(text)
    d = only_code(document, "ODY003")
    assert d.span == Span(3, 1, 3, 3)
    assert [s.span.line for s in document.statements] == [1, 3, 4]
    assert document.line_count == 4


def test_mixed_line_ends_count_as_editors_do() -> None:
    document = parse("\r\n\r\n\r\n@x end\n\r@y end")
    assert [d.span.line for d in document.diagnostics] == [4, 6]


def test_lone_cr_inside_a_long_string() -> None:
    document = parse('@0 start """a\r  \\qb"""\r@x end')
    assert [(d.code, d.span) for d in document.diagnostics] == [
        ("ODY005", Span(2, 3, 2, 5)),
        ("ODY003", Span(3, 1, 3, 3)),
    ]


def test_crlf_inside_a_long_string() -> None:
    document = parse('@0 start """a\r\n\r\nb""" x')
    d = only_code(document, "ODY001")
    assert d.span == Span(3, 6, 3, 7)


def only_code(document: Document, code: str) -> Diagnostic:
    assert [d.code for d in document.diagnostics] == [code], document.diagnostics
    return document.diagnostics[0]


# --- recovery -------------------------------------------------------------------------------

BROKEN_LINES = [
    '@3s interact "b" "c"',
    '@3s inter "b"',
    '@3s interact "b',
    '@3s interact """b',
    "@3x interact \"b\"",
    '@3s interact "\\q"',
    '@3s interact',
    '3s interact "b"',
    'interact "b"',
    '"b"',
    "@3s",
    "titel \"x\"",
    '@3s end "b"',
    '@3s "b"',
    "@3s interact b",
    '@3s interact "b" image',
    '@3s interact "b" image "x" image "y"',
]


@pytest.mark.parametrize("broken", BROKEN_LINES)
def test_one_broken_line_one_diagnostic_and_the_rest_parses(broken: str) -> None:
    text = f'@0 start "a"\n{broken}\n@6s end\n'
    document = parse(text)
    assert len(document.diagnostics) == 1, document.diagnostics
    assert document.diagnostics[0].span.line == 2
    first, _, last = document.statements
    assert isinstance(first, Cue) and first.action == "start" and first.diagnostics == ()
    assert isinstance(last, Cue) and last.action == "end" and last.span == Span(3, 1, 3, 8)


def test_an_unparsable_line_is_kept_as_written() -> None:
    document = parse('@0 start "a"\n  @3s interact "b" "c"  # note\n')
    invalid = document.statements[1]
    assert isinstance(invalid, Invalid)
    assert invalid.text == '@3s interact "b" "c"'
    assert invalid.span == Span(2, 3, 2, 23)
    assert invalid.comment is not None and invalid.comment.text == "# note"


# --- parsing at a line offset -----------------------------------------------------------------

SAMPLE = (
    'title "T"\n'
    '@0 start "a" # ody: ignore[ODY201]\n'
    "\n"
    '@1x interact "b"\n'
    '@3s intract """b\n  c"""\n'
    '@4s end "x"\n'
    "# tail\n"
    '@5s start "\\q'
)


def test_first_line_shifts_every_span() -> None:
    base = parse(SAMPLE)
    moved = parse(SAMPLE, first_line=41)
    assert len(base.diagnostics) == 4
    assert moved.diagnostics == tuple(d.shifted(40) for d in base.diagnostics)
    assert [i.span.shifted(40) for i in base.items] == [i.span for i in moved.items]
    assert moved.first_line == 41
    cue = moved.statements[1]
    assert isinstance(cue, Cue) and cue.comment is not None
    assert cue.comment.ignores == (("ODY201", Span(42, 28, 42, 34)),)


# --- suppression comments ---------------------------------------------------------------------


def test_suppression_codes_and_their_places() -> None:
    (cue,) = parse('@0 start "a" # ody: ignore[ODY201, ody202]').statements
    assert cue.comment is not None
    assert cue.comment.ignores == (
        ("ODY201", Span(1, 28, 1, 34)),
        ("ODY202", Span(1, 36, 1, 42)),
    )


def test_suppression_with_odd_spacing() -> None:
    (cue,) = parse('@0 end #ody:ignore[ ODY201 ,,ODY202 ]').statements
    assert cue.comment is not None
    assert [code for code, _ in cue.comment.ignores] == ["ODY201", "ODY202"]
    assert cue.comment.ignores[0][1] == Span(1, 21, 1, 27)


def test_an_ordinary_comment_ignores_nothing() -> None:
    (cue,) = parse("@0 end # ignore this").statements
    assert cue.comment is not None and cue.comment.ignores == ()


# --- the syntax diagnostics, one by one ---------------------------------------------------------


def test_ody001_action_missing_after_time() -> None:
    d = one('@0 "a"', "ODY001")
    assert d.message == "expected an action after the time"
    assert d.span == Span(1, 1, 1, 3)
    assert d.help is not None and "`start`, `interact` or `end`" in d.help
    assert [(f.span, f.replacement) for f in d.fixes] == [(Span(1, 4, 1, 4), "interact ")]


def test_ody001_cue_without_at() -> None:
    d = one('3s start "a"', "ODY001")
    assert "starts with `@`" in d.message
    assert d.span == Span(1, 1, 1, 3)
    assert d.help == "write `@3s`"
    assert [(f.span, f.replacement) for f in d.fixes] == [(Span(1, 1, 1, 1), "@")]


def test_ody001_cue_without_time() -> None:
    d = one('start "a"', "ODY001")
    assert d.message == "a cue needs a time"
    assert d.span == Span(1, 1, 1, 6)


def test_ody001_end_takes_no_prompt() -> None:
    d = one('@5s end "x"', "ODY001")
    assert d.message == "`end` takes no prompt"
    assert d.span == Span(1, 9, 1, 12)
    assert [(f.span, f.replacement) for f in d.fixes] == [(Span(1, 8, 1, 12), "")]


@pytest.mark.parametrize(
    ("text", "what", "where"),
    [
        ("@0 start", "a prompt", Span(1, 4, 1, 9)),
        ("@0 interact", "a prompt", Span(1, 4, 1, 12)),
        ("scene", "a name", Span(1, 1, 1, 6)),
        ('@0 start "a" image', "a value", Span(1, 14, 1, 19)),
    ],
)
def test_ody001_missing_quoted_text(text: str, what: str, where: Span) -> None:
    d = one(text, "ODY001")
    keyword = text.split()[-1]
    assert d.message == f"expected {what} in quotes after `{keyword}`"
    assert d.span == where


def test_directive_without_value_is_ody109() -> None:
    d = one("title", "ODY109")
    assert d.message == "`title` needs a value"
    assert d.span == Span(1, 1, 1, 6)


def test_ody001_unquoted_string_gets_quotes() -> None:
    d = one("@0 start a\\b", "ODY001")
    assert d.message == "expected a string in double quotes"
    assert d.span == Span(1, 10, 1, 13)
    assert [(f.span, f.replacement) for f in d.fixes] == [(Span(1, 10, 1, 13), '"a\\\\b"')]


def test_directive_value_missing_is_ody109() -> None:
    d = one("orientation", "ODY109")
    assert d.message == "`orientation` needs a value"
    assert d.span == Span(1, 1, 1, 12)
    assert d.help is not None and "portrait" in d.help and "landscape" in d.help


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ('@0 start "a" "b"', Span(1, 14, 1, 17)),
        ('@0 start "a" @3s', Span(1, 14, 1, 17)),
        ('@0 start "😀" 3s', Span(1, 14, 1, 16)),
        ('title "x" "y"', Span(1, 11, 1, 14)),
        ('@0 start "a" image "x" image "y"', Span(1, 24, 1, 29)),
    ],
)
def test_ody001_extra_text_at_the_end(text: str, where: Span) -> None:
    d = one(text, "ODY001")
    assert d.message.startswith("unexpected ")
    assert "the end of the line" in d.message
    assert d.span == where
    assert d.help is not None and "new line" in d.help
    assert_plain_words(d, text)


def test_ody001_string_at_the_start_of_a_line() -> None:
    d = one('"abc"', "ODY001")
    assert d.message == "unexpected string at the start of a line"
    assert d.span == Span(1, 1, 1, 6)


def test_ody002_unterminated_string_and_the_next_line_parses() -> None:
    document = parse('@0 start "abc\n@3s end')
    d = only_code(document, "ODY002")
    assert d.message == "unterminated string"
    assert d.span == Span(1, 10, 1, 14)
    assert d.help is not None and '"""' in d.help
    assert [(f.span, f.replacement) for f in d.fixes] == [(Span(1, 14, 1, 14), '"')]
    assert isinstance(document.statements[1], Cue)


def test_ody002_string_ending_in_a_backslash() -> None:
    d = one('@0 start "a\\"', "ODY002")
    assert d.span == Span(1, 10, 1, 14)


def test_ody002_unterminated_long_string_breaks_one_line() -> None:
    document = parse('@0 start """abc\n@3s end')
    d = only_code(document, "ODY002")
    assert d.message == 'unterminated `"""` string'
    assert d.span == Span(1, 10, 1, 16)
    end = document.statements[1]
    assert isinstance(end, Cue) and end.action == "end"


def test_ody003_bare_number_with_two_fixes() -> None:
    d = one("@3 end", "ODY003")
    assert d.span == Span(1, 1, 1, 3)
    assert "unit" in d.message
    assert d.help is not None and "`3s`" in d.help and "3000ms" in d.help
    assert [(f.span, f.replacement) for f in d.fixes] == [(Span(1, 1, 1, 3), "@3s"), (Span(1, 1, 1, 3), "@3ms")]


def test_ody003_unknown_unit_with_fix() -> None:
    d = one('@2sec interact "x"', "ODY003")
    assert d.message == "unknown time unit `sec`"
    assert d.help == "did you mean `2s`?"
    assert [(f.span, f.replacement) for f in d.fixes] == [(Span(1, 1, 1, 6), "@2s")]


def test_ody003_not_whole_milliseconds() -> None:
    d = one("@1.0005s end", "ODY003")
    assert "whole number of milliseconds" in d.message
    assert d.span == Span(1, 1, 1, 9)
    assert d.fixes == ()


def test_ody003_keeps_the_rest_of_the_cue() -> None:
    (cue,) = parse('@3x interact "b"').statements
    assert isinstance(cue, Cue)
    assert cue.time.ms is None and cue.action == "interact"
    assert cue.prompt is not None and cue.prompt.value == "b"


@pytest.mark.parametrize(("text", "word", "guess"), [
    ('@0 strat "a"', "strat", "start"), ('@0 START "a"', "START", "start"), ("@3s ned", "ned", "end"),
    ('@3s inter "b"', "inter", "interact"),
])
def test_ody004_unknown_action_with_did_you_mean(text: str, word: str, guess: str) -> None:
    d = one(text, "ODY004")
    assert d.message == f"unknown action `{word}`"
    assert d.help == f"did you mean `{guess}`?"
    column = text.index(word) + 1
    where = Span(1, column, 1, column + len(word))
    assert d.span == where
    assert [(f.span, f.replacement) for f in d.fixes] == [(where, guess)]


def test_ody004_unknown_action_lists_the_actions() -> None:
    d = one('@0 xyz "x"', "ODY004")
    assert d.message == "unknown action `xyz`"
    assert d.help is not None and "`start`, `interact` or `end`" in d.help
    assert d.fixes == ()


@pytest.mark.parametrize(("text", "guess"), [
    ('titel "x"', "title"), ("orientaton portrait", "orientation"), ("min_gap 3s", "min-gap"), ('scen "a"', "scene"),
])
def test_ody004_unknown_directive_with_did_you_mean(text: str, guess: str) -> None:
    d = one(text, "ODY004")
    word = text.split()[0]
    assert d.message == f"unknown directive `{word}`"
    assert d.help == f"did you mean `{guess}`?"
    assert [(f.span, f.replacement) for f in d.fixes] == [(Span(1, 1, 1, 1 + len(word)), guess)]


def test_ody004_unknown_directive_lists_them() -> None:
    d = one('foo "x"', "ODY004")
    assert d.help is not None and all(w in d.help for w in ("`title`", "`orientation`", "`min-gap`", "`scene`"))


def test_ody005_in_the_second_line_of_a_long_string() -> None:
    document = parse('@0 start """a\n  \\qb""" image "\\z"')
    assert [(d.code, d.message, d.span) for d in document.diagnostics] == [
        ("ODY005", "invalid escape `\\q`", Span(2, 3, 2, 5)),
        ("ODY005", "invalid escape `\\z`", Span(2, 17, 2, 19)),
    ]


def test_ody005_lone_surrogate() -> None:
    d = one('@0 start "x\\ud800"', "ODY005")
    assert d.message == "lone surrogate `\\ud800`"
    assert d.span == Span(1, 12, 1, 18)


@pytest.mark.parametrize(("text", "where"), [('orientation "portrait"', Span(1, 13, 1, 23)), ('min-gap "3s"', Span(1, 9, 1, 13))])
def test_quoted_directive_value(text: str, where: Span) -> None:
    d = one(text, "ODY109")
    assert d.message.endswith("is written without quotes")
    assert d.span == where
    assert [f.replacement for f in d.fixes] == [text.split('"')[1]]


def test_min_gap_with_at_sign() -> None:
    d = one("min-gap @3s", "ODY109")
    assert d.message == "`min-gap` takes a duration without `@`"
    assert [(f.span, f.replacement) for f in d.fixes] == [(Span(1, 9, 1, 12), "3s")]


@pytest.mark.parametrize(("text", "message", "fix"), [
    ('@ 3s interact "a"', "there must be no space between `@` and the time", "@3s"),
    ('@3 s interact "a"', "there must be no space inside a time", "@3s"),
    ('@+ 2s interact "a"', "there must be no space between `@` and the time", "@+2s"),
])
def test_time_cut_by_a_space(text: str, message: str, fix: str) -> None:
    d = one(text, "ODY003")
    assert d.message == message
    assert [f.replacement for f in d.fixes] == [fix]


def test_action_glued_to_the_time() -> None:
    d = one('@0start "a"', "ODY001")
    assert d.message == "the action is glued to the time"
    assert [(f.span, f.replacement) for f in d.fixes] == [(Span(1, 1, 1, 8), "@0 start")]


@pytest.mark.parametrize(("text", "fixed"), [
    ("@3s interact the cat jumps  # c", '"the cat jumps"'),
    ("@0 start 'a cat sits'", '"a cat sits"'),
    ("scene intro", '"intro"'),
])
def test_unquoted_text_is_quoted_whole(text: str, fixed: str) -> None:
    d = one(text, "ODY001")
    assert [f.replacement for f in d.fixes] == [fixed]


@pytest.mark.parametrize("text", ['title "a" "b"', 'scene "a" "b"'])
def test_image_is_only_expected_in_cues(text: str) -> None:
    d = one(text, "ODY001")
    assert "image" not in d.message


# --- plain words, always --------------------------------------------------------------------

TERMINAL_NAMES = (
    "__ANON", "$END", "LONG_STRING", "BAD_STRING", "BAD_LONG_STRING", "_NEWLINE", "NEWLINE",
    "-newline", "long-string", "PROMPT_EXPANSION", "MIN_GAP", "Token(",
)


def assert_plain_words(d: Diagnostic, source: str) -> None:
    for field in (d.message, d.help or "", *(f.title for f in d.fixes), *(r.message for r in d.related)):
        for name in TERMINAL_NAMES:
            assert name not in field or name in source, f"{name!r} in {field!r}"


FRAGMENTS = st.sampled_from([
    "@", "@0", "@3s", "@+1s", "@1:30", "@3", "@1.0005s", " ", "  ", "\t", "start", "interact", "end",
    "image", "title", "scene", "orientation", "prompt-expansion", "min-gap", "portrait", "on", "3s",
    '"', '"a"', '""', '"""', '"""x', "\\", "\\q", "\\ud800", "\\u00e9", "#", "# ody: ignore[ODY201]",
    "# ody: ignore[ODY101,X]", "\n", "\r", "\r\n", "\x00", "\ufeff", "😀", "é", "x", "strat",
])
GLUED = st.lists(FRAGMENTS, max_size=40).map("".join)
# A line shaped like a statement, each part possibly missing, wrong or doubled.
SHAPED = st.tuples(
    st.sampled_from(["", "@0", "@3s", "@+1s", "@3", "@x", "3s", "title", "scene", "orientation", "titel"]),
    st.sampled_from(["", "start", "interact", "end", "strat", "portrait", "image"]),
    st.sampled_from(["", '"a"', '""', '"""b\n c"""', '"\\q"', '"open', '"""open', "word"]),
    st.sampled_from(["", "image", 'image "x.png"', '"extra"', "@3s", "x", "end", "# note", "# ody: ignore[ODY201]"]),
).map(lambda parts: " ".join(p for p in parts if p))
LINE = st.one_of(st.lists(FRAGMENTS, max_size=6).map(" ".join), SHAPED)
LINES = st.lists(st.tuples(LINE, st.sampled_from(["\n", "\r\n", "\r"])), max_size=8).map(
    lambda lines: "".join(line + end for line, end in lines)
)
SCREENPLAY_LIKE = st.one_of(LINES, GLUED)
ANY_TEXT = st.one_of(st.text(max_size=200), SCREENPLAY_LIKE)


@given(ANY_TEXT)
def test_parse_never_raises_and_positions_are_sane(text: str) -> None:
    document = parse(text)
    for d in document.diagnostics:
        assert d.code in CODES
        assert (d.message and d.message[0].islower()) or d.message[0] in "`'\"", d.message
        assert 1 <= d.span.line <= d.span.end_line <= document.line_count
        assert d.span.column >= 1 and d.span.end_column >= 1
        assert (d.span.line, d.span.column) <= (d.span.end_line, d.span.end_column)
        assert_plain_words(d, text)
    for statement in document.statements:
        if isinstance(statement, Invalid):
            assert len(statement.diagnostics) == 1


@given(ANY_TEXT, st.integers(min_value=1, max_value=10_000))
def test_parse_at_any_line_offset(text: str, first_line: int) -> None:
    base = parse(text)
    moved = parse(text, first_line=first_line)
    assert moved.diagnostics == tuple(d.shifted(first_line - 1) for d in base.diagnostics)
    assert [i.span for i in moved.items] == [i.span.shifted(first_line - 1) for i in base.items]


@given(SCREENPLAY_LIKE)
def test_each_line_is_parsed_on_its_own(text: str) -> None:
    # Appending a valid cue on a new line never changes what the lines above report.
    base = parse(text)
    extended = parse(text + '\n@9s interact "z"')
    assert extended.diagnostics[: len(base.diagnostics)] == base.diagnostics or _ends_in_open_string(text)


def _ends_in_open_string(text: str) -> bool:
    """A text whose last line opens a `\"\"\"` string: the appended line may close it."""
    return text.count('"""') % 2 == 1 or bool(re.search(r'"""[^\r\n]*$', text))


def test_a_define_whose_name_is_quoted_says_so() -> None:
    (d,) = parse('define "hero" "a cat"\n').diagnostics
    assert (d.code, d.message) == ("ODY001", "`define` needs a name before its text")
    assert d.help == 'write `define hero "a ginger cat"`: the name is a word, without quotes'
