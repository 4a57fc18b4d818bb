"""MONITOR against real Redis: the lines for transactions and scripts, with timestamps
and client ports masked; and that a closed monitor is forgotten."""

from __future__ import annotations

import re

from support.raw import RawClient
from support.servers import wait_for


def _lines(port: int, commands: list[tuple]) -> list[bytes]:
    flush = RawClient(port)
    flush.call("FLUSHALL")
    flush.call("SCRIPT", "FLUSH")
    flush.close()
    mon = RawClient(port)
    assert mon.call("MONITOR") == b"+OK\r\n"
    cli = RawClient(port)
    for cmd in commands:
        cli.call(*cmd)
    cli.call("ECHO", "the-end")
    out = []
    while True:
        line = mon.read_reply()
        line = re.sub(rb"^\+\d+\.\d{6} ", b"+T ", line)
        out.append(re.sub(rb"^\+T \[(\d+) 127\.0\.0\.1:\d+\]", rb"+T [\1 ADDR]", line))
        if b'"the-end"' in line:
            break
    mon.close()
    cli.close()
    return out


def test_transactions_and_scripts_match_redis(vermilion_server, redis_server):
    commands = [
        ("MULTI",),
        ("SET", "a", "1"),
        ("INCR", "a"),
        ("EXEC",),
        ("EVAL", "redis.call('set', KEYS[1], ARGV[1]); return redis.call('get', KEYS[1])", "1", "k", "v"),
        ("EVAL", "return 1", "0"),
        ("SELECT", "1"),
        ("EVAL", "return redis.call('dbsize')", "0"),
        ("SELECT", "0"),
        ("SET", "bin", "\x00\t\r\n\x7f"),
    ]
    assert _lines(vermilion_server.port, commands) == _lines(redis_server.port, commands)


def test_closed_monitor_is_dropped(vermilion_server):
    mon = RawClient(vermilion_server.port)
    assert mon.call("MONITOR") == b"+OK\r\n"
    mon.close()
    cli = RawClient(vermilion_server.port)

    def gone() -> bool:
        return b"flags=O" not in cli.call("CLIENT", "LIST")

    wait_for(gone, what="the monitor to disconnect")
    for _ in range(3):
        assert cli.call("SET", "k", "v") == b"+OK\r\n"
    cli.close()


def test_blocking_auth_and_scripts_in_transactions_match_redis(vermilion_server, redis_server):
    """A blocked BLPOP shows once, when called (not again when a push serves it); HELLO's
    AUTH arguments are redacted; EVAL inside MULTI shows the EXEC'd EVAL then its calls."""
    def lines(port: int) -> list[bytes]:
        flush = RawClient(port)
        flush.call("FLUSHALL")
        flush.close()
        mon = RawClient(port)
        assert mon.call("MONITOR") == b"+OK\r\n"
        blocker = RawClient(port)
        cli = RawClient(port)
        blocker.send(b"*3\r\n$5\r\nBLPOP\r\n$1\r\nq\r\n$1\r\n0\r\n")
        wait_for(lambda: b"blocked_clients:1\r\n" in cli.call("INFO", "clients"), what="BLPOP to block")
        cli.call("RPUSH", "q", "a")
        assert blocker.read_reply() == b"*2\r\n$1\r\nq\r\n$1\r\na\r\n"
        for cmd in (("HELLO", "3", "AUTH", "default", "wrong"), ("HELLO", "2"), ("CLIENT", "SETNAME", "mon-test"),
                    ("MULTI",), ("EVAL", "return redis.call('incr', KEYS[1])", "1", "n"), ("PING",), ("EXEC",),
                    ("EVAL", "redis.call('select', 3); return redis.call('set', 'x', '1')", "0"), ("ECHO", "the-end")):
            cli.call(*cmd)
        out = []
        while True:
            line = mon.read_reply()
            if line.startswith(b"+") and b'"INFO"' not in line:
                line = re.sub(rb"^\+\d+\.\d{6} ", b"+T ", line)
                out.append(re.sub(rb"\[(\d+) 127\.0\.0\.1:\d+\]", rb"[\1 ADDR]", line))
            if b'"the-end"' in line:
                break
        for c in (mon, blocker, cli):
            c.close()
        return out

    assert lines(vermilion_server.port) == lines(redis_server.port)
