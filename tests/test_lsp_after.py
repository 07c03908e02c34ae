"""`ody lsp` and scenes that continue another (`scene "night" after "day"`): hover, completion,
go to definition, references, rename and the diagnostics, over stdio with a real client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from lsp_support import CONFIG, UTF8, UTF16, Client, apply, diagnostics, lsp_fixture, open_file, position, start
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from test_lsp_names import at, doc, hover, span_of, where

from odyssey_dsl.compiler import compile_text

pytestmark = pytest.mark.asyncio(loop_scope="module")

# `dawn` continues `night`, which continues `day` (written below it); `café ☕` is not ASCII
SOURCE = '''\
scene "dawn" after "night"
@0 start "The harbour at dawn"
@4s end

scene "night" after "day"
@0 start "The harbour at night"
@4s end

scene "day"
@0 start "A harbour at noon"
@4s end

scene "café ☕"
@0 start "A café on the quay"
@4s end
'''


@lsp_fixture(config=CONFIG, scope="module", params=[UTF16, UTF8])
async def client(lsp_client: Client, request: pytest.FixtureRequest) -> AsyncIterator[None]:
    await start(lsp_client, [request.param], snippets=True)
    yield
    await lsp_client.shutdown_session()


async def opened(client: Client, path: Path, text: str) -> str:
    uri = open_file(client, path, text)
    await diagnostics(client, uri)
    return uri


async def test_hover_says_what_after_does_and_which_scene_it_names(client: Client, tmp_path: Path) -> None:
    uri = await opened(client, tmp_path / "harbour.ody", SOURCE)
    text = await hover(client, uri, at(client, SOURCE, "after", 2))
    assert text is not None and text.startswith('`scene "night" after "day"`: this scene starts from the last frame')
    text = await hover(client, uri, at(client, SOURCE, '"day"', 2))
    assert text == ("**scene `day`**, line 9: this scene starts from the last frame of `day`'s recording "
                    "(`ody run` adds it as the start image once that scene is recorded)")
    text = await hover(client, uri, at(client, SOURCE, '"night"', 2, nth=1))  # its own name: who continues it
    assert text == "**scene `night`**: `dawn` starts from its last frame"
    assert await hover(client, uri, at(client, SOURCE, '"café', 2)) is None  # nothing continues it


async def test_definition_goes_to_the_scene_line_above_or_below(client: Client, tmp_path: Path) -> None:
    uri = await opened(client, tmp_path / "harbour.ody", SOURCE)
    for needle, target, nth in (('"night"', "night", 1), ('"day"', "day", 1)):
        got = await client.text_document_definition_async(types.DefinitionParams(
            doc(uri), at(client, SOURCE, needle, 3)))
        assert isinstance(got, types.Location)
        line, first, last = span_of(client, SOURCE, f'"{target}"', nth)
        assert where(got) == (uri, line, first, last)


async def test_references_and_rename_cover_the_scene_line_and_every_after(client: Client, tmp_path: Path) -> None:
    uri = await opened(client, tmp_path / "harbour.ody", SOURCE)
    got = await client.text_document_references_async(types.ReferenceParams(
        types.ReferenceContext(include_declaration=True), doc(uri), at(client, SOURCE, '"day"', 1)))
    assert sorted(map(where, got or [])) == sorted([
        (uri, *span_of(client, SOURCE, '"day"')), (uri, *span_of(client, SOURCE, '"day"', 1))])
    got = await client.text_document_references_async(types.ReferenceParams(
        types.ReferenceContext(include_declaration=False), doc(uri), at(client, SOURCE, '"day"', 1, nth=1)))
    assert [where(g) for g in got or []] == [(uri, *span_of(client, SOURCE, '"day"'))]
    edit = await client.text_document_rename_async(types.RenameParams(
        doc(uri), at(client, SOURCE, '"night"', 2, nth=1), 'late "night"'))
    assert edit is not None and edit.changes is not None
    renamed = apply(SOURCE, edit.changes[uri], client.encoding)
    assert renamed == SOURCE.replace('"night"', '"late \\"night\\""')
    before = compile_text(SOURCE)
    assert compile_text(renamed).after == before.after and before.after == (1, 2, None, None)


async def test_rename_of_a_scene_is_refused_with_a_reason(client: Client, tmp_path: Path) -> None:
    text = SOURCE.replace('after "day"', 'after "dya"')
    uri = await opened(client, tmp_path / "harbour.ody", text)
    got = await client.text_document_prepare_rename_async(types.PrepareRenameParams(
        doc(uri), at(client, text, '"café', 2)))
    assert isinstance(got, types.PrepareRenamePlaceholder) and got.placeholder == "café ☕"
    for new, reason in (("day", "`day` is already a scene: line 9"), ("  ", "a scene name cannot be empty")):
        with pytest.raises(JsonRpcException, match=reason):
            await client.text_document_rename_async(types.RenameParams(doc(uri), at(client, text, '"café', 2), new))
    with pytest.raises(JsonRpcException, match="no scene is named `dya`: there is nothing to rename"):
        await client.text_document_prepare_rename_async(types.PrepareRenameParams(doc(uri), at(client, text, "dya")))


async def test_completion_offers_after_and_then_the_other_scenes(client: Client, tmp_path: Path) -> None:
    text = SOURCE + 'scene "dusk" \nscene "dusk" after "\n'
    uri = await opened(client, tmp_path / "harbour.ody", text)
    lines = text.split("\n")

    async def offered(line: int) -> list[types.CompletionItem]:
        got = await client.text_document_completion_async(types.CompletionParams(
            doc(uri), position(text, line, len(lines[line]), client.encoding)))
        items = got.items if isinstance(got, types.CompletionList) else got or []
        return sorted(items, key=lambda i: i.sort_text or i.label)

    (keyword,) = await offered(15)
    assert keyword.label == "after" and keyword.text_edit is not None and keyword.text_edit.new_text == 'after "$1"'
    items = await offered(16)  # not its own name
    assert [(i.label, i.detail) for i in items] == [
        ("dawn", "scene, line 1"), ("night", "scene, line 5"), ("day", "scene, line 9"), ("café ☕", "scene, line 13")]
    edit = items[3].text_edit
    assert isinstance(edit, types.TextEdit)
    assert apply(text, [edit], client.encoding).split("\n")[16] == 'scene "dusk" after "café ☕"'


async def test_the_outline_says_which_scene_each_continues(client: Client, tmp_path: Path) -> None:
    uri = await opened(client, tmp_path / "harbour.ody", SOURCE)
    got = await client.text_document_document_symbol_async(types.DocumentSymbolParams(doc(uri)))
    assert [(s.name, s.detail) for s in got or [] if isinstance(s, types.DocumentSymbol)] == [
        ("dawn", "scene after night"), ("night", "scene after day"), ("day", "scene"), ("café ☕", "scene")]


async def test_the_errors_are_published_as_ody_lint_finds_them(client: Client, tmp_path: Path) -> None:
    text = SOURCE.replace('after "day"', 'after "dawn"')  # dawn after night after dawn
    uri = open_file(client, tmp_path / "harbour.ody", text)
    found = await diagnostics(client, uri)
    assert sorted((d.code, d.range.start.line) for d in found) == [("ODY118", 0), ("ODY118", 4)]
