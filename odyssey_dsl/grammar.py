"""The compiled grammar: Lark's LALR tables for `ody.lark`, built once and cached.

Building the tables costs more than a whole `ody lint` of a small file is allowed to take,
so they are cached in the user's private cache folder (created 0700 and checked before a
cached file is trusted; Lark's cache is a pickle, so it is never read from a shared folder).
The grammar file ships inside the package; in a source checkout it is read from `grammar/`.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

from lark import Lark, Tree
from lark.exceptions import UnexpectedToken
from lark.lexer import PatternStr
from lark.parsers.lalr_parser_state import ParseConf, ParserState

from .lexer import Scanner, Token

START = "statement"
_PACKAGED = Path(__file__).parent / "grammar" / "ody.lark"
_SOURCE = Path(__file__).parent.parent / "grammar" / "ody.lark"


def grammar_path() -> Path:
    """The grammar file: the packaged copy in a wheel, the source one in a checkout."""
    return _PACKAGED if _PACKAGED.is_file() else _SOURCE


#: How a statement's tokens combine: a rule name and, per child, a token index or a sub-shape.
Shape = tuple[str, tuple[Union[int, "Shape"], ...]]


@dataclass(frozen=True, slots=True)
class Failure:
    """Where a statement stops parsing: the index of the bad token (len = end of line)."""

    index: int
    expected: frozenset[str]


@dataclass(frozen=True)
class Grammar:
    """The scanner and the LALR automaton for one statement.

    The grammar is line-oriented and flat, so how a statement parses depends only on the
    sequence of its token types: the automaton runs once per distinct sequence and its
    answer is memoized (a file of 20,000 cues has a handful of them).
    """

    lark: Lark
    scanner: Scanner
    conf: ParseConf[Any]
    _memo: dict[tuple[str, ...], Shape | Failure] = field(default_factory=dict)

    def structure(self, tokens: list[Token]) -> Shape | Failure:
        """The shape of a statement, or where and why it does not parse."""
        key = tuple([t.type for t in tokens])
        found = self._memo.get(key)
        if found is None:
            found = self._run(tokens)
            if len(self._memo) < _MEMO_LIMIT:
                self._memo[key] = found
        return found

    def _run(self, tokens: list[Token]) -> Shape | Failure:
        state = ParserState(self.conf, None)  # type: ignore[arg-type]
        last = tokens[-1]
        end = Token("$END", "", last.end_pos, last.end_pos, last.line, last.column, last.end_line, last.end_column)
        try:
            for token in tokens:
                state.feed_token(token)  # type: ignore[arg-type]
            tree = state.feed_token(end, True)  # type: ignore[arg-type]
        except UnexpectedToken as error:
            index = next((i for i, t in enumerate(tokens) if t is error.token), len(tokens))
            return Failure(index, frozenset(error.expected))
        return _shape(tree, {id(t): i for i, t in enumerate(tokens)})


_MEMO_LIMIT = 4096


def _shape(tree: Tree, index: dict[int, int]) -> Shape:
    return (
        str(tree.data),
        tuple(_shape(c, index) if isinstance(c, Tree) else index[id(c)] for c in tree.children),
    )


def load(cache_dir: Path | None = None) -> Grammar:
    """Build (or load from the cache) the parser for `ody.lark`."""
    lark = cached_lark(grammar_path().read_text(encoding="utf-8"), cache_dir, start=["file", START])
    patterns = {t.name: t.pattern.to_regexp() for t in lark.terminals}
    keywords = {t.pattern.value: t.name for t in lark.terminals if isinstance(t.pattern, PatternStr)}
    ignore = "|".join(patterns[name] for name in lark.lexer_conf.ignore)
    conf = lark.parse_interactive(start=START).parser_state.parse_conf
    return Grammar(lark, Scanner(patterns, keywords, ignore), conf)


def cached_lark(grammar: str, cache_dir: Path | None = None, **options: Any) -> Lark:
    """An LALR parser for `grammar`, its tables cached in the private cache folder."""
    cache = _cache_file(grammar + repr(sorted(options.items())), cache_dir)
    return Lark(grammar, parser="lalr", lexer="basic", cache=str(cache) if cache else False, **options)


def _cache_file(key: str, cache_dir: Path | None) -> Path | None:
    """A private cache path for the tables of `key`, or None when no safe folder is available."""
    if cache_dir is None:
        base = os.environ.get("ODY_CACHE_DIR")
        if base:
            cache_dir = Path(base)
        else:
            from platformdirs import user_cache_path

            cache_dir = user_cache_path("odyssey-dsl", appauthor=False)
    try:
        cache_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = cache_dir.stat()
    except OSError:
        return None
    if not _private(info):
        return None
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
    path = cache_dir / f"grammar-{digest}.lark"
    try:
        if path.exists() and not _private(path.stat()):
            return None
    except OSError:
        return None
    return path


def _private(info: os.stat_result) -> bool:
    """Owned by us and writable by nobody else: safe to unpickle from."""
    owner_ok = not hasattr(os, "getuid") or info.st_uid == os.getuid()
    return owner_ok and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


