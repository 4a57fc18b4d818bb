"""Redis's number helpers: strict integers, x87 long double emulation for INCRBYFLOAT.

The golden values were read from a real redis-server (x86-64, 80-bit long double)."""

from __future__ import annotations

from fractions import Fraction

import pytest

from vermilion.util.numbers import (
    LLONG_MAX, LLONG_MIN, add_long_double, format_long_double, parse_double, parse_long_double,
    round_long_double, string2ll, to_fraction, wrap_int64,
)


def incrbyfloat(a: bytes, b: bytes) -> bytes | None:
    x, y = parse_long_double(a), parse_long_double(b)
    if x is None or y is None:
        return None
    s = add_long_double(x, y)
    return None if s is None else format_long_double(s)


@pytest.mark.parametrize("a,b,expected", [
    (b"10.5", b"0.1", b"10.6"),
    (b"0.1", b"0.2", b"0.3"),
    (b"1.1", b"2.2", b"3.3"),
    (b"5.0e3", b"2.0e2", b"5200"),
    (b"123456789012345678", b"0.5", b"123456789012345678.5"),
    (b"0x1p-2", b"0", b"0.25"),
    (b"3", b"-3.0000000000000001", b"-0.0000000000000001"),
    (b"-0.00000000000000001", b"0.000000000000000001", b"-0.00000000000000001"),
    (b"1", b"1e-17", b"1.00000000000000001"),
    (b"1", b"5e-18", b"1"),
    (b"0", b"15e-18", b"0.00000000000000002"),
    (b"0", b"25e-18", b"0.00000000000000002"),
    (b"0", b"1e-20", b"0"),
    (b"-1e-20", b"0", b"0"),  # "-0" is printed as "0"
])
def test_incrbyfloat_golden_values(a, b, expected):
    assert incrbyfloat(a, b) == expected


def test_long_double_range_exceeds_double():
    out = incrbyfloat(b"1e308", b"1e308")
    assert out is not None and out.startswith(b"19999999999999999999337175931169129132112")
    assert len(out) == 309


@pytest.mark.parametrize("text", [
    b"", b" 1", b"1 ", b"abc", b"1e", b"1e+", b"--1", b"nan", b"NaN", b"1e5000", b"-1e5000", b"1e-5000",
    b"0x", b"1.2.3", b"1_0", b"x" * 6000, b"1\x00", b"\x00", b"3\x00\x00\x0011",
])
def test_parse_long_double_refuses(text):
    assert parse_long_double(text) is None


@pytest.mark.parametrize("text,value", [
    (b"0", 0), (b"-0", 0), (b"1.5", Fraction(3, 2)), (b".5", Fraction(1, 2)), (b"5.", 5),
    (b"+.5e1", 5), (b"0x10", 16), (b"0X1.8p1", 3), (b"1e3", 1000), (b"0e99999", 0),
])
def test_parse_long_double_values(text, value):
    assert to_fraction(parse_long_double(text)) == value


def test_parse_long_double_infinities_pass_but_sum_fails():
    inf = parse_long_double(b"inf")
    assert inf == float("inf") and parse_long_double(b"-Infinity") == float("-inf")
    assert add_long_double(inf, (1, 0)) is None


def rld(x: Fraction):
    r = round_long_double(x.numerator, x.denominator)
    return r if isinstance(r, float) else to_fraction(r)


