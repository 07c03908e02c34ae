"""`ody lint`, `compile` and `check` on screenplays that include files, define names and vary:
every format places a diagnostic in its own file, a run shows an included file's diagnostics
once, `--fix` edits only the file it fixes. Run as users run `ody`: the installed executable
in a subprocess."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from test_cli import ody

#: A library: a define repeated by `main.ody`, a directive set again there, a stray brace (ODY111).
LIB = '# the shared look\ndefine hero "a ginger cat"\ndefine mood "calm {"\norientation landscape\n'
MAIN = 'include "lib.ody"\ndefine hero "dup"\norientation portrait\n@0 start "{hero} waits"\n@3s end\n'
OTHER = 'include "lib.ody"\n@0 start "{hero} sleeps"\n@3s end\n'


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name, text in (("lib.ody", LIB), ("main.ody", MAIN), ("other.ody", OTHER)):
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def places(result_stdout: str) -> list[tuple[str, int, int, str]]:
    return [(d["file"], d["line"], d["column"], d["code"]) for d in json.loads(result_stdout)]


MAIN_PLACES = [("main.ody", 2, 8, "ODY114"), ("main.ody", 3, 1, "ODY109"), ("lib.ody", 3, 19, "ODY111")]


def test_every_format_places_a_diagnostic_in_its_own_file(project: Path) -> None:
    assert places(ody("lint", "--format", "json", "main.ody", cwd=project).stdout) == MAIN_PLACES
    gcc = ody("lint", "--format", "gcc", "main.ody", cwd=project).stdout.splitlines()
    assert [tuple(line.split(":")[:3]) for line in gcc] == [(f, str(a), str(b)) for f, a, b, _ in MAIN_PLACES]
    github = ody("lint", "--format", "github", "main.ody", cwd=project).stdout.splitlines()
    assert [re.match(r"::error file=([^,]+),line=(\d+),col=(\d+)", line).groups()  # type: ignore[union-attr]
            for line in github] == [(f, str(a), str(b)) for f, a, b, _ in MAIN_PLACES]
    human = ody("lint", "main.ody", cwd=project).stdout
    assert [tuple(m) for m in re.findall(r"--> ([^:]+):(\d+):(\d+)", human)] == [
        (f, str(a), str(b)) for f, a, b, _ in MAIN_PLACES]


def test_the_human_format_shows_the_lines_of_the_included_file(project: Path) -> None:
    """The related place of a define repeated from a library shows the library's line, not the
    line of the same number in the file linted; an included file's own problem shows its line."""
    out = ody("lint", "main.ody", cwd=project).stdout
    defined_twice = out.split("\n\n")[0]
    assert defined_twice.splitlines()[1:] == [
        " --> main.ody:2:8",
        "  |",
        '2 | define hero "dup"',
        "  |        ^^^^",
        " ::: lib.ody:2:8",
        "  |",
        '2 | define hero "a ginger cat"',
        "  |        ---- `hero` is first defined here",
        "  = help: give each define its own name, or remove one",
    ]
    assert "4 | orientation landscape\n  | --------------------- `orientation` is first set here" in out
    assert ' --> lib.ody:3:19\n  |\n3 | define mood "calm {"\n  |                   ^\n' in out
    assert out.endswith("3 errors in 1 file\n")


def test_json_places_related_places_and_fixes_in_another_file_only_there(project: Path) -> None:
    items = json.loads(ody("lint", "--format", "json", "main.ody", cwd=project).stdout)
    assert items[0]["related"] == [{"message": "`hero` is first defined here",
                                    "range": {"line": 2, "column": 8, "end_line": 2, "end_column": 12},
                                    "file": "lib.ody"}]
    (bad,) = json.loads(ody("lint", "--format", "json", "lib.ody", cwd=project).stdout)
    assert "file" not in bad["fixes"][0]  # in the diagnostic's own file: no field added


