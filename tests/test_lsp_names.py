"""`ody lsp` and names: hover on `{NAME}`, go to definition, references and rename across
included files, completion after `{`, defines in the outline, and variant counts as inlay
hints, over stdio with a real client."""

from __future__ import annotations

import random
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from lsp_support import (
    CONFIG,
    UTF8,
    UTF16,
    Client,
    apply,
    change,
    diagnostics,
    lsp_fixture,
    open_file,
    place,
    position,
    start,
    uri_of,
)
from lsprotocol import types
from pygls.exceptions import JsonRpcException

from odyssey_dsl.compiler import SourceError, compile_text
from odyssey_dsl.emit import Entry

pytestmark = pytest.mark.asyncio(loop_scope="module")

COMMON = '''\
# shared by the series
define fur "{ginger|black}"
define hero "a {fur} cat 🐈"
define villain "the dog who chases {hero}"
style "golden-hour light"
'''

MAIN = '''\
title "Harbour"
include "common.ody"
negative "blur"
define place "the harbour"

@0 start "{hero} sits by {place}."
@3s interact "{villain} arrives"
@6s interact "{hero} runs"
@9s end
'''


@lsp_fixture(config=CONFIG, scope="module", params=[UTF16, UTF8])
async def client(lsp_client: Client, request: pytest.FixtureRequest) -> AsyncIterator[None]:
    await start(lsp_client, [request.param], snippets=True)
    yield
    await lsp_client.shutdown_session()


def doc(uri: str) -> types.TextDocumentIdentifier:
    return types.TextDocumentIdentifier(uri)


def at(client: Client, text: str, needle: str, offset: int = 1, nth: int = 0) -> types.Position:
    """The client position `offset` code points into the `nth` `needle` of `text`."""
    start = -1
    for _ in range(nth + 1):
        start = text.index(needle, start + 1)
    before = text[:start + offset]
    line = before.count("\n")
    return position(text, line, len(before) - (before.rfind("\n") + 1), client.encoding)


def span_of(client: Client, text: str, needle: str, nth: int = 0) -> tuple[int, int, int]:
    """(line, start, end character) of the `nth` `needle` of `text`, in the client's units."""
    first = at(client, text, needle, 0, nth)
    last = at(client, text, needle, len(needle), nth)
    return first.line, first.character, last.character


def where(location: types.Location) -> tuple[str, int, int, int]:
    r = location.range
    return location.uri, r.start.line, r.start.character, r.end.character


async def opened(client: Client, folder: Path, files: dict[str, str], shown: tuple[str, ...]) -> dict[str, str]:
    """Write `files` into `folder`; open those named in `shown` (their diagnostics waited for)."""
    folder.mkdir(exist_ok=True)
    uris = {}
    for name, text in files.items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        uris[name] = uri_of(path)
    for name in shown:
        open_file(client, folder / name, files[name], write=False)
        await diagnostics(client, uris[name])
    return uris


def compiled(folder: Path, name: str, texts: dict[str, str]) -> tuple[tuple[Entry, ...], ...]:
    """What `ody compile` makes of `name`, its includes read from `texts`."""
    def resolve(path: Path) -> str:
        if path.parent != folder or path.name not in texts:
            raise SourceError(f"{path}: not found")
        return texts[path.name]

    result = compile_text(texts[name], path=folder / name, resolver=resolve, check_images=False)
    assert not [d for d in result.diagnostics if d.is_error], result.diagnostics
    return result.scripts or ()


async def hover(client: Client, uri: str, pos: types.Position) -> str | None:
    got = await client.text_document_hover_async(types.HoverParams(doc(uri), pos))
    if got is None:
        return None
    assert isinstance(got.contents, types.MarkupContent)
    return got.contents.value


