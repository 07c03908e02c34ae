"""The job commands: `ody jobs`, `status`, `wait`, `cancel`, `download`, `adopt`.

Each finds a job's API in the journal (an emulator job goes to the emulator, started again
when needed), so a job is always asked about where it was submitted (docs/runner.md).
"""

from __future__ import annotations

import json
import sys
from contextlib import ExitStack
from pathlib import Path

import click

from ..api import is_active
from ..errors import EXIT_API, EXIT_JOB, EXIT_OK, EXIT_TIMEOUT
from .exits import fail, prefix, say
from .options import api_options, duration

_SETTINGS = {"max_content_width": 100}


@click.command("jobs", context_settings=_SETTINGS)
@click.option("--active", is_flag=True, help="Only jobs not yet final (pending, dispatched, processing...).")
@click.option("--limit", type=click.IntRange(1, 100), default=20, show_default=True, help="How many jobs.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@api_options
def jobs(active: bool, limit: int, as_json: bool, emulator: bool, api_url: str | None) -> None:
    """List jobs: the server's live status merged with the journal (which screenplay, which folder).

    With --api-url or --emulator, that API's jobs only; else those of every API in the journal
    (the emulator's with their last known status), and the configured API's when a key is set.
    """
    from ..runner.listing import listing

    with ExitStack() as stack:
        found = listing(stack, emulator, api_url, active, limit, prefix())
    for note in found.notes:
        say(note)
    if as_json:
        sys.stdout.write(json.dumps(found.jobs, indent=2, ensure_ascii=False) + "\n")
        return
    if not found.jobs:
        click.echo("no jobs")
        return
    table = [("JOB", "STATUS", "CREATED", "API", "SCREENPLAY", "FOLDER")]
    for job in found.jobs:
        status = job["status"] + ("" if job["live"] or not is_active(job["status"]) else "?")
        table.append((found.short[job["job_id"]], status, _when(job["created_at"]), job["api"],
                      _shown(job["screenplay"]), _shown(job["folder"])))
    widths = [max(len(line[i]) for line in table) for i in range(len(table[0]) - 1)]
    for line in table:
        click.echo("  ".join([*(cell.ljust(w) for cell, w in zip(line, widths)), line[-1]]).rstrip())


def _when(created: object) -> str:
    """An API's ISO 8601 time as `2026-12-06 22:10` in UTC (unchanged when it is not one)."""
    from datetime import UTC, datetime

    from ..runner.estimate import moment

    seconds = moment(created) if isinstance(created, str) else None
    return str(created or "-") if seconds is None else datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M")


def _shown(path: object) -> str:
    """A path as short as it reads: relative to here when it is below here."""
    import os

    if not isinstance(path, str) or not path:
        return "-"
    relative = os.path.relpath(path) if os.path.isabs(path) else path
    return path if relative.startswith("..") else relative


@click.command("status", context_settings=_SETTINGS)
@click.argument("job")
@click.option("--json", "as_json", is_flag=True, help="Print the job's detail as JSON (URLs without their signatures).")
@api_options
def status(job: str, as_json: bool, emulator: bool, api_url: str | None) -> None:
    """Show a job's status and streams (JOB: its id, or the first 8 or more characters of it)."""
    from ..runner.listing import describe
    from ..runner.resume import Jobs

    with ExitStack() as stack:
        session = Jobs(stack, emulator, api_url, prefix(), quick=True)
        job_id, client, row = session.client_for(job)
        detail = client.job(job_id)
    sys.stdout.write(describe(detail, row, as_json))


@click.command("wait", context_settings=_SETTINGS)
@click.argument("job")
@click.option("--download", is_flag=True, help="Download the recordings once it completes.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the recordings (default: where `ody run` put this screenplay's, else ./recordings).")
@click.option("--timeout", default="30m", show_default=True, callback=duration, metavar="DURATION",
              help="Give up waiting after this long.")
@click.option("--quiet", "-q", is_flag=True, help="Only warnings and errors.")
@api_options
def wait(job: str, download: bool, out: Path | None, timeout: float, quiet: bool, emulator: bool,
         api_url: str | None) -> None:
    """Wait for a job to finish (exit 0 completed, 3 failed/cancelled/partly failed, 5 timeout)."""
    _follow(job, out, emulator, api_url, wait_first=True, download=download, timeout=timeout, quiet=quiet)


@click.command("download", context_settings=_SETTINGS)
@click.argument("job")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the recordings (default: where `ody run` put this screenplay's, else ./recordings).")
@click.option("--quiet", "-q", is_flag=True, help="Only warnings and errors.")
@api_options
def download(job: str, out: Path | None, quiet: bool, emulator: bool, api_url: str | None) -> None:
    """Download a job's recordings (fresh URLs when the old ones expired; resumes .part files)."""
    _follow(job, out, emulator, api_url, wait_first=False, download=True, timeout=0.0, quiet=quiet)


def _follow(job: str, out: Path | None, emulator: bool, api_url: str | None, *, wait_first: bool,
            download: bool, timeout: float, quiet: bool) -> None:
    import time

    from ..runner.poll import pace
    from ..runner.poll import wait as wait_for

    with ExitStack() as stack:
        from ..runner.resume import Jobs

        session = Jobs(stack, emulator, api_url, prefix(), quiet)
        job, client, row = session.client_for(job)
        with session.stopping():
            if row is None or not download:
                detail = client.job(job)
                if wait_first and is_active(detail.status):
                    detail = wait_for(client, job, pace(session.config, client.target), time.monotonic() + timeout,
                                      lambda d: session.reporter.job(job, d), detail)
                if not download:
                    click.echo(f"job {job} is {detail.status}")
                    failed = any(s.status == "failed" for s in detail.streams)
                    sys.exit(EXIT_OK if detail.status == "completed" and not failed else EXIT_JOB)
                if is_active(detail.status):
                    fail(f"job {job} is still {detail.status}", f"`ody wait {job} --download` waits for it",
                         EXIT_TIMEOUT)
                row = session.adopt_foreign(client, detail)
            result = session.run(client, row, out, wait_first, timeout)
    if result.message:
        say(result.message)
    if result.folder is not None and result.streams:
        click.echo(f"{result.recorded} of {len(result.streams)} recording(s) in {result.folder}")
    sys.exit(result.code)


@click.command("cancel", context_settings=_SETTINGS)
@click.argument("job")
@api_options
def cancel(job: str, emulator: bool, api_url: str | None) -> None:
    """Cancel a pending or dispatched job (a processing one can no longer be cancelled).

    Exit 0 when the job is (or already was) cancelled, 4 when it cannot be: it is processing
    and runs to its end, or it has already completed or failed.
    """
    from ..runner.resume import Jobs

    with ExitStack() as stack:
        session = Jobs(stack, emulator, api_url, prefix(), quick=True)
        job_id, client, row = session.client_for(job)
        detail, refused = client.cancel(job_id)
        if row is not None:
            session.journal.set_status(job_id, detail.status)
    if detail.status == "cancelled":
        click.echo(f"job {job_id} is {'already ' if refused else ''}cancelled")
        return
    if not refused:
        click.echo(f"job {job_id} is {detail.status}")
    elif is_active(detail.status):
        fail(f"job {job_id} is {detail.status} and can no longer be cancelled: it runs to its end",
             f"`ody wait {job_id} --download` downloads it when it completes", EXIT_API)
    else:
        fail(f"job {job_id} is already {detail.status}: there is nothing to cancel",
             f"`ody download {job_id}` downloads what it made" if detail.status == "completed" else None, EXIT_API)


@click.command("adopt", context_settings=_SETTINGS)
@click.argument("job")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@api_options
def adopt(job: str, file: Path, emulator: bool, api_url: str | None) -> None:
    """Tie JOB to the screenplay FILE by hand, when a run could not tell which job was its own.

    The next `ody run FILE` then waits for it and downloads it instead of submitting; like
    every adoption it is checked when it completes (one stream per script, each as long as
    its script).
    """
    from ..runner.listing import adopt as adopt_job
    from .run import screenplays
    (prepared,) = screenplays((str(file),), None)
    with ExitStack() as stack:
        message = adopt_job(stack, emulator, api_url, job, prepared, prefix())
    click.echo(message)


COMMANDS = {c.name: c for c in (jobs, status, wait, download, cancel, adopt)}
