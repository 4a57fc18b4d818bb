"""Persistence and replication figures, Vermilion side by side with the real redis-server.

    .venv/bin/python bench/persistence_repl.py [--keys 1000000] [--only save,aof,sync,lag]

* save: DEBUG POPULATE N, then SAVE (wall time, file size), BGSAVE (until the child is
  reaped), and a restart loading the file (until PING answers PONG, not -LOADING);
* aof: redis-benchmark -t set -n 50000 -c 50 with appendonly yes, appendfsync
  everysec and always (requests per second; the ratio to Redis);
* sync: full resync of N keys to a replica of the same kind, with repl-diskless-sync
  no (disk) and yes (sockets): from REPLICAOF until the replica has every key;
* lag: a replica under redis-benchmark -t set -n 200000 -c 50 on the primary: the
  primary's offset minus the replica's, sampled every 50 ms (bytes), and the time the
  replica needs to catch up once the benchmark ends.

Prints a Markdown table per part (pasted into docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

import redis

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PY = os.path.join(ROOT, ".venv", "bin", "python")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Proc:
    def __init__(self, kind: str, args: list[str], folder: str | None = None) -> None:
        self.kind = kind
        self.port = free_port()
        self.dir = folder or tempfile.mkdtemp(prefix=f"bench-{kind}-")
        base = ["--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.dir, "--enable-debug-command", "yes",
                "--repl-diskless-sync-delay", "0"]
        exe = [shutil.which("redis-server")] if kind == "redis" else [PY, "-m", "vermilion"]
        self.log = open(os.path.join(self.dir, "log.txt"), "ab")
        self.started = time.monotonic()
        self.proc = subprocess.Popen(exe + base + args, stdout=self.log, stderr=subprocess.STDOUT, cwd=self.dir)
        self.r = redis.Redis(port=self.port, socket_timeout=600)

    def ready_after(self) -> float:
        """Seconds from the start until PING answers PONG (a load is over)."""
        while True:
            try:
                if self.r.ping():
                    return time.monotonic() - self.started
            except (redis.ConnectionError, redis.BusyLoadingError):
                pass
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.kind} exited")
            time.sleep(0.01)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(60)
        self.log.close()


def wait(pred, timeout: float = 600.0, step: float = 0.01) -> float:
    t0 = time.monotonic()
    while not pred():
        if time.monotonic() - t0 > timeout:
            raise TimeoutError
        time.sleep(step)
    return time.monotonic() - t0


def part_save(n: int) -> None:
    print(f"\n### SAVE, BGSAVE and load, {n:,} keys (DEBUG POPULATE)\n")
    print("| | Vermilion | Redis 7.0 | ratio |")
    print("|---|---:|---:|---:|")
    rows: dict[str, list] = {}
    for kind in ("vermilion", "redis"):
        p = Proc(kind, ["--save", "", "--appendonly", "no"])
        p.ready_after()
        p.r.execute_command("DEBUG", "POPULATE", n)
        t0 = time.monotonic()
        p.r.save()
        save_s = time.monotonic() - t0
        size = os.path.getsize(os.path.join(p.dir, "dump.rdb"))
        t0 = time.monotonic()
        p.r.bgsave()
        wait(lambda: p.r.info("persistence")["rdb_bgsave_in_progress"] == 0 and
             p.r.lastsave().timestamp() >= t0 - 1, step=0.05)
        bgsave_s = time.monotonic() - t0
        p.stop()
        q = Proc(kind, ["--save", "", "--appendonly", "no"], folder=p.dir)
        start_s = q.ready_after()
        assert q.r.dbsize() == n
        q.stop()
        with open(os.path.join(p.dir, "log.txt"), "rb") as f:
            line = [x for x in f.read().decode(errors="replace").splitlines() if "DB loaded from disk" in x][-1]
        load_s = float(line.split("DB loaded from disk: ")[1].split()[0])
        rows.setdefault("SAVE, seconds", []).append(save_s)
        rows.setdefault("BGSAVE until reaped, seconds", []).append(bgsave_s)
        rows.setdefault("file size, MB", []).append(size / 1e6)
        rows.setdefault("load (the log's \"DB loaded from disk\"), seconds", []).append(load_s)
        rows.setdefault("start + load until PONG, seconds", []).append(start_s)
        rows.setdefault("keys saved per second (SAVE)", []).append(n / save_s)
        rows.setdefault("keys loaded per second", []).append(n / load_s)
    for name, (v, r) in rows.items():
        print(f"| {name} | {v:,.2f} | {r:,.2f} | {v / r:.2f} |")


def bench_set(port: int, n: int = 50_000) -> float:
    out = subprocess.run(["redis-benchmark", "-p", str(port), "-t", "set", "-n", str(n), "-c", "50", "--csv"],
                         capture_output=True, text=True, timeout=600).stdout.strip().splitlines()
    return float(out[-1].split(",")[1].strip('"'))


def part_aof() -> None:
    print("\n### SET throughput with the AOF (redis-benchmark -t set -n 50000 -c 50), requests/s\n")
    print("| appendfsync | Vermilion | Redis 7.0 | ratio |")
    print("|---|---:|---:|---:|")
    for policy in ("no AOF", "everysec", "always"):
        got = []
        for kind in ("vermilion", "redis"):
            args = ["--save", ""] + (["--appendonly", "no"] if policy == "no AOF" else
                                     ["--appendonly", "yes", "--appendfsync", policy])
            p = Proc(kind, args)
            p.ready_after()
            got.append(bench_set(p.port))
            p.stop()
        print(f"| {policy} | {got[0]:,.0f} | {got[1]:,.0f} | {got[0] / got[1]:.2f} |")


def part_sync(n: int) -> None:
    print(f"\n### Full resync of {n:,} keys (REPLICAOF until the replica has every key), seconds\n")
    print("| repl-diskless-sync | Vermilion -> Vermilion | Redis -> Redis | ratio |")
    print("|---|---:|---:|---:|")
    for diskless in ("no", "yes"):
        got = []
        for kind in ("vermilion", "redis"):
            p = Proc(kind, ["--save", "", "--repl-diskless-sync", diskless])
            p.ready_after()
            p.r.execute_command("DEBUG", "POPULATE", n)
            rep = Proc(kind, ["--save", ""])
            rep.ready_after()
            t0 = time.monotonic()
            rep.r.execute_command("REPLICAOF", "127.0.0.1", p.port)

            def done() -> bool:
                try:
                    return (rep.r.info("replication").get("master_link_status") == "up"
                            and rep.r.dbsize() == n)
                except redis.BusyLoadingError:
                    return False

            wait(done, step=0.05)
            got.append(time.monotonic() - t0)
            rep.stop()
            p.stop()
        print(f"| {diskless} | {got[0]:.2f} | {got[1]:.2f} | {got[0] / got[1]:.2f} |")


def part_lag() -> None:
    print("\n### Replication lag under redis-benchmark -t set -n 200000 -c 50 on the primary\n")
    print("| | Vermilion -> Vermilion | Redis -> Redis |")
    print("|---|---:|---:|")
    rows: dict[str, list] = {}
    for kind in ("vermilion", "redis"):
        p = Proc(kind, ["--save", ""])
        p.ready_after()
        rep = Proc(kind, ["--save", "", "--replicaof", "127.0.0.1", str(p.port)])
        rep.ready_after()
        wait(lambda: rep.r.info("replication").get("master_link_status") == "up")
        samples: list[int] = []
        stop = threading.Event()

        def sample() -> None:
            pr, rr = redis.Redis(port=p.port), redis.Redis(port=rep.port)
            while not stop.is_set():
                off = pr.info("replication")["master_repl_offset"]
                got = rr.info("replication")["slave_repl_offset"]
                samples.append(max(0, off - got))
                time.sleep(0.05)

        th = threading.Thread(target=sample)
        th.start()
        rps = bench_set(p.port, 200_000)
        t_end = time.monotonic()
        target = p.r.info("replication")["master_repl_offset"]
        wait(lambda: rep.r.info("replication")["slave_repl_offset"] >= target)
        catch_up = time.monotonic() - t_end
        stop.set()
        th.join()
        samples.sort()
        rows.setdefault("primary SET requests/s", []).append(f"{rps:,.0f}")
        rows.setdefault("lag, median bytes", []).append(f"{samples[len(samples) // 2]:,}")
        rows.setdefault("lag, max bytes", []).append(f"{samples[-1]:,}")
        rows.setdefault("catch-up after the load ends, seconds", []).append(f"{catch_up:.3f}")
        rep.stop()
        p.stop()
    for name, (v, r) in rows.items():
        print(f"| {name} | {v} | {r} |")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--keys", type=int, default=1_000_000)
    ap.add_argument("--only", default="save,aof,sync,lag")
    a = ap.parse_args()
    parts = a.only.split(",")
    if "save" in parts:
        part_save(a.keys)
    if "aof" in parts:
        part_aof()
    if "sync" in parts:
        part_sync(a.keys)
    if "lag" in parts:
        part_lag()
    return 0


if __name__ == "__main__":
    sys.exit(main())
