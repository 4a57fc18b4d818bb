"""Listpack entry sizes and quicklist node limits (datatypes/listpack.py)."""

from __future__ import annotations

import pytest

from vermilion.datatypes.listpack import as_int64, entry_size, exceeds, fits_when_shrunk


@pytest.mark.parametrize("value,size", [
    (b"0", 2), (b"127", 2), (b"128", 3), (b"-1", 3), (b"4095", 3), (b"-4096", 3), (b"4096", 4),
    (b"-32768", 4), (b"32768", 5), (b"8388607", 5), (b"8388608", 6), (b"-2147483648", 6),
    (b"2147483648", 10), (b"9223372036854775807", 10), (b"-9223372036854775808", 10),
    (b"9223372036854775808", 21), (b"", 2), (b"a", 3), (b"x" * 63, 65), (b"x" * 64, 67),
    (b"x" * 125, 128), (b"x" * 126, 130), (b"x" * 4095, 4099), (b"x" * 4096, 4103),
    (b"-0", 4), (b"007", 5), (b"+1", 4), (b" 1", 4),
])
def test_entry_size(value, size):
    assert entry_size(value) == size


def test_as_int64_is_strict():
    assert as_int64(b"-9223372036854775808") == -(2**63)
    assert as_int64(b"9223372036854775808") is None
    for bad in (b"", b"-", b"-0", b"01", b"1.0", b"1e3", b" 1", b"1 ", b"+1", b"0x1"):
        assert as_int64(bad) is None


def test_limits_by_size_and_count():
    assert not exceeds(-2, 8192, 10**6)
    assert exceeds(-2, 8193, 1)
    assert exceeds(-1, 4097, 1)
    assert not exceeds(-5, 65536, 1) and exceeds(-9, 65537, 1)  # below -5 clamps to 64kb
    assert exceeds(4, 100, 5) and not exceeds(4, 100, 4)
    assert exceeds(4, 8193, 2)  # the 8kb safety limit for count-based fills
    assert exceeds(0, 10, 2)  # 0 means one entry per node
    assert fits_when_shrunk(-2, 4096, 10) and not fits_when_shrunk(-2, 4097, 10)
    assert fits_when_shrunk(4, 10**6, 2) and not fits_when_shrunk(4, 10, 3)
