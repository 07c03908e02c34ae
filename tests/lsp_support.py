"""Driving the real `ody lsp` over stdio with pytest-lsp's client, for the test_lsp_* modules.

Each test module gets one server per position encoding (module-scoped: starting one costs
about half a second). A test opens its own files, so tests never see each other's
diagnostics. Diagnostics are waited for by version, with a deadline: the server publishes
each document version's list once, right after the change.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
from bisect import bisect_right
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any, cast

import pytest_lsp
from lsprotocol import types
from pygls.protocol import default_converter
from pygls.uris import from_fs_path
from pytest_lsp.client import (
    DEFAULT_CLIENT_FEATURES,
    LanguageClient,
    register_lsp_features,
)

REPO = Path(__file__).resolve().parent.parent
SERVER = [sys.executable, "-m", "odyssey_dsl", "lsp"]
ENV = {**os.environ, "ODY_CACHE_DIR": os.environ.get("ODY_CACHE_DIR", "/tmp/odycache-lsp"), "PYTHONPATH": str(REPO)}
DEADLINE = 15.0  # seconds: a published list that takes longer than this is a hang, not slowness
_BREAK = re.compile(r"\r\n|\r|\n")
UTF8, UTF16, UTF32 = (types.PositionEncodingKind.Utf8, types.PositionEncodingKind.Utf16,
                      types.PositionEncodingKind.Utf32)


class Client(LanguageClient):
    """pytest-lsp's client, also remembering which version each diagnostics list is for."""

    published: dict[str, tuple[int | None, Sequence[types.Diagnostic]]]
    versions: dict[str, int]
    registrations: list[types.Registration]
    encoding: str


def _record(client: Client, params: types.PublishDiagnosticsParams) -> None:
    client.diagnostics[params.uri] = params.diagnostics
    client.published[params.uri] = (params.version, params.diagnostics)


def _register(client: Client, params: types.RegistrationParams) -> None:
    client.registrations.extend(params.registrations)


def make_client() -> Client:
    client = Client(converter_factory=default_converter)
    client.published, client.versions, client.registrations = {}, {}, []
    register_lsp_features(client, {**DEFAULT_CLIENT_FEATURES, types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS: _record,
                                   types.CLIENT_REGISTER_CAPABILITY: _register})
    return client


CONFIG = pytest_lsp.ClientServerConfig(server_command=SERVER, client_factory=make_client, server_env=ENV)

ClientFixture = Callable[..., AsyncIterator[None]]


def lsp_fixture(**options: Any) -> Callable[[ClientFixture], ClientFixture]:
    """`pytest_lsp.fixture` with a type: pytest-lsp ships none, and an untyped decorator would
    make every client fixture untyped to mypy."""
    return cast("Callable[[ClientFixture], ClientFixture]", pytest_lsp.fixture(**options))


def capabilities(encodings: Sequence[str] | None, **options: Any) -> types.ClientCapabilities:
    """What an editor states (markdown hovers; nested symbols unless `nested=False`; snippets
    with `snippets=True`), with these position encodings."""
    general = types.GeneralClientCapabilities(position_encodings=list(encodings)) if encodings is not None else None
    return types.ClientCapabilities(
        general=general,
        text_document=types.TextDocumentClientCapabilities(
            hover=types.HoverClientCapabilities(content_format=[types.MarkupKind.Markdown]),
            completion=types.CompletionClientCapabilities(
                completion_item=types.ClientCompletionItemOptions(snippet_support=options.get("snippets", False))),
            document_symbol=types.DocumentSymbolClientCapabilities(
                hierarchical_document_symbol_support=options.get("nested", True)),
            publish_diagnostics=types.PublishDiagnosticsClientCapabilities(related_information=True,
                                                                          version_support=True),
        ),
    )


async def start(client: Client, encodings: Sequence[str] | None, **options: Any) -> types.InitializeResult:
    result = await client.initialize_session(types.InitializeParams(
        capabilities=capabilities(encodings, **options),
        initialization_options=options.get("initialization_options"),
    ))
    client.encoding = result.capabilities.position_encoding or UTF16
    return result


def uri_of(path: Path) -> str:
    uri = from_fs_path(str(path))
    assert isinstance(uri, str), path
    return uri


def open_file(client: Client, path: Path, text: str, write: bool = True) -> str:
    """Open `text` as the file at `path` (also written there, for `ody lint` to compare)."""
    if write:
        path.write_text(text, encoding="utf-8", newline="")
    uri = uri_of(path)
    client.versions[uri] = 1
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        types.TextDocumentItem(uri=uri, language_id="ody", version=1, text=text)))
    return uri


