"""Replication between Vermilion servers, and the replication commands' replies and
errors compared with the real server.

Differential (session servers, never made replicas): REPLCONF, PSYNC, WAIT, REPLICAOF
and ROLE error paths and simple replies, COMMAND INFO of every replication command.

Vermilion -> Vermilion: full sync, the stream, WAIT (blocking, timeout, CLIENT
UNBLOCK, inside MULTI), READONLY, the replica killed and restarted, the link to a
dead primary (replica-serve-stale-data no: MASTERDOWN), min-replicas-to-write,
REPLICAOF NO ONE then back.
"""

from __future__ import annotations

import threading
import time

import pytest
import redis

from support.raw import RawClient
from support.servers import ServerProcess, free_port, wait_for

# ---- differential ---------------------------------------------------------------------


@pytest.mark.parametrize("cmd", [
    ("REPLCONF", "a"),
    ("REPLCONF", "foo", "bar"),
    ("REPLCONF", "listening-port", "abc"),
    ("REPLCONF", "listening-port", "6380"),
    ("REPLCONF", "listening-port", "6380", "capa", "eof", "capa", "psync2", "capa", "other"),
    ("REPLCONF", "ip-address", "x" * 255),
    ("REPLCONF", "ip-address", "x" * 256),
    ("REPLCONF", "ip-address", "10.1.2.3"),
    ("REPLCONF", "listening-port", "1", "bogus"),
    ("REPLCONF",),
    ("PSYNC", "?", "abc"),
    ("PSYNC", "?"),
    ("SYNC", "extra"),
    ("WAIT", "a", "0"),
    ("WAIT", "0", "a"),
    ("WAIT", "0", "-1"),
    ("WAIT", "0", "0"),
    ("WAIT", "1", "20"),
    ("WAIT", "1"),
    ("REPLICAOF", "localhost", "notaport"),
    ("REPLICAOF", "localhost", "70000"),
    ("REPLICAOF", "localhost", "-1"),
    ("REPLICAOF", "NO", "ONE"),
    ("SLAVEOF", "no", "one"),
    ("SLAVEOF", "localhost", "x"),
    ("REPLICAOF", "a"),
    ("ROLE",),
    ("ROLE", "x"),
    ("FAILOVER",),
    ("FAILOVER", "ABORT"),
    ("FAILOVER", "abort", "x"),
    ("FAILOVER", "TIMEOUT", "0"),
    ("FAILOVER", "TIMEOUT", "-5"),
    ("FAILOVER", "TIMEOUT", "x"),
    ("FAILOVER", "TIMEOUT", "10", "TIMEOUT", "20"),
    ("FAILOVER", "TO", "host", "x"),
    ("FAILOVER", "TO", "host"),
    ("FAILOVER", "TO", "host", "1", "FORCE"),
    ("FAILOVER", "FORCE", "FORCE"),
    ("FAILOVER", "bogus"),
    ("PSYNC", "abc", "1", "FAILOVER"),
])
def test_replication_commands_like_redis(both, cmd):
    both.check(*cmd)


def test_replconf_ack_and_getack_have_no_reply(both):
    both.check_raw(b"REPLCONF ACK 10\r\nREPLCONF GETACK *\r\nPING\r\n")


def test_psync_and_sync_refused_in_multi(both):
    both.check("MULTI")
    both.check("PSYNC", "?", "-1")
    both.check("SYNC")
    both.check("EXEC")


def test_wait_in_multi_answers_at_once(both):
    both.check("MULTI")
    both.check("SET", "k", "v")
    both.check("WAIT", "1", "0")
    both.check("EXEC")


@pytest.mark.parametrize("name", ["replicaof", "slaveof", "replconf", "psync", "sync", "wait", "role", "failover"])
def test_command_info_like_redis(both2, name):
    both2.check("COMMAND", "INFO", name)


# ---- Vermilion -> Vermilion ------------------------------------------------------------

def info(port: int, section: str = "replication") -> dict:
    return redis.Redis(port=port).info(section)


def caught_up(primary: int, replica: int) -> bool:
    got = info(replica)
    return got.get("master_link_status") == "up" and got["slave_repl_offset"] == info(primary)["master_repl_offset"]


def dump_all(port: int) -> dict:
    out = {}
    for db in (0, 1):
        r = redis.Redis(port=port, db=db)
        for k in r.keys():
            out[(db, k)] = (r.dump(k), r.pttl(k) > 0)
    return out


