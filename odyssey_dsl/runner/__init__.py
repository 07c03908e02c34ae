"""`ody run` and the job commands: submit compiled screenplays, wait, download, lose nothing.

Stages, one module each: `target` (which API, which key), `client` (HTTP with tokens and
retries), `journal` (what was asked and what the server answered, on disk before anything
else), `submit` (one job, at most once), `poll`, `download`, `outputs` (file names and
`run.json`), `emulated` (the local emulator behind `--emulator`), `session` (a whole `ody run`).
"""
