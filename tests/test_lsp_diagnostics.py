"""`ody lsp` diagnostics: the words and places of `ody lint`, in every position encoding."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from lsp_support import (
    CONFIG,
    UTF8,
    UTF16,
    UTF32,
    Client,
    as_lint,
    change,
    diagnostics,
    lint_json,
    lint_view,
    lsp_fixture,
    open_file,
    position,
    replace_all,
    start,
    units,
)
from lsprotocol import types

pytestmark = pytest.mark.asyncio(loop_scope="module")

EMOJI = """\
@0 start "A café cat 🐈 naps; 😀 a sun-dazzled sill"
@1s interct "The cat 🐈‍⬛ wakes"
@4s end
"""


@lsp_fixture(config=CONFIG, scope="module", params=[UTF8, UTF16, UTF32, None])
async def client(lsp_client: Client, request: pytest.FixtureRequest) -> AsyncIterator[None]:
    encodings = [request.param] if request.param is not None else None
    await start(lsp_client, encodings)
    yield
    await lsp_client.shutdown_session()


async def test_encoding_is_negotiated(client: Client, request: pytest.FixtureRequest) -> None:
    asked = request.node.callspec.params["client"]
    assert client.encoding == (asked or UTF16)


async def test_a_line_with_emoji_is_underlined_at_the_right_characters(client: Client, tmp_path: Path) -> None:
    path = tmp_path / "emoji.ody"
    uri = open_file(client, path, EMOJI)
    found = await diagnostics(client, uri)
    assert as_lint(EMOJI, found, client.encoding) == lint_view(lint_json(path))
    unknown = next(d for d in found if d.code == "ODY004")
    line = EMOJI.splitlines()[1]
    assert unknown.range == types.Range(position(EMOJI, 1, 4, client.encoding), position(EMOJI, 1, 11, client.encoding))
    assert unknown.message == "unknown action `interct`\nhelp: did you mean `interact`?"
    assert unknown.severity == types.DiagnosticSeverity.Error and unknown.source == "ody"
    assert units(line[:line.index("interct")], client.encoding) == unknown.range.start.character


async def test_an_edit_after_an_emoji_lands_where_the_client_means(client: Client, tmp_path: Path) -> None:
    text = '@0 start "🐈 naps" \n@3s end\n'
    path = tmp_path / "edit.ody"
    uri = open_file(client, path, text)
    assert await diagnostics(client, uri) == []
    after_cat = position(text, 0, text.index("🐈") + 1, client.encoding)
    change(client, uri, types.TextDocumentContentChangePartial(
        range=types.Range(after_cat, after_cat), text='" # 😀\n@1s interact "x'))
    found = await diagnostics(client, uri)
    edited = '@0 start "🐈" # 😀\n@1s interact "x naps" \n@3s end\n'
    assert [(d.code, d.range.start.line) for d in found] == [("ODY201", 1), ("ODY201", 2)]
    path.write_text(edited, encoding="utf-8")
    assert as_lint(edited, found, client.encoding) == lint_view(lint_json(path))


async def test_warnings_are_warnings_with_related_places(client: Client, tmp_path: Path) -> None:
    text = '@0 start "a"\n@1s interact "b"\n@4s end\n'
    uri = open_file(client, tmp_path / "gap.ody", text)
    (gap,) = await diagnostics(client, uri)
    assert gap.code == "ODY201" and gap.severity == types.DiagnosticSeverity.Warning
    assert gap.message.startswith("only 1s after the previous cue (min-gap is 3s)\nhelp: ")
    (related,) = gap.related_information or []
    assert related.location.uri == uri and related.location.range.start.line == 0
    assert related.message == "the previous cue, at 0"


async def test_diagnostics_follow_edits_and_clear_when_fixed_and_closed(client: Client, tmp_path: Path) -> None:
    text = '@0 start "a"\n@3s interact "b"\n'
    uri = open_file(client, tmp_path / "open.ody", text)
    assert [d.code for d in await diagnostics(client, uri)] == ["ODY103"]
    end = types.Position(2, 0)
    change(client, uri, types.TextDocumentContentChangePartial(range=types.Range(end, end), text="@6s end\n"))
    assert await diagnostics(client, uri) == []
    replace_all(client, uri, '@0 start "a"\n@6s end\n@7s interact "late"\n')
    assert [d.code for d in await diagnostics(client, uri)] == ["ODY104"]
    client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri)))
    assert await diagnostics(client, uri, version=None) == []


async def test_the_project_configuration_applies_as_in_lint(client: Client, tmp_path: Path) -> None:
    (tmp_path / "ody.toml").write_text('ignore = ["ODY201", "ODY102"]\n', encoding="utf-8")
    path = tmp_path / "quiet.ody"
    text = '@0 start "a"\n@1s interact "b"\n@4s end\n'
    uri = open_file(client, path, text)
    assert await diagnostics(client, uri) == []
    assert lint_json(path) == []
    assert any("ODY102" in m.message and "cannot be suppressed" in m.message for m in client.messages)


async def test_a_broken_configuration_is_a_message_not_a_crash(client: Client, tmp_path: Path) -> None:
    (tmp_path / "ody.toml").write_text("ignroe = 3\n", encoding="utf-8")
    uri = open_file(client, tmp_path / "broken.ody", '@0 start "a"\n@1s end\n')
    assert [d.code for d in await diagnostics(client, uri)] == ["ODY201"]
    assert any("ody.toml" in m.message and "default settings" in m.message for m in client.messages)


async def test_an_untitled_buffer_is_checked_with_the_defaults(client: Client) -> None:
    uri = "untitled:Untitled-1"
    client.versions[uri] = 1
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        types.TextDocumentItem(uri=uri, language_id="ody", version=1, text='@0 start "a"\n@1s end\n')))
    assert [d.code for d in await diagnostics(client, uri)] == ["ODY201"]


async def test_images_are_checked_from_the_files_folder(client: Client, tmp_path: Path) -> None:
    text = '@0 start "a" image "boat.png"\n@3s end\n'
    uri = open_file(client, tmp_path / "image.ody", text)
    (missing,) = await diagnostics(client, uri)
    assert missing.code == "ODY107"
    (tmp_path / "boat.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 32)
    del client.published[uri]
    client.text_document_did_save(types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(uri)))
    assert await diagnostics(client, uri) == []


async def test_a_changed_configuration_applies_to_open_files(client: Client, tmp_path: Path) -> None:
    uri = open_file(client, tmp_path / "later.ody", '@0 start "a"\n@1s interact "b"\n@4s end\n')
    assert [d.code for d in await diagnostics(client, uri)] == ["ODY201"]
    config = tmp_path / "ody.toml"
    config.write_text('ignore = ["ODY201"]\n', encoding="utf-8")
    del client.published[uri]
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(
        [types.FileEvent(uri=config.as_uri(), type=types.FileChangeType.Created)]))
    assert await diagnostics(client, uri) == []


async def test_every_kind_of_line_end_counts_as_the_client_counts_it(client: Client, tmp_path: Path) -> None:
    text = '@0 start "😀 a"\r\n@1s interct "b"\r@2s interact "🐈 c"\n@4s end\r\n'
    path = tmp_path / "ends.ody"
    uri = open_file(client, path, text)
    found = await diagnostics(client, uri)
    assert [(d.code, d.range.start.line) for d in found] == [("ODY004", 1), ("ODY201", 3)]
    assert as_lint(text, found, client.encoding) == lint_view(lint_json(path))
    cue = position(text, 2, 0, client.encoding)
    change(client, uri, types.TextDocumentContentChangePartial(range=types.Range(cue, cue), text="\r"))
    found = await diagnostics(client, uri)
    edited = '@0 start "😀 a"\r\n@1s interct "b"\r\r@2s interact "🐈 c"\n@4s end\r\n'
    path.write_text(edited, encoding="utf-8", newline="")
    assert as_lint(edited, found, client.encoding) == lint_view(lint_json(path))


@pytest.mark.parametrize(("name", "text"), [
    ("library.ody", '# the cast 🐈\ndefine hero "a ginger cat"\nstyle "golden light"\nmin-gap 2s\n'),
    ("names.ody", 'define hero "a cat 🐈"\ndefine spare "x"\nstyle "{{grain}}"\n@0 start "{hero} {a|b}"\n'
                  '@3s interact "{hreo} looks up"\n@6s interact "{nobody}"\n@9s end\n'),
])
async def test_names_styles_and_libraries_are_checked_as_in_lint(client: Client, tmp_path: Path, name: str,
                                                                 text: str) -> None:
    """A library (header lines only) is valid on its own: no ODY101, no unused define."""
    path = tmp_path / name
    uri = open_file(client, path, text)
    found = await diagnostics(client, uri)
    assert as_lint(text, found, client.encoding) == lint_view(lint_json(path))
    assert (found == []) == (name == "library.ody")
