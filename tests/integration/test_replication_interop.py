"""Replication with the real redis-server on the other end of the link.

* A real replica of a Vermilion primary: full sync of every type, the stream of writes
  (every type, several dbs, MULTI, scripts, expiry), WAIT, partial resyncs after either
  side drops the link (+CONTINUE: sync_partial_ok), and a backlog too small for the
  gap (full sync again).
* A Vermilion replica of a real primary (diskless ``$EOF:`` transfer): full sync,
  stream, READONLY, ROLE, reconnection with +CONTINUE; then a real replica chained
  below it, and the promotion with REPLICAOF NO ONE.
"""

from __future__ import annotations

import time

import pytest
import redis

from support.servers import ServerProcess, wait_for

DBS = (0, 3)


def populate(port: int, tag: str) -> None:
    """Writes of every type, through commands a primary propagates."""
    for db in DBS:
        r = redis.Redis(port=port, db=db)
        p = r.pipeline(transaction=False)
        p.set(f"str{tag}", f"hello {db}")
        p.incrby(f"int{tag}", 42)
        p.append(f"str{tag}", "!")
        p.set(f"ttl{tag}", "v", ex=100_000)
        p.set(f"gone{tag}", "v")
        p.delete(f"gone{tag}")
        p.rpush(f"list{tag}", "a", "1", "-70000", "")
        p.rpush(f"biglist{tag}", *[f"element-{i}" * 3 for i in range(300)])
        p.lpop(f"biglist{tag}")
        p.sadd(f"set_int{tag}", 1, 2, -3, 2**40)
        p.sadd(f"set_ht{tag}", *[f"m{i}" for i in range(200)])
        p.srem(f"set_ht{tag}", "m7")
        p.hset(f"hash{tag}", mapping={"f": "v", "n": "12"})
        p.hincrby(f"hash{tag}", "n", 3)
        p.hset(f"hash_ht{tag}", mapping={f"f{i}": "v" * (i % 90) for i in range(200)})
        p.zadd(f"zset{tag}", {"a": 1, "b": -2.5, "c": 0})
        p.zincrby(f"zset{tag}", 2, "a")
        p.zadd(f"zset_sl{tag}", {f"m{i}": i / 4 - 7 for i in range(150)})
        p.pexpire(f"zset_sl{tag}", 50_000_000)
        p.pfadd(f"hll{tag}", "a", "b", "c")
        p.setbit(f"bits{tag}", 77, 1)
        p.execute()
        for i in range(20):
            r.xadd(f"stream{tag}", {"f": str(i)}, id=f"{1000 + i}-1")
        r.xgroup_create(f"stream{tag}", "g1", "0")
        r.xreadgroup("g1", "alice", {f"stream{tag}": ">"}, count=3)
        r.xack(f"stream{tag}", "g1", "1000-1")
        tx = r.pipeline(transaction=True)
        tx.set(f"tx{tag}", "1")
        tx.lpush(f"txl{tag}", "x")
        tx.execute()
        r.eval("redis.call('set', KEYS[1], 'lua'); redis.call('incr', KEYS[2])", 2, f"lua{tag}", f"luan{tag}")
        r.close()


