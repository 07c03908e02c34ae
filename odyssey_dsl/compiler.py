"""The pipeline behind `ody compile` and `ody lint`: source → syntax → checks → entries.

Nothing here prints or exits: every outcome is a `Compilation` (diagnostics included) or,
for a file that cannot be read at all, a `SourceError` with a one-line message. The commands
run `compile_streamed`, which gives the same diagnostics and entries without ever holding the
syntax tree (a `Compilation` keeps it, for the formatter, the runner and other tools).
"""

from __future__ import annotations

import codecs
import os
import re
import stat
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO, NamedTuple

from . import images
from ._support.reads import read_at_most
from .checks import Checked, Checker, Options, Timed, check, run
from .compose import Prompt, ScriptName, Varying, combinations
from .config import Settings
from .diagnostics import IMAGE_PROBLEM, NOT_UTF8, SYNTAX_CODES, Diagnostic, Span, sort_key
from .emit import Entry, request_json, script_json
from .errors import OdyError
from .includes import Resolver
from .lines import position
from .spool import Spool
from .syntax import Comment, Document, Scene, iter_items, parse


class SourceError(OdyError):
    """A file that could not be read (missing, unreadable, too large): one line for the user."""


class Compilation(NamedTuple):
    """Everything known about one screenplay after compiling it."""

    path: Path | None
    source: str  # the decoded text, for showing the lines diagnostics point at
    document: Document
    checked: Checked
    diagnostics: tuple[Diagnostic, ...]
    scripts: tuple[tuple[Entry, ...], ...] | None  # None when there are errors
    names: tuple[ScriptName, ...] | None = None  # which scene and variant each script is
    # For each script, the index of the script whose recording's last frame it starts from
    # (`scene "night" after "day"`); None when it starts from its own prompt or image.
    after: tuple[int | None, ...] | None = None

    @property
    def options(self) -> Options:
        return self.checked.options

    @property
    def batch(self) -> bool:
        """Several scripts: scenes, or variants (one script per combination)."""
        return self.checked.has_scenes or any(s.groups for s in self.checked.scripts)

    @property
    def library(self) -> bool:
        """Header lines only (defines, styles, directives): nothing to compile on its own."""
        return self.checked.library

    @property
    def ok(self) -> bool:
        return not any(d.is_error for d in self.diagnostics)

    def script_json(self) -> str:
        """The canonical JSON of the `script` (or the array of `scripts`); needs `ok`."""
        assert self.scripts is not None, "a compilation with errors has no output"
        return script_json(self.scripts, self.batch)

    def request_json(self) -> str:
        assert self.scripts is not None, "a compilation with errors has no output"
        return request_json(self.scripts, self.batch, self.options.portrait, self.options.expansion)


def read_source(path: Path, max_bytes: int, *, wait: bool = True) -> bytes:
    """The bytes of a screenplay, refusing what is not a regular readable file or too large.
    `wait=False` (a file another names, or read again to see a change): opened non-blocking, a
    FIFO, a device or a socket is refused once open and a file with nothing to give yet
    (`/proc/kmsg`) is an error, never a wait; a file given on the command line (`wait`) is read
    as `cat` reads it, pipes included (`ody lint <(...)`)."""
    flags = 0 if wait else getattr(os, "O_NONBLOCK", 0)  # Windows has none, and no such files
    try:
        with open(path, "rb", opener=lambda name, mode: os.open(name, mode | flags)) as f:
            mode = os.fstat(f.fileno()).st_mode
            if not wait and not stat.S_ISREG(mode):
                from ._support.files import not_regular  # here: most lint runs include nothing

                raise SourceError(f"{path}: {not_regular(mode, path).strerror}")
            size = _size(f)
            if size is not None and size > max_bytes:
                raise SourceError(f"{path}: {too_large(size, max_bytes)}")
            data = read_at_most(f, max_bytes, size)
    except FileNotFoundError:
        raise SourceError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise SourceError(f"{path}: is a folder, not a file") from None
    except PermissionError:
        raise SourceError(f"{path}: permission denied") from None
    except BlockingIOError:  # only when not waiting
        raise SourceError(f"{path}: nothing to read without waiting (a stream, not a file)") from None
    except OSError as error:
        raise SourceError(f"{path}: cannot read it ({error.strerror or error})") from None
    except ValueError:  # "embedded null byte": an included path can hold anything
        raise SourceError(f"{path}: a file name cannot hold a NUL") from None
    if data is None:  # it grew, or is not a regular file
        raise SourceError(f"{path}: {too_large(None, max_bytes)}")
    return data


