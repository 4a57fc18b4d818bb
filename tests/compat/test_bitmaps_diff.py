"""Bitmap commands, compared byte for byte with the real redis-server (RESP2 and RESP3).

The oracle is Redis 7.0.  Redis 7.2 validates BITCOUNT/BITPOS arguments before looking
the key up (7.0 answered 0 for a missing key whatever the arguments); those cases are
asserted on Vermilion alone in ``test_bitcount_bitpos_72_argument_checks``.
"""

from __future__ import annotations

import random
import time

import pytest

from test_strings_diff import kcheck, make_list


def test_setbit_getbit(both):
    both.check("SETBIT", "k", 7, 1)
    both.check("GET", "k")
    both.check("SETBIT", "k", 7, 1)
    both.check("SETBIT", "k", 7, 0)
    both.check("SETBIT", "k", 100, 1)
    both.check("GET", "k")
    both.check("SETBIT", "k", 0, 1)
    for off in (0, 1, 7, 8, 100, 101, 1000, "4294967295"):
        both.check("GETBIT", "k", off)
    both.check("GETBIT", "nokey", 5)
    for bad in ("-1", "abc", "1.5", "4294967296", "9223372036854775807", "#3"):
        both.check("SETBIT", "k", bad, 1)
        both.check("GETBIT", "k", bad)
    for bad in ("2", "-1", "abc", "", "01"):
        both.check("SETBIT", "k", 1, bad)
    both.check("SETBIT", "k", "-1", "2")  # offset error first
    both.check("SETBIT", "k", 1)
    both.check("GETBIT", "k")
    both.check("SET", "t", "a", "EX", "100")
    both.check("SETBIT", "t", 100, 1)
    kcheck(both, "TTL", "t")
    make_list(both)
    both.check("SETBIT", "lst", 1, 1)
    both.check("SETBIT", "lst", -1, 1)
    both.check("SETBIT", "lst", 1, 5)
    both.check("GETBIT", "lst", 1)
    both.check("GETBIT", "lst", "x")


def test_bitcount(both):
    both.check("SET", "k", "foobar")
    both.check("BITCOUNT", "k")
    ranges = [(0, 0), (1, 1), (0, -1), (-2, -1), (-1, -2), (5, 100), (-100, 2), (3, 1), (-100, -100),
              (0, "9223372036854775807"), ("-9223372036854775808", -1)]
    for s, e in ranges:
        both.check("BITCOUNT", "k", s, e)
        both.check("BITCOUNT", "k", s, e, "BYTE")
        both.check("BITCOUNT", "k", s, e, "bit")
    for s, e in [(5, 30), (1, 6), (7, 8), (0, 47), (9, 9), (-5, -1), (-48, -40), (40, 200)]:
        both.check("BITCOUNT", "k", s, e, "BIT")
    both.check("BITCOUNT", "k", 0, 1, "FOO")
    both.check("BITCOUNT", "k", "a", 1)
    both.check("BITCOUNT", "k", 0, "b")
    both.check("BITCOUNT", "k", 0)
    both.check("BITCOUNT", "k", 0, 1, "BIT", "x")
    both.check("BITCOUNT", "nokey")
    both.check("BITCOUNT", "nokey", 0, 10)
    both.check("SET", "e", "")
    both.check("BITCOUNT", "e")
    both.check("BITCOUNT", "e", 0, -1, "BIT")
    both.check("SET", "n", "123")
    both.check("BITCOUNT", "n", 0, 0)
    both.check("BITCOUNT")
    make_list(both)
    both.check("BITCOUNT", "lst")
    both.check("BITCOUNT", "lst", 0, 1)


def test_bitcount_random(both2):
    rnd = random.Random(11)
    data = bytes(rnd.randrange(256) for _ in range(37))
    both2.check("SET", "r", data)
    for _ in range(60):
        s, e = rnd.randint(-320, 320), rnd.randint(-320, 320)
        both2.check("BITCOUNT", "r", s, e, rnd.choice(["BIT", "BYTE"]))


