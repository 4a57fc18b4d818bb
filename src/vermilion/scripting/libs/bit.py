"""``bit``: LuaBitOp 1.0.2 as Redis bundles it, in Python.

Every argument is normalised as LuaBitOp's ``barg`` does (add 2^52+2^51 and keep the
low 32 bits: round half to even, wrap to a signed 32-bit value) and every result is a
signed 32-bit number.  ``tohex(x, n)``: ``n`` hex digits (default 8), upper case when
``n`` is negative.  A missing or non-numeric argument raises Lua's ``bad argument``.
"""

from __future__ import annotations

from typing import Any

from .cjson import lua_error

_TYPE_NAMES = {bytes: "string", bool: "boolean", type(None): "nil"}


def _arg(args: tuple, i: int, fname: str) -> int:
    if i >= len(args):
        raise lua_error(b"bad argument #%d to '%s' (number expected, got no value)" % (i + 1, fname.encode()))
    v = args[i]
    cls = v.__class__
    if cls is bytes:
        try:
            v = float(v.strip()) if b"x" not in v.lower() else float(int(v, 16))
        except ValueError:
            v = None
    elif cls is not int and cls is not float:
        v = None
    if v is None:
        got = _TYPE_NAMES.get(cls, "table" if type(args[i]).__name__ == "_LuaTable" else "userdata")
        raise lua_error(b"bad argument #%d to '%s' (number expected, got %s)" % (i + 1, fname.encode(), got.encode()))
    return _tobit(v)


def _tobit(x: float) -> int:
    if x != x or x in (float("inf"), float("-inf")):
        return 0
    n = round(x) & 0xFFFFFFFF
    return n - 0x100000000 if n & 0x80000000 else n


def _s32(n: int) -> int:
    n &= 0xFFFFFFFF
    return n - 0x100000000 if n & 0x80000000 else n


def tobit(*a: Any) -> int:
    return _arg(a, 0, "tobit")


def bnot(*a: Any) -> int:
    return _s32(~_arg(a, 0, "bnot"))


def _fold(name: str, op: Any) -> Any:
    def fn(*a: Any) -> int:
        r = _arg(a, 0, name)
        for i in range(1, len(a)):
            r = op(r, _arg(a, i, name))
        return _s32(r)
    return fn


def lshift(*a: Any) -> int:
    x, n = _arg(a, 0, "lshift"), _arg(a, 1, "lshift") & 31
    return _s32(x << n)


def rshift(*a: Any) -> int:
    x, n = _arg(a, 0, "rshift"), _arg(a, 1, "rshift") & 31
    return _s32((x & 0xFFFFFFFF) >> n)


def arshift(*a: Any) -> int:
    x, n = _arg(a, 0, "arshift"), _arg(a, 1, "arshift") & 31
    return _s32(x >> n)


def rol(*a: Any) -> int:
    x, n = _arg(a, 0, "rol") & 0xFFFFFFFF, _arg(a, 1, "rol") & 31
    return _s32((x << n) | (x >> (32 - n)))


def ror(*a: Any) -> int:
    x, n = _arg(a, 0, "ror") & 0xFFFFFFFF, _arg(a, 1, "ror") & 31
    return _s32((x >> n) | (x << (32 - n)))


def bswap(*a: Any) -> int:
    x = _arg(a, 0, "bswap") & 0xFFFFFFFF
    return _s32(int.from_bytes(x.to_bytes(4, "little"), "big"))


def tohex(*a: Any) -> bytes:
    x = _arg(a, 0, "tohex") & 0xFFFFFFFF
    n = _arg(a, 1, "tohex") if len(a) > 1 and a[1] is not None else 8
    upper = n < 0
    n = min(abs(n), 8) if n != -2147483648 else 8
    digits = (b"%08X" if upper else b"%08x") % x
    return digits[8 - n:] if n else b""


def build(rt: Any) -> Any:
    t = rt.table()
    for name, fn in (("tobit", tobit), ("bnot", bnot), ("band", _fold("band", lambda x, y: x & y)),
                     ("bor", _fold("bor", lambda x, y: x | y)), ("bxor", _fold("bxor", lambda x, y: x ^ y)),
                     ("lshift", lshift), ("rshift", rshift), ("arshift", arshift), ("rol", rol),
                     ("ror", ror), ("bswap", bswap), ("tohex", tohex)):
        t[name.encode()] = fn
    return t
