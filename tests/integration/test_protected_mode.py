"""Protected mode: the decision rule, and the ``-DENIED`` reply compared byte for byte
with the real redis-server when the machine has a non-loopback address to connect from
(connecting to our own non-loopback address makes the peer non-local too)."""

from __future__ import annotations

import socket

import pytest

from support.raw import RawClient
from support.servers import ServerProcess
from vermilion.security.protected import DENIED, is_local, should_deny


class _Cfg(dict):
    pass


class _Server:
    def __init__(self, protected: bool, requirepass: str = "", nopass_hook=None) -> None:
        self.config = _Cfg({"protected-mode": protected, "requirepass": requirepass})
        self.extensions = {} if nopass_hook is None else {"default_user_nopass": nopass_hook}


@pytest.mark.parametrize("host,unix,local", [
    ("127.0.0.1", False, True), ("127.1.2.3", False, True), ("::1", False, True),
    ("::ffff:127.0.0.1", False, True), ("10.0.0.1", False, False), ("192.0.2.2", False, False),
    ("fd00::2", False, False), (None, True, True), ("", False, False), ("garbage", False, False),
])
def test_is_local(host, unix, local):
    assert is_local(host, unix) is local


def test_decision():
    assert should_deny(_Server(True), "10.0.0.1", False)
    assert not should_deny(_Server(True), "127.0.0.1", False)
    assert not should_deny(_Server(False), "10.0.0.1", False)
    assert not should_deny(_Server(True, "pw"), "10.0.0.1", False)
    # with ACL installed, the default user's nopass flag decides (not requirepass)
    assert not should_deny(_Server(True, "", lambda: False), "10.0.0.1", False)
    assert should_deny(_Server(True, "pw", lambda: True), "10.0.0.1", False)


def test_message_text():
    assert DENIED.startswith(b"-DENIED Redis is running in protected mode because protected mode is enabled "
                             b"and no password is set for the default user.")
    assert DENIED.endswith(b"accepting connections from the outside.\r\n")
    assert DENIED.count(b"\r\n") == 1


def _outside_address() -> str | None:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.connect(("10.255.255.255", 1))
        addr = s.getsockname()[0]
    except OSError:
        return None
    finally:
        s.close()
    return None if addr.startswith("127.") else addr


OUTSIDE = _outside_address()
needs_outside = pytest.mark.skipif(OUTSIDE is None, reason="no non-loopback address on this machine")


def _first_reply(host: str, port: int) -> bytes:
    """A denied connection gets DENIED at once and is closed (sending first could make
    the close a reset); otherwise nothing arrives unasked, and PING is answered."""
    with socket.create_connection((host, port), timeout=10) as s:
        s.settimeout(0.5)
        try:
            data = s.recv(65536)
        except TimeoutError:
            data = None
        s.settimeout(10)
        if data is None:
            s.sendall(b"PING\r\n")
            data = s.recv(65536)
        while data.startswith(b"-DENIED"):
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    return data


@pytest.fixture(scope="module")
def open_servers():
    v = ServerProcess("vermilion", ["--bind", "*"])
    r = ServerProcess("redis", ["--bind", "*"])
    yield v, r
    v.stop()
    r.stop()


@needs_outside
def test_denied_from_outside_like_redis(open_servers):
    v, r = open_servers
    a, b = _first_reply(OUTSIDE, v.port), _first_reply(OUTSIDE, r.port)
    # 7.2 fixed 7.0's "4) Setup a an authentication password" to "4) Set up an ..."
    assert a == b.replace(b"4) Setup a an ", b"4) Set up an ") == DENIED


@needs_outside
def test_loopback_is_served(open_servers):
    v, r = open_servers
    assert _first_reply("127.0.0.1", v.port) == _first_reply("127.0.0.1", r.port) == b"+PONG\r\n"


@needs_outside
def test_password_or_config_lifts_protection(open_servers):
    v, r = open_servers
    for srv in (v, r):
        c = RawClient(srv.port)
        assert c.call("ACL", "SETUSER", "default", ">pw") == b"+OK\r\n"
        c.close()
    try:
        assert _first_reply(OUTSIDE, v.port) == _first_reply(OUTSIDE, r.port)
        assert _first_reply(OUTSIDE, v.port).startswith(b"-NOAUTH")
    finally:
        for srv in (v, r):
            c = RawClient(srv.port)
            c.call("AUTH", "pw")
            c.call("ACL", "SETUSER", "default", "nopass")
            c.close()
    for srv in (v, r):
        c = RawClient(srv.port)
        c.call("CONFIG", "SET", "protected-mode", "no")
        c.close()
    try:
        assert _first_reply(OUTSIDE, v.port) == _first_reply(OUTSIDE, r.port) == b"+PONG\r\n"
    finally:
        for srv in (v, r):
            c = RawClient(srv.port)
            c.call("CONFIG", "SET", "protected-mode", "yes")
            c.close()
    assert _first_reply(OUTSIDE, v.port) == DENIED


@needs_outside
def test_explicit_bind_does_not_lift_protection():
    """Redis 7 looks only at protected-mode and the default user: binding a
    non-loopback address explicitly still refuses non-local clients."""
    v = ServerProcess("vermilion", ["--bind", f"{OUTSIDE} 127.0.0.1"])
    r = ServerProcess("redis", ["--bind", f"{OUTSIDE} 127.0.0.1"])
    try:
        a, b = _first_reply(OUTSIDE, v.port), _first_reply(OUTSIDE, r.port)
        assert a == b.replace(b"4) Setup a an ", b"4) Set up an ") == DENIED
    finally:
        v.stop()
        r.stop()