def _size(f: BinaryIO) -> int | None:
    info = os.fstat(f.fileno())
    return info.st_size if stat.S_ISREG(info.st_mode) else None


def too_large(size: int | None, limit: int) -> str:
    """`65.0 MiB is over the 64.0 MiB limit`, in bytes where MiB would hide the difference."""
    def amount(n: int) -> str:
        return f"{n / (1024 * 1024):.1f} MiB"

    if size is None:
        return f"over the {amount(limit) if limit >= 1024 * 1024 else f'{limit} byte'} limit (see --max-bytes)"
    if amount(size) == amount(limit):
        return f"{size} bytes is over the {limit} byte limit (see --max-bytes)"
    return f"{amount(size)} is over the {amount(limit)} limit (see --max-bytes)"


_WIDE_BOMS = (("UTF-32", codecs.BOM_UTF32_LE), ("UTF-32", codecs.BOM_UTF32_BE),
              ("UTF-16", codecs.BOM_UTF16_LE), ("UTF-16", codecs.BOM_UTF16_BE))


def decode(data: bytes) -> tuple[str, list[Diagnostic]]:
    """UTF-8 text (a BOM is dropped); a bad byte is reported where it is and replaced by U+FFFD.

    A file that is not UTF-8 nor text at all (an image, a PDF, a word processor's document,
    UTF-16 or UTF-32) is reported once, as what it looks like, and gives no text: every line of
    it would otherwise be a mistake of its own. Valid UTF-8 is always read as text, so that an
    editor, which is sent the text, finds what `ody lint` finds."""
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as error:
        bad = error.start  # counted after the BOM, which utf-8-sig drops first
    body = data.removeprefix(codecs.BOM_UTF8)
    for name, bom in _WIDE_BOMS:
        if data.startswith(bom):
            return "", [NOT_UTF8.at(Span(1, 1, 1, 2), f"the file is {name}, not UTF-8", _SAVE_AS_UTF8)]
    found = sniff(data)
    if found is not None:
        return "", [NOT_UTF8.at(Span(1, 1, 1, 2), *found)]
    # One U+FFFD per bad byte (Python's "replace" makes one of a cut multi-byte sequence):
    # editors count each such byte as one character, and columns must agree with them.
    text = body.decode("utf-8", errors="surrogateescape").translate(_ONE_PER_BYTE)
    prefix = body[:bad].decode("utf-8")
    line, column = position(prefix, len(prefix))
    more = len(_bad_lines(data)) - 1
    tail = f" (and on {more} more line{'s' if more > 1 else ''})" if more > 0 else ""
    return text, [NOT_UTF8.at(
        Span(line, column, line, column + 1), f"the file is not valid UTF-8: byte 0x{body[bad]:02x} cannot be read{tail}",
        "save the file as UTF-8; unreadable bytes are shown as �",
    )]


