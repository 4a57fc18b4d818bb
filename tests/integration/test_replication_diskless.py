"""Full syncs without the disk, on both ends, against the real redis-server 7.0.

* A Vermilion primary with ``repl-diskless-sync yes`` streams its snapshot to the
  replicas' sockets (``$EOF:<mark>``): one child for several replicas when
  ``repl-diskless-sync-max-replicas`` of them wait, the stream held back until each
  replica's first ACK; with ``no`` it saves to disk and sends ``$<len>``.  A real
  replica and a Vermilion replica follow it either way, and DEBUG DIGEST agrees.
* A Vermilion replica of a real primary, for each of the primary's transfer forms
  (diskless ``$EOF:`` and ``$<len>``) and the in-memory ``repl-diskless-load`` modes.
* A replica answers -LOADING while it loads its primary's snapshot.
"""

from __future__ import annotations

import pytest
import redis

from support.raw import RawClient
from support.servers import ServerProcess, wait_for

from test_replication_interop import converge, info, link_up, populate


def digest(port: int) -> bytes:
    return redis.Redis(port=port).execute_command("DEBUG", "DIGEST")


def log_of(server: ServerProcess) -> str:
    return server.read_log()


def test_diskless_primary_serves_real_and_vermilion_replicas_with_one_child():
    args = ["--save", "", "--repl-diskless-sync", "yes", "--repl-diskless-sync-delay", "30",
            "--repl-diskless-sync-max-replicas", "2"]
    with ServerProcess("vermilion", args=args) as v:
        populate(v.port, "a")
        vr = redis.Redis(port=v.port)
        vr.set("big", b"x" * 300_000)  # more than a socket buffer: the child must wait for writability
        with ServerProcess("redis", args=["--replicaof", "127.0.0.1", str(v.port)]) as real, \
                ServerProcess("vermilion", args=["--save", "", "--replicaof", "127.0.0.1", str(v.port)]) as rep:
            # the delay is 30 s: the fork starts because both replicas are waiting
            wait_for(lambda: link_up(real.port) and link_up(rep.port), 15, what="both links up")
            # (the replicas may be up before the primary reaps the child)
            wait_for(lambda: log_of(v).count("Synchronization with replica") == 2, 10, what="both online")
            log = log_of(v)
            assert "Delay next BGSAVE for diskless SYNC" in log
            assert log.count("Starting BGSAVE for SYNC with target: replicas sockets") == 1
            assert log.count("Waiting for REPLCONF ACK from replica to enable streaming") == 2
            assert info(v.port, "stats")["sync_full"] == 2
            populate(v.port, "b")  # the stream after the snapshot
            converge(v.port, real.port)
            converge(v.port, rep.port)
            assert digest(real.port) == digest(v.port) == digest(rep.port)
            # both replicas acknowledge the stream
            vr.set("w", "1")
            assert vr.execute_command("WAIT", 2, 5000) == 2


def test_disk_sync_when_diskless_is_off():
    with ServerProcess("vermilion", args=["--save", "", "--repl-diskless-sync", "no"]) as v:
        populate(v.port, "a")
        with ServerProcess("redis", args=["--replicaof", "127.0.0.1", str(v.port)]) as real:
            wait_for(lambda: link_up(real.port), 10, what="link up")
            assert "Starting BGSAVE for SYNC with target: disk" in log_of(v)
            assert "target: replicas sockets" not in log_of(v)
            populate(v.port, "b")
            converge(v.port, real.port)
            assert digest(real.port) == digest(v.port)


@pytest.mark.parametrize("primary_diskless,load", [("yes", "on-empty-db"), ("no", "swapdb")])
def test_vermilion_replica_of_real_primary_every_transfer_form(primary_diskless, load):
    with ServerProcess("redis", args=["--repl-diskless-sync", primary_diskless]) as real:
        populate(real.port, "a")
        with ServerProcess("vermilion", args=["--save", "", "--repl-diskless-load", load,
                                              "--replicaof", "127.0.0.1", str(real.port)]) as v:
            wait_for(lambda: link_up(v.port), 10, what="link up")
            converge(real.port, v.port)
            populate(real.port, "b")
            converge(real.port, v.port)
            assert digest(real.port) == digest(v.port)
            log = log_of(real)
            form = "replicas sockets" if primary_diskless == "yes" else "disk"
            assert f"Starting BGSAVE for SYNC with target: {form}" in log



def test_replica_answers_loading_while_it_loads_the_snapshot():
    with ServerProcess("vermilion", args=["--save", ""]) as v:
        redis.Redis(port=v.port).execute_command("DEBUG", "POPULATE", 100_000)
        with ServerProcess("vermilion", args=["--save", ""]) as rep:
            raw = RawClient(rep.port)
            assert raw.call("REPLICAOF", "127.0.0.1", v.port) == b"+OK\r\n"
            def loading() -> bool:
                return raw.call("GET", "key:1") == b"-LOADING Redis is loading the dataset in memory\r\n"

            wait_for(loading, 20, interval=0.005, what="-LOADING from the replica")
            wait_for(lambda: raw.call("GET", "key:1") == b"$7\r\nvalue:1\r\n", 30, what="loaded")
            assert raw.call("DBSIZE") == b":100000\r\n"
            raw.close()
