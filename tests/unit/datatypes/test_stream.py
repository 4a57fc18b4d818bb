"""StreamValue against a plain sorted-dict model (hypothesis), the listpack node model,
the rax node count, and the propagated forms of stream commands (in-process server)."""

from __future__ import annotations

from bisect import bisect_left, bisect_right

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import vermilion.commands  # noqa: F401  (registers the command table)
from vermilion.config.schema import Config
from vermilion.datatypes.stream import MAX_ID, IdArray, StreamValue, _lp_str, encode_entry, id_str
from vermilion.engine.client import Client
from vermilion.engine.dispatch import call, resolve
from vermilion.engine.server import Server
from vermilion.keyspace.propagation import install
from vermilion.protocol.errors import CommandError
from vermilion.protocol.reply import NO_REPLY

ops = st.lists(st.one_of(
    st.tuples(st.just("add"), st.integers(1, 5)),
    st.tuples(st.just("del"), st.integers(0, 400)),
    st.tuples(st.just("maxlen"), st.integers(0, 300), st.booleans()),
    st.tuples(st.just("minid"), st.integers(0, 400), st.booleans()),
), max_size=60)


@settings(max_examples=150, deadline=None)
@given(ops, st.integers(1, 7))
def test_stream_matches_model(script, node_entries):
    s = StreamValue()
    model: dict[int, list[bytes]] = {}
    ms = 0
    for op in script:
        if op[0] == "add":
            for _ in range(op[1]):
                ms += 1
                i = (ms // 3) << 64 | (ms % 3)  # runs of equal ms
                fv = [b"f", b"%d" % ms]
                s.append(i, fv, node_entries, 4096)
                model[i] = fv
        elif op[0] == "del":
            i = (op[1] // 3) << 64 | (op[1] % 3)
            assert s.delete(i) == (i in model)
            model.pop(i, None)
        elif op[0] == "maxlen":
            before = len(model)
            removed = s.trim(op[1], None, op[2], 0)
            assert len(s) == before - removed
            if not op[2]:
                assert len(s) == min(before, op[1])
            for k in sorted(model)[:removed]:
                del model[k]
        else:
            minid = (op[1] // 3) << 64 | (op[1] % 3)
            removed = s.trim(None, minid, op[2], 0)
            gone = [k for k in sorted(model) if k < minid][:removed] if op[2] else [k for k in model if k < minid]
            assert removed == len(gone)
            for k in gone:
                del model[k]
        keys = sorted(model)
        assert len(s) == len(keys)
        assert [i for i, _ in s.range(0, MAX_ID)] == keys
        n, chunks = s.range_encoded(0, MAX_ID)
        assert n == len(keys) and b"".join(chunks) == b"".join(encode_entry(k, model[k]) for k in keys)
        assert [i for i, _ in s.rev_range(0, MAX_ID)] == keys[::-1]
        if keys:
            mid = keys[len(keys) // 2]
            assert [i for i, _ in s.range(mid, MAX_ID, 2)] == [k for k in keys if k >= mid][:2]
            want = [k for k in keys if mid <= k <= keys[-1] - 1][:3]
            n, chunks = s.range_encoded(mid, keys[-1] - 1, 3)
            assert n == len(want) and b"".join(chunks) == b"".join(encode_entry(k, model[k]) for k in want)
            assert [i for i, _ in s.rev_range(0, mid, 2)] == [k for k in keys if k <= mid][::-1][:2]
            assert s.get(mid) == encode_entry(mid, model[mid])
            assert s.last_valid_id() == keys[-1]
        assert all(len(n.ids) + n.deleted <= node_entries for n in s.nodes)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 3)), unique=True), st.integers(0, 5),
       st.integers(0, 4), st.integers(0, 20), st.integers(0, 20))
