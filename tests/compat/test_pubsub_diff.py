"""Pub/Sub against real Redis: confirmations, message shapes (RESP2 arrays and RESP3
pushes), counts, the RESP2 subscribed context, PUBSUB introspection, sharded channels,
and cleanup on disconnect/RESET."""

from __future__ import annotations

import pytest
from conftest import Differential
from support.raw import RawClient
from support.servers import wait_for


@pytest.fixture(params=[2, 3], ids=["resp2", "resp3"])
def proto(request):
    return request.param


@pytest.fixture
def pair(both, vermilion_server, redis_server, request):
    """A second differential connection (the publisher) next to ``both`` (the subscriber)."""
    d = Differential(vermilion_server.port, redis_server.port, 2)
    yield d
    d.close()


def cmd(*args) -> bytes:
    from support.raw import encode_command

    return encode_command(*args)


def test_subscribe_confirmations_and_counts(both):
    both.check_raw(cmd("SUBSCRIBE", "a", "b", "a"), replies=3)
    both.check_raw(cmd("PSUBSCRIBE", "x*", "y?"), replies=2)
    both.check_raw(cmd("UNSUBSCRIBE", "b", "nope"), replies=2)
    both.check_raw(cmd("PUNSUBSCRIBE", "y?"), replies=1)
    both.check_raw(cmd("UNSUBSCRIBE"), replies=1)  # one channel left: order is fixed
    both.check_raw(cmd("PUNSUBSCRIBE"), replies=1)
    both.check_raw(cmd("UNSUBSCRIBE"), replies=1)  # none: null channel, count 0
    both.check_raw(cmd("PUNSUBSCRIBE"), replies=1)
    both.check_raw(cmd("SUNSUBSCRIBE"), replies=1)
    both.check("PING")


def test_unsubscribe_when_never_subscribed(both):
    for c in ("UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE"):
        both.check(c)
    both.check("PING", "x")
    both.check("GET", "k")


def test_arity_errors(both):
    for c in ("SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE"):
        both.check(c)
    both.check("PUBLISH", "a")
    both.check("PUBLISH", "a", "b", "c")
    both.check("SPUBLISH", "a")
    both.check("PUBSUB")
    both.check("PUBSUB", "NUMPAT", "x")
    both.check("PUBSUB", "HELP", "x")
    both.check("PUBSUB", "CHANNELS", "a", "b")
    both.check("PUBSUB", "SHARDCHANNELS", "a", "b")
    both.check("PUBSUB", "NOSUCH")


def test_resp2_context_restrictions(both2):
    both2.check_raw(cmd("SUBSCRIBE", "a"), replies=1)
    for args in (("GET", "k"), ("SET", "k", "v"), ("PUBLISH", "a", "x"), ("CLIENT", "LIST"),
                 ("PUBSUB", "NUMPAT"), ("MULTI",)):
        both2.check(*args)
    both2.check("PING")
    both2.check("PING", "hello")
    both2.check_raw(cmd("SSUBSCRIBE", "s"), replies=1)
    both2.check_raw(cmd("PSUBSCRIBE", "p*"), replies=1)
    both2.check("NOSUCHCMD")
    both2.check("GET")
    both2.check("RESET")
    both2.check("GET", "k")  # RESET left the context


def test_resp3_subscriber_runs_anything(vermilion_server, redis_server):
    d = Differential(vermilion_server.port, redis_server.port, 3)
    try:
        d.check_raw(cmd("SUBSCRIBE", "a"), replies=1)
        d.check("PING")
        d.check("SET", "k", "v")
        d.check("GET", "k")
        d.check("DBSIZE")
        # Publishing to itself: Redis 7.2 sends the push right after PUBLISH's reply
        # (redis#12326; the 7.0 oracle sends it before), so this is checked on its own.
        d.v.send(cmd("GET", "k") + cmd("PUBLISH", "a", "two") + cmd("GET", "k"))
        assert [d.v.read_reply() for _ in range(4)] == [
            b"$1\r\nv\r\n", b":1\r\n", b">3\r\n$7\r\nmessage\r\n$1\r\na\r\n$3\r\ntwo\r\n", b"$1\r\nv\r\n"]
        d.both("HELLO", "2", compare=False)  # back to RESP2 while subscribed: restricted again
        d.check("GET", "k")
        d.check("PING")
    finally:
        d.close()


