"""maxmemory and eviction (Redis's evict.c): policies, the eviction pool, the LFU counter.

When ``maxmemory`` is set, the ``oom`` dispatch gate runs ``perform`` before every
command (``server.gate`` carries ``ServerGate.OOM`` only while it is set).  ``perform``
compares ``used_memory`` (ops/memory.py) with the limit and, under any policy but
``noeviction``, deletes keys until the estimate is back under it -- at most
``BATCH_KEYS`` keys or ``BATCH_NS`` per call, the rest before the next command, as
Redis bounds one eviction pass (maxmemory-eviction-tenacity).  A deny-oom command is
refused with ``-OOM`` only when nothing could be freed: under ``noeviction``, or under a
``volatile-*`` policy with no key left that has a TTL.

Choosing a victim:

* ``allkeys-random`` / ``volatile-random``: a random key of the db's keys (or of the keys
  with a TTL), the dbs taken round-robin.
* ``*-lru``, ``*-lfu``, ``volatile-ttl``: Redis's approximation.  From every db,
  ``maxmemory-samples`` random keys are scored (idle time; 255 minus the decayed LFU
  counter; the negated expiry time) and merged into a 16-entry pool kept sorted by
  score; the best-scored key still present is evicted.  The pool carries good
  candidates from one pass to the next, which is what makes a 5-key sample come close to
  true LRU.

Random keys: a dict has no O(1) random access, so each db's sampler keeps a snapshot
``list`` of its keys (taken at C speed) and re-takes it once the server has seen more
writes than half the snapshot's size since (amortised O(1) per write); keys drawn
that no longer exist are skipped.

Access metadata, in ``db.lru`` (``key -> int``), is recorded only while the policy is an
LRU or LFU one: dispatch then calls ``touch_keys`` after each command (``server.lru_mode``
is 0 otherwise, so GET/SET pay one falsy test).  LRU stores the last access time in ms.
LFU stores Redis's 24 bits: the last decrement time in minutes (16 bits) and an 8-bit
logarithmic counter (``log_incr``: incremented with probability 1/((c-5)*lfu-log-factor+1),
new keys start at 5; ``decayed``: minus one per ``lfu-decay-time`` minutes).  A key
without an entry counts as accessed when tracking began (LRU) or as new (LFU).
Entries of deleted keys are dropped when met and by a cron sweep.
"""

from __future__ import annotations

import time
from random import random
from typing import Any

from ..keyspace.notify import key_evicted
from .latency import add_sample_if_needed
from .memory import entry_size, used_memory

POOL_SIZE = 16
BATCH_KEYS = 2000
BATCH_NS = 5_000_000
LFU_INIT_VAL = 5
LRU_MODE = 1
LFU_MODE = 2

_SETS_METADATA = (b"restore", b"restore-asking")
OOM_ERROR = b"OOM command not allowed when used memory > 'maxmemory'."


class Sampler:
    """Random keys of one dict (a db's ``data`` or ``expires``): see the module doc."""

    __slots__ = ("keys", "dirty")

    def __init__(self) -> None:
        self.keys: list[bytes] = []
        self.dirty = -1

    def draw(self, server: Any, d: dict, n: int) -> list[bytes]:
        size = len(d)
        if not size:
            return []
        keys = self.keys
        if self.dirty < 0 or server.dirty - self.dirty > (len(keys) >> 1) or not keys:
            keys = self.keys = list(d)
            self.dirty = server.dirty
        n_keys = len(keys)
        out = [keys[int(random() * n_keys)] for _ in range(n)]
        out = [k for k in out if k in d]
        if len(out) < n:
            # Stale draws: retry a little, and re-take the snapshot next time if most missed.
            extra = [keys[int(random() * n_keys)] for _ in range(3 * n)]
            out += [k for k in extra if k in d][: n - len(out)]
            if len(out) < (n + 1) >> 1:
                self.dirty = -1
        return out


class EvictState:
    __slots__ = ("samplers", "volatile_samplers", "pool", "next_db", "track_since_ms", "sweep_at")

    def __init__(self, ndbs: int) -> None:
        self.samplers = [Sampler() for _ in range(ndbs)]
        self.volatile_samplers = [Sampler() for _ in range(ndbs)]
        self.pool: list[tuple[float, int, bytes]] = []  # (score, db index, key), best last
        self.next_db = 0
        self.track_since_ms = 0
        self.sweep_at = 0


