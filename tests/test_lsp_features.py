"""`ody lsp` hovers, completion, outline, formatting, folding and inlay hints, over stdio."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from lsp_support import CONFIG, UTF16, Client, apply, diagnostics, lint_json, lsp_fixture, open_file, position, replace_all, start
from lsprotocol import types

pytestmark = pytest.mark.asyncio(loop_scope="module")

SCENES = '''\
title "Two seasons"

scene "spring 🌸"
@0 start "An apple orchard in spring, white blossom on every branch"
@3s interact "A breeze sends petals swirling across the frame"
@6s end

scene "winter"
@0 start """
    The same orchard in winter,
    bare branches under fresh snow
"""
@9.5s interact "A fox trots between the rows"
@+3s end
'''


@lsp_fixture(config=CONFIG, scope="module")
async def client(lsp_client: Client) -> AsyncIterator[None]:
    await start(lsp_client, [UTF16], snippets=True)
    yield
    await lsp_client.shutdown_session()


def doc(uri: str) -> types.TextDocumentIdentifier:
    return types.TextDocumentIdentifier(uri)


async def hover(client: Client, uri: str, text: str, line: int, needle: str, offset: int = 0) -> str | None:
    column = text.splitlines()[line].index(needle) + offset
    got = await client.text_document_hover_async(types.HoverParams(doc(uri), position(text, line, column, UTF16)))
    if got is None:
        return None
    assert isinstance(got.contents, types.MarkupContent) and got.contents.kind == types.MarkupKind.Markdown
    return got.contents.value


async def test_hover_on_a_time_tells_its_place(client: Client, tmp_path: Path) -> None:
    uri = open_file(client, tmp_path / "hover.ody", SCENES)
    await diagnostics(client, uri)
    assert await hover(client, uri, SCENES, 13, "@+3s", 2) == (
        "**0:12.500** (12500 ms)  \n3s after the previous cue (at 0:09.500)  \nthe scene `winter` lasts 0:12.500")
    assert await hover(client, uri, SCENES, 3, "@0") == (
        "**0:00.000** (0 ms)  \nthe first cue  \nthe scene `spring 🌸` lasts 0:06.000")


async def test_hover_on_keywords_and_codes(client: Client, tmp_path: Path) -> None:
    text = 'min-gap 2s\n@0 start "a" image "x.png"\n@2s end  # ody: ignore[ODY202]\n'
    uri = open_file(client, tmp_path / "keywords.ody", text)
    await diagnostics(client, uri)
    assert (await hover(client, uri, text, 0, "gap") or "").startswith("`min-gap 3s`: the shortest gap")
    assert (await hover(client, uri, text, 1, "start")) == (
        "`start`: the opening scene; the first cue of a script, at 0 (only it may take an `image`).")
    assert "25 MiB" in (await hover(client, uri, text, 1, "image") or "")
    assert (await hover(client, uri, text, 2, "end")) == "`end`: the last cue; its time is the length of the video."
    assert (await hover(client, uri, text, 2, "ODY202")) == "`ODY202`: script longer than max-duration (warning)"
    assert await hover(client, uri, text, 1, '"a"') is None


async def complete(client: Client, uri: str, text: str, line: int,
                   column: int | None = None) -> list[types.CompletionItem]:
    """Completion at the end of `line` (or at `column`), the items in the client's order."""
    lines = text.split("\n")
    column = len(lines[line]) if column is None else column
    at = position(text, line, column, UTF16)
    got = await client.text_document_completion_async(types.CompletionParams(doc(uri), at))
    items = got.items if isinstance(got, types.CompletionList) else got or []
    return sorted(items, key=lambda i: i.sort_text or i.label)


async def completed(client: Client, uri: str, text: str, line: int) -> tuple[list[str], str]:
    """The labels offered at the end of `line`, and the text once the first is taken."""
    items = await complete(client, uri, text, line)
    if not items:
        return [], text
    edit = items[0].text_edit
    assert isinstance(edit, types.TextEdit)
    return [i.label for i in items], apply(text, [edit], UTF16)


