"""Generic key commands compared with the real redis-server, RESP2 and RESP3.

Replies whose order Redis leaves unspecified (KEYS, SCAN) are compared as sets through
redis-py; everything else byte for byte.
"""

from __future__ import annotations

import time

import pytest
import redis


def rpy(both):
    """redis-py clients on the same two servers (for unordered replies)."""
    return (redis.Redis(port=both.v.sock.getpeername()[1]), redis.Redis(port=both.r.sock.getpeername()[1]))


def needs(both, *cmd) -> None:
    a, _ = both.both(*cmd, compare=False)
    if a.startswith(b"-ERR unknown command"):
        pytest.skip(f"{cmd[0]} is not implemented in Vermilion yet")


# ---- DEL / UNLINK / EXISTS / TOUCH / TYPE ---------------------------------------------

@pytest.mark.parametrize("cmd", ["DEL", "UNLINK"])
def test_del_and_unlink(both, cmd):
    both.check(cmd, "missing")
    both.check("SET", "a", "1")
    both.check("SET", "b", "2")
    both.check(cmd, "a", "b", "c")
    both.check("EXISTS", "a", "b")
    both.check("SET", "a", "1")
    both.check(cmd, "a", "a")
    both.check(cmd)


def test_exists_counts_duplicates(both):
    both.check("SET", "a", "1")
    both.check("EXISTS", "a", "a", "a", "nope")
    both.check("EXISTS", "nope")
    both.check("EXISTS")


def test_touch(both):
    both.check("SET", "a", "1")
    both.check("TOUCH", "a", "b", "a")
    both.check("TOUCH")


def test_type(both):
    both.check("TYPE", "nope")
    both.check("SET", "s", "v")
    both.check("TYPE", "s")
    both.check("TYPE")
    both.check("TYPE", "a", "b")
    needs(both, "RPUSH", "l", "x")
    both.check("TYPE", "l")


def test_type_of_other_types(both):
    needs(both, "ZADD", "z", "1", "m")
    both.check("TYPE", "z")


# ---- KEYS ------------------------------------------------------------------------------

KEYS = ["hello", "hallo", "hxllo", "hllo", "heeeello", "h\\llo", "h*llo", "h[llo", "a", "ab", "abc",
        "", "x-y", "HELLO", "h]llo", "h^llo", "key:1", "key:2", "key:10", "{tag}x"]

PATTERNS = ["*", "h?llo", "h*llo", "h[ae]llo", "h[^e]llo", "h[a-b]llo", "h[b-a]llo", "h\\*llo", "h\\[llo",
            "h[\\]]llo", "h[]llo", "h[^]llo", "h[", "h[^", "*\\", "h\\\\llo", "?", "??", "a*", "*b*", "**",
            "", "x[+--]y", "key:?", "key:[0-9]*", "[a-", "h[a-]llo", "H*", "*[lL][lL]o", "{*}*", "*o",
            "h*l*l*o", "[!a]*", "\\", "[^a-z]*"]


@pytest.mark.parametrize("pattern", PATTERNS)
def test_keys_patterns_match_redis(both2, pattern):
    v, r = rpy(both2)
    for k in KEYS:
        v.set(k, "1")
        r.set(k, "1")
    assert sorted(v.keys(pattern)) == sorted(r.keys(pattern)), pattern


def test_keys_errors_and_empty(both):
    both.check("KEYS", "*")
    both.check("KEYS")
    both.check("KEYS", "a", "b")


def test_keys_skips_expired(both2):
    both2.check("SET", "live", "1")
    both2.check("SET", "dead", "1", "PX", "1")
    time.sleep(0.02)
    both2.check("KEYS", "*")  # only "live": one element, order is no issue


# ---- SCAN ------------------------------------------------------------------------------

def _full_scan(client, **kw):
    seen = []
    cursor = 0
    calls = 0
    while True:
        cursor, keys = client.scan(cursor, **kw)
        seen.extend(keys)
        calls += 1
        if cursor == 0:
            return seen, calls


