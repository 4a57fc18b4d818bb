#!/usr/bin/env python3
"""Benchmark Vermilion against a real redis-server, side by side on the same machine.

Method (docs/benchmarks.md explains it for readers):

1. Start both servers as real processes on free loopback ports (Vermilion with the
   interpreter of the project's venv, Redis with ``--save '' --appendonly no``), or attach
   to servers already running (``--vermilion-port`` / ``--redis-port``).
2. Throughput: for each row (test x client count x pipeline depth), run redis-benchmark
   ``runs`` times against each server, alternating Vermilion, Redis, Vermilion, Redis...
   so that a drift of the machine (turbo, a noisy neighbour) hits both alike, and report
   the median requests/s of each and the ratio Vermilion/Redis.
3. Server CPU per request: during every run, the server process's
   utime+stime from /proc/<pid>/stat before and after each run, divided by ``-n``.
4. Memory: FLUSHALL, read the RSS (and Redis's ``used_memory``), load exactly ``--keys``
   keys of ``--value-size`` bytes with a pipelined loader, read them again; the increase
   divided by the key count is the memory per key.

Nothing here asserts anything about speed: it measures and reports.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from procs import (RespError, Server, attach, call, info_fields, interpreter_of, rss_bytes,  # noqa: E402
                   start_redis, start_vermilion)
from report import fmt, machine_lines, rewrite_results, table_md, table_text  # noqa: E402
from workloads import TEST_ROWS, load_keys, run_benchmark  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_TESTS = "ping_mbulk,set,get,incr,mset"


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true",
                   help="2 runs per server, -n 20000 (-c 1: 2000), 100,000 keys for memory")
    p.add_argument("--only", default=DEFAULT_TESTS, help=f"comma-separated redis-benchmark tests (default {DEFAULT_TESTS})")
    p.add_argument("--runs", type=int, help="runs per server per row (default 3; --quick: 2)")
    p.add_argument("-n", "--requests", type=int, help="requests per run at -c 50 (default 200000)")
    p.add_argument("--requests-c1", type=int, help="requests per run at -c 1 (default 20000)")
    p.add_argument("--keys", type=int, help="keys loaded for the memory measurement (default 1000000)")
    p.add_argument("--value-size", type=int, default=16, help="value size in bytes for the memory measurement")
    p.add_argument("--skip-throughput", action="store_true", help="only measure memory")
    p.add_argument("--skip-memory", action="store_true", help="only measure throughput and CPU")
    p.add_argument("--vermilion-port", type=int, help="bench an already-running Vermilion on this port")
    p.add_argument("--redis-port", type=int, help="bench an already-running redis-server on this port")
    p.add_argument("--python", default=None, help="interpreter that runs Vermilion (default: .venv/bin/python)")
    p.add_argument("--redis-server", default=shutil.which("redis-server") or "redis-server")
    p.add_argument("--redis-benchmark", default=shutil.which("redis-benchmark") or "redis-benchmark")
    p.add_argument("--out", help="rewrite the results section of this Markdown file (e.g. docs/benchmarks.md)")
    p.add_argument("--json", help="also write every raw measurement here (default bench/results/<time>.json)")
    a = p.parse_args(argv)
    a.runs = a.runs or (2 if a.quick else 3)
    a.requests = a.requests or (20_000 if a.quick else 200_000)
    a.requests_c1 = a.requests_c1 or (2_000 if a.quick else 20_000)
    a.keys = a.keys or (100_000 if a.quick else 1_000_000)
    a.tests = [t.strip().lower() for t in a.only.split(",") if t.strip()]
    unknown = [t for t in a.tests if t not in TEST_ROWS]
    if unknown:
        p.error(f"unknown test(s) {', '.join(unknown)}; known: {', '.join(TEST_ROWS)}")
    if a.keys >= 10_000_000:
        p.error("--keys must be below 10,000,000 (keys are key:NNNNNNN)")
    if a.python is None:
        venv = os.path.join(REPO, ".venv", "bin", "python")
        a.python = venv if os.path.exists(venv) else sys.executable
    # absolute: the servers run in a temporary directory
    a.python = os.path.abspath(a.python) if os.sep in a.python else (shutil.which(a.python) or a.python)
    return a


def progress(msg: str) -> None:
    sys.stderr.write(msg + "\n")
    sys.stderr.flush()


# ---- throughput and CPU -----------------------------------------------------------------


def rows_to_run(a: argparse.Namespace) -> list[dict]:
    return [
        {"label": "-c 50 -P 1", "clients": 50, "pipeline": 1, "n": a.requests, "cpu": True},
        {"label": "-c 50 -P 16", "clients": 50, "pipeline": 16, "n": a.requests, "cpu": True},
        {"label": "-c 1 -P 1", "clients": 1, "pipeline": 1, "n": a.requests_c1, "cpu": True},
    ]


def measure_throughput(a: argparse.Namespace, servers: list[Server]) -> list[dict]:
    for srv in servers:  # warm-up, discarded: first connections, imports, allocator arenas
        run_benchmark(a.redis_benchmark, srv, "ping_mbulk", min(a.requests, 20_000), 50, 1, False)
    results = []
    for row in rows_to_run(a):
        for test in a.tests:
            runs: dict[str, list] = {s.name: [] for s in servers}
            errors: dict[str, str] = {}
            for i in range(a.runs):
                for srv in servers:  # alternate: V R V R ...
                    if srv.name in errors:
                        continue
                    r = run_benchmark(a.redis_benchmark, srv, test, row["n"], row["clients"], row["pipeline"], row["cpu"])
                    if r.error:
                        errors[srv.name] = r.error
                        progress(f"  {row['label']:<12} {test:<11} {srv.name:<9} error: {r.error}")
                        continue
                    runs[srv.name].append(r)
                    cpu = f", {r.cpu_us_per_req:.2f} us/req CPU" if r.cpu_us_per_req is not None else ""
                    progress(f"  {row['label']:<12} {test:<11} {srv.name:<9} run {i + 1}: {r.rps:>12,.0f} req/s{cpu}")
            results.append({"row": row["label"], "test": test, "n": row["n"], "cpu": row["cpu"],
                            "runs": {k: [vars(r) for r in v] for k, v in runs.items()}, "errors": errors})
    return results


def short_error(e: str) -> str:
    return "not implemented" if "unknown command" in e else "error"


def trim(e: str, limit: int = 70) -> str:
    return e if len(e) <= limit else e[: limit - 3] + "..."


def median_of(runs: list[dict], key: str) -> float | None:
    vals = [r[key] for r in runs if r.get(key) is not None]
    return statistics.median(vals) if vals else None


def spread(runs: list[dict]) -> str:
    """Half the range of the runs' requests/s, relative to their median: the noise."""
    vals = [r["rps"] for r in runs if r.get("rps") is not None]
    if len(vals) < 2:
        return "n/a"
    return f"±{(max(vals) - min(vals)) / 2 / statistics.median(vals) * 100:.0f}%"


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def throughput_tables(results: list[dict], labels: list[str]) -> list[tuple[str, list[str], list[list[str]]]]:
    tables = []
    headers = ["test", "Vermilion req/s", "Redis req/s", "Vermilion/Redis", "Vermilion p50 ms", "Redis p50 ms",
               "spread V / R"]
    for label in labels:
        rows = []
        n = None
        for res in results:
            if res["row"] != label:
                continue
            n = res["n"]
            v, r = res["runs"].get("vermilion", []), res["runs"].get("redis", [])
            vr, rr = median_of(v, "rps"), median_of(r, "rps")
            vcell = fmt(vr) if "vermilion" not in res["errors"] else short_error(res["errors"]["vermilion"])
            rcell = fmt(rr) if "redis" not in res["errors"] else short_error(res["errors"]["redis"])
            rows.append([res["test"], vcell, rcell, fmt(ratio(vr, rr), ".2f"),
                         fmt(median_of(v, "p50_ms"), ".3f"), fmt(median_of(r, "p50_ms"), ".3f"),
                         f"{spread(v)} / {spread(r)}"])
        if rows:
            tables.append((f"redis-benchmark {label} -n {n:,}", headers, rows))
    for label in labels:
        cpu_rows = []
        for res in results:
            if not res["cpu"] or res["row"] != label:
                continue
            v = median_of(res["runs"].get("vermilion", []), "cpu_us_per_req")
            r = median_of(res["runs"].get("redis", []), "cpu_us_per_req")
            cpu_rows.append([res["test"], fmt(v, ".2f"), fmt(r, ".2f"), fmt(ratio(v, r), ".2f")])
        if cpu_rows:
            tables.append((f"Server CPU (utime+stime) per request at {label}, microseconds",
                           ["test", "Vermilion us/req", "Redis us/req", "Vermilion/Redis"], cpu_rows))
    return tables


