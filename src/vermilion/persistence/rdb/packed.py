"""The packed blobs Redis stores inside RDB strings: listpack, ziplist, intset, zipmap.

Readers turn one blob into a list of elements (``bytes``, or ``int`` for integer
entries) and check every bound against the blob, raising ``PackedError`` on anything
malformed: a corrupt blob can make them fail, never read past the blob or loop.
``Listpack`` writes listpacks (stream nodes).

Layouts (little-endian integers throughout):

* listpack: ``u32 total_bytes, u16 count, entries..., 0xFF``; an entry is an encoding
  byte (7-bit uint ``0xxxxxxx``, 6-bit-length string ``10xxxxxx``, 13-bit int
  ``110xxxxx``, 12-bit-length string ``1110xxxx``, 32-bit-length string ``0xF0``,
  int16/24/32/64 ``0xF1..0xF4``), its data, then a "backlen" of 1..5 bytes.
* ziplist: ``u32 zlbytes, u32 zltail, u16 zllen, entries..., 0xFF``; an entry is the
  previous entry's length (1 byte, or 0xFE + u32), an encoding (strings: ``00``
  6-bit length, ``01`` 14-bit big-endian, ``10`` u32 big-endian; ints: 0xC0 int16,
  0xD0 int32, 0xE0 int64, 0xF0 int24, 0xFE int8, 0xF1..0xFD immediate 0..12) and data.
* intset: ``u32 encoding (2, 4 or 8), u32 length``, sorted signed integers.
* zipmap: ``u8 count``, then ``len key len free value <free bytes>`` until 0xFF; a
  length is one byte below 254, else 254 + u32.
"""

from __future__ import annotations

from ...datatypes.listpack import as_int64


class PackedError(ValueError):
    pass


def _backlen_size(n: int) -> int:
    if n <= 127:
        return 1
    if n < 16383:
        return 2
    if n < 2097151:
        return 3
    if n < 268435455:
        return 4
    return 5


# ---- listpack -----------------------------------------------------------------------

def read_listpack(buf: bytes) -> list:
    n = len(buf)
    if n < 7:
        raise PackedError("listpack shorter than its header")
    if int.from_bytes(buf[0:4], "little") != n:
        raise PackedError("listpack total bytes mismatch")
    if buf[-1] != 0xFF:
        raise PackedError("listpack without its end byte")
    declared = buf[4] | (buf[5] << 8)
    out: list = []
    append = out.append
    p = 6
    end = n - 1
    frm = int.from_bytes
    while p < end:
        e = buf[p]
        if e < 0x80:
            append(e)
            size = 1
        elif e < 0xC0:
            slen = e & 0x3F
            size = 1 + slen
            if p + size > end:
                raise PackedError("listpack string past the end")
            append(buf[p + 1:p + size])
        elif e < 0xE0:
            if p + 2 > end:
                raise PackedError("listpack entry past the end")
            v = ((e & 0x1F) << 8) | buf[p + 1]
            append(v - 8192 if v >= 4096 else v)
            size = 2
        elif e < 0xF0:
            if p + 2 > end:
                raise PackedError("listpack entry past the end")
            slen = ((e & 0x0F) << 8) | buf[p + 1]
            size = 2 + slen
            if p + size > end:
                raise PackedError("listpack string past the end")
            append(buf[p + 2:p + size])
        elif e == 0xF0:
            if p + 5 > end:
                raise PackedError("listpack entry past the end")
            slen = frm(buf[p + 1:p + 5], "little")
            size = 5 + slen
            if p + size > end:
                raise PackedError("listpack string past the end")
            append(buf[p + 5:p + size])
        elif e <= 0xF4:
            width = (2, 3, 4, 8)[e - 0xF1]
            size = 1 + width
            if p + size > end:
                raise PackedError("listpack entry past the end")
            append(frm(buf[p + 1:p + size], "little", signed=True))
        else:
            raise PackedError("listpack entry with an invalid encoding")
        p += size + _backlen_size(size)
    if p != end:
        raise PackedError("listpack entries overrun the end byte")
    if declared != 65535 and declared != len(out):
        raise PackedError("listpack element count mismatch")
    return out


def _lp_encode_backlen(n: int) -> bytes:
    if n <= 127:
        return bytes((n,))
    if n < 16383:
        return bytes((n >> 7, (n & 127) | 128))
    if n < 2097151:
        return bytes((n >> 14, ((n >> 7) & 127) | 128, (n & 127) | 128))
    if n < 268435455:
        return bytes((n >> 21, ((n >> 14) & 127) | 128, ((n >> 7) & 127) | 128, (n & 127) | 128))
    return bytes((n >> 28, ((n >> 21) & 127) | 128, ((n >> 14) & 127) | 128, ((n >> 7) & 127) | 128,
                  (n & 127) | 128))


def lp_int_entry(v: int) -> bytes:
    if 0 <= v <= 127:
        return bytes((v, 1))
    if -4096 <= v <= 4095:
        v &= 0x1FFF
        return bytes((0xC0 | (v >> 8), v & 0xFF, 2))
    if -32768 <= v <= 32767:
        return b"\xf1" + v.to_bytes(2, "little", signed=True) + b"\x03"
    if -8388608 <= v <= 8388607:
        return b"\xf2" + v.to_bytes(3, "little", signed=True) + b"\x04"
    if -2147483648 <= v <= 2147483647:
        return b"\xf3" + v.to_bytes(4, "little", signed=True) + b"\x05"
    return b"\xf4" + v.to_bytes(8, "little", signed=True) + b"\x09"


