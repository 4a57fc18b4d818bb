"""The sorted-set value: a member->score dict plus an order-statistics list.

Redis keeps a dict and a skiplist.  A skiplist written in Python is slow (one object per
node, pointer chasing in the interpreter), so the ordered half here is a "sorted
containers" style list of lists:

* ``_lists``: blocks of ``(score, member)`` tuples, each block sorted, blocks in order,
  each block at most ``2 * LOAD`` long (split in two when it grows past that).  Tuples
  compare exactly as Redis orders a zset: by score, then by member bytes (memcmp).
* ``_maxes[i]`` is the last tuple of block ``i``: ``bisect`` on it finds the block of
  any tuple; ``bisect`` inside the block finds the position, so insert, delete and
  lookup touch O(log n) tuples plus one ``list.insert`` memmove of at most 2*LOAD.
* ``_cum`` is the prefix sum of block lengths, rebuilt lazily (``itertools.accumulate``,
  C speed, O(n / LOAD)) after a change; rank <-> position conversions bisect on it.

``ZSet.big`` mirrors Redis's encoding switch (listpack -> skiplist): it flips to True when
the set outgrows ``zset-max-listpack-entries``/``-value`` and stays so, as in Redis.
Scores are Python floats (IEEE doubles as in Redis); ``-0.0`` and ``0.0`` compare equal.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from itertools import accumulate
from typing import Iterator
import re

LOAD = 256


class _Top:
    """Compares greater than any bytes: ``(score, TOP)`` sorts after every member of score."""

    __slots__ = ()

    def __lt__(self, other: object) -> bool:
        return False

    def __gt__(self, other: object) -> bool:
        return True

    def __le__(self, other: object) -> bool:
        return other is self

    def __ge__(self, other: object) -> bool:
        return True

    def __eq__(self, other: object) -> bool:
        return other is self

    __hash__ = object.__hash__


TOP = _Top()
BOTTOM = b""  # the smallest member: (score, b"") sorts before every member of score


class SortedList:
    """An ordered list of comparable items with O(log n) insert/delete/rank/select."""

    __slots__ = ("_lists", "_maxes", "_cum", "_len")

    def __init__(self) -> None:
        self._lists: list[list] = []
        self._maxes: list = []
        self._cum: list[int] | None = [0]
        self._len = 0

    @classmethod
    def from_sorted(cls, items: list) -> SortedList:
        sl = cls()
        n = len(items)
        sl._lists = [items[i:i + LOAD] for i in range(0, n, LOAD)]
        sl._maxes = [b[-1] for b in sl._lists]
        sl._len = n
        sl._cum = None
        return sl

    def __len__(self) -> int:
        return self._len

    def __iter__(self) -> Iterator:
        for b in self._lists:
            yield from b

    def __reversed__(self) -> Iterator:
        for b in reversed(self._lists):
            yield from reversed(b)

    def cum(self) -> list[int]:
        c = self._cum
        if c is None:
            c = self._cum = [0, *accumulate(map(len, self._lists))]
        return c

    def add(self, item: object) -> None:
        lists, maxes = self._lists, self._maxes
        self._len += 1
        self._cum = None
        if not lists:
            lists.append([item])
            maxes.append(item)
            return
        i = bisect_left(maxes, item)
        if i == len(maxes):
            i -= 1
            lists[i].append(item)
            maxes[i] = item
        else:
            insort(lists[i], item)
        blk = lists[i]
        if len(blk) > 2 * LOAD:
            half = blk[LOAD:]
            del blk[LOAD:]
            lists.insert(i + 1, half)
            maxes[i] = blk[-1]
            maxes.insert(i + 1, half[-1])

    def remove(self, item: object) -> None:
        """Remove ``item``, which must be present."""
        lists, maxes = self._lists, self._maxes
        i = bisect_left(maxes, item)
        blk = lists[i]
        j = bisect_left(blk, item)
        del blk[j]
        self._len -= 1
        self._cum = None
        if not blk:
            del lists[i]
            del maxes[i]
        elif j == len(blk):
            maxes[i] = blk[-1]
        if i + 1 < len(lists) and len(blk) + len(lists[i + 1]) < LOAD:
            # Merge small neighbours so that block count stays ~ n / LOAD.
            blk.extend(lists[i + 1])
            maxes[i] = blk[-1]
            del lists[i + 1]
            del maxes[i + 1]

    def bisect_left(self, item: object) -> int:
        """Number of items < ``item``."""
        maxes = self._maxes
        i = bisect_left(maxes, item)
        if i == len(maxes):
            return self._len
        return self.cum()[i] + bisect_left(self._lists[i], item)

    def bisect_right(self, item: object) -> int:
        """Number of items <= ``item``."""
        maxes = self._maxes
        i = bisect_right(maxes, item)
        if i == len(maxes):
            return self._len
        return self.cum()[i] + bisect_right(self._lists[i], item)

    def _locate(self, pos: int) -> tuple[int, int]:
        cum = self.cum()
        i = bisect_right(cum, pos) - 1
        return i, pos - cum[i]

    def __getitem__(self, pos: int) -> object:
        if pos < 0:
            pos += self._len
        i, j = self._locate(pos)
        return self._lists[i][j]

    def slice(self, start: int, stop: int) -> list:
        """Items at positions ``start <= pos < stop`` (0 <= start, stop <= len)."""
        if start >= stop:
            return []
        lists = self._lists
        i, j = self._locate(start)
        out = lists[i][j:j + (stop - start)]
        need = stop - start - len(out)
        while need > 0:
            i += 1
            blk = lists[i]
            if len(blk) <= need:
                out += blk
                need -= len(blk)
            else:
                out += blk[:need]
                break
        return out

    def pop_end(self, last: bool) -> object:
        """Remove and return the first (or the last) item; the list must not be empty."""
        lists = self._lists
        i = -1 if last else 0
        blk = lists[i]
        item = blk.pop() if last else blk.pop(0)
        self._len -= 1
        self._cum = None
        if not blk:
            del lists[i]
            del self._maxes[i]
        elif last:
            self._maxes[-1] = blk[-1]
        return item

    def delete_slice(self, start: int, stop: int) -> None:
        """Delete positions ``start <= pos < stop``."""
        if start >= stop:
            return
        if start == 0 and stop >= self._len:
            self._lists, self._maxes, self._len, self._cum = [], [], 0, [0]
            return
        lists, maxes = self._lists, self._maxes
        i, j = self._locate(start)
        n = stop - start
        self._len -= n
        self._cum = None
        while n > 0:
            blk = lists[i]
            take = min(n, len(blk) - j)
            del blk[j:j + take]
            n -= take
            if not blk:
                del lists[i]
                del maxes[i]
            else:
                maxes[i] = blk[-1]
                i += 1
            j = 0


class ZSet:
    """A sorted set: ``scores`` (member -> score) and ``order`` (sorted (score, member))."""

    __slots__ = ("scores", "order", "big")

    def __init__(self) -> None:
        self.scores: dict[bytes, float] = {}
        self.order = SortedList()
        self.big = False  # Redis's OBJ_ENCODING_SKIPLIST (vs listpack)

    @classmethod
    def from_scores(cls, scores: dict[bytes, float]) -> ZSet:
        z = cls()
        z.scores = scores
        z.order = SortedList.from_sorted(sorted([(s, m) for m, s in scores.items()]))
        return z

    def __len__(self) -> int:
        return len(self.scores)

    def add(self, member: bytes, score: float) -> None:
        """Insert ``member`` or move it to ``score``.

        A listpack stores integral scores as integers, so -0.0 comes back as 0 there;
        a skiplist keeps the double as is."""
        if score == 0.0 and not self.big:
            score = 0.0
        scores = self.scores
        old = scores.get(member)
        if old is not None:
            if old == score:
                return  # same place, and Redis keeps the old value (-0.0 vs 0.0)
            self.order.remove((old, member))
        scores[member] = score
        self.order.add((score, member))

    def remove(self, member: bytes) -> bool:
        score = self.scores.pop(member, None)
        if score is None:
            return False
        self.order.remove((score, member))
        return True

    def rank(self, member: bytes) -> int | None:
        score = self.scores.get(member)
        if score is None:
            return None
        return self.order.bisect_left((score, member))

    # ---- ranges: each returns (start, stop) positions in ascending order --------------

    def score_span(self, lo: float, lo_ex: bool, hi: float, hi_ex: bool) -> tuple[int, int]:
        """Positions of the elements with lo <(=) score <(=) hi."""
        order = self.order
        start = order.bisect_left((lo, TOP) if lo_ex else (lo, BOTTOM))
        stop = order.bisect_left((hi, BOTTOM)) if hi_ex else order.bisect_right((hi, TOP))
        return start, max(start, stop)

    def lex_span(self, lo: bytes | None, lo_ex: bool, hi: bytes | None, hi_ex: bool,
                 rev: bool = False) -> tuple[int, int]:
        """Positions [a, b) of the members in a lex range; ``None`` bounds are ``-``/``+``.

        Redis requires equal scores for lex ranges; then the tuple order is the member
        order and two bisections answer.  With mixed scores the result is the one of
        Redis's listpack walk (zzlFirstInLexRange / zzlLastInLexRange): the range is
        empty unless the last member is >= min and the first <= max; forward, it starts
        at the first member >= min (which must be <= max) and runs while members are
        <= max; backward (``rev``), it starts at the last member <= max (which must be
        >= min) and runs back while members are >= min.  (A skiplist-encoded set answers
        mixed-score lex ranges according to its random node levels; the listpack walk
        is the deterministic reading used here.)
        """
        order = self.order
        n = len(order)
        if n == 0:
            return 0, 0
        first_score = order[0][0]
        if order[-1][0] == first_score:
            start = 0 if lo is None else (order.bisect_right((first_score, lo)) if lo_ex
                                          else order.bisect_left((first_score, lo)))
            stop = n if hi is None else (order.bisect_left((first_score, hi)) if hi_ex
                                         else order.bisect_right((first_score, hi)))
            return start, max(start, stop)

        def gte_min(m: bytes) -> bool:
            return lo is None or (m > lo if lo_ex else m >= lo)

        def lte_max(m: bytes) -> bool:
            return hi is None or (m < hi if hi_ex else m <= hi)

        members = [m for _, m in order]
        if not gte_min(members[-1]) or not lte_max(members[0]):
            return 0, 0
        if not rev:
            a = next((i for i, m in enumerate(members) if gte_min(m)), n)
            if a == n or not lte_max(members[a]):
                return 0, 0
            b = a
            while b < n and lte_max(members[b]):
                b += 1
            return a, b
        last = next((i for i in range(n - 1, -1, -1) if lte_max(members[i])), -1)
        if last < 0 or not gte_min(members[last]):
            return 0, 0
        a = last
        while a > 0 and gte_min(members[a - 1]):
            a -= 1
        return a, last + 1


# ---- parsing scores and ranges as Redis reads them ---------------------------------------
#
# * parse_score: getDoubleFromObject (strtod over the whole string): no leading space,
#   no trailing garbage, NaN refused, overflow to +-inf or underflow to zero (ERANGE)
#   refused, while the texts inf/infinity are accepted; hex floats as strtod reads them.
# * parse_bound: zslParseRange's strtod: leading spaces allowed, an empty string reads
#   as 0, a NUL ends the text, overflow accepted, NaN refused.
# * parse_lex_bound: zslParseLexRangeItem: "-", "+", "[x" or "(x".


_WS = b" \t\n\r\v\f"
_INF_WORDS = (b"inf", b"infinity")
_NONZERO = re.compile(rb"[1-9]")


def _strtod(s: bytes) -> float | None:
    """The double the whole of ``s`` spells (no surrounding space), or None."""
    if not s or s[-1] in _WS or b"_" in s:
        return None
    try:
        v = float(s)
    except ValueError:
        if b"x" not in s and b"X" not in s:
            return None
        try:
            v = float.fromhex(s.decode("latin-1"))
        except (ValueError, OverflowError):
            return None
    if v != v:
        return None
    return v


_INF = float("inf")
_HEX_NONZERO = re.compile(rb"[1-9a-fA-F]")


def parse_score(raw: bytes) -> float | None:
    """Redis's getDoubleFromObject, or None (-> "value is not a valid float")."""
    if raw.isdigit() and len(raw) < 16:  # plain digits: exact, nothing to refuse
        return float(raw)
    if not raw or raw[0] in _WS:
        return None
    v = _strtod(raw)
    if v is None:
        return None
    if v == _INF or v == -_INF:
        if raw.lstrip(b"+-").lower() not in _INF_WORDS:
            return None  # overflow: strtod sets ERANGE
    elif v == 0.0:
        low = raw.lower()
        if b"x" in low:
            if _HEX_NONZERO.search(low.split(b"p", 1)[0].split(b"x", 1)[1]):
                return None  # underflow to zero: ERANGE
        elif _NONZERO.search(low.split(b"e", 1)[0]):
            return None
    return v


def parse_bound(raw: bytes) -> tuple[float, bool] | None:
    """A ZRANGEBYSCORE bound: (value, exclusive), or None."""
    ex = raw[:1] == b"("
    s = raw[1:] if ex else raw
    nul = s.find(b"\0")
    if nul >= 0:
        s = s[:nul]
    if not s:
        return 0.0, ex
    t = s.lstrip(_WS)
    if not t:
        return None
    v = _strtod(t)
    if v is None:
        return None
    return v, ex


# Lex bounds: (kind, value, exclusive); kind -1 is "-", +1 is "+", 0 a member bound.
def parse_lex_bound(raw: bytes) -> tuple[int, bytes, bool] | None:
    c = raw[:1]
    if c == b"+" and len(raw) == 1:
        return 1, b"", False
    if c == b"-" and len(raw) == 1:
        return -1, b"", False
    if c == b"(":
        return 0, raw[1:], True
    if c == b"[":
        return 0, raw[1:], False
    return None
