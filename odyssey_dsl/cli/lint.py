"""`ody lint`: every problem in screenplays, reported as each file is checked; with `--fix`,
the fixes applied first (the rules are in `odyssey_dsl.fixing`), and what is left reported.
A file's problems include those of the files it includes, each reported once per run; `--fix`
edits each file only for its own, and reports a file with problems in included ones at the
end, once the run fixed what it could of them.

Exit codes: 0 no failing diagnostic (warnings allowed), 1 errors (or warnings with --strict),
in the file or the files it includes, 2 an input that cannot be read or written (the others
are still checked). `--fix` exits as if `ody lint` ran on the fixed files; `--diff` also
exits 1 when a file would change.
"""

from __future__ import annotations

import codecs
import os
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

import click

from ..compiler import SourceError, compile_streamed, decode
from ..config import Settings
from ..diagnostics import Diagnostic, printable
from ..errors import EXIT_FAIL, EXIT_OK
from ..lines import unified_diff
from ..report import Report
from .exits import warn
from .inputs import STDIN, Flags, Input, KeptIncludes, Outcome, inputs, report_each, stdin_path
from .options import checking_options, files_argument


@click.command(name="lint", context_settings={"max_content_width": 100})
@files_argument()
@checking_options
@click.option("--fix", is_flag=True,
              help="Apply the safe fixes first (files rewritten atomically; `-`: the fixed text on stdout), "
                   "then report what is left.")
@click.option("--unsafe-fixes", is_flag=True,
              help="With --fix or --diff: apply the unsafe fixes too (they change times or add cues).")
@click.option("--diff", is_flag=True,
              help="Change nothing: print what --fix would change as a unified diff (exit 1 when there is one).")
def command(files: tuple[str, ...], fmt: str, stdin_filename: str | None, fix: bool, unsafe_fixes: bool,
            diff: bool, **flags: Any) -> None:
    """Report every problem in FILES (folders: every *.ody below; `-` reads stdin).

    With --fix, apply the fixes first and report what is left (docs/fixing.md)."""
    if fix or diff:
        sys.exit(_fix_each(files, Flags(**flags), stdin_filename, fmt, unsafe_fixes, diff))
    if unsafe_fixes:
        raise click.UsageError("--unsafe-fixes goes with --fix or --diff")
    fixable = Counter[str]()

    def diagnose(item: Input, settings: Settings, data: bytes) -> Report:
        included = KeptIncludes(settings.max_bytes)
        result = compile_streamed(data, path=item.path or stdin_path(stdin_filename), settings=settings, entries=False,
                                  resolver=included)
        found = _counting(result.diagnostics, fixable) if fmt == "human" else result.diagnostics
        return Report(item.name, result.source, found, included.texts, result.library)  # no syntax tree was ever whole

    code = report_each(files, flags=Flags(**flags), stdin_name=stdin_filename, fmt=fmt, diagnose=diagnose)
    if fixable:
        safe, unsafe = fixable["safe"], fixable["unsafe"]
        more = f" ({unsafe} more with --unsafe-fixes)" if safe and unsafe else ""
        click.echo(f"{safe or unsafe} fixable with `ody lint --fix{'' if safe else ' --unsafe-fixes'}`{more}", err=True)
    sys.exit(code)


def _counting(diagnostics: Iterable[Diagnostic], fixable: Counter[str]) -> Iterator[Diagnostic]:
    """The diagnostics as they are reported, counting those `--fix` would fix."""
    from ..fixing import chosen

    for d in diagnostics:
        if d.fixes:
            if chosen(d) is not None:
                fixable["safe"] += 1
            elif chosen(d, unsafe=True) is not None:
                fixable["unsafe"] += 1
        yield d