def test_rounding_is_to_64_bit_mantissa_ties_to_even():
    one = Fraction(1)
    ulp = Fraction(1, 1 << 63)
    assert rld(one + ulp) == one + ulp
    assert rld(one + ulp / 2) == one  # tie -> even
    assert rld(one + ulp * 3 / 2) == one + 2 * ulp  # tie -> even
    assert rld(one + ulp * Fraction(51, 100)) == one + ulp
    assert rld(Fraction((1 << 64) - 1, 1 << 64) + Fraction(1, 1 << 65)) == 1  # tie, odd: carry into bit 65
    assert rld(Fraction(1 << 16384)) == float("inf")
    assert rld(-Fraction(1 << 16384)) == float("-inf")
    assert rld(Fraction(((1 << 64) - 1) << (16384 - 64))) == ((1 << 64) - 1) << (16384 - 64)
    tiny = Fraction(1, 1 << 16445)  # smallest subnormal
    assert rld(tiny) == tiny
    assert rld(tiny / 3) == 0
    # the integer-shift path (d == 1) rounds the same way
    assert round_long_double((1 << 64) + 1) == (1 << 63, 1)  # tie -> even
    assert round_long_double((1 << 64) + 3) == ((1 << 63) + 2, 1)
    assert round_long_double(-((1 << 65) + 5)) == (-((1 << 63) + 1), 2)


def test_sum_overflow_is_refused():
    big = parse_long_double(b"1e4932")
    assert big is not None
    assert add_long_double(big, big) is None


def test_format_long_double():
    assert format_long_double((0, 0)) == b"0"
    assert format_long_double((5, 0)) == b"5"
    assert format_long_double((5, 3)) == b"40"
    assert format_long_double((-5, -1)) == b"-2.5"
    assert format_long_double(round_long_double(1, 3)) == b"0.33333333333333333"
    assert format_long_double(round_long_double(2, 3)) == b"0.66666666666666667"
    assert format_long_double(round_long_double(-1, 10**18)) == b"0"


def test_string2ll_and_wrap():
    assert string2ll(b"9223372036854775807") == LLONG_MAX
    assert string2ll(b"-9223372036854775808") == LLONG_MIN
    for bad in (b"9223372036854775808", b"-0", b"01", b"+1", b" 1", b"", b"1.0", b"\xd9\xa1"):
        assert string2ll(bad) is None
    assert wrap_int64(LLONG_MAX + 1) == LLONG_MIN
    assert wrap_int64(-(1 << 64) + 5) == 5
    assert wrap_int64(123) == 123


def test_parse_double():
    assert parse_double(b"1.5") == 1.5
    assert parse_double(b"-inf") == float("-inf")
    for bad in (b"", b" 1", b"1 ", b"nan", b"abc", b"1_0"):
        assert parse_double(bad) is None


def test_incr_long_double_text():
    from vermilion.util.numbers import LongDoubleError, incr_long_double_text

    assert incr_long_double_text(None, b"1.5") == b"1.5"
    assert incr_long_double_text(b"10.5", b"0.1") == b"10.6"
    assert incr_long_double_text(b"9223372036854775807", b"9223372036854775807") == b"18446744073709551614"
    assert incr_long_double_text(b"-3", b"3") == b"0"
    for current, incr, which in ((b"abc", b"1", "current"), (b"1", b"abc", "increment"),
                                 (b"inf", b"1", "nan"), (b"1e4932", b"1e4932", "nan")):
        with pytest.raises(LongDoubleError) as info:
            incr_long_double_text(current, incr)
        assert info.value.which == which


def test_texts_beyond_pythons_digit_limit():
    # Python refuses int<->str conversions past 4300 digits; long doubles reach 4933.
    from vermilion.util.numbers import incr_long_double_text

    out = incr_long_double_text(b"0", b"9" * 4932)
    assert len(out) == 4933 and out.startswith(b"1000000000000000000006")  # rounded up to 1e4932
    assert parse_long_double(b"9" * 4933) is None  # overflow
    assert parse_long_double(b"1" * 5000) is None  # overflow
    assert parse_long_double(b"1e" + b"9" * 5000) is None
    assert parse_long_double(b"0e" + b"9" * 5000) == (0, 0)
    assert parse_long_double(b"1e-" + b"9" * 5000) is None  # underflow to zero
    assert to_fraction(parse_long_double(b"0x" + b"f" * 4000)) > 0
    assert parse_long_double(b"0x" + b"f" * 4200) is None  # 16800 bits: overflow
