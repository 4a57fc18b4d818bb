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

    Values are ``(m, e)`` integer pairs meaning ``m * 2**e``:

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
    "add_long_double", "format_long_double", "parse_double", "round_long_double", "to_fraction",
    "LongDoubleError", "incr_long_double_text",
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


_DIGITS_CHUNK = 4000  # below Python's int<->str conversion limit (4300 digits)
_CHUNK_POW = 10**_DIGITS_CHUNK


def _digits_to_int(txt: bytes) -> int:
    """``int(txt)`` for decimal digit strings of any length (Python refuses > 4300)."""
    if len(txt) <= _DIGITS_CHUNK:
        return int(txt)
    return _digits_to_int(txt[:-_DIGITS_CHUNK]) * _CHUNK_POW + int(txt[-_DIGITS_CHUNK:])


def _exponent(txt: bytes | None) -> int:
    """An exponent's value, saturated at +-10**8 (enough to over/underflow any input)."""
    if not txt:
        return 0
    neg = txt[:1] == b"-"
    digits = txt.lstrip(b"+-").lstrip(b"0")
    v = int(digits) if len(digits) <= 8 else 10**8
    return -v if neg else v


def _int_to_digits(q: int) -> bytes:
    """``b"%d" % q`` for non-negative integers of any size."""
    if q < _CHUNK_POW:
        return b"%d" % q
    hi, lo = divmod(q, _CHUNK_POW)
    return _int_to_digits(hi) + b"%0*d" % (_DIGITS_CHUNK, lo)


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


# A long double value is a pair ``(m, e)`` meaning ``m * 2**e`` with ``|m| < 2**64``
# (``(0, 0)`` is zero), or the float ``inf``/``-inf``.  Plain integer pairs keep the
# arithmetic free of gcd reductions (Fractions cost several times more).

def round_long_double(n: int, d: int = 1, e2: int = 0) -> tuple[int, int] | float:
    """The long double nearest to ``n / d * 2**e2`` (``d > 0``), ties to even, or +-inf."""
    if not n:
        return (0, 0)
    neg = n < 0
    if neg:
        n = -n
    k = n.bit_length() - d.bit_length()  # floor(log2(n/d)) is k or k - 1
    if (n << -k if k < 0 else n) < (d << k if k > 0 else d):
        k -= 1
    shift = max(k + e2, _LD_MIN_EXP) - (_LD_MANT_BITS - 1)  # weight of the last mantissa bit
    t = e2 - shift
    if d == 1 and t <= 0:
        m = n >> -t if t else n
        if t:  # round the bits shifted out, ties to even
            rem = n & ((1 << -t) - 1)
            half = 1 << (-t - 1)
            if rem > half or (rem == half and m & 1):
                m += 1
    elif t >= 0:
        m = _round_div(n << t, d)
    else:
        m = _round_div(n, d << -t)
    if m >> _LD_MANT_BITS:  # rounding carried into a 65th bit
        m >>= 1
        shift += 1
    if m.bit_length() + shift > 16384:
        return -INF if neg else INF
    return (-m if neg else m, shift)


def to_fraction(x: tuple[int, int]) -> Fraction:
    """The exact value of a long double pair (for tests and diagnostics)."""
    m, e = x
    return Fraction(m << e) if e >= 0 else Fraction(m, 1 << -e)


