"""`python -m odyssey_dsl ...` is `ody ...` (for environments without the console script)."""

from .cli import run

run()
