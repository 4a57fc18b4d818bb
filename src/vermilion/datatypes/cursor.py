"""HSCAN/SSCAN over a container: cursor parsing, options and one step of iteration.

Small encodings (listpack, intset) are returned whole with cursor 0, as Redis does
(COUNT is ignored there).  A hashtable-encoded container is walked over a snapshot of
its keys taken when the iteration starts (see ``scan_keys``): Redis's guarantee --
every element present during the whole iteration is returned -- holds under any
concurrent writes, and each call is O(count).
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


_POS_BITS = 40
_POS_MASK = (1 << _POS_BITS) - 1
_MAX_SNAPSHOTS = 4  # per container; older iterations fall back to positional cursors
_next_id = 0


def _new_id() -> int:
    global _next_id
    _next_id = _next_id % ((1 << 23) - 1) + 1  # never 0: cursor 0 means "start" / "done"
    return _next_id


def scan_keys(container: Any, cursor: int, count: int, whole: bool) -> tuple[int, list[bytes]]:
    """One SCAN step over ``container``'s keys: (next cursor, keys visited).

    ``container`` has a ``scans`` attribute (None or a dict).  An iteration over a big
    container starts (cursor 0) by taking a snapshot of its keys, C speed, kept under a
    small id; later cursors are ``id << 40 | position`` and read the snapshot, skipping
    keys deleted since.  So every key present during the whole iteration is returned
    (exactly once), whatever is added or deleted meanwhile, and each call costs
    O(count).  At most four snapshots are kept per container; a cursor whose snapshot
    is gone (or any cursor below 2**40) walks the live dict by position instead.
    """
    if whole:
        return 0, list(container)
    snaps = container.scans
    if cursor == 0:
        keys = list(container)
        if len(keys) <= count:
            return 0, keys
        sid = _new_id()
        if snaps is None:
            container.scans = snaps = {}
        snaps[sid] = keys
        if len(snaps) > _MAX_SNAPSHOTS:
            del snaps[next(iter(snaps))]
        return (sid << _POS_BITS) | count, keys[:count]
    sid, pos = cursor >> _POS_BITS, cursor & _POS_MASK
    keys = snaps.get(sid) if snaps else None
    if keys is None:
        n = len(container)
        if pos >= n:
            return 0, []
        stop = pos + count
        return (0 if stop >= n else stop), list(islice(container, pos, stop))
    stop = pos + count
    chunk = [k for k in keys[pos:stop] if k in container]
    if stop >= len(keys):
        del snaps[sid]
        if not snaps:
            container.scans = None
        return 0, chunk
    return (sid << _POS_BITS) | stop, chunk
