"""Hash commands, differential against real Redis (RESP2 and RESP3), byte for byte.

Small hashes are listpack-encoded in Redis and keep insertion order, which Vermilion
reproduces, so even HGETALL/HKEYS/HVALS/HSCAN replies compare exactly there; for big
(hashtable) hashes the order is unspecified and the tests compare contents.
"""

from __future__ import annotations

import pytest
import redis


def run(both, *cmds):
    for cmd in cmds:
        both.check(*cmd)


def test_hset_hget_basics(both):
    run(both,
        ("HSET", "h", "a", "1", "b", "2"), ("HSET", "h", "a", "10", "c", "3"), ("HGET", "h", "a"),
        ("HGET", "h", "zz"), ("HGET", "missing", "a"), ("HLEN", "h"), ("HLEN", "missing"),
        ("HGETALL", "h"), ("HKEYS", "h"), ("HVALS", "h"), ("HGETALL", "missing"), ("HKEYS", "missing"),
        ("HVALS", "missing"), ("HMGET", "h", "a", "zz", "c"), ("HMGET", "missing", "a", "b"),
        ("HEXISTS", "h", "a"), ("HEXISTS", "h", "zz"), ("HEXISTS", "missing", "a"),
        ("HSTRLEN", "h", "a"), ("HSTRLEN", "h", "zz"), ("HSTRLEN", "missing", "a"))


def test_hmset_hsetnx(both):
    run(both,
        ("HMSET", "h", "a", "1", "b", "2"), ("HSETNX", "h", "a", "x"), ("HSETNX", "h", "n", "new"),
        ("HSETNX", "fresh", "f", "v"), ("HGETALL", "h"), ("HGETALL", "fresh"),
        ("HMSET", "h", "a"), ("HMSET", "h", "a", "1", "b"), ("HSET", "h", "a", "1", "b"), ("HSET", "h", "a"),
        ("HSETNX", "h", "a"))


def test_hdel_deletes_empty_hash(both):
    run(both,
        ("HSET", "h", "a", "1", "b", "2", "c", "3"), ("HDEL", "h", "a", "a", "zz"), ("HGETALL", "h"),
        ("HDEL", "h", "b", "c", "d"), ("DBSIZE",), ("HDEL", "h", "a"), ("HDEL", "missing", "a"), ("HDEL", "h"))


def test_wrongtype(both):
    both.check("SET", "s", "v")
    for cmd in (("HSET", "s", "a", "b"), ("HMSET", "s", "a", "b"), ("HSETNX", "s", "a", "b"), ("HGET", "s", "a"),
                ("HMGET", "s", "a"), ("HDEL", "s", "a"), ("HLEN", "s"), ("HSTRLEN", "s", "a"),
                ("HEXISTS", "s", "a"), ("HKEYS", "s"), ("HVALS", "s"), ("HGETALL", "s"),
                ("HINCRBY", "s", "a", "1"), ("HINCRBYFLOAT", "s", "a", "1"), ("HRANDFIELD", "s"),
                ("HRANDFIELD", "s", "2"), ("HSCAN", "s", "0"), ("HSCAN", "s", "0", "COUNT", "0")):
        both.check(*cmd)


def test_hincrby(both):
    run(both,
        ("HINCRBY", "h", "n", "5"), ("HINCRBY", "h", "n", "-10"), ("HINCRBY", "h", "n", "x"),
        ("HINCRBY", "h", "n", "1.5"), ("HSET", "h", "s", "abc", "big", "9223372036854775806", "sp", " 1"),
        ("HINCRBY", "h", "s", "1"), ("HINCRBY", "h", "sp", "1"), ("HINCRBY", "h", "big", "1"),
        ("HINCRBY", "h", "big", "1"), ("HINCRBY", "h", "n", "-9223372036854775808"),
        ("HINCRBY", "h", "n", "-9223372036854775808"), ("HINCRBY", "h", "n", "99999999999999999999"),
        ("HGETALL", "h"), ("HINCRBY", "h"))


