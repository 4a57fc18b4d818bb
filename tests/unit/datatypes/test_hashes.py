"""The hash type's encoding: listpack until an entry or a field/value is too big."""

from __future__ import annotations

from vermilion.datatypes.hashes import HashValue


def test_listpack_until_limits():
    h = HashValue()
    assert h.set_pairs([b"a", b"1", b"b", b"2"], 3, 5) == 2
    assert h.encoding() == b"listpack"
    assert h.set_pairs([b"a", b"9", b"c", b"3"], 3, 5) == 1
    assert h.encoding() == b"listpack" and list(h) == [b"a", b"b", b"c"]
    h.set_one(b"d", b"4", 3, 5)
    assert h.encoding() == b"hashtable"
    h2 = HashValue()
    h2.set_one(b"f", b"123456", 3, 5)
    assert h2.encoding() == b"hashtable"
    del h2[b"f"]
    assert h2.encoding() == b"hashtable"
