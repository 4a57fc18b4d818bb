"""Conversions between Lua values and Redis replies, as ``script_lua.c`` does them.

Reply -> Lua (what ``redis.call`` returns), by the script's own protocol
(``redis.setresp``, 2 by default):

=====================  ===============================  ===============================
reply                  RESP2 script                     RESP3 script
=====================  ===============================  ===============================
integer                number                           number
bulk string            string                           string
null (bulk/array)      false                            nil
array                  table                            table
status                 {ok=...}                         {ok=...}
error                  {err=...}                        {err=...}
map                    flat table                       {map={k=v,...}}
set                    table                            {set={member=true,...}}
double                 string (%.17g)                   {double=number}
boolean                number 1/0                       true/false
big number             string                           {big_number="..."}
verbatim               string                           {verbatim_string={format=, string=}}
=====================  ===============================  ===============================

Handlers return typed values (``protocol/reply.py``); pre-encoded ``Raw`` replies are
parsed back first.  The Python structure built here becomes Lua tables with one
``table_from(..., recursive=True)`` call.

Lua -> reply (what a script returns), by the *caller's* protocol (the encoder handles
it): string -> bulk; number -> integer (truncated toward zero); true -> 1 / #t; false
-> null / #f; nil -> null; a table with ``err`` -> error, ``ok`` -> status, ``double``,
``map``, ``set``, ``big_number``, ``verbatim_string`` (RESP3 types, downgraded under
RESP2); any other table -> array up to its first nil.  Nesting deeper than Redis's Lua
stack allows ends in the ``reached lua stack limit`` error.
"""

from __future__ import annotations

import math
import sys
from typing import Any

from ..protocol.encoder import format_double
from ..protocol.reply import (
    BigNumber, Bool, Double, ErrorReply, NoReply, Raw, SetReply, Simple, Verbatim, _NullArray,
)

# Redis checks lua_checkstack() while walking a returned table: LUAI_MAXCSTACK (8000
# slots) runs out after 7995 nested arrays, where Redis puts the error instead.
# ``depth`` counts those Lua stack slots: an array element takes 1, a map entry 3 (the
# map table, key and value), a set member 2.  The
# walk recurses once per level and the reply encoder twice, so Python's recursion
# limit must leave room for both (pure-Python frames: no C stack in 3.11).
MAX_REPLY_DEPTH = 7995
if sys.getrecursionlimit() < 3 * MAX_REPLY_DEPTH:
    sys.setrecursionlimit(3 * MAX_REPLY_DEPTH)


# ---- reply value -> Lua-shaped Python value ------------------------------------------


def reply_to_lua(v: Any, resp: int) -> Any:
    """A handler's reply as the Python form of the Lua value ``redis.call`` returns."""
    cls = v.__class__
    if cls is bytes:
        return v
    if cls is int:
        return v
    if cls is Raw:
        return reply_to_lua(parse_raw(v), resp)
    if cls is Simple:
        return {b"ok": bytes(v)}
    if cls is ErrorReply:
        return {b"err": bytes(v)}
    if cls is list or cls is tuple:
        return [reply_to_lua(x, resp) for x in v]
    if v is None or cls is _NullArray:
        return False if resp == 2 else None
    if cls is Bool:
        if resp == 2:
            return 1 if v else 0
        return bool(v)
    if cls is Double:
        if resp == 2:
            return format_double(v)
        return {b"double": float(v)}
    if cls is dict:
        if resp == 2:
            out = []
            for k, x in v.items():
                out.append(reply_to_lua(k, resp))
                out.append(reply_to_lua(x, resp))
            return out
        return {b"map": {_key(reply_to_lua(k, resp)): reply_to_lua(x, resp) for k, x in v.items()}}
    if cls is SetReply:
        if resp == 2:
            return [reply_to_lua(x, resp) for x in v]
        return {b"set": {_key(reply_to_lua(x, resp)): True for x in v}}
    if cls is Verbatim:
        if resp == 2:
            return bytes(v)
        return {b"verbatim_string": {b"format": b"txt", b"string": bytes(v)}}
    if cls is BigNumber:
        if resp == 2:
            return b"%d" % v
        return {b"big_number": b"%d" % v}
    if cls is _Verb:
        if resp == 2:
            return v.text
        return {b"verbatim_string": {b"format": v.fmt, b"string": v.text}}
    if cls is _Big:
        if resp == 2:
            return v.text
        return {b"big_number": v.text}
    if isinstance(v, NoReply):
        return False if resp == 2 else None
    if isinstance(v, bytes):
        return bytes(v)
    if isinstance(v, bool):
        return (1 if v else 0) if resp == 2 else v
    if isinstance(v, int):
        return int(v)
    if isinstance(v, float):
        return format_double(v) if resp == 2 else {b"double": float(v)}
    if isinstance(v, (list, tuple)):
        return [reply_to_lua(x, resp) for x in v]
    return False if resp == 2 else None


def _key(k: Any) -> Any:
    # Lua tables cannot hold nil keys; a table key (nested map) stays a table.
    return b"" if k is None or k is False else k


class _Verb:
    __slots__ = ("fmt", "text")

    def __init__(self, fmt: bytes, text: bytes) -> None:
        self.fmt = fmt
        self.text = text


