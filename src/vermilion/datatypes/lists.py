"""The list type: a ``deque`` (O(1) at both ends, indexing walks from the nearer end in
blocks of 64) that also tracks the encoding Redis 7.2 would report.

Encoding (OBJECT ENCODING): a new list is a ``listpack``; it becomes a ``quicklist``
when an addition would make the listpack exceed one quicklist node's limit
(``list-max-listpack-size``: -2 = 8kb, positive = a count), and goes back to a
listpack after removals once it fits in half that limit (Redis halves the limits to
avoid flapping).  To decide, the value keeps ``lp_bytes``, the size its listpack would
have (see ``listpack.py``), up to date on every change.  As Redis, the growth check
counts the raw lengths of the new elements (``listTypeTryConversionAppend``).

Methods that remove elements call ``shrunk(fill)``; methods that add take ``fill`` and
check first.  The command layer deletes a list that becomes empty.
"""

from __future__ import annotations

from collections import deque
from itertools import islice
from typing import Iterable

from .listpack import LP_EMPTY_BYTES, entry_size, exceeds, fits_when_shrunk


class ListValue(deque):
    __slots__ = ("lp_bytes", "quick")

    def __init__(self, items: Iterable[bytes] = ()) -> None:
        super().__init__(items)
        self.lp_bytes = LP_EMPTY_BYTES + sum(map(entry_size, self))
        self.quick = False

    # ---- encoding -------------------------------------------------------------------

    def encoding(self) -> bytes:
        return b"quicklist" if self.quick else b"listpack"

    def will_add(self, fill: int, items: list[bytes] | tuple[bytes, ...]) -> None:
        """Convert to quicklist if adding ``items`` would overflow the listpack."""
        if not self.quick and exceeds(fill, self.lp_bytes + sum(map(len, items)), len(self) + len(items)):
            self.quick = True

    def shrunk(self, fill: int) -> None:
        if self.quick and fits_when_shrunk(fill, self.lp_bytes, len(self)):
            self.quick = False

    # ---- ends -------------------------------------------------------------------------

    def push(self, items: list[bytes], head: bool, fill: int) -> None:
        self.will_add(fill, items)
        if head:
            self.extendleft(items)
        else:
            self.extend(items)
        self.lp_bytes += sum(map(entry_size, items))

    def push_one(self, item: bytes, head: bool, fill: int) -> None:
        self.will_add(fill, (item,))
        if head:
            self.appendleft(item)
        else:
            self.append(item)
        self.lp_bytes += entry_size(item)

    def pop_one(self, head: bool, fill: int) -> bytes:
        v = self.popleft() if head else self.pop()
        self.lp_bytes -= entry_size(v)
        self.shrunk(fill)
        return v

    def pop_many(self, count: int, head: bool, fill: int) -> list[bytes]:
        """Up to ``count`` elements from one end, in pop order."""
        n = min(count, len(self))
        pop = self.popleft if head else self.pop
        out = [pop() for _ in range(n)]
        self.lp_bytes -= sum(map(entry_size, out))
        self.shrunk(fill)
        return out

    # ---- ranges -----------------------------------------------------------------------

    def range(self, start: int, stop: int) -> list[bytes]:
        """Elements ``start..stop`` inclusive, Redis's index rules (negatives from the end)."""
        n = len(self)
        if start < 0:
            start += n
        if stop < 0:
            stop += n
        if start < 0:
            start = 0
        if start > stop or start >= n:
            return []
        if stop >= n:
            stop = n - 1
        if start > n - 1 - stop:
            # Nearer the tail: walk from there.
            out = list(islice(reversed(self), n - 1 - stop, n - start))
            out.reverse()
            return out
        return list(islice(self, start, stop + 1))

    def replace_at(self, index: int, value: bytes, fill: int) -> None:
        self.will_add(fill, (value,))
        old = self[index]
        self[index] = value
        self.lp_bytes += entry_size(value) - entry_size(old)
        self.shrunk(fill)

    def insert_at_pivot(self, pivot: bytes, value: bytes, after: bool, fill: int) -> bool:
        try:
            i = self.index(pivot)
        except ValueError:
            return False
        self.will_add(fill, (value,))
        self.insert(i + 1 if after else i, value)
        self.lp_bytes += entry_size(value)
        return True

    def remove_matching(self, value: bytes, count: int, fill: int) -> int:
        """LREM: remove up to ``count`` (0 = all) elements equal to ``value``; from the tail
        when ``count`` is negative.  Returns how many were removed."""
        n = self.count(value)
        if n == 0:
            return 0
        limit = abs(count) if count else n
        removed = min(limit, n)
        if removed == n:
            kept = [e for e in self if e != value]
        elif count > 0:
            kept, left = [], removed
            for e in self:
                if left and e == value:
                    left -= 1
                else:
                    kept.append(e)
        else:
            kept, left = [], removed
            for e in reversed(self):
                if left and e == value:
                    left -= 1
                else:
                    kept.append(e)
            kept.reverse()
        self.clear()
        self.extend(kept)
        self.lp_bytes -= entry_size(value) * removed
        self.shrunk(fill)
        return removed

    def trim(self, start: int, stop: int, fill: int) -> None:
        """LTRIM: keep ``start..stop`` (Redis's index rules); may leave the list empty."""
        n = len(self)
        if start < 0:
            start += n
        if stop < 0:
            stop += n
        if start < 0:
            start = 0
        if start > stop or start >= n:
            ltrim, rtrim = n, 0
        else:
            if stop >= n:
                stop = n - 1
            ltrim, rtrim = start, n - stop - 1
        if ltrim + rtrim == 0:
            return
        if ltrim + rtrim >= n:
            self.clear()
            self.lp_bytes = LP_EMPTY_BYTES
            return
        if ltrim + rtrim > n // 2:
            kept = list(islice(self, ltrim, n - rtrim))
            self.clear()
            self.extend(kept)
            self.lp_bytes = LP_EMPTY_BYTES + sum(map(entry_size, kept))
        else:
            gone = [self.popleft() for _ in range(ltrim)]
            gone += [self.pop() for _ in range(rtrim)]
            self.lp_bytes -= sum(map(entry_size, gone))
        self.shrunk(fill)

    def positions(self, value: bytes, rank: int, count: int, maxlen: int) -> list[int]:
        """LPOS: indexes of matches, skipping ``abs(rank)-1`` matches, from the tail when
        ``rank`` < 0; at most ``count`` (0 = all) looking at most ``maxlen`` (0 = all)."""
        n = len(self)
        scan = n if maxlen == 0 else min(maxlen, n)
        skip = abs(rank) - 1
        out: list[int] = []
        if rank > 0:
            it = enumerate(islice(self, scan))
            for i, e in it:
                if e == value:
                    if skip:
                        skip -= 1
                        continue
                    out.append(i)
                    if len(out) == count:
                        break
        else:
            for j, e in enumerate(islice(reversed(self), scan)):
                if e == value:
                    if skip:
                        skip -= 1
                        continue
                    out.append(n - 1 - j)
                    if len(out) == count:
                        break
        return out
