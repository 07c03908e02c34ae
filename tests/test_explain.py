"""`ody explain`: a rule's page of docs/diagnostics.md, found in the installed package."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from test_cli import ODY, ody

from odyssey_dsl import CODES

ROOT = Path(__file__).resolve().parent.parent


def test_explain_prints_the_rules_page_by_code_or_name(tmp_path: Path) -> None:
    by_code, by_name = ody("explain", "ody004", cwd=tmp_path), ody("explain", "unknown-keyword", cwd=tmp_path)
    assert by_code.returncode == 0 and by_code.stdout == by_name.stdout
    page = by_code.stdout
    assert page.startswith("# ODY004 — unknown action or directive\n\n**Name:** `unknown-keyword`")
    for part in ("**Fix:** safe", "**When:**", "**Why it matters:**", "```ody\n", "**How to fix it:**"):
        assert part in page
    assert "## ODY005" not in page and "\x1b[" not in page  # one section, plain into a pipe


def test_every_code_has_its_page_in_json_with_its_fix_safety(tmp_path: Path) -> None:
    everything = json.loads(ody("explain", "--format", "json", cwd=tmp_path).stdout)
    assert [item["code"] for item in everything] == sorted(CODES)
    for item in everything:
        d = CODES[item["code"]]
        assert item == {"code": d.code, "name": d.name, "severity": d.severity.value, "summary": d.summary,
                        "fix": d.fix.value, "silenceable": d.silenceable, "doc": d.doc, "text": item["text"]}
        assert item["text"].startswith(f"**Name:** `{d.name}`") and f"**Fix:** {d.fix.value}" in item["text"]
    one = json.loads(ody("explain", "short-gap", "--format", "json", cwd=tmp_path).stdout)
    assert one["code"] == "ODY201" and one["fix"] == "none" and one["silenceable"] is True


def test_explain_without_a_rule_lists_them_all(tmp_path: Path) -> None:
    listing = ody("explain", cwd=tmp_path)
    rows = listing.stdout.splitlines()
    assert listing.returncode == 0 and len(rows) == len(CODES)
    assert rows[3].split() == ["ODY004", "unknown-keyword", "error", "fix:", "safe", "unknown", "action", "or", "directive"]
    assert rows[[r.split()[0] for r in rows].index("ODY201")].split()[:3] == ["ODY201", "short-gap", "warning"]
    assert [r.split()[0] for r in rows] == sorted(CODES)  # by number, whatever the declaration order


@pytest.mark.parametrize(("asked", "hint"), [("ODY1O3", "ODY103"), ("cue-out-of-ordr", "cue-out-of-order"), ("xyzzy", None)])
def test_an_unknown_rule_is_a_usage_error_with_a_did_you_mean(tmp_path: Path, asked: str, hint: str | None) -> None:
    done = ody("explain", asked, cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith(f"ody explain: no rule is called `{asked}`\n  hint: ")
    assert (f"did you mean `{hint}`?" if hint else "`ody explain` lists every rule") in done.stderr


def test_on_a_terminal_the_page_is_rendered(tmp_path: Path) -> None:
    leader, follower = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"} | {"COLUMNS": "100", "TERM": "xterm-256color"}
    done = subprocess.run([ODY, "explain", "ODY103"], stdout=follower, stderr=subprocess.PIPE, env=env, cwd=tmp_path,
                          timeout=60)
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed: everything was read
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    text = shown.decode("utf-8")
    assert done.returncode == 0, done.stderr
    assert "\x1b[" in text and "**Name:**" not in text and "missing-end" in text


@pytest.mark.parametrize(("flags", "env", "coloured"), [
    (["--color", "always"], {}, True), ([], {"FORCE_COLOR": "1"}, True), ([], {"CLICOLOR_FORCE": "1"}, True),
    (["--color", "never"], {"FORCE_COLOR": "1"}, False), ([], {"NO_COLOR": "1", "FORCE_COLOR": "1"}, False),
])
def test_colour_follows_the_flag_and_the_environment_as_lint_does(
        tmp_path: Path, flags: list[str], env: dict[str, str], coloured: bool) -> None:
    base = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "CLICOLOR_FORCE")}
    done = subprocess.run([ODY, "explain", "ODY103", *flags], capture_output=True, text=True, env=base | env,
                          cwd=tmp_path, timeout=60)
    assert done.returncode == 0, done.stderr
    assert ("\x1b[" in done.stdout) is coloured and "missing-end" in done.stdout


def test_an_installed_wheel_finds_the_pages_inside_the_package(tmp_path: Path) -> None:
    """Not a path into the checkout: the wheel, unpacked alone, answers."""
    pytest.importorskip("hatchling", reason="hatchling (the dev extra) builds the wheel")
    built = subprocess.run([sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(tmp_path / "dist")],
                           cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    script = ("import sys; sys.path.insert(0, sys.argv[1]); import odyssey_dsl;"
              " assert odyssey_dsl.__file__.startswith(sys.argv[1]);"
              " sys.argv = ['ody', 'explain', 'ODY102']; from odyssey_dsl.cli import run; run()")
    done = subprocess.run([sys.executable, "-c", script, str(site)], cwd=tmp_path, capture_output=True, text=True,
                          timeout=60, env=dict(os.environ, NO_COLOR="1"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("# ODY102 — cue not later than the cue before it\n")
    assert not (site / "docs").exists() and (site / "odyssey_dsl" / "docs" / "diagnostics.md").is_file()


def test_the_shell_completes_codes_and_names(tmp_path: Path) -> None:
    env = dict(os.environ, _ODY_COMPLETE="bash_complete", COMP_WORDS="ody explain cue-", COMP_CWORD="2")
    done = subprocess.run([ODY], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.stdout.splitlines() == ["plain,cue-out-of-order", "plain,cue-after-end"]
    env["COMP_WORDS"] = "ody explain ody2"
    done = subprocess.run([ODY], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert [line.split(",")[1] for line in done.stdout.splitlines()] == [c for c in CODES if c.startswith("ODY2")]
