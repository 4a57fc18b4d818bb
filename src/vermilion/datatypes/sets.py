"""The set type: an insertion-ordered ``dict`` of member -> None, with Redis's encodings.

Redis 7.2 keeps a set as an ``intset`` (sorted 64-bit integers) while every member is
an integer and there are at most ``set-max-intset-entries``; as a ``listpack``
(insertion order) while it has at most ``set-max-listpack-entries`` members of at most
``set-max-listpack-value`` bytes; else as a ``hashtable``.  Conversions only go up
(intset -> listpack -> hashtable), as in ``setTypeAdd``.

A dict rather than a ``set`` keeps insertion order, so a listpack-encoded set iterates
in Redis's order; ``members()`` sorts an intset numerically as Redis stores it.  Set
algebra uses the dict's key views (C-speed ``&``, ``|``, ``-``).
"""

from __future__ import annotations

from typing import Any, Iterable

from .listpack import as_int64

INTSET, LISTPACK, HASHTABLE = 0, 1, 2
_NAMES = (b"intset", b"listpack", b"hashtable")


class SetLimits:
    """The three config limits, read once per command."""

    __slots__ = ("intset", "lp_entries", "lp_value")

    def __init__(self, server: Any) -> None:
        get = server.config.get
        self.intset = min(get("set-max-intset-entries", 512), 1 << 30)
        self.lp_entries = get("set-max-listpack-entries", 128)
        self.lp_value = get("set-max-listpack-value", 64)


class SetValue(dict):
    __slots__ = ("enc", "scans")

    def __init__(self) -> None:
        super().__init__()
        self.enc = INTSET
        self.scans: dict | None = None  # SSCAN snapshots (datatypes/cursor.py)

    @classmethod
    def create(cls, first: bytes, size_hint: int, lim: SetLimits) -> SetValue:
        """Redis's setTypeCreate: the encoding from the first member and a size hint."""
        s = cls()
        if as_int64(first) is not None and size_hint <= lim.intset:
            s.enc = INTSET
        elif size_hint <= lim.lp_entries:
            s.enc = LISTPACK
        else:
            s.enc = HASHTABLE
        return s

    def encoding(self) -> bytes:
        return _NAMES[self.enc]

    def add(self, member: bytes, lim: SetLimits) -> bool:
        if member in self:
            return False
        enc = self.enc
        if enc == INTSET:
            if as_int64(member) is not None:
                self[member] = None
                if len(self) > lim.intset:
                    self.enc = HASHTABLE
                return True
            # A non-integer: listpack if everything fits, else hashtable.
            maxlen = max(map(len, self)) if self else 0
            if len(self) < lim.lp_entries and len(member) <= lim.lp_value and maxlen <= lim.lp_value:
                self.enc = LISTPACK
            else:
                self.enc = HASHTABLE
        elif enc == LISTPACK:
            if len(self) >= lim.lp_entries or len(member) > lim.lp_value:
                self.enc = HASHTABLE
        self[member] = None
        return True

    def add_many(self, members: Iterable[bytes], lim: SetLimits) -> int:
        if self.enc == HASHTABLE:
            before = len(self)
            self.update(dict.fromkeys(members))
            return len(self) - before
        add = self.add
        return sum(1 for m in members if add(m, lim))

    def members(self) -> list[bytes]:
        """Members in Redis's iteration order (an intset is sorted by value)."""
        if self.enc == INTSET:
            return sorted(self, key=int)
        return list(self)


def build(members: Iterable[bytes], lim: SetLimits) -> SetValue:
    """A new set holding ``members``, encoded as Redis builds a result set: it starts
    as an intset and converts as members are added (SUNIONSTORE, SDIFFSTORE, ...)."""
    s = SetValue()
    s.add_many(members, lim)
    return s
