"""`ody lsp` with includes, over stdio: an included file's mistakes are shown on it when it is
open (once, however many open files include it) and at the include line when it is not; its
unsaved text is what the files including it read; editing, saving, opening or closing it checks
them again; a related place in another file is located in that file."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest
from lsp_support import (
    CONFIG,
    DEADLINE,
    UTF8,
    UTF16,
    Client,
    diagnostics,
    lsp_fixture,
    open_file,
    position,
    replace_all,
    start,
    uri_of,
)
from lsprotocol import types

pytestmark = pytest.mark.asyncio(loop_scope="module")

LIBRARY = 'define light "soft light"\n# 😀 a comment\nmin-gap zz\n'
MAIN = 'include "lib.ody"\n@0 start "{light}"\n@3s end\n'


@lsp_fixture(config=CONFIG, scope="module", params=[UTF8, UTF16])
async def client(lsp_client: Client, request: pytest.FixtureRequest) -> AsyncIterator[None]:
    await start(lsp_client, [request.param])
    yield
    await lsp_client.shutdown_session()


async def published_again(client: Client, uri: str, before: object) -> list[types.Diagnostic]:
    """The next list published for `uri` after `before` (what `client.published` held)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DEADLINE
    while client.published.get(uri) is before:
        if loop.time() > deadline:
            raise AssertionError(f"{uri} was not published again")
        await asyncio.sleep(0.005)
    return list(client.published[uri][1])


def codes(found: Sequence[types.Diagnostic]) -> list[tuple[str | int | None, int]]:
    return [(d.code, d.range.start.line) for d in found]


def close(client: Client, uri: str) -> None:
    client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri)))


async def test_an_included_files_mistake_is_shown_on_it_when_open_and_at_the_include_line_when_not(
        client: Client, tmp_path: Path) -> None:
    (tmp_path / "lib.ody").write_text(LIBRARY, encoding="utf-8")
    main = open_file(client, tmp_path / "main.ody", MAIN)
    (shown,) = await diagnostics(client, main)
    assert (shown.code, shown.range.start.line) == ("ODY109", 0)
    assert shown.message.startswith("in `lib.ody` (line 3): bad `min-gap`")
    assert shown.related_information is not None
    where = shown.related_information[0].location
    assert where.uri == uri_of(tmp_path / "lib.ody") and where.range.start.line == 2

    before = client.published[main]
    lib = open_file(client, tmp_path / "lib.ody", LIBRARY, write=False)
    assert codes(await diagnostics(client, lib)) == [("ODY109", 2)]  # its own and main's: one
    assert await published_again(client, main, before) == []

    before = client.published[main]
    close(client, lib)
    assert await diagnostics(client, lib, None) == []
    assert codes(await published_again(client, main, before)) == [("ODY109", 0)]


async def test_the_unsaved_text_of_an_included_file_is_what_is_included(client: Client, tmp_path: Path) -> None:
    (tmp_path / "lib.ody").write_text('define light "soft light"\n', encoding="utf-8")
    text = 'include "lib.ody"\n@0 start "{light} on {hero}"\n@3s end\n'
    main = open_file(client, tmp_path / "main.ody", text)
    assert codes(await diagnostics(client, main)) == [("ODY112", 1)]

    before = client.published[main]
    lib = open_file(client, tmp_path / "lib.ody", 'define light "x"\ndefine hero "a cat"\n', write=False)
    assert await diagnostics(client, lib) == []
    assert await published_again(client, main, before) == []

    before = client.published[main]
    replace_all(client, lib, 'define light "x"\n')  # an edit of the included file checks main again
    assert codes(await published_again(client, main, before)) == [("ODY112", 1)]

    before = client.published[main]
    client.text_document_did_save(types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(lib)))
    assert codes(await published_again(client, main, before)) == [("ODY112", 1)]

    before = client.published[main]
    close(client, lib)  # back to the text on disk
    assert codes(await published_again(client, main, before)) == [("ODY112", 1)]
    close(client, main)


async def test_a_related_place_in_another_file_is_located_there(client: Client, tmp_path: Path) -> None:
    library = '# 😀 the cast\ndefine hero "a ginger cat"\n'
    (tmp_path / "cast.ody").write_text(library, encoding="utf-8")
    text = 'include "cast.ody"\ndefine hero "a black dog"\n@0 start "{hero}"\n@3s end\n'
    main = open_file(client, tmp_path / "main.ody", text)
    (twice,) = await diagnostics(client, main)
    assert (twice.code, twice.range.start.line, twice.message) == ("ODY114", 1, "`hero` is defined twice\n"
                                                                    "help: give each define its own name, or remove one")
    assert twice.related_information is not None
    (first,) = twice.related_information
    column = library.splitlines()[1].index("hero")
    assert first.location == types.Location(uri_of(tmp_path / "cast.ody"), types.Range(
        position(library, 1, column, client.encoding), position(library, 1, column + 4, client.encoding)))
    close(client, main)


async def test_a_mistake_in_an_included_file_found_by_two_open_files_is_shown_once(
        client: Client, tmp_path: Path) -> None:
    (tmp_path / "lib.ody").write_text(LIBRARY, encoding="utf-8")
    one = open_file(client, tmp_path / "one.ody", MAIN)
    two = open_file(client, tmp_path / "two.ody", MAIN)
    assert codes(await diagnostics(client, two)) == [("ODY109", 0)]
    lib = open_file(client, tmp_path / "lib.ody", LIBRARY, write=False)
    assert codes(await diagnostics(client, lib)) == [("ODY109", 2)]
    for uri in (one, two, lib):
        close(client, uri)


async def test_a_diagnostic_that_the_included_file_gets_only_from_its_includer_is_shown_on_it(
        client: Client, tmp_path: Path) -> None:
    """`min-gap` set in the screenplay and again in the file it includes below: "set twice" is
    at the included file's line, which only the screenplay's check knows of."""
    (tmp_path / "gap.ody").write_text("min-gap 2s\n", encoding="utf-8")
    main = open_file(client, tmp_path / "main.ody", 'min-gap 1s\ninclude "gap.ody"\n@0 start "a"\n@3s end\n')
    assert codes(await diagnostics(client, main)) == [("ODY109", 1)]
    lib = open_file(client, tmp_path / "gap.ody", "min-gap 2s\n", write=False)
    (twice,) = await diagnostics(client, lib)
    assert (twice.code, twice.range.start.line) == ("ODY109", 0)
    assert twice.related_information is not None
    assert twice.related_information[0].location.uri == main  # the first is in the screenplay
    for uri in (main, lib):
        close(client, uri)
