"""`ody export --vtt|--srt`: a screenplay's captions, the very ones `ody run` writes beside its
recordings (`odyssey_dsl.captions`), without running anything.

One script goes to stdout or to `-o FILE`; several (scenes, variants) go to a folder, one file
per script named as `ody run` names the recording (`day.vtt`, `day.v1.vtt`). Exit codes: 0
written, 1 the screenplay has errors or is a library, 2 usage or I/O (an unknown scene, several
scripts for one output, an output that cannot be written).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import EXIT_OK
from .exits import fail
from .options import OutputPath, files_argument


@click.command(name="export", context_settings={"max_content_width": 100})
@files_argument(one=True)
@click.option("--vtt", is_flag=True, help="WebVTT (.vtt), as beside every recording.")
@click.option("--srt", is_flag=True, help="SubRip (.srt).")
@click.option("--scene", default=None, metavar="NAME", help="Only this scene's scripts (every variant of it).")
@click.option("-o", "--output", type=OutputPath(), default=None, metavar="PATH",
              help="Write here (atomically) instead of stdout (`-`); a folder (existing, or ending in /) gets one "
                   "file per script, named as `ody run` names its recordings.")
def command(file: str, vtt: bool, srt: bool, scene: str | None, output: str | None) -> None:
    """Write the captions of FILE's prompts: one cue per prompt, from its time to the next cue's.

    A screenplay of several scripts (scenes, variants) needs --scene naming a scene of one
    script to write to stdout or a file, or -o DIR/ for one file per script. Exit codes: 0
    written, 1 errors in the screenplay (nothing written) or a library, 2 usage or I/O (an
    unknown scene, several scripts for one output, an output that cannot be written)."""
    if vtt == srt:
        raise click.UsageError("give one format: --vtt (WebVTT) or --srt (SubRip)")
    from .. import captions as formats
    from .scenes import given_output, is_folder, picked, screenplay, script_names

    output = given_output(output)
    path, result = screenplay(file)
    assert result.scripts is not None and result.names is not None
    chosen = picked([n.scene for n in result.names], scene, file)
    fmt, write = ("vtt", formats.vtt) if vtt else ("srt", formats.srt)
    if output is not None and is_folder(output):
        names = script_names(result.names, path)
        _write_all(Path(output), [(f"{names[i]}.{fmt}", write(formats.captions(result.scripts[i]))) for i in chosen])
        sys.exit(EXIT_OK)
    if len(chosen) > 1:
        listed = ", ".join(script_names(result.names, path)[i] for i in chosen)
        what = f"scene `{scene}` has {len(chosen)} variants" if scene else f"{file} has {len(chosen)} scripts"
        scenes = not scene and any(n.scene is not None for n in result.names)
        fail(f"{what} ({listed}): {'a file' if output else 'stdout'} takes one script's captions",
             "write one file per script with -o DIR/" + (", or pick a scene with --scene NAME" if scenes else ""))
    text = write(formats.captions(result.scripts[chosen[0]]))
    if output is None:
        sys.stdout.buffer.write(text.encode("utf-8"))
        sys.stdout.flush()
    else:
        _write(Path(output), text)
    sys.exit(EXIT_OK)


def _write_all(folder: Path, files: list[tuple[str, str]]) -> None:
    """Each (name, text) in `folder`, created if need be; a name never leaves it."""
    from ..runner.outputs import inside

    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        fail(f"{folder}: cannot create the folder ({error.strerror or error})")
    for name, text in files:
        _write(inside(folder, name), text)


def _write(path: Path, text: str) -> None:
    from .._support.files import write_atomic

    try:
        write_atomic(path, text)
    except OSError as error:
        fail(f"{path}: cannot write it ({error.strerror or error})")