@pytest.mark.parametrize("start,incr", [
    ("10.5", "0.1"), ("5", "1.5"), ("0", "1e20"), ("1.1", "2.2"), ("3.0e3", "1"), ("0", "-0.0"), ("0", "1e-30"),
    ("0", "0x10"), ("1", "inf"), ("1", "-inf"), ("1", "nan"), ("1", "1_0"), ("1", " 1"), ("1", "1 "), ("1", ""),
    ("abc", "1"), ("1", "1e4000"), ("1.7976931348623157e308", "1.7976931348623157e308"), ("-5", "2.5"),
    ("0.1", "0.2"), ("1e-5", "1e-5"), ("100", "-100"), ("12345678901234567890", "1"), ("1", "1e-4950"),
])
def test_hincrbyfloat(both2, start, incr):
    both2.check("HSET", "h", "f", start)
    both2.check("HINCRBYFLOAT", "h", "f", incr)
    both2.check("HGET", "h", "f")
    both2.check("HINCRBYFLOAT", "h", "new", incr)
    both2.check("HINCRBYFLOAT", "fresh", "f", incr)
    both2.check("DBSIZE")


def test_hincrbyfloat_resp3(both):
    run(both, ("HINCRBYFLOAT", "h", "f", "1.5"), ("HINCRBYFLOAT", "h", "f", "x"), ("HGETALL", "h"))


def test_hrandfield_deterministic_cases(both):
    run(both,
        ("HSET", "h", "a", "1", "b", "2", "c", "3"), ("HRANDFIELD", "h", "3"), ("HRANDFIELD", "h", "10"),
        ("HRANDFIELD", "h", "10", "WITHVALUES"), ("HRANDFIELD", "h", "0"), ("HRANDFIELD", "h", "0", "WITHVALUES"),
        ("HRANDFIELD", "missing"), ("HRANDFIELD", "missing", "5"), ("HRANDFIELD", "missing", "-5", "WITHVALUES"),
        ("HRANDFIELD", "h", "x"), ("HRANDFIELD", "h", "1", "foo"), ("HRANDFIELD", "h", "1", "withvalues", "x"),
        ("HRANDFIELD", "h", "-9223372036854775808"), ("HRANDFIELD", "h", "-4611686018427387904", "WITHVALUES"),
        ("HRANDFIELD", "h", "4611686018427387904", "WITHVALUES"),
        ("HRANDFIELD", "missing", "-4611686018427387903", "WITHVALUES"),
        ("HSET", "one", "k", "v"), ("HRANDFIELD", "one"), ("HRANDFIELD", "one", "-3"),
        ("HRANDFIELD", "one", "-2", "WITHVALUES"), ("HRANDFIELD", "one", "1", "WITHVALUES"))


@pytest.mark.parametrize("protocol", [2, 3])
def test_hrandfield_random_shapes(vermilion_server, protocol):
    r = redis.Redis(port=vermilion_server.port, protocol=protocol)
    r.flushall()
    r.hset("h", mapping={f"f{i}": str(i) for i in range(20)})
    fields = set(r.hkeys("h"))
    for n in (1, 5, 19):
        got = r.hrandfield("h", n)
        assert len(got) == n and len(set(got)) == n and set(got) <= fields
    got = r.hrandfield("h", -50)
    assert len(got) == 50 and set(got) <= fields
    assert r.hrandfield("h") in fields
    pairs = r.hrandfield("h", -7, withvalues=True)
    if protocol == 3:
        assert len(pairs) == 7 and all(r.hget("h", f) == v for f, v in pairs)
    else:
        assert len(pairs) == 14 and all(r.hget("h", pairs[i]) == pairs[i + 1] for i in range(0, 14, 2))
    r.close()


def test_hscan_small(both):
    run(both,
        ("HSET", "h", "a", "1", "b", "2", "ab", "3"), ("HSCAN", "h", "0"), ("HSCAN", "h", "0", "MATCH", "a*"),
        ("HSCAN", "h", "0", "COUNT", "1"), ("HSCAN", "h", "0", "MATCH", "*", "COUNT", "100"),
        ("HSCAN", "missing", "0"), ("HSCAN", "missing", "0", "COUNT", "0"), ("HSCAN", "h", "x"),
        ("HSCAN", "h", "0", "COUNT", "0"), ("HSCAN", "h", "0", "COUNT", "x"), ("HSCAN", "h", "0", "MATCH"),
        ("HSCAN", "h", "0", "FOO", "bar"), ("HSCAN", "h", "0", "TYPE", "string"), ("HSCAN", "h", "-1"),
        ("HSCAN", "h", "18446744073709551616"), ("HSCAN", "h", " 0"), ("HSCAN", "h", "0", "NOVALUES"))


