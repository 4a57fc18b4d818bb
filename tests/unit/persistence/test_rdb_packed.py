"""Listpack, ziplist, intset and zipmap readers (and the listpack writer)."""

from __future__ import annotations

import struct

import pytest

from vermilion.persistence.rdb.packed import (
    Listpack,
    PackedError,
    read_intset,
    read_listpack,
    read_ziplist,
    read_zipmap,
)

INTS = [0, 1, 127, 128, -1, 4095, -4096, 4096, -4097, 32767, -32768, 32768, 8388607, -8388608, 8388608,
        2**31 - 1, -2**31, 2**31, 2**63 - 1, -2**63]
STRINGS = [b"", b"a", b"x" * 63, b"y" * 64, b"z" * 4095, b"w" * 4096, b"12a", b"007", b"-0"]


def test_listpack_roundtrip_every_encoding():
    lp = Listpack()
    for v in INTS:
        lp.add_int(v)
    for s in STRINGS:
        lp.add(s)
    lp.add(b"12345")  # reads as an integer: stored as one
    assert read_listpack(lp.to_bytes()) == INTS + STRINGS + [12345]


def test_listpack_rejects_damage():
    lp = Listpack()
    lp.add(b"hello")
    lp.add_int(5)
    good = lp.to_bytes()
    with pytest.raises(PackedError):
        read_listpack(good[:-1])
    with pytest.raises(PackedError):
        read_listpack(good[:4] + b"\x07\x00" + good[6:])  # wrong count
    bad_len = bytearray(good)
    bad_len[6] = 0x80 | 60  # a string longer than the blob
    with pytest.raises(PackedError):
        read_listpack(bytes(bad_len))
    bad_enc = bytearray(good)
    bad_enc[6] = 0xF7
    with pytest.raises(PackedError):
        read_listpack(bytes(bad_enc))
    with pytest.raises(PackedError):
        read_listpack(b"\x03\x00\x00")


def _ziplist(entries: list[bytes]) -> bytes:
    """Build a ziplist from pre-encoded entries (encoding + data), with prevlens."""
    body = bytearray()
    prev = 0
    for e in entries:
        head = bytes((prev,)) if prev < 254 else b"\xfe" + struct.pack("<I", prev)
        body += head + e
        prev = len(head) + len(e)
    total = 10 + len(body) + 1
    return struct.pack("<IIH", total, 10, len(entries)) + bytes(body) + b"\xff"


def test_ziplist_every_encoding():
    entries = [
        bytes((3,)) + b"abc",                          # 6-bit length string
        bytes((0x40 | 1, 44)) + b"q" * 300,            # 14-bit length string
        b"\x80" + struct.pack(">I", 5) + b"hello",     # 32-bit length string
        b"\xc0" + struct.pack("<h", -300),             # int16
        b"\xd0" + struct.pack("<i", 100000),           # int32
        b"\xe0" + struct.pack("<q", -2**40),           # int64
        b"\xf0" + (-5000000).to_bytes(3, "little", signed=True),  # int24
        b"\xfe" + struct.pack("<b", -7),               # int8
        b"\xf1", b"\xfd",                              # immediates 0 and 12
    ]
    assert read_ziplist(_ziplist(entries)) == [b"abc", b"q" * 300, b"hello", -300, 100000, -2**40,
                                               -5000000, -7, 0, 12]


def test_ziplist_rejects_damage():
    good = _ziplist([bytes((3,)) + b"abc"])
    with pytest.raises(PackedError):
        read_ziplist(good[:-2] + b"\xff")
    with pytest.raises(PackedError):
        read_ziplist(_ziplist([bytes((40,)) + b"abc"]))
    with pytest.raises(PackedError):
        read_ziplist(_ziplist([b"\xc5"]))


@pytest.mark.parametrize("width,code", [(2, "h"), (4, "i"), (8, "q")])
def test_intset(width, code):
    values = [-5, 0, 3, 100]
    blob = struct.pack("<II", width, len(values)) + struct.pack("<%d%s" % (len(values), code), *values)
    assert read_intset(blob) == values
    with pytest.raises(PackedError):
        read_intset(blob[:-1])
    unsorted = struct.pack("<II", width, 2) + struct.pack("<2" + code, 5, 1)
    with pytest.raises(PackedError):
        read_intset(unsorted)


def test_zipmap():
    blob = b"\x02" + b"\x03foo\x03\x00bar" + b"\x01k\x02\x01vv\x00" + b"\xfe" + struct.pack("<I", 3) + b"big" \
        + b"\x01\x00x" + b"\xff"
    assert read_zipmap(blob) == [b"foo", b"bar", b"k", b"vv", b"big", b"x"]
    with pytest.raises(PackedError):
        read_zipmap(blob[:-1])
    with pytest.raises(PackedError):
        read_zipmap(b"\x01\x09foo")
