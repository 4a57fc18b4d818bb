"""The set type's encodings (intset -> listpack -> hashtable) and iteration order."""

from __future__ import annotations

from types import SimpleNamespace

from vermilion.datatypes.sets import SetLimits, SetValue, build


def limits(intset=512, entries=128, value=64):
    server = SimpleNamespace(config={"set-max-intset-entries": intset, "set-max-listpack-entries": entries,
                                     "set-max-listpack-value": value})
    return SetLimits(server)


def test_intset_is_sorted_numerically():
    s = build([b"10", b"-3", b"2", b"100"], limits())
    assert s.encoding() == b"intset"
    assert s.members() == [b"-3", b"2", b"10", b"100"]


def test_intset_to_listpack_keeps_insertion_order():
    s = build([b"3", b"1", b"a", b"2"], limits())
    assert s.encoding() == b"listpack"
    assert s.members() == [b"3", b"1", b"a", b"2"]


def test_conversions_by_size():
    lim = limits(intset=4, entries=6, value=5)
    s = build([b"1", b"2", b"3", b"4"], lim)
    assert s.encoding() == b"intset"
    s.add(b"5", lim)
    assert s.encoding() == b"hashtable"  # past the intset limit: straight to hashtable
    s = build([b"ab"], lim)
    assert s.encoding() == b"listpack"
    s.add_many([b"c", b"d", b"e", b"f", b"g"], lim)
    assert s.encoding() == b"listpack"
    s.add(b"h", lim)
    assert s.encoding() == b"hashtable"
    s = build([b"abcdef"], lim)
    assert s.encoding() == b"hashtable"  # value longer than set-max-listpack-value


def test_create_uses_size_hint():
    lim = limits()
    assert SetValue.create(b"1", 10, lim).encoding() == b"intset"
    assert SetValue.create(b"1", 600, lim).encoding() == b"hashtable"
    assert SetValue.create(b"a", 100, lim).encoding() == b"listpack"
    assert SetValue.create(b"a", 129, lim).encoding() == b"hashtable"


def test_encoding_never_goes_back():
    lim = limits()
    s = build([b"a", b"1"], lim)
    del s[b"a"]
    assert s.encoding() == b"listpack"
