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
        assert lean.names == (full.names if entries else None)
        assert lean.library == full.library
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


# The constructs of issue 12: defines, styles, negatives, variants, and their mistakes.
COMPOSED = [
    'define hero "{cat|dog}"\nstyle "soft"\nnegative "blur"\n@0 start "{hero} sits."\n@3s interact "{hero} {a|b}"\n'
    '@6s end\n',
    'style "S"\nscene "a"\nstyle ""\n@0 start "{x|y}"\n@3s end\nscene "b"\nnegative "N"\n@0 start "p"\n@3s end\n',
    'define a "{b}"\ndefine b "{a}"\ndefine c "x"\n@0 start "{a} {heor} { c } {"\n@3s end\n',
    '@0 start "{{literal}}"\nstyle "late"\ndefine late "x"\n@3s end\n',
    'define unused "x"\ndefine used "y"  # ody: ignore[ODY209]\n@0 start "p"\n@3s end\n',
    'define lib "x"\nstyle "{lib}"\n',  # a library
    'define v "{1|2|3|4|5|6}"\nscene "a"\n@0 start "{v} {a|b|c}"\n@3s end\nscene "b"\n@0 start "{v}{x|y}"\n@3s end\n',
    'define many "{' + "|".join(str(i) for i in range(32)) + '}"\nscene "a"\n@0 start "{many}"\n@3s end\n'
    'scene "b"\n@0 start "plain"\n@3s end\n',
    'include "https://example.com/look.ody"\ninclude "no-such-file.ody"\n@0 start "{x}"\n@3s end\n',
    'define e ""\n@0 start "{e}"\n@3s interact "{e|}"\n@6s end\n',
]


@pytest.mark.parametrize("text", COMPOSED)
def test_defines_styles_and_variants(text: str) -> None:
    assert_same(text.encode("utf-8"))
    assert_same(text.encode("utf-8"), settings=IGNORING)


def test_included_files(tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "cast.ody").write_text('include "look.ody"\ndefine hero "{a cat|a dog}"\nmin-gap 4s\n'
                                               'style "{bad"\n', encoding="utf-8")
    (tmp_path / "lib" / "look.ody").write_text('negative "blur"\norientation portrait\ndefine x "y"\n', encoding="utf-8")
    main = tmp_path / "main.ody"
    for text in ['include "lib/cast.ody"\n@0 start "{hero}"\n@3s interact "{x}"\n@6s end\n',
                 'include "lib/cast.ody"\ninclude "lib/look.ody"\nmin-gap 1s\n@0 start "{hero}"\n@3s end\n']:
        assert_same(text.encode("utf-8"), path=main)
    (tmp_path / "lib" / "cast.ody").write_text('include "look.ody"\ndefine hero "{a cat|a dog}"\n', encoding="utf-8")
    assert_same(b'include "lib/cast.ody"\n@0 start "{hero}"\n@3s interact "{x}"\n@6s end\n', path=main)


_NAME = st.sampled_from(["hero", "place", "look", "x"])
_CHUNK = st.one_of(st.sampled_from(["a cat", "by the sea", "{{", "}}", " ", ".", ",", "!", "{a|b}", "{|c}", "{",
                                    "{ x }", "{}"]), _NAME.map(lambda n: f"{{{n}}}"))
_TEMPLATE = st.lists(_CHUNK, max_size=4).map("".join)


@st.composite
def composed(draw: st.DrawFn) -> str:
    """A screenplay of header lines (defines, maybe using each other, a style, a negative) and
    scenes, or none, whose prompts use them: valid or not, as a writer drafts."""
    lines = [f'define {draw(_NAME)} "{draw(_TEMPLATE)}"' for _ in range(draw(st.integers(0, 3)))]
    for keyword in ("style", "negative"):
        if draw(st.booleans()):
            lines.append(f'{keyword} "{draw(_TEMPLATE)}"')
    for scene in range(draw(st.integers(0, 2)) or 1):
        if scene or draw(st.booleans()):
            lines.append(f'scene "s{scene}"')
            if draw(st.booleans()):
                lines.append(f'style "{draw(_TEMPLATE)}"')
        cues = draw(st.integers(1, 3))
        lines += [f'@{3 * i}s {"start" if i == 0 else "interact"} "{draw(_TEMPLATE)}"' for i in range(cues)]
        lines.append(f"@{3 * cues}s end")
    return "\n".join(lines) + "\n"


@SLOW
@given(composed())
def test_composed_screenplays(text: str) -> None:
    assert_same(text.encode("utf-8"))


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
