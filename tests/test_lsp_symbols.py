"""`ody lsp` outlines of large files: built and encoded off the event loop, as JSON the server
writes itself, and the same symbols lsprotocol's own objects would give."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from lsp_support import CONFIG, UTF8, UTF16, Client, change, diagnostics, lsp_fixture, open_file, position, start
from lsprotocol import types
from pygls.protocol import default_converter

from odyssey_dsl.config import Settings
from odyssey_dsl.lsp.document import LiveDocument
from odyssey_dsl.lsp.positions import Columns
from odyssey_dsl.lsp.symbols import cue_name

pytestmark = pytest.mark.asyncio(loop_scope="module")

EMOJI = ["🐈", "😀", "🌸", "é", "🐈‍⬛"]


@lsp_fixture(config=CONFIG, scope="module", params=[UTF16, UTF8])
async def client(lsp_client: Client, request: pytest.FixtureRequest) -> AsyncIterator[None]:
    await start(lsp_client, [request.param])
    yield
    await lsp_client.shutdown_session()


def screenplay(scenes: int, cues: int) -> str:
    """`scenes` scenes of `cues` cues each: emoji in prompts and scene names, absolute and
    relative times, long prompts cut in the outline, a prompt over several lines."""
    out = ['title "Large 🐈"', ""]
    for number in range(scenes):
        out += [f'scene "part {number} {EMOJI[number % len(EMOJI)]}"', f'@0 start "{EMOJI[0]} opening {number}"']
        for index in range(1, cues - 1):
            mark = EMOJI[index % len(EMOJI)]
            time = f"+{3 + index % 4}s" if index % 3 else f"{index * 7}s"
            if index % 50 == 25:
                out += [f'@{time} interact """', f"    {mark} the cat turns", f"    and {mark} looks up", '"""']
            else:
                long = " and then it naps in the sun for a long while" if index % 5 == 0 else ""
                out.append(f'@{time} interact "{mark} the cat {index} {mark}{long}"  # {mark}')
        out += ["@+3s end", ""]
    return "\n".join(out)


def previous_outline(text: str, path: Path, encoding: str) -> list[types.DocumentSymbol]:
    """The outline as lsprotocol objects, as the server built it before it wrote JSON itself:
    the reference its answers must match."""
    live = LiveDocument(text, path, Settings())
    columns = Columns(encoding)
    symbols = []
    for script in live.checked.scripts:
        children = [types.DocumentSymbol(
            name=cue_name(t), kind=types.SymbolKind.Event, range=columns.range(live.line, t.cue.span),
            selection_range=columns.range(live.line, t.cue.time.span),
            detail=f"@{t.cue.time.text}" if t.cue.time.relative else None) for t in script.cues]
        scene = script.scene
        assert scene is not None
        whole = types.Range(columns.range(live.line, scene.span).start, children[-1].range.end)
        symbols.append(types.DocumentSymbol(
            name=scene.name.value or "", kind=types.SymbolKind.Namespace, range=whole,
            selection_range=columns.range(live.line, scene.name.span), detail="scene", children=children))
    return symbols


async def outline(client: Client, uri: str) -> list[types.DocumentSymbol]:
    got = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(types.TextDocumentIdentifier(uri)))
    assert got is not None
    symbols = [s for s in got if isinstance(s, types.DocumentSymbol)]
    assert len(symbols) == len(got), got
    return symbols


async def test_a_large_outline_is_what_lsprotocol_objects_would_give(client: Client, tmp_path: Path) -> None:
    text = screenplay(3, 100)
    path = tmp_path / "medium.ody"
    uri = open_file(client, path, text)
    await diagnostics(client, uri)
    got = await outline(client, uri)
    as_json = default_converter().unstructure  # type: ignore[no-untyped-call]  # pygls declares no types here
    assert as_json(got) == as_json(previous_outline(text, path, client.encoding))
    assert [len(s.children or []) for s in got] == [100, 100, 100]
    assert await outline(client, uri) == got  # the same revision: the cached answer


async def test_a_change_right_behind_the_outline_is_not_kept_waiting(client: Client, tmp_path: Path) -> None:
    text = screenplay(1, 5000)
    uri = open_file(client, tmp_path / "large.ody", text)
    await diagnostics(client, uri)
    asked = asyncio.ensure_future(client.text_document_document_symbol_async(
        types.DocumentSymbolParams(types.TextDocumentIdentifier(uri))))
    await asyncio.sleep(0)  # the request is on its way
    loop = asyncio.get_running_loop()
    sent = loop.time()
    line = 3  # the first cue: `@0 start "🐈 opening 0"`
    column = text.splitlines()[line].index("opening")
    start, end = position(text, line, column, client.encoding), position(text, line, column + 7, client.encoding)
    version = change(client, uri, types.TextDocumentContentChangePartial(range=types.Range(start, end), text="closing"))
    while client.published[uri][0] != version:
        assert loop.time() - sent < 15, "no diagnostics for the change"
        await asyncio.sleep(0.001)
    waited, outline_first = loop.time() - sent, asked.done()
    # the diagnostics came before the outline (the loop was free), or at least soon: building
    # the outline on the loop took 0.3-0.5 s for this file
    assert not outline_first or waited < 0.2, f"diagnostics after {waited:.3f} s, behind the outline"
    before = await asked  # the outline before the change, or after it: both are valid answers
    assert isinstance(scene := (before or [None])[0], types.DocumentSymbol) and scene.children is not None
    assert scene.children[0].name.split('"')[1] in ("🐈 opening 0", "🐈 closing 0") and len(scene.children) == 5000
    after = await outline(client, uri)  # not the outline of the older revision, cached as current
    assert after[0].children and "closing" in after[0].children[0].name
