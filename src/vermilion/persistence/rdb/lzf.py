"""LZF (liblzf, as vendored in Redis: lzf_d.c / lzf_c.c), the compression of RDB strings.

Format: a sequence of chunks, each starting with a control byte ``c``:

* ``c < 32``: a literal run; the next ``c + 1`` bytes are copied as they are.
* else a back reference: length ``c >> 5`` (7 means "7 + the next byte"), plus 2; the
  offset is ``((c & 0x1f) << 8) + next byte + 1`` bytes back from the output's end.
  The source may overlap the bytes being written (a run), so a short distance repeats
  its pattern.

``decompress`` is pure Python, with C-speed slice copies, and checks every bound: a
hostile input raises ``LzfError`` instead of reading or writing out of range, and never
produces more than the announced length.  Compression uses the ``lzf`` binding
(python-lzf) when it is installed; without it ``compress`` returns None and RDB strings
are written uncompressed, which every Redis reads.
"""

from __future__ import annotations

try:  # optional C binding
    import lzf as _lzf  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - depends on the environment
    _lzf = None

AVAILABLE = _lzf is not None


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
    """LZF-compress ``data`` when a binding is available and it saves space, else None.

    Redis keeps a compressed string only when it is smaller than the original (it asks
    for at most ``len - 4`` bytes, as rdbSaveLzfStringObject)."""
    if _lzf is None or len(data) <= 4:
        return None
    try:
        out = _lzf.compress(data, len(data) - 4)
    except Exception:  # noqa: BLE001 - a binding failure means "store it plain"
        return None
    return out or None
