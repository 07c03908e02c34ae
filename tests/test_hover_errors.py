"""A hover on the time of a line with an error still says when it is, over stdio."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from lsp_support import CONFIG, UTF16, Client, diagnostics, lsp_fixture, open_file, position, start
from lsprotocol import types

pytestmark = pytest.mark.asyncio(loop_scope="module")

BROKEN = '''\
scene "first"
@0 start "A lighthouse on a cliff at dusk"
@3s interact "The lamp turns on"
@+3s interract "A gull lands on the rail"
@10s strat “curly”
scene "second"
@+2s interract "no cue to count from"
'''


@lsp_fixture(config=CONFIG, scope="module")
async def client(lsp_client: Client) -> AsyncIterator[None]:
    await start(lsp_client, [UTF16], snippets=True)
    yield
    await lsp_client.shutdown_session()


async def hover(client: Client, uri: str, line: int, needle: str) -> str | None:
    column = BROKEN.splitlines()[line].index(needle) + 1
    got = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri), position(BROKEN, line, column, UTF16)))
    if got is None:
        return None
    assert isinstance(got.contents, types.MarkupContent)
    return got.contents.value


async def test_a_relative_time_on_a_broken_line_counts_from_the_cue_above(client: Client, tmp_path: Path) -> None:
    uri = open_file(client, tmp_path / "broken.ody", BROKEN)
    assert "ODY004" in [d.code for d in await diagnostics(client, uri)]
    assert await hover(client, uri, 3, "@+3s") == (
        "**0:06.000** (6000 ms)  \n3s after the previous cue (at 0:03.000)  \n"
        "this line has an error: it is left out of the script until it is fixed")


async def test_an_absolute_time_on_a_broken_line_is_itself(client: Client, tmp_path: Path) -> None:
    uri = open_file(client, tmp_path / "absolute.ody", BROKEN)
    await diagnostics(client, uri)
    assert await hover(client, uri, 4, "@10s") == (
        "**0:10.000** (10000 ms)  \nthis line has an error: it is left out of the script until it is fixed")


async def test_no_hover_where_there_is_nothing_to_count_from(client: Client, tmp_path: Path) -> None:
    uri = open_file(client, tmp_path / "first.ody", BROKEN)
    await diagnostics(client, uri)
    assert await hover(client, uri, 6, "@+2s") is None
    assert await hover(client, uri, 3, "interract") is None
