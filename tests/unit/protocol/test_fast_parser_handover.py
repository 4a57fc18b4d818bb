"""FastRequestParser at the hand-over points between hiredis and the exact parser, and
the one-drain-per-batch contract ``run_batch`` relies on (engine/dispatch.py): after a
hiredis drain, ``fresh`` is False, ``py`` is None and nothing is held exactly when the
next ``drain()`` would return []."""

from __future__ import annotations

import random

import pytest

from vermilion.protocol.fast_parser import FastRequestParser
from vermilion.protocol.resp_parser import RequestParser


def enc(*args: bytes) -> bytes:
    return b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%b\r\n" % (len(a), a) for a in args)


@pytest.mark.parametrize("data", [b"*0\r\n", b"*-1\r\n", b"*1\r\n$4\r\nPING\r\n*0\r\n"])
def test_drain_after_the_exact_parser_hands_back(data):
    # hiredis refuses an empty multibulk; the exact parser skips it and, idle, hands the
    # stream back.  A drain with no new data (a client resumed after BLPOP or CLIENT
    # PAUSE calls run_batch without feeding) used to look for the tail of an empty
    # chunk list: IndexError out of data_received.
    p = FastRequestParser()
    p.feed(data)
    got = []
    while cmds := p.drain():
        got.extend(cmds)
    assert got == ([[b"PING"]] if data.startswith(b"*1") else [])
    assert p.drain() == []
    assert p.py is None and not p.fresh
    p.feed(enc(b"GET", b"k"))
    assert p.drain() == [[b"GET", b"k"]]


def drain_like_run_batch(p: FastRequestParser) -> list:
    """run_batch's loop: stop calling drain once it says it returned everything."""
    out = []
    while True:
        cmds = p.drain()
        if not cmds:
            break
        out.extend(cmds)
        if p.py is None and not p.fresh and not p.held:
            assert p.drain() == []  # the contract: the skipped call had nothing
            break
    return out


@pytest.mark.parametrize("seed", range(8))
def test_one_drain_per_batch_contract_on_split_pipelines(seed):
    # redis-benchmark-like pipelines (16 copies of one command, values up to 3000 bytes)
    # cut at random points, including more than 16 chunks between command boundaries.
    rnd = random.Random(seed)
    for _ in range(60):
        value = b"x" * rnd.choice([3, 100, 3000])
        cmd = rnd.choice([enc(b"SET", b"key:__rand_int__", value), enc(b"INCR", b"counter:__rand_int__"),
                          enc(b"LPUSH", b"mylist", value), enc(b"MSET", b"k", value, b"k2", b"$5\r\n*3")])
        data = cmd * 16
        cuts = sorted({rnd.randint(0, len(data)) for _ in range(rnd.randint(0, 40))})
        chunks = [data[a:b] for a, b in zip([0] + cuts, cuts + [len(data)]) if data[a:b]]
        fast, exact = FastRequestParser(), RequestParser()
        got, want = [], []
        for ch in chunks:
            fast.feed(ch)
            got.extend(drain_like_run_batch(fast))
            exact.feed(ch)
            while (argv := exact.next()) is not None:
                want.append(argv)
        assert got == want
        assert len(got) == 16
