"""Byte-crunching kernels run by LuaJIT (through lupa, already a dependency for
scripting): the CRC64 of files and payloads and the LZF compression of RDB strings.

Both are loops over every byte, which CPython runs at a few MB/s; LuaJIT compiles the
same loops to machine code over FFI byte pointers (measured here: CRC64 about 300
MB/s against 10-15 MB/s for the slicing-by-8 Python loop; see docs/benchmarks.md).

* ``crc64(crc, data)``: Redis's CRC-64/Jones, table-driven a byte at a time.  The
  64-bit state is kept as two 32-bit halves because LuaJIT's ``bit`` operations on
  plain numbers are 32-bit and compile to single instructions (64-bit cdata arithmetic
  was 8 times slower); the table is crc64.py's.
* ``lzf_compress(data)``: liblzf's format, greedy: a Lua table maps each 3-byte
  sequence to its last position; a hit within 8 KB is extended up to 264 bytes and
  emitted as a back reference, other bytes go into literal runs of at most 32.

``AVAILABLE`` is False when lupa has no LuaJIT build (or FFI is refused); callers
then use their pure-Python versions.  The LuaJIT state is private to this module
(the scripting engine uses its own Lua 5.1 state) and is used from the main thread or
from a forked child only.
"""

from __future__ import annotations

from typing import Any, Callable

_LUA = r"""
local ffi = require("ffi")
local bit = require("bit")
local band, bor, bxor, rshift, lshift, tobit = bit.band, bit.bor, bit.bxor, bit.rshift, bit.lshift, bit.tobit
local copy, fstring = ffi.copy, ffi.string

local TH = ffi.new("int32_t[256]")
local TL = ffi.new("int32_t[256]")
local hi_in, lo_in = ...
for i = 0, 255 do TH[i] = tobit(hi_in[i + 1]); TL[i] = tobit(lo_in[i + 1]) end

local function crc64(hi, lo, s)
  local p = ffi.cast("const uint8_t*", s)
  hi = tobit(hi); lo = tobit(lo)
  for i = 0, #s - 1 do
    local idx = band(bxor(lo, p[i]), 0xff)
    lo = bxor(TL[idx], bor(rshift(lo, 8), lshift(hi, 24)))
    hi = bxor(TH[idx], rshift(hi, 8))
  end
  return hi, lo
end

local function literals(out, op, p, from, to)
  while from < to do
    local run = to - from
    if run > 32 then run = 32 end
    out[op] = run - 1
    copy(out + op + 1, p + from, run)
    op = op + 1 + run
    from = from + run
  end
  return op
end

local function lzf(s)
  local n = #s
  local p = ffi.cast("const uint8_t*", s)
  local out = ffi.new("uint8_t[?]", n + rshift(n, 5) + 16)
  local op, lit, i, last = 0, 0, 0, n - 2
  local tbl = {}
  while i < last do
    local key = bor(lshift(p[i], 16), lshift(p[i + 1], 8), p[i + 2])
    local ref = tbl[key]
    tbl[key] = i
    local len = 0
    if ref and i - ref <= 8192 then
      local maxl = n - i
      if maxl > 264 then maxl = 264 end
      while len < maxl and p[ref + len] == p[i + len] do len = len + 1 end
    end
    if len >= 3 then
      op = literals(out, op, p, lit, i)
      local off = i - ref - 1
      local code = len - 2
      if code < 7 then
        out[op] = bor(lshift(code, 5), rshift(off, 8)); op = op + 1
      else
        out[op] = bor(0xE0, rshift(off, 8)); out[op + 1] = code - 7; op = op + 2
      end
      out[op] = band(off, 0xff); op = op + 1
      i = i + len
      if i < last then tbl[bor(lshift(p[i - 1], 16), lshift(p[i], 8), p[i + 1])] = i - 1 end
      lit = i
    else
      i = i + 1
    end
  end
  op = literals(out, op, p, lit, n)
  return fstring(out, op)
end

return crc64, lzf
"""

_crc: Callable[..., Any] | None = None
_lzf: Callable[[bytes], bytes] | None = None


def _crc_table() -> list[int]:
    """crc64.py's byte table (rebuilt here: crc64.py imports this module)."""
    table = []
    for i in range(256):
        crc = i
        for _ in range(8):
            crc = (crc >> 1) ^ 0x95AC9329AC4BC9B5 if crc & 1 else crc >> 1
        table.append(crc)
    return table


def _load() -> bool:
    global _crc, _lzf
    try:
        import lupa.luajit21 as luajit  # noqa: PLC0415

        T8 = _crc_table()
        rt = luajit.LuaRuntime(encoding=None, unpack_returned_tuples=True)
        _crc, _lzf = rt.execute(_LUA, rt.table_from([t >> 32 for t in T8]),
                                rt.table_from([t & 0xFFFFFFFF for t in T8]))
        # a self-check: a broken build must not write wrong checksums
        if crc64(0, b"123456789") != 0xE9C6D914C4B8D9CA:
            raise RuntimeError("LuaJIT CRC64 self-check failed")
    except Exception:  # noqa: BLE001 - no LuaJIT, no FFI: the Python kernels serve
        _crc = _lzf = None
        return False
    return True


def crc64(crc: int, data: bytes) -> int:
    hi, lo = _crc(crc >> 32, crc & 0xFFFFFFFF, data)  # type: ignore[misc]
    return ((int(hi) & 0xFFFFFFFF) << 32) | (int(lo) & 0xFFFFFFFF)


def lzf_compress(data: bytes) -> bytes:
    return _lzf(data)  # type: ignore[misc]


AVAILABLE = _load()
