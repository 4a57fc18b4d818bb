"""CLIENT subcommands against the real redis-server: deterministic replies byte for byte,
CLIENT LIST/INFO line shapes field by field, and the effects of KILL, PAUSE and REPLY."""

from __future__ import annotations

import re
import socket
import threading

import pytest
from support.raw import RawClient, encode_command
from support.servers import wait_for

# Redis 7.2 fields that the oracle (a 7.0 server in CI) does not print.
NEW_IN_72_FIELDS = ("lib-name", "lib-ver")


def fields_of(line: bytes) -> list[str]:
    return [kv.split("=", 1)[0] for kv in line.decode().split(" ")]


def bulk_text(reply: bytes) -> bytes:
    """The payload of a bulk ($) or verbatim (=, without its ``txt:``) reply."""
    head, _, rest = reply.partition(b"\r\n")
    body = rest[: int(head[1:])]
    return body[4:] if reply[:1] == b"=" else body


def test_setname_getname(both):
    both.check("CLIENT", "GETNAME")
    both.check("CLIENT", "SETNAME", "worker-1")
    both.check("CLIENT", "GETNAME")
    both.check("CLIENT", "SETNAME", "has space")
    both.check("CLIENT", "SETNAME", "new\nline")
    both.check("CLIENT", "SETNAME", "caf\xe9")
    both.check("CLIENT", "GETNAME")
    both.check("CLIENT", "SETNAME", "")
    both.check("CLIENT", "GETNAME")
    both.check("CLIENT", "SETNAME")
    both.check("CLIENT", "SETNAME", "a", "b")
    both.check("CLIENT", "GETNAME", "x")


def test_hello_setname_uses_the_same_validation(both):
    both.check("HELLO", "2", "SETNAME", "bad name")
    a, b = both.both("HELLO", "2", "SETNAME", "good", compare=False)
    assert a[:4] == b[:4]
    both.check("CLIENT", "GETNAME")


def test_client_id_is_an_integer(both):
    a, b = both.both("CLIENT", "ID", compare=False)
    assert a[:1] == b[:1] == b":"
    both.check("CLIENT", "ID", "extra")


def test_container_errors(both):
    both.check("CLIENT")
    both.check("CLIENT", "NOSUCH")
    both.check("CLIENT", "nosuch", "a", "b")


def test_kill_errors(both):
    both.check("CLIENT", "KILL")
    both.check("CLIENT", "KILL", "1.2.3.4:5")
    both.check("CLIENT", "KILL", "ID")
    both.check("CLIENT", "KILL", "ID", "0")
    both.check("CLIENT", "KILL", "ID", "-3")
    both.check("CLIENT", "KILL", "ID", "abc")
    both.check("CLIENT", "KILL", "ID", "1", "foo")
    both.check("CLIENT", "KILL", "TYPE", "foo")
    both.check("CLIENT", "KILL", "TYPE", "normal", "TYPE")
    both.check("CLIENT", "KILL", "USER", "nobody")
    both.check("CLIENT", "KILL", "SKIPME", "maybe")
    both.check("CLIENT", "KILL", "FOO", "bar")
    both.check("CLIENT", "KILL", "ADDR", "1.2.3.4:5")
    both.check("CLIENT", "KILL", "LADDR", "1.2.3.4:5", "SKIPME", "yes")
    both.check("CLIENT", "KILL", "ID", "999999", "TYPE", "pubsub")
    both.check("CLIENT", "KILL", "USER", "default", "TYPE", "master")


def test_pause_errors(both):
    both.check("CLIENT", "PAUSE")
    both.check("CLIENT", "PAUSE", "10", "foo")
    both.check("CLIENT", "PAUSE", "abc", "foo")
    both.check("CLIENT", "PAUSE", "abc")
    both.check("CLIENT", "PAUSE", "-1")
    both.check("CLIENT", "PAUSE", "1", "write", "x")
    both.check("CLIENT", "UNPAUSE", "x")
    both.check("CLIENT", "UNPAUSE")


