"""Differential tests: SLOWLOG, LATENCY, MONITOR, MEMORY, DEBUG DIGEST, OOM, OBJECT FREQ.

Replies that carry times, durations, ids or ports are parsed and masked before they are
compared; everything else is compared byte for byte.  Tests that change the config
restore it (the servers are shared by the whole session).
"""

from __future__ import annotations

import re

import pytest

from support.raw import RawClient, encode_command


def parse(data: bytes) -> object:
    """A small RESP2/RESP3 parser for masking (returns python values)."""
    value, pos = _parse(data, 0)
    assert pos == len(data)
    return value


def _parse(data: bytes, pos: int) -> tuple[object, int]:
    end = data.index(b"\r\n", pos)
    kind, body = data[pos:pos + 1], data[pos + 1:end]
    pos = end + 2
    if kind in b"+-":
        return (kind + body).decode(), pos
    if kind == b":":
        return int(body), pos
    if kind == b",":
        return float(body), pos
    if kind == b"_":
        return None, pos
    if kind in b"$=":
        n = int(body)
        if n < 0:
            return None, pos
        return data[pos:pos + n], pos + n + 2
    if kind in b"*%~>":
        n = int(body)
        if n < 0:
            return None, pos
        count = n * 2 if kind == b"%" else n
        items = []
        for _ in range(count):
            item, pos = _parse(data, pos)
            items.append(item)
        return items, pos
    raise AssertionError(f"unknown reply type {kind!r}")


@pytest.fixture
def config_guard(both):
    """Restore the ops-related settings of both servers after the test."""
    yield both
    for name, value in (("slowlog-log-slower-than", "10000"), ("slowlog-max-len", "128"),
                        ("latency-monitor-threshold", "0"), ("maxmemory", "0"),
                        ("maxmemory-policy", "noeviction")):
        both.both("CONFIG", "SET", name, value, compare=False)
    both.both("SLOWLOG", "RESET", compare=False)
    both.both("LATENCY", "RESET", compare=False)


# ---- help texts and errors ----------------------------------------------------------------


@pytest.mark.parametrize("cmd", ["SLOWLOG", "MEMORY", "LATENCY"])
def test_help(both, cmd):
    both.check(cmd, "HELP")


