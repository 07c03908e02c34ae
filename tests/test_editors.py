"""The editor integrations agree with the language, checked without Node or an editor.

- editors/vscode: the TextMate grammar parses, names the scope and file type package.json
  declares, colours every keyword of grammar/ody.lark (actions only after a time), its time
  pattern accepts what `times.parse_time` accepts and its directive values what the compiler
  takes (the Node side, editors/vscode/ci.sh, tests the colours token by token with
  vscode-tmgrammar-test); the extension is bundled, and the .vsix ships only what VS Code reads;
- .pre-commit-hooks.yaml runs real `ody` commands with real options on `.ody` files;
- docs/editors.md: its TOML and JSON snippets parse and name the extension's real settings.
"""

from __future__ import annotations

import json
import re
import shlex
import tomllib
from collections.abc import Iterator
from itertools import product
from pathlib import Path
from typing import Any

import click
import pytest
from conftest import diags
from hypothesis import given
from hypothesis import strategies as st

from odyssey_dsl import times
from odyssey_dsl.cli import main
from odyssey_dsl.vocabulary import ACTIONS, AFTER, DIRECTIVES, KEYWORDS
from odyssey_dsl.vocabulary import DIRECTIVE_VALUES as _VALUES

ROOT = Path(__file__).resolve().parent.parent
VSCODE = ROOT / "editors" / "vscode"
PACKAGE = json.loads((VSCODE / "package.json").read_text(encoding="utf-8"))
SOURCE = VSCODE / "src" / "extension.js"
GRAMMAR = json.loads((VSCODE / "syntaxes" / "ody.tmLanguage.json").read_text(encoding="utf-8"))
REPOSITORY_URL = "https://github.com/odyssey-dsl/odyssey-dsl"


def _rules(node: Any) -> Iterator[dict[str, Any]]:
    """Every rule of the grammar, nested ones included."""
    if isinstance(node, dict):
        if "match" in node or "begin" in node:
            yield node
        for value in node.values():
            yield from _rules(value)
    elif isinstance(node, list):
        for value in node:
            yield from _rules(value)


def _keyword_patterns() -> list[tuple[re.Pattern[str], str]]:
    """(regex, scope) for each rule that colours a keyword, as Python regexes.

    The grammar's patterns use no Oniguruma-only syntax except `\\G`, which Python lacks."""
    found = []
    for rule in _rules(GRAMMAR):
        if "begin" in rule:
            source, scope = rule["begin"], rule.get("beginCaptures", {}).get("1", {}).get("name", "")
        else:
            source, scope = rule["match"], rule.get("name", "")
        if "\\G" in source or not scope.startswith("keyword."):
            continue
        found.append((re.compile(source), scope))
    return found


def _lark_keywords() -> set[str]:
    """The keywords of the real grammar: its terminals spelled as literal strings."""
    lark = (ROOT / "grammar" / "ody.lark").read_text(encoding="utf-8")
    return set(re.findall(r'^[A-Z_]+:\s*"([^"]+)"\s*$', lark, re.MULTILINE))


# --- package.json and the grammar -------------------------------------------------------------

def test_grammar_scope_and_file_types_match_package_json() -> None:
    (language,) = PACKAGE["contributes"]["languages"]
    (grammar,) = PACKAGE["contributes"]["grammars"]
    assert language["id"] == grammar["language"] == "ody"
    assert "Odyssey screenplay" in language["aliases"]
    assert GRAMMAR["scopeName"] == grammar["scopeName"] == "source.ody"
    assert language["extensions"] == [f".{t}" for t in GRAMMAR["fileTypes"]] == [".ody"]
    assert (VSCODE / grammar["path"]).resolve() == (VSCODE / "syntaxes" / "ody.tmLanguage.json").resolve()
    assert (VSCODE / language["configuration"]).is_file()


