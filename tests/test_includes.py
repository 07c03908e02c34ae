"""`include "path.ody"`: where included files are found, what they may hold, and where their
mistakes are reported (includes.py, checks.py), through files on disk and a resolver."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

from odyssey_dsl import Compilation, Settings
from odyssey_dsl.compiler import SourceError, compile_path, compile_text
from odyssey_dsl.diagnostics import Span
from odyssey_dsl.includes import MAX_DEPTH

BODY = '@0 start "{hero} waits"\n@3s end\n'


@pytest.fixture(autouse=True)
def _in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Paths as a writer gives them on the command line: relative to the current folder."""
    monkeypatch.chdir(tmp_path)


def write(folder: Path, files: Mapping[str, str | bytes]) -> None:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))


def seen(result: Compilation) -> list[tuple[str | None, str, Span, str]]:
    """(file, code, span, message) of each diagnostic, in the compiler's order."""
    return [(d.file, d.code, d.span, d.message) for d in result.diagnostics]


def first_prompt(result: Compilation) -> str:
    assert result.ok, result.diagnostics
    return str(json.loads(result.script_json())[0]["start"]["prompt"])


def test_paths_are_relative_to_the_including_file_and_includes_nest(tmp_path: Path) -> None:
    write(tmp_path, {"play/main.ody": 'include "../lib/cast.ody"\n' + BODY,
                     "lib/cast.ody": 'include "looks/warm.ody"\ndefine hero "{cat} by the fire"\n',
                     "lib/looks/warm.ody": 'define cat "a ginger cat"\nstyle "warm light"\n'})
    assert first_prompt(compile_path(Path("play/main.ody"))) == "a ginger cat by the fire waits, warm light"


def _chain(folder: Path, depth: int) -> Path:
    """main.ody including f1.ody including ... f<depth>.ody, which defines `hero`."""
    files = {f"f{i}.ody": f'include "f{i + 1}.ody"\n' for i in range(1, depth)}
    files[f"f{depth}.ody"] = 'define hero "deep"\n'
    write(folder, {"main.ody": 'include "f1.ody"\n' + BODY, **files})
    return folder / "main.ody"


def test_includes_nest_sixteen_deep_but_not_seventeen(tmp_path: Path) -> None:
    assert first_prompt(compile_path(_chain(Path("ok"), MAX_DEPTH))) == "deep waits"
    result = compile_path(_chain(Path("deep"), MAX_DEPTH + 1))
    assert seen(result) == [("deep/f16.ody", "ODY115", Span(1, 9, 1, 18), "includes nest more than 16 deep")]


def test_depth_is_the_same_for_a_text_without_a_path(tmp_path: Path) -> None:
    files = {f"f{i}.ody": f'include "f{i + 1}.ody"\n' for i in range(1, MAX_DEPTH)}
    files[f"f{MAX_DEPTH}.ody"] = 'define hero "deep"\n'
    write(tmp_path, files)

    def resolver(path: Path) -> str:
        return (tmp_path / path.name).read_text(encoding="utf-8")

    assert first_prompt(compile_text('include "f1.ody"\n' + BODY, resolver=resolver)) == "deep waits"


def test_a_cycle_is_an_error_at_the_include_that_closes_it(tmp_path: Path) -> None:
    write(tmp_path, {"main.ody": 'include "a.ody"\ndefine hero "x"\n' + BODY, "a.ody": 'include "b.ody"\n',
                     "b.ody": 'include "main.ody"\n', "self.ody": 'include "self.ody"\n@0 start "x"\n@3s end\n'})
    assert seen(compile_path(Path("main.ody"))) == [
        ("b.ody", "ODY115", Span(1, 9, 1, 19), "this include makes a cycle: main.ody → a.ody → b.ody → main.ody")]
    assert seen(compile_path(Path("self.ody"))) == [
        (None, "ODY115", Span(1, 9, 1, 19), "this include makes a cycle: self.ody → self.ody")]


def test_a_file_included_twice_counts_once(tmp_path: Path) -> None:
    """Two parts of a series both include the same look: not "defined twice", not "set twice"."""
    write(tmp_path, {"main.ody": 'include "cast.ody"\ninclude "look.ody"\ninclude "look.ody"\n' + BODY,
                     "cast.ody": 'include "look.ody"\ndefine hero "{cat}"\n',
                     "look.ody": 'define cat "a cat"\nmin-gap 2s\nstyle "soft {{light}}"\n'})
    result = compile_path(Path("main.ody"))
    assert first_prompt(result) == "a cat waits, soft {light}" and result.options.min_gap_ms == 2000


