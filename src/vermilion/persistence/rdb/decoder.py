"""Reading RDB: whole files (``load``) and single values (``read_value``, used by RESTORE).

Every RDB version up to 11 and every encoding Redis has written are read:

* strings: raw, integers (int8/16/32), LZF-compressed;
* lists: linked list (1), ziplist (10), quicklist of ziplists (14), quicklist 2 of
  listpack or plain nodes (18);
* sets: plain (2), intset (11), listpack (20);
* hashes: plain (4), zipmap (9), ziplist (13), listpack (16);
* sorted sets: plain with ASCII doubles (3), plain with binary doubles (5), ziplist
  (12), listpack (17);
* streams: listpack nodes v1 (15), v2 (19: first ID, max deleted ID, entries added,
  group entries-read), v3 (21: consumer active time); groups, PELs and consumers;
* opcodes: AUX, SELECTDB, RESIZEDB, EXPIRETIME(_MS), IDLE, FREQ, FUNCTION2 (library
  code is kept aside, untouched), EOF and the CRC64 that follows it (version >= 5).

Module values and module aux data are refused with a clear error (no modules here).

The input is untrusted: reads go through ``reader.Reader`` (bounds-checked, element
counts checked against the bytes left, LZF output capped by what its input can expand
to), packed blobs through ``packed`` (bounds-checked too), and every failure raises
``RdbError`` naming the offset.

Values are built with the encodings Redis 7.2 gives them after a load, from ``Limits``
(the ``*-max-listpack-*`` / ``*-max-intset-*`` settings).
"""

from __future__ import annotations

from typing import Any, Callable

from ...datatypes.hashes import HashValue
from ...datatypes.lists import ListValue
from ...datatypes.sets import HASHTABLE, INTSET, LISTPACK, SetLimits, SetValue
from ...datatypes.stream import Consumer, Group, Nack, Node, StreamValue
from ...datatypes.zset import ZSet
from . import constants as K
from .crc64 import crc64
from .packed import PackedError, read_intset, read_listpack, read_ziplist, read_zipmap
from .reader import EmptyKey, RdbError, Reader  # noqa: F401  (RdbError is part of this API)

U64 = (1 << 64) - 1


class Limits:
    """The encoding thresholds a loaded value is checked against."""

    __slots__ = ("list_fill", "hash_entries", "hash_value", "set_intset", "set_entries", "set_value",
                 "zset_entries", "zset_value")

    def __init__(self, config: Any = None) -> None:
        get = (lambda k, d: config.get(k, d)) if config is not None else (lambda k, d: d)
        self.list_fill = get("list-max-listpack-size", -2)
        self.hash_entries = get("hash-max-listpack-entries", 512)
        self.hash_value = get("hash-max-listpack-value", 64)
        self.set_intset = min(get("set-max-intset-entries", 512), 1 << 30)
        self.set_entries = get("set-max-listpack-entries", 128)
        self.set_value = get("set-max-listpack-value", 64)
        self.zset_entries = get("zset-max-listpack-entries", 128)
        self.zset_value = get("zset-max-listpack-value", 64)


# ---- values -------------------------------------------------------------------------

def _as_bytes(x: Any) -> bytes:
    return x if type(x) is bytes else b"%d" % x


def _packed(r: Reader, reader: Callable[[bytes], list], what: str) -> list:
    start = r.pos
    blob = r.string()
    try:
        return reader(blob)
    except PackedError as e:
        raise RdbError(f"invalid {what}: {e}", start) from None


def _list(items: list[bytes], lim: Limits) -> ListValue:
    lst = ListValue()
    lst.push(items, False, lim.list_fill)
    lst.shrunk(lim.list_fill)
    return lst


def _hash(pairs: list[bytes], lim: Limits, start: int) -> HashValue:
    h = HashValue()
    it = iter(pairs)
    h.update(zip(it, it))
    if len(h) * 2 != len(pairs):
        raise RdbError("duplicate hash fields", start)
    if len(h) > lim.hash_entries or (pairs and max(map(len, pairs)) > lim.hash_value):
        h.ht = True
    return h


