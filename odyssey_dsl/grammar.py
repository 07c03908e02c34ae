"""The compiled grammar: the LALR tables Lark builds from `grammar/ody.lark`, and their runner.

Lark analyses the grammar and builds its LALR(1) tables; they are exported to a small JSON
file and run by the short table interpreter below, as Lark's own parser would run them. So
`ody lint` never imports Lark: its import alone costs more than a whole lint may take, and
editors lint on every save. The tables ship prebuilt in the package (`tables.json`, made by
`python -m odyssey_dsl.grammar`; a test keeps it current); when the grammar has changed
since, they are rebuilt once into the user's private cache. tests/test_grammar.py checks that
the interpreter and Lark's LALR parser agree on every statement. The grammar file ships
inside the package; in a checkout it is read from `grammar/`.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Union, cast

from .lexer import Scanner, Token

if TYPE_CHECKING:
    from lark import Lark

START = "statement"
_FORMAT = "ody-tables-1"
_PACKAGED = Path(__file__).parent / "grammar" / "ody.lark"
_SHIPPED_TABLES = Path(__file__).parent / "tables.json"
_SOURCE = Path(__file__).parent.parent / "grammar" / "ody.lark"
_SHIFT, _REDUCE = 0, 1

#: How a statement's tokens combine: a rule name and, per child, a token index or a sub-shape.
Shape = tuple[str, tuple[Union[int, "Shape"], ...]]


def grammar_path() -> Path:
    """The grammar file: the packaged copy in a wheel, the source one in a checkout."""
    return _PACKAGED if _PACKAGED.is_file() else _SOURCE


class Failure(NamedTuple):
    """Where a statement stops parsing: the index of the bad token (len = end of line) and
    the terminals the parser would have accepted there."""

    at: int
    expected: frozenset[str]


class Grammar:
    """The scanner and the LALR automaton for one statement.

    The grammar is line-oriented and flat, so how a statement parses depends only on the
    sequence of its token types: the automaton runs once per distinct sequence and its
    answer is memoized (a file of 20,000 cues has a handful of them).
    """

    def __init__(self, scanner: Scanner, tables: dict[str, Any]) -> None:
        self.scanner = scanner
        self.tables = tables
        self._memo: dict[tuple[str, ...], Shape | Failure] = {}

    def structure(self, tokens: list[Token]) -> Shape | Failure:
        """The shape of a statement, or where and why it does not parse."""
        key = tuple([t.type for t in tokens])
        found = self._memo.get(key)
        if found is None:
            found = self.run(key)
            if len(self._memo) < _MEMO_LIMIT:
                self._memo[key] = found
        return found

    def run(self, types: tuple[str, ...]) -> Shape | Failure:
        """Run the LALR tables over a statement's token types, as Lark's parser does."""
        states, rules = self.tables["states"], self.tables["rules"]
        end_state = self.tables["end"]
        stack: list[int] = [self.tables["start"]]
        values: list[Any] = []
        for index, kind in enumerate((*types, "$END")):
            while True:
                actions = states[stack[-1]]
                action = actions.get(kind)
                if action is None:
                    return Failure(index, frozenset(k for k in actions if k.isupper()))
                if action[0] == _SHIFT:
                    stack.append(action[1])
                    values.append(index)
                    break
                name, origin, size, expand1 = rules[action[1]]
                children = values[len(values) - size:]
                del stack[len(stack) - size:], values[len(values) - size:]
                values.append(children[0] if expand1 and len(children) == 1 else (name, tuple(children)))
                stack.append(states[stack[-1]][origin][1])
                if kind == "$END" and stack[-1] == end_state:
                    return cast(Shape, values[-1])
        raise AssertionError("unreachable: `$END` is never shifted, it reduces to the end state or fails")


_MEMO_LIMIT = 4096


def load(cache_dir: Path | None = None) -> Grammar:
    """The grammar's scanner and tables: shipped, cached, or freshly built by Lark."""
    text = grammar_path().read_text(encoding="utf-8")
    key = _key(text)
    tables = _read_tables(_SHIPPED_TABLES, key)
    if tables is None:
        path = _cache_file(f"tables-{key}.json", cache_dir)
        tables = _read_tables(path, key) if path is not None else None
        if tables is None:
            tables = export_tables(text)
            if path is not None:
                _write_atomic(path, json.dumps(tables))
    scanner = Scanner(tables["terminals"], tables["keywords"], tables["ignore"])
    return Grammar(scanner, tables)


