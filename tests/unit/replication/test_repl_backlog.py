"""The replication backlog: offsets, trimming, what a PSYNC can continue from."""

from vermilion.replication.backlog import TRIM_BLOCK, Backlog


def test_offsets_follow_appended_bytes():
    b = Backlog(1000, 0)
    assert (b.offset, b.histlen, b.first_byte_offset) == (0, 0, 1)
    b.append(b"abc")
    b.append(b"defg")
    assert (b.offset, b.histlen, b.first_byte_offset) == (7, 7, 1)
    assert b.since(1) == b"abcdefg"
    assert b.since(4) == b"defg"
    assert b.since(8) == b""


def test_psync_range():
    b = Backlog(1000, 100)  # created when the stream was already at offset 100
    assert b.first_byte_offset == 101
    assert b.can_continue_from(101)  # nothing yet: a replica at 100 continues with nothing
    assert not b.can_continue_from(100)
    b.append(b"x" * 10)
    assert b.can_continue_from(101) and b.can_continue_from(111)
    assert not b.can_continue_from(112) and not b.can_continue_from(100)


def test_trimming_keeps_the_newest_bytes_within_one_block():
    b = Backlog(16 * 1024, 0)
    data = bytes(range(256)) * 4
    total = 0
    for _ in range(200):
        b.append(data)
        total += len(data)
        assert b.histlen < b.size + TRIM_BLOCK
    assert b.offset == total
    assert b.first_byte_offset == total - b.histlen + 1
    # the tail is exact
    assert b.since(total - 1023) == data and b.since(total - 1022) == data[1:]
    assert not b.can_continue_from(1)


def test_large_append_trims_at_once_and_resize():
    b = Backlog(16 * 1024, 5)
    b.append(b"a" * 100_000)
    assert b.histlen == 16 * 1024 and b.offset == 100_005
    b.resize(1000)
    assert b.histlen == 1000 and b.since(b.first_byte_offset) == b"a" * 1000