def test_message_and_pmessage(both, pair):
    both.check_raw(cmd("SUBSCRIBE", "news.1"), replies=1)
    both.check_raw(cmd("PSUBSCRIBE", "news.*"), replies=1)
    pair.check("PUBLISH", "news.1", "hello")  # 2 receivers: message then pmessage
    both.check_raw(b"", replies=2)
    pair.check("PUBLISH", "news.2", "x")
    both.check_raw(b"", replies=1)
    pair.check("PUBLISH", "other", "x")
    pair.check("PUBLISH", "news.1", "")
    both.check_raw(b"", replies=2)
    big = "v" * 100000
    pair.check("PUBLISH", "news.1", big)
    both.check_raw(b"", replies=2)


def test_message_order_preserved(both, pair):
    both.check_raw(cmd("SUBSCRIBE", "ch"), replies=1)
    payload = b"".join(cmd("PUBLISH", "ch", str(i)) for i in range(200))
    pair.check_raw(payload, replies=200)
    both.check_raw(b"", replies=200)


def test_glob_patterns(both, pair):
    pats = ["h?llo", "h*llo", "h[ae]llo", "h[^e]llo", "h[a-b]llo", "\\*", "*"]
    both.check_raw(cmd("PSUBSCRIBE", *pats), replies=len(pats))
    for ch in ("hello", "hallo", "hxllo", "hllo", "*", "heeeello"):
        n = pair.check("PUBLISH", ch, "m")
        count = int(n[1:-2])
        # Patterns are delivered in the server's dict order: compare as sets.
        a = sorted(both.v.read_reply() for _ in range(count))
        b = sorted(both.r.read_reply() for _ in range(count))
        assert a == b


def test_pubsub_introspection(both, pair):
    both.check_raw(cmd("SUBSCRIBE", "c1", "c2", "d1"), replies=3)
    both.check_raw(cmd("PSUBSCRIBE", "p1", "p2"), replies=2)
    both.check_raw(cmd("SSUBSCRIBE", "s1", "s2"), replies=2)
    pair.check("PUBSUB", "NUMPAT")
    pair.check("PUBSUB", "NUMSUB")
    pair.check("PUBSUB", "NUMSUB", "c1", "c2", "zz", "c1")
    pair.check("PUBSUB", "SHARDNUMSUB", "s1", "zz")
    pair.check("PUBSUB", "SHARDNUMSUB")
    for sub in ("CHANNELS", "SHARDCHANNELS"):
        for extra in ((), ("c*",), ("s*",), ("[cd]1",), ("nomatch",)):
            a, b = pair.both("PUBSUB", sub, *extra, compare=False)
            assert sorted(a.split(b"\r\n")) == sorted(b.split(b"\r\n"))
    pair.check("PUBSUB", "HELP")
    pair.check("SPUBLISH", "s1", "m")
    both.check_raw(b"", replies=1)
    pair.check("SPUBLISH", "nobody", "m")
    pair.check("PUBLISH", "nobody", "m")


def test_sharded_counts(both, pair):
    both.check_raw(cmd("SUBSCRIBE", "a"), replies=1)
    both.check_raw(cmd("SSUBSCRIBE", "s1", "s2", "s1"), replies=3)
    both.check_raw(cmd("SUNSUBSCRIBE", "s1"), replies=1)
    both.check_raw(cmd("SUNSUBSCRIBE"), replies=1)
    both.check_raw(cmd("SUNSUBSCRIBE"), replies=1)
    both.check_raw(cmd("UNSUBSCRIBE"), replies=1)


