"""Fixes of times never make things worse: applied, a fix offered for a screenplay with one bad
time (a cue at the same time as the one before or earlier, relative or not, a first cue that is
relative or not at 0, no `end`, an `end` whose unit looks mistyped) leaves no error that was not
there before; a fix for ODY102 removes one."""

from __future__ import annotations

from collections import Counter

from conftest import apply_fix, diags
from hypothesis import given
from hypothesis import strategies as st

from odyssey_dsl import Diagnostic
from odyssey_dsl.times import format_ms

GAPS = [500, 1000, 2000, 3000, 4500, 10_000]


def errors(found: list[Diagnostic]) -> Counter[str]:
    return Counter(d.code for d in found if d.is_error)


@st.composite
def one_bad_time(draw: st.DrawFn) -> str:
    """A valid screenplay (times rising, some written relative), then one time made wrong."""
    count = draw(st.integers(2, 7))
    times = [0]
    for _ in range(count - 1):
        times.append(times[-1] + draw(st.sampled_from(GAPS)))
    relative = [False] + [draw(st.booleans()) for _ in range(count - 1)]
    written = [f"@+{format_ms(ms - times[i - 1])}" if relative[i] else f"@{format_ms(ms)}" for i, ms in enumerate(times)]
    actions = ["start"] + ["interact"] * (count - 2) + ["end"]
    mistake = draw(st.sampled_from(["same", "earlier", "relative-zero", "relative-first", "late-start", "no-end",
                                    "end-unit"]))
    index = draw(st.integers(1, count - 1))
    if mistake == "same":
        written[index] = f"@{format_ms(times[index - 1])}"
    elif mistake == "earlier":
        written[index] = f"@{format_ms(draw(st.integers(0, times[index - 1] // 100)) * 100)}"
    elif mistake == "relative-zero":
        written[index] = "@+0s"
    elif mistake == "relative-first":
        written[0] = "@+2s"
    elif mistake == "late-start":
        written[0] = "@2s"
    elif mistake == "end-unit" and not relative[-1] and times[-1] % 1000 == 0:
        written[-1] = f"@{times[-1] // 1000}m"
    lines = [f'{time} {action}' + ("" if action == "end" else f' "cue {i}"')
             + draw(st.sampled_from(["", "  # note"])) for i, (time, action) in enumerate(zip(written, actions))]
    if mistake == "no-end":
        lines.pop()
    gap = draw(st.sampled_from(["", "min-gap 0\n", "min-gap 1s\n", "min-gap 5s\n"]))
    return gap + "\n".join(lines) + "\n"


@given(one_bad_time())
def test_no_fix_of_a_time_adds_an_error(text: str) -> None:
    found = diags(text)
    before = errors(found)
    for d in found:
        for fix in d.fixes:
            after = errors(diags(apply_fix(text, fix)))
            assert not after - before, (d.code, fix, apply_fix(text, fix))
            if d.code == "ODY102":
                assert after["ODY102"] < before["ODY102"], (fix, apply_fix(text, fix))


def test_the_swap_fix_swaps_whole_lines_with_their_comments() -> None:
    text = '@0 start "a"\n@6s interact "b"  # second\n@4s interact "c"  # first\n@9s end\n'
    (d,) = diags(text)
    swapped = apply_fix(text, d.fixes[1])
    assert swapped == '@0 start "a"\n@4s interact "c"  # first\n@6s interact "b"  # second\n@9s end\n'
    assert not errors(diags(swapped))