def test_unblock_errors_and_unknown_clients(both):
    both.check("CLIENT", "UNBLOCK")
    both.check("CLIENT", "UNBLOCK", "x")
    both.check("CLIENT", "UNBLOCK", "1", "foo")
    both.check("CLIENT", "UNBLOCK", "x", "error")
    both.check("CLIENT", "UNBLOCK", "999999")
    both.check("CLIENT", "UNBLOCK", "999999", "ERROR")
    both.check("CLIENT", "UNBLOCK", "1", "timeout", "x")


def test_unblock_of_a_client_that_is_not_blocked(both):
    cid_v = int(both.v.call("CLIENT", "ID")[1:-2])
    cid_r = int(both.r.call("CLIENT", "ID")[1:-2])
    assert both.v.call("CLIENT", "UNBLOCK", cid_v) == both.r.call("CLIENT", "UNBLOCK", cid_r) == b":0\r\n"


def test_list_errors_and_filters(both):
    both.check("CLIENT", "LIST", "TYPE", "foo")
    both.check("CLIENT", "LIST", "TYPE")
    both.check("CLIENT", "LIST", "ID", "x")
    both.check("CLIENT", "LIST", "ID", "1", "x")
    both.check("CLIENT", "LIST", "foo")
    both.check("CLIENT", "LIST", "TYPE", "pubsub")
    both.check("CLIENT", "LIST", "TYPE", "master")
    both.check("CLIENT", "LIST", "TYPE", "replica")
    both.check("CLIENT", "LIST", "TYPE", "slave")
    both.check("CLIENT", "LIST", "ID", "999999")
    both.check("CLIENT", "INFO", "x")


def test_modes_syntax(both):
    both.check("CLIENT", "NO-EVICT", "maybe")
    both.check("CLIENT", "NO-EVICT", "on")
    both.check("CLIENT", "NO-EVICT", "OFF")
    both.check("CLIENT", "REPLY", "maybe")
    both.check("CLIENT", "REPLY")
    both.check("CLIENT", "REPLY", "ON")


def test_client_info_fields_match_redis(both):
    a, b = both.both("CLIENT", "INFO", compare=False)
    assert a[:1] == b[:1]
    line_v, line_r = bulk_text(a).rstrip(b"\n"), bulk_text(b).rstrip(b"\n")
    fv = [f for f in fields_of(line_v) if f not in NEW_IN_72_FIELDS]
    assert fv == fields_of(line_r)
    assert fields_of(line_v)[-2:] == list(NEW_IN_72_FIELDS)
    assert b" cmd=client|info " in line_v
    assert b" flags=N db=0 " in line_v


def test_client_list_line_reflects_state(raw, vermilion_server):
    other = RawClient(vermilion_server.port)
    try:
        other.call("SELECT", "5")
        other.call("CLIENT", "SETNAME", "lister")
        other.call("CLIENT", "SETINFO", "LIB-NAME", "redis-py")
        other.call("CLIENT", "SETINFO", "lib-ver", "5.2.1")
        other.call("CLIENT", "NO-EVICT", "on")
        other.call("CLIENT", "NO-TOUCH", "on")
        text = bulk_text(raw.call("CLIENT", "LIST")).decode()
        line = next(x for x in text.splitlines() if " name=lister " in x)
        info = dict(kv.split("=", 1) for kv in line.split(" "))
        assert info["db"] == "5"
        assert info["flags"] == "eT"
        assert info["multi"] == "-1"
        assert info["cmd"] == "client|no-touch"
        assert info["lib-name"] == "redis-py" and info["lib-ver"] == "5.2.1"
        assert info["resp"] == "2" and info["user"] == "default"
        other.call("CLIENT", "NO-EVICT", "off")
        other.call("CLIENT", "NO-TOUCH", "off")
        other.call("HELLO", "3")
        text = bulk_text(raw.call("CLIENT", "LIST", "ID", info["id"], info["id"])).decode()
        assert text.count(" name=lister ") == 2
        line = text.splitlines()[0]
        assert " flags=N " in line and " resp=3 " in line and " cmd=hello " in line
    finally:
        other.close()


