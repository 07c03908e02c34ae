"""`ody fmt`: rewrite screenplays in the canonical layout (the rules are in `odyssey_dsl.fmt`).

Exit codes: 0 nothing to do, or done; 1 a file would be reformatted (`--check`, or `--diff`
with changes); 2 a usage or I/O problem; 3 a file has syntax errors and was left as it was.
With several inputs the most serious wins, in the order 2, 3, 1, and every other input is
still formatted: one broken file must not stop a whole tree from being formatted.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .. import report
from .._support.files import write_atomic
from ..compiler import SourceError, decode
from ..diagnostics import Diagnostic, printable, sort_key
from ..errors import EXIT_FAIL, EXIT_OK, EXIT_SYNTAX, EXIT_USAGE
from ..fmt import NORMALIZE_TIMES, FormatError, format_text
from ..lines import unified_diff
from .inputs import Flags, Outcome, inputs
from .options import files_argument, report_format


@click.command(name="fmt", context_settings={"max_content_width": 100})
@files_argument()
@click.option("--check", is_flag=True, help="Change nothing; exit 1 and list the files that would change.")
@click.option("--diff", is_flag=True, help="Change nothing; print a unified diff (exit 1 when there is one).")
@click.option("--line-width", type=click.IntRange(20, 1000), default=None,
              help="Fold prompts of longer cue lines (default: the project's line-width, else 100).")
@click.option("--normalize-times", type=click.Choice(NORMALIZE_TIMES), default=None,
              help="Write every time absolute, or each cue after the first of a script as +gap.")
@report_format("How to print the syntax errors of files that cannot be formatted.")
@click.option("--config", type=click.Path(dir_okay=False, path_type=Path),
              help="Use this ody.toml / pyproject.toml instead of searching upwards.")
@click.option("--max-bytes", type=click.IntRange(min=1), default=None,
              help="Refuse inputs larger than this (default 64 MiB).")
@click.option("--stdin-filename", default=None, metavar="PATH",
              help="Name of the input read from `-`: for messages and the project configuration.")
def command(files: tuple[str, ...], check: bool, diff: bool, line_width: int | None,
            normalize_times: str | None, fmt: str, config: Path | None, max_bytes: int | None,
            stdin_filename: str | None) -> None:
    """Rewrite FILES in the canonical layout (folders: every *.ody below; `-`: stdin to stdout).

    Files are replaced atomically, and only when they change. A file with syntax errors is
    left as it is: its errors are printed and the exit code is 3.
    """
    outcome = Outcome(fmt, sys.stderr)
    counts = {"changed": 0, "same": 0, "broken": 0}
    named = False
    for item, settings, data in inputs(files, Flags((), None, config, max_bytes), stdin_filename, outcome):
        named = named or item.path is not None
        text, problems = decode(data)
        try:
            new = _format(text, problems, line_width or settings.line_width, normalize_times)
        except FormatError as error:
            outcome.add(report.Report(item.name, text, error.diagnostics), False)
            counts["broken"] += 1
            continue
        outcome.add(report.Report(item.name, "", ()), False)  # checked: the summary counts it
        output = new.encode("utf-8")
        counts["changed" if output != data else "same"] += 1
        if diff and output != data:
            before = data.decode("utf-8")  # valid UTF-8 here; a BOM shows as a removed character
            sys.stdout.buffer.write(unified_diff(before, new, item.name, "formatted").encode("utf-8"))
        elif check and output != data:
            click.echo(f"would reformat {printable(item.name)}")
        elif not (check or diff):
            if item.path is None:
                sys.stdout.buffer.write(output)
            elif output != data:
                try:
                    write_atomic(item.path, new)
                except OSError as error:
                    outcome.unreadable(SourceError(f"{item.name}: cannot write it ({error.strerror or error})"))
    sys.stdout.flush()
    outcome.finish()
    if named and fmt == "human":  # the machine formats are one document on stderr: no words after it
        click.echo(_summary(counts, dry=check or diff), err=True)
    if outcome.io_error:
        sys.exit(EXIT_USAGE)
    if counts["broken"]:
        sys.exit(EXIT_SYNTAX)
    sys.exit(EXIT_FAIL if (check or diff) and counts["changed"] else EXIT_OK)


def _format(text: str, problems: list[Diagnostic], width: int, normalize_times: str | None) -> str:
    """`format_text`, also refusing text that was not valid UTF-8 (ODY006): the bytes that
    could not be read would be lost by a rewrite."""
    try:
        new = format_text(text, line_width=width, normalize_times=normalize_times)
    except FormatError as error:
        problems = [*problems, *error.diagnostics]
    if problems:
        raise FormatError(sorted(problems, key=sort_key))
    return new


def _summary(counts: dict[str, int], dry: bool) -> str:
    def files(n: int) -> str:
        return f"{n} file{'' if n == 1 else 's'}"

    parts = []
    if counts["changed"]:
        parts.append(f"{files(counts['changed'])} {'would be reformatted' if dry else 'reformatted'}")
    if counts["same"]:
        parts.append(f"{files(counts['same'])} {'already formatted' if dry else 'left unchanged'}")
    if counts["broken"]:
        parts.append(f"{files(counts['broken'])} with syntax errors left as {'they were' if counts['broken'] > 1 else 'it was'}")
    return ", ".join(parts) or "no files"
