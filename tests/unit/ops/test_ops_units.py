"""Unit tests for the pure parts of vermilion.ops: slow log trimming, MONITOR quoting,
the LFU counter, histogram buckets, digest primitives, the key sampler, size estimates."""

from __future__ import annotations

from hashlib import sha1
from types import SimpleNamespace

from vermilion.ops import digest, evict, latency, memory, monitor, slowlog


def test_trimmed_args_limits():
    argv = [b"DEL"] + [b"k%d" % i for i in range(40)]
    out = slowlog.trimmed_args(argv)
    assert len(out) == 32 and out[-1] == b"... (10 more arguments)" and out[:31] == argv[:31]
    assert slowlog.trimmed_args([b"SET", b"x" * 130]) == [b"SET", b"x" * 128 + b"... (2 more bytes)"]
    exactly = [b"a"] * 32
    assert slowlog.trimmed_args(exactly) == exactly


def test_slowlog_ring():
    log = slowlog.SlowLog(2)
    for i in range(4):
        log.push([b"cmd%d" % i], i, b"addr", b"")
    assert [e[0] for e in log.entries] == [3, 2]
    log.max_len = 1
    log.trim()
    assert len(log.entries) == 1


def test_repr_arg_escapes_like_sdscatrepr():
    assert monitor.repr_arg(b"plain text") == b'"plain text"'
    assert monitor.repr_arg(b'a"b\\c\n\r\t\x07\x08\x00\xff') == b'"a\\"b\\\\c\\n\\r\\t\\a\\b\\x00\\xff"'


def test_redaction():
    spec = SimpleNamespace(fullname=b"auth")
    assert monitor.redacted_argv(None, spec, [b"AUTH", b"u", b"p"]) == [b"AUTH", b"(redacted)", b"(redacted)"]
    spec = SimpleNamespace(fullname=b"hello")
    assert monitor.redacted_argv(None, spec, [b"HELLO", b"3", b"AUTH", b"u", b"p", b"SETNAME", b"n"]) == \
        [b"HELLO", b"3", b"AUTH", b"(redacted)", b"(redacted)", b"SETNAME", b"n"]
    spec = SimpleNamespace(fullname=b"get")
    argv = [b"GET", b"k"]
    assert monitor.redacted_argv(None, spec, argv) is argv


def test_lfu_counter():
    assert evict.log_incr(255, 10) == 255
    assert evict.log_incr(3, 10) == 4  # below LFU_INIT_VAL the increment is certain
    n = 5
    for _ in range(1000):
        n = evict.log_incr(n, 10)
    assert 10 < n < 40  # logarithmic: 1000 hits do not reach 255
    server = SimpleNamespace(config={"lfu-decay-time": 1}, cached_now_ms=10 * 60_000)
    val = (evict._minutes(7 * 60_000) << 8) | 20
    assert evict.decayed(server, val) == 17
    server.config["lfu-decay-time"] = 0
    assert evict.decayed(server, val) == 20


def test_histogram_buckets_and_percentiles():
    assert [latency.bucket_bound_us(i) for i in range(7)] == [1, 2, 4, 8, 16, 33, 66]
    hist = [0] * 64
    hist[0] = 2  # 0 us
    hist[1] = 1  # 1 us
    hist[4] = 3  # 8-15 us
    assert latency.cumulative(hist) == [(1, 3), (8, 6)]
    assert latency.percentile_us(hist, 50) == 1.003  # as Redis prints a 1 us call
    assert latency.percentile_us(hist, 99) >= 15


def test_latency_events_same_second_keep_max():
    server = SimpleNamespace(latency_events={}, config={"latency-monitor-threshold": 10, "hz": 10,
                                                        "slowlog-log-slower-than": 10000})
    latency.add_sample(server, "command", 50)
    latency.add_sample(server, "command", 30)
    ts = server.latency_events["command"]
    assert len(ts.samples) == 1 and ts.samples[0][1] == 50 and ts.max == 50
    latency.add_sample_if_needed(server, "fork", 5)  # under the threshold
    assert "fork" not in server.latency_events
    assert "1. command: 1 latency spikes" in latency.doctor(server)
    assert latency.reset(server, [b"COMMAND"]) == 1 and not server.latency_events


def test_digest_primitives():
    h = sha1(b"x").digest()
    assert digest._xor(digest.ZERO, b"x") == h
    assert digest._mix(digest.ZERO, b"x") == sha1(h).digest()
    assert digest._score(1.0) == b"1" and digest._score(0.5) == b"0.5"
    assert digest._score(float("inf")) == b"inf"


def test_sampler_draws_live_keys():
    server = SimpleNamespace(dirty=0)
    d = {b"k%d" % i: 1 for i in range(100)}
    s = evict.Sampler()
    keys = s.draw(server, d, 5)
    assert len(keys) == 5 and all(k in d for k in keys)
    for k in list(d)[:99]:
        del d[k]
    server.dirty = 1  # few writes counted: the snapshot is stale but still used
    keys = s.draw(server, d, 5)
    assert all(k in d for k in keys)
    assert s.draw(server, {}, 5) == []


def test_value_size_grows_with_content():
    small = memory.value_size(b"x")
    assert memory.value_size(b"x" * 1000) > small + 900
    big = {b"f%d" % i: b"v" * 100 for i in range(100)}
    assert memory.value_size(big, 5) > 100 * 100
    assert memory.value_size(big, 0) > 100 * 100
    assert memory.value_size([b"a" * 50] * 10) > 500
