"""Small argument helpers shared by handlers: strict numbers with Redis's error texts."""

from __future__ import annotations

from ..protocol.errors import NotFloat, NotInteger
from ..protocol.resp_parser import string2ll


def parse_int(raw: bytes, error: type = NotInteger) -> int:
    """A signed 64-bit integer as Redis's ``string2ll`` reads it, or ``error``."""
    v = string2ll(raw)
    if v is None:
        raise error()
    return v


def parse_float(raw: bytes) -> float:
    """A double as Redis's ``string2d``/``strtold`` reads it (no spaces, no nan)."""
    try:
        if not raw or raw[0] in b" \t\n\r\v\f" or raw[-1] in b" \t\n\r\v\f":
            raise ValueError
        v = float(raw)
    except ValueError:
        raise NotFloat() from None
    if v != v:
        raise NotFloat()
    return v
