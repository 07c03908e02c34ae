"""Mistakes a writer makes while drafting: each is one diagnostic
in a writer's words, the line is still read as meant, and its safe fix writes what was meant.

Curly quotes around a string (ODY007), a `"` inside a string (ODY008), `//` comments (ODY009),
decimal commas and bare dots in times (ODY003), an unclosed `\"\"\"` (one ODY002), a file that is
not text (one ODY006), and which ODY001/ODY003 fixes are safe. The property at the end injects
one mistake into a valid screenplay and applies the safe fix.
"""

from __future__ import annotations

import re
import struct
import zlib

import pytest
from conftest import NOWHERE, apply_fix, diags, only, png_bytes
from hypothesis import assume, given
from hypothesis import strategies as st

from odyssey_dsl import Diagnostic, Fix, compile_text
from odyssey_dsl.compiler import compile_streamed
from odyssey_dsl.config import Settings
from odyssey_dsl.diagnostics import (
    CURLY_QUOTES,
    DIRECTIVE_PROBLEM,
    INVALID_TIME,
    NOT_UTF8,
    QUOTE_IN_STRING,
    SLASH_COMMENT,
    SYNTAX_CODES,
    SYNTAX_ERROR,
    UNKNOWN_KEYWORD,
    UNTERMINATED_STRING,
    closest,
)
from odyssey_dsl.syntax import Cue, Directive, Invalid, Scene, Text, parse
from odyssey_dsl.vocabulary import ACTIONS


def safe_fix(d: Diagnostic) -> Fix:
    (fix,) = [f for f in d.fixes if d.is_safe(f)]
    return fix


def fixed(text: str, code: str) -> str:
    """`text` after the safe fix of its one diagnostic, which must have `code`."""
    return apply_fix(text, safe_fix(only(diags(text), code)))


def same_compile(text: str, intended: str) -> None:
    got, want = compile_text(text, path=NOWHERE), compile_text(intended, path=NOWHERE)
    assert got.ok and want.ok, (got.diagnostics, want.diagnostics)
    assert got.script_json() == want.script_json()


# --- curly quotes -------------------------------------------------------------------------------

PAIRS = ["“”", "„“", "„”", "””", "‟”", "‘’", "‚‘", "’’", "‛’", "«»", "»«", "»»", "‹›", "›‹", "「」", "『』"]


def test_a_curly_quoted_title_is_one_error_whose_fix_drops_the_curly_quotes() -> None:
    """The issue's case: the old help `put it in double quotes: "“Fox”"` sent the curly quotes."""
    text = 'title “Fox”\n@0 start "a"\n@3s end\n'
    d = only(diags(text), CURLY_QUOTES.code)
    assert d.message == "curly quotes are not string quotes"
    assert d.fixes == (Fix("Use straight quotes", d.span, '"Fox"'),) and d.is_safe(d.fixes[0])
    title = parse(apply_fix(text, d.fixes[0])).items[0]
    assert isinstance(title, Directive) and isinstance(title.value, Text) and title.value.value == "Fox"


@pytest.mark.parametrize("pair", PAIRS)
@pytest.mark.parametrize("line", [
    '@0 start {o}A fox in the snow{c}', 'title {o}Fox{c}', 'scene {o}winter{c}',
    '@0 start "a" image {o}data:image/png;base64,iVBORw0KGgo={c}', '@3s interact {o}the cat’s toy{c}  # note',
])
def test_curly_quotes_anywhere_a_string_goes_are_one_error_and_the_line_still_counts(pair: str, line: str) -> None:
    text = line.format(o=pair[0], c=pair[1])
    found = parse(text)
    d = only(found.diagnostics, CURLY_QUOTES.code)
    (item,) = found.items
    assert isinstance(item, (Cue, Directive, Scene))  # not a broken line: nothing else follows from it
    straight = apply_fix(text, safe_fix(d))
    assert parse(straight).diagnostics == () and not re.search("[“”„‟‘’‚‛«»‹›「」『』](?!s toy)", straight)


@pytest.mark.parametrize(("written", "meant"), [
    ("“A fox", '"A fox"'), ("„A fox", '"A fox"'), ('“A fox"', '"A fox"'), ('"A fox”', '"A fox"'),
    ('"A fox”  # a note', '"A fox"  # a note'),
])
def test_a_string_half_in_curly_quotes_is_the_same_mistake(written: str, meant: str) -> None:
    """Neither bare words to quote nor a string to close: either old fix sent a curly quote."""
    text = f"@0 start {written}\n@3s end\n"
    assert fixed(text, CURLY_QUOTES.code) == f"@0 start {meant}\n@3s end\n"