def test_the_extension_is_bundled_into_main_and_shipped_alone() -> None:
    """esbuild writes `main` from the source (and vscode-languageclient) before packaging;
    the .vsix takes only what VS Code reads (ci.sh checks the real .vsix)."""
    program, entry, *options = shlex.split(PACKAGE["scripts"]["bundle"])
    assert program == "esbuild" and (VSCODE / entry).resolve() == SOURCE.resolve()
    assert {"--bundle", "--platform=node", "--external:vscode", f"--outfile={PACKAGE['main'].removeprefix('./')}"} \
        <= set(options)
    assert PACKAGE["scripts"]["vscode:prepublish"].startswith("npm run bundle")
    assert "--no-dependencies" in PACKAGE["scripts"]["package"] and "dependencies" not in PACKAGE
    ignore = (VSCODE / ".vscodeignore").read_text(encoding="utf-8").splitlines()
    shipped = {line.removeprefix("!") for line in ignore if line.startswith("!")}
    (grammar,) = PACKAGE["contributes"]["grammars"]
    (language,) = PACKAGE["contributes"]["languages"]
    assert "**" in ignore and shipped == {p.removeprefix("./") for p in (
        "package.json", PACKAGE["main"], grammar["path"], language["configuration"], "LICENSE", "README.md",
        "CHANGELOG.md")}


def test_package_json_names_the_project_its_license_and_version() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert PACKAGE["license"] == pyproject["license"] == "MIT"
    assert PACKAGE["version"] == pyproject["version"]
    assert PACKAGE["repository"]["url"] == REPOSITORY_URL
    assert (VSCODE / "LICENSE").read_text(encoding="utf-8") == (ROOT / "LICENSE").read_text(encoding="utf-8")
    for name, version in PACKAGE["devDependencies"].items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{name} is not pinned: {version}"
    lock = json.loads((VSCODE / "package-lock.json").read_text(encoding="utf-8"))
    assert lock["lockfileVersion"] == 3
    assert lock["packages"][""]["devDependencies"] == PACKAGE["devDependencies"]
    assert "dependencies" not in lock["packages"][""]  # everything the extension runs is bundled


def test_the_extension_starts_ody_lsp_from_its_setting() -> None:
    settings = PACKAGE["contributes"]["configuration"]["properties"]
    assert settings["ody.server.path"]["default"] == "ody"
    assert settings["ody.inlayHints.enabled"]["default"] is True
    source = SOURCE.read_text(encoding="utf-8")
    assert "args: ['lsp']" in source
    assert "pip install odyssey-dsl" in source
    for key in re.findall(r"settings\.get\('([\w.]+)'", source):
        assert f"ody.{key}" in settings, f"extension.js reads ody.{key}, which package.json does not declare"
    lsp = main.get_command(click.Context(main), "lsp")  # the command the extension starts exists
    assert lsp is not None and {"--stdio", "--log-file"} <= {o for p in lsp.params for o in p.opts}


def test_language_configuration_comments_and_quotes() -> None:
    config = json.loads((VSCODE / "language-configuration.json").read_text(encoding="utf-8"))
    assert config["comments"] == {"lineComment": "#"}
    assert {"open": '"', "close": '"', "notIn": ["string", "comment"]} in config["autoClosingPairs"]
    word = re.compile(config["wordPattern"])
    line = '@+1m30s interact "x"  # prompt-expansion'
    assert [m.group() for m in word.finditer(line)] == ["@+1m30s", "interact", "x", "prompt-expansion"]


def test_every_keyword_of_the_language_is_coloured_as_a_keyword() -> None:
    """Directives, header lines (`define`...), `scene` and `image` by their own rules; actions
    only in a cue (below)."""
    keywords = _lark_keywords()
    assert keywords == set(KEYWORDS)
    patterns = _keyword_patterns()

    def coloured(word: str, line: str) -> bool:
        """Whether a keyword rule takes `word`, whole, at the start of `line`."""
        for regex, _ in patterns:
            match = regex.match(line)
            if match is not None and word in (match.group(), *match.groups()):
                return True
        return False

    for keyword in sorted(keywords - {*ACTIONS, AFTER}):
        assert coloured(keyword, f'{keyword} "x"'), f"`{keyword}` is not coloured as a keyword"
        assert not coloured(keyword, f'{keyword}s "x"') and not coloured(f"{keyword}s", f'{keyword}s "x"')
        assert not coloured(keyword.upper(), f'{keyword.upper()} "x"'), "keywords are lowercase"
    for word in (*ACTIONS, AFTER):
        assert not coloured(word, f'{word} "x"'), f"`{word}` is coloured at the start of a line"
    text = json.dumps(GRAMMAR)
    for directive in keywords - {*ACTIONS, "scene", "image", AFTER}:  # directives and header lines
        assert f"keyword.other.directive.{directive}.ody" in text


