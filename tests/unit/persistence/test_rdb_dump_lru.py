"""RESTORE IDLETIME/FREQ (and the RDB IDLE/FREQ opcodes) land in ``db.lru`` by policy."""

from __future__ import annotations

from types import SimpleNamespace

from vermilion.persistence.dump import set_lru_or_lfu


def _server(policy: str):
    return SimpleNamespace(config={"maxmemory-policy": policy}, cached_now_ms=1_000_000)


def test_lru_policy_takes_the_idle_time():
    db = SimpleNamespace(lru={})
    set_lru_or_lfu(_server("allkeys-lru"), db, b"k", 30, -1)
    assert db.lru[b"k"] == 1_000_000 - 30_000
    set_lru_or_lfu(_server("allkeys-lru"), db, b"f", -1, 7)
    assert b"f" not in db.lru


def test_lfu_policy_takes_the_frequency():
    db = SimpleNamespace(lru={})
    set_lru_or_lfu(_server("volatile-lfu"), db, b"k", -1, 9)
    assert list(db.lru) == [b"k"] and db.lru[b"k"] & 0xFF == 9  # (minutes << 8) | counter: ops/evict.py
    set_lru_or_lfu(_server("volatile-lfu"), db, b"i", 5, -1)
    assert b"i" not in db.lru


def test_untracked_db_is_left_alone():
    db = SimpleNamespace(lru=None)
    set_lru_or_lfu(_server("allkeys-lru"), db, b"k", 30, -1)
    assert db.lru is None
