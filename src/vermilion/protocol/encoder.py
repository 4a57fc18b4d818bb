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
    """Redis's ``%.17g`` rendering of a double (``inf``/``-inf``/``nan`` spelled out)."""
    if math.isinf(value):
        return b"inf" if value > 0 else b"-inf"
    if math.isnan(value):
        return b"nan"
    return b"%.17g" % value


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
