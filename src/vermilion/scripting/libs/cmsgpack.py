"""``cmsgpack``: lua-cmsgpack 0.4.0 as Redis bundles it, in Python.

``pack(...)`` concatenates the encoding of each argument: nil, booleans, integers in
the smallest form (fixint, uint8..64, int8..64), other numbers as float32 when exact,
else float64; strings as fixstr/str8/str16/str32; a table whose keys are exactly
1..n is an array (the empty table too), anything else a map in ``lua_next`` order;
tables nested deeper than 16 levels and values of other types are nil.
``unpack(s)`` returns every value in ``s``; ``unpack_one(s [, offset])`` and
``unpack_limit(s, limit [, offset])`` return the next offset (-1 at the end) first.
Truncated input is ``Missing bytes in input.``, an unknown type byte ``Bad data format
in input.``.
"""

from __future__ import annotations

import math
import struct as pystruct
from typing import Any

from .cjson import lua_error

MAX_NESTING = 16


class CMsgpack:
    def __init__(self, rt: Any) -> None:
        self.rt = rt

    # ---- pack --------------------------------------------------------------------------

    def pack(self, *args: Any) -> bytes:
        if not args:
            raise lua_error(b"bad argument #0 to 'pack' (MessagePack pack needs input.)")
        out = bytearray()
        for a in args:
            self._pack(a, out, 0)
        return bytes(out)

    def _pack(self, v: Any, out: bytearray, level: int) -> None:
        cls = v.__class__
        if v is None:
            out.append(0xC0)
        elif cls is bool:
            out.append(0xC3 if v else 0xC2)
        elif cls is int or cls is float:
            _pack_number(v, out)
        elif cls is bytes:
            n = len(v)
            if n < 32:
                out.append(0xA0 | n)
            elif n <= 0xFF:
                out += b"\xd9" + bytes((n,))
            elif n <= 0xFFFF:
                out += b"\xda" + n.to_bytes(2, "big")
            else:
                out += b"\xdb" + n.to_bytes(4, "big")
            out += v
        elif type(v).__name__ == "_LuaTable" and level < MAX_NESTING:
            items = list(v.items())
            if _is_array(items):
                n = len(items)
                _header(out, n, 0x90, 0xDC, 0xDD)
                for i in range(1, n + 1):
                    self._pack(v[i], out, level + 1)
            else:
                _header(out, len(items), 0x80, 0xDE, 0xDF)
                for k, x in items:
                    self._pack(k, out, level + 1)
                    self._pack(x, out, level + 1)
        else:
            out.append(0xC0)

    # ---- unpack --------------------------------------------------------------------------

    def unpack(self, *args: Any) -> tuple:
        s = _string_arg(args, 0, "unpack")
        pos = 0
        out = []
        while pos < len(s):
            v, pos = self._decode(s, pos)
            out.append(v)
        return tuple(out)

    def unpack_one(self, *args: Any) -> tuple:
        return self._limited(args, 1, 1, "unpack_one")

    def unpack_limit(self, *args: Any) -> tuple:
        limit = int(args[1]) if len(args) > 1 and args[1].__class__ in (int, float) else 0
        return self._limited(args, limit, 2, "unpack_limit")

    def _limited(self, args: tuple, limit: int, off_arg: int, fname: str) -> tuple:
        s = _string_arg(args, 0, fname)
        offset = 0
        if len(args) > off_arg and args[off_arg].__class__ in (int, float):
            offset = int(args[off_arg])
        if offset < 0 or (offset > len(s) and len(s)):
            raise lua_error(b"Start offset %d greater than input length %d." % (offset, len(s)))
        pos = offset
        out = []
        while pos < len(s) and (limit <= 0 or len(out) < limit):
            v, pos = self._decode(s, pos)
            out.append(v)
        return (pos if pos < len(s) else -1, *out)

    def _decode(self, s: bytes, pos: int) -> tuple[Any, int]:
        return _Decoder(s, self.rt).value(pos)


def _string_arg(args: tuple, i: int, fname: str) -> bytes:
    v = args[i] if i < len(args) else None
    if v.__class__ in (int, float):
        return b"%.14g" % v
    if v.__class__ is not bytes:
        raise lua_error(b"bad argument #%d to '%s' (string expected, got %s)"
                        % (i + 1, fname.encode(), b"no value" if i >= len(args) else b"nil"))
    return v


def _header(out: bytearray, n: int, fix: int, b16: int, b32: int) -> None:
    if n < 16:
        out.append(fix | n)
    elif n <= 0xFFFF:
        out += bytes((b16,)) + n.to_bytes(2, "big")
    else:
        out += bytes((b32,)) + n.to_bytes(4, "big")


def _is_array(items: list) -> bool:
    mx = 0
    for k, _ in items:
        if k.__class__ not in (int, float):
            return False
        idx = int(k) if math.isfinite(k) else 0
        if idx != k or idx < 1:
            return False
        if idx > mx:
            mx = idx
    return mx == len(items)


