"""The stream type (Redis's t_stream.c type half): entries, consumer groups, PELs.

IDs are single ints, ``ms << 64 | seq``, so comparisons are one int compare and the
128-bit order is Redis's.  Entries live in *nodes* that mirror Redis's listpack nodes
(a radix tree of listpacks): each node holds the IDs of its live entries in sorted
order (``IdArray``: two ``array('Q')`` columns, 16 bytes per ID), the entries
themselves, already encoded as reply bytes, back to back in one ``bytearray`` with an
``array`` of start offsets (4 bytes of overhead per entry instead of a bytes object's
40), and the count of tombstones (entries
deleted with XDEL or trimmed from inside the node, which Redis only flags).  A node is
closed, and a new one opened, exactly when Redis would open a new listpack: when the
node's listpack bytes plus the new entry's field/value bytes reach
``stream-node-max-bytes``, or its live + deleted entries reach
``stream-node-max-entries``.  The node byte count is estimated with the listpack
encoding rules (``_lp_str``/``_lp_int``), so ``MAXLEN ~``/``MINID ~`` trimming, which
only removes whole nodes, removes what Redis removes.

Seeks are O(log n): ``firsts`` holds each node's first live ID (or its last physical ID
when it holds only tombstones) for ``bisect``, then a bisect inside the node.  Appends
are O(1) amortised (array appends at the tail node).  About 100 bytes per small
entry, against Redis's ~20 (listpacks with delta-encoded IDs and shared field names).

Consumer groups keep their PEL as a dict ``id -> Nack`` plus a sorted list of IDs (an
ordered map: O(log n) seeks, in-order walks); each consumer keeps the same for its own
PEL.  Group and consumer names are listed in byte order, as Redis's rax iterates them.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right, insort
from typing import Any

U64 = (1 << 64) - 1
MAX_ID = (1 << 128) - 1
INVALID_ENTRIES_READ = -1
LISTPACK_MAX_SIZE = 1 << 30


def id_str(i: int) -> bytes:
    return b"%d-%d" % (i >> 64, i & U64)


# ---- listpack size model ------------------------------------------------------------


def _int_enc(v: int) -> int:
    if 0 <= v <= 127:
        return 1
    if -4096 <= v <= 4095:
        return 2
    if -32768 <= v <= 32767:
        return 3
    if -8388608 <= v <= 8388607:
        return 4
    if -(2**31) <= v < 2**31:
        return 5
    return 9


def _backlen(n: int) -> int:
    if n <= 127:
        return 1
    if n < 16383:
        return 2
    if n < 2097151:
        return 3
    if n < 268435455:
        return 4
    return 5


def _lp_int(v: int) -> int:
    if 0 <= v <= 127:
        return 2
    n = _int_enc(v)
    return n + _backlen(n)


def _as_int(s: bytes) -> int | None:
    """lpStringToInt64: a canonical int64 of at most 20 characters, else None."""
    if not s or len(s) > 20:
        return None
    if s == b"0":
        return 0
    neg = s[0] == 45
    body = s[1:] if neg else s
    if not body or not body.isdigit() or body[0] == 48:
        return None
    v = int(body)
    v = -v if neg else v
    return v if -(2**63) <= v < 2**63 else None


_DIGITS = frozenset(b"0123456789")


def _lp_str(s: bytes) -> int:
    """Bytes a listpack spends on element ``s`` (stored as an integer when it is one)."""
    n = len(s)
    if n and n <= 20 and s[-1] in _DIGITS:
        v = _as_int(s)
        if v is not None:
            return _lp_int(v)
    if n < 64:
        return n + 2  # 1-byte header, 1-byte backlen
    n += 2 if n < 4096 else 5
    return n + _backlen(n)


# ---- entries ------------------------------------------------------------------------


def encode_entry(i: int, fv: list[bytes], s: bytes | None = None) -> bytes:
    """An entry as it appears in replies (``[id, [field, value, ...]]``), encoded once
    when it is added: entries never change, and every read sends them as they are.
    ``s`` is ``id_str(i)`` when the caller has it already."""
    if s is None:
        s = id_str(i)
    return b"*2\r\n$%d\r\n%b\r\n*%d\r\n%b" % (
        len(s), s, len(fv), b"".join([b"$%d\r\n%b\r\n" % (len(x), x) for x in fv]))


class IdArray:
    """A node's live entry IDs: two ``array('Q')`` columns (ms, seq), 16 bytes per ID
    where a list of 128-bit ints costs 48.  Indexing yields the int ID
    (``ms << 64 | seq``); ``left``/``right`` are ``bisect_left``/``bisect_right``."""

    __slots__ = ("ms", "seq")

    def __init__(self, ms: array | None = None, seq: array | None = None) -> None:
        self.ms = array("Q") if ms is None else ms
        self.seq = array("Q") if seq is None else seq

    def __len__(self) -> int:
        return len(self.ms)

    def __getitem__(self, k: Any) -> Any:
        if k.__class__ is slice:
            return [(a << 64) | b for a, b in zip(self.ms[k], self.seq[k])]
        return (self.ms[k] << 64) | self.seq[k]

    def __iter__(self) -> Any:
        return ((a << 64) | b for a, b in zip(self.ms, self.seq))

    def __delitem__(self, k: Any) -> None:
        del self.ms[k]
        del self.seq[k]

    def append(self, i: int) -> None:
        self.ms.append(i >> 64)
        self.seq.append(i & U64)

    def left(self, i: int, lo: int = 0, hi: int | None = None) -> int:
        ms = self.ms
        if hi is None:
            hi = len(ms)
        m = i >> 64
        a = bisect_left(ms, m, lo, hi)
        if a == hi or ms[a] != m:
            return a
        return bisect_left(self.seq, i & U64, a, bisect_right(ms, m, a, hi))

    def right(self, i: int, lo: int = 0, hi: int | None = None) -> int:
        ms = self.ms
        if hi is None:
            hi = len(ms)
        m = i >> 64
        a = bisect_left(ms, m, lo, hi)
        if a == hi or ms[a] != m:
            return a
        return bisect_right(self.seq, i & U64, a, bisect_right(ms, m, a, hi))

    def copy(self) -> IdArray:
        return IdArray(array("Q", self.ms), array("Q", self.seq))


class Node:
    """One listpack's worth of entries (see the module docstring): live entry ``k`` has
    ID ``ids[k]`` (an ``IdArray``) and its encoded form (``encode_entry``) at ``blob[offs[k]:offs[k+1]]``
    (the last one runs to the end of ``blob``)."""

    __slots__ = ("ids", "blob", "offs", "deleted", "master", "last", "fixed_bytes", "master_fields")

    def __init__(self, master: int, fields: list[bytes]) -> None:
        self.ids = IdArray()
        self.blob = bytearray()
        self.offs = array("I")
        self.deleted = 0
        self.master = master  # first physical ID (the rax key)
        self.last = master  # last physical ID, tombstone or not
        self.master_fields = fields
        # Header (6) + end byte (1) + master entry (num-fields, fields, terminator);
        # the count and deleted integers are added in nbytes().
        self.fixed_bytes = 7 + _lp_int(len(fields)) + sum(_lp_str(f) for f in fields) + _lp_int(0)

    def nbytes(self) -> int:
        return self.fixed_bytes + _lp_int(len(self.ids)) + _lp_int(self.deleted)

    def add(self, i: int, fv: list[bytes], s: bytes | None = None) -> None:
        ms_diff = (i >> 64) - (self.master >> 64)
        seq_diff = (i & U64) - (self.master & U64)
        fields = fv[0::2]
        same = fields == self.master_fields
        # flags (2 or 0: one byte) and the ID deltas; _lp_int inlined for small values
        n = (2 + (2 if 0 <= ms_diff <= 127 else _lp_int(ms_diff))
             + (2 if 0 <= seq_diff <= 127 else _lp_int(seq_diff)))
        nf = len(fields)
        if same:
            n += sum(map(_lp_str, fv[1::2])) + _lp_int(nf + 3)
        else:
            n += _lp_int(nf) + sum(map(_lp_str, fv)) + _lp_int(nf * 2 + 4)
        self.fixed_bytes += n
        ids = self.ids
        ids.ms.append(i >> 64)
        ids.seq.append(i & U64)
        self.offs.append(len(self.blob))
        self.blob += encode_entry(i, fv, s)
        self.last = i

    def entry(self, k: int) -> bytes:
        offs = self.offs
        end = offs[k + 1] if k + 1 < len(offs) else len(self.blob)
        return bytes(self.blob[offs[k]:end])

    def entries(self, lo: int, hi: int) -> list[bytes]:
        """The encoded entries lo..hi-1."""
        offs = self.offs
        blob = self.blob
        n = len(offs)
        bounds = offs[lo:hi + 1] if hi < n else offs[lo:hi].tolist() + [len(blob)]
        return [bytes(blob[bounds[j]:bounds[j + 1]]) for j in range(hi - lo)]

    def remove(self, k: int) -> None:
        """Drop live entry ``k`` (its bytes and offset); the caller counts the tombstone."""
        offs = self.offs
        start = offs[k]
        end = offs[k + 1] if k + 1 < len(offs) else len(self.blob)
        del self.blob[start:end]
        del self.ids[k]
        del offs[k]
        size = end - start
        for j in range(k, len(offs)):
            offs[j] -= size

    def remove_first(self, k: int) -> None:
        """Drop the first ``k`` live entries."""
        offs = self.offs
        cut = offs[k] if k < len(offs) else len(self.blob)
        del self.blob[:cut]
        del self.ids[:k]
        self.offs = array("I", [o - cut for o in offs[k:]])


class Nack:
    __slots__ = ("delivery_time", "delivery_count", "consumer")

    def __init__(self, delivery_time: int, consumer: Consumer | None) -> None:
        self.delivery_time = delivery_time
        self.delivery_count = 1
        self.consumer = consumer


class Pel:
    """An ordered map of stream IDs: a dict plus a sorted list of its keys."""

    __slots__ = ("map", "ids")

    def __init__(self) -> None:
        self.map: dict[int, Nack] = {}
        self.ids: list[int] = []

    def __len__(self) -> int:
        return len(self.map)

    def add(self, i: int, nack: Nack) -> None:
        self.map[i] = nack
        ids = self.ids
        if not ids or i > ids[-1]:
            ids.append(i)
        else:
            insort(ids, i)

    def remove(self, i: int) -> None:
        del self.map[i]
        ids = self.ids
        del ids[bisect_left(ids, i)]

    def range_from(self, start: int) -> int:
        return bisect_left(self.ids, start)


class Consumer:
    __slots__ = ("name", "seen_time", "active_time", "pel")

    def __init__(self, name: bytes, now_ms: int) -> None:
        self.name = name
        self.seen_time = now_ms
        self.active_time = -1
        self.pel = Pel()


class Group:
    __slots__ = ("name", "last_id", "entries_read", "pel", "consumers")

    def __init__(self, name: bytes, last_id: int, entries_read: int) -> None:
        self.name = name
        self.last_id = last_id
        self.entries_read = entries_read
        self.pel = Pel()
        self.consumers: dict[bytes, Consumer] = {}

    def sorted_consumers(self) -> list[Consumer]:
        return [self.consumers[k] for k in sorted(self.consumers)]


class StreamValue:
    __slots__ = ("nodes", "firsts", "length", "last_id", "first_id", "max_deleted", "entries_added", "groups")

    def __init__(self) -> None:
        self.nodes: list[Node] = []
        self.firsts: list[int] = []
        self.length = 0
        self.last_id = 0
        self.first_id = 0
        self.max_deleted = 0
        self.entries_added = 0
        self.groups: dict[bytes, Group] = {}

    def __len__(self) -> int:
        return self.length

    # ---- append -------------------------------------------------------------------

    def append(self, i: int, fv: list[bytes], max_entries: int, max_bytes: int, s: bytes | None = None) -> None:
        """Add entry ``i`` (greater than ``last_id``) with its field/value list; ``s``
        is ``id_str(i)`` if the caller has it."""
        nodes = self.nodes
        node = nodes[-1] if nodes else None
        if node is not None:
            limit = max_bytes if 0 < max_bytes <= LISTPACK_MAX_SIZE else LISTPACK_MAX_SIZE
            if node.nbytes() + sum(map(len, fv)) >= limit or (
                    max_entries and len(node.offs) + node.deleted >= max_entries):
                node = None
        if node is None:
            node = Node(i, fv[0::2])
            nodes.append(node)
            self.firsts.append(i)
        elif not node.ids:
            self.firsts[-1] = i
        node.add(i, fv, s)
        self.length += 1
        self.entries_added += 1
        self.last_id = i
        if self.length == 1:
            self.first_id = i

    # ---- lookups ------------------------------------------------------------------

    def _seek(self, start: int) -> tuple[int, int]:
        """(node index, position) of the first live entry with ID >= start."""
        nodes = self.nodes
        n = bisect_right(self.firsts, start) - 1
        if n < 0:
            n = 0
        while n < len(nodes):
            ids = nodes[n].ids
            p = ids.left(start)
            if p < len(ids):
                return n, p
            n += 1
        return n, 0

    def range(self, start: int, end: int, count: int = 0) -> list[tuple[int, bytes]]:
        """Live entries (id, encoded) with start <= ID <= end in order, at most
        ``count`` (0 = all)."""
        out: list[tuple[int, bytes]] = []
        if start > end:
            return out
        nodes = self.nodes
        n, p = self._seek(start)
        while n < len(nodes):
            node = nodes[n]
            ids = node.ids
            stop = ids.right(end, p)
            if count:
                stop = min(stop, p + count - len(out))
            if stop > p:
                out.extend(zip(ids[p:stop], node.entries(p, stop)))
            if stop < len(ids) or (count and len(out) >= count):
                break
            n += 1
            p = 0
        return out

    def range_encoded(self, start: int, end: int, count: int = 0) -> tuple[int, list[bytes]]:
        """As ``range``, for replies: (number of entries, chunks of their encoded bytes),
        one slice of a node's blob per node touched."""
        chunks: list[bytes] = []
        n_out = 0
        if start > end:
            return 0, chunks
        nodes = self.nodes
        n, p = self._seek(start)
        while n < len(nodes):
            node = nodes[n]
            ids = node.ids
            stop = ids.right(end, p)
            if count:
                stop = min(stop, p + count - n_out)
            if stop > p:
                offs = node.offs
                chunks.append(node.blob[offs[p]:offs[stop] if stop < len(offs) else len(node.blob)])
                n_out += stop - p
            if stop < len(ids) or (count and n_out >= count):
                break
            n += 1
            p = 0
        return n_out, chunks

    def rev_range(self, start: int, end: int, count: int = 0) -> list[tuple[int, bytes]]:
        """As ``range`` from ``end`` down to ``start``."""
        out: list[tuple[int, bytes]] = []
        if start > end:
            return out
        nodes = self.nodes
        n = bisect_right(self.firsts, end) - 1
        while n >= 0:
            node = nodes[n]
            ids = node.ids
            hi = ids.right(end)
            lo = ids.left(start, 0, hi)
            if count:
                lo = max(lo, hi - (count - len(out)))
            if hi > lo:
                out.extend(zip(reversed(ids[lo:hi]), reversed(node.entries(lo, hi))))
            if (count and len(out) >= count) or (ids and ids[0] < start) or lo > 0:
                break
            n -= 1
        return out

    def get(self, i: int) -> bytes | None:
        """The encoded entry ``i``, or None if it is not a live entry."""
        n, p = self._seek(i)
        if n < len(self.nodes):
            node = self.nodes[n]
            if node.ids[p] == i:
                return node.entry(p)
        return None

    def last_valid_id(self) -> int:
        """The ID of the last live entry, or 0 when empty (streamLastValidID)."""
        for node in reversed(self.nodes):
            if node.ids:
                return node.ids[-1]
        return 0

    def first_physical_id(self) -> int:
        """The first entry, tombstones included (streamGetEdgeID(first, no skip))."""
        return self.nodes[0].master if self.nodes else MAX_ID

    def _first_live(self) -> int:
        for node in self.nodes:
            if node.ids:
                return node.ids[0]
        return MAX_ID

    # ---- deletion -----------------------------------------------------------------

    def delete(self, i: int) -> bool:
        """XDEL one ID: True if a live entry was removed."""
        n, p = self._seek(i)
        if n >= len(self.nodes):
            return False
        node = self.nodes[n]
        if node.ids[p] != i:
            return False
        node.remove(p)
        node.deleted += 1
        self.length -= 1
        if not node.ids:
            del self.nodes[n]
            del self.firsts[n]
        elif p == 0:
            self.firsts[n] = node.ids[0]
        if i == self.first_id:
            self.first_id = 0 if not self.length else self._first_live()
        elif not self.length:
            self.first_id = 0
        if i > self.max_deleted:
            self.max_deleted = i
        return True

    def trim(self, maxlen: int | None, minid: int | None, approx: bool, limit: int) -> int:
        """streamTrim: by MAXLEN (``maxlen``) or MINID (``minid``); returns entries removed."""
        nodes = self.nodes
        deleted = 0
        while nodes:
            if maxlen is not None and self.length <= maxlen:
                break
            node = nodes[0]
            entries = len(node.ids)
            if limit and deleted + entries > limit:
                break
            if maxlen is not None:
                remove = self.length - entries >= maxlen
            else:
                remove = node.last < minid
            if remove:
                del nodes[0]
                del self.firsts[0]
                self.length -= entries
                deleted += entries
                continue
            if approx:
                break
            ids = node.ids
            if maxlen is not None:
                k = self.length - maxlen
            else:
                k = ids.left(minid)
            if k:
                node.remove_first(k)
                ids = node.ids
                node.deleted += k
                self.length -= k
                deleted += k
                self.firsts[0] = ids[0] if ids else node.last
            break
        if deleted:
            self.first_id = self._first_live() if self.length else 0
        return deleted

    # ---- consumer-group bookkeeping -------------------------------------------------

    def range_has_tombstones(self, start: int, end: int = MAX_ID) -> bool:
        md = self.max_deleted
        if not self.length or not md:
            return False
        if self.first_id > md:
            return False
        return start <= md <= end

    def estimate_distance(self, i: int) -> int:
        """streamEstimateDistanceFromFirstEverEntry: the entries_read counter of ID
        ``i``, or INVALID_ENTRIES_READ when it cannot be known."""
        if not self.entries_added:
            return 0
        if not self.length and i <= self.last_id:
            return self.entries_added
        if i == self.last_id:
            return self.entries_added
        if i > self.last_id:
            return INVALID_ENTRIES_READ
        if not self.max_deleted or self.max_deleted < self.first_id:
            if i < self.first_id:
                return self.entries_added - self.length
            if i == self.first_id:
                return self.entries_added - self.length + 1
        return INVALID_ENTRIES_READ

    def lag(self, g: Group) -> int | None:
        if not self.entries_added:
            return 0
        if g.entries_read != INVALID_ENTRIES_READ and not self.range_has_tombstones(g.last_id):
            return self.entries_added - g.entries_read
        er = self.estimate_distance(g.last_id)
        if er != INVALID_ENTRIES_READ:
            return self.entries_added - er
        return None

    def advance_group(self, g: Group, i: int) -> None:
        """A group delivered entry ``i`` (greater than its last ID): update its counters."""
        if g.entries_read != INVALID_ENTRIES_READ and not self.range_has_tombstones(i):
            g.entries_read += 1
        elif self.entries_added:
            g.entries_read = self.estimate_distance(i)
        g.last_id = i

    # ---- introspection ------------------------------------------------------------

    def rax_keys(self) -> int:
        return len(self.nodes)

    def rax_nodes(self) -> int:
        """The node count of Redis's rax holding the node keys (128-bit big-endian
        master IDs), for a canonical compressed radix tree."""
        keys = [n.master.to_bytes(16, "big") for n in self.nodes]
        if not keys:
            return 1
        return _rax_count(keys, 0, len(keys), 0)

    def copy(self) -> StreamValue:
        s = StreamValue()
        for node in self.nodes:
            m = Node(node.master, node.master_fields)
            m.ids = node.ids.copy()
            m.blob = bytearray(node.blob)
            m.offs = array("I", node.offs)
            m.deleted, m.last, m.fixed_bytes = node.deleted, node.last, node.fixed_bytes
            s.nodes.append(m)
        s.firsts = self.firsts[:]
        s.length, s.last_id, s.first_id = self.length, self.last_id, self.first_id
        s.max_deleted, s.entries_added = self.max_deleted, self.entries_added
        for name, g in self.groups.items():
            ng = Group(name, g.last_id, g.entries_read)
            for cname, c in g.consumers.items():
                nc = Consumer(cname, c.seen_time)
                nc.active_time = c.active_time
                ng.consumers[cname] = nc
            for i in g.pel.ids:
                old = g.pel.map[i]
                nk = Nack(old.delivery_time, None)
                nk.delivery_count = old.delivery_count
                if old.consumer is not None:
                    nk.consumer = ng.consumers[old.consumer.name]
                    nk.consumer.pel.add(i, nk)
                ng.pel.add(i, nk)
            s.groups[name] = ng
        return s


def _rax_count(keys: list[bytes], lo: int, hi: int, d: int) -> int:
    """Nodes of the subtree holding keys[lo:hi] (all sharing their first d bytes)."""
    if hi - lo == 1:
        return 1 if d == 16 else 2
    a, b = keys[lo], keys[hi - 1]
    p = d
    while a[p] == b[p]:
        p += 1
    n = 1 if p > d else 0  # a compressed node for the shared run
    n += 1  # the branching node
    i = lo
    while i < hi:
        c = keys[i][p]
        j = i + 1
        while j < hi and keys[j][p] == c:
            j += 1
        n += _rax_count(keys, i, j, p + 1)
        i = j
    return n


def encoding(v: Any, server: Any) -> bytes:
    return b"stream"
