"""The RDB decoder and encoder: a real Redis 7.0 file, round trips of every type, DUMP
payloads, and hostile input (every failure is an RdbError naming an offset)."""

from __future__ import annotations

import math
import struct
from pathlib import Path

import pytest

from vermilion.datatypes.hashes import HashValue
from vermilion.datatypes.lists import ListValue
from vermilion.datatypes.sets import SetValue
from vermilion.datatypes.stream import MAX_ID, Consumer, Group, Nack, StreamValue
from vermilion.datatypes.zset import ZSet
from vermilion.persistence.rdb import constants as K
from vermilion.persistence.rdb.crc64 import crc64
from vermilion.persistence.rdb.decoder import Limits, PayloadError, RdbError, load, read_payload
from vermilion.persistence.rdb.encoder import dump_payload, encode_length, encode_string, entry_fields, write_rdb

FIXTURE = Path(__file__).parent / "data" / "redis70_all_types.rdb"


def plain(v):
    """A value as plain Python data, for comparisons."""
    if type(v) is bytes:
        return v
    if type(v) is ListValue:
        return ("list", list(v))
    if type(v) is SetValue:
        return ("set", set(v))
    if type(v) is HashValue:
        return ("hash", dict(v))
    if type(v) is ZSet:
        return ("zset", list(v.order))
    if type(v) is StreamValue:
        groups = {}
        for name, g in v.groups.items():
            groups[name] = (g.last_id, g.entries_read,
                            [(i, g.pel.map[i].delivery_time, g.pel.map[i].delivery_count,
                              g.pel.map[i].consumer.name) for i in g.pel.ids],
                            {c.name: (c.seen_time, c.pel.ids) for c in g.consumers.values()})
        return ("stream", [(i, entry_fields(e)) for i, e in v.range(0, MAX_ID)], v.length, v.last_id,
                v.first_id, v.max_deleted, v.entries_added, groups)
    raise TypeError(type(v))


def load_all(data: bytes, lim: Limits | None = None) -> tuple[dict, object]:
    got = {}

    def sink(db, key, value, expire, idle, freq):
        got[(db, key)] = (value, expire)
        return True

    info = load(data, lim or Limits(), sink)
    return got, info


# ---- a real Redis 7.0 dump ------------------------------------------------------------

def test_real_redis_70_file():
    got, info = load_all(FIXTURE.read_bytes())
    assert info.version == 10
    assert info.aux[b"redis-ver"] == b"7.0.15"
    assert info.functions and info.functions[0].startswith(b"#!lua name=mylib")
    v = {k[1]: val for k, (val, _) in got.items() if k[0] == 0}
    assert v[b"str"] == b"hello" and v[b"int"] == b"-12345" and v[b"bigint"] == b"12345678901234"
    assert v[b"lzf"] == b"abcd" * 100 and v[b"empty"] == b""
    assert list(v[b"list_lp"]) == [b"a", b"1", b"-300", b"x" * 70]
    assert v[b"list_lp"].encoding() == b"listpack"
    assert list(v[b"list_ql"]) == [b"item%d" % i * 5 for i in range(2000)]
    assert v[b"list_ql"].encoding() == b"quicklist"
    assert set(v[b"set_int"]) == {b"1", b"2", b"3", b"-100000", b"%d" % 2**40}
    assert v[b"set_int"].encoding() == b"intset"
    assert set(v[b"set_ht"]) == {b"a", b"b", b"c"}
    assert v[b"set_ht"].encoding() == b"listpack"  # 7.2's encoding for a small set
    assert dict(v[b"hash_lp"]) == {b"f1": b"v1", b"n": b"42"} and v[b"hash_lp"].encoding() == b"listpack"
    assert dict(v[b"hash_ht"]) == {b"f%d" % i: b"v" * i for i in range(200)}
    assert v[b"hash_ht"].encoding() == b"hashtable"
    assert v[b"zset_lp"].scores == {b"a": 1.0, b"b": -2.5, b"c": 3e10, b"d": 0.0} and not v[b"zset_lp"].big
    assert v[b"zset_sl"].big and v[b"zset_sl"].scores == {b"m%d" % i: i / 7 for i in range(300)}
    assert v[b"zset_inf"].scores == {b"p": math.inf, b"n": -math.inf}
    st = v[b"stream"]
    ids = [i for i, _ in st.range(0, MAX_ID)]
    expect = [(1000 + i) << 64 | (i % 3) for i in range(120)] + [5000 << 64]
    expect.remove(1005 << 64 | 2)
    assert ids == expect and st.length == 120
    assert st.max_deleted == 1005 << 64 | 2 and st.entries_added == 121
    g1 = st.groups[b"g1"]
    assert sorted(g1.consumers) == [b"alice", b"bob"] and len(g1.pel) == 4
    assert g1.entries_read == -1  # a tombstone in the read range: saved as 2**64-1
    assert st.groups[b"g2"].last_id == 1050 << 64
    assert v[b"stream_empty"].length == 0 and v[b"stream_empty"].last_id == 1 << 64 | 1
    assert got[(0, b"ttl_ms")][1] > 1_700_000_000_000
    assert got[(5, b"in_db5")][0] == b"five" and got[(5, b"in_db5")][1] is not None


