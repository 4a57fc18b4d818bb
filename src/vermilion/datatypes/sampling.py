"""Random members of a dict-based container (SRANDMEMBER, SPOP, HRANDFIELD).

A dict has no O(1) random access.  Copying all keys to a list for every call would
make SPOP on a big set O(n) in memory and time; instead one iterator walks to sorted
random positions with ``islice`` (C speed, no allocation), and the picks are shuffled
afterwards (Redis's order is random too).  When many keys are wanted, a single list
copy is cheaper and is used.
"""

from __future__ import annotations

from itertools import islice
from random import choices, randrange, sample, shuffle
from typing import Any


def random_key(d: Any) -> Any:
    """One uniformly random key of the non-empty container ``d``."""
    return next(islice(d, randrange(len(d)), None))


def random_keys(d: Any, n: int, repeat: bool) -> list:
    """``n`` random keys of ``d``: distinct (``n`` < len) or with repetition."""
    size = len(d)
    if n * 4 >= size:
        keys = list(d)
        return choices(keys, k=n) if repeat else sample(keys, n)
    if repeat:
        positions = sorted(randrange(size) for _ in range(n))
    else:
        positions = sorted(sample(range(size), n))
    out: list = []
    it = iter(d)
    cur = -1
    for p in positions:
        if p == cur:
            out.append(out[-1])
            continue
        out.append(next(islice(it, p - cur - 1, None)))
        cur = p
    shuffle(out)
    return out