def test_bitpos(both):
    both.check("SET", "k", b"\xff\xf0\x00")
    for bit in (0, 1):
        both.check("BITPOS", "k", bit)
        for args in [(0,), (1,), (2,), (-1,), (5,), (0, -1), (1, 1), (2, 2), (0, 0), (3, 1), (-2, -1),
                     (0, -1, "BYTE"), (0, 23, "BIT"), (7, 15, "BIT"), (12, 12, "BIT"), (12, 20, "BIT"),
                     (13, 14, "BIT"), (20, 30, "BIT"), (-5, -1, "BIT"), (100, 200, "BIT"), (5, "bit"),
                     (0, 15, "bit")]:
            both.check("BITPOS", "k", bit, *args)
    both.check("SET", "ones", b"\xff\xff\xff")
    both.check("BITPOS", "ones", 0)
    both.check("BITPOS", "ones", 0, 1)
    both.check("BITPOS", "ones", 0, 1, -1)
    both.check("BITPOS", "ones", 0, 3, 20, "BIT")
    both.check("BITPOS", "ones", 0, 3, "BIT")
    both.check("SET", "zeros", b"\x00\x00\x00")
    both.check("BITPOS", "zeros", 1)
    both.check("BITPOS", "zeros", 1, 0, -1, "BIT")
    both.check("BITPOS", "zeros", 0, 9, -1, "BIT")
    both.check("SET", "e", "")
    both.check("BITPOS", "e", 0)
    both.check("BITPOS", "e", 1)
    both.check("BITPOS", "e", 0, 0)
    both.check("BITPOS", "nokey", 0)
    both.check("BITPOS", "nokey", 1)
    both.check("BITPOS", "k", 2)
    both.check("BITPOS", "k", -1)
    both.check("BITPOS", "k", "a")
    both.check("BITPOS", "k", 1, "a")
    both.check("BITPOS", "k", 1, 0, "a")
    both.check("BITPOS", "k", 1, 0, 1, "FOO")
    both.check("BITPOS", "k", 1, 0, "a", "FOO")  # unit checked before end
    both.check("BITPOS", "k", 1, 0, 1, "BIT", "x")
    both.check("BITPOS", "k")
    make_list(both)
    both.check("BITPOS", "lst", 1)
    both.check("BITPOS", "lst", 3)


def test_bitpos_random(both2):
    rnd = random.Random(13)
    for _ in range(8):
        data = bytes(rnd.choice([0, 255, rnd.randrange(256)]) for _ in range(rnd.randint(1, 9)))
        both2.check("SET", "r", data)
        for _ in range(25):
            bit = rnd.randint(0, 1)
            s, e = rnd.randint(-80, 80), rnd.randint(-80, 80)
            form = rnd.randint(0, 3)
            if form == 0:
                both2.check("BITPOS", "r", bit, s)
            elif form == 1:
                both2.check("BITPOS", "r", bit, s, e)
            else:
                both2.check("BITPOS", "r", bit, s, e, rnd.choice(["BIT", "BYTE"]))


def test_bitcount_bitpos_72_argument_checks(raw):
    """Redis 7.2 checks the arguments before the key (7.0 answered 0 for a missing key)."""
    raw.call("DEL", "nokey")
    assert raw.call("BITCOUNT", "nokey", 0) == b"-ERR syntax error\r\n"
    assert raw.call("BITCOUNT", "nokey", "a", 1) == b"-ERR value is not an integer or out of range\r\n"
    assert raw.call("BITCOUNT", "nokey", 0, 1, "FOO") == b"-ERR syntax error\r\n"
    assert raw.call("BITCOUNT", "nokey", 0, 1, "BIT") == b":0\r\n"
    assert raw.call("BITPOS", "nokey", 1, "a") == b"-ERR value is not an integer or out of range\r\n"
    assert raw.call("BITPOS", "nokey", 1, 0, 1, "FOO") == b"-ERR syntax error\r\n"
    assert raw.call("BITPOS", "nokey", 0, 0, 1, "BIT") == b":0\r\n"
    assert raw.call("BITPOS", "nokey", 1, 0, 1, "BIT", "x") == b"-ERR syntax error\r\n"


