"""SCAN cursor parsing (strtoul rules), options and stepping."""

from __future__ import annotations

import pytest

from vermilion.datatypes.cursor import parse_cursor, parse_options, scan_keys
from vermilion.protocol.errors import CommandError


def test_parse_cursor():
    assert parse_cursor(b"0") == 0
    assert parse_cursor(b"+5") == 5
    assert parse_cursor(b"-1") == 2**64 - 1
    assert parse_cursor(b"18446744073709551615") == 2**64 - 1
    for bad in (b"", b"x", b" 1", b"1 ", b"18446744073709551616", b"-", b"1.0"):
        with pytest.raises(CommandError):
            parse_cursor(bad)


def test_parse_options():
    assert parse_options([b"HSCAN", b"k", b"0"], 3) == (10, None)
    count, match = parse_options([b"x", b"k", b"0", b"COUNT", b"3", b"MATCH", b"a*"], 3)
    assert count == 3 and match(b"abc") and not match(b"b")
    assert parse_options([b"x", b"k", b"0", b"match", b"*"], 3) == (10, None)
    for bad in ([b"COUNT", b"0"], [b"COUNT"], [b"FOO", b"1"], [b"COUNT", b"x"]):
        with pytest.raises(CommandError):
            parse_options([b"x", b"k", b"0", *bad], 3)


class Box(dict):
    __slots__ = ("scans",)

    def __init__(self, *a):
        super().__init__(*a)
        self.scans = None


def full_scan(d, count, mutate=None):
    cursor, seen, calls = 0, [], 0
    while True:
        cursor, keys = scan_keys(d, cursor, count, False)
        seen += keys
        calls += 1
        if mutate:
            mutate(calls)
        if cursor == 0:
            return seen


def test_scan_steps_cover_everything():
    d = Box({b"k%d" % i: None for i in range(25)})
    assert full_scan(d, 7) == list(d)
    assert d.scans is None  # the finished iteration dropped its snapshot
    assert scan_keys(d, 10**6, 7, False) == (0, [])  # a positional cursor past the end
    assert scan_keys(d, 5, 7, True) == (0, list(d))


def test_scan_guarantee_under_deletes_and_adds():
    d = Box({i: None for i in range(1000)})
    stable = set(range(500, 1000))

    def mutate(call):
        for j in range(call * 10, call * 10 + 10):
            d.pop(j, None)  # delete early keys (would shift positions)
        d[10_000 + call] = None

    seen = full_scan(d, 13, mutate)
    assert stable <= set(seen)
    assert len(seen) == len(set(seen))


def test_concurrent_iterations_and_evicted_snapshots():
    d = Box({i: None for i in range(100)})
    c1, k1 = scan_keys(d, 0, 10, False)
    others = [scan_keys(d, 0, 10, False)[0] for _ in range(5)]  # evicts c1's snapshot
    assert len(d.scans) == 4 and others
    seen = list(k1)
    cursor = c1
    while cursor:
        cursor, keys = scan_keys(d, cursor, 10, False)
        seen += keys
    assert set(seen) == set(d)  # fell back to positional cursors, still complete here
