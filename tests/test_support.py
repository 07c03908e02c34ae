"""The foundations: whole numbers read from untrusted text, sizes written for people."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from odyssey_dsl._support.network import is_loopback
from odyssey_dsl._support.numbers import MAX_DIGITS, whole_number
from odyssey_dsl._support.sizes import size_text

ASCII_DIGITS = st.text("0123456789", min_size=1, max_size=MAX_DIGITS)


@given(ASCII_DIGITS)
def test_ascii_digits_read_as_the_number_they_spell(text: str) -> None:
    assert whole_number(text) == int(text)
    assert whole_number(text.encode("ascii")) == int(text)


@given(st.integers(0, 10**MAX_DIGITS - 1))
def test_a_number_written_out_reads_back(number: int) -> None:
    assert whole_number(str(number)) == number


@given(st.text(min_size=1).filter(lambda t: not t.isascii()))
def test_any_text_with_a_character_outside_ascii_is_refused(text: str) -> None:
    assert whole_number(text) is None
    assert whole_number(text.encode("utf-8")) is None


@given(st.text(st.characters(categories=["Nd", "No"]).filter(lambda c: not "0" <= c <= "9"), min_size=1))
def test_digits_of_other_scripts_and_superscripts_are_refused(text: str) -> None:
    """`str.isdigit()` says yes to every one of these."""
    assert whole_number(text) is None


@pytest.mark.parametrize("text", [None, "", " 1", "1 ", "+1", "-1", "1_000", "1.0", "0x10", "1e3", "²", "٣", "１",
                                  "1" * (MAX_DIGITS + 1), b"\xb2", b"1\xff"])
def test_what_int_would_take_or_choke_on_is_refused(text: str | bytes | None) -> None:
    assert whole_number(text) is None


def test_the_digit_bound_can_be_narrowed() -> None:
    assert whole_number("123", max_digits=3) == 123 and whole_number("1234", max_digits=3) is None


@pytest.mark.parametrize(("size", "text"), [
    (0, "0 bytes"), (1, "1 byte"), (1023, "1023 bytes"), (1024, "1 KiB"), (1536, "1.5 KiB"), (65536, "64 KiB"),
    (1024 * 1024 - 1, "1023.9 KiB"), (2 * 1024 * 1024, "2 MiB"), (36 * 1024 * 1024, "36 MiB"),
    (25 * 1024 * 1024 + 1, "25.0 MiB"), (5 * 1024**3, "5120 MiB"),
])
def test_sizes_print_in_the_unit_that_fits(size: int, text: str) -> None:
    assert size_text(size) == text


@given(st.integers(0, 10**13))
def test_a_size_shown_is_never_more_than_the_size_nor_a_tenth_of_a_unit_less(size: int) -> None:
    match = re.fullmatch(r"(\d+)(?:\.(\d))? (bytes?|KiB|MiB)", size_text(size))
    assert match, size_text(size)
    unit = {"byte": 1, "bytes": 1, "KiB": 1024, "MiB": 1024**2}[match[3]]
    tenths = int(match[1]) * 10 + int(match[2] or 0)
    assert tenths * unit <= size * 10 < (tenths + 1) * unit
    assert (match[2] is None) == (size % unit == 0)
    assert size < 1024 or int(match[1]) >= 1  # the largest unit that fits
    assert match[3] != "KiB" or size < 1024**2


@pytest.mark.parametrize(("host", "local"), [
    ("127.0.0.1", True), ("127.8.9.10", True), ("::1", True), ("[::1]", True), ("localhost", True),
    ("LOCALHOST.", True), ("0.0.0.0", False), ("10.0.0.1", False), ("example.com", False), ("localhost.example", False),
])
def test_loopback_is_this_machine_and_nothing_else(host: str, local: bool) -> None:
    assert is_loopback(host) is local