def test_vermilion_to_vermilion():
    with ServerProcess("vermilion", args=["--save", ""]) as p:
        pr = redis.Redis(port=p.port)
        pr.set("s", "v")
        pr.rpush("l", *range(50))
        pr.execute_command("SELECT", 1)
        with ServerProcess("vermilion", args=["--save", "", "--replicaof", "127.0.0.1", str(p.port)]) as rep:
            rr = redis.Redis(port=rep.port)
            wait_for(lambda: caught_up(p.port, rep.port), 10, what="sync")
            assert dump_all(rep.port) == dump_all(p.port)
            with pytest.raises(redis.ResponseError, match="read only replica"):
                rr.set("x", "1")
            with pytest.raises(redis.ResponseError, match="WAIT cannot be used with replica instances"):
                rr.execute_command("WAIT", 0, 0)

            # the stream, with SELECTs, expiry and a transaction
            c = redis.Redis(port=p.port, db=1)
            c.set("e", "1", px=100_000)
            c.hset("h", mapping={"a": "1"})
            tx = c.pipeline(transaction=True)
            tx.incr("n")
            tx.sadd("set", "a", "b")
            tx.execute()
            pr.zadd("z", {"a": 1.5})
            assert c.execute_command("WAIT", 1, 5000) == 1
            assert dump_all(rep.port) == dump_all(p.port)

            # WAIT: timeout returns the count, CLIENT UNBLOCK too
            c.set("more", "1")
            t0 = time.monotonic()
            assert c.execute_command("WAIT", 2, 100) == 1
            assert time.monotonic() - t0 >= 0.09
            result = []
            waiter = redis.Redis(port=p.port)
            wid = waiter.client_id()
            waiter.set("w", "1")
            w_offset = int(info(p.port)["master_repl_offset"])
            th = threading.Thread(target=lambda: result.append(waiter.execute_command("WAIT", 5, 0)))
            th.start()
            wait_for(lambda: info(p.port, "clients")["blocked_clients"] == 1, 5, what="WAIT blocked")
            # the reply counts the replicas that acknowledged "w" by the time of the unblock
            wait_for(lambda: int(info(p.port)["slave0"]["offset"]) >= w_offset, 5, what="the replica's ACK of the write")
            assert pr.client_unblock(wid) == 1
            th.join(5)
            assert result == [1]

            # min-replicas-to-write
            pr.config_set("min-replicas-to-write", 2)
            wait_for(lambda: _refused(pr), 5, what="NOREPLICAS")
            pr.config_set("min-replicas-to-write", 1)
            wait_for(lambda: pr.set("ok", "1"), 5, what="writes accepted again")
            pr.config_set("min-replicas-to-write", 0)

            role = rr.role()
            assert role[0] == b"slave" and role[3] == b"connected"
            assert rr.config_get("replicaof") == {"replicaof": "127.0.0.1 %d" % p.port}
            assert info(rep.port)["master_replid"] == info(p.port)["master_replid"]
            port = rep.port
        # the replica killed and restarted (same port): converges again
        pr.set("while-down", "1")
        with ServerProcess("vermilion", port=port,
                           args=["--save", "", "--replicaof", "127.0.0.1", str(p.port)]) as rep2:
            wait_for(lambda: caught_up(p.port, rep2.port), 10, what="resync after restart")
            assert dump_all(rep2.port) == dump_all(p.port)
            assert info(p.port, "stats")["sync_full"] == 2

            # promotion and back
            r2 = redis.Redis(port=rep2.port)
            old_id = info(p.port)["master_replid"]
            assert r2.execute_command("REPLICAOF", "NO", "ONE") == b"OK"
            assert r2.config_get("replicaof") == {"replicaof": ""}
            assert info(rep2.port)["master_replid2"] == old_id
            assert r2.set("mine", "1")
            assert r2.execute_command("REPLICAOF", "127.0.0.1", str(p.port)) == b"OK"
            assert r2.execute_command("REPLICAOF", "127.0.0.1", str(p.port)) == b"OK Already connected to specified master"
            wait_for(lambda: caught_up(p.port, rep2.port), 10, what="back to replica")
            assert r2.get("mine") is None


def _refused(r: redis.Redis) -> bool:
    try:
        r.set("nope", "1")
    except redis.ResponseError as e:
        assert str(e) == "NOREPLICAS Not enough good replicas to write."
        return True
    return False