def test_after_is_a_keyword_only_right_after_a_scene_name() -> None:
    """`scene "night" after "day"` colours `after`; the rule lives inside the scene rule, and
    begins only after a closing quote (tests/directives.test.ody checks the lines token by token)."""
    (rule,) = [r for r in _rules(GRAMMAR) if r.get("beginCaptures", {}).get("1", {}).get("name") == "keyword.other.after.ody"]
    assert rule in GRAMMAR["repository"]["scene"]["patterns"]
    assert json.dumps(rule) not in json.dumps([GRAMMAR["patterns"], GRAMMAR["repository"]["cue-body"]])
    begin = re.compile(rule["begin"])
    for line, at, taken in (('scene "night" after "day"', 13, True), ('scene "dusk"after"""x"""', 12, True),
                            ('scene after "day"', 5, False), ('scene "night" afterwards "day"', 13, False),
                            ('scene "night" x after "day"', 15, False)):
        assert (begin.match(line, at) is not None) is taken, line


def test_actions_are_keywords_only_right_after_the_time() -> None:
    """`@3s end` colours `end`; `end` at the start of a line, after a prompt or after a stray
    word does not (the Node tests, tests/times.test.ody, check those lines token by token)."""
    cues = GRAMMAR["repository"]["cue"]["patterns"]
    assert [rule["patterns"] for rule in cues] == [[{"include": "#cue-body"}]] * 2
    (action,) = [rule for rule in _rules(GRAMMAR) if "keyword.control.action" in json.dumps(rule.get("captures"))]
    assert action in GRAMMAR["repository"]["cue-body"]["patterns"] and action["match"].startswith("\\G")
    assert "#cue-body" not in json.dumps([GRAMMAR["patterns"], GRAMMAR["repository"]["directive"]])
    after_time = _anchored(action["match"])
    for time, word in product(("@0", "@+3s", "@3sec"), [*ACTIONS, "interct", "ends", "End"]):
        line = f'{time}\t{word} "x"'
        (head,) = [m for rule in cues if (m := re.match(rule["begin"], line))][:1]
        match = after_time.match(line, head.end())
        taken = match.group(1) if match is not None else None
        assert taken == (word if word in ACTIONS else None), line


def _anchored(source: str) -> re.Pattern[str]:
    """A rule that starts with `\\G` (right after its parent rule's begin), as a Python regex
    to `match` at that position."""
    assert source.startswith("\\G")
    return re.compile(source.removeprefix("\\G"))


def _coloured_value(directive: str, value: str) -> bool:
    """Whether the grammar colours `value` as a valid value of `directive`: the directive's
    value rule takes it right after the keyword, and only a comment may follow."""
    (rule,) = [r for r in GRAMMAR["repository"]["directive"]["patterns"] if f"({directive})" in r["begin"]]
    (value_rule,) = [p for p in rule["patterns"] if p.get("match", "").startswith("\\G")]
    assert value_rule["captures"]["1"]["name"].startswith("constant.")
    # a comment, the value, and anything else (a string included) marked invalid
    assert rule["patterns"] == [{"include": "#comment"}, value_rule, {"include": "#invalid-value"}]
    line = f"{directive} {value}"
    head = re.match(rule["begin"], line)
    assert head is not None
    match = _anchored(value_rule["match"]).match(line, head.end())
    return match is not None and line[match.end():].lstrip(" \t")[:1] in ("", "#")


#: The directives whose value is a duration (`min-gap 2s`): neither a title nor a word from a list.
_DURATION_DIRECTIVES = tuple(d for d in DIRECTIVES if d != "title" and d not in _VALUES)
#: Every value of every directive, and durations.
_WORDS = sorted({value for values in _VALUES.values() for value in values} | {"2s", "0", "1:30", "250ms"})


def _takes(directive: str, value: str) -> bool:
    """Whether the compiler takes `directive value`: no diagnostic on its line."""
    return not [d for d in diags(f'{directive} {value}\n@0 start "x"\n@3s end\n') if d.span.line == 1]


