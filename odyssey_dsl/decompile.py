"""`ody decompile`: a script, batch or request body (JSON or a Python literal) as a .ody file.

People already have scripts as JSON files or as Python lists in their code. They must be able
to turn any of them into a screenplay in one step and get the same bytes back from `ody
compile`. So reading is strict about what the language cannot say (a negative or fractional
time, an unknown key, two actions in one entry: an error placed in the input) and writing is
faithful about everything else, even a script that breaks the rules (no `end`, out of order):
the compiler then reports those in the new file, where the writer will fix them.

Stages: text → `Node` tree with positions (JSON through `jsonpos`, the reader of `ody check`;
Python through `ast`, whose literals are evaluated with `ast.literal_eval`, never executed) →
`Screenplay` (API entries, settings, and the comments of a Python source placed by position)
→ .ody text → `fmt.format_text`, so that the output is already in the canonical layout.
"""

from __future__ import annotations

import ast
import base64
import io
import os
import re
import tokenize
import warnings
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

from . import images, jsonpos
from .api.request import ACTION_KEYS, ACTIONS, ENTRY_KEYS, REQUEST_KEYS, SOURCES
from .compiler import decode
from .diagnostics import INVALID_JSON, NOT_A_SCRIPT, Descriptor, Diagnostic, Span, closest
from .emit import Entry
from .jsoncheck import FLAGS
from .jsonpos import Node
from .lines import normalized
from .strings import quote
from .templates import escape
from .times import MAX_MS, format_ms

# The API's keys, and one leniency: `image` is accepted on every action. The language can
# write it anywhere (the compiler then reports it on `interact` and `end`, ODY107), so such a
# script still converts faithfully.
_BODY_KEYS = {action: (*keys, "image") if "image" not in keys else keys for action, keys in ACTION_KEYS.items()}
_SCRIPTS = tuple(key for key in SOURCES if key != "script_url")  # the sources a .ody file can hold
_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "image/webp": "webp",
               "image/heic": "heic", "image/heif": "heif", "image/avif": "avif", "image/bmp": "bmp"}
_SURROGATE = re.compile("[\ud800-\udfff]")
_KINDS = {"object": "an object", "array": "an array", "string": "a string", "number": "a number",
          "true": "a boolean", "false": "a boolean", "null": "null"}


class DecompileError(Exception):
    """The input is not a script, or says what the language cannot: one diagnostic placed in
    the input (ODY301 unreadable text, ODY302 anything else), and `source`, the input's text,
    to show the line it points at."""

    def __init__(self, diagnostic: Diagnostic, source: str = "") -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic
        self.source = source


@dataclass
class Comments:
    """The comments of a Python source, by where they go in the .ody file. Keys are (script,
    entry); in a batch, the comments before entry 0 go above the `scene` line."""

    header: list[str] = field(default_factory=list)  # before the value: the top of the file
    before: dict[tuple[int, int], list[str]] = field(default_factory=dict)  # full-line comments
    trailing: dict[tuple[int, int], str] = field(default_factory=dict)  # after the entry, same line
    footer: list[str] = field(default_factory=list)  # after the last entry


@dataclass
class Screenplay:
    """What the input says, in the compiler's terms: what `ody compile` must give back."""

    scripts: list[list[Entry]]
    batch: bool
    request: bool = False  # a request body: compile it back with `--request`
    portrait: bool = True
    expansion: bool = True
    comments: Comments = field(default_factory=Comments)


@dataclass(frozen=True)
class _Unit:
    """An entry (or an empty script of a batch): where it is, for placing comments."""

    span: Span
    key: tuple[int, int]
    entry: bool


def decompile(source: str | bytes, *, name: str | None = None, relative: bool = False,
              scene_names: Sequence[str] | None = None, image_ref: Callable[[str], str] | None = None,
              line_width: int = 100) -> str:
    """The formatted .ody text of a script, batch or request body (see `load` and `write`)."""
    return write(load(source, name=name), relative=relative, scene_names=scene_names,
                 image_ref=image_ref, line_width=line_width)


