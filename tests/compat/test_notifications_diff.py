"""Keyspace notifications against real Redis: for each command, with
``notify-keyspace-events`` set on both servers, a raw subscriber to ``__key*__:*``
must receive exactly the same messages in the same order."""

from __future__ import annotations

import pytest
from support.raw import RawClient, encode_command

SENTINEL = b"__keyspace@0__:zz-sentinel"


class Watcher:
    """A command connection and a subscribed connection on one server."""

    def __init__(self, port: int, classes: str) -> None:
        self.cmd = RawClient(port)
        self.cmd.call("CONFIG", "SET", "notify-keyspace-events", classes)
        self.sub = RawClient(port)
        self.sub.call("PSUBSCRIBE", "__key*__:*")

    def run(self, commands: list[tuple]) -> tuple[list[bytes], list[bytes]]:
        replies = [self.cmd.call(*c) for c in commands]
        self.cmd.call("PUBLISH", SENTINEL, "end")
        events = []
        while True:
            msg = self.sub.read_reply()
            if SENTINEL in msg:
                return replies, events
            events.append(msg)

    def close(self) -> None:
        self.cmd.call("CONFIG", "SET", "notify-keyspace-events", "")
        self.cmd.close()
        self.sub.close()


@pytest.fixture
def watchers(both2, vermilion_server, redis_server):
    made = []

    def make(classes: str = "KEA"):
        pair = (Watcher(vermilion_server.port, classes), Watcher(redis_server.port, classes))
        made.extend(pair)
        return pair

    yield make
    for w in made:
        w.close()


def compare(watchers, commands, classes="KEA"):
    v, r = watchers(classes)
    vr, ve = v.run(commands)
    rr, re_ = r.run(commands)
    assert vr == rr
    assert [_short(m) for m in ve] == [_short(m) for m in re_]
    return ve


def _short(msg: bytes) -> str:
    """``channel payload`` of a pmessage, for readable diffs."""
    parts = msg.split(b"\r\n")
    return (parts[6] + b" " + parts[8]).decode("latin1")


