"""Byte sizes of listpack entries, as Redis's listpack.c lays them out.

Redis chooses a small type's encoding (listpack vs quicklist/hashtable) from the
listpack's byte size, so the list type keeps a running total of what its listpack
would weigh.  An entry is an encoding header plus data plus a "backlen" (the length of
header+data, stored in 1..5 bytes of 7 bits each):

* strings that read as a canonical 64-bit integer are stored as integers: 7-bit
  (1 byte), 13-bit (2), 16-bit (3), 24-bit (4), 32-bit (5) or 64-bit (9);
* other strings: a 1-byte header up to 63 bytes, 2 bytes up to 4095, else 5 bytes.

A listpack has a 6-byte header and a 1-byte terminator (``LP_HDR_SIZE + 1``).
"""

from __future__ import annotations

LP_EMPTY_BYTES = 7

_DIGITS = frozenset(b"-0123456789")


def _backlen(n: int) -> int:
    if n <= 127:
        return 1
    if n < 16383:
        return 2
    if n < 2097151:
        return 3
    if n < 268435455:
        return 4
    return 5


def as_int64(v: bytes) -> int | None:
    """``v`` as an integer if Redis's ``string2ll`` accepts it (canonical form), else None."""
    n = len(v)
    if n == 0 or n > 20 or v[0] not in _DIGITS:
        return None
    try:
        i = int(v)
    except ValueError:
        return None
    if b"%d" % i != v or not (-(2**63) <= i < 2**63):
        return None
    return i


def entry_size(v: bytes) -> int:
    """Bytes one element ``v`` takes inside a listpack (header + data + backlen)."""
    n = len(v)
    if n <= 20 and n and v[0] in _DIGITS:
        i = as_int64(v)
        if i is not None:
            if 0 <= i <= 127:
                return 2
            if -4096 <= i <= 4095:
                return 3
            if -32768 <= i <= 32767:
                return 4
            if -8388608 <= i <= 8388607:
                return 5
            if -2147483648 <= i <= 2147483647:
                return 6
            return 10
    if n < 64:
        return n + 2  # 1-byte header, 1-byte backlen
    if n < 4096:
        head = 2 + n
    else:
        head = 5 + n
    return head + _backlen(head)


_NODE_SIZES = (4096, 8192, 16384, 32768, 65536)
_LIMITS: dict[int, tuple[int | None, int]] = {}  # fill -> node limits, cached


def _node_limits(fill: int) -> tuple[int | None, int]:
    """Redis's quicklistNodeLimit: (byte limit or None, count limit) of one node."""
    lim = _LIMITS.get(fill)
    if lim is None:
        if fill >= 0:
            lim = None, fill if fill else 1
        else:
            lim = _NODE_SIZES[min(-fill, 5) - 1], 2**32 - 1
        if len(_LIMITS) < 64:
            _LIMITS[fill] = lim
    return lim


SIZE_SAFETY_LIMIT = 8192


def exceeds(fill: int, new_bytes: int, new_count: int) -> bool:
    """Redis's quicklistNodeExceedsLimit for ``list-max-listpack-size`` = ``fill``."""
    size, count = _node_limits(fill)
    if size is not None:
        return new_bytes > size
    return new_bytes > SIZE_SAFETY_LIMIT or new_count > count


def fits_when_shrunk(fill: int, lp_bytes: int, count: int) -> bool:
    """May a one-node quicklist go back to a listpack? (half the limits, as Redis)."""
    size, limit = _node_limits(fill)
    if size is not None:
        return lp_bytes <= size // 2
    return count <= limit // 2
