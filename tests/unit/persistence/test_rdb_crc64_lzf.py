"""CRC64 (Redis's crc64.c) and LZF (lzf_d.c) in persistence/rdb."""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vermilion.persistence.rdb import lzf
from vermilion.persistence.rdb.crc64 import _bytewise, crc64


def test_crc64_check_value():
    assert crc64(0, b"123456789") == 0xE9C6D914C4B8D9CA


@pytest.mark.parametrize("n", [0, 1, 7, 8, 63, 64, 65, 127, 1000, 4099])
def test_crc64_word_loop_matches_bytewise_and_chains(n):
    data = os.urandom(n)
    assert crc64(0, data) == _bytewise(0, data)
    cut = n // 3
    assert crc64(crc64(0, data[:cut]), data[cut:]) == crc64(0, data)
    assert crc64(0, memoryview(data)) == crc64(0, bytearray(data))


def test_lzf_literal_and_back_references():
    # literal "abc", then a back reference of length 9 at distance 3 (an overlapping run).
    data = bytes([2]) + b"abc" + bytes([(7 << 5) | 0, 0, 2])
    assert lzf.decompress(data, 3 + 9) == b"abc" + b"abc" * 3


def test_lzf_real_redis_payload():
    # The body of DUMP of "abcabcabcabc"*50 + "xyz"*40, as Redis 7.0 wrote it.
    body = bytes.fromhex("0361626361e0ff02e1ff07e13b070278797ae06a0201797a")
    out = lzf.decompress(body, 720)
    assert out == b"abcabcabcabc" * 50 + b"xyz" * 40


@pytest.mark.parametrize("data,n", [
    (bytes([5]) + b"ab", 6),                # literal past the end of the input
    (bytes([0]) + b"a" + bytes([0x20]), 4),  # back reference truncated
    (bytes([0]) + b"a" + bytes([0x20, 5]), 4),  # reference before the output's start
    (bytes([2]) + b"abc", 2),               # longer than announced
    (bytes([2]) + b"abc", 10),              # shorter than announced
    (bytes([0]) + b"a" + bytes([0xE0]), 40),  # long reference truncated
])
def test_lzf_rejects_malformed(data, n):
    with pytest.raises(lzf.LzfError):
        lzf.decompress(data, n)


def test_lzf_compress_roundtrip():
    data = b"hello world " * 100
    packed = lzf.compress(data)
    assert packed is not None and len(packed) < len(data)
    assert lzf.decompress(packed, len(data)) == data


def test_lzf_compress_skips_what_does_not_shrink():
    assert lzf.compress(bytes(range(256))) is None  # no repeated 3-byte sequence
    assert lzf.compress(b"abcd") is None
    big = b"x" * (lzf.PY_MAX_INPUT + 1)  # only the pure-Python path leaves it plain
    assert (lzf.compress(big) is None) == (not lzf._jit.AVAILABLE and lzf._lzf is None)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([b"foo", b"bar", b"q", b"x" * 40, b"\x00\xff", b"abcabcabc"]), max_size=300),
       st.binary(max_size=50))
def test_compress_py_roundtrip(words, noise):
    data = b"".join(words) + noise + b"".join(words[:5])
    assert lzf.decompress(lzf.compress_py(data), len(data)) == data


def test_compress_py_long_runs_and_far_references():
    for data in (b"a" * 5000, b"ab" * 3000, os.urandom(9000) + b"tail" * 10, bytes(range(256)) * 64):
        assert lzf.decompress(lzf.compress_py(data), len(data)) == data


def test_luajit_kernels_match_the_python_ones():
    from vermilion.persistence.rdb import jit
    from vermilion.persistence.rdb.crc64 import crc64_py

    if not jit.AVAILABLE:
        pytest.skip("lupa has no LuaJIT here")
    for n in (0, 1, 255, 256, 4097, 70_000):
        data = os.urandom(n)
        assert jit.crc64(12345, data) == crc64_py(12345, data)
        assert crc64(7, memoryview(data)) == crc64_py(7, data)
    for data in (b"a" * 5000, b"hello world " * 300, os.urandom(3000) + b"xyz" * 500, bytes(range(256)) * 40):
        packed = jit.lzf_compress(data)
        assert packed == lzf.compress_py(data)  # the same greedy algorithm
        assert lzf.decompress(packed, len(data)) == data
