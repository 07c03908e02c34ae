"""The `ody` command line: one module per command or group, imported only when it runs.

- `app`: the `ody` group, which finds a command's module by its name, and `run`, the console
  entry point (never a traceback).
- `exits`: the one way to fail: every message on stderr starts with the command's prefix
  (`ody lint: `, `ody run: `), every failure is an `odyssey_dsl.errors.OdyError` with the exit
  code declared in that module's table.
- `options`: the options several commands share (the checking flags, the API flags, durations).
- `inputs`: reading the inputs (files, folders, stdin) with their project settings, and the
  `Outcome` that streams their reports and picks the exit code.
- `viewer`: opening a result with the system's viewer, or saying why not (no display).
- the commands: `lint`, `explain`, `compile`, `check`, `schema`, `fmt`, `decompile`, `run`, `jobs` (the job
  commands), `config`, `emulator`, `lsp`, `stats`, `export` and `preview` (with `scenes`: one
  screenplay's scripts), `review` (a run folder's review page).

Heavy modules are imported inside the commands that use them: editors run `ody lint` on
every save.
"""

from .app import main, run

__all__ = ["main", "run"]