async def test_hover_on_a_name_shows_its_define_and_the_cue_as_sent(client: Client, tmp_path: Path) -> None:
    uris = await opened(client, tmp_path, {"common.ody": COMMON, "main.ody": MAIN}, ("main.ody",))
    text = await hover(client, uris["main.ody"], at(client, MAIN, "{hero} sits", 2))
    first = compiled(tmp_path, "main.ody", {"common.ody": COMMON, "main.ody": MAIN})[0]
    assert text is not None
    assert text.startswith("**`{hero}`**: `define hero`, line 3 of `common.ody`\n\n```text\na {fur} cat 🐈\n```")
    assert "expands to\n\n```text\na {ginger|black} cat 🐈\n```" in text
    assert ("**this cue's prompt** makes 2 variants, with its style and negative:\n\n```text\n"
            "a {ginger|black} cat 🐈 sits by the harbour. golden-hour light. Negative prompt: blur\n```") in text
    assert text.endswith(f"the first:\n\n```text\n{first[0].prompt}\n```")
    # A name in the file's own define, and the define's own name: its text, no cue
    text = await hover(client, uris["main.ody"], at(client, MAIN, "place \"", 0))
    assert text == '**`{place}`**: `define place`, line 4\n\n```text\nthe harbour\n```'


async def test_hover_on_an_undefined_name_says_so(client: Client, tmp_path: Path) -> None:
    source = '@0 start "{nobody} here"\n@3s end\n'
    uris = await opened(client, tmp_path, {"lone.ody": source}, ("lone.ody",))
    assert await hover(client, uris["lone.ody"], at(client, source, "nobody")) == "`{nobody}` names no define"


async def test_definition_goes_into_the_included_file(client: Client, tmp_path: Path) -> None:
    uris = await opened(client, tmp_path, {"common.ody": COMMON, "main.ody": MAIN}, ("main.ody",))
    got = await client.text_document_definition_async(types.DefinitionParams(
        doc(uris["main.ody"]), at(client, MAIN, "{villain}", 3)))
    assert isinstance(got, types.Location)
    assert where(got) == (uris["common.ody"], *span_of(client, COMMON, "villain"))
    # From a use inside the included file (open), to a define in the same file
    open_file(client, tmp_path / "common.ody", COMMON, write=False)
    await diagnostics(client, uris["common.ody"])
    got = await client.text_document_definition_async(types.DefinitionParams(
        doc(uris["common.ody"]), at(client, COMMON, "{hero}", 2)))
    assert isinstance(got, types.Location)
    assert where(got) == (uris["common.ody"], *span_of(client, COMMON, "hero"))
    # Not on a name: nothing
    assert await client.text_document_definition_async(types.DefinitionParams(
        doc(uris["main.ody"]), at(client, MAIN, "sits"))) is None


async def test_references_are_every_use_in_the_compilation(client: Client, tmp_path: Path) -> None:
    uris = await opened(client, tmp_path, {"common.ody": COMMON, "main.ody": MAIN}, ("main.ody",))
    got = await client.text_document_references_async(types.ReferenceParams(
        types.ReferenceContext(include_declaration=True), doc(uris["main.ody"]), at(client, MAIN, "{hero} runs", 3)))
    assert sorted(map(where, got or [])) == sorted([
        (uris["common.ody"], *span_of(client, COMMON, "hero")),  # the define
        (uris["common.ody"], *span_of(client, COMMON, "hero", 1)),  # in {villain}'s text
        (uris["main.ody"], *span_of(client, MAIN, "hero")),
        (uris["main.ody"], *span_of(client, MAIN, "hero", 1)),
    ])
    got = await client.text_document_references_async(types.ReferenceParams(
        types.ReferenceContext(include_declaration=False), doc(uris["main.ody"]), at(client, MAIN, "{hero} runs", 3)))
    assert len(got or []) == 3


