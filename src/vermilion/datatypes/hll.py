"""HyperLogLog exactly as Redis's hyperloglog.c stores and counts it.

An HLL is a plain string value (so GET/STRLEN/APPEND/DUMP see Redis's bytes):

* a 16-byte header: ``HYLL``, the encoding byte (0 dense, 1 sparse), three unused
  bytes, then the cached cardinality as 8 little-endian bytes whose top bit (bit 7 of
  byte 15) set means "cache invalid";
* dense: 16384 registers of 6 bits packed as one little-endian bit stream (register
  ``i`` is bits ``6i .. 6i+5``), 12288 bytes, so every 3 bytes hold 4 registers;
* sparse: run-length opcodes -- ``00xxxxxx`` ZERO (1-64 zero registers), ``01xxxxxx
  yyyyyyyy`` XZERO (1-16384 zero registers), ``1vvvvvxx`` VAL (1-4 registers of value
  1-32).  A new HLL is sparse; it becomes dense when a register needs a value above 32
  or the string would grow past ``hll-sparse-max-bytes``.

Elements are hashed with MurmurHash64A (seed 0xadc83b19): the low 14 bits pick the
register, and the run of zero bits above them (plus one) is the candidate value.  The
sparse update (``sparse_set``) follows Redis step by step -- split the opcode that covers
the register into at most five, then merge equal neighbouring VAL opcodes in a window of
five -- because the exact bytes must match Redis's.

Counting uses Otmar Ertl's estimator over the register histogram, as Redis 7 does.
Bulk register work avoids per-register Python loops: a dense string is unpacked to one
byte per register with ``bytes.translate`` tables and big-int ORs over the three byte
lanes (``dense_to_regs``), histograms come from ``bytes.count``, and
merges take the per-register maximum with big-int SWAR arithmetic (``regs_max``).
"""

from __future__ import annotations

import math
import struct

HDR = 16
P = 14
REGISTERS = 1 << P
Q = 64 - P
DENSE_SIZE = HDR + REGISTERS * 6 // 8
DENSE, SPARSE = 0, 1
SPARSE_VAL_MAX = 32
ALPHA_INF = 0.721347520444481703680
M64 = (1 << 64) - 1
_MUL = 0xC6A4A7935BD1E995
SEED = 0xADC83B19

EMPTY = b"HYLL\x01\x00\x00\x00" + bytes(8) + b"\x7f\xff"  # sparse, one XZERO of 16384


class HllCorrupt(Exception):
    """The value is an HLL whose registers cannot be decoded (INVALIDOBJ)."""


def murmur64a(data: bytes, seed: int = SEED) -> int:
    n = len(data)
    m = _MUL
    h = (seed ^ (n * m)) & M64
    nblocks = n >> 3
    if nblocks:
        for k in struct.unpack_from("<%dQ" % nblocks, data):
            k = (k * m) & M64
            k ^= k >> 47
            k = (k * m) & M64
            h ^= k
            h = (h * m) & M64
    rest = n & 7
    if rest:
        h ^= int.from_bytes(data[n - rest:], "little")
        h = (h * m) & M64
    h ^= h >> 47
    h = (h * m) & M64
    h ^= h >> 47
    return h


def pat_len(ele: bytes) -> tuple[int, int]:
    """(register index, value) for an element: hllPatLen."""
    h = murmur64a(ele)
    index = h & (REGISTERS - 1)
    h = (h >> P) | (1 << Q)
    count = (h & -h).bit_length()  # trailing zeros + 1
    return index, count


def is_valid(value: bytes) -> bool:
    """isHLLObjectOrReply's checks (the string-type check is the caller's)."""
    if len(value) < HDR or value[:4] != b"HYLL" or value[4] > 1:
        return False
    return not (value[4] == DENSE and len(value) != DENSE_SIZE)


def invalidate(buf: bytearray) -> None:
    buf[15] |= 0x80


def cached_card(value: bytes) -> int | None:
    if value[15] & 0x80:
        return None
    return int.from_bytes(value[8:16], "little")


def set_card(buf: bytearray, card: int) -> None:
    buf[8:16] = card.to_bytes(8, "little")