def test_scan_full_iteration_returns_every_key(both2):
    v, r = rpy(both2)
    for i in range(500):
        v.set(f"k{i}", i)
        r.set(f"k{i}", i)
    sv, _ = _full_scan(v, count=20)
    sr, _ = _full_scan(r, count=20)
    assert set(sv) == set(sr) == {f"k{i}".encode() for i in range(500)}


def test_scan_match_count_type(both2):
    v, r = rpy(both2)
    for c in (v, r):
        for i in range(100):
            c.set(f"user:{i}", i)
            c.set(f"item:{i}", i)
        c.rpush("alist", "x")
    for kw in ({"match": "user:1*"}, {"match": "item:?"}, {"_type": "list"}, {"_type": "LIST"},
               {"_type": "string", "match": "*:9*"}, {"_type": "nosuchtype"}, {"match": "*", "count": 1000}):
        sv, _ = _full_scan(v, **kw)
        sr, _ = _full_scan(r, **kw)
        assert set(sv) == set(sr), kw


def test_scan_count_bounds_work(both2):
    v, _ = rpy(both2)
    for i in range(2000):
        v.set(f"k{i}", i)
    cursor, keys = v.scan(0, count=10)
    assert cursor != 0 and len(keys) < 100


def test_scan_keeps_keys_present_throughout_while_table_changes(both2):
    v, _ = rpy(both2)
    stable = {f"stable:{i}".encode() for i in range(300)}
    for k in stable:
        v.set(k, 1)
    seen = set()
    cursor = 0
    n = 0
    while True:
        cursor, keys = v.scan(cursor, count=7)
        seen.update(keys)
        # grow the table, delete and re-add transient keys between calls
        for j in range(40):
            v.set(f"new:{n}:{j}", 1)
        v.delete(*[f"new:{n - 1}:{j}" for j in range(0, 40, 2)]) if n else None
        n += 1
        if cursor == 0:
            break
    assert stable <= seen


@pytest.mark.parametrize("cursor", ["abc", "1.5", "99999999999999999999999", "-1", "1x", " 1", "+", "",
                                    "18446744073709551615", "-18446744073709551616", "+7", "0x10"])
def test_scan_invalid_cursor(both, cursor):
    both.check("SCAN", cursor)


def test_scan_errors(both):
    both.check("SCAN", "0", "COUNT", "0")
    both.check("SCAN", "0", "COUNT", "-1")
    both.check("SCAN", "0", "COUNT", "abc")
    both.check("SCAN", "0", "MATCH")
    both.check("SCAN", "0", "FOO", "bar")
    both.check("SCAN", "0", "COUNT", "10", "TYPE")
    both.check("SCAN")
    both.check("SCAN", "abc", "COUNT", "0")


def test_scan_empty_db_and_single_key(both):
    both.check("SCAN", "0")
    both.check("SET", "only", "1")
    both.check("SCAN", "0")
    both.check("SCAN", "0", "MATCH", "nomatch")
    both.check("SCAN", "0", "TYPE", "list")


# ---- RANDOMKEY -------------------------------------------------------------------------

def test_randomkey(both):
    both.check("RANDOMKEY")
    both.check("SET", "only", "1")
    both.check("RANDOMKEY")
    both.check("RANDOMKEY", "x")


def test_randomkey_is_spread(both2):
    v, _ = rpy(both2)
    for i in range(20):
        v.set(f"k{i}", 1)
    assert len({v.randomkey() for _ in range(200)}) > 10


# ---- RENAME / RENAMENX -----------------------------------------------------------------

def test_rename(both):
    both.check("RENAME", "nope", "x")
    both.check("SET", "a", "1")
    both.check("RENAME", "a", "a")
    both.check("RENAME", "a", "b")
    both.check("EXISTS", "a")
    both.check("GET", "b")
    both.check("SET", "c", "3")
    both.check("RENAME", "b", "c")
    both.check("GET", "c")
    both.check("RENAME", "c")