def _mark_active() -> None:
    from ..config.schema import DIRECTIVES  # noqa: PLC0415

    for name in ("lfu-log-factor", "lfu-decay-time", "maxmemory-samples"):
        DIRECTIVES[name].active = True


_mark_active()


def install(server: Any) -> None:
    server.evict = EvictState(len(server.dbs))
    server.lru_mode = 0
    server.cron_jobs.append(cron)
    # scripting/run_context.py asks before a script's first deny-oom command
    server.extensions["script_oom_check"] = script_oom
    configure(server)


def script_oom(server: Any) -> bool:
    """True when a script's deny-oom command must be refused (over maxmemory, nothing
    evictable)."""
    return bool(server.config["maxmemory"]) and not perform(server)


def configure(server: Any) -> None:
    """Apply hook for maxmemory and maxmemory-policy: the OOM gate bit, the tracking mode."""
    from ..engine.gates import ServerGate  # noqa: PLC0415

    cfg = server.config
    if cfg["maxmemory"]:
        server.gate |= ServerGate.OOM
    else:
        server.gate &= ~ServerGate.OOM
    policy = cfg["maxmemory-policy"]
    mode = LFU_MODE if policy.endswith("lfu") else LRU_MODE if policy.endswith("lru") else 0
    if mode != server.lru_mode:
        # Switching between LRU and LFU: the old metadata means something else now.
        for db in server.dbs:
            db.lru = {} if mode else None
        server.evict.track_since_ms = server.cached_now_ms
        server.evict.pool = []
    server.lru_mode = mode


def maxmemory_changed(server: Any) -> None:
    """Apply hook for maxmemory (Redis's updateMaxmemory): warn when the new limit is
    under the current usage, and start evicting at once."""
    configure(server)
    limit = server.config["maxmemory"]
    if limit:
        used = used_memory(server)
        if limit < used:
            server.log("warning", "WARNING: the new maxmemory value set via CONFIG SET (%d) is smaller than the "
                                  "current memory usage (%d). This will result in key eviction and/or the "
                                  "inability to accept new write commands depending on the maxmemory-policy."
                                  % (limit, used))
        perform(server)


def sample_keys(db: Any, n: int, *, volatile: bool = False) -> list[bytes]:
    """Up to ``n`` random keys of ``db`` (with a TTL when ``volatile``)."""
    st = db.server.evict
    samplers = st.volatile_samplers if volatile else st.samplers
    return samplers[db.index].draw(db.server, db.expires if volatile else db.data, n)


# ---- access metadata -------------------------------------------------------------------


