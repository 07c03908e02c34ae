"""`ody lsp` and what a plainer client asks: inlay hints off (at start, then on), a flat outline."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from lsp_support import CONFIG, Client, diagnostics, lsp_fixture, open_file, start
from lsprotocol import types

pytestmark = pytest.mark.asyncio(loop_scope="module")

TEXT = '@0 start "a"\n@+3s end\n'
WHOLE = types.Range(types.Position(0, 0), types.Position(2, 0))


@lsp_fixture(config=CONFIG, scope="module")
async def client(lsp_client: Client) -> AsyncIterator[None]:
    await start(lsp_client, None, nested=False, initialization_options={"inlayHints": False})
    yield
    await lsp_client.shutdown_session()


async def hints(client: Client, uri: str) -> list[str]:
    got = await client.text_document_inlay_hint_async(types.InlayHintParams(types.TextDocumentIdentifier(uri), WHOLE))
    return [str(h.label) for h in got or []]


async def test_inlay_hints_follow_the_setting(client: Client, tmp_path: Path) -> None:
    uri = open_file(client, tmp_path / "a.ody", TEXT)
    await diagnostics(client, uri)
    assert await hints(client, uri) == []
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams({"ody": {"inlayHints": True}}))
    assert await hints(client, uri) == ["= 0:03"]


async def test_a_client_without_nested_symbols_gets_a_flat_outline(client: Client, tmp_path: Path) -> None:
    text = 'scene "one"\n@0 start "a"\n@3s end\n'
    uri = open_file(client, tmp_path / "flat.ody", text)
    await diagnostics(client, uri)
    document = types.TextDocumentIdentifier(uri)
    got = await client.text_document_document_symbol_async(types.DocumentSymbolParams(document))
    assert [(s.name, s.container_name, s.location.range.start.line) for s in got or []
            if isinstance(s, types.SymbolInformation)] == [("one", None, 0), ('0:00 start "a"', "one", 1),
                                                           ("0:03 end", "one", 2)]