async def test_rename_changes_every_file_that_sees_the_define(client: Client, tmp_path: Path) -> None:
    other = 'include "common.ody"\n@0 start """\n  {hero}\n  again\n"""\n@3s interact "{\\u0068ero}!"\n@6s end\n'
    unrelated = 'define hero "someone else"\n@0 start "{hero}"\n@3s end\n'
    files = {"common.ody": COMMON, "main.ody": MAIN, "other.ody": other, "unrelated.ody": unrelated}
    uris = await opened(client, tmp_path, files, ("main.ody", "common.ody", "other.ody", "unrelated.ody"))
    before = {name: compiled(tmp_path, name, files) for name in ("main.ody", "other.ody")}
    # From the define itself, in the included file
    got = await client.text_document_rename_async(types.RenameParams(
        doc(uris["common.ody"]), at(client, COMMON, "hero \"", 2), "protagonist"))
    assert got is not None and got.changes is not None
    assert set(got.changes) == {uris["common.ody"], uris["main.ody"], uris["other.ody"]}
    renamed = {name: apply(text, got.changes.get(uris[name], []), client.encoding) for name, text in files.items()}
    assert renamed["unrelated.ody"] == unrelated
    assert renamed["common.ody"].count("protagonist") == 2 and "hero" not in renamed["common.ody"]
    assert renamed["main.ody"] == MAIN.replace("{hero}", "{protagonist}")
    assert renamed["other.ody"] == other.replace("{hero}", "{protagonist}").replace("{\\u0068ero}", "{protagonist}")
    assert {name: compiled(tmp_path, name, renamed) for name in before} == before  # the same scripts


async def test_rename_is_refused_with_a_reason(client: Client, tmp_path: Path) -> None:
    uris = await opened(client, tmp_path, {"common.ody": COMMON, "main.ody": MAIN}, ("main.ody",))
    main = doc(uris["main.ody"])
    hero = at(client, MAIN, "{hero}", 3)
    got = await client.text_document_prepare_rename_async(types.PrepareRenameParams(main, hero))
    assert isinstance(got, types.PrepareRenamePlaceholder) and got.placeholder == "hero"
    assert (got.range.start.line, got.range.start.character, got.range.end.character) == span_of(client, MAIN, "hero")
    for new, reason in (("2fast", "`2fast` cannot name a define"), ("a b", "`a b` cannot name a define"),
                        ("place", "`place` is already defined: line 4"),
                        ("fur", "`fur` is already defined: line 2 of `common.ody`")):
        with pytest.raises(JsonRpcException, match=reason):
            await client.text_document_rename_async(types.RenameParams(main, hero, new))
    with pytest.raises(JsonRpcException, match="only a define's or a scene's name can be renamed"):
        await client.text_document_prepare_rename_async(types.PrepareRenameParams(main, at(client, MAIN, "sits")))
    source = '@0 start "{nobody}"\n@3s end\n'
    lone = await opened(client, tmp_path, {"lone.ody": source}, ("lone.ody",))
    with pytest.raises(JsonRpcException, match=re.escape("`{nobody}` names no define: there is nothing to rename")):
        await client.text_document_prepare_rename_async(types.PrepareRenameParams(
            doc(lone["lone.ody"]), at(client, source, "nobody")))


async def test_a_library_finds_names_in_the_open_files_that_include_it(client: Client, tmp_path: Path) -> None:
    """A library may use names its includers define: they are found there, and renamed there."""
    library = 'define greeting "hello, {who}"\n'
    screenplay = 'include "lib.ody"\ndefine who "world"\n@0 start "{greeting}"\n@3s end\n'
    uris = await opened(client, tmp_path, {"lib.ody": library, "play.ody": screenplay}, ("lib.ody", "play.ody"))
    got = await client.text_document_definition_async(types.DefinitionParams(
        doc(uris["lib.ody"]), at(client, library, "{who}", 2)))
    assert isinstance(got, types.Location) and where(got) == (uris["play.ody"], *span_of(client, screenplay, "who"))
    edit = await client.text_document_rename_async(types.RenameParams(
        doc(uris["lib.ody"]), at(client, library, "{who}", 2), "whom"))
    assert edit is not None and edit.changes is not None
    assert apply(library, edit.changes[uris["lib.ody"]], client.encoding) == library.replace("who", "whom")
    assert apply(screenplay, edit.changes[uris["play.ody"]], client.encoding) == screenplay.replace("{who}", "{whom}") \
        .replace("define who", "define whom")


