"""Connection-level behaviour that needs servers of its own: ``requirepass`` end to end
(NOAUTH, AUTH, HELLO AUTH, RESET), compared with a real redis-server started the same
way, and SHUTDOWN really stopping the process."""

from __future__ import annotations

import re

import pytest
from support.raw import RawClient, encode_command
from support.servers import ServerProcess, wait_for


@pytest.fixture(scope="module")
def auth_pair():
    v = ServerProcess("vermilion", ["--requirepass", "s3cret"])
    r = ServerProcess("redis", ["--requirepass", "s3cret"])
    yield v, r
    v.stop()
    r.stop()


class Pair:
    def __init__(self, vport: int, rport: int) -> None:
        self.v = RawClient(vport)
        self.r = RawClient(rport)

    def check(self, *args) -> bytes:
        a, b = self.v.call(*args), self.r.call(*args)
        # Redis 7.2 added "<proto>" to this message; a 7.0 oracle lacks it.
        b = b.replace(b"the HELLO AUTH <user>", b"the HELLO <proto> AUTH <user>")
        assert a == b, f"{args!r}\nvermilion: {a!r}\nredis:     {b!r}"
        return a

    def both(self, *args) -> tuple[bytes, bytes]:
        return self.v.call(*args), self.r.call(*args)

    def close(self) -> None:
        self.v.close()
        self.r.close()


@pytest.fixture
def pair(auth_pair):
    v, r = auth_pair
    p = Pair(v.port, r.port)
    yield p
    p.close()


def _hello_shape(reply: bytes) -> bytes:
    reply = re.sub(rb"\$\d+\r\n\d+\.\d+\.\d+\r\n", b"VERSION", reply)
    return re.sub(rb"\$2\r\nid\r\n:\d+\r\n", b"ID", reply)


def test_commands_need_auth(pair):
    pair.check("PING")
    pair.check("GET", "k")
    pair.check("CLIENT", "ID")
    pair.check("NOSUCHCOMMAND")
    pair.check("SELECT", "1")


def test_auth_wrong_and_right(pair):
    pair.check("AUTH", "wrong")
    pair.check("AUTH", "default", "wrong")
    pair.check("AUTH", "nobody", "s3cret")
    pair.check("PING")
    pair.check("AUTH", "s3cret")
    pair.check("PING")
    pair.check("SET", "k", "v")
    pair.check("GET", "k")
    pair.check("AUTH", "wrong")
    pair.check("GET", "k")  # a failed AUTH does not log the client out


def test_hello_requires_auth_and_can_authenticate(pair):
    pair.check("HELLO")
    pair.check("HELLO", "3")
    pair.check("HELLO", "3", "AUTH", "default", "wrong")
    pair.check("HELLO", "3", "SETNAME", "x")
    a, b = pair.both("HELLO", "3", "AUTH", "default", "s3cret", "SETNAME", "authed")
    assert _hello_shape(a) == _hello_shape(b)
    assert a.startswith(b"%7\r\n")
    pair.check("CLIENT", "GETNAME")
    pair.check("PING")


def test_reset_logs_out(pair):
    pair.check("AUTH", "s3cret")
    pair.check("SELECT", "3")
    pair.check("RESET")
    pair.check("PING")
    pair.check("AUTH", "default", "s3cret")
    pair.check("DBSIZE")


def test_quit_is_allowed_before_auth(pair):
    pair.check("QUIT")
    assert pair.v.read_until_closed() == pair.r.read_until_closed() == b""


def test_info_counts_auth_failures(auth_pair):
    v, _ = auth_pair
    c = RawClient(v.port)
    try:
        c.call("AUTH", "s3cret")
        before = c.call("INFO", "stats")
        c.call("AUTH", "nope")
        after = c.call("INFO", "stats")
        count = lambda text: int(re.search(rb"acl_access_denied_auth:(\d+)", text).group(1))  # noqa: E731
        assert count(after) == count(before) + 1
        assert b"errorstat_WRONGPASS:count=" in c.call("INFO", "errorstats")
    finally:
        c.close()


def test_shutdown_stops_the_server():
    srv = ServerProcess("vermilion")
    try:
        c = RawClient(srv.port)
        assert c.call("SHUTDOWN", "ABORT") == b"-ERR No shutdown in progress.\r\n"
        c.send(encode_command("SHUTDOWN", "NOSAVE", "NOW"))
        assert c.read_until_closed() == b""
        c.close()
        assert srv.proc.wait(10) == 0
    finally:
        srv.stop()


def test_debug_is_refused_unless_enabled():
    v = ServerProcess("vermilion", ["--enable-debug-command", "no"])
    r = ServerProcess("redis", ["--enable-debug-command", "no"])
    try:
        p = Pair(v.port, r.port)
        p.check("DEBUG", "SLEEP", "0")
        p.check("DEBUG", "HELP")
        p.close()
    finally:
        v.stop()
        r.stop()


def test_idle_clients_are_closed_after_timeout():
    srv = ServerProcess("vermilion", ["--timeout", "1"])
    try:
        idle = RawClient(srv.port)
        busy = RawClient(srv.port)
        assert idle.call("PING") == b"+PONG\r\n"
        closed = []

        def idle_closed() -> bool:
            assert busy.call("PING") == b"+PONG\r\n"  # an active client stays
            idle.sock.settimeout(0.05)
            try:
                closed.append(idle.sock.recv(10) == b"")
            except TimeoutError:
                return False
            return closed[-1]

        wait_for(idle_closed, timeout=5, interval=0.1, what="idle client closed")
        idle.close()
        busy.close()
    finally:
        srv.stop()


def test_requirepass_changed_at_runtime(auth_pair):
    v, r = auth_pair
    admin, waiting = Pair(v.port, r.port), Pair(v.port, r.port)
    try:
        admin.check("AUTH", "s3cret")
        waiting.check("PING")
        admin.check("CONFIG", "SET", "requirepass", "")
        waiting.check("PING")
        fresh = Pair(v.port, r.port)
        fresh.check("PING")
        admin.check("CONFIG", "SET", "requirepass", "s3cret")
        waiting.check("PING")  # never authenticated: refused again
        fresh.check("GET", "x")
        admin.check("PING")  # authenticated clients stay so
        fresh.close()
    finally:
        admin.close()
        waiting.close()
