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
from .quicklist import QuickList


class ListValue(deque):
    __slots__ = ("lp_bytes", "ql")

    def __init__(self, items: Iterable[bytes] = ()) -> None:
        super().__init__(items)
        self.lp_bytes = LP_EMPTY_BYTES + sum(map(entry_size, self))
        self.ql: QuickList | None = None  # the quicklist's node shape, when encoded so

    # ---- encoding -------------------------------------------------------------------

    @property
    def quick(self) -> bool:
        return self.ql is not None

    def encoding(self) -> bytes:
        return b"listpack" if self.ql is None else b"quicklist"

    def will_add(self, fill: int, items: list[bytes] | tuple[bytes, ...]) -> None:
        """Convert to quicklist if adding ``items`` would overflow the listpack."""
        if self.ql is None and exceeds(fill, self.lp_bytes + sum(map(len, items)), len(self) + len(items)):
            self.ql = QuickList(len(self), self.lp_bytes)

    def shrunk(self, fill: int) -> None:
        ql = self.ql
        if ql is not None:
            node = ql.single_packed()
            if node is not None and fits_when_shrunk(fill, node.nbytes, node.count):
                self.ql = None

    def _elements(self, start: int, n: int) -> list[bytes]:
        return list(islice(self, start, start + n))

    # ---- ends -------------------------------------------------------------------------

    def push(self, items: list[bytes], head: bool, fill: int) -> None:
        if len(items) == 1:
            self.push_one(items[0], head, fill)
            return
        self.will_add(fill, items)
        if head:
            self.extendleft(items)
        else:
            self.extend(items)
        sizes = list(map(entry_size, items))
        self.lp_bytes += sum(sizes)
        ql = self.ql
        if ql is not None:
            for item, es in zip(items, sizes):
                ql.push(item, es, head, fill)

    def push_one(self, item: bytes, head: bool, fill: int) -> None:
        """One element at one end: ``will_add`` and ``push`` inlined (LPUSH's hot path)."""
        ql = self.ql
        if ql is None and exceeds(fill, self.lp_bytes + len(item), len(self) + 1):
            ql = self.ql = QuickList(len(self), self.lp_bytes)
        if head:
            self.appendleft(item)
        else:
            self.append(item)
        es = entry_size(item)
        self.lp_bytes += es
        if ql is not None:
            ql.push(item, es, head, fill)

    def pop_one(self, head: bool, fill: int) -> bytes:
        v = self.popleft() if head else self.pop()
        self.lp_bytes -= entry_size(v)
        ql = self.ql
        if ql is not None:
            ql.pop(v, head)
            if len(ql.nodes) == 1:  # else ``shrunk`` cannot convert
                self.shrunk(fill)
        return v

    def pop_many(self, count: int, head: bool, fill: int) -> list[bytes]:
        """Up to ``count`` elements from one end, in pop order."""
        n = min(count, len(self))
        pop = self.popleft if head else self.pop
        out = [pop() for _ in range(n)]
        self.lp_bytes -= sum(map(entry_size, out))
        ql = self.ql
        if ql is not None:
            for v in out:
                ql.pop(v, head)
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
        if self.ql is not None:
            self.ql.replace(index, old, value, fill, self._elements)
        self[index] = value
        self.lp_bytes += entry_size(value) - entry_size(old)
        self.shrunk(fill)

    def insert_at_pivot(self, pivot: bytes, value: bytes, after: bool, fill: int) -> bool:
        try:
            i = self.index(pivot)
        except ValueError:
            return False
        self.will_add(fill, (value,))
        if self.ql is not None:
            self.ql.insert(i, after, value, fill, self._elements)
        self.insert(i + 1 if after else i, value)
        self.lp_bytes += entry_size(value)
        return True

    def remove_matching(self, value: bytes, count: int, fill: int) -> int:
        """LREM: remove up to ``count`` (0 = all) elements equal to ``value``; from the tail
        when ``count`` is negative.  Returns how many were removed."""
        n = self.count(value)
        if n == 0:
            return 0
        removed = min(abs(count), n) if count else n
        hits: list[int] = []
        if removed == n and self.ql is None:
            pass  # every match goes: no positions needed
        elif count >= 0:
            hits = [i for i, e in enumerate(self) if e == value][:removed]
        else:
            last = len(self) - 1
            hits = [last - j for j, e in enumerate(reversed(self)) if e == value][:removed]
            hits.reverse()
        if removed == n:
            kept = [e for e in self if e != value]
        else:
            gone = set(hits)
            kept = [e for i, e in enumerate(self) if i not in gone]
        self.clear()
        self.extend(kept)
        size = entry_size(value)
        self.lp_bytes -= size * removed
        if self.ql is not None:
            self.ql.remove_indices(hits, size)
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
        head_gone = list(islice(self, 0, ltrim))
        tail_gone = list(islice(reversed(self), 0, rtrim))  # from the tail inwards
        if ltrim + rtrim > n // 2:
            kept = list(islice(self, ltrim, n - rtrim))
            self.clear()
            self.extend(kept)
        else:
            for _ in range(ltrim):
                self.popleft()
            for _ in range(rtrim):
                self.pop()
        self.lp_bytes -= sum(map(entry_size, head_gone)) + sum(map(entry_size, tail_gone))
        ql = self.ql
        if ql is not None:
            if len(self) == 0:
                ql.nodes = []
            else:
                for v in head_gone:
                    ql.pop(v, True)
                for v in tail_gone:
                    ql.pop(v, False)
            self.shrunk(fill)

    def positions(self, value: bytes, rank: int, count: int, maxlen: int) -> list[int]:
        """LPOS: indexes of matches, skipping ``abs(rank)-1`` matches, from the tail when
        ``rank`` < 0; at most ``count`` (0 = all) looking at most ``maxlen`` (0 = all)."""
        n = len(self)
        scan = n if maxlen == 0 else min(maxlen, n)
        skip = abs(rank) - 1
        out: list[int] = []
        if rank > 0:
            pos = 0
            index = self.index  # C-speed search from ``pos``
            while True:
                try:
                    i = index(value, pos, scan)
                except ValueError:
                    break
                pos = i + 1
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
