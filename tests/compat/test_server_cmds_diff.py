"""Server and connection commands against the real redis-server: SELECT, SWAPDB,
FLUSHALL/FLUSHDB, DBSIZE, TIME, LASTSAVE, SHUTDOWN's refusals, DEBUG, HELLO, AUTH, RESET,
ECHO, PING, and the COMMAND INFO rows of every command declared in these modules."""

from __future__ import annotations

import re
import time

import pytest
from support.raw import RawClient, encode_command
from support.servers import wait_for

MY_COMMANDS = [
    "info", "client|id", "client|setname", "client|getname", "client|list", "client|info",
    "client|kill", "client|pause", "client|unpause", "client|reply", "client|no-evict",
    "client|unblock", "client|help", "hello", "auth", "select", "swapdb", "reset", "quit", "echo",
    "ping", "time", "lastsave", "dbsize", "flushall", "flushdb", "shutdown", "debug",
]


@pytest.mark.parametrize("name", MY_COMMANDS)
def test_command_info_matches_redis(both2, name):
    both2.check("COMMAND", "INFO", name)


def test_select_swapdb(both):
    both.check("SET", "k0", "zero")
    both.check("SELECT", "1")
    both.check("SET", "k1", "one")
    both.check("SWAPDB", "0", "1")
    both.check("GET", "k1")
    both.check("GET", "k0")
    both.check("DBSIZE")
    both.check("SELECT", "0")
    both.check("GET", "k1")
    both.check("SWAPDB", "1", "1")
    both.check("SWAPDB", "0", "x")
    both.check("SWAPDB", "x", "0")
    both.check("SWAPDB", "x", "y")
    both.check("SWAPDB", "0", "16")
    both.check("SWAPDB", "-1", "0")
    both.check("SWAPDB", "0")
    both.check("SELECT", "16")
    both.check("SELECT", "-1")
    both.check("SELECT", "1.5")
    both.check("SELECT")
    both.check("FLUSHALL")


def test_swapdb_is_seen_by_other_connections(raw, vermilion_server):
    raw.call("FLUSHALL")
    other = RawClient(vermilion_server.port)
    try:
        other.call("SELECT", "4")
        raw.call("SET", "moved", "yes")
        assert other.call("GET", "moved") == b"$-1\r\n"
        assert raw.call("SWAPDB", "0", "4") == b"+OK\r\n"
        assert other.call("GET", "moved") == b"$3\r\nyes\r\n"
        assert raw.call("GET", "moved") == b"$-1\r\n"
    finally:
        other.close()
        raw.call("FLUSHALL")


def test_flush_and_dbsize(both):
    both.check("SET", "a", "1")
    both.check("SET", "b", "1")
    both.check("DBSIZE")
    both.check("DBSIZE", "x")
    both.check("FLUSHDB", "foo")
    both.check("FLUSHDB", "ASYNC", "SYNC")
    both.check("FLUSHDB", "sync")
    both.check("DBSIZE")
    both.check("SET", "a", "1")
    both.check("FLUSHALL", "bogus")
    both.check("FLUSHALL", "ASYNC")
    both.check("DBSIZE")


def test_time_and_lastsave_shapes(both):
    a, b = both.both("TIME", compare=False)
    pat = rb"\*2\r\n\$10\r\n\d{10}\r\n\$\d\r\n\d{1,6}\r\n"
    assert re.fullmatch(pat, a) and re.fullmatch(pat, b)
    secs = int(a.split(b"\r\n")[2])
    assert abs(secs - time.time()) < 5
    both.check("TIME", "x")
    a, b = both.both("LASTSAVE", compare=False)
    assert re.fullmatch(rb":\d{10}\r\n", a) and re.fullmatch(rb":\d{10}\r\n", b)
    both.check("LASTSAVE", "x")


def test_echo_ping(both):
    both.check("ECHO", "")
    both.check("ECHO", "a b")
    both.check("ECHO", "a", "b")
    both.check("PING", "")
    both.check("PING", "x", "y")


