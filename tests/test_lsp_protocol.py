"""`ody lsp` over its real stdio, byte by byte: the framing of the LSP specification (header
names case-insensitive, Content-Type allowed), an answer to every request (invalid params,
a body that is not JSON, a request after shutdown), and a prompt exit with status 1 on input
that is not that framing, never a hang. Each test starts its own server process and writes
raw bytes to its stdin; every wait has a deadline."""

from __future__ import annotations

import json
import queue
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lsp_support import DEADLINE, ENV, SERVER, lint_json, uri_of
from pygls.protocol import JsonRPCProtocol, LanguageServerProtocol

from odyssey_dsl.lsp import server as lsp_server

INVALID_PARAMS, INVALID_REQUEST, PARSE_ERROR = -32602, -32600, -32700
TEXT = '@0 start "a cat on a windowsill"\n@3s interact "the cat looks outside"\n@9s end\n'


def frame(message: dict[str, Any] | bytes, header: bytes = b"Content-Length: %d\r\n\r\n") -> bytes:
    body = message if isinstance(message, bytes) else json.dumps(message).encode("utf-8")
    return header % len(body) + body


class Raw:
    """The real server process, its stdout read into whole messages by a thread."""

    def __init__(self, cwd: Path) -> None:
        self.process = subprocess.Popen(SERVER, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, env=ENV, cwd=cwd)
        self.messages: queue.Queue[tuple[bytes, dict[str, Any]] | None] = queue.Queue()
        self.stderr: list[bytes] = []
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._drain, daemon=True).start()

    def _read(self) -> None:
        out = self.process.stdout
        assert out is not None
        while True:
            length = None
            while (line := out.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode("ascii").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            if not line or length is None:
                self.messages.put(None)
                return
            body = out.read(length)
            self.messages.put((body, json.loads(body)))

    def _drain(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:  # pygls logs tracebacks there: never let the pipe fill
            self.stderr.append(line)

    def send(self, data: bytes, close: bool = False) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(data)
        self.process.stdin.flush()
        if close:
            self.process.stdin.close()

    def request(self, msg_id: int, method: str, params: Any, header: bytes = b"Content-Length: %d\r\n\r\n") -> None:
        self.send(frame({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params}, header))

    def notify(self, method: str, params: Any) -> None:
        self.send(frame({"jsonrpc": "2.0", "method": method, "params": params}))

    def response(self, msg_id: int | str | None) -> tuple[bytes, dict[str, Any]]:
        """The server's answer to request `msg_id` (its raw body and the message), skipping
        its notifications; an AssertionError after DEADLINE seconds without it."""
        deadline = time.monotonic() + DEADLINE
        while True:
            try:
                got = self.messages.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no answer to request {msg_id} in {DEADLINE} s") from None
            if got is None:
                raise AssertionError(f"the server closed its output before answering {msg_id}: {self.err()}")
            if "method" not in got[1] and got[1].get("id") == msg_id:
                return got

    def answer(self, msg_id: int | str | None) -> dict[str, Any]:
        return self.response(msg_id)[1]

    def published(self, version: int) -> list[dict[str, Any]]:
        """The diagnostics published for `version` of a document."""
        deadline = time.monotonic() + DEADLINE
        while True:
            got = self.messages.get(timeout=max(0.0, deadline - time.monotonic()))
            assert got is not None, self.err()
            params = got[1].get("params") or {}
            if got[1].get("method") == "textDocument/publishDiagnostics" and params.get("version") == version:
                return list(params["diagnostics"])

    def start(self, folder: Path, encoding: str | None = None) -> str:
        """Initialize (offering only `encoding`, if given), and open a screenplay: its URI."""
        capabilities = {"general": {"positionEncodings": [encoding]}} if encoding else {}
        self.request(1, "initialize", {"processId": None, "rootUri": None, "capabilities": capabilities})
        assert self.answer(1)["result"]["capabilities"]["positionEncoding"] == (encoding or "utf-16")
        self.notify("initialized", {})
        uri = uri_of(folder / "cat.ody")
        self.notify("textDocument/didOpen",
                    {"textDocument": {"uri": uri, "languageId": "ody", "version": 1, "text": TEXT}})
        return uri

    def exit_status(self) -> int:
        try:
            return self.process.wait(timeout=DEADLINE)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"the server did not exit in {DEADLINE} s") from None

    def err(self) -> str:
        return b"".join(self.stderr).decode("utf-8", "replace")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Raw]:
    raw = Raw(tmp_path)
    try:
        yield raw
    finally:
        if raw.process.poll() is None:
            raw.process.kill()
        raw.process.wait(timeout=DEADLINE)
        for stream in (raw.process.stdin, raw.process.stdout, raw.process.stderr):
            if stream is not None:
                stream.close()