def test_real_file_roundtrip_through_our_writer():
    got, info = load_all(FIXTURE.read_bytes())
    dbs = {}
    for (db, key), (value, expire) in got.items():
        d = dbs.setdefault(db, _Db(db))
        d.data[key] = value
        if expire is not None:
            d.expires[key] = expire
    out = bytearray()
    write_rdb(out.extend, [dbs[i] for i in sorted(dbs)], [(b"redis-ver", b"7.2.4")], info.functions)
    again, info2 = load_all(bytes(out))
    assert info2.functions == info.functions and info2.version == K.RDB_VERSION_WRITTEN
    assert set(again) == set(got)
    for k, (value, expire) in got.items():
        assert plain(again[k][0]) == plain(value), k
        assert again[k][1] == expire


class _Db:
    def __init__(self, index):
        self.index, self.data, self.expires = index, {}, {}


# ---- values built here --------------------------------------------------------------

def _values():
    lst = ListValue()
    lst.push([b"a", b"17", b"x" * 100, b""], False, -2)
    s_int = SetValue()
    s_int.update(dict.fromkeys([b"1", b"-9", b"12345678901"]))
    h = HashValue()
    h.update({b"f": b"v", b"n": b"-1", b"long": b"z" * 300})
    z = ZSet()
    for m, sc in ((b"a", 1.5), (b"b", -math.inf), (b"c", 1e300), (b"d", -0.0)):
        z.add(m, sc)
    st = StreamValue()
    for n in range(30):
        fv = [b"f", b"%d" % n] if n % 4 else [b"g", b"x" * n, b"h", b"-5"]
        st.append((n + 1) << 64 | n, fv, 10, 4096)
    st.delete(3 << 64 | 2)
    g = Group(b"grp", 5 << 64 | 4, 5)
    c = Consumer(b"cons", 123)
    for i in (1 << 64, 2 << 64 | 1):
        nack = Nack(99, c)
        nack.delivery_count = 3
        g.pel.add(i, nack)
        c.pel.add(i, nack)
    g.consumers[b"cons"] = c
    st.groups[b"grp"] = g
    st.groups[b"empty"] = Group(b"empty", 0, -1)
    return [b"plain", b"-123", b"2147483648", b"9" * 12, b"", lst, s_int, h, z, st]


@pytest.mark.parametrize("value", _values(), ids=lambda v: type(v).__name__)
def test_dump_payload_roundtrip(value):
    payload = dump_payload(value)
    assert payload[-10:-8] == struct.pack("<H", 10)
    assert int.from_bytes(payload[-8:], "little") == crc64(0, payload[:-8])
    assert plain(read_payload(payload, Limits())) == plain(value)


def test_payload_errors():
    good = dump_payload(b"hello")
    for bad in (b"", b"\x00" * 9, good[:-1] + bytes([good[-1] ^ 1]),
                good[:-10] + struct.pack("<H", 12) + good[-8:]):
        with pytest.raises(PayloadError) as e:
            read_payload(bad, Limits())
        assert e.value.version_or_checksum
    body = b"\x00\x40"  # a string whose length runs past the end
    with pytest.raises(PayloadError) as e:
        read_payload(_with_footer(body), Limits())
    assert not e.value.version_or_checksum
    with pytest.raises(PayloadError) as e:
        read_payload(_with_footer(b"\x07\x00"), Limits())  # module type
    assert not e.value.version_or_checksum
    with pytest.raises(PayloadError):
        read_payload(_with_footer(bytes([K.TYPE_LIST]) + encode_length(0)), Limits())  # empty


def _with_footer(body: bytes, version: int = 10) -> bytes:
    body += struct.pack("<H", version)
    return body + crc64(0, body).to_bytes(8, "little")


