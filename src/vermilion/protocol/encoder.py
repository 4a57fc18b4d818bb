"""Encode reply values (see ``reply.py``) as RESP2 or RESP3 bytes.

This is the only place that knows the difference between the protocol versions, as
Redis's ``addReply*`` builders are.  ``encode2``/``encode3`` append encoded pieces to a
list; the connection joins the pieces of a whole batch and writes them once.
"""

from __future__ import annotations

import math
from typing import Any, Callable

from .reply import (
    BigNumber,
    Bool,
    Double,
    ErrorReply,
    NoReply,
    Push,
    Raw,
    SetReply,
    Simple,
    Verbatim,
    _NullArray,
)


def format_double(value: float) -> bytes:
    """Redis 7.2's ``d2string``: how ``addReplyDouble`` prints a double.

    Integral values within +-2^62 print as integers (``double2ll``); others use the
    shortest round-trip digits (``fpconv_dtoa``, grisu2) laid out as fpconv's
    ``emit_digits`` does: plain when the decimal exponent is small, else ``d.ddde+X``
    (no exponent zero-padding).  ``inf``/``-inf``/``nan``/``-0`` are spelled out.
    """
    if value.is_integer() and -_LL_HALF <= value <= _LL_HALF:  # False for inf and nan
        if value:
            return b"%d" % value
        return b"-0" if math.copysign(1.0, value) < 0 else b"0"
    if value != value:
        return b"nan"
    if value == _INF or value == _NINF:
        return b"inf" if value > 0 else b"-inf"
    r = repr(value)
    neg = r[0] == "-"
    if neg:
        r = r[1:]
    mant, _, e = r.partition("e")
    point = mant.find(".")
    if point < 0:
        digits, frac = mant, 0
    else:
        digits, frac = mant[:point] + mant[point + 1:], len(mant) - point - 1
    k = (int(e) if e else 0) - frac  # value = digits * 10**k
    stripped = digits.lstrip("0")
    k += len(stripped) - len(stripped.rstrip("0"))
    digits = stripped.rstrip("0")
    nd = len(digits)
    exp = abs(k + nd - 1)
    if k >= 0 and exp < nd + 7:
        out = digits + "0" * k
    elif k < 0 and (k > -7 or exp < 4):
        offset = nd + k
        out = "0." + "0" * -offset + digits if offset <= 0 else digits[:offset] + "." + digits[offset:]
    else:
        out = digits[0] + ("." + digits[1:] if nd > 1 else "") + ("e-" if k + nd - 1 < 0 else "e+") + str(exp)
    return ("-" + out if neg else out).encode()


_INF = float("inf")
_NINF = float("-inf")
_LL_HALF = float((2**63 - 1) // 2)


def _bulk(out: list, v: bytes) -> None:
    out.append(b"$%d\r\n%b\r\n" % (len(v), v))


def _int(out: list, v: int) -> None:
    out.append(b":%d\r\n" % v)


def _raw(out: list, v: bytes) -> None:
    out.append(v)


def _simple(out: list, v: bytes) -> None:
    out.append(b"+%b\r\n" % v)


def _error(out: list, v: bytes) -> None:
    out.append(b"-%b\r\n" % v)


def _make(resp3: bool) -> Callable[[list, Any], None]:
    """Build the encoder for one protocol version: a type-keyed dispatch table."""

    def enc(out: list, v: Any) -> None:
        f = table.get(type(v))
        if f is not None:
            f(out, v)
            return
        # Subclasses of the plain types (e.g. a hash value that is a dict subclass).
        for base, fn in bases:
            if isinstance(v, base):
                fn(out, v)
                return
        raise TypeError(f"cannot encode reply of type {type(v).__name__}")

    def array(out: list, v: Any) -> None:
        out.append(b"*%d\r\n" % len(v))
        for item in v:
            enc(out, item)

    def mapping(out: list, v: dict) -> None:
        out.append((b"%%%d\r\n" if resp3 else b"*%d\r\n") % (len(v) if resp3 else 2 * len(v)))
        for k, item in v.items():
            enc(out, k)
            enc(out, item)

    def set_reply(out: list, v: Any) -> None:
        out.append((b"~%d\r\n" if resp3 else b"*%d\r\n") % len(v))
        for item in v:
            enc(out, item)

    def push(out: list, v: Any) -> None:
        out.append((b">%d\r\n" if resp3 else b"*%d\r\n") % len(v))
        for item in v:
            enc(out, item)

    def null(out: list, v: None) -> None:
        out.append(b"_\r\n" if resp3 else b"$-1\r\n")

    def null_array(out: list, v: Any) -> None:
        out.append(b"_\r\n" if resp3 else b"*-1\r\n")

    def double(out: list, v: float) -> None:
        if resp3:
            out.append(b",%b\r\n" % format_double(v))
        else:
            _bulk(out, format_double(v))

    def verbatim(out: list, v: bytes) -> None:
        if resp3:
            out.append(b"=%d\r\ntxt:%b\r\n" % (len(v) + 4, v))
        else:
            _bulk(out, v)

    def boolean(out: list, v: int) -> None:
        if resp3:
            out.append(b"#t\r\n" if v else b"#f\r\n")
        else:
            out.append(b":1\r\n" if v else b":0\r\n")

    def bignum(out: list, v: int) -> None:
        if resp3:
            out.append(b"(%d\r\n" % v)
        else:
            _bulk(out, b"%d" % v)

    def noreply(out: list, v: Any) -> None:
        pass

    table: dict[type, Callable[[list, Any], None]] = {
        bytes: _bulk,
        Raw: _raw,
        int: _int,
        type(None): null,
        list: array,
        tuple: array,
        dict: mapping,
        Simple: _simple,
        ErrorReply: _error,
        Double: double,
        float: double,
        SetReply: set_reply,
        set: set_reply,
        frozenset: set_reply,
        Push: push,
        _NullArray: null_array,
        Verbatim: verbatim,
        Bool: boolean,
        bool: boolean,
        BigNumber: bignum,
        bytearray: _bulk,
        NoReply: noreply,
    }
    bases: list[tuple[type, Callable[[list, Any], None]]] = [
        (bytes, _bulk),
        (dict, mapping),
        (list, array),
        (set, set_reply),
        (int, _int),
    ]
    return enc


encode2 = _make(False)
encode3 = _make(True)


def encode(value: Any, protover: int = 2) -> bytes:
    """Encode one reply value to bytes (convenience for tests and slow paths)."""
    out: list = []
    (encode3 if protover == 3 else encode2)(out, value)
    return b"".join(out)
