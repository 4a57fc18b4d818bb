"""Feature benchmarks: the figures the data-type, streams, pub/sub, transaction and
scripting issues ask for, side by side with a real redis-server.

    .venv/bin/python bench/features.py                  # everything (about 6 minutes)
    .venv/bin/python bench/features.py --quick          # smaller counts, one run each
    .venv/bin/python bench/features.py --only pubsub,multi --out docs/benchmarks.md

What each part measures (every part runs against both servers, alternating
Vermilion, Redis, Vermilion, Redis... when ``--runs`` > 1, medians shown):

* ``types``: ``redis-benchmark -t lpush,rpush,lpop,rpop,sadd,hset,spop,zadd,zpopmin,
  lrange_100,lrange_300,lrange_500,lrange_600`` and ``XADD bench:xadd * field value`` at ``-c 50 -P 1`` and ``-P 16``;
  requests/s and the server's CPU (utime+stime) per request at ``-P 1``.
* ``evalsha``: ``redis-benchmark EVALSHA <sha> 1 key:__rand_int__ v`` of a script doing one
  SET and one GET, next to ``SET key:__rand_int__ v`` as a direct command.
* ``multi``: MULTI, 10 SETs, EXEC, pipelined 100 transactions at a time over one
  connection: transactions/s and server CPU per transaction.
* ``pubsub``: 1, 10 and 1,000 subscribers of one channel; a publisher sends PUBLISH
  pipelined 100 at a time while a reader thread drains every subscriber socket; messages
  delivered per second and server CPU per delivered message (the reader is the same for
  both servers; CPU per message does not depend on it).
* ``streams``: XREADGROUP COUNT 100 / XACK of the ids, over a stream of preloaded
  entries: entries consumed per second and server CPU per entry.
* ``memory``: RSS per element of a 1,000,000-member hash (16-byte values), set and
  sorted set, loaded 1,000 members per command.

``--out FILE`` rewrites the block between ``<!-- features:start -->`` and
``<!-- features:end -->`` of FILE (appended when absent).
"""

from __future__ import annotations

import argparse
import os
import selectors
import shutil
import socket
import sys
import tempfile
import threading
import time

import hiredis

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from parts import med, num, parse_part_args, progress, ratio  # noqa: E402
from procs import Server, call, cpu_seconds, encode_command, rss_bytes, start_redis, start_vermilion  # noqa: E402
from report import machine_lines, rewrite_block, table_md, table_text  # noqa: E402
from workloads import parse_csv  # noqa: E402

START, END = "<!-- features:start (written by bench/features.py --out; do not edit by hand) -->", "<!-- features:end -->"
TYPE_TESTS = "lpush,rpush,lpop,rpop,sadd,hset,spop,zadd,zpopmin,lrange_100,lrange_300,lrange_500,lrange_600,xadd"
PARTS = ("types", "evalsha", "multi", "pubsub", "streams", "memory")
SCRIPT = "redis.call('SET', KEYS[1], ARGV[1]) return redis.call('GET', KEYS[1])"


def parse_args(argv: list[str]) -> argparse.Namespace:
    a = parse_part_args(__doc__, PARTS, "features", argv)
    a.members = 100_000 if a.quick else 1_000_000
    return a


def alternate(a: argparse.Namespace, servers: list[Server], fn) -> dict[str, list]:
    """fn(server) per run, alternating the servers; {server name: [results]}."""
    out: dict[str, list] = {s.name: [] for s in servers}
    for _ in range(a.runs):
        for s in servers:
            out[s.name].append(fn(s))
    return out


