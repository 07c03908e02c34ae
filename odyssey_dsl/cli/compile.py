"""`ody compile`: a screenplay as the script JSON (or the whole request body) the API takes.

Exit codes: 0 written, 1 errors (or warnings with --strict: nothing is written) or a library
(header lines only: nothing to compile), 2 usage or I/O.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import click

from .._support.files import write_atomic
from ..compiler import compile_streamed
from ..compose import ScriptName
from ..diagnostics import shown
from ..emit import request_json, script_json
from ..errors import EXIT_FAIL, EXIT_OK
from ..report import Report
from .exits import fail, say
from .inputs import Flags, KeptIncludes, Outcome, inputs, stdin_path
from .options import OutputPath, checking_options, files_argument, one_shot


@click.command(name="compile", context_settings={"max_content_width": 100})
@files_argument(one=True)
@click.option("-o", "--output", type=OutputPath(dir_okay=False, path_type=Path),
              help="Write here (atomically, only when there is no error) instead of stdout (`-`).")
@click.option("--request", is_flag=True, help="Write the whole request body, not just the script.")
@click.option("--no-embed-images", is_flag=True, help="Keep image paths as written instead of data URLs.")
@checking_options
def command(file: str, output: Path | None, request: bool, no_embed_images: bool, fmt: str,
            ignore: tuple[str, ...], strict: bool | None, config: Path | None,
            max_bytes: int | None, stdin_filename: str | None) -> None:
    """Compile FILE (`-` for stdin) to the script JSON the API takes."""
    one_shot()
    outcome = Outcome(fmt, sys.stderr)
    readable = list(inputs((file,), Flags(ignore, strict, config, max_bytes), stdin_filename, outcome, expand=False))
    if not readable:
        sys.exit(outcome.code)
    ((item, settings, data),) = readable
    del readable
    included = KeptIncludes(settings.max_bytes)
    result = compile_streamed(data, path=item.path or stdin_path(stdin_filename), settings=settings,
                              entries=True, embed_images=not no_embed_images, resolver=included)
    outcome.add(Report(item.name, result.source, result.diagnostics, included.texts, result.library), settings.strict)
    outcome.finish()
    if outcome.failed:
        sys.exit(EXIT_FAIL)
    if result.library:
        fail(f"{item.name} is a library (header lines, no cue): nothing to compile; compile a screenplay "
             "that includes it", code=EXIT_FAIL)
    scripts, batch, options = result.scripts, result.batch, result.options
    if result.after is not None and result.names is not None and fmt not in _DOCUMENT_FORMATS:
        chained = _continued(result.names, result.after)
        if chained:
            say(f"note: {chained}")
    del data, result  # the input and its text go before the output is built: a large file's peak
    assert scripts is not None  # no error
    text = request_json(scripts, batch, options.portrait, options.expansion) if request else script_json(scripts, batch)
    if output is None:
        sys.stdout.buffer.write(text.encode("utf-8"))
        sys.stdout.flush()
    else:
        try:
            write_atomic(output, text)
        except OSError as error:
            fail(f"{output}: cannot write it ({error.strerror or error})")
    sys.exit(EXIT_OK)


#: Report formats whose stderr is one document a program reads: no note goes there.
_DOCUMENT_FORMATS = ("json", "sarif")
#: At most this many scenes are named in the note.
_NAMED = 6


def _continued(names: Sequence[ScriptName], after: Sequence[int | None]) -> str:
    """The scenes that start from another's last frame, and that `ody run` adds it, in words;
    "" when none does. A scene with variants is named once."""
    pairs = dict.fromkeys((names[i].scene, names[parent].scene) for i, parent in enumerate(after) if parent is not None)
    if not pairs:
        return ""
    if len(pairs) == 1:
        ((scene, parent),) = pairs
        return (f"scene `{shown(scene or '', 40)}` starts from the last frame of `{shown(parent or '', 40)}`'s "
                "recording, which `ody run` adds as its start image: the script written here has none")
    listed = [f"`{shown(scene or '', 40)}` (after `{shown(parent or '', 40)}`)" for scene, parent in pairs]
    if len(listed) > _NAMED:
        listed = [*listed[:_NAMED - 1], f"{len(listed) - _NAMED + 1} more"]
    return (f"scenes {', '.join(listed[:-1])} and {listed[-1]} start from the last frame of the scene they "
            "continue, which `ody run` adds as their start image: the scripts written here have none")
