"""One screenplay's scripts, for the commands that make something of each (`ody export`, `ody
stats`, `ody preview`): the screenplay compiled with its diagnostics shown as `ody lint` shows
them, the names `ody run` gives its scripts' recordings, the scripts `--scene NAME` picks
(a name the screenplay lacks is a usage error listing its scenes), and what `-o` names (a path,
never empty; a folder or a file)."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

from ..compiler import Streamed, compile_streamed
from ..compose import ScriptName
from ..config import Settings
from ..diagnostics import closest, shown
from ..errors import EXIT_FAIL
from ..report import Report
from .exits import fail
from .inputs import STDIN, Flags, Input, KeptIncludes, Outcome, inputs


def compiled(item: Input, settings: Settings, data: bytes, outcome: Outcome, embed_images: bool = False) -> Streamed:
    """A screenplay's scripts (none when it has errors), its diagnostics reported to `outcome`;
    warnings never fail, as for `ody run`: these commands make what a run would."""
    included = KeptIncludes(settings.max_bytes)
    result = compile_streamed(data, path=item.path, settings=settings, entries=True, embed_images=embed_images,
                              resolver=included)
    outcome.add(Report(item.name, result.source, result.diagnostics, included.texts, result.library), False)
    return result


def screenplay(file: str, embed_images: bool = False) -> tuple[Path, Streamed]:
    """FILE compiled, its diagnostics on stderr; exit 2 when it cannot be read, 1 when it has
    errors or is a library (header lines only: no script of its own; `ody compile`, `run` and
    `preview` say 1 too, as `ody decompile` does for an input that is not a script)."""
    if file == STDIN:
        fail("needs a screenplay file, not `-`: the file's name names its scripts")
    outcome = Outcome("human", sys.stderr)
    readable = list(inputs((file,), Flags((), None, None, None), None, outcome, expand=False))
    if not readable:
        sys.exit(outcome.code)
    ((item, settings, data),) = readable
    result = compiled(item, settings, data, outcome, embed_images)
    if outcome.finish():
        sys.exit(outcome.code)
    if result.library:
        fail(f"{file} is a library (header lines, no cue): it has no script of its own",
             "name a screenplay that includes it", EXIT_FAIL)
    assert item.path is not None and result.scripts is not None and result.names is not None
    return item.path, result


def script_names(names: Sequence[ScriptName], path: Path) -> list[str]:
    """Each script's name, as `ody run` names its recordings: the scene (`day`), or the file's
    stem for a file without `scene` lines, then `.v<n>` for a variant (`day.v1`)."""
    from ..runner.outputs import safe_name
    from ..runner.prepare import recording_names

    return recording_names(tuple(names), safe_name(path.stem, "screenplay"))


def picked(scenes: Sequence[str | None], scene: str | None, where: str) -> list[int]:
    """The indexes of the scripts (given by their scene names) of `scene` (every variant), or of
    all scripts without one. A scene `where` (the screenplay, as named) does not have: a usage
    error, exit 2, that lists its scenes."""
    if scene is None:
        return list(range(len(scenes)))
    found = [i for i, name in enumerate(scenes) if name == scene]
    if found:
        return found
    known = tuple(dict.fromkeys(name for name in scenes if name is not None))
    if not known:
        fail(f"--scene `{shown(scene)}`: {where} has no `scene` lines",
             "leave --scene out: it picks among a screenplay's scenes")
    guess = closest(scene, known)
    listed = ", ".join(f"`{shown(k)}`" for k in known)
    fail(f"--scene `{shown(scene)}`: there is no scene of that name in {where}",
         (f"did you mean `{shown(guess)}`? " if guess else "") + f"the scenes are: {listed}")


def given_output(output: str | None) -> str | None:
    """`-o` as given, when it is a path: an empty one would be the current folder (`Path("")` is
    `.`), never what was meant, so it is a usage error; so is `-` where stdout cannot take the
    output (a command whose output may be stdout turns `-` into None first: OutputPath)."""
    if output == "":
        fail("-o needs a path")
    if output == "-":
        fail("-o -: this command writes files, which stdout cannot take", "give a file or a folder (ending in /)")
    return output


def is_folder(output: str) -> bool:
    """`-o` names a folder: one that exists, or a path written with a trailing separator."""
    return os.path.isdir(output) or output.endswith(os.sep) or bool(os.altsep and output.endswith(os.altsep))