def test_client_list_type_normal_lists_this_connection(raw):
    cid = int(raw.call("CLIENT", "ID")[1:-2])
    text = bulk_text(raw.call("CLIENT", "LIST", "TYPE", "normal")).decode()
    assert f"id={cid} " in text
    text = bulk_text(raw.call("CLIENT", "LIST", "TYPE", "pubsub")).decode()
    assert f"id={cid} " not in text


def _setinfo_cases(both):
    both.check("CLIENT", "SETINFO", "LIB-NAME", "mylib")
    both.check("CLIENT", "SETINFO", "lib-ver", "1.0")
    both.check("CLIENT", "SETINFO", "lib-name", "bad name")
    both.check("CLIENT", "SETINFO", "LIB-VER", "bad\nver")
    both.check("CLIENT", "SETINFO", "foo", "x")
    both.check("CLIENT", "SETINFO", "lib-name")
    both.check("CLIENT", "NO-TOUCH", "on")
    both.check("CLIENT", "NO-TOUCH", "maybe")
    both.check("CLIENT", "NO-TOUCH", "off")


@pytest.fixture
def oracle_is_72(redis_server):
    c = RawClient(redis_server.port)
    try:
        return b"redis_version:7.2" in c.call("INFO", "server")
    finally:
        c.close()


def test_setinfo_and_no_touch_match_72(both, oracle_is_72):
    if not oracle_is_72:
        pytest.skip("the oracle predates CLIENT SETINFO / NO-TOUCH (Redis 7.2)")
    _setinfo_cases(both)


def test_setinfo_and_no_touch_replies(raw):
    assert raw.call("CLIENT", "SETINFO", "LIB-NAME", "mylib") == b"+OK\r\n"
    assert raw.call("CLIENT", "SETINFO", "lib-name", "bad name") == (
        b"-ERR lib-name cannot contain spaces, newlines or special characters.\r\n")
    assert raw.call("CLIENT", "SETINFO", "foo", "x") == b"-ERR Unrecognized option 'foo'\r\n"
    assert raw.call("CLIENT", "SETINFO", "lib-name") == (
        b"-ERR wrong number of arguments for 'client|setinfo' command\r\n")
    assert raw.call("CLIENT", "NO-TOUCH", "maybe") == b"-ERR syntax error\r\n"
    assert raw.call("CLIENT", "NO-TOUCH", "on") == b"+OK\r\n"


def test_help_is_redis_help_plus_72_entries(both2):
    ours = both2.v.call("CLIENT", "HELP")
    theirs = both2.r.call("CLIENT", "HELP")
    if ours == theirs:
        return
    added_72 = [b"+SETINFO <option> <value>", b"+    Set client meta attr. Options are:",
                b"+    * LIB-NAME: the client lib name.", b"+    * LIB-VER: the client lib version.",
                b"+NO-TOUCH (ON|OFF)", b"+    Will not touch LRU/LFU stats when this mode is on."]
    ours_lines = [x for x in ours.split(b"\r\n")[1:] if x not in added_72]
    assert ours_lines == theirs.split(b"\r\n")[1:]
    both2.check("CLIENT", "HELP", "x")


# ---- CLIENT REPLY --------------------------------------------------------------------


def test_reply_off_and_on(both):
    out = both.check_raw(
        encode_command("CLIENT", "REPLY", "OFF")
        + encode_command("SET", "k", "v")
        + encode_command("GET", "k")
        + encode_command("NOSUCHCMD")
        + encode_command("GET")
        + encode_command("CLIENT", "REPLY", "SKIP")
        + encode_command("CLIENT", "REPLY", "bogus")
        + encode_command("CLIENT", "REPLY", "ON")
        + encode_command("GET", "k"),
        replies=2,
    )
    assert out.startswith(b"+OK\r\n")


