"""`ody explain CODE|NAME`: a rule's page of the diagnostics catalogue (docs/diagnostics.md),
in the terminal; without an argument, the list of every rule.

The catalogue ships inside the wheel (`odyssey_dsl/docs/diagnostics.md`, read through
importlib.resources); a checkout reads its own docs/. Exit codes: 0 shown, 2 an unknown rule
(with a did-you-mean) or a catalogue that is not installed.
"""

from __future__ import annotations

import json
import re
import sys
from importlib import resources
from pathlib import Path

import click

from ..diagnostics import CODES, NAMES, Descriptor, Safety, closest, lookup
from .exits import fail
from .options import colour_choice, colour_option

_HEADING = re.compile(r"^## (ODY\d{3}) — ")
_FENCE = re.compile(r"^(```|~~~)")


@click.command(name="explain", context_settings={"max_content_width": 100})
@click.argument("rule", required=False, shell_complete=lambda _ctx, _param, word: _rules_starting(word))
@click.option("--format", "fmt", type=click.Choice(["human", "json"]), default="human", show_default=True,
              help="How to print it: for people, or as JSON for tools.")
@colour_option("Render the page in colour")
def command(rule: str | None, fmt: str) -> None:
    """Explain the rule RULE (a code like ODY102 or a name like cue-out-of-order): what it
    finds, why it matters, an example, and whether `ody lint --fix` fixes it. Without RULE,
    list every rule."""
    pages = _pages()
    if rule is None:
        chosen = sorted(CODES.values(), key=lambda d: d.code)  # declared by family, listed by number
    else:
        found = lookup(rule.strip())
        if found is None:
            guess = _code_guess(rule.strip()) or closest(rule.strip().lower(), tuple(NAMES))
            fail(f"no rule is called `{rule}`",
                 f"did you mean `{guess}`?" if guess else "`ody explain` lists every rule")
        chosen = [found]
    if fmt == "json":
        items = [_item(d, pages.get(d.code, "")) for d in chosen]
        click.echo(json.dumps(items if rule is None else items[0], indent=2, ensure_ascii=False))
    elif rule is None:
        click.echo("".join(_row(d) for d in chosen), nl=False)
    else:
        _show(chosen[0], pages.get(chosen[0].code, ""))


def _rules_starting(word: str) -> list[str]:
    """Shell completion: the codes and names that begin with `word` (codes in any case)."""
    return [c for c in CODES if c.startswith(word.upper())] + [n for n in NAMES if n.startswith(word.lower())]


def _item(d: Descriptor, text: str) -> dict[str, object]:
    return {"code": d.code, "name": d.name, "severity": d.severity.value, "summary": d.summary,
            "fix": d.fix.value, "silenceable": d.silenceable, "doc": d.doc, "text": text}


def _row(d: Descriptor) -> str:
    fix = "" if d.fix is Safety.NONE else f"fix: {d.fix.value}"
    return f"{d.code}  {d.name:<22} {d.severity.value:<8} {fix:<12} {d.summary}\n"


def _show(d: Descriptor, text: str) -> None:
    """The page: plain Markdown into a pipe, rendered on a terminal."""
    from ..report import colour_console, wants_colour

    page = f"# {d.code} — {d.summary}\n\n{text}\n"
    if not wants_colour(sys.stdout, colour_choice()):
        click.echo(page, nl=False)
        return
    from rich.markdown import Markdown

    colour_console(sys.stdout).print(Markdown(page), soft_wrap=False)


def _pages() -> dict[str, str]:
    """code → the text of its section (the heading left out), from the installed catalogue."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    fenced = False
    for line in _catalogue().splitlines():
        if _FENCE.match(line):
            fenced = not fenced
        elif not fenced and line.startswith(("# ", "## ")):
            heading = _HEADING.match(line)
            current = sections.setdefault(heading.group(1), []) if heading else None
            continue
        if current is not None:
            current.append(line)
    return {code: "\n".join(lines).strip() for code, lines in sections.items()}


def _catalogue() -> str:
    packaged = resources.files("odyssey_dsl") / "docs" / "diagnostics.md"
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    checkout = Path(__file__).resolve().parents[2] / "docs" / "diagnostics.md"
    if checkout.is_file():
        return checkout.read_text(encoding="utf-8")
    fail("the diagnostics catalogue is not installed (odyssey_dsl/docs/diagnostics.md)",
         "reinstall odyssey-dsl; the pages are also at https://github.com/odyssey-dsl/odyssey-dsl/blob/main/docs/diagnostics.md")


def _code_guess(word: str) -> str | None:
    """The code a mistyped one means: a letter O or I/l where a digit belongs is that digit
    (`ODY1O3` is ODY103, however close ODY113 also is), else the closest code."""
    upper = word.upper()
    if upper.startswith("ODY") and len(upper) == 6:
        digits = upper[3:].translate(str.maketrans("OIL", "011"))
        if "ODY" + digits in CODES:
            return "ODY" + digits
    return closest(upper, tuple(CODES))
