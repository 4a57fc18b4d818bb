"""Crash safety of the AOF, measured: a server killed with SIGKILL under write load
keeps every acknowledged write (appendfsync always), loses at most about the last
second of them (everysec: the loader cuts a torn tail), and a kill in the middle of
BGREWRITEAOF leaves files that load."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

import redis

from support.servers import ServerProcess, wait_for


class Writer(threading.Thread):
    """INCRs one counter and SETs a key per acknowledged write until the server dies;
    ``acked`` is the last counter value the server acknowledged."""

    def __init__(self, port: int) -> None:
        super().__init__(daemon=True)
        self.port = port
        self.acked = 0
        self.acked_at: list[tuple[float, int]] = []

    def run(self) -> None:
        r = redis.Redis(port=self.port, socket_timeout=5)
        try:
            while True:
                with r.pipeline(transaction=False) as p:
                    p.incr("counter")
                    p.set("k:%d" % (self.acked + 1), self.acked + 1)
                    n, _ = p.execute()
                self.acked = n
                self.acked_at.append((time.monotonic(), n))
        except (redis.ConnectionError, redis.TimeoutError, socket.error, ConnectionResetError):
            return


def _load(d: str, args: list[str]) -> ServerProcess:
    s = ServerProcess("vermilion", args + ["--dir", d], wait=False)
    s.dir = d
    s.wait_ready()
    return s


def _kill_under_load(args: list[str], seconds: float = 1.5) -> tuple[str, Writer, float]:
    srv = ServerProcess("vermilion", args)
    w = Writer(srv.port)
    w.start()
    wait_for(lambda: w.acked > 200, 10, what="writes")
    time.sleep(seconds)  # load runs for a while: this is the measurement window, not a sync
    kill_time = time.monotonic()
    srv.proc.send_signal(signal.SIGKILL)
    srv.proc.wait()
    srv.log.close()
    w.join(5)
    return srv.dir, w, kill_time


def test_kill9_appendfsync_always_keeps_every_acknowledged_write() -> None:
    args = ["--appendonly", "yes", "--appendfsync", "always"]
    d, w, _ = _kill_under_load(args)
    with _load(d, args) as s:
        r = redis.Redis(port=s.port)
        counter = int(r.get("counter"))
        assert counter >= w.acked > 0
        # every acknowledged SET is there too
        got = r.mget(["k:%d" % i for i in range(1, w.acked + 1)])
        assert all(v is not None for v in got)


def test_kill9_appendfsync_everysec_loses_at_most_about_a_second() -> None:
    args = ["--appendonly", "yes", "--appendfsync", "everysec"]
    d, w, kill_time = _kill_under_load(args)
    with _load(d, args) as s:
        counter = int(redis.Redis(port=s.port).get("counter"))
    # (SIGKILL keeps what reached the OS: in practice nothing acknowledged is lost)
    floor = max((n for t, n in w.acked_at if t <= kill_time - 1.2), default=0)
    assert counter >= floor > 0


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def test_kill9_during_bgrewriteaof_keeps_previous_files() -> None:
    args = ["--appendonly", "yes", "--rdb-key-save-delay", "100000"]
    srv = ServerProcess("vermilion", args)
    r = redis.Redis(port=srv.port)
    r.mset({f"key{i}": i for i in range(100)})
    r.bgrewriteaof()
    wait_for(lambda: r.info("persistence")["aof_rewrite_in_progress"] == 1, 5)
    r.set("during", "rewrite")
    children = _children(srv.proc.pid)
    srv.proc.send_signal(signal.SIGKILL)
    srv.proc.wait()
    srv.log.close()
    for pid in children:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    manifest = open(os.path.join(srv.dir, "appendonlydir", "appendonly.aof.manifest")).read().splitlines()
    assert manifest == [
        "file appendonly.aof.1.base.rdb seq 1 type b",
        "file appendonly.aof.1.incr.aof seq 1 type i",
        "file appendonly.aof.2.incr.aof seq 2 type i",
    ]
    manifest_path = os.path.join(srv.dir, "appendonlydir", "appendonly.aof.manifest")
    res = subprocess.run([sys.executable, "-m", "vermilion.persistence.aof.check", manifest_path],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stdout
    exe = shutil.which("redis-check-aof")
    if exe is not None:
        res = subprocess.run([exe, manifest_path], capture_output=True, text=True)
        assert res.returncode == 0 and "All AOF files and manifest are valid" in res.stdout
    with _load(srv.dir, ["--appendonly", "yes"]) as s:
        r2 = redis.Redis(port=s.port)
        assert r2.dbsize() == 101
        assert r2.get("during") == b"rewrite"
        # a rewrite after the crash cleans up and still holds everything
        r2.bgrewriteaof()
        wait_for(lambda: r2.info("persistence")["aof_rewrites"] == 1, 10)
        assert r2.dbsize() == 101