def test_curly_quotes_inside_a_straight_string_stay_legal() -> None:
    assert diags('@0 start "She said “hi” and ‘bye’ « ok »"\n@3s end\n') == []


def test_straight_quotes_inside_curly_ones_are_escaped_by_the_fix() -> None:
    text = '@0 start “reads "OPEN" in red”\n@3s end\n'
    assert fixed(text, CURLY_QUOTES.code) == '@0 start "reads \\"OPEN\\" in red"\n@3s end\n'


def test_a_curly_quoted_bare_value_is_told_without_quotes() -> None:
    d = only(diags("orientation “landscape”\n@0 start \"a\"\n@3s end\n"), DIRECTIVE_PROBLEM.code)
    assert d.fixes[0].replacement == "landscape"


# --- a quote inside a string ------------------------------------------------------------------------

@pytest.mark.parametrize(("written", "meant"), [
    ('"reads "OPEN" in red"', r'"reads \"OPEN\" in red"'),  # the case
    ('"a sign that reads "OPEN""', r'"a sign that reads \"OPEN\""'),  # at the end
    ('""OPEN" in red"', r'"\"OPEN\" in red"'),  # at the start
    ('"a "b" c "d" e"', r'"a \"b\" c \"d\" e"'),  # several pairs
    ('"reads "#1" in red"', r'"reads \"#1\" in red"'),  # what looked like a comment
    ('"a 5" screen"', r'"a 5\" screen"'),  # one lone quote: inches
    ('"reads "OPEN in red"', r'"reads \"OPEN in red"'),  # an odd one: "add the closing quote" did not work
])
@pytest.mark.parametrize("comment", ["", "  # a note", '  # he said "hi"'])
def test_a_quote_inside_a_prompt_is_one_error_whose_fix_escapes_it(written: str, meant: str, comment: str) -> None:
    text = f'@0 start "a"\n@3s interact {written}{comment}\n@6s end\n'
    d = only(diags(text), QUOTE_IN_STRING.code)
    assert d.message == 'a `"` inside a prompt ends it: write `\\"` or use a `"""` string'
    after = apply_fix(text, safe_fix(d))
    assert after == f'@0 start "a"\n@3s interact {meant}{comment}\n@6s end\n'
    same_compile(text.replace(written, meant), after)
    cue = parse(text).items[1]
    assert isinstance(cue, Cue) and cue.prompt is not None and cue.comment is not None if comment else True


def test_a_quote_inside_a_title_or_scene_name_says_so() -> None:
    assert only(diags('title "The "Fox""\n@0 start "a"\n@3s end\n'), QUOTE_IN_STRING.code).message.startswith(
        'a `"` inside a title ends it')
    assert "scene name" in only(diags('scene "the "Fox" one"\n@0 start "a"\n@3s end\n'), QUOTE_IN_STRING.code).message


def test_two_strings_side_by_side_are_not_one() -> None:
    assert [d.code for d in diags('@0 start "a"\n@3s interact "The lamp" "and the sea"\n@6s end\n')] == [
        SYNTAX_ERROR.code]


def test_a_comment_with_quotes_after_a_space_stays_a_comment() -> None:
    assert diags('@0 start "a" # say "hi"\n@3s end\n') == []


# --- `//` comments --------------------------------------------------------------------------------

def test_slash_comments_are_one_error_each_with_a_fix() -> None:
    text = '// draft 2\n@0 start "a" // the cat\n@3s end\n'
    found = diags(text)
    assert [d.code for d in found] == [SLASH_COMMENT.code] * 2
    assert all(d.message == "comments start with `#`" for d in found)
    for d in reversed(found):
        text = apply_fix(text, safe_fix(d))
    assert text == '# draft 2\n@0 start "a" # the cat\n@3s end\n' and diags(text) == []


# --- times ----------------------------------------------------------------------------------------

def test_a_decimal_comma_says_use_a_dot_with_a_safe_fix() -> None:
    text = '@0 start "a"\n@2,5s interact "b"\n@6s end\n'
    d = only(diags(text), INVALID_TIME.code)
    assert d.help == "use a dot: `2.5s`"
    assert apply_fix(text, safe_fix(d)) == text.replace("2,5s", "2.5s")


def test_a_comma_that_may_be_a_thousands_separator_has_no_safe_fix() -> None:
    d = only(diags('@0 start "a"\n@1,500ms interact "b"\n@6s end\n'), INVALID_TIME.code)
    assert d.fixes and not any(d.is_safe(f) for f in d.fixes)


