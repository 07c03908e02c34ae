"""`ody stats`: what screenplays amount to before a run pays for them: per script its length,
cues, gaps and words, per file and over all files the video a run would request
(`odyssey_dsl.stats`; the JSON shape is in docs/output-formats.md).

Exit codes: 0 every screenplay counted (warnings allowed; libraries are skipped), 1 some had
errors (shown on stderr as `ody lint` shows them, and left out of the figures: the others are
still printed and totalled), 2 an input that cannot be read (beats 1).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

import click

from .exits import fail, say
from .inputs import STDIN, Flags, Outcome, inputs
from .options import files_argument

if TYPE_CHECKING:
    from ..stats import FileStats

_HEADER = ("SCREENPLAY", "SCRIPT", "DURATION", "CUES", "MIN GAP", "MEAN GAP", "MAX GAP", "WORDS")


@click.command(name="stats", context_settings={"max_content_width": 100})
@files_argument()
@click.option("--json", "as_json", is_flag=True, help="Print the figures as one JSON document (docs/output-formats.md).")
def command(files: tuple[str, ...], as_json: bool) -> None:
    """Print each screenplay's scripts with their length, cues, gaps between cues and words,
    and the seconds of video a run would request, per file and in all (a script a screenplay
    has twice is made once, and counted once).

    FILES are screenplays or folders (every *.ody below, as `ody lint` walks them); libraries
    are skipped. Each expanded variant counts as a script, named as `ody run` names its
    recording. Exit codes: 0 counted, 1 a screenplay has errors (shown, left out of the
    figures), 2 an input cannot be read."""
    from ..runner.prepare import script_keys
    from ..stats import file_stats, report
    from .scenes import compiled, script_names

    if STDIN in files:
        fail("needs screenplay files, not `-`: the file's name names its scripts")
    outcome = Outcome("human", sys.stderr)
    counted: list[FileStats] = []
    screenplays = 0  # read, not libraries: counted or with errors
    for item, settings, data in inputs(files, Flags((), None, None, None), None, outcome):
        assert item.path is not None
        result = compiled(item, settings, data, outcome)
        if result.library:
            say(f"skipping {item.name}: a library (header lines, no cue), no video of its own")
            continue
        screenplays += 1
        if result.scripts is not None and result.names is not None:
            keys = script_keys(result.scripts, result.after or (None,) * len(result.scripts),
                               result.options.portrait, result.options.expansion)
            counted.append(file_stats(item.name, script_names(result.names, item.path), result.scripts, keys))
    outcome.finish()
    if as_json:
        document = report(counted, screenplays)
        sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    else:
        _table(counted)
    sys.stdout.flush()
    sys.exit(outcome.code)


def _table(files: Sequence[FileStats]) -> None:
    """A row per script, a total row under a screenplay of several, and the total over all;
    rich's table on a terminal, aligned plain columns elsewhere."""
    from ..diagnostics import printable
    from ..runner.plan import clock
    from ..times import format_ms

    rows: list[tuple[str, ...]] = []
    for f in files:
        for k, s in enumerate(f.scripts):
            rows.append((printable(f.path) if k == 0 else "", printable(s.name), format_ms(s.duration_ms), str(s.cues),
                         format_ms(s.min_gap_ms), format_ms(s.mean_gap_ms), format_ms(s.max_gap_ms), str(s.words)))
        if len(f.scripts) > 1:
            rows.append(("", "total", clock(f.total_ms), "", "", "", "", ""))
    scripts = sum(len(f.scripts) for f in files)
    repeated = sum(f.repeated for f in files)
    total = (f"{len(files)} screenplay{'s' * (len(files) != 1)}, {scripts} script{'s' * (scripts != 1)}"
             + (f" ({repeated} repeated in a screenplay, made and counted once)" if repeated else "")
             + f": {clock(sum(f.total_ms for f in files))} of video")
    if sys.stdout.isatty():
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text

        table = Table(box=None, pad_edge=False)
        for k, name in enumerate(_HEADER):
            table.add_column(name, justify="left" if k < 2 else "right")
        for row in rows:  # Text, never markup: a scene `[intro]` or a folder `a[/b]` is shown as written
            table.add_row(*(Text(cell) for cell in row))
        console = Console(highlight=False, markup=False)
        if rows:
            console.print(table)
        console.print(Text(total))
        return
    if rows:
        widths = [max(len(row[k]) for row in (_HEADER, *rows)) for k in range(len(_HEADER))]
        for row in (_HEADER, *rows):
            cells = [cell.ljust(w) if k < 2 else cell.rjust(w) for k, (cell, w) in enumerate(zip(row, widths, strict=True))]
            click.echo("  ".join(cells).rstrip())
    click.echo(total)