def test_stale_replica_and_dead_primary_like_redis():
    """Replicas of a port nobody listens on: the link stays down; with
    replica-serve-stale-data no, commands not flagged stale get MASTERDOWN."""
    dead = free_port()
    args = ["--save", "", "--replicaof", "127.0.0.1", str(dead)]
    with ServerProcess("vermilion", args=args) as rep, ServerProcess("redis", args=args) as real:
        v, r = RawClient(rep.port), RawClient(real.port)
        for c in (v, r):
            assert c.call("CONFIG", "SET", "replica-serve-stale-data", "no") == b"+OK\r\n"
        for cmd in (("GET", "k"), ("PING",), ("DBSIZE",), ("CONFIG", "GET", "replica-serve-stale-data"),
                    ("PSYNC", "?", "-1"), ("SET", "k", "v"), ("WAIT", "0", "0"),
                    ("INFO", "nosuchsection")):
            assert v.call(*cmd) == r.call(*cmd), cmd
        role_v, role_r = redis.Redis(port=rep.port).role(), redis.Redis(port=real.port).role()
        assert role_v[:3] == role_r[:3] == [b"slave", b"127.0.0.1", dead] and role_v[4] == role_r[4] == -1
        assert role_v[3] in (b"connect", b"connecting")
        i, j = info(rep.port), info(real.port)
        for field in ("master_link_status", "master_link_down_since_seconds", "master_last_io_seconds_ago",
                      "master_sync_in_progress", "connected_slaves"):
            assert i[field] == j[field], field
        for c in (v, r):
            c.call("CONFIG", "SET", "replica-serve-stale-data", "yes")
        for cmd in (("GET", "k"), ("PSYNC", "?", "-1"), ("SET", "k", "v")):
            assert v.call(*cmd) == r.call(*cmd), cmd
        v.close()
        r.close()


def test_failover_between_vermilion_servers():
    with ServerProcess("vermilion", args=["--save", ""]) as p:
        pr = redis.Redis(port=p.port)
        pr.set("k", "1")
        with ServerProcess("vermilion", args=["--save", "", "--replicaof", "127.0.0.1", str(p.port)]) as rep:
            wait_for(lambda: caught_up(p.port, rep.port), 10, what="sync")
            with pytest.raises(redis.ResponseError, match="No failover in progress."):
                pr.execute_command("FAILOVER", "ABORT")
            assert pr.execute_command("FAILOVER") == b"OK"
            wait_for(lambda: info(rep.port)["role"] == "master", 10, what="replica promoted")
            wait_for(lambda: caught_up(rep.port, p.port), 10, what="old primary follows")
            assert info(p.port)["master_failover_state"] == "no-failover"
            rr = redis.Redis(port=rep.port)
            rr.set("k", "2")
            wait_for(lambda: pr.get("k") == b"2", 10, what="write through the new primary")
            with pytest.raises(redis.ResponseError, match="read only replica"):
                pr.set("x", "1")
            assert info(rep.port, "stats")["sync_partial_ok"] == 1


def _read_until(sock, buf: bytearray, predicate, timeout: float = 10.0) -> bytearray:
    deadline = time.monotonic() + timeout
    while not predicate(buf):
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        chunk = sock.recv(65536)
        if not chunk:
            raise AssertionError("connection closed: %r" % bytes(buf[:200]))
        buf += chunk
        if time.monotonic() > deadline:
            raise AssertionError("timed out: %r" % bytes(buf[:200]))
    return buf


def test_wire_format_of_a_full_sync():
    """What a replica receives, byte for byte: (+FULLRESYNC <replid> <offset>), optional
    newlines, $<len> and the RDB, then the stream (SELECT, then the commands)."""
    with ServerProcess("vermilion", args=["--save", ""]) as p:
        for cmd in ("SYNC", "PSYNC"):
            _full_sync_bytes(p.port, cmd)


def _full_sync_bytes(port: int, cmd: str) -> None:
    import socket

    r = redis.Redis(port=port)
    r.set("before", "1")
    s = socket.create_connection(("127.0.0.1", port))
    try:
        s.sendall(b"REPLCONF listening-port 1\r\n")
        assert _read_until(s, bytearray(), lambda b: b.endswith(b"\r\n")) == b"+OK\r\n"
        s.sendall(b"PSYNC ? -1\r\n" if cmd == "PSYNC" else b"SYNC\r\n")
        buf = _read_until(s, bytearray(), lambda b: b"$" in b and b"\r\n" in b[b.index(b"$"):])
        head, _, rest = bytes(buf).partition(b"$")
        i = info(port)
        if cmd == "PSYNC":
            line = b"+FULLRESYNC %s %d\r\n" % (i["master_replid"].encode(), i["master_repl_offset"])
            assert head.startswith(line) and head[len(line):].strip(b"\n") == b""
        else:
            assert head.strip(b"\n") == b""
        size_line, _, body = rest.partition(b"\r\n")
        size = int(size_line)
        buf = _read_until(s, bytearray(body), lambda b: len(b) >= size)
        assert bytes(buf[:9]).startswith(b"REDIS") and b"before" in bytes(buf[:size])
        wait_for(lambda: info(port)["slave0"]["state"] == "online", 5, what="online")
        r.set("after", "2")
        expected = b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$5\r\nafter\r\n$1\r\n2\r\n"
        tail = _read_until(s, bytearray(buf[size:]), lambda b: expected in b)
        assert bytes(tail).replace(b"*1\r\n$4\r\nPING\r\n", b"").startswith(expected)
    finally:
        s.close()
    wait_for(lambda: info(port)["connected_slaves"] == 0, 5, what="replica gone")
