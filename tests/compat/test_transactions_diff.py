"""MULTI/EXEC/DISCARD/WATCH/UNWATCH against real Redis: queueing, EXECABORT, runtime
errors inside EXEC, WATCH invalidation by other clients, expiry, FLUSHDB/FLUSHALL/SWAPDB,
blocking commands inside EXEC, and disconnects inside MULTI."""

from __future__ import annotations

import pytest
from conftest import Differential
from support.raw import RawClient, encode_command
from support.servers import wait_for


@pytest.fixture
def other(vermilion_server, redis_server):
    d = Differential(vermilion_server.port, redis_server.port, 2)
    yield d
    d.close()


def test_basic_transaction(both):
    both.check("MULTI")
    both.check("SET", "a", "1")
    both.check("INCR", "a")
    both.check("GET", "a")
    both.check("LPUSH", "l", "x", "y")
    both.check("HSET", "h", "f", "v")
    both.check("HGETALL", "h")
    both.check("EXEC")
    both.check("GET", "a")


def test_empty_transaction_and_discard(both):
    both.check("MULTI")
    both.check("EXEC")
    both.check("MULTI")
    both.check("SET", "a", "1")
    both.check("DISCARD")
    both.check("GET", "a")


def test_errors_outside_and_nested(both):
    both.check("EXEC")
    both.check("DISCARD")
    both.check("MULTI")
    both.check("MULTI")
    both.check("WATCH", "x")
    both.check("SET", "a", "1")
    both.check("EXEC")  # MULTI/WATCH errors do not abort the transaction
    both.check("GET", "a")
    both.check("MULTI", "extra")
    both.check("EXEC", "extra")
    both.check("DISCARD", "x")
    both.check("WATCH")
    both.check("UNWATCH", "x")


@pytest.mark.parametrize("bad", [("NOSUCH", "x"), ("GET",), ("SET", "a"), ("PUBSUB", "NOSUB"),
                                 ("CLIENT", "NOSUCH")])
def test_queue_time_error_aborts(both, bad):
    both.check("MULTI")
    both.check("SET", "a", "1")
    both.check(*bad)
    both.check("SET", "b", "2")
    both.check("EXEC")
    both.check("EXISTS", "a", "b")
    both.check("EXEC")


def test_runtime_errors_do_not_stop_exec(both):
    both.check("SET", "s", "str")
    both.check("MULTI")
    both.check("LPUSH", "s", "x")
    both.check("INCR", "s")
    both.check("SET", "t", "1")
    both.check("INCRBY", "t", "notanumber")
    both.check("INCR", "t")
    both.check("EXEC")


def test_watch_untouched_executes(both):
    both.check("SET", "w", "1")
    both.check("WATCH", "w", "w", "other")
    both.check("GET", "w")
    both.check("MULTI")
    both.check("INCR", "w")
    both.check("EXEC")


def test_watch_touched_by_other_client(both, other):
    both.check("SET", "w", "1")
    both.check("WATCH", "w")
    other.check("SET", "w", "2")
    both.check("MULTI")
    both.check("INCR", "w")
    both.check("EXEC")
    both.check("GET", "w")
    # The EXEC unwatched: the next transaction runs.
    both.check("MULTI")
    both.check("INCR", "w")
    both.check("EXEC")


@pytest.mark.parametrize("touch", [
    ("DEL", "w"), ("EXPIRE", "w", "100"), ("APPEND", "w", "x"), ("RENAME", "w", "w2"),
    ("LPUSH", "w", "x"), ("SET", "w", "1"), ("INCR", "w"), ("PERSIST", "w"),
    ("MOVE", "w", "3"), ("SETRANGE", "w", "0", "9"), ("UNLINK", "w"), ("GETDEL", "w"),
])
def test_watch_touch_table(both, other, touch):
    both.check("SET", "w", "1")
    both.check("WATCH", "w")
    other.check(*touch)
    both.check("MULTI")
    both.check("PING")
    both.check("EXEC")
    other.check("SELECT", "3")
    other.check("DEL", "w")
    other.check("SELECT", "0")