def test_directive_values_are_coloured_as_ody_lint_takes_them() -> None:
    """Every value of vocabulary.DIRECTIVE_VALUES (and a duration) is coloured as valid, and what
    `ody lint` rejects is not: quoted (`orientation "portrait"`), another directive's value,
    another case, two values."""
    accepted = set()
    for directive, word in product([*_VALUES, *_DURATION_DIRECTIVES], _WORDS):
        for value in {word, f'"{word}"', f'"""{word}"""', word.upper(), word.capitalize(), f"{word}s",
                      f"{word} {word}", f'{word}"x"', f"@{word}"}:
            if _takes(directive, value):
                accepted.add((directive, value))
            assert _coloured_value(directive, value) == ((directive, value) in accepted), f"{directive} {value}"
    assert {(directive, value) for directive, values in _VALUES.items() for value in values} <= accepted
    assert {(directive, "2s") for directive in _DURATION_DIRECTIVES} <= accepted


@given(st.sampled_from([*_VALUES, *_DURATION_DIRECTIVES]), st.one_of(
    st.text(alphabet="portaiclndsefhm0123456789:.@\" \t", max_size=14),
    st.builds(lambda before, word, after: before + word + after, st.sampled_from(["", '"', '"""', " ", "\t", "@"]),
              st.sampled_from(_WORDS), st.sampled_from(["", '"', '"""', " ", "s", " on", "x", '"x"', " 3s"]))))
def test_any_directive_value_is_coloured_valid_exactly_when_the_compiler_takes_it(directive: str, value: str) -> None:
    """The same agreement on generated values: quoted, glued, repeated, half-typed."""
    assert _coloured_value(directive, value.rstrip(" \t")) == _takes(directive, value)


def test_grammar_patterns_are_python_compatible_except_anchors() -> None:
    """So that the checks above and below really test the grammar's own regexes."""
    for rule in _rules(GRAMMAR):
        for key in ("match", "begin", "end"):
            if key in rule:
                re.compile(rule[key].replace("\\G", ""))


# --- times: the grammar's pattern against the language's parser -------------------------------

def _time_pattern() -> re.Pattern[str]:
    (valid, _invalid) = GRAMMAR["repository"]["cue"]["patterns"]
    return re.compile(valid["begin"])


def _time_samples() -> list[str]:
    docs = (ROOT / "docs" / "language.md").read_text(encoding="utf-8")
    samples = set(re.findall(r"^\| `@([^`]*)` \|", docs, re.MULTILINE))
    assert len(samples) > 25
    numbers = ["0", "1", "05", "30", "59", "60", "90", "1.5", "0.25", "2.0005", "1."]
    for number, unit in product(numbers, ["", "h", "m", "s", "ms", "S", "sec", "min"]):
        samples.add(number + unit)
    for parts in product(["", "1h", "1.5h"], ["", "2m", "2.5m", "90m"], ["", "3s", "3.25s"], ["", "4ms", "400ms"]):
        samples.add("".join(parts))
        samples.add("".join(reversed(parts)))
    for clock in ["1:30", "1:05", "1:5", "1:60", "0:01:30", "0:1:30", "1:30.25", "1:30.", "90:00", "1:30:00.5",
                  "1::30", ":30", "1:30:", "1:30s", "1:2:3:4", "01:00:00.000"]:
        samples.add(clock)
    samples |= {"", "x", "3 s", "3s5", "s", "ms", "0ms", "0.0", "00", "+", "++3s", "3s+", "-3s", "3s-", "٣s", "3s#"}
    return sorted(samples | {"+" + s for s in samples})


def test_time_pattern_accepts_what_the_language_accepts() -> None:
    """The grammar marks a time invalid exactly when `ody lint` reports it (ODY003), except
    for the two checks a regex cannot make: a whole number of milliseconds, and the limit."""
    pattern, checked = _time_pattern(), 0
    for text in _time_samples():
        match = pattern.match(f"@{text}")
        coloured = match is not None and match.end() == len(text) + 1
        parsed = times.parse_time(text)
        valid = not isinstance(parsed, times.TimeError)
        if coloured and isinstance(parsed, times.TimeError):
            assert parsed.message in ("not a whole number of milliseconds", "time is too large"), text
        else:
            assert coloured == valid, f"@{text}: grammar {coloured}, parse_time {parsed}"
            checked += 1
    assert checked > 500