def test_rename_carries_and_clears_ttl(both):
    both.check("SET", "a", "1")
    both.check("PEXPIREAT", "a", "99999999999999")
    both.check("RENAME", "a", "b")
    both.check("PEXPIRETIME", "b")
    both.check("SET", "c", "1")
    both.check("PEXPIREAT", "c", "99999999999998")
    both.check("SET", "d", "1")
    both.check("RENAME", "d", "c")
    both.check("PEXPIRETIME", "c")


def test_renamenx(both):
    both.check("RENAMENX", "nope", "x")
    both.check("SET", "a", "1")
    both.check("RENAMENX", "a", "a")
    both.check("SET", "b", "2")
    both.check("RENAMENX", "a", "b")
    both.check("RENAMENX", "a", "c")
    both.check("GET", "c")
    both.check("RENAMENX", "a")


def test_rename_other_types(both):
    needs(both, "RPUSH", "l", "1", "2")
    both.check("RENAME", "l", "l2")
    both.check("LRANGE", "l2", "0", "-1")


# ---- MOVE ------------------------------------------------------------------------------

def test_move(both):
    both.check("SELECT", "9")
    both.check("FLUSHDB")
    both.check("SELECT", "0")
    both.check("MOVE", "nope", "9")
    both.check("SET", "a", "1")
    both.check("PEXPIREAT", "a", "99999999999999")
    both.check("MOVE", "a", "9")
    both.check("EXISTS", "a")
    both.check("SELECT", "9")
    both.check("GET", "a")
    both.check("PEXPIRETIME", "a")
    both.check("SET", "b", "x")
    both.check("SELECT", "0")
    both.check("SET", "b", "y")
    both.check("MOVE", "b", "9")
    both.check("GET", "b")
    both.check("SELECT", "9")
    both.check("FLUSHDB")
    both.check("SELECT", "0")


@pytest.mark.parametrize("db", ["0", "16", "-1", "abc", "1.5", "4294967296", "2147483648"])
def test_move_errors(both, db):
    both.check("SET", "a", "1")
    both.check("MOVE", "a", db)


def test_move_missing_key_bad_db(both):
    both.check("MOVE", "nope", "0")
    both.check("MOVE", "nope")


# ---- COPY ------------------------------------------------------------------------------

def test_copy(both):
    both.check("COPY", "nope", "x")
    both.check("SET", "a", "1")
    both.check("COPY", "a", "b")
    both.check("GET", "b")
    both.check("SET", "b", "other")
    both.check("COPY", "a", "b")
    both.check("COPY", "a", "b", "REPLACE")
    both.check("GET", "b")
    both.check("COPY", "a", "a")
    both.check("COPY", "a", "a", "DB", "0")
    both.check("COPY", "a", "a", "DB", "1")
    both.check("SELECT", "1")
    both.check("GET", "a")
    both.check("DEL", "a")
    both.check("SELECT", "0")


def test_copy_keeps_ttl(both):
    both.check("SET", "a", "1")
    both.check("PEXPIREAT", "a", "99999999999999")
    both.check("COPY", "a", "b")
    both.check("PEXPIRETIME", "b")


@pytest.mark.parametrize("tail", [["FOO"], ["DB"], ["DB", "abc"], ["DB", "16"], ["DB", "-1"],
                                  ["REPLACE", "DB", "x", "FOO"], ["DB", "0", "FOO"], ["replace", "replace"]])
def test_copy_errors(both, tail):
    both.check("SET", "a", "1")
    both.check("COPY", "a", "b", *tail)


def test_copy_is_deep(both):
    needs(both, "RPUSH", "l", "1", "2")
    both.check("COPY", "l", "l2")
    both.check("RPUSH", "l", "3")
    both.check("LRANGE", "l2", "0", "-1")
    both.check("LRANGE", "l", "0", "-1")


