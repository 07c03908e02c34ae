"""`ody review [FOLDER]`: (re)write a run folder's review page and open it (docs/review.md).

Only click is imported at the top (`ody --help` imports every command); the page's writer
and the journal load when the command runs.
"""

from __future__ import annotations

from pathlib import Path

import click

from .exits import fail, say, warn
from .viewer import NO_DISPLAY, NO_OPENER, launch

MOST_ROWS = 1000  # journal rows looked through for the newest run folder still on disk


@click.command(name="review", context_settings={"max_content_width": 100})
@click.argument("folder", required=False, type=click.Path(path_type=Path))
def command(folder: Path | None) -> None:
    """Write FOLDER's review page (index.html) and open it with the system viewer.

    The page shows every scene of the run with its current take as a video, the prompts as
    captions, the cue list (a cue seeks the video) and the earlier takes beside it. FOLDER is
    a folder `ody run` wrote (it has a run.json); by default the current folder when it has
    one, else the newest run folder the journal knows that still exists. The page's path is
    printed; it is opened too unless there is no display (Linux without DISPLAY or
    WAYLAND_DISPLAY). Exit codes: 0 written, 2 not a run folder, or the page cannot be written.
    """
    from ..diagnostics import printable
    from ..runner.review import write_page

    chosen = _chosen(folder)
    try:
        page = write_page(chosen)  # an OdyError (index.html a link out of the folder) is the group's to say
    except OSError as error:
        fail(f"cannot write {chosen / 'index.html'}: {error.strerror or error}")
    page = page.absolute()
    click.echo(printable(str(page)))  # as `ody preview` prints paths: the same on a pipe and a terminal
    why = launch(page)
    if why == NO_OPENER:
        warn("no viewer could be started: open the page above in a browser")
    elif why is not None and why != NO_DISPLAY:
        warn(f"the viewer could not open it ({why}): open the page above in a browser")


def _regular(manifest: Path) -> None:
    """A run.json that is there but no file (a FIFO, a device, a folder) is said as such, not
    as a folder without one."""
    from .._support.files import NotRegularFile, refuse_special

    hint = "move it out of the way: `ody run` writes it anew"
    try:
        refuse_special(manifest)
    except NotRegularFile as error:
        fail(f"{manifest}: {error.strerror}", hint)
    if manifest.is_dir():
        fail(f"{manifest}: is a folder, not a file", hint)


def _chosen(folder: Path | None) -> Path:
    """The run folder to review: FOLDER, checked; else the current folder or the journal's newest."""
    if folder is not None:
        if not folder.is_dir():
            fail(f"{folder} is not a folder" if folder.exists() else f"{folder}: no such folder")
        manifest = folder / "run.json"
        _regular(manifest)
        if not manifest.is_file():
            fail(f"{folder} has no run.json: it is not a folder `ody run` wrote",
                 "`ody run FILE` writes one folder per screenplay, under recordings/ unless --out says")
        return folder
    if Path("run.json").is_file():
        return Path(".")
    newest = _newest_in_journal()
    if newest is None:
        fail("no run folder here (no run.json) and none in the journal",
             "name one: `ody review recordings/NAME`")
    say(f"reviewing the newest run folder: {newest}")
    return newest


def _newest_in_journal() -> Path | None:
    """The folder of the newest job the journal knows whose folder still has a run.json."""
    from ..runner.journal import Journal
    from ..runner.target import state_dir

    path = state_dir() / "journal.sqlite3"
    if not path.is_file():
        return None
    journal = Journal(path)
    try:
        rows = journal.recent(MOST_ROWS)
    finally:
        journal.close()
    for folder in dict.fromkeys(row.folder for row in rows if row.folder):
        if (Path(folder) / "run.json").is_file():
            return Path(folder)
    return None