def test_reply_skip_skips_exactly_one(both):
    both.check_raw(
        encode_command("CLIENT", "REPLY", "SKIP")
        + encode_command("ECHO", "skipped")
        + encode_command("ECHO", "shown")
        + encode_command("CLIENT", "REPLY", "SKIP")
        + encode_command("CLIENT", "REPLY", "SKIP")
        + encode_command("ECHO", "skipped-too")
        + encode_command("ECHO", "shown-too"),
        replies=2,
    )


def test_reply_skip_then_reply_on_is_answered(both):
    both.check_raw(
        encode_command("CLIENT", "REPLY", "SKIP")
        + encode_command("CLIENT", "REPLY", "ON")
        + encode_command("ECHO", "after"),
        replies=2,
    )


def test_reply_off_still_executes_and_counts_errors(both2):
    both2.check_raw(
        encode_command("CLIENT", "REPLY", "OFF")
        + encode_command("RPUSH", "l", "a")
        + encode_command("INCR", "l")
        + encode_command("CLIENT", "REPLY", "ON")
        + encode_command("LRANGE", "l", "0", "-1"),
        replies=2,
    )


# ---- CLIENT KILL ---------------------------------------------------------------------


def _is_closed(client: RawClient) -> bool:
    client.sock.settimeout(5)
    try:
        return client.sock.recv(100) == b""
    except (ConnectionResetError, socket.timeout):
        return False


def _addr_of(client: RawClient) -> str:
    host, port = client.sock.getsockname()[:2]
    return f"{host}:{port}"


def test_kill_by_id_closes_the_connection(raw, vermilion_server):
    victim = RawClient(vermilion_server.port)
    try:
        vid = int(victim.call("CLIENT", "ID")[1:-2])
        assert raw.call("CLIENT", "KILL", "ID", vid) == b":1\r\n"
        assert _is_closed(victim)
        assert f"id={vid} ".encode() not in raw.call("CLIENT", "LIST")
        assert raw.call("CLIENT", "KILL", "ID", vid) == b":0\r\n"
    finally:
        victim.close()


def test_kill_old_form_by_address(raw, vermilion_server):
    victim = RawClient(vermilion_server.port)
    try:
        victim.call("PING")
        assert raw.call("CLIENT", "KILL", _addr_of(victim)) == b"+OK\r\n"
        assert _is_closed(victim)
        assert raw.call("CLIENT", "KILL", _addr_of(victim)) == b"-ERR No such client\r\n"
    finally:
        victim.close()


def test_kill_filters_and_skipme(raw, vermilion_server):
    victim = RawClient(vermilion_server.port)
    try:
        victim.call("PING")
        me = _addr_of(raw)
        # SKIPME yes (the default) spares the caller; ADDR selects only it.
        assert raw.call("CLIENT", "KILL", "ADDR", me) == b":0\r\n"
        assert raw.call("CLIENT", "KILL", "ADDR", _addr_of(victim), "TYPE", "pubsub") == b":0\r\n"
        assert raw.call("CLIENT", "KILL", "ADDR", _addr_of(victim), "USER", "default", "TYPE", "normal") == b":1\r\n"
        assert _is_closed(victim)
        # SKIPME no: the caller gets its reply, then is closed.
        assert raw.call("CLIENT", "KILL", "ADDR", me, "SKIPME", "no") == b":1\r\n"
        assert _is_closed(raw)
    finally:
        victim.close()


def test_kill_self_with_old_form_replies_then_closes(vermilion_server):
    me = RawClient(vermilion_server.port)
    try:
        assert me.call("CLIENT", "KILL", _addr_of(me)) == b"+OK\r\n"
        assert _is_closed(me)
    finally:
        me.close()


# ---- CLIENT PAUSE --------------------------------------------------------------------