def hover(uri: str, position: Any) -> dict[str, Any]:
    return {"textDocument": {"uri": uri}, "position": position}


# --- framing ---------------------------------------------------------------------------------


@pytest.mark.parametrize("header", [
    b"content-length: %d\r\n\r\n",
    b"CONTENT-LENGTH:%d\r\n\r\n",
    b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\ncontent-length: %d\r\n\r\n",
    b"\r\nContent-Length:   %d  \r\n\r\n",  # a stray blank line first, spaces around the value
])
def test_headers_as_the_specification_allows_them(server: Raw, tmp_path: Path, header: bytes) -> None:
    uri = server.start(tmp_path)
    for msg_id in (2, 3):  # and the next message too: the server did not lose its place
        server.request(msg_id, "textDocument/hover", hover(uri, {"line": 1, "character": 5}), header)
        assert "result" in server.answer(msg_id)
    server.request(4, "shutdown", None)
    assert server.answer(4) == {"jsonrpc": "2.0", "id": 4, "result": None}
    server.notify("exit", None)
    assert server.exit_status() == 0


@pytest.mark.parametrize("garbage", [
    b"hello\r\n\r\n{}",  # not a header
    b"Content-Length: abc\r\n\r\n{}",
    b"Content-Length: -2\r\n\r\n{}",
    b"Content-Type: application/vscode-jsonrpc\r\n\r\n{}",  # no length
    b"Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
    b"X" * 10000 + b"\r\n",
])
def test_a_framing_error_stops_the_server_promptly(server: Raw, tmp_path: Path, garbage: bytes) -> None:
    """The client and the server no longer agree where messages start: rather than read on
    (and answer nothing ever again), the server exits with status 1 and says why on stderr;
    the editor starts it again."""
    uri = server.start(tmp_path)
    server.send(garbage)
    server.request(2, "textDocument/hover", hover(uri, {"line": 1, "character": 5}))  # never read
    assert server.exit_status() == 1
    assert "ody lsp: framing error:" in server.err()


@pytest.mark.parametrize("ending", [b"Content-Length: 50\r\n\r\n{\"jsonrpc\"", b"Content-Length: 50\r\n"])
def test_input_ending_inside_a_message_is_a_framing_error(server: Raw, tmp_path: Path, ending: bytes) -> None:
    server.start(tmp_path)
    server.send(ending, close=True)
    assert server.exit_status() == 1
    assert "ody lsp: framing error: the input ended inside a message" in server.err()


def test_input_ending_between_messages_is_a_plain_end(server: Raw, tmp_path: Path) -> None:
    server.start(tmp_path)
    server.send(b"", close=True)
    assert server.exit_status() == 0
    assert "framing error" not in server.err()


# --- every request is answered ---------------------------------------------------------------


