"""LZF (liblzf, as vendored in Redis: lzf_d.c / lzf_c.c), the compression of RDB strings.

Format: a sequence of chunks, each starting with a control byte ``c``:

* ``c < 32``: a literal run; the next ``c + 1`` bytes are copied as they are.
* else a back reference: length ``c >> 5`` (7 means "7 + the next byte"), plus 2; the
  offset is ``((c & 0x1f) << 8) + next byte + 1`` bytes back from the output's end.
  The source may overlap the bytes being written (a run), so a short distance repeats
  its pattern.

``decompress`` is pure Python, with C-speed slice copies, and checks every bound: a
hostile input raises ``LzfError`` instead of reading or writing out of range, and never
produces more than the announced length.

``compress`` uses the LuaJIT kernel (jit.py: C-like speed) when lupa has LuaJIT, else
the ``lzf`` binding (python-lzf) when it is installed, else ``compress_py``: the same
greedy LZ77 in liblzf's format (any valid stream loads, it need not
be liblzf's exact output).  A dict maps each 3-byte sequence to its last position; at a
hit within 8 KB the match is extended at C speed (the first differing byte of the two
candidate windows is found by XOR-ing them as big integers), emitted as a back
reference, and the scan jumps past it; other bytes accumulate into literal runs of at
most 32.  The per-position loop is Python (measured 2-5 MB/s on text and JSON, against
hundreds of MB/s for liblzf), so two guards keep a save fast: an input that ``zlib``
at level 1 with a 512-byte window (C speed, a few microseconds) cannot shrink by a quarter is stored plainly
(random or already-compressed data, short or varied values: little to win), and so
are inputs over ``PY_MAX_INPUT`` (1 MB).  Files are then larger than Redis's for
moderately compressible values, never invalid.
"""

from __future__ import annotations

import zlib

from . import jit as _jit

try:  # optional C binding
    import lzf as _lzf  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - depends on the environment
    _lzf = None

AVAILABLE = True  # compress_py always is
MAX_OFF = 1 << 13  # back references reach 8 KB back
MAX_REF = 264  # 7 + 255 + 2 bytes
PY_MAX_INPUT = 1 << 20


class LzfError(ValueError):
    pass


def decompress(data: bytes, out_len: int) -> bytes:
    """Decompress ``data`` into exactly ``out_len`` bytes, or raise ``LzfError``."""
    out = bytearray()
    ip = 0
    n = len(data)
    while ip < n:
        ctrl = data[ip]
        ip += 1
        if ctrl < 32:
            run = ctrl + 1
            if ip + run > n:
                raise LzfError("literal run past the end of the input")
            if len(out) + run > out_len:
                raise LzfError("output longer than announced")
            out += data[ip:ip + run]
            ip += run
            continue
        length = ctrl >> 5
        if ip >= n:
            raise LzfError("back reference truncated")
        if length == 7:
            length += data[ip]
            ip += 1
            if ip >= n:
                raise LzfError("back reference truncated")
        dist = ((ctrl & 0x1F) << 8) + data[ip] + 1
        ip += 1
        length += 2
        op = len(out)
        if op + length > out_len:
            raise LzfError("output longer than announced")
        ref = op - dist
        if ref < 0:
            raise LzfError("back reference before the start of the output")
        if dist >= length:
            out += out[ref:ref + length]
        else:
            pattern = bytes(out[ref:op])
            out += (pattern * (length // dist + 1))[:length]
    if len(out) != out_len:
        raise LzfError("output shorter than announced")
    return bytes(out)


def compress(data: bytes) -> bytes | None:
    """LZF-compress ``data`` when it saves space, else None.

    Redis keeps a compressed string only when it is smaller than the original (it asks
    for at most ``len - 4`` bytes, as rdbSaveLzfStringObject)."""
    n = len(data)
    if n <= 4:
        return None
    if _jit.AVAILABLE:
        out = _jit.lzf_compress(data)
        return out if len(out) < n - 4 else None
    if _lzf is not None:
        try:
            out = _lzf.compress(data, n - 4)
        except Exception:  # noqa: BLE001 - a binding failure means "store it plain"
            return None
        return out or None
    if n > PY_MAX_INPUT or _deflated_len(data) > (n * 3) >> 2:
        return None
    out = compress_py(data)
    return out if len(out) < n - 4 else None


def _deflated_len(data: bytes) -> int:
    """The size of a raw deflate of ``data`` with a 512-byte window and the smallest
    state (a few microseconds: zlib.compress's default state costs 20 times more)."""
    z = zlib.compressobj(1, zlib.DEFLATED, -9, 1)
    return len(z.compress(data)) + len(z.flush())


def _literals(out: bytearray, data: bytes, start: int, end: int) -> None:
    while start < end:
        run = min(32, end - start)
        out.append(run - 1)
        out += data[start:start + run]
        start += run


def compress_py(data: bytes) -> bytes:
    """Pure-Python LZF compression (any input; the output may be longer)."""
    n = len(data)
    out = bytearray()
    table: dict[bytes, int] = {}
    get = table.get
    from_bytes = int.from_bytes
    lit = 0
    i = 0
    last = n - 2
    while i < last:
        key = data[i:i + 3]
        ref = get(key)
        table[key] = i
        if ref is None or i - ref > MAX_OFF:
            i += 1
            continue
        # the match length: the first byte where data[ref:] and data[i:] differ (most
        # matches are short: 8 bytes first, the whole window only when those agree)
        span = min(8, n - i)
        x = from_bytes(data[ref:ref + span], "big") ^ from_bytes(data[i:i + span], "big")
        if x:
            length = span - (x.bit_length() + 7) // 8
            if length < 3:
                i += 1
                continue
        else:
            span = min(MAX_REF, n - i)
            x = from_bytes(data[ref:ref + span], "big") ^ from_bytes(data[i:i + span], "big")
            length = span - (x.bit_length() + 7) // 8 if x else span
        if lit < i:
            _literals(out, data, lit, i)
        off = i - ref - 1
        code = length - 2
        if code < 7:
            out.append((code << 5) | (off >> 8))
        else:
            out.append(0xE0 | (off >> 8))
            out.append(code - 7)
        out.append(off & 0xFF)
        i += length
        if i < last:
            table[data[i - 1:i + 2]] = i - 1  # one more entry keeps runs chaining
        lit = i
    _literals(out, data, lit, n)
    return bytes(out)