def change(client: Client, uri: str, *changes: types.TextDocumentContentChangeEvent) -> int:
    client.versions[uri] += 1
    version = client.versions[uri]
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        types.VersionedTextDocumentIdentifier(uri=uri, version=version), list(changes)))
    return version


def replace_all(client: Client, uri: str, text: str) -> int:
    return change(client, uri, types.TextDocumentContentChangeWholeDocument(text=text))


async def diagnostics(client: Client, uri: str, version: int | None = 0) -> list[types.Diagnostic]:
    """The list the server published for `version` (default: the latest sent; None: the one
    published once the file was closed)."""
    wanted = client.versions.get(uri) if version == 0 else version
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DEADLINE
    while True:
        got = client.published.get(uri)
        if got is not None and got[0] == wanted:
            return list(got[1])
        if loop.time() > deadline:
            raise AssertionError(f"no diagnostics for version {wanted} of {uri} (last: {got and got[0]})")
        await asyncio.sleep(0.005)


# --- the client's side of positions and edits -----------------------------------------------

def units(text: str, encoding: str) -> int:
    """How many units of `encoding` the client counts for `text`."""
    if encoding == UTF8:
        return len(text.encode("utf-8"))
    if encoding == UTF16:
        return len(text.encode("utf-16-le")) // 2
    return len(text)


def lines_of(text: str) -> list[str]:
    """The lines as LSP counts them: `\r\n`, `\r` and `\n` each end one."""
    return _BREAK.split(text)


def line_starts(text: str) -> list[int]:
    return [0, *(m.end() for m in _BREAK.finditer(text))]


def position(text: str, line: int, column: int, encoding: str) -> types.Position:
    """A 0-based line and code-point column as the client sends it."""
    return types.Position(line, units(lines_of(text)[line][:column], encoding))


def place(text: str, at: int) -> tuple[int, int]:
    """The 0-based line and code-point column of offset `at` (not inside a `\r\n`)."""
    starts = line_starts(text)
    line = bisect_right(starts, at) - 1
    return line, at - starts[line]


def offset(text: str, pos: types.Position, encoding: str) -> int:
    """The code-point offset in `text` of a client position."""
    lines, starts = lines_of(text), line_starts(text)
    if pos.line >= len(lines):
        return len(text)
    line = lines[pos.line]
    column = 0
    while column < len(line) and units(line[:column + 1], encoding) <= pos.character:
        column += 1
    return starts[pos.line] + column


def apply(text: str, edits: Sequence[types.TextEdit], encoding: str) -> str:
    """Apply LSP text edits (non-overlapping, positions in the original text) as an editor does."""
    spans = sorted(((offset(text, e.range.start, encoding), offset(text, e.range.end, encoding), e.new_text)
                    for e in edits), reverse=True)
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    return text


def lint_json(path: Path) -> list[dict[str, Any]]:
    """What `ody lint --format json` reports for the file at `path`, run as a writer runs it."""
    done = subprocess.run([*SERVER[:-1], "lint", "--format", "json", str(path)], capture_output=True, check=False,
                          text=True, env=ENV, cwd=path.parent, timeout=60)
    assert done.returncode in (0, 1), done.stderr
    found = json.loads(done.stdout)
    assert isinstance(found, list), done.stdout[:200]
    return found


def as_lint(text: str, diagnostics: Sequence[types.Diagnostic], encoding: str) -> list[dict[str, Any]]:
    """LSP diagnostics in `ody lint --format json`'s terms (1-based code-point positions)."""
    lines = lines_of(text)

    def column(pos: types.Position) -> int:
        line = lines[pos.line] if pos.line < len(lines) else ""
        return offset(line, types.Position(0, pos.character), encoding) + 1

    out = []
    for d in diagnostics:
        message, _, help = d.message.partition("\nhelp: ")
        out.append({
            "line": d.range.start.line + 1, "column": column(d.range.start),
            "end_line": d.range.end.line + 1, "end_column": column(d.range.end),
            "severity": "error" if d.severity == types.DiagnosticSeverity.Error else "warning",
            "code": d.code, "message": message, "help": help or None,
        })
    return out


def lint_view(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    keys = ("line", "column", "end_line", "end_column", "severity", "code", "message", "help")
    return [{k: item[k] for k in keys} for item in items]
