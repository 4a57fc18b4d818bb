"""What is measured: redis-benchmark runs (throughput, server CPU) and the key loader (memory).

Each ``run_benchmark`` call is one redis-benchmark process for one test (``-t set``), parsed
from its ``--csv`` output.  One test per process because redis-benchmark exits at the first
error reply: a command the server does not implement yet must not stop the other tests.
The server's utime+stime is read before and after the process, so CPU per request covers
exactly the requests of that run (plus redis-benchmark's CONFIG GET and connection setup,
which are negligible against ``-n``).

``load_keys`` writes ``SET key:NNNNNNN <value>`` in pipelined batches over one socket and
counts the reply lines (every SET reply is one line: ``+OK`` or an error), so exactly
``count`` keys are written, unlike ``redis-benchmark -r``, which draws keys at random.
"""

from __future__ import annotations

import csv
import io
import socket
import subprocess
from dataclasses import dataclass

from procs import Server, cpu_seconds

# redis-benchmark -t name -> the row name in its CSV output
TEST_ROWS = {
    "ping_inline": "PING_INLINE",
    "ping_mbulk": "PING_MBULK",
    "set": "SET",
    "get": "GET",
    "incr": "INCR",
    "mset": "MSET (10 keys)",
    "lpush": "LPUSH",
    "rpush": "RPUSH",
    "lpop": "LPOP",
    "rpop": "RPOP",
    "sadd": "SADD",
    "hset": "HSET",
    "spop": "SPOP",
    "zadd": "ZADD",
}


@dataclass
class RunResult:
    rps: float | None
    p50_ms: float | None
    cpu_us_per_req: float | None
    error: str | None = None


def run_benchmark(redis_benchmark: str, srv: Server, test: str, n: int, clients: int,
                  pipeline: int, measure_cpu: bool) -> RunResult:
    argv = [redis_benchmark, "-h", "127.0.0.1", "-p", str(srv.port), "-t", test,
            "-n", str(n), "-c", str(clients), "-P", str(pipeline), "--csv"]
    cpu_before = cpu_seconds(srv.pid) if measure_cpu and srv.pid else None
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=max(600, n // 100))
    cpu_after = cpu_seconds(srv.pid) if cpu_before is not None else None
    if proc.returncode != 0:
        lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("Error")]
        msg = lines[-1] if lines else (proc.stderr.strip().splitlines() or [f"exit {proc.returncode}"])[-1]
        return RunResult(None, None, None, msg.removeprefix("Error from server: ").strip())
    row = parse_csv(proc.stdout).get(TEST_ROWS.get(test, test.upper()))
    if row is None:
        return RunResult(None, None, None, f"no CSV row for {test}: {proc.stdout.strip()!r}")
    cpu = (cpu_after - cpu_before) * 1e6 / n if cpu_before is not None else None
    return RunResult(float(row["rps"]), float(row["p50_latency_ms"]), cpu)


def parse_csv(text: str) -> dict[str, dict[str, str]]:
    """redis-benchmark --csv output -> {test row name: {column: value}}."""
    lines = [ln for ln in text.splitlines() if ln.startswith('"')]
    return {row["test"]: row for row in csv.DictReader(io.StringIO("\n".join(lines)))}


def load_keys(port: int, count: int, value_size: int, batch: int = 10_000) -> int:
    """SET ``count`` distinct keys ``key:0000000``... with ``value_size``-byte values.
    Returns how many SETs were answered ``+OK``."""
    value = b"v" * value_size
    tail = b"\r\n$%d\r\n%s\r\n" % (value_size, value)
    ok = 0
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for start in range(0, count, batch):
            stop = min(count, start + batch)
            payload = b"".join(b"*3\r\n$3\r\nSET\r\n$11\r\nkey:%07d%s" % (i, tail) for i in range(start, stop))
            sock.sendall(payload)
            want = stop - start
            got = bytearray()
            lines = 0
            while lines < want:
                chunk = sock.recv(1 << 20)
                if not chunk:
                    raise ConnectionError("server closed the connection while loading keys")
                got += chunk
                lines += chunk.count(b"\n")
            ok += got.count(b"+OK\r\n")
    return ok