def test_id_array_bisects_like_a_list(pairs, qm, qs, lo, hi):
    ids = sorted((m << 64) | s for m, s in pairs)
    arr = IdArray()
    for i in ids:
        arr.append(i)
    q = (qm << 64) | qs
    hi = min(hi, len(ids))
    lo = min(lo, hi)
    assert arr.left(q, lo, hi) == bisect_left(ids, q, lo, hi)
    assert arr.right(q, lo, hi) == bisect_right(ids, q, lo, hi)
    assert arr[:] == ids and len(arr) == len(ids)
    assert arr.left(MAX_ID) == bisect_left(ids, MAX_ID) and arr.right(MAX_ID) == len(ids)


def test_listpack_string_sizes():
    assert _lp_str(b"7") == 2  # small int: 1 byte + backlen
    assert _lp_str(b"1000") == 3  # 13-bit int
    assert _lp_str(b"abc") == 5  # 6-bit string: 1 + 3 + backlen
    assert _lp_str(b"x" * 100) == 103  # 12-bit string header: 2 + 100, 1-byte backlen
    assert _lp_str(b"x" * 200) == 204  # 2 + 200, backlen 2
    assert _lp_str(b"007") == 5  # not canonical: a string
    assert _lp_str(b"x" * 63) == 65  # the largest 6-bit string
    assert _lp_str(b"x" * 64) == 67  # 12-bit header from 64 bytes on
    assert _lp_str(b"-" + b"1" * 62) == 65  # too long to be an int64: a string
    assert _lp_str(b"9223372036854775807") == 10 and _lp_str(b"9223372036854775808") == 21


def test_rax_nodes_of_small_streams():
    s = StreamValue()
    assert s.rax_nodes() == 1
    s.append(1 << 64, [b"a", b"1"], 1, 4096)
    assert s.rax_nodes() == 2
    s.append(2 << 64, [b"a", b"1"], 1, 4096)
    # a compressed node for the shared 7 bytes, a branch, then compressed + leaf twice
    assert s.rax_nodes() == 6
    s.append(2 << 64 | 5, [b"a", b"1"], 1, 4096)
    assert s.rax_nodes() == 8  # the real server's count for 1-0, 2-0, 2-5 in one-entry nodes


def test_id_str():
    assert id_str(5 << 64 | 7) == b"5-7"
    assert id_str(MAX_ID) == b"18446744073709551615-18446744073709551615"


# ---- propagation -----------------------------------------------------------------------------------


def B(*args):
    return [a if isinstance(a, bytes) else str(a).encode() for a in args]


@pytest.fixture
def env():
    server = Server(Config())
    server.cached_now_ms = 1_000_000
    log = install(server)
    written: dict[int, list[bytes]] = {1: [], 2: []}
    clients = {i: Client(server, i, "127.0.0.1:1", "127.0.0.1:2", -1, written[i].append, lambda: None)
               for i in (1, 2)}

    def run(cid, *args):
        argv = B(*args)
        try:
            reply = call(clients[cid], resolve(argv), argv)
        except CommandError as e:
            return e
        if server.ready_keys:
            server.blocking.handle_ready()
        return reply

    return server, log, run, written


def test_xadd_propagates_generated_id_and_exact_trim(env):
    server, log, run, _ = env
    run(1, "XADD", "s", "*", "f", "v")
    run(1, "XADD", "s", "1000000-*", "f", "v")
    run(1, "XADD", "s", "MAXLEN", "~", "1", "2000000-0", "f", "v")
    run(1, "XADD", "s", "MAXLEN", "1", "2000001-0", "f", "v")
    run(1, "XTRIM", "s", "MINID", "~", "0")
    run(1, "XTRIM", "s", "MAXLEN", "~", "0")
    assert log.stream()[1:] == [
        B("XADD", "s", "1000000-0", "f", "v"), B("XADD", "s", "1000000-1", "f", "v"),
        B("XADD", "s", "MAXLEN", "=", "3", "2000000-0", "f", "v"), B("XADD", "s", "MAXLEN", "1", "2000001-0", "f", "v"),
        B("XTRIM", "s", "MAXLEN", "=", "0"),
    ]