def test_old_formats_zipmap_ziplist_intset_and_ascii_doubles():
    from test_rdb_packed import _ziplist  # noqa: PLC0415

    zl = _ziplist([b"\x01a", b"\xf2", b"\x01b", b"\xc0" + struct.pack("<h", -400)])
    zipmap = b"\x01\x01k\x01\x00v\xff"
    intset = struct.pack("<II", 2, 2) + struct.pack("<2h", -1, 7)
    body = bytearray(b"REDIS0006")
    for t, key, blob in ((K.TYPE_ZSET_ZIPLIST, b"z", zl), (K.TYPE_LIST_ZIPLIST, b"l", zl),
                         (K.TYPE_HASH_ZIPLIST, b"h", zl), (K.TYPE_HASH_ZIPMAP, b"m", zipmap),
                         (K.TYPE_SET_INTSET, b"s", intset)):
        body += bytes([t]) + encode_string(key) + encode_string(blob)
    body += bytes([K.TYPE_LIST_QUICKLIST]) + encode_string(b"q") + encode_length(2) + encode_string(zl) \
        + encode_string(zl)
    body += bytes([K.TYPE_ZSET]) + encode_string(b"oz") + encode_length(3) + encode_string(b"x") + b"\x031.5" \
        + encode_string(b"y") + b"\xfe" + encode_string(b"w") + b"\xff"
    body += bytes([K.OPCODE_EXPIRETIME]) + struct.pack("<i", 2_000_000_000) + b"\x00" + encode_string(b"old") \
        + encode_string(b"v")
    body += b"\xff"
    body += crc64(0, body).to_bytes(8, "little")
    got, _ = load_all(bytes(body))
    v = {k[1]: val for k, (val, _) in got.items()}
    assert v[b"z"].scores == {b"a": 1.0, b"b": -400.0}
    assert list(v[b"l"]) == [b"a", b"1", b"b", b"-400"]
    assert list(v[b"q"]) == [b"a", b"1", b"b", b"-400"] * 2
    assert dict(v[b"h"]) == {b"a": b"1", b"b": b"-400"} and dict(v[b"m"]) == {b"k": b"v"}
    assert v[b"s"].members() == [b"-1", b"7"] and v[b"s"].encoding() == b"intset"
    assert v[b"oz"].scores == {b"x": 1.5, b"y": math.inf, b"w": -math.inf}
    assert got[(0, b"old")][1] == 2_000_000_000_000


def test_quicklist2_plain_and_packed_nodes_and_listpack_types():
    from vermilion.persistence.rdb.packed import Listpack  # noqa: PLC0415

    lp = Listpack()
    for x in (b"m1", b"5", b"m2", b"-2.5"):
        lp.add(x)
    blob = lp.to_bytes()
    body = bytearray(b"REDIS0011")
    body += bytes([K.TYPE_LIST_QUICKLIST_2]) + encode_string(b"l") + encode_length(2) \
        + encode_length(K.QUICKLIST_NODE_PLAIN) + encode_string(b"P" * 10) \
        + encode_length(K.QUICKLIST_NODE_PACKED) + encode_string(blob)
    body += bytes([K.TYPE_ZSET_LISTPACK]) + encode_string(b"z") + encode_string(blob)
    body += bytes([K.TYPE_HASH_LISTPACK]) + encode_string(b"h") + encode_string(blob)
    body += bytes([K.TYPE_SET_LISTPACK]) + encode_string(b"s") + encode_string(blob)
    body += b"\xff" + b"\x00" * 8  # checksum disabled
    got, _ = load_all(bytes(body))
    v = {k[1]: val for k, (val, _) in got.items()}
    assert list(v[b"l"]) == [b"P" * 10, b"m1", b"5", b"m2", b"-2.5"]
    assert v[b"z"].scores == {b"m1": 5.0, b"m2": -2.5}
    assert dict(v[b"h"]) == {b"m1": b"5", b"m2": b"-2.5"}
    assert set(v[b"s"]) == {b"m1", b"5", b"m2", b"-2.5"} and v[b"s"].encoding() == b"listpack"


def test_encodings_follow_limits():
    lim = Limits()
    lim.hash_entries = 1
    lim.zset_entries = 1
    lim.set_intset = 1
    h = HashValue()
    h.update({b"a": b"1", b"b": b"2"})
    z = ZSet.from_scores({b"a": 1.0, b"b": 2.0})
    s = SetValue()
    s.update(dict.fromkeys([b"1", b"2"]))
    assert read_payload(dump_payload(h), lim).encoding() == b"hashtable"
    assert read_payload(dump_payload(z), lim).big
    assert read_payload(dump_payload(s), lim).encoding() == b"hashtable"


# ---- hostile input ------------------------------------------------------------------

def _file(keys_body: bytes, version: int = 10, checksum: bool = True) -> bytes:
    body = b"REDIS%04d" % version + keys_body + b"\xff"
    return body + (crc64(0, body) if checksum else 0).to_bytes(8, "little")