@pytest.mark.parametrize(("time", "meant"), [(".5m", "0.5m"), ("+.5s", "+0.5s"), ("5.s", "5s")])
def test_a_bare_dot_says_what_is_accepted(time: str, meant: str) -> None:
    text = f'@0 start "a"\n@3s interact "b"\n@{time} end\n'
    d = only(diags(text), INVALID_TIME.code)
    assert d.message == "a number in a time has a digit on each side of its dot" and d.help == f"write `{meant}`"
    assert apply_fix(text, safe_fix(d)).endswith(f"@{meant} end\n")


# --- an unclosed `"""` ------------------------------------------------------------------------------

def test_an_unclosed_long_string_is_one_error_and_the_cues_below_are_read() -> None:
    """Before, it paired with the next `\"\"\"` and every later pair flipped: errors on the lines
    it swallowed and after, and the cues between were lost."""
    text = ('@0 start "a"\n@3s interact """The fox\n    runs\n@6s interact """the fox\n  runs"""\n'
            '@9s interact """a cat"""\n@12s end\n')
    d = only(diags(text), UNTERMINATED_STRING.code)
    assert d.span.line == 2 and "the line below it" in d.message
    document = parse(text)
    assert [type(i).__name__ for i in document.items] == ["Cue", "Invalid", "Cue", "Cue", "Cue"]
    assert apply_fix(text, safe_fix(d)).count('"""') == 6
    same_compile(apply_fix(text, safe_fix(d)), text.replace("    runs\n", '    runs"""\n'))


def test_a_long_prompt_line_that_begins_with_at_is_written_as_an_escape() -> None:
    """The price of ending a `\"\"\"` string before the next cue, said in docs/language.md."""
    assert [d.code for d in diags('@0 start """\n    a cat\n    @home\n"""\n@3s end\n')][:1] == [
        UNTERMINATED_STRING.code]
    cue = compile_text('@0 start """\n    a cat\n    \\u0040home\n"""\n@3s end\n', path=NOWHERE).document.items[0]
    assert isinstance(cue, Cue) and cue.prompt is not None and cue.prompt.value == "a cat @home"


def test_closing_a_long_string_over_unindented_lines_is_not_safe() -> None:
    d = only(diags('title """Fox\norientation landscape\n@0 start "a"\n@3s end\n'), UNTERMINATED_STRING.code)
    assert d.fixes and not d.is_safe(d.fixes[0])


# --- a file that is not text ------------------------------------------------------------------------

#: What follows a file's header: compressed or encoded data is never all valid UTF-8.
PAYLOAD = zlib.compress(b"A lighthouse on a cliff at dusk" * 4)


def _ftyp(brand: bytes) -> bytes:
    return struct.pack(">I", 24) + b"ftyp" + brand + b"\x00\x00\x02\x00" + brand + b"mp41" + b"\x00\x00\x00\x08mdat"


