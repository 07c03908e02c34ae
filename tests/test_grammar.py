"""The table interpreter and the fast scanner must agree with Lark and the general scanner;
the grammar must ship inside a built wheel."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from lark import Lark, Tree
from lark.exceptions import UnexpectedToken
from lark.parsers.lalr_parser_state import ParseConf, ParserState

from odyssey_dsl.diagnostics import Span
from odyssey_dsl.grammar import START, Failure, Grammar, Shape, export_tables, grammar_path, lalr_table, load
from odyssey_dsl.lexer import Line, Token

ROOT = Path(__file__).resolve().parent.parent
Conf = ParseConf[Any]  # Lark's own parser configuration: the oracle the interpreter is checked against
TYPES = ["TIME", "START", "INTERACT", "END", "IMAGE", "TITLE", "ORIENTATION", "PROMPT_EXPANSION",
         "MIN_GAP", "MAX_DURATION", "SCENE", "AFTER", "STRING", "LONG_STRING", "WORD", "COMMENT", "BAD_STRING"]


@pytest.fixture(scope="module")
def grammar() -> Grammar:
    return load()


@pytest.fixture(scope="module")
def lark_conf() -> Conf:
    lark = Lark(grammar_path().read_text(encoding="utf-8"), start=["file", START], parser="lalr")
    return lark.parse_interactive(start=START).parser_state.parse_conf


def _lark_shape(conf: Conf, types: tuple[str, ...]) -> Shape | Failure:
    """What Lark's own LALR parser makes of a statement: a shape, or where it fails."""
    tokens = [Token(t, "x", i, i + 1, Span(1, i + 1, 1, i + 2)) for i, t in enumerate(types)]
    state = ParserState(conf, None)  # type: ignore[arg-type]  # no lexer: the tokens are fed by hand
    try:
        for token in tokens:
            state.feed_token(token)  # type: ignore[arg-type]  # Lark reads only .type of a token
        end = Token("$END", "", 0, 0, Span(1, 1, 1, 1))
        tree = state.feed_token(end, True)  # type: ignore[arg-type]  # as above
    except UnexpectedToken as error:
        index = next((i for i, t in enumerate(tokens) if t is error.token), len(tokens))
        return Failure(index, frozenset(error.expected))
    places = {id(t): i for i, t in enumerate(tokens)}

    def shape(node: object) -> int | Shape:
        if isinstance(node, Tree):
            return (str(node.data), tuple(shape(c) for c in node.children))
        return places[id(node)]

    found = shape(tree)
    assert not isinstance(found, int)
    return found


VALID = [
    ("TIME", "START", "STRING"),
    ("TIME", "START", "LONG_STRING", "IMAGE", "STRING"),
    ("TIME", "INTERACT", "STRING"),
    ("TIME", "END"),
    ("TIME", "END", "IMAGE", "STRING"),
    ("TITLE", "STRING"),
    ("ORIENTATION", "WORD"),
    ("PROMPT_EXPANSION", "WORD"),
    ("MIN_GAP", "WORD"),
    ("MAX_DURATION", "WORD"),
    ("SCENE", "LONG_STRING"),
    ("SCENE", "STRING", "AFTER", "LONG_STRING"),
]


@pytest.mark.parametrize("types", VALID)
def test_valid_statements_parse_like_lark(grammar: Grammar, lark_conf: Conf, types: tuple[str, ...]) -> None:
    shape = grammar.run(types)
    assert not isinstance(shape, Failure)
    assert shape == _lark_shape(lark_conf, types)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(TYPES), min_size=1, max_size=6))
def test_interpreter_agrees_with_lark(grammar: Grammar, lark_conf: Conf, types: list[str]) -> None:
    assert grammar.run(tuple(types)) == _lark_shape(lark_conf, tuple(types))


def test_lark_internals_still_give_the_lalr_table() -> None:
    """`lalr_table` reads Lark's private parse configuration: this fails first if Lark moves it."""
    lark = Lark(grammar_path().read_text(encoding="utf-8"), start=["file", START], parser="lalr", lexer="basic")
    table, start, end = lalr_table(lark, START)
    assert start in table and end in table and start != end
    shifts = [arg for actions in table.values() for shift, arg in actions.values() if shift]
    reduces = [arg for actions in table.values() for shift, arg in actions.values() if not shift]
    assert shifts and all(isinstance(s, int) and s in table for s in shifts)
    assert reduces and all(rule.origin.name and hasattr(rule.options, "expand1") for rule in reduces)
    assert "TIME" in table[start] and table[start]["TIME"][0]


def test_tables_come_from_the_grammar(grammar: Grammar) -> None:
    fresh = export_tables(grammar_path().read_text(encoding="utf-8"))
    assert fresh["terminals"] == grammar.tables["terminals"]
    assert fresh["keywords"]["start"] == "START"
    assert len(fresh["rules"]) == len(grammar.tables["rules"])


