"""The eviction load test of the security-and-limits issue, at full size: 50 clients
(``redis-benchmark -t set -d 1024 -r 100000000 -c 50``) write random 1 KB values into a
server with ``maxmemory 100mb`` and ``allkeys-lru`` for 60 seconds, against Vermilion and
against a real redis-server.  Sampled every 0.5 s: the server's RSS (``/proc``), and the
time a separate connection waits for PING.

    .venv/bin/python bench/eviction_load.py                 # 60 s per server
    .venv/bin/python bench/eviction_load.py --seconds 20

Passes when the RSS stays within 1.5x of maxmemory and every PING is answered.  The test
suite runs a shorter version of the same load (tests/integration/test_eviction.py).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from parts import REPO  # noqa: E402
from procs import _spawn, call, free_port, info_fields, log_tail, rss_bytes  # noqa: E402

MAXMEMORY = 100 * 1024 * 1024


def run(name: str, argv_of, seconds: float, redis_benchmark: str, log_dir: str) -> dict:
    port = free_port()
    srv = _spawn(name, argv_of(port), port, log_dir)
    if srv is None:
        raise RuntimeError(f"{name} did not start:\n{log_tail(os.path.join(log_dir, f'{name}-{port}.log'))}")
    load = subprocess.Popen([redis_benchmark, "-p", str(port), "-t", "set", "-d", "1024", "-r", "100000000",
                             "-c", "50", "-n", "1000000000", "-q"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    max_rss = 0
    max_ping_ms = 0.0
    failed_pings = 0
    end = time.monotonic() + seconds
    try:
        while time.monotonic() < end:
            t = time.perf_counter()
            try:
                if call(port, "PING", timeout_s=5.0) != b"PONG":
                    failed_pings += 1
            except OSError:
                failed_pings += 1
            max_ping_ms = max(max_ping_ms, (time.perf_counter() - t) * 1000)
            max_rss = max(max_rss, rss_bytes(srv.pid))
            time.sleep(0.5)
        stats = info_fields(port, "stats")
        mem = info_fields(port, "memory")
        keys = call(port, "DBSIZE")
    finally:
        load.kill()
        load.wait()
        srv.stop()
    return {"max_rss_mb": max_rss / 2**20, "rss_over_maxmemory": max_rss / MAXMEMORY,
            "used_memory_mb": int(mem.get("used_memory", 0)) / 2**20, "evicted_keys": int(stats["evicted_keys"]),
            "keys": keys, "commands": int(stats["total_commands_processed"]),
            "max_ping_ms": max_ping_ms, "failed_pings": failed_pings}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=float, default=60.0)
    p.add_argument("--python", default=os.path.join(REPO, ".venv", "bin", "python"))
    p.add_argument("--redis-server", default=shutil.which("redis-server") or "redis-server")
    p.add_argument("--redis-benchmark", default=shutil.which("redis-benchmark") or "redis-benchmark")
    a = p.parse_args(argv)
    common = ["--bind", "127.0.0.1", "--save", "", "--maxmemory", "100mb", "--maxmemory-policy", "allkeys-lru"]
    log_dir = tempfile.mkdtemp(prefix="vermilion-eviction-")
    results = {
        "vermilion": run("vermilion", lambda port: [a.python, "-m", "vermilion", "--port", str(port), *common],
                         a.seconds, a.redis_benchmark, log_dir),
        "redis": run("redis", lambda port: [a.redis_server, "--port", str(port), *common, "--dir", log_dir],
                     a.seconds, a.redis_benchmark, log_dir),
    }
    shutil.rmtree(log_dir, ignore_errors=True)
    print(f"50 clients, random 1 KB SETs, maxmemory 100mb allkeys-lru, {a.seconds:.0f} s\n")
    print("| server | max RSS MB | max RSS / maxmemory | used_memory MB | evicted keys | keys | SETs "
          "| slowest PING ms | failed PINGs |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, r in results.items():
        print(f"| {name} | {r['max_rss_mb']:.1f} | {r['rss_over_maxmemory']:.2f} | {r['used_memory_mb']:.1f} "
              f"| {r['evicted_keys']:,} | {r['keys']:,} | {r['commands']:,} | {r['max_ping_ms']:.1f} "
              f"| {r['failed_pings']} |")
    ok = results["vermilion"]["rss_over_maxmemory"] <= 1.5 and results["vermilion"]["failed_pings"] == 0
    print("\nVermilion " + ("passes" if ok else "FAILS") + " (RSS within 1.5x of maxmemory, every PING answered)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