async def test_completion_offers_what_fits_where_the_cursor_is(client: Client, tmp_path: Path) -> None:
    (tmp_path / "pics").mkdir()
    (tmp_path / "pics" / "boat 🚤.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (tmp_path / "notes.txt").write_text("not an image")
    lines = ['ori', 'orientation l', '@0 start "a 🐈" ', '@0 start "a" image "pi', '@0 start "a" image "pics/b',
             '@3', '@3s i', '@+3s int', 'min-gap 2', '@3s interact "som', '# a comment @3s ']
    text = "\n".join(lines) + "\n"
    uri = open_file(client, tmp_path / "complete.ody", text)
    await diagnostics(client, uri)
    results = [await completed(client, uri, text, i) for i in range(len(lines))]
    firsts = [new.split("\n")[i] for i, (_, new) in enumerate(results)]
    labels = [labels for labels, _ in results]
    assert labels[0] == ["title", "orientation", "prompt-expansion", "min-gap", "max-duration", "include", "define",
                         "style", "negative", "scene"]
    assert firsts[0] == 'title "$1"'  # a snippet: the client fills in the quotes
    assert (labels[1], firsts[1]) == (["portrait", "landscape"], "orientation portrait")
    assert (labels[2], firsts[2]) == (["image"], '@0 start "a 🐈" image "$1"')
    assert (labels[3], firsts[3]) == (["pics/"], '@0 start "a" image "pics/')
    assert (labels[4], firsts[4]) == (["boat 🚤.png"], '@0 start "a" image "pics/boat 🚤.png')
    assert (labels[5], firsts[5]) == (["3s", "3ms", "3m", "3h"], "@3s")
    assert labels[6] == ["interact", "end", "start"]  # a script has begun above: `start` comes last
    assert firsts[7] == '@+3s interact "$1"'
    assert (labels[8], firsts[8]) == (["2s", "2ms", "2m", "2h"], "min-gap 2s")
    assert labels[9] == labels[10] == []


async def test_the_first_action_of_a_file_is_start(client: Client, tmp_path: Path) -> None:
    text = 'title "x"\n@0 s\n'
    uri = open_file(client, tmp_path / "first.ody", text)
    await diagnostics(client, uri)
    labels, new = await completed(client, uri, text, 1)
    assert labels == ["start", "interact", "end"] and new == 'title "x"\n@0 start "$1"\n'


async def test_the_outline_has_scenes_and_cues(client: Client, tmp_path: Path) -> None:
    uri = open_file(client, tmp_path / "outline.ody", SCENES)
    await diagnostics(client, uri)
    got = await client.text_document_document_symbol_async(types.DocumentSymbolParams(doc(uri)))
    outline = [(s.name, [c.name for c in s.children or []]) for s in got or [] if isinstance(s, types.DocumentSymbol)]
    assert outline == [
        ("spring 🌸", ['0:00 start "An apple orchard in spring, white bloss…"',
                       '0:03 interact "A breeze sends petals swirling across t…"', "0:06 end"]),
        ("winter", ['0:00 start "The same orchard in winter, bare branch…"',
                    '0:09.5 interact "A fox trots between the rows"', "0:12.5 end"]),
    ]
    assert got is not None
    spring = got[0]
    assert isinstance(spring, types.DocumentSymbol)
    assert (spring.range.start.line, spring.range.end.line, spring.selection_range.start.character) == (2, 5, 6)


async def test_folding_ranges_are_scenes_and_long_strings(client: Client, tmp_path: Path) -> None:
    uri = open_file(client, tmp_path / "fold.ody", SCENES)
    await diagnostics(client, uri)
    got = await client.text_document_folding_range_async(types.FoldingRangeParams(doc(uri)))
    assert sorted((r.start_line, r.end_line) for r in got or []) == [(2, 5), (7, 13), (8, 11)]


UNFORMATTED = '@0  start "a 🐈"\r\n\n\r@3s interact    "b"   # why\n@6s end'


async def test_formatting_is_ody_fmt(client: Client, tmp_path: Path) -> None:
    path = tmp_path / "fmt.ody"
    uri = open_file(client, path, UNFORMATTED)
    await diagnostics(client, uri)
    options = types.FormattingOptions(tab_size=4, insert_spaces=True)
    edits = await client.text_document_formatting_async(types.DocumentFormattingParams(doc(uri), options))
    from odyssey_dsl.fmt import format_text

    formatted = apply(UNFORMATTED, edits or [], UTF16)
    assert formatted == format_text(UNFORMATTED)
    replace_all(client, uri, formatted)
    await diagnostics(client, uri)
    again = await client.text_document_formatting_async(types.DocumentFormattingParams(doc(uri), options))
    assert not again
    path.write_text(formatted, encoding="utf-8")
    assert lint_json(path) == []


async def test_range_formatting_touches_only_the_range(client: Client, tmp_path: Path) -> None:
    text = '@0 start "a"\n@3s   interact "b"\n\n\n\n@6s   end\n'
    uri = open_file(client, tmp_path / "range.ody", text)
    await diagnostics(client, uri)
    options = types.FormattingOptions(tab_size=4, insert_spaces=True)
    first_line = types.Range(types.Position(0, 0), types.Position(0, 3))
    edits = await client.text_document_range_formatting_async(
        types.DocumentRangeFormattingParams(doc(uri), first_line, options))
    # The cue takes its block's columns; the line below, outside the selection, is left alone.
    assert apply(text, edits or [], UTF16) == '@0  start    "a"\n@3s   interact "b"\n\n\n\n@6s   end\n'


async def test_a_file_with_syntax_errors_is_not_formatted(client: Client, tmp_path: Path) -> None:
    uri = open_file(client, tmp_path / "broken.ody", '@0 start "a\n')
    await diagnostics(client, uri)
    options = types.FormattingOptions(tab_size=4, insert_spaces=True)
    assert await client.text_document_formatting_async(types.DocumentFormattingParams(doc(uri), options)) is None


async def test_inlay_hints_show_absolute_times_after_relative_ones(client: Client, tmp_path: Path) -> None:
    text = '@0 start "🐈 a"\n@+3s interact "b"\n@+2.5s end  # ody: ignore[ODY201]\n'
    uri = open_file(client, tmp_path / "hints.ody", text)
    await diagnostics(client, uri)
    got = await client.text_document_inlay_hint_async(types.InlayHintParams(
        doc(uri), types.Range(types.Position(0, 0), types.Position(3, 0))))
    assert [(h.position.line, h.position.character, h.label) for h in got or []] == [
        (1, 4, "= 0:03"), (2, 6, "= 0:05.5")]
    only_line_2 = types.Range(types.Position(2, 0), types.Position(2, 5))
    got = await client.text_document_inlay_hint_async(types.InlayHintParams(doc(uri), only_line_2))
    assert [h.label for h in got or []] == ["= 0:05.5"]
