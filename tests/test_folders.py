"""Which files a folder stands for (`cli/folders.py`): .gitignore (nested, and above the folder
up to the repository's root), the `exclude` setting, the folders skipped by default, `.ODY` in
any case, no symbolic links; and every command that takes folders applies the same rules."""

from __future__ import annotations

import inspect
import os
import sys
from pathlib import Path

import pytest
from test_cli import BAD, GOOD, WARN, ody
from test_imports import ody as ody_recording_imports

from odyssey_dsl.cli.folders import SKIPPED, Walk
from odyssey_dsl.errors import OdyError


def write(path: Path, text: str = GOOD) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def found(root: Path, pattern: str = "*.ody", config: Path | None = None) -> list[str]:
    """The files a walk of `root` finds, relative to it; any trouble fails the test."""
    troubles: list[OdyError] = []
    files = [p.relative_to(root).as_posix() for p, _ in Walk(root, pattern, config).files(troubles.append)]
    assert not troubles
    return files


def test_screenplays_in_any_case_in_path_order(tmp_path: Path) -> None:
    for name in ("b.ody", "a/z.ODY", "a.ody", "C.Ody", "notes.txt", "a/deeper/x.ody", "x.ody.bak"):
        write(tmp_path / name)
    assert found(tmp_path) == sorted(["C.Ody", "a.ody", "a/deeper/x.ody", "a/z.ODY", "b.ody"], key=lambda p: Path(p).parts)


def test_hidden_and_environment_folders_are_skipped(tmp_path: Path) -> None:
    for folder in (*SKIPPED, ".git", ".cache", "sub/.hidden", "sub/node_modules/pkg"):
        write(tmp_path / folder / "x.ody")
    write(tmp_path / ".draft.ody")
    write(tmp_path / "sub" / "kept.ody")
    write(tmp_path / "venv.ody")  # a file named like a skipped folder is a file
    assert {"venv", ".venv", "build", "node_modules", "__pycache__"} == SKIPPED
    assert found(tmp_path) == ["sub/kept.ody", "venv.ody"]


def test_gitignore_nested_and_negated(tmp_path: Path) -> None:
    write(tmp_path / ".gitignore", "drafts/\n*.old.ody\n/top-only.ody\n# a comment\n\\!\n!\n")
    write(tmp_path / "act1" / ".gitignore", "!keep.old.ody\nlocal.ody\n")
    for name in ("a.ody", "b.old.ody", "top-only.ody", "drafts/x.ody", "act1/drafts/y.ody", "act1/keep.old.ody",
                 "act1/top-only.ody", "act1/local.ody", "act2/local.ody", "act2/z.old.ody"):
        write(tmp_path / name)
    assert found(tmp_path) == ["a.ody", "act1/keep.old.ody", "act1/top-only.ody", "act2/local.ody"]


@pytest.mark.parametrize("kind", ["fifo", "zero", "link", "huge"])
def test_a_gitignore_that_is_not_a_small_regular_file_is_passed_over(tmp_path: Path, kind: str) -> None:
    """A cloned repository may hold one: a FIFO blocked the walk, a link to /dev/zero ended in
    MemoryError. Passed over as git passes over a link; its folder is walked as if it had none."""
    ignore = tmp_path / ".gitignore"
    if kind == "fifo":
        os.mkfifo(ignore)
    elif kind == "zero":
        ignore.symlink_to("/dev/zero")
    elif kind == "link":
        ignore.symlink_to(write(tmp_path / "rules.txt", "a.ody\n"))
    else:
        write(ignore, "a.ody\n" + "#" * (1 << 20))
    write(tmp_path / "a.ody")
    assert found(tmp_path) == ["a.ody"]


def test_gitignores_above_the_folder_apply_up_to_the_repository_root(tmp_path: Path) -> None:
    write(tmp_path / ".gitignore", "*.ody\n")  # above the repository: not ours to read
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    write(repo / ".gitignore", "scenes/tmp/\nscratch.ody\n")
    write(repo / "scenes" / ".gitignore", "*.bak.ody\n")
    for name in ("scenes/act/a.ody", "scenes/act/a.bak.ody", "scenes/tmp/b.ody", "scenes/act/scratch.ody"):
        write(repo / name)
    assert found(repo / "scenes" / "act") == ["a.ody"]
    assert found(repo / "scenes") == ["act/a.ody"]
    (tmp_path / ".git").mkdir()  # an outer repository: the inner one's root still stops the climb
    assert found(repo) == ["scenes/act/a.ody"]


def test_outside_a_repository_only_the_folders_own_gitignores_count(tmp_path: Path) -> None:
    write(tmp_path / ".gitignore", "*.ody\n")
    write(tmp_path / "scenes" / "a.ody")
    assert found(tmp_path / "scenes") == ["a.ody"]
    assert found(tmp_path) == []


