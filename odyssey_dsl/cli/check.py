"""`ody check`: hand-written script JSON checked by the screenplay's rules.

Exit codes: as `ody lint`'s.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..report import Report
from .inputs import Flags, Outcome, inputs, stdin_path
from .options import checking_options, one_shot


@click.command(name="check", context_settings={"max_content_width": 100})
@click.argument("files", nargs=-1, required=True)
@checking_options
def command(files: tuple[str, ...], fmt: str, ignore: tuple[str, ...], strict: bool | None,
            config: Path | None, max_bytes: int | None, stdin_filename: str | None) -> None:
    """Check hand-written script JSON (a script, a batch or a request body) with the same rules."""
    one_shot()
    from ..jsoncheck import check_json

    outcome = Outcome(fmt, sys.stdout)
    flags = Flags(ignore, strict, config, max_bytes)
    for item, settings, data in inputs(files, flags, stdin_filename, outcome, pattern="*.json"):
        path = item.path or stdin_path(stdin_filename)
        result = check_json(data, base_dir=path.parent if path else Path.cwd(), ignore=settings.ignore)
        outcome.add(Report(item.name, result.text, result.diagnostics), settings.strict)
    sys.exit(outcome.finish())
