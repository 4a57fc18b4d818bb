"""EXPIRE family, TTL family and PERSIST compared with the real redis-server.

Absolute times far in the future (PEXPIREAT 99999999999999) make replies exact;
relative TTLs are compared where both servers round to the same value (TTL of an
EXPIRE 100 is 100 on both) or by range (PTTL).
"""

from __future__ import annotations

import time

import pytest

FAR_MS = "99999999999999"
FAR_S = "99999999999"
EXPIRES = ["EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"]


@pytest.mark.parametrize("cmd", EXPIRES)
def test_expire_missing_key_and_arity(both, cmd):
    both.check(cmd, "nope", "100")
    both.check(cmd, "nope")
    both.check(cmd)


@pytest.mark.parametrize("cmd", EXPIRES)
def test_expire_bad_numbers(both, cmd):
    both.check("SET", "k", "v")
    for bad in ("abc", "1.5", "", " 1", "9223372036854775808", "0x10"):
        both.check(cmd, "k", bad)
    both.check("TTL", "k")


@pytest.mark.parametrize("cmd", EXPIRES)
def test_expire_overflow(both, cmd):
    both.check("SET", "k", "v")
    for big in ("9223372036854775807", "9223372036854775", "9223372036854776", "-9223372036854775808",
                "-9223372036854775", "-9223372036854776", "92233720368547758"):
        both.check(cmd, "k", big)
    both.check("EXISTS", "k")


@pytest.mark.parametrize("cmd", EXPIRES)
def test_expire_options_errors(both, cmd):
    both.check("SET", "k", "v")
    for opts in (["FOO"], ["NX", "XX"], ["NX", "GT"], ["NX", "LT"], ["GT", "LT"], ["nx", "xx"], ["NX", "FOO"],
                 ["XX", "GT", "LT"], ["NX", "NX"]):
        both.check(cmd, "k", "100", *opts)
        both.check(cmd, "nope", "100", *opts)
    # options are checked before the number
    both.check(cmd, "k", "abc", "FOO")
    both.check(cmd, "k", "abc", "NX", "XX")


def _far(cmd: str, offset: int = 0) -> str:
    return {"EXPIRE": "1000000", "PEXPIRE": "1000000000", "EXPIREAT": str(int(FAR_S) + offset),
            "PEXPIREAT": str(int(FAR_MS) + offset)}[cmd] if cmd in ("EXPIREAT", "PEXPIREAT") or not offset \
        else {"EXPIRE": str(1000000 + offset), "PEXPIRE": str(1000000000 + offset * 1000)}[cmd]


@pytest.mark.parametrize("cmd", EXPIRES)
def test_expire_conditions(both, cmd):
    both.check("SET", "k", "v")
    both.check(cmd, "k", _far(cmd), "XX")        # no TTL: XX fails
    both.check(cmd, "k", _far(cmd), "GT")        # no TTL counts as infinite: GT fails
    both.check(cmd, "k", _far(cmd), "LT")        # ... and LT succeeds
    both.check("PERSIST", "k")
    both.check(cmd, "k", _far(cmd), "NX")
    both.check(cmd, "k", _far(cmd), "NX")        # has a TTL now
    both.check(cmd, "k", _far(cmd, 10), "GT")
    both.check(cmd, "k", _far(cmd, -100), "GT")
    both.check(cmd, "k", _far(cmd, -100), "LT")
    both.check(cmd, "k", _far(cmd, 100), "LT")
    both.check(cmd, "k", _far(cmd, 5), "XX")
    both.check(cmd, "k", _far(cmd, 50), "xx", "gt", "gt")
    both.check("TTL", "k") if cmd in ("EXPIRE", "PEXPIRE") else both.check("EXPIRETIME", "k")


def test_pexpireat_and_expiretime_exact(both):
    both.check("SET", "k", "v")
    both.check("PEXPIREAT", "k", FAR_MS)
    both.check("PEXPIRETIME", "k")
    both.check("EXPIRETIME", "k")
    both.check("EXPIREAT", "k", FAR_S)
    both.check("PEXPIRETIME", "k")
    both.check("EXPIRETIME", "k")
    both.check("PEXPIREAT", "k", "99999999999499")
    both.check("EXPIRETIME", "k")  # truncation or rounding of absolute seconds


@pytest.mark.parametrize("cmd", ["TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"])
def test_ttl_missing_and_persistent(both, cmd):
    both.check(cmd, "nope")
    both.check("SET", "k", "v")
    both.check(cmd, "k")
    both.check(cmd)
    both.check(cmd, "a", "b")


def test_ttl_rounds_like_redis(both):
    both.check("SET", "k", "v")
    both.check("EXPIRE", "k", "100")
    both.check("TTL", "k")
    both.check("PEXPIRE", "k", "100400")
    both.check("TTL", "k")
    a, b = both.both("PTTL", "k", compare=False)
    assert 99000 < int(a[1:-2]) <= 100400 and 99000 < int(b[1:-2]) <= 100400


@pytest.mark.parametrize("cmd,arg", [("EXPIRE", "0"), ("EXPIRE", "-10"), ("PEXPIRE", "-1"), ("EXPIREAT", "1"),
                                     ("PEXPIREAT", "1"), ("PEXPIREAT", "0"), ("EXPIREAT", "-5")])
def test_expire_in_the_past_deletes(both, cmd, arg):
    both.check("SET", "k", "v")
    both.check(cmd, "k", arg)
    both.check("EXISTS", "k")
    both.check("TTL", "k")


def test_expire_in_the_past_with_conditions(both):
    both.check("SET", "k", "v")
    both.check("EXPIRE", "k", "-1", "XX")
    both.check("EXISTS", "k")
    both.check("EXPIRE", "k", "-1", "LT")
    both.check("EXISTS", "k")


def test_persist(both):
    both.check("PERSIST", "nope")
    both.check("SET", "k", "v")
    both.check("PERSIST", "k")
    both.check("PEXPIREAT", "k", FAR_MS)
    both.check("PERSIST", "k")
    both.check("TTL", "k")
    both.check("PERSIST", "k")
    both.check("PERSIST")


def test_lazy_expiry_on_read(both):
    both.check("SET", "k", "v")
    both.check("PEXPIRE", "k", "5")
    time.sleep(0.03)
    both.check("GET", "k")
    both.check("TTL", "k")
    both.check("EXISTS", "k")
    both.check("SET", "k2", "v", "PX", "5")
    time.sleep(0.03)
    both.check("PERSIST", "k2")
    both.check("TYPE", "k2")
    both.check("RENAME", "k2", "x")
    both.check("RANDOMKEY")
    both.check("SCAN", "0")


def test_set_clears_ttl_and_keepttl(both):
    both.check("SET", "k", "v")
    both.check("PEXPIREAT", "k", FAR_MS)
    both.check("SET", "k", "w", "KEEPTTL")
    both.check("PEXPIRETIME", "k")
    both.check("SET", "k", "x")
    both.check("PEXPIRETIME", "k")


def test_expire_on_other_types(both):
    a, _ = both.both("RPUSH", "l", "x", compare=False)
    if a.startswith(b"-ERR unknown command"):
        pytest.skip("RPUSH not implemented yet")
    both.check("PEXPIREAT", "l", FAR_MS)
    both.check("PEXPIRETIME", "l")
    both.check("DEL", "l")
    both.check("PEXPIRETIME", "l")
