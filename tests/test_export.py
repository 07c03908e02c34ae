"""`ody export --vtt|--srt`: a screenplay's captions, the ones `ody run` writes beside its
recordings, to stdout, a file or a folder of one file per script; read back by webvtt-py, an
independent parser; and every way it refuses, each with its exit code."""

from __future__ import annotations

import html
import json
from pathlib import Path

import webvtt
from test_cli import ody

from odyssey_dsl.captions import captions, srt, vtt
from odyssey_dsl.compiler import compile_path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def ms(stamp: str) -> int:
    """`HH:MM:SS.mmm` (or with a comma) in milliseconds."""
    hours, minutes, seconds = stamp.replace(",", ".").split(":")
    return (int(hours) * 60 + int(minutes)) * 60_000 + round(float(seconds) * 1000)


def read(text: str) -> list[tuple[int, int, str]]:
    """The cues webvtt-py reads: (start, end, text unescaped)."""
    return [(ms(c.start), ms(c.end), html.unescape(c.raw_text)) for c in webvtt.from_string(text).captions]


def test_one_script_goes_to_stdout_as_webvtt_timed_from_each_cue_to_the_next() -> None:
    done = ody("export", "--vtt", "window-cat.ody", cwd=EXAMPLES)
    assert done.returncode == 0 and done.stderr == ""
    entries = json.loads(ody("compile", "window-cat.ody", cwd=EXAMPLES).stdout)
    prompts = [(e.get("start") or e["interact"])["prompt"] for e in entries[:-1]]
    assert read(done.stdout) == [(0, 3000, prompts[0]), (3000, 6000, prompts[1]), (6000, 9000, prompts[2])]


def test_the_captions_are_those_the_runner_writes_and_subrip_numbers_them(tmp_path: Path) -> None:
    result = compile_path(EXAMPLES / "tide-pool.ody")
    assert result.scripts is not None
    cues = captions(result.scripts[0])
    assert ody("export", "--vtt", "tide-pool.ody", cwd=EXAMPLES).stdout == vtt(cues)
    done = ody("export", "--srt", "tide-pool.ody", cwd=EXAMPLES)
    assert done.returncode == 0 and done.stdout == srt(cues)
    (tmp_path / "tide-pool.srt").write_text(done.stdout, encoding="utf-8")
    parsed = webvtt.from_srt(str(tmp_path / "tide-pool.srt"))
    assert [(ms(c.start), ms(c.end)) for c in parsed.captions] == [(0, 4000), (4000, 8000), (8000, 14000),
                                                                   (14000, 18000), (18000, 22000)]


