"""One logical database (a ``SELECT`` index): keys, values, expiry times.

Layout, chosen for memory and speed (1M keys must stay under 2x Redis's RSS):

* ``data``: ``dict[bytes, value]``.  Strings are stored as plain ``bytes`` (no wrapper
  object); other types are their own classes from ``vermilion.datatypes`` (a list,
  hash, set, ... object), so the Redis type of a value is ``type(value)``.
* ``expires``: ``dict[bytes, int]`` of absolute expiry times in milliseconds, only for
  keys that have one (Redis's ``db->expires``).  The hot path checks ``if expires`` once.

Lookups expire lazily: reading a key whose time has passed deletes it, counts it in
``stats.expired_keys`` and tells the server (which propagates a ``DEL``).

The clock is the server's: ``server.now_ms()`` is read once per batch of commands
(``server.cached_now_ms``), as Redis caches ``mstime()`` per command call.
"""

from __future__ import annotations

from typing import Any

from ..protocol.errors import WrongType


class Db:
    __slots__ = ("index", "data", "expires", "server", "avg_ttl", "expires_cursor")

    def __init__(self, index: int, server: Any) -> None:
        self.index = index
        self.data: dict[bytes, Any] = {}
        self.expires: dict[bytes, int] = {}
        self.server = server
        self.avg_ttl = 0
        self.expires_cursor = 0

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
        del self.data[key]
        del self.expires[key]
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
        else:
            stats.keyspace_hits += 1
        return v

    def get_typed(self, key: bytes, cls: type, *, read: bool = True) -> Any:
        """The value at ``key`` if it is of type ``cls``, None if missing, else WRONGTYPE."""
        v = self.lookup_read(key) if read else self.lookup(key)
        if v is not None and type(v) is not cls:
            raise WrongType()
        return v

    def get_string(self, key: bytes) -> bytes | None:
        v = self.lookup_read(key)
        if v is not None and type(v) is not bytes:
            raise WrongType()
        return v

    def exists(self, key: bytes) -> bool:
        return self.lookup(key) is not None

    # ---- writes -------------------------------------------------------------------

    def set(self, key: bytes, value: Any, *, keep_ttl: bool = False, expire_at_ms: int | None = None) -> None:
        """Store ``value`` (a new key or an overwrite); the TTL is cleared unless kept."""
        self.data[key] = value
        if expire_at_ms is not None:
            self.expires[key] = expire_at_ms
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
        return True

    def set_expire(self, key: bytes, expire_at_ms: int) -> None:
        self.expires[key] = expire_at_ms
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
        return n