def test_disconnect_and_reset_free_subscriptions(both, vermilion_server, redis_server, pair):
    sub = Differential(vermilion_server.port, redis_server.port, 2)
    sub.check_raw(cmd("SUBSCRIBE", "gone"), replies=1)
    sub.check_raw(cmd("PSUBSCRIBE", "gone*"), replies=1)
    sub.check_raw(cmd("SSUBSCRIBE", "sgone"), replies=1)
    pair.check("PUBSUB", "NUMSUB", "gone")
    sub.close()
    wait_for(lambda: pair.v.call("PUBSUB", "NUMSUB", "gone").endswith(b":0\r\n"), what="unsubscribed")
    wait_for(lambda: pair.r.call("PUBSUB", "NUMSUB", "gone").endswith(b":0\r\n"), what="unsubscribed")
    pair.check("PUBSUB", "NUMPAT")
    pair.check("PUBSUB", "SHARDNUMSUB", "sgone")
    pair.check("PUBLISH", "gone", "x")
    both.check_raw(cmd("SUBSCRIBE", "r1"), replies=1)
    both.check("RESET")
    pair.check("PUBSUB", "NUMSUB", "r1")
    pair.check("PUBLISH", "r1", "x")
    both.check("PING")


def test_info_counters(both, pair):
    both.check_raw(cmd("SUBSCRIBE", "i1", "i2"), replies=2)
    both.check_raw(cmd("PSUBSCRIBE", "ip*"), replies=1)
    both.check_raw(cmd("SSUBSCRIBE", "is"), replies=1)

    def fields(raw: bytes) -> dict:
        out = {}
        for line in raw.split(b"\r\n"):
            if line.startswith(b"pubsub"):
                k, _, v = line.partition(b":")
                out[k] = v
        return out

    a, b = pair.both("INFO", "stats", compare=False)
    assert fields(a) == fields(b)
    assert fields(a)[b"pubsub_channels"] == b"2"


def test_subscribe_inside_multi(both, pair):
    both.check("MULTI")
    both.check("SUBSCRIBE", "m1")
    both.check("PSUBSCRIBE", "mp*")
    both.check("EXEC")
    pair.check("PUBLISH", "m1", "x")
    both.check_raw(b"", replies=1)


@pytest.mark.parametrize("protover", [2, 3])
def test_publish_to_self_inside_exec_follows_the_reply(vermilion_server, protover):
    """Redis 7.2: the message a transaction publishes to its own client comes after the
    whole EXEC reply (redis#12326), never inside it."""
    c = RawClient(vermilion_server.port)
    if protover == 3:
        c.call("HELLO", "3")
    c.send(cmd("MULTI") + cmd("SUBSCRIBE", "selfch") + cmd("PUBLISH", "selfch", "hi") + cmd("EXEC"))
    got = [c.read_reply() for _ in range(5)]
    head = b"*" if protover == 2 else b">"
    assert got[:3] == [b"+OK\r\n", b"+QUEUED\r\n", b"+QUEUED\r\n"]
    assert got[3] == b"*2\r\n" + head + b"3\r\n$9\r\nsubscribe\r\n$6\r\nselfch\r\n:1\r\n:1\r\n"
    assert got[4] == head + b"3\r\n$7\r\nmessage\r\n$6\r\nselfch\r\n$2\r\nhi\r\n"
    c.close()


def test_subscribe_commands_inside_exec(both):
    both.check("MULTI")
    for args in (("SSUBSCRIBE", "s"), ("SUBSCRIBE", "a"), ("PSUBSCRIBE", "p"), ("PING",)):
        both.check(*args)
    both.check("EXEC")
    both.check_raw(cmd("SUNSUBSCRIBE"), replies=1)
    both.check_raw(cmd("UNSUBSCRIBE"), replies=1)
    both.check_raw(cmd("PUNSUBSCRIBE"), replies=1)
    both.check("PING")


def test_commandstats_of_subscribed_context(both2, pair):
    def stats(raw: bytes) -> dict:
        out = {}
        for line in raw.decode().split("\r\n"):
            if line.startswith(("cmdstat_", "errorstat_")):
                name, _, fields = line.partition(":")
                out[name] = {k: v for k, v in (f.split("=") for f in fields.split(",")) if "usec" not in k}
        return out

    pair.check("CONFIG", "RESETSTAT")
    both2.check_raw(cmd("SUBSCRIBE", "a", "b"), replies=2)
    both2.check("GET", "k")
    both2.check("PING")
    pair.check("PUBLISH", "a", "m")
    both2.check_raw(b"", replies=1)
    for section in ("commandstats", "errorstats"):
        a, b = pair.both("INFO", section, compare=False)
        assert stats(a) == stats(b)
