"""`ody run` and issue 12's language: variants run as one batch job with `.v<n>` recordings and
their choices in run.json, `--scene` runs every variant of a scene as part of the whole request,
libraries are skipped in folders and refused alone, and an edited included file is a new job
(end to end against the emulator over loopback HTTP, as in test_runner_run.py)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from emulator_support import renderer_available
from hypothesis import given
from hypothesis import strategies as st
from runner_support import Home, emulator, frames, job_detail, make_home, server_jobs

from odyssey_dsl.compiler import compile_text
from odyssey_dsl.compose import ScriptName
from odyssey_dsl.runner.journal import Journal, Scene
from odyssey_dsl.runner.outputs import inside
from odyssey_dsl.runner.prepare import prepare, recording_names

needs_renderer = pytest.mark.skipif(not renderer_available(), reason="the emulator's renderer is not installed")

HARBOUR = """\
title "Harbour"
define hero "{a ginger cat|a black dog}"
scene "day"
@0 start "{hero} on the quay"
@1s end
scene "night"
@0 start "{hero} under the {stars|rain}"
@1s end
scene "day.v1"
@0 start "A lighthouse"
@1s end
scene "day-1"
@0 start "An empty quay"
@1s end
"""
KITE = '@0 start "A {red|blue} kite over the dunes"\n@1s end\n'
TWO_SCENES = """\
scene "day"
@0 start "A {red|blue} kite"
@1s end
scene "night"
@0 start "A lantern"
@1s end
"""
LIBRARY = '# the series look\ndefine hero "a ginger cat"\nstyle "golden-hour light"\n'
USES_LIBRARY = 'include "lib/common.ody"\n@0 start "{hero} on the quay"\n@1s end\n'


@pytest.fixture
def home(tmp_path: Path) -> Home:
    return make_home(tmp_path)


def streams(home: Home, folder: str, name: str = "run.json") -> dict[str, dict[str, Any]]:
    return {str(s["name"]): s for s in home.manifest(folder, name)["streams"]}


def origin(stream: dict[str, Any]) -> tuple[str | None, int | None, list[str]]:
    return stream["scene"], stream["variant"], stream["choices"]


@needs_renderer
def test_variants_are_one_batch_job_named_v_n_with_their_choices_in_the_manifest(home: Home) -> None:
    home.screenplay("harbour.ody", HARBOUR)
    with emulator(home) as server:
        done = home.ody("run", "harbour.ody")
        assert done.returncode == 0, done.stderr
        (job,) = server_jobs(server)
        assert len(job_detail(server, job["job_id"])["streams"]) == 8
    recorded = streams(home, "harbour")
    # compile order; the scene literally called `day.v1` yields the name to day's first variant
    assert list(recorded) == ["day.v1", "day.v2", "night.v1", "night.v2", "night.v3", "night.v4", "day.v1-2", "day-1"]
    assert [s["script_index"] for s in recorded.values()] == list(range(8))
    assert origin(recorded["day.v2"]) == ("day", 2, ["a black dog"])
    assert origin(recorded["night.v3"]) == ("night", 3, ["a black dog", "stars"])  # the hero is linked
    assert origin(recorded["day.v1-2"]) == ("day.v1", None, [])
    assert all(s["status"] == "completed" for s in recorded.values())
    folder = home.work / "recordings" / "harbour"
    assert sorted(p.name for p in folder.glob("*.mp4")) == sorted(f"{n}.mp4" for n in recorded)
    assert frames(folder / "night.v4.mp4") == 25


@needs_renderer
def test_a_file_without_scenes_names_variants_after_its_stem_and_wait_keeps_the_choices(home: Home) -> None:
    home.screenplay("kite.ody", KITE)
    with emulator(home) as server:
        done = home.ody("run", "kite.ody", "--no-wait")
        assert done.returncode == 0, done.stderr
        (job,) = server_jobs(server)
        waited = home.ody("wait", job["job_id"], "--download")  # run.json rewritten from the journal alone
        assert waited.returncode == 0, waited.stderr
    recorded = streams(home, "kite")
    assert list(recorded) == ["kite.v1", "kite.v2"]
    assert origin(recorded["kite.v2"]) == (None, 2, ["blue"])
    assert frames(home.work / "recordings" / "kite" / "kite.v1.mp4") == 25


@needs_renderer
def test_scene_runs_every_variant_of_it_and_a_whole_run_then_reuses_the_scene_runs(home: Home) -> None:
    home.screenplay("kites.ody", TWO_SCENES)
    folder = home.work / "recordings" / "kites"
    with emulator(home) as server:
        day = home.ody("run", "kites.ody", "--scene", "day")
        assert day.returncode == 0, day.stderr
        (first,) = server_jobs(server)
        assert len(job_detail(server, first["job_id"])["streams"]) == 2
        assert sorted(p.name for p in folder.glob("*.mp4")) == ["day.v1.mp4", "day.v2.mp4"]
        night = home.ody("run", "kites.ody", "--scene", "night")
        assert night.returncode == 0, night.stderr
        assert "did not complete" not in night.stderr  # the day job is not night's
        second = server_jobs(server)[0]
        assert len(job_detail(server, second["job_id"])["streams"]) == 1
        whole = home.ody("run", "kites.ody")
        assert whole.returncode == 0, whole.stderr
        assert f"unchanged since job {first['job_id']}, {second['job_id']}: reusing them" in whole.stderr
        typo = home.ody("run", "kites.ody", "--scene", "nigth")
        assert typo.returncode == 2
        assert "--scene `nigth`: there is no scene of that name in kites.ody" in typo.stderr
        assert "did you mean `night`?" in typo.stderr
        assert len(server_jobs(server)) == 2
    recorded = streams(home, "kites")  # each --scene run kept the other scenes' records
    assert list(recorded) == ["day.v1", "day.v2", "night"]
    assert all(s["status"] == "completed" and s["files"]["video"]["complete"] for s in recorded.values())
    assert sorted(p.name for p in folder.glob("*.mp4")) == ["day.v1.mp4", "day.v2.mp4", "night.mp4"]


def test_scene_on_a_screenplay_without_scenes_says_so(home: Home) -> None:
    home.screenplay("kite.ody", KITE)
    done = home.ody("run", "kite.ody", "--scene", "day")  # refused before any request: no API here
    assert done.returncode == 2
    assert "there are none" in done.stderr and "Traceback" not in done.stderr


def test_a_library_named_alone_has_nothing_to_run(home: Home) -> None:
    (home.work / "lib").mkdir()
    home.screenplay("lib/common.ody", LIBRARY)
    done = home.ody("run", "lib/common.ody")  # refused before any request: no API here
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "ody run: lib/common.ody is a library (header lines, no cues or scenes): nothing to run",
        "  hint: run a screenplay that includes it"]
    folder = home.ody("run", "lib")  # a folder of libraries only: a note, as for a folder of nothing
    assert folder.returncode == 0 and "skipping lib/common.ody: a library" in folder.stderr
    adopted = home.ody("adopt", "job-1", "lib/common.ody")  # an AssertionError before
    assert adopted.returncode == 1 and "is a library" in adopted.stderr
    assert home.journal() == []


@needs_renderer
def test_a_folder_skips_its_libraries_with_a_note_and_runs_what_includes_them(home: Home) -> None:
    (home.work / "lib").mkdir()
    home.screenplay("lib/common.ody", LIBRARY)
    home.screenplay("harbour.ody", USES_LIBRARY)
    with emulator(home) as server:
        done = home.ody("run", ".")
        assert done.returncode == 0, done.stderr
        assert len(server_jobs(server)) == 1
    notes = [line for line in done.stderr.splitlines() if "library" in line]
    assert notes == ["ody run: skipping lib/common.ody: a library (header lines, no cues or scenes), "
                     "nothing to run on its own"]
    assert [p.name for p in (home.work / "recordings").iterdir()] == ["harbour"]


@needs_renderer
def test_editing_an_included_define_is_a_new_job_and_editing_a_comment_is_not(home: Home) -> None:
    (home.work / "lib").mkdir()
    library = home.screenplay("lib/common.ody", LIBRARY)
    home.screenplay("harbour.ody", USES_LIBRARY)
    with emulator(home) as server:
        assert home.ody("run", "harbour.ody").returncode == 0
        library.write_text(LIBRARY.replace("# the series look", "# the look of the series"), encoding="utf-8")
        same = home.ody("run", "harbour.ody")  # what is sent is unchanged: the job is reused
        assert same.returncode == 0 and "reusing it instead of paying again" in same.stderr
        assert len(server_jobs(server)) == 1
        library.write_text(LIBRARY.replace("a ginger cat", "a black dog"), encoding="utf-8")
        changed = home.ody("run", "harbour.ody")
        assert changed.returncode == 0, changed.stderr
        assert "reusing" not in changed.stderr
        assert len(server_jobs(server)) == 2
    takes = home.manifest("harbour")["takes"]["harbour"]
    assert len({t["script_sha256"] for t in takes}) == 2 and home.manifest("harbour")["latest"] == {
        "harbour": "harbour.take2.mp4"}
    assert (home.work / "recordings" / "harbour" / "harbour.take2.mp4").exists()


def test_the_request_hashes_what_is_sent_so_an_included_define_changes_it(tmp_path: Path) -> None:
    library = tmp_path / "common.ody"
    main = tmp_path / "harbour.ody"
    main.write_text('include "common.ody"\n@0 start "{hero} on the quay"\n@1s end\n', encoding="utf-8")

    def prepared_hash(define: str) -> str:
        library.write_text(f'define hero "{define}"\n', encoding="utf-8")
        result = compile_text(main.read_bytes(), path=main)
        assert result.ok, result.diagnostics
        return prepare(result, "harbour.ody", None).group_hash

    assert prepared_hash("a ginger cat") != prepared_hash("a black dog")
    assert prepared_hash("a ginger cat") == prepared_hash("a ginger cat")


def test_only_keeps_the_whole_request_so_jobs_are_shared(tmp_path: Path) -> None:
    path = tmp_path / "kites.ody"
    path.write_text(TWO_SCENES, encoding="utf-8")
    whole = prepare(compile_text(TWO_SCENES, path=path), "kites.ody", None)
    day = whole.only({"day"})
    assert [s.name for s in day.scenes] == ["day.v1", "day.v2"] and day.group_hash == whole.group_hash
    assert [s.index for s in whole.only({"night"}).scenes] == [2]
    assert whole.only({"dusk"}).scenes == ()


def test_recording_names_examples() -> None:
    names = (ScriptName("day", 1, ("a",)), ScriptName("day", 2, ("b",)), ScriptName("day-1", None),
             ScriptName("day.v1", None), ScriptName("Day", None), ScriptName("day", None))
    assert recording_names(names, "harbour") == ["day.v1", "day.v2", "day-1", "day.v1-2", "Day-2", "day-3"]
    assert recording_names((ScriptName(None, None),), "kite") == ["kite"]
    assert recording_names((ScriptName(None, 1), ScriptName(None, 2)), "kite") == ["kite.v1", "kite.v2"]
    assert recording_names((ScriptName("a/../b", 1), ScriptName("", None)), "x") == ["a-..-b.v1", "scene-2"]


scene_names = st.text(alphabet="dDay.v12- /", max_size=8)


@given(st.lists(st.tuples(scene_names, st.integers(0, 3)), min_size=1, max_size=8))
def test_recording_names_are_distinct_safe_and_a_variant_is_its_scenes_name_dot_v_n(
        scenes: list[tuple[str, int]]) -> None:
    names = tuple(ScriptName(scene, v) for scene, count in scenes
                  for v in ([None] if count == 0 else range(1, count + 1)))
    labels = recording_names(names, "stem")
    assert len(labels) == len(names)
    assert len({label.lower() for label in labels}) == len(labels)
    folder = Path("/tmp/ody-out")
    assert all(inside(folder, label).parent == folder and not label.startswith(".") for label in labels)
    start = 0
    for _, count in scenes:  # one scene's variants: its one name, then .v1, .v2...
        if count:
            mine = labels[start:start + count]
            base = mine[0].removesuffix(".v1")
            assert mine == [f"{base}.v{v}" for v in range(1, count + 1)]
        start += count or 1


OLD_SCHEMA = """CREATE TABLE jobs (id INTEGER PRIMARY KEY, created REAL NOT NULL, api_base TEXT NOT NULL,
    key_fp TEXT NOT NULL, group_hash TEXT NOT NULL, request_hash TEXT NOT NULL, take INTEGER NOT NULL,
    screenplay TEXT, folder TEXT, title TEXT, plan TEXT NOT NULL, known TEXT NOT NULL, job_id TEXT UNIQUE,
    state TEXT NOT NULL, status TEXT, updated REAL NOT NULL)"""  # the journal of 0.1.0


def test_a_journal_from_before_variants_is_read_and_an_older_ody_can_still_read_the_new_rows(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute(OLD_SCHEMA)
        db.execute("INSERT INTO jobs VALUES (1, 0, 'emulator', 'k', 'g', 'g', 1, NULL, NULL, NULL,"
                   " '[[0, \"spring\", 1000]]', '[]', 'j1', 'submitted', NULL, 0)")
    db.close()
    journal = Journal(path)
    assert journal.get(1).plan == (Scene(0, "spring", 1000),)
    day = Scene(0, "day.v2", 1000, "day", 2, ("a black dog",))
    row = journal.intend(api_base="emulator", key_fp="k", group_hash="h", request_hash="h", take=1, screenplay=None,
                         folder=None, title=None, plan=(day,))
    assert journal.get(row.id).plan == (day,)
    journal.close()
    with sqlite3.connect(path) as db:  # what 0.1.0 unpacks: `for i, n, d in json.loads(plan)`
        [(plan,)] = db.execute("SELECT plan FROM jobs WHERE id = ?", (row.id,)).fetchall()
    db.close()
    assert [(i, n, d) for i, n, d in json.loads(plan)] == [(0, "day.v2", 1000)]
