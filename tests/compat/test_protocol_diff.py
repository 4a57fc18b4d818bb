"""The wire protocol compared byte for byte with the real redis-server: pipelining,
inline commands, partial writes, and every protocol error (reply, then close)."""

from __future__ import annotations

import time

import pytest

from support.raw import RawClient


def send_slowly(d, data: bytes, step: int) -> None:
    for i in range(0, len(data), step):
        d.v.send(data[i : i + step])
        d.r.send(data[i : i + step])
        time.sleep(0.001)


def test_pipeline_mixed_inline_and_multibulk(both2):
    data = b"PING\r\n*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\nECHO   spaced    words\r\n*1\r\n$4\r\nPING\r\n\r\n\n*0\r\n*-5\r\nPING\n"
    both2.check_raw(data, replies=5)


def test_byte_by_byte_pipeline(both2):
    data = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\nGET k\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"
    send_slowly(both2, data, 1)
    for _ in range(3):
        a, b = both2.v.read_reply(), both2.r.read_reply()
        assert a == b


def test_large_value_in_many_chunks(both2):
    value = b"x" * 300_000
    data = b"*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$%d\r\n%b\r\n" % (len(value), value)
    send_slowly(both2, data, 65536)
    both2.check_raw(b"", replies=1)
    a, b = both2.v.call("GET", "big"), both2.r.call("GET", "big")
    assert a == b


@pytest.mark.parametrize("data", [
    b"*1\r\n:1\r\n",
    b"*2\r\n$4\r\nECHO\r\n*1\r\n",
    b"*abc\r\n",
    b"*1\r\n$abc\r\n",
    b"*1\r\n$-3\r\n",
    b"*1\r\n$01\r\n",
    b"*3000000000\r\n",
    b"*1\r\n$600000000\r\n",
    b'SET "unbalanced\r\n',
    b"SET 'a'b\r\n",
    b"*1\r\nx\r\n",
])
def test_protocol_errors_reply_then_close(both2, data):
    both2.v.send(data)
    both2.r.send(data)
    assert both2.v.read_until_closed() == both2.r.read_until_closed()


def test_commands_before_a_protocol_error_run(both2):
    both2.v.send(b"PING\r\n*1\r\n$4\r\nPING\r\n*1\r\n:1\r\n")
    both2.r.send(b"PING\r\n*1\r\n$4\r\nPING\r\n*1\r\n:1\r\n")
    assert both2.v.read_until_closed() == both2.r.read_until_closed()


def test_too_big_inline_and_headers(both2):
    for data in (b"A" * 70000, b"*" + b"1" * 70000, b"*1\r\n$" + b"1" * 70000):
        v, r = RawClient(both2.v.sock.getpeername()[1]), RawClient(both2.r.sock.getpeername()[1])
        v.send(data)
        r.send(data)
        assert v.read_until_closed() == r.read_until_closed()
        v.close()
        r.close()


def test_header_only_partial_then_rest(both2):
    # A batch that ends right after a bulk header must still complete later.
    both2.v.send(b"*2\r\n$4\r\nECHO\r\n$5\r\n")
    both2.r.send(b"*2\r\n$4\r\nECHO\r\n$5\r\n")
    time.sleep(0.05)
    both2.check_raw(b"hello\r\n")