def test_watch_no_change_is_not_a_touch(both, other):
    both.check("SET", "w", "1")
    both.check("WATCH", "w")
    other.check("GET", "w")
    other.check("PERSIST", "w")  # no TTL: no change
    other.check("DEL", "nokey")
    other.check("SETNX", "w", "2")  # exists: no change
    both.check("MULTI")
    both.check("PING")
    both.check("EXEC")


def test_del_touches_only_deleted_keys(both, other):
    both.check("WATCH", "wb")
    other.check("SET", "wa", "1")
    other.check("DEL", "wa", "wb")
    other.check("UNLINK", "wa", "wb")
    both.check("MULTI")
    both.check("PING")
    both.check("EXEC")
    both.check("SET", "wb", "1")
    both.check("WATCH", "wb")
    other.check("DEL", "nokey", "wb")
    both.check("MULTI")
    both.check("PING")
    both.check("EXEC")


def test_watch_touched_by_script(both, other):
    both.check("WATCH", "sw")
    other.check("EVAL", "return redis.call('SET', KEYS[1], 'v')", "1", "sw")
    both.check("MULTI")
    both.check("PING")
    both.check("EXEC")


def test_watch_nonexistent_key_then_created(both, other):
    both.check("WATCH", "nk")
    other.check("SET", "nk", "v")
    both.check("MULTI")
    both.check("PING")
    both.check("EXEC")


def test_unwatch_and_discard_forget(both, other):
    both.check("SET", "w", "1")
    both.check("WATCH", "w")
    both.check("UNWATCH")
    other.check("SET", "w", "2")
    both.check("MULTI")
    both.check("PING")
    both.check("EXEC")
    both.check("WATCH", "w")
    both.check("MULTI")
    both.check("DISCARD")
    other.check("SET", "w", "3")
    both.check("MULTI")
    both.check("PING")
    both.check("EXEC")


def test_own_write_inside_watch_aborts(both):
    both.check("SET", "w", "1")
    both.check("WATCH", "w")
    both.check("SET", "w", "2")
    both.check("MULTI")
    both.check("PING")
    both.check("EXEC")


@pytest.mark.parametrize("flush", [("FLUSHDB",), ("FLUSHALL",), ("FLUSHDB", "ASYNC")])
def test_flush_touches_existing_watched_keys(both, other, flush):
    both.check("SET", "w", "1")
    both.check("WATCH", "w")
    other.check(*flush)
    both.check("MULTI")
    both.check("PING")
    both.check("EXEC")
    # A watched key that does not exist is not touched by a flush.
    both.check("WATCH", "missing")
    other.check(*flush)
    both.check("MULTI")
    both.check("PING")
    both.check("EXEC")


def test_swapdb_touches(both, other):
    other.check("SELECT", "1")
    other.check("SET", "w", "in1")
    other.check("SELECT", "0")
    both.check("WATCH", "w")  # absent in db 0, present in db 1
    other.check("SWAPDB", "0", "1")
    both.check("MULTI")
    both.check("GET", "w")
    both.check("EXEC")
    both.check("WATCH", "zz")  # absent in both: not touched
    other.check("SWAPDB", "0", "1")
    both.check("MULTI")
    both.check("PING")
    both.check("EXEC")
    other.check("FLUSHALL")


def _expire_both(d, key):
    for c in (d.v, d.r):
        wait_for(lambda c=c: c.call("PTTL", key) == b":-2\r\n", timeout=5, what="expiry")


def test_watch_then_expiry_aborts(both, other):
    both.check("SET", "w", "1", "PX", "30")
    both.check("WATCH", "w")
    _expire_both(other, "w")
    both.check("MULTI")
    both.check("PING")
    both.check("EXEC")


def test_watch_expiring_key_exec_without_access(both):
    both.check("SET", "w", "1", "PX", "30")
    both.check("WATCH", "w")
    both.check("MULTI")
    both.check("PING")
    import time

    time.sleep(0.06)  # let the TTL pass without touching the key: the TTL is under test
    both.check("EXEC")


