"""`ody stats`: each screenplay's scripts with their length, cues, gaps and words, and the video a
run would request, per file and in all; run as users run it, on the bundled examples and on
temporary screenplays; and the figures' invariants over generated scripts and screenplays."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from test_cli import ody
from test_cli_streams import on_terminal

from odyssey_dsl.captions import captions
from odyssey_dsl.compiler import compile_text
from odyssey_dsl.emit import Entry
from odyssey_dsl.stats import FileStats, file_stats, report, script_stats

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SCRIPT_KEYS = ["name", "duration_ms", "cues", "min_gap_ms", "mean_gap_ms", "max_gap_ms", "words"]


def stats_json(*args: str, cwd: Path = EXAMPLES) -> Any:
    """What `ody stats --json ARGS` prints, when it succeeds."""
    done = ody("stats", "--json", *args, cwd=cwd)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_one_screenplay_gives_exactly_the_documented_shape_with_its_scenes_at_the_top_too() -> None:
    found = stats_json("four-seasons.ody")
    assert list(found) == ["files", "total_ms", "scenes"]
    (one,) = found["files"]
    assert list(one) == ["path", "total_ms", "scenes"]
    assert one["path"] == "four-seasons.ody" and one["total_ms"] == found["total_ms"] == 38_000
    assert found["scenes"] == one["scenes"]
    assert [list(s) for s in one["scenes"]] == [SCRIPT_KEYS] * 4
    autumn = one["scenes"][2]
    # cues at 0, 3s, 7s, end at 11s: gaps of 3, 4 and 4 seconds, their mean rounded to the millisecond
    assert autumn == {"name": "autumn", "duration_ms": 11_000, "cues": 3, "min_gap_ms": 3000, "mean_gap_ms": 3667,
                      "max_gap_ms": 4000, "words": autumn["words"]}
    assert [s["name"] for s in one["scenes"]] == ["spring", "summer", "autumn", "winter"]


def test_a_folder_counts_every_screenplay_each_variant_as_a_script_and_skips_the_library() -> None:
    done = ody("stats", "--json", ".", cwd=EXAMPLES)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert "scenes" not in found  # several screenplays: read them in `files`
    paths = [f["path"] for f in found["files"]]
    assert paths == sorted(p.name for p in EXAMPLES.glob("*.ody") if p.name != "look.ody")
    assert "skipping look.ody: a library" in done.stderr
    lighthouse = next(f for f in found["files"] if f["path"] == "lighthouse.ody")
    assert [s["name"] for s in lighthouse["scenes"]] == ["calm.v1", "calm.v2", "storm.v1", "storm.v2", "storm.v3",
                                                         "storm.v4"]
    assert found["total_ms"] == sum(f["total_ms"] for f in found["files"]) == 312_000
    for f in found["files"]:
        assert f["total_ms"] == sum(s["duration_ms"] for s in f["scenes"])


def test_words_are_counted_in_the_prompts_as_sent_after_expansion_style_and_negative() -> None:
    compiled = json.loads(ody("compile", "lighthouse.ody", cwd=EXAMPLES).stdout)
    expected = [sum(len((e.get("start") or e["interact"])["prompt"].split()) for e in script if "end" not in e)
                for script in compiled]
    found = stats_json("lighthouse.ody")
    assert [s["words"] for s in found["scenes"]] == expected
    assert expected[2] != expected[3]  # the storm's variants differ by a word: each counted as sent


def test_a_screenplay_without_scenes_is_named_after_its_file(tmp_path: Path) -> None:
    (tmp_path / "my cat.ody").write_text('@0 start "a cat"\n@+4s interact "it  yawns"\n@+2.501s end\n',
                                         encoding="utf-8")
    found = stats_json("my cat.ody", cwd=tmp_path)
    assert found["scenes"] == [{"name": "my cat", "duration_ms": 6501, "cues": 2, "min_gap_ms": 2501,
                                "mean_gap_ms": 3251, "max_gap_ms": 4000, "words": 4}]  # 3250.5 rounded up


def test_a_script_a_screenplay_has_twice_counts_once_as_a_run_makes_it_once(tmp_path: Path) -> None:
    """The total said 12 s where `ody run --dry-run` says 6 s of new video: two scenes alike and
    `{b|b}` are two scripts each, one request each. Another screenplay's scripts still count."""
    twice = 'scene "x"\n@0 start "same"\n@3s end\nscene "y"\n@0 start "same"\n@3s end\n'
    (tmp_path / "dup.ody").write_text(twice + 'scene "z"\n@0 start "a {b|b}"\n@3s end\n', encoding="utf-8")
    (tmp_path / "copy.ody").write_text(twice, encoding="utf-8")
    found = stats_json("dup.ody", "copy.ody", cwd=tmp_path)
    assert [(f["total_ms"], len(f["scenes"])) for f in found["files"]] == [(6000, 4), (3000, 2)]
    assert found["total_ms"] == 9000
    table = ody("stats", "dup.ody", "copy.ody", cwd=tmp_path)
    assert table.stdout.splitlines()[-1] == ("2 screenplays, 6 scripts (3 repeated in a screenplay, made and counted "
                                             "once): 0:09 of video")
    planned = ody("run", "--dry-run", "dup.ody", cwd=tmp_path, env={"XDG_STATE_HOME": str(tmp_path / "state")})
    assert "dup.ody: 1 job, 2 scripts, 0:06 of new video" in planned.stdout + planned.stderr


