"""Tests for odyssey_dsl.config: discovery, keys, errors and merging."""

from __future__ import annotations

import os
import pathlib
from functools import partial

import pytest
from conftest import within

from odyssey_dsl.config import (
    ConfigError,
    Settings,
    find_config,
    load_settings,
    merge,
    read_settings,
)


@pytest.fixture(autouse=True)
def _inside_tmp(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from tmp_path so error messages show short relative paths."""
    monkeypatch.chdir(tmp_path)


def write(path: pathlib.Path, text: str) -> pathlib.Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path: pathlib.Path, text: str) -> str:
    write(path, text)
    with pytest.raises(ConfigError) as caught:
        read_settings(path)
    return str(caught.value)


# --- discovery -----------------------------------------------------------


def test_defaults_when_nothing_found(tmp_path: pathlib.Path) -> None:
    if any((d / n).exists() for d in tmp_path.parents for n in ("ody.toml", "pyproject.toml")):
        pytest.skip("a config file above the temporary folder")
    screenplay = write(tmp_path / "a" / "scene.ody", "")
    assert find_config(screenplay) is None
    assert load_settings(screenplay) == Settings()


def test_walks_up_from_a_file(tmp_path: pathlib.Path) -> None:
    config = write(tmp_path / "ody.toml", "strict = true\n")
    screenplay = write(tmp_path / "a" / "b" / "scene.ody", "")
    assert find_config(screenplay) == config
    assert find_config(screenplay.parent) == config
    settings = load_settings(screenplay)
    assert settings.strict is True
    assert settings.source == config


def test_missing_file_uses_its_folder(tmp_path: pathlib.Path) -> None:
    config = write(tmp_path / "ody.toml", "")
    (tmp_path / "a").mkdir()
    assert find_config(tmp_path / "a" / "unsaved.ody") == config


def test_relative_start(tmp_path: pathlib.Path) -> None:
    config = write(tmp_path / "ody.toml", "")
    write(tmp_path / "a" / "scene.ody", "")
    assert find_config(pathlib.Path("a/scene.ody")) == config
    assert find_config(pathlib.Path("a/../a/scene.ody")) == config


def test_ody_toml_beats_pyproject_in_same_folder(tmp_path: pathlib.Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.ody]\nline-width = 80\n")
    config = write(tmp_path / "ody.toml", "line-width = 90\n")
    assert find_config(tmp_path) == config
    assert load_settings(tmp_path).line_width == 90


def test_nearer_pyproject_beats_farther_ody_toml(tmp_path: pathlib.Path) -> None:
    write(tmp_path / "ody.toml", "line-width = 90\n")
    near = write(tmp_path / "sub" / "pyproject.toml", "[tool.ody]\nline-width = 80\n")
    assert find_config(tmp_path / "sub" / "scene.ody") == near
    assert load_settings(tmp_path / "sub" / "scene.ody").line_width == 80


def test_pyproject_without_tool_ody_is_skipped(tmp_path: pathlib.Path) -> None:
    far = write(tmp_path / "ody.toml", "strict = true\n")
    write(tmp_path / "sub" / "pyproject.toml", '[project]\nname = "x"\n\n[tool.black]\nline-length = 88\n')
    assert find_config(tmp_path / "sub") == far
    write(tmp_path / "other" / "pyproject.toml", 'tool = "melody"\n')
    assert find_config(tmp_path / "other") == far


def test_broken_pyproject_counts_only_if_it_mentions_tool_ody(tmp_path: pathlib.Path) -> None:
    far = write(tmp_path / "ody.toml", "")
    write(tmp_path / "a" / "pyproject.toml", "[project\nname = 1\n")
    assert find_config(tmp_path / "a") == far
    ours = write(tmp_path / "b" / "pyproject.toml", "[tool.ody]\nstrict = \n")
    assert find_config(tmp_path / "b") == ours
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_settings(tmp_path / "b")


def test_folder_named_ody_toml_does_not_count(tmp_path: pathlib.Path) -> None:
    far = write(tmp_path / "ody.toml", "")
    (tmp_path / "sub" / "ody.toml").mkdir(parents=True)
    assert find_config(tmp_path / "sub") == far


def test_nothing_is_cached(tmp_path: pathlib.Path) -> None:
    config = write(tmp_path / "ody.toml", "strict = true\n")
    assert load_settings(tmp_path).strict is True
    config.write_text("strict = false\n")
    assert load_settings(tmp_path).strict is False


# --- keys ----------------------------------------------------------------


def test_all_keys(tmp_path: pathlib.Path) -> None:
    config = write(
        tmp_path / "ody.toml",
        'ignore = ["ody201", "ODY305"]\nstrict = true\nline-width = 120\nmax-bytes = 1024\n'
        'max-duration = "2m30.5s"\nexclude = ["drafts/", "*.old.ody"]\n',
    )
    assert read_settings(config) == Settings(
        ignore=frozenset({"ODY201", "ODY305"}),
        strict=True,
        line_width=120,
        max_bytes=1024,
        max_duration_ms=150_500,
        exclude=("drafts/", "*.old.ody"),
        source=config,
    )


def test_empty_file_gives_defaults(tmp_path: pathlib.Path) -> None:
    config = write(tmp_path / "ody.toml", "")
    assert read_settings(config) == Settings(source=config)


def test_tool_ody_table_in_ody_toml(tmp_path: pathlib.Path) -> None:
    config = write(tmp_path / "ody.toml", "[tool.ody]\nline-width = 72\n")
    assert read_settings(config).line_width == 72


def test_pyproject_table(tmp_path: pathlib.Path) -> None:
    config = write(tmp_path / "pyproject.toml", '[tool.ody]\nignore = ["ODY101"]\n')
    assert read_settings(config).ignore == frozenset({"ODY101"})


def test_explicit_file_with_any_name(tmp_path: pathlib.Path) -> None:
    config = write(tmp_path / "ci.toml", "strict = true\n")
    assert read_settings(config).strict is True


@pytest.mark.parametrize("width", [20, 1000])
def test_line_width_bounds(tmp_path: pathlib.Path, width: int) -> None:
    config = write(tmp_path / "ody.toml", f"line-width = {width}\n")
    assert read_settings(config).line_width == width


# --- errors --------------------------------------------------------------


def test_unknown_key_with_suggestion(tmp_path: pathlib.Path) -> None:
    assert error_of(tmp_path / "ody.toml", "line_width = 80\n") == (
        "ody.toml: unknown key `line_width`; did you mean `line-width`? "
        "(known keys: ignore, strict, line-width, max-bytes, max-duration, exclude)"
    )


def test_unknown_key_without_suggestion(tmp_path: pathlib.Path) -> None:
    assert error_of(tmp_path / "ody.toml", "colour = 1\n") == (
        "ody.toml: unknown key `colour` (known keys: ignore, strict, line-width, max-bytes, max-duration, exclude)"
    )


def test_unknown_key_message_stays_on_one_line(tmp_path: pathlib.Path) -> None:
    message = error_of(tmp_path / "ody.toml", '"a\\nb" = 1\n')
    assert message.startswith("ody.toml: unknown key `a\\nb`")
    assert "\n" not in message


def test_unknown_key_in_pyproject_names_the_table(tmp_path: pathlib.Path) -> None:
    message = error_of(tmp_path / "pyproject.toml", "[tool.ody]\nstrickt = true\n")
    assert message.startswith("pyproject.toml: [tool.ody] unknown key `strickt`; did you mean `strict`?")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('ignore = "ODY201"\n', 'ody.toml: `ignore` must be a list of codes like "ODY201"'),
        ('ignore = ["E501"]\n', 'ody.toml: `ignore` has "E501", which is not a code like "ODY201"'),
        ('ignore = ["ODY2010"]\n', 'ody.toml: `ignore` has "ODY2010", which is not a code like "ODY201"'),
        ("ignore = [201]\n", 'ody.toml: `ignore` has 201, which is not a code like "ODY201"'),
        ('strict = "yes"\n', "ody.toml: `strict` must be true or false"),
        ("line-width = 19\n", "ody.toml: `line-width` must be a whole number from 20 to 1000, not 19"),
        ("line-width = 1001\n", "ody.toml: `line-width` must be a whole number from 20 to 1000, not 1001"),
        ("line-width = true\n", "ody.toml: `line-width` must be a whole number from 20 to 1000, not true"),
        ("line-width = 80.0\n", "ody.toml: `line-width` must be a whole number from 20 to 1000, not 80.0"),
        ("max-bytes = 0\n", "ody.toml: `max-bytes` must be a whole number of bytes above 0, not 0"),
        ('max-bytes = "1MB"\n', 'ody.toml: `max-bytes` must be a whole number of bytes above 0, not "1MB"'),
        ("max-duration = 150\n", 'ody.toml: `max-duration` must be a duration like "150s" or "2m30s", not 150'),
        ('max-duration = "+3s"\n', 'ody.toml: `max-duration` must be a duration like "150s" or "2m30s", not "+3s"'),
        ('max-duration = "0s"\n', 'ody.toml: `max-duration` must be a duration like "150s" or "2m30s", not "0s"'),
        ('exclude = "drafts"\n', 'ody.toml: `exclude` must be a list of patterns like "drafts/" or "*.old.ody"'),
        ('exclude = [""]\n', 'ody.toml: `exclude` must be a list of patterns like "drafts/" or "*.old.ody"'),
        ('exclude = ["ok/", "!"]\n', 'ody.toml: `exclude` has "!", which is not a gitignore-style pattern'),
    ],
)
def test_bad_values(tmp_path: pathlib.Path, text: str, message: str) -> None:
    assert error_of(tmp_path / "ody.toml", text) == message


def test_bad_value_in_pyproject(tmp_path: pathlib.Path) -> None:
    assert error_of(tmp_path / "pyproject.toml", "[tool.ody]\nstrict = 1\n") == (
        "pyproject.toml: [tool.ody] `strict` must be true or false"
    )


def test_invalid_toml(tmp_path: pathlib.Path) -> None:
    message = error_of(tmp_path / "ody.toml", "strict = true\nline-width = \n")
    assert message.startswith("ody.toml: invalid TOML: ")
    assert "line 2" in message
    assert "\n" not in message


def test_not_utf8(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "ody.toml"
    path.write_bytes(b"strict = \xff\n")
    with pytest.raises(ConfigError, match="not valid UTF-8"):
        read_settings(path)


def test_unreadable_file(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = write(tmp_path / "ody.toml", "strict = true\n")

    def refuse(_path: pathlib.Path) -> bytes:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("odyssey_dsl.config.read_file", refuse)  # as root, no mode refuses a read
    with pytest.raises(ConfigError) as caught:
        load_settings(tmp_path)
    assert str(caught.value) == "ody.toml: cannot read: Permission denied"
    assert caught.value.path == config


def test_a_config_file_that_is_a_fifo_or_a_device_is_refused_not_waited_on(tmp_path: pathlib.Path) -> None:
    """`ody lint --config fifo.toml` waited for a writer forever; a link to /dev/zero read forever."""
    os.mkfifo(tmp_path / "fifo.toml")
    (tmp_path / "zero.toml").symlink_to("/dev/zero")
    for name, kind in (("fifo.toml", "a FIFO"), ("zero.toml", "a device")):
        with pytest.raises(ConfigError) as caught:
            within(30, partial(read_settings, tmp_path / name))
        assert str(caught.value).endswith(f"{name}: cannot read: not a regular file ({kind})")


def test_config_path_is_a_folder(tmp_path: pathlib.Path) -> None:
    (tmp_path / "conf.toml").mkdir()
    with pytest.raises(ConfigError, match=r"^conf\.toml: cannot read: "):
        read_settings(tmp_path / "conf.toml")


def test_missing_explicit_file(tmp_path: pathlib.Path) -> None:
    with pytest.raises(ConfigError, match=r"^nope\.toml: cannot read: No such file"):
        read_settings(tmp_path / "nope.toml")


def test_explicit_pyproject_without_table(tmp_path: pathlib.Path) -> None:
    assert error_of(tmp_path / "pyproject.toml", '[project]\nname = "x"\n') == (
        "pyproject.toml: no [tool.ody] table"
    )


def test_tool_ody_not_a_table(tmp_path: pathlib.Path) -> None:
    assert error_of(tmp_path / "pyproject.toml", "[tool]\nody = 3\n") == (
        "pyproject.toml: `tool.ody` must be a table"
    )


def test_ody_toml_mixing_top_level_and_table(tmp_path: pathlib.Path) -> None:
    assert error_of(tmp_path / "ody.toml", "strict = true\n[tool.ody]\nline-width = 80\n") == (
        "ody.toml: `strict` is outside [tool.ody]: put all settings in one place"
    )


def test_path_outside_current_folder_shown_whole(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write(tmp_path / "proj" / "ody.toml", "strict = 1\n")
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    with pytest.raises(ConfigError) as caught:
        read_settings(config)
    assert str(caught.value).startswith(f"{config}: ")


def test_nested_path_shown_relative(tmp_path: pathlib.Path) -> None:
    message = error_of(tmp_path / "a" / "ody.toml", "strict = 1\n")
    assert message.startswith(f"{pathlib.Path('a', 'ody.toml')}: ")


# --- merge ---------------------------------------------------------------


def test_merge_adds_ignores_and_replaces_the_rest(tmp_path: pathlib.Path) -> None:
    base = Settings(ignore=frozenset({"ODY201"}), source=tmp_path / "ody.toml")
    merged = merge(base, ignore=["ody305"], strict=True, line_width=80, max_bytes=10)
    assert merged == Settings(
        ignore=frozenset({"ODY201", "ODY305"}),
        strict=True,
        line_width=80,
        max_bytes=10,
        source=tmp_path / "ody.toml",
    )


def test_merge_keeps_file_values_when_flags_absent() -> None:
    base = Settings(ignore=frozenset({"ODY201"}), strict=True, line_width=72, max_bytes=5)
    assert merge(base) == base


def test_merge_can_turn_strict_off() -> None:
    assert merge(Settings(strict=True), strict=False).strict is False


def test_ignore_takes_a_rules_name_and_keeps_its_code(tmp_path: pathlib.Path) -> None:
    config = write(tmp_path / "ody.toml", 'ignore = ["short-gap", "Long-Script"]\n')
    assert read_settings(config).ignore == frozenset({"ODY201", "ODY202"})
    assert merge(Settings(), ignore=["short-gap", "ody999"]).ignore == frozenset({"ODY201", "ODY999"})
    with pytest.raises(ConfigError, match="which is not a code"):
        read_settings(write(tmp_path / "ody.toml", 'ignore = ["short-gaps"]\n'))


# --- hostile files: a clear ConfigError, never an internal error -----------


DEEP = "[" * 1000 + "]" * 1000


@pytest.mark.parametrize(("name", "text"), [
    ("ody.toml", f"strict = {DEEP}\n"),
    ("ody.toml", "x = " + "{a = " * 1000 + "1" + "}" * 1000 + "\n"),
    ("pyproject.toml", f"[tool.ody]\nstrict = true\n[tool.other]\nx = {DEEP}\n"),  # another tool's table
])
def test_a_config_nested_a_thousand_deep_is_a_config_error(tmp_path: pathlib.Path, name: str, text: str) -> None:
    """tomllib recurses once per level: a RecursionError used to end `ody lint` as an
    internal error and silence the editor (which only catches ConfigError)."""
    config = write(tmp_path / name, text)
    for read in (load_settings, lambda p: read_settings(config)):
        with pytest.raises(ConfigError) as caught:
            read(tmp_path / "scene.ody")
        assert str(caught.value) == f"{name}: invalid TOML: tables or arrays nested too deeply"


def test_someone_elses_deep_pyproject_is_passed_over(tmp_path: pathlib.Path) -> None:
    write(tmp_path / "ody.toml", "strict = true\n")
    write(tmp_path / "sub" / "pyproject.toml", f"[tool.other]\nx = {DEEP}\n")
    assert find_config(tmp_path / "sub" / "scene.ody") == tmp_path / "ody.toml"


@pytest.mark.parametrize("text", [
    'line-width = "\\u001b[2J\\u0007"\n',  # a value
    '"\\u001b]0;pwned\\u0007" = 1\n',  # a key
    "line-width = [" + ", ".join(["1"] * 5000) + "]\n",  # a huge value: shown cut
])
def test_messages_never_carry_control_characters_or_whole_values(tmp_path: pathlib.Path, text: str) -> None:
    message = error_of(tmp_path / "ody.toml", text)
    assert message.isprintable() and len(message) < 400, message


def test_a_config_path_with_control_characters_is_escaped(tmp_path: pathlib.Path) -> None:
    config = write(tmp_path / "a\x1b[31m\x07" / "ody.toml", "strict = 1\n")
    with pytest.raises(ConfigError) as caught:
        read_settings(config)
    assert str(caught.value) == "a\\x1b[31m\\x07/ody.toml: `strict` must be true or false"


def test_the_editor_checks_with_defaults_and_says_why(tmp_path: pathlib.Path) -> None:
    """The language server catches ConfigError: a deep config no longer silences it."""
    from odyssey_dsl.lsp.project import project_for

    write(tmp_path / "pyproject.toml", f"[tool.ody]\nstrict = true\n[tool.x]\ny = {DEEP}\n")
    project = project_for(tmp_path / "scene.ody")
    assert project.settings == Settings()
    assert project.problems == ("ody: pyproject.toml: invalid TOML: tables or arrays nested too deeply "
                                "(checking with the default settings)",)
