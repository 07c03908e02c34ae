"""`ody lint`: every problem in screenplays, reported as each file is checked.

Exit codes: 0 no failing diagnostic (warnings allowed), 1 errors (or warnings with --strict),
2 an input that cannot be read (the others are still checked).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..compiler import compile_text
from ..report import Report
from .inputs import Flags, Outcome, inputs, stdin_path
from .options import checking_options, one_shot


@click.command(name="lint", context_settings={"max_content_width": 100})
@click.argument("files", nargs=-1, required=True)
@checking_options
def command(files: tuple[str, ...], fmt: str, ignore: tuple[str, ...], strict: bool | None,
            config: Path | None, max_bytes: int | None, stdin_filename: str | None) -> None:
    """Report every problem in FILES (folders: every *.ody below; `-` reads stdin)."""
    one_shot()
    outcome = Outcome(fmt, sys.stdout)
    for item, settings, data in inputs(files, Flags(ignore, strict, config, max_bytes), stdin_filename, outcome):
        result = compile_text(data, path=item.path or stdin_path(stdin_filename),
                              settings=settings, embed_images=False)
        found = Report(item.name, result.source, result.diagnostics)
        del result, data  # the syntax tree goes before the report is written
        outcome.add(found, settings.strict)
        del found
    sys.exit(outcome.finish())
