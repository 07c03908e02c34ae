"""Format Selection (`fmt.format_range`, `textDocument/rangeFormatting`): a selection lays out
the statements it touches, whole and in place, and nothing else; never what the file means.

The server used to format the whole file and keep the edits that touched the selection. Those
edits were halves of moves (the directives are sorted), so a one-line selection duplicated a
`title` or a `min-gap`, deleted directives, and rewrote lines outside the selection: a third of
the one-line selections in generated files changed what the file compiles to. The regression
examples below are such selections; the properties prove the class gone, for random files and
random ranges, directly and (for a few ranges) through a real LSP client.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from conftest import compile_ody
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.lark import from_lark
from lsp_support import CONFIG, UTF16, Client, apply, diagnostics, lsp_fixture, open_file, position, start
from lsprotocol import types
from test_fmt import PROPERTY, comments, outcome, screenplays
from test_properties import GRAMMAR, REALISTIC, write_included

from odyssey_dsl import parse
from odyssey_dsl.fmt import FormatError, format_range, format_text
from odyssey_dsl.lines import count, split_keeping
from odyssey_dsl.lsp.formatting import format_edits
from odyssey_dsl.lsp.positions import Columns


def extent(text: str, first: int, last: int) -> tuple[int, int] | None:
    """The lines (1-based) from the first to the last item that touches `first..last`."""
    touched = [item for item in parse(text).items if item.span.line <= last and item.span.end_line >= first]
    return (touched[0].span.line, touched[-1].span.end_line) if touched else None


def assert_range_formats(text: str, first: int, last: int, line_width: int = 100, folder: Path | None = None) -> str:
    """Everything a formatted selection promises: the same meaning (compiled as `folder/t.ody`)
    and comments, and every line outside the statements it touches byte for byte as it was."""
    out = format_range(text, (first, last), line_width=line_width)
    assert through_edits(text, first, last, line_width) == out
    assert outcome(compile_ody(out, folder)) == outcome(compile_ody(text, folder))
    assert comments(out) == comments(text)
    where = extent(text, first, last)
    if where is None:
        assert out == text
        return out
    top, bottom = where
    old, new = split_keeping(text), split_keeping(out)
    assert new[:top - 1] == old[:top - 1]
    assert new[len(new) - (len(old) - bottom):] == old[bottom:]
    return out


def through_edits(text: str, first: int, last: int, line_width: int = 100) -> str:
    """The selection formatted as the server does it: line edits, applied as an editor does."""
    edits = format_edits(text, line_width, Columns(UTF16), (first - 1, last - 1))
    assert edits is not None
    return apply(text, edits, UTF16)


# Each of these lost or duplicated text, or rewrote lines outside the selection, before.
REGRESSIONS = [
    pytest.param('min-gap 1s\ntitle "t"\n@0 start "a"\n@3s end\n', 1, 'min-gap 1s\ntitle "t"\n@0 start "a"\n@3s end\n',
                 id="the title was duplicated above"),
    pytest.param('min-gap 1s\ntitle "t"\n@0 start "a"\n@3s end\n', 2, 'min-gap 1s\ntitle "t"\n@0 start "a"\n@3s end\n',
                 id="the title was deleted and the cues below rewritten"),
    pytest.param('min-gap 1s\norientation portrait\n@0 start "a"\n@3s end\n', 3,
                 'min-gap 1s\norientation portrait\n@0  start "a"\n@3s end\n', id="min-gap was duplicated"),
    pytest.param('\x0c\n\ntitle\u3000"0"\n min-gap 57ms # ody:ignore[ody202]\nprompt-expansion\u3000off\n @0  start "0"\n'
                 ' @+400000ms interact "0"\n@+400s\u3000end\n', 3,
                 '\x0c\n\ntitle "0"\n min-gap 57ms # ody:ignore[ody202]\nprompt-expansion\u3000off\n @0  start "0"\n'
                 ' @+400000ms interact "0"\n@+400s\u3000end\n', id="three directives were deleted"),
    pytest.param('@0 start "a"\n@3s   interact "b"\n\n\n\n@6s   end\n', 1,
                 '@0  start    "a"\n@3s   interact "b"\n\n\n\n@6s   end\n', id="the next line was rewritten"),
]
# Each of these raised (the formatter knew no header line but the directives).
REGRESSIONS += [
    pytest.param('style  "s"\ndefine   hero  "a {{cat}}"   # c\n@0 start "{hero}"\n@3s end\n', 2,
                 'style  "s"\ndefine hero "a {{cat}}" # c\n@0 start "{hero}"\n@3s end\n', id="a define was not laid out"),
    pytest.param('include  "lib.ody"\nnegative\t"blur"\n@0 start "a"\n@3s end\n', 1,
                 'include "lib.ody"\nnegative\t"blur"\n@0 start "a"\n@3s end\n', id="an include was not laid out"),
    pytest.param('scene "a"\nnegative  "x"\nstyle "y"\n@0 start "a"\n@3s end\n', 2,
                 'scene "a"\nnegative "x"\nstyle "y"\n@0 start "a"\n@3s end\n', id="a scene's negative was not laid out"),
]


@pytest.mark.parametrize(("text", "line", "expected"), REGRESSIONS)
def test_a_one_line_selection_changes_that_line_only(text: str, line: int, expected: str) -> None:
    assert assert_range_formats(text, line, line) == expected


def test_a_selection_takes_the_whole_statements_it_touches() -> None:
    text = '@0 start """\n   a cat\n       on a mat\n"""   # why\n@3s    end\n'
    assert assert_range_formats(text, 3, 3) == '@0  start """\n    a cat\n    on a mat\n""" # why\n@3s    end\n'


def test_a_cue_is_aligned_with_its_whole_block() -> None:
    text = '@0 start "a"\n@3s interact "b"\n@1:06.5 interact "c"\n\n@9s end\n'
    assert assert_range_formats(text, 1, 1) == '@0      start    "a"\n@3s interact "b"\n@1:06.5 interact "c"\n\n@9s end\n'


def test_nothing_moves_and_blank_lines_collapse_only_between_the_items_touched() -> None:
    text = 'min-gap 1s\n\n\n\ntitle "t"\n\n\n@0 start "a"   \n\n\n@3s end\n'
    assert assert_range_formats(text, 1, 5) == 'min-gap 1s\n\ntitle "t"\n\n\n@0 start "a"   \n\n\n@3s end\n'
    assert assert_range_formats(text, 2, 4) == text  # blank lines only: nothing to lay out
    assert assert_range_formats(text, 3, 7) == text  # the title only, which is laid out already


def test_line_ends_the_byte_order_mark_and_a_missing_final_break_are_kept() -> None:
    text = '\ufeff# head  \r\n@0 start   """\r\n  a\r\n  b"""\r\n@3s    end'
    assert assert_range_formats(text, 1, 2) == '\ufeff# head\r\n@0  start """\r\n    a\r\n    b\r\n"""\r\n@3s    end'
    assert assert_range_formats(text, 5, 5) == '\ufeff# head  \r\n@0 start   """\r\n  a\r\n  b"""\r\n@3s end'


def test_a_file_with_syntax_errors_is_left_alone() -> None:
    with pytest.raises(FormatError):
        format_range('@0 start "a\n@3s   end\n', (2, 2))
    assert format_edits('@0 start "a\n@3s   end\n', 100, Columns(UTF16), (1, 1)) is None


@st.composite
def ranges(draw: st.DrawFn, text: str) -> tuple[int, int]:
    """A range of lines of `text`, a single line half of the time (what a cursor formats)."""
    lines = count(text)
    first = draw(st.integers(1, lines))
    return first, first if draw(st.booleans()) else draw(st.integers(first, lines))


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the screenplays are compiled: beside the files they include."""
    return write_included(tmp_path_factory.mktemp("includes"))