# --- reading -----------------------------------------------------------------------------------

def load(source: str | bytes, *, name: str | None = None) -> Screenplay:
    """Read JSON or a Python literal (a value, or one assignment `script = [...]`).

    `name`, a file name, picks the reader by its suffix (`.json`, `.py`); otherwise JSON is
    tried first, then Python. When Python reads text that is not JSON, its error is reported;
    when neither reads it, the error of the one that got further: that is the language the
    text was meant to be. Raises DecompileError.
    """
    text = source if isinstance(source, str) else _decoded(source)
    try:
        if not text.strip():
            _fail("the input is empty: expected a script, a batch or a request body", Span(1, 1, 1, 1), kind=INVALID_JSON)
        suffix = Path(name).suffix.lower() if name else ""
        if suffix == ".py":
            return _from_python(text)
        try:
            return _from_json(text)
        except DecompileError as json_error:
            if suffix == ".json" or json_error.diagnostic.code != INVALID_JSON.code:
                raise
            try:
                return _from_python(text)
            except DecompileError as python_error:
                read = python_error.diagnostic.code != INVALID_JSON.code  # Python read it all
                raise python_error if read or _place(python_error) > _place(json_error) else json_error from None
    except DecompileError as error:
        error.source = text
        raise


def _decoded(data: bytes) -> str:
    text, problems = decode(data)
    if problems:
        raise DecompileError(problems[0], text)
    return text


def _place(error: DecompileError) -> tuple[int, int]:
    return error.diagnostic.span.line, error.diagnostic.span.column


def _fail(message: str, span: Span, help: str | None = None, kind: Descriptor = NOT_A_SCRIPT) -> NoReturn:
    raise DecompileError(kind.at(span, message, help))


def _from_json(text: str) -> Screenplay:
    """JSON, read with positions by `ody check`'s reader (one JSON reader in the project);
    an error is placed in lines and columns only once it is raised."""
    try:
        return _screenplay(jsonpos.read(text))[0]
    except jsonpos.JsonProblem as shape:
        diagnostic = shape.diagnostic
    except DecompileError as error:
        diagnostic = error.diagnostic
    raise DecompileError(jsonpos.Lines(text).diagnostic(diagnostic))


def _from_python(text: str) -> Screenplay:
    """A Python literal, its comments placed by position. `ast` columns count UTF-8 bytes:
    they are compared as such and turned into characters only for an error message."""
    text = normalized(text)  # as `ast` reads it; same lines
    lines = text.split("\n")
    try:
        root = _python_value(text, lines)
        play, units = _screenplay(root)
    except DecompileError as error:
        raise DecompileError(_in_characters(error.diagnostic, lines)) from None
    play.comments = _comments(_python_comments(text), root.span, units)
    return play


def _python_value(text: str, lines: list[str]) -> Node:
    """The one value of a Python source: an expression, or the value of one assignment."""
    try:
        with warnings.catch_warnings():  # "invalid escape sequence": Python's meaning is kept
            warnings.simplefilter("ignore")
            module = ast.parse(text)
    except SyntaxError as error:  # its offset already counts characters
        line, column = error.lineno or 1, error.offset or 1
        byte = len(lines[line - 1][:column - 1].encode("utf-8")) + 1 if line <= len(lines) else column
        _fail(f"neither JSON nor a Python literal: {error.msg}", Span(line, byte, line, byte + 1),
              "a script is a JSON array, or a Python list of dicts", kind=INVALID_JSON)
    except ValueError as error:  # a NUL character
        _fail(f"neither JSON nor a Python literal: {error}", Span(1, 1, 1, 2), kind=INVALID_JSON)
    except (MemoryError, RecursionError):
        _fail("the input is nested too deeply to read", Span(1, 1, 1, 2), kind=INVALID_JSON)
    body = module.body
    statement = body[0] if body else None
    value = None
    if isinstance(statement, ast.Expr | ast.AnnAssign) or (
            isinstance(statement, ast.Assign) and len(statement.targets) == 1):
        value = statement.value
    if len(body) != 1 or value is None:
        extra = body[1] if value is not None else statement
        assert extra is not None
        _fail("expected one value, or one assignment such as `script = [...]`", _python_span(extra),
              "decompile reads a literal and never runs code: keep only the script's value")
    return _python_node(value)


