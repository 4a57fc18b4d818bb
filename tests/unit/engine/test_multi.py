"""MULTI/EXEC in-process: what EXEC propagates (7.2: one write alone, several wrapped
in MULTI/EXEC, resolved forms kept), and that WATCH/subscription state is released
on EXEC, DISCARD, disconnect and RESET (``server.watching`` back to zero)."""

from __future__ import annotations

import pytest

import vermilion.commands  # noqa: F401  (registers the command table)
from vermilion.config.schema import Config
from vermilion.engine.client import Client, Gate
from vermilion.engine.dispatch import run_batch
from vermilion.engine.server import Server
from vermilion.keyspace.propagation import install


def B(*args):
    return [a if isinstance(a, bytes) else str(a).encode() for a in args]


class Parser:
    def __init__(self) -> None:
        self.cmds: list = []

    def drain(self) -> list:
        cmds, self.cmds = self.cmds, []
        return cmds

    def hold(self, cmds: list) -> None:
        self.cmds = cmds + self.cmds


@pytest.fixture
def env():
    server = Server(Config())
    log = install(server)
    clients = {i: Client(server, i, "127.0.0.1:1", "127.0.0.1:2", -1, lambda b: None, lambda: None)
               for i in (1, 2)}
    for c in clients.values():
        server.clients[c.id] = c

    def run(cid, *cmds):
        p = Parser()
        p.cmds = [B(*cmd) for cmd in cmds]
        return run_batch(clients[cid], p)

    return server, clients, log, run


def test_exec_propagation(env):
    server, clients, log, run = env
    run(1, ("MULTI",), ("SET", "a", "1"), ("GET", "a"), ("EXEC",))
    assert log.stream()[1:] == [B("SET", "a", "1")]
    log.clear()
    run(1, ("MULTI",), ("SET", "a", "1"), ("INCR", "a"), ("GET", "a"), ("EXEC",))
    assert log.stream() == [B("SELECT", 0), B("MULTI"), B("SET", "a", "1"), B("INCR", "a"), B("EXEC")]
    log.clear()
    run(1, ("MULTI",), ("GET", "a"), ("EXEC",))
    assert log.entries == []


def test_exec_propagates_resolved_forms(env):
    server, clients, log, run = env
    run(1, ("MULTI",), ("SET", "k", "v", "EX", "100"), ("LPUSH", "l", "x"), ("EXEC",))
    stream = log.stream()
    assert stream[1] == B("MULTI") and stream[-1] == B("EXEC")
    assert stream[2][:4] == B("SET", "k", "v", "PXAT")
    assert stream[3] == B("LPUSH", "l", "x")


def test_watch_state_released(env):
    server, clients, log, run = env
    run(1, ("WATCH", "a", "b"), ("WATCH", "a"))
    assert server.watching == 2
    run(1, ("MULTI",), ("PING",), ("EXEC",))
    assert server.watching == 0
    run(1, ("WATCH", "a"), ("MULTI",), ("DISCARD",))
    assert server.watching == 0
    run(1, ("WATCH", "a"), ("UNWATCH",))
    assert server.watching == 0
    run(1, ("WATCH", "a"), ("MULTI",), ("SET", "x", "1"))
    assert clients[1].gate & Gate.MULTI
    for hook in server.extensions["client_closed"]:
        hook(clients[1])
    assert server.watching == 0 and clients[1].multi_queue is None
    assert not clients[1].gate & Gate.MULTI


def test_touch_marks_only_watchers_of_that_db(env):
    server, clients, log, run = env
    run(1, ("WATCH", "k"))
    run(2, ("SELECT", "1"), ("SET", "k", "v"))
    assert not clients[1].gate & Gate.DIRTY_CAS
    run(2, ("SELECT", "0"), ("SET", "k", "v"))
    assert clients[1].gate & Gate.DIRTY_CAS
    assert server.watching == 0  # a dirty client stops watching at once
    assert run(1, ("MULTI",), ("PING",), ("EXEC",)).endswith(b"*-1\r\n")
    assert not clients[1].gate & Gate.DIRTY_CAS


def test_subscriptions_released_on_close_and_reset(env):
    server, clients, log, run = env
    run(1, ("SUBSCRIBE", "a", "b"), ("PSUBSCRIBE", "p*"), ("SSUBSCRIBE", "s"))
    ps = server.extensions["pubsub"]
    assert set(ps.channels) == {b"a", b"b"} and set(ps.patterns) == {b"p*"} and set(ps.shard) == {b"s"}
    assert clients[1].gate & Gate.PUBSUB
    run(1, ("RESET",))
    assert not ps.channels and not ps.patterns and not ps.shard
    assert not clients[1].gate & Gate.PUBSUB
    run(2, ("SUBSCRIBE", "a"))
    for hook in server.extensions["client_closed"]:
        hook(clients[2])
    assert not ps.channels
