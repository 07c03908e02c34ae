"""The `ody` command line, run as users run it: the installed executable in a subprocess."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ODY = shutil.which("ody", path=str(Path(sys.executable).parent)) or "ody"
GOOD = '@0 start "a cat on a windowsill"\n@3s interact "the cat looks outside"\n@9s end\n'
BAD = '@0 start "a cat"\n@3s interct "oops"\n@6s interact "fine"\n@4s interact "late"\n@9s end\n'
WARN = '@0 start "a cat"\n@1s interact "quick"\n@9s end\n'


COLOUR_VARIABLES = ("NO_COLOR", "FORCE_COLOR", "CLICOLOR_FORCE", "TERM")


def ody(*args: str, cwd: Path, stdin: bytes | None = None,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`ody ARGS` in a subprocess; colour is off (NO_COLOR), unless `env` sets the colour
    variables itself (then none of the caller's is kept)."""
    if env is None:
        env = dict(os.environ, NO_COLOR="1")
    else:
        env = {k: v for k, v in os.environ.items() if k not in COLOUR_VARIABLES} | env
    result = subprocess.run([ODY, *args], cwd=cwd, input=stdin, capture_output=True, env=env, timeout=60)
    return subprocess.CompletedProcess(result.args, result.returncode,
                                       result.stdout.decode("utf-8"), result.stderr.decode("utf-8"))


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "good.ody").write_text(GOOD, encoding="utf-8")
    (tmp_path / "bad.ody").write_text(BAD, encoding="utf-8")
    (tmp_path / "warn.ody").write_text(WARN, encoding="utf-8")
    return tmp_path


def test_compile_prints_canonical_json(tree: Path) -> None:
    result = ody("compile", "good.ody", cwd=tree)
    assert result.returncode == 0, result.stderr
    assert result.stdout == json.dumps(json.loads(result.stdout), indent=2, ensure_ascii=False) + "\n"
    assert json.loads(result.stdout)[1] == {"timestamp_ms": 3000, "interact": {"prompt": "the cat looks outside"}}
    assert result.stderr == ""


def test_compile_request_body(tree: Path) -> None:
    (tree / "land.ody").write_text("orientation landscape\nprompt-expansion off\n" + GOOD, encoding="utf-8")
    body = json.loads(ody("compile", "--request", "land.ody", cwd=tree).stdout)
    assert list(body) == ["script", "portrait", "output_video", "bypass_vlm_expansion"]
    assert body["portrait"] is False and body["bypass_vlm_expansion"] is True and body["output_video"] is True


def test_compile_with_errors_writes_nothing_and_keeps_the_old_output(tree: Path) -> None:
    out = tree / "out.json"
    out.write_text("precious", encoding="utf-8")
    result = ody("compile", "bad.ody", "-o", "out.json", cwd=tree)
    assert result.returncode == 1
    assert out.read_text(encoding="utf-8") == "precious"
    assert "error[ODY004]" in result.stderr and "error[ODY102]" in result.stderr
    assert not [p for p in tree.iterdir() if p.name.startswith(".out.json")]


def test_compile_output_file_is_replaced_atomically(tree: Path) -> None:
    out = tree / "out.json"
    out.write_text("old", encoding="utf-8")
    result = ody("compile", "good.ody", "-o", "out.json", cwd=tree)
    assert result.returncode == 0, result.stderr
    assert json.loads(out.read_text(encoding="utf-8"))[0]["timestamp_ms"] == 0
    assert sorted(p.name for p in tree.iterdir()) == ["bad.ody", "good.ody", "out.json", "warn.ody"]



@pytest.mark.parametrize("command", [("compile", "good.ody"), ("decompile", "out.json"),
                                     ("export", "--vtt", "good.ody")])
def test_an_output_of_dash_is_stdout_and_of_dot_slash_dash_a_file(tree: Path, command: tuple[str, ...]) -> None:
    """It wrote a file named `-`; then compile and decompile took `./-` for stdout too."""
    assert ody("compile", "good.ody", "-o", "out.json", cwd=tree).returncode == 0
    before = sorted(p.name for p in tree.iterdir())
    to_stdout = ody(*command, cwd=tree)
    dashed = ody(*command, "-o", "-", cwd=tree)
    assert dashed.returncode == 0, dashed.stderr
    assert dashed.stdout == to_stdout.stdout != ""
    assert sorted(p.name for p in tree.iterdir()) == before
    to_file = ody(*command, "-o", "./-", cwd=tree)
    assert (to_file.returncode, to_file.stdout) == (0, "")
    assert (tree / "-").read_text(encoding="utf-8") == to_stdout.stdout