def _python_node(node: ast.expr) -> Node:
    """Containers by structure (to keep positions), everything else by `ast.literal_eval`."""
    span = _python_span(node)
    if isinstance(node, (ast.List, ast.Tuple)):
        return Node("array", [_python_node(item) for item in node.elts], span)
    if isinstance(node, ast.Dict):
        pairs: dict[str, tuple[Node, Node]] = {}
        for key_node, value_node in zip(node.keys, node.values):
            if key_node is None:
                _fail("`**` unpacking is not a literal value", _python_span(value_node))
            key = _python_node(key_node)
            if key.kind != "string":
                _fail(f"a key must be a string, not {_describe(key)}", key.span)
            if key.value in pairs:
                _fail(f"key `{key.value[:30]}` appears twice", key.span)
            pairs[key.value] = (key, _python_node(value_node))
        return Node("object", pairs, span)
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        _fail("not a literal value: decompile reads values and never runs code", span,
              "write the value itself: a string, a number, True, False, None, a list or a dict")
    if value is None:
        return Node("null", None, span)
    if isinstance(value, bool):
        return Node("true" if value else "false", value, span)
    if isinstance(value, (int, float)):
        return Node("number", value, span)
    if isinstance(value, str):
        if _SURROGATE.search(value):
            _fail("this string contains a lone surrogate", span,
                  "a character above U+FFFF is one character in Python: write it as is or as \\U0001f600")
        return Node("string", value, span)
    return Node("other", type(value).__name__, span)


def _python_span(node: ast.expr | ast.stmt) -> Span:
    """Lines, and columns in UTF-8 bytes (1-based), as `ast` gives them."""
    line, column = node.lineno, node.col_offset
    end_line, end_column = node.end_lineno or line, node.end_col_offset or column
    return Span(line, column + 1, end_line, end_column + 1)


def _in_characters(diagnostic: Diagnostic, lines: list[str]) -> Diagnostic:
    """A diagnostic with byte columns, as `ast` counts, moved to character columns."""
    def column(line: int, byte: int) -> int:
        text = lines[line - 1].encode("utf-8") if line <= len(lines) else b""
        return len(text[:byte - 1].decode("utf-8", "ignore")) + 1

    span = diagnostic.span
    fixed = Span(span.line, column(span.line, span.column), span.end_line, column(span.end_line, span.end_column))
    return Diagnostic(diagnostic.code, diagnostic.message, fixed, diagnostic.help)


def _python_comments(text: str) -> list[tuple[int, int, str]]:
    """Every `# comment` as (line, 1-based byte column, text)."""
    found = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT:
                line, column = token.start
                found.append((line, len(token.line[:column].encode("utf-8")) + 1, token.string.rstrip()))
    except (tokenize.TokenError, SyntaxError):  # cannot happen once `ast` has read the text
        pass
    return found


def _comments(found: list[tuple[int, int, str]], root: Span, units: list[_Unit]) -> Comments:
    """Place each comment: before the value → header; on the line where an entry ends →
    trailing comment of that entry; else above the next entry (or the scene it opens, or the
    entry it sits inside); after the last entry → footer."""
    out = Comments()
    ends = [(u.span.end_line, u.span.end_column) for u in units]
    for line, column, text in found:
        where = (line, column)
        if where < (root.line, root.column):
            out.header.append(text)
            continue
        index = bisect_right(ends, where)
        previous = units[index - 1] if index else None
        inside = index < len(units) and (units[index].span.line, units[index].span.column) < where
        if previous is not None and previous.entry and previous.span.end_line == line and not inside \
                and previous.key not in out.trailing:
            out.trailing[previous.key] = text
        elif index < len(units):
            out.before.setdefault(units[index].key, []).append(text)
        else:
            out.footer.append(text)
    return out


