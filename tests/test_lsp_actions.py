"""`ody lsp` quick fixes: each one, applied as an editor applies it, leaves a file that lints clean."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from lsp_support import CONFIG, UTF8, UTF16, Client, apply, diagnostics, lint_json, lsp_fixture, open_file, replace_all, start
from lsprotocol import types

pytestmark = pytest.mark.asyncio(loop_scope="module")


@lsp_fixture(config=CONFIG, scope="module", params=[UTF16, UTF8])
async def client(lsp_client: Client, request: pytest.FixtureRequest) -> AsyncIterator[None]:
    await start(lsp_client, [request.param])
    yield
    await lsp_client.shutdown_session()


async def actions_for(client: Client, uri: str, code: str) -> tuple[types.Diagnostic, list[types.CodeAction]]:
    found = await diagnostics(client, uri)
    diagnostic = next(d for d in found if d.code == code)
    got = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri), range=diagnostic.range,
        context=types.CodeActionContext(diagnostics=[diagnostic]),
    ))
    return diagnostic, [a for a in got or [] if isinstance(a, types.CodeAction) and a.diagnostics
                        and a.diagnostics[0].code == code]


async def apply_action(client: Client, uri: str, path: Path, text: str, action: types.CodeAction) -> str:
    """Apply the action's edit to the client's text, send it, and check the result lints clean."""
    assert action.kind == types.CodeActionKind.QuickFix and action.edit is not None
    new = apply(text, (action.edit.changes or {})[uri], client.encoding)
    replace_all(client, uri, new)
    assert await diagnostics(client, uri) == []
    path.write_text(new, encoding="utf-8")
    assert lint_json(path) == []
    return new


CASES = [
    # (name, text, code, title of the fix, fixed text)
    ("missing-end", '@0 start "🐈 a"\n@3s interact "b 😀"', "ODY103", "Add `@6s end`",
     '@0 start "🐈 a"\n@3s interact "b 😀"\n@6s end'),
    ("missing-end-min-gap", 'min-gap 2s\n@0 start "a"\n@2s interact "b"  # note\n', "ODY103", "Add `@4s end`",
     'min-gap 2s\n@0 start "a"\n@2s interact "b"  # note\n@4s end\n'),
    ("missing-end-min-gap-0", 'min-gap 0\n@0 start "a"\n@1s interact "b"\n', "ODY103", "Add `@4s end`",
     'min-gap 0\n@0 start "a"\n@1s interact "b"\n@4s end\n'),
    ("misspelled-action", '@0 start "é"\n@3s interct "b"\n@6s end\n', "ODY004", "Replace with `interact`",
     '@0 start "é"\n@3s interact "b"\n@6s end\n'),
    ("bare-number-seconds", '@0 start "a"\n@3s interact "b"\n@6 interact "c"\n@9s end\n', "ODY003",
     "Replace with `@6s`", '@0 start "a"\n@3s interact "b"\n@6s interact "c"\n@9s end\n'),
    ("bare-number-millis", '@0 start "a"\n@3s interact "b"\n@6500 interact "c"\n@12s end\n', "ODY003",
     "Replace with `@6500ms`", '@0 start "a"\n@3s interact "b"\n@6500ms interact "c"\n@12s end\n'),
    ("bare-number-relative", '@0 start "a"\n@3s interact "b"\n@+3 interact "c"\n@+3s end\n', "ODY003",
     "Replace with `@+3s`", '@0 start "a"\n@3s interact "b"\n@+3s interact "c"\n@+3s end\n'),
    ("silence-new-comment", '@0 start "🐈"\n@1s interact "b"\n@4s end\n', "ODY201",
     "Silence ODY201 on this line (# ody: ignore[ODY201])",
     '@0 start "🐈"\n@1s interact "b"  # ody: ignore[ODY201]\n@4s end\n'),
    ("silence-merge", '@0 start "a"\n@1s interact "b"  # ody: ignore[ODY202] why\n@4s end\n', "ODY201",
     "Silence ODY201 on this line (# ody: ignore[ODY201])",
     '@0 start "a"\n@1s interact "b"  # ody: ignore[ODY202, ODY201] why\n@4s end\n'),
    ("silence-plain-comment", '@0 start "a"\n@1s interact "b"  # a quick beat\n@4s end\n', "ODY201",
     "Silence ODY201 on this line (# ody: ignore[ODY201])",
     '@0 start "a"\n@1s interact "b"  # ody: ignore[ODY201] a quick beat\n@4s end\n'),
    ("silence-long-script", '@0 start "a"\n@5:30 end\n', "ODY202",
     "Silence ODY202 on this line (# ody: ignore[ODY202])", '@0 start "a"\n@5:30 end  # ody: ignore[ODY202]\n'),
    ("silence-long-string", '@0 start "a"\n@1s interact """\n  b\n"""\n@4s end\n', "ODY201",
     "Silence ODY201 on this line (# ody: ignore[ODY201])",
     '@0 start "a"\n@1s interact """\n  b\n"""  # ody: ignore[ODY201]\n@4s end\n'),
    ("unterminated", '@0 start "a 😀\n@3s end\n', "ODY002", 'Add the closing `"`', '@0 start "a 😀"\n@3s end\n'),
    ("second-start", '@0 start "a"\n@3s start "b"\n@6s end\n', "ODY105", "Change to `interact`",
     '@0 start "a"\n@3s interact "b"\n@6s end\n'),
    ("relative-first", '@+0 start "a"\n@+3s end\n', "ODY108", "Replace with `@0`", '@0 start "a"\n@+3s end\n'),
]


@pytest.mark.parametrize(("name", "text", "code", "title", "fixed"), CASES, ids=[c[0] for c in CASES])
async def test_the_first_fix_is_the_likely_one_and_lints_clean(client: Client, tmp_path: Path, name: str, text: str,
                                                                code: str, title: str, fixed: str) -> None:
    path = tmp_path / f"{name}.ody"
    uri = open_file(client, path, text)
    _, actions = await actions_for(client, uri, code)
    assert actions and actions[0].title == title
    assert await apply_action(client, uri, path, text, actions[0]) == fixed


async def test_a_bare_number_offers_both_readings_the_fitting_one_preferred(client: Client, tmp_path: Path) -> None:
    text = '@0 start "a"\n@3s interact "b"\n@6500 interact "c"\n@12s end\n'
    uri = open_file(client, tmp_path / "both.ody", text)
    _, actions = await actions_for(client, uri, "ODY003")
    assert [(a.title, a.is_preferred) for a in actions] == [
        ("Replace with `@6500ms`", True), ("Replace with `@6500s`", None)]


async def test_a_warning_can_be_fixed_or_silenced(client: Client, tmp_path: Path) -> None:
    text = '@0 start "a"\n@1s interact "b"\n@4s end\n'
    uri = open_file(client, tmp_path / "gap.ody", text)
    _, actions = await actions_for(client, uri, "ODY201")
    assert [a.title for a in actions] == ["Silence ODY201 on this line (# ody: ignore[ODY201])"]


async def test_only_other_kinds_asked_gives_none(client: Client, tmp_path: Path) -> None:
    uri = open_file(client, tmp_path / "kinds.ody", '@0 start "a"\n@3s interct "b"\n@6s end\n')
    (found,) = await diagnostics(client, uri)
    got = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri), range=found.range,
        context=types.CodeActionContext(diagnostics=[found], only=[types.CodeActionKind.Refactor]),
    ))
    assert not got


async def test_no_quick_fix_for_a_mistake_inside_an_included_file(tmp_path: Path) -> None:
    """A diagnostic of an included (closed) file is shown at the include line, but its fix
    belongs to the other file's lines: no action may edit this text with it."""
    from odyssey_dsl.config import Settings
    from odyssey_dsl.lsp.actions import code_actions
    from odyssey_dsl.lsp.document import LiveDocument
    from odyssey_dsl.lsp.positions import Columns

    (tmp_path / "lib.ody").write_text('define hero "a cat"\norientation portrat\n', encoding="utf-8")
    text = 'include "lib.ody"\n@0 start "{hero}"\n@3s end\n'
    live = LiveDocument(text, tmp_path / "main.ody", Settings())
    assert any(d.file is not None and d.fixes for d in live.diagnostics)  # ODY109's `portrait` fix, in lib.ody
    actions = code_actions(live, (tmp_path / "main.ody").as_uri(), 1, 3, Columns("utf-16"))
    assert actions == []
