"""`ody lsp` and the settings `ody lint` reads: a changed ody.toml or `[tool.ody]` applies to the
open files without reopening them, through the client's file watcher where it has one and on
the next save of any screenplay where it has not; `max-bytes` is enforced as the command line
enforces it; and a file with more problems than an editor can use gets the first 1,000 and a
count of the rest, while `ody lint` reports them all. Each over stdio, with pytest-lsp's client."""

from __future__ import annotations

import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from lsp_support import CONFIG, ENV, SERVER, Client, capabilities, diagnostics, lint_json, lsp_fixture, open_file
from lsprotocol import types

from odyssey_dsl.lsp.publish import SHOWN

pytestmark = pytest.mark.asyncio(loop_scope="module")

GAPS = '@0 start "a"\n@1s interact "b"\n@4s end\n'  # one short gap (ODY201)


@lsp_fixture(config=CONFIG, scope="module", params=["watching", "saving"])
async def client(lsp_client: Client, request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """A client that can watch files for the server (dynamic registration), and one that cannot."""
    stated = capabilities(None)
    watch = types.DidChangeWatchedFilesClientCapabilities(dynamic_registration=request.param == "watching")
    stated = types.ClientCapabilities(workspace=types.WorkspaceClientCapabilities(did_change_watched_files=watch),
                                      text_document=stated.text_document)
    await lsp_client.initialize_session(types.InitializeParams(capabilities=stated))
    # answered after `initialized` was handled, and after the registration it sends, if any
    await lsp_client.text_document_hover_async(types.HoverParams(
        types.TextDocumentIdentifier("file:///nowhere.ody"), types.Position(0, 0)))
    yield
    await lsp_client.shutdown_session()


def watching(client: Client) -> bool:
    return any(r.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES for r in client.registrations)


def changed(client: Client, config: Path, saved: str) -> None:
    """Tell the server as this client would: the watcher's event, or the save of `saved`."""
    if watching(client):
        client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(
            [types.FileEvent(uri=config.as_uri(), type=types.FileChangeType.Changed)]))
    else:
        client.text_document_did_save(types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(saved)))


async def test_the_server_watches_configuration_files_only_where_the_client_can(
        client: Client, request: pytest.FixtureRequest) -> None:
    watchers = [r for r in client.registrations if r.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES]
    if request.node.callspec.params["client"] == "saving":
        assert watchers == []
        return
    (registration,) = watchers
    options = registration.register_options  # as the client received it: JSON
    assert isinstance(options, dict)
    assert sorted(w["globPattern"] for w in options["watchers"]) == ["**/ody.toml", "**/pyproject.toml"]


@pytest.mark.parametrize(("name", "table"), [("ody.toml", ""), ("pyproject.toml", "[tool.ody]\n")])
async def test_an_edited_configuration_applies_to_every_open_file_without_reopening(
        client: Client, tmp_path: Path, name: str, table: str) -> None:
    (tmp_path / "sub").mkdir()
    first = open_file(client, tmp_path / "one.ody", GAPS)
    second = open_file(client, tmp_path / "sub" / "two.ody", GAPS)
    other = open_file(client, tmp_path / "other.ody", '@0 start "a cat naps on the sill"\n@3s end\n')  # 42 bytes
    for uri in (first, second):
        assert [d.code for d in await diagnostics(client, uri)] == ["ODY201"]
    assert await diagnostics(client, other) == []
    config = tmp_path / name
    config.write_text(f'{table}ignore = ["ODY201"]\nmax-bytes = 40\n', encoding="utf-8")
    del client.published[first], client.published[second], client.published[other]
    changed(client, config, other)  # without a watcher: another screenplay is saved
    assert await diagnostics(client, first) == [] and await diagnostics(client, second) == []
    (too_large,) = await diagnostics(client, other)
    assert too_large.code == "ODY010" and too_large.range.start == types.Position(0, 0)
    config.write_text(f'{table}ignore = ["ODY202"]\n', encoding="utf-8")
    del client.published[first]
    changed(client, config, other)
    assert [d.code for d in await diagnostics(client, first)] == ["ODY201"]
    assert lint_json(tmp_path / "one.ody")[0]["code"] == "ODY201"


async def test_a_save_with_the_configuration_unchanged_republishes_the_saved_file_alone(
        client: Client, tmp_path: Path) -> None:
    config = tmp_path / "ody.toml"
    config.write_text('ignore = ["ODY201"]\n', encoding="utf-8")
    quiet = open_file(client, tmp_path / "quiet.ody", GAPS)
    saved = open_file(client, tmp_path / "saved.ody", GAPS)
    assert await diagnostics(client, quiet) == [] and await diagnostics(client, saved) == []
    del client.published[quiet], client.published[saved]
    client.text_document_did_save(types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(saved)))
    assert await diagnostics(client, saved) == []
    assert quiet not in client.published


async def test_max_bytes_counts_bytes_as_on_disk_and_lint_refuses_the_same_file(client: Client, tmp_path: Path) -> None:
    (tmp_path / "ody.toml").write_text("max-bytes = 40\n", encoding="utf-8")
    text = '@0 start "été"\n@3s end\n'  # 23 characters, 25 bytes
    path = tmp_path / "small.ody"
    uri = open_file(client, path, text)
    assert await diagnostics(client, uri) == []
    end = types.Position(2, 0)
    client.versions[uri] += 1
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        types.VersionedTextDocumentIdentifier(uri=uri, version=client.versions[uri]),
        [types.TextDocumentContentChangePartial(range=types.Range(end, end), text="# éééééé \n")]))  # 41 bytes
    (only,) = await diagnostics(client, uri)
    assert only.code == "ODY010" and only.severity == types.DiagnosticSeverity.Error
    assert only.message.startswith("the file is too large to check: 41 bytes is over the 40 byte limit")
    options = types.FormattingOptions(tab_size=4, insert_spaces=True)  # not read, so not formatted either
    identifier = types.TextDocumentIdentifier(uri)
    assert await client.text_document_formatting_async(types.DocumentFormattingParams(identifier, options)) is None
    path.write_text(text + "# éééééé \n", encoding="utf-8")
    lint = subprocess.run([*SERVER[:-1], "lint", str(path)], capture_output=True, text=True, env=ENV, timeout=60)
    assert lint.returncode == 2 and "41 bytes is over the 40 byte limit" in lint.stderr

async def test_a_file_with_too_many_problems_shows_the_first_ones_errors_first(client: Client, tmp_path: Path) -> None:
    many = SHOWN + 200
    text = '@0 start "a"\n' + '@+1s interact "b"\n' * many + '@1s interact "late"\n@+3s end\n'
    path = tmp_path / "many.ody"
    uri = open_file(client, path, text)
    found = await diagnostics(client, uri)
    assert len(found) == SHOWN + 1 and len(lint_json(path)) == many + 1
    summary, *shown = found
    assert (summary.code, summary.severity, summary.range.start) == ("ODY208", types.DiagnosticSeverity.Warning,
                                                                     types.Position(0, 0))
    assert summary.message.startswith("problems not shown here: 201 more (errors: 0, warnings: 201)")
    assert [d.code for d in shown].count("ODY102") == 1  # the one error, at the end of the file
    client.versions[uri] += 1
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        types.VersionedTextDocumentIdentifier(uri=uri, version=client.versions[uri]),
        [types.TextDocumentContentChangePartial(range=types.Range(types.Position(0, 12), types.Position(0, 12)),
                                                text="  # ody: ignore[ODY208]")]))
    found = await diagnostics(client, uri)
    assert len(found) == SHOWN and "ODY208" not in {d.code for d in found}