@pytest.mark.parametrize("params", [
    "negative line",
    "string position",
    "null params",
    "no position",
])
def test_invalid_params_are_answered_with_an_error(server: Raw, tmp_path: Path, params: str) -> None:
    uri = server.start(tmp_path)
    sent = {
        "negative line": hover(uri, {"line": -1, "character": 0}),
        "string position": hover(uri, "1:5"),
        "null params": None,
        "no position": {"textDocument": {"uri": uri}},
    }[params]
    server.request(7, "textDocument/hover", sent)
    answer = server.answer(7)
    assert answer["id"] == 7 and "result" not in answer
    assert answer["error"]["code"] == INVALID_PARAMS
    assert "textDocument/hover" in answer["error"]["message"]
    server.request(8, "textDocument/hover", hover(uri, {"line": 1, "character": 5}))  # still answering
    assert "result" in server.answer(8)


def test_invalid_params_with_a_string_id(server: Raw, tmp_path: Path) -> None:
    uri = server.start(tmp_path)
    server.send(frame({"jsonrpc": "2.0", "id": "h-1", "method": "textDocument/hover",
                       "params": hover(uri, {"line": 0, "character": -3})}))
    assert server.answer("h-1")["error"]["code"] == INVALID_PARAMS


def test_a_body_that_is_not_json_is_a_parse_error(server: Raw, tmp_path: Path) -> None:
    uri = server.start(tmp_path)
    server.send(frame(b'{"jsonrpc": "2.0", "id": 5, "method": '))
    assert server.answer(None)["error"]["code"] == PARSE_ERROR
    server.send(frame(b'\xff\xfe not UTF-8'))
    assert server.answer(None)["error"]["code"] == PARSE_ERROR
    server.request(6, "textDocument/hover", hover(uri, {"line": 1, "character": 5}))
    assert "result" in server.answer(6)


@pytest.mark.parametrize("message", [
    {"id": 9, "method": "textDocument/hover", "params": None},  # no "jsonrpc"
    {"jsonrpc": "1.0", "id": 9, "method": "shutdown", "params": None},
])
def test_a_request_that_is_not_json_rpc_2_is_an_invalid_request(server: Raw, tmp_path: Path,
                                                                message: dict[str, Any]) -> None:
    uri = server.start(tmp_path)
    server.send(frame(message))
    assert server.answer(9)["error"]["code"] == INVALID_REQUEST
    server.send(frame(b"[1, 2]"))  # a batch: LSP has none
    assert server.answer(None)["error"]["code"] == INVALID_REQUEST
    server.request(10, "textDocument/hover", hover(uri, {"line": 1, "character": 5}))
    assert "result" in server.answer(10)


def test_requests_after_shutdown_are_answered_with_an_error(server: Raw, tmp_path: Path) -> None:
    uri = server.start(tmp_path)
    server.request(2, "shutdown", None)
    assert server.answer(2)["result"] is None
    server.request(3, "textDocument/hover", hover(uri, {"line": 1, "character": 5}))
    assert server.answer(3)["error"]["code"] == INVALID_REQUEST
    server.notify("exit", None)
    assert server.exit_status() == 0


# --- what the server relies on in pygls --------------------------------------------------------


@pytest.mark.parametrize("method", ["textDocument/didOpen", "textDocument/didChange", "textDocument/didClose"])
def test_the_document_handlers_replace_pyglss_own(method: str) -> None:
    """pygls's own would keep a second copy of every document, re-split on each keystroke."""
    protocol = lsp_server.build().protocol
    handler = protocol.fm.builtin_features[method]
    assert handler.__func__.__qualname__.startswith("_Protocol."), handler
    assert set(vars(lsp_server._Protocol)) & {name for name in vars(LanguageServerProtocol)
                                             if getattr(vars(LanguageServerProtocol)[name], "method_name", None) == method}


