"""The AOF command parser: complete commands, annotations, and the difference between
a torn tail (``truncated``) and a malformed file."""

from __future__ import annotations

import pytest

from vermilion.persistence.aof.loader import AofFormatError, iter_commands
from vermilion.persistence.aof.writer import encode_command

CMDS = [[b"SELECT", b"0"], [b"SET", b"k", b"v\r\nwith crlf"], [b"RPUSH", b"l", b"", b"x" * 300],
        [b"MULTI"], [b"INCR", b"n"], [b"EXEC"]]
DATA = b"".join(encode_command(c) for c in CMDS)


def test_reads_every_command_with_offsets():
    got = list(iter_commands(DATA))
    assert [argv for argv, _ in got] == CMDS
    ends = [end for _, end in got]
    assert ends[-1] == len(DATA)
    assert ends == sorted(ends)


def test_annotations_are_skipped():
    data = b"#TS:1700000000\r\n" + encode_command([b"SET", b"a", b"1"]) + b"#TS:1700000001\r\n"
    assert [argv for argv, _ in iter_commands(data)] == [[b"SET", b"a", b"1"]]


def test_every_prefix_is_complete_or_truncated():
    """A crash can cut the file anywhere: each prefix parses up to a command boundary
    and then reports a truncation at that boundary, never a format error."""
    boundaries = [0] + [end for _, end in iter_commands(DATA)]
    for cut in range(len(DATA) + 1):
        prefix = DATA[:cut]
        read = []
        try:
            for argv, end in iter_commands(prefix):
                read.append(end)
        except AofFormatError as e:
            assert e.truncated, (cut, e.reason)
            assert e.offset == max(b for b in boundaries if b <= cut)
        else:
            assert cut in boundaries


@pytest.mark.parametrize("data, offset", [
    (b"SET k v\r\n", 0),
    (b"*x\r\n", 0),
    (b"*0\r\n", 0),
    (b"*1\r\n:3\r\n", 4),
    (b"*1\r\n$3\r\nabcde\r\n", 11),
    (b"*1\r\n$-1\r\n", 0),
    (encode_command([b"PING"]) + b"garbage\r\n", 14),
])
def test_bad_format(data, offset):
    with pytest.raises(AofFormatError) as info:
        list(iter_commands(data))
    assert not info.value.truncated
    assert info.value.offset == offset
