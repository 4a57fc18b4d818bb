"""DUMP and RESTORE (Redis's cluster.c dumpCommand / restoreCommand) over the RDB codec.

A payload is one value as RDB writes it (type byte + body), then the RDB version (2
bytes little-endian) and the CRC64 of all that (8 bytes little-endian).  RESTORE checks
options first, then BUSYKEY, then the TTL, then the footer ("DUMP payload version or
checksum are wrong") and the body ("Bad data format"), and only then touches the
keyspace.  A relative TTL is propagated as an absolute one (``ABSTTL``), and a TTL
already past deletes the replaced key (propagated as DEL) instead of storing.
"""

from __future__ import annotations

from typing import Any

from ..keyspace.notify import NOTIFY_GENERIC, notify
from ..protocol.errors import CommandError, NotInteger, SyntaxErr, err
from ..protocol.reply import OK
from ..protocol.resp_parser import string2ll
from .rdb.decoder import Limits, PayloadError, read_payload
from .rdb.encoder import dump_payload, serialized_length

BUSYKEY = b"BUSYKEY Target key name already exists."


def _compress(server: Any) -> bool:
    return bool(server.config.get("rdbcompression", 1))


def dump_value(server: Any, value: Any) -> bytes:
    return dump_payload(value, _compress(server))


def rdb_serialized_length(server: Any):  # noqa: ANN201 - a closure for server.extensions
    return lambda value: serialized_length(value, _compress(server))


def _int(raw: bytes) -> int:
    v = string2ll(raw)
    if v is None:
        raise NotInteger()
    return v


def restore(c: Any, argv: list[bytes]) -> Any:
    replace = absttl = False
    idle_s = freq = -1
    n = len(argv)
    j = 4
    while j < n:
        opt = argv[j].lower()
        more = n - j - 1
        if opt == b"replace":
            replace = True
        elif opt == b"absttl":
            absttl = True
        elif opt == b"idletime" and more >= 1 and freq == -1:
            idle_s = _int(argv[j + 1])
            if idle_s < 0:
                raise err("Invalid IDLETIME value, must be >= 0")
            j += 1
        elif opt == b"freq" and more >= 1 and idle_s == -1:
            freq = _int(argv[j + 1])
            if freq < 0 or freq > 255:
                raise err("Invalid FREQ value, must be >= 0 and <= 255")
            j += 1
        else:
            raise SyntaxErr()
        j += 1
    key = argv[1]
    db = c.db
    if not replace and db.lookup(key) is not None:
        raise CommandError(BUSYKEY)
    ttl = _int(argv[2])
    if ttl < 0:
        raise err("Invalid TTL value, must be >= 0")
    server = c.server
    skip_checksum = bool(server.extensions.get("skip_checksum_validation", False))
    try:
        value = read_payload(argv[3], Limits(server.config), skip_checksum)
    except PayloadError as e:
        if e.version_or_checksum:
            raise err("DUMP payload version or checksum are wrong") from None
        raise err("Bad data format") from None
    deleted = db.delete(key) if replace else False
    now = server.cached_now_ms
    if ttl and not absttl:
        ttl += now
    if ttl and ttl <= now and not server.is_replica_of_primary():
        if deleted:
            _propagate(c, [b"DEL", key])
            notify(server, NOTIFY_GENERIC, b"del", key, db.index)
        return OK
    db.set(key, value, expire_at_ms=ttl if ttl else None)
    if ttl and not absttl:
        _propagate(c, argv[:2] + [b"%d" % ttl] + argv[3:] + [b"ABSTTL"])
    set_lru_or_lfu(server, db, key, idle_s, freq)
    notify(server, NOTIFY_GENERIC, b"restore", key, db.index)
    return OK


def set_lru_or_lfu(server: Any, db: Any, key: bytes, idle_s: int, freq: int) -> None:
    """objectSetLRUOrLFU: an LFU policy takes ``freq``, another policy the idle time, in
    ``db.lru`` (present once eviction tracks accesses); -1 means not given."""
    lru = db.lru
    if lru is None:
        return
    lfu = "lfu" in str(server.config.get("maxmemory-policy", ""))
    if lfu and freq >= 0:
        from ..ops.evict import lfu_value  # noqa: PLC0415  (the LFU encoding: ops/evict.py)

        lru[key] = lfu_value(server, freq)
    elif not lfu and idle_s >= 0:
        lru[key] = server.cached_now_ms - idle_s * 1000


def _propagate(c: Any, argv: list[bytes]) -> None:
    if c.server.propagate is not None:
        c.propagate_as = [argv]
