"""`ody run` and the job commands: submit compiled screenplays, wait, download, lose nothing.

Stages, one module each: `target` (which API, which key), `client` (HTTP with tokens and
retries), `journal` (what was asked and what the server answered, on disk before anything
else), `prepare` (a screenplay's request and its scripts' keys), `plan` (what a run will pay
for, from the journal alone), `decide` (what to reuse and what to submit), `submit` (one job,
at most once, within the account's queue), `poll`, `download`, `frames` (the last frame a
continuing scene starts from), `outputs` and `takes` (file names and `run.json`), `estimate`
and `progress` (what the user sees), `emulated` (the local emulator behind `--emulator`),
`context` and `screenplay` (one screenplay's run), `session` (a whole `ody run`), `resume` and
`listing` (the job commands).
"""