def test_copy_zset_is_deep(both):
    needs(both, "ZADD", "z", "1", "a")
    both.check("COPY", "z", "z2")
    both.check("ZADD", "z", "2", "b")
    both.check("ZRANGE", "z2", "0", "-1", "WITHSCORES")


# ---- DUMP / RESTORE --------------------------------------------------------------------

def test_dump_missing_key(both):
    both.check("DUMP", "nope")
    both.check("DUMP")
    both.check("RESTORE", "k", "0")


# DUMP / RESTORE: tests/compat/test_dump_restore_diff.py


# ---- OBJECT ----------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["1", "-5", "12345678901234567890", "123456789012345678901", "abc",
                                   "x" * 44, "x" * 45, "01", "1.5", " 1"])
def test_object_encoding_refcount(both, value):
    both.check("SET", "k", value)
    both.check("OBJECT", "ENCODING", "k")
    both.check("OBJECT", "REFCOUNT", "k")


def test_object(both):
    for sub in ("ENCODING", "FREQ", "IDLETIME", "REFCOUNT"):
        both.check("OBJECT", sub, "nope")
        both.check("OBJECT", sub)
        both.check("OBJECT", sub, "a", "b")
    both.check("SET", "k", "v")
    both.check("OBJECT", "FREQ", "k")
    both.check("OBJECT", "IDLETIME", "k")
    both.check("OBJECT", "HELP")
    both.check("OBJECT", "help")
    both.check("OBJECT", "HELP", "x")
    both.check("OBJECT", "NOPE", "k")
    both.check("OBJECT")


def test_object_encoding_other_types(both):
    needs(both, "ZADD", "z", "1", "m")
    both.check("OBJECT", "ENCODING", "z")
    # Redis 7.2 encodes small lists as listpack (7.0, the oracle here, says quicklist).
    both.check("RPUSH", "l", "1")
    assert both.v.call("OBJECT", "ENCODING", "l") == b"$8\r\nlistpack\r\n"


# ---- WAIT ------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [["0", "0"], ["0", "100"], ["abc", "0"], ["0", "abc"], ["0", "-1"],
                                  ["-1", "0"], ["0"], ["0", "1.5"], ["1.5", "0"]])
def test_wait(both, args):
    both.check("WAIT", *args)


def test_wait_timeout_overflow_is_an_error_as_in_7_2(raw):
    # 7.2's getTimeoutFromObjectOrReply refuses a timeout that would overflow now+t
    # (the 7.0 oracle accepts it).
    assert raw.call("WAIT", "0", "9223372036854775807") == b"-ERR timeout is out of range\r\n"


# ---- replies in both protocols for every reply shape -----------------------------------

def test_reply_shapes(both):
    both.check("SET", "a", "1")
    for cmd in (["TYPE", "a"], ["RANDOMKEY"], ["OBJECT", "ENCODING", "a"], ["OBJECT", "ENCODING", "nope"],
                ["SCAN", "0", "COUNT", "100"], ["KEYS", "a"], ["DUMP", "nope"]):
        both.check(*cmd)


def test_object_freq_and_idletime_under_lfu(both2):
    a, _ = both2.both("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu")
    try:
        assert a == b"+OK\r\n"
        both2.check("SET", "k", "v")
        both2.check("OBJECT", "FREQ", "k")
        both2.check("OBJECT", "IDLETIME", "k")
        both2.check("OBJECT", "FREQ", "nope")
    finally:
        both2.both("CONFIG", "SET", "maxmemory-policy", "noeviction")


