"""keyspace/db.py: the Db API other areas build on, with a driven clock."""

from __future__ import annotations

import pytest

from vermilion.config.schema import Config
from vermilion.engine.server import Server
from vermilion.keyspace.db import Db
from vermilion.keyspace.types import copy_value
from vermilion.protocol.errors import WrongType


@pytest.fixture
def server():
    s = Server(Config())
    s.cached_now_ms = 10_000
    return s


def test_set_lookup_delete_and_dirty(server):
    db = server.dbs[0]
    d0 = server.dirty
    db.set(b"k", b"v")
    assert db.lookup(b"k") == b"v" and db.exists(b"k") and len(db) == 1
    assert db.delete(b"k") and not db.delete(b"k")
    assert server.dirty == d0 + 2


def test_ttl_lifecycle(server):
    db = server.dbs[0]
    db.set(b"k", b"v", expire_at_ms=10_500)
    assert db.ttl_ms(b"k") == 500 and db.ttl_keys == [b"k"]
    db.set(b"k", b"w", keep_ttl=True)
    assert db.expires[b"k"] == 10_500
    db.set_expire(b"k", 10_700)
    assert db.ttl_keys == [b"k"]  # no duplicate entry while the key keeps a TTL
    assert db.persist(b"k") and not db.persist(b"k")
    db.set(b"k", b"v", expire_at_ms=10_001)
    db.set(b"k", b"v")
    assert b"k" not in db.expires


def test_lazy_expiry_counts_and_replicas_keep_keys(server):
    db = server.dbs[0]
    db.set(b"k", b"v", expire_at_ms=10_001)
    server.cached_now_ms = 10_001
    server.role = "slave"
    assert db.lookup(b"k") is None and b"k" in db.data  # logically expired on a replica
    server.role = "master"
    assert db.lookup_read(b"k") is None and b"k" not in db.data
    assert server.stats.expired_keys == 1 and server.stats.keyspace_misses == 1


def test_typed_lookups(server):
    db = server.dbs[0]
    db.set(b"s", b"v")
    db.set(b"l", [1])
    assert db.get_string(b"s") == b"v"
    with pytest.raises(WrongType):
        db.get_string(b"l")
    with pytest.raises(WrongType):
        db.get_typed(b"s", list)


def test_swap_with_exchanges_contents_and_indexes(server):
    a, b = server.dbs[0], server.dbs[1]
    a.set(b"x", b"1", expire_at_ms=20_000)
    a.swap_with(b)
    assert b.data == {b"x": b"1"} and b.ttl_keys == [b"x"] and not a.data and a.index == 0


def test_db_without_server_config_is_plain():
    assert type(Db(0, None)) is Db


def test_copy_value_protocol():
    class Value:
        def __init__(self, items):
            self.items = items

        def copy(self):
            return Value(list(self.items))

    v = Value([1])
    c = copy_value(v)
    c.items.append(2)
    assert v.items == [1]
    s = b"abc"
    assert copy_value(s) is s
    nested = {"a": [1]}
    d = copy_value(type("Plain", (), {"__init__": lambda self: setattr(self, "n", nested)})())
    assert d.n == nested and d.n is not nested


def test_random_key_pool_on_large_db(server):
    db = server.dbs[0]
    for i in range(10_000):
        db.set(b"k%d" % i, b"v")
    assert db.random_key() in db.data and db.random_pool is not None
    for i in range(9_990):
        db.delete(b"k%d" % i)
    # the deletes made the snapshot stale: only live keys come back
    assert {db.random_key() for _ in range(300)} <= set(db.data)
    db.flush()
    assert db.random_key() is None and db.random_pool is None


def test_random_key_pool_sees_new_keys_after_enough_writes(server):
    db = server.dbs[0]
    for i in range(8_000):
        db.set(b"old%d" % i, b"v")
    db.random_key()
    for i in range(9_000):  # more writes than half the db's size: a new snapshot
        db.set(b"new%d" % i, b"v")
    assert any(db.random_key().startswith(b"new") for _ in range(200))