# ---- dense ---------------------------------------------------------------------------------

def dense_get(buf: bytes | bytearray, i: int) -> int:
    byte = HDR + i * 6 // 8
    fb = i * 6 & 7
    b1 = buf[byte + 1] if fb > 2 else 0
    return ((buf[byte] >> fb) | (b1 << (8 - fb))) & 63


def dense_set(buf: bytearray, i: int, val: int) -> int:
    """hllDenseSet: raise register ``i`` to ``val``; 1 if it changed."""
    byte = HDR + i * 6 // 8
    fb = i * 6 & 7
    b1 = buf[byte + 1] if fb > 2 else 0
    if val <= (((buf[byte] >> fb) | (b1 << (8 - fb))) & 63):
        return 0
    buf[byte] = (buf[byte] & ~(63 << fb) & 0xFF) | ((val << fb) & 0xFF)
    if fb > 2:
        fb8 = 8 - fb
        buf[byte + 1] = (buf[byte + 1] & ~(63 >> fb8) & 0xFF) | (val >> fb8)
    return 1


def _table(f) -> bytes:
    return bytes(f(b) & 0xFF for b in range(256))


_AND63 = _table(lambda b: b & 63)
_SHR6 = _table(lambda b: b >> 6)
_AND15_SHL2 = _table(lambda b: (b & 15) << 2)
_SHR4 = _table(lambda b: b >> 4)
_AND3_SHL4 = _table(lambda b: (b & 3) << 4)
_SHR2 = _table(lambda b: b >> 2)
_SHL6 = _table(lambda b: b << 6)
_SHL4 = _table(lambda b: b << 4)
_SHL2 = _table(lambda b: b << 2)
_G = REGISTERS // 4  # 4096 groups of 3 bytes / 4 registers


def _or(a: bytes, b: bytes) -> bytes:
    return (int.from_bytes(a, "little") | int.from_bytes(b, "little")).to_bytes(len(a), "little")


def dense_to_regs(value: bytes) -> bytearray:
    """One byte per register from a dense string."""
    d = value[HDR:DENSE_SIZE]
    b0, b1, b2 = d[0::3], d[1::3], d[2::3]
    regs = bytearray(REGISTERS)
    regs[0::4] = b0.translate(_AND63)
    regs[1::4] = _or(b0.translate(_SHR6), b1.translate(_AND15_SHL2))
    regs[2::4] = _or(b1.translate(_SHR4), b2.translate(_AND3_SHL4))
    regs[3::4] = b2.translate(_SHR2)
    return regs


