"""Differential tests of FUNCTION LOAD/DELETE/LIST/FLUSH/STATS/RESTORE/HELP, FCALL and
FCALL_RO against real Redis: library metadata, registration errors, the load-time API,
flags, error locations (``@user_function``)."""

from __future__ import annotations

import pytest

SEQUENCE = [
    ('function', 'flush'),
    ('function', 'load', 'return 1'),
    ('function', 'load', '#!lua\nreturn 1'),
    ('function', 'load', '#!lua name=a b=1\nreturn 1'),
    ('function', 'load', '#!foo name=a\nreturn 1'),
    ('function', 'load', '#!lua name=a-b\nreturn 1'),
    ('function', 'load', '#!lua name=a\nreturn 1'),
    ('function', 'load', '#!lua name=a\nreturn +'),
    ('function', 'load', "#!lua name=a\nerror('x')"),
    ('function', 'load', "#!lua name=a\nredis.call('ping')"),
    ('function', 'load', "#!lua name=a\nredis.register_function('f')"),
    ('function', 'load', "#!lua name=a\nredis.register_function('f-x', function() end)"),
    ('function', 'load', "#!lua name=a\nredis.register_function('f', 1)"),
    ('function', 'load', "#!lua name=a\nredis.register_function{function_name='f', callback=function() end, flags={'bad'}}"),
    ('function', 'load', "#!lua name=a\nredis.register_function{function_name='f', callback=function() end, x=1}"),
    ('function', 'load', "#!lua name=a\nredis.register_function('f', function() end) redis.register_function('f', function() end)"),
    ('function', 'load', "#!lua name=lib1\nredis.register_function('f1', function(keys, args) return {keys, args} end)"),
    ('function', 'load', "#!lua name=lib1\nredis.register_function('f3', function() end)"),
    ('function', 'load', "#!lua name=lib2\nredis.register_function('f1', function() end)"),
    ('fcall', 'f1', 2, 'a', 'b', 'c'),
    ('fcall_ro', 'f1', 0),
    ('fcall', 'nof', 0),
    ('fcall', 'f1', 'x'),
    ('fcall', 'f1', -1),
    ('fcall', 'f1', 3, 'a'),
    ('function', 'list'),
    ('function', 'list', 'withcode'),
    ('function', 'list', 'libraryname', 'lib*'),
    ('function', 'list', 'libraryname', 'zz*'),
    ('function', 'list', 'libraryname'),
    ('function', 'list', 'bad'),
    ('function', 'delete', 'nolib'),
    ('function', 'stats'),
    ('function', 'flush', 'bad'),
    ('function', 'load', "#!lua name=a\nlocal x = 1 redis.register_function('f', function() return x end) x = y"),
    ('function', 'load', '#!lua name=a\nreturn redis.setresp(3)'),
    ('function', 'load', "#!lua name=lib3\nredis.register_function{function_name='f2', callback=function() return redis.call('set','x','1') end, flags={'no-writes'}, description='desc'}"),
    ('fcall', 'f2', 0),
    ('fcall_ro', 'f2', 0),
    ('function', 'list', 'libraryname', 'lib3'),
    ('function', 'load', 'replace', "#!lua name=lib3\nredis.register_function{function_name='f2', callback=function() return error('boom') end, flags={'allow-oom', 'no-writes'}}"),
    ('fcall', 'f2', 0),
    ('function', 'list', 'libraryname', 'lib3'),
    ('function', 'delete', 'lib3'),
    ('fcall', 'f2', 0),
    ('function', 'restore', 'bad'),
    ('function', 'restore', 'bad', 'bad'),
    ('function', 'load', 'replace', "#!lua name=lib4\nredis.register_function('g', function(k, a) redis.setresp(3) return redis.call('hgetall', k[1]) end)"),
    ('hset', 'hh', 'a', '1'),
    ('fcall', 'g', 1, 'hh'),
    ('function', 'load', "#!lua name=lib5\nredis.register_function('t', function(k, a) return type(KEYS) end)"),
    ('fcall', 't', 0),
    ('function', 'load', "#!lua name=lib6\nredis.register_function('t6', function(k, a) return {#k, #a, k[1], a[1]} end)"),
    ('fcall', 't6', 1, 'kk', 'aa'),
    ('function', 'stats'),
    ('function', 'flush'),
]


