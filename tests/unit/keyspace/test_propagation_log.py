"""The propagated form of each generic command, checked in-process: a Server with a
PropagationLog installed, a Client, and commands run through dispatch.call."""

from __future__ import annotations

import pytest

import vermilion.commands  # noqa: F401  (registers the command table)
from vermilion.config.schema import Config
from vermilion.engine.client import Client
from vermilion.engine.dispatch import call, resolve
from vermilion.engine.server import Server
from vermilion.keyspace.propagation import PropagationLog, install
from vermilion.protocol.errors import CommandError

NOW = 1_700_000_000_000


@pytest.fixture
def env():
    server = Server(Config())
    server.cached_now_ms = NOW
    log = install(server)
    client = Client(server, 1, "127.0.0.1:1", "127.0.0.1:2", -1, lambda b: None, lambda: None)

    def run(*args):
        argv = [a if isinstance(a, bytes) else str(a).encode() for a in args]
        try:
            return call(client, resolve(argv), argv)
        except CommandError as e:
            return e

    return server, client, log, run


def B(*args):
    return [str(a).encode() for a in args]


def test_install_is_idempotent(env):
    server, _, log, _ = env
    assert install(server) is log and isinstance(server.propagate, PropagationLog)


def test_relative_expiry_becomes_pexpireat(env):
    _, _, log, run = env
    run("SET", "k", "v")
    run("EXPIRE", "k", 10)
    run("PEXPIRE", "k", 500, "LT")
    run("EXPIREAT", "k", 1_800_000_000)
    run("PEXPIREAT", "k", 1_800_000_000_001)
    assert log.stream() == [
        B("SELECT", 0), B("SET", "k", "v"),
        B("PEXPIREAT", "k", NOW + 10_000),
        B("PEXPIREAT", "k", NOW + 500, "LT"),
        B("PEXPIREAT", "k", 1_800_000_000_000),
        B("PEXPIREAT", "k", 1_800_000_000_001),
    ]


def test_expire_into_the_past_becomes_del(env):
    _, _, log, run = env
    run("SET", "k", "v")
    log.clear()
    assert run("EXPIRE", "k", -1) == b":1\r\n"
    assert log.entries == [(0, B("DEL", "k"))]


def test_commands_that_change_nothing_propagate_nothing(env):
    _, _, log, run = env
    run("EXPIRE", "missing", 10)
    run("DEL", "missing")
    run("PERSIST", "missing")
    run("RENAMENX", "missing", "x")
    run("EXPIRE", "k", "abc")
    run("SET", "k", "v")
    log.clear()
    run("EXPIRE", "k", 10, "XX")
    run("PERSIST", "k")
    run("COPY", "missing", "x")
    assert log.entries == []


def test_lazy_expiry_propagates_del_before_the_command(env):
    server, _, log, run = env
    run("SET", "k", "v")
    run("PEXPIRE", "k", 5)
    log.clear()
    server.cached_now_ms += 10
    run("SET", "k2", "x")
    run("GET", "k")
    assert log.entries == [(0, B("SET", "k2", "x")), (0, B("DEL", "k"))]
    assert server.stats.expired_keys == 1


def test_generic_commands_propagate_as_is(env):
    _, _, log, run = env
    run("SET", "a", "1")
    run("SET", "b", "2")
    log.clear()
    run("RENAME", "a", "c")
    run("RENAMENX", "c", "d")
    run("COPY", "d", "e", "REPLACE")
    run("COPY", "d", "f", "DB", 2)
    run("MOVE", "b", 3)
    run("DEL", "d", "nope")
    run("UNLINK", "e")
    run("PERSIST", "f")
    assert [a for _, a in log.entries] == [
        B("RENAME", "a", "c"), B("RENAMENX", "c", "d"), B("COPY", "d", "e", "REPLACE"),
        B("COPY", "d", "f", "DB", 2), B("MOVE", "b", 3), B("DEL", "d", "nope"), B("UNLINK", "e")]


def test_select_inserted_when_db_changes(env):
    _, client, log, run = env
    run("SET", "a", "1")
    client.select(5)
    run("SET", "b", "1")
    run("EXPIRE", "b", 1)
    client.select(0)
    run("DEL", "a")
    assert log.stream() == [B("SELECT", 0), B("SET", "a", 1), B("SELECT", 5), B("SET", "b", 1),
                            B("PEXPIREAT", "b", NOW + 1000), B("SELECT", 0), B("DEL", "a")]


def test_propagate_as_empty_list_propagates_nothing():
    log = PropagationLog()

    class C:
        propagate_as: list = []

        class db:
            index = 0

    log(C, None, [b"X"])
    assert log.entries == [] and C.propagate_as is None


def test_listeners_see_entries():
    log = PropagationLog()
    seen = []
    log.listeners.append(lambda index, argv: seen.append((index, argv)))

    class D:
        index = 7

    log(None, None, [b"DEL", b"k"], db=D)
    assert seen == [(7, [b"DEL", b"k"])]