# ---- memory ---------------------------------------------------------------------------------


def measure_memory(a: argparse.Namespace, servers: list[Server]) -> dict:
    out: dict = {"keys": a.keys, "value_size": a.value_size}
    for srv in servers:
        m: dict = {}
        try:
            call(srv.port, "FLUSHALL")
        except RespError as e:
            m["flushall_error"] = str(e)
        m["rss_before"] = rss_bytes(srv.pid) if srv.pid else None
        m["used_memory_before"] = _used_memory(srv.port)
        t0 = time.monotonic()
        m["ok"] = load_keys(srv.port, a.keys, a.value_size)
        m["load_s"] = time.monotonic() - t0
        m["rss_after"] = rss_bytes(srv.pid) if srv.pid else None
        m["used_memory_after"] = _used_memory(srv.port)
        try:
            m["dbsize"] = call(srv.port, "DBSIZE")
        except RespError as e:
            m["dbsize"] = None
            m["dbsize_error"] = str(e)
        out[srv.name] = m
        progress(f"  memory {srv.name:<9} {m['ok']:,} SETs OK in {m['load_s']:.1f}s, RSS "
                 f"{fmt(_mb(m['rss_before']), '.1f')} -> {fmt(_mb(m['rss_after']), '.1f')} MB")
        try:
            call(srv.port, "FLUSHALL")
        except RespError:
            pass
    return out


