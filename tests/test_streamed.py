"""`compile_streamed` (what `ody lint` and `ody compile` run) gives what `compile_text` gives:
the same diagnostics in the same order, the same entries, options and batch flag, on the
examples and on generated screenplays, with the spool pickling after every few diagnostics."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import NOWHERE
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.lark import from_lark
from test_properties import GRAMMAR, REALISTIC, Expected, screenplays

from odyssey_dsl import report, spool
from odyssey_dsl.compiler import compile_streamed, compile_text
from odyssey_dsl.config import Settings
from odyssey_dsl.diagnostics import UNKNOWN_KEYWORD, Diagnostic, Span

EXAMPLES = sorted((Path(__file__).resolve().parent.parent / "examples").glob("*.ody"))
SLOW = settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
PLAIN = Settings()
#: Two unknown codes and a lone suppression on line 1: three ODY204 at the same place, which
#: only the rank keeps in `compile_text`'s order.
IGNORING = Settings(ignore=frozenset({"ODY201", "ODY999", "ODY998"}))


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Pickle every 3 diagnostics: the runs and their merge are then always exercised."""
    monkeypatch.setattr(spool, "CHUNK", 3)
    yield


def assert_same(data: bytes, path: Path = NOWHERE, settings: Settings = PLAIN, embed: bool = True) -> None:
    full = compile_text(data, path=path, settings=settings, embed_images=embed)
    for entries in (True, False):
        lean = compile_streamed(data, path=path, settings=settings, entries=entries, embed_images=embed)
        assert list(lean.diagnostics) == list(full.diagnostics)
        assert (lean.diagnostics.errors, lean.diagnostics.warnings) == (
            sum(d.is_error for d in full.diagnostics), sum(not d.is_error for d in full.diagnostics))
        assert lean.source == full.source
        assert lean.scripts == (full.scripts if entries else None)
        if full.scripts is not None or full.source:
            assert (lean.options, lean.batch) == (full.options, full.batch)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
@pytest.mark.parametrize("embed", [True, False])
def test_examples(path: Path, embed: bool) -> None:
    assert_same(path.read_bytes(), path, embed=embed)


@pytest.mark.parametrize("text", [
    '@0 start "a"\n@1s interact "b"\nmin-gap 2s\n@2s end\n',  # the first min-gap comes late: checked again
    'min-gap 1s\n@0 start "a"\nmin-gap 5s\n@1s end\n',
    '@0 start "a"\n@1s end\nscene "x"\n@0 start "b"\n@9s end\n',  # cues above the first scene: no script
    'scene "x"\nscene "y"\n@0 start "b"\n@1s end\n# ody: ignore[ODY201]\n',
    "",
    "# only a comment\n",
    "# ody: ignore[ODY201]\n@0 start \"a\"\n@1s end\n",
])
def test_corners(text: str) -> None:
    assert_same(text.encode("utf-8"))
    assert_same(text.encode("utf-8"), settings=IGNORING)


def test_a_file_in_another_encoding() -> None:
    assert_same("@0 start \"a\"\n".encode("utf-16"))
    assert_same(b'@0 start "caf\xe9"\n@1s en\xffd\n@2s end\n')


@SLOW
@given(from_lark(GRAMMAR, start="file", explicit=REALISTIC), st.booleans())
def test_text_from_the_grammar(text: str, ignoring: bool) -> None:
    assert_same(text.encode("utf-8"), settings=IGNORING if ignoring else PLAIN)


@given(st.binary(max_size=300))
def test_arbitrary_bytes(data: bytes) -> None:
    assert_same(data)


@given(screenplays())
def test_valid_screenplays(play: Expected) -> None:
    assert_same(play.text.encode("utf-8"))


def test_equal_places_keep_the_order_of_the_stages() -> None:
    """At one place, a lone suppression's warning comes before the ignore setting's, as
    `check` always gathered them: the rank decides, not when each was found."""
    data = b'# ody: ignore[ODY201]\n@0 start "a"\n@1s end\n'
    lean = compile_streamed(data, path=NOWHERE, settings=IGNORING, entries=False)
    first = [d.message for d in lean.diagnostics if d.span.line == 1]
    assert len(first) == 3 and first[0].startswith("a suppression comment on a line of its own")
    assert all("the ignore setting" in m for m in first[1:])


@pytest.mark.parametrize("fmt", report.FORMATS)
def test_every_format_writes_each_diagnostic_before_reading_the_next(fmt: str) -> None:
    """What keeps a report's memory flat: no format gathers the diagnostics of a file (the
    human one stops rendering after HUMAN_LIMIT and only counts the rest)."""
    out = io.StringIO()
    writer = report.writer(fmt, out, "never")
    source = "".join(f"x{n}\n" for n in range(report.HUMAN_LIMIT + 50))
    written: list[int] = []

    def diagnostics() -> Iterator[Diagnostic]:
        for line in range(1, report.HUMAN_LIMIT + 51):
            if 2 < line <= report.HUMAN_LIMIT:
                assert len(out.getvalue()) > written[-1], f"line {line - 1} was not written yet"
            written.append(len(out.getvalue()))
            yield UNKNOWN_KEYWORD.at(Span(line, 1, line, 3), f"unknown directive `x{line}`")

    assert writer.add(report.Report("many.ody", source, diagnostics())) == (report.HUMAN_LIMIT + 50, 0)
    writer.close()
    if fmt == "human":
        assert out.getvalue().endswith(f"... and 50 more in many.ody (use --format json to see them all)\n\n"
                                       f"{report.HUMAN_LIMIT + 50} errors in 1 file\n")
