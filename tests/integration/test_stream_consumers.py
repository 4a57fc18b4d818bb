"""Producers and consumers of one consumer group on Vermilion, through redis-py.

Two producers XADD while three consumers read with XREADGROUP BLOCK; consumers
"crash" on some entries (read them but never ack), and a reaper claims those with
XAUTOCLAIM once they are idle and acks them.  At the end every produced entry was
acknowledged exactly once (XACK answered 1 for it exactly once), nothing is pending,
and the group's counters agree.  Bounded to a few seconds.
"""

from __future__ import annotations

import threading
import time

import redis

N_PER_PRODUCER = 300


def test_group_consumers_claims_and_acks(vermilion_server):
    port = vermilion_server.port
    admin = redis.Redis(port=port)
    admin.delete("jobs")
    admin.xgroup_create("jobs", "workers", id="0", mkstream=True)

    produced: list[bytes] = []
    acked: list[bytes] = []
    lock = threading.Lock()
    stop = threading.Event()
    errors: list[BaseException] = []

    def guard(fn):
        def run(*args):
            try:
                fn(*args)
            except BaseException as e:  # noqa: BLE001 - reported by the main thread
                errors.append(e)
        return run

    @guard
    def producer(tag: int) -> None:
        c = redis.Redis(port=port)
        for i in range(N_PER_PRODUCER):
            entry_id = c.xadd("jobs", {"producer": tag, "n": i})
            with lock:
                produced.append(entry_id)
        c.close()

    def ack(c: redis.Redis, ids: list[bytes]) -> None:
        for entry_id in ids:
            if c.xack("jobs", "workers", entry_id) == 1:
                with lock:
                    acked.append(entry_id)

    @guard
    def consumer(name: str, crash_every: int) -> None:
        c = redis.Redis(port=port)
        seen = 0
        while not stop.is_set():
            reply = c.xreadgroup("workers", name, {"jobs": ">"}, count=10, block=50)
            for _key, entries in reply or []:
                done = []
                for entry_id, fields in entries:
                    assert set(fields) == {b"producer", b"n"}
                    seen += 1
                    if seen % crash_every:
                        done.append(entry_id)
                ack(c, done)
        c.close()

    @guard
    def reaper() -> None:
        c = redis.Redis(port=port)
        while not stop.is_set():
            cursor = "0-0"
            while True:
                cursor, claimed, deleted = c.xautoclaim("jobs", "workers", "reaper", min_idle_time=30,
                                                        start_id=cursor, count=25)
                assert deleted == []
                ack(c, [entry_id for entry_id, _ in claimed])
                if cursor == b"0-0":
                    break
            time.sleep(0.01)
        c.close()

    threads = [threading.Thread(target=producer, args=(t,)) for t in (1, 2)]
    threads += [threading.Thread(target=consumer, args=(f"c{i}", 3 + i)) for i in range(3)]
    threads.append(threading.Thread(target=reaper))
    for t in threads:
        t.start()
    deadline = time.monotonic() + 20
    total = 2 * N_PER_PRODUCER
    while time.monotonic() < deadline and not errors:
        with lock:
            if len(acked) == total and len(produced) == total:
                break
        time.sleep(0.02)
    stop.set()
    for t in threads:
        t.join(10)
    assert not errors, errors
    assert len(produced) == total == len(set(produced))
    assert sorted(acked) == sorted(produced), "an entry was lost or acknowledged twice"
    summary = admin.xpending("jobs", "workers")
    assert summary["pending"] == 0
    info = {g["name"]: g for g in admin.xinfo_groups("jobs")}[b"workers"]
    assert info["pending"] == 0 and info["lag"] == 0 and info["entries-read"] == total
    assert info["last-delivered-id"] == max(produced, key=lambda i: tuple(map(int, i.split(b"-"))))
    assert admin.xlen("jobs") == total
    admin.close()
