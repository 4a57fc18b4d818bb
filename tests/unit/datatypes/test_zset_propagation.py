"""Propagated forms of sorted-set, geo and HLL writes (what replicas and the AOF see),
checked in-process through dispatch.call with a PropagationLog."""

from __future__ import annotations

import pytest

import vermilion.commands  # noqa: F401  (registers the command table)
from vermilion.config.schema import Config
from vermilion.engine.client import Client
from vermilion.engine.dispatch import call, resolve
from vermilion.engine.server import Server
from vermilion.keyspace.propagation import install
from vermilion.protocol.errors import CommandError
from vermilion.protocol.reply import NO_REPLY


def B(*args):
    return [a if isinstance(a, bytes) else str(a).encode() for a in args]


@pytest.fixture
def env():
    server = Server(Config())
    log = install(server)
    written: dict[int, list[bytes]] = {1: [], 2: []}
    clients = {i: Client(server, i, "127.0.0.1:1", "127.0.0.1:2", -1, written[i].append, lambda: None)
               for i in (1, 2)}

    def run(cid, *args):
        argv = B(*args)
        try:
            reply = call(clients[cid], resolve(argv), argv)
        except CommandError as e:
            return e
        if server.ready_keys:
            server.blocking.handle_ready()
        return reply

    return server, log, run, written


def test_pops_propagate_as_zpop(env):
    server, log, run, written = env
    run(1, "ZADD", "z", 1, "a", 2, "b", 3, "c")
    run(1, "ZMPOP", 1, "z", "MAX", "COUNT", 2)
    assert run(1, "BZPOPMIN", "nokey", "z", 0) == [b"z", b"a", 1.0]
    assert run(1, "BZMPOP", 0, 1, "w", "MIN") is NO_REPLY
    run(2, "ZADD", "w", 5, "x")
    assert written[1] == [b"*2\r\n$1\r\nw\r\n*1\r\n*2\r\n$1\r\nx\r\n$1\r\n5\r\n"]
    assert log.stream()[1:] == [
        B("ZADD", "z", 1, "a", 2, "b", 3, "c"), B("ZPOPMAX", "z", 2), B("ZPOPMIN", "z"),
        B("ZADD", "w", 5, "x"), B("ZPOPMIN", "w", 1),
    ]


def test_geoadd_propagates_as_zadd_and_no_op_leaves_nothing_behind(env):
    server, log, run, written = env
    run(1, "GEOADD", "g", "CH", 13.361389, 38.115556, "Palermo")
    run(1, "GEOADD", "g", "NX", 13.361389, 38.115556, "Palermo")  # no change
    run(1, "ZADD", "z", 1, "a")
    assert log.stream()[1:] == [B("zadd", "g", "CH", 3479099956230698, "Palermo"), B("ZADD", "z", 1, "a")]
