"""In-process checks of what cannot be seen on the wire: script effects propagate as
the commands the script ran (MULTI/EXEC around several, never the script body), the
parsing of pre-encoded replies, Lua-number truncation, shebang parsing, lrand48."""

from __future__ import annotations

import math

import pytest

import vermilion.commands  # noqa: F401  (registers the command table)
from vermilion.config.schema import Config
from vermilion.engine.client import Client
from vermilion.engine.dispatch import resolve
from vermilion.engine.server import Server
from vermilion.keyspace.propagation import install
from vermilion.protocol.errors import CommandError
from vermilion.protocol.reply import Bool, Double, ErrorReply, SetReply, Simple
from vermilion.scripting.convert import lua_number_to_int, parse_raw, reply_to_lua
from vermilion.scripting.state import FLAG_EVAL_COMPAT, FLAG_NO_WRITES, parse_shebang


def B(*args):
    return [a if isinstance(a, bytes) else str(a).encode() for a in args]


@pytest.fixture
def env():
    server = Server(Config())
    log = install(server)
    c = Client(server, 1, "127.0.0.1:1", "127.0.0.1:2", -1, lambda data: None, lambda: None)

    def run(*args):
        argv = B(*args)
        spec = resolve(argv)
        dirty = server.dirty
        try:
            reply = spec.handler(c, argv)
        except CommandError as e:
            reply = e
        if server.dirty != dirty:
            server.on_write(c, spec, argv)
        return reply

    return server, log, run


def test_one_write_propagates_alone(env):
    server, log, run = env
    run("EVAL", "return redis.call('set', KEYS[1], ARGV[1])", 1, "k", "v")
    assert log.stream()[1:] == [B("set", "k", "v")]


def test_several_writes_are_wrapped_in_multi_exec(env):
    server, log, run = env
    run("EVAL", "redis.call('set', 'a', 1) redis.call('get', 'a') redis.call('incr', 'a') return 1", 0)
    assert log.stream()[1:] == [B("MULTI"), B("set", "a", 1), B("incr", "a"), B("EXEC")]


def test_rewritten_forms_propagate(env):
    server, log, run = env
    run("EVAL", "redis.call('set', 'a', 1, 'EX', 100) return 1", 0)
    (entry,) = log.stream()[1:]
    assert entry[:3] == B("SET", "a", "1") and entry[3].upper() == b"PXAT"


def test_read_only_script_propagates_nothing(env):
    server, log, run = env
    run("SET", "x", "1")
    log.clear()
    run("EVAL", "return redis.call('get', 'x')", 0)
    assert log.stream() == []


def test_failed_script_propagates_what_it_wrote(env):
    server, log, run = env
    reply = run("EVAL", "redis.call('set', 'w', 1) error('stop')", 0)
    assert isinstance(reply, CommandError)
    assert log.stream()[1:] == [B("set", "w", 1)]


def test_set_repl_none_skips_propagation(env):
    server, log, run = env
    run("EVAL", "redis.set_repl(redis.REPL_NONE) redis.call('set', 'q', 1) return 1", 0)
    assert log.stream() == []
    assert server.dbs[0].data[b"q"] == b"1"


def test_function_effects_propagate(env):
    server, log, run = env
    run("FUNCTION", "LOAD", "#!lua name=p\nredis.register_function('w', function(k) "
        "redis.call('set', k[1], 'x') return redis.call('del', k[1]) end)")
    log.clear()
    run("FCALL", "w", 1, "key")
    assert log.stream()[1:] == [B("MULTI"), B("set", "key", "x"), B("del", "key"), B("EXEC")]


def test_parse_raw_replies():
    assert parse_raw(b"+OK\r\n") == Simple(b"OK")
    assert parse_raw(b"-ERR x\r\n") == ErrorReply(b"ERR x")
    assert parse_raw(b":-5\r\n") == -5
    assert parse_raw(b"$-1\r\n") is None
    assert parse_raw(b"*2\r\n$1\r\na\r\n:1\r\n") == [b"a", 1]
    assert parse_raw(b"%1\r\n$1\r\nk\r\n,1.5\r\n") == {b"k": Double(1.5)}
    assert isinstance(parse_raw(b"~1\r\n$1\r\nm\r\n"), SetReply)
    assert parse_raw(b"#t\r\n") == Bool(1)


def test_reply_to_lua_shapes():
    assert reply_to_lua(None, 2) is False
    assert reply_to_lua(None, 3) is None
    assert reply_to_lua(Simple(b"OK"), 2) == {b"ok": b"OK"}
    assert reply_to_lua({b"a": 1}, 2) == [b"a", 1]
    assert reply_to_lua({b"a": 1}, 3) == {b"map": {b"a": 1}}
    assert reply_to_lua(SetReply([b"m"]), 3) == {b"set": {b"m": True}}
    assert reply_to_lua(Double(2.5), 2) == b"2.5"
    assert reply_to_lua(Double(2.5), 3) == {b"double": 2.5}
    assert reply_to_lua(Bool(1), 2) == 1 and reply_to_lua(Bool(0), 3) is False


def test_lua_numbers_truncate_like_c():
    assert lua_number_to_int(3.99) == 3
    assert lua_number_to_int(-3.99) == -3
    assert lua_number_to_int(math.inf) == -(1 << 63)
    assert lua_number_to_int(math.nan) == -(1 << 63)
    assert lua_number_to_int(1e300) == -(1 << 63)


def test_shebang_flags():
    assert parse_shebang(b"return 1") == (FLAG_EVAL_COMPAT, 0)
    flags, n = parse_shebang(b"#!lua flags=no-writes\nreturn 1")
    assert flags == FLAG_NO_WRITES and n == len(b"#!lua flags=no-writes")
    for bad, msg in ((b"#!lua", b"ERR Invalid script shebang"),
                     (b"#!py\n", b"ERR Unexpected engine in script shebang: #!py"),
                     (b"#!lua x=1\n", b"ERR Unknown lua shebang option: x=1"),
                     (b"#!lua flags=nope\n", b"ERR Unexpected flag in script shebang: nope")):
        with pytest.raises(CommandError) as e:
            parse_shebang(bad)
        assert e.value.msg == msg


def test_lrand48_sequence_matches_redis(env):
    server, log, run = env
    # Redis 7's first math.random() on a fresh server (redisLrand48's initial state).
    assert run("EVAL", "return tostring(math.random())", 0) == b"0.39646477363839"


class _Parser:
    def __init__(self, cmds: list) -> None:
        self.cmds = cmds

    def drain(self) -> list:
        cmds, self.cmds = self.cmds, []
        return cmds

    def hold(self, cmds: list) -> None:
        self.cmds = cmds + self.cmds


def test_eval_inside_exec_is_not_wrapped_twice():
    from vermilion.engine.dispatch import run_batch

    server = Server(Config())
    log = install(server)
    c = Client(server, 7, "127.0.0.1:1", "127.0.0.1:2", -1, lambda b: None, lambda: None)
    server.clients[c.id] = c
    cmds = [B("MULTI"), B("EVAL", "redis.call('set', 'a', 1) redis.call('incr', 'a') return 1", 0),
            B("SET", "b", 2), B("EXEC")]
    out = run_batch(c, _Parser(cmds))
    assert out.endswith(b"*2\r\n:1\r\n+OK\r\n")
    assert log.stream() == [B("SELECT", 0), B("MULTI"), B("set", "a", 1), B("incr", "a"), B("SET", "b", 2),
                            B("EXEC")]