# --- the shape of a script ---------------------------------------------------------------------

def _screenplay(root: Node) -> tuple[Screenplay, list[_Unit]]:
    if root.kind == "object":
        return _request(root)
    if root.kind != "array":
        _fail(f"expected a script (an array of entries), a batch (an array of scripts) or a request "
              f"body (an object), not {_describe(root)}", root.span)
    batch = bool(root.value) and root.value[0].kind == "array"
    scripts, units = _scripts(root, batch)
    return Screenplay(scripts, batch), units


def _request(root: Node) -> tuple[Screenplay, list[_Unit]]:
    pairs = root.value
    _known(pairs, REQUEST_KEYS, "the request body")
    if "script_url" in pairs:
        _fail("`script_url` points to a script elsewhere: decompile that file instead", pairs["script_url"][0].span)
    present = [k for k in _SCRIPTS if k in pairs]
    if len(present) != 1:
        span = pairs[present[1]][0].span if present else root.span
        _fail("a request body has exactly one of `script` and `scripts`", span)
    flags = {}
    for name in FLAGS:
        if name in pairs:
            value = pairs[name][1]
            if value.kind not in ("true", "false"):
                _fail(f"`{name}` must be true or false, not {_describe(value)}", value.span)
            flags[name] = value.value
    if flags.get("output_video") is False:
        _fail("`output_video: false` cannot be written: a .ody file always asks for the video",
              pairs["output_video"][1].span, "remove `output_video`, or set it to true")
    key = present[0]
    value = pairs[key][1]
    if value.kind != "array":
        _fail(f"`{key}` must be an array of {'scripts' if key == 'scripts' else 'entries'}, not {_describe(value)}",
              value.span)
    if key == "scripts" and not value.value:
        _fail("`scripts` is empty: a batch needs at least one script, a scene of the .ody file", value.span)
    scripts, units = _scripts(value, key == "scripts")
    play = Screenplay(scripts, batch=key == "scripts", request=True, portrait=flags.get("portrait", True),
                      expansion=not flags.get("bypass_vlm_expansion", False))
    return play, units


def _scripts(node: Node, batch: bool) -> tuple[list[list[Entry]], list[_Unit]]:
    scripts, units = [], []
    for k, array in enumerate(node.value if batch else [node]):
        if array.kind != "array":
            _fail(f"expected a script (an array of entries) in this batch, not {_describe(array)}", array.span)
        entries = []
        for i, item in enumerate(array.value):
            entries.append(_entry(item))
            units.append(_Unit(item.span, (k, i), True))
        if not entries:
            units.append(_Unit(array.span, (k, 0), False))
        scripts.append(entries)
    return scripts, units


