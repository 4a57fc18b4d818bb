"""Replica settings and promotion between Vermilion servers (one primary, two replicas):

* ``replica-read-only no``: a replica takes local writes, which are not propagated;
* ``min-replicas-max-lag``: a replica that stops acknowledging (DEBUG SLEEP blocks its
  loop) stops counting as good, the primary answers -NOREPLICAS, then recovers;
* REPLICAOF NO ONE keeps the dataset and starts a new history: the old id becomes
  ``master_replid2`` with ``second_repl_offset`` = the old offset + 1, so the other
  replica, pointed at the promoted one, continues with a partial resync;
* a (real) replica that stops reading is dropped at its output buffer limit and
  resyncs.
"""

from __future__ import annotations

import threading

import pytest
import redis

from support.servers import ServerProcess, wait_for

from test_replication_interop import caught_up, info, snapshot


@pytest.fixture(scope="module")
def trio():
    """Shared by the tests below, in file order (the last one promotes a replica)."""
    with ServerProcess("vermilion", args=["--save", ""]) as p:
        pr = redis.Redis(port=p.port)
        for i in range(200):
            pr.set(f"k{i}", i)
        pr.rpush("list", *range(30))
        args = ["--save", "", "--replicaof", "127.0.0.1", str(p.port)]
        with ServerProcess("vermilion", args=args) as a, ServerProcess("vermilion", args=args) as b:
            wait_for(lambda: caught_up(p.port, a.port) and caught_up(p.port, b.port), 15, what="both synced")
            yield p, a, b


def test_writable_replica_keeps_local_writes_local(trio):
    p, a, _ = trio
    ra = redis.Redis(port=a.port)
    with pytest.raises(redis.ResponseError, match="read only replica"):
        ra.set("local", "1")
    ra.config_set("replica-read-only", "no")
    assert info(a.port)["slave_read_only"] == 0
    assert ra.set("local", "1")
    redis.Redis(port=p.port).set("after", "1")
    wait_for(lambda: caught_up(p.port, a.port), 10, what="stream")
    assert redis.Redis(port=p.port).get("local") is None
    assert ra.get("after") == b"1" and ra.get("local") == b"1"
    ra.delete("local")
    ra.config_set("replica-read-only", "yes")


def test_min_replicas_max_lag_counts_only_acknowledging_replicas(trio):
    p, _, b = trio
    pr = redis.Redis(port=p.port)
    pr.config_set("min-replicas-max-lag", 1)
    pr.config_set("min-replicas-to-write", 2)
    assert pr.set("ok", "1")
    # b's loop sleeps: no REPLCONF ACK for 3 s, its lag passes 1 s
    sleeper = threading.Thread(target=lambda: redis.Redis(port=b.port).execute_command("DEBUG", "SLEEP", 3))
    sleeper.start()

    def refused() -> bool:
        try:
            pr.set("nope", "1")
        except redis.ResponseError as e:
            assert str(e) == "NOREPLICAS Not enough good replicas to write."
            return True
        return False

    wait_for(refused, 5, what="NOREPLICAS")
    assert info(p.port)["min_slaves_good_slaves"] == 1
    sleeper.join(10)
    def accepted() -> bool:  # until b's next REPLCONF ACK (once a second) writes are refused
        try:
            return bool(pr.set("again", "1"))
        except redis.ResponseError as e:
            assert str(e) == "NOREPLICAS Not enough good replicas to write."
            return False

    wait_for(accepted, 5, interval=0.2, what="writes accepted again")
    pr.config_set("min-replicas-to-write", 0)


def test_promotion_keeps_the_data_and_lets_the_sibling_continue(trio):
    p, a, b = trio
    pr = redis.Redis(port=p.port)
    pr.hset("h", mapping={"f": "v"})
    wait_for(lambda: caught_up(p.port, a.port) and caught_up(p.port, b.port), 10, what="stream")
    old = info(p.port)
    before = snapshot(p.port)
    p.stop()  # the primary is gone
    ra = redis.Redis(port=a.port)
    assert ra.execute_command("REPLICAOF", "NO", "ONE") == b"OK"
    new = info(a.port)
    assert new["role"] == "master"
    assert new["master_replid2"] == old["master_replid"]
    assert new["second_repl_offset"] == old["master_repl_offset"] + 1
    assert new["master_replid"] not in (old["master_replid"], old["master_replid2"])
    assert snapshot(a.port) == before  # the dataset is kept
    ra.set("promoted", "1")
    # the sibling follows the promoted replica: PSYNC <old id> <offset+1> is accepted
    rb = redis.Redis(port=b.port)
    assert rb.execute_command("REPLICAOF", "127.0.0.1", a.port) == b"OK"
    wait_for(lambda: caught_up(a.port, b.port), 10, what="sibling caught up")
    stats = info(a.port, "stats")
    assert (stats["sync_partial_ok"], stats["sync_full"]) == (1, 0)
    assert rb.get("promoted") == b"1"
    assert snapshot(b.port) == snapshot(a.port)
    assert info(b.port)["master_replid"] == new["master_replid"]


def test_slow_replica_over_its_output_limit_is_dropped_then_resyncs():
    """A real replica that stops reading (DEBUG SLEEP) while the primary streams more
    than client-output-buffer-limit replica allows is disconnected, then resyncs."""
    with ServerProcess("vermilion", args=["--save", "", "--client-output-buffer-limit", "replica 256kb 0 0"]) as v:
        vr = redis.Redis(port=v.port)
        vr.set("before", "1")
        with ServerProcess("redis", args=["--replicaof", "127.0.0.1", str(v.port)]) as real:
            wait_for(lambda: caught_up(v.port, real.port), 10, what="synced")
            sleeper = threading.Thread(
                target=lambda: redis.Redis(port=real.port).execute_command("DEBUG", "SLEEP", 2))
            sleeper.start()
            for i in range(8):  # 16 MB: more than the socket buffers and the limit
                vr.set(f"big{i}", b"x" * (2 << 20))
            wait_for(lambda: "for overcoming of output buffer limits" in v.read_log(), 10, what="dropped")
            sleeper.join(10)
            wait_for(lambda: caught_up(v.port, real.port), 20, what="resynced")
            assert info(v.port, "stats")["sync_full"] == 2
            assert redis.Redis(port=real.port).strlen("big7") == 2 << 20
