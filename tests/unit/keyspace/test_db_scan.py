"""keyspace/db.py, indexed.py and scan.py driven in-process with an injected clock."""

from __future__ import annotations

import random

import pytest

from vermilion.config.schema import Config
from vermilion.engine.server import Server
from vermilion.keyspace.db import Db
from vermilion.keyspace.indexed import ClusterDb, ScanDb
from vermilion.keyspace.scan import keys_matching, next_cursor, parse_cursor, scan, scan_index_cron
from vermilion.keyspace.slots import key_hash_slot


@pytest.fixture
def server():
    s = Server(Config())
    s.cached_now_ms = 1_000_000
    return s


def full_scan(db, count=10, mutate=None):
    seen: list[bytes] = []
    cursor = 0
    calls = 0
    while True:
        cursor, keys = scan(db, cursor, count, None, None, db.server.cached_now_ms)
        seen.extend(keys)
        calls += 1
        if mutate:
            mutate(calls)
        if cursor == 0:
            return seen, calls


def test_next_cursor_visits_every_bucket_once():
    for mask in (0, 1, 15, 255):
        seen, v = [], 0
        while True:
            seen.append(v & mask)
            v = next_cursor(v, mask)
            if v == 0:
                break
        assert sorted(seen) == list(range(mask + 1))


@pytest.mark.parametrize("raw,expected", [(b"0", 0), (b"17", 17), (b"", 0), (b"+5", 5), (b"-1", 2**64 - 1),
                                          (b"18446744073709551615", 2**64 - 1), (b"18446744073709551616", None),
                                          (b" 1", None), (b"1 ", None), (b"abc", None), (b"+", None), (b"1.0", None)])
def test_parse_cursor(raw, expected):
    assert parse_cursor(raw) == expected


def test_plain_db_becomes_scandb_and_back(server):
    db = server.dbs[0]
    for i in range(100):
        db.set(b"k%d" % i, b"v")
    assert type(db) is Db
    keys, _ = full_scan(db)
    assert type(db) is ScanDb and set(keys) == set(db.data)
    server.cached_now_ms += 301_000
    scan_index_cron(server)
    assert type(db) is Db and db.scan_buckets is None


def test_scan_guarantee_under_growth_and_deletes(server):
    db = server.dbs[0]
    stable = {b"s%d" % i for i in range(1000)}
    for k in stable:
        db.set(k, b"1")
    rnd = random.Random(7)
    transient: list[bytes] = []

    def mutate(call):
        for j in range(60):  # grows the table several times during the iteration
            k = b"t%d:%d" % (call, j)
            db.set(k, b"1")
            transient.append(k)
        for _ in range(30):
            if transient:
                db.delete(transient.pop(rnd.randrange(len(transient))))

    seen, calls = full_scan(db, count=10, mutate=mutate)
    assert stable <= set(seen)
    assert db.scan_mask + 1 > 128  # it did grow


def test_scan_work_is_bounded(server):
    db = server.dbs[0]
    for i in range(50_000):
        db.set(b"k%d" % i, b"v")
    cursor, keys = scan(db, 0, 10, None, None, server.cached_now_ms)
    assert cursor and len(keys) < 60
    cursor, keys = scan(db, cursor, 10, b"nomatch*", None, server.cached_now_ms)
    assert keys == []


def test_scan_skips_and_expires_expired_keys(server):
    db = server.dbs[0]
    db.set(b"live", b"1")
    db.set(b"dead", b"1", expire_at_ms=server.cached_now_ms - 1)
    keys, _ = full_scan(db)
    assert keys == [b"live"] and b"dead" not in db.data
    assert server.stats.expired_keys == 1


def test_keys_matching_filters_expired_without_deleting(server):
    db = server.dbs[0]
    db.set(b"a1", b"1")
    db.set(b"a2", b"1", expire_at_ms=server.cached_now_ms)
    db.set(b"", b"1")
    assert sorted(keys_matching(db, b"*", server.cached_now_ms)) == [b"", b"a1"]
    assert keys_matching(db, b"a*", server.cached_now_ms) == [b"a1"]
    assert keys_matching(db, b"**", server.cached_now_ms) == [b"a1"]
    assert b"a2" in db.data


def test_flush_resets_indexes(server):
    db = server.dbs[0]
    db.set(b"a", b"1", expire_at_ms=server.cached_now_ms + 10)
    full_scan(db)
    db.flush()
    assert db.ttl_keys == [] and all(not b for b in db.scan_buckets)
    keys, _ = full_scan(db)
    assert keys == []


def test_swapdb_hook_swaps_indexes(server):
    a, b = server.dbs[0], server.dbs[1]
    a.set(b"x", b"1", expire_at_ms=server.cached_now_ms + 100)
    full_scan(a)
    a.data, b.data = b.data, a.data
    a.expires, b.expires = b.expires, a.expires
    for hook in server.extensions["swapdb"]:
        hook(server, a, b)
    assert type(b) is ScanDb and type(a) is Db and b.ttl_keys == [b"x"]
    keys, _ = full_scan(b)
    assert keys == [b"x"]


def test_random_key_expires_what_it_draws(server):
    db = server.dbs[0]
    assert db.random_key() is None
    db.set(b"dead", b"1", expire_at_ms=server.cached_now_ms - 5)
    db.set(b"live", b"1")
    assert {db.random_key() for _ in range(20)} == {b"live"}
    assert b"dead" not in db.data


def test_cluster_db_maintains_slot_index():
    config = Config()
    config.values["cluster-enabled"] = True
    s = Server(config)
    db = s.dbs[0]
    assert type(db) is ClusterDb
    db.set(b"{user1}.a", b"1")
    db.set(b"{user1}.b", b"1", expire_at_ms=s.cached_now_ms + 10_000)
    db.set(b"foo", b"1")
    slot = key_hash_slot(b"user1")
    assert db.count_keys_in_slot(slot) == 2 and db.count_keys_in_slot(12182) == 1
    assert sorted(db.keys_in_slot(slot, 10)) == [b"{user1}.a", b"{user1}.b"]
    db.delete(b"{user1}.a")
    assert db.count_keys_in_slot(slot) == 1
    s.cached_now_ms += 20_000
    assert db.lookup(b"{user1}.b") is None
    assert db.count_keys_in_slot(slot) == 0
    keys, _ = full_scan(db)
    assert keys == [b"foo"]
    db.flush()
    assert db.count_keys_in_slot(12182) == 0