def _minutes(now_ms: int) -> int:
    return (now_ms // 60000) & 0xFFFF


def decayed(server: Any, val: int) -> int:
    """Redis's LFUDecrAndReturn: the counter minus the decay periods elapsed."""
    counter = val & 0xFF
    decay = server.config["lfu-decay-time"]
    if decay:
        now = _minutes(server.cached_now_ms)
        ldt = val >> 8
        elapsed = now - ldt if now >= ldt else 65535 - ldt + now
        counter = max(0, counter - elapsed // decay)
    return counter


def log_incr(counter: int, log_factor: int) -> int:
    """Redis's LFULogIncr: a logarithmic counter saturating at 255."""
    if counter == 255:
        return 255
    base = counter - LFU_INIT_VAL
    if base < 0:
        base = 0
    if random() < 1.0 / (base * log_factor + 1):
        counter += 1
    return counter


def touch_keys(c: Any, spec: Any, argv: list[bytes]) -> None:
    """Dispatch hook (after the command ran): never lets an error escape."""
    try:
        _touch_keys(c, spec, argv)
    except Exception as e:  # noqa: BLE001
        c.server.log_exception(e, argv)


def _touch_keys(c: Any, spec: Any, argv: list[bytes]) -> None:
    """Dispatch, while an LRU/LFU policy is on: record an access to the command's keys."""
    if c.no_touch and spec.name != b"touch":
        return
    if spec.parent is not None and spec.parent.name == b"object":
        return  # OBJECT reads the metadata without touching it (LOOKUP_NOTOUCH)
    if spec.name in _SETS_METADATA:
        return  # RESTORE ... IDLETIME/FREQ set it explicitly
    kr = spec.key_range
    if kr is not None:
        first, lastkey, step, _flags = kr
        last = first + lastkey if lastkey >= 0 else len(argv) + lastkey
        keys = argv[first:last + 1:step] if first <= last < len(argv) else ()
    elif spec.legacy[0] and not spec.flag_bits & _MOVABLE:
        # the legacy (first, last, step) triple covers every key (SET, with its getkeys proc)
        first, last, step = spec.legacy
        if last < 0:
            last += len(argv)
        keys = argv[first:last + 1:step]
    elif spec.has_keys:
        from ..commands.keys import get_keys  # noqa: PLC0415

        keys = [argv[p] for p, _ in get_keys(spec, argv)]
    else:
        return
    if not keys:
        return
    server = c.server
    db = c.db
    lru = db.lru
    if lru is None:
        lru = db.lru = {}
    data = db.data
    if server.lru_mode == LRU_MODE:
        now = server.cached_now_ms
        for k in keys:
            if k in data:
                lru[k] = now
    else:
        log_factor = server.config["lfu-log-factor"]
        now_min = _minutes(server.cached_now_ms)
        for k in keys:
            if k in data:
                val = lru.get(k)
                if val is None:  # a new key starts at LFU_INIT_VAL (Redis's createObject)
                    lru[k] = (now_min << 8) | LFU_INIT_VAL
                else:
                    lru[k] = (now_min << 8) | log_incr(decayed(server, val), log_factor)


def lfu_value(server: Any, counter: int) -> int:
    """The ``db.lru`` value of an LFU counter set now (RESTORE ... FREQ)."""
    return (_minutes(server.cached_now_ms) << 8) | counter


def object_freq(server: Any, db: Any, key: bytes) -> int:
    """OBJECT FREQ: the decayed LFU counter."""
    lru = db.lru
    val = lru.get(key) if lru is not None else None
    return LFU_INIT_VAL if val is None else decayed(server, val)


def object_idle_s(server: Any, db: Any, key: bytes) -> int:
    """OBJECT IDLETIME: seconds since the last access."""
    lru = db.lru
    val = lru.get(key) if lru is not None else None
    if val is None:
        val = server.evict.track_since_ms if lru is not None else server.cached_now_ms
    return max(0, (server.cached_now_ms - val) // 1000)


def cron(server: Any) -> None:
    """Drop the metadata of deleted keys once it outgrows the keyspace (every 10 s)."""
    if not server.lru_mode:
        return
    st = server.evict
    if server.cached_now_ms < st.sweep_at:
        return
    st.sweep_at = server.cached_now_ms + 10_000
    for db in server.dbs:
        lru = db.lru
        if lru is not None and len(lru) > 2 * len(db.data) + 1024:
            data = db.data
            db.lru = {k: v for k, v in lru.items() if k in data}


# ---- eviction ----------------------------------------------------------------------------


def _score(server: Any, db: Any, key: bytes, policy: str) -> float:
    """Higher is a better victim (Redis's pool ``idle``)."""
    if policy.endswith("ttl"):
        return -db.expires.get(key, 0)
    lru = db.lru
    val = lru.get(key) if lru is not None else None
    if policy.endswith("lru"):
        if val is None:
            val = server.evict.track_since_ms
        return server.cached_now_ms - val
    return 255 - (LFU_INIT_VAL if val is None else decayed(server, val))


def _pool_victim(server: Any, policy: str, volatile: bool) -> tuple[Any, bytes] | None:
    """Sample every db into the pool, then take the best-scored key that still exists."""
    st = server.evict
    samples = server.config["maxmemory-samples"]
    pool = st.pool
    now = server.cached_now_ms
    since = st.track_since_ms
    kind = policy[-3:]
    for db in server.dbs:
        d = db.expires if volatile else db.data
        if not d:
            continue
        index = db.index
        keys = sample_keys(db, samples, volatile=volatile)
        if kind == "lru":
            lru = db.lru
            if lru is None:
                pool.extend([(now - since, index, k) for k in keys])
            else:
                get = lru.get
                pool.extend([(now - get(k, since), index, k) for k in keys])
        elif kind == "ttl":
            get = db.expires.get
            pool.extend([(-get(k, 0), index, k) for k in keys])
        else:
            pool.extend([(_score(server, db, k, policy), index, k) for k in keys])
    pool.sort()
    del pool[:-POOL_SIZE]
    dbs = server.dbs
    while pool:
        _score_v, index, key = pool.pop()
        db = dbs[index]
        if key in (db.expires if volatile else db.data):
            return db, key
    return None


def _random_victim(server: Any, volatile: bool) -> tuple[Any, bytes] | None:
    st = server.evict
    n = len(server.dbs)
    for i in range(n):
        db = server.dbs[(st.next_db + i) % n]
        d = db.expires if volatile else db.data
        if d:
            st.next_db = (db.index + 1) % n
            keys = sample_keys(db, 1, volatile=volatile)
            if keys:
                return db, keys[0]
    return None


def evict_key(server: Any, db: Any, key: bytes) -> None:
    """Delete ``key`` as an eviction: stats, latency, ``evicted`` event, propagation."""
    t0 = time.perf_counter_ns()
    db.unlink(key)
    lru = db.lru
    if lru is not None:
        lru.pop(key, None)
    server.dirty += 1
    add_sample_if_needed(server, "eviction-del", (time.perf_counter_ns() - t0) // 1_000_000)
    server.stats.evicted_keys += 1
    key_evicted(server, db, key)
    if server.propagate is not None:
        server.propagate(None, None, [b"DEL", key], db=db)  # type: ignore[call-arg]


def perform(server: Any) -> bool:
    """Evict until used memory is under maxmemory; False when over it and nothing could
    be evicted (the caller then refuses deny-oom commands)."""
    maxmemory = server.config["maxmemory"]
    if not maxmemory:
        return True
    used = used_memory(server)
    if used <= maxmemory:
        return True
    if server.role == "slave" and server.config["replica-ignore-maxmemory"]:
        return True
    policy = server.config["maxmemory-policy"]
    if policy == "noeviction":
        return False
    if server.gate & _PAUSE:
        from ..engine.gates import writes_paused  # noqa: PLC0415

        if writes_paused(server):
            return True  # no evictions while writes are paused (Redis: EVICT_OK)
    volatile = policy.startswith("volatile")
    use_pool = not policy.endswith("random")
    to_free = used - maxmemory
    freed = 0
    evicted = 0
    t0 = time.perf_counter_ns()
    while freed < to_free:
        found = _pool_victim(server, policy, volatile) if use_pool else _random_victim(server, volatile)
        if found is None:
            break
        db, key = found
        value = db.data.get(key)
        if value is None:
            continue
        freed += entry_size(db, key, value, 1)
        evict_key(server, db, key)
        evicted += 1
        if evicted >= BATCH_KEYS or time.perf_counter_ns() - t0 > BATCH_NS:
            break
    add_sample_if_needed(server, "eviction-cycle", (time.perf_counter_ns() - t0) // 1_000_000)
    return evicted > 0 or freed >= to_free


def oom_gate(c: Any, spec: Any, argv: list[bytes]) -> Any:
    """Redis's processCommand OOM check (GATE_ORDER["oom"])."""
    server = c.server
    if not server.config["maxmemory"]:
        return None
    if perform(server):
        return None
    from ..engine.client import Gate  # noqa: PLC0415
    from ..protocol.errors import CommandError  # noqa: PLC0415

    reject = bool(spec.flag_bits & _DENYOOM)
    name = spec.name if spec.parent is None else b""
    if c.gate & Gate.MULTI and name not in (b"exec", b"discard", b"quit", b"reset"):
        reject = True
    if name == b"exec" and c.multi_queue:
        reject = any(_queued_denyoom(item) for item in c.multi_queue)
    if reject:
        raise CommandError(OOM_ERROR)
    return None


def _queued_denyoom(item: Any) -> bool:
    queued = item[0] if isinstance(item, (tuple, list)) else getattr(item, "spec", None)
    return bool(getattr(queued, "flag_bits", 0) & _DENYOOM)


from ..commands.spec import CmdFlag  # noqa: E402

_DENYOOM = CmdFlag.DENYOOM.value
_MOVABLE = CmdFlag.MOVABLE_KEYS.value
_PAUSE = 1  # ServerGate.PAUSE (engine/gates.py imports dispatch, which imports this module)