def test_function_sequence(both):
    """One ordered session: each command's reply compared byte for byte."""
    for cmd in SEQUENCE:
        both.check(*cmd)


ERROR_CASES = [
    ("function",),
    ("function", "nosuch"),
    ("function", "load"),
    ("function", "load", "replace"),
    ("function", "load", "x", "y", "z"),
    ("function", "delete"),
    ("function", "list", "withcode", "withcode"),
    ("function", "restore"),
    ("function", "dump", "x"),
    ("function", "stats", "x"),
    ("function", "kill"),
    ("function", "help"),
    ("function", "help", "x"),
    ("fcall",),
    ("fcall", "f"),
    ("fcall_ro", "f", "0"),
]


@pytest.mark.parametrize("cmd", ERROR_CASES, ids=[repr(c) for c in ERROR_CASES])
def test_function_errors(both, cmd):
    both.check("function", "flush")
    both.check(*cmd)


def test_function_keys_args_and_writes(both):
    both.check("function", "flush")
    both.check("function", "load", "#!lua name=kv\n"
               "redis.register_function('kset', function(keys, args) return redis.call('set', keys[1], args[1]) end)\n"
               "redis.register_function{function_name='kget', callback=function(keys) return redis.call('get', keys[1]) end,"
               " flags={'no-writes'}}")
    both.check("fcall", "kset", 1, "a", "1")
    both.check("fcall", "kget", 1, "a")
    both.check("fcall_ro", "kget", 1, "a")
    both.check("fcall_ro", "kset", 1, "a", "2")
    both.check("function", "stats")
    both.check("function", "delete", "kv")
    both.check("fcall", "kget", 1, "a")
    both.check("function", "list")


def test_function_dump_restore_roundtrip_on_each_server(both):
    both.check("function", "flush")
    both.check("function", "load", "#!lua name=d1\nredis.register_function('d1f', function() return 'd1' end)")
    for c in (both.v, both.r):
        raw = c.call("function", "dump")
        payload = raw.split(b"\r\n", 1)[1][:-2]
        assert c.call("function", "restore", payload) == b"-ERR Library d1 already exists\r\n"
        assert c.call("function", "restore", payload, "replace") == b"+OK\r\n"
        assert c.call("function", "flush") == b"+OK\r\n"
        assert c.call("function", "restore", payload) == b"+OK\r\n"
        assert c.call("fcall", "d1f", "0") == b"$2\r\nd1\r\n"
        bad = payload[:-1] + bytes([payload[-1] ^ 1])
        assert c.call("function", "restore", bad) == b"-ERR DUMP payload version or checksum are wrong\r\n"
        assert c.call("function", "restore", payload, "flush") == b"+OK\r\n"


def test_redis_payload_restores_on_vermilion(both2):
    both2.check("function", "flush")
    both2.r.call("function", "load", "#!lua name=fromredis\nredis.register_function('fr', function() return 7 end)")
    raw = both2.r.call("function", "dump")
    payload = raw.split(b"\r\n", 1)[1][:-2]
    assert both2.v.call("function", "restore", payload) == b"+OK\r\n"
    assert both2.v.call("fcall", "fr", "0") == b":7\r\n"
    both2.r.call("function", "flush")
    both2.v.call("function", "flush")


def test_functions_survive_debug_reload(both2):
    both2.check("function", "flush")
    both2.check("function", "load", "#!lua name=persist\nredis.register_function('pf', function() return 'kept' end)")
    both2.check("debug", "reload")
    both2.check("fcall", "pf", 0)
    both2.check("function", "list")
    both2.check("function", "delete", "persist")
    both2.check("debug", "reload")
    both2.check("fcall", "pf", 0)
    both2.check("function", "list")
