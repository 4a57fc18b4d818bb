"""Client-side caching in-process (engine/tracking.py): the table and its counters, the
hooks' bookkeeping (``server.tracking``, the share of ``server.watching``), delivery to
the running client after its reply, BCAST batching without an event loop, the table
limit, and the prefix-overlap rule."""

from __future__ import annotations

import pytest

import vermilion.commands  # noqa: F401  (registers the command table)
from vermilion.config.schema import Config
from vermilion.engine.client import Client
from vermilion.engine.dispatch import run_batch
from vermilion.engine.server import Server
from vermilion.engine.tracking import get_tracking


def B(*args):
    return [a if isinstance(a, bytes) else str(a).encode() for a in args]


def inv(*keys: bytes) -> bytes:
    return b">2\r\n$10\r\ninvalidate\r\n*%d\r\n" % len(keys) + b"".join(
        b"$%d\r\n%s\r\n" % (len(k), k) for k in keys)


class Parser:
    def __init__(self, cmds: list) -> None:
        self.cmds = cmds

    def drain(self) -> list:
        cmds, self.cmds = self.cmds, []
        return cmds

    def hold(self, cmds: list) -> None:
        self.cmds = cmds + self.cmds


@pytest.fixture
def env():
    server = Server(Config())
    written: dict[int, list[bytes]] = {1: [], 2: [], 3: []}
    clients = {}
    for i in (1, 2, 3):
        c = Client(server, i, "127.0.0.1:1", "127.0.0.1:2", -1, written[i].append, lambda: None)
        server.clients[i] = c
        clients[i] = c

    def run(cid, *cmds):
        return run_batch(clients[cid], Parser([B(*cmd) for cmd in cmds]))

    def gone(cid):
        c = server.clients.pop(cid)
        for hook in server.extensions.get("client_closed", ()):
            hook(c)

    run(1, ("HELLO", "3"))
    run(2, ("HELLO", "3"))
    return server, written, run, gone


def test_nobody_tracking_costs_nothing(env):
    server, written, run, gone = env
    assert server.tracking == 0 and server.watching == 0
    run(2, ("SET", "k", "v"), ("GET", "k"))
    assert "tracking" not in server.extensions


def test_invalidation_and_counters(env):
    server, written, run, gone = env
    assert run(1, ("CLIENT", "TRACKING", "ON"), ("MGET", "a", "b")) == b"+OK\r\n*2\r\n_\r\n_\r\n"
    tr = server.extensions["tracking"]
    assert server.tracking == 1 and server.watching == 1
    assert (len(tr.table), tr.items) == (2, 2)
    run(2, ("SET", "a", "1"))
    assert written[1] == [inv(b"a")]
    assert (len(tr.table), tr.items) == (1, 1)
    # Its own write: the invalidation follows the reply in the same output.
    assert run(1, ("SET", "b", "1"), ("PING",)) == b"+OK\r\n" + inv(b"b") + b"+PONG\r\n"
    assert server.watching == 1  # tracking on, table empty
    run(1, ("GET", "c"))
    gone(1)
    # The client's ids stay until the key changes (Redis counts them meanwhile).
    assert (server.tracking, len(tr.table), tr.items, server.watching) == (0, 1, 1, 1)
    run(2, ("SET", "c", "1"))
    assert (len(tr.table), tr.items, server.watching) == (0, 0, 0)


def test_flush_and_reset(env):
    server, written, run, gone = env
    run(1, ("CLIENT", "TRACKING", "ON"), ("GET", "a"))
    run(3, ("CLIENT", "TRACKING", "ON"), ("GET", "a"))  # RESP2, no redirect: gets nothing
    run(2, ("FLUSHDB",))
    assert written[1] == [b">2\r\n$10\r\ninvalidate\r\n_\r\n"]
    assert written[3] == []
    tr = server.extensions["tracking"]
    assert (len(tr.table), tr.items) == (0, 0)
    run(1, ("RESET",))
    run(3, ("CLIENT", "TRACKING", "OFF"))
    assert (server.tracking, server.watching, tr.clients) == (0, 0, 0)


def test_redirect_to_subscriber_and_broken(env):
    server, written, run, gone = env
    run(3, ("SUBSCRIBE", "__redis__:invalidate"))
    run(1, ("CLIENT", "TRACKING", "ON", "REDIRECT", "3"), ("GET", "k"))
    run(2, ("SET", "k", "1"))
    assert written[3][-1] == b"*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*1\r\n$1\r\nk\r\n"
    gone(3)
    run(1, ("GET", "k"))
    run(2, ("SET", "k", "2"))
    assert written[1] == [b">2\r\n$21\r\ntracking-redir-broken\r\n:3\r\n"]
    assert server.clients[1].tracking.broken_redirect


def test_bcast_batches_without_event_loop(env):
    server, written, run, gone = env
    run(1, ("CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "a", "PREFIX", "b"))
    run(2, ("SET", "b2", "1"), ("MSET", "a1", "1", "b1", "2", "c", "3"), ("SET", "b2", "3"))
    # No loop in-process: the batch end broadcasts, one message per prefix, keys sorted.
    assert written[1] == [inv(b"a1"), inv(b"b1", b"b2")]
    assert server.extensions["tracking"].prefixes.keys() == {b"a", b"b"}
    run(1, ("CLIENT", "TRACKING", "OFF"))
    assert server.extensions["tracking"].prefixes == {}


def test_table_limit_evicts_random_keys(env):
    server, written, run, gone = env
    server.config["tracking-table-max-keys"] = 10
    run(1, ("CLIENT", "TRACKING", "ON"))
    run(1, ("MGET", *[f"k{i}" for i in range(25)]))
    tr = server.extensions["tracking"]
    assert len(tr.table) == 10 and tr.items == 10
    run(1, ("MGET", *[f"j{i}" for i in range(5)]))
    assert len(tr.table) == 10
    server.config["tracking-table-max-keys"] = 4
    tr.cron(server)
    assert len(tr.table) == 4
    assert set(tr.table) <= {f"k{i}".encode() for i in range(25)} | {f"j{i}".encode() for i in range(5)}


def test_prefix_overlaps(env):
    server, written, run, gone = env
    tr = get_tracking(server)
    c = server.clients[1]
    assert tr.check_prefixes(c, [b"ab", b"cd"]) is None
    assert tr.check_prefixes(c, [b"ab", b"a"]) == (
        b"ERR Prefix 'ab' overlaps with another provided prefix 'a'. "
        b"Prefixes for a single client must not overlap.")
    tr.enable(c, 0, True, False, False, False, [b"user:"])
    assert tr.check_prefixes(c, [b"us"]) == (
        b"ERR Prefix 'us' overlaps with an existing prefix 'user:'. "
        b"Prefixes for a single client must not overlap.")
    assert tr.check_prefixes(c, [b"acct:"]) is None