@pytest.mark.parametrize("seed", [1234, 7, 99])
def test_random_generic_command_mix(both2, seed):
    """A seeded random walk over a few keys and databases, byte for byte."""
    import random

    rnd = random.Random(seed)
    keys = ["a", "b", "c", "{t}d"]
    has_rpush = not both2.v.call("RPUSH", "probe", "x").startswith(b"-ERR unknown")
    both2.r.call("RPUSH", "probe", "x")

    def k():
        return rnd.choice(keys)

    makers = [
        lambda: ["SET", k(), str(rnd.randint(0, 20000))],
        lambda: ["DEL", k(), k()],
        lambda: ["UNLINK", k()],
        lambda: ["EXISTS", k(), k(), k()],
        lambda: ["TOUCH", k()],
        lambda: ["TYPE", k()],
        lambda: ["RENAME", k(), k()],
        lambda: ["RENAMENX", k(), k()],
        lambda: ["COPY", k(), k()] + rnd.choice([[], ["REPLACE"], ["DB", "1"], ["DB", "1", "REPLACE"]]),
        lambda: ["MOVE", k(), rnd.choice(["0", "1"])],
        lambda: ["SELECT", rnd.choice(["0", "1"])],
        # absolute times only: the two servers' clocks are read a little apart, so
        # relative TTLs are compared in test_expire_diff.py instead
        lambda: ["PEXPIREAT", k(), str(99999999990000 + rnd.randint(0, 9999))]
        + rnd.choice([[], ["GT"], ["LT"], ["NX"], ["XX"]]),
        lambda: ["EXPIRE", k(), "-1"],
        lambda: ["PERSIST", k()],
        lambda: ["PEXPIRETIME", k()],
        lambda: ["TTL", rnd.choice(["nope", "plain"])],
        lambda: ["DBSIZE"],
    ]
    if has_rpush:
        makers.append(lambda: ["RPUSH", k(), "x"])
        makers.append(lambda: ["LLEN", k()])
    for _ in range(400):
        both2.check(*rnd.choice(makers)())
    both2.check("SELECT", "1")
    both2.check("FLUSHDB")
    both2.check("SELECT", "0")


def test_keys_random_patterns_match_redis(both2):
    """Random glob patterns over an alphabet full of metacharacters, against Redis."""
    import random

    rnd = random.Random(42)
    v, r = rpy(both2)
    subjects = {bytes(rnd.choice(b"ab-]^\\*[?") for _ in range(rnd.randint(1, 5))) for _ in range(150)}
    for k in subjects:
        v.set(k, "1")
        r.set(k, "1")
    for _ in range(250):
        pattern = bytes(rnd.choice(b"ab*?[]^-\\") for _ in range(rnd.randint(1, 7)))
        assert sorted(v.keys(pattern)) == sorted(r.keys(pattern)), pattern


def test_keyspace_hits_and_misses_counted_like_redis(both2):
    v, r = rpy(both2)

    def counters(c):
        s = c.info("stats")
        return s["keyspace_hits"], s["keyspace_misses"]

    before = counters(v), counters(r)
    cmds = [["SET", "a", "1"], ["EXISTS", "a", "b"], ["TYPE", "a"], ["TYPE", "b"], ["TTL", "a"], ["PTTL", "b"],
            ["EXPIRETIME", "a"], ["TOUCH", "a", "b"], ["OBJECT", "ENCODING", "a"], ["OBJECT", "REFCOUNT", "b"],
            ["COPY", "a", "c"], ["COPY", "b", "d"], ["DUMP", "b"], ["RENAME", "c", "e"], ["MOVE", "e", "1"],
            ["EXPIRE", "a", "100"], ["PERSIST", "a"], ["DEL", "a", "b"], ["SCAN", "0"], ["KEYS", "*"],
            ["RANDOMKEY"], ["RENAMENX", "zz", "y"]]
    for cmd in cmds:
        both2.both(*cmd, compare=False)
    after = counters(v), counters(r)
    dv = (after[0][0] - before[0][0], after[0][1] - before[0][1])
    dr = (after[1][0] - before[1][0], after[1][1] - before[1][1])
    assert dv == dr