async def test_an_open_included_file_is_read_from_its_buffer(client: Client, tmp_path: Path) -> None:
    """Not from disk: the writer has not saved it yet."""
    uris = await opened(client, tmp_path, {"common.ody": COMMON, "main.ody": MAIN}, ("main.ody",))
    unsaved = "\n\n" + COMMON.replace("{ginger|black}", "tabby")
    open_file(client, tmp_path / "common.ody", unsaved, write=False)
    await diagnostics(client, uris["common.ody"])
    got = await client.text_document_definition_async(types.DefinitionParams(
        doc(uris["main.ody"]), at(client, MAIN, "{hero}", 2)))
    assert isinstance(got, types.Location) and where(got) == (uris["common.ody"], *span_of(client, unsaved, "hero"))
    text = await hover(client, uris["main.ody"], at(client, MAIN, "{hero}", 2))
    assert text is not None and "line 5 of `common.ody`" in text and "a tabby cat 🐈 sits" in text


async def test_completion_after_a_brace_offers_the_names(client: Client, tmp_path: Path) -> None:
    source = MAIN + '@12s interact "then {he\n@15s interact """\n  {\n"""\n@18s interact "{{he\n'
    uris = await opened(client, tmp_path, {"common.ody": COMMON, "main.ody": source}, ("main.ody",))
    lines = source.split("\n")

    async def offered(line: int, column: int | None = None) -> list[types.CompletionItem]:
        column = len(lines[line]) if column is None else column
        got = await client.text_document_completion_async(types.CompletionParams(
            doc(uris["main.ody"]), position(source, line, column, client.encoding)))
        items = got.items if isinstance(got, types.CompletionList) else got or []
        return sorted(items, key=lambda i: i.sort_text or i.label)

    items = await offered(9)
    assert [(i.label, i.detail) for i in items] == [
        ("fur", "{ginger|black}"), ("hero", "a {fur} cat 🐈"), ("place", "the harbour"),
        ("villain", "the dog who chases {hero}")]
    edit = items[1].text_edit
    assert isinstance(edit, types.TextEdit)
    assert apply(source, [edit], client.encoding).split("\n")[9] == '@12s interact "then {hero}'
    assert [i.label for i in await offered(11)] == ["fur", "hero", "place", "villain"]  # in a `"""` prompt
    assert await offered(13) == []  # `{{` is a brace
    assert [i.label for i in await offered(5, 11)] == ["fur", "hero", "place", "villain"]  # right after `{`
    edit = (await offered(5, 15))[1].text_edit
    assert isinstance(edit, types.TextEdit) and edit.new_text == "hero"  # the `}` is there already


async def test_the_outline_shows_defines_styles_and_includes(client: Client, tmp_path: Path) -> None:
    source = MAIN + 'scene "night"\nstyle "moonlight"\n@0 start "{hero}"\n@3s end\n'
    source = source.replace("@0 start \"{hero} sits", "scene \"day\"\n@0 start \"{hero} sits")
    uris = await opened(client, tmp_path, {"common.ody": COMMON, "main.ody": source}, ("main.ody",))
    got = await client.text_document_document_symbol_async(types.DocumentSymbolParams(doc(uris["main.ody"])))
    symbols = [s for s in got or [] if isinstance(s, types.DocumentSymbol)]
    assert [(s.name, s.detail, s.kind) for s in symbols] == [
        ("common.ody", "include", types.SymbolKind.File), ("negative", "blur", types.SymbolKind.Property),
        ("place", "the harbour", types.SymbolKind.Constant), ("day", "scene", types.SymbolKind.Namespace),
        ("night", "scene", types.SymbolKind.Namespace)]
    assert (symbols[2].selection_range.start.line, symbols[2].selection_range.start.character) == (3, 7)
    night = symbols[4].children or []
    assert [(c.name, c.detail) for c in night][:2] == [("style", "moonlight"), ('0:00 start "{hero}"', None)]


