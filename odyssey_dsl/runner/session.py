"""A whole `ody run`: compile every screenplay first (an error stops everything before a single
request), then run them as jobs, at most `concurrency` at a time, and summarize.

Ctrl-C (or SIGTERM) sets one stop flag that every wait and download checks: submits in flight
finish and are journaled, waiting stops with the job left running, downloads keep their
`.part`. A second Ctrl-C exits at once. An emulator started by `--emulator` is stopped last.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_any
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import click

from ..diagnostics import printable
from .context import ActiveJobs, Budget, Context, Result
from .errors import EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, UsageError, worst
from .journal import Journal
from .plan import Plan, clock, plan
from .poll import pace
from .prepare import Prepared
from .progress import Reporter
from .screenplay import ScreenplayRun
from .target import (
    EMULATOR,
    EMULATOR_KEY,
    Target,
    api_key,
    api_url,
    backoff,
    fingerprint,
    max_video,
    read_config,
    state_dir,
)


@dataclass(frozen=True)
class RunOptions:
    out: Path
    emulator: bool = False
    api_url: str | None = None
    no_wait: bool = False
    timeout: float = 1800.0
    concurrency: int = 3
    new: bool = False
    cancel_on_interrupt: bool = False
    quiet: bool = False
    json: bool = False
    dry_run: bool = False
    max_video: float | None = None  # seconds; None: the `max-video` setting
    yes: bool = False


def resolve_target(emulator: bool, url_flag: str | None, stack: ExitStack,
                   config: dict[str, object]) -> tuple[Target, Callable[[], None]]:
    """The API to use: the local emulator (started for the command's duration: the second
    value stops it), or the configured API with the user's key."""
    if emulator:
        from .emulated import LocalEmulator

        if url_flag:
            raise UsageError("--emulator and --api-url exclude each other")
        local = LocalEmulator()
        return stack.enter_context(local), local.stop
    url = api_url(url_flag, config)
    return Target(url, url, api_key(config)), lambda: None


class Stopper:
    """SIGINT/SIGTERM handling: the first sets `stop`, the second exits at once (130)."""

    def __init__(self, reporter: Reporter, on_exit: list[Callable[[], None]],
                 stop: threading.Event | None = None) -> None:
        self.stop = stop or threading.Event()
        self._reporter = reporter
        self._on_exit = on_exit
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> threading.Event:
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._previous[sig] = signal.signal(sig, self._handle)
        return self.stop

    def __exit__(self, *_: object) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)

    def _handle(self, _signum: int, _frame: object) -> None:
        if self.stop.is_set():
            for stop in self._on_exit:
                stop()
            os._exit(EXIT_INTERRUPTED)
        self.stop.set()
        self._reporter.say("", "interrupted: stopping safely (press Ctrl-C again to quit at once)", loud=True)


def run_all(prepared: list[Prepared], options: RunOptions) -> int:
    """Run compiled screenplays; the exit code of the most serious outcome."""
    from .client import Client
    from .download import download_client
    from .submit import Submitter

    config = read_config()
    base, fp = _where(options, config)
    pace(config, Target(base, "http://127.0.0.1" if base == EMULATOR else base, ""))  # settings refused first
    with ExitStack() as stack:
        journal = Journal(state_dir() / "journal.sqlite3")
        stack.callback(journal.close)
        plans = [plan(p, journal, base, fp, options.new) for p in prepared]
    if options.dry_run:
        _show_plans(plans, options, sys.stdout)
        return EXIT_OK
    if any(s.after is not None for p, made in zip(prepared, plans, strict=True) if made.scripts for s in p.scenes):
        from .frames import require

        require()
    if not options.quiet and not options.json:
        _show_plans(plans, options, sys.stderr, "ody run: plan: ")
    budget_s = max_video(options.max_video, config)
    refusal = _refusal(plans, options, budget_s)
    if refusal is not None:
        message, hint, code = refusal
        if options.quiet or options.json:
            _show_plans(plans, options, sys.stderr, "ody run: plan: ")
        sys.stderr.write(printable(f"ody run: {message}") + "\n" + (printable(f"  hint: {hint}") + "\n" if hint else ""))
        if options.json:
            _summarize([], options, code, 0, plans)
        return code
    total = sum(p.video_ms for p in plans)
    allowed = None if options.yes else max(budget_s * 1000, total)  # a plan over the budget was agreed to
    reporter = Reporter(quiet=options.quiet or options.json)
    results: list[Result] = []
    interrupted = False
    requests = 0
    with ExitStack() as stack:
        stack.callback(reporter.close)
        target, stop_emulator = resolve_target(options.emulator, options.api_url, stack, config)
        stop = stack.enter_context(Stopper(reporter, [stop_emulator]))
        client = Client(target, backoff(config), stop)
        stack.callback(client.close)
        downloads = download_client()
        stack.callback(downloads.close)
        folder = state_dir()
        journal = Journal(folder / "journal.sqlite3")
        stack.callback(journal.close)
        submitter = Submitter(client, journal, folder / "locks",
                              lambda text: reporter.say("", text))
        ctx = Context(client, journal, submitter, downloads, options.out, pace(config, target),
                      time.monotonic() + options.timeout, reporter, ActiveJobs(), Budget(allowed), new=options.new,
                      no_wait=options.no_wait, cancel_on_interrupt=options.cancel_on_interrupt)
        results = _run_in_pool(prepared, ctx, options.concurrency, stop)
        interrupted = stop.is_set()
        requests = client.requests
    code = worst([r.code for r in results] + ([EXIT_INTERRUPTED] if interrupted else []))
    _summarize(results, options, code, requests, plans)
    return code