def _full_scan(client, key, *opts):
    cursor, seen = b"0", {}
    for _ in range(10000):
        cursor, items = client.execute_command("HSCAN", key, cursor, *opts)  # redis-py: (int, dict)
        seen.update(items)
        if cursor == 0:
            return seen
    raise AssertionError("scan did not finish")


def test_hscan_big_hash_full_iteration(vermilion_server, redis_server):
    results = []
    for port in (vermilion_server.port, redis_server.port):
        r = redis.Redis(port=port)
        r.flushall()
        r.hset("h", mapping={f"field:{i}": f"v{i}" for i in range(1000)})
        results.append((_full_scan(r, "h"), _full_scan(r, "h", "COUNT", "7", "MATCH", "field:1*")))
        r.close()
    assert results[0] == results[1]
    assert len(results[0][0]) == 1000


def test_big_hash_contents(both2):
    both2.check("HSET", "h", *[x for i in range(300) for x in (f"k{i}", f"v{i}")])
    both2.check("HLEN", "h")
    both2.check("HGET", "h", "k299")
    v = both2.v.call("HGETALL", "h")
    r = both2.r.call("HGETALL", "h")
    assert sorted(v.split(b"\r\n")) == sorted(r.split(b"\r\n"))


def test_binary_fields(both):
    run(both, ("HSET", "h", "", "empty", "\x00\xff", "bin", "long", "x" * 1000), ("HGET", "h", ""),
        ("HGET", "h", "\x00\xff"), ("HSTRLEN", "h", "long"), ("HEXISTS", "h", ""))


def test_object_encoding_listpack_to_hashtable(both2):
    """Hash encodings are the same in 7.0 and 7.2: compared with the oracle."""
    if both2.v.call("OBJECT", "HELP").startswith(b"-ERR unknown"):
        pytest.skip("OBJECT not implemented yet")
    run(both2, ("HSET", "h", "a", "1"), ("OBJECT", "ENCODING", "h"), ("HSET", "h", "b", "x" * 64),
        ("OBJECT", "ENCODING", "h"), ("HSET", "h", "c", "x" * 65), ("OBJECT", "ENCODING", "h"),
        ("HDEL", "h", "c"), ("OBJECT", "ENCODING", "h"), ("HSET", "g", "f" * 65, "1"), ("OBJECT", "ENCODING", "g"),
        ("HSET", "many", *[x for i in range(512) for x in (f"k{i}", "v")]), ("OBJECT", "ENCODING", "many"),
        ("HSET", "many", "one-more", "v"), ("OBJECT", "ENCODING", "many"),
        ("HINCRBY", "i", "f", "1"), ("OBJECT", "ENCODING", "i"), ("HSETNX", "n", "x" * 100, "v"),
        ("OBJECT", "ENCODING", "n"), ("TYPE", "h"))


def test_hscan_guarantee_under_writes(vermilion_server, redis_server):
    """Every field present during the whole iteration is returned, whatever is added
    or deleted meanwhile (checked on both servers, so the expectation is Redis's)."""
    for port in (vermilion_server.port, redis_server.port):
        r = redis.Redis(port=port)
        r.flushall()
        r.hset("h", mapping={f"f{i}": "v" for i in range(1000)})
        stable = {f"f{i}".encode() for i in range(500, 1000)}
        cursor, seen, call = 0, set(), 0
        while True:
            cursor, items = r.hscan("h", cursor, count=20)
            seen.update(items)
            call += 1
            r.hdel("h", *[f"f{j}" for j in range(call * 10, call * 10 + 10)])
            r.hset("h", f"new{call}", "v")
            if cursor == 0:
                break
        assert stable <= seen, port
        r.close()