def snapshot(port: int) -> dict:
    out = {}
    for db in range(16):
        r = redis.Redis(port=port, db=db)
        for key in r.keys():
            t = r.type(key).decode()
            if t == "string":
                v = r.get(key)
            elif t == "list":
                v = r.lrange(key, 0, -1)
            elif t == "set":
                v = sorted(r.smembers(key))
            elif t == "hash":
                v = sorted(r.hgetall(key).items())
            elif t == "zset":
                v = r.zrange(key, 0, -1, withscores=True)
            else:
                full = r.xinfo_stream(key, full=True)
                for g in full["groups"]:
                    # A replica of real Redis 7 also loses entries-read (XCLAIM ... LASTID
                    # does not carry it), and the lag derived from it.
                    g.pop("entries-read", None)
                    g.pop("lag", None)
                    for c in g["consumers"]:
                        c.pop("active-time", None)
                        c.pop("seen-time", None)
                        for pe in c["pending"]:
                            pe[1] = 0  # delivery time
                    for pe in g["pending"]:
                        pe[2] = 0
                v = (r.xrange(key), full)
            ttl = r.pttl(key)
            out[(db, key, t)] = (v, -1 if ttl < 0 else ttl // 600_000)
        r.close()
    return out


def info(port: int, section: str = "replication") -> dict:
    return redis.Redis(port=port).info(section)


def fields(port: int) -> list[str]:
    return list(info(port).keys())  # in the server's order


def _replica_fields(port: int) -> list[str]:
    return [f for f in fields(port) if f not in ("role", "master_host", "master_port") and not f.startswith("slave0")
            and f != "connected_slaves"]


def link_up(port: int) -> bool:
    return info(port).get("master_link_status") == "up"


def caught_up(primary: int, replica: int) -> bool:
    want = info(primary)["master_repl_offset"]
    got = info(replica)
    return got.get("master_link_status") == "up" and got["slave_repl_offset"] == want


def converge(primary: int, replica: int) -> None:
    wait_for(lambda: caught_up(primary, replica), 10, what="replica caught up")
    assert snapshot(replica) == snapshot(primary)


def test_real_replica_of_vermilion():
    with ServerProcess("vermilion", args=["--save", "", "--repl-backlog-size", "16384",
                                          "--repl-ping-replica-period", "1"]) as v:
        vr = redis.Redis(port=v.port)
        populate(v.port, "a")
        vr.function_load("#!lua name=liba\nredis.register_function('fa', function() return 1 end)")
        assert vr.role()[0] == b"master"
        with ServerProcess("redis", args=["--replicaof", "127.0.0.1", str(v.port)]) as real:
            wait_for(lambda: link_up(real.port), 10, what="link up")
            converge(v.port, real.port)
            stats = info(v.port, "stats")
            assert (stats["sync_full"], stats["sync_partial_ok"], stats["sync_partial_err"]) == (1, 0, 0)
            vi = info(v.port)
            assert vi["connected_slaves"] == 1 and vi["repl_backlog_active"] == 1
            assert vi["master_replid"] == info(real.port)["master_replid"]

            # the stream: every type, two dbs, MULTI, scripts, functions
            populate(v.port, "b")
            vr.function_load("#!lua name=libb\nredis.register_function('fb', function() return 2 end)")
            converge(v.port, real.port)
            libs = sorted(dict(zip(lib[::2], lib[1::2]))[b"library_name"] for lib in redis.Redis(port=real.port).function_list())
            assert libs == [b"liba", b"libb"]

            # WAIT counts the acknowledged offset of this connection's writes
            w = redis.Redis(port=v.port)
            w.set("waited", "1")
            assert w.execute_command("WAIT", 1, 2000) == 1
            t0 = time.monotonic()
            assert w.execute_command("WAIT", 2, 150) == 1  # times out with the count
            assert time.monotonic() - t0 >= 0.14
            role = vr.role()
            assert role[0] == b"master" and role[2][0][1] == str(real.port).encode()

            # the replica drops the link: +CONTINUE
            redis.Redis(port=real.port).client_kill_filter(_type="master")
            wait_for(lambda: info(v.port, "stats")["sync_partial_ok"] == 1, 10, what="partial resync")
            populate(v.port, "c")
            converge(v.port, real.port)

            # the primary drops the replica: +CONTINUE again
            vr.execute_command("CLIENT", "KILL", "TYPE", "replica")
            wait_for(lambda: info(v.port, "stats")["sync_partial_ok"] == 2, 10, what="second partial resync")
            vr.set("after-kill", "x")
            converge(v.port, real.port)

            # more than the 16 KiB backlog written while the link is down: full sync
            # (in one transaction, so the replica cannot reconnect in between)
            tx = vr.pipeline(transaction=True)
            tx.execute_command("CLIENT", "KILL", "TYPE", "replica")
            tx.set("big", "z" * 100_000)
            tx.execute()
            wait_for(lambda: info(v.port, "stats")["sync_full"] == 2, 10, what="full resync")
            assert info(v.port, "stats")["sync_partial_err"] == 1
            converge(v.port, real.port)

            # PINGs flow: the replica's offset follows with no writes
            before = info(v.port)["master_repl_offset"]
            wait_for(lambda: info(v.port)["master_repl_offset"] > before, 5, what="PING in the stream")
            wait_for(lambda: caught_up(v.port, real.port), 5, what="PING applied")
        # a replica killed and restarted converges
        vr.set("while-away", "1")
        with ServerProcess("redis", args=["--replicaof", "127.0.0.1", str(v.port)]) as real2:
            converge(v.port, real2.port)


def test_vermilion_replica_of_real_and_chained():
    with ServerProcess("redis", args=["--repl-diskless-sync-delay", "0"]) as real:
        rr = redis.Redis(port=real.port)
        populate(real.port, "a")
        with ServerProcess("vermilion", args=["--save", "", "--replicaof", "127.0.0.1", str(real.port)]) as v:
            vr = redis.Redis(port=v.port)
            wait_for(lambda: link_up(v.port), 10, what="link up")
            converge(real.port, v.port)
            populate(real.port, "b")
            converge(real.port, v.port)
            role = vr.role()
            assert role[:4] == [b"slave", b"127.0.0.1", real.port, b"connected"]
            assert role[4] == info(real.port)["master_repl_offset"]
            try:
                vr.set("x", "1")
                raise AssertionError("a replica accepted a write")
            except redis.ResponseError as e:
                assert str(e) == "You can't write against a read only replica."
            # the primary's WAIT sees our acknowledgements
            rw = redis.Redis(port=real.port)
            rw.set("w", "1")
            assert rw.execute_command("WAIT", 1, 2000) == 1

            # we drop the link: the real primary accepts a partial resync
            vr.client_kill_filter(_type="master")
            wait_for(lambda: info(real.port, "stats")["sync_partial_ok"] == 1, 10, what="partial resync")
            populate(real.port, "c")
            converge(real.port, v.port)

            # chained: real -> vermilion -> real
            with ServerProcess("redis", args=["--replicaof", "127.0.0.1", str(v.port)]) as sub:
                wait_for(lambda: link_up(sub.port), 10, what="sub-replica link up")
                rr.set("chained", "yes")
                rr.execute_command("SELECT", 3)
                converge(real.port, sub.port)
                assert info(sub.port)["master_replid"] == info(real.port)["master_replid"]
                # INFO replication has Redis's fields, in Redis's order (as a replica here)
                assert _replica_fields(v.port) == _replica_fields(sub.port)
                assert info(v.port, "stats")["total_net_repl_input_bytes"] > 0
                assert info(v.port, "stats")["total_net_repl_output_bytes"] > 0

                # promotion: the sub-replica continues from us with our old id as replid2
                assert vr.execute_command("REPLICAOF", "NO", "ONE") == b"OK"
                assert vr.role()[0] == b"master"
                assert info(v.port)["master_replid2"] == info(real.port)["master_replid"]
                # ... and as a primary
                assert [f for f in fields(v.port) if f != "slave0"] == [f for f in fields(real.port) if f != "slave0"]
                vr.set("promoted", "1")
                wait_for(lambda: redis.Redis(port=sub.port).get("promoted") == b"1", 10, what="promoted write")
                assert info(v.port, "stats")["sync_partial_ok"] >= 1
                converge(v.port, sub.port)


def test_restarted_vermilion_replica_continues_from_its_snapshot():
    """The replica's snapshot records repl-id, repl-offset and the stream's db: after a
    restart it asks PSYNC <id> <offset+1> and the real primary answers +CONTINUE."""
    with ServerProcess("redis", args=["--repl-diskless-sync-delay", "0"]) as real:
        rr = redis.Redis(port=real.port, db=3)
        rr.set("a", "1")
        with ServerProcess("vermilion", args=["--replicaof", "127.0.0.1", str(real.port)]) as v:
            converge(real.port, v.port)
            rr.set("b", "2")  # the stream has SELECT 3 selected
            converge(real.port, v.port)
            assert redis.Redis(port=v.port).save()
            folder, port = v.dir, v.port
        rr.set("c", "3")  # no SELECT: the restarted replica must apply it to db 3
        with ServerProcess("vermilion", port=port,
                           args=["--dir", folder, "--replicaof", "127.0.0.1", str(real.port)]) as v2:
            wait_for(lambda: link_up(v2.port), 10, what="link up after restart")
            stats = info(real.port, "stats")
            assert (stats["sync_full"], stats["sync_partial_ok"]) == (1, 1)
            converge(real.port, v2.port)
            assert redis.Redis(port=v2.port, db=3).get("c") == b"3"


def test_failover_from_vermilion_to_a_real_replica():
    """FAILOVER: writes pause, the real replica catches up, Vermilion sends PSYNC ...
    FAILOVER, the replica promotes itself and Vermilion follows it."""
    with ServerProcess("vermilion", args=["--save", ""]) as v:
        vr = redis.Redis(port=v.port)
        vr.set("before", "1")
        with ServerProcess("redis", args=["--replicaof", "127.0.0.1", str(v.port)]) as real:
            converge(v.port, real.port)
            with pytest.raises(redis.ResponseError, match="FAILOVER target HOST and PORT is not a replica."):
                vr.execute_command("FAILOVER", "TO", "127.0.0.1", 1)
            assert vr.execute_command("FAILOVER", "TO", "127.0.0.1", real.port, "TIMEOUT", 5000) == b"OK"
            wait_for(lambda: info(real.port)["role"] == "master", 10, what="the replica promoted")
            wait_for(lambda: info(v.port)["master_failover_state"] == "no-failover" and link_up(v.port), 10,
                     what="the old primary follows")
            assert vr.role()[:3] == [b"slave", b"127.0.0.1", real.port]
            redis.Redis(port=real.port).set("after", "2")
            converge(real.port, v.port)
            assert info(real.port, "stats")["sync_partial_ok"] == 1
            with pytest.raises(redis.ResponseError, match="FAILOVER is not valid when server is a replica."):
                vr.execute_command("FAILOVER")


def test_masterauth_and_masteruser():
    """The handshake authenticates: AUTH <password>, or AUTH <user> <password>."""
    with ServerProcess("redis", args=["--repl-diskless-sync-delay", "0", "--requirepass", "s3cret"]) as real:
        rr = redis.Redis(port=real.port, password="s3cret")
        rr.execute_command("ACL", "SETUSER", "repl", "on", ">userpw", "+psync", "+replconf", "+ping")
        rr.set("k", "v")
        with ServerProcess("vermilion", args=["--replicaof", "127.0.0.1", str(real.port),
                                              "--masterauth", "s3cret"]) as v:
            wait_for(lambda: link_up(v.port), 10, what="link up with masterauth")
            assert redis.Redis(port=v.port).get("k") == b"v"
        with ServerProcess("vermilion", args=["--replicaof", "127.0.0.1", str(real.port),
                                              "--masteruser", "repl", "--masterauth", "userpw"]) as v:
            wait_for(lambda: link_up(v.port), 10, what="link up with masteruser")
        with ServerProcess("vermilion", args=["--replicaof", "127.0.0.1", str(real.port),
                                              "--masterauth", "wrong"]) as v:
            wait_for(lambda: "Unable to AUTH to MASTER" in v.read_log(), 10, what="AUTH refused")
            assert not link_up(v.port)
    with ServerProcess("vermilion", args=["--requirepass", "pw"]) as v, \
            ServerProcess("redis", args=["--replicaof", "127.0.0.1", str(v.port), "--masterauth", "pw"]) as real:
        wait_for(lambda: link_up(real.port), 10, what="real replica authenticated to Vermilion")