def test_shutdown_refusals(both):
    both.check("SHUTDOWN", "ABORT")
    both.check("SHUTDOWN", "FOO")
    both.check("SHUTDOWN", "SAVE", "NOSAVE")
    both.check("SHUTDOWN", "ABORT", "NOW")
    both.check("SHUTDOWN", "NOW", "FORCE", "bar")
    both.check("SHUTDOWN", "force", "abort")


def test_debug(both):
    both.check("DEBUG")
    both.check("DEBUG", "nosuch")
    both.check("DEBUG", "sleep")
    both.check("DEBUG", "sleep", "0")
    both.check("DEBUG", "SLEEP", "0.01")
    both.check("DEBUG", "SLEEP", "1", "2")
    both.check("DEBUG", "OBJECT")
    both.check("DEBUG", "OBJECT", "nokey")
    both.check("DEBUG", "set-active-expire", "0")
    both.check("DEBUG", "set-active-expire", "1")
    both.check("DEBUG", "SET-ACTIVE-EXPIRE")
    both.check("DEBUG", "HELP", "x")
    both.check("DEBUG", "HELP")


@pytest.mark.parametrize("value,encoding,length", [
    ("1", "int", 2), ("300", "int", 3), ("70000", "int", 5), ("hello", "embstr", 6),
    ("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ", "raw", 47), ("12345678901234567890", "embstr", 21),
])
def test_debug_object_strings(both2, value, encoding, length):
    both2.check("SET", "o", value)
    a, b = both2.both("DEBUG", "OBJECT", "o", compare=False)
    pat = (rb"\+Value at:0x[0-9a-f]+ refcount:(\d+) encoding:(\w+) serializedlength:(\d+) "
           rb"lru:\d+ lru_seconds_idle:\d+\r\n")
    ma, mb = re.fullmatch(pat, a), re.fullmatch(pat, b)
    assert ma and mb, (a, b)
    assert ma.groups() == mb.groups()
    assert ma.group(2).decode() == encoding and int(ma.group(3)) == length


def test_debug_sleep_blocks_the_server(raw, vermilion_server):
    other = RawClient(vermilion_server.port)
    try:
        start = time.monotonic()
        raw.send(encode_command("DEBUG", "SLEEP", "0.3"))
        time.sleep(0.05)
        assert other.call("PING") == b"+PONG\r\n"
        assert time.monotonic() - start >= 0.3
        assert raw.read_reply() == b"+OK\r\n"
    finally:
        other.close()


def test_hello_errors_and_shapes(both):
    both.check("HELLO", "4")
    both.check("HELLO", "1")
    both.check("HELLO", "x")
    both.check("HELLO", "3", "FOO")
    both.check("HELLO", "3", "AUTH", "a")
    both.check("HELLO", "3", "SETNAME")
    both.check("HELLO", "3", "AUTH", "nobody", "pw")
    both.check("HELLO", "3", "AUTH", "default", "anything", "SETNAME", "bad name")
    for args in (("HELLO",), ("HELLO", "3"), ("HELLO", "2"), ("HELLO", "3", "AUTH", "default", "x", "SETNAME", "n")):
        a, b = both.both(*args, compare=False)
        norm = lambda r: re.sub(rb"(\$\d+\r\n)?\d+\.\d+\.\d+\r\n", b"V", re.sub(rb":\d+\r\n\$4\r\nmode", b":ID", r))  # noqa: E731
        assert norm(a) == norm(b)
    both.check("CLIENT", "GETNAME")


def test_hello_switches_the_protocol_of_following_replies(both2):
    both2.both("HELLO", "3", compare=False)
    both2.check("CLIENT", "GETNAME")
    both2.check("INFO", "nosuch")
    both2.both("HELLO", "2", compare=False)
    both2.check("CLIENT", "GETNAME")
    both2.check("INFO", "nosuch")


def test_auth_without_password_configured(both):
    both.check("AUTH", "x")
    both.check("AUTH", "a", "b", "c")
    both.check("AUTH", "nobody", "x")
    both.check("AUTH", "default", "whatever")
    both.check("AUTH")


