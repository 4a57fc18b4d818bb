"""One logical database (a ``SELECT`` index): keys, values, expiry times.

Layout, chosen for memory and speed (1M keys must stay under 2x Redis's RSS):

* ``data``: ``dict[bytes, value]``.  Strings are stored as plain ``bytes`` (no wrapper
  object); other types are their own classes from ``vermilion.datatypes`` (a list,
  hash, set, ... object), so the Redis type of a value is ``type(value)``.
* ``expires``: ``dict[bytes, int]`` of absolute expiry times in milliseconds, only for
  keys that have one (Redis's ``db->expires``).  The hot path checks ``if expires`` once.
* ``ttl_keys``: the keys that were given a TTL, in a plain list, for the active expiry
  cycle (keyspace/expiry.py), which walks it with a persistent cursor
  (``expires_cursor``): O(1) per sampled key, where sampling a dict would be O(n).
  Entries are appended when a key gains a TTL and are never removed eagerly: an entry
  whose key no longer has a TTL is stale, and the cycle drops it (swap with the last
  entry) when it meets it; the cycle also rebuilds the list from ``expires`` when it has
  grown past twice its live size (amortised O(1)) or when it is shorter than
  ``expires`` (someone wrote ``expires`` directly: self-healing).

Every insert goes through ``set`` and every removal through ``delete``/``unlink``/
``flush``: that is what lets the two optional indexes below stay exact.

Optional indexes, paid for only when in use, by swapping the object's class (all
classes share ``Db``'s slots, so ``db.__class__ = ...`` is legal and instant) -- the
base class's ``set``/``delete``, which GET/SET run, test no flag at all:

* ``ClusterDb`` (keyspace/indexed.py) keeps ``slot_keys``: a set of keys per cluster hash
  slot (CRC16 mod 16384, keyspace/slots.py), so CLUSTER COUNTKEYSINSLOT is O(1) and
  GETKEYSINSLOT O(keys in slot).  It is chosen at creation time when
  ``cluster-enabled`` is on; cluster mode cannot be switched at runtime, so a
  standalone server never pays for it.
* ``ScanDb`` keeps ``scan_buckets``, keys grouped by ``hash(key) & mask``, which SCAN
  walks with Redis's reverse-binary cursor (keyspace/scan.py).  A database becomes a
  ``ScanDb`` at its first SCAN (one O(n) build) and stops being one when the cron sees
  no SCAN for a while.  In cluster mode the slot sets serve as SCAN's buckets.

String encodings: a string's OBJECT ENCODING follows from its bytes (``int``, ``embstr``,
``raw``: keyspace/types.py) when SET wrote it, but Redis also remembers how a value was
made: APPEND, SETRANGE, SETBIT, BITFIELD, BITOP and the HyperLogLog commands leave a
``raw`` string however short, and INCRBYFLOAT an ``embstr`` even when it reads as an
integer.  ``str_encodings`` (None until first needed) maps such a key to ``(value,
encoding)``; the entry holds only while the key still stores that very object, so a
later SET, DEL or overwrite needs no bookkeeping (GET/SET pay nothing).  Stale entries
are dropped when the map has doubled since its last sweep (amortised O(1)).  CPython
shares one object per 0- or 1-byte value, so such a value rewritten by SET with the same
byte may keep the old encoding: a harmless imprecision.

LRU/LFU metadata: ``lru`` is None unless the maxmemory policy is an LRU or LFU one; then
it maps keys to their last access (ms) or LFU counter, recorded by dispatch after each
command (ops/evict.py ``touch_keys``), so GET/SET pay nothing otherwise.

Lookups expire lazily: reading a key whose time has passed deletes it, counts it in
``stats.expired_keys`` and tells the server (which propagates a ``DEL``).

The clock is the server's: ``server.cached_now_ms`` is read once per batch of commands
(as Redis caches ``mstime()`` per command call); tests drive time by setting it.
"""

from __future__ import annotations

from itertools import islice
from random import randrange
from typing import Any

from ..protocol.errors import WrongType
from .notify import NOTIFY_KEY_MISS, NOTIFY_NEW, notify
from .types import encoding


