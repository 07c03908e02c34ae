"""`ody schema`: the JSON Schema of what `ody compile` writes."""

from __future__ import annotations

import sys

import click


@click.command(name="schema", context_settings={"max_content_width": 100})
def command() -> None:
    """Print the JSON Schema of what `ody compile` writes (script, batch or request body)."""
    from ..emit import schema_text

    sys.stdout.write(schema_text())
