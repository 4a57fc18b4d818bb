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
    assert [(n.count, n.nbytes) for n in lst.ql.nodes] == [(79, 7 + 79 * 103), (1, 7 + 103)]
    while lst.lp_bytes > 4096:
        assert lst.encoding() == b"quicklist"
        lst.pop_one(False, -2)  # the tail node goes first, then the first node shrinks
    assert lst.encoding() == b"listpack"


def test_two_nodes_never_convert_back():
    lst = ListValue()
    lst.push([b"x" * 100] * 79, False, -2)
    lst.push_one(b"y" * 100, False, -2)  # second node
    lst.pop_many(70, True, -2)  # the first node shrinks to 9 elements, but two nodes remain
    assert lst.encoding() == b"quicklist"
    lst.pop_many(9, True, -2)  # the first node is gone: one small node left
    assert lst.encoding() == b"listpack" and list(lst) == [b"y" * 100]


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
    for item in (b"a", b"a", b"a", b"d", b"e"):  # nodes [a a a d] [e]
        lst.push_one(item, False, 4)
    assert [n.count for n in lst.ql.nodes] == [4, 1]
    lst.remove_matching(b"a", 3, 4)  # [d] [e]: two nodes stay a quicklist
    assert lst.encoding() == b"quicklist" and [n.count for n in lst.ql.nodes] == [1, 1]
    lst.pop_one(False, 4)
    assert lst.encoding() == b"listpack"


def test_large_elements_get_plain_nodes():
    lst = ListValue()
    lst.push([b"a", b"b"], False, -2)
    lst.push_one(b"z" * 9000, False, -2)
    assert lst.encoding() == b"quicklist"
    assert [(n.count, n.plain) for n in lst.ql.nodes] == [(2, False), (1, True)]
    lst.pop_one(True, -2)
    assert lst.encoding() == b"quicklist"  # a plain node never goes back
    lst.pop_one(False, -2)
    assert lst.encoding() == b"listpack"


def test_linsert_splits_and_merges_like_quicklist():
    lst = ListValue()
    for i in range(8):  # fill 4: [0 1 2 3] [4 5 6 7]
        lst.push_one(b"%d" % i, False, 4)
    lst.insert_at_pivot(b"1", b"x", True, 4)  # node full: split [0 1] + [x 2 3], then merges
    assert list(lst) == [b"0", b"1", b"x", b"2", b"3", b"4", b"5", b"6", b"7"]
    assert sum(n.count for n in lst.ql.nodes) == 9
    assert all(n.count <= 4 for n in lst.ql.nodes)
    sizes = [n.nbytes for n in lst.ql.nodes]
    assert sum(sizes) - 7 * (len(sizes) - 1) == lst.lp_bytes  # node bytes add up


def test_lset_keeps_node_sizes_consistent():
    lst = ListValue()
    lst.push([b"%d" % i for i in range(200)], False, -2)
    lst.push([b"v" * 60] * 200, False, -2)
    assert lst.encoding() == b"quicklist"
    for i in (0, 5, 150, 399):
        lst.replace_at(i, b"w" * 3000, -2)
        sizes = [n.nbytes for n in lst.ql.nodes if not n.plain]
        assert sum(n.count for n in lst.ql.nodes) == len(lst)
        assert sum(sizes) - 7 * (len(sizes) - 1) == lst.lp_bytes


def test_lset_with_big_value_converts():
    lst = ListValue()
    lst.push([b"a", b"b"], False, -2)
    lst.replace_at(0, b"x" * 9000, -2)
    assert lst.encoding() == b"quicklist"
    lst.replace_at(0, b"y", -2)
    assert lst.encoding() == b"listpack" and lst.lp_bytes == lp_bytes(lst)


def test_random_operations_keep_the_node_model_consistent():
    rnd = random.Random(11)
    for fill in (-2, -1, 3, 5):
        lst = ListValue()
        for _ in range(3000):
            op = rnd.random()
            item = rnd.choice([b"a", b"%d" % rnd.randint(-5000, 5000), b"x" * rnd.randint(50, 700)])
            if op < 0.4:
                lst.push_one(item, rnd.random() < 0.5, fill)
            elif op < 0.6 and lst:
                lst.pop_one(rnd.random() < 0.5, fill)
            elif op < 0.7 and lst:
                lst.insert_at_pivot(rnd.choice(lst), item, rnd.random() < 0.5, fill)
            elif op < 0.8 and lst:
                lst.replace_at(rnd.randrange(len(lst)), item, fill)
            elif op < 0.9 and lst:
                lst.remove_matching(rnd.choice(lst), rnd.randint(-2, 2), fill)
            elif lst:
                n = len(lst)
                lst.trim(rnd.randint(0, 3), n - rnd.randint(0, 3), fill)
            assert lst.lp_bytes == lp_bytes(lst)
            if lst.ql is not None:
                nodes = lst.ql.nodes
                assert all(n.count > 0 for n in nodes)
                assert sum(n.count for n in nodes) == len(lst)
                if not any(n.plain for n in nodes):
                    assert sum(n.nbytes for n in nodes) - 7 * (len(nodes) - 1) == lst.lp_bytes