def test_a_scene_of_one_script_goes_to_stdout_and_the_text_is_escaped_as_webvtt_requires(tmp_path: Path) -> None:
    (tmp_path / "two.ody").write_text('style "grain"\nscene "day"\n@0 start "sun & <moon> --> rise"\n@4s end\n'
                                      'scene "night" after "day"\n@0 start "dark"\n@3s interact "stars"\n@5.5s end\n',
                                      encoding="utf-8")
    done = ody("export", "--vtt", "two.ody", "--scene", "day", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "sun &amp; &lt;moon&gt; --&gt; rise, grain" in done.stdout
    assert read(done.stdout) == [(0, 4000, "sun & <moon> --> rise, grain")]
    night = ody("export", "--vtt", "two.ody", "--scene", "night", cwd=tmp_path)
    assert read(night.stdout) == [(0, 3000, "dark, grain"), (3000, 5500, "stars, grain")]


def test_several_scripts_need_a_scene_or_a_folder_for_stdout() -> None:
    done = ody("export", "--vtt", "four-seasons.ody", cwd=EXAMPLES)
    assert done.returncode == 2 and done.stdout == ""
    assert "four-seasons.ody has 4 scripts (spring, summer, autumn, winter)" in done.stderr
    assert "-o DIR/, or pick a scene with --scene NAME" in done.stderr
    variants = ody("export", "--vtt", "lighthouse.ody", "--scene", "storm", cwd=EXAMPLES)
    assert variants.returncode == 2
    assert "scene `storm` has 4 variants (storm.v1, storm.v2, storm.v3, storm.v4)" in variants.stderr
    assert "hint: write one file per script with -o DIR/\n" in variants.stderr


def test_an_unknown_scene_is_a_usage_error_listing_the_scenes() -> None:
    done = ody("export", "--srt", "four-seasons.ody", "--scene", "sumer", cwd=EXAMPLES)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == ("ody export: --scene `sumer`: there is no scene of that name in four-seasons.ody\n"
                           "  hint: did you mean `summer`? the scenes are: `spring`, `summer`, `autumn`, `winter`\n")
    none = ody("export", "--srt", "window-cat.ody", "--scene", "day", cwd=EXAMPLES)
    assert none.returncode == 2 and "window-cat.ody has no `scene` lines" in none.stderr


def test_a_folder_gets_one_file_per_script_named_as_the_runner_names_recordings(tmp_path: Path) -> None:
    done = ody("export", "--vtt", str(EXAMPLES / "lighthouse.ody"), "-o", "subs/", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    names = ["calm.v1", "calm.v2", "storm.v1", "storm.v2", "storm.v3", "storm.v4"]
    assert sorted(p.name for p in (tmp_path / "subs").iterdir()) == [f"{n}.vtt" for n in names]
    result = compile_path(EXAMPLES / "lighthouse.ody")
    assert result.scripts is not None
    for name, entries in zip(names, result.scripts, strict=True):
        text = (tmp_path / "subs" / f"{name}.vtt").read_text(encoding="utf-8")
        assert read(text) == [(c.start_ms, c.end_ms, c.text) for c in captions(entries)]
    storm = ody("export", "--srt", str(EXAMPLES / "lighthouse.ody"), "--scene", "storm", "-o", "subs", cwd=tmp_path)
    assert storm.returncode == 0, storm.stderr  # an existing folder, no slash needed
    assert sorted(p.name for p in (tmp_path / "subs").glob("*.srt")) == [f"{n}.srt" for n in names[2:]]


def test_one_script_goes_to_a_file_written_whole(tmp_path: Path) -> None:
    (tmp_path / "cat.vtt").write_text("old", encoding="utf-8")
    done = ody("export", "--vtt", str(EXAMPLES / "four-seasons.ody"), "--scene", "winter", "-o", "cat.vtt",
               cwd=tmp_path)
    assert done.returncode == 0 and done.stdout == ""
    assert [c[:2] for c in read((tmp_path / "cat.vtt").read_text(encoding="utf-8"))] == [(0, 3000), (3000, 6000),
                                                                                         (6000, 9000)]
    assert [p.name for p in tmp_path.iterdir()] == ["cat.vtt"]  # no temporary file left beside it
    several = ody("export", "--vtt", str(EXAMPLES / "four-seasons.ody"), "-o", "all.vtt", cwd=tmp_path)
    assert several.returncode == 2 and "a file takes one script's captions" in several.stderr
    assert not (tmp_path / "all.vtt").exists()


def test_a_screenplay_with_errors_shows_them_and_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "bad.ody").write_text('@0 start "a"\n@3s interct "b"\n@9s end\n', encoding="utf-8")
    done = ody("export", "--vtt", "bad.ody", "-o", "bad.vtt", cwd=tmp_path)
    assert done.returncode == 1 and done.stdout == ""
    assert "error[ODY004]: unknown action `interct`\n --> bad.ody:2:5\n" in done.stderr
    assert not (tmp_path / "bad.vtt").exists()


def test_a_library_exits_1_as_for_compile_run_and_preview(tmp_path: Path) -> None:
    done = ody("export", "--vtt", str(EXAMPLES / "look.ody"), "-o", "look.vtt", cwd=tmp_path)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr.startswith(f"ody export: {EXAMPLES / 'look.ody'} is a library (header lines, no cue)")
    assert list(tmp_path.iterdir()) == []


def test_an_unwritable_output_or_an_unreadable_input_is_exit_2(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("", encoding="utf-8")
    cat = str(EXAMPLES / "window-cat.ody")
    for output in ("file/cat.vtt", "file/subs/"):
        done = ody("export", "--vtt", cat, "-o", output, cwd=tmp_path)
        assert done.returncode == 2 and "Traceback" not in done.stderr
        assert done.stderr.startswith("ody export: file/") and "Not a directory" in done.stderr
    missing = ody("export", "--vtt", "missing.ody", cwd=tmp_path)
    assert missing.returncode == 2 and missing.stderr.startswith("ody export: missing.ody: ")


def test_an_empty_output_is_a_usage_error_as_for_preview(tmp_path: Path) -> None:
    done = ody("export", "--vtt", str(EXAMPLES / "window-cat.ody"), "-o", "", cwd=tmp_path)
    assert (done.returncode, done.stdout, done.stderr) == (2, "", "ody export: -o needs a path\n")


def test_exactly_one_format_is_asked_for() -> None:
    for flags in ([], ["--vtt", "--srt"]):
        done = ody("export", *flags, "window-cat.ody", cwd=EXAMPLES)
        assert done.returncode == 2 and "give one format: --vtt (WebVTT) or --srt (SubRip)" in done.stderr


def test_the_documented_example_is_what_the_command_prints() -> None:
    section = (EXAMPLES.parent / "docs" / "output-formats.md").read_text(encoding="utf-8").split("## `ody export`")[1]
    shown = section.split("```text\n$ ody export --srt four-seasons.ody --scene autumn\n")[1].split("```")[0]
    assert ody("export", "--srt", "four-seasons.ody", "--scene", "autumn", cwd=EXAMPLES).stdout == shown