def test_bitop(both):
    both.check("SET", "a", "foobar")
    both.check("SET", "b", "abcdef")
    both.check("SET", "c", b"\x01")
    for op in ("AND", "OR", "XOR", "and", "Or"):
        both.check("BITOP", op, "dest", "a", "b")
        both.check("GET", "dest")
        both.check("BITOP", op, "dest", "a", "b", "c", "nokey")
        both.check("GET", "dest")
        both.check("BITOP", op, "dest", "c", "a")
        both.check("GET", "dest")
    both.check("BITOP", "NOT", "dest", "a")
    both.check("GET", "dest")
    both.check("BITOP", "NOT", "dest", "a", "b")
    both.check("BITOP", "NAND", "dest", "a")
    both.check("BITOP", "AND", "dest")
    both.check("SET", "dest", "x", "EX", "100")
    both.check("BITOP", "OR", "dest", "nokey", "nokey2")
    both.check("GET", "dest")
    both.check("BITOP", "NOT", "dest", "nokey")
    both.check("SET", "e", "")
    both.check("BITOP", "XOR", "dest", "e", "e")
    both.check("SET", "dest", "x", "EX", "100")
    both.check("BITOP", "AND", "dest", "a")
    kcheck(both, "TTL", "dest")
    make_list(both)
    both.check("BITOP", "AND", "dest", "a", "lst")
    both.check("BITOP", "OR", "lst", "a")
    both.check("GET", "lst")


def test_bitop_large_is_fast(both2):
    rnd = random.Random(17)
    a = rnd.randbytes(1 << 20)
    b = rnd.randbytes((1 << 20) - 3)
    both2.check("SET", "a", a)
    both2.check("SET", "b", b)
    for op in ("AND", "OR", "XOR"):
        t = time.perf_counter()
        both2.v.call("BITOP", op, "d", "a", "b")
        assert time.perf_counter() - t < 0.5
        both2.check("BITOP", op, "d", "a", "b")
        assert both2.v.call("GET", "d") == both2.r.call("GET", "d")
    both2.check("BITOP", "NOT", "d", "b")
    assert both2.v.call("GET", "d") == both2.r.call("GET", "d")
    both2.check("BITCOUNT", "a")
    both2.check("BITCOUNT", "a", 1000, -1000, "BIT")
    both2.check("BITPOS", "d", 1, 1000)


def test_bitfield(both):
    both.check("BITFIELD", "k", "SET", "i8", 0, 100, "GET", "i8", 0, "GET", "u4", 0, "GET", "u4", 4)
    both.check("BITFIELD", "k", "INCRBY", "i8", 0, 100)
    both.check("BITFIELD", "k", "OVERFLOW", "SAT", "INCRBY", "i8", 0, 100)
    both.check("BITFIELD", "k", "OVERFLOW", "FAIL", "INCRBY", "i8", 0, 1)
    both.check("BITFIELD", "k", "OVERFLOW", "WRAP", "INCRBY", "i8", 0, 1)
    both.check("BITFIELD", "k", "SET", "u8", "#1", 255, "GET", "u8", 8, "INCRBY", "u8", "#1", 10)
    both.check("BITFIELD", "k", "OVERFLOW", "sat", "SET", "u8", 8, -1, "SET", "u8", 8, 300, "INCRBY", "u8", 8, -1000)
    both.check("BITFIELD", "k", "OVERFLOW", "fail", "SET", "u8", 8, -1, "SET", "i8", 8, 128, "INCRBY", "u8", 8, -1000)
    both.check("BITFIELD", "k", "SET", "u8", 8, -1, "SET", "i8", 8, 200, "GET", "i8", 8)
    both.check("BITFIELD", "k", "SET", "i64", 0, "-9223372036854775808", "GET", "i64", 0, "INCRBY", "i64", 0, -1)
    both.check("BITFIELD", "k", "OVERFLOW", "SAT", "INCRBY", "i64", 0, "-9223372036854775808",
               "INCRBY", "i64", 0, "9223372036854775807", "INCRBY", "i64", 0, "9223372036854775807")
    both.check("BITFIELD", "k", "SET", "u63", 3, "9223372036854775807", "GET", "u63", 3, "INCRBY", "u63", 3, 5)
    both.check("BITFIELD", "k", "OVERFLOW", "SAT", "INCRBY", "u63", 3, 5, "INCRBY", "i1", 0, 1, "INCRBY", "u1", 0, 2)
    both.check("BITFIELD", "k", "SET", "i5", 13, -7, "GET", "i5", 13, "GET", "u13", 7, "GET", "i64", 70)
    both.check("GET", "k")
    both.check("BITFIELD", "k")
    both.check("BITFIELD", "nokey", "GET", "u8", 100)
    kcheck(both, "EXISTS", "nokey")
    both.check("BITFIELD", "fail", "OVERFLOW", "FAIL", "SET", "u2", 0, 10)
    both.check("GET", "fail")
    both.check("BITFIELD", "grow", "SET", "u8", 100, 1)
    both.check("GET", "grow")
    both.check("BITFIELD_RO", "k", "GET", "i8", 0, "GET", "u16", "#1")
    both.check("BITFIELD_RO", "k", "SET", "i8", 0, 1)
    both.check("BITFIELD_RO", "k", "OVERFLOW", "WRAP", "GET", "i8", 0)
    both.check("BITFIELD_RO", "k", "INCRBY", "i8", 0, "x")
    both.check("BITFIELD_RO", "k")


