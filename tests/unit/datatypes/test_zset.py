"""The sorted-set structure: order statistics against a plain sorted list (hypothesis),
and the score/range parsers against strtod's rules."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from vermilion.datatypes import zset as zmod
from vermilion.datatypes.zset import ZSet, parse_bound, parse_lex_bound, parse_score

members = st.binary(min_size=0, max_size=4)
scores = st.sampled_from([-2.0, -1.0, -0.0, 0.0, 0.5, 1.0, 3.0, math.inf, -math.inf])
ops = st.lists(st.tuples(st.sampled_from(["add", "rem"]), members, scores), max_size=400)


def check(z: ZSet) -> None:
    expected = sorted((s, m) for m, s in z.scores.items())
    assert list(z.order) == expected
    assert len(z.order) == len(expected)
    for i, item in enumerate(expected):
        assert z.order[i] == item
        assert z.rank(item[1]) == i


@settings(max_examples=60, deadline=None)
@given(ops)
def test_matches_sorted_list_model(operations):
    old = zmod.LOAD
    zmod.LOAD = 4  # tiny blocks: exercise splits and merges
    try:
        z = ZSet()
        for op, m, s in operations:
            if op == "add":
                z.add(m, s)
            else:
                z.remove(m)
        check(z)
        expected = sorted((s, m) for m, s in z.scores.items())
        n = len(expected)
        for a in range(0, n + 1, 3):
            for b in range(a, n + 1, 5):
                assert z.order.slice(a, b) == expected[a:b]
        for lo, hi in ((-1.0, 1.0), (0.0, 0.0), (-math.inf, math.inf), (3.0, -3.0)):
            for lo_ex in (False, True):
                for hi_ex in (False, True):
                    a, b = z.score_span(lo, lo_ex, hi, hi_ex)
                    want = [x for x in expected
                            if (x[0] > lo if lo_ex else x[0] >= lo) and (x[0] < hi if hi_ex else x[0] <= hi)]
                    assert expected[a:b] == want
    finally:
        zmod.LOAD = old


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 60), max_size=120), st.integers(0, 130), st.integers(0, 130))
def test_delete_slice(values, a, b):
    old = zmod.LOAD
    zmod.LOAD = 4
    try:
        z = ZSet()
        for v in values:
            z.add(b"m%d" % v, float(v % 7))
        expected = list(z.order)
        a, b = min(a, len(expected)), min(b, len(expected))
        z.order.delete_slice(a, b)
        del expected[a:b]
        assert list(z.order) == expected
        assert len(z.order) == len(expected)
        for i, item in enumerate(expected):
            assert z.order[i] == item
    finally:
        zmod.LOAD = old


def test_lex_span_equal_scores():
    z = ZSet()
    for m in (b"a", b"b", b"c", b"aa", b"d"):
        z.add(m, 0.0)
    order = [m for _, m in z.order]
    assert order == [b"a", b"aa", b"b", b"c", b"d"]
    a, b = z.lex_span(b"aa", False, b"c", True)
    assert order[a:b] == [b"aa", b"b"]
    a, b = z.lex_span(None, False, b"b", False)
    assert order[a:b] == [b"a", b"aa", b"b"]
    a, b = z.lex_span(b"d", True, None, False)
    assert a == b


def test_update_keeps_old_value_when_equal():
    z = ZSet()
    z.add(b"x", 0.0)
    z.add(b"x", -0.0)
    assert math.copysign(1, z.scores[b"x"]) == 1


def test_parse_score_like_strtod():
    assert parse_score(b"1.5") == 1.5
    assert parse_score(b"+inf") == math.inf
    assert parse_score(b"-Infinity") == -math.inf
    assert parse_score(b"0x10") == 16.0
    assert parse_score(b"1e-320") == 1e-320  # subnormal, not zero: accepted
    for bad in (b"", b" 1", b"1 ", b"nan", b"1e400", b"1e-400", b"abc", b"1_0", b"0x"):
        assert parse_score(bad) is None, bad


def test_parse_bound():
    assert parse_bound(b"(1") == (1.0, True)
    assert parse_bound(b"") == (0.0, False)
    assert parse_bound(b"(") == (0.0, True)
    assert parse_bound(b"  2") == (2.0, False)
    assert parse_bound(b"1e400") == (math.inf, False)
    assert parse_bound(b"3\x00junk") == (3.0, False)
    for bad in (b"2 ", b"nan", b"x", b"  ", b"(nan"):
        assert parse_bound(bad) is None, bad


def test_parse_lex_bound():
    assert parse_lex_bound(b"-") == (-1, b"", False)
    assert parse_lex_bound(b"+") == (1, b"", False)
    assert parse_lex_bound(b"[a") == (0, b"a", False)
    assert parse_lex_bound(b"(a") == (0, b"a", True)
    assert parse_lex_bound(b"a") is None
    assert parse_lex_bound(b"") is None
    assert parse_lex_bound(b"--") is None


def test_lex_span_mixed_scores_follows_listpack_walk():
    z = ZSet()
    for m, s in ((b"c", 5.0), (b"", 200.0), (b"aa", 1e300)):
        z.add(m, s)
    # The last member ("aa") is below min "b": Redis's listpack walk finds nothing.
    assert z.lex_span(b"b", False, b"x", False) == (0, 0)
    z.add(b"zz", 1e301)
    # Forward: first member >= "b" is "c" (position 0), then run while <= "x": "c", "", "aa".
    assert z.lex_span(b"b", False, b"x", False) == (0, 3)
    # Backward: last member <= "x" is "aa" (position 2), back while >= "a": only "aa".
    assert z.lex_span(b"a", False, b"x", False, rev=True) == (2, 3)


def test_listpack_drops_negative_zero_skiplist_keeps_it():
    z = ZSet()
    z.add(b"a", -0.0)
    assert math.copysign(1, z.scores[b"a"]) == 1
    big = ZSet()
    big.big = True
    big.add(b"a", -0.0)
    assert math.copysign(1, big.scores[b"a"]) == -1
