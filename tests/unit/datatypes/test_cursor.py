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


def test_scan_steps_cover_everything():
    d = {b"k%d" % i: None for i in range(25)}
    cursor, seen = 0, []
    while True:
        cursor, keys = scan_keys(d, cursor, 7, False)
        seen += keys
        if cursor == 0:
            break
    assert seen == list(d)
    assert scan_keys(d, 10**6, 7, False) == (0, [])
    assert scan_keys(d, 5, 7, True) == (0, list(d))
