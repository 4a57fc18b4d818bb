"""Client limits, on Vermilion and the real redis-server side by side: maxclients,
idle timeout, client-query-buffer-limit and proto-max-bulk-len (CONFIG SET applies to
connections already open) and the output buffer limit of normal clients."""

from __future__ import annotations

import socket

import pytest

from support.raw import RawClient
from support.servers import ServerProcess, wait_for


@pytest.fixture(scope="module")
def pair():
    v = ServerProcess("vermilion", ["--maxclients", "4"])
    r = ServerProcess("redis", ["--maxclients", "4"])
    yield v, r
    v.stop()
    r.stop()


def _connect_reply(port: int) -> tuple[RawClient, bytes]:
    c = RawClient(port, timeout=10)
    return c, c.call("PING")


def test_maxclients(pair):
    for srv in pair:
        held = []
        try:
            for _ in range(4):
                c, reply = _connect_reply(srv.port)
                held.append(c)
                assert reply == b"+PONG\r\n", srv.kind
            extra = RawClient(srv.port, timeout=10)
            assert extra.read_until_closed() == b"-ERR max number of clients reached\r\n", srv.kind
            extra.close()
        finally:
            for c in held:
                c.close()
        # once a slot is free, new clients are served again
        wait_for(lambda: _connect_reply(srv.port)[1] == b"+PONG\r\n", what="a free slot")
    a = RawClient(pair[0].port)
    info = a.call("INFO", "stats")
    a.close()
    assert b"rejected_connections:1" in info or b"rejected_connections:" in info


def _client_ids(port: int) -> set[int]:
    c = RawClient(port)
    data = c.call("CLIENT", "LIST")
    c.close()
    return {int(f.split(b"=")[1]) for f in data.split() if f.startswith(b"id=")}


def test_ten_thousand_connections_up_to_maxclients():
    """Issue 9's measurement: 10,000 connections accepted with maxclients 10000, every one
    served, the next refused with Redis's error (Vermilion only: the real server is
    compared by test_maxclients)."""
    import resource  # noqa: PLC0415

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 10_000 + 256
    if soft < want and hard >= want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    elif soft < want:
        pytest.skip(f"RLIMIT_NOFILE {soft}/{hard}: this test needs {want} descriptors")
    held: list[socket.socket] = []
    try:
        with ServerProcess("vermilion", ["--maxclients", "10000", "--tcp-backlog", "4096"]) as srv:
            for _ in range(10_000):
                held.append(socket.create_connection(("127.0.0.1", srv.port), timeout=30))
            for s in held[::997] + [held[-1]]:
                s.sendall(b"PING\r\n")
                assert s.recv(16) == b"+PONG\r\n"
            extra = RawClient(srv.port, timeout=30)
            assert extra.read_until_closed() == b"-ERR max number of clients reached\r\n"
            extra.close()
    finally:
        for s in held:
            s.close()


def test_idle_timeout():
    with ServerProcess("vermilion", ["--timeout", "1"]) as v:
        idle = RawClient(v.port)
        idle_id = int(idle.call("CLIENT", "ID")[1:-2])
        sub = RawClient(v.port)
        sub_id = int(sub.call("CLIENT", "ID")[1:-2])
        sub.call("SUBSCRIBE", "ch")
        wait_for(lambda: idle_id not in _client_ids(v.port), timeout=10, what="idle client closed")
        assert idle.read_until_closed() == b""
        assert sub_id in _client_ids(v.port)  # subscribers are never timed out
        sub.close()


def _both(pair, *cmd):
    out = []
    for srv in pair:
        c = RawClient(srv.port)
        out.append(c.call(*cmd))
        c.close()
    assert out[0] == out[1], out
    return out[0]


def test_proto_max_bulk_len_applies_to_open_connections(pair):
    conns = [RawClient(srv.port) for srv in pair]
    try:
        _both(pair, "CONFIG", "SET", "proto-max-bulk-len", "1mb")
        for c in conns:
            c.send(b"*2\r\n$3\r\nGET\r\n$2000000\r\n")
        a, b = (c.read_until_closed() for c in conns)
        assert a == b == b"-ERR Protocol error: invalid bulk length\r\n"
    finally:
        for c in conns:
            c.close()
        _both(pair, "CONFIG", "SET", "proto-max-bulk-len", "512mb")


def test_query_buffer_limit_applies_to_open_connections(pair):
    conns = [RawClient(srv.port) for srv in pair]
    try:
        _both(pair, "CONFIG", "SET", "client-query-buffer-limit", "1mb")
        for c in conns:
            try:
                # a 2 MB argument, 1.1 MB of it sent: the query buffer passes 1 MB
                c.send(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2000000\r\n" + b"x" * (1024 * 1024 + 100_000))
            except OSError:
                pass
        a, b = (c.read_until_closed() for c in conns)
        assert a == b == b""
    finally:
        for c in conns:
            c.close()
        _both(pair, "CONFIG", "SET", "client-query-buffer-limit", "1gb")


def _slow_reader(port: int) -> socket.socket:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", port))
    return s


def test_output_buffer_limit_normal_clients(pair):
    _both(pair, "SET", "big", "v" * 100_000)
    _both(pair, "CONFIG", "SET", "client-output-buffer-limit", "normal 1mb 0 0")
    try:
        for srv in pair:
            before = _client_ids(srv.port)
            s = _slow_reader(srv.port)
            s.sendall(b"CLIENT ID\r\n")
            wait_for(lambda: len(_client_ids(srv.port) - before) >= 1, what="client registered")
            s.sendall(b"GET big\r\n" * 300)  # ~30 MB of replies, never read
            new = _client_ids(srv.port) - before
            wait_for(lambda: not (new & _client_ids(srv.port)), timeout=15, what=f"{srv.kind} drops the client")
            s.close()
        # a client that reads keeps working under the same limit
        c = RawClient(pair[0].port)
        for _ in range(20):
            assert c.call("GET", "big").startswith(b"$100000\r\n")
        c.close()
    finally:
        _both(pair, "CONFIG", "SET", "client-output-buffer-limit", "normal 0 0 0")
        _both(pair, "DEL", "big")


def test_output_buffer_limit_unlimited_by_default(pair):
    _both(pair, "SET", "big", "v" * 100_000)
    try:
        s = _slow_reader(pair[0].port)
        s.sendall(b"CLIENT ID\r\n")
        s.settimeout(10)
        first = s.recv(100)
        cid = int(first.split(b"\r\n")[0][1:])
        s.sendall(b"GET big\r\n" * 50)
        # the client is still connected: it just has to read
        assert cid in _client_ids(pair[0].port)
        got = b""
        need = 50 * (len(b"$100000\r\n") + 100_000 + 2)
        while len(got) < need:
            chunk = s.recv(1 << 20)
            assert chunk
            got += chunk
        s.close()
    finally:
        _both(pair, "DEL", "big")