def test_a_folder_named_on_the_command_line_is_walked_even_when_ignored(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path / ".gitignore", "drafts/\n*.old.ody\n")
    write(tmp_path / "ody.toml", 'exclude = ["wip/"]\n')
    for name in ("drafts/a.ody", "drafts/b.old.ody", "drafts/inner/c.ody", "wip/d.ody"):
        write(tmp_path / name)
    assert found(tmp_path) == []
    assert found(tmp_path / "drafts") == ["a.ody", "inner/c.ody"]  # *.old.ody still applies inside
    assert found(tmp_path / "drafts" / "inner") == ["c.ody"]
    assert found(tmp_path / "wip") == ["d.ody"]
    write(tmp_path / "build" / "e.ody")
    assert found(tmp_path / "build") == ["e.ody"]


def test_exclude_is_relative_to_the_config_files_folder(tmp_path: Path) -> None:
    write(tmp_path / "ody.toml", 'exclude = ["drafts/", "*.wip.ody", "/act1/only-here.ody"]\n')
    for name in ("act1/a.ody", "act1/b.wip.ody", "act1/drafts/c.ody", "act1/only-here.ody", "act2/only-here.ody"):
        write(tmp_path / name)
    assert found(tmp_path) == ["act1/a.ody", "act2/only-here.ody"]
    assert found(tmp_path / "act1") == ["a.ody"]  # walked from below, the patterns stay the config's
    assert found(tmp_path / "act2", config=tmp_path / "ody.toml") == ["only-here.ody"]


def test_a_nested_config_governs_its_folder(tmp_path: Path) -> None:
    """The nearest config wins, for `exclude` as for every setting: each file gets its own."""
    write(tmp_path / "ody.toml", 'exclude = ["*.wip.ody"]\n')
    write(tmp_path / "act1" / "ody.toml", 'strict = true\nexclude = ["old/"]\n')
    for name in ("a.wip.ody", "act1/b.wip.ody", "act1/old/c.ody", "act1/d.ody", "old/e.ody"):
        write(tmp_path / name)
    troubles: list[OdyError] = []
    files = {p.relative_to(tmp_path).as_posix(): s for p, s in Walk(tmp_path, "*.ody", None).files(troubles.append)}
    assert list(files) == ["act1/b.wip.ody", "act1/d.ody", "old/e.ody"]
    assert files["act1/d.ody"].strict and not files["old/e.ody"].strict
    assert files["old/e.ody"].source == tmp_path / "ody.toml"


def test_symbolic_links_are_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    write(outside / "o.ody")
    root = tmp_path / "root"
    write(root / "a.ody")
    (root / "linked-folder").symlink_to(outside)
    (root / "linked.ody").symlink_to(outside / "o.ody")
    (root / "loop").symlink_to(root)
    assert found(root) == ["a.ody"]


def test_a_deep_tree_is_walked_without_recursion(tmp_path: Path) -> None:
    """Deeper than the stack allows: the walk keeps its folders in a list, not in calls. (A
    real tree deeper than Python's limit of 1,000 would also break pytest's own clean-up.)"""
    deep = tmp_path.joinpath(*["d"] * 200)
    write(deep / "x.ody")
    depth = len(inspect.stack())
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(depth + 80)
    try:
        files = found(tmp_path)
    finally:
        sys.setrecursionlimit(limit)
    assert files == ["d/" * 200 + "x.ody"]


