"""``struct``: Roberto Ierusalimschy's lua-struct as Redis bundles it, in Python.

``struct.pack(fmt, ...)``, ``struct.unpack(fmt, s [, init])`` (values, then the next
position) and ``struct.size(fmt)``.  Options: ``>`` ``<`` ``=`` endianness, ``![n]``
alignment, ``x`` pad byte, ``b/B`` char, ``h/H`` short, ``l/L`` long (8), ``T`` size_t
(8), ``i/I[n]`` n-byte int (default 4), ``f`` float, ``d`` double, ``c[n]`` fixed
string (``c0``: the whole string when packing, the previous number as length when
unpacking), ``s`` zero-terminated string; spaces are ignored.  Integers are packed
from the Lua number through C's casts and unpacked with sign extension for the signed
options.
"""

from __future__ import annotations

import struct as pystruct
from typing import Any

from .cjson import lua_error

MAXINTSIZE = 32
MAXALIGN = 8
_SIZES = {"b": 1, "B": 1, "h": 2, "H": 2, "l": 8, "L": 8, "T": 8, "f": 4, "d": 8, "x": 1}


class _Fmt:
    __slots__ = ("fmt", "i", "little", "align")

    def __init__(self, fmt: bytes) -> None:
        self.fmt = fmt.decode("latin-1")
        self.i = 0
        self.little = True
        self.align = 1

    def number(self, default: int) -> int:
        f, i = self.fmt, self.i
        if i >= len(f) or not f[i].isdigit():
            return default
        n = 0
        while i < len(f) and f[i].isdigit():
            d = int(f[i])
            if n > 214748364 or n * 10 > 2147483647 - d:  # getnum's INT_MAX guard
                raise lua_error(b"integral size overflow")
            n = n * 10 + d
            i += 1
        self.i = i
        return n

    def items(self, fname: str):
        """Yield (option, size) for each data option; apply the controls."""
        f = self.fmt
        while self.i < len(f):
            opt = f[self.i]
            self.i += 1
            if opt == " ":
                continue
            if opt == ">":
                self.little = False
            elif opt == "<" or opt == "=":
                self.little = True
            elif opt == "!":
                a = self.number(MAXALIGN)
                if a & (a - 1):
                    raise lua_error(b"alignment %d is not a power of 2" % a)
                self.align = a
            elif opt in _SIZES:
                yield opt, _SIZES[opt]
            elif opt in "iI":
                n = self.number(4)
                if n > MAXINTSIZE:
                    raise lua_error(b"integral size %d is larger than limit of %d" % (n, MAXINTSIZE))
                yield opt, n
            elif opt == "c":
                yield opt, self.number(1)
            elif opt == "s":
                yield opt, 0
            else:
                raise lua_error(b"bad argument #1 to '%s' (invalid format option '%s')"
                                % (fname.encode(), opt.encode("latin-1")))

    def pad(self, length: int, opt: str, size: int) -> int:
        if size == 0 or opt == "c":
            return 0
        if size > self.align:
            size = self.align
        return (size - (length & (size - 1))) & (size - 1)


def _check_number(args: tuple, i: int, fname: str) -> float:
    if i >= len(args) or args[i] is None:
        got = "no value" if i >= len(args) else "nil"
        raise lua_error(b"bad argument #%d to '%s' (number expected, got %s)" % (i + 1, fname.encode(), got.encode()))
    v = args[i]
    if v.__class__ is bytes:
        try:
            return float(v)
        except ValueError:
            pass
    if v.__class__ in (int, float) and v.__class__ is not bool:
        return v
    raise lua_error(b"bad argument #%d to '%s' (number expected, got %s)" % (i + 1, fname.encode(), _tname(v).encode()))


def _tname(v: Any) -> str:
    if v.__class__ is bytes:
        return "string"
    if v.__class__ is bool:
        return "boolean"
    return "table" if type(v).__name__ == "_LuaTable" else "userdata"


