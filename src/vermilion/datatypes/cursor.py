"""HSCAN/SSCAN over a container: cursor parsing, options and one step of iteration.

Small encodings (listpack, intset) are returned whole with cursor 0, as Redis does
(COUNT is ignored there).  A hashtable-encoded container is walked in its dict order
with the cursor as the position of the next entry: ``islice`` skips to it at C speed,
at most ``count`` entries are visited per call, and the cursor returns to 0 at the end.
Entries present during the whole iteration are returned (unless entries before the
cursor are deleted meanwhile, which shifts positions; Redis's reverse-binary cursor
avoids that at the cost of a bucket index we do not keep).
"""

from __future__ import annotations

from itertools import islice
from typing import Any, Callable

from ..protocol.errors import CommandError, SyntaxErr
from ..protocol.resp_parser import string2ll
from ..util.glob import compile_glob

_INVALID = b"ERR invalid cursor"


def parse_cursor(raw: bytes) -> int:
    """Redis's parseScanCursorOrReply: ``strtoul`` (a sign is allowed, ``-1`` wraps)."""
    body = raw[1:] if raw[:1] in (b"+", b"-") else raw
    if not body or not body.isdigit():
        raise CommandError(_INVALID)
    v = int(body)
    if v > 2**64 - 1:
        raise CommandError(_INVALID)
    if raw[:1] == b"-":
        v = (-v) % 2**64
    return v


def parse_options(argv: list[bytes], start: int) -> tuple[int, Callable[[bytes], bool] | None]:
    """MATCH and COUNT from ``argv[start:]``: (count, predicate or None for all)."""
    count = 10
    match = None
    i = start
    n = len(argv)
    while i < n:
        opt = argv[i].lower()
        if opt == b"count" and i + 1 < n:
            v = string2ll(argv[i + 1])
            if v is None:
                raise CommandError(b"ERR value is not an integer or out of range")
            if v < 1:
                raise SyntaxErr()
            count = v
        elif opt == b"match" and i + 1 < n:
            pat = argv[i + 1]
            match = None if pat == b"*" else compile_glob(pat)
        else:
            raise SyntaxErr()
        i += 2
    return count, match


def scan_keys(container: Any, cursor: int, count: int, whole: bool) -> tuple[int, list[bytes]]:
    """One SCAN step over ``container``'s keys: (next cursor, keys visited)."""
    if whole:
        return 0, list(container)
    n = len(container)
    if cursor >= n:
        return 0, []
    stop = cursor + count
    keys = list(islice(container, cursor, stop))
    return (0 if stop >= n else stop), keys
