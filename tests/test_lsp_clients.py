"""`ody lsp` with the capabilities real editors state (VS Code, Neovim), as pytest-lsp records
them: every answer must fit what that client says it takes (pytest-lsp checks, as errors)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from lsp_support import CONFIG, UTF16, Client, diagnostics, lsp_fixture, open_file, position
from lsprotocol import types
from pygls.capabilities import get_capability
from pytest_lsp import client_capabilities

pytestmark = [pytest.mark.asyncio(loop_scope="module"),
              pytest.mark.filterwarnings("error::pytest_lsp.LspSpecificationWarning")]

TEXT = 'title "Cat 🐈"\n@0 start "A cat 😀" image "cat.png"\n@1s interct "b"\n@+1 interact "c"\n'


@lsp_fixture(config=CONFIG, scope="module", params=["visual-studio-code", "neovim"])
async def client(lsp_client: Client, request: pytest.FixtureRequest) -> AsyncIterator[None]:
    capabilities = client_capabilities(request.param)
    result = await lsp_client.initialize_session(types.InitializeParams(capabilities=capabilities))
    lsp_client.encoding = result.capabilities.position_encoding or UTF16
    yield
    await lsp_client.shutdown_session()


async def test_an_editor_gets_every_feature_in_its_own_terms(client: Client, tmp_path: Path) -> None:
    uri = open_file(client, tmp_path / "editor.ody", TEXT)
    found = await diagnostics(client, uri)
    assert [d.code for d in found] == ["ODY107", "ODY004", "ODY003"]
    document = types.TextDocumentIdentifier(uri)
    hover = await client.text_document_hover_async(types.HoverParams(document, position(TEXT, 1, 4, client.encoding)))
    assert hover is not None
    completion = await client.text_document_completion_async(
        types.CompletionParams(document, position(TEXT, 3, 3, client.encoding)))
    assert isinstance(completion, types.CompletionList) and [i.label for i in completion.items][:1] == ["+1s"]
    symbols = await client.text_document_document_symbol_async(types.DocumentSymbolParams(document))
    assert symbols and symbols[0].name == '0:00 start "A cat 😀"'
    every = types.Range(types.Position(0, 0), types.Position(4, 0))
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(document, every, types.CodeActionContext(diagnostics=found)))
    assert {a.title for a in actions or [] if isinstance(a, types.CodeAction)} >= {
        "Replace with `interact`", "Replace with `@+1s`", "Replace with `@+1ms`"}
    assert not await client.text_document_folding_range_async(types.FoldingRangeParams(document))
    hints = await client.text_document_inlay_hint_async(types.InlayHintParams(document, every))
    assert not hints  # the only relative time is the broken one
    # the server watches ody.toml and pyproject.toml when the client can watch files for it
    can_watch = get_capability(client.capabilities, "workspace.did_change_watched_files.dynamic_registration", False)
    watched = [r for r in client.registrations if r.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES]
    assert len(watched) == (1 if can_watch else 0)
