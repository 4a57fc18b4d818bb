"""Redis's number parsing and formatting, reproduced exactly (pure functions, no server state).

Integers
    ``string2ll`` is Redis's strict signed 64-bit parser (no sign on zero, no leading
    zeros, no spaces, at most 20 characters); it lives in the protocol layer and is
    re-exported here.  ``wrap_int64`` reproduces C's two's-complement wrap-around.

Long doubles (INCRBYFLOAT, HINCRBYFLOAT)
    Redis reads the stored value and the increment with ``strtold`` into an x87 80-bit
    ``long double`` (64-bit mantissa, 15-bit exponent), adds them, and prints the sum
    with ``"%.17Lf"`` minus trailing zeros (``ld2string(..., LD_STR_HUMAN)``).  A Python
    float is a 53-bit double, which gives different digits (10.5 + 0.1 prints
    ``10.59999999999999964`` as a double but ``10.6`` as a long double).  So the long
    double is emulated exactly with rationals:

    * ``parse_long_double`` takes the exact decimal (or hex) value of the text and rounds
      it to the nearest 64-bit-mantissa binary value, ties to even, as glibc's
      ``strtold`` does; overflow, underflow to zero, NaN and malformed text are refused
      as ``string2ld`` refuses them;
    * ``add_long_double`` adds exactly and rounds once (one x87 ``fadd``);
    * ``format_long_double`` prints the exact binary value rounded to 17 decimals
      (glibc's printf is exact), then trims zeros as ``ld2string`` does.

    Every step is exact rational arithmetic followed by the single rounding the hardware
    performs, so results equal Redis's on x86-64 bit for bit.  (On platforms where
    ``long double`` is a plain double, Redis itself prints other digits.)

Doubles in replies are formatted by ``protocol/encoder.format_double`` (Redis 7.2's
``d2string``/grisu rendering); ``parse_double`` here is ``strtod`` as ``string2d`` uses it.
"""

from __future__ import annotations

import re
from fractions import Fraction

from ..protocol.resp_parser import string2ll

__all__ = [
    "LLONG_MAX", "LLONG_MIN", "string2ll", "wrap_int64", "parse_long_double",
    "add_long_double", "format_long_double", "parse_double",
]

LLONG_MAX = (1 << 63) - 1
LLONG_MIN = -(1 << 63)

# x87 extended precision: 64-bit significand, exponents for normal values from -16382
# to 16383; subnormals go down to 2**-16445.
_LD_MANT_BITS = 64
_LD_MIN_EXP = -16382  # smallest normal value is 2**-16382
_LD_MAX = 1 << 16384  # values >= this overflow to infinity
_MAX_LONG_DOUBLE_CHARS = 5 * 1024  # Redis's buffer for string2ld

_DEC_RE = re.compile(rb"([+-]?)(\d+\.?\d*|\.\d+)(?:[eE]([+-]?\d+))?")
_HEX_RE = re.compile(rb"([+-]?)0[xX]([0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP]([+-]?\d+))?")
_INF_RE = re.compile(rb"([+-]?)(?:inf|infinity)", re.IGNORECASE)

INF = float("inf")


def wrap_int64(v: int) -> int:
    """``v`` reduced to a signed 64-bit integer the way C arithmetic wraps."""
    return ((v + (1 << 63)) & ((1 << 64) - 1)) - (1 << 63)


def _round_div(n: int, d: int) -> int:
    """``n / d`` rounded to the nearest integer, ties to even (``n >= 0``, ``d > 0``)."""
    q, r = divmod(n, d)
    r2 = r * 2
    if r2 > d or (r2 == d and q & 1):
        q += 1
    return q


def round_long_double(x: Fraction) -> Fraction | float:
    """The long double nearest to the exact value ``x`` (ties to even), or +-inf."""
    if not x:
        return Fraction(0)
    neg = x < 0
    n, d = (-x.numerator if neg else x.numerator), x.denominator
    # floor(log2(n/d)): start from the bit lengths, correct by one comparison.
    e = n.bit_length() - d.bit_length()
    if (n << -e if e < 0 else n) < (d << e if e > 0 else d):
        e -= 1
    shift = max(e, _LD_MIN_EXP) - (_LD_MANT_BITS - 1)  # weight of the last mantissa bit
    if shift >= 0:
        m = _round_div(n, d << shift)
        value = Fraction(m << shift)
    else:
        m = _round_div(n << -shift, d)
        value = Fraction(m, 1 << -shift)
    if value >= _LD_MAX:
        return -INF if neg else INF
    return -value if neg else value