@pytest.mark.parametrize(("data", "what"), [
    (png_bytes(), "a PNG image"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00", "a JPEG image"),
    (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04", "a GIF image"),
    (b"RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x000\x01\x00\x9d\x01\x2a", "a WebP image"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "a PDF document"),
    (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00word/document.xml", "a ZIP archive"),
    (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", "a gzip archive"),
    (_ftyp(b"isom"), "an MP4 video"),
    (_ftyp(b"qt  "), "a QuickTime movie"),
    (b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\n@0 start", "a binary file"),
])
def test_a_file_that_is_not_text_is_one_error_saying_what_it_looks_like(data: bytes, what: str) -> None:
    """Before, every line of it was a mistake of its own (a PNG: four errors)."""
    data += PAYLOAD
    full = compile_text(data, path=NOWHERE)
    d = only(full.diagnostics, NOT_UTF8.code)
    assert d.message.startswith(f"this looks like {what}") and d.span.line == 1
    lean = compile_streamed(data, path=NOWHERE, settings=Settings(), entries=True)
    assert list(lean.diagnostics) == [d]


def test_utf16_without_a_byte_order_mark_is_named() -> None:
    d = only(diags('@0 start "Un café au bord de l’eau"\n@3s end\n'.encode("utf-16-le")), NOT_UTF8.code)
    assert d.message == "the file is UTF-16 (without a byte-order mark), not UTF-8"


@pytest.mark.parametrize("data", [
    b'@0 start "a"\n\x00\xff\n@3s end\n',  # a zero byte below the first line: a mistake of that line
    b'@0\x00 start "a"\n@3s end\n',  # valid UTF-8 is text: an editor, sent the text, says the same
    b"%PDF-1.7\n",
])
def test_what_is_not_clearly_binary_is_read_as_text(data: bytes) -> None:
    assert not any(d.message.startswith("this looks like") for d in diags(data))


# --- which existing fixes are safe ------------------------------------------------------------------

@pytest.mark.parametrize(("text", "code", "safe"), [
    ('@0 start "a"\n@3sinteract "b"\n@6s end\n', SYNTAX_ERROR.code, True),  # Insert a space
    ('@0 start "a"\n3s interact "b"\n@6s end\n', SYNTAX_ERROR.code, True),  # Add `@` to a time
    ("@0 start 'a cat'\n@6s end\n", SYNTAX_ERROR.code, True),  # single quotes
    ('@0 start "a"\n@ 3s interact "b"\n@6s end\n', INVALID_TIME.code, True),  # a space inside a time
    ('@0 start "a"\n@3sec interact "b"\n@6s end\n', INVALID_TIME.code, True),  # a unit's other name
    ('@0 start "a"\n@3s "b"\n@6s end\n', SYNTAX_ERROR.code, False),  # Insert `interact`: a guess
    ("@0 start a cat\n@6s end\n", SYNTAX_ERROR.code, False),  # bare words: the rest of the line
    ('@0 start "a"\n@3 interact "b"\n@6s end\n', INVALID_TIME.code, False),  # 3s or 3ms?
    ('@0 start "a"\n@6s end "b"\n', SYNTAX_ERROR.code, False),  # removes text
])
def test_fix_safety(text: str, code: str, safe: bool) -> None:
    d = only(diags(text), code)
    assert d.fixes and all(d.is_safe(f) == safe for f in d.fixes)
    if safe:
        assert compile_text(apply_fix(text, d.fixes[0]), path=NOWHERE).ok


def test_the_drafting_codes_are_syntax_errors() -> None:
    """The formatter refuses a file with one: its line cannot be laid out as written."""
    assert {CURLY_QUOTES.code, QUOTE_IN_STRING.code, SLASH_COMMENT.code} <= SYNTAX_CODES


# --- `ody lint` and the API agree ------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    'title “Fox”\n// draft\n@0 start "reads "OPEN" in red" // x\n@2,5s interact «b»\n@.5m end\n',
    '@0 start "a"\n@3s interact """The fox\n    runs\n\n@6s interact """the fox\n  runs"""\n@9s end\n',
    '@0 start "a"\n@+3s interract "b"\n@+3s interact "c"\n@9s end """\n',
    # v1 braces, now drafting mistakes; a misspelt name; a style with a variant group
    'define hero "a cat"\nstyle “{x|y}”\n@0 start "json {"k": 1}"\n@3s interact "{ hero } {heor}"\n@6s end\n',
])
def test_the_streamed_compile_of_ody_lint_says_the_same(text: str) -> None:
    data = text.encode("utf-8")
    lean = compile_streamed(data, path=NOWHERE, settings=Settings(), entries=True)
    assert list(lean.diagnostics) == list(compile_text(data, path=NOWHERE).diagnostics) != []


# --- the property ---------------------------------------------------------------------------------

WORDS = st.sampled_from(["a", "fox", "runs", "across", "the", "snow", "lamp", "turns", "on", "sea", "red", "OPEN"])
PROMPT = st.lists(WORDS, min_size=1, max_size=6).map(" ".join)


@st.composite
def screenplay(draw: st.DrawFn) -> list[str]:
    """The lines of a valid screenplay with no diagnostic at all: gaps of 3 s or more in half
    seconds, well under any length limit."""
    lines = [f'title "{draw(PROMPT)}"'] if draw(st.booleans()) else []
    lines.append(f'@0 start "{draw(PROMPT)}"')
    ms = 0
    for _ in range(draw(st.integers(1, 5))):
        gap = draw(st.integers(6, 12)) * 500
        ms += gap
        when = f"+{gap / 1000:g}s" if draw(st.booleans()) else f"{ms / 1000:g}s"
        lines.append(f'@{when} interact "{draw(PROMPT)}"')
    lines.append(f"@{(ms + 3000) / 1000:g}s end")
    return lines


CURLY_PAIRS = st.sampled_from(PAIRS)


@st.composite
def drafts(draw: st.DrawFn) -> tuple[str, str]:
    """(a screenplay with one drafting mistake, the screenplay the writer meant)."""
    lines = draw(screenplay())
    kind = draw(st.sampled_from(["curly", "inner", "slash", "comma", "keyword"]))
    meant, written = list(lines), list(lines)
    if kind == "curly":
        index = draw(st.sampled_from([i for i, line in enumerate(lines) if '"' in line]))
        pair = draw(CURLY_PAIRS)
        start, end = lines[index].index('"'), lines[index].rindex('"')
        written[index] = lines[index][:start] + pair[0] + lines[index][start + 1:end] + pair[1] + lines[index][end + 1:]
    elif kind == "inner":
        index = draw(st.sampled_from([i for i, line in enumerate(lines) if line.startswith("@") and '"' in line]))
        words = lines[index][lines[index].index('"') + 1:-1].split(" ")
        at = draw(st.integers(0, len(words) - 1))
        quoted = [*words[:at], f'"{words[at]}"', *words[at + 1:]]
        head = lines[index][:lines[index].index('"')]
        written[index] = head + '"' + " ".join(quoted) + '"'
        meant[index] = head + '"' + " ".join(quoted).replace('"', '\\"') + '"'
    elif kind == "slash":
        index = draw(st.integers(0, len(lines)))
        note = draw(PROMPT)
        if draw(st.booleans()) or index == len(lines):
            meant.insert(min(index, len(lines)), f"# {note}")
            written.insert(min(index, len(lines)), f"// {note}")
        else:
            meant[index] += f"  # {note}"
            written[index] += f"  // {note}"
    elif kind == "comma":
        index = draw(st.sampled_from([i for i, line in enumerate(lines) if re.match(r"@\+?\d+\.5s ", line)] or [-1]))
        assume(index >= 0)
        written[index] = lines[index].replace(".5s", ",5s", 1)
    else:
        index = draw(st.sampled_from([i for i, line in enumerate(lines) if line.startswith("@")]))
        time, action, rest = (lines[index] + " ").split(" ", 2)
        cut = draw(st.integers(0, len(action) - 1))
        typo = draw(st.sampled_from([action[:cut] + action[cut + 1:], action[:cut] + action[cut] + action[cut:],
                                     action[:cut] + action[cut + 1:cut + 2] + action[cut] + action[cut + 2:]]))
        assume(typo != action and closest(typo, ACTIONS) == action)
        written[index] = f"{time} {typo} {rest}".rstrip()
    return "\n".join(written) + "\n", "\n".join(meant) + "\n"


@given(drafts())
def test_one_drafting_mistake_is_one_diagnostic_whose_safe_fix_gives_what_was_meant(draft: tuple[str, str]) -> None:
    written, meant = draft
    assert diags(meant) == []
    (d,) = diags(written)
    assert d.code in {CURLY_QUOTES.code, QUOTE_IN_STRING.code, SLASH_COMMENT.code, INVALID_TIME.code,
                      UNKNOWN_KEYWORD.code}, d
    after = apply_fix(written, safe_fix(d))
    assert after == meant
    same_compile(after, meant)
    assert isinstance(parse(written).items[0], (Cue, Directive, Invalid))


def test_each_unreadable_byte_is_one_character_as_editors_count_it() -> None:
    """A cut multi-byte sequence used to become one U+FFFD, so that on its line `ody lint`'s
    columns after it differed from an editor's, which counts each byte."""
    from odyssey_dsl.compiler import decode

    text, found = decode(b'@0 start "a\xe2\x82b" bogus\n@3s end\n')
    assert text == '@0 start "a\ufffd\ufffdb" bogus\n@3s end\n' and [d.code for d in found] == ["ODY006"]
    text, _ = decode(b"@0 start \"\xf0\x9f\x90\" \xff\n")  # a cut 4-byte sequence, a lone byte
    assert text == '@0 start "\ufffd\ufffd\ufffd" \ufffd\n'


@pytest.mark.parametrize(("data", "text", "column", "byte"), [
    (b"\xef\xbb\xbfab\xff\n", "ab\ufffd\n", 3, "0xff"),  # a BOM, then a bad byte: used to raise
    (b"\xef\xbb\xbf\xef\xbb\xbf\xff\n", "\ufeff\ufffd\n", 2, "0xff"),  # used to blame the second BOM's 0xef
])
def test_a_bad_byte_after_a_bom_is_placed_after_it(data: bytes, text: str, column: int, byte: str) -> None:
    from odyssey_dsl.compiler import decode

    read, (found,) = decode(data)
    assert read == text and found.span[:2] == (1, column) and f"byte {byte} cannot" in found.message
