"""Mutated real RDB files and DUMP payloads fed to the loader: every outcome is a load
or an RdbError/PayloadError naming what is wrong, never another exception, a hang or a
memory blow-up (bounded: a few seconds)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vermilion.persistence.rdb.crc64 import crc64
from vermilion.persistence.rdb.decoder import Limits, PayloadError, RdbError, load, read_payload
from vermilion.persistence.rdb.encoder import dump_payload

FIXTURE = (Path(__file__).parent.parent / "unit" / "persistence" / "data" / "redis70_all_types.rdb").read_bytes()
BODY = FIXTURE[:-8]
LIMITS = Limits()

mutation = st.one_of(
    st.tuples(st.just("flip"), st.integers(0, len(BODY) - 1), st.integers(1, 255)),
    st.tuples(st.just("set"), st.integers(0, len(BODY) - 1), st.integers(0, 255)),
    st.tuples(st.just("cut"), st.integers(0, len(BODY) - 1), st.integers(1, 64)),
    st.tuples(st.just("insert"), st.integers(0, len(BODY) - 1), st.binary(min_size=1, max_size=12)),
)


def mutate(data: bytes, ops) -> bytes:
    buf = bytearray(data)
    for kind, pos, arg in ops:
        if not buf and kind != "insert":
            continue
        pos %= max(1, len(buf))
        if kind == "flip":
            buf[pos] ^= arg
        elif kind == "set":
            buf[pos] = arg
        elif kind == "cut":
            del buf[pos:pos + arg]
        else:
            buf[pos:pos] = arg
    return bytes(buf)


def _sink(db, key, value, expire, idle, freq):
    return True


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(mutation, min_size=1, max_size=4), st.booleans())
def test_mutated_real_dump_never_crashes(ops, fix_checksum):
    body = mutate(BODY, ops)
    data = body + (crc64(0, body).to_bytes(8, "little") if fix_checksum else FIXTURE[-8:])
    try:
        load(data, LIMITS, _sink)
    except RdbError as e:
        assert "offset" in str(e)


PAYLOADS = [dump_payload(v) for v in (b"hello", b"12345", b"x" * 200)]


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(PAYLOADS), st.lists(mutation, min_size=1, max_size=3))
def test_mutated_payloads_never_crash(payload, ops):
    body = mutate(payload[:-8], [(k, p % max(1, len(payload) - 8), a) for k, p, a in ops])
    data = body + crc64(0, body).to_bytes(8, "little")
    try:
        read_payload(data, LIMITS)
    except PayloadError:
        pass


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_after_a_header(tail):
    body = b"REDIS0011" + tail
    for data in (body, body + crc64(0, body).to_bytes(8, "little")):
        try:
            load(data, LIMITS, _sink)
        except RdbError:
            pass