def test_reset(both):
    both.check("SELECT", "2")
    both.check("CLIENT", "SETNAME", "before")
    both.check("CLIENT", "NO-EVICT", "on")
    both.check("RESET")
    both.check("CLIENT", "GETNAME")
    both.check("SET", "rk", "v")
    both.check("SELECT", "0")
    both.check("GET", "rk")
    both.check("RESET", "x")
    both.check("CLIENT", "GETNAME")  # RESP2 again after RESET
    both.check("INFO", "nosuch")


def test_reset_clears_reply_off(both2):
    both2.check_raw(
        encode_command("CLIENT", "REPLY", "OFF") + encode_command("ECHO", "hidden")
        + encode_command("RESET") + encode_command("ECHO", "shown"),
        replies=2,
    )


def test_quit(both2):
    assert both2.check("QUIT") == b"+OK\r\n"
    assert both2.v.read_until_closed() == both2.r.read_until_closed() == b""


def _swap_wakes_story(port: int) -> list[bytes]:
    blocked = RawClient(port)
    admin = RawClient(port)
    try:
        admin.call("FLUSHALL")
        admin.call("SELECT", "1")
        admin.call("RPUSH", "swapped-list", "x")
        blocked.send(encode_command("BLPOP", "swapped-list", "0"))
        wait_for(lambda: b"blocked_clients:1\r\n" in admin.call("INFO", "clients"), what="client blocked")
        out = [admin.call("SWAPDB", "0", "1"), blocked.read_reply(), admin.call("LLEN", "swapped-list")]
        admin.call("FLUSHALL")
        return out
    finally:
        blocked.close()
        admin.close()


def test_swapdb_serves_clients_blocked_on_keys_it_brings(vermilion_server, redis_server):
    assert _swap_wakes_story(vermilion_server.port) == _swap_wakes_story(redis_server.port)


def test_debug_object_quicklist_fields(both2):
    both2.check("RPUSH", "ql", *(["x" * 100] * 300))
    a, b = both2.both("DEBUG", "OBJECT", "ql", compare=False)
    fa = dict(kv.split(b":", 1) for kv in a[1:-2].split(b" ")[1:])
    fb = dict(kv.split(b":", 1) for kv in b[1:-2].split(b" ")[1:])
    assert list(fa) == list(fb)
    for name in (b"encoding", b"ql_nodes", b"ql_avg_node", b"ql_listpack_max", b"ql_compressed",
                 b"ql_uncompressed_size"):
        assert fa[name] == fb[name], name


@pytest.mark.parametrize("kind", ["string", "integer", "double", "bignum", "null", "array", "set", "map",
                                  "attrib", "push", "verbatim", "true", "false", "TRUE", "foo"])
def test_debug_protocol(both, kind):
    a, b = both.both("DEBUG", "PROTOCOL", kind, compare=False)
    if a[:1] in b"|>":  # RESP3 attribute/push: the real reply follows
        a += both.v.read_reply()
        b += both.r.read_reply()
    assert a == b


def test_debug_populate_error_and_log(both):
    both.check("DEBUG", "POPULATE", "3")
    both.check("DEBUG", "POPULATE", "2", "pre", "10")
    both.check("DEBUG", "POPULATE", "1", "cut", "3")
    both.check("SET", "key:4", "old")
    both.check("DEBUG", "POPULATE", "6")
    for key in ("key:0", "key:4", "key:5", "pre:1", "cut:0"):
        both.check("GET", key)
    both.check("DBSIZE")
    for bad in (("-1",), ("x",), ("1", "p", "x"), ("1", "p", "-1"), (), ("1", "a", "1", "b"), ("0",)):
        both.check("DEBUG", "POPULATE", *bad)
    both.check("DEBUG", "ERROR", "some thing")
    both.check("DEBUG", "ERROR", "WRONGTYPE custom")
    both.check("DEBUG", "ERROR")
    both.check("DEBUG", "LOG", "from the tests")
    both.check("DEBUG", "LOG")