def _key(grammar: str) -> str:
    """Which grammar (and table format) a tables file was made from."""
    return f"{zlib.crc32((_FORMAT + grammar).encode('utf-8')):08x}-{len(grammar)}"


def export_tables(text: str) -> dict[str, Any]:
    """Let Lark build the LALR tables for `statement` and keep what the interpreter needs."""
    from lark import Lark
    from lark.lexer import PatternStr

    lark = Lark(text, start=["file", START], parser="lalr", lexer="basic")
    table, start_state, end_state = lalr_table(lark, START)
    rules: dict[Any, int] = {}
    states: dict[int, dict[str, list[int]]] = {}
    for state, actions in table.items():
        row = states[state] = {}
        for symbol, (shift, arg) in actions.items():
            row[symbol] = [_SHIFT, arg] if shift else [_REDUCE, rules.setdefault(arg, len(rules))]
    terminals = {t.name: t.pattern.to_regexp() for t in lark.terminals}
    return {
        "grammar": _key(text),
        "terminals": terminals,
        "keywords": {t.pattern.value: t.name for t in lark.terminals if isinstance(t.pattern, PatternStr)},
        "ignore": "|".join(terminals[name] for name in lark.ignore_tokens),
        "start": start_state,
        "end": end_state,
        "rules": [
            [rule.alias or rule.origin.name, rule.origin.name, len(rule.expansion), bool(rule.options.expand1)]
            for rule in sorted(rules, key=rules.__getitem__)
        ],
        "states": states,
    }


def lalr_table(lark: Lark, start: str) -> tuple[dict[int, dict[str, tuple[bool, Any]]], int, int]:
    """Lark's LALR automaton for `start`: per state, per terminal, (shift?, next state or
    rule to reduce by), with the start and end states.

    Lark has no public API for its tables, so this is the one place that reads its internals
    (the interactive parser's `parse_conf`), checked against Lark 1.3.1;
    tests/test_grammar.py fails if they move."""
    conf = lark.parse_interactive(start=start).parser_state.parse_conf
    table = {state: {symbol: (action.name == "Shift", arg) for symbol, (action, arg) in actions.items()}
             for state, actions in conf.states.items()}
    return table, conf.start_state, conf.end_state


def _read_tables(path: Path, key: str) -> dict[str, Any] | None:
    """Tables made from this very grammar, or None (missing, damaged or stale)."""
    try:
        with open(path, encoding="utf-8") as f:
            data: dict[str, Any] = json.load(f)
        if data["grammar"] != key:
            return None
        data["states"] = {int(k): {s: tuple(a) for s, a in v.items()} for k, v in data["states"].items()}
        return data
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # missing or damaged: rebuild it


def _cache_file(name: str, cache_dir: Path | None) -> Path | None:
    """A path in the private cache folder, or None when no safe folder is available."""
    if cache_dir is None:
        base = os.environ.get("ODY_CACHE_DIR")
        if base:
            cache_dir = Path(base)
        else:
            from platformdirs import user_cache_path

            cache_dir = user_cache_path("odyssey-dsl", appauthor=False)
    try:
        cache_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _private(cache_dir.stat()):
            return None
        path = cache_dir / name
        if path.exists() and not _private(path.stat()):
            return None
    except OSError:
        return None
    return path


def _private(info: os.stat_result) -> bool:
    """Owned by us and writable by nobody else: safe to load from."""
    owner_ok = not hasattr(os, "getuid") or info.st_uid == os.getuid()
    return owner_ok and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _write_atomic(path: Path, text: str) -> None:
    """Best effort: a cache that cannot be written is rebuilt next time."""
    from ._support.files import write_atomic

    with contextlib.suppress(OSError):
        write_atomic(path, text)


if __name__ == "__main__":
    # Regenerate the shipped tables after editing grammar/ody.lark.
    _SHIPPED_TABLES.write_text(json.dumps(export_tables(grammar_path().read_text(encoding="utf-8")), indent=1) + "\n",
                               encoding="utf-8")
