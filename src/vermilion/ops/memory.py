"""Memory accounting: per-value size estimates (MEMORY USAGE) and ``used_memory``.

Python gives no allocator-level count that frees lower (RSS rarely shrinks after a
delete), so ``used_memory`` is an estimate built to move both ways, as Redis's does:

    used_memory = startup RSS (interpreter, command table)
                  + sum over databases of  keys x mean sampled entry size

A database's mean entry size (key + value + dict slot + TTL slot, see ``entry_size``) is
re-sampled from ``SAMPLE_KEYS`` random keys whenever the key count moved by more than an
eighth since the last sample, or the mean is older than a second (``refresh``), so the
figure follows the dataset's size without any cost on the command path.

``value_size`` is the MEMORY USAGE estimate: ``sys.getsizeof`` of the value plus, for a
container, its elements -- all of them up to ``samples`` elements and the mean of
``samples`` of them scaled to the length beyond (Redis's SAMPLES option; 0 means all).
Objects with ``__slots__`` (the type classes in vermilion.datatypes) are walked through
their attributes; recursion is bounded.
"""

from __future__ import annotations

import sys
from collections import deque
from itertools import islice
from typing import Any

DICT_SLOT = 40  # a dict entry (hash, key, value) plus its share of the index and slack
TTL_SLOT = 72  # an ``expires`` entry: its slot and the int holding the time
SAMPLE_KEYS = 32
_getsizeof = sys.getsizeof
_LEAVES = (bytes, int, float, str, bool, type(None))
_SEQUENCES = (list, tuple, set, frozenset, deque)


def value_size(v: Any, samples: int = 5, depth: int = 0) -> int:
    """Bytes held by ``v`` (estimated by sampling for large containers)."""
    size = _getsizeof(v)
    if v.__class__ is bytes or isinstance(v, _LEAVES) or depth > 4:
        return size
    if isinstance(v, dict):
        size += _elements_size(v.items(), len(v), samples, depth, pairs=True)
    elif isinstance(v, _SEQUENCES):
        size += _elements_size(v, len(v), samples, depth)
    return size + _slots_size(v, samples, depth)


def _slots_size(v: Any, samples: int, depth: int) -> int:
    size = 0
    for klass in type(v).__mro__:
        for name in getattr(klass, "__slots__", ()):
            if name.startswith("__"):
                continue
            attr = getattr(v, name, None)
            if attr is not None and not isinstance(attr, (bool, type)):
                size += value_size(attr, samples, depth + 1)
    return size


def _elements_size(items: Any, n: int, samples: int, depth: int, *, pairs: bool = False) -> int:
    if n == 0:
        return 0
    take = n if samples <= 0 else min(n, samples)
    total = 0
    for item in islice(items, take):
        if pairs:
            total += value_size(item[0], samples, depth + 1) + value_size(item[1], samples, depth + 1)
        else:
            total += value_size(item, samples, depth + 1)
    return total * n // take


def entry_size(db: Any, key: bytes, value: Any, samples: int = 5) -> int:
    """What one key costs: the key, its value, its dict slot and its TTL slot."""
    size = _getsizeof(key) + value_size(value, samples) + DICT_SLOT
    if key in db.expires:
        size += TTL_SLOT
    return size


# ---- used_memory ------------------------------------------------------------------------


class DbEstimate:
    __slots__ = ("keys", "mean", "at_ms")

    def __init__(self) -> None:
        self.keys = 0
        self.mean = 0
        self.at_ms = 0


class MemoryState:
    __slots__ = ("dbs", "startup", "peak")

    def __init__(self, ndbs: int) -> None:
        self.dbs = [DbEstimate() for _ in range(ndbs)]
        from ..commands.info import _STARTUP_RSS  # noqa: PLC0415  (commands import ops)

        self.startup = _STARTUP_RSS
        self.peak = 0


def install(server: Any) -> None:
    server.memory = MemoryState(len(server.dbs))
    server.extensions["used_memory"] = used_memory


def refresh(server: Any, db: Any, est: DbEstimate) -> None:
    """Re-sample ``db``'s mean entry size from random keys (ops/evict.py's sampler)."""
    from .evict import sample_keys  # noqa: PLC0415

    data = db.data
    keys = sample_keys(db, SAMPLE_KEYS)
    total = 0
    n = 0
    for k in keys:
        v = data.get(k)
        if v is not None:
            total += entry_size(db, k, v, 3)
            n += 1
    est.mean = total // n if n else 0
    est.keys = len(data)
    est.at_ms = server.cached_now_ms


def dataset_bytes(server: Any) -> int:
    state = server.memory
    now = server.cached_now_ms
    total = 0
    for db, est in zip(server.dbs, state.dbs):
        n = len(db.data)
        if not n:
            continue
        if abs(n - est.keys) > (est.keys >> 3) or now - est.at_ms > 1000 or not est.mean:
            refresh(server, db, est)
        total += n * est.mean
    return total


def used_memory(server: Any) -> int:
    used = server.memory.startup + dataset_bytes(server)
    if used > server.memory.peak:
        server.memory.peak = used
    return used