def test_a_broken_nested_config_is_reported_and_the_rest_is_walked(tmp_path: Path) -> None:
    write(tmp_path / "act1" / "ody.toml", "strict = 1\n")
    write(tmp_path / "act1" / "a.ody")
    write(tmp_path / "act2" / "b.ody")
    troubles: list[OdyError] = []
    files = [p.name for p, _ in Walk(tmp_path, "*.ody", None).files(troubles.append)]
    assert files == ["b.ody"]
    assert [t.message for t in troubles] == [f"{tmp_path / 'act1' / 'ody.toml'}: `strict` must be true or false"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every folder")
def test_an_unreadable_folder_is_reported_and_the_rest_is_walked(tmp_path: Path) -> None:
    write(tmp_path / "closed" / "a.ody")
    write(tmp_path / "open" / "b.ody")
    (tmp_path / "closed").chmod(0)
    try:
        troubles: list[OdyError] = []
        files = [p.name for p, _ in Walk(tmp_path, "*.ody", None).files(troubles.append)]
    finally:
        (tmp_path / "closed").chmod(0o755)
    assert files == ["b.ody"]
    assert troubles[0].message.endswith("closed: cannot read this folder (Permission denied)")


# --- every command that takes folders -----------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A repository where only `scenes/bad.ody` and `scenes/Shout.ODY` are to be checked."""
    (tmp_path / ".git").mkdir()
    write(tmp_path / ".gitignore", "recordings/\n")
    write(tmp_path / "ody.toml", 'exclude = ["scenes/drafts/"]\n')
    write(tmp_path / "scenes" / "bad.ody", BAD)
    write(tmp_path / "scenes" / "Shout.ODY", WARN)
    for ignored in ("recordings/r.ody", "scenes/drafts/d.ody", ".venv/lib/v.ody", "build/b.ody", "node_modules/n.ody",
                    ".hidden/h.ody"):
        write(tmp_path / ignored, BAD)
    return tmp_path


def test_lint_walks_by_the_rules(project: Path) -> None:
    result = ody("lint", "--format", "gcc", ".", cwd=project)
    assert result.returncode == 1, result.stderr
    assert sorted({line.split(":")[0] for line in result.stdout.splitlines()}) == ["scenes/Shout.ODY", "scenes/bad.ody"]
    named = ody("lint", "--format", "gcc", "build/b.ody", "recordings", cwd=project)  # named: always checked
    assert {line.split(":")[0] for line in named.stdout.splitlines()} == {"build/b.ody", "recordings/r.ody"}


def test_fmt_walks_by_the_rules(project: Path) -> None:
    write(project / "scenes" / "bad.ody", GOOD.replace("@3s", "@3s   "))  # formattable, not formatted
    write(project / "recordings" / "r.ody", GOOD.replace("@3s", "@3s   "))
    result = ody("fmt", "--check", ".", cwd=project)
    assert result.returncode == 1
    assert result.stdout == "would reformat scenes/Shout.ODY\nwould reformat scenes/bad.ody\n"
    assert result.stderr == "2 files would be reformatted\n"


def test_check_walks_by_the_rules(project: Path) -> None:
    script = '[{"timestamp_ms": 0, "start": {"prompt": "a"}}, {"timestamp_ms": 100, "end": {}}]'
    write(project / "scenes" / "s.JSON", script)
    write(project / "recordings" / "r.json", script)
    result = ody("check", "--format", "gcc", ".", cwd=project)
    assert {line.split(":")[0] for line in result.stdout.splitlines()} == {"scenes/s.JSON"}


def test_run_walks_by_the_rules(project: Path) -> None:
    """Errors stop `ody run` before anything is submitted: which files it read shows."""
    result = ody("run", ".", cwd=project)
    assert result.returncode == 1
    assert "--> scenes/bad.ody:" in result.stderr and "recordings/" not in result.stderr
    assert result.stderr.endswith("2 errors, 1 warning in 2 of 2 files\n")


@pytest.mark.parametrize("command", [["lint"], ["fmt", "--check"], ["check"], ["run"]])
def test_a_folder_without_screenplays_is_a_note_and_exit_0(tmp_path: Path, command: list[str]) -> None:
    (tmp_path / "empty").mkdir()
    result = ody(*command, "empty", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr.startswith(f"ody {command[0]}: empty: no *.")
    assert "nothing to do\n" in result.stderr and "hint" not in result.stderr
    write(tmp_path / "ignored" / ".gitignore", "*\n")
    write(tmp_path / "ignored" / "x.ody")
    write(tmp_path / "ignored" / "x.json", "[]")
    hinted = ody(*command, "ignored", cwd=tmp_path)
    assert hinted.returncode == 0 and "\n  hint: hidden folders and files, symbolic links, " in hinted.stderr


def test_a_config_that_governs_a_folder_is_read_once(project: Path) -> None:
    broken = write(project / "scenes" / "ody.toml", "strict = 1\n")
    result = ody("lint", "--format", "gcc", ".", cwd=project)
    assert result.returncode == 2
    assert result.stderr == f"ody lint: {broken.relative_to(project)}: `strict` must be true or false\n"
    assert result.stdout == ""


def test_pathspec_is_imported_only_for_a_gitignore_or_an_exclude(tmp_path: Path) -> None:
    """gitignore's rules cost imports: a lint of files, or of a folder with neither, skips them."""
    write(tmp_path / "scenes" / "a.ody")
    env = dict(os.environ, NO_COLOR="1")
    for args in (["lint", "scenes/a.ody"], ["lint", "scenes"]):
        done, modules = ody_recording_imports(args, tmp_path, env)
        assert done.returncode == 0 and "pathspec" not in modules, args
    write(tmp_path / "scenes" / ".gitignore", "*.old.ody\n")
    done, modules = ody_recording_imports(["lint", "scenes"], tmp_path, env)
    assert done.returncode == 0 and "pathspec" in modules