def test_xreadgroup_propagates_xclaim_and_setid(env):
    server, log, run, written = env
    run(1, "XADD", "s", "1-0", "f", "v")
    run(1, "XADD", "s", "2-0", "f", "v")
    run(1, "XGROUP", "CREATE", "s", "g", "0")
    log.clear()
    run(1, "XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">")
    run(1, "XREADGROUP", "GROUP", "g", "n", "NOACK", "STREAMS", "s", "0")
    assert log.stream()[1:] == [
        B("XCLAIM", "s", "g", "c", 0, "1-0", "TIME", 1000000, "RETRYCOUNT", 1, "FORCE", "JUSTID", "LASTID", "1-0"),
        B("XCLAIM", "s", "g", "c", 0, "2-0", "TIME", 1000000, "RETRYCOUNT", 1, "FORCE", "JUSTID", "LASTID", "2-0"),
        B("XGROUP", "SETID", "s", "g", "2-0", "ENTRIESREAD", 2),
        B("XGROUP", "CREATECONSUMER", "s", "g", "n"),
    ]
    log.clear()
    assert run(2, "XREADGROUP", "GROUP", "g", "d", "BLOCK", 0, "STREAMS", "s", ">") is NO_REPLY
    run(1, "XADD", "s", "3-0", "f", "v")
    assert written[2] and written[2][-1].startswith(b"*1\r\n*2\r\n$1\r\ns\r\n")
    assert log.stream()[1:] == [
        B("XADD", "s", "3-0", "f", "v"),
        B("XCLAIM", "s", "g", "d", 0, "3-0", "TIME", 1000000, "RETRYCOUNT", 1, "FORCE", "JUSTID", "LASTID", "3-0"),
        B("XGROUP", "SETID", "s", "g", "3-0", "ENTRIESREAD", 3),
    ]


def test_xclaim_xautoclaim_propagate_xclaim(env):
    server, log, run, _ = env
    for i in (1, 2, 3):
        run(1, "XADD", "s", f"{i}-0", "f", "v")
    run(1, "XGROUP", "CREATE", "s", "g", "0")
    run(1, "XREADGROUP", "GROUP", "g", "a", "STREAMS", "s", ">")
    run(1, "XDEL", "s", "3-0")
    log.clear()
    server.cached_now_ms += 500
    run(1, "XCLAIM", "s", "g", "b", "100", "1-0", "JUSTID")
    run(1, "XAUTOCLAIM", "s", "g", "c", "0", "2-0")
    run(1, "XCLAIM", "s", "g", "b", "0", "9-0", "LASTID", "9-0")
    assert log.stream()[1:] == [
        B("XCLAIM", "s", "g", "b", 0, "1-0", "TIME", 1000500, "RETRYCOUNT", 1, "FORCE", "JUSTID", "LASTID", "3-0"),
        B("XCLAIM", "s", "g", "c", 0, "2-0", "TIME", 1000500, "RETRYCOUNT", 2, "FORCE", "JUSTID", "LASTID", "3-0"),
        B("XCLAIM", "s", "g", "a", 0, "3-0", "TIME", 1000000, "RETRYCOUNT", 1, "FORCE", "JUSTID", "LASTID", "3-0"),
        B("XGROUP", "SETID", "s", "g", "9-0", "ENTRIESREAD", 3),
    ]


def test_reads_leave_no_stale_propagation(env):
    server, log, run, _ = env
    run(1, "XADD", "s", "1-0", "f", "v")
    run(1, "XGROUP", "CREATE", "s", "g", "$")
    run(1, "XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">")  # creates the consumer only
    run(1, "XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">")  # changes nothing
    run(1, "XREAD", "STREAMS", "s", "0")
    run(1, "XCLAIM", "s", "g", "c", "0", "1-0")  # nothing pending: nothing changes
    run(1, "SET", "k", "v")
    assert log.stream()[-1] == B("SET", "k", "v")
