"""`ody lsp` under random editing: half-typed strings, binary junk, lines inserted and removed,
requests in between. The server must answer every request without an error, and in the end
publish exactly what `ody lint` says about the final text."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from lsp_support import (
    CONFIG,
    UTF8,
    UTF16,
    Client,
    as_lint,
    change,
    diagnostics,
    line_starts,
    lint_json,
    lint_view,
    lsp_fixture,
    open_file,
    place,
    position,
    replace_all,
    start,
)
from lsprotocol import types

pytestmark = pytest.mark.asyncio(loop_scope="module")

START = '''\
title "Fuzz 🐈"
min-gap 2s

scene "one"
@0 start "A café at dawn 😀" image "missing.png"
@+3s interact """
    the cat wakes,
    stretches
"""
@9s end  # ody: ignore[ODY202]

scene "two"
@0 start "Night"
@3 interct "bare number"
'''
FRAGMENTS = ['@', '@0', '@3s', '@+', '@+3s ', '@1:30', '@2500', ' start ', ' interact ', 'end', 'interct',
             '"', '"""', '\\', '\\u', '\\ud83d', '\\ud83d\\ude00', 'image "', 'image "pics/', 'scene "', '#',
             '# ody: ignore[ODY201', ']', ', ODY2', 'min-gap ', 'orientation ', 'title', '\n', '\r\n', '\r', '\n\n',
             '\t', '  ', '🐈', '😀', '🐈‍⬛', 'é', 'e\u0301', '\u200b', '\x00', '\x1b[31m', '\ufffd', '\ufeff',
             '\x7f', 'define ', 'define hero ', 'style ', 'negative ', '{', '}', '{hero}', '{{', '}}', '|', '{a|b}',
             '{ hero }', 'include ', '"lib.ody"', ' after "one"', ' after ']
LINES = ['@+3s interact "x"\n', '@6s interact "the 🐈 naps"\n', 'scene "s"\n', "\n", '@0 start "y"\n', '@+4 end\n',
         '@12s end\n', '# a comment\n', 'min-gap 0\n', '@5:30 end\n', '@1s interact "quick" # ody: ignore[ODY201]\n',
         'define hero "a {{ginger}} cat"\n', 'define look "{red|blue} light"\n', 'style "golden light, {look}"\n',
         'negative "blur"\n', 'style ""\n', '@+2s interact "{hero} looks {up|down}"\n', 'include "lib.ody"\n',
         'scene "t" after "two"\n', 'scene "u" after "t"\n']
EDITS = 250


@lsp_fixture(config=CONFIG, scope="module", params=[UTF16, UTF8])
async def client(lsp_client: Client, request: pytest.FixtureRequest) -> AsyncIterator[None]:
    await start(lsp_client, [request.param], snippets=True)
    yield
    await lsp_client.shutdown_session()


def junk(rng: random.Random) -> str:
    """Binary junk as a client may send it: any code point but a lone surrogate (which JSON
    cannot carry)."""
    return "".join(chr(rng.choice([rng.randrange(0, 0x80), rng.randrange(0x80, 0xD800),
                                   rng.randrange(0xE000, 0x110000)])) for _ in range(rng.randrange(1, 12)))


def fragment(rng: random.Random) -> str:
    return junk(rng) if rng.random() < 0.15 else "".join(rng.choice(FRAGMENTS) for _ in range(rng.randrange(1, 4)))


def at_boundary(text: str, at: int) -> int:
    """`at`, or just before a `\r\n` it would split: a client cannot point inside one."""
    return at - 1 if 0 < at < len(text) and text[at - 1:at + 1] == "\r\n" else at


def random_edit(rng: random.Random, text: str) -> tuple[int, int, str]:
    """(start, end, new text) as code-point offsets: an insertion, a deletion, a replacement,
    or whole lines inserted or removed."""
    kind = rng.random()
    a = at_boundary(text, rng.randrange(len(text) + 1))
    if kind < 0.25:  # whole lines
        starts = [*line_starts(text), len(text)]
        first = rng.randrange(len(starts) - 1)
        if rng.random() < 0.7:
            return starts[first], starts[first], rng.choice(LINES)
        return starts[first], starts[min(first + rng.randrange(1, 4), len(starts) - 1)], ""
    b = at_boundary(text, min(len(text), a + rng.randrange(0, 20)))
    if kind < 0.75:
        return a, a, fragment(rng)
    if kind < 0.9:
        return a, b, ""
    return a, b, fragment(rng)


