"""`ody run`: compile screenplays, submit them, wait, download — losing nothing (docs/runner.md).

Only click is imported at the top (`ody --help` imports every command); the runner loads
when the command runs.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..errors import EXIT_FAIL, EXIT_OK
from .exits import fail, say
from .options import api_options, duration, files_argument

if TYPE_CHECKING:
    from ..runner.prepare import Prepared


@click.command(name="run", context_settings={"max_content_width": 100})
@files_argument()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("recordings"),
              show_default=True, help="Folder for the recordings (one subfolder per screenplay).")
@click.option("--scene", "scenes", multiple=True, metavar="NAME",
              help="Run only this scene, every variant of it, and the scenes it continues (repeatable).")
@click.option("--landscape/--portrait", "landscape", default=None,
              help="Override the screenplay's `orientation`.")
@click.option("--no-wait", is_flag=True, help="Submit and return; `ody wait JOB --download` picks the job up.")
@click.option("--timeout", "timeout", default="30m", show_default=True, callback=duration, metavar="DURATION",
              help="Give up waiting after this long (the language's times: 90s, 30m, 1h, 1:30:00).")
@click.option("--concurrency", type=click.IntRange(1, 32), default=3, show_default=True,
              help="Jobs at a time when running several screenplays.")
@click.option("--new", is_flag=True,
              help="A new take: submit even when an identical job exists (with --scene: of those scenes only).")
@click.option("--dry-run", is_flag=True, help="Print the plan (jobs, scripts, new video, reuse) and submit nothing.")
@click.option("--max-video", default=None, callback=lambda c, p, v: None if v is None else duration(c, p, v),
              metavar="DURATION", help="Refuse a plan over this much new video [default: the max-video setting, 5m].")
@click.option("--yes", "-y", is_flag=True, help="Submit without asking, even over --max-video or for several screenplays.")
@click.option("--cancel-on-interrupt", is_flag=True, help="On Ctrl-C, cancel the jobs instead of leaving them running.")
@click.option("--quiet", "-q", is_flag=True, help="Only warnings, errors and the summary.")
@click.option("--json", "as_json", is_flag=True, help="Print the final summary as JSON on stdout.")
@api_options
def command(files: tuple[str, ...], out: Path, scenes: tuple[str, ...], landscape: bool | None, no_wait: bool, timeout: float,
            concurrency: int, new: bool, dry_run: bool, max_video: float | None, yes: bool, cancel_on_interrupt: bool,
            quiet: bool, as_json: bool, emulator: bool, api_url: str | None) -> None:
    """Compile FILES, submit each as a job, wait, and download the recordings.

    A file with scenes or `{a|b}` variants is one batch job (a variant's files are
    `<scene or file stem>.v<n>`). Library files (header lines only) found in a folder are
    skipped. Rerunning an unchanged screenplay reuses its job (active or completed) instead of
    paying again, scene by scene: after one scene changed or some failed, only those are
    submitted. Before submitting it prints its plan; a plan over --max-video (or, on a
    terminal, several screenplays) is asked about, or refused off a terminal. Exit codes:
    0 success (and --dry-run), 1 compile errors or a library named (nothing to run), 2 usage
    or I/O, or a plan refused, 3 a job failed, was cancelled or partly failed, 4 API
    unreachable, authentication or account limit, 5 timeout, 130 interrupted.
    """
    from ..runner.session import RunOptions, run_all

    if not _utf8(str(out.resolve())):
        fail(f"--out {out}: its path is not UTF-8, and the journal keeps folders as text",
             "choose a folder with a UTF-8 name (--out)")
    prepared = select(screenplays(files, None if landscape is None else not landscape), scenes)
    options = RunOptions(out, emulator, api_url, no_wait, timeout, concurrency, new, cancel_on_interrupt,
                         quiet, as_json, dry_run, max_video, yes)
    sys.exit(run_all(prepared, options))


def screenplays(files: tuple[str, ...], portrait: bool | None) -> list[Prepared]:
    """Every screenplay compiled for the runner (and `ody adopt`), or exit: 1 for errors in any
    of them or for a library named on the command line (nothing to run), 2 when one cannot be
    read. A library found in a folder is skipped with a note; warnings do not stop the run."""
    from .. import report
    from ..compiler import compile_text
    from ..runner.prepare import prepare
    from .inputs import STDIN, Flags, KeptIncludes, Outcome, inputs

    if STDIN in files:
        fail("needs screenplay files, not `-`: the file's name names its recordings")
    outcome = Outcome("human", sys.stderr)
    results, libraries = [], []
    for item, settings, data in inputs(files, Flags((), None, None, None), None, outcome):
        assert item.path is not None
        included = KeptIncludes(settings.max_bytes)
        result = compile_text(data, path=item.path, settings=settings, embed_images=True, resolver=included)
        outcome.add(report.Report(item.name, result.source, result.diagnostics, included.texts, result.library), False)
        if not result.library:
            results.append((item.name, result))
        elif item.name in files:
            libraries.append(item.name)
        else:
            say(f"skipping {item.name}: a library (header lines, no cues or scenes), nothing to run on its own")
    if outcome.finish():
        sys.exit(outcome.code)
    if libraries:
        fail(f"{', '.join(libraries)} {'is a library' if len(libraries) == 1 else 'are libraries'} "
             "(header lines, no cues or scenes): nothing to run", "run a screenplay that includes it", EXIT_FAIL)
    if not results:  # only folders without screenplays, each said so
        sys.exit(EXIT_OK)
    for name, result in results:
        assert result.path is not None
        if not _utf8(str(result.path.resolve())):
            fail(f"{name}: its path is not UTF-8, and the journal keeps paths as text: nothing submitted",
                 "rename the file (or its folders) with UTF-8 names")
    return [prepare(result, name, portrait) for name, result in results]


def _utf8(text: str) -> bool:
    """Whether a path (as Python decodes file names: bytes that are not UTF-8 become lone
    surrogates) can be written as UTF-8 text."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def select(prepared: list[Prepared], scenes: tuple[str, ...]) -> list[Prepared]:
    """`--scene`: each screenplay running only those scenes' scripts, every variant; one
    that has none of them is skipped with a note, a name no screenplay has is a usage error."""
    if not scenes:
        return prepared
    from ..diagnostics import closest, shown

    known = tuple(dict.fromkeys(s.scene for p in prepared for s in p.scenes if s.scene is not None))
    for name in scenes:
        if name not in known:
            where = prepared[0].name if len(prepared) == 1 else "any of the screenplays"
            guess = closest(name, known)
            fail(f"--scene `{shown(name)}`: there is no scene of that name in {where}",
                 f"did you mean `{shown(guess)}`?" if guess
                 else f"the scenes are: {', '.join(shown(k) for k in known)}" if known
                 else "--scene picks among a screenplay's `scene`s, and there are none")
    chosen = []
    for p in prepared:
        mine = p.only(scenes)
        if mine.scenes:
            chosen.append(mine)
        else:
            say(f"skipping {p.name}: it has none of the scenes --scene names")
    return chosen
