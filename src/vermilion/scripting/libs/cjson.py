"""``cjson``: Redis's bundled lua-cjson 2.1.0, in Python over lupa.

Encoding walks Lua tables with ``lua_next`` order (lupa's ``items()``; the same Lua 5.1
hash layout as Redis's, so object keys come out in the same order).  The rules are
lua-cjson's: a table whose keys are all integers >= 1 is an array (holes become
``null``) unless it is excessively sparse (max index > 2 * count and > 10: an error,
as ``encode_sparse_array`` defaults to no conversion); an empty table is ``{}``;
numbers use ``%.14g`` (``encode_number_precision``) and NaN/Inf are refused; strings
escape ``"``, ``\\``, ``/``, control characters and DEL; ``cjson.null`` and nil are
``null``; nesting deeper than 1000 is refused.

Decoding is lua-cjson's tokenizer and recursive descent with its error texts
(``Expected value but found T_END at character 1``, ``invalid token``, ...): numbers
through a ``strtod`` equivalent (``decode_invalid_numbers`` is on, so hex, inf and nan
parse), ``\\uXXXX`` escapes (surrogate pairs) to UTF-8, ``null`` to ``cjson.null``.
Errors are Lua string errors without a position, as ``luaL_error`` raises them from C.
"""

from __future__ import annotations

import math
import re
import sys
from typing import Any

from ..run_context import ScriptError

MAX_DEPTH = 1000
# Encoding and decoding recurse once per nesting level (two Python frames each), and
# lua-cjson's limit is 1000 levels: leave room for it.
if sys.getrecursionlimit() < 5000:
    sys.setrecursionlimit(5000)

_ESC = {i: b"\\u%04x" % i for i in range(32)}
_ESC.update({8: b"\\b", 9: b"\\t", 10: b"\\n", 12: b"\\f", 13: b"\\r", 0x22: b'\\"', 0x2F: b"\\/",
             0x5C: b"\\\\", 0x7F: b"\\u007f"})
_ESC_TABLE = {k: v.decode("latin-1") for k, v in _ESC.items()}
_NEEDS_ESC = re.compile(rb'[\x00-\x1f"/\\\x7f]')

_STRTOD = re.compile(
    rb"[+-]?(?:0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP][+-]?[0-9]+)?"
    rb"|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
    rb"|[iI][nN][fF](?:[iI][nN][iI][tT][yY])?|[nN][aA][nN])")


# The running engine's ``WHERE_LUA`` function (set by ``scripting.state`` before a run).
_WHERE: list[Any] = [None]


def lua_error(msg: bytes) -> ScriptError:
    """A ``luaL_error`` from a library function: the message gets the calling script
    line's ``user_script:N:`` prefix (``luaL_where(L, 1)``)."""
    where = _WHERE[0]
    return ScriptError((where() if where is not None else b"") + msg)


def fmt_number(x: Any) -> bytes:
    return b"%.14g" % x


class CJson:
    def __init__(self, rt: Any, null: Any) -> None:
        self.rt = rt
        self.null = null
        self.lua_type = rt.eval("type")
        self.rawequal = rt.eval("rawequal")

    # ---- encode ------------------------------------------------------------------------

    def encode(self, *args: Any) -> bytes:
        if len(args) != 1:
            raise lua_error(b"bad argument #1 to 'encode' (expected 1 argument)")
        out: list[bytes] = []
        self._encode(args[0], out, 0)
        return b"".join(out)

    def _type_name(self, v: Any) -> bytes:
        return self.lua_type(v)

    def _encode(self, v: Any, out: list, depth: int) -> None:
        cls = v.__class__
        if cls is bytes:
            out.append(b'"' + _escape(v) + b'"')
        elif cls is bool:
            out.append(b"true" if v else b"false")
        elif cls is int or cls is float:
            out.append(_number(v))
        elif v is None:
            out.append(b"null")
        elif type(v).__name__ == "_LuaTable":
            depth += 1
            if depth > MAX_DEPTH:
                raise lua_error(b"Cannot serialise, excessive nesting (%d)" % depth)
            items = list(v.items())
            n = _array_length(items)
            if n > 0:
                out.append(b"[")
                for i in range(1, n + 1):
                    if i > 1:
                        out.append(b",")
                    self._encode(v[i], out, depth)
                out.append(b"]")
            else:
                out.append(b"{")
                first = True
                for k, x in items:
                    if not first:
                        out.append(b",")
                    first = False
                    kc = k.__class__
                    if kc is bytes:
                        out.append(b'"' + _escape(k) + b'":')
                    elif kc is int or kc is float:
                        out.append(b'"' + _number(k) + b'":')
                    else:
                        raise lua_error(b"Cannot serialise " + self._type_name(k) + b": table key must be a number or string")
                    self._encode(x, out, depth)
                out.append(b"}")
        elif self._is_null(v):
            out.append(b"null")
        else:
            raise lua_error(b"Cannot serialise " + self._type_name(v) + b": type not supported")

    def _is_null(self, v: Any) -> bool:
        return bool(self.rawequal(v, self.null))

    # ---- decode ------------------------------------------------------------------------

    def decode(self, *args: Any) -> Any:
        if len(args) != 1:
            raise lua_error(b"bad argument #1 to 'decode' (expected 1 argument)")
        s = args[0]
        if s.__class__ in (int, float):
            s = b"%.14g" % s
        if s.__class__ is not bytes:
            raise lua_error(b"bad argument #1 to 'decode' (string expected, got %s)" % self._type_name(s))
        p = _Parser(s, self)
        tok = p.token()
        v = p.value(tok)
        tok = p.token()
        if tok[0] != "T_END":
            p.fail("the end", tok)
        return v