def _used_memory(port: int) -> int | None:
    raw = info_fields(port, "memory").get("used_memory")
    return int(raw) if raw and raw.isdigit() else None


def _mb(x: int | None) -> float | None:
    return None if x is None else x / (1024 * 1024)


def _per_key(m: dict, before: str, after: str, keys: int) -> float | None:
    if m.get(before) is None or m.get(after) is None:
        return None
    return (m[after] - m[before]) / keys


def memory_table(mem: dict) -> tuple[str, list[str], list[list[str]]]:
    keys = mem["keys"]
    rows = []
    for name in ("vermilion", "redis"):
        m = mem.get(name)
        if m is None:
            continue
        rows.append([
            name.capitalize(), f"{m['ok']:,}", fmt(m.get("dbsize"), ","),
            fmt(_mb(m["rss_before"]), ".1f"), fmt(_mb(m["rss_after"]), ".1f"),
            fmt(_per_key(m, "rss_before", "rss_after", keys), ".1f"),
            fmt(_mb(m["used_memory_after"]), ".1f"),
            fmt(_per_key(m, "used_memory_before", "used_memory_after", keys), ".1f"),
        ])
    headers = ["server", "SETs OK", "DBSIZE", "RSS before MB", "RSS after MB", "RSS bytes/key",
               "used_memory after MB", "used_memory bytes/key"]
    return (f"Memory after loading {keys:,} keys (key:NNNNNNN, {mem['value_size']}-byte values)", headers, rows)


def memory_ratio(mem: dict) -> float | None:
    v, r = mem.get("vermilion"), mem.get("redis")
    if not v or not r:
        return None
    return ratio(_per_key(v, "rss_before", "rss_after", 1), _per_key(r, "rss_before", "rss_after", 1))