def _fix_each(files: tuple[str, ...], flags: Flags, stdin_name: str | None, fmt: str, unsafe: bool, dry: bool) -> int:
    """`--fix` and `--diff`: each input fixed, written (or shown), and what is left reported.

    The report goes to stdout, unless stdout carries text (the fixed stdin, or the diff)."""
    from ..fixing import fix_text
    from .options import one_shot

    one_shot()
    outcome = Outcome(fmt, sys.stderr if dry or STDIN in files else sys.stdout)
    fixed, changed, seen, left = 0, 0, 0, Counter[str]()
    written: dict[str, int] = {}  # the files rewritten, each with when (its input's number)
    later: list[_Later] = []
    for item, settings, data in inputs(files, flags, stdin_name, outcome):
        seen += 1
        path = item.path or stdin_path(stdin_name)
        before, problems = decode(data)
        included = KeptIncludes(settings.max_bytes)
        if problems:  # not UTF-8: a rewrite would lose the bytes that could not be read
            result = compile_streamed(data, path=path, settings=settings, entries=False, resolver=included)
            outcome.add(Report(item.name, result.source, result.diagnostics, included.texts, result.library),
                        settings.strict)
            if item.path is None and not dry:
                sys.stdout.buffer.write(data)
            continue
        diagnose = _Diagnoser(path, settings, included)
        done = fix_text(before, diagnose, unsafe)
        bom = "\ufeff" if data.startswith(codecs.BOM_UTF8) else ""
        if done.text != before:
            changed += 1
            fixed += len(done.applied)
            click.echo(f"{printable(item.name)}: {'would fix' if dry else 'fixed'} {_what(a.diagnostic for a in done.applied)}",
                       err=True)
        if dry and done.text != before:
            sys.stdout.write(unified_diff(bom + before, bom + done.text, item.name, "fixed"))
        elif not dry and item.path is None:
            sys.stdout.write(bom + done.text)
        elif not dry and done.text != before and _write(item, bom + done.text, outcome):
            written[os.path.abspath(item.name)] = seen
        if done.undone is not None:
            added = done.undone.added
            warn(f"{item.name}: fixes stopped before round {done.undone.round}: it would add error[{added.code}] "
                 f"({added.message}) at line {added.span.line} of the result; the file keeps the rounds before")
        elif done.exhausted:
            warn(f"{item.name}: fixes stopped after {done.rounds} rounds with some still to apply; "
                 "run `ody lint --fix` again")
        if not dry and item.path is not None and any(d.file is not None for d in done.diagnostics):
            later.append(_Later(item, settings, done.text, done.diagnostics, diagnose, seen))
            continue
        _left(done.diagnostics, unsafe, left)
        outcome.add(Report(item.name, done.text, done.diagnostics, included.texts, diagnose.library), settings.strict)
    for waiting in later:  # their included files may have been fixed since: what is left there now
        found = waiting.diagnostics
        if any(written.get(os.path.abspath(d.file), 0) > waiting.number for d in found if d.file is not None):
            found = tuple(waiting.diagnose(waiting.text))
        _left(found, unsafe, left)
        outcome.add(Report(waiting.item.name, waiting.text, found, waiting.diagnose.included.texts,
                           waiting.diagnose.library), waiting.settings.strict)
    sys.stdout.flush()
    code = outcome.finish()
    if seen:
        click.echo(_summary(fixed, changed, seen, left, dry), err=True)
    return EXIT_FAIL if code == EXIT_OK and dry and changed else code


def _left(diagnostics: Iterable[Diagnostic], unsafe: bool, left: Counter[str]) -> None:
    """Count the fixes left, by why: unsafe, a choice, or in another file."""
    from ..fixing import chosen

    for d in diagnostics:
        if chosen(d, unsafe) is None and d.fixes:
            left["elsewhere" if d.file is not None or all(f.file is not None for f in d.fixes)
                 else "unsafe" if not unsafe and chosen(d, True) is not None else "several"] += 1


class _Diagnoser:
    """What `ody lint` finds in a text, for the fixes' rounds; whether the last text checked
    is a library."""

    def __init__(self, path: Path | None, settings: Settings, included: KeptIncludes) -> None:
        self._path, self._settings, self.included = path, settings, included
        self.library = False

    def __call__(self, text: str) -> list[Diagnostic]:
        result = compile_streamed(text.encode("utf-8"), path=self._path, settings=self._settings, entries=False,
                                  resolver=self.included)
        self.library = result.library
        return list(result.diagnostics)


class _Later(NamedTuple):
    """A file fixed whose report waits for the end of the run: it has problems in files it
    includes, which the run may fix after it (`ody lint --fix .` reaches `lib.ody` after
    `a.ody`); its `number` among the inputs tells."""

    item: Input
    settings: Settings
    text: str
    diagnostics: tuple[Diagnostic, ...]
    diagnose: _Diagnoser
    number: int


def _write(item: Input, text: str, outcome: Outcome) -> bool:
    """Whether the fixed text was written (if not, it is said, and the exit code is 2)."""
    from .._support.files import write_atomic

    assert item.path is not None
    try:
        write_atomic(item.path, text)
    except OSError as error:
        outcome.unreadable(SourceError(f"{item.name}: cannot write it ({error.strerror or error})"))
        return False
    return True


def _what(diagnostics: Iterable[Diagnostic]) -> str:
    """`3 problems (ODY004 unknown-keyword ×2, ODY109 directive-problem)`."""
    codes = Counter((d.code, d.name) for d in diagnostics)
    total = sum(codes.values())
    each = ", ".join(f"{code} {name}" + (f" ×{n}" if n > 1 else "") for (code, name), n in sorted(codes.items()))
    return f"{total} problem{'' if total == 1 else 's'} ({each})"


def _summary(fixed: int, changed: int, seen: int, left: Counter[str], dry: bool) -> str:
    """`fixed 5 problems in 2 of 3 files; 1 more with --unsafe-fixes; ...`."""
    verb = "would fix" if dry else "fixed"
    files = f"{seen} file{'' if seen == 1 else 's'}"
    where = files if changed == seen else f"{changed} of {files}"
    parts = [f"{verb} {fixed} problem{'' if fixed == 1 else 's'} in {where}" if fixed
             else f"nothing to fix in {files}"]
    if left["unsafe"]:
        parts.append(f"{left['unsafe']} more with --unsafe-fixes")
    if left["several"]:
        n = left["several"]
        parts.append(f"{n} offer{'s' if n == 1 else ''} several fixes: choose one in an editor (ody lsp) or by hand")
    if left["elsewhere"]:
        n = left["elsewhere"]
        parts.append(f"{n} in included files: fix {'it' if n == 1 else 'them'} with `ody lint --fix` on those files")
    return "; ".join(parts)
