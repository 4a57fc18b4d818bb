"""HyperLogLog internals against values computed by Redis 7 (hyperloglog.c)."""

from __future__ import annotations

import random

from vermilion.datatypes import hll


def build(elements, max_bytes=3000):
    buf = bytearray(hll.EMPTY)
    for e in elements:
        buf, r = hll.add(buf, e, max_bytes)
        assert r >= 0
    return buf


def test_murmur64a_known_values():
    # MurmurHash64A(seed 0xadc83b19) as Redis computes it (checked against redis-server).
    assert hll.murmur64a(b"hello") == 0x0F656F01EECFE400
    assert hll.pat_len(b"a") == (12711, 2)


def test_empty_is_redis_bytes():
    assert hll.EMPTY == b"HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x7f\xff"
    assert hll.count(hll.EMPTY) == 0
    assert hll.decode_sparse(hll.EMPTY) == b"Z:16384"


def test_pfadd_a_b_c_bytes_match_redis():
    buf = build([b"a", b"b", b"c"])
    hll.invalidate(buf)
    # GET of "PFADD hx a b c" on redis-server 7.0.
    assert bytes(buf) == b"HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80`\xf3\x80P\xb1\x84K\xfb\x80BZ"
    assert hll.decode_sparse(bytes(buf)) == b"Z:8436 v:1,1 Z:4274 v:2,1 Z:3068 v:1,1 Z:603"
    assert hll.count(buf) == 3


def test_dense_register_codec_roundtrip():
    rnd = random.Random(3)
    regs = bytearray(rnd.randrange(64) for _ in range(hll.REGISTERS))
    body = hll.regs_to_dense_body(regs)
    dense = bytearray(hll.EMPTY[:hll.HDR]) + body
    dense[4] = hll.DENSE
    assert hll.dense_to_regs(dense) == regs
    for i in range(0, hll.REGISTERS, 37):
        assert hll.dense_get(dense, i) == regs[i]
    hll.dense_set(dense, 5, 63)
    assert hll.dense_get(dense, 5) == 63
    assert hll.dense_get(dense, 4) == regs[4] and hll.dense_get(dense, 6) == regs[6]


def test_sparse_and_dense_agree():
    elements = [b"e%d" % i for i in range(2000)]
    sparse = build(elements, max_bytes=10**6)
    assert sparse[4] == hll.SPARSE
    dense = hll.to_dense(sparse)
    assert dense[4] == hll.DENSE and len(dense) == hll.DENSE_SIZE
    assert hll.sparse_to_regs(sparse) == hll.dense_to_regs(dense)
    assert hll.count(sparse) == hll.count(dense)
    assert abs(hll.count(dense) - 2000) < 2000 * 0.05


def test_promotion_by_size_and_by_value():
    buf = build([b"x%d" % i for i in range(3000)])
    assert buf[4] == hll.DENSE
    small = build([b"y"], max_bytes=3000)
    idx, _ = hll.pat_len(b"y")
    small, r = hll.sparse_set(small, idx, 40, 3000)  # > 32 cannot be a VAL opcode
    assert r == 1 and small[4] == hll.DENSE and hll.dense_get(small, idx) == 40


def test_corrupt_sparse_detected():
    bad = bytearray(hll.EMPTY[:hll.HDR]) + b"\x7f\xf0"
    try:
        hll.count(bad)
    except hll.HllCorrupt:
        pass
    else:
        raise AssertionError("corrupt sparse HLL not detected")


def test_estimator_large_cardinality():
    regs = hll.dense_to_regs(build([b"%d" % i for i in range(100000)]))
    n = hll.estimate(hll.histogram_of_regs(regs))
    assert abs(n - 100000) < 100000 * 0.03


def test_regs_max_matches_elementwise_max():
    rnd = random.Random(9)
    for _ in range(5):
        a = bytearray(rnd.randrange(64) for _ in range(hll.REGISTERS))
        b = bytearray(rnd.randrange(64) for _ in range(hll.REGISTERS))
        assert hll.regs_max(a, b) == bytearray(map(max, a, b))
    h = hll.histogram_of_regs(a)
    assert sum(h) == hll.REGISTERS and all(h[v] == a.count(v) for v in range(64))