@pytest.mark.parametrize("args", [
    ("SLOWLOG",), ("SLOWLOG", "FOO"), ("SLOWLOG", "GET", "x"), ("SLOWLOG", "GET", "-2"),
    ("SLOWLOG", "GET", "1", "2"), ("SLOWLOG", "LEN", "x"), ("SLOWLOG", "RESET", "x"),
    ("SLOWLOG", "HELP", "x"), ("MEMORY",), ("MEMORY", "FOO"), ("MEMORY", "USAGE"),
    ("MEMORY", "USAGE", "nokey"), ("MEMORY", "STATS", "x"), ("MEMORY", "DOCTOR", "x"),
    ("LATENCY",), ("LATENCY", "FOO"), ("LATENCY", "HISTORY"), ("LATENCY", "HISTORY", "nosuch"),
    ("LATENCY", "GRAPH", "nosuch"), ("LATENCY", "RESET", "nosuch"), ("LATENCY", "LATEST", "x"),
    ("LATENCY", "DOCTOR", "x"), ("LATENCY", "HISTOGRAM", "nosuchcommand"), ("MONITOR", "x"),
    ("DEBUG", "DIGEST", "x"), ("DEBUG", "DIGEST-VALUE"), ("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "5gb"),
    ("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "abc"), ("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "0"),
    ("DEBUG", "PAUSE-CRON", "0"), ("DEBUG", "CHANGE-REPL-ID"), ("DEBUG", "LISTPACK", "nokey"),
])
def test_errors_and_empty_replies(both, args):
    both.check(*args)


@pytest.mark.parametrize("opts", [("SAMPLES",), ("SAMPLES", "-1"), ("FOO", "1"), ("SAMPLES", "x"),
                                  ("SAMPLES", "1", "SAMPLES")])
def test_memory_usage_option_errors(both, opts):
    both.check("SET", "k", "v")
    both.check("MEMORY", "USAGE", "k", *opts)


# ---- SLOWLOG --------------------------------------------------------------------------------


def _mask_slowlog(reply: bytes) -> list:
    entries = parse(reply)
    out = []
    for e in entries:
        eid, ts, dur, args, peer, name = e
        assert isinstance(eid, int) and ts > 1_600_000_000 and dur >= 0
        assert re.fullmatch(rb"127\.0\.0\.1:\d+", peer)
        out.append((args, name, dur >= 200_000))
    return out


def test_slowlog_records_debug_sleep(config_guard):
    both = config_guard
    both.check("CONFIG", "SET", "slowlog-log-slower-than", "100000")
    both.check("SLOWLOG", "RESET")
    both.check("CLIENT", "SETNAME", "sleeper")
    both.check("DEBUG", "SLEEP", "0.2")
    both.check("SET", "fast", "1")
    a, b = both.both("SLOWLOG", "GET", compare=False)
    assert _mask_slowlog(a) == _mask_slowlog(b) == [([b"DEBUG", b"SLEEP", b"0.2"], b"sleeper", True)]
    both.check("SLOWLOG", "LEN")
    both.check("SLOWLOG", "RESET")
    both.check("SLOWLOG", "LEN")
    both.check("SLOWLOG", "GET")


def test_slowlog_argument_trimming_and_count(config_guard):
    both = config_guard
    both.check("CONFIG", "SET", "slowlog-log-slower-than", "0")
    both.check("SLOWLOG", "RESET")
    both.check("DEL", *[f"key{i}" for i in range(40)])
    both.check("SET", "k", "x" * 300)
    both.check("ECHO", "y" * 129)
    a, b = both.both("SLOWLOG", "GET", "3", compare=False)
    # the entry of SLOWLOG RESET itself is not logged (it cleared the log first)
    assert [e[3] for e in parse(a)] == [e[3] for e in parse(b)]
    args = [e[3] for e in parse(a)]
    assert args[2][-1] == b"... (10 more arguments)" and len(args[2]) == 32
    assert args[1][2] == b"x" * 128 + b"... (172 more bytes)"
    for count in ("0", "1", "-1"):
        a, b = both.both("SLOWLOG", "GET", count, compare=False)
        assert len(parse(a)) == len(parse(b))


def test_slowlog_max_len(config_guard):
    both = config_guard
    both.check("CONFIG", "SET", "slowlog-log-slower-than", "0")
    both.check("CONFIG", "SET", "slowlog-max-len", "3")
    for i in range(6):
        both.check("SET", f"k{i}", "v")
    both.check("SLOWLOG", "LEN")
    both.check("CONFIG", "SET", "slowlog-log-slower-than", "-1")
    both.check("SLOWLOG", "RESET")
    both.check("PING")
    both.check("SLOWLOG", "LEN")


def test_slowlog_redacts_auth(config_guard):
    both = config_guard
    both.check("CONFIG", "SET", "slowlog-log-slower-than", "0")
    both.check("SLOWLOG", "RESET")
    both.check("AUTH", "user", "secret")
    both.check("CONFIG", "SET", "masterauth", "pw")
    both.check("CONFIG", "SET", "masterauth", "")
    a, b = both.both("SLOWLOG", "GET", compare=False)
    assert [e[3] for e in parse(a)] == [e[3] for e in parse(b)]


# ---- LATENCY --------------------------------------------------------------------------------


def _mask_numbers(text: bytes) -> bytes:
    return re.sub(rb"\d+(\.\d+)?", b"N", text)


def test_latency_records_debug_sleep(config_guard):
    both = config_guard
    both.check("LATENCY", "RESET")
    a, b = both.both("LATENCY", "DOCTOR", compare=False)
    assert a == b  # monitoring disabled, nothing recorded: the "I'm sorry, Dave" text
    both.check("CONFIG", "SET", "latency-monitor-threshold", "100")
    both.check("LATENCY", "DOCTOR")  # enabled, no spike yet
    both.check("DEBUG", "SLEEP", "0.2")
    a, b = both.both("LATENCY", "LATEST", compare=False)
    (ea,), (eb,) = parse(a), parse(b)
    assert ea[0] == eb[0] == b"command"
    assert 200 <= ea[2] < 400 and ea[2] == ea[3]
    a, b = both.both("LATENCY", "HISTORY", "command", compare=False)
    assert len(parse(a)) == len(parse(b)) == 1
    a, b = both.both("LATENCY", "DOCTOR", compare=False)
    assert _mask_numbers(a) == _mask_numbers(b)
    a, b = both.both("LATENCY", "GRAPH", "command", compare=False)
    assert _mask_numbers(a) == _mask_numbers(b)  # header, sparkline, age labels
    both.check("LATENCY", "RESET", "command", "nosuch")
    both.check("LATENCY", "LATEST")


def test_latency_histogram_shape(both):
    both.check("CONFIG", "RESETSTAT")
    both.check("SET", "k", "v")
    both.check("GET", "k")
    a, b = both.both("LATENCY", "HISTOGRAM", "set", "GET", "nosuch", compare=False)
    pa, pb = parse(a), parse(b)
    # map of command -> map(calls, histogram_usec -> map(bucket -> cumulative count))
    assert [x for x in pa[0::2]] == [x for x in pb[0::2]] or sorted(pa[0::2]) == sorted(pb[0::2])
    for body in pa[1::2]:
        assert body[0] == b"calls" and body[1] == 1 and body[2] == b"histogram_usec"
        buckets = body[3]
        assert buckets[-1] == 1 and buckets[0] in (1, 2, 4, 8, 16, 33, 66, 132, 264, 528, 1056)
    both.check("CONFIG", "RESETSTAT")
    both.check("CLIENT", "GETNAME")
    a, b = both.both("LATENCY", "HISTOGRAM", "client", compare=False)
    assert parse(a)[0::2] == parse(b)[0::2] == [b"client|getname"]


# ---- MONITOR --------------------------------------------------------------------------------


def _monitor_lines(port: int, commands: list[tuple], db_select: bool = True) -> list[bytes]:
    mon = RawClient(port)
    assert mon.call("MONITOR") == b"+OK\r\n"
    cli = RawClient(port)
    for cmd in commands:
        cli.call(*cmd)
    cli.call("ECHO", "the-end")
    lines = []
    while True:
        line = mon.read_reply()
        lines.append(line)
        if b'"the-end"' in line:
            break
    mon.close()
    cli.close()
    return [re.sub(rb"^\+\d+\.\d{6} \[(\d+) 127\.0\.0\.1:\d+\]", rb"+T [\1 ADDR]", x) for x in lines]


def test_monitor_lines_match_redis(vermilion_server, redis_server):
    commands = [
        ("SET", "k", "v"),
        ("GET", 'a"b\\c\nd\x01\xff'),
        ("AUTH", "nobody", "secret"),
        ("HELLO", "2", "AUTH", "default", "x"),
        ("CONFIG", "SET", "maxmemory", "0"),  # admin: not shown
        ("NOSUCHCOMMAND",),  # refused before running: not shown
        ("GET",),  # arity: not shown
        ("INCR", "k"),  # fails in the command: shown
        ("SELECT", "2"),
        ("SET", "x", "1"),
        ("SELECT", "0"),
        ("SLOWLOG", "LEN"),  # admin
        ("DEL", "k", "x"),
    ]
    for port in (vermilion_server.port, redis_server.port):
        c = RawClient(port)
        c.call("FLUSHALL")
        c.close()
    a = _monitor_lines(vermilion_server.port, commands)
    b = _monitor_lines(redis_server.port, commands)
    assert a == b


def test_monitor_twice_and_reset(raw):
    assert raw.call("MONITOR") == b"+OK\r\n"
    raw.send(encode_command("MONITOR"))  # ignored, no reply
    assert raw.call("RESET") == b"+RESET\r\n"
    assert raw.call("PING") == b"+PONG\r\n"


# ---- MEMORY ---------------------------------------------------------------------------------


def test_memory_usage_and_stats_shape(both):
    both.check("SET", "k", "v")
    both.check("RPUSH", "l", *[str(i) for i in range(50)])
    both.check("HSET", "h", "f", "v")
    for key in ("k", "l", "h"):
        a, b = both.both("MEMORY", "USAGE", key, compare=False)
        assert a.startswith(b":") and b.startswith(b":") and int(a[1:]) > 0
        a, b = both.both("MEMORY", "USAGE", key, "SAMPLES", "0", compare=False)
        assert a.startswith(b":") and int(a[1:]) > 0
    both.check("MEMORY", "USAGE", "missing")
    a, b = both.both("MEMORY", "STATS", compare=False)
    assert parse(a)[0::2] == parse(b)[0::2]
    both.check("MEMORY", "PURGE")
    a, b = both.both("MEMORY", "MALLOC-STATS", compare=False)
    assert a[:1] == b[:1]


def test_memory_doctor_on_empty_instance(both):
    both.check("MEMORY", "DOCTOR")


def test_info_memory_and_latencystats_fields(r):
    info = r.info("memory")
    for field in ("used_memory", "used_memory_rss", "used_memory_peak", "used_memory_startup",
                  "used_memory_dataset", "maxmemory", "maxmemory_policy"):
        assert field in info
    assert info["used_memory"] >= info["used_memory_startup"]
    r.set("lat", "1")
    stats = r.info("latencystats")
    assert any(k.startswith("latency_percentiles_usec_set") for k in stats)


# ---- DEBUG DIGEST ---------------------------------------------------------------------------


def test_digest_of_empty_dataset(both):
    both.check("DEBUG", "DIGEST")


@pytest.mark.parametrize("setup", [
    [("SET", "s", "hello"), ("SET", "n", "12345")],
    [("RPUSH", "l", "a", "b", "123", "c")],
    [("SADD", "st", "x", "y", "1", "2")],
    [("SADD", "ints", "1", "2", "3")],
    [("HSET", "h", "f1", "v1", "f2", "22")],
    [("ZADD", "z", "1", "a", "2", "b", "-3", "c", "100", "d")],
    [("SET", "e", "v", "EX", "1000")],
    [("SET", "a", "1"), ("SELECT", "3"), ("SET", "b", "2"), ("SELECT", "0")],
    # streams: entries in ID order (ms.seq, fields, values); deleted entries and
    # consumer groups are not part of Redis's digest
    [("XADD", "x", "1-1", "f", "v", "n", "12"), ("XADD", "x", "5-0", "f", "w"), ("XADD", "x", "6-3", "g", "-7"),
     ("XDEL", "x", "5-0"), ("XGROUP", "CREATE", "x", "grp", "0")],
    [("XADD", "y", "1-1", "f", "v"), ("XDEL", "y", "1-1")],
])
def test_digest_matches_redis(both, setup):
    for cmd in setup:
        both.check(*cmd)
    both.check("DEBUG", "DIGEST")
    keys = [cmd[1] for cmd in setup if cmd[0] not in ("SELECT",)]
    both.check("DEBUG", "DIGEST-VALUE", *keys, "missing")


def test_digest_changes_with_data(both):
    a1 = both.check("DEBUG", "DIGEST")
    both.check("SET", "k", "v")
    a2 = both.check("DEBUG", "DIGEST")
    both.check("SET", "k", "w")
    a3 = both.check("DEBUG", "DIGEST")
    assert len({a1, a2, a3}) == 3


# ---- OOM and access metadata ----------------------------------------------------------------


def test_oom_under_noeviction(config_guard):
    both = config_guard
    both.check("SET", "before", "1")
    both.check("CONFIG", "SET", "maxmemory", "1")
    both.check("SET", "k", "v")
    both.check("GET", "before")
    both.check("DEL", "before")  # not deny-oom
    both.check("MULTI")
    both.check("GET", "k")  # queued in MULTI: refused under OOM too
    both.check("EXEC")
    both.check("CONFIG", "SET", "maxmemory", "0")
    both.check("SET", "k", "v")


def test_object_freq_and_idletime(config_guard):
    both = config_guard
    both.check("SET", "k", "v")
    both.check("OBJECT", "FREQ", "k")  # no LFU policy: error
    both.check("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu")
    both.check("SET", "k2", "v")
    both.check("OBJECT", "FREQ", "k2")
    both.check("GET", "k2")
    both.check("OBJECT", "FREQ", "k2")
    both.check("OBJECT", "IDLETIME", "k2")  # LFU: error
    both.check("CONFIG", "SET", "maxmemory-policy", "allkeys-lru")
    both.check("SET", "k3", "v")
    both.check("OBJECT", "IDLETIME", "k3")
    both.check("OBJECT", "FREQ", "k3")


def test_monitor_in_multi_refused_shape(both):
    both.check("MULTI")
    both.check("MONITOR")
    both.check("DISCARD")


def test_restore_sets_idletime_and_freq(config_guard):
    both = config_guard
    both.check("SET", "src", "value")
    payload = both.v.call("DUMP", "src")
    body = parse(payload)
    both.check("CONFIG", "SET", "maxmemory-policy", "allkeys-lru")
    both.check("RESTORE", "k1", "0", body, "IDLETIME", "1000")
    a, b = both.both("OBJECT", "IDLETIME", "k1", compare=False)
    assert int(a[1:]) >= 1000 and int(b[1:]) >= 1000
    both.check("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu")
    both.check("RESTORE", "k2", "0", body, "FREQ", "100")
    both.check("OBJECT", "FREQ", "k2")


def test_oom_inside_scripts(config_guard):
    both = config_guard
    both.check("CONFIG", "SET", "maxmemory", "1")
    both.check("EVAL", "return redis.call('get', 'nokey')", "0")
    both.check("EVAL", "return redis.call('set', 'k', 'v')", "0")
    both.check("EVAL", "return redis.pcall('set', 'k', 'v')", "0")
    both.check("EVAL", "#!lua flags=no-writes\nreturn 1", "0")
    both.check("CONFIG", "SET", "maxmemory", "0")
    both.check("EVAL", "return redis.call('set', 'k', 'v')", "0")
