"""Connection basics, compared byte for byte with the real redis-server."""

from __future__ import annotations


def test_ping_echo(both):
    both.check("PING")
    both.check("PING", "hello")
    both.check("PING", "a", "b")
    both.check("ECHO", "x")
    both.check("ECHO")


def test_unknown_command_and_arity(both):
    both.check("NOSUCH")
    both.check("NOSUCH", "a", "b" * 200, "c")
    both.check("GET")
    both.check("get", "a", "b")
    both.check("SELECT", "99")
    both.check("SELECT", "x")


def test_select_and_set_get(both):
    both.check("SELECT", "3")
    both.check("SET", "k", "v")
    both.check("GET", "k")
    both.check("SELECT", "0")
    both.check("GET", "k")


def test_protocol_errors_close_connection(both2):
    out = both2.check_raw(b"*1\r\n:1\r\n")
    assert out == b"-ERR Protocol error: expected '$', got ':'\r\n"
    assert both2.v.read_until_closed() == both2.r.read_until_closed() == b""


def test_inline_commands(both2):
    both2.check_raw(b'PING\r\nECHO "a b"\r\nSET k \'v w\'\r\nGET k\r\n', replies=4)
