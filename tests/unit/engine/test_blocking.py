"""Blocking engine: timeout parsing and the FIFO / first-ready-key serving order,
driven directly without sockets (engine/blocking.py)."""

from __future__ import annotations

import pytest

from vermilion.config.schema import Config
from vermilion.engine.blocking import BlockState, parse_timeout_ms, parse_timeout_s
from vermilion.engine.server import Server
from vermilion.protocol.errors import CommandError
from vermilion.protocol.reply import NO_REPLY


@pytest.mark.parametrize("raw,expect", [
    (b"0", 0), (b"1", 2000), (b"1.5", 2500), (b"0.001", 1001), (b"-0.001", 0), (b"0.0001", 1001), (b"-0", 0),
    (b"0x10", 17000),
])
def test_parse_timeout_s(raw, expect):
    assert parse_timeout_s(raw, 1000) == expect


@pytest.mark.parametrize("raw,msg", [
    (b"x", b"ERR timeout is not a float or out of range"), (b"nan", b"ERR timeout is not a float or out of range"),
    (b" 1", b"ERR timeout is not a float or out of range"), (b"-1", b"ERR timeout is negative"),
    (b"inf", b"ERR timeout is negative"), (b"1e30", b"ERR timeout is negative"),
    (b"9223372036854775", b"ERR timeout is out of range"),
])
def test_parse_timeout_s_errors(raw, msg):
    with pytest.raises(CommandError) as e:
        parse_timeout_s(raw, 10**12)
    assert e.value.msg == msg


def test_parse_timeout_ms():
    assert parse_timeout_ms(b"0", 5) == 0
    assert parse_timeout_ms(b"10", 5) == 15
    with pytest.raises(CommandError):
        parse_timeout_ms(b"1.5", 5)
    with pytest.raises(CommandError):
        parse_timeout_ms(b"-1", 5)


class FakeClient:
    def __init__(self, server, cid):
        self.id = cid
        self.server = server
        self.db = server.dbs[0]
        self.resp = 2
        self.blocked = None
        self.deny_blocking = False
        self.propagate_as = None
        self.written = []
        self.resumed = 0

    def write(self, data):
        self.written.append(data)

    def resume(self):
        self.resumed += 1


def make_server():
    return Server(Config())


def test_fifo_and_first_ready_key():
    server = make_server()
    b = server.blocking
    db = server.dbs[0]
    served = []

    def serve_from(c, key):
        v = db.data.get(key)
        if not v:
            return None
        item = v.pop(0)
        if not v:
            del db.data[key]
        served.append((c.id, key))
        return [key, item]

    c1, c2, c3 = (FakeClient(server, i) for i in (1, 2, 3))
    assert b.block(c1, [b"BLPOP"], [b"k1", b"k2"], 0, serve_from) is NO_REPLY
    b.block(c2, [b"BLPOP"], [b"k2"], 0, serve_from)
    b.block(c3, [b"BLPOP"], [b"k1"], 0, serve_from)
    assert b.count == 3 and isinstance(c1.blocked, BlockState)
    db.data[b"k2"] = [b"x", b"y", b"z"]
    b.signal(db, b"k2")
    b.handle_ready()
    assert served == [(1, b"k2"), (2, b"k2")]
    assert c1.blocked is None and c2.blocked is None and c3.blocked is not None
    assert c1.written == [b"*2\r\n$2\r\nk2\r\n$1\r\nx\r\n"] and c1.resumed == 1
    assert db.data[b"k2"] == [b"z"] and b.count == 1
    assert (0, b"k2") not in b.waiting  # nobody waits on k2 any more
    b.client_closed(c3)
    assert b.count == 0 and not b.waiting


def test_unblock_client_timeout_or_error():
    server = make_server()
    b = server.blocking
    c = FakeClient(server, 1)
    b.block(c, [b"BLPOP"], [b"k"], 0, lambda c, k: None)
    assert b.unblock_client(c, error=False)
    assert c.written == [b"*-1\r\n"] and c.blocked is None
    b.block(c, [b"BLPOP"], [b"k"], 0, lambda c, k: None)
    c.resp = 3
    assert b.unblock_client(c, error=True)
    assert c.written[-1] == b"-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n"
    assert not b.unblock_client(c, error=True)


def test_cron_times_out_without_loop():
    server = make_server()
    b = server.blocking
    c = FakeClient(server, 1)
    server.clients[1] = c
    b.block(c, [b"BLPOP"], [b"k"], server.cached_now_ms + 50, lambda c, k: None)
    b.cron(server)
    assert c.blocked is not None
    server.cached_now_ms += 100
    b.cron(server)
    assert c.blocked is None and c.written == [b"*-1\r\n"]


def test_a_failing_serve_callback_unblocks_with_an_error():
    server = make_server()
    server.log_lines = lambda level, msg: None
    b = server.blocking
    db = server.dbs[0]
    c = FakeClient(server, 1)

    def broken(c, key):
        raise KeyError(key)

    b.block(c, [b"BLPOP", b"k", b"0"], [b"k"], 0, broken)
    db.data[b"k"] = [b"x"]
    b.signal(db, b"k")
    b.handle_ready()
    assert c.blocked is None and c.written == [b"-ERR internal error: KeyError\r\n"]
    assert b.count == 0 and not b.ready