async def poke(client: Client, rng: random.Random, uri: str, text: str) -> None:
    """A random request at a random place: it must come back, whatever it says."""
    line, column = place(text, rng.randrange(len(text) + 1))
    here = position(text, line, column, client.encoding)
    document = types.TextDocumentIdentifier(uri)
    everything = types.Range(types.Position(0, 0), types.Position(len(line_starts(text)), 0))
    choice = rng.randrange(8)
    if choice == 0:
        await client.text_document_hover_async(types.HoverParams(document, here))
    elif choice == 1:
        await client.text_document_completion_async(types.CompletionParams(document, here))
    elif choice == 2:
        await client.text_document_document_symbol_async(types.DocumentSymbolParams(document))
    elif choice == 3:
        await client.text_document_folding_range_async(types.FoldingRangeParams(document))
    elif choice == 4:
        await client.text_document_inlay_hint_async(types.InlayHintParams(document, everything))
    elif choice == 5:
        await client.text_document_code_action_async(types.CodeActionParams(
            document, types.Range(here, here), types.CodeActionContext(diagnostics=[])))
    elif choice == 6:
        await client.text_document_formatting_async(types.DocumentFormattingParams(
            document, types.FormattingOptions(tab_size=4, insert_spaces=True)))
    else:
        await client.text_document_range_formatting_async(types.DocumentRangeFormattingParams(
            document, types.Range(types.Position(line, 0), here), types.FormattingOptions(4, True)))


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_random_edits_leave_the_server_answering_with_lints_words(client: Client, tmp_path: Path,
                                                                         seed: int) -> None:
    rng = random.Random(seed)
    path = tmp_path / "fuzz.ody"
    (tmp_path / "lib.ody").write_text('define hero "a black dog"\nstyle "dusk"\n', encoding="utf-8")  # to include
    text = START
    uri = open_file(client, path, text)
    errors_before = sum(m.type == types.MessageType.Error for m in client.log_messages)
    for step in range(EDITS):
        changes: list[types.TextDocumentContentChangeEvent] = []
        for _ in range(rng.choice([1, 1, 1, 2, 3])):  # sometimes several changes in one notification
            a, b, new = random_edit(rng, text)
            start_at, end_at = place(text, a), place(text, b)
            changes.append(types.TextDocumentContentChangePartial(
                range=types.Range(position(text, *start_at, client.encoding), position(text, *end_at, client.encoding)),
                text=new))
            text = text[:a] + new + text[b:]
        if rng.random() < 0.01:
            text = text[: at_boundary(text, rng.randrange(len(text) + 1))]
            changes.append(types.TextDocumentContentChangeWholeDocument(text=text))
        change(client, uri, *changes)
        if rng.random() < 0.3:
            await poke(client, rng, uri, text)
        if step % 50 == 49:  # now and then, the published list is lint's for the text so far
            await expect_lint(client, uri, path, text)
    await expect_lint(client, uri, path, text)
    replace_all(client, uri, START)
    await expect_lint(client, uri, path, START)
    errors = [m.message for m in client.log_messages if m.type == types.MessageType.Error][errors_before:]
    assert errors == []


async def expect_lint(client: Client, uri: str, path: Path, text: str) -> None:
    found = await diagnostics(client, uri)
    path.write_text(text, encoding="utf-8", newline="")
    # An included file's problems: lint names that file, the editor shows them at the include
    # line (tests/test_lsp_includes.py checks how); here, the file's own must be lint's.
    own = [d for d in found if not (d.message.startswith("in `") and "` (line " in d.message)]
    assert as_lint(text, own, client.encoding) == lint_view([d for d in lint_json(path) if d["file"] == str(path)])


async def test_junk_on_the_wire_is_logged_and_the_server_goes_on(client: Client, tmp_path: Path) -> None:
    errors_before = sum(m.type == types.MessageType.Error for m in client.log_messages)
    for body in (b"\xff\xfe not json {", b'{"jsonrpc": "2.0", "method": "textDocument/didChange", "params": 3}'):
        message = b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
        assert client.protocol.writer is not None
        sent = client.protocol.writer.write(message)
        if sent is not None:
            await sent
    uri = open_file(client, tmp_path / "after.ody", '@0 start "a"\n@3s end\n')
    assert await diagnostics(client, uri) == []
    symbols = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(types.TextDocumentIdentifier(uri)))
    assert [s.name for s in symbols or []] == ['0:00 start "a"', "0:03 end"]
    errors = [m.message for m in client.log_messages if m.type == types.MessageType.Error][errors_before:]
    assert len(errors) == 2 and all(e.startswith("ody lsp: ") for e in errors)