@PROPERTY
@given(st.data(), screenplays(), st.integers(20, 120))
def test_a_selection_keeps_the_output_the_comments_and_every_other_line(
        folder: Path, data: st.DataObject, text: str, width: int) -> None:
    first, last = data.draw(ranges(text))
    assert_range_formats(text, first, last, width, folder)


@PROPERTY
@given(st.data(), from_lark(GRAMMAR, start="file", explicit=REALISTIC))
def test_any_text_is_refused_as_a_whole_or_its_selection_keeps_its_diagnostics(
        folder: Path, data: st.DataObject, text: str) -> None:
    first, last = data.draw(ranges(text))
    try:
        format_text(text)
    except FormatError:
        with pytest.raises(FormatError):
            format_range(text, (first, last))
        return
    assert_range_formats(text, first, last, folder=folder)


@PROPERTY
@given(st.data(), screenplays(), st.integers(20, 120))
def test_a_formatted_file_is_left_as_it_is_by_any_selection(data: st.DataObject, text: str, width: int) -> None:
    canonical = format_text(text, line_width=width)
    if canonical:
        assert format_range(canonical, data.draw(ranges(canonical)), line_width=width) == canonical


# --- through a real editor's requests ------------------------------------------------------------

@lsp_fixture(config=CONFIG, scope="module")
async def client(lsp_client: Client) -> AsyncIterator[None]:
    await start(lsp_client, [UTF16])
    yield
    await lsp_client.shutdown_session()


SCREENPLAY = '''\
min-gap 2s
title   "Two seasons 🌸"

scene "spring 🌸"
@0 start "An apple orchard in spring, white blossom on every branch, bees in the warm air and a path between the trees"
@3s   interact "A breeze 🐈 sends petals swirling"   # light
@6s end


scene "winter"
@0 start """
  The same orchard in winter,
      bare branches under fresh snow
"""
@+3.5s    end
'''

#: (first line, first column, last line, last column), 0-based and in code points as an editor
#: selects: one line with its break, part of a line, a middle line of a long prompt, several.
SELECTIONS = [(0, 0, 1, 0), (1, 0, 1, 3), (4, 10, 4, 40), (5, 0, 6, 0), (11, 4, 11, 6), (3, 0, 14, 0), (7, 0, 8, 0)]


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize("text", [pytest.param(SCREENPLAY, id="a screenplay"),
                                  *(pytest.param(p.values[0], id=p.id) for p in REGRESSIONS)])
async def test_format_selection_in_an_editor(client: Client, tmp_path: Path, text: str) -> None:
    uri = open_file(client, tmp_path / "selection.ody", text)
    await diagnostics(client, uri)
    lines = count(text)
    for first, column, last, end in SELECTIONS if text == SCREENPLAY else [(k, 0, k + 1, 0) for k in range(lines - 1)]:
        selection = types.Range(position(text, first, column, UTF16), position(text, last, end, UTF16))
        edits = await client.text_document_range_formatting_async(types.DocumentRangeFormattingParams(
            types.TextDocumentIdentifier(uri), selection, types.FormattingOptions(tab_size=4, insert_spaces=True)))
        formatted = apply(text, edits or [], UTF16)
        through = last if end else last - 1  # a selection that ends at a line's start leaves that line out
        assert formatted == assert_range_formats(text, first + 1, max(first, through) + 1), (first, last)
