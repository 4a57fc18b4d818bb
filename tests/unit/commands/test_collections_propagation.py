"""Propagated forms of list/hash/set commands and of served blocking pops, checked
in-process: a Server with a PropagationLog, clients, commands run through dispatch.call
and the blocking engine's ready-key pass run as dispatch runs it after a write."""

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

    return server, clients, log, run, written


def test_served_blocking_pops_propagate_as_plain_pops(env):
    server, clients, log, run, written = env
    assert run(1, "BLPOP", "a", "b", 0) is NO_REPLY
    assert run(2, "RPUSH", "b", "x", "y") == 2
    assert written[1] == [b"*2\r\n$1\r\nb\r\n$1\r\nx\r\n"]
    assert run(1, "BLMOVE", "src", "dst", "RIGHT", "LEFT", 0) is NO_REPLY
    run(2, "LPUSH", "src", "v")
    assert run(1, "BLMPOP", 0, 1, "m", "LEFT", "COUNT", 5) is NO_REPLY
    run(2, "RPUSH", "m", "1", "2")
    assert log.stream()[1:] == [
        B("RPUSH", "b", "x", "y"), B("LPOP", "b"),
        B("LPUSH", "src", "v"), B("LMOVE", "src", "dst", "RIGHT", "LEFT"),
        B("RPUSH", "m", "1", "2"), B("LPOP", "m", 2),
    ]
    assert server.blocking.count == 0


def test_immediate_blocking_pops_propagate_as_plain_pops(env):
    _, _, log, run, _ = env
    run(1, "RPUSH", "k", "1", "2", "3")
    run(1, "BRPOP", "k", 0)
    run(1, "BLMPOP", 0, 1, "k", "LEFT")
    run(1, "LMPOP", 1, "k", "LEFT", "COUNT", 9)
    assert log.stream()[1:] == [B("RPUSH", "k", "1", "2", "3"), B("RPOP", "k"), B("LPOP", "k", 1), B("LPOP", "k", 1)]


def test_hincrbyfloat_and_spop_forms(env):
    _, _, log, run, _ = env
    run(1, "HINCRBYFLOAT", "h", "f", "10.5")
    run(1, "HINCRBYFLOAT", "h", "f", "0.1")
    run(1, "SADD", "s", "a")
    popped = run(1, "SPOP", "s")
    run(1, "SADD", "t", "1", "2", "3")
    run(1, "SPOP", "t", 5)
    assert log.stream()[1:] == [
        B("HSET", "h", "f", "10.5"), B("HSET", "h", "f", "10.6"), B("SADD", "s", "a"), B("SREM", "s", popped),
        B("SADD", "t", "1", "2", "3"), B("DEL", "t"),
    ]


def test_blocking_inside_multi_answers_as_timeout(env):
    _, clients, _, run, _ = env
    clients[1].deny_blocking = True
    assert run(1, "BLPOP", "k", 0).__class__.__name__ == "_NullArray"
    assert run(1, "BLMOVE", "k", "d", "LEFT", "LEFT", 0) is None  # Redis's addReplyNull there
    assert clients[1].blocked is None