async def test_inlay_hints_count_the_variants_of_a_prompt(client: Client, tmp_path: Path) -> None:
    source = MAIN.replace('"{villain} arrives"', '"{villain} {arrives|leaves|waits}"')
    uris = await opened(client, tmp_path, {"common.ody": COMMON, "main.ody": source}, ("main.ody",))
    got = await client.text_document_inlay_hint_async(types.InlayHintParams(
        doc(uris["main.ody"]), types.Range(types.Position(0, 0), types.Position(9, 0))))
    variants = [(h.position.line, h.position.character, h.label) for h in got or [] if str(h.label).startswith("×")]
    ends = [at(client, source, '."', 2), at(client, source, 'waits}"', 7), at(client, source, 'runs"', 5)]
    # {fur} is one choice per script wherever it is used: {villain} uses it too, once
    assert variants == [(ends[0].line, ends[0].character, "×2"), (ends[1].line, ends[1].character, "×6"),
                        (ends[2].line, ends[2].character, "×2")]
    # A style is the same in every script: variants through a define are refused there (ODY111), no hint
    styled = 'define look "{warm|cold} light"\nstyle "{look}"\n@0 start "a"\n@3s end\n'
    uris = await opened(client, tmp_path, {"styled.ody": styled}, ("styled.ody",))
    got = await client.text_document_inlay_hint_async(types.InlayHintParams(
        doc(uris["styled.ody"]), types.Range(types.Position(0, 0), types.Position(4, 0))))
    assert [h.label for h in got or [] if str(h.label).startswith("×")] == []


FRAGMENTS = ["{", "}", "{{", "}}", "{hero}", "{fur", "|", "{a|b}", "hero", "define ", 'define x "', 'style "', "negative ",
             'include "common.ody"\n', 'include "', "scene ", '"', '"""', "\\u007b", "\n", "🐈", "@", "@3s interact "]


async def test_names_answer_anything_while_the_text_is_edited_at_random(client: Client, tmp_path: Path) -> None:
    """Every request on names comes back (a refusal at most) whatever the text, and nothing is
    logged as an error but the refusals."""
    rng = random.Random(12)
    uris = await opened(client, tmp_path, {"common.ody": COMMON, "main.ody": MAIN}, ("main.ody",))
    uri, text = uris["main.ody"], MAIN
    document = doc(uri)
    errors_before = sum(m.type == types.MessageType.Error for m in client.log_messages)
    for _ in range(150):
        a = rng.randrange(len(text) + 1)
        b = min(len(text), a + rng.randrange(0, 6))
        new = "".join(rng.choice(FRAGMENTS) for _ in range(rng.randrange(0, 3)))
        change(client, uri, types.TextDocumentContentChangePartial(
            range=types.Range(position(text, *place(text, a), client.encoding),
                              position(text, *place(text, b), client.encoding)), text=new))
        text = text[:a] + new + text[b:]
        here = position(text, *place(text, rng.randrange(len(text) + 1)), client.encoding)
        everything = types.Range(types.Position(0, 0), types.Position(text.count("\n") + 1, 0))
        await client.text_document_hover_async(types.HoverParams(document, here))
        await client.text_document_completion_async(types.CompletionParams(document, here))
        await client.text_document_definition_async(types.DefinitionParams(document, here))
        await client.text_document_references_async(types.ReferenceParams(
            types.ReferenceContext(include_declaration=True), document, here))
        await client.text_document_inlay_hint_async(types.InlayHintParams(document, everything))
        try:
            await client.text_document_rename_async(types.RenameParams(document, here, "renamed"))
        except JsonRpcException as refused:
            assert refused.code == types.LSPErrorCodes.RequestFailed
    await client.text_document_document_symbol_async(types.DocumentSymbolParams(document))
    errors = [m.message for m in client.log_messages if m.type == types.MessageType.Error][errors_before:]
    assert [m for m in errors if not m.startswith("ody lsp: Refused: ")] == []


async def test_the_outline_reads_a_define_on_the_first_line_after_a_byte_order_mark(client: Client, tmp_path: Path) -> None:
    source = '\ufeffdefine hero "a cat"\n@0 start "{hero}"\n@3s end\n'
    uris = await opened(client, tmp_path, {"bom.ody": source}, ("bom.ody",))
    got = await client.text_document_document_symbol_async(types.DocumentSymbolParams(doc(uris["bom.ody"])))
    define = next(s for s in got or [] if isinstance(s, types.DocumentSymbol))
    hover_range = await client.text_document_hover_async(types.HoverParams(doc(uris["bom.ody"]), define.selection_range.start))
    assert (define.name, define.detail) == ("hero", "a cat")
    assert hover_range is not None and hover_range.range == define.selection_range  # where the editor has the name
