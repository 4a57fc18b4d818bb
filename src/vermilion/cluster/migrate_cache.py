"""MIGRATE's connection cache (Redis's migrateGetSocket / migrateCloseTimedoutSockets).

MIGRATE keeps its connection to each target ``host:port`` open for reuse: a cached
socket idle for more than 10 s is closed by the cron, at most 64 are kept (when full, a
random one is closed to make room), and any socket error closes the target's socket.
Each entry remembers the database last SELECTed on it (``last_dbid``, -1 for none), so
MIGRATE sends SELECT only when the database changes, and resets it when the target
replies with an error.  ``redis-cli --cluster reshard`` issues one MIGRATE per batch of
keys to the same target, so the cache saves a connect (and a SELECT) per batch.
"""

from __future__ import annotations

import random
import socket
from typing import Any

CACHE_ITEMS = 64  # MIGRATE_SOCKET_CACHE_ITEMS
CACHE_TTL_MS = 10_000  # MIGRATE_SOCKET_CACHE_TTL


class CachedSocket:
    __slots__ = ("sock", "last_dbid", "last_use_ms", "fresh")

    def __init__(self, sock: socket.socket, now_ms: int) -> None:
        self.sock = sock
        self.last_dbid = -1
        self.last_use_ms = now_ms
        self.fresh = True  # not used yet: a failure on it is not worth a retry


class MigrateSockets:
    def __init__(self, server: Any) -> None:
        self.server = server
        self.sockets: dict[tuple[str, int], CachedSocket] = {}

    def get(self, host: str, port: int, timeout_s: float) -> CachedSocket:
        """The cached connection to host:port, or a new one (raises OSError)."""
        now = self.server.now_ms()
        key = (host, port)
        entry = self.sockets.get(key)
        if entry is not None:
            entry.last_use_ms = now
            entry.fresh = False
            entry.sock.settimeout(timeout_s)
            return entry
        if len(self.sockets) >= CACHE_ITEMS:
            self.close(*random.choice(list(self.sockets)))
        sock = socket.create_connection((host, port), timeout=timeout_s)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        entry = self.sockets[key] = CachedSocket(sock, now)
        return entry

    def close(self, host: str, port: int) -> None:
        entry = self.sockets.pop((host, port), None)
        if entry is not None:
            entry.sock.close()

    def cron(self, server: Any) -> None:
        if not self.sockets:
            return
        now = server.now_ms()
        for key in [k for k, e in self.sockets.items() if now - e.last_use_ms > CACHE_TTL_MS]:
            self.close(*key)

    def close_all(self, server: Any = None) -> None:
        for key in list(self.sockets):
            self.close(*key)


def migrate_sockets(server: Any) -> MigrateSockets:
    """The server's cache, created (with its cron job) on first use."""
    cache = server.extensions.get("migrate_sockets")
    if cache is None:
        cache = server.extensions["migrate_sockets"] = MigrateSockets(server)
        server.cron_jobs.append(cache.cron)
        server.shutdown_hooks.append(cache.close_all)
    return cache
