"""A bounds-checked cursor over RDB bytes (Redis's rio + rdbLoadLen/rdbGenericLoadStringObject/
rdbLoadDoubleValue), and the error every malformed input ends in.

Every read checks the bytes left; element counts are checked against them (each
element takes at least one byte, so a hostile count cannot make a caller allocate more
than the input justifies); an LZF string's announced length is capped by what its
compressed bytes can expand to.
"""

from __future__ import annotations

import math
import struct

from . import constants as K
from .lzf import LzfError, decompress

_unpack_double = struct.Struct("<d").unpack_from


class RdbError(ValueError):
    """A malformed RDB input; the message names the byte offset."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(f"{message} (at offset {offset})")
        self.reason = message
        self.offset = offset


class EmptyKey(RdbError):
    """A value with no elements (Redis skips such keys in files, refuses them in RESTORE)."""


class Reader:
    """A cursor over an RDB byte string; every method checks its bounds."""

    __slots__ = ("buf", "pos", "end")

    def __init__(self, buf: bytes, pos: int = 0, end: int | None = None) -> None:
        self.buf = buf
        self.pos = pos
        self.end = len(buf) if end is None else end

    def fail(self, message: str) -> RdbError:
        return RdbError(message, self.pos)

    def take(self, n: int) -> bytes:
        p = self.pos
        if n < 0 or p + n > self.end:
            raise RdbError(f"unexpected end of data reading {n} bytes", p)
        self.pos = p + n
        return self.buf[p:p + n]

    def u8(self) -> int:
        p = self.pos
        if p >= self.end:
            raise RdbError("unexpected end of data", p)
        self.pos = p + 1
        return self.buf[p]

    def length_or_encoding(self) -> tuple[int, bool]:
        """rdbLoadLenByRef: (length, False), or (special encoding, True)."""
        b = self.u8()
        kind = b >> 6
        if kind == 0:
            return b & 0x3F, False
        if kind == 1:
            return ((b & 0x3F) << 8) | self.u8(), False
        if kind == 3:
            return b & 0x3F, True
        if b == K.LEN_32BIT:
            return int.from_bytes(self.take(4), "big"), False
        if b == K.LEN_64BIT:
            return int.from_bytes(self.take(8), "big"), False
        raise RdbError(f"unknown length encoding {b:#x}", self.pos - 1)

    def length(self) -> int:
        start = self.pos
        n, enc = self.length_or_encoding()
        if enc:
            raise RdbError("encoded value where a length was expected", start)
        return n

    def count(self, min_bytes: int = 1) -> int:
        """An element count, refused when the bytes left cannot hold that many."""
        start = self.pos
        n = self.length()
        if n * min_bytes > self.end - self.pos:
            raise RdbError(f"element count {n} is larger than the data left", start)
        return n

    def string(self) -> bytes:
        start = self.pos
        if start < self.end:
            b = self.buf[start]
            if b < 0x40:  # the common case: a raw string under 64 bytes
                stop = start + 1 + b
                if stop <= self.end:
                    self.pos = stop
                    return self.buf[start + 1:stop]
        n, enc = self.length_or_encoding()
        if not enc:
            return self.take(n)
        if n == K.ENC_INT8:
            return b"%d" % int.from_bytes(self.take(1), "little", signed=True)
        if n == K.ENC_INT16:
            return b"%d" % int.from_bytes(self.take(2), "little", signed=True)
        if n == K.ENC_INT32:
            return b"%d" % int.from_bytes(self.take(4), "little", signed=True)
        if n == K.ENC_LZF:
            clen = self.length()
            ulen = self.length()
            # One 3-byte back reference yields at most 264 bytes.
            if clen == 0 or ulen > clen * 88 + 64:
                raise RdbError("impossible LZF lengths", start)
            data = self.take(clen)
            try:
                return decompress(data, ulen)
            except LzfError as e:
                raise RdbError(f"invalid LZF data: {e}", start) from None
        raise RdbError(f"unknown string encoding {n}", start)

    def millis(self) -> int:
        return int.from_bytes(self.take(8), "little", signed=True)

    def binary_double(self) -> float:
        return _unpack_double(self.take(8))[0]

    def ascii_double(self) -> float:
        start = self.pos
        n = self.u8()
        if n == 253:
            return math.nan
        if n == 254:
            return math.inf
        if n == 255:
            return -math.inf
        raw = self.take(n)
        try:
            return float(raw)
        except ValueError:
            raise RdbError("invalid double", start) from None