def test_sarif_locates_each_place_in_its_own_artifact(project: Path) -> None:
    log = json.loads(ody("lint", "--format", "sarif", "main.ody", cwd=project).stdout)
    results = log["runs"][0]["results"]
    where = [(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
              r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in results]
    assert where == [("main.ody", 2), ("main.ody", 3), ("lib.ody", 3)]
    related = results[0]["relatedLocations"][0]["physicalLocation"]
    assert related["artifactLocation"] == {"uri": "lib.ody", "uriBaseId": "%SRCROOT%"}
    assert related["region"]["startLine"] == 2


def test_a_folder_reports_a_library_once_however_many_files_include_it(project: Path) -> None:
    result = ody("lint", "--format", "json", ".", cwd=project)
    assert result.returncode == 1
    assert places(result.stdout) == [("lib.ody", 3, 19, "ODY111"), *MAIN_PLACES[:2]]
    human = ody("lint", ".", cwd=project)
    assert human.stdout.count("--> lib.ody:3:19") == 1
    assert human.stdout.endswith("3 errors in 2 of 3 files\n")


def test_a_library_read_after_the_files_that_include_it_is_reported_once_too(project: Path) -> None:
    """`zlib.ody` comes last: its problem is shown with the first file that includes it."""
    (project / "lib.ody").rename(project / "zlib.ody")
    for name in ("main.ody", "other.ody"):
        (project / name).write_text((project / name).read_text(encoding="utf-8").replace("lib.ody", "zlib.ody"),
                                    encoding="utf-8")
    result = ody("lint", "--format", "gcc", ".", cwd=project)
    assert result.returncode == 1
    assert [line.split(": ")[0] for line in result.stdout.splitlines()] == [
        "main.ody:2:8", "main.ody:3:1", "zlib.ody:3:19"]
    assert ody("lint", ".", cwd=project).stdout.endswith("3 errors in 1 of 3 files\n")


def test_a_file_with_only_included_problems_still_fails(project: Path) -> None:
    """What the exit code reads is every diagnostic of a file, shown with it or before it."""
    assert ody("lint", "other.ody", cwd=project).returncode == 1
    both = ody("lint", "--format", "gcc", "lib.ody", "other.ody", cwd=project)
    assert both.returncode == 1 and both.stdout.count("lib.ody:3:19") == 1


def test_a_library_on_its_own_is_clean_and_has_nothing_to_compile(tmp_path: Path) -> None:
    (tmp_path / "look.ody").write_text('define hero "a ginger cat"\nstyle "35 mm film grain"\n', encoding="utf-8")
    lint = ody("lint", "look.ody", cwd=tmp_path)
    assert (lint.returncode, lint.stdout) == (0, "")
    compiled = ody("compile", "look.ody", "-o", "out.json", cwd=tmp_path)
    assert compiled.returncode == 1
    assert compiled.stderr == ("ody compile: look.ody is a library (header lines, no cue): nothing to compile; "
                               "compile a screenplay that includes it\n")
    assert compiled.stdout == "" and not (tmp_path / "out.json").exists()


def test_an_empty_file_is_no_library(tmp_path: Path) -> None:
    (tmp_path / "empty.ody").write_text("# nothing yet\n", encoding="utf-8")
    assert "ODY101" in ody("lint", "--format", "gcc", "empty.ody", cwd=tmp_path).stdout


VARIED = 'define hero "{a ginger cat|a black dog}"\n@0 start "{hero} wakes"\n@3s interact "{hero} {runs|sits}"\n@6s end\n'


def test_compile_writes_the_batch_of_variants(tmp_path: Path) -> None:
    (tmp_path / "v.ody").write_text(VARIED, encoding="utf-8")
    result = ody("compile", "v.ody", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    scripts = json.loads(result.stdout)
    assert [[e.get("start", e.get("interact", {})).get("prompt") for e in s][:2] for s in scripts] == [
        ["a ginger cat wakes", "a ginger cat runs"], ["a ginger cat wakes", "a ginger cat sits"],
        ["a black dog wakes", "a black dog runs"], ["a black dog wakes", "a black dog sits"]]
    body = json.loads(ody("compile", "--request", "v.ody", cwd=tmp_path).stdout)
    assert list(body) == ["scripts", "portrait", "output_video"] and body["scripts"] == scripts


def test_fix_mends_braces_and_names_and_removes_a_define_only_when_unsafe(tmp_path: Path) -> None:
    """ODY111's doubling and ODY112's did-you-mean are safe, in one run (mending the braces
    reveals the misspelt name they hid); ODY209's removal waits for --unsafe-fixes."""
    play = tmp_path / "play.ody"
    play.write_text('define hero "a cat"\ndefine spare "x"\n@0 start "{heor} {oops"\n@3s interact "a } b"\n@6s end\n',
                    encoding="utf-8")
    safe = ody("lint", "--fix", "--format", "gcc", "play.ody", cwd=tmp_path)
    assert safe.returncode == 0, safe.stderr
    assert play.read_text(encoding="utf-8") == (
        'define hero "a cat"\ndefine spare "x"\n@0 start "{hero} {{oops"\n@3s interact "a }} b"\n@6s end\n')
    assert safe.stdout == "play.ody:2:8: warning: `spare` is never used [ODY209]\n"
    assert "fixed 3 problems in 1 file; 1 more with --unsafe-fixes" in safe.stderr
    unsafe = ody("lint", "--fix", "--unsafe-fixes", "play.ody", cwd=tmp_path)
    assert unsafe.returncode == 0 and unsafe.stdout == ""
    assert "define spare" not in play.read_text(encoding="utf-8")


def test_fix_never_edits_an_included_file_nor_the_file_at_its_places(project: Path) -> None:
    """The library's stray brace has a safe fix: `--fix main.ody` leaves it (and the line of
    the same place in main.ody) alone, reports it, and says where to fix it."""
    before = {p.name: p.read_bytes() for p in project.iterdir()}
    result = ody("lint", "--fix", "--format", "gcc", "main.ody", cwd=project)
    assert {p.name: p.read_bytes() for p in project.iterdir()} == before
    assert result.returncode == 1
    assert "lib.ody:3:19: error: a lone `{` that nothing closes [ODY111]" in result.stdout
    assert result.stderr.endswith("nothing to fix in 1 file; 1 in included files: fix it with `ody lint --fix` "
                                  "on those files\n")
    plain = ody("lint", "main.ody", cwd=project)
    assert "fixable" not in plain.stderr  # nothing `ody lint --fix main.ody` would fix
    fixed = ody("lint", "--fix", "lib.ody", cwd=project)
    assert fixed.returncode == 0, fixed.stdout
    assert (project / "lib.ody").read_text(encoding="utf-8") == LIB.replace('"calm {"', '"calm {{"')


def test_fix_of_a_file_whose_fix_moves_lines_keeps_the_included_problems_as_they_were(tmp_path: Path) -> None:
    """A fix adding a line (the missing `end`, above the library's line 5 in main.ody) moves the
    file's lines, not the library's: its problem is not taken for a new one, and the round
    stands; nor does the library's own fix, left out, stop the fixing."""
    (tmp_path / "lib.ody").write_text('# one\n# two\n# three\n# four\ndefine mood "calm {"\n', encoding="utf-8")
    (tmp_path / "main.ody").write_text('include "lib.ody"\n@0 start "a cat"\n@3s interact "naps"\n', encoding="utf-8")
    result = ody("lint", "--fix", "--unsafe-fixes", "--format", "gcc", "main.ody", cwd=tmp_path)
    assert "stopped" not in result.stderr, result.stderr
    assert (tmp_path / "main.ody").read_text(encoding="utf-8").endswith("@3s interact \"naps\"\n@6s end\n")
    assert result.stdout == "lib.ody:5:19: error: a lone `{` that nothing closes [ODY111]\n"


def test_check_reads_braces_in_json_prompts_as_text(tmp_path: Path) -> None:
    """`ody check` is unchanged: JSON prompts are sent as written, `{x}` and all."""
    script = [{"timestamp_ms": 0, "start": {"prompt": "a {x} and a } and {a|b}"}}, {"timestamp_ms": 3000, "end": {}}]
    (tmp_path / "s.json").write_text(json.dumps(script), encoding="utf-8")
    result = ody("check", "--format", "json", "s.json", cwd=tmp_path)
    assert (result.returncode, json.loads(result.stdout)) == (0, [])


def test_fix_of_a_folder_reports_what_is_left_once_the_library_is_fixed_too(project: Path) -> None:
    """`main.ody` and `other.ody` include `lib.ody`, fixed in the same run: what they are told
    is left is what is left after it (their report waits), and the exit code follows."""
    (project / "main.ody").write_text(OTHER.replace("sleeps", "wakes"), encoding="utf-8")
    (project / "lib.ody").rename(project / "zlib.ody")  # fixed after the files that include it
    for name in ("main.ody", "other.ody"):
        (project / name).write_text((project / name).read_text(encoding="utf-8").replace("lib.ody", "zlib.ody"),
                                    encoding="utf-8")
    result = ody("lint", "--fix", ".", cwd=project)
    assert (result.returncode, result.stdout) == (0, ""), result.stdout
    assert result.stderr == "zlib.ody: fixed 1 problem (ODY111 brace-problem)\nfixed 1 problem in 1 of 3 files\n"
    dry = ody("lint", "--diff", ".", cwd=project)
    assert (dry.returncode, dry.stdout) == (0, "")


def test_a_library_line_in_conflict_with_two_screenplays_is_shown_for_each(tmp_path: Path) -> None:
    """The run showed a shared library's error once, so the second screenplay's conflict (its
    own `style`, the related place) went unsaid: the related places make a diagnostic distinct."""
    (tmp_path / "lib.ody").write_text('style "s"\n', encoding="utf-8")
    for name in ("a", "b"):
        (tmp_path / f"{name}.ody").write_text(f'style "{name}"\ninclude "lib.ody"\n@0 start "x"\n@3s end\n',
                                              encoding="utf-8")
    result = ody("lint", "--format", "json", ".", cwd=tmp_path)
    found = json.loads(result.stdout)
    twice = [d for d in found if d["code"] == "ODY109"]
    assert [Path(d["file"]).name for d in twice] == ["lib.ody", "lib.ody"]
    assert sorted(Path(d["related"][0]["file"]).name for d in twice) == ["a.ody", "b.ody"]


def test_a_library_linted_alone_does_not_judge_the_names_its_includers_give(tmp_path: Path) -> None:
    (tmp_path / "lib.ody").write_text('style "{color} light"\n', encoding="utf-8")
    (tmp_path / "m.ody").write_text('include "lib.ody"\ndefine color "red"\n@0 start "a"\n@3s end\n', encoding="utf-8")
    assert ody("lint", ".", cwd=tmp_path).returncode == 0
    (tmp_path / "m.ody").write_text('include "lib.ody"\n@0 start "a"\n@3s end\n', encoding="utf-8")
    result = ody("lint", "--format", "gcc", ".", cwd=tmp_path)  # no define of it anywhere: the screenplay says so
    assert result.returncode == 1 and "lib.ody:1:8: error: `{color}` names no define [ODY112]" in result.stdout
