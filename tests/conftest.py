"""Shared fixtures: a Vermilion server and a real redis-server (the oracle), both real
processes on free ports, started once per test session (per xdist worker).

``both`` gives a ``Differential`` pair: ``both.check(*cmd)`` sends the same command to
Vermilion and to Redis and asserts the raw reply bytes are equal.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from support.raw import RawClient  # noqa: E402
from support.servers import ServerProcess  # noqa: E402


@pytest.fixture(scope="session")
def vermilion_server():
    srv = ServerProcess("vermilion")
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def redis_server():
    srv = ServerProcess("redis")
    yield srv
    srv.stop()


def _flush(port: int) -> None:
    c = RawClient(port)
    c.call("FLUSHALL")
    c.close()


class Differential:
    """Send the same commands to Vermilion and to real Redis; compare the raw bytes."""

    def __init__(self, vport: int, rport: int, protover: int = 2) -> None:
        self.v = RawClient(vport)
        self.r = RawClient(rport)
        if protover == 3:
            self.both("HELLO", "3", compare=False)

    def both(self, *args, compare: bool = True) -> tuple[bytes, bytes]:
        a, b = self.v.call(*args), self.r.call(*args)
        if compare:
            assert a == b, f"{args!r}\nvermilion: {a!r}\nredis:     {b!r}"
        return a, b

    def check(self, *args) -> bytes:
        return self.both(*args)[0]

    def check_raw(self, data: bytes, replies: int = 1) -> bytes:
        """Send raw bytes to both; compare the next ``replies`` replies."""
        self.v.send(data)
        self.r.send(data)
        out = b""
        for _ in range(replies):
            a, b = self.v.read_reply(), self.r.read_reply()
            assert a == b, f"{data!r}\nvermilion: {a!r}\nredis:     {b!r}"
            out += a
        return out

    def close(self) -> None:
        self.v.close()
        self.r.close()


@pytest.fixture(params=[2, 3], ids=["resp2", "resp3"])
def both(request, vermilion_server, redis_server):
    """A differential pair over RESP2 and RESP3, on flushed servers."""
    _flush(vermilion_server.port)
    _flush(redis_server.port)
    d = Differential(vermilion_server.port, redis_server.port, request.param)
    yield d
    d.close()


@pytest.fixture
def both2(vermilion_server, redis_server):
    """A differential pair over RESP2 only."""
    _flush(vermilion_server.port)
    _flush(redis_server.port)
    d = Differential(vermilion_server.port, redis_server.port, 2)
    yield d
    d.close()


@pytest.fixture
def raw(vermilion_server):
    c = RawClient(vermilion_server.port)
    yield c
    c.close()


@pytest.fixture
def r(vermilion_server):
    """A redis-py client on Vermilion (RESP2)."""
    import redis

    client = redis.Redis(port=vermilion_server.port)
    yield client
    client.close()
