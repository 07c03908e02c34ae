"""Shell completion of file arguments (click's protocol: `_ODY_COMPLETE=<shell>_complete` with
the words typed so far), run as the shells run it: `ody` in a subprocess; bash itself too."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from test_cli import ODY

BASH = shutil.which("bash")


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    for name in ("scenes/a.ody", "scenes/B.ODY", "scenes/notes.txt", "scenes/act1/c.ody", "top.ody", "top.txt",
                 ".hidden/h.ody", "solo/only/x.ody"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("", encoding="utf-8")
    return tmp_path


def complete(tree: Path, shell: str, *words: str) -> str:
    """What `ody` answers a `shell` completing the last of `words` (an empty one: a new word).
    bash and zsh say which word is incomplete by its index, fish by its text."""
    env = dict(os.environ, _ODY_COMPLETE=f"{shell}_complete", COMP_WORDS=" ".join(("ody", *words)),
               COMP_CWORD=words[-1] if shell == "fish" else str(len(words)))
    done = subprocess.run([ODY], cwd=tree, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    return done.stdout


@pytest.mark.parametrize("command", ["fmt", "run", "lint", "compile"])
def test_file_arguments_complete_folders_and_screenplays(tree: Path, command: str) -> None:
    assert complete(tree, "bash", command, "") == "plain,scenes/\nplain,solo/\nplain,top.ody\n"
    assert complete(tree, "bash", command, "t") == "plain,top.ody\n"
    assert complete(tree, "bash", command, "scenes/") == "plain,scenes/B.ODY\nplain,scenes/a.ody\nplain,scenes/act1/\n"
    assert complete(tree, "bash", command, ".h") == "plain,.hidden/h.ody\n"  # asked for with a dot


def test_a_lone_folder_completes_to_what_is_in_it(tree: Path) -> None:
    """So that the shell puts no space after the folder: `sc` gives scenes' contents, and a
    chain of lone folders goes down to the file."""
    assert complete(tree, "bash", "fmt", "sc") == "plain,scenes/B.ODY\nplain,scenes/a.ody\nplain,scenes/act1/\n"
    assert complete(tree, "bash", "fmt", "so") == "plain,solo/only/x.ody\n"
    assert complete(tree, "bash", "fmt", "nothing") == "\n"


def test_zsh_and_fish_get_the_same_paths(tree: Path) -> None:
    assert complete(tree, "zsh", "fmt", "t") == "plain\ntop.ody\n_\n"
    assert complete(tree, "fish", "fmt", "t") == "plain,top.ody\n"


@pytest.mark.skipif(BASH is None, reason="no bash")
def test_bash_completes_with_the_script_ody_prints(tree: Path) -> None:
    """The set-up docs/output-formats.md gives: `eval "$(_ODY_COMPLETE=bash_source ody)"`."""
    assert BASH is not None
    script = ('eval "$(_ODY_COMPLETE=bash_source ody)"\n'
              'COMP_WORDS=(ody fmt sc); COMP_CWORD=2; _ody_completion ody\n'
              'printf "%s\\n" "${COMPREPLY[@]}"\n')
    env = dict(os.environ, PATH=f"{Path(ODY).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    done = subprocess.run([BASH, "--norc", "--noprofile", "-c", script], cwd=tree, env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "scenes/B.ODY\nscenes/a.ody\nscenes/act1/\n"


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_each_shell_gets_a_script(tree: Path, shell: str) -> None:
    env = dict(os.environ, _ODY_COMPLETE=f"{shell}_source")
    done = subprocess.run([ODY], cwd=tree, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "_ODY_COMPLETE" in done.stdout


def test_check_completes_json_scripts(tree: Path) -> None:
    (tree / "script.json").write_text("[]", encoding="utf-8")
    assert complete(tree, "bash", "check", "") == "plain,scenes/\nplain,script.json\nplain,solo/\n"
