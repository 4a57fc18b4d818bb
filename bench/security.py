"""Security and scripting benchmarks: the figures the ACL/TLS and scripting issues ask
for, side by side with a real redis-server.

    .venv/bin/python bench/security.py                  # everything (about 4 minutes)
    .venv/bin/python bench/security.py --quick          # smaller counts, one run each
    .venv/bin/python bench/security.py --only evalsha --out docs/benchmarks.md

What each part measures, with ``redis-benchmark -c 50 -P 1`` against both servers
(alternating Vermilion, Redis, Vermilion, Redis... when ``--runs`` > 1; medians shown):
requests/s and the server's CPU (utime+stime from ``/proc/<pid>/stat``) per request,
the figure that does not depend on how client and server share the machine's cores.

* ``evalsha``: ``EVALSHA <sha> 1 key:__rand_int__ v`` of a script doing one SET and one
  GET, next to ``SET`` and ``GET`` as direct commands.
* ``acl``: ``SET`` and ``GET`` as the default user (every permission: no ACL check at
  all) and as a restricted user (``~key:* +get +set`` and what redis-benchmark needs),
  whose every command goes through the ACL check.
* ``tls``: ``SET`` and ``GET`` over TLS (a throwaway CA and server certificate made
  with the ``openssl`` command; ``tls-auth-clients no``), next to the same over TCP.

``--out FILE`` rewrites the block between ``<!-- security:start -->`` and
``<!-- security:end -->`` of FILE (appended when absent).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)

from procs import Server, _spawn, call, cpu_seconds, free_port, log_tail  # noqa: E402
from parts import med, num, parse_part_args, progress, ratio  # noqa: E402
from report import rewrite_block  # noqa: E402
from workloads import parse_csv  # noqa: E402

PARTS = ("evalsha", "acl", "tls")
SCRIPT = "redis.call('SET', KEYS[1], ARGV[1]) return redis.call('GET', KEYS[1])"
BENCH_USER = ["bench", "on", ">benchpw", "~key:*", "+get", "+set", "+ping", "+config|get", "+hello", "+auth"]


def parse_args(argv: list[str]) -> argparse.Namespace:
    return parse_part_args(__doc__, PARTS, "security", argv)


# ---- servers ------------------------------------------------------------------------------


def make_certs(d: str) -> None:
    def run(*args: str) -> None:
        subprocess.run(args, cwd=d, check=True, capture_output=True)

    run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt",
        "-days", "2", "-subj", "/CN=bench CA")
    run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
        "-subj", "/CN=localhost")
    run("openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "server.crt", "-days", "2")


def start(a: argparse.Namespace, name: str, tmp: str, tls: bool) -> Server:
    port = free_port()
    if name == "vermilion":
        argv = [a.python, "-m", "vermilion", "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    else:
        argv = [a.redis_server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--dir", tmp]
    if tls:
        tls_port = free_port()
        argv += ["--tls-port", str(tls_port), "--tls-cert-file", os.path.join(tmp, "server.crt"),
                 "--tls-key-file", os.path.join(tmp, "server.key"),
                 "--tls-ca-cert-file", os.path.join(tmp, "ca.crt"), "--tls-auth-clients", "no"]
    srv = _spawn(name, argv, port, tmp)
    if srv is None:
        raise RuntimeError(f"{name} failed to start:\n{log_tail(os.path.join(tmp, f'{name}-{port}.log'))}")
    srv.tls_port = tls_port if tls else None  # type: ignore[attr-defined]
    return srv


def bench(a: argparse.Namespace, srv: Server, extra: list[str], port: int | None = None) -> tuple:
    """(requests/s, server CPU microseconds per request) of one redis-benchmark run."""
    argv = [a.redis_benchmark, "-h", "127.0.0.1", "-p", str(port or srv.port), "-n", str(a.n), "-c", "50",
            "-P", "1", "--csv", *extra]
    before = cpu_seconds(srv.pid)
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=900)
    cpu_us = (cpu_seconds(srv.pid) - before) * 1e6 / a.n
    rows = parse_csv(proc.stdout)
    if proc.returncode != 0 or not rows:
        progress(f"  {srv.name}: redis-benchmark failed: {proc.stderr.strip()[:200]}")
        return None, None
    return float(next(iter(rows.values()))["rps"]), cpu_us


def measure(a: argparse.Namespace, servers: list[Server], tests: list[tuple[str, object]]) -> dict:
    """{(test, server name): [(rps, cpu_us), ...]}; ``tests`` maps a label to a function
    server -> redis-benchmark extra arguments (and port)."""
    out: dict = {}
    for run in range(a.runs):
        for label, fn in tests:
            for s in servers:
                extra, port = fn(s)
                progress(f"  run {run + 1}: {label} on {s.name}")
                out.setdefault((label, s.name), []).append(bench(a, s, extra, port))
    return out


def table(title: str, results: dict, labels: list[str]) -> list[str]:
    lines = [f"### {title}", "",
             "| test | Vermilion req/s | Redis req/s | Vermilion/Redis | Vermilion CPU us/req | Redis CPU us/req "
             "| CPU ratio V/R |", "| --- | --- | --- | --- | --- | --- | --- |"]
    for label in labels:
        v = results.get((label, "vermilion"), [])
        r = results.get((label, "redis"), [])
        vr, rr = med([x[0] for x in v]), med([x[0] for x in r])
        vc, rc = med([x[1] for x in v]), med([x[1] for x in r])
        lines.append(f"| {label} | {num(vr)} | {num(rr)} | {ratio(vr, rr)} | {num(vc, '.1f')} | {num(rc, '.1f')} "
                     f"| {num(vc / rc if vc and rc else None, '.1f')} |")
    return lines + [""]


# ---- parts ----------------------------------------------------------------------------------


def part_evalsha(a, servers):
    shas = {s.name: call(s.port, "SCRIPT", "LOAD", SCRIPT).decode() for s in servers}
    tests = [
        ("EVALSHA (SET + GET in Lua)", lambda s: (["-r", "100000", "EVALSHA", shas[s.name], "1", "key:__rand_int__",
                                                  "v"], None)),
        ("SET", lambda s: (["-r", "100000", "SET", "key:__rand_int__", "v"], None)),
        ("GET", lambda s: (["-r", "100000", "GET", "key:__rand_int__"], None)),
    ]
    res = measure(a, servers, tests)
    return table(f"Scripting: redis-benchmark -c 50 -P 1 -n {a.n:,}", res, [t[0] for t in tests])


def part_acl(a, servers):
    for s in servers:
        call(s.port, "ACL", "SETUSER", *BENCH_USER)
    auth = ["--user", "bench", "-a", "benchpw"]
    tests = [
        ("SET, default user", lambda s: (["-r", "100000", "SET", "key:__rand_int__", "v"], None)),
        ("SET, restricted user", lambda s: (auth + ["-r", "100000", "SET", "key:__rand_int__", "v"], None)),
        ("GET, default user", lambda s: (["-r", "100000", "GET", "key:__rand_int__"], None)),
        ("GET, restricted user", lambda s: (auth + ["-r", "100000", "GET", "key:__rand_int__"], None)),
    ]
    res = measure(a, servers, tests)
    lines = table(f"ACL: a restricted user (`{' '.join(BENCH_USER[3:6])} ...`) against the default user, "
                  f"-c 50 -P 1 -n {a.n:,}", res, [t[0] for t in tests])
    for cmd in ("SET", "GET"):
        for name in ("vermilion", "redis"):
            d = med([x[1] for x in res.get((f"{cmd}, default user", name), [])])
            r = med([x[1] for x in res.get((f"{cmd}, restricted user", name), [])])
            if d and r:
                lines.append(f"- {name}: {cmd} CPU per request as the restricted user / as the default user: "
                             f"**{r / d:.2f}**")
    return lines + [""]


def part_tls(a, servers):
    tls = ["--tls", "--cacert", None]
    tests = []
    for cmd in ("SET", "GET"):
        args = ["-r", "100000", cmd, "key:__rand_int__"] + (["v"] if cmd == "SET" else [])
        tests.append((f"{cmd} over TCP", lambda s, args=args: (args, None)))
        tests.append((f"{cmd} over TLS", lambda s, args=args: (
            tls[:2] + [os.path.join(s.tmp, "ca.crt")] + args, s.tls_port)))
    res = measure(a, servers, tests)
    return table(f"TLS (TLSv1.3, `tls-auth-clients no`): -c 50 -P 1 -n {a.n:,}", res, [t[0] for t in tests])


# ---- main -------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    a = parse_args(sys.argv[1:] if argv is None else argv)
    tmp = tempfile.mkdtemp(prefix="vermilion-security-bench-")
    need_tls = "tls" in a.parts
    if need_tls:
        make_certs(tmp)
    servers: list[Server] = []
    try:
        for name in ("vermilion", "redis"):
            s = start(a, name, tmp, need_tls)
            s.tmp = tmp  # type: ignore[attr-defined]
            servers.append(s)
        lines = [f"- Command: `.venv/bin/python bench/security.py {' '.join(sys.argv[1:] if argv is None else argv)}`",
                 f"- Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; load average at start: "
                 f"{open('/proc/loadavg').read().split()[:3]}",
                 f"- Runs: {a.runs} per server per row, alternating; medians shown.", ""]
        for part in a.parts:
            progress(part)
            lines += globals()[f"part_{part}"](a, servers)
        block = "\n".join(lines)
        print(block)
        if a.out:
            rewrite_block(a.out, "<!-- security:start -->", "<!-- security:end -->", block, before="## History")
    finally:
        for s in servers:
            s.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
