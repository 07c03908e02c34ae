"""`ody lsp`: the language server, over stdio, built on pygls.

Each open file is a `LiveDocument`, which keeps its parse, checks and diagnostics current
after every edit; the handlers here only translate between it and the protocol (positions
in the negotiated encoding, our spans and fixes as LSP ranges and edits). pygls's own copy
of each document is not kept: it would re-join and re-split the whole text on every
keystroke. Diagnostics are published right after each change (an edit costs milliseconds),
and the requests about a position or the visible lines look only at those lines: after Enter
near the top of a large file, building the whole parse again would take most of a second, and
the next change's diagnostics would wait behind it. The one answer about the whole file that
takes long, the outline (4.8 MB of JSON for 20,000 lines), is built and encoded in a worker
thread from a snapshot, and written out as encoded there. A failing handler logs its traceback
to the client and answers with nothing: one bad request must never take the server down.

Open files that include one another are checked together (workspace.py): includes are read
from the open buffers first, a diagnostic inside an included file is published on that file
when it is open, and a change to an included file (an edit, a save, opening or closing it)
checks again and publishes the open files that include it (`OdyServer.changed`).

Every request gets an answer: one whose params do not fit its method (a negative line, a
string for a position, null) gets the JSON-RPC error Invalid params, a body that is not JSON
gets Parse error, a request after `shutdown` gets Invalid request. The messages are read with
the framing of the LSP specification (headers are case-insensitive, Content-Type may follow);
input that is not that framing stops the server with exit status 1, for the editor to start
it again, rather than reading on out of step with the client (see `_Frames`). Bytes that are
not UTF-8 inside a document's text are kept, as what `ody lint` would report (`_readable`).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import io
import json
import logging
import os
import re
import sys
import traceback
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, BinaryIO, TypeVar, cast

import cattrs
from lsprotocol import types
from pygls.capabilities import get_capability
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method
from pygls.uris import from_fs_path

from .._support.numbers import whole_number
from ..checks import Checked
from ..config import CONFIG_NAMES
from ..diagnostics import FILE_TOO_LARGE, NOT_UTF8
from . import navigation
from .actions import code_actions
from .completion import TRIGGERS, Context, complete
from .document import LiveDocument
from .folding import folding_ranges
from .formatting import format_edits
from .hints import inlay_hints
from .hover import hover_at
from .positions import Columns, LineAt
from .project import Projects, path_of
from .publish import Converter, shown
from .symbols import Encoded, encode, flat, outline
from .workspace import disk_lines, including, key, published, reached, resolver

OUTLINE_YIELD = 0.02  # seconds an outline request lets the changes behind it be applied first
MAX_HEADER_LINE = 4096  # bytes: a longer header line is not LSP framing
MAX_BODY = 1 << 28  # bytes (256 MiB): a longer message is a framing error, not a buffer to allocate
_HEADER = re.compile(rb"([!#$%&'*+.^_`|~0-9A-Za-z-]+)[ \t]*:[ \t]*(.*?)[ \t]*")  # RFC 9110's token: value

R = TypeVar("R")
D = TypeVar("D")


@dataclass
class OpenFile:
    """One open file: its checked text, the version the client gave it, and what the
    last answers cost to build (reused while nothing changed)."""

    uri: str
    live: LiveDocument
    version: int | None
    converter: Converter = field(default_factory=Converter)
    outline: tuple[int, asyncio.Future[Encoded]] | None = None  # (`live.revision`, its outline)
    reached: set[str] = field(default_factory=set)  # the other open files its last diagnostics were shown on

    def symbols(self, columns: Columns, nested: bool) -> asyncio.Future[Encoded]:
        """The outline, started again only when the file changed (editors ask for it several
        times per change, for the outline, the breadcrumbs and sticky scroll; `nested` is the
        same for the whole session). Only the snapshot is taken here, on the event loop (the
        document's caches are not thread-safe); a worker thread builds and encodes it, while
        the next changes go on. An outline started before a change is still sent to whoever
        asked then (clients take a stale outline), but a request after the change starts anew."""
        revision = self.live.revision
        if self.outline is None or self.outline[0] != revision:
            uri = None if nested else self.uri
            work = asyncio.to_thread(_encoded_outline, self.live.checked, self.live.lines(), columns, uri)
            self.outline = (revision, asyncio.ensure_future(work))
        return self.outline[1]


def _encoded_outline(checked: Checked, lines: list[str], columns: Columns, flat_uri: str | None) -> Encoded:
    """Run in a worker thread: nested symbols, or flat ones located in `flat_uri`."""
    symbols = outline(checked, lines, columns)
    return encode(symbols if flat_uri is None else flat(flat_uri, symbols))


class _Editor:
    """stdout as pygls writes, flushes and closes it, ending the server when it cannot be written (closed: `>&-`;
    full): pygls would catch each failure, fail again reporting it on the same stream, and
    fill stderr with tracebacks while the editor hears nothing. One line, exit 2, at once
    (pygls's loop swallows exceptions: only a process exit ends it)."""

    def __init__(self, out: IO[bytes]) -> None:
        self._out = out

    def write(self, data: bytes) -> None:
        try:
            self._out.write(data)
        except OSError as error:
            self._lost(error)

    def flush(self) -> None:
        try:
            self._out.flush()
        except OSError as error:
            self._lost(error)

    def close(self) -> None:
        """pygls closes its output as it shuts down; the editor may have gone already."""
        with contextlib.suppress(OSError):
            self._out.close()

    @staticmethod
    def _lost(error: OSError) -> None:
        with contextlib.suppress(OSError):
            sys.stderr.write(f"ody lsp: cannot write to the editor (stdout): {error.strerror or error}; stopping\n")
            sys.stderr.flush()
        os._exit(2)


class _Frames(io.RawIOBase):
    """stdin as pygls reads it: each message the client sent, framed again exactly as pygls
    expects (`Content-Length: N` alone, in that case). pygls (2.1) matches its header case-
    sensitively and, past a header it does not recognise, reads the body as headers: every
    later message is lost and the server goes deaf. Here header names are case-insensitive,
    other headers (Content-Type) are allowed, blank lines between messages are skipped; any
    other input (a line that is not a header, no or a bad Content-Length, the input ending
    inside a message) is a framing error: `error` says which, and pygls sees the input end."""

    def __init__(self, source: IO[bytes]) -> None:
        super().__init__()
        self.source = source
        self.error: str | None = None
        self._pending = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if not self._pending:
            try:
                frame = self._next() if self.error is None else None
            except _FramingError as error:
                self.error = f"framing error: {error}"
                logging.getLogger(__name__).error("%s", self.error)
                frame = None
            if frame is None:
                return 0
            self._pending = memoryview(b"Content-Length: %d\r\n\r\n%s" % (len(frame), frame))
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size

    def _next(self) -> bytes | None:
        """The next message's body, or None at the end of the input."""
        length: int | None = None
        headers = 0
        while True:
            line = self.source.readline(MAX_HEADER_LINE + 1)
            if not line:
                if headers:
                    raise _FramingError("the input ended inside a message's header")
                return None
            if len(line) > MAX_HEADER_LINE:
                raise _FramingError(f"a header line longer than {MAX_HEADER_LINE} bytes")
            if not line.endswith(b"\n"):
                raise _FramingError("the input ended inside a message's header")
            text = line[:-2] if line.endswith(b"\r\n") else line[:-1]
            if not text:
                if headers:
                    break
                continue  # a blank line between messages
            headers += 1
            header = _HEADER.fullmatch(text)
            if header is None:
                raise _FramingError(f"not a header: {text[:80]!r}")
            if header[1].lower() == b"content-length":
                given = whole_number(header[2])
                if given is None or given > MAX_BODY or length not in (None, given):
                    raise _FramingError(f"a bad Content-Length: {text[:80]!r}")
                length = given
        if length is None:
            raise _FramingError("a message without Content-Length")
        body = self.source.read(length)
        if len(body) < length:
            raise _FramingError(f"the input ended inside a message ({len(body)} of {length} bytes)")
        return _readable(body)


_BAD_BYTE = re.compile(r"(\\*)([\udc80-\udcff])")  # the backslashes before a byte that is not UTF-8


def _readable(body: bytes) -> bytes:
    """The body with each byte that is not UTF-8 inside a JSON string written as the escape
    `\\udcXX`: JSON-RPC wants UTF-8, but an editor may send a buffer's bytes as they are (Neovim
    does, for a file that is not UTF-8), and dropping the change would leave every later edit
    applied to a stale copy. The string then holds the lone surrogate U+DCXX for that byte
    (Python's surrogateescape), which the document replaces by U+FFFD for parsing and reports
    as `ody lint` reports the byte on disk (ODY006), while positions count it as the client
    does, one character. A bad byte outside a string, or right after a `\\`, is left as it is:
    the body is not JSON, and is answered so."""
    try:
        body.decode("utf-8")
        return body
    except UnicodeDecodeError:
        pass

    def escaped(match: re.Match[str]) -> str:
        slashes, byte = match.groups()
        return match[0] if len(slashes) % 2 else f"{slashes}\\u{ord(byte):04x}"

    return _BAD_BYTE.sub(escaped, body.decode("utf-8", "surrogateescape")).encode("utf-8", "surrogateescape")


class _FramingError(Exception):
    pass


@dataclass
class _Rejected:
    """A request whose params do not fit its method: answered with an error, never handled."""

    id: Any
    method: str
    reasons: list[str]


def _frame(body: bytes) -> bytes:
    return b"Content-Length: %d\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n%s" % (
        len(body), body)


class _Protocol(LanguageServerProtocol):
    """pygls's protocol, minus its copy of each open document (see the module docstring),
    writing an already encoded result as it is, and answering every request."""

    shutting_down = False  # set by the `shutdown` request

    def _send_data(self, data: Any) -> None:
        """A response whose result is `Encoded` is framed here as pygls frames any message:
        pygls's `json.dumps(data, default=...)` would walk its megabytes again on the event
        loop. Everything else goes through pygls.

        The one use of a pygls internal: `JsonRPCProtocol._send_data(data)` is where every
        outgoing message passes, checked against pygls 2.1.1; pygls has no public
        way to send an already encoded result. tests/test_lsp_protocol.py fails if it moves."""
        result = getattr(data, "result", None)
        if not isinstance(result, Encoded) or self.writer is None:
            super()._send_data(data)
            return
        self.write_json(b'{"jsonrpc":"2.0","id":%s,"result":%s}' % (json.dumps(data.id).encode("ascii"), result.body))

    def write_json(self, body: bytes) -> None:
        """Send a message already encoded (a publish whose diagnostics were encoded one by one,
        see `publish.Converter`)."""
        assert self.writer is not None  # set by `start_io` before any message is read
        self.writer.write(_frame(body))

    def answer_error(self, msg_id: Any, code: types.ErrorCodes, message: str) -> None:
        """Send the JSON-RPC error response to request `msg_id` (None: to a message whose id
        could not be read)."""
        error = {"jsonrpc": "2.0", "id": msg_id, "error": {"code": int(code), "message": message}}
        self.write_json(json.dumps(error).encode("ascii"))

    def structure_message(self, data: dict[str, Any]) -> Any:
        """pygls raises when a message's params do not fit its method, and for a request that
        leaves it unanswered: such a request becomes `_Rejected`, answered in `handle_message`."""
        try:
            return super().structure_message(data)
        except Exception as error:
            if not (isinstance(data.get("method"), str) and "id" in data):
                raise  # a notification or a response: logged by pygls, never answered
            cause = error.__cause__ if isinstance(error.__cause__, Exception) else error
            return _Rejected(data["id"], data["method"], cattrs.transform_error(cause))

    def handle_message(self, message: Any) -> None:
        if isinstance(message, _Rejected):
            self.answer_error(message.id, types.ErrorCodes.InvalidParams,
                              f"invalid params for {message.method}: {'; '.join(message.reasons)}")
            return
        if isinstance(message, dict):  # pygls structures only what has "jsonrpc"
            msg_id, method, has_id = message.get("id"), message.get("method"), "id" in message
        else:
            msg_id, method, has_id = getattr(message, "id", None), getattr(message, "method", None), hasattr(message, "id")
        if getattr(message, "jsonrpc", None) != self.VERSION:  # also a JSON array (a batch), a bare value
            if has_id != (method is None):  # a request, or no message at all; not a notification or a response
                self.answer_error(msg_id if has_id else None, types.ErrorCodes.InvalidRequest,
                                  'not a JSON-RPC 2.0 message ("jsonrpc": "2.0")')
            else:
                logging.getLogger(__name__).warning("ignored, not JSON-RPC 2.0: %.200r", message)
            return
        if has_id and isinstance(method, str) and self.shutting_down and method != types.EXIT:
            self.answer_error(msg_id, types.ErrorCodes.InvalidRequest, "the server is shutting down")
            return
        super().handle_message(message)

    # The three handlers below replace pygls's own (same names in pygls 2.1.1's
    # LanguageServerProtocol, which would keep a copy of each document): pygls registers the
    # methods marked by `lsp_method` by name, so a rename on its side would leave two handlers
    # for one message. tests/test_lsp_protocol.py checks that these are the ones registered.
    def _to_user(self, method: str, params: Any) -> Generator[Any, Any, None]:
        if (handler := self.fm.features.get(method)) is not None:
            yield handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(self, params: types.DidOpenTextDocumentParams) -> Generator[Any, Any, None]:
        yield from self._to_user(types.TEXT_DOCUMENT_DID_OPEN, params)

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams) -> Generator[Any, Any, None]:
        yield from self._to_user(types.TEXT_DOCUMENT_DID_CHANGE, params)

    @lsp_method(types.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(self, params: types.DidCloseTextDocumentParams) -> Generator[Any, Any, None]:
        yield from self._to_user(types.TEXT_DOCUMENT_DID_CLOSE, params)


class OdyServer(LanguageServer):
    """The open files, the negotiated position encoding and the client's options."""

    def __init__(self) -> None:
        super().__init__("ody", _version(), protocol_cls=_Protocol)
        self.files: dict[str, OpenFile] = {}
        self.projects = Projects()
        self.columns = Columns()
        self.inlay_hints_on = True

    def log(self, message: str, kind: types.MessageType = types.MessageType.Log) -> None:
        self.window_log_message(types.LogMessageParams(type=kind, message=message))

    def failed(self, handler: str) -> None:
        """Log the exception being handled, with its traceback, to the client."""
        self.log(f"ody lsp: {handler} failed:\n{traceback.format_exc()}", types.MessageType.Error)

    def report_server_error(self, error: Exception, source: Any) -> None:
        """pygls's own errors (a message it could not read): logged, never a pop-up. A body
        that is not JSON (or not UTF-8) is also answered, as JSON-RPC asks: Parse error."""
        if isinstance(error, (json.JSONDecodeError, UnicodeDecodeError)) and isinstance(self.protocol, _Protocol):
            self.protocol.answer_error(None, types.ErrorCodes.ParseError, f"not JSON: {error}")
        self.log(f"ody lsp: {type(error).__name__}: {error}", types.MessageType.Error)

    def open(self, uri: str, text: str, version: int | None) -> None:
        """Check `text` as the file `uri` with its project's settings (the caller publishes:
        `changed`)."""
        path = path_of(uri)
        project = self.projects.get(path)
        for problem in project.problems:
            self.window_show_message(types.ShowMessageParams(type=types.MessageType.Warning, message=problem))
        settings = project.settings
        self.files[uri] = OpenFile(uri, LiveDocument(text, path, settings, resolver(self.buffer, settings.max_bytes)),
                                   version)
        # A large file's records and nodes (millions of objects, none in a cycle) live as long
        # as it is open: out of the collector's generations, a full collection that falls
        # during an edit walks only what was made since, not all of them (hundreds of ms).
        # Garbage in cycles is collected first: frozen, it could never be freed.
        gc.collect()
        gc.freeze()

    def buffer(self, path: Path) -> LiveDocument | None:
        """The open file at `path`, whose text an include reads rather than the disk's."""
        wanted = key(path)
        return next((f.live for f in self.files.values() if f.live.path is not None and key(f.live.path) == wanted),
                    None)

    def changed(self, uri: str, before: set[str] | None = None) -> None:
        """The file `uri` was opened, edited, saved or closed: check again the open files that
        include it, and publish it, them, and the open files their diagnostics were or are now
        shown on (`before`: those of a file just closed)."""
        path = path_of(uri)
        lives = {u: f.live for u, f in self.files.items()}
        rechecked = [u for u in including(path, lives) if u != uri] if path is not None else []
        for other in rechecked:
            self.files[other].live.recheck()
        touched = [uri, *rechecked]
        shown_on = set(before or ()).union(*(self.files[u].reached for u in touched if u in self.files))
        shown_on |= reached((lives[u] for u in touched if u in lives), self._open_paths())
        for target in [*touched, *sorted(shown_on - set(touched))]:
            self.publish(target)

    def _open_paths(self) -> dict[str, str]:
        return {key(f.live.path): u for u, f in self.files.items() if f.live.path is not None}

    def publish(self, uri: str) -> None:
        """Send the file's diagnostics now (none once it is closed): after every change, with
        no debounce, since the incremental check makes a change cost milliseconds; at most
        `publish.SHOWN` of them. Those other open files find in it are shown too, and its own
        inside a file it includes on that file when it is open (workspace.py)."""
        file = self.files.get(uri)
        diagnostics: list[bytes] = []
        if file is not None:
            live, open_paths = file.live, self._open_paths()
            lives = {u: f.live for u, f in self.files.items()}
            diagnostics = file.converter.convert(shown(published(uri, live.path, lives, open_paths), live.silenced(1)),
                                                 uri, live.line, self.columns, self._places(open_paths))
            file.reached = reached((live,), open_paths) - {uri}
        version = b"" if file is None or file.version is None else b'"version":%d,' % file.version
        assert isinstance(self.protocol, _Protocol)
        self.protocol.write_json(b'{"jsonrpc":"2.0","method":"%s","params":{"uri":%s,%s"diagnostics":[%s]}}' % (
            types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS.encode("ascii"), json.dumps(uri).encode("ascii"), version,
            b",".join(diagnostics)))

    def _places(self, open_paths: dict[str, str]) -> Callable[[str], tuple[str, LineAt]]:
        """Where a related place in another file lies: its URI and its lines (an open file's
        buffer, else what is on disk, read once per publish)."""
        read: dict[str, tuple[str, LineAt]] = {}

        def place(file: str) -> tuple[str, LineAt]:
            wanted = key(file)
            if wanted in open_paths:
                uri = open_paths[wanted]
                return uri, self.files[uri].live.line
            if wanted not in read:
                read[wanted] = (from_fs_path(wanted) or wanted, disk_lines(Path(wanted)))
            return read[wanted]

        return place

    def reload_projects(self) -> set[str]:
        """A configuration file may have changed: check again (and publish) the open files whose
        settings changed; returns their URIs."""
        reopened = set()
        for uri, file in list(self.files.items()):
            project = self.projects.get(file.live.path)
            if project.settings != file.live.settings:
                self.open(uri, file.live.text, file.version)
                self.changed(uri)
                reopened.add(uri)
        return reopened

    def supports(self, capability: str) -> bool:
        """Whether the client states this capability (a dotted path, as pygls spells it)."""
        return bool(get_capability(self.client_capabilities, capability, False))


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("odyssey-dsl")
    except PackageNotFoundError:
        return "0"


def guarded(default: Callable[[], D]) -> Callable[[Callable[..., R]], Callable[..., R | D]]:
    """Log a handler's failure to the client and answer `default()` instead of an error."""
    def wrap(handler: Callable[..., R]) -> Callable[..., R | D]:
        @functools.wraps(handler)
        def run(ls: OdyServer, params: Any) -> R | D:
            try:
                return handler(ls, params)
            except Exception:
                ls.failed(handler.__name__)
                return default()
        return run
    return wrap


def build() -> OdyServer:
    """The server with every feature registered."""
    server = OdyServer()

    def none() -> None:
        return None

    def empty() -> list[Any]:
        return []

    @server.feature(types.INITIALIZE)
    @guarded(none)
    def initialize(ls: OdyServer, params: types.InitializeParams) -> None:
        ls.columns = Columns(ls.workspace.position_encoding or types.PositionEncodingKind.Utf16)
        _apply_options(ls, params.initialization_options)

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: OdyServer, params: None) -> None:
        """Requests after this one are answered with an error (pygls would drop them)."""
        if isinstance(ls.protocol, _Protocol):
            ls.protocol.shutting_down = True

    @server.feature(types.INITIALIZED)
    @guarded(none)
    def initialized(ls: OdyServer, params: types.InitializedParams) -> None:
        if ls.supports("workspace.did_change_watched_files.dynamic_registration"):
            watchers = [types.FileSystemWatcher(glob_pattern=f"**/{name}") for name in CONFIG_NAMES]
            ls.client_register_capability(types.RegistrationParams([types.Registration(
                id="ody-config", method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                register_options=types.DidChangeWatchedFilesRegistrationOptions(watchers),
            )]))

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    @guarded(none)
    def watched(ls: OdyServer, params: types.DidChangeWatchedFilesParams) -> None:
        """Read every configuration again, even one whose stamp looks unchanged (two writes
        within the file system's timestamp granularity)."""
        ls.projects.forget()
        ls.reload_projects()

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    @guarded(none)
    def configuration(ls: OdyServer, params: types.DidChangeConfigurationParams) -> None:
        settings = params.settings
        if isinstance(settings, dict) and isinstance(settings.get("ody"), dict):
            _apply_options(ls, settings["ody"])
            if ls.supports("workspace.inlay_hint.refresh_support"):
                ls.workspace_inlay_hint_refresh(None)

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    @guarded(none)
    def did_open(ls: OdyServer, params: types.DidOpenTextDocumentParams) -> None:
        document = params.text_document
        ls.open(document.uri, document.text, document.version)
        ls.changed(document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    @guarded(none)
    def did_change(ls: OdyServer, params: types.DidChangeTextDocumentParams) -> None:
        file = ls.files.get(params.text_document.uri)
        if file is None:
            return
        live = file.live
        for change in params.content_changes:
            if isinstance(change, types.TextDocumentContentChangePartial):
                start = ls.columns.point(live.line, change.range.start, live.line_count)
                end = ls.columns.point(live.line, change.range.end, live.line_count)
                live.edit(start, end, change.text)  # `edit` orders the two ends
            else:
                live.replace(change.text)
        file.version = params.text_document.version
        ls.changed(file.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    @guarded(none)
    def did_close(ls: OdyServer, params: types.DidCloseTextDocumentParams) -> None:
        closed = ls.files.pop(params.text_document.uri, None)
        ls.changed(params.text_document.uri, closed.reached if closed is not None else None)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    @guarded(none)
    def did_save(ls: OdyServer, params: types.DidSaveTextDocumentParams) -> None:
        """Images may have appeared or changed on disk since the last edit, and configuration
        files too: a client that cannot watch them (or whose watcher missed a change) still
        gets a changed ody.toml applied to every open file at the next save of any screenplay."""
        reopened = ls.reload_projects()
        file = ls.files.get(params.text_document.uri)
        if file is not None and file.uri not in reopened:
            file.live.recheck()
            ls.changed(file.uri)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    @guarded(none)
    def hover(ls: OdyServer, params: types.HoverParams) -> types.Hover | None:
        file = ls.files.get(params.text_document.uri)
        if file is None:
            return None
        live = file.live
        line, column = ls.columns.point(live.line, params.position, live.line_count)
        found = hover_at(live, line + 1, column + 1)
        if found is None:
            return None
        text, span = found
        markdown = types.MarkupKind.Markdown in (get_capability(
            ls.client_capabilities, "text_document.hover.content_format", None) or [types.MarkupKind.Markdown])
        kind = types.MarkupKind.Markdown if markdown else types.MarkupKind.PlainText
        return types.Hover(types.MarkupContent(kind, text if markdown else text.replace("**", "")),
                           ls.columns.range(live.line, span))

    @server.feature(types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=TRIGGERS))
    @guarded(none)
    def completion(ls: OdyServer, params: types.CompletionParams) -> types.CompletionList | None:
        file = ls.files.get(params.text_document.uri)
        if file is None:
            return None
        live = file.live
        line, column = ls.columns.point(live.line, params.position, live.line_count)
        snippets = ls.supports("text_document.completion.completion_item.snippet_support")
        context = Context(live, line, live.line(line), column,
                          file.live.path.parent if file.live.path is not None else None, snippets, ls.columns)
        return types.CompletionList(is_incomplete=False, items=complete(context))

    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    async def symbols(ls: OdyServer, params: types.DocumentSymbolParams) -> Encoded | list[Any]:
        """Answered when the worker thread is done (see `OpenFile.symbols`); as `guarded`, a
        failure is logged and answered with nothing."""
        try:
            file = ls.files.get(params.text_document.uri)
            if file is None:
                return []
            nested = ls.supports("text_document.document_symbol.hierarchical_document_symbol_support")
            # Changes already on their way go first: their diagnostics must not wait behind the
            # snapshot this outline takes on the loop, and an outline may wait a few ms.
            await asyncio.sleep(OUTLINE_YIELD)
            # shielded: a cancelled request must not cancel the outline other requests wait for
            return await asyncio.shield(file.symbols(ls.columns, nested))
        except Exception:
            ls.failed("symbols")
            return []

    @server.feature(types.TEXT_DOCUMENT_FORMATTING)
    @guarded(none)
    def formatting(ls: OdyServer, params: types.DocumentFormattingParams) -> list[types.TextEdit] | None:
        return _format(ls, params.text_document.uri, None)

    @server.feature(types.TEXT_DOCUMENT_RANGE_FORMATTING)
    @guarded(none)
    def range_formatting(ls: OdyServer, params: types.DocumentRangeFormattingParams) -> list[types.TextEdit] | None:
        start, end = params.range.start, params.range.end
        last = end.line - 1 if end.character == 0 and end.line > start.line else end.line
        return _format(ls, params.text_document.uri, (start.line, last))

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION,
                    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]))
    @guarded(empty)
    def code_action(ls: OdyServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        file = ls.files.get(params.text_document.uri)
        only = params.context.only
        if file is None or (only and not any(types.CodeActionKind.QuickFix.startswith(k) for k in only)):
            return []
        return code_actions(file.live, file.uri, params.range.start.line + 1, params.range.end.line + 1, ls.columns)

    @server.feature(types.TEXT_DOCUMENT_FOLDING_RANGE)
    @guarded(empty)
    def folding(ls: OdyServer, params: types.FoldingRangeParams) -> list[types.FoldingRange]:
        file = ls.files.get(params.text_document.uri)
        return folding_ranges(file.live) if file is not None else []

    @server.feature(types.TEXT_DOCUMENT_INLAY_HINT)
    @guarded(empty)
    def hints(ls: OdyServer, params: types.InlayHintParams) -> list[types.InlayHint]:
        file = ls.files.get(params.text_document.uri)
        if file is None or not ls.inlay_hints_on:
            return []
        return inlay_hints(file.live, params.range.start.line + 1, params.range.end.line + 1, ls.columns)

    navigation.register(server)
    return server


def _apply_options(ls: OdyServer, options: Any) -> None:
    """`initializationOptions` / the `ody` section of the settings: `{"inlayHints": false}`."""
    if isinstance(options, dict) and isinstance(options.get("inlayHints"), bool):
        ls.inlay_hints_on = options["inlayHints"]


def _format(ls: OdyServer, uri: str, lines: tuple[int, int] | None) -> list[types.TextEdit] | None:
    file = ls.files.get(uri)
    if file is None:
        return None
    # `ody fmt` refuses these too: bytes that are not UTF-8 would come back as lone surrogates,
    # and a file over max-bytes is not read at all
    refused = next((d for d in file.live.diagnostics if d.code in (NOT_UTF8.code, FILE_TOO_LARGE.code)), None)
    if refused is not None:
        ls.log(f"ody: not formatted: {refused.message}", types.MessageType.Info)
        return None
    edits = format_edits(file.live.text, file.live.settings.line_width, ls.columns, lines)
    if edits is None:
        ls.log("ody: not formatted: the file has syntax errors (ODY001-ODY009); fix them first",
               types.MessageType.Info)
    return edits


def serve(log_file: Path | None = None) -> None:
    """Speak LSP on stdin/stdout until the client says exit (or its input ends); exit with
    status 1 on a framing error."""
    if log_file is not None:
        logging.basicConfig(filename=log_file, level=logging.INFO,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    frames = _Frames(sys.stdin.buffer)
    # pygls only writes and flushes its output: that is all _Editor is
    build().start_io(io.BufferedReader(frames), cast(BinaryIO, _Editor(sys.stdout.buffer)))
    if frames.error is not None:
        print(f"ody lsp: {frames.error}; stopping, for the editor to start the server again", file=sys.stderr)
        raise SystemExit(1)