@pytest.mark.parametrize("directive", _DURATION_DIRECTIVES)
def test_duration_values_are_coloured_as_the_compiler_takes_them(directive: str) -> None:
    """`min-gap` (and any directive whose value is a duration) against the compiler, except for
    the two checks a regex cannot make: a whole number of milliseconds, and the limit."""
    for text in _time_samples():
        coloured, taken = _coloured_value(directive, text), _takes(directive, text)
        if coloured and not taken:
            parsed = times.parse_time(text)
            assert isinstance(parsed, times.TimeError), f"{directive} {text}: coloured, not taken"
            assert parsed.message in ("not a whole number of milliseconds", "time is too large"), text
        else:
            assert coloured == taken, f"{directive} {text}: grammar {coloured}, compiler {taken}"


# --- .pre-commit-hooks.yaml --------------------------------------------------------------------

def _hooks() -> list[dict[str, str]]:
    """The hooks file, read with a parser for exactly its shape (a list of flat mappings of
    plain scalars), so that the tests need no YAML library; cross-checked when one is there."""
    text = (ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    hooks: list[dict[str, str]] = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        item = re.fullmatch(r"(- |  )([a-z_]+): (\S.*)", line)
        assert item is not None, f"unexpected line in .pre-commit-hooks.yaml: {line!r}"
        assert not item.group(3).startswith(("'", '"', "[", "{", "&", "*", "!", "|", ">")), line
        if item.group(1) == "- ":
            hooks.append({})
        hooks[-1][item.group(2)] = item.group(3)
    try:
        import yaml
    except ImportError:
        return hooks
    assert yaml.safe_load(text) == hooks
    return hooks


def test_pre_commit_hooks_run_real_ody_commands_on_ody_files() -> None:
    hooks = {hook["id"]: hook for hook in _hooks()}
    assert {id: hook["entry"] for id, hook in hooks.items()} == {
        "ody-lint": "ody lint", "ody-lint-fix": "ody lint --fix", "ody-fmt": "ody fmt", "ody-fmt-check": "ody fmt --check"}
    context = click.Context(main)
    for hook in hooks.values():
        assert hook["language"] == "python"
        for name in ("scenes/window-cat.ody", "SCENE.ODY", "a.Ody"):
            assert re.search(hook["files"], name)
        assert not re.search(hook["files"], "a.ody.json") and not re.search(hook["files"], "body")
        program, name, *flags = shlex.split(hook["entry"])
        assert program == "ody"
        command = main.get_command(context, name)
        assert command is not None, f"`ody {name}` does not exist"
        options = {opt for param in command.params for opt in param.opts + param.secondary_opts}
        assert set(flags) <= options, f"`ody {name}` has no option {set(flags) - options}"


# --- docs/editors.md ---------------------------------------------------------------------------

_FENCE = re.compile(r"^```([\w-]*)[^\n]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)


def docs_blocks(kind: str) -> list[str]:
    """The bodies of the ```KIND fences of docs/editors.md (also read by tests/test_neovim.py)."""
    docs = (ROOT / "docs" / "editors.md").read_text(encoding="utf-8")
    return [body for fence, body in _FENCE.findall(docs) if fence == kind]


@pytest.mark.parametrize("kind", ["toml", "json", "lua", "elisp", "yaml", "sh"])
def test_editors_md_has_its_snippets(kind: str) -> None:
    assert docs_blocks(kind), f"docs/editors.md has no ```{kind} block"


def test_editors_md_toml_and_json_parse_and_name_real_settings() -> None:
    for body in docs_blocks("toml"):
        tomllib.loads(body)
    settings = set(PACKAGE["contributes"]["configuration"]["properties"])
    for body in docs_blocks("json"):
        value = json.loads(body if body.lstrip().startswith("{") else "{" + body + "}")
        for key in re.findall(r'"(ody\.[\w.]+)"', json.dumps(value)):
            assert key in settings, f"docs/editors.md names `{key}`, which the extension does not have"


def test_editors_md_pre_commit_snippet_uses_the_hooks() -> None:
    """The snippet names real hooks, and the section says what each of them does."""
    (snippet,) = [body for body in docs_blocks("yaml") if "rev:" in body]
    ids = set(re.findall(r"- id: ([\w-]+)", snippet))
    hooks = {hook["id"] for hook in _hooks()}
    assert ids and ids <= hooks
    section = (ROOT / "docs" / "editors.md").read_text(encoding="utf-8").split("## pre-commit", 1)[1]
    assert hooks == set(re.findall(r"^- `(ody-[\w-]+)` runs", section, re.MULTILINE)) | set(
        re.findall(r"`(ody-[\w-]+)` runs `ody", section))
    assert REPOSITORY_URL in snippet
