"""HyperLogLog against the real server: counts and the stored bytes must be identical."""

from __future__ import annotations

import random


def run(both, *cmds):
    for cmd in cmds:
        args = cmd.split(" ") if isinstance(cmd, str) else cmd
        both.check(*args)


def test_pfadd_pfcount_and_bytes(both):
    run(both, "PFADD h a b c", "GET h", "PFCOUNT h", "GET h", "PFADD h a", "PFADD h d e f g",
        "GET h", "PFCOUNT h", "PFCOUNT h", "PFADD new", "GET new", "PFADD new", "PFCOUNT new",
        "PFCOUNT nokey", "PFDEBUG ENCODING h", "PFDEBUG DECODE h", "STRLEN h")


def test_sparse_growth_merges_and_promotion(both):
    rnd = random.Random(11)
    for batch in range(12):
        args = ["PFADD", "h"] + ["e%d" % rnd.randrange(10**9) for _ in range(60 * (batch + 1))]
        run(both, args, "GET h", "PFCOUNT h", "PFDEBUG ENCODING h")
    run(both, "PFDEBUG GETREG h", "GET h")


def test_dense_and_large_counts(both):
    for i in range(5):
        run(both, ["PFADD", "big"] + ["x%d" % j for j in range(i * 2000, (i + 1) * 2000)], "PFCOUNT big")
    run(both, "GET big", "PFDEBUG ENCODING big", "PFDEBUG DECODE big", "PFDEBUG TODENSE big")


def test_todense_getreg(both):
    run(both, "PFADD h a b c d", "PFDEBUG TODENSE h", "GET h", "PFDEBUG TODENSE h",
        "PFDEBUG ENCODING h", "PFCOUNT h", "PFADD h zz", "GET h")


def test_multi_key_count_and_merge(both):
    run(both, ["PFADD", "a"] + ["a%d" % i for i in range(300)], ["PFADD", "b"] + ["a%d" % i for i in range(150, 600)],
        ["PFADD", "c"] + ["c%d" % i for i in range(5000)],
        "PFCOUNT a b", "PFCOUNT a b nokey", "PFCOUNT nokey nokey2", "PFMERGE d a b", "GET d", "PFCOUNT d",
        "PFMERGE d", "GET d", "PFMERGE e a c", "GET e", "PFCOUNT e", "PFMERGE a a", "GET a",
        "PFMERGE f nokey", "GET f", "PFMERGE a c", "GET a", "PFCOUNT a c b")


def test_errors(both):
    run(both, "SET s hello", "PFADD s a", "PFCOUNT s", "PFCOUNT s s", "PFMERGE d s", "PFMERGE s",
        "PFDEBUG GETREG s", "SET n 12345", "PFADD n a", "LPUSH l a", "PFADD l a", "PFCOUNT l",
        "PFMERGE l", "PFADD", "PFCOUNT", "PFDEBUG GETREG", "PFDEBUG FOO nokey", "PFADD h a",
        "PFDEBUG FOO h", "PFDEBUG DECODE nokey", "PFDEBUG GETREG h x", "PFSELFTEST x")


def test_corrupted(both):
    bad_dense = b"HYLL\x00" + bytes(11) + bytes(12288)
    bad_sparse = b"HYLL\x01" + bytes(11) + b"\x7f\xf0"
    both.check("SET", "bd", bad_dense)
    both.check("SET", "bs", bad_sparse)
    run(both, "PFCOUNT bd", "PFCOUNT bs", "PFADD bs x", "PFCOUNT bs bd", "PFDEBUG TODENSE bs",
        ["SET", "bad", b"HYLL\x02" + bytes(11)], "PFCOUNT bad", ["SET", "short", b"HYLL"], "PFCOUNT short",
        ["SET", "wronglen", b"HYLL\x00" + bytes(20)], "PFCOUNT wronglen")


def test_pfselftest(raw):
    assert raw.call("PFSELFTEST") == b"+OK\r\n"


def test_ttl_kept(both):
    run(both, "PFADD h a", "PEXPIRE h 100000", "PFADD h b", "TTL h", "PFCOUNT h", "TTL h")


def test_sparse_max_bytes_config(both):
    try:
        run(both, "CONFIG SET hll-sparse-max-bytes 60")
        for i in range(0, 40, 4):
            run(both, ["PFADD", "h"] + ["v%d" % j for j in range(i, i + 4)], "PFDEBUG ENCODING h", "GET h")
        run(both, "CONFIG SET hll-sparse-max-bytes 0", "PFADD h2 a", "PFDEBUG ENCODING h2", "GET h2",
            "PFMERGE h3 h2", "PFDEBUG ENCODING h3")
    finally:
        run(both, "CONFIG SET hll-sparse-max-bytes 3000")
