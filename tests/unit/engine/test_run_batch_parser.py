"""run_batch with the real FastRequestParser: one drain per batch (the hiredis path
returns every complete command at once) must still run every command, in order, when a
pipeline arrives cut at arbitrary points, when the exact parser takes over mid-stream,
and when a command blocks and the rest is held."""

from __future__ import annotations

import random

import pytest

import vermilion.commands  # noqa: F401  (registers the command table)
from vermilion.config.schema import Config
from vermilion.engine.client import Client
from vermilion.engine.dispatch import run_batch
from vermilion.engine.server import Server
from vermilion.protocol.fast_parser import FastRequestParser


def enc(*args: bytes) -> bytes:
    return b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%b\r\n" % (len(a), a) for a in args)


@pytest.fixture
def client():
    server = Server(Config())
    c = Client(server, 1, "127.0.0.1:1", "127.0.0.1:2", -1, lambda b: None, lambda: None)
    server.clients[c.id] = c
    return c


@pytest.mark.parametrize("seed", range(6))
def test_split_pipeline_runs_every_command_once(client, seed):
    rnd = random.Random(seed)
    value = b"v" * rnd.choice([3, 500, 5000])
    data = (enc(b"INCR", b"n") + enc(b"RPUSH", b"l", value)) * 16 + b"*0\r\n" + enc(b"INCR", b"n")
    cuts = sorted({rnd.randint(0, len(data)) for _ in range(rnd.randint(1, 30))})
    chunks = [data[a:b] for a, b in zip([0] + cuts, cuts + [len(data)]) if data[a:b]]
    p = FastRequestParser()
    out = b""
    for ch in chunks:
        p.feed(ch)
        out += run_batch(client, p)
    want = b"".join(b":%d\r\n:%d\r\n" % (i, i) for i in range(1, 17)) + b":17\r\n"
    assert out == want
    assert client.server.stats.total_commands_processed == 33


def test_inline_then_multibulk_in_one_read(client):
    # The exact parser owns the stream (inline first): run_batch drains it one command
    # at a time, then hiredis again once it is idle.
    p = FastRequestParser()
    p.feed(b"INCR n\r\n" + enc(b"INCR", b"n") + enc(b"GET", b"n"))
    assert run_batch(client, p) == b":1\r\n:2\r\n$1\r\n2\r\n"
    p.feed(enc(b"INCR", b"n"))
    assert run_batch(client, p) == b":3\r\n"


def test_commands_after_a_blocking_one_are_held_and_run_on_resume(client):
    server = client.server
    written: list[bytes] = []
    client.write = written.append  # the unblocked reply leaves outside the batch
    p = FastRequestParser()
    client.resume = lambda: written.append(run_batch(client, p))
    p.feed(enc(b"BLPOP", b"q", b"0") + enc(b"INCR", b"n") + enc(b"INCR", b"n"))
    assert run_batch(client, p) == b""
    assert client.blocked is not None
    pusher = Client(server, 2, "127.0.0.1:3", "127.0.0.1:2", -1, lambda b: None, lambda: None)
    server.clients[pusher.id] = pusher
    q = FastRequestParser()
    q.feed(enc(b"RPUSH", b"q", b"x"))
    assert run_batch(pusher, q) == b":1\r\n"
    assert b"".join(written) == b"*2\r\n$1\r\nq\r\n$1\r\nx\r\n:1\r\n:2\r\n"
    assert run_batch(client, p) == b""
