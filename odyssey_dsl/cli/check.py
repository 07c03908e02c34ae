"""`ody check`: hand-written script JSON checked by the screenplay's rules.

Exit codes: as `ody lint`'s.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ..config import Settings
from ..report import Report
from .inputs import Flags, Input, report_each, stdin_path
from .options import checking_options, files_argument


@click.command(name="check", context_settings={"max_content_width": 100})
@files_argument("*.json")
@checking_options
def command(files: tuple[str, ...], fmt: str, stdin_filename: str | None, **flags: Any) -> None:
    """Check hand-written script JSON (a script, a batch or a request body) with the same rules."""
    from ..jsoncheck import check_json

    def diagnose(item: Input, settings: Settings, data: bytes) -> Report:
        path = item.path or stdin_path(stdin_filename)
        result = check_json(data, base_dir=path.parent if path else Path.cwd(), ignore=settings.ignore,
                            max_duration_ms=settings.max_duration_ms)
        return Report(item.name, result.text, result.diagnostics)

    sys.exit(report_each(files, Flags(**flags), stdin_filename, fmt, diagnose, pattern="*.json"))