def test_bitfield_errors(both):
    both.check("SET", "k", "abc")
    for t in ("u64", "i65", "i0", "u0", "x8", "U8", "I8", "i", "", "i-1", "i08", "u 8"):
        both.check("BITFIELD", "k", "GET", t, 0)
    for off in ("-1", "abc", "#-1", "#x", "4294967296", "#536870912", "#9223372036854775807", "1.5", "# 1"):
        both.check("BITFIELD", "k", "GET", "u8", off)
        both.check("BITFIELD", "k", "SET", "i8", off, 1)
    both.check("BITFIELD", "k", "SET", "i8", 0, "abc")
    both.check("BITFIELD", "k", "INCRBY", "i8", 0, "1.5")
    both.check("BITFIELD", "k", "GET", "u8")
    both.check("BITFIELD", "k", "SET", "u8", 0)
    both.check("BITFIELD", "k", "FOO", "u8", 0)
    both.check("BITFIELD", "k", "OVERFLOW")
    both.check("BITFIELD", "k", "OVERFLOW", "BAD", "GET", "u8", 0)
    both.check("BITFIELD", "k", "GET", "u8", 0, "SET", "x8", 0, 1)
    both.check("BITFIELD", "k", "SET", "x8", "bad", "bad")  # type checked first
    both.check("BITFIELD", "k", "SET", "i8", "bad", "bad")  # then offset
    both.check("BITFIELD")
    both.check("GET", "k")
    make_list(both)
    both.check("BITFIELD", "lst", "GET", "u8", 0)
    both.check("BITFIELD", "lst", "SET", "u8", 0, 1)
    both.check("BITFIELD", "lst", "SET", "x8", 0, 1)
    both.check("BITFIELD_RO", "lst", "GET", "u8", 0)
    both.check("BITFIELD_RO", "lst", "SET", "u8", 0, 1)


@pytest.mark.parametrize("overflow", ["WRAP", "SAT", "FAIL"])
def test_bitfield_random(both2, overflow):
    rnd = random.Random(hash(overflow) & 0xFFFF)
    both2.check("SET", "r", rnd.randbytes(12))
    for _ in range(80):
        signed = rnd.random() < 0.5
        bits = rnd.randint(1, 64 if signed else 63)
        t = ("i" if signed else "u") + str(bits)
        off = rnd.randint(0, 100)
        val = rnd.choice([rnd.randint(-(1 << 63), (1 << 63) - 1), rnd.randint(-300, 300),
                          (1 << (bits - 1)), -(1 << (bits - 1)) - 1])
        op = rnd.choice(["GET", "SET", "INCRBY"])
        if op == "GET":
            both2.check("BITFIELD", "r", "GET", t, off)
        else:
            both2.check("BITFIELD", "r", "OVERFLOW", overflow, op, t, off, val, "GET", t, off)
    both2.check("GET", "r")