def test_pause_write_delays_writes_until_unpause(vermilion_server):
    admin = RawClient(vermilion_server.port)
    writer = RawClient(vermilion_server.port)
    try:
        admin.call("DEL", "pk")
        assert admin.call("CLIENT", "PAUSE", "20000", "WRITE") == b"+OK\r\n"
        # Reads go on; the write (and what follows it, in order) waits.
        assert writer.call("GET", "pk") == b"$-1\r\n"
        writer.send(encode_command("SET", "pk", "1") + encode_command("INCR", "pk") + encode_command("GET", "pk"))
        writer.sock.settimeout(0.3)
        with pytest.raises(socket.timeout):
            writer.sock.recv(100)
        writer.sock.settimeout(10)
        assert admin.call("GET", "pk") == b"$-1\r\n"
        assert b"flags=b" in admin.call("CLIENT", "LIST")
        assert admin.call("CLIENT", "UNPAUSE") == b"+OK\r\n"
        assert writer.read_reply() == b"+OK\r\n"
        assert writer.read_reply() == b":2\r\n"
        assert writer.read_reply() == b"$1\r\n2\r\n"
    finally:
        admin.call("CLIENT", "UNPAUSE")
        admin.close()
        writer.close()


def test_pause_all_delays_reads_and_ends_on_timeout(vermilion_server):
    admin = RawClient(vermilion_server.port)
    reader = RawClient(vermilion_server.port)
    try:
        admin.call("SET", "pk2", "v")
        assert admin.call("CLIENT", "PAUSE", "300") == b"+OK\r\n"
        reader.send(encode_command("GET", "pk2"))
        reader.sock.settimeout(0.1)
        with pytest.raises(socket.timeout):
            reader.sock.recv(100)
        reader.sock.settimeout(10)
        assert reader.read_reply() == b"$1\r\nv\r\n"  # after the pause times out
    finally:
        admin.close()
        reader.close()


def test_pause_write_lets_the_pausing_client_read(vermilion_server):
    admin = RawClient(vermilion_server.port)
    try:
        admin.call("CLIENT", "PAUSE", "10000", "WRITE")
        assert admin.call("PING") == b"+PONG\r\n"
        assert admin.call("ECHO", "x") == b"$1\r\nx\r\n"
        # A concurrent unpause from another connection releases our own write.
        other = RawClient(vermilion_server.port)
        t = threading.Timer(0.2, lambda: other.call("CLIENT", "UNPAUSE"))
        t.start()
        assert admin.call("SET", "pk3", "v") == b"+OK\r\n"
        t.join()
        other.close()
    finally:
        admin.call("CLIENT", "UNPAUSE")
        admin.close()


def test_client_info_line_values(raw):
    raw.call("CLIENT", "SETNAME", "me")
    raw.call("SELECT", "2")
    line = bulk_text(raw.call("CLIENT", "INFO")).decode()
    assert re.search(r" name=me age=\d+ idle=0 flags=N db=2 ", line)
    assert line.endswith(" lib-name= lib-ver=\n")
    wait_for(lambda: True)


def _unblock_story(port: int) -> list[bytes]:
    blocked = RawClient(port)
    admin = RawClient(port)
    try:
        bid = int(blocked.call("CLIENT", "ID")[1:-2])
        out = []
        for how in ("TIMEOUT", "ERROR"):
            blocked.send(encode_command("BLPOP", "unblock-list", "0"))
            wait_for(lambda: b"blocked_clients:1\r\n" in admin.call("INFO", "clients"), what="client blocked")
            assert b"flags=b " in admin.call("CLIENT", "LIST", "ID", bid)
            out.append(admin.call("CLIENT", "UNBLOCK", bid, how))
            out.append(blocked.read_reply())
            out.append(admin.call("CLIENT", "UNBLOCK", bid))
        out.append(blocked.call("ECHO", "still-connected"))
        return out
    finally:
        blocked.close()
        admin.close()


def test_unblock_a_blocked_client(vermilion_server, redis_server):
    assert _unblock_story(vermilion_server.port) == _unblock_story(redis_server.port)


def test_pause_timeout_out_of_range(raw):
    assert raw.call("CLIENT", "PAUSE", "9223372036854775807") == b"-ERR timeout is out of range\r\n"
    assert raw.call("CLIENT", "PAUSE", "9223372036854775000", "WRITE") == b"-ERR timeout is out of range\r\n"
    assert raw.call("PING") == b"+PONG\r\n"
