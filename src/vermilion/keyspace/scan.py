"""SCAN and KEYS over one database.

Cursor scheme (Redis's ``dictScan``, over our own bucket index).  The keys are grouped
in ``2**k`` buckets by ``hash(key) & mask`` (``ScanDb``; in cluster mode the 16384 slot
sets, keyed by slot).  A call visits whole buckets in *reverse-binary* order: the cursor
is the next bucket number with its bits reversed, incremented, reversed back.  When the
table doubles between two calls, bucket ``b`` splits into ``b`` and ``b + size``, and in
reverse-binary order both come after every bucket already visited and before every
bucket not yet visited -- so a key present during the whole iteration is returned at
least once whatever is added, deleted or resized meanwhile (it may be returned twice,
as in Redis).  Cursor 0 starts and ends an iteration.  Cursors are plain unsigned 64-bit
integers with no state on the server: any number is a valid cursor, and anything that
is not one gets ``ERR invalid cursor``.

Work per call is bounded: buckets hold about 8 keys on average (the table grows past
that), and a call stops after ``count`` keys or ``10 * count`` buckets, as Redis does.

The index is built at the first SCAN of a database (keyspace/indexed.py), so servers
that never SCAN never pay for it (neither memory nor a set insert per write); a cron
job drops it after ``SCAN_INDEX_IDLE_MS`` without a SCAN.  Rebuilding it later keeps
every cursor valid, because a key's bucket depends only on its hash and the table
size.  The price is that one first SCAN: a Python pass over the keys (measured
0.5-0.9 s for 1M keys on a loaded box; later calls with COUNT 10 take ~10 us).  The
alternative -- a bucket index kept on every SET even when nobody scans -- would cost
every write a set insert and ~30 bytes per key.

KEYS makes one pass with the pattern compiled to a regex (util/glob.py) applied by
``filter`` at C speed (a lone ``*`` is a plain ``list(data)``): 1M keys in ~20 ms for
``*`` and ~150-250 ms for other patterns.
"""

from __future__ import annotations

from typing import Any, Callable

from ..util.glob import compile_glob, compile_glob_regex, is_match_all
from .indexed import disable_scan_index, enable_scan_index, grow_scan_index
from .slots import CLUSTER_SLOTS

MASK64 = (1 << 64) - 1
SCAN_INDEX_IDLE_MS = 300_000


def _rev64(v: int) -> int:
    return int(f"{v:064b}"[::-1], 2)


def next_cursor(v: int, mask: int) -> int:
    """Redis's reverse-binary increment of cursor ``v`` for a table of ``mask + 1``."""
    v |= ~mask & MASK64
    v = _rev64(v)
    v = (v + 1) & MASK64
    return _rev64(v)


def parse_cursor(raw: bytes) -> int | None:
    """Redis's ``parseScanCursorOrReply``: C's ``strtoul`` must consume the whole
    argument (an optional sign, then digits; ``-n`` wraps modulo 2**64; the empty
    string is 0), the first byte must not be a space, and the value must fit in 64
    bits.  None means ``ERR invalid cursor``."""
    if raw.isdigit() and len(raw) < 20:
        return int(raw)
    if not raw:
        return 0
    s = raw
    neg = s[:1] == b"-"
    if s[:1] in (b"+", b"-"):
        s = s[1:]
    if not s or not s.isdigit():
        return None
    v = int(s)
    if v > MASK64:
        return None
    return (-v) & MASK64 if neg else v


def _buckets(db: Any) -> tuple[list, int]:
    if db.slot_keys is not None:
        return db.slot_keys, CLUSTER_SLOTS - 1
    if db.scan_buckets is None:
        enable_scan_index(db)
    else:
        grow_scan_index(db)
    return db.scan_buckets, db.scan_mask


def scan(db: Any, cursor: int, count: int, match: bytes | None, type_filter: Callable[[Any], bool] | None,
         now_ms: int) -> tuple[int, list[bytes]]:
    """One SCAN step: (next cursor, keys).  Expired keys are expired (lazily) and left
    out; ``match`` and ``type_filter`` are applied after collection, as in Redis."""
    db.scan_used_ms = now_ms
    buckets, mask = _buckets(db)
    keys: list[bytes] = []
    max_iterations = count * 10
    while True:
        b = buckets[cursor & mask]
        if b:
            keys.extend(b)
        cursor = next_cursor(cursor, mask)
        max_iterations -= 1
        if not cursor or not max_iterations or len(keys) >= count:
            break
    if match is not None and not is_match_all(match):
        m = compile_glob(match)
        keys = [k for k in keys if m(k)]
    data = db.data
    if type_filter is not None:
        keys = [k for k in keys if type_filter(data.get(k))]
    if db.expires:
        keys = [k for k in keys if k not in db.expires or db.lookup(k) is not None]
    return cursor, keys


def keys_matching(db: Any, pattern: bytes, now_ms: int) -> list[bytes]:
    """KEYS: every key matching ``pattern`` and not logically expired (not deleted:
    Redis's KEYS only filters them).  One C-speed pass with a compiled regex."""
    data = db.data
    if is_match_all(pattern):
        out = list(data)
    else:
        rx = compile_glob_regex(pattern)
        if rx is None:
            m = compile_glob(pattern)
            out = [k for k in data if m(k)]
        else:
            out = list(filter(rx.fullmatch, data))
            if b"" in data and out and b"" in out:
                out.remove(b"")  # stringmatchlen never matches an empty subject
    expires = db.expires
    if expires and out:
        get = expires.get
        out = [k for k in out if get(k, now_ms + 1) > now_ms]
    return out


def scan_index_cron(server: Any) -> None:
    """Drop SCAN indexes and RANDOMKEY pools unused for ``SCAN_INDEX_IDLE_MS``."""
    now = server.cached_now_ms
    for db in server.dbs:
        if db.scan_buckets is not None and now - db.scan_used_ms > SCAN_INDEX_IDLE_MS:
            disable_scan_index(db)
        if db.random_pool is not None and now - db.random_used_ms > SCAN_INDEX_IDLE_MS:
            db.random_pool = None
