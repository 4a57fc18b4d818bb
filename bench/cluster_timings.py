#!/usr/bin/env python3
"""Cluster timings, Vermilion side by side with a real Redis Cluster on the same machine
(issue 12, "Performance").  Measures and reports; asserts nothing about speed.

For each run and each kind (alternating Vermilion, Redis, Vermilion, ... so a drift of
the machine hits both alike):

1. Start six nodes (``cluster-enabled yes``, ``cluster-node-timeout`` 3000 ms by default)
   and build the cluster with ``redis-cli --cluster create ... --cluster-replicas 1``;
   wait until every node reports ``cluster_state:ok`` and all agree on the slot map.
2. Load ``--keys`` keys (10,000) through redis-py's RedisCluster (pipelined).
3. ``redis-benchmark --cluster -t set,get -n N -q``: requests per second of each test,
   and the CPU time all six nodes spent during it per request (less noisy than the
   throughput on a shared machine: it includes the replicas applying the SETs).
4. ``redis-cli --cluster reshard`` of ``--slots`` (1000) slots, with their keys, from one
   primary to another: wall time of the redis-cli process.
5. SIGKILL of a primary that has a replica, then polling every 20 ms: the time until a
   survivor's CLUSTER NODES shows the victim with the ``fail`` flag (failure detection),
   and the time until every survivor answers ``cluster_state:ok`` with the victim's
   replica promoted (recovery).  The victim is restarted afterwards (on its nodes.conf)
   and the time from its first PING answer until it is a replica of its successor in
   every node's view, with every node ``cluster_state:ok``, is recorded.

The medians of each measure are printed as a Markdown table (the "Measured" section of
docs/cluster.md comes from it) and all samples are written to bench/results/ as JSON.

    .venv/bin/python bench/cluster_timings.py --runs 3
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

import redis
from redis.cluster import RedisCluster

HERE = os.path.dirname(os.path.abspath(__file__))
POLL_S = 0.02

sys.path.insert(0, HERE)
from procs import free_port  # noqa: E402


def wait(predicate, timeout_s: float, what: str, interval_s: float = 0.05):
    end = time.monotonic() + timeout_s
    while True:
        try:
            result = predicate()
        except (redis.RedisError, OSError):
            result = False
        if result:
            return result
        if time.monotonic() > end:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(interval_s)


class Node:
    def __init__(self, kind: str, node_timeout_ms: int, python: str) -> None:
        self.kind = kind
        self.port = free_port(bus=True)
        self.dir = tempfile.mkdtemp(prefix=f"cluster-{kind}-{self.port}-")
        args = ["--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.dir, "--save", "",
                "--appendonly", "no", "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                "--cluster-node-timeout", str(node_timeout_ms)]
        exe = [shutil.which("redis-server")] if kind == "redis" else [python, "-m", "vermilion"]
        self.argv = exe + args
        self.proc: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        log = open(os.path.join(self.dir, "server.log"), "ab")
        self.proc = subprocess.Popen(self.argv, cwd=self.dir, stdout=log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        log.close()

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def wait_ready(self) -> None:
        wait(lambda: self.alive() and conn(self.port).ping(), 60, f"{self.kind} on {self.port}")

    def kill(self) -> None:
        if self.alive():
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        if self.alive():
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


def cpu_seconds(node: Node) -> float:
    """utime + stime of the node's process (/proc/<pid>/stat fields 14 and 15)."""
    with open(f"/proc/{node.proc.pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def conn(port: int) -> redis.Redis:
    return redis.Redis(port=port, socket_timeout=5, socket_connect_timeout=2)


def nodes_of(port: int) -> list[list[str]]:
    return [ln.split() for ln in conn(port).execute_command("CLUSTER", "NODES").decode().splitlines()]


def state_ok(port: int) -> bool:
    return b"cluster_state:ok" in conn(port).execute_command("CLUSTER", "INFO")


def agree(ports: list[int]) -> bool:
    views = set()
    for p in ports:
        views.add(tuple(sorted((f[0], f[2].replace("myself,", ""), f[3],
                                tuple(r for r in f[8:] if not r.startswith("["))) for f in nodes_of(p))))
    return len(views) == 1


def myself(port: int) -> list[str]:
    return next(f for f in nodes_of(port) if "myself" in f[2])


def slot_count(fields: list[str]) -> int:
    n = 0
    for r in fields[8:]:
        if not r.startswith("["):
            a, _, b = r.partition("-")
            n += int(b or a) - int(a) + 1
    return n


def start_cluster(kind: str, node_timeout_ms: int, python: str) -> list[Node]:
    nodes = [Node(kind, node_timeout_ms, python) for _ in range(6)]
    for n in nodes:
        n.wait_ready()
    out = subprocess.run(["redis-cli", "--cluster", "create", *[f"127.0.0.1:{n.port}" for n in nodes],
                          "--cluster-replicas", "1", "--cluster-yes"], capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        raise RuntimeError(f"{kind}: cluster create failed:\n{out.stdout}{out.stderr}")
    ports = [n.port for n in nodes]
    wait(lambda: all(state_ok(p) for p in ports) and agree(ports), 60, f"{kind} cluster ok", 0.2)
    return nodes


def load_keys(port: int, count: int) -> None:
    rc = RedisCluster(host="127.0.0.1", port=port)
    try:
        for start in range(0, count, 2000):
            pipe = rc.pipeline(transaction=False)
            for i in range(start, min(start + 2000, count)):
                pipe.set(f"key:{i}", f"value:{i}")
            pipe.execute()
    finally:
        rc.close()


def benchmark(port: int, requests: int) -> dict[str, float]:
    out = subprocess.run(["redis-benchmark", "--cluster", "-p", str(port), "-t", "set,get", "-n", str(requests),
                          "-q"], capture_output=True, text=True, timeout=600)
    text = out.stdout.replace("\r", "\n")
    rates = {k: float(v) for k, v in re.findall(r"^(SET|GET): ([\d.]+) requests per second", text, re.M)}
    if set(rates) != {"SET", "GET"}:
        raise RuntimeError(f"redis-benchmark output not understood:\n{out.stdout}{out.stderr}")
    return rates


def reshard(nodes: list[Node], slots: int) -> float:
    primaries = sorted((myself(n.port) for n in nodes if n.alive()), key=slot_count, reverse=True)
    primaries = [f for f in primaries if "master" in f[2]]
    src, dst = primaries[0], primaries[1]
    t0 = time.monotonic()
    out = subprocess.run(["redis-cli", "--cluster", "reshard", f"127.0.0.1:{nodes[0].port}", "--cluster-from",
                          src[0], "--cluster-to", dst[0], "--cluster-slots", str(slots), "--cluster-yes"],
                         capture_output=True, text=True, timeout=900)
    elapsed = time.monotonic() - t0
    if out.returncode != 0:
        raise RuntimeError(f"reshard failed:\n{out.stdout[-3000:]}{out.stderr}")
    ports = [n.port for n in nodes if n.alive()]
    wait(lambda: agree(ports), 60, "agreement after reshard", 0.2)
    return elapsed


def failover(nodes: list[Node]) -> dict[str, float]:
    by_port = {n.port: n for n in nodes}
    views = {n.port: myself(n.port) for n in nodes}
    replica_port, victim_port = next((p, q) for p, f in views.items() for q, g in views.items()
                                     if "slave" in f[2] and f[3] == g[0] and slot_count(g))
    victim_id = views[victim_port][0]
    survivors = [p for p in by_port if p != victim_port]
    victim = by_port[victim_port]
    victim.kill()
    t0 = time.monotonic()
    t_fail = t_fail_all = None
    seen: set[int] = set()
    end = t0 + 120
    while True:
        now = time.monotonic()
        if now > end:
            raise TimeoutError("failover did not complete in 120 s")
        for p in survivors:
            if p in seen:
                continue
            try:
                f = next(f for f in nodes_of(p) if f[0] == victim_id)
            except (redis.RedisError, StopIteration):
                continue
            if "fail" in f[2].split(","):
                seen.add(p)
                if t_fail is None:
                    t_fail = now - t0
        if t_fail_all is None and len(seen) == len(survivors):
            t_fail_all = now - t0
        if t_fail is not None:
            try:
                promoted = "master" in myself(replica_port)[2]
                if promoted and all(state_ok(p) for p in survivors):
                    t_ok = time.monotonic() - t0
                    break
            except redis.RedisError:
                pass
        time.sleep(POLL_S)
    # The old primary comes back (same nodes.conf, same port) as a replica of its successor.
    successor = views[replica_port][0]
    victim.start()
    victim.wait_ready()
    t1 = time.monotonic()  # from the restarted process answering PING (not its start-up)
    ports = list(by_port)
    wait(lambda: all(next(f for f in nodes_of(p) if f[0] == victim_id)[3] == successor for p in ports)
         and all(state_ok(p) for p in ports) and agree(ports), 120, "old primary rejoined as a replica", 0.1)
    return {"fail_first_s": t_fail, "fail_all_s": t_fail_all or t_ok, "state_ok_s": t_ok,
            "rejoin_s": time.monotonic() - t1}


def one_run(kind: str, args: argparse.Namespace) -> dict[str, float]:
    nodes = start_cluster(kind, args.node_timeout, args.python)
    try:
        load_keys(nodes[0].port, args.keys)
        cpu0 = sum(cpu_seconds(n) for n in nodes)
        rates = benchmark(nodes[0].port, args.requests)
        cpu_us = (sum(cpu_seconds(n) for n in nodes) - cpu0) * 1e6 / (2 * args.requests)
        sample = {"set_rps": rates["SET"], "get_rps": rates["GET"], "bench_cpu_us_per_req": cpu_us}
        sample["reshard_s"] = reshard(nodes, args.slots)
        sample.update(failover(nodes))
        return sample
    finally:
        for n in nodes:
            n.stop()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--node-timeout", type=int, default=3000)
    ap.add_argument("--keys", type=int, default=10_000)
    ap.add_argument("--slots", type=int, default=1000)
    ap.add_argument("--requests", type=int, default=20_000)
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--kinds", default="vermilion,redis")
    args = ap.parse_args()
    kinds = args.kinds.split(",")
    samples: dict[str, list[dict[str, float]]] = {k: [] for k in kinds}
    for run in range(args.runs):
        for kind in kinds:
            s = one_run(kind, args)
            samples[kind].append(s)
            print(f"run {run + 1} {kind}: " + ", ".join(f"{k}={v:.2f}" for k, v in s.items()), flush=True)
    measures = list(samples[kinds[0]][0])
    medians = {k: {m: statistics.median(s[m] for s in samples[k]) for m in measures} for k in kinds}
    print()
    print("| measure (median of %d) | " % args.runs + " | ".join(kinds) + (" | ratio |" if len(kinds) == 2 else " |"))
    print("|---|" + "---|" * (len(kinds) + (len(kinds) == 2)))
    for m in measures:
        cells = [f"{medians[k][m]:.2f}" for k in kinds]
        if len(kinds) == 2 and medians[kinds[1]][m]:
            cells.append(f"{medians[kinds[0]][m] / medians[kinds[1]][m]:.2f}")
        print(f"| {m} | " + " | ".join(cells) + " |")
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    path = os.path.join(HERE, "results", time.strftime("cluster-%Y%m%dT%H%M%SZ.json", time.gmtime()))
    with open(path, "w") as f:
        json.dump({"args": vars(args), "samples": samples, "medians": medians,
                   "loadavg": os.getloadavg()}, f, indent=1)
    print(f"\nsamples: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
