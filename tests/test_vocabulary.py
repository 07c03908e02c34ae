"""The vocabulary is the one list of the language's words: the grammar, hover and completion agree with it."""

from __future__ import annotations

from odyssey_dsl import vocabulary
from odyssey_dsl.config import Settings
from odyssey_dsl.grammar import export_tables, grammar_path, load
from odyssey_dsl.lsp.completion import Context, complete
from odyssey_dsl.lsp.document import LiveDocument
from odyssey_dsl.lsp.hover import KEYWORDS as HOVER
from odyssey_dsl.lsp.positions import Columns
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


def offered(text: str, line: int) -> list[str]:
    """The keywords completion offers at the start of 0-based `line` of `text`."""
    live = LiveDocument(text, None, Settings())
    return [item.label for item in complete(Context(live, line, live.line(line), 0, None, True, Columns()))]


def test_completion_offers_the_header_keywords_where_they_may_stand() -> None:
    text = 'include "common.ody"\ndefine hero "a cat"\nstyle "grain"\n\n@0 start "{hero}"\n\nscene "two"\n\n'
    assert offered(text, 3) == [*vocabulary.DIRECTIVES, "include", "define", "negative", "scene"]  # style is set
    assert offered(text, 5) == ["scene"]  # below a cue
    assert offered(text, 7) == ["style", "negative", "scene"]  # right below a scene line
    assert offered(text.replace('"two"\n', '"two"\nnegative "blur"\n'), 8) == ["style", "scene"]


def test_every_keyword_completion_offers_is_explained() -> None:
    live = LiveDocument("\n", None, Settings())
    for item in complete(Context(live, 0, "", 0, None, True, Columns())):
        assert item.detail == HOVER[item.label]
