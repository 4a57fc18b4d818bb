"""Db variants that keep a key index up to date on every insert and removal.

Both share ``Db``'s slots and add none, so a db can change class in place
(``db.__class__ = ScanDb``) and the plain ``Db`` -- the GET/SET hot path -- tests no
flag.  See keyspace/db.py for when each is used.

* ``ClusterDb``: ``slot_keys[slot]`` is the set of keys hashing to that cluster slot
  (None until the slot gets a key), for O(1) COUNTKEYSINSLOT and O(n-in-slot)
  GETKEYSINSLOT; SCAN uses the slots as its buckets.
* ``ScanDb``: ``scan_buckets[hash(key) & scan_mask]`` for SCAN's cursor (keyspace/scan.py).
  Python caches a bytes object's hash, so the index costs one set insert per write.
"""

from __future__ import annotations

from typing import Any

from .db import Db
from .slots import CLUSTER_SLOTS, key_hash_slot


class ClusterDb(Db):
    __slots__ = ()

    def _init_indexes(self) -> None:
        self.slot_keys = [None] * CLUSTER_SLOTS

    def set(self, key: bytes, value: Any, *, keep_ttl: bool = False, expire_at_ms: int | None = None) -> None:
        Db.set(self, key, value, keep_ttl=keep_ttl, expire_at_ms=expire_at_ms)
        slot = key_hash_slot(key)
        keys = self.slot_keys[slot]  # type: ignore[index]
        if keys is None:
            keys = self.slot_keys[slot] = set()  # type: ignore[index]
        keys.add(key)

    def delete(self, key: bytes) -> bool:
        if Db.delete(self, key):
            self._drop(key)
            return True
        return False

    def unlink(self, key: bytes) -> Any:
        v = Db.unlink(self, key)
        self._drop(key)
        return v

    def _drop(self, key: bytes) -> None:
        slot = key_hash_slot(key)
        keys = self.slot_keys[slot]  # type: ignore[index]
        if keys is not None:
            keys.discard(key)
            if not keys:
                self.slot_keys[slot] = None  # type: ignore[index]

    def count_keys_in_slot(self, slot: int) -> int:
        keys = self.slot_keys[slot]  # type: ignore[index]
        return 0 if keys is None else len(keys)

    def keys_in_slot(self, slot: int, count: int) -> list[bytes]:
        keys = self.slot_keys[slot]  # type: ignore[index]
        if keys is None:
            return []
        out = []
        for k in keys:
            if len(out) >= count:
                break
            out.append(k)
        return out


SCAN_MIN_BUCKETS = 16
SCAN_KEYS_PER_BUCKET = 8  # grow (double) the bucket table past this average


class ScanDb(Db):
    __slots__ = ()

    def _init_indexes(self) -> None:
        self.scan_buckets = [set() for _ in range(SCAN_MIN_BUCKETS)]
        self.scan_mask = SCAN_MIN_BUCKETS - 1

    def set(self, key: bytes, value: Any, *, keep_ttl: bool = False, expire_at_ms: int | None = None) -> None:
        Db.set(self, key, value, keep_ttl=keep_ttl, expire_at_ms=expire_at_ms)
        self.scan_buckets[hash(key) & self.scan_mask].add(key)  # type: ignore[index]

    def delete(self, key: bytes) -> bool:
        if Db.delete(self, key):
            self.scan_buckets[hash(key) & self.scan_mask].discard(key)  # type: ignore[index]
            return True
        return False

    def unlink(self, key: bytes) -> Any:
        v = Db.unlink(self, key)
        self.scan_buckets[hash(key) & self.scan_mask].discard(key)  # type: ignore[index]
        return v


def enable_scan_index(db: Db) -> None:
    """Turn a plain Db into a ScanDb, building the buckets (one O(n) pass)."""
    if type(db) is not Db:
        return
    size = SCAN_MIN_BUCKETS
    while size * SCAN_KEYS_PER_BUCKET < len(db.data):
        size *= 2
    mask = size - 1
    buckets: list[set[bytes]] = [set() for _ in range(size)]
    for k in db.data:
        buckets[hash(k) & mask].add(k)
    db.scan_buckets = buckets
    db.scan_mask = mask
    db.__class__ = ScanDb


def disable_scan_index(db: Db) -> None:
    if type(db) is ScanDb:
        db.__class__ = Db
        db.scan_buckets = None
        db.scan_mask = 0


def grow_scan_index(db: Db) -> None:
    """Double the bucket table while the average bucket is too full.  Bucket ``b``
    splits into ``b`` and ``b + size``: exactly the split SCAN's reverse-binary cursor
    is built to survive between two calls."""
    buckets = db.scan_buckets
    assert buckets is not None
    n = len(db.data)
    while len(buckets) * SCAN_KEYS_PER_BUCKET < n:
        size = len(buckets)
        new_mask = size * 2 - 1
        high: list[set[bytes]] = []
        for b in buckets:
            moved = {k for k in b if hash(k) & size}
            b -= moved
            high.append(moved)
        buckets.extend(high)
        db.scan_mask = new_mask