def _escape(s: bytes) -> bytes:
    if _NEEDS_ESC.search(s) is None:
        return s
    return s.decode("latin-1").translate(_ESC_TABLE).encode("latin-1")


def _number(x: Any) -> bytes:
    if x.__class__ is float and (math.isinf(x) or math.isnan(x)):
        raise lua_error(b"Cannot serialise number: must not be NaN or Inf")
    return b"%.14g" % x


def _array_length(items: list) -> int:
    """lua-cjson's ``lua_array_length``: the max index, or -1 if not an array."""
    mx = 0
    n = 0
    for k, _ in items:
        kc = k.__class__
        if (kc is int or kc is float) and k and k == math.floor(k) and k >= 1:
            if k > mx:
                mx = int(k)
            n += 1
            continue
        return -1
    if mx > n * 2 and mx > 10:
        raise lua_error(b"Cannot serialise table: excessively sparse array")
    return mx


class _Parser:
    __slots__ = ("s", "i", "lib", "depth")

    def __init__(self, s: bytes, lib: CJson) -> None:
        self.s = s
        self.i = 0
        self.lib = lib
        self.depth = 0

    def fail(self, expected: str, tok: tuple) -> None:
        found = tok[1] if tok[0] == "T_ERROR" else tok[0]
        raise lua_error(b"Expected %s but found %s at character %d" % (expected.encode(), found.encode(), tok[2] + 1))

    def token(self) -> tuple:
        s = self.s
        n = len(s)
        i = self.i
        while i < n and s[i] in b" \t\n\r":
            i += 1
        self.i = i
        if i >= n:
            return ("T_END", None, i)
        ch = s[i]
        simple = {0x7B: "T_OBJ_BEGIN", 0x7D: "T_OBJ_END", 0x5B: "T_ARR_BEGIN", 0x5D: "T_ARR_END",
                  0x3A: "T_COLON", 0x2C: "T_COMMA"}.get(ch)
        if simple is not None:
            self.i = i + 1
            return (simple, None, i)
        if ch == 0x22:
            return self.string(i)
        if ch == 0x2D or 0x30 <= ch <= 0x39:
            return self.number(i)
        if s.startswith(b"true", i):
            self.i = i + 4
            return ("T_BOOLEAN", True, i)
        if s.startswith(b"false", i):
            self.i = i + 5
            return ("T_BOOLEAN", False, i)
        if s.startswith(b"null", i):
            self.i = i + 4
            return ("T_NULL", None, i)
        rest = s[i:i + 3].lower()
        if ch == 0x2B or rest in (b"inf", b"nan"):
            return self.number(i)
        return ("T_ERROR", "invalid token", i)

    def number(self, i: int) -> tuple:
        m = _STRTOD.match(self.s, i)
        if m is None:
            return ("T_ERROR", "invalid number", i)
        text = m.group(0)
        self.i = m.end()
        low = text.lower().lstrip(b"+-")
        neg = text.startswith(b"-")
        if low.startswith(b"0x"):
            v = float.fromhex(text.decode())
        elif low.startswith(b"inf"):
            v = -math.inf if neg else math.inf
        elif low.startswith(b"nan"):
            v = math.nan
        else:
            v = float(text)
        if math.isfinite(v) and v == int(v) and abs(v) < 2 ** 53:
            v = int(v)
        return ("T_NUMBER", v, i)

    def string(self, i: int) -> tuple:
        s = self.s
        n = len(s)
        j = i + 1
        out = bytearray()
        while True:
            k = j
            while k < n and s[k] != 0x22 and s[k] != 0x5C:
                k += 1
            out += s[j:k]
            if k >= n:
                return ("T_ERROR", "unexpected end of string", n)
            if s[k] == 0x22:
                self.i = k + 1
                return ("T_STRING", bytes(out), i)
            if k + 1 >= n:
                return ("T_ERROR", "unexpected end of string", n)
            e = s[k + 1]
            simple = {0x22: b'"', 0x5C: b"\\", 0x2F: b"/", 0x62: b"\b", 0x66: b"\f", 0x6E: b"\n",
                      0x72: b"\r", 0x74: b"\t"}.get(e)
            if simple is not None:
                out += simple
                j = k + 2
                continue
            if e != 0x75:
                return ("T_ERROR", "invalid escape code", k)
            cp = _hex4(s, k + 2)
            j = k + 6
            if cp is None:
                return ("T_ERROR", "invalid unicode escape code", k)
            if 0xD800 <= cp <= 0xDBFF:
                lo = _hex4(s, k + 8) if s[k + 6:k + 8] == b"\\u" else None
                if lo is None or not 0xDC00 <= lo <= 0xDFFF:
                    return ("T_ERROR", "invalid unicode escape code", k)
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00)
                j = k + 12
            elif 0xDC00 <= cp <= 0xDFFF:
                return ("T_ERROR", "invalid unicode escape code", k)
            out += chr(cp).encode("utf-8", "surrogatepass")

    def descend(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise lua_error(b"Found too many nested data structures (%d) at character %d" % (self.depth, self.i))

    def value(self, tok: tuple) -> Any:
        t = tok[0]
        if t in ("T_STRING", "T_NUMBER", "T_BOOLEAN"):
            return tok[1]
        if t == "T_NULL":
            return self.lib.null
        if t == "T_OBJ_BEGIN":
            self.descend()
            table = self.lib.rt.table()
            tok = self.token()
            if tok[0] == "T_OBJ_END":
                self.depth -= 1
                return table
            while True:
                if tok[0] != "T_STRING":
                    self.fail("object key string", tok)
                key = tok[1]
                tok = self.token()
                if tok[0] != "T_COLON":
                    self.fail("colon", tok)
                table[key] = self.value(self.token())
                tok = self.token()
                if tok[0] == "T_OBJ_END":
                    self.depth -= 1
                    return table
                if tok[0] != "T_COMMA":
                    self.fail("comma or object end", tok)
                tok = self.token()
        if t == "T_ARR_BEGIN":
            self.descend()
            table = self.lib.rt.table()
            tok = self.token()
            if tok[0] == "T_ARR_END":
                self.depth -= 1
                return table
            i = 1
            while True:
                table[i] = self.value(tok)
                i += 1
                tok = self.token()
                if tok[0] == "T_ARR_END":
                    self.depth -= 1
                    return table
                if tok[0] != "T_COMMA":
                    self.fail("comma or array end", tok)
                tok = self.token()
        self.fail("value", tok)
        return None


def _hex4(s: bytes, at: int) -> int | None:
    h = s[at:at + 4]
    if len(h) != 4:
        return None
    try:
        return int(h, 16)
    except ValueError:
        return None


WHERE_LUA = b"""
local getinfo = debug.getinfo
return function()
  local i = getinfo(3, "Sl")
  if i and i.currentline > 0 then return i.short_src .. ":" .. i.currentline .. ": " end
  return ""
end
"""


def build(rt: Any) -> Any:
    null = rt.eval("newproxy(false)")
    lib = CJson(rt, null)
    t = rt.table()
    t[b"encode"] = lib.encode
    t[b"decode"] = lib.decode
    t[b"null"] = null
    t[b"_NAME"] = b"cjson"
    t[b"_VERSION"] = b"2.1.0"
    return t