def _pack_number(n: Any, out: bytearray) -> None:
    if math.isfinite(n) and n == int(n) and -(2 ** 63) <= n < 2 ** 63:
        v = int(n)
        if v >= 0:
            if v <= 127:
                out.append(v)
            elif v <= 0xFF:
                out += b"\xcc" + bytes((v,))
            elif v <= 0xFFFF:
                out += b"\xcd" + v.to_bytes(2, "big")
            elif v <= 0xFFFFFFFF:
                out += b"\xce" + v.to_bytes(4, "big")
            else:
                out += b"\xcf" + v.to_bytes(8, "big")
        else:
            if v >= -32:
                out.append(v & 0xFF)
            elif v >= -128:
                out += b"\xd0" + v.to_bytes(1, "big", signed=True)
            elif v >= -32768:
                out += b"\xd1" + v.to_bytes(2, "big", signed=True)
            elif v >= -(2 ** 31):
                out += b"\xd2" + v.to_bytes(4, "big", signed=True)
            else:
                out += b"\xd3" + v.to_bytes(8, "big", signed=True)
        return
    f = float(n)
    try:
        as32 = pystruct.unpack(">f", pystruct.pack(">f", f))[0]
    except OverflowError:
        as32 = None
    if as32 is not None and (as32 == f or (f != f)):
        out += b"\xca" + pystruct.pack(">f", f)
    else:
        out += b"\xcb" + pystruct.pack(">d", f)


def _num(v: int | float) -> int | float:
    return float(v) if v.__class__ is int and abs(v) >= 2 ** 53 else v


class _Decoder:
    __slots__ = ("s", "rt")

    def __init__(self, s: bytes, rt: Any) -> None:
        self.s = s
        self.rt = rt

    def need(self, pos: int, n: int) -> None:
        if pos + n > len(self.s):
            raise lua_error(b"Missing bytes in input.")

    def value(self, pos: int) -> tuple[Any, int]:
        s = self.s
        self.need(pos, 1)
        t = s[pos]
        pos += 1
        if t <= 0x7F:
            return t, pos
        if t >= 0xE0:
            return t - 256, pos
        if 0xA0 <= t <= 0xBF:
            return self.raw(pos, t & 0x1F)
        if 0x90 <= t <= 0x9F:
            return self.array(pos, t & 0x0F)
        if 0x80 <= t <= 0x8F:
            return self.map(pos, t & 0x0F)
        if t == 0xC0:
            return None, pos
        if t == 0xC2:
            return False, pos
        if t == 0xC3:
            return True, pos
        fixed = {0xCC: (1, False), 0xCD: (2, False), 0xCE: (4, False), 0xCF: (8, False),
                 0xD0: (1, True), 0xD1: (2, True), 0xD2: (4, True), 0xD3: (8, True)}.get(t)
        if fixed is not None:
            n, signed = fixed
            self.need(pos, n)
            return _num(int.from_bytes(s[pos:pos + n], "big", signed=signed)), pos + n
        if t == 0xCA:
            self.need(pos, 4)
            return pystruct.unpack(">f", s[pos:pos + 4])[0], pos + 4
        if t == 0xCB:
            self.need(pos, 8)
            return pystruct.unpack(">d", s[pos:pos + 8])[0], pos + 8
        lens = {0xD9: 1, 0xC4: 1, 0xDA: 2, 0xC5: 2, 0xDB: 4, 0xC6: 4}.get(t)
        if lens is not None:
            self.need(pos, lens)
            return self.raw(pos + lens, int.from_bytes(s[pos:pos + lens], "big"))
        if t in (0xDC, 0xDD, 0xDE, 0xDF):
            w = 2 if t in (0xDC, 0xDE) else 4
            self.need(pos, w)
            n = int.from_bytes(s[pos:pos + w], "big")
            return (self.array if t in (0xDC, 0xDD) else self.map)(pos + w, n)
        raise lua_error(b"Bad data format in input.")

    def raw(self, pos: int, n: int) -> tuple[bytes, int]:
        self.need(pos, n)
        return self.s[pos:pos + n], pos + n

    def array(self, pos: int, n: int) -> tuple[Any, int]:
        t = self.rt.table()
        for i in range(1, n + 1):
            v, pos = self.value(pos)
            t[i] = v
        return t, pos

    def map(self, pos: int, n: int) -> tuple[Any, int]:
        t = self.rt.table()
        for _ in range(n):
            k, pos = self.value(pos)
            v, pos = self.value(pos)
            if k is not None:
                t[k] = v
        return t, pos


def build(rt: Any) -> Any:
    lib = CMsgpack(rt)
    t = rt.table()
    t[b"pack"] = lib.pack
    t[b"unpack"] = lib.unpack
    t[b"unpack_one"] = lib.unpack_one
    t[b"unpack_limit"] = lib.unpack_limit
    t[b"_NAME"] = b"cmsgpack"
    t[b"_VERSION"] = b"lua-cmsgpack 0.4.0"
    t[b"_COPYRIGHT"] = b"Copyright (C) 2012, Salvatore Sanfilippo"
    t[b"_DESCRIPTION"] = b"MessagePack C implementation for Lua"
    return t
