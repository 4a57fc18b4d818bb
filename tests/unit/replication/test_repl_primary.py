"""The primary side in-process: the stream's bytes (SELECT insertion, resolved forms,
offsets), PSYNC's partial/full decision (replid, replid2 up to second_replid_offset,
the backlog's range), ACK accounting and WAIT, and the replica link's handling of a
transaction cut by a lost link."""

from __future__ import annotations

import pytest

import vermilion.commands  # noqa: F401  (registers the command table)
from vermilion.config.schema import Config
from vermilion.engine.client import Client
from vermilion.engine.dispatch import run_batch
from vermilion.engine.server import Server
from vermilion.replication.primary import ONLINE, ReplicaInfo, encode_command, install
from vermilion.replication.replica_link import ReplicaLink


def B(*args):
    return [a if isinstance(a, bytes) else str(a).encode() for a in args]


class Parser:
    def __init__(self, cmds) -> None:
        self.cmds = [B(*c) for c in cmds]

    def drain(self) -> list:
        cmds, self.cmds = self.cmds, []
        return cmds

    def hold(self, cmds: list) -> None:
        self.cmds = cmds + self.cmds


def client(server, cid, out=None):
    c = Client(server, cid, "127.0.0.1:%d" % (5000 + cid), "127.0.0.1:6379", -1,
               (out.append if out is not None else (lambda b: None)), lambda: None)
    server.clients[cid] = c
    return c


@pytest.fixture
def env():
    server = Server(Config())
    server.log_lines = lambda level, msg: None
    st = install(server)
    return server, st


def online_replica(st, c):
    r = ReplicaInfo(c)
    r.state = ONLINE
    r.capa = 3
    c.kind = "replica"
    st.replicas[c.id] = r
    return r


def test_stream_bytes_select_and_offsets(env):
    server, st = env
    st.create_backlog()
    out: list[bytes] = []
    online_replica(st, client(server, 9, out))
    c = client(server, 1)
    run_batch(c, Parser([("SET", "a", "1"), ("GET", "a"), ("SELECT", "2"), ("SET", "b", "2", "EX", "100"),
                         ("INCR", "n")]))
    stream = b"".join(out)
    assert stream.startswith(b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n" + encode_command(B("SET", "a", "1"))
                             + b"*2\r\n$6\r\nSELECT\r\n$1\r\n2\r\n*5\r\n$3\r\nSET\r\n$1\r\nb\r\n$1\r\n2\r\n")
    assert b"PXAT" in stream  # EX resolved to an absolute time
    assert stream.endswith(encode_command(B("INCR", "n")))
    assert st.master_repl_offset == len(stream) == st.backlog.histlen
    assert st.backlog.since(1) == stream
    assert c.extra["woff"] == len(stream)
    assert server.master_repl_offset == len(stream)


def test_partial_resync_decisions(env):
    server, st = env
    st.create_backlog()
    st.feed(0, B("SET", "a", "1"))
    end = st.master_repl_offset
    r = client(server, 2)
    st.info_of(r).capa = 2
    reply = st._try_partial(st.info_of(r), st.replid, 1)
    assert reply == b"+CONTINUE %s\r\n" % st.replid.encode() + st.backlog.since(1)
    assert st._try_partial(ReplicaInfo(client(server, 3)), st.replid, end + 1) == b"+CONTINUE\r\n"
    for replid, offset in ((st.replid, end + 2), ("f" * 40, 1), ("?", -1)):
        assert st._try_partial(ReplicaInfo(client(server, 4)), replid, offset) is None
    # after a promotion the old id is accepted up to the switch point only
    old = st.replid
    st.shift_replid()
    assert st.replid2 == old and st.second_replid_offset == end + 1
    assert st._try_partial(ReplicaInfo(client(server, 5)), old, end + 1) is not None
    st.feed(0, B("SET", "b", "2"))
    assert st._try_partial(ReplicaInfo(client(server, 6)), old, end + 2) is None