def _entry(node: Node) -> Entry:
    """`{"timestamp_ms": N, "<action>": {...}}`; `"image": null` means no image."""
    if node.kind == "entry":  # the usual spelling, read at once
        m: re.Match[str] = node.value
        groups = jsonpos.GROUPS[m.lastgroup or ""]
        action = groups.action
        values = {key: jsonpos.member_value(m.group(group)) for key, (_, group) in groups.members.items()
                  if m.start(group) >= 0}
        ms = int(m.group(groups.ms))
        if ms <= MAX_MS and (action == "end" or values.get("prompt") is not None):
            return Entry(ms, action, values.get("prompt"), values.get("image"))
        node = jsonpos.expand(node)
    if node.kind != "object":
        _fail(f'expected an entry such as {{"timestamp_ms": 0, "start": {{"prompt": "..."}}}}, '
              f"not {_describe(node)}", node.span)
    pairs = node.value
    _known(pairs, ENTRY_KEYS, "an entry")
    if "timestamp_ms" not in pairs:
        _fail("this entry has no `timestamp_ms`", node.span, 'add "timestamp_ms": <milliseconds>')
    ms = _timestamp(pairs["timestamp_ms"][1])
    actions = [k for k in pairs if k in ACTIONS]
    if not actions:
        _fail("this entry has no action: `start`, `interact` or `end`", node.span)
    if len(actions) > 1:
        _fail(f"two actions in one entry: `{actions[0]}` and `{actions[1]}`", pairs[actions[1]][0].span,
              "write one entry per action, each with its own `timestamp_ms`")
    action = actions[0]
    body = pairs[action][1]
    if body.kind != "object":
        _fail(f"`{action}` must be an object, not {_describe(body)}", body.span,
              "write {}" if action == "end" else 'write {"prompt": "..."}')
    _known(body.value, _BODY_KEYS[action], f"`{action}`")
    prompt, image = _string(body, "prompt"), _string(body, "image")
    if action != "end" and prompt is None:
        _fail(f"`{action}` has no `prompt`", body.span, 'write {"prompt": "..."}')
    return Entry(ms, action, prompt, image)


def _timestamp(node: Node) -> int:
    value = node.value
    if node.kind == "number" and isinstance(value, int):
        if value < 0:
            _fail("a negative `timestamp_ms` cannot be written: times count from the start of the video", node.span)
        if value > MAX_MS:
            _fail("this `timestamp_ms` is too large", node.span, f"the largest time is {MAX_MS} ms")
        return value
    if node.kind == "number":
        whole = isinstance(value, float) and value.is_integer() and 0 <= value <= MAX_MS
        _fail("`timestamp_ms` must be a whole number of milliseconds, without a fraction or exponent",
              node.span, f"write {int(value)}" if whole else "times are sent in whole milliseconds")
    if node.kind == "string":
        hint = f"write {value} without quotes" if value.isascii() and value.isdigit() else None
        _fail("`timestamp_ms` must be a number, not a string", node.span, hint)
    _fail(f"`timestamp_ms` must be a whole number of milliseconds, not {_describe(node)}", node.span)


def _string(body: Node, key: str) -> str | None:
    if key not in body.value or body.value[key][1].kind == "null":
        return None
    value = body.value[key][1]
    if value.kind != "string":
        _fail(f"`{key}` must be a string, not {_describe(value)}", value.span)
    text: str = value.value
    return text


def _known(pairs: dict[str, tuple[Node, Node]], known: tuple[str, ...], where: str) -> None:
    for name, (key, _) in pairs.items():
        if name not in known:
            guess = closest(name, known)
            keys = ", ".join(f"`{k}`" for k in known)
            _fail(f"unknown key `{name[:30]}` in {where}: the language has no way to write it", key.span,
                  f"did you mean `{guess}`?" if guess else f"the keys here are {keys}" if known else f"{where} takes no keys")


def _describe(node: Node) -> str:
    return _KINDS.get(jsonpos.expand(node).kind) or f"a Python {node.value}"


# --- writing -----------------------------------------------------------------------------------

def write(play: Screenplay, *, relative: bool = False, scene_names: Sequence[str] | None = None,
          image_ref: Callable[[str], str] | None = None, line_width: int = 100) -> str:
    """The .ody text, in the formatter's canonical layout.

    Times are absolute in the canonical spelling (`format_ms`); with `relative`, each cue
    after the first of its script is `+gap` unless it is earlier than the cue before it.
    `image_ref` maps a data URL to what to write instead (see `ImageFiles`). Raises
    ValueError for scene names that do not fit the input.
    """
    from .fmt import format_text  # the formatter is only needed here

    names = _scene_names(play, scene_names)
    return format_text(_draft(play, relative, names, image_ref), line_width=line_width)