def test_an_interruption_that_ends_a_string_exec_still_exits_130_under_python_m(tmp_path: Path) -> None:
    """CPython marks a KeyboardInterrupt that ends a string exec (a dataclass made while an
    import runs, as SIGTERM arrives) unhandled even once caught, and `python -m` then died by
    SIGINT (-2) instead of exiting 130: `ody preview --watch` did, 1 run in 12 under load."""
    (tmp_path / "probe.py").write_text(  # `ody explain`, interrupted inside a string exec
        "import sys\n"
        "from odyssey_dsl.cli import app, explain\n"
        "explain.command.callback = lambda **_: exec('raise KeyboardInterrupt')\n"
        "sys.argv = ['ody', 'explain', 'ODY004']\n"
        "app.run()\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "probe"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stderr) == (130, "ody explain: interrupted\n")


def test_compile_stdin_with_filename(tree: Path) -> None:
    result = ody("compile", "-", "--stdin-filename", "scenes/x.ody", cwd=tree, stdin=BAD.encode())
    assert result.returncode == 1
    assert "scenes/x.ody:2:5" in result.stderr


def test_lint_every_mistake_at_once_in_human_format(tree: Path) -> None:
    result = ody("lint", "bad.ody", cwd=tree)
    assert result.returncode == 1
    out = result.stdout
    assert "error[ODY004]: unknown action `interct`" in out
    assert "--> bad.ody:2:5" in out
    assert "2 | @3s interct \"oops\"" in out
    assert "  |     ^^^^^^^" in out
    assert "help: did you mean `interact`?" in out
    assert "error[ODY102]: this cue (4s) comes before the cue before it (6s)" in out
    assert "3 | @6s interact \"fine\"" in out and "the previous cue, at 6s" in out
    assert out.rstrip().endswith("2 errors in 1 file")
    assert "\x1b[" not in out  # no colour into a pipe


def test_lint_gcc_and_json_and_github(tree: Path) -> None:
    gcc = ody("lint", "--format", "gcc", "bad.ody", cwd=tree).stdout.splitlines()
    assert gcc[0] == "bad.ody:2:5: error: unknown action `interct` [ODY004]"
    items = json.loads(ody("lint", "--format", "json", "bad.ody", cwd=tree).stdout)
    assert {k for k in items[0]} >= {"file", "line", "column", "end_line", "end_column", "severity", "code", "message", "help"}
    assert (items[0]["line"], items[0]["column"], items[0]["end_column"], items[0]["code"]) == (2, 5, 12, "ODY004")
    assert items[0]["fixes"][0]["replacement"] == "interact"
    github = ody("lint", "--format", "github", "bad.ody", cwd=tree).stdout.splitlines()
    assert github[0].startswith("::error file=bad.ody,line=2,col=5,endLine=2,endColumn=12,title=ODY004::")


def test_warnings_pass_unless_strict(tree: Path) -> None:
    assert ody("lint", "warn.ody", cwd=tree).returncode == 0
    assert ody("lint", "--strict", "warn.ody", cwd=tree).returncode == 1
    quiet = ody("lint", "--ignore", "ODY201", "--strict", "warn.ody", cwd=tree)
    assert quiet.returncode == 0 and quiet.stdout == ""


def test_ignoring_an_error_code_is_itself_a_warning(tree: Path) -> None:
    result = ody("lint", "--ignore", "ODY102", "--format", "gcc", "bad.ody", "warn.ody", cwd=tree)
    assert result.returncode == 1
    assert "[ODY102]" in result.stdout  # the error stays
    assert result.stderr == "ody lint: warning: ODY102 (--ignore) is an error and cannot be suppressed [ODY203]\n"


def test_malformed_ignore_is_a_usage_error(tree: Path) -> None:
    result = ody("lint", "--ignore", "ODY201;ODY202", "good.ody", cwd=tree)
    assert result.returncode == 2 and "is neither a diagnostic code like ODY201 nor a rule's name" in result.stderr


def test_ignore_takes_a_rule_name_as_well_as_a_code(tree: Path) -> None:
    assert ody("lint", "--strict", "warn.ody", cwd=tree).returncode == 1
    quiet = ody("lint", "--ignore", "short-gap", "--strict", "warn.ody", cwd=tree)
    assert quiet.returncode == 0 and quiet.stdout == "", quiet.stderr


def test_the_json_format_names_each_rule(tree: Path) -> None:
    found = json.loads(ody("lint", "--format", "json", "warn.ody", cwd=tree).stdout)
    assert [(d["code"], d["name"]) for d in found] == [("ODY201", "short-gap")]


def test_no_strict_overrides_the_project(tree: Path) -> None:
    (tree / "ody.toml").write_text("strict = true\n", encoding="utf-8")
    assert ody("lint", "warn.ody", cwd=tree).returncode == 1
    assert ody("lint", "--no-strict", "warn.ody", cwd=tree).returncode == 0


def test_stdin_twice_is_a_usage_error(tree: Path) -> None:
    assert ody("lint", "-", "-", cwd=tree, stdin=b"").returncode == 2


def test_output_through_a_symlink_keeps_the_link(tree: Path) -> None:
    (tree / "real.json").write_text("old", encoding="utf-8")
    (tree / "link.json").symlink_to("real.json")
    assert ody("compile", "good.ody", "-o", "link.json", cwd=tree).returncode == 0
    assert (tree / "link.json").is_symlink()
    assert json.loads((tree / "real.json").read_text(encoding="utf-8"))[0]["timestamp_ms"] == 0


def test_project_config_is_shared(tree: Path) -> None:
    (tree / "pyproject.toml").write_text('[tool.ody]\nstrict = true\nignore = ["ODY202"]\n', encoding="utf-8")
    assert ody("lint", "warn.ody", cwd=tree).returncode == 1  # strict from the file
    (tree / "ody.toml").write_text('strict = true\nignore = ["ODY201"]\n', encoding="utf-8")
    assert ody("lint", "warn.ody", cwd=tree).returncode == 0  # ody.toml wins in the same folder
    (tree / "ody.toml").write_text("strictt = true\n", encoding="utf-8")
    broken = ody("lint", "warn.ody", cwd=tree)
    assert broken.returncode == 2 and "strictt" in broken.stderr and "Traceback" not in broken.stderr


def test_missing_file_is_one_line_and_two_wins(tree: Path) -> None:
    result = ody("lint", "--format", "gcc", "nope.ody", "bad.ody", cwd=tree)
    assert result.returncode == 2
    assert result.stderr == "ody lint: nope.ody: no such file\n"
    assert "bad.ody:2:5" in result.stdout  # the readable input was still linted


def test_folders_are_walked(tree: Path) -> None:
    sub = tree / "act1"
    sub.mkdir()
    (sub / "inner.ody").write_text(BAD, encoding="utf-8")
    (tree / ".hidden").mkdir()
    (tree / ".hidden" / "skip.ody").write_text(BAD, encoding="utf-8")
    result = ody("lint", "--format", "gcc", ".", cwd=tree)
    files = {line.split(":")[0] for line in result.stdout.splitlines()}
    assert files == {"act1/inner.ody", "bad.ody", "warn.ody"}


def test_too_large_input_is_refused(tree: Path) -> None:
    result = ody("lint", "--max-bytes", "10", "good.ody", cwd=tree)
    assert result.returncode == 2 and "over the" in result.stderr and "--max-bytes" in result.stderr


def test_binary_junk_gives_diagnostics_not_a_traceback(tree: Path) -> None:
    (tree / "junk.ody").write_bytes(b'@0 start "ok"\n\xff\xfe\x00\x01 garbage\n@3s end\n')
    result = ody("lint", "--format", "gcc", "junk.ody", cwd=tree)
    assert result.returncode == 1
    assert "junk.ody:2:1: error: the file is not valid UTF-8" in result.stdout
    assert "Traceback" not in result.stderr


def test_usage_errors_exit_2(tree: Path) -> None:
    assert ody("lint", cwd=tree).returncode == 2
    assert ody("lint", "--format", "xml", "good.ody", cwd=tree).returncode == 2
    assert ody("compile", cwd=tree).returncode == 2
    assert ody("compile", ".", cwd=tree).returncode == 2


def test_check_json_script(tree: Path) -> None:
    (tree / "s.json").write_text(json.dumps([
        {"timestamp_ms": 0, "start": {"prompt": "a", "image": None}},
        {"timestamp_ms": 3000, "intreact": {"prompt": "b"}},
        {"timestamp_ms": 9000, "end": {}},
    ], indent=2), encoding="utf-8")
    result = ody("check", "--format", "gcc", "s.json", cwd=tree)
    assert result.returncode == 1
    assert result.stdout.startswith("s.json:11:5: error: unknown key `intreact` in script[1] [ODY302]")


def test_schema_matches_the_models_and_validates_output(tree: Path) -> None:
    import jsonschema

    from odyssey_dsl.models import render_schema

    printed = ody("schema", cwd=tree).stdout
    assert printed == render_schema()
    schema = json.loads(printed)
    jsonschema.validate(json.loads(ody("compile", "good.ody", cwd=tree).stdout), schema)
    jsonschema.validate(json.loads(ody("compile", "--request", "good.ody", cwd=tree).stdout), schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate([{"timestamp_ms": -1, "end": {}}], schema)


def test_version_and_help(tree: Path) -> None:
    assert ody("--version", cwd=tree).stdout.startswith("ody, version ")
    assert "compile" in ody("--help", cwd=tree).stdout


def test_stdin_filename_finds_the_project_config(tree: Path) -> None:
    project = tree / "proj"
    (project / "sub").mkdir(parents=True)
    (project / "pyproject.toml").write_text('[tool.ody]\nignore = ["ODY201"]\n', encoding="utf-8")
    named = ody("lint", "-", "--stdin-filename", "proj/sub/w.ody", cwd=tree, stdin=WARN.encode())
    assert named.returncode == 0 and named.stdout == ""
    unnamed = ody("lint", "-", cwd=tree, stdin=WARN.encode())
    assert "warning[ODY201]" in unnamed.stdout


def test_json_diagnostics_name_their_entry(tmp_path: Path) -> None:
    from odyssey_dsl.jsoncheck import check_json

    body = {"script": [{"timestamp_ms": 0, "start": {"prompt": "a"}}, {"timestamp_ms": 5000, "interact": {"prompt": "b"}},
                       {"timestamp_ms": 3000, "interact": {"prompt": "c"}}, {"timestamp_ms": 9000, "end": {}}]}
    result = check_json(json.dumps(body).encode(), base_dir=tmp_path)
    (error,) = [d for d in result.diagnostics if d.code == "ODY102"]
    entry = result.entry_of(error)
    assert entry is not None
    label, cue = entry
    assert (label, cue.action, cue.time.ms) == ("script[2]", "interact", 3000)


@pytest.mark.parametrize("body", [
    {}, {"portrait": True}, {"script_url": "x", "script": [{"timestamp_ms": 0, "end": {}}]},
    {"script": [{"timestamp_ms": 0, "end": {}}], "output_video": False},
    {"script": [{"timestamp_ms": 0, "interact": {"prompt": "  "}}]},
])
def test_schema_refuses_bodies_the_api_refuses(body: dict[str, Any]) -> None:
    import jsonschema

    from odyssey_dsl.emit import schema_text

    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(body, json.loads(schema_text()))


@pytest.mark.parametrize(("args", "code", "message"), [
    (["lint", "nope.ody"], 2, "ody lint: nope.ody: no such file\n"),
    (["check", "nope.json"], 2, "ody check: nope.json: no such file\n"),
    (["compile", "nope.ody"], 2, "ody compile: nope.ody: no such file\n"),
    (["fmt", "--check", "nope.ody"], 2, "ody fmt: nope.ody: no such file\n"),
    (["decompile", "nope.json"], 2, "ody decompile: nope.json: no such file\n"),
    (["run", "-"], 2, "ody run: needs screenplay files, not `-`: the file's name names its recordings\n"),
    (["config", "set", "colour", "red"], 2, "ody config: unknown setting `colour`\n  hint: known: "),
    (["emulator", "--host", "10.1.2.3"], 2, "ody emulator: 10.1.2.3 is not a loopback address"),
])
def test_every_command_fails_in_one_way_under_its_own_prefix(tree: Path, args: list[str], code: int,
                                                             message: str) -> None:
    result = ody(*args, cwd=tree)
    assert result.returncode == code
    assert result.stderr.startswith(message)
    assert "Traceback" not in result.stderr
    assert not [line for line in result.stderr.splitlines() if line.startswith("ody: ")]


def test_a_report_of_every_line_streams_in_every_format_and_the_exit_code_counts_them_all(tmp_path: Path) -> None:
    """JSON lists every diagnostic, laid out as json.dumps(indent=2) lays out the whole list;
    the human format stops after 200 of a file and says how many more there are."""
    (tmp_path / "many.ody").write_text('@0 start "a"\n' + "x\n" * 300, encoding="utf-8")
    (tmp_path / "more.ody").write_text('@0 start "a"\ny\n', encoding="utf-8")
    (tmp_path / "good.ody").write_text(GOOD, encoding="utf-8")
    as_json = ody("lint", "--format", "json", "many.ody", "more.ody", cwd=tmp_path)
    items = json.loads(as_json.stdout)
    assert as_json.returncode == 1 and len(items) == 301
    assert as_json.stdout == json.dumps(items, indent=2, ensure_ascii=False) + "\n"
    assert [i["file"] for i in items[299:]] == ["many.ody", "more.ody"]
    human = ody("lint", "many.ody", "more.ody", cwd=tmp_path)
    assert human.returncode == 1
    assert human.stdout.count("error[ODY004]") == 201
    assert "... and 100 more in many.ody (use --format json to see them all)\n" in human.stdout
    assert human.stdout.endswith("301 errors in 2 of 2 files\n")
    for fmt in ("gcc", "github"):
        lines = ody("lint", "--format", fmt, "many.ody", "more.ody", cwd=tmp_path)
        assert lines.returncode == 1 and len(lines.stdout.splitlines()) == 301
    assert ody("lint", "--format", "json", "good.ody", cwd=tmp_path).stdout == "[]\n"


# --- hostile input: a clear message, never an internal error -------------------------------


@pytest.mark.parametrize("limit", [1 << 40, 1 << 63])
def test_a_huge_max_bytes_reads_what_there_is(tree: Path, limit: int) -> None:
    """`f.read(limit + 1)` was a MemoryError (1 TiB) or an OverflowError (2^63) on a small file."""
    (tree / "ody.toml").write_text(f"max-bytes = {limit}\n", encoding="utf-8")
    (tree / "s.json").write_text('[{"timestamp_ms": 0, "start": {"prompt": "a"}}, {"timestamp_ms": 3000, "end": {}}]',
                                 encoding="utf-8")
    for args, stdin in ((["lint", "good.ody"], None), (["lint", "-"], GOOD.encode()),
                        (["fmt", "-"], GOOD.encode()), (["check", "s.json"], None),
                        (["decompile", "s.json"], None), (["decompile", "-"], (tree / "s.json").read_bytes()),
                        (["lint", "--max-bytes", str(limit), "good.ody"], None)):
        result = ody(*args, cwd=tree, stdin=stdin)
        assert result.returncode == 0 and "internal error" not in result.stderr, (args, result.stderr)


@pytest.mark.parametrize("name", ["x\x07\rred.ody", "\x1bc.ody", "tab\there.ody"])
def test_messages_never_carry_control_characters(tree: Path, name: str) -> None:
    for args in (["lint", name], ["compile", name], ["fmt", name], ["decompile", name]):
        result = ody(*args, cwd=tree)
        assert result.returncode == 2
        assert result.stderr.endswith(": no such file\n") and result.stderr[:-1].isprintable(), result.stderr


def test_a_deeply_nested_config_is_a_config_error(tree: Path) -> None:
    (tree / "pyproject.toml").write_text("[tool.ody]\nstrict = true\n[tool.other]\nx = " + "[" * 1000 + "]" * 1000 + "\n",
                                         encoding="utf-8")
    result = ody("lint", "good.ody", cwd=tree)
    assert result.returncode == 2
    assert result.stderr == "ody lint: pyproject.toml: invalid TOML: tables or arrays nested too deeply\n"