_ONE_PER_BYTE = {0xDC80 + byte: 0xFFFD for byte in range(128)}  # surrogateescape's stand-ins
_SAVE_AS_UTF8 = "save it as UTF-8 (most editors offer the encoding in “Save as”)"
_IMAGE_HELP = 'a screenplay is a text file; an image is used from one: `@0 start "..." image "picture.png"`'
_DOCUMENT_HELP = "save it as plain text (UTF-8) from the word processor, or paste its text into a new `.ody` file"
_OTHER_HELP = "a screenplay is a text file: check that this is the file you meant"
# (what the first bytes say the file is, and the help): the formats a screenplay gets mistaken for.
_MAGIC: tuple[tuple[bytes, str, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image", _IMAGE_HELP),
    (b"\xff\xd8\xff", "a JPEG image", _IMAGE_HELP),
    (b"GIF87a", "a GIF image", _IMAGE_HELP),
    (b"GIF89a", "a GIF image", _IMAGE_HELP),
    (b"%PDF-", "a PDF document", _DOCUMENT_HELP),
    (b"PK\x03\x04", "a ZIP archive (Word, OpenDocument and Pages files are ZIP archives)", _DOCUMENT_HELP),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a Microsoft Office document", _DOCUMENT_HELP),
    (b"\x1f\x8b", "a gzip archive", _OTHER_HELP),
)
_RIFF = {b"WEBP": ("a WebP image", _IMAGE_HELP), b"WAVE": ("a WAV sound", _OTHER_HELP),
         b"AVI ": ("an AVI video", _OTHER_HELP)}
_FTYP = {b"heic": "a HEIC image", b"heix": "a HEIC image", b"mif1": "a HEIF image", b"avif": "an AVIF image",
         b"qt  ": "a QuickTime movie"}


def sniff(data: bytes) -> tuple[str, str] | None:
    """What a file that is not UTF-8 looks like, from its first bytes, said in a message and its
    help, or None (a text file with a few bad bytes): known formats by their signature, UTF-16
    without a byte-order mark by its zero bytes, and any other file with a zero byte on its
    first line (as git tells binaries)."""
    what = _signature(data)
    if what is not None:
        return f"this looks like {what[0]}, not a text file", what[1]
    head = data[:8000]
    line = head[:head.find(b"\n")] if b"\n" in head else head
    if b"\x00" not in line:
        return None
    sample = head[:64] if len(head) >= 64 else head[:len(head) - len(head) % 2]
    for high, low in ((sample[1::2], sample[0::2]), (sample[0::2], sample[1::2])):
        # Latin text in UTF-16: most high bytes zero, no low byte zero
        if sample and high.count(0) * 4 >= len(high) * 3 and 0 not in low:
            return "the file is UTF-16 (without a byte-order mark), not UTF-8", _SAVE_AS_UTF8
    what = ("a BMP image", _IMAGE_HELP) if data.startswith(b"BM") else ("a binary file", _OTHER_HELP)
    return f"this looks like {what[0]}, not a text file", what[1]


def _signature(data: bytes) -> tuple[str, str] | None:
    """The format a file's signature names (with the help to show), or None."""
    for magic, what, help in _MAGIC:
        if data.startswith(magic):
            return what, help
    if data.startswith(b"RIFF") and data[8:12] in _RIFF:
        return _RIFF[data[8:12]]
    if data[4:8] == b"ftyp":
        brand = data[8:12]
        return _FTYP.get(brand, "an MP4 video"), _IMAGE_HELP if brand in _FTYP and brand != b"qt  " else _OTHER_HELP
    return None


def _bad_lines(data: bytes) -> set[int]:
    """The lines holding bytes that are not UTF-8: their syntax errors are that one mistake."""
    text = data.decode("utf-8-sig", errors="surrogateescape")
    return {position(text, m.start())[0] for m in UNREADABLE.finditer(text)}


#: A byte that was not UTF-8, as `surrogateescape` (and an editor's text, `lsp.positions`) keeps it.
UNREADABLE = re.compile("[\udc80-\udcff]")


def compile_text(
    source: str | bytes,
    *,
    path: Path | None = None,
    settings: Settings | None = None,
    embed_images: bool = True,
    check_images: bool = True,
    resolver: Resolver | None = None,
) -> Compilation:
    """Compile a screenplay; `path` names it for image paths (its folder), its includes and
    messages.

    With `embed_images`, image files become data URLs in the output; without, paths stay
    as written. `check_images=False` skips reading image files (the paths are still kept).
    `resolver` reads the files it includes (default: from disk, relative to `path`), so that
    a tool can serve the text of files not saved yet.
    """
    settings = settings or Settings()
    resolver = resolver or file_resolver(settings.max_bytes)
    source, extra, bad_lines = _decoded(source)
    document = parse(source)
    if extra:
        kept = [d for d in document.diagnostics if _kept(d, bad_lines)]
        document = document._replace(diagnostics=tuple(sorted(extra + kept, key=sort_key)))
        if not source:  # not UTF-8 at all: nothing else to say
            return Compilation(path, source, document, Checked(Options(), (), False, ()), tuple(extra), None)
    base = _base(path) if check_images else None
    checked = check(document, base, settings.ignore, settings.max_duration_ms, path, resolver)
    diagnostics = list(checked.diagnostics)
    scripts = names = after = None
    if not any(d.is_error for d in diagnostics) and not checked.library:
        made = [(s.scene, list(zip(s.cues, s.prompts, strict=True)), s.groups) for s in checked.scripts]
        scripts, names, after, problems = _entries(made, base if embed_images else None)
        diagnostics += problems
    diagnostics.sort(key=sort_key)
    if any(d.is_error for d in diagnostics):
        scripts = names = after = None
    return Compilation(path, source, document, checked, tuple(diagnostics), scripts, names, after)


def file_resolver(max_bytes: int) -> Resolver:
    """Reads included files from disk: UTF-8 and at most `max_bytes`, as screenplays are, and
    regular files only (a FIFO an include names would block lint, preview and the editor's
    server until something wrote to it)."""

    def resolve(path: Path) -> str:
        text, problems = decode(read_source(path, max_bytes, wait=False))
        if problems:  # a few bad bytes (the first one's line said), or not text at all
            where = f" (line {problems[0].span.line})" if text else ""
            raise SourceError(f"{path}: {problems[0].message}{where}")
        return text

    return resolve


class Streamed(NamedTuple):
    """What `ody lint` and `ody compile` need of a compile, made without ever holding the
    syntax tree: the diagnostics in order in a `Spool`, and the entries when they were asked
    for and there is no error. The same outputs as `compile_text` (a test compares them)."""

    source: str
    diagnostics: Spool
    options: Options
    batch: bool
    scripts: tuple[tuple[Entry, ...], ...] | None
    names: tuple[ScriptName, ...] | None = None
    library: bool = False
    after: tuple[int | None, ...] | None = None  # as `Compilation.after`


def compile_streamed(data: bytes, *, path: Path | None, settings: Settings, entries: bool,
                     embed_images: bool = True, resolver: Resolver | None = None) -> Streamed:
    """`compile_text` for the command line: each item is checked as it is parsed and let go,
    and a cue only leaves its entry (with `entries`) behind, so that memory follows the input,
    not its syntax tree; a file with an error on every line keeps its diagnostics pickled."""
    source, extra, bad_lines = _decoded(data)
    if extra and not source:  # not UTF-8 at all: nothing else to say
        spool = Spool()
        for d in extra:
            spool.add(0, d)
        return Streamed(source, spool, Options(), False, None)
    text = source.removeprefix("\ufeff")  # as `parse` reads it
    base = _base(path)

    def feed(checker: Checker[Entry | tuple[Timed, Prompt]]) -> None:
        checker.syntax(extra)
        for item in iter_items(text):
            if bad_lines and not isinstance(item, Comment):
                checker.syntax(d for d in item.diagnostics if _kept(d, bad_lines))
                checker.add(item, syntax=False)
            else:
                checker.add(item)

    keep = _light if entries else None
    resolver = resolver or file_resolver(settings.max_bytes)
    checker: Checker[Entry | tuple[Timed, Prompt]]
    checker, options = run(lambda assumed: Checker(base, settings.ignore, 1, assumed, keep,
                                                   max_duration_ms=settings.max_duration_ms, path=path,
                                                   resolver=resolver),
                           feed, settings.max_duration_ms)
    scripts = names = after = None
    if entries and not checker.spool.errors and not checker.library:
        made = [(scene, cues, groups) for (scene, cues), groups in zip(checker.scripts, checker.groups, strict=True)]
        scripts, names, after, problems = _entries(made, base if embed_images else None)
        for d in problems:
            checker.late(d)
        scripts = None if problems else scripts
    batch = checker.has_scenes or any(checker.groups)
    return Streamed(source, checker.spool, options, batch, scripts, names, checker.library, after)


def _decoded(source: str | bytes) -> tuple[str, list[Diagnostic], set[int]]:
    """The text, the encoding's problem (if any) and the lines holding bytes that are not UTF-8."""
    if isinstance(source, str):
        return source, [], set()
    text, extra = decode(source)
    return text, extra, _bad_lines(source) if extra else set()


def _kept(d: Diagnostic, bad_lines: set[int]) -> bool:
    """A diagnostic that is not a syntax error of a line with bytes that are not UTF-8
    (reported once, as such)."""
    return d.span.line not in bad_lines or d.code not in SYNTAX_CODES


def _base(path: Path | None) -> Path:
    """Where image paths start: the screenplay's folder."""
    return path.parent if path is not None else Path.cwd()


def _light(timed: Timed, prompt: Prompt) -> Entry | tuple[Timed, Prompt]:
    """What a compile keeps of a cue: its entry, or the cue itself while its image is still to
    be read or its prompt varies (or its time is unknown: there is an error, no entry will be
    made)."""
    cue = timed.cue
    if cue.image is not None or timed.ms is None or isinstance(prompt, Varying):
        return timed, prompt
    return Entry(timed.ms, cue.action, prompt)


def compile_path(path: Path, settings: Settings | None = None, embed_images: bool = True,
                 check_images: bool = True) -> Compilation:
    """Read and compile a file; raises SourceError when it cannot be read."""
    settings = settings or Settings()
    return compile_text(read_source(path, settings.max_bytes), path=path, settings=settings,
                        embed_images=embed_images, check_images=check_images)


Made = tuple[Scene | None, Sequence[Entry | tuple[Timed, Prompt]], tuple[tuple[str, ...], ...]]


def _entries(
    scripts: Sequence[Made], embed_from: Path | None
) -> tuple[tuple[tuple[Entry, ...], ...], tuple[ScriptName, ...], tuple[int | None, ...], list[Diagnostic]]:
    """The API entries of each script (one per combination of its variants), which script
    each is, which script's last frame each starts from (`Compilation.after`), and the images
    that could not be read; image files are read and embedded here, once, when asked."""
    out: list[tuple[Entry, ...]] = []
    names: list[ScriptName] = []
    found: list[Diagnostic] = []
    continues: list[str | None] = []  # per script, the name of the scene it continues
    for scene, cues, groups in scripts:
        entries: list[Entry] = []
        prompts: list[Prompt] = []
        for kept in cues:
            if isinstance(kept, Entry):
                entries.append(kept)
                prompts.append(kept.prompt)
                continue
            timed, prompt = kept
            cue = timed.cue
            assert timed.ms is not None
            image = cue.image.value if cue.image is not None else None
            if cue.image is not None and image is not None and embed_from is not None and not images.is_data_url(image):
                embedded = images.data_url(images.image_path(image, embed_from))
                if isinstance(embedded, images.ImageProblem):
                    found.append(IMAGE_PROBLEM.at(cue.image.span, embedded.message, embedded.help))
                    continue
                image = embedded
            entries.append(Entry(timed.ms, cue.action, None, image))
            prompts.append(prompt)
        name = scene.name.value if scene is not None else None
        parent = scene.after.value if scene is not None and scene.after is not None else None
        if not groups:
            out.append(tuple(e._replace(prompt=p) if isinstance(p, str) else e for e, p in zip(entries, prompts, strict=True)))
            names.append(ScriptName(name, None))
            continues.append(parent)
            continue
        for number, (choice, filled) in enumerate(combinations(prompts, groups), 1):
            out.append(tuple(e._replace(prompt=p) for e, p in zip(entries, filled, strict=True)))
            names.append(ScriptName(name, number, choice))
            continues.append(parent)
    return tuple(out), tuple(names), _continued(names, continues), found


def _continued(names: Sequence[ScriptName], continues: Sequence[str | None]) -> tuple[int | None, ...]:
    """Per script, the index of the script of the scene it continues (None: none). Called once
    the checks passed: each name an `after` gives is a scene without variants, so one script."""
    index = {name.scene: i for i, name in reversed(list(enumerate(names)))}
    return tuple(None if parent is None else index[parent] for parent in continues)