def test_watch_already_expired_key(both, vermilion_server, redis_server, other):
    for port in (vermilion_server.port, redis_server.port):
        c = RawClient(port)
        c.call("DEBUG", "SET-ACTIVE-EXPIRE", "0")
        c.close()
    try:
        both.check("SET", "w", "1", "PX", "1")
        import time

        time.sleep(0.01)  # let it expire logically (active expiry is off)
        both.check("WATCH", "w")
        other.check("GET", "w")  # deletes the already expired key: no logical change
        both.check("MULTI")
        both.check("PING")
        both.check("EXEC")
    finally:
        for port in (vermilion_server.port, redis_server.port):
            c = RawClient(port)
            c.call("DEBUG", "SET-ACTIVE-EXPIRE", "1")
            c.close()


def test_blocking_commands_inside_exec_do_not_block(both):
    both.check("MULTI")
    both.check("BLPOP", "nolist", "0")
    both.check("BRPOPLPUSH", "nolist", "dst", "0")
    both.check("BZPOPMIN", "nozset", "0")
    both.check("LPUSH", "l", "a")
    both.check("BLPOP", "l", "0")
    both.check("EXEC")


def test_select_inside_transaction(both):
    both.check("MULTI")
    both.check("SELECT", "2")
    both.check("SET", "k", "v")
    both.check("EXEC")
    both.check("GET", "k")
    both.check("SELECT", "0")
    both.check("GET", "k")
    both.check("SELECT", "2")
    both.check("FLUSHDB")


def test_pipeline_of_transaction(both):
    payload = b"".join(encode_command(*c) for c in (
        ("MULTI",), ("SET", "p", "1"), ("INCR", "p"), ("NOSUCH",), ("EXEC",), ("GET", "p"),
        ("MULTI",), ("INCR", "p"), ("EXEC",)))
    both.check_raw(payload, replies=9)


def test_disconnect_inside_multi_leaves_no_trace(both, vermilion_server, redis_server):
    both.check("SET", "w", "1")
    for port in (vermilion_server.port, redis_server.port):
        c = RawClient(port)
        c.call("WATCH", "w")
        c.call("MULTI")
        c.call("SET", "w", "changed")
        c.close()
    both.check("SET", "w", "2")
    both.check("GET", "w")
    both.check("INFO", "nosuchsection")


def test_reset_inside_multi(both):
    both.check("WATCH", "w")
    both.check("MULTI")
    both.check("SET", "w", "1")
    both.check("RESET")
    both.check("EXEC")
    both.check("GET", "w")


def _stats(raw: bytes) -> dict:
    out = {}
    for line in raw.decode().split("\r\n"):
        if line.startswith(("cmdstat_", "errorstat_")):
            name, _, fields = line.partition(":")
            out[name] = {k: v for k, v in (f.split("=") for f in fields.split(",")) if "usec" not in k}
    return out


def test_commandstats_and_errorstats_of_transactions(both):
    both.check("CONFIG", "RESETSTAT")
    both.check("SET", "s", "x")
    both.check("MULTI")
    both.check("SET", "a", "1")
    both.check("INCR", "s")
    both.check("EXEC")
    both.check("MULTI")
    both.check("GET")
    both.check("EXEC")
    both.check("EXEC")
    both.check("DISCARD")
    both.check("MULTI")
    both.check("MULTI")
    both.check("DISCARD")
    a, b = both.both("INFO", "commandstats", compare=False)
    assert _stats(a) == _stats(b)
    a, b = both.both("INFO", "errorstats", compare=False)
    assert _stats(a) == _stats(b)


def test_watch_in_other_db_not_touched(both, other):
    both.check("SELECT", "1")
    both.check("WATCH", "k")
    other.check("SET", "k", "v")  # db 0
    both.check("MULTI")
    both.check("GET", "k")
    both.check("EXEC")
    other.check("SELECT", "1")
    other.check("SET", "k", "v")
    other.check("SELECT", "0")
    both.check("WATCH", "k")
    other.check("MOVE", "k", "1")  # db 0 -> db 1: touches k in db 1
    both.check("MULTI")
    both.check("GET", "k")
    both.check("EXEC")
    both.check("FLUSHDB")
    both.check("SELECT", "0")