RANDOM_POOL_MIN = 4096  # below this many keys RANDOMKEY just skips into the dict


class Db:
    __slots__ = ("index", "data", "expires", "server", "avg_ttl", "expires_cursor", "ttl_keys",
                 "slot_keys", "scan_buckets", "scan_mask", "scan_used_ms", "lru", "random_pool",
                 "random_pool_dirty", "random_used_ms", "str_encodings", "str_encodings_swept")

    def __new__(cls, index: int = 0, server: Any = None) -> Db:
        if cls is Db and server is not None and _cluster_enabled(server):
            from .indexed import ClusterDb  # noqa: PLC0415

            cls = ClusterDb
        return object.__new__(cls)

    def __init__(self, index: int, server: Any) -> None:
        self.index = index
        self.data: dict[bytes, Any] = {}
        self.expires: dict[bytes, int] = {}
        self.server = server
        self.avg_ttl = 0
        self.expires_cursor = 0
        self.ttl_keys: list[bytes] = []
        self.slot_keys: list[set[bytes] | None] | None = None
        self.scan_buckets: list[set[bytes]] | None = None
        self.scan_mask = 0
        self.scan_used_ms = 0
        self.lru: dict[bytes, int] | None = None
        self.random_pool: list[bytes] | None = None
        self.random_pool_dirty = 0
        self.random_used_ms = 0
        self.str_encodings: dict[bytes, tuple[bytes, bytes]] | None = None
        self.str_encodings_swept = 0
        self._init_indexes()

    def _init_indexes(self) -> None:
        """Subclasses build their indexes here (and after a flush)."""

    def __len__(self) -> int:
        return len(self.data)

    # ---- expiry -------------------------------------------------------------------

    def expire_if_needed(self, key: bytes) -> bool:
        """Delete ``key`` if its time has passed; True when it was expired (lazily)."""
        when = self.expires.get(key)
        if when is None:
            return False
        server = self.server
        if when > server.cached_now_ms or server.is_replica_of_primary():
            # Replicas never expire keys themselves: the primary sends DEL.  They still
            # report them as missing when read (handled by callers via logically_expired).
            return False
        self.unlink(key)
        server.on_key_expired(self, key)
        return True

    def logically_expired(self, key: bytes) -> bool:
        when = self.expires.get(key)
        return when is not None and when <= self.server.cached_now_ms

    # ---- lookups ------------------------------------------------------------------

    def lookup(self, key: bytes) -> Any:
        """The value at ``key`` or None, expiring it first when due (no type check)."""
        if self.expires and key in self.expires:
            if self.expire_if_needed(key) or self.logically_expired(key):
                return None
        return self.data.get(key)

    def lookup_read(self, key: bytes) -> Any:
        """As ``lookup``, counting keyspace hits and misses (Redis's lookupKeyRead)."""
        v = self.lookup(key)
        stats = self.server.stats
        if v is None:
            stats.keyspace_misses += 1
            if self.server.notify_flags & NOTIFY_KEY_MISS:
                notify(self.server, NOTIFY_KEY_MISS, b"keymiss", key, self.index)
        else:
            stats.keyspace_hits += 1
        return v

    def get_typed(self, key: bytes, cls: type, *, read: bool = True) -> Any:
        """The value at ``key`` if it is of type ``cls``, None if missing, else WRONGTYPE.

        ``lookup_read`` (``read``) or ``lookup``, inlined: the data-type commands' hot path."""
        expires = self.expires
        if expires and key in expires and (self.expire_if_needed(key) or self.logically_expired(key)):
            v = None
        else:
            v = self.data.get(key)
        if read:
            stats = self.server.stats
            if v is None:
                stats.keyspace_misses += 1
                if self.server.notify_flags & NOTIFY_KEY_MISS:
                    notify(self.server, NOTIFY_KEY_MISS, b"keymiss", key, self.index)
                return None
            stats.keyspace_hits += 1
        if v is not None and v.__class__ is not cls:
            raise WrongType()
        return v

    def get_string(self, key: bytes) -> bytes | None:
        """GET's lookup: ``lookup_read`` and the type check, inlined (the hot path)."""
        expires = self.expires
        if expires and key in expires and (self.expire_if_needed(key) or self.logically_expired(key)):
            v = None
        else:
            v = self.data.get(key)
        stats = self.server.stats
        if v is None:
            stats.keyspace_misses += 1
            if self.server.notify_flags & NOTIFY_KEY_MISS:
                notify(self.server, NOTIFY_KEY_MISS, b"keymiss", key, self.index)
            return None
        stats.keyspace_hits += 1
        if type(v) is not bytes:
            raise WrongType()
        return v

    def lru_clock_of(self, key: bytes) -> int | None:
        """DEBUG OBJECT's ``lru``: the key's last access on Redis's 24-bit seconds clock,
        when an LRU policy tracks accesses (ops/evict.py), else None."""
        if self.lru is None or self.server.lru_mode != 1:
            return None
        from ..ops.evict import object_idle_s  # noqa: PLC0415

        idle_s = object_idle_s(self.server, self, key)
        return ((self.server.cached_now_ms // 1000) - idle_s) & ((1 << 24) - 1)

    def exists(self, key: bytes) -> bool:
        return self.lookup(key) is not None

    def random_key(self) -> bytes | None:
        """A random live key (RANDOMKEY), expiring the expired ones it draws.

        A dict has no O(1) random access.  Small databases skip a random number of
        entries with ``islice`` (C speed).  Larger ones draw from ``random_pool``, a
        snapshot ``list(data)`` taken at C speed and retaken once the server has seen
        more writes than half the db's size since (amortised O(1) per write; dropped
        by the cron when unused): a draw that hits a deleted key draws again, and keys
        added since the snapshot wait for the next one -- Redis's RANDOMKEY is not
        uniform either.  When every drawn key is expired on a replica (which cannot
        delete them), it gives up after 100 draws and returns the last one, as Redis.
        """
        data = self.data
        server = self.server
        tries = 100
        misses = 0
        while data:
            n = len(data)
            if n <= RANDOM_POOL_MIN:
                key = next(islice(data, randrange(n), None))
            else:
                pool = self.random_pool
                if pool is None or misses > 8 or server.dirty - self.random_pool_dirty > (n >> 1):
                    pool = self.random_pool = list(data)
                    self.random_pool_dirty = server.dirty
                    misses = 0
                self.random_used_ms = server.cached_now_ms
                key = pool[randrange(len(pool))]
                if key not in data:
                    misses += 1
                    continue
            if key in self.expires:
                if self.expire_if_needed(key):
                    continue
                if self.logically_expired(key):
                    tries -= 1
                    if tries:
                        continue
            return key
        return None

    # ---- string encodings -----------------------------------------------------------

    def mark_string(self, key: bytes, value: bytes, enc: bytes = b"raw") -> None:
        """Record that ``value``, just stored under ``key``, has encoding ``enc`` by the
        way it was made (see the module docstring), not by its bytes."""
        m = self.str_encodings
        if m is None:
            m = self.str_encodings = {}
        m[key] = (value, b"raw" if len(value) > 44 else enc)
        if len(m) > 2 * self.str_encodings_swept + 64:
            data = self.data
            live = {k: e for k, e in m.items() if data.get(k) is e[0]}
            self.str_encodings = live
            self.str_encodings_swept = len(live)

    def marked_encoding(self, key: bytes) -> tuple[bytes, bytes] | None:
        """The ``(value, encoding)`` mark of ``key`` if it still applies (COPY, RENAME
        and MOVE carry it to the new key, as Redis moves or duplicates the object)."""
        m = self.str_encodings
        if m:
            e = m.get(key)
            if e is not None and self.data.get(key) is e[0]:
                return e
        return None

    def encoding_of(self, key: bytes, value: Any) -> bytes:
        """OBJECT ENCODING of ``value`` stored under ``key``."""
        if value.__class__ is bytes:
            e = self.marked_encoding(key)
            if e is not None:
                return e[1]
        return encoding(value, self.server)

    # ---- writes -------------------------------------------------------------------

    def set(self, key: bytes, value: Any, *, keep_ttl: bool = False, expire_at_ms: int | None = None) -> None:
        """Store ``value`` (a new key or an overwrite); the TTL is cleared unless kept."""
        if self.server.notify_flags & NOTIFY_NEW and key not in self.data:
            self.data[key] = value
            notify(self.server, NOTIFY_NEW, b"new", key, self.index)  # Redis's dbAdd
        self.data[key] = value
        if value.__class__ is not bytes and self.server.blocking.waiting:
            # A list/zset/stream stored under a key (RENAME, COPY, MOVE, RESTORE, SORT
            # STORE, *STORE): clients blocked on it are served, as Redis's dbAdd does.
            self.server.blocking.signal(self, key)
        if expire_at_ms is not None:
            expires = self.expires
            if key not in expires:
                self.ttl_keys.append(key)
            expires[key] = expire_at_ms
        elif not keep_ttl and self.expires:
            self.expires.pop(key, None)
        self.server.dirty += 1

    def delete(self, key: bytes) -> bool:
        """Remove ``key``; True if it existed (and had not expired)."""
        if self.lookup(key) is None:
            return False
        del self.data[key]
        if self.expires:
            self.expires.pop(key, None)
        self.server.dirty += 1
        if self.server.blocking.waiting:
            # Redis's signalDeletedKeyAsReady: XREADGROUP clients blocked on a deleted
            # stream are unblocked with an error (others find nothing and keep waiting).
            self.server.blocking.signal(self, key)
        return True

    def unlink(self, key: bytes) -> Any:
        """Remove ``key``, which must exist, without looking at its TTL or counting a
        change; returns its value.  (Expiry, RENAME, MOVE use it.)"""
        v = self.data.pop(key)
        if self.expires:
            self.expires.pop(key, None)
        if self.server.blocking.waiting:
            self.server.blocking.signal(self, key)  # as in delete(): signalDeletedKeyAsReady
        return v

    def set_expire(self, key: bytes, expire_at_ms: int) -> None:
        expires = self.expires
        if key not in expires:
            self.ttl_keys.append(key)
        expires[key] = expire_at_ms
        self.server.dirty += 1

    def persist(self, key: bytes) -> bool:
        if self.expires.pop(key, None) is None:
            return False
        self.server.dirty += 1
        return True

    def ttl_ms(self, key: bytes) -> int | None:
        when = self.expires.get(key)
        return None if when is None else when - self.server.cached_now_ms

    def flush(self) -> int:
        n = len(self.data)
        self.data = {}
        self.expires = {}
        self.ttl_keys = []
        self.expires_cursor = 0
        self.avg_ttl = 0
        if self.lru is not None:
            self.lru = {}
        self.random_pool = None
        self.str_encodings = None
        self.str_encodings_swept = 0
        self._init_indexes()
        return n

    def swap_with(self, other: Db) -> None:
        """SWAPDB: exchange all contents, indexes included, with ``other``."""
        for name in CONTENT_SLOTS:
            a, b = getattr(self, name), getattr(other, name)
            setattr(self, name, b)
            setattr(other, name, a)
        self.__class__, other.__class__ = other.__class__, self.__class__


# What SWAPDB must exchange besides ``data``/``expires``/``avg_ttl``/``expires_cursor``.
INDEX_SLOTS = ("ttl_keys", "slot_keys", "scan_buckets", "scan_mask", "scan_used_ms", "lru", "random_pool",
               "random_pool_dirty", "random_used_ms", "str_encodings", "str_encodings_swept")
CONTENT_SLOTS = ("data", "expires", "avg_ttl", "expires_cursor") + INDEX_SLOTS


def swapdb_hook(server: Any, a: Db, b: Db) -> None:
    """Registered as a ``swapdb`` extension: SWAPDB exchanges data and expires, and
    this exchanges the indexes that describe them (and the classes maintaining them)."""
    for name in INDEX_SLOTS:
        x, y = getattr(a, name), getattr(b, name)
        setattr(a, name, y)
        setattr(b, name, x)
    a.__class__, b.__class__ = b.__class__, a.__class__


def _cluster_enabled(server: Any) -> bool:
    config = getattr(server, "config", None)
    if config is None:
        return False
    v = config.get("cluster-enabled", False) if hasattr(config, "get") else False
    return v is True or v in ("yes", b"yes", 1)