# ---- main -------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    a = parse_args(argv)
    started = time.gmtime()
    load_at_start = os.getloadavg()
    log_dir = tempfile.mkdtemp(prefix="vermilion-bench-")
    servers: list[Server] = []
    try:
        if a.vermilion_port:
            servers.append(attach("vermilion", a.vermilion_port))
        else:
            servers.append(start_vermilion(a.python, log_dir))
        if a.redis_port:
            servers.append(attach("redis", a.redis_port))
        else:
            servers.append(start_redis(a.redis_server, log_dir))
        for s in servers:
            how = "started" if s.owned else "attached"
            progress(f"{s.name}: {how}, port {s.port}, pid {s.pid}" + "".join(f" ({n})" for n in s.notes))

        results = [] if a.skip_throughput else measure_throughput(a, servers)
        mem = None if a.skip_memory else measure_memory(a, servers)
    finally:
        for s in servers:
            s.stop()
    shutil.rmtree(log_dir, ignore_errors=True)  # kept only when something failed

    vermilion = servers[0] if servers else None
    python = a.python
    if vermilion is not None and not vermilion.owned and vermilion.pid:
        python = interpreter_of(vermilion.pid) or python  # what the attached server runs
    machine = machine_lines(python, a.redis_server, a.redis_benchmark)
    command = " ".join([os.path.relpath(sys.executable), shlex.join([os.path.relpath(sys.argv[0])] + argv)])
    header = [
        f"Command: `{command}`",
        f"Date: {time.strftime('%Y-%m-%d %H:%M UTC', started)}; load average at start: "
        f"{' '.join(f'{x:.2f}' for x in load_at_start)}, at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
        "(1, 5, 15 minutes; the machine is not otherwise idle when these exceed a fraction of 1)",
        *machine,
        f"Runs: {a.runs} per server per row, alternating Vermilion, Redis, Vermilion, Redis...; "
        f"medians shown. -c 1 rows use -n {a.requests_c1:,} (instead of {a.requests:,}) to keep the run short.",
    ]
    for s in servers:
        shown = [os.path.relpath(w) if w == a.python else ("<tmpdir>" if w == log_dir else w) for w in s.argv]
        header.append(f"{s.name.capitalize()}: `{shlex.join(shown)}`" if s.argv else
                      f"{s.name.capitalize()}: already running on port {s.port}")
        header[-1] += "".join(f" ({n})" for n in s.notes)
    tables = throughput_tables(results, [r["label"] for r in rows_to_run(a)])
    if mem is not None:
        tables.append(memory_table(mem))
    errors = sorted({(res["test"], trim(e)) for res in results for name, e in res["errors"].items() if name == "vermilion"})

    print()
    print("\n".join(header))
    for title, headers, rows in tables:
        print(f"\n{title}\n" + table_text(headers, rows))
    if mem is not None:
        print(f"\nRSS increase ratio Vermilion/Redis: {fmt(memory_ratio(mem), '.2f')}")
    for test, e in errors:
        print(f"Not measured on Vermilion: {test} ({e})")

    json_path = a.json or os.path.join(REPO, "bench", "results", time.strftime("%Y%m%dT%H%M%SZ", started) + ".json")
    os.makedirs(os.path.dirname(json_path), exist_ok=True)
    with open(json_path, "w") as f:
        json.dump({"header": header, "throughput": results, "memory": mem}, f, indent=1)
    print(f"\nRaw measurements: {json_path}")

    if a.out:
        md = ["\n".join(f"- {h}" for h in header)]
        for title, headers, rows in tables:
            md.append(f"### {title}\n\n{table_md(headers, rows)}")
        if mem is not None:
            md.append(f"RSS increase ratio Vermilion/Redis: **{fmt(memory_ratio(mem), '.2f')}**")
        if errors:
            md.append("Not measured on Vermilion (redis-benchmark stops at the first error reply):\n\n"
                      + "\n".join(f"- `{t}`: {e}" for t, e in errors))
        rewrite_results(a.out, "\n\n".join(md))
        print(f"Results section of {a.out} rewritten.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