def _where(options: RunOptions, config: dict[str, object]) -> tuple[str, str | None]:
    """The API base and key fingerprint the journal files this run's jobs under, found with
    no network and no emulator started (None: no key set, so any key's jobs count)."""
    if options.emulator:
        return EMULATOR, fingerprint(EMULATOR_KEY)
    url = api_url(options.api_url, config)
    try:
        return url, fingerprint(api_key(config))
    except UsageError:
        return url, None


def _show_plans(plans: list[Plan], options: RunOptions, stream: IO[str], prefix: str = "") -> None:
    total = sum(p.video_ms for p in plans)
    if options.json and stream is sys.stdout:
        stream.write(json.dumps({"screenplays": [p.as_json() for p in plans], "video_ms": total}, indent=2) + "\n")
        return
    for p in plans:
        stream.write(printable(f"{prefix}{p.text()}") + "\n")
    if len(plans) > 1:
        stream.write(f"{prefix}in all: {clock(total)} of new video in {sum(p.jobs for p in plans)} job(s)\n")
    stream.flush()


def _refusal(plans: list[Plan], options: RunOptions, budget: float) -> tuple[str, str | None, int] | None:
    """Why nothing is submitted, how to go on and the exit code, or None to go ahead: a plan
    over the budget, or several screenplays to submit, is asked about on a terminal; off one,
    the first is refused and the second goes ahead (no one would answer). Ctrl-C at the
    question is an interruption (130)."""
    if options.yes:
        return None
    total = sum(p.video_ms for p in plans)
    over = total > budget * 1000
    paying = [p for p in plans if p.scripts]
    if not over and len(paying) <= 1:
        return None
    how = (f"run again with --yes, or raise the budget: --max-video {clock(total)} or "
           f"`ody config set max-video {clock(total)}`")
    if sys.stdin is not None and sys.stdin.isatty():
        question = (f"submit {clock(total)} of new video, over max-video ({clock(round(budget * 1000))})?" if over
                    else f"submit {len(paying)} screenplays ({clock(total)} of new video)?")
        try:
            if click.confirm(f"ody run: {question}", default=False, err=True):
                return None
        except click.Abort:  # Ctrl-C or the end of input at the question
            sys.stderr.write("\n")
            return "interrupted: nothing was submitted", None, EXIT_INTERRUPTED
        return "nothing was submitted", how if over else "run again and answer y, or with --yes", EXIT_USAGE
    if over:
        return (f"the plan asks for {clock(total)} of new video, over max-video ({clock(round(budget * 1000))}): "
                "nothing was submitted", how, EXIT_USAGE)
    return None


def _run_in_pool(prepared: list[Prepared], ctx: Context, concurrency: int, stop: threading.Event) -> list[Result]:
    """Each screenplay in a worker thread; the main thread only waits, so that it can take
    signals at once."""
    with ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="ody-run") as pool:
        futures: dict[Future[Result], Prepared] = {pool.submit(ScreenplayRun(p, ctx).run): p for p in prepared}
        pending = set(futures)
        while pending:
            _, pending = wait_any(pending, timeout=0.2, return_when=FIRST_COMPLETED)
        results = []
        for future, p in futures.items():
            try:
                results.append(future.result())
            except Exception as error:
                results.append(Result(p.name, EXIT_USAGE, status="error",
                                      message=f"internal error, please report it: {type(error).__name__}: {error}"))
        return results



def _summarize(results: list[Result], options: RunOptions, code: int, requests: int, plans: list[Plan]) -> None:
    if options.json:
        summary = {"exit_code": code, "api_requests": requests, "screenplays": [_as_json(r) for r in results],
                   "plan": {"screenplays": [p.as_json() for p in plans], "video_ms": sum(p.video_ms for p in plans)}}
        sys.stdout.write(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
        return
    for r in results:
        if r.message:
            sys.stderr.write(printable(f"ody run: {r.name}: {r.message}") + "\n")
    lines = list(_table(results))
    if sys.stdout.isatty():
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text

        table = Table(box=None)
        for column in ("screenplay", "job", "status", "streams", "folder"):
            table.add_column(column)
        for row in lines:
            table.add_row(*(Text(cell) for cell in row))  # names as written: `[intro]` is not markup
        Console(highlight=False).print(table)
    else:
        for row in lines:
            sys.stdout.write("  ".join(row).rstrip() + "\n")
    for r in results:
        files = r.latest()
        if files and r.folder is not None:
            sys.stdout.write(printable(f"{os.path.join(os.path.relpath(r.folder), '')}: {' '.join(files)}") + "\n")
    sys.stdout.flush()


def _table(results: list[Result]) -> Iterator[tuple[str, str, str, str, str]]:
    for r in results:
        streams = f"{r.recorded}/{len(r.streams)}" if r.streams else "-"
        folder = os.path.relpath(r.folder) if r.folder is not None else "-"
        yield printable(r.name), ",".join(r.jobs) or "-", r.status, streams, printable(folder)  # names shown, never run


def _as_json(r: Result) -> dict[str, Any]:
    return {"screenplay": r.name, "exit_code": r.code, "status": r.status, "jobs": r.jobs,
            "folder": str(r.folder) if r.folder else None, "streams": r.streams, "latest": r.latest(),
            "message": r.message}