def _scene_names(play: Screenplay, given: Sequence[str] | None) -> list[str]:
    if given is None:
        return [f"scene-{k}" for k in range(1, len(play.scripts) + 1)]
    names = list(given)
    if not play.batch:
        raise ValueError("scene names are for a batch (an array of scripts); this input is one script")
    if len(names) != len(play.scripts):
        raise ValueError(f"{len(names)} scene names given for a batch of {len(play.scripts)} scripts")
    for name in names:
        if not name.strip() or _SURROGATE.search(name):
            raise ValueError(f"{name!r} is not a scene name: a name is text that is not blank")
        if names.count(name) > 1:
            raise ValueError(f"scene name {name!r} is given twice: names must be unique")
    return names


def _draft(play: Screenplay, relative: bool, names: list[str], image_ref: Callable[[str], str] | None) -> str:
    notes = play.comments
    lines = [*notes.header, ""] if notes.header else []
    directives = ["orientation landscape"] * (not play.portrait) + ["prompt-expansion off"] * (not play.expansion)
    lines += [*directives, ""] if directives else []
    for k, script in enumerate(play.scripts):
        if play.batch:
            lines += [""] if k else []
            lines += [*notes.before.get((k, 0), []), f"scene {quote(names[k])}"]
        previous: int | None = None
        for i, entry in enumerate(script):
            if not (play.batch and i == 0):
                lines += notes.before.get((k, i), [])
            line = f"@{_time(entry.timestamp_ms, previous if relative else None)} {entry.action}"
            if entry.prompt is not None:  # braces doubled: in a prompt they are a template's
                line += " " + quote(escape(entry.prompt))
            if entry.image is not None:
                ref = image_ref(entry.image) if image_ref and images.is_data_url(entry.image) else entry.image
                line += " image " + quote(ref)
            if (k, i) in notes.trailing:
                line += "  " + notes.trailing[(k, i)]
            lines.append(line)
            previous = entry.timestamp_ms
    lines += ["", *notes.footer] if notes.footer else []
    return "\n".join(lines) + "\n"


def _time(ms: int, previous: int | None) -> str:
    """`+gap` after a cue that is not later (a gap cannot be negative), else absolute."""
    if previous is not None and ms >= previous:
        return "+" + format_ms(ms - previous)
    return format_ms(ms)


class ImageFiles:
    """`--extract-images`: writes start images given as data URLs to `<stem>-<n>.<ext>` files in
    `folder` and gives the path to write instead, relative to `base` (the folder of the .ody
    file, against which the compiler resolves it).

    Only a data URL that compiling the file gives back byte for byte is extracted: one whose
    declared type is the sniffed one, in the canonical `data:<type>;base64,` form; any other
    stays inline. An existing file is never overwritten: one with the same bytes is reused,
    one with others is skipped for the next number.
    """

    def __init__(self, folder: Path, stem: str, base: Path) -> None:
        self.folder, self.stem, self.base = folder, stem, base
        self.files: dict[str, Path] = {}  # data URL → the file that holds it
        self._number = 1

    def __call__(self, ref: str) -> str:
        if ref not in self.files:
            decoded = images.decode_data_url(ref)
            if isinstance(decoded, images.ImageProblem):
                return ref
            mime, data = decoded
            if ref != f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}":
                return ref
            self.files[ref] = self._store(data, _EXTENSIONS[mime])
        return self._reference(self.files[ref])

    def _store(self, data: bytes, extension: str) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        while True:
            path = self.folder / f"{self.stem}-{self._number}.{extension}"
            self._number += 1
            try:
                with open(path, "xb") as file:
                    try:
                        file.write(data)
                    except BaseException:
                        path.unlink(missing_ok=True)
                        raise
                return path
            except FileExistsError:
                if path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data:
                    return path

    def _reference(self, path: Path) -> str:
        try:
            text = Path(os.path.relpath(path, self.base)).as_posix()
        except ValueError:  # another drive: only an absolute path reaches it
            text = path.absolute().as_posix()
        return "./" + text if images.is_data_url(text) else text