def parse_long_double(raw: bytes) -> tuple[int, int] | float | None:
    """Redis's ``string2ld``: the long double that ``raw`` denotes, or None.

    Returns a pair ``(m, e)`` (the value ``m * 2**e``), ``+-inf`` for the texts
    ``inf``/``infinity``, or None when Redis refuses the text: empty or too long,
    leading space, trailing garbage, NaN, overflow, or underflow to zero.
    """
    if not raw or len(raw) >= _MAX_LONG_DOUBLE_CHARS:
        return None
    if b"\x00" in raw:  # strtold would stop at the NUL: string2ld refuses the text
        return None
    m = _DEC_RE.fullmatch(raw)
    if m is not None:
        sign, digits, exp_txt = m.groups()
        intpart, _, frac = digits.partition(b".")
        mant_txt = (intpart + frac).lstrip(b"0")
        if not mant_txt:
            return (0, 0)
        exp10 = _exponent(exp_txt) - len(frac)
        mant = _digits_to_int(mant_txt)
        magnitude = len(mant_txt) + exp10  # 10**(magnitude-1) <= value < 10**magnitude
        if magnitude > 4933:
            return None  # overflow (ERANGE with HUGE_VALL)
        if magnitude < -4952:
            return None  # underflow to zero (ERANGE with 0)
        if sign == b"-":
            mant = -mant
        if exp10 >= 0:
            value = round_long_double(mant * 10**exp10)
        else:
            value = round_long_double(mant, 10**-exp10)
    else:
        m = _HEX_RE.fullmatch(raw)
        if m is not None:
            sign, digits, exp_txt = m.groups()
            intpart, _, frac = digits.partition(b".")
            mant_txt = (intpart + frac).lstrip(b"0")
            if not mant_txt:
                return (0, 0)
            exp2 = _exponent(exp_txt) - 4 * len(frac)
            mant = int(mant_txt, 16)
            if not -16500 < mant.bit_length() + exp2 < 16400:
                return None
            value = round_long_double(-mant if sign == b"-" else mant, 1, exp2)
        else:
            m = _INF_RE.fullmatch(raw)
            if m is None:
                return None  # malformed, or NaN (refused by string2ld)
            return -INF if m.group(1) == b"-" else INF
    if type(value) is float or not value[0]:
        return None  # ERANGE: overflow to HUGE_VALL or underflow to 0
    return value


def add_long_double(a: tuple[int, int] | float, b: tuple[int, int] | float) -> tuple[int, int] | None:
    """``a + b`` in long double arithmetic; None when the sum is NaN or infinite."""
    if type(a) is float or type(b) is float:
        return None  # an infinite operand: the sum is inf or nan
    (ma, ea), (mb, eb) = a, b  # type: ignore[misc]
    e = min(ea, eb)
    s = round_long_double((ma << (ea - e)) + (mb << (eb - e)), 1, e)
    return None if type(s) is float else s  # type: ignore[return-value]


def format_long_double(x: tuple[int, int]) -> bytes:
    """Redis's ``ld2string(LD_STR_HUMAN)``: ``"%.17Lf"``, trailing zeros and dot trimmed,
    ``-0`` printed as ``0``."""
    m, e = x
    neg = m < 0
    if neg:
        m = -m
    if e >= 0:
        q = (m << e) * 10**17
    else:
        q = _round_div(m * 10**17, 1 << -e)
    digits = _int_to_digits(q).rjust(18, b"0")
    text = (digits[:-17] + b"." + digits[-17:]).rstrip(b"0").rstrip(b".")
    if neg and text != b"0":
        return b"-" + text
    return text


class LongDoubleError(ValueError):
    """``incr_long_double_text`` failed; ``which`` is ``"current"`` (the stored value is
    not a float), ``"increment"`` (the argument is not a float) or ``"nan"`` (the sum is
    NaN or infinite), so each command can raise its own error text."""

    def __init__(self, which: str) -> None:
        super().__init__(which)
        self.which = which


_LD_EXACT_INT = 1 << 64  # integers below this are exact long doubles


def incr_long_double_text(current: bytes | None, incr: bytes) -> bytes:
    """What INCRBYFLOAT/HINCRBYFLOAT store: ``current + incr`` (``current`` None = 0)
    computed in long double and formatted as Redis does, or ``LongDoubleError``."""
    a = 0 if current is None else string2ll(current)
    b = string2ll(incr)
    if a is not None and b is not None and -_LD_EXACT_INT < a + b < _LD_EXACT_INT:
        return b"%d" % (a + b)  # integers with an exact sum: no rounding anywhere
    old: tuple[int, int] | float | None = (0, 0) if current is None else parse_long_double(current)
    if old is None:
        raise LongDoubleError("current")
    step = parse_long_double(incr)
    if step is None:
        raise LongDoubleError("increment")
    total = add_long_double(old, step)
    if total is None:
        raise LongDoubleError("nan")
    return format_long_double(total)


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
