"""Random picks from dict-based containers: sizes, membership, rough uniformity."""

from __future__ import annotations

from collections import Counter

from vermilion.datatypes.sampling import random_key, random_keys


def test_distinct_and_repeated_picks():
    d = dict.fromkeys(range(1000))
    for n in (1, 10, 100, 249, 250, 999):
        got = random_keys(d, n, False)
        assert len(got) == n and len(set(got)) == n and set(got) <= set(d)
    got = random_keys(d, 50, True)
    assert len(got) == 50 and set(got) <= set(d)
    got = random_keys(dict.fromkeys("ab"), 100, True)
    assert set(got) == {"a", "b"}


def test_roughly_uniform():
    d = dict.fromkeys(range(10))
    counts = Counter(random_key(d) for _ in range(20000))
    assert set(counts) == set(range(10))
    assert all(1500 < v < 2500 for v in counts.values())
    big = dict.fromkeys(range(100))
    counts = Counter(k for _ in range(400) for k in random_keys(big, 5, False))
    assert len(counts) > 90