@pytest.mark.parametrize("data,reason", [
    (b"RUBBISH0010\xff", "signature"),
    (b"REDIS0012\xff" + b"\x00" * 8, "version 12"),
    (_file(b"\xf0"), "unknown RDB opcode"),
    (_file(b"\x00\x01k\x40"), "unexpected end"),
    (_file(b"\x01\x01k\x81" + (2**62).to_bytes(8, "big")), "element count"),
    (_file(b"\x00\x01k\xc3\x02\x81" + b"\x7f" * 8), "LZF"),
    (_file(b"\x07\x01k\x00"), "module"),
    (_file(b"\xf7\x00"), "module auxiliary"),
    (_file(b"\xf6\x00"), "pre-release function"),
    (_file(b"\x02\x01k\x02\x01a\x01a"), "duplicate set members"),
    (_file(b"\x00\x01k\xc5"), "unknown string encoding"),
    (_file(b"\x0e\x01k\x01\x01x"), "invalid ziplist"),
])
def test_bad_files_raise_rdb_errors(data, reason):
    with pytest.raises(RdbError) as e:
        load_all(data)
    assert reason in str(e.value)
    assert "at offset" in str(e.value)


def test_wrong_checksum_and_disabled_checksum():
    good = _file(b"\x00\x01k\x01v")
    bad = good[:-1] + bytes([good[-1] ^ 0xFF])
    with pytest.raises(RdbError, match="checksum"):
        load_all(bad)
    got, _ = load_all(_file(b"\x00\x01k\x01v", checksum=False))
    assert got[(0, b"k")][0] == b"v"


def test_every_truncation_of_a_real_file_fails_cleanly():
    data = FIXTURE.read_bytes()
    step = max(1, len(data) // 400)
    for cut in list(range(0, len(data) - 1, step)) + [len(data) - 1]:
        with pytest.raises(RdbError):
            load_all(data[:cut])


def test_empty_keys_are_skipped_in_files():
    got, info = load_all(_file(b"\x01\x01k\x00" + b"\x00\x01s\x01v"))
    assert list(got) == [(0, b"s")] and info.empty_keys_skipped == 1


def test_a_refusing_sink_becomes_an_rdb_error_at_the_key():
    from vermilion.persistence.rdb.decoder import KeyRefused  # noqa: PLC0415

    def sink(db, key, value, expire, idle, freq):
        raise KeyRefused("RDB has duplicated key 'k' in DB 0")

    data = _file(b"\x00\x01k\x01v")
    with pytest.raises(RdbError) as e:
        load(data, Limits(), sink)
    assert e.value.offset == 9 and "duplicated key" in str(e.value)


def test_stream_v3_payload_with_consumer_active_time():
    from vermilion.persistence.rdb.packed import Listpack  # noqa: PLC0415

    sid = (5 << 64).to_bytes(16, "big")
    lp = Listpack()
    for x in (1, 0, 1):
        lp.add_int(x)
    lp.add(b"f")
    lp.add_int(0)  # master entry terminator
    for x in (K.STREAM_ITEM_FLAG_SAMEFIELDS, 0, 0):
        lp.add_int(x)
    lp.add(b"v")
    lp.add_int(4)  # lp-count: flags, ms, seq, one value
    body = bytes([K.TYPE_STREAM_LISTPACKS_3]) + encode_length(1) + encode_string(sid) + encode_string(lp.to_bytes())
    body += encode_length(1) + encode_length(5) + encode_length(0)  # length, last id
    body += encode_length(5) + encode_length(0) + encode_length(0) + encode_length(0) + encode_length(1)
    body += encode_length(1) + encode_string(b"g") + encode_length(5) + encode_length(0) + encode_length(1)
    body += encode_length(1) + sid + struct.pack("<q", 777) + encode_length(2)
    body += encode_length(1) + encode_string(b"c") + struct.pack("<q", 1000) + struct.pack("<q", 2000)
    body += encode_length(1) + sid
    s = read_payload(_with_footer(body, 11), Limits())
    assert [(i, entry_fields(e)) for i, e in s.range(0, MAX_ID)] == [(5 << 64, [b"f", b"v"])]
    g = s.groups[b"g"]
    c = g.consumers[b"c"]
    assert (c.seen_time, c.active_time) == (1000, 2000)
    nack = g.pel.map[5 << 64]
    assert (nack.delivery_time, nack.delivery_count, nack.consumer) == (777, 2, c)
    assert g.entries_read == 1 and s.entries_added == 1
    # ... and what we write (version 10, type 19) reads back the same, active time aside.
    again = read_payload(dump_payload(s), Limits())
    assert plain(again) == plain(s) and again.groups[b"g"].consumers[b"c"].active_time == 1000