def test_shipped_tables_are_current() -> None:
    """odyssey_dsl/tables.json must be regenerated (python -m odyssey_dsl.grammar) with the grammar."""
    shipped = json.loads((ROOT / "odyssey_dsl" / "tables.json").read_text(encoding="utf-8"))
    fresh = export_tables(grammar_path().read_text(encoding="utf-8"))
    # Lark numbers states differently from run to run: the same grammar is what must match
    # (and test_interpreter_agrees_with_lark runs these very tables against Lark's parser).
    assert shipped["grammar"] == fresh["grammar"]
    assert (shipped["terminals"], shipped["keywords"], shipped["ignore"]) == (
        fresh["terminals"], fresh["keywords"], fresh["ignore"])
    assert len(shipped["states"]) == len(fresh["states"])


def test_damaged_cache_is_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("odyssey_dsl.grammar._SHIPPED_TABLES", tmp_path / "none.json")
    load(tmp_path)
    (cached,) = tmp_path.glob("tables-*.json")
    cached.write_text("{not json", encoding="utf-8")
    grammar = load(tmp_path)
    assert grammar.run(("TIME", "END")) == ("end_cue", (0, 1))
    assert cached.read_text(encoding="utf-8").startswith("{")


def test_cache_folder_writable_by_others_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("odyssey_dsl.grammar._SHIPPED_TABLES", tmp_path / "none.json")
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o777)
    shared.chmod(0o777)
    load(shared)
    assert not list(shared.glob("tables-*.json"))


LINES = st.lists(
    st.one_of(
        st.sampled_from(['@0 start "a cat"', "@3s end", '@+2s interact "x" # c', 'title "T"', "# only",
                         '@1s"x"', '@1s  interact   "a\\"b"#c', '"""', '@2s interact """a', 'b"""', "", "  ",
                         '@4s start "x" image "y.png"', "@5s end # ody: ignore[ODY201]", "\t@6s\tend"]),
        st.text(alphabet=' \t@"#+:.0123456789sm\\abcé😀', max_size=20),
    ),
    max_size=12,
)


@settings(max_examples=300, deadline=None)
@given(LINES, st.sampled_from(["\n", "\r\n", "\r"]))
@example(["@ 0 "], "\n")  # found by CI: trailing spaces belong to the line's text
def test_fast_scan_equals_general_scan(grammar: Grammar, lines: list[str], newline: str) -> None:
    text = newline.join(lines)

    def dump(scanned: Iterable[Line]) -> list[object]:
        return [([(t.type, t.value, t.start_pos, t.end_pos, t.span) for t in line.tokens],
                 (line.comment.value, line.comment.span) if line.comment else None,
                 line.first, line.last, line.start, line.end) for line in scanned]

    assert dump(grammar.scanner.scan(text)) == dump(grammar.scanner.scan(text, fast=False))


def test_wheel_ships_the_grammar(tmp_path: Path) -> None:
    """A built, non-editable wheel carries grammar/ody.lark inside the package and finds it."""
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), str(ROOT)],
        capture_output=True, text=True,
    )
    assert build.returncode == 0, build.stderr
    (wheel,) = tmp_path.glob("odyssey_dsl-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        archive.extractall(tmp_path / "site")
    assert "odyssey_dsl/grammar/ody.lark" in names
    assert "odyssey_dsl/script.schema.json" in names
    assert "odyssey_dsl/tables.json" in names
    probe = (
        "import odyssey_dsl, odyssey_dsl.grammar as g; "
        "print(odyssey_dsl.__file__); print(g.grammar_path()); "
        "print(odyssey_dsl.compile_text('@0 start \"a\"\\n@3s end\\n').script_json())"
    )
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=tmp_path,
                         env={"PYTHONPATH": str(tmp_path / "site"), "ODY_CACHE_DIR": str(tmp_path / "cache"),
                              "PATH": "/usr/bin:/bin"})
    assert run.returncode == 0, run.stderr
    module, grammar_file, output = run.stdout.split("\n", 2)
    assert module.startswith(str(tmp_path / "site"))
    assert grammar_file == str(tmp_path / "site" / "odyssey_dsl" / "grammar" / "ody.lark")
    assert '"timestamp_ms": 3000' in output


TIME_TEXT = st.from_regex(r"\+?(\d{1,3}h)?(\d{1,3}m)?(\d{1,3}(\.\d{1,4})?s)?(\d{1,4}ms)?|\+?\d{1,3}:\d{1,2}(:\d{2})?(\.\d{1,4})?",
                          fullmatch=True)


@settings(max_examples=500, deadline=None)
@given(TIME_TEXT)
def test_time_fast_paths_agree_with_the_general_parser(text: str) -> None:
    from odyssey_dsl.times import parse_time, parse_time_slowly

    assert parse_time(text) == parse_time_slowly(text)