def regs_to_dense_body(regs: bytes | bytearray) -> bytes:
    r0, r1, r2, r3 = bytes(regs[0::4]), bytes(regs[1::4]), bytes(regs[2::4]), bytes(regs[3::4])
    body = bytearray(REGISTERS * 6 // 8)
    body[0::3] = _or(r0, r1.translate(_SHL6))
    body[1::3] = _or(r1.translate(_SHR2), r2.translate(_SHL4))
    body[2::3] = _or(r2.translate(_SHR4), r3.translate(_SHL2))
    return bytes(body)


# ---- sparse --------------------------------------------------------------------------------

def sparse_to_regs(value: bytes | bytearray) -> bytearray:
    """Registers of a sparse string (hllSparseToDense's decoding), or HllCorrupt."""
    regs = bytearray(REGISTERS)
    idx = 0
    p = HDR
    end = len(value)
    while p < end:
        b = value[p]
        if not b & 0xC0:
            idx += (b & 63) + 1
            p += 1
        elif not b & 0x80:
            nxt = value[p + 1] if p + 1 < end else 0
            idx += (((b & 63) << 8) | nxt) + 1
            p += 2
        else:
            runlen = (b & 3) + 1
            if runlen + idx > REGISTERS:
                break
            regs[idx:idx + runlen] = bytes((((b >> 2) & 31) + 1,)) * runlen
            idx += runlen
            p += 1
    if idx != REGISTERS:
        raise HllCorrupt()
    return regs


def sparse_histogram(value: bytes | bytearray) -> list[int]:
    """hllSparseRegHisto: the register histogram, or HllCorrupt."""
    histo = [0] * 64
    idx = 0
    p = HDR
    end = len(value)
    while p < end:
        b = value[p]
        if not b & 0xC0:
            n = (b & 63) + 1
            histo[0] += n
            p += 1
        elif not b & 0x80:
            nxt = value[p + 1] if p + 1 < end else 0
            n = (((b & 63) << 8) | nxt) + 1
            histo[0] += n
            p += 2
        else:
            n = (b & 3) + 1
            histo[((b >> 2) & 31) + 1] += n
            p += 1
        idx += n
    if idx != REGISTERS:
        raise HllCorrupt()
    return histo


def to_dense(buf: bytes | bytearray) -> bytearray:
    """hllSparseToDense: the header is kept (magic, unused bytes, cached cardinality)."""
    if buf[4] == DENSE:
        return bytearray(buf)
    regs = sparse_to_regs(buf)
    out = bytearray(buf[:HDR])
    out[4] = DENSE
    out += regs_to_dense_body(regs)
    return out


def _val(v: int, n: int) -> int:
    return 0x80 | ((v - 1) << 2) | (n - 1)


def _zero_ops(n: int) -> bytes:
    if n > 64:
        n -= 1
        return bytes((0x40 | (n >> 8), n & 0xFF))
    return bytes((n - 1,))


def sparse_set(buf: bytearray, index: int, count: int, max_bytes: int) -> tuple[bytearray, int]:
    """hllSparseSet: set register ``index`` to ``count`` if greater.

    Returns (buffer, result): the buffer may be a new dense one after a promotion;
    result is 1 when changed, 0 when not, -1 when the sparse data is invalid.
    """
    if count > SPARSE_VAL_MAX:
        return _promote(buf, index, count)
    p = HDR
    end = len(buf)
    first = 0
    prev = -1
    span = 0
    while p < end:
        b = buf[p]
        oplen = 1
        if not b & 0xC0:
            span = (b & 63) + 1
        elif b & 0x80:
            span = (b & 3) + 1
        else:
            span = (((b & 63) << 8) | (buf[p + 1] if p + 1 < end else 0)) + 1
            oplen = 2
        if index <= first + span - 1:
            break
        prev = p
        p += oplen
        first += span
    if span == 0 or p >= end:
        return buf, -1
    b = buf[p]
    is_zero = not b & 0xC0
    is_xzero = not is_zero and not b & 0x80
    is_val = bool(b & 0x80)
    nxt = p + 2 if is_xzero else p + 1
    if is_val:
        runlen = (b & 3) + 1
        oldcount = ((b >> 2) & 31) + 1
        if oldcount >= count:
            return buf, 0
        if runlen == 1:
            buf[p] = _val(count, 1)
            return _merge(buf, prev), 1
    if is_zero and (b & 63) == 0:
        buf[p] = _val(count, 1)
        return _merge(buf, prev), 1
    last = first + span - 1
    seq = bytearray()
    if is_zero or is_xzero:
        if index != first:
            seq += _zero_ops(index - first)
        seq.append(_val(count, 1))
        if index != last:
            seq += _zero_ops(last - index)
    else:
        curval = ((b >> 2) & 31) + 1
        if index != first:
            seq.append(_val(curval, index - first))
        seq.append(_val(count, 1))
        if index != last:
            seq.append(_val(curval, last - index))
    oldlen = 2 if is_xzero else 1
    deltalen = len(seq) - oldlen
    if deltalen > 0 and len(buf) + deltalen > max_bytes:
        return _promote(buf, index, count)
    buf[p:nxt] = seq
    return _merge(buf, prev), 1


def _merge(buf: bytearray, prev: int) -> bytearray:
    """Step 4 of hllSparseSet: merge adjacent equal VALs, scanning 5 opcodes from prev."""
    p = prev if prev >= 0 else HDR
    end = len(buf)
    scanlen = 5
    while p < end:
        if scanlen == 0:
            break
        scanlen -= 1
        b = buf[p]
        if not b & 0x80:
            p += 1 if not b & 0xC0 else 2
            continue
        if p + 1 < end and buf[p + 1] & 0x80:
            b2 = buf[p + 1]
            v1, v2 = (b >> 2) & 31, (b2 >> 2) & 31
            if v1 == v2:
                n = (b & 3) + (b2 & 3) + 2
                if n <= 4:
                    buf[p + 1] = _val(v1 + 1, n)
                    del buf[p]
                    end -= 1
                    continue
        p += 1
    return buf


def _promote(buf: bytearray, index: int, count: int) -> tuple[bytearray, int]:
    dense = to_dense(buf)
    dense_set(dense, index, count)
    return dense, 1


# ---- adding and counting ----------------------------------------------------------------------

def add(buf: bytearray, ele: bytes, max_bytes: int) -> tuple[bytearray, int]:
    """hllAdd: (buffer, 1 if a register changed / 0 / -1 corrupt)."""
    index, count = pat_len(ele)
    if buf[4] == DENSE:
        return buf, dense_set(buf, index, count)
    return sparse_set(buf, index, count, max_bytes)


def regs_of(value: bytes | bytearray) -> bytearray:
    return dense_to_regs(value) if value[4] == DENSE else sparse_to_regs(value)


def histogram_of_regs(regs: bytes | bytearray) -> list[int]:
    """Counts of each register value: C-speed ``count`` scans, lowest values first,
    stopping once every register is accounted for (values are mostly small)."""
    histo = [0] * 64
    left = len(regs)
    for v in range(64):
        n = regs.count(v)
        histo[v] = n
        left -= n
        if not left:
            break
    return histo


_HIGH = int.from_bytes(b"\x80" * REGISTERS, "little")


def regs_max(a: bytes | bytearray, b: bytes | bytearray) -> bytearray:
    """Per-register maximum of two register arrays (values < 128), SWAR on big ints:
    in each byte lane ``(b | 0x80) - a`` keeps bit 7 iff ``b >= a`` and never borrows."""
    ia = int.from_bytes(a, "little")
    ib = int.from_bytes(b, "little")
    mask = ((((ib | _HIGH) - ia) & _HIGH) >> 7) * 0xFF
    return bytearray(((ib & mask) | (ia & ~mask)).to_bytes(REGISTERS, "little"))


def _tau(x: float) -> float:
    if x == 0.0 or x == 1.0:
        return 0.0
    y = 1.0
    z = 1 - x
    while True:
        x = math.sqrt(x)
        z_prime = z
        y *= 0.5
        z -= math.pow(1 - x, 2) * y
        if z_prime == z:
            return z / 3


def _sigma(x: float) -> float:
    if x == 1.0:
        return math.inf
    y = 1.0
    z = x
    while True:
        x *= x
        z_prime = z
        z += x * y
        y += y
        if z_prime == z:
            return z


def estimate(histo: list[int]) -> int:
    """hllCount's estimator (Ertl, arXiv:1702.01284) from the register histogram."""
    m = float(REGISTERS)
    z = m * _tau((m - histo[Q + 1]) / m)
    for j in range(Q, 0, -1):
        z += histo[j]
        z *= 0.5
    z += m * _sigma(histo[0] / m)
    e = ALPHA_INF * m * m / z
    f = math.floor(e)
    return int(f) + (1 if e - f >= 0.5 else 0)


def count(value: bytes | bytearray) -> int:
    """The cardinality of one HLL string (ignoring the cache), or HllCorrupt."""
    if value[4] == DENSE:
        return estimate(histogram_of_regs(dense_to_regs(value)))
    return estimate(sparse_histogram(value))


def decode_sparse(value: bytes) -> bytes:
    """PFDEBUG DECODE's text."""
    out = []
    p = HDR
    end = len(value)
    while p < end:
        b = value[p]
        if not b & 0xC0:
            out.append(b"z:%d" % ((b & 63) + 1))
            p += 1
        elif not b & 0x80:
            nxt = value[p + 1] if p + 1 < end else 0
            out.append(b"Z:%d" % ((((b & 63) << 8) | nxt) + 1))
            p += 2
        else:
            out.append(b"v:%d,%d" % (((b >> 2) & 31) + 1, (b & 3) + 1))
            p += 1
    return b" ".join(out)
