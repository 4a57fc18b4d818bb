"""The list type: ranges, edits and the listpack/quicklist encoding of Redis 7.2."""

from __future__ import annotations

import random

from vermilion.datatypes.listpack import LP_EMPTY_BYTES, entry_size
from vermilion.datatypes.lists import ListValue


def lp_bytes(lst):
    return LP_EMPTY_BYTES + sum(map(entry_size, lst))


def test_range_matches_python_slicing_rules():
    rnd = random.Random(5)
    lst = ListValue(b"%d" % i for i in range(50))
    ref = list(lst)
    for _ in range(500):
        a, b = rnd.randint(-60, 60), rnd.randint(-60, 60)
        s, e = a + 50 if a < 0 else a, b + 50 if b < 0 else b
        s = max(s, 0)
        expect = ref[s:e + 1] if s <= e else []
        assert lst.range(a, b) == expect


def test_trim_and_byte_tracking():
    rnd = random.Random(7)
    for _ in range(200):
        n = rnd.randint(0, 40)
        lst = ListValue(b"v%d" % i for i in range(n))
        a, b = rnd.randint(-50, 50), rnd.randint(-50, 50)
        expect = lst.range(a, b)
        lst.trim(a, b, -2)
        assert list(lst) == expect
        assert lst.lp_bytes == lp_bytes(lst)


def test_remove_matching_from_both_ends():
    lst = ListValue([b"a", b"b", b"a", b"c", b"a"])
    assert lst.remove_matching(b"a", -2, -2) == 2
    assert list(lst) == [b"a", b"b", b"c"]
    assert lst.remove_matching(b"a", 5, -2) == 1
    assert lst.remove_matching(b"zz", 0, -2) == 0
    assert list(lst) == [b"b", b"c"] and lst.lp_bytes == lp_bytes(lst)


def test_positions():
    lst = ListValue([b"a", b"b", b"a", b"c", b"a"])
    assert lst.positions(b"a", 1, 0, 0) == [0, 2, 4]
    assert lst.positions(b"a", -1, 0, 0) == [4, 2, 0]
    assert lst.positions(b"a", 2, 1, 0) == [2]
    assert lst.positions(b"a", 1, 0, 2) == [0]
    assert lst.positions(b"a", -1, 0, 2) == [4]


def test_listpack_becomes_quicklist_past_8kb_and_back_below_4kb():
    lst = ListValue()
    item = b"x" * 100  # 2 header + 100 + 1 backlen = 103 bytes inside a listpack
    for _ in range(78):
        lst.push_one(item, False, -2)
    assert lst.encoding() == b"listpack" and lst.lp_bytes == 7 + 78 * 103
    lst.push_one(item, False, -2)  # 8041 + 100 raw bytes = 8141: still fits
    assert lst.encoding() == b"listpack"
    lst.push_one(item, False, -2)  # 8144 + 100 > 8192
    assert lst.encoding() == b"quicklist"
    while lst.lp_bytes > 4096:
        assert lst.encoding() == b"quicklist"
        lst.pop_one(True, -2)
    assert lst.encoding() == b"listpack"


def test_count_based_fill_like_redis_tests():
    # Redis's list.tcl with list-max-listpack-size 4.
    lst = ListValue()
    lst.push([b"a", b"b", b"c"], False, 4)
    assert lst.encoding() == b"listpack"
    lst.push([b"d", b"e"], False, 4)
    assert lst.encoding() == b"quicklist"
    lst.pop_many(3, False, 4)
    assert lst.encoding() == b"listpack"
    lst = ListValue()
    lst.push([b"a", b"b", b"c", b"d", b"e"], False, 4)
    lst.trim(1, 1, 4)
    assert lst.encoding() == b"listpack"
    lst = ListValue()
    lst.push([b"a", b"a", b"a", b"d", b"e"], False, 4)
    lst.remove_matching(b"a", 3, 4)
    assert lst.encoding() == b"listpack"


def test_lset_with_big_value_converts():
    lst = ListValue()
    lst.push([b"a", b"b"], False, -2)
    lst.replace_at(0, b"x" * 9000, -2)
    assert lst.encoding() == b"quicklist"
    lst.replace_at(0, b"y", -2)
    assert lst.encoding() == b"listpack" and lst.lp_bytes == lp_bytes(lst)