def parse_long_double(raw: bytes) -> Fraction | float | None:
    """Redis's ``string2ld``: the long double that ``raw`` denotes, or None.

    Returns an exact ``Fraction`` (the binary long double value), ``+-inf`` for the
    texts ``inf``/``infinity``, or None when Redis refuses the text: empty or too long,
    leading space, trailing garbage, NaN, overflow, or underflow to zero.
    """
    if not raw or len(raw) >= _MAX_LONG_DOUBLE_CHARS:
        return None
    nul = raw.find(b"\x00")
    if nul >= 0:  # strtold reads a C string: a NUL ends it ("" reads as 0)
        raw = raw[:nul]
        if not raw:
            return Fraction(0)
    m = _DEC_RE.fullmatch(raw)
    if m is not None:
        sign, digits, exp_txt = m.groups()
        intpart, _, frac = digits.partition(b".")
        mant_txt = (intpart + frac).lstrip(b"0")
        if not mant_txt:
            return Fraction(0)
        exp10 = (int(exp_txt) if exp_txt else 0) - len(frac)
        mant = int(mant_txt)
        magnitude = len(mant_txt) + exp10  # the value is about 10**magnitude
        if magnitude > 4933:
            return None  # overflow (ERANGE with HUGE_VALL)
        if magnitude < -4952:
            return None  # underflow to zero (ERANGE with 0)
        exact = Fraction(mant * 10**exp10) if exp10 >= 0 else Fraction(mant, 10**-exp10)
    else:
        m = _HEX_RE.fullmatch(raw)
        if m is not None:
            sign, digits, exp_txt = m.groups()
            intpart, _, frac = digits.partition(b".")
            mant_txt = (intpart + frac).lstrip(b"0")
            if not mant_txt:
                return Fraction(0)
            exp2 = (int(exp_txt) if exp_txt else 0) - 4 * len(frac)
            mant = int(mant_txt, 16)
            if mant.bit_length() + exp2 > 16400:
                return None
            if mant.bit_length() + exp2 < -16500:
                return None
            exact = Fraction(mant << exp2) if exp2 >= 0 else Fraction(mant, 1 << -exp2)
        else:
            m = _INF_RE.fullmatch(raw)
            if m is None:
                return None  # malformed, or NaN (refused by string2ld)
            return -INF if m.group(1) == b"-" else INF
    value = round_long_double(exact)
    if value in (INF, -INF) or not value:
        return None  # ERANGE: overflow to HUGE_VALL or underflow to 0
    return -value if sign == b"-" else value


def add_long_double(a: Fraction | float, b: Fraction | float) -> Fraction | None:
    """``a + b`` in long double arithmetic; None when the sum is NaN or infinite."""
    if isinstance(a, float) or isinstance(b, float):
        return None  # an infinite operand: the sum is inf or nan
    s = round_long_double(a + b)
    return None if isinstance(s, float) else s


def format_long_double(x: Fraction) -> bytes:
    """Redis's ``ld2string(LD_STR_HUMAN)``: ``"%.17Lf"``, trailing zeros and dot trimmed,
    ``-0`` printed as ``0``."""
    neg = x < 0
    ax = -x if neg else x
    q = _round_div(ax.numerator * 10**17, ax.denominator)
    digits = b"%018d" % q
    text = (digits[:-17] + b"." + digits[-17:]).rstrip(b"0").rstrip(b".")
    if neg and text != b"0":
        return b"-" + text
    return text


_WS = b" \t\n\r\v\f"


def parse_double(raw: bytes) -> float | None:
    """Redis's ``string2d`` (``strtod``): a finite or infinite double, None for NaN,
    spaces at either end, empty or malformed text."""
    if not raw or raw[0] in _WS or raw[-1] in _WS or b"_" in raw:
        return None
    try:
        v = float(raw)
    except ValueError:
        return None
    if v != v:
        return None
    return v