def test_a_missing_file_a_folder_and_an_empty_path_are_errors_at_the_include_line(tmp_path: Path) -> None:
    write(tmp_path, {"main.ody": 'include "nope.ody"\ninclude "lib"\ninclude ""\n' + BODY, "lib/x.ody": ""})
    result = compile_path(Path("main.ody"))
    assert seen(result) == [
        (None, "ODY115", Span(1, 9, 1, 19), "cannot include `nope.ody`: no such file"),
        (None, "ODY115", Span(2, 9, 2, 14), "cannot include `lib`: is a folder, not a file"),
        (None, "ODY115", Span(3, 9, 3, 11), "the path is empty")]
    assert result.diagnostics[0].help == "check the path: it is relative to this file's folder"



def test_an_include_that_is_a_fifo_or_a_device_is_refused_without_opening_it(tmp_path: Path) -> None:
    """A FIFO was opened, and lint, preview and the editor's server waited for a writer forever."""
    write(tmp_path, {"main.ody": 'include "pipe.ody"\ninclude "zero.ody"\n' + BODY})
    os.mkfifo(tmp_path / "pipe.ody")
    (tmp_path / "zero.ody").symlink_to("/dev/zero")
    linted = subprocess.run([sys.executable, "-m", "odyssey_dsl", "lint", "main.ody"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)  # a hang fails here, not forever
    assert linted.returncode == 1, linted.stderr
    assert "cannot include `pipe.ody`: not a regular file (a FIFO)" in linted.stdout
    assert "cannot include `zero.ody`: not a regular file (a device)" in linted.stdout


@pytest.mark.skipif(not os.access("/proc/kmsg", os.R_OK), reason="/proc/kmsg is not readable here (root only)")
def test_an_include_of_a_file_that_waits_for_input_is_refused_not_waited_for(tmp_path: Path) -> None:
    """/proc/kmsg is a regular file to stat, and a read of it waits for the kernel's next message."""
    write(tmp_path, {"main.ody": 'include "/proc/kmsg"\n' + BODY})
    linted = subprocess.run([sys.executable, "-m", "odyssey_dsl", "lint", "main.ody"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert linted.returncode == 1, linted.stderr
    assert "cannot include `/proc/kmsg`: " in linted.stdout

def test_a_name_the_unread_file_may_define_is_not_also_undefined(tmp_path: Path) -> None:
    write(tmp_path, {"main.ody": 'include "nope.ody"\ndefine x "y"\n' + BODY})
    assert [c for _, c, *_ in seen(compile_path(Path("main.ody")))] == ["ODY115"]


@pytest.mark.parametrize("url", ["https://example.com/a.ody", "http://x/y.ody", "file:///etc/a.ody",
                                 "data:text/plain,define%20x"])
def test_an_include_is_never_fetched_from_a_url(url: str) -> None:
    def resolver(path: Path) -> str:
        raise AssertionError(f"{path} was read")

    result = compile_text(f'include "{url}"\n@0 start "x"\n@3s end\n', resolver=resolver)
    assert [(d.code, d.message) for d in result.diagnostics] == [("ODY115", "an include is never fetched from a URL")]


@pytest.mark.parametrize(("included", "what", "line"), [
    ('define a "x"\n@0 start "x"\n', "cues or scenes", 2), ('scene "s"\n', "cues or scenes", 1),
    ('define a "x"\ntitle "T"\n', "a title", 2), ("@3s interract \"x\"\n", "cues or scenes", 1),
])
def test_an_included_file_with_cues_scenes_or_a_title_is_refused_at_the_include_line(
        tmp_path: Path, included: str, what: str, line: int) -> None:
    write(tmp_path, {"main.ody": 'include "lib/part.ody"\n@0 start "x"\n@3s end\n', "lib/part.ody": included})
    d = next(d for d in compile_path(Path("main.ody")).diagnostics if d.file is None)
    assert (d.code, d.span, d.message) == (
        "ODY115", Span(1, 9, 1, 23), f"an included file holds only header lines, and this one has {what}")
    [related] = d.related
    assert (related.file, related.span.line, related.message) == ("lib/part.ody", line, "the first of them in `lib/part.ody`")


def test_a_directive_set_in_two_files_is_set_twice_with_the_other_file_related(tmp_path: Path) -> None:
    write(tmp_path, {"main.ody": 'include "look.ody"\nmin-gap 2s\nstyle "b"\n@0 start "x"\n@3s end\n',
                     "look.ody": 'min-gap 1s\nstyle "a"\n'})
    result = compile_path(Path("main.ody"))
    assert [(d.file, d.code, d.span.line, d.message, [(r.file, r.span.line) for r in d.related])
            for d in result.diagnostics] == [
        (None, "ODY109", 2, "`min-gap` is set twice", [("look.ody", 1)]),
        (None, "ODY109", 3, "`style` is set twice", [("look.ody", 2)])]


def test_a_name_defined_in_two_files_is_defined_twice_with_the_other_file_related(tmp_path: Path) -> None:
    write(tmp_path, {"main.ody": 'include "cast.ody"\ndefine hero "dog"\n' + BODY, "cast.ody": 'define hero "cat"\n'})
    [d] = compile_path(Path("main.ody")).diagnostics
    assert (d.file, d.code, d.span, d.related[0].file, d.related[0].span) == (
        None, "ODY114", Span(2, 8, 2, 12), "cast.ody", Span(1, 8, 1, 12))


def test_mistakes_inside_an_included_file_are_reported_at_its_own_lines_once(tmp_path: Path) -> None:
    write(tmp_path, {"main.ody": 'include "lib/cast.ody"\ninclude "lib/cast.ody"\n' + BODY,
                     "lib/cast.ody": 'define hero "a cat"\nstyle "{bad"\norientation sideways\ndefine x "{nope}"\n'})
    result = compile_path(Path("main.ody"))
    assert [(f, c, s.line, s.column) for f, c, s, _ in seen(result)] == [
        ("lib/cast.ody", "ODY111", 2, 8), ("lib/cast.ody", "ODY109", 3, 13), ("lib/cast.ody", "ODY112", 4, 11)]


def test_an_included_define_is_never_unused_nor_does_a_library_warn(tmp_path: Path) -> None:
    write(tmp_path, {"main.ody": 'include "cast.ody"\n@0 start "x"\n@3s end\n',
                     "cast.ody": 'define hero "a cat"\ndefine other "z"\ninclude "more.ody"\n',
                     "more.ody": 'define more "m"\n'})
    assert compile_path(Path("main.ody")).diagnostics == ()
    library = compile_path(Path("cast.ody"))
    assert library.diagnostics == () and library.library and library.scripts is None


def test_a_define_of_the_file_used_only_by_an_included_define_is_used(tmp_path: Path) -> None:
    write(tmp_path, {"main.ody": 'include "cast.ody"\ndefine colour "ginger"\n' + BODY,
                     "cast.ody": 'define hero "a {colour} cat"\n'})
    assert first_prompt(compile_path(Path("main.ody"))) == "a ginger cat waits"


def test_included_orientation_and_min_gap_take_effect(tmp_path: Path) -> None:
    write(tmp_path, {"main.ody": 'include "set.ody"\n@0 start "a"\n@3s interact "b"\n@6s end\n',
                     "set.ody": "orientation portrait\nmin-gap 4s\n"})
    result = compile_path(Path("main.ody"))
    assert result.options.portrait and result.options.min_gap_ms == 4000
    assert [(d.code, d.span.line) for d in result.diagnostics] == [("ODY201", 3), ("ODY201", 4)]
    assert json.loads(result.request_json())["portrait"] is True


def test_the_including_files_settings_apply(tmp_path: Path) -> None:
    write(tmp_path, {"main.ody": 'include "set.ody"\n@0 start "a"\n@3s interact "b"\n@6s end\n',
                     "set.ody": "min-gap 4s\n" + "# padding\n" * 20})
    main = tmp_path / "main.ody"
    assert compile_path(main, Settings(ignore=frozenset({"ODY201"}))).diagnostics == ()
    d = compile_path(main, Settings(max_bytes=100)).diagnostics[0]
    assert (d.code, d.span.line) == ("ODY115", 1) and "over the 100 byte limit" in d.message
    assert d.help is not None and "--max-bytes" in d.help


def test_a_tilde_in_a_path_is_the_home_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    write(tmp_path, {"home/cast.ody": 'define hero "home cat"\n', "play/main.ody": 'include "~/cast.ody"\n' + BODY,
                     "home/bad.ody": 'define hero "{x"\n', "play/bad.ody": 'include "~/bad.ody"\n' + BODY})
    assert first_prompt(compile_path(Path("play/main.ody"))) == "home cat waits"
    [d] = compile_path(Path("play/bad.ody")).diagnostics
    assert d.file == str(tmp_path / "home" / "bad.ody") and d.code == "ODY111"


@pytest.mark.parametrize(("data", "message"), [
    (b"define x \"caf\xe9\"\n", "the file is not valid UTF-8: byte 0xe9 cannot be read (line 1)"),
    ("define x \"a\"\n".encode("utf-16"), "the file is UTF-16, not UTF-8"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "this looks like a PNG image, not a text file"),
])
def test_an_included_file_that_is_not_utf8_is_one_error_at_the_include_line(
        tmp_path: Path, data: bytes, message: str) -> None:
    write(tmp_path, {"main.ody": 'include "look.ody"\n@0 start "x"\n@3s end\n', "look.ody": data})
    [d] = compile_path(Path("main.ody")).diagnostics
    assert (d.code, d.span, d.message) == ("ODY115", Span(1, 9, 1, 19), f"cannot include `look.ody`: {message}")
    assert d.help == "an included file is a text file like a screenplay: save it as UTF-8"


def test_compile_text_reads_includes_through_a_resolver_for_unsaved_buffers(tmp_path: Path) -> None:
    buffers = {tmp_path / "cast.ody": 'define hero "an unsaved cat"\n'}
    asked: list[Path] = []

    def resolver(path: Path) -> str:
        asked.append(path)
        if path not in buffers:
            raise SourceError(f"{path}: no such file")
        return buffers[path]

    result = compile_text('include "cast.ody"\n' + BODY, path=tmp_path / "main.ody", resolver=resolver)
    assert first_prompt(result) == "an unsaved cat waits" and asked == [tmp_path / "cast.ody"]
    missing = compile_text('include "gone.ody"\n' + BODY, path=tmp_path / "main.ody", resolver=resolver)
    assert [d.message for d in missing.diagnostics] == ["cannot include `gone.ody`: no such file"]


def test_compile_text_reads_includes_from_disk_by_default(tmp_path: Path) -> None:
    write(tmp_path, {"cast.ody": 'define hero "a disk cat"\n'})
    assert first_prompt(compile_text('include "cast.ody"\n' + BODY, path=tmp_path / "main.ody")) == "a disk cat waits"


def test_an_include_below_the_first_cue_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, {"main.ody": '@0 start "x"\ninclude "cast.ody"\n@3s end\n', "cast.ody": 'define hero "c"\n'})
    assert [(d.code, d.span.line) for d in compile_path(Path("main.ody")).diagnostics] == [("ODY115", 2)]


def test_fixes_and_related_places_of_a_mistake_in_an_included_file_name_that_file(tmp_path: Path) -> None:
    """A fix with no file is one of the compiled file: `ody lint --fix` of the screenplay
    must never apply an included file's fix to the screenplay's text."""
    write(tmp_path, {"main.ody": 'include "lib/cast.ody"\n' + BODY,
                     "lib/cast.ody": 'define hero "a {colr} cat {"\ndefine colour "ginger"\nmin-gap 1s\nmin-gap 2s\n'
                                     'define x "{heor}"\n'})
    result = compile_path(Path("main.ody"))
    assert [(d.file, d.code, d.span.line) for d in result.diagnostics] == [
        ("lib/cast.ody", "ODY112", 1), ("lib/cast.ody", "ODY111", 1), ("lib/cast.ody", "ODY109", 4),
        ("lib/cast.ody", "ODY112", 5)]
    for d in result.diagnostics:
        assert d.fixes or d.related
        assert all(f.file == "lib/cast.ody" for f in d.fixes) and all(r.file == "lib/cast.ody" for r in d.related)


def test_a_related_place_in_the_compiled_file_names_no_file(tmp_path: Path) -> None:
    write(tmp_path, {"main.ody": 'define hero "x"\ninclude "cast.ody"\n' + BODY, "cast.ody": 'define hero "y"\n'})
    [d] = compile_path(Path("main.ody")).diagnostics
    assert (d.file, d.span.line, d.related[0].file, d.related[0].span.line) == ("cast.ody", 1, None, 1)


def test_without_a_resolver_includes_are_not_read_and_their_names_not_judged() -> None:
    from odyssey_dsl.checks import check
    from odyssey_dsl.syntax import parse

    checked = check(parse('include "cast.ody"\ndefine unused "x"\n' + BODY), None)
    assert checked.diagnostics == ()


def test_a_path_with_an_invalid_escape_is_one_error_the_escape() -> None:
    result = compile_text('include "a\\q.ody"\n' + BODY)
    assert [(d.code, d.span) for d in result.diagnostics] == [("ODY005", Span(1, 11, 1, 13))]


def test_a_path_holding_a_nul_is_one_error_at_the_include_line() -> None:
    result = compile_text('include "a\\u0000b.ody"\n' + BODY, path=Path("main.ody"))
    [d] = result.diagnostics
    assert (d.code, d.span.line, d.message) == ("ODY115", 1, "cannot include `a\\x00b.ody`: a file name cannot hold a NUL")