def lp_entry(s: bytes) -> bytes:
    """One listpack entry for ``s``: an integer when it reads as one, as Redis stores it."""
    if len(s) <= 20:
        v = as_int64(s)
        if v is not None:
            return lp_int_entry(v)
    n = len(s)
    if n < 64:
        head = bytes((0x80 | n,))
    elif n < 4096:
        head = bytes((0xE0 | (n >> 8), n & 0xFF))
    else:
        head = b"\xf0" + n.to_bytes(4, "little")
    size = len(head) + n
    return head + s + _lp_encode_backlen(size)


class Listpack:
    """A listpack being written."""

    __slots__ = ("body", "count")

    def __init__(self) -> None:
        self.body = bytearray()
        self.count = 0

    def add_int(self, v: int) -> None:
        self.body += lp_int_entry(v)
        self.count += 1

    def add(self, s: bytes) -> None:
        self.body += lp_entry(s)
        self.count += 1

    def to_bytes(self) -> bytes:
        total = 6 + len(self.body) + 1
        count = self.count if self.count < 65535 else 65535
        return total.to_bytes(4, "little") + count.to_bytes(2, "little") + bytes(self.body) + b"\xff"


# ---- ziplist ------------------------------------------------------------------------

def read_ziplist(buf: bytes) -> list:
    n = len(buf)
    if n < 11:
        raise PackedError("ziplist shorter than its header")
    if int.from_bytes(buf[0:4], "little") != n:
        raise PackedError("ziplist total bytes mismatch")
    if buf[-1] != 0xFF:
        raise PackedError("ziplist without its end byte")
    declared = buf[8] | (buf[9] << 8)
    out: list = []
    append = out.append
    frm = int.from_bytes
    p = 10
    end = n - 1
    while p < end:
        p += 1 if buf[p] < 254 else 5
        if p >= end:
            raise PackedError("ziplist entry past the end")
        e = buf[p]
        top = e >> 6
        if top == 0:
            slen, p = e & 0x3F, p + 1
        elif top == 1:
            if p + 2 > end:
                raise PackedError("ziplist entry past the end")
            slen, p = ((e & 0x3F) << 8) | buf[p + 1], p + 2
        elif e == 0x80:
            if p + 5 > end:
                raise PackedError("ziplist entry past the end")
            slen, p = frm(buf[p + 1:p + 5], "big"), p + 5
        elif top == 2:
            raise PackedError("ziplist entry with an invalid encoding")
        else:
            if 0xF1 <= e <= 0xFD:
                append((e & 0x0F) - 1)
                p += 1
                continue
            width = {0xC0: 2, 0xD0: 4, 0xE0: 8, 0xF0: 3, 0xFE: 1}.get(e)
            if width is None:
                raise PackedError("ziplist entry with an invalid encoding")
            if p + 1 + width > end:
                raise PackedError("ziplist entry past the end")
            append(frm(buf[p + 1:p + 1 + width], "little", signed=True))
            p += 1 + width
            continue
        if p + slen > end:
            raise PackedError("ziplist string past the end")
        append(buf[p:p + slen])
        p += slen
    if p != end:
        raise PackedError("ziplist entries overrun the end byte")
    if declared != 65535 and declared != len(out):
        raise PackedError("ziplist element count mismatch")
    return out


# ---- intset -------------------------------------------------------------------------

def read_intset(buf: bytes) -> list[int]:
    if len(buf) < 8:
        raise PackedError("intset shorter than its header")
    enc = int.from_bytes(buf[0:4], "little")
    count = int.from_bytes(buf[4:8], "little")
    if enc not in (2, 4, 8):
        raise PackedError("intset with an invalid encoding")
    if len(buf) != 8 + enc * count:
        raise PackedError("intset length mismatch")
    code = {2: "h", 4: "i", 8: "q"}[enc]
    values = memoryview(buf[8:]).cast(code).tolist() if count else []
    for a, b in zip(values, values[1:]):
        if a >= b:
            raise PackedError("intset not sorted or with duplicates")
    return values


# ---- zipmap -------------------------------------------------------------------------

def read_zipmap(buf: bytes) -> list[bytes]:
    """The field, value, field, value, ... of a zipmap."""
    out: list[bytes] = []
    n = len(buf)
    if n < 2:
        raise PackedError("zipmap too short")
    p = 1
    while True:
        if p >= n:
            raise PackedError("zipmap without its end byte")
        if buf[p] == 0xFF:
            break
        for is_value in (False, True):
            if p >= n:
                raise PackedError("zipmap entry past the end")
            b = buf[p]
            if b < 254:
                length, p = b, p + 1
            elif b == 254:
                if p + 5 > n:
                    raise PackedError("zipmap entry past the end")
                length, p = int.from_bytes(buf[p + 1:p + 5], "little"), p + 5
            else:
                raise PackedError("zipmap entry truncated")
            free = 0
            if is_value:
                if p >= n:
                    raise PackedError("zipmap entry past the end")
                free, p = buf[p], p + 1
            if p + length + free > n:
                raise PackedError("zipmap entry past the end")
            out.append(buf[p:p + length])
            p += length + free
    if p != n - 1:
        raise PackedError("zipmap has trailing bytes")
    return out