class _Big:
    __slots__ = ("text",)

    def __init__(self, text: bytes) -> None:
        self.text = text


def parse_raw(data: bytes) -> Any:
    """Parse one pre-encoded RESP2/RESP3 reply into typed reply values."""
    v, _ = _parse(bytes(data), 0)
    return v


def _parse(d: bytes, i: int) -> tuple[Any, int]:
    t = d[i:i + 1]
    e = d.index(b"\r\n", i)
    line = d[i + 1:e]
    j = e + 2
    if t == b"+":
        return Simple(line), j
    if t == b"-":
        return ErrorReply(line), j
    if t == b":":
        return int(line), j
    if t == b"$":
        n = int(line)
        if n < 0:
            return None, j
        return d[j:j + n], j + n + 2
    if t == b"*" or t == b">" or t == b"~":
        n = int(line)
        if n < 0:
            return _NullArray.__new__(_NullArray), j
        items = []
        for _ in range(n):
            x, j = _parse(d, j)
            items.append(x)
        return (SetReply(items) if t == b"~" else items), j
    if t == b"%":
        n = int(line)
        m = {}
        for _ in range(n):
            k, j = _parse(d, j)
            x, j = _parse(d, j)
            m[k if not isinstance(k, list) else tuple(k)] = x
        return m, j
    if t == b"_":
        return None, j
    if t == b",":
        s = line.lower()
        if s == b"inf":
            return Double(math.inf), j
        if s == b"-inf":
            return Double(-math.inf), j
        if s == b"nan":
            return Double(math.nan), j
        return Double(float(line)), j
    if t == b"#":
        return Bool(1 if line == b"t" else 0), j
    if t == b"(":
        return _Big(line), j
    if t == b"=":
        n = int(line)
        body = d[j:j + n]
        return _Verb(body[:3], body[4:]), j + n + 2
    raise ValueError("bad RESP")


# ---- Lua value -> reply value -------------------------------------------------------

_LLONG_MIN = -(1 << 63)


def lua_number_to_int(x: float) -> int:
    """C's (long long) cast of a Lua number: truncation; NaN/overflow give LLONG_MIN."""
    if x != x or x in (math.inf, -math.inf):
        return _LLONG_MIN
    n = int(x)
    if n >= (1 << 63) or n < _LLONG_MIN:
        return _LLONG_MIN
    return n


def lua_to_reply(v: Any, resp: int, engine: Any, lua_resp: int = 2, depth: int = 0) -> Any:
    """A script's return value as a reply value (``engine.shape`` reads a table).

    Booleans follow the script's protocol (``redis.setresp``), as Redis does: under
    RESP2 true is ``:1`` and false a null; under RESP3 they are booleans.  Tables are
    read with raw gets, as Redis reads them (metatables are not consulted)."""
    cls = v.__class__
    if cls is bytes:
        return v
    if cls is int:
        return lua_number_to_int(v) if not -(1 << 63) <= v < (1 << 63) else v
    if cls is float:
        return lua_number_to_int(v)
    if cls is bool:
        if lua_resp == 3:
            return Bool(1 if v else 0)
        return 1 if v else None
    if v is None or cls.__name__ != "_LuaTable":
        return None
    if depth >= MAX_REPLY_DEPTH:
        return ErrorReply(b"ERR reached lua stack limit")
    shaped = engine.shape(v)
    if shaped.__class__ is not tuple:
        return []  # tag 0 alone: an empty array
    tag = shaped[0]
    if tag == 0:
        return [lua_to_reply(x, resp, engine, lua_resp, depth + 1) for x in shaped[1:]]
    x = shaped[1]
    if tag == 1:
        return ErrorReply(_error_text(x))
    if tag == 2:
        return Simple(x.replace(b"\r", b" ").replace(b"\n", b" "))
    if tag == 3:
        return Double(float(x))
    if tag == 4:
        x = x.replace(b"\r", b" ").replace(b"\n", b" ")
        return Raw(b"(%b\r\n" % x) if resp == 3 else x
    if tag == 5:
        out = {}
        for k, val in x.items():
            out[_hashable(lua_to_reply(k, resp, engine, lua_resp, depth + 3))] = lua_to_reply(
                val, resp, engine, lua_resp, depth + 3)
        return out
    if tag == 6:
        return SetReply(lua_to_reply(k, resp, engine, lua_resp, depth + 2) for k in x.keys())
    if tag == 7:
        fmt, text = x, shaped[2]
        if resp == 3:
            return Raw(b"=%d\r\n%b:%b\r\n" % (len(text) + 4, fmt[:3], text))
        return text
    # tag 9: an array too long to unpack in one call; x is its length
    item = engine.item
    return [lua_to_reply(item(v, i), resp, engine, lua_resp, depth + 1) for i in range(1, x + 1)]


def _hashable(k: Any) -> Any:
    if isinstance(k, list):
        return tuple(k)
    return k


def _error_text(msg: bytes) -> bytes:
    """An ``{err=...}`` string as the error Redis sends (``-%s``; CR/LF become spaces)."""
    return msg.replace(b"\r", b" ").replace(b"\n", b" ")