CASES = {
    "strings": [("SET", "s", "v"), ("SET", "s", "v", "EX", "100"), ("SET", "s", "v", "KEEPTTL"),
                ("SET", "s", "w", "GET"), ("SET", "s", "x", "NX"), ("SETNX", "s2", "v"), ("SETNX", "s2", "v"),
                ("SETEX", "s3", "10", "v"), ("PSETEX", "s3", "1000", "v"), ("GETSET", "s", "y"),
                ("MSET", "a", "1", "b", "2"), ("MSETNX", "c", "1", "d", "2"), ("MSETNX", "c", "1", "e", "2"),
                ("APPEND", "a", "x"), ("SETRANGE", "a", "3", "z"), ("SETRANGE", "a", "0", ""),
                ("INCR", "n"), ("DECR", "n"), ("INCRBY", "n", "5"), ("DECRBY", "n", "2"),
                ("INCRBYFLOAT", "f", "1.5"), ("GETDEL", "a"), ("GETDEL", "a"),
                ("GETEX", "b", "EX", "100"), ("GETEX", "b", "PERSIST"), ("GETEX", "b"),
                ("GETEX", "b", "PXAT", "1"), ("INCR", "s")],
    "bitmaps": [("SETBIT", "bm", "7", "1"), ("SETBIT", "bm", "7", "1"),
                ("BITFIELD", "bf", "SET", "u8", "0", "255"), ("BITFIELD", "bf", "GET", "u8", "0"),
                ("SET", "x", "abc"), ("BITOP", "AND", "dst", "x", "bm"), ("BITOP", "NOT", "dst2", "x"),
                ("BITOP", "AND", "dst", "nokey", "nokey2")],
    "generic": [("SET", "k", "v"), ("EXPIRE", "k", "100"), ("PEXPIRE", "k", "100000"),
                ("EXPIREAT", "k", "99999999999"), ("PERSIST", "k"), ("PERSIST", "k"),
                ("RENAME", "k", "k2"), ("RENAMENX", "k2", "k3"), ("SET", "k4", "v"), ("RENAMENX", "k3", "k4"),
                ("RENAME", "k3", "k4"), ("MOVE", "k4", "2"), ("COPY", "k4", "k5"), ("SET", "k6", "v"),
                ("COPY", "k6", "k7"), ("COPY", "k6", "k8", "DB", "3"), ("DEL", "k6", "nokey", "k7", "k6"),
                ("UNLINK", "k6", "k8"), ("SET", "k9", "v"), ("EXPIRE", "k9", "-1"),
                ("SET", "k10", "v"), ("PEXPIREAT", "k10", "1"), ("SELECT", "2"), ("DEL", "k4"),
                ("SELECT", "3"), ("FLUSHDB",), ("SELECT", "0")],
    "lists": [("LPUSH", "l", "a", "b", "c"), ("RPUSH", "l", "d"), ("LPUSHX", "l", "e"),
              ("RPUSHX", "nol", "e"), ("LINSERT", "l", "BEFORE", "a", "x"), ("LSET", "l", "0", "y"),
              ("LPOP", "l"), ("RPOP", "l", "2"), ("LREM", "l", "0", "x"), ("LTRIM", "l", "0", "0"),
              ("RPUSH", "l2", "1", "2"), ("RPOPLPUSH", "l2", "l3"), ("LMOVE", "l2", "l3", "LEFT", "RIGHT"),
              ("RPUSH", "l4", "1"), ("BLPOP", "l4", "0"), ("RPUSH", "l4", "1", "2"), ("BRPOP", "l4", "0"),
              ("LMPOP", "2", "nol", "l4", "LEFT"), ("RPUSH", "l5", "1"), ("BLMPOP", "0", "1", "l5", "RIGHT", "COUNT", "3"),
              ("RPUSH", "l6", "a"), ("BLMOVE", "l6", "l7", "RIGHT", "LEFT", "0"), ("BRPOPLPUSH", "l7", "l6", "0"),
              ("LTRIM", "l6", "1", "0"), ("LREM", "l3", "0", "zz")],
    "hashes": [("HSET", "h", "a", "1", "b", "2"), ("HMSET", "h", "c", "3"), ("HSETNX", "h", "a", "9"),
               ("HSETNX", "h", "d", "4"), ("HINCRBY", "h", "n", "1"), ("HINCRBYFLOAT", "h", "f", "1.5"),
               ("HDEL", "h", "a", "zz"), ("HDEL", "h", "b", "c", "d", "n", "f"), ("HDEL", "h", "x")],
    "sets": [("SADD", "s", "a", "b", "c"), ("SADD", "s", "a"), ("SREM", "s", "a"), ("SREM", "s", "zz"),
             ("SADD", "sp", "only"), ("SPOP", "sp"), ("SADD", "t", "x"), ("SMOVE", "s", "t", "zz"),
             ("SMOVE", "t", "s", "x"), ("SADD", "sp", "one"), ("SPOP", "sp", "10"), ("SADD", "sp", "1", "2"),
             ("SPOP", "sp", "0"), ("SREM", "s", "b", "c", "x"),
             ("SADD", "u", "1", "2"), ("SADD", "v", "2", "3"), ("SINTERSTORE", "w", "u", "v"),
             ("SUNIONSTORE", "w", "u", "v"), ("SDIFFSTORE", "w", "u", "v"), ("SINTERSTORE", "w", "u", "nokey"),
             ("SINTERSTORE", "w", "u", "nokey"), ("SADD", "m1", "a"), ("SADD", "m2", "a"),
             ("SMOVE", "m1", "m2", "a")],
    "zsets": [("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d"), ("ZADD", "z", "INCR", "5", "a"),
              ("ZADD", "z", "NX", "1", "a"), ("ZINCRBY", "z", "1", "b"), ("ZREM", "z", "a", "zz"),
              ("ZREMRANGEBYSCORE", "z", "0", "2"), ("ZREMRANGEBYRANK", "z", "0", "0"),
              ("ZADD", "lx", "0", "a", "0", "b"), ("ZREMRANGEBYLEX", "lx", "-", "+"),
              ("ZADD", "z", "1", "p", "2", "q", "3", "r"), ("ZPOPMIN", "z"), ("ZPOPMAX", "z", "5"),
              ("ZADD", "z", "1", "p"), ("BZPOPMIN", "z", "0"), ("ZADD", "z", "1", "p", "2", "q"),
              ("BZPOPMAX", "z", "0"), ("ZMPOP", "1", "z", "MIN"), ("ZADD", "z", "1", "p"),
              ("BZMPOP", "0", "1", "z", "MAX", "COUNT", "9"),
              ("ZADD", "z1", "1", "a", "2", "b"), ("ZADD", "z2", "1", "b"),
              ("ZUNIONSTORE", "zd", "2", "z1", "z2"), ("ZINTERSTORE", "zd", "2", "z1", "z2"),
              ("ZDIFFSTORE", "zd", "2", "z1", "z2"), ("ZRANGESTORE", "zd", "z1", "0", "0"),
              ("ZINTERSTORE", "zd", "2", "z1", "nokey")],
    "hll_geo": [("PFADD", "hll", "a", "b"), ("PFADD", "hll", "a"), ("PFADD", "hll2"), ("PFCOUNT", "hll"),
                ("PFMERGE", "hll3", "hll", "hll2"),
                ("GEOADD", "g", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania"),
                ("GEORADIUS", "g", "15", "37", "200", "km", "STORE", "gs"),
                ("GEOSEARCHSTORE", "gs2", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km"),
                ("GEOSEARCHSTORE", "gs2", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km")],
    "sort": [("RPUSH", "l", "3", "1", "2"), ("SORT", "l", "STORE", "dst"), ("SORT", "nokey", "STORE", "dst")],
    "streams": [("XADD", "x", "1-1", "f", "v"), ("XADD", "x", "2-1", "f", "v"), ("XDEL", "x", "1-1"),
                ("XTRIM", "x", "MAXLEN", "0"), ("XGROUP", "CREATE", "x", "g", "$"),
                ("XGROUP", "CREATECONSUMER", "x", "g", "c"), ("XGROUP", "SETID", "x", "g", "0"),
                ("XGROUP", "DELCONSUMER", "x", "g", "c"), ("XGROUP", "DESTROY", "x", "g"),
                ("XSETID", "x", "5-5")],
    "edges": [("SET", "k", "v"), ("RENAME", "k", "k"), ("RENAMENX", "k", "k"), ("SETRANGE", "nokey", "0", ""),
              ("APPEND", "k", ""), ("EXPIRE", "nokey", "10"), ("EXPIRE", "k", "10", "GT"),
              ("EXPIRE", "k", "100", "NX"), ("EXPIRE", "k", "50", "GT"), ("PERSIST", "k"),
              ("LPUSHX", "nol", "a"), ("HDEL", "noh", "f"), ("SREM", "nos", "m"), ("INCRBYFLOAT", "k", "1"),
              ("LPUSH", "k", "x"), ("SET", "n", "1"), ("INCRBY", "n", "0"), ("HSET", "h", "f", "v"),
              ("HSET", "h", "f", "v"), ("HINCRBY", "h", "n", "0"), ("SADD", "s", "a"), ("SPOP", "s", "0"),
              ("RESTORE", "r", "0", "bad"),
              ("SET", "o", "v"), ("MOVE", "o", "0"), ("COPY", "o", "o"), ("COPY", "o", "o2"),
              ("COPY", "o", "o2"), ("COPY", "o", "o2", "REPLACE"), ("LPUSH", "l", "a"),
              ("LINSERT", "l", "BEFORE", "zz", "x"), ("LREM", "l", "0", "zz"), ("LTRIM", "l", "0", "-1"),
              ("LSET", "l", "5", "x"), ("SETBIT", "bb", "0", "0"), ("GETEX", "nokey", "EX", "10"),
              ("GETEX", "o", "EX", "10"), ("GETEX", "o", "EX", "10"), ("GETEX", "o", "PERSIST"),
              ("GETEX", "o", "PERSIST")],
    "streams2": [("XGROUP", "CREATE", "ms", "g", "$", "MKSTREAM"), ("XADD", "ms", "1-1", "f", "v"),
                 ("XREADGROUP", "GROUP", "g", "alice", "COUNT", "1", "STREAMS", "ms", ">"),
                 ("XCLAIM", "ms", "g", "bob", "0", "1-1"), ("XAUTOCLAIM", "ms", "g", "carol", "0", "0"),
                 ("XACK", "ms", "g", "1-1"), ("XADD", "ms", "MAXLEN", "1", "2-1", "f", "v"),
                 ("XADD", "ms", "NOMKSTREAM", "3-1", "f", "v"), ("XADD", "nos", "NOMKSTREAM", "*", "f", "v"),
                 ("XTRIM", "ms", "MAXLEN", "5"), ("XDEL", "ms", "9-9"), ("XGROUP", "DELCONSUMER", "ms", "g", "zz"),
                 ("XGROUP", "CREATECONSUMER", "ms", "g", "alice"), ("XGROUP", "DESTROY", "ms", "nog")],
    "transaction": [("MULTI",), ("SET", "a", "1"), ("LPUSH", "l", "x"), ("DEL", "a"), ("EXEC",)],
    "server": [("SET", "a", "1"), ("SELECT", "1"), ("SET", "b", "2"), ("SWAPDB", "0", "1"), ("SWAPDB", "0", "0"),
               ("SELECT", "0"), ("DEL", "b"), ("FLUSHALL",), ("SET", "c", "1"), ("FLUSHALL", "SYNC"),
               ("FLUSHDB", "ASYNC")],
    "geo_store": [("GEOADD", "g", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania"),
                  ("GEORADIUSBYMEMBER", "g", "Palermo", "200", "km", "STORE", "gs"),
                  ("GEORADIUSBYMEMBER", "g", "Palermo", "200", "km", "STOREDIST", "gs"),
                  ("GEORADIUSBYMEMBER", "g", "Palermo", "1", "m", "COUNT", "1", "STORE", "gs"),
                  ("GEORADIUSBYMEMBER", "g", "nobody", "1", "m", "STORE", "gs")],
    "pfdebug": [("PFADD", "h", "a"), ("PFDEBUG", "TODENSE", "h"), ("PFDEBUG", "TODENSE", "h"),
                ("PFDEBUG", "GETREG", "h"), ("PFADD", "h2", "a"), ("PFDEBUG", "GETREG", "h2")],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_events(watchers, name):
    compare(watchers, CASES[name])


@pytest.mark.parametrize("classes", ["K$", "E$", "Kg", "El", "KEh", "Ex", "KEA", "A", "E", "K", "g$lshzxet"])
def test_class_filters(watchers, classes):
    compare(watchers, [("SET", "s", "v", "EX", "10"), ("LPUSH", "l", "a"), ("HSET", "h", "f", "v"),
                       ("SADD", "st", "m"), ("ZADD", "z", "1", "m"), ("DEL", "s", "l", "h", "st", "z")], classes)


def test_expired_event_lazy_and_active(watchers):
    import time

    from support.servers import wait_for

    v, r = watchers("KEA")
    try:
        for w in (v, r):
            w.cmd.call("DEBUG", "SET-ACTIVE-EXPIRE", "0")
            w.run([("SET", "e1", "v", "PX", "20")])
        time.sleep(0.05)  # let the TTL pass: the lazy expiry on access is under test
        ve = v.run([("GET", "e1"), ("GET", "e1")])[1]
        re_ = r.run([("GET", "e1"), ("GET", "e1")])[1]
        assert [_short(m) for m in ve] == [_short(m) for m in re_]
        assert len(ve) == 2
        for w in (v, r):
            w.cmd.call("DEBUG", "SET-ACTIVE-EXPIRE", "1")
            w.run([("SET", "e2", "v", "PX", "20")])
        for w in (v, r):  # active expiry, without any access to the key
            wait_for(lambda w=w: w.cmd.call("DBSIZE") == b":0\r\n", timeout=5, what="active expiry")
        ve, re_ = v.run([])[1], r.run([])[1]
        assert [_short(m) for m in ve] == [_short(m) for m in re_]
        assert len(ve) == 2
    finally:
        for w in (v, r):
            w.cmd.call("DEBUG", "SET-ACTIVE-EXPIRE", "1")


def test_self_notification_resp3(vermilion_server):
    """A RESP3 client subscribed to its own key's events gets the push right after the
    command's reply (Redis 7.2 defers pushes to the current client, redis#12326; the
    7.0 oracle sends them before the reply, so this is checked on its own)."""
    c = RawClient(vermilion_server.port)
    c.call("HELLO", "3")
    c.call("CONFIG", "SET", "notify-keyspace-events", "KEA")
    try:
        c.call("SUBSCRIBE", "__keyspace@0__:selfkey")
        c.send(b"".join(encode_command(*a) for a in (("SET", "selfkey", "v"), ("DEL", "selfkey"), ("PING",))))
        got = [c.read_reply() for _ in range(5)]
        push = b">3\r\n$7\r\nmessage\r\n$22\r\n__keyspace@0__:selfkey\r\n"
        assert got == [b"+OK\r\n", push + b"$3\r\nset\r\n", b":1\r\n", push + b"$3\r\ndel\r\n", b"+PONG\r\n"]
    finally:
        c.call("CONFIG", "SET", "notify-keyspace-events", "")
        c.close()


@pytest.mark.parametrize("classes", ["KEm", "KEn", "KEAnm", "Kn$", "Em"])
def test_new_and_keymiss(watchers, classes):
    compare(watchers, [("GET", "nokey"), ("SET", "a", "1"), ("SET", "a", "2"), ("LPUSH", "l", "x"),
                       ("HSET", "h", "f", "v"), ("SADD", "s", "m"), ("ZADD", "z", "1", "m"),
                       ("LRANGE", "nol", "0", "-1"), ("HGET", "noh", "f"), ("EXISTS", "nokey"),
                       ("INCR", "n"), ("APPEND", "ap", "x"), ("MSET", "m1", "1", "m2", "2"),
                       ("SET", "a", "3", "GET"), ("GETDEL", "nokey"), ("COPY", "a", "a2"),
                       ("RENAME", "a2", "a3"), ("XADD", "x", "1-1", "f", "v"), ("PFADD", "hll", "a"),
                       ("SINTERSTORE", "st", "s"), ("SETBIT", "b", "1", "1")], classes)


@pytest.mark.parametrize("blocking,push", [
    (("BLPOP", "bl", "0"), ("RPUSH", "bl", "a")),
    (("BRPOP", "bl", "bl2", "0"), ("RPUSH", "bl2", "a", "b")),
    (("BLMOVE", "bl", "dst", "LEFT", "RIGHT", "0"), ("RPUSH", "bl", "a")),
    (("BLMPOP", "0", "1", "bl", "LEFT", "COUNT", "5"), ("RPUSH", "bl", "a")),
    (("BZPOPMIN", "bz", "0"), ("ZADD", "bz", "1", "m")),
    (("BZMPOP", "0", "1", "bz", "MAX"), ("ZADD", "bz", "1", "m", "2", "n")),
])
def test_blocked_client_served_emits_events(watchers, vermilion_server, redis_server, blocking, push):
    from support.raw import encode_command
    from support.servers import wait_for

    v, r = watchers("KEA")
    blockers = []
    for port in (vermilion_server.port, redis_server.port):
        b = RawClient(port)
        b.send(encode_command(*blocking))
        blockers.append(b)
    for w in (v, r):
        wait_for(lambda w=w: b"blocked_clients:1" in w.cmd.call("INFO", "clients"), timeout=5, what="blocked")
    ve = v.run([push])[1]
    re_ = r.run([push])[1]
    assert [_short(m) for m in ve] == [_short(m) for m in re_]
    assert blockers[0].read_reply() == blockers[1].read_reply()
    for b in blockers:
        b.close()


def test_restore_events(watchers):
    v, r = watchers("KEA")
    out = []
    for w in (v, r):
        w.cmd.call("RPUSH", "src", "a", "b")
        payload = w.cmd.call("DUMP", "src").split(b"\r\n", 1)[1][:-2]
        events = w.run([("RESTORE", "dst", "0", payload), ("RESTORE", "dst", "0", payload),
                        ("RESTORE", "dst", "0", payload, "REPLACE"),
                        ("RESTORE", "dst2", "100000", payload, "ABSTTL"),
                        ("RESTORE", "dst3", "1000", payload)])[1]
        out.append([_short(m) for m in events])
    assert out[0] == out[1]
