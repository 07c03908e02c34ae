"""Time literals (odyssey_dsl.times): every form of the language, every refusal, and
the canonical spelling that the formatter and the help texts write."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from odyssey_dsl.times import MAX_MS, TimeError, format_clock, format_ms, parse_time, parse_time_slowly


def error(text: str) -> TimeError:
    result = parse_time(text)
    assert isinstance(result, TimeError), f"{text!r} parsed as {result!r}"
    return result


# --- valid forms --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "ms"),
    [
        # absolute, with units, largest first
        ("0", 0),
        ("250ms", 250),
        ("3s", 3_000),
        ("1.5s", 1_500),
        ("2m", 120_000),
        ("1m30s", 90_000),
        ("1s500ms", 1_500),
        ("1h2m3.5s", 3_723_500),
        ("1h", 3_600_000),
        ("1h30s", 3_630_000),
        ("2h1ms", 7_200_001),
        ("0.001s", 1),
        ("0.25s", 250),
        ("1.0001m", 60_006),  # a fraction of a minute that is a whole millisecond
        ("1.000s", 1_000),  # trailing zeros of a fraction are not extra precision
        ("007s", 7_000),
        # clock form: M:SS or H:MM:SS, leading field any digits, optional fraction
        ("1:30", 90_000),
        ("1:30.25", 90_250),
        ("0:01:30.250", 90_250),
        ("90:00", 5_400_000),
        ("0:00", 0),
        ("0:59", 59_000),
        ("1:00:00", 3_600_000),
        ("10:59:59.999", 39_599_999),
        ("1:30.5000", 90_500),
    ],
)
def test_absolute_forms(text: str, ms: int) -> None:
    assert parse_time(text) == (False, ms)


@pytest.mark.parametrize(
    ("text", "ms"),
    [("+3s", 3_000), ("+500ms", 500), ("+1m30s", 90_000), ("+1:30", 90_000), ("+0", 0), ("+1.5s", 1_500)],
)
def test_relative_forms(text: str, ms: int) -> None:
    assert parse_time(text) == (True, ms)


# --- bare numbers -------------------------------------------------------------------------


def test_bare_zero_is_the_only_number_without_a_unit() -> None:
    assert parse_time("0") == (False, 0)


@pytest.mark.parametrize(("text", "seconds", "millis"), [("3", "3s", "3ms"), ("+3", "+3s", "+3ms"), ("250", "250s", "250ms")])
def test_bare_number_suggests_seconds_and_milliseconds(text: str, seconds: str, millis: str) -> None:
    problem = error(text)
    assert "unit" in problem.message
    assert problem.suggestions == (seconds, millis)
    assert problem.help is not None
    assert f"`{seconds}`" in problem.help and f"`{millis}`" in problem.help


def test_bare_three_help_says_3s_or_3000ms() -> None:
    help_text = error("3").help
    assert help_text is not None and "`3s`" in help_text and "3000ms" in help_text


def test_bare_fraction_only_suggests_the_unit_that_gives_whole_milliseconds() -> None:
    # 1.5ms is not a whole millisecond, so only seconds is offered.
    assert error("1.5").suggestions == ("1.5s",)


@pytest.mark.parametrize("text", ["00", "0.0", "000.000"])
def test_a_spelled_out_zero_suggests_0(text: str) -> None:
    assert error(text).suggestions == ("0",)


# --- not a whole millisecond --------------------------------------------------------------


@pytest.mark.parametrize("text", ["1.0005s", "0.5ms", "1.00001m", "1:30.2505", "0:00:00.0001", "+1.0005s"])
def test_not_a_whole_millisecond_is_refused_never_rounded(text: str) -> None:
    problem = error(text)
    assert "whole number of milliseconds" in problem.message
    assert problem.suggestions == ()


# --- unknown units ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fixed"),
    [("3sec", "3s"), ("3S", "3s"), ("2mins", "2m"), ("+3secs", "+3s"), ("1.5hours", "1.5h"), ("250MS", "250ms")],
)
def test_unknown_unit_with_did_you_mean(text: str, fixed: str) -> None:
    problem = error(text)
    unit = text.lstrip("+0123456789.")
    assert problem.message == f"unknown time unit `{unit}`"
    assert problem.help == f"did you mean `{fixed}`?"
    assert problem.suggestions == (fixed,)
    assert parse_time(fixed) != problem and not isinstance(parse_time(fixed), TimeError)


def test_unknown_unit_without_a_guess_lists_the_units() -> None:
    problem = error("3x")
    assert problem.message == "unknown time unit `x`"
    assert problem.suggestions == ()
    assert problem.help is not None and all(f"{u}" in problem.help for u in ("h", "m", "s", "ms"))


def test_missing_unit_after_a_later_number() -> None:
    problem = error("1m30")
    assert "unit after every number" in problem.message
    assert problem.help is not None and "`1m30s`" in problem.help


# --- composition rules --------------------------------------------------------------------


@pytest.mark.parametrize("text", ["30s1m", "1ms5s", "1s1h", "5m2h"])
def test_units_out_of_order(text: str) -> None:
    assert "largest to smallest" in error(text).message


@pytest.mark.parametrize(("text", "unit"), [("1m1m", "m"), ("1s2s", "s"), ("1h2m3h", "h")])
def test_repeated_unit(text: str, unit: str) -> None:
    assert error(text).message == f"unit `{unit}` appears twice"


@pytest.mark.parametrize("text", ["1.5m30s", "1.5h2m", "0.5s10ms"])
def test_fraction_only_on_the_last_part(text: str) -> None:
    problem = error(text)
    assert "only the last part" in problem.message and "fraction" in problem.message


@pytest.mark.parametrize("text", ["", "+"])
def test_missing_time(text: str) -> None:
    assert "missing time" in error(text).message


@pytest.mark.parametrize("text", ["abc", "-3s", ".5s", "5.s", "1..5s", "s"])
def test_not_a_time(text: str) -> None:
    error(text)


# --- clock form ---------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["1:60", "0:60:00", "1:00:60", "99:99"])
def test_clock_fields_at_or_above_60(text: str) -> None:
    assert "two digits below 60" in error(text).message


@pytest.mark.parametrize(("text", "fixed"), [("1:5", "1:05"), ("1:0:00", "1:00:00"), ("1:00:5", "1:00:05"),
                                            ("0:0", "0:00"), ("+2:5.25", "+2:05.25")])
def test_clock_fields_must_have_two_digits(text: str, fixed: str) -> None:
    problem = error(text)
    assert "two digits" in problem.message
    assert problem.suggestions == (fixed,)
    assert parse_time(fixed) == parse_time_slowly(fixed) and not isinstance(parse_time(fixed), TimeError)


def test_three_digit_clock_field() -> None:
    assert "two digits below 60" in error("1:005").message


@pytest.mark.parametrize("text", ["1:30:", ":30", "1::30", "1:30:00:00", "1:30.", "1:30s"])
def test_malformed_clock(text: str) -> None:
    error(text)


# --- absurd input -------------------------------------------------------------------------


DIGITS = "1" * 5000


@pytest.mark.parametrize(
    "text",
    [
        DIGITS,
        DIGITS + "s",
        "+" + DIGITS + "ms",
        DIGITS + "h1s",
        DIGITS + ":00",
        "0:00:" + DIGITS,
        "1." + DIGITS + "s",
        DIGITS + ".5",
        "1:00." + DIGITS,
        "1s" + DIGITS + "ms",
        DIGITS + "x",
    ],
)
def test_five_thousand_digits_are_refused_without_an_exception(text: str) -> None:
    error(text)


@pytest.mark.parametrize("text", ["999999999999h", "999999999999m", "9999999999999h", "2502000000h", str(MAX_MS + 1) + "ms"])
def test_times_above_the_exact_json_range_are_too_large(text: str) -> None:
    # Every spelling of a value above MAX_MS (2**53 - 1) is refused, the short ones included.
    assert error(text).message == "time is too large"


def test_the_largest_exact_time_is_accepted() -> None:
    assert parse_time(f"{MAX_MS}ms") == (False, MAX_MS)


# --- the canonical spelling ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("ms", "text"),
    [
        (0, "0"),
        (250, "250ms"),
        (1, "1ms"),
        (999, "999ms"),
        (3_000, "3s"),
        (1_500, "1.5s"),
        (1_001, "1.001s"),
        (3_250, "3.25s"),
        (60_000, "1m"),
        (90_000, "1m30s"),
        (62_250, "1m2.25s"),
        (60_500, "1m0.5s"),
        (3_600_000, "1h"),
        (3_723_500, "1h2m3.5s"),
        (3_600_001, "1h0.001s"),
        (90_000_000, "25h"),
    ],
)
def test_format_ms(ms: int, text: str) -> None:
    assert format_ms(ms) == text


@pytest.mark.parametrize(("ms", "text"), [(0, "0:00.000"), (90_250, "1:30.250"), (3_723_500, "1:02:03.500")])
def test_format_clock(ms: int, text: str) -> None:
    assert format_clock(ms) == text


@given(st.integers(min_value=0, max_value=10**10))
def test_format_ms_round_trips(ms: int) -> None:
    assert parse_time(format_ms(ms)) == (False, ms)


@given(st.integers(min_value=0, max_value=10**10))
def test_format_clock_round_trips(ms: int) -> None:
    assert parse_time(format_clock(ms)) == (False, ms)


@given(st.integers(min_value=0, max_value=10**10))
def test_relative_canonical_times(ms: int) -> None:
    assert parse_time("+" + format_ms(ms)) == (True, ms)


@given(
    st.fixed_dictionaries(
        {},
        optional={
            "h": st.integers(0, 99),
            "m": st.integers(0, 999),
            "s": st.integers(0, 9999),
            "ms": st.integers(0, 99999),
        },
    ).filter(bool)
)
def test_any_units_largest_first_add_up(parts: dict[str, int]) -> None:
    order = ("h", "m", "s", "ms")
    text = "".join(f"{parts[u]}{u}" for u in order if u in parts)
    scale = {"h": 3_600_000, "m": 60_000, "s": 1_000, "ms": 1}
    assert parse_time(text) == (False, sum(v * scale[u] for u, v in parts.items()))


# --- never raises ---------------------------------------------------------------------------

TIME_LIKE = st.text(alphabet="0123456789.:+hmsx HMS٣", max_size=30)


@given(st.one_of(st.text(max_size=60), TIME_LIKE))
def test_parse_time_never_raises(text: str) -> None:
    result = parse_time(text)
    if isinstance(result, TimeError):
        assert result.message
        return
    relative, ms = result
    assert relative == text.startswith("+")
    assert 0 <= ms <= MAX_MS
    # Whatever was accepted has a canonical spelling with the same value.
    assert parse_time(format_ms(ms)) == (False, ms)


@given(st.one_of(st.text(max_size=60), TIME_LIKE, st.integers(0, 10**20).map(str)))
def test_every_suggestion_is_itself_a_valid_time(text: str) -> None:
    result = parse_time(text)
    if isinstance(result, TimeError):
        for suggestion in result.suggestions:
            assert not isinstance(parse_time(suggestion), TimeError), (text, suggestion)


@pytest.mark.parametrize("text", ["３s", "٣s", "1:３0", "+٣ms"])
def test_only_ascii_digits_make_a_time(text: str) -> None:
    result = parse_time(text)
    assert isinstance(result, TimeError)
    assert "digits 0-9" in result.message