def _set_plain(members: list[bytes], lim: Limits, start: int) -> SetValue:
    s = SetValue()
    if len(members) > lim.set_intset:
        s.enc = HASHTABLE
    sl = SetLimits.__new__(SetLimits)
    sl.intset, sl.lp_entries, sl.lp_value = lim.set_intset, lim.set_entries, lim.set_value
    if s.add_many(members, sl) != len(members):
        raise RdbError("duplicate set members", start)
    return s


def _zset(scores: dict[bytes, float], n: int, lim: Limits, start: int, packed: bool) -> ZSet:
    if len(scores) != n:
        raise RdbError("duplicate sorted set members", start)
    for s in scores.values():
        if s != s:
            raise RdbError("sorted set with a NaN score", start)
    if packed:
        big = n > lim.zset_entries
    else:
        big = n > lim.zset_entries or bool(scores and max(map(len, scores)) > lim.zset_value)
    if not big:
        for m, s in scores.items():
            if s == 0.0:
                scores[m] = 0.0
    z = ZSet.from_scores(scores)
    z.big = big
    return z


def _score(x: Any, start: int) -> float:
    if type(x) is int:
        return float(x)
    try:
        return float(x)
    except ValueError:
        raise RdbError("invalid sorted set score", start) from None


def read_value(r: Reader, t: int, lim: Limits) -> Any:
    """rdbLoadObject: one value of type ``t``.  Raises RdbError (EmptyKey when empty)."""
    start = r.pos
    if t == K.TYPE_STRING:
        return r.string()
    if t == K.TYPE_LIST:
        n = r.count()
        items = [r.string() for _ in range(n)]
        if not items:
            raise EmptyKey("empty list", start)
        return _list(items, lim)
    if t in (K.TYPE_LIST_QUICKLIST, K.TYPE_LIST_QUICKLIST_2):
        n = r.count()
        items: list = []
        for _ in range(n):
            if t == K.TYPE_LIST_QUICKLIST_2:
                container = r.length()
                if container == K.QUICKLIST_NODE_PLAIN:
                    items.append(r.string())
                    continue
                if container != K.QUICKLIST_NODE_PACKED:
                    raise r.fail(f"unknown quicklist node container {container}")
                node = _packed(r, read_listpack, "listpack")
            else:
                node = _packed(r, read_ziplist, "ziplist")
            if not node:
                raise r.fail("empty quicklist node")
            items.extend(map(_as_bytes, node))
        if not items:
            raise EmptyKey("empty list", start)
        return _list(items, lim)
    if t == K.TYPE_LIST_ZIPLIST:
        items = [_as_bytes(x) for x in _packed(r, read_ziplist, "ziplist")]
        if not items:
            raise EmptyKey("empty list", start)
        return _list(items, lim)
    if t == K.TYPE_SET:
        n = r.count()
        members = [r.string() for _ in range(n)]
        if not members:
            raise EmptyKey("empty set", start)
        return _set_plain(members, lim, start)
    if t == K.TYPE_SET_INTSET:
        values = _packed(r, read_intset, "intset")
        if not values:
            raise EmptyKey("empty set", start)
        s = SetValue()
        s.update(dict.fromkeys(b"%d" % v for v in values))
        s.enc = INTSET if len(s) <= lim.set_intset else HASHTABLE
        return s
    if t == K.TYPE_SET_LISTPACK:
        members = [_as_bytes(x) for x in _packed(r, read_listpack, "listpack")]
        if not members:
            raise EmptyKey("empty set", start)
        s = SetValue()
        s.update(dict.fromkeys(members))
        if len(s) != len(members):
            raise RdbError("duplicate set members", start)
        s.enc = LISTPACK if len(s) <= lim.set_entries else HASHTABLE
        return s
    if t == K.TYPE_HASH:
        n = r.count(2)
        pairs = [r.string() for _ in range(2 * n)]
        if not pairs:
            raise EmptyKey("empty hash", start)
        return _hash(pairs, lim, start)
    if t in (K.TYPE_HASH_ZIPMAP, K.TYPE_HASH_ZIPLIST, K.TYPE_HASH_LISTPACK):
        reader = {K.TYPE_HASH_ZIPMAP: read_zipmap, K.TYPE_HASH_ZIPLIST: read_ziplist,
                  K.TYPE_HASH_LISTPACK: read_listpack}[t]
        pairs = [_as_bytes(x) for x in _packed(r, reader, "packed hash")]
        if len(pairs) & 1:
            raise RdbError("packed hash with an odd number of elements", start)
        if not pairs:
            raise EmptyKey("empty hash", start)
        return _hash(pairs, lim, start)
    if t in (K.TYPE_ZSET, K.TYPE_ZSET_2):
        n = r.count(2)
        scores: dict[bytes, float] = {}
        read_score = r.binary_double if t == K.TYPE_ZSET_2 else r.ascii_double
        for _ in range(n):
            m = r.string()
            scores[m] = read_score()
        if not n:
            raise EmptyKey("empty sorted set", start)
        return _zset(scores, n, lim, start, packed=False)
    if t in (K.TYPE_ZSET_ZIPLIST, K.TYPE_ZSET_LISTPACK):
        reader = read_ziplist if t == K.TYPE_ZSET_ZIPLIST else read_listpack
        flat = _packed(r, reader, "packed sorted set")
        if len(flat) & 1:
            raise RdbError("packed sorted set with an odd number of elements", start)
        if not flat:
            raise EmptyKey("empty sorted set", start)
        scores = {_as_bytes(m): _score(s, start) for m, s in zip(flat[0::2], flat[1::2])}
        return _zset(scores, len(flat) // 2, lim, start, packed=True)
    if t in (K.TYPE_STREAM_LISTPACKS, K.TYPE_STREAM_LISTPACKS_2, K.TYPE_STREAM_LISTPACKS_3):
        return _stream(r, t)
    if t in (K.TYPE_MODULE_PRE_GA, K.TYPE_MODULE_2):
        raise RdbError("module data type found: Vermilion does not load Redis modules", start)
    raise RdbError(f"unknown object type {t}", start)


# ---- streams ------------------------------------------------------------------------

def _stream_node(r: Reader, s: StreamValue, start: int) -> None:
    key = r.string()
    if len(key) != 16:
        raise RdbError("stream node key is not a 128-bit ID", start)
    master = int.from_bytes(key, "big")
    lp = _packed(r, read_listpack, "stream listpack")
    if not lp:
        raise RdbError("empty listpack inside a stream", start)
    try:
        count, deleted, nf = lp[0], lp[1], lp[2]
        if type(count) is not int or type(deleted) is not int or type(nf) is not int or nf < 0:
            raise IndexError
        fields = [_as_bytes(x) for x in lp[3:3 + nf]]
        if len(fields) != nf or lp[3 + nf] != 0:
            raise IndexError
        node = Node(master, fields)
        ms0, seq0 = master >> 64, master & U64
        p = 4 + nf
        n = len(lp)
        prev = -1
        live = dead = 0
        while p < n:
            flags, msd, seqd = lp[p], lp[p + 1], lp[p + 2]
            p += 3
            if flags & K.STREAM_ITEM_FLAG_SAMEFIELDS:
                values = lp[p:p + nf]
                p += nf
                fv: list[bytes] = [b""] * (2 * nf)
                fv[0::2] = fields
                fv[1::2] = map(_as_bytes, values)
                extra = 3 + nf
            else:
                k = lp[p]
                if type(k) is not int or k < 0:
                    raise IndexError
                fv = [_as_bytes(x) for x in lp[p + 1:p + 1 + 2 * k]]
                if len(fv) != 2 * k:
                    raise IndexError
                p += 1 + 2 * k
                extra = 4 + 2 * k
            if lp[p] != extra:
                raise IndexError
            p += 1
            ms, seq = ms0 + msd, seq0 + seqd
            if not (0 <= ms <= U64 and 0 <= seq <= U64):
                raise IndexError
            i = (ms << 64) | seq
            if i <= prev or i < master:
                raise RdbError("stream entries out of order", start)
            prev = i
            node.add(i, fv)
            if flags & K.STREAM_ITEM_FLAG_DELETED:
                node.remove(len(node.ids) - 1)  # a tombstone: its bytes counted, entry gone
                node.deleted += 1
                dead += 1
            else:
                live += 1
        if live != count or dead != deleted or prev < 0:
            raise IndexError
    except (IndexError, TypeError, ValueError):
        raise RdbError("malformed stream listpack", start) from None
    if s.nodes and master <= s.nodes[-1].last:
        raise RdbError("stream nodes out of order", start)
    s.nodes.append(node)
    s.firsts.append(node.ids[0] if node.ids else node.last)
    s.length += live


def _id(r: Reader) -> int:
    ms = r.length()
    seq = r.length()
    if ms > U64 or seq > U64:
        raise r.fail("stream ID out of range")
    return (ms << 64) | seq


def _stream(r: Reader, t: int) -> StreamValue:
    start = r.pos
    s = StreamValue()
    for _ in range(r.count(2)):
        _stream_node(r, s, r.pos)
    declared = r.length()
    if declared != s.length:
        raise RdbError("stream length does not match its entries", start)
    s.last_id = _id(r)
    if s.nodes and s.nodes[-1].last > s.last_id:
        raise RdbError("stream last ID is lower than its entries", start)
    if t >= K.TYPE_STREAM_LISTPACKS_2:
        s.first_id = _id(r)
        s.max_deleted = _id(r)
        s.entries_added = r.length()
    else:
        s.first_id = s._first_live() if s.length else 0
        s.entries_added = s.length
    for _ in range(r.count(3)):
        name = r.string()
        last_id = _id(r)
        if t >= K.TYPE_STREAM_LISTPACKS_2:
            entries_read = r.length()
            if entries_read > (1 << 63) - 1:
                entries_read -= 1 << 64  # -1 (unknown) was saved as an unsigned length
        else:
            entries_read = s.estimate_distance(last_id)
        if name in s.groups:
            raise r.fail("duplicate stream consumer group")
        g = Group(name, last_id, entries_read)
        for _ in range(r.count(17)):
            i = int.from_bytes(r.take(16), "big")
            nack = Nack(r.millis(), None)
            nack.delivery_count = r.length()
            if i in g.pel.map:
                raise r.fail("duplicate stream PEL entry")
            g.pel.add(i, nack)
        for _ in range(r.count(9)):
            cname = r.string()
            c = Consumer(cname, 0)
            c.seen_time = r.millis()
            c.active_time = r.millis() if t >= K.TYPE_STREAM_LISTPACKS_3 else c.seen_time
            if cname in g.consumers:
                raise r.fail("duplicate stream consumer")
            for _ in range(r.count(16)):
                i = int.from_bytes(r.take(16), "big")
                nack = g.pel.map.get(i)
                if nack is None or nack.consumer is not None:
                    raise r.fail("consumer PEL entry not found in the group PEL")
                nack.consumer = c
                c.pel.add(i, nack)
            g.consumers[cname] = c
        for nack in g.pel.map.values():
            if nack.consumer is None:
                raise RdbError("stream PEL entry without a consumer", start)
        s.groups[name] = g
    return s


# ---- files --------------------------------------------------------------------------

class KeyRefused(ValueError):
    """Raised by a sink that cannot take a key (duplicate, database out of range)."""


class LoadInfo:
    """What a load found besides keys."""

    __slots__ = ("version", "aux", "functions", "keys_loaded", "keys_expired", "empty_keys_skipped", "end_offset")

    def __init__(self) -> None:
        self.version = 0
        self.aux: dict[bytes, bytes] = {}
        self.functions: list[bytes] = []
        self.keys_loaded = 0
        self.keys_expired = 0
        self.empty_keys_skipped = 0
        self.end_offset = 0  # where the RDB ends (an AOF with an RDB preamble goes on with commands)


def load(buf: bytes, lim: Limits,
         sink: Callable[[int, bytes, Any, int | None, int, int], bool],
         verify_checksum: bool = True, progress: Callable[[int], Any] | None = None,
         step_bytes: int = 1 << 16) -> LoadInfo:
    """Parse a whole RDB file, calling ``sink(db, key, value, expire_at_ms, idle_s,
    freq)`` for every key (idle_s/freq are -1 when absent); ``sink`` returns False
    when it dropped the key as expired, or raises KeyRefused.  Raises RdbError.

    ``progress(offset)`` is called about every ``step_bytes`` of input (the server
    answers its clients meanwhile: persistence/loading.py); the checksum is then
    computed piecewise at those points, so no single step is long."""
    info = LoadInfo()
    next_step = step_bytes if progress is not None else len(buf) + 1
    crc = 0
    crc_pos = 0
    checking = verify_checksum and len(buf) >= 9 and buf[5:9].isdigit() and int(buf[5:9]) >= 5
    if len(buf) < 9 or buf[:5] != b"REDIS":
        raise RdbError("wrong signature trying to load DB from file", 0)
    try:
        version = int(buf[5:9])
    except ValueError:
        raise RdbError("wrong signature trying to load DB from file", 5) from None
    if not 1 <= version <= K.RDB_VERSION_MAX:
        raise RdbError(f"can't handle RDB format version {version}", 5)
    info.version = version
    r = Reader(buf, 9)
    db = 0
    expire: int | None = None
    idle = freq = -1
    while True:
        at = r.pos
        t = r.u8()
        if t == K.OPCODE_EXPIRETIME_MS:
            expire = r.millis()
            continue
        if t == K.OPCODE_EXPIRETIME:
            expire = int.from_bytes(r.take(4), "little", signed=True) * 1000
            continue
        if t == K.OPCODE_IDLE:
            idle = r.length()
            continue
        if t == K.OPCODE_FREQ:
            freq = r.u8()
            continue
        if t == K.OPCODE_SELECTDB:
            db = r.length()
            continue
        if t == K.OPCODE_RESIZEDB:
            r.length()
            r.length()
            continue
        if t == K.OPCODE_AUX:
            k = r.string()
            info.aux[k] = r.string()
            continue
        if t == K.OPCODE_FUNCTION2:
            info.functions.append(r.string())
            continue
        if t == K.OPCODE_FUNCTION_PRE_GA:
            raise RdbError("pre-release function format not supported", at)
        if t == K.OPCODE_MODULE_AUX:
            raise RdbError("module auxiliary data found: Vermilion does not load Redis modules", at)
        if t == K.OPCODE_EOF:
            break
        if t not in K.OBJECT_TYPES:
            raise RdbError(f"unknown RDB opcode or type {t}", at)
        if at >= next_step:
            if checking:
                crc = crc64(crc, memoryview(buf)[crc_pos:at])
                crc_pos = at
            progress(at)  # type: ignore[misc]
            next_step = at + step_bytes
        key = r.string()
        try:
            value = read_value(r, t, lim)
        except EmptyKey:
            info.empty_keys_skipped += 1
        else:
            try:
                kept = sink(db, key, value, expire, idle, freq)
            except KeyRefused as e:
                raise RdbError(str(e), at) from None
            if kept:
                info.keys_loaded += 1
            else:
                info.keys_expired += 1
        expire = None
        idle = freq = -1
    if version >= 5:
        end = r.pos
        stored = int.from_bytes(r.take(8), "little")
        if verify_checksum and stored != 0 and crc64(crc, memoryview(buf)[crc_pos:end]) != stored:
            raise RdbError("wrong RDB checksum", end)
    info.end_offset = r.pos
    return info


# ---- DUMP payloads --------------------------------------------------------------------

class PayloadError(ValueError):
    """``version_or_checksum``: the footer is wrong; else the body is malformed."""

    def __init__(self, version_or_checksum: bool, detail: str = "") -> None:
        super().__init__(detail)
        self.version_or_checksum = version_or_checksum


def verify_payload(payload: bytes, skip_checksum: bool = False) -> None:
    """verifyDumpPayload: at least 10 bytes, RDB version <= ours, CRC64 matches."""
    if len(payload) < 10:
        raise PayloadError(True, "payload too short")
    version = payload[-10] | (payload[-9] << 8)
    if version > K.RDB_VERSION_MAX:
        raise PayloadError(True, "payload version too new")
    if skip_checksum:
        return
    if crc64(0, memoryview(payload)[:-8]) != int.from_bytes(payload[-8:], "little"):
        raise PayloadError(True, "payload checksum mismatch")


def read_payload(payload: bytes, lim: Limits, skip_checksum: bool = False) -> Any:
    """A DUMP payload's value, or PayloadError."""
    verify_payload(payload, skip_checksum)
    # As Redis, the body is read from the whole payload: a body that runs into the
    # footer reads the footer's bytes (nothing past the payload, though).
    r = Reader(payload)
    try:
        t = r.u8()
        if t not in K.OBJECT_TYPES:
            raise PayloadError(False, "unknown type")
        return read_value(r, t, lim)
    except RdbError as e:
        raise PayloadError(False, str(e)) from None
