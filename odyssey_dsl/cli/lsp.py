"""`ody lsp`: the language server for editors, over stdin/stdout (see odyssey_dsl.lsp)."""

from __future__ import annotations

from pathlib import Path

import click


@click.command(name="lsp", context_settings={"max_content_width": 100})
@click.option("--stdio", is_flag=True, help="Talk over stdin/stdout (the only transport; editors pass it).")
@click.option("--log-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the server's own log here, to debug an editor's setup.")
def command(stdio: bool, log_file: Path | None) -> None:
    """Run the language server: live diagnostics, hovers, completion, outline, quick fixes."""
    from ..lsp.server import (
        serve,  # pygls only for this command: `ody lint` must not pay for it
    )

    serve(log_file)
