"""PubSub state and delivery in-process: counts, encodings, one encoding per protocol
per publish shared by every receiver, cleanup, and self-delivery capture."""

from __future__ import annotations

import vermilion.commands  # noqa: F401
from vermilion.config.schema import Config
from vermilion.engine.client import Client, Gate
from vermilion.engine.server import Server
from vermilion.pubsub.channels import confirmation, get_pubsub


def make(n: int, resp: int = 2):
    server = Server(Config())
    got: dict[int, list[bytes]] = {}
    clients = []
    for i in range(n):
        got[i] = []
        c = Client(server, i + 1, "a:1", "b:2", -1, got[i].append, lambda: None)
        c.resp = resp if i % 2 == 0 else 5 - resp
        clients.append(c)
    return server, get_pubsub(server), clients, got


def test_confirmation_shapes():
    assert confirmation(2, b"subscribe", b"ch", 1) == b"*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n"
    assert confirmation(3, b"unsubscribe", None, 0) == b">3\r\n$11\r\nunsubscribe\r\n_\r\n:0\r\n"
    assert confirmation(2, b"punsubscribe", None, 0) == b"*3\r\n$12\r\npunsubscribe\r\n$-1\r\n:0\r\n"


def test_publish_counts_and_shares_encodings():
    server, ps, clients, got = make(6)
    for c in clients:
        ps.subscribe(c, b"news")
    ps.psubscribe(clients[0], b"n*")
    assert ps.publish(b"news", b"hi") == 7
    resp2 = [got[i][0] for i in range(6) if clients[i].resp == 2]
    resp3 = [got[i][0] for i in range(6) if clients[i].resp == 3]
    assert all(m is resp2[0] for m in resp2) and all(m is resp3[0] for m in resp3)
    assert resp2[0] == b"*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$2\r\nhi\r\n"
    assert resp3[0].startswith(b">3\r\n")
    assert got[0][1] == b"*4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnews\r\n$2\r\nhi\r\n"
    assert ps.publish(b"other", b"x") == 0
    assert ps.spublish(b"news", b"x") == 0


def test_unsubscribe_and_drop_free_everything():
    server, ps, clients, got = make(2)
    c = clients[0]
    ps.subscribe(c, b"a")
    ps.subscribe(c, b"s", shard=True)
    ps.psubscribe(c, b"p*")
    assert c.gate & Gate.PUBSUB and c in ps.subscribers
    assert ps.unsubscribe(c, b"a") and not ps.unsubscribe(c, b"a")
    assert c.gate & Gate.PUBSUB
    ps.drop_client(c)
    assert not (ps.channels or ps.patterns or ps.shard or ps.subscribers)
    assert not c.gate & Gate.PUBSUB


def test_push_capture_collects_instead_of_writing():
    server, ps, clients, got = make(1)
    c = clients[0]
    ps.subscribe(c, b"me")
    c.push_capture = cap = []
    assert ps.publish(b"me", b"x") == 1
    c.push_capture = None
    assert got[0] == [] and len(cap) == 1
