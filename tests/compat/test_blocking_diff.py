"""Blocking list commands, differential: the same multi-connection scenario runs against
Vermilion and real Redis, and every reply (bytes) must be identical.

Synchronisation polls ``blocked_clients`` in INFO until the expected clients are
blocked (a short grace period stands in while Vermilion has no INFO).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent.parent))

from support.raw import RawClient, encode_command  # noqa: E402


def _flush(port: int) -> None:
    c = RawClient(port)
    c.call("FLUSHALL")
    c.close()


def _blocked(port: int, n: int) -> None:
    """Wait until the server has ``n`` blocked clients (polls INFO, or a short grace)."""
    c = RawClient(port)
    try:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            info = c.call("INFO", "clients")
            if info.startswith(b"-"):
                time.sleep(0.05)  # no INFO yet: a short grace period is the best we can do
                return
            if b"blocked_clients:%d\r\n" % n in info:
                return
            time.sleep(0.005)
        raise TimeoutError("clients did not block")
    finally:
        c.close()


def _require(sc, *probe: str) -> None:
    """Skip while Vermilion does not implement a command a scenario needs (others' work)."""
    v = RawClient(sc.ports[0])
    reply = v.call(*probe)
    if probe[0] == "MULTI" and not reply.startswith(b"-"):
        v.call("DISCARD")
    v.close()
    if reply.startswith(b"-ERR unknown"):
        pytest.skip(f"{probe[0]} not implemented yet")


class Scenario:
    """Run ``fn(port, resp) -> list[bytes]`` on both servers; compare the transcripts."""

    def __init__(self, vport: int, rport: int, resp: int) -> None:
        self.ports = (vport, rport)
        self.resp = resp

    def client(self, port: int) -> RawClient:
        c = RawClient(port)
        if self.resp == 3:
            c.call("HELLO", "3")
        return c

    def run(self, fn) -> list[bytes]:
        results = []
        for port in self.ports:
            _flush(port)
            results.append(fn(self, port))
        assert results[0] == results[1], f"\nvermilion: {results[0]!r}\nredis:     {results[1]!r}"
        return results[0]


@pytest.fixture(params=[2, 3], ids=["resp2", "resp3"])
def sc(request, vermilion_server, redis_server):
    return Scenario(vermilion_server.port, redis_server.port, request.param)


def test_blpop_served_by_push(sc):
    def fn(s, port):
        a, b = s.client(port), s.client(port)
        a.send(encode_command("BLPOP", "k1", "k2", "0"))
        _blocked(port, 1)
        out = [b.call("RPUSH", "k2", "x", "y"), a.read_reply(), b.call("LRANGE", "k2", "0", "-1")]
        a.close()
        b.close()
        return out

    sc.run(fn)


def test_brpop_timeout_replies_null_array(sc):
    def fn(s, port):
        a = s.client(port)
        t = time.monotonic()
        out = [a.call("BRPOP", "k", "0.05"), a.call("BLMOVE", "k", "d", "LEFT", "LEFT", "0.02"),
               a.call("BRPOPLPUSH", "k", "d", "0.02"), a.call("BLMPOP", "0.02", "2", "k", "j", "LEFT")]
        assert time.monotonic() - t >= 0.1
        a.close()
        return out

    sc.run(fn)


def test_fifo_order_between_clients(sc):
    def fn(s, port):
        cs = [s.client(port) for _ in range(3)]
        for i, c in enumerate(cs):
            c.send(encode_command("BLPOP", "q", "0"))
            _blocked(port, i + 1)
        p = s.client(port)
        out = [p.call("RPUSH", "q", "a", "b")]
        out += [cs[0].read_reply(), cs[1].read_reply()]
        out.append(p.call("RPUSH", "q", "c"))
        out.append(cs[2].read_reply())
        out.append(p.call("DBSIZE"))
        for c in cs + [p]:
            c.close()
        return out

    sc.run(fn)


def test_served_from_first_ready_key(sc):
    def fn(s, port):
        a, p = s.client(port), s.client(port)
        a.send(encode_command("BRPOP", "k1", "k2", "k3", "0"))
        _blocked(port, 1)
        p.send(encode_command("MULTI") + encode_command("RPUSH", "k3", "three") +
               encode_command("RPUSH", "k1", "one") + encode_command("EXEC"))
        out = [p.read_reply() for _ in range(4)]
        out.append(a.read_reply())
        out.append(p.call("LRANGE", "k1", "0", "-1"))
        a.close()
        p.close()
        return out

    _require(sc, "MULTI")
    sc.run(fn)


def test_served_from_first_ready_key_pipelined(sc):
    def fn(s, port):
        a, p = s.client(port), s.client(port)
        a.send(encode_command("BRPOP", "k1", "k2", "k3", "0"))
        _blocked(port, 1)
        p.send(encode_command("RPUSH", "k3", "three") + encode_command("RPUSH", "k1", "one"))
        out = [p.read_reply(), p.read_reply(), a.read_reply(), p.call("LRANGE", "k1", "0", "-1")]
        a.close()
        p.close()
        return out

    sc.run(fn)


def test_pipelined_command_after_blocking_one(sc):
    def fn(s, port):
        a, p = s.client(port), s.client(port)
        a.send(encode_command("BLPOP", "k", "0") + encode_command("PING") + encode_command("LLEN", "k"))
        _blocked(port, 1)
        out = [p.call("LPUSH", "k", "a", "b")]
        out += [a.read_reply(), a.read_reply(), a.read_reply()]
        a.close()
        p.close()
        return out

    sc.run(fn)


def test_blmove_served_and_chained(sc):
    def fn(s, port):
        a, b, p = s.client(port), s.client(port), s.client(port)
        a.send(encode_command("BLMOVE", "src", "mid", "RIGHT", "LEFT", "0"))
        _blocked(port, 1)
        b.send(encode_command("BLPOP", "mid", "0"))
        _blocked(port, 2)
        out = [p.call("RPUSH", "src", "1", "2"), a.read_reply(), b.read_reply(),
               p.call("LRANGE", "src", "0", "-1"), p.call("DBSIZE")]
        for c in (a, b, p):
            c.close()
        return out

    sc.run(fn)


def test_brpoplpush_wrongtype_destination_when_served(sc):
    def fn(s, port):
        a, p = s.client(port), s.client(port)
        p.call("SET", "dst", "string")
        a.send(encode_command("BRPOPLPUSH", "src", "dst", "0"))
        _blocked(port, 1)
        out = [p.call("RPUSH", "src", "v"), a.read_reply(), p.call("LRANGE", "src", "0", "-1")]
        a.close()
        p.close()
        return out

    sc.run(fn)


def test_blmpop_served_with_count(sc):
    def fn(s, port):
        a, p = s.client(port), s.client(port)
        a.send(encode_command("BLMPOP", "0", "2", "x", "y", "RIGHT", "COUNT", "3"))
        _blocked(port, 1)
        out = [p.call("RPUSH", "y", "1", "2", "3", "4"), a.read_reply(), p.call("LRANGE", "y", "0", "-1")]
        a.close()
        p.close()
        return out

    sc.run(fn)


def test_blocking_in_multi_does_not_block(sc):
    def fn(s, port):
        a = s.client(port)
        out = [a.call("MULTI"), a.call("BLPOP", "k", "0"), a.call("BRPOPLPUSH", "k", "d", "0"),
               a.call("BLMPOP", "0", "1", "k", "LEFT"), a.call("EXEC")]
        a.close()
        return out

    _require(sc, "MULTI")
    sc.run(fn)


def test_client_unblock(sc):
    def fn(s, port):
        a, p = s.client(port), s.client(port)
        cid = int(a.call("CLIENT", "ID")[1:-2])
        a.send(encode_command("BLPOP", "k", "0"))
        _blocked(port, 1)
        out = [p.call("CLIENT", "UNBLOCK", str(cid)), a.read_reply()]
        a.send(encode_command("BRPOP", "k", "0"))
        _blocked(port, 1)
        out += [p.call("CLIENT", "UNBLOCK", str(cid), "ERROR"), a.read_reply(),
                p.call("CLIENT", "UNBLOCK", str(cid))]
        a.close()
        p.close()
        return out

    _require(sc, "CLIENT", "UNBLOCK", "0")
    sc.run(fn)


def test_disconnected_blocked_client_is_forgotten(sc):
    def fn(s, port):
        a, p = s.client(port), s.client(port)
        a.send(encode_command("BLPOP", "k", "0"))
        _blocked(port, 1)
        a.close()
        _blocked(port, 0)
        out = [p.call("RPUSH", "k", "v"), p.call("LLEN", "k")]
        p.close()
        return out

    sc.run(fn)


def test_push_then_read_in_same_pipeline_sees_served_pop(sc):
    def fn(s, port):
        a, p = s.client(port), s.client(port)
        a.send(encode_command("BLPOP", "k", "0"))
        _blocked(port, 1)
        p.send(encode_command("RPUSH", "k", "a") + encode_command("LLEN", "k") + encode_command("RPUSH", "k", "b"))
        out = [p.read_reply(), p.read_reply(), p.read_reply(), a.read_reply()]
        a.close()
        p.close()
        return out

    sc.run(fn)


def test_blocking_is_per_database(sc):
    def fn(s, port):
        a, p = s.client(port), s.client(port)
        out = [a.call("SELECT", "1")]
        a.send(encode_command("BLPOP", "k", "0"))
        _blocked(port, 1)
        out.append(p.call("RPUSH", "k", "db0"))
        _blocked(port, 1)  # still blocked: the push was in db 0
        out += [p.call("SELECT", "1"), p.call("RPUSH", "k", "db1"), a.read_reply(),
                p.call("LLEN", "k"), p.call("SELECT", "0"), p.call("LLEN", "k")]
        a.close()
        p.close()
        return out

    sc.run(fn)


def test_blmove_same_key_rotation_when_served(sc):
    def fn(s, port):
        a, p = s.client(port), s.client(port)
        a.send(encode_command("BLMOVE", "r", "r", "LEFT", "RIGHT", "0"))
        _blocked(port, 1)
        out = [p.call("RPUSH", "r", "1", "2", "3"), a.read_reply(), p.call("LRANGE", "r", "0", "-1")]
        a.close()
        p.close()
        return out

    sc.run(fn)


def test_timeout_then_push_does_not_reply_twice(sc):
    def fn(s, port):
        a, p = s.client(port), s.client(port)
        out = [a.call("BLPOP", "k", "0.01"), p.call("RPUSH", "k", "v"), a.call("PING"), p.call("LLEN", "k")]
        a.close()
        p.close()
        return out

    sc.run(fn)


def test_same_key_twice_and_served_once(sc):
    def fn(s, port):
        a, p = s.client(port), s.client(port)
        a.send(encode_command("BLPOP", "k", "k", "0"))
        _blocked(port, 1)
        out = [p.call("RPUSH", "k", "1", "2"), a.read_reply(), p.call("LRANGE", "k", "0", "-1")]
        a.close()
        p.close()
        return out

    sc.run(fn)


def test_lpush_many_serves_many_clients_in_order(sc):
    def fn(s, port):
        cs = [s.client(port) for _ in range(4)]
        for i, c in enumerate(cs):
            c.send(encode_command("BRPOP" if i % 2 else "BLPOP", "q", "0"))
            _blocked(port, i + 1)
        p = s.client(port)
        out = [p.call("LPUSH", "q", "a", "b", "c")]
        out += [c.read_reply() for c in cs[:3]]
        out.append(p.call("LLEN", "q"))
        out.append(p.call("RPUSH", "q", "z"))
        out.append(cs[3].read_reply())
        for c in cs + [p]:
            c.close()
        return out

    sc.run(fn)


@pytest.mark.parametrize("make", [
    ("RENAME", "src", "k"),
    ("COPY", "src", "k"),
    ("SORT", "src", "STORE", "k"),
])
def test_key_created_by_other_commands_serves_blocked_client(sc, make):
    # Redis serves clients blocked on a key whenever a list is stored under it (dbAdd),
    # not only on pushes.
    def fn(s, port):
        a, b = s.client(port), s.client(port)
        a.send(encode_command("BLPOP", "k", "0"))
        _blocked(port, 1)
        out = [b.call("RPUSH", "src", "3", "1", "2"), b.call(*make), a.read_reply(), b.call("LRANGE", "k", "0", "-1")]
        a.close()
        b.close()
        return out

    sc.run(fn)


# ---- several waiting clients: sorted sets, transactions, scripts -----------------------------

def test_zset_pops_serve_waiting_clients_in_order(sc):
    def fn(s, port):
        cmds = [("BZPOPMIN", "z", "0"), ("BZPOPMAX", "other", "z", "0"), ("BZMPOP", "0", "2", "z", "y", "MIN", "COUNT", "2"),
                ("BZPOPMIN", "y", "z", "0")]
        cs = [s.client(port) for _ in cmds]
        for i, (c, cmd) in enumerate(zip(cs, cmds)):
            c.send(encode_command(*cmd))
            _blocked(port, i + 1)
        p = s.client(port)
        out = [p.call("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d")]
        out += [c.read_reply() for c in cs[:3]]
        out.append(p.call("ZRANGE", "z", "0", "-1", "WITHSCORES"))
        out.append(p.call("ZADD", "y", "5", "e"))
        out.append(cs[3].read_reply())
        for c in cs + [p]:
            c.close()
        return out

    sc.run(fn)


def test_pushes_inside_exec_serve_after_the_transaction(sc):
    # The clients are served after EXEC, from what the transaction left, in the order
    # the keys became ready (k2 first), FIFO per key.
    def fn(s, port):
        cmds = [("BLPOP", "k1", "k2", "0"), ("BRPOP", "k1", "0"), ("BLMOVE", "k2", "dst", "LEFT", "RIGHT", "0")]
        cs = [s.client(port) for _ in cmds]
        for i, (c, cmd) in enumerate(zip(cs, cmds)):
            c.send(encode_command(*cmd))
            _blocked(port, i + 1)
        p = s.client(port)
        out = [p.call("MULTI"), p.call("RPUSH", "k2", "x", "y"), p.call("RPUSH", "k1", "a", "b", "c"),
               p.call("LPOP", "k1"), p.call("EXEC")]
        out += [c.read_reply() for c in cs]
        out += [p.call("LRANGE", "k1", "0", "-1"), p.call("LRANGE", "k2", "0", "-1"), p.call("LRANGE", "dst", "0", "-1")]
        for c in cs + [p]:
            c.close()
        return out

    sc.run(fn)


def test_push_from_a_script_serves_after_the_script(sc):
    _require(sc, "EVAL", "return 1", "0")

    def fn(s, port):
        cs = [s.client(port) for _ in range(2)]
        for i, c in enumerate(cs):
            c.send(encode_command("BLPOP", "q", "0"))
            _blocked(port, i + 1)
        p = s.client(port)
        script = "redis.call('RPUSH', KEYS[1], 'a', 'b', 'c'); return redis.call('LPOP', KEYS[1])"
        out = [p.call("EVAL", script, "1", "q")]
        out += [c.read_reply() for c in cs]
        out.append(p.call("LRANGE", "q", "0", "-1"))
        for c in cs + [p]:
            c.close()
        return out

    sc.run(fn)


def test_key_of_another_type_keeps_list_waiters_blocked(sc):
    def fn(s, port):
        a, p = s.client(port), s.client(port)
        a.send(encode_command("BLPOP", "k", "0"))
        _blocked(port, 1)
        out = [p.call("SET", "k", "str"), p.call("DEL", "k"), p.call("SADD", "k", "m"), p.call("DEL", "k"),
               p.call("RPUSH", "k", "v"), a.read_reply()]
        a.close()
        p.close()
        return out

    sc.run(fn)