class Conn:
    """One pipelined RESP connection parsed with hiredis."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.reader = hiredis.Reader()

    def send(self, payload: bytes) -> None:
        self.sock.sendall(payload)

    def replies(self, count: int) -> list:
        out = []
        while len(out) < count:
            r = self.reader.gets()
            if r is False:
                chunk = self.sock.recv(1 << 20)
                if not chunk:
                    raise ConnectionError("connection closed")
                self.reader.feed(chunk)
                continue
            if isinstance(r, hiredis.ReplyError):
                raise RuntimeError(f"error reply: {r}")
            out.append(r)
        return out

    def call(self, *args) -> object:
        self.send(encode_command(*args))
        return self.replies(1)[0]

    def close(self) -> None:
        self.sock.close()


# ---- types / evalsha: redis-benchmark ----------------------------------------------------


def bench_row(a: argparse.Namespace, srv: Server, extra: list[str], pipeline: int, row_prefix: str | None):
    argv = [a.redis_benchmark, "-h", "127.0.0.1", "-p", str(srv.port), "-n", str(a.n), "-c", "50",
            "-P", str(pipeline), "--csv", *extra]
    before = cpu_seconds(srv.pid)
    proc = __import__("subprocess").run(argv, capture_output=True, text=True, timeout=900)
    cpu_us = (cpu_seconds(srv.pid) - before) * 1e6 / a.n
    rows = parse_csv(proc.stdout)
    if proc.returncode != 0 or not rows:
        return None, None
    if row_prefix is None:
        row = next(iter(rows.values()))
    else:
        row = rows.get(row_prefix) or next((r for k, r in rows.items() if k.startswith(row_prefix + " ")), None)
    return (float(row["rps"]) if row else None), cpu_us


def part_types(a, servers):
    tables = []
    for pipeline in (1, 16):
        rows = []
        for test in TYPE_TESTS.split(","):
            progress(f"types: {test} -P {pipeline}")
            if test == "xadd":  # no -t xadd in redis-benchmark 7.0: the same command, custom
                extra, row_name = ["XADD", "bench:xadd", "*", "field", "value"], None
            else:
                extra, row_name = ["-t", test], test.upper()
            res = alternate(a, servers, lambda s: bench_row(a, s, extra, pipeline, row_name))
            v, r = (med([x[0] for x in res[n]]) for n in ("vermilion", "redis"))
            row = [test, num(v), num(r), ratio(v, r)]
            if pipeline == 1:
                vc, rc = (med([x[1] for x in res[n]]) for n in ("vermilion", "redis"))
                row += [num(vc, ".1f"), num(rc, ".1f"), ratio(vc, rc)]
            rows.append(row)
        headers = ["test", "Vermilion req/s", "Redis req/s", "V/R"]
        if pipeline == 1:
            headers += ["Vermilion CPU us/req", "Redis CPU us/req", "CPU V/R"]
        tables.append((f"Data types: redis-benchmark -c 50 -P {pipeline} -n {a.n:,}", headers, rows))
    return tables


def part_evalsha(a, servers):
    rows = []
    for s in servers:
        sha = call(s.port, "SCRIPT", "LOAD", SCRIPT)
    sha = sha.decode()
    for label, extra in (("EVALSHA (SET + GET in Lua)", ["-r", "100000", "EVALSHA", sha, "1", "key:__rand_int__", "v"]),
                         ("SET (direct)", ["-r", "100000", "SET", "key:__rand_int__", "v"])):
        progress(f"evalsha: {label}")
        res = alternate(a, servers, lambda s: bench_row(a, s, extra, 1, None))
        v, r = (med([x[0] for x in res[n]]) for n in ("vermilion", "redis"))
        vc, rc = (med([x[1] for x in res[n]]) for n in ("vermilion", "redis"))
        rows.append([label, num(v), num(r), ratio(v, r), num(vc, ".1f"), num(rc, ".1f"), ratio(vc, rc)])
    return [(f"Scripting: redis-benchmark -c 50 -P 1 -n {a.n:,}",
             ["command", "Vermilion req/s", "Redis req/s", "V/R", "Vermilion CPU us/req", "Redis CPU us/req", "CPU V/R"],
             rows)]


# ---- multi ---------------------------------------------------------------------------------


def run_multi(srv: Server, transactions: int) -> tuple[float, float]:
    one = encode_command("MULTI") + b"".join(encode_command("SET", f"tx:{i}", "value") for i in range(10)) \
        + encode_command("EXEC")
    batch = 100
    conn = Conn(srv.port)
    t0, c0 = time.perf_counter(), cpu_seconds(srv.pid)
    for _ in range(transactions // batch):
        conn.send(one * batch)
        conn.replies(12 * batch)
    elapsed, cpu = time.perf_counter() - t0, cpu_seconds(srv.pid) - c0
    conn.close()
    return transactions / elapsed, cpu * 1e6 / transactions


def part_multi(a, servers):
    txs = a.n // 5
    progress("multi")
    res = alternate(a, servers, lambda s: run_multi(s, txs))
    v, r = (med([x[0] for x in res[n]]) for n in ("vermilion", "redis"))
    vc, rc = (med([x[1] for x in res[n]]) for n in ("vermilion", "redis"))
    return [(f"MULTI + 10 SETs + EXEC, {txs:,} transactions pipelined 100 at a time, one connection",
             ["", "Vermilion", "Redis", "V/R"],
             [["transactions/s", num(v), num(r), ratio(v, r)],
              ["server CPU us/transaction", num(vc, ".1f"), num(rc, ".1f"), ratio(vc, rc)]])]


# ---- pubsub --------------------------------------------------------------------------------


def run_pubsub(srv: Server, subscribers: int, messages: int) -> tuple[float, float]:
    payload = b"x" * 32
    msg_len = len(b"*3\r\n$7\r\nmessage\r\n$5\r\nbench\r\n$32\r\n" + payload + b"\r\n")
    subs = []
    for _ in range(subscribers):
        s = socket.create_connection(("127.0.0.1", srv.port))
        s.sendall(encode_command("SUBSCRIBE", "bench"))
        subs.append(s)
    confirm = len(b"*3\r\n$9\r\nsubscribe\r\n$5\r\nbench\r\n:1\r\n")
    for s in subs:  # the confirmation is the same length for every subscriber
        got = 0
        while got < confirm:
            got += len(s.recv(confirm - got))
    want = subscribers * messages * msg_len
    done = threading.Event()
    received = [0]

    def drain() -> None:
        sel = selectors.DefaultSelector()
        for s in subs:
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ)
        while received[0] < want:
            for key, _ in sel.select(timeout=5):
                try:
                    chunk = key.fileobj.recv(1 << 20)
                except BlockingIOError:
                    continue
                if not chunk:
                    raise ConnectionError("subscriber disconnected")
                received[0] += len(chunk)
        sel.close()
        done.set()

    reader = threading.Thread(target=drain, daemon=True)
    pub = Conn(srv.port)
    batch = 100
    one = encode_command("PUBLISH", "bench", payload)
    t0, c0 = time.perf_counter(), cpu_seconds(srv.pid)
    reader.start()
    for _ in range(messages // batch):
        pub.send(one * batch)
        pub.replies(batch)
    if not done.wait(120):
        raise TimeoutError(f"subscribers got {received[0]} of {want} bytes")
    elapsed, cpu = time.perf_counter() - t0, cpu_seconds(srv.pid) - c0
    pub.close()
    for s in subs:
        s.close()
    delivered = subscribers * messages
    return delivered / elapsed, cpu * 1e6 / delivered


def part_pubsub(a, servers):
    rows = []
    scale = 5 if a.quick else 1
    for subscribers, messages in ((1, 100_000), (10, 20_000), (1000, 1_000)):
        messages //= scale
        progress(f"pubsub: {subscribers} subscribers")
        res = alternate(a, servers, lambda s: run_pubsub(s, subscribers, messages))
        v, r = (med([x[0] for x in res[n]]) for n in ("vermilion", "redis"))
        vc, rc = (med([x[1] for x in res[n]]) for n in ("vermilion", "redis"))
        rows.append([f"{subscribers:,}", f"{messages:,}", num(v), num(r), ratio(v, r),
                     num(vc, ".2f"), num(rc, ".2f"), ratio(vc, rc)])
    return [("PUBLISH fan-out (32-byte messages, PUBLISH pipelined 100 at a time)",
             ["subscribers", "messages", "Vermilion delivered/s", "Redis delivered/s", "V/R",
              "Vermilion CPU us/delivery", "Redis CPU us/delivery", "CPU V/R"], rows)]


# ---- streams -------------------------------------------------------------------------------


def run_streams(srv: Server, entries: int) -> tuple[float, float]:
    conn = Conn(srv.port)
    conn.call("DEL", "bench:stream")
    add = encode_command("XADD", "bench:stream", "*", "field", "value")
    for start in range(0, entries, 1000):
        conn.send(add * min(1000, entries - start))
        conn.replies(min(1000, entries - start))
    conn.call("XGROUP", "CREATE", "bench:stream", "g", "0")
    read = encode_command("XREADGROUP", "GROUP", "g", "c", "COUNT", "100", "STREAMS", "bench:stream", ">")
    consumed = 0
    t0, c0 = time.perf_counter(), cpu_seconds(srv.pid)
    while consumed < entries:
        conn.send(read)
        (reply,) = conn.replies(1)
        ids = [e[0] for e in reply[0][1]]
        conn.send(encode_command("XACK", "bench:stream", "g", *ids))
        conn.replies(1)
        consumed += len(ids)
    elapsed, cpu = time.perf_counter() - t0, cpu_seconds(srv.pid) - c0
    conn.call("DEL", "bench:stream")
    conn.close()
    return consumed / elapsed, cpu * 1e6 / consumed


def part_streams(a, servers):
    entries = a.n
    progress("streams")
    res = alternate(a, servers, lambda s: run_streams(s, entries))
    v, r = (med([x[0] for x in res[n]]) for n in ("vermilion", "redis"))
    vc, rc = (med([x[1] for x in res[n]]) for n in ("vermilion", "redis"))
    return [(f"Consumer group loop: XREADGROUP COUNT 100 + XACK of the ids, {entries:,} entries, one consumer",
             ["", "Vermilion", "Redis", "V/R"],
             [["entries/s", num(v), num(r), ratio(v, r)],
              ["server CPU us/entry", num(vc, ".2f"), num(rc, ".2f"), ratio(vc, rc)]])]


# ---- memory --------------------------------------------------------------------------------


def load_members(srv: Server, kind: str, members: int) -> None:
    conn = Conn(srv.port)
    per_cmd, pending = 1000, 0
    value = b"v" * 16
    for start in range(0, members, per_cmd):
        ids = range(start, min(members, start + per_cmd))
        if kind == "hash":
            args = ["HSET", "bench:hash"] + [x for i in ids for x in (b"f:%07d" % i, value)]
        elif kind == "set":
            args = ["SADD", "bench:set"] + [b"m:%07d" % i for i in ids]
        else:
            args = ["ZADD", "bench:zset"] + [x for i in ids for x in (b"%d" % i, b"m:%07d" % i)]
        conn.send(encode_command(*args))
        pending += 1
        if pending == 50:
            conn.replies(pending)
            pending = 0
    conn.replies(pending)
    conn.close()


def part_memory(a, servers):
    """Fresh servers per type: memory freed by an earlier load stays in the process
    (pymalloc arenas, jemalloc), and would hide part of the next one."""
    rows = []
    for kind in ("hash", "set", "zset"):
        per = {}
        for start in (lambda: start_vermilion(a.python, a.log_dir), lambda: start_redis(a.redis_server, a.log_dir)):
            s = start()
            try:
                progress(f"memory: {kind} on {s.name}")
                time.sleep(0.5)
                before = rss_bytes(s.pid)
                load_members(s, kind, a.members)
                time.sleep(0.5)
                per[s.name] = (rss_bytes(s.pid) - before) / a.members
            finally:
                s.stop()
        v, r = per["vermilion"], per["redis"]
        rows.append([kind, num(v, ".1f"), num(r, ".1f"), ratio(v, r)])
    return [(f"Memory: RSS increase per element of one {a.members:,}-member key, each on a fresh server "
             "(hash: 16-byte values; members `f:NNNNNNN`/`m:NNNNNNN`)",
             ["type", "Vermilion bytes/element", "Redis bytes/element", "V/R"], rows)]


# ---- main ----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    a = parse_args(sys.argv[1:] if argv is None else argv)
    started, load0 = time.gmtime(), os.getloadavg()
    log_dir = a.log_dir = tempfile.mkdtemp(prefix="vermilion-features-")
    servers: list[Server] = []
    tables = []
    try:
        servers = [start_vermilion(a.python, log_dir), start_redis(a.redis_server, log_dir)]
        for part in a.parts:
            tables += globals()[f"part_{part}"](a, servers)
    finally:
        for s in servers:
            s.stop()
    shutil.rmtree(log_dir, ignore_errors=True)
    header = [f"Command: `bench/features.py {' '.join(sys.argv[1:] if argv is None else argv)}`",
              f"Date: {time.strftime('%Y-%m-%d %H:%M UTC', started)}; load average at start "
              f"{' '.join(f'{x:.2f}' for x in load0)}, at end {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
              *machine_lines(a.python, a.redis_server, a.redis_benchmark),
              f"Runs: {a.runs} per server, alternating; medians shown."]
    print("\n".join(header))
    for title, headers, rows in tables:
        print(f"\n{title}\n" + table_text(headers, rows))
    if a.out:
        md = ["\n".join(f"- {h}" for h in header)]
        md += [f"### {title}\n\n{table_md(headers, rows)}" for title, headers, rows in tables]
        rewrite_block(a.out, START, END, "\n\n".join(md), heading="Feature benchmarks", before="## History")
        print(f"Features block of {a.out} rewritten.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
