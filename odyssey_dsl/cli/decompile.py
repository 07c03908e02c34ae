"""`ody decompile`: a JSON (or Python) script, batch or request body as a .ody screenplay.

Exit codes: 0 written (the diagnostics of the new file, if any, on stderr: a script that
breaks the rules still converts, so that it can be fixed in the screenplay), 1 the input is
not a script or says what the language cannot (one diagnostic pointing into the input),
2 usage or I/O.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .. import report
from .._support.files import write_atomic
from ..compiler import SourceError, compile_text, read_source
from ..config import ConfigError, load_settings
from ..decompile import DecompileError, ImageFiles, load, write
from ..errors import EXIT_FAIL, EXIT_OK
from .exits import fail
from .inputs import STDIN, Outcome, read_stdin
from .options import OutputPath, files_argument, report_format


@click.command(name="decompile", context_settings={"max_content_width": 100})
@files_argument("*.json", "*.py", one=True)
@click.option("-o", "--output", type=OutputPath(dir_okay=False, path_type=Path),
              help="Write the .ody file here (atomically) instead of stdout (`-`).")
@click.option("--relative", is_flag=True, help="Write each cue after the first of a script as `+gap`.")
@click.option("--scene-names", metavar="A,B,...",
              help="Names of the scenes of a batch, in order (default: scene-1, scene-2, ...).")
@click.option("--extract-images", "extract", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="Write data-URL images to files in DIR and refer to them by path.")
@click.option("--line-width", type=click.IntRange(20, 1000), default=None,
              help="Fold prompts of longer lines (default: the project's line-width, else 100).")
@report_format()
def command(file: str, output: Path | None, relative: bool, scene_names: str | None, extract: Path | None,
            line_width: int | None, fmt: str) -> None:
    """Turn a JSON or Python script into a .ody screenplay.

    FILE (a path, or `-` for stdin) holds a script, a batch or a request body, as JSON or as a
    Python literal (read, never run). Times are written in the canonical form; data-URL images
    stay inline unless --extract-images is given.
    """
    outcome = Outcome(fmt, sys.stderr)
    name = "<stdin>" if file == STDIN else file
    target = output if output is not None else Path.cwd() / "<stdout>"  # where the .ody file lives
    try:
        settings = load_settings(target.parent)
        data = read_stdin(name, settings.max_bytes) if file == STDIN else read_source(Path(file), settings.max_bytes)
    except (ConfigError, SourceError) as error:
        fail(str(error))
    try:
        play = load(data, name=None if file == STDIN else file)
    except DecompileError as error:
        outcome.add(report.Report(name, error.source, [error.diagnostic]), False)
        outcome.finish()
        sys.exit(EXIT_FAIL)
    if output is not None and not target.parent.absolute().is_dir():  # before extracting any image
        fail(f"{output}: cannot write it (no folder {target.parent})")
    stem = output.stem if output else Path(file).stem if file != STDIN else "image"
    files = ImageFiles(extract, stem, target.parent) if extract is not None else None
    names = [n.strip() for n in scene_names.split(",")] if scene_names is not None else None
    try:
        text = write(play, relative=relative, scene_names=names, image_ref=files,
                     line_width=line_width or settings.line_width)
    except ValueError as error:
        fail(f"--scene-names: {error}")
    except OSError as error:
        fail(f"{extract}: cannot write an image there ({error.strerror or error})")
    try:
        if output is None:
            sys.stdout.buffer.write(text.encode("utf-8"))
            sys.stdout.flush()
        else:
            write_atomic(output, text)
    except OSError as error:
        fail(f"{output}: cannot write it ({error.strerror or error})")
    result = compile_text(text, path=target, settings=settings, embed_images=False)
    outcome.add(report.Report(str(output) if output else "<stdout>", text, result.diagnostics), False)
    outcome.finish()
    sys.exit(EXIT_OK)

