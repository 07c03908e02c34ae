"""`ody preview`: see a screenplay before paying for it, rendered on this machine by the
emulator's renderer, its captions beside each video (docs/preview.md).

Only click is imported at the top (`ody --help` imports every command); the compiler, the
renderer (PyAV, Pillow) and the watcher load when the command runs.

Exit codes: 0 rendered; 1 the screenplay has errors (shown as `ody lint` shows them, nothing
written) or is a library (as `ody compile` and `ody run` say); 2 usage or I/O: FILE cannot be
read, an unknown scene, an output that cannot be written or is a FIFO or a device, the emulator
extra missing; 130 interrupted: Ctrl-C, SIGTERM or SIGHUP (how `--watch` ends), nothing left
behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, NoReturn

import click

from ..errors import EXIT_FAIL, EXIT_OK, EXIT_USAGE, OdyError
from .exits import fail, say
from .inputs import STDIN, KeptIncludes
from .options import files_argument

if TYPE_CHECKING:
    from ..preview import Preview
    from ..runner.prepare import Prepared

EXTRA = "pip install 'odyssey-dsl[emulator]'"


@click.command(name="preview", context_settings={"max_content_width": 100})
@files_argument(one=True)
@click.option("-o", "--output", default=None,
              help="One script: the video, a .mp4 (its captions beside it, .vtt); several, or a folder (existing, "
                   "or ending in /): the folder of <name>.mp4 and <name>.vtt "
                   "[default: <stem>.preview.mp4 or <stem>.preview/ beside FILE].")
@click.option("--scene", default=None, metavar="NAME", help="Preview only this scene (every variant of it).")
@click.option("--landscape/--portrait", "landscape", default=None, help="Override the screenplay's `orientation`.")
@click.option("--watch", is_flag=True,
              help="Render again whenever FILE or a file it includes is saved, one line per render; Ctrl-C ends.")
@click.option("--open", "open_it", is_flag=True, help="Open the result with the system's viewer.")
@click.option("--json", "as_json", is_flag=True,
              help="Print what was written as one JSON document (with --watch: one a line, per render).")
def command(file: str, output: str | None, scene: str | None, landscape: bool | None, watch: bool,
            open_it: bool, as_json: bool) -> None:
    """Render FILE as the emulator would record it, on this machine: no server, job, key,
    journal entry or network.

    One script makes a video (default `<stem>.preview.mp4` beside FILE) and its captions
    (`<stem>.preview.vtt`); several (scenes, variants) make a folder (default `<stem>.preview/`)
    of `<name>.mp4` and `<name>.vtt`, named as `ody run` names recordings. Exit codes: 0
    rendered, 1 errors in the screenplay (nothing written) or a library, 2 usage or I/O (an
    unknown scene, an output that cannot be written or is a FIFO or a device, the emulator extra
    missing), 130 interrupted (Ctrl-C, SIGTERM, SIGHUP).
    """
    if file == STDIN:
        fail("needs a screenplay file, not `-`: the preview is named after it")
    from .scenes import given_output

    output = given_output(output)
    try:
        import av  # noqa: F401
        import PIL  # noqa: F401

        if watch:
            import watchfiles  # noqa: F401
    except ImportError as error:
        fail(f"previewing needs the emulator's extra ({error.name} is missing)", EXTRA)
    job = _Job(Path(file), output, scene, None if landscape is None else not landscape, as_json)
    with _ended_as_ctrl_c():
        if watch:
            _watch(job, open_it)
        done = _attempt(job, _Reads(job.file))
        if done.code != EXIT_OK:
            sys.exit(done.code)
        _say(job, done)
        if open_it:
            _open(job, done.previews)
    sys.exit(EXIT_OK)


@contextlib.contextmanager
def _ended_as_ctrl_c() -> Iterator[None]:
    """SIGTERM (`kill`, an editor stopping its previous preview) and SIGHUP (the terminal
    closed) raise KeyboardInterrupt as Ctrl-C does, so that the `finally` blocks remove the
    temporary and hidden files (the video being written, a continued scene's) and the command
    ends the same way: `interrupted`, exit 130. Once raised, further ones are ignored: the
    clean-up runs to its end. A signal the caller ignores (`nohup` ignores SIGHUP) stays ignored."""
    caught = [s for s in (signal.SIGTERM, getattr(signal, "SIGHUP", None))
              if s is not None and signal.getsignal(s) is signal.SIG_DFL]

    def interrupt(_number: int, _frame: object) -> None:
        for s in caught:
            signal.signal(s, signal.SIG_IGN)
        raise KeyboardInterrupt

    before = {s: signal.signal(s, interrupt) for s in caught}
    try:
        yield
    finally:
        for s, handler in before.items():
            signal.signal(s, handler)


class _Job(NamedTuple):
    file: Path
    output: str | None  # as given: a trailing separator says a folder
    scene: str | None
    portrait: bool | None
    as_json: bool


class _Attempt(NamedTuple):
    code: int  # EXIT_OK, EXIT_FAIL (the errors shown) or EXIT_USAGE (FILE unreadable: said)
    previews: list[Preview]
    seconds: float
    sources: tuple[Path, ...] = ()  # FILE and every file it includes or tried to, absolute


class _Reads:
    """What a render read: each file and what it held (its bytes or text, or why it could not
    be read: a file going from missing to a folder is a change too), and the size limit it was
    read under; `--watch` reads them again the same way to see a save."""

    def __init__(self, main: Path) -> None:
        from ..config import Settings

        self.main = Path(os.path.abspath(main))  # normalised as include paths are (`a/../b.ody`)
        self.held: dict[Path, object] = {self.main: None}
        self.max_bytes = Settings().max_bytes  # until the project's settings are known

    def again(self, path: Path) -> object:
        """What `path` holds now, read as the render read it, never waiting (a FIFO put in
        the screenplay's place is refused, as an include's)."""
        from ..compiler import SourceError, file_resolver, read_source

        try:
            if path != self.main:
                return file_resolver(self.max_bytes)(path)
            return read_source(path, self.max_bytes, wait=False)
        except SourceError as error:
            return _unreadable(error)


def _unreadable(error: Exception) -> object:
    """What a file that cannot be read holds, for comparing: why it cannot be."""
    return ("unreadable", str(error))


def _attempt(job: _Job, reads: _Reads) -> _Attempt:
    """Compile FILE and render what it asks for, noting in `reads` what each file held. Usage
    and I/O problems raise; errors in the screenplay are shown on stderr as `ody lint` shows
    them, and nothing is written."""
    from .._support.files import NotRegularFile, refuse_special
    from ..compiler import compile_text
    from ..report import Report
    from ..runner.prepare import prepare
    from .inputs import Flags, Outcome, inputs

    began = time.perf_counter()
    # What FILE holds as this render begins: if it cannot be read, --watch waits for a change
    # from this state (taken before the error is said, so that a change after it is seen).
    reads.held[reads.main] = reads.again(reads.main)
    try:
        refuse_special(job.file)  # read, it would wait for a writer; and the preview is named after it
    except NotRegularFile as error:
        fail(f"{job.file}: {error.strerror}", "a preview is named after its screenplay: give the file itself")
    outcome = Outcome("human", sys.stderr)
    readable = list(inputs((str(job.file),), Flags((), None, None, None), None, outcome, expand=False))
    if not readable:
        return _Attempt(outcome.code, [], 0.0)
    ((item, settings, data),) = readable
    reads.held[reads.main], reads.max_bytes = data, settings.max_bytes
    included = _Remembered(settings.max_bytes, reads.held)
    result = compile_text(data, path=job.file, settings=settings, embed_images=True, resolver=included)
    outcome.add(Report(item.name, result.source, result.diagnostics, included.texts, result.library), False)
    outcome.finish()
    if outcome.failed:
        return _Attempt(EXIT_FAIL, [], 0.0)
    if result.library:
        fail(f"{item.name} is a library (header lines, no cue): nothing to preview",
             "preview a screenplay that includes it", EXIT_FAIL)  # as `ody compile` and `ody run`
    prepared = prepare(result, item.name, job.portrait)
    wanted = _chosen(prepared, job.scene)
    previews = _render(prepared, _videos(job, prepared, wanted))
    return _Attempt(EXIT_OK, previews, time.perf_counter() - began, tuple(reads.held))


class _Remembered(KeptIncludes):
    """The included files as `KeptIncludes` keeps them, and in `seen` what each held when read
    (or why it could not be), which `--watch` compares them with (`_Reads.again`)."""

    def __init__(self, max_bytes: int, seen: dict[Path, object]) -> None:
        super().__init__(max_bytes)
        self._seen = seen

    def __call__(self, path: Path) -> str:
        from ..compiler import SourceError

        try:
            text = self._seen[path] = super().__call__(path)
        except SourceError as error:
            self._seen[path] = _unreadable(error)
            raise
        return text


def _chosen(prepared: Prepared, scene: str | None) -> list[int]:
    """The scripts to preview: all, or `--scene`'s (every variant of it)."""
    from .scenes import picked

    return [prepared.scenes[i].index for i in picked([s.scene for s in prepared.scenes], scene, prepared.name)]


def _videos(job: _Job, prepared: Prepared, wanted: list[int]) -> dict[int, Path]:
    """Where each wanted script's video goes: one script, PATH (a .mp4) unless PATH names a
    folder; several, a folder of `<recording name>.mp4`, made if missing (its parent must exist)."""
    from ..diagnostics import shown
    from .scenes import is_folder

    given_folder = job.output is not None and is_folder(job.output)  # whatever its suffix (`x.mp4/`)
    if len(wanted) == 1 and not given_folder:
        video = Path(job.output) if job.output is not None else job.file.with_suffix(".preview.mp4")
        if video.suffix.lower() != ".mp4":
            fail(f"{_named(job, video)}: one script makes one MP4 video: give a path ending in .mp4, or a folder",
                 "its captions are written beside it, with .vtt for .mp4")
        return {wanted[0]: video}
    folder = Path(job.output) if job.output is not None else job.file.with_suffix(".preview")
    if not given_folder and (folder.suffix.lower() == ".mp4" or (folder.exists() and not folder.is_dir())):
        # several scripts (one goes to a video unless a folder is given), for a video's path or a file
        if job.scene is not None:
            listed = ", ".join(prepared.script_scene(i).name for i in wanted)
            fail(f"{_named(job, folder)}: scene `{shown(job.scene)}` has {len(wanted)} variants ({listed}): "
                 "give a folder")
        scenes = any(s.scene is not None for s in prepared.scenes)
        fail(f"{_named(job, folder)}: {len(wanted)} scripts make {len(wanted)} videos: give a folder",
             "or pick one scene with --scene NAME" if scenes else None)
    try:
        folder.mkdir(exist_ok=True)
    except OSError as error:
        fail(f"{folder}: cannot make the folder ({error.strerror or error})")
    return {i: folder / f"{prepared.script_scene(i).name}.mp4" for i in wanted}


def _named(job: _Job, path: Path) -> str:
    """The output as the user gave it (`-o out.mov`), or the default path."""
    return f"-o {path}" if job.output is not None else str(path)


def _render(prepared: Prepared, videos: dict[int, Path]) -> list[Preview]:
    """`preview.render`, an output that cannot be written (or is a FIFO, a device) being a
    usage/I/O error with its path."""
    from .._support.files import NotRegularFile
    from ..preview import render

    try:
        return render(prepared, videos)
    except NotRegularFile as error:
        fail(f"{error.filename}: {error.strerror}",
             "a preview is written whole and renamed over the old one: give a regular file's path, or a new one")
    except OSError as error:
        fail(f"{error.filename}: cannot write it ({error.strerror})")


def _say(job: _Job, done: _Attempt) -> None:
    """One line per render on stdout (`--json`: one JSON document)."""
    from ..diagnostics import printable

    if job.as_json:
        click.echo(json.dumps({"videos": [p.to_json() for p in done.previews],
                               "sources": [str(p) for p in done.sources]}, ensure_ascii=False))
        return
    if len(done.previews) == 1:
        (only,) = done.previews
        what = f"{printable(str(only.video))} ({only.duration_ms / 1000:.1f} s)"
    else:
        each = ", ".join(f"{printable(p.name)} {p.duration_ms / 1000:.1f} s" for p in done.previews)
        what = f"{len(done.previews)} videos in {printable(str(done.previews[0].video.parent))}/ ({each})"
    click.echo(f"rendered {what} in {done.seconds:.2f} s")


def _open(job: _Job, previews: list[Preview]) -> None:
    """Open the video (several: their folder) with the system's viewer; when there is none (no
    display, no opener), say so and where the result is, and go on (exit 0)."""
    from .viewer import launch

    target = previews[0].video if len(previews) == 1 else previews[0].video.parent
    why = launch(target)
    if why is not None:
        say(f"cannot open {target} here ({why}): open it yourself")


def _watch(job: _Job, open_it: bool) -> NoReturn:
    """Render, then again after every save of FILE or a file it includes (the set is read anew
    after each compile, as includes come and go), until Ctrl-C. A render that fails says why (the
    errors as `ody lint` shows them) and leaves the last good preview in place; a usage error at
    the first render (FILE unreadable, an unknown scene, an output refused, a library) ends it."""
    from ..watch import until_changed

    first = True
    while True:
        reads = _Reads(job.file)
        try:
            done = _attempt(job, reads)
        except OdyError as error:
            if first:
                raise  # a typo in the command (a scene, -o) or a library: said once, its exit code
            say(error.message, error.hint)
        else:
            if first and done.code == EXIT_USAGE:
                sys.exit(EXIT_USAGE)  # FILE cannot be read: a typo, not a file being written
            if done.code == EXIT_OK:
                _say(job, done)
                if open_it:
                    _open(job, done.previews)
                    open_it = False
        first = False
        until_changed(reads.held, reads.again)
