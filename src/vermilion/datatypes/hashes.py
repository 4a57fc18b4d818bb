"""The hash type: a ``dict`` of field -> value (both ``bytes``) with Redis's encoding.

A hash is a ``listpack`` while it has at most ``hash-max-listpack-entries`` fields and
every field and value is at most ``hash-max-listpack-value`` bytes; past either limit it
becomes a ``hashtable`` for good (Redis never converts back).  While it is a listpack
Redis keeps insertion order, which a Python dict also keeps, so HGETALL/HKEYS/HSCAN of a
small hash come out in Redis's order.
"""

from __future__ import annotations

from typing import Any


class HashValue(dict):
    __slots__ = ("ht", "scans")

    def __init__(self) -> None:
        super().__init__()
        self.ht = False
        self.scans: dict | None = None  # HSCAN snapshots (datatypes/cursor.py)

    def encoding(self) -> bytes:
        return b"hashtable" if self.ht else b"listpack"

    def set_pairs(self, pairs: list[bytes], max_entries: int, max_value: int) -> int:
        """Set field/value pairs (a flat list); return how many fields were new."""
        if not self.ht:
            for x in pairs:
                if len(x) > max_value:
                    self.ht = True
                    break
        before = len(self)
        it = iter(pairs)
        self.update(zip(it, it))
        if not self.ht and len(self) > max_entries:
            self.ht = True
        return len(self) - before

    def set_one(self, field: bytes, value: bytes, max_entries: int, max_value: int) -> None:
        if not self.ht and (len(field) > max_value or len(value) > max_value):
            self.ht = True
        self[field] = value
        if not self.ht and len(self) > max_entries:
            self.ht = True


def limits(server: Any) -> tuple[int, int]:
    get = server.config.get
    return get("hash-max-listpack-entries", 512), get("hash-max-listpack-value", 64)