def test_acks_and_wait(env):
    server, st = env
    st.create_backlog()
    r1 = online_replica(st, client(server, 7))
    r2 = online_replica(st, client(server, 8))
    w = client(server, 1)
    run_batch(w, Parser([("SET", "k", "v")]))
    woff = w.extra["woff"]
    assert st.count_acks(woff) == 0
    out = run_batch(w, Parser([("WAIT", "2", "0")]))
    assert out == b"" and w.blocked is not None and w in st.waiters
    st.ack(r1, woff)
    assert w.blocked is not None and w.blocked.timeout_reply == 1
    st.ack(r2, woff - 1)
    assert w.blocked is not None
    st.ack(r2, woff + 10)
    assert w.blocked is None and w not in st.waiters
    # an ACK never moves backwards
    st.ack(r2, 3)
    assert r2.ack_offset == woff + 10
    # REPLCONF ACK from a replica client has no reply; from a normal client neither
    assert run_batch(r1.client, Parser([("REPLCONF", "ACK", str(woff + 5))])) == b""
    assert r1.ack_offset == woff + 5
    assert run_batch(w, Parser([("REPLCONF", "ACK", "99")])) == b""


def test_link_applies_a_transaction_at_exec(env):
    server, st = env
    link = ReplicaLink(server, "127.0.0.1", 1)
    link._create_master(0)
    offset = st.master_repl_offset
    link.apply(st, B("MULTI"))
    link.apply(st, B("SET", "t", "1"))
    assert server.dbs[0].data.get(b"t") is None and st.master_repl_offset == offset
    link.apply(st, B("INCR", "t"))
    link.apply(st, B("EXEC"))
    assert server.dbs[0].data[b"t"] == b"2"
    size = sum(len(encode_command(B(*c))) for c in (("MULTI",), ("SET", "t", "1"), ("INCR", "t"), ("EXEC",)))
    assert st.master_repl_offset == offset + size
    # a transaction cut by a lost link is dropped, offset unchanged
    link.apply(st, B("MULTI"))
    link.apply(st, B("SET", "u", "1"))
    link.multi = None
    link.multi_raw = []
    link.apply(st, B("SELECT", "1"))
    link.apply(st, B("SET", "v", "1"))
    assert b"u" not in server.dbs[0].data and server.dbs[1].data[b"v"] == b"1"
    assert server.repl_stream_db == 1


def test_backlog_freed_after_ttl_without_replicas(env):
    import time

    server, st = env
    st.create_backlog()
    st.feed(0, B("SET", "a", "1"))
    offset, replid = st.master_repl_offset, st.replid
    server.config["repl-backlog-ttl"] = 1
    st.cron(server)  # starts counting
    st.no_replicas_since_s = time.monotonic() - 5
    st.cron(server)
    assert st.backlog is None and st.replid != replid and st.master_repl_offset == offset
    st.feed(0, B("SET", "b", "1"))  # no backlog, no replicas: nothing to feed
    assert st.master_repl_offset == offset


def test_a_second_replica_shares_the_running_snapshot(env):
    server, st = env
    st.create_backlog()
    st.feed(0, B("SET", "a", "1"))
    first = ReplicaInfo(client(server, 11))
    first.state, first.fork_pid, first.initial_offset = 1, 4242, st.master_repl_offset
    first.client.kind = "replica"
    st.replicas[11] = first
    st.fork_pid = 4242  # a snapshot child is running
    st.feed(0, B("SET", "b", "2"))
    assert first.pending == [encode_command(B("SET", "b", "2"))]
    c = client(server, 12)
    reply = st.psync(c, b"?", -1, True)
    assert reply == b"+FULLRESYNC %s %d\r\n" % (st.replid.encode(), first.initial_offset)
    second = st.replicas[12]
    assert second.pending == first.pending and second.pending is not first.pending
    assert second.fork_pid == 4242
    st.fork_pid = -1