def test_the_outline_is_written_as_encoded(server: Raw, tmp_path: Path) -> None:
    """The outline's JSON is encoded in a worker thread and written as it is, through pygls's
    `JsonRPCProtocol._send_data` (no public API sends pre-encoded JSON): if pygls stops calling
    it, the answer is pygls's own encoding (`{"id": 2, "jsonrpc": "2.0", ...`) and this fails."""
    assert "_send_data" in vars(JsonRPCProtocol), "pygls renamed JsonRPCProtocol._send_data: see _Protocol"
    assert "_send_data" in vars(lsp_server._Protocol)
    uri = server.start(tmp_path)
    server.request(2, "textDocument/documentSymbol", {"textDocument": {"uri": uri}})
    body, answer = server.response(2)
    assert body.startswith(b'{"jsonrpc":"2.0","id":2,"result":[{'), body[:80]
    assert [symbol["name"] for symbol in answer["result"]][:1] and answer["result"][0]["kind"]


# --- bytes that are not UTF-8 in a document ----------------------------------------------------


def raw_change(uri: str, version: int, line: int, start: int, end: int, text: bytes) -> bytes:
    """A didChange whose new text is `text` as it is, bytes that are not UTF-8 included (as
    Neovim sends a buffer read from a Latin-1 file)."""
    change = {"range": {"start": {"line": line, "character": start}, "end": {"line": line, "character": end}},
              "text": "@@"}
    message = {"jsonrpc": "2.0", "method": "textDocument/didChange",
               "params": {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]}}
    return frame(json.dumps(message).encode("utf-8").replace(b"@@", text))


def lint_of(path: Path, data: bytes) -> list[dict[str, Any]]:
    """What `ody lint` says of `data` on disk, in LSP terms (0-based, one unit per byte of
    a line here: the lines compared are ASCII but for the bad bytes)."""
    path.write_bytes(data)
    return [{"code": d["code"], "message": d["message"] + (f"\nhelp: {d['help']}" if d["help"] else ""),
             "range": {"start": {"line": d["line"] - 1, "character": d["column"] - 1},
                       "end": {"line": d["end_line"] - 1, "character": d["end_column"] - 1}}}
            for d in lint_json(path)]


def shown(published: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: d[k] for k in ("code", "message", "range")} for d in published]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-32"])
def test_a_change_with_bytes_that_are_not_utf8_is_applied_and_reported_as_lint_does(
        server: Raw, tmp_path: Path, encoding: str) -> None:
    """Each bad byte is one character for the client, in every unit: later edits at and after
    it land where the client means, and ODY006 is what `ody lint` says of the same bytes."""
    uri = server.start(tmp_path, encoding)
    assert server.published(1) == []
    on_disk = tmp_path / "disk.ody"
    server.send(raw_change(uri, 2, 1, 14, 14, b"\xe9t\xe9 "))  # Latin-1 "été " typed into a prompt
    data = TEXT.encode().replace(b'interact "', b'interact "\xe9t\xe9 ')
    found = server.published(2)
    assert [d["code"] for d in found] == ["ODY006"] and "0xe9" in found[0]["message"]
    assert shown(found) == lint_of(on_disk, data)
    server.send(raw_change(uri, 3, 1, 14, 15, b""))  # the first bad byte deleted
    server.send(raw_change(uri, 4, 1, 16, 16, b"X"))  # typed after the second one
    data = TEXT.encode().replace(b'interact "', b'interact "t\xe9X ')
    found = server.published(4)
    assert found[0]["range"]["start"] == {"line": 1, "character": 15}
    assert shown(found) == lint_of(on_disk, data)
    server.request(6, "textDocument/formatting", {"textDocument": {"uri": uri}, "options": {
        "tabSize": 4, "insertSpaces": True}})
    assert server.answer(6)["result"] is None  # as `ody fmt`: never a bad byte sent back as text
    server.send(raw_change(uri, 5, 1, 15, 16, b""))  # the last one deleted: UTF-8 again
    assert server.published(5) == []
    server.send(frame(b'{"jsonrpc": "2.0", "id": 7, \xff "method": "shutdown"}'))  # outside a string: not JSON
    assert server.answer(None)["error"]["code"] == PARSE_ERROR