def test_a_screenplay_with_errors_is_shown_as_lint_shows_it_and_left_out_of_the_totals(tmp_path: Path) -> None:
    shutil.copy(EXAMPLES / "window-cat.ody", tmp_path)
    (tmp_path / "bad.ody").write_text('@0 start "a"\n@3s interct "b"\n@9s end\n', encoding="utf-8")
    done = ody("stats", "--json", ".", cwd=tmp_path)
    assert done.returncode == 1
    assert "error[ODY004]: unknown action `interct`\n --> bad.ody:2:5\n" in done.stderr
    found = json.loads(done.stdout)
    assert [f["path"] for f in found["files"]] == ["window-cat.ody"] and found["total_ms"] == 9000
    table = ody("stats", ".", cwd=tmp_path)
    assert table.returncode == 1 and table.stdout.splitlines()[-1] == "1 screenplay, 1 script: 0:09 of video"


def test_the_top_level_scenes_are_there_exactly_when_one_screenplay_is_given_errors_or_not(tmp_path: Path) -> None:
    shutil.copy(EXAMPLES / "window-cat.ody", tmp_path)
    shutil.copy(EXAMPLES / "look.ody", tmp_path)
    (tmp_path / "bad.ody").write_text('@0 start "a"\n@3s interct "b"\n@9s end\n', encoding="utf-8")
    for args, code, scenes in [(("bad.ody", "window-cat.ody"), 1, None),  # two screenplays, one counted
                               (("bad.ody",), 1, []),  # one screenplay, its figures left out
                               (("look.ody", "window-cat.ody"), 0, ["window-cat"])]:  # a library is no screenplay
        done = ody("stats", "--json", *args, cwd=tmp_path)
        assert done.returncode == code, done.stderr
        found = json.loads(done.stdout)
        assert (None if "scenes" not in found else [s["name"] for s in found["scenes"]]) == scenes, args


def test_an_unreadable_input_is_exit_2_and_the_others_are_still_counted(tmp_path: Path) -> None:
    shutil.copy(EXAMPLES / "window-cat.ody", tmp_path)
    done = ody("stats", "--json", "missing.ody", "window-cat.ody", cwd=tmp_path)
    assert done.returncode == 2
    assert "ody stats: missing.ody: " in done.stderr and "Traceback" not in done.stderr
    assert json.loads(done.stdout)["total_ms"] == 9000
    refused = ody("stats", "-", cwd=tmp_path, stdin=b'@0 start "a"\n@3s end\n')
    assert refused.returncode == 2 and "not `-`" in refused.stderr


def test_a_folder_walk_passes_over_what_gitignore_and_the_exclude_setting_name(tmp_path: Path) -> None:
    for name in ("kept.ody", "ignored.ody", "drafts/excluded.ody"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text('@0 start "a cat"\n@3s end\n', encoding="utf-8")
    (tmp_path / ".gitignore").write_text("ignored.ody\n", encoding="utf-8")
    (tmp_path / "ody.toml").write_text('exclude = ["drafts/"]\n', encoding="utf-8")
    found = stats_json(".", cwd=tmp_path)
    assert [f["path"] for f in found["files"]] == [str(Path("kept.ody"))]


def test_the_table_shows_each_script_a_total_under_a_screenplay_of_several_and_the_grand_total() -> None:
    done = ody("stats", "four-seasons.ody", "window-cat.ody", cwd=EXAMPLES)
    assert done.returncode == 0, done.stderr
    rows = [line.split() for line in done.stdout.splitlines()]
    assert rows[0] == ["SCREENPLAY", "SCRIPT", "DURATION", "CUES", "MIN", "GAP", "MEAN", "GAP", "MAX", "GAP", "WORDS"]
    assert rows[3][:6] == ["autumn", "11s", "3", "3s", "3.667s", "4s"]
    assert rows[5] == ["total", "0:38"]
    assert rows[6][:3] == ["window-cat.ody", "window-cat", "9s"]
    assert done.stdout.splitlines()[-1] == "2 screenplays, 5 scripts: 0:47 of video"


def test_on_a_terminal_names_and_paths_are_shown_as_written_never_read_as_markup(tmp_path: Path) -> None:
    """rich's table reads `[...]` as style markup unless told not to: a name vanished, turned
    red, or (`[/b]`) raised MarkupError. The terminal path is taken: stdout is a terminal."""
    folder = tmp_path / "a[" / "b]"  # `a[/b]`: a closing tag
    folder.mkdir(parents=True)
    (folder / "c[bold].ody").write_text('scene "[intro]"\n@0 start "a"\n@3s end\n\n'
                                        'scene "[red]z[/red]"\n@0 start "b"\n@4s end\n', encoding="utf-8")
    code, shown, stderr = on_terminal("stats", "a[/b]/c[bold].ody", cwd=tmp_path, FORCE_COLOR="1")
    assert (code, stderr) == (0, "")
    assert "\x1b[1mSCREENPLAY" in shown  # rich's table, in colour: the terminal path
    rows = [line.split() for line in shown.splitlines()]
    assert rows[1][:3] == [str(Path("a[/b]/c[bold].ody")), "[intro]", "3s"]
    assert rows[2][:2] == ["[red]z[-red]", "4s"]  # as written (a `/` as `ody run` names files), not in red
    assert "\x1b[31m" not in shown


times = st.lists(st.integers(1, 600_000), min_size=1, max_size=10, unique=True).map(sorted)
words = st.lists(st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12), max_size=12)


