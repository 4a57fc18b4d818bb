"""keyspace/expiry.py: the active cycle on an in-process server with a driven clock."""

from __future__ import annotations

import pytest

from vermilion.config.schema import Config
from vermilion.engine.server import Server
from vermilion.keyspace.expiry import ActiveExpire, sample_db
from vermilion.keyspace.propagation import install


@pytest.fixture
def server():
    s = Server(Config())
    s.cached_now_ms = 5_000_000
    return s


def fill(db, n, ttl_ms, prefix=b"k"):
    for i in range(n):
        db.set(b"%s%d" % (prefix, i), b"v", expire_at_ms=db.server.cached_now_ms + ttl_ms)


def run_cycle(server, deadline_ns=None):
    job = ActiveExpire()
    if deadline_ns is None:
        job(server)
    else:
        job.run(server, deadline_ns)
    return job


def test_cycle_removes_expired_keys_without_reads(server):
    db = server.dbs[0]
    fill(db, 5000, 100)
    fill(db, 100, 10_000_000, prefix=b"keep")
    server.cached_now_ms += 200
    for _ in range(50):
        run_cycle(server)
        if len(db.data) == 100:
            break
    assert len(db.data) == 100 and server.stats.expired_keys == 5000
    assert all(k.startswith(b"keep") for k in db.data)
    assert server.stats.expired_stale_perc > 0


def test_cycle_stops_when_few_keys_are_stale(server):
    db = server.dbs[0]
    fill(db, 1000, 10_000)
    fill(db, 5, -1, prefix=b"gone")
    run_cycle(server)
    # a sample of 20 with at most a few expired keys does not loop over the whole db
    assert len(db.data) >= 1000
    assert db.avg_ttl > 0


def test_time_cap_is_counted(server):
    db = server.dbs[0]
    fill(db, 20_000, 1)
    server.cached_now_ms += 10
    run_cycle(server, deadline_ns=0)  # budget already spent: stops after 16 samples
    assert server.stats.expired_time_cap_reached_count == 1
    assert 0 < server.stats.expired_keys < 20_000


def test_disabled_and_replica(server):
    db = server.dbs[0]
    fill(db, 10, 1)
    server.cached_now_ms += 10
    server.active_expire_enabled = False
    run_cycle(server)
    assert len(db.data) == 10
    server.active_expire_enabled = True
    server.role = "slave"
    run_cycle(server)
    assert len(db.data) == 10
    server.role = "master"
    run_cycle(server)
    assert len(db.data) == 0


def test_stale_entries_are_dropped_and_list_rebuilt(server):
    db = server.dbs[0]
    fill(db, 50, 1000)
    for i in range(50):
        db.persist(b"k%d" % i)
    db.set(b"x", b"v", expire_at_ms=server.cached_now_ms + 1000)
    sampled, expired, _, _ = sample_db(db, server.cached_now_ms, 1)
    assert sampled == 1 and expired == 0
    for _ in range(20):  # each call does bounded work: a few stale entries at a time
        sample_db(db, server.cached_now_ms, 1)
    assert db.ttl_keys == [b"x"]  # the 50 stale entries were dropped on the way
    # an expires dict written directly (bypassing set) is picked up by the rebuild
    db.data[b"direct"] = b"v"
    db.expires[b"direct"] = server.cached_now_ms - 1
    db.ttl_keys.clear()
    run_cycle(server)
    assert b"direct" not in db.data


def test_expired_keys_propagate_del_with_select(server):
    log = install(server)
    db3 = server.dbs[3]
    db3.set(b"a", b"v", expire_at_ms=server.cached_now_ms + 1)
    server.cached_now_ms += 2
    run_cycle(server)
    assert log.stream() == [[b"SELECT", b"3"], [b"DEL", b"a"]]


def test_cron_registration(server):
    assert any(isinstance(j, ActiveExpire) for j in server.cron_jobs)
    assert server.active_expire_enabled is True
