"""`ody lint`: every problem in screenplays, reported as each file is checked.

Exit codes: 0 no failing diagnostic (warnings allowed), 1 errors (or warnings with --strict),
2 an input that cannot be read (the others are still checked).
"""

from __future__ import annotations

import sys
from typing import Any

import click

from ..compiler import compile_streamed
from ..config import Settings
from ..report import Report
from .inputs import Flags, Input, report_each, stdin_path
from .options import checking_options


@click.command(name="lint", context_settings={"max_content_width": 100})
@click.argument("files", nargs=-1, required=True)
@checking_options
def command(files: tuple[str, ...], fmt: str, stdin_filename: str | None, **flags: Any) -> None:
    """Report every problem in FILES (folders: every *.ody below; `-` reads stdin)."""

    def diagnose(item: Input, settings: Settings, data: bytes) -> Report:
        result = compile_streamed(data, path=item.path or stdin_path(stdin_filename), settings=settings, entries=False)
        return Report(item.name, result.source, result.diagnostics)  # no syntax tree was ever whole

    sys.exit(report_each(files, Flags(**flags), stdin_filename, fmt, diagnose))