@st.composite
def scripts(draw: st.DrawFn) -> list[Entry]:
    """A compiled script's shape: a start at 0, interacts in time order, the end last."""
    at = [0, *draw(times)]
    prompts = [" ".join(draw(words)) for _ in at[:-1]]
    return [Entry(0, "start", prompts[0]), *(Entry(t, "interact", p) for t, p in zip(at[1:-1], prompts[1:], strict=True)),
            Entry(at[-1], "end")]


@given(scripts())
def test_the_gaps_add_up_to_the_length_and_the_mean_lies_between_the_shortest_and_longest(entries: list[Entry]) -> None:
    s = script_stats("x", entries)
    assert s.duration_ms == entries[-1].timestamp_ms
    assert s.min_gap_ms <= s.mean_gap_ms <= s.max_gap_ms
    gaps = len(entries) - 1
    assert abs(s.mean_gap_ms * gaps - s.duration_ms) * 2 <= gaps  # the nearest millisecond
    assert s.cues == len(captions(entries)) == len(entries) - 1
    assert s.words == sum(len((e.prompt or "").split()) for e in entries)


@given(st.lists(st.lists(scripts(), min_size=1, max_size=4), max_size=4))
def test_the_total_is_the_sum_of_every_script_s_length(files: list[list[list[Entry]]]) -> None:
    counted = [file_stats(f"f{k}.ody", [f"s{i}" for i in range(len(f))], f, [f"{k}.{i}" for i in range(len(f))])
               for k, f in enumerate(files)]
    found = report(counted, len(files))
    assert found["total_ms"] == sum(s.duration_ms for f in counted for s in f.scripts)
    assert ("scenes" in found) == (len(files) == 1)
    assert all(isinstance(f, FileStats) and f.total_ms == sum(e[-1].timestamp_ms for e in s)
               for f, s in zip(counted, files, strict=True))


@given(st.lists(st.integers(1, 20_000), min_size=1, max_size=6, unique=True).map(sorted),
       st.lists(st.sampled_from(["a cat", "two  cats", "{red|blue} ball", "x"]), min_size=6, max_size=6))
def test_a_compiled_screenplay_has_one_cue_per_caption_and_its_end_for_length(at: list[int], said: list[str]) -> None:
    cues = [f'@{t}ms interact "{p}"' for t, p in zip(at[:-1], said[1:], strict=False)]
    start = said[0].replace("{red|blue}", "red")  # at most 5 varying prompts: 32 scripts, the most allowed
    text = "\n".join([f'@0 start "{start}"', *cues, f"@{at[-1]}ms end", ""])
    result = compile_text(text)
    assert result.scripts is not None, result.diagnostics
    for entries in result.scripts:
        s = script_stats("x", entries)
        assert s.cues == len(captions(entries)) == len(at)
        assert s.duration_ms == at[-1]
        assert s.words == sum(len((e.prompt or "").split()) for e in entries)


def test_the_documented_table_and_json_are_what_the_command_prints() -> None:
    section = (EXAMPLES.parent / "docs" / "output-formats.md").read_text(encoding="utf-8").split("## `ody stats`")[1]
    table = section.split("```text\n$ ody stats window-cat.ody four-seasons.ody\n")[1].split("```")[0]
    assert ody("stats", "window-cat.ody", "four-seasons.ody", cwd=EXAMPLES).stdout == table
    document = section.split("```json\n")[1].split("```")[0]
    assert ody("stats", "--json", "window-cat.ody", cwd=EXAMPLES).stdout == document
