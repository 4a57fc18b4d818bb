"""MIGRATE's connection cache: reuse per target, idle sockets closed after 10 s, at most
64 kept, explicit close."""

from __future__ import annotations

import socket
import types

import pytest

from vermilion.cluster import migrate_cache
from vermilion.cluster.migrate_cache import CACHE_TTL_MS, MigrateSockets, migrate_sockets


@pytest.fixture
def listener():
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(128)
    yield srv.getsockname()[1]
    srv.close()


def _server():
    clock = [1_000_000]
    return types.SimpleNamespace(now_ms=lambda: clock[0], extensions={}, cron_jobs=[], shutdown_hooks=[]), clock


def test_reuse_and_idle_expiry(listener):
    server, clock = _server()
    cache = migrate_sockets(server)
    assert migrate_sockets(server) is cache and server.cron_jobs == [cache.cron]
    a = cache.get("127.0.0.1", listener, 1.0)
    assert a.fresh and a.last_dbid == -1
    a.last_dbid = 3
    clock[0] += CACHE_TTL_MS
    b = cache.get("127.0.0.1", listener, 1.0)
    assert b is a and not b.fresh and b.last_dbid == 3
    clock[0] += CACHE_TTL_MS  # exactly the TTL idle: kept
    cache.cron(server)
    assert ("127.0.0.1", listener) in cache.sockets
    clock[0] += 1
    cache.cron(server)
    assert not cache.sockets and a.sock.fileno() == -1  # closed
    c = cache.get("127.0.0.1", listener, 1.0)
    assert c is not a and c.last_dbid == -1
    server.shutdown_hooks[0](server)
    assert not cache.sockets and c.sock.fileno() == -1


def test_at_most_64_sockets(listener, monkeypatch):
    server, clock = _server()
    cache = MigrateSockets(server)
    made = []
    real_connect = socket.create_connection

    def fake_connect(addr, timeout):
        s = real_connect(("127.0.0.1", listener), timeout=timeout)
        made.append(s)
        return s

    monkeypatch.setattr(migrate_cache.socket, "create_connection", fake_connect)
    for port in range(1, 66):
        cache.get("10.0.0.1", port, 1.0)
    assert len(cache.sockets) == 64 and len(made) == 65
    assert sum(s.fileno() == -1 for s in made) == 1  # one was closed to make room
    cache.close_all()


def test_connect_failure_raises_and_caches_nothing():
    server, _clock = _server()
    cache = MigrateSockets(server)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, not listening: refused
        with pytest.raises(OSError):
            cache.get("127.0.0.1", port, 1.0)
    assert not cache.sockets