def _check_string(args: tuple, i: int, fname: str) -> bytes:
    v = args[i] if i < len(args) else None
    if v.__class__ in (int, float):
        return b"%.14g" % v
    if v.__class__ is not bytes:
        got = "no value" if i >= len(args) else ("nil" if v is None else _tname(v))
        raise lua_error(b"bad argument #%d to '%s' (string expected, got %s)" % (i + 1, fname.encode(), got.encode()))
    return v


def pack(*args: Any) -> bytes:
    fmt = _Fmt(_check_string(args, 0, "pack"))
    out = bytearray()
    a = 1
    for opt, size in fmt.items("pack"):
        out += b"\0" * fmt.pad(len(out), opt, size)
        if opt == "x":
            out += b"\0"
        elif opt in "bBhHlLTiI":
            n = _check_number(args, a, "pack")
            a += 1
            v = int(n) & ((1 << 64) - 1) if n < 0 else int(n) & ((1 << 64) - 1)
            data = v.to_bytes(8, "little")
            data = (data + (b"\xff" if n < 0 else b"\0") * size)[:size] if size > 8 else data[:size]
            out += data if fmt.little else data[::-1]
        elif opt == "f":
            out += pystruct.pack("<f" if fmt.little else ">f", _check_number(args, a, "pack"))
            a += 1
        elif opt == "d":
            out += pystruct.pack("<d" if fmt.little else ">d", _check_number(args, a, "pack"))
            a += 1
        elif opt == "c" or opt == "s":
            s = _check_string(args, a, "pack")
            a += 1
            if opt == "c":
                if size == 0:
                    size = len(s)
                if len(s) < size:
                    raise lua_error(b"bad argument #%d to 'pack' (string too short)" % (a + 1))
                out += s[:size]
            else:
                out += s + b"\0"
    return bytes(out)


def unpack(*args: Any) -> tuple:
    fmt = _Fmt(_check_string(args, 0, "unpack"))
    data = _check_string(args, 1, "unpack")
    pos = 0
    if len(args) > 2 and args[2] is not None:
        pos = int(_check_number(args, 2, "unpack")) - 1
        if pos < 0 or pos > len(data):
            raise lua_error(b"bad argument #3 to 'unpack' (offset out of range)")
    out: list[Any] = []
    for opt, size in fmt.items("unpack"):
        pos += fmt.pad(pos, opt, size)
        if opt == "c" and size == 0:
            if not out or out[-1].__class__ not in (int, float):
                raise lua_error(b"bad argument #1 to 'unpack' (format 'c0' needs a previous size)")
            size = int(out.pop())
        if opt != "s" and pos + size > len(data):
            raise lua_error(b"bad argument #2 to 'unpack' (data string too short)")
        if opt == "x":
            pass
        elif opt in "bBhHlLTiI":
            raw = data[pos:pos + size]
            v = int.from_bytes(raw, "little" if fmt.little else "big")
            if opt.islower() and size and v >> (size * 8 - 1):
                v -= 1 << (size * 8)
            v = float(v) if abs(v) >= 2 ** 53 else v
            out.append(v)
        elif opt == "f":
            out.append(pystruct.unpack("<f" if fmt.little else ">f", data[pos:pos + 4])[0])
        elif opt == "d":
            out.append(pystruct.unpack("<d" if fmt.little else ">d", data[pos:pos + 8])[0])
        elif opt == "c":
            out.append(data[pos:pos + size])
        elif opt == "s":
            end = data.find(b"\0", pos)
            if end < 0:
                raise lua_error(b"unfinished string in data")
            out.append(data[pos:end])
            size = end - pos + 1
        pos += size
    out.append(pos + 1)
    return tuple(out)


def size(*args: Any) -> int:
    fmt = _Fmt(_check_string(args, 0, "size"))
    total = 0
    for opt, sz in fmt.items("size"):
        if opt == "s":
            raise lua_error(b"bad argument #1 to 'size' (option 's' has no fixed size)")
        if opt == "c" and sz == 0:
            raise lua_error(b"bad argument #1 to 'size' (option 'c0' has no fixed size)")
        total += fmt.pad(total, opt, sz) + sz
    return total


def build(rt: Any) -> Any:
    t = rt.table()
    t[b"pack"] = pack
    t[b"unpack"] = unpack
    t[b"size"] = size
    return t
