"""The vocabulary is the one list of the language's words: the grammar, hover and completion agree with it."""

from __future__ import annotations

from odyssey_dsl import vocabulary
from odyssey_dsl.grammar import export_tables, grammar_path, load
from odyssey_dsl.lsp.hover import KEYWORDS as HOVER
from odyssey_dsl.times import parse_time


def test_the_grammar_has_exactly_the_vocabularys_keywords() -> None:
    fresh = export_tables(grammar_path().read_text(encoding="utf-8"))
    assert fresh["keywords"] == vocabulary.KEYWORDS
    assert load().tables["keywords"] == vocabulary.KEYWORDS  # the shipped or cached tables too


def test_hover_explains_every_keyword_and_no_other() -> None:
    assert set(HOVER) == set(vocabulary.KEYWORDS)


def test_every_unit_is_a_unit_of_times() -> None:
    for unit in vocabulary.UNITS:
        assert parse_time(f"3{unit}") == (False, {"ms": 3, "s": 3000, "m": 180_000, "h": 10_800_000}[unit])


def test_each_on_off_directive_has_two_values() -> None:
    assert set(vocabulary.DIRECTIVE_VALUES) < set(vocabulary.DIRECTIVES)
    assert all(len(set(values)) == 2 for values in vocabulary.DIRECTIVE_VALUES.values())
