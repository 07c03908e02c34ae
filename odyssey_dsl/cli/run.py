"""`ody run`: compile screenplays, submit them, wait, download — losing nothing (docs/runner.md).

Only click is imported at the top (`ody --help` imports every command); the runner loads
when the command runs.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .options import api_options, duration, files_argument


@click.command(name="run", context_settings={"max_content_width": 100})
@files_argument()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("recordings"),
              show_default=True, help="Folder for the recordings (one subfolder per screenplay).")
@click.option("--landscape/--portrait", "landscape", default=None,
              help="Override the screenplay's `orientation`.")
@click.option("--no-wait", is_flag=True, help="Submit and return; `ody wait JOB --download` picks the job up.")
@click.option("--timeout", "timeout", default="30m", show_default=True, callback=duration, metavar="DURATION",
              help="Give up waiting after this long (the language's times: 90s, 30m, 1h, 1:30:00).")
@click.option("--concurrency", type=click.IntRange(1, 32), default=3, show_default=True,
              help="Jobs at a time when running several screenplays.")
@click.option("--new", is_flag=True, help="A new take: submit even when an identical job exists.")
@click.option("--cancel-on-interrupt", is_flag=True, help="On Ctrl-C, cancel the jobs instead of leaving them running.")
@click.option("--quiet", "-q", is_flag=True, help="Only warnings, errors and the summary.")
@click.option("--json", "as_json", is_flag=True, help="Print the final summary as JSON on stdout.")
@api_options
def command(files: tuple[str, ...], out: Path, landscape: bool | None, no_wait: bool, timeout: float,
            concurrency: int, new: bool, cancel_on_interrupt: bool, quiet: bool, as_json: bool,
            emulator: bool, api_url: str | None) -> None:
    """Compile FILES, submit each as a job, wait, and download the recordings.

    A file with scenes is one batch job. Rerunning an unchanged screenplay reuses its job
    (active or completed) instead of paying again; after some scenes failed, only those are
    submitted. Exit codes: 0 success, 1 compile errors, 2 usage or I/O, 3 a job failed, was
    cancelled or partly failed, 4 API unreachable, authentication or account limit,
    5 timeout, 130 interrupted.
    """
    from ..runner.session import RunOptions, run_all
    from .inputs import compile_screenplays

    prepared = compile_screenplays(files, None if landscape is None else not landscape)
    options = RunOptions(out, emulator, api_url, no_wait, timeout, concurrency, new, cancel_on_interrupt,
                         quiet, as_json)
    sys.exit(run_all(prepared, options))

