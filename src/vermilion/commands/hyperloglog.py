"""HyperLogLog commands over string values in Redis's exact HLL format (datatypes/hll.py).

HLL keys are ordinary strings: every command reads the bytes, validates the header
(``WRONGTYPE Key is not a valid HyperLogLog string value.``), works on a ``bytearray``
copy and stores the result back as ``bytes`` (keeping the key's TTL).  PFCOUNT on one key
writes the recomputed cardinality into the header cache, as Redis does.
"""

from __future__ import annotations

from typing import Any

from ..datatypes import hll
from ..keyspace.notify import NOTIFY_STRING, notify
from ..protocol.errors import CommandError, WrongType
from ..protocol.reply import OK, Simple
from .registry import command
from .spec import arg, ks

NOT_HLL = b"WRONGTYPE Key is not a valid HyperLogLog string value."
INVALID = b"INVALIDOBJ Corrupted HLL object detected"


def get_hll(c: Any, key: bytes, *, read: bool = True) -> bytes | None:
    db = c.db
    v = db.lookup_read(key) if read else db.lookup(key)
    if v is None:
        return None
    if type(v) is not bytes:
        raise WrongType()
    if not hll.is_valid(v):
        raise CommandError(NOT_HLL)
    return v


def put(c: Any, key: bytes, buf: bytes | bytearray) -> None:
    """Store an HLL string, keeping the key's TTL.  HLL values are raw strings, as
    Redis creates them (createRawStringObject) and unshares them before each write."""
    v = bytes(buf)
    c.db.set(key, v, keep_ttl=True)
    c.db.mark_string(key, v)


def sparse_max(c: Any) -> int:
    return c.server.config.get("hll-sparse-max-bytes", 3000)


@command('pfadd', arity=-2, flags='write denyoom fast', acl='hyperloglog',
         group='hyperloglog', since='2.8.9',
         summary='Adds the specified elements to the specified HyperLogLog.',
         complexity='O(1) to add every element.',
         keys=[ks('RW INSERT', 1)],
         args=(
            arg('key', 'key', key_spec_index=0),
            arg('element', 'string', flags=('optional', 'multiple')),
         ))
def cmd_pfadd(c: Any, argv: list[bytes]) -> Any:
    key = argv[1]
    v = get_hll(c, key, read=False)
    updated = 0
    if v is None:
        v = hll.EMPTY
        updated = 1
    if v[4] == hll.DENSE:
        # Dense: copy the 12 KB value only once a register really grows.
        buf: bytearray | None = None
        for ele in argv[2:]:
            index, count = hll.pat_len(ele)
            if buf is None:
                if count <= hll.dense_get(v, index):
                    continue
                buf = bytearray(v)
            updated += hll.dense_set(buf, index, count)
    else:
        buf = bytearray(v)
        max_bytes = sparse_max(c)
        for ele in argv[2:]:
            buf, r = hll.add(buf, ele, max_bytes)
            if r == 1:
                updated += 1
            elif r < 0:
                raise CommandError(INVALID)
    if updated:
        hll.invalidate(buf)
        put(c, key, buf)
        c.server.dirty += updated - 1
        notify(c.server, NOTIFY_STRING, b"pfadd", key, c.db.index)
        return 1
    c.db.mark_string(key, v)  # unshared (raw) even when no register changed
    return 0


@command('pfcount', arity=-2, flags='readonly', acl='hyperloglog',
         group='hyperloglog', since='2.8.9',
         summary='Return the approximated cardinality of the set(s) observed by the HyperLogLog at key(s).',
         complexity='O(1) with a very small average constant time when called with a single key. O(N) with N being the number of keys, and much bigger constant times, when called with multiple keys.',
         keys=[ks('RW ACCESS', 1, last=-1, notes='RW because it may change the internal representation of the key, and propagate to replicas')],
         args=(
            arg('key', 'key', key_spec_index=0, flags=('multiple',)),
         ))
def cmd_pfcount(c: Any, argv: list[bytes]) -> Any:
    if len(argv) > 2:
        regs: bytearray | None = None
        for key in argv[1:]:
            v = get_hll(c, key)
            if v is None:
                continue
            try:
                r = hll.regs_of(v)
            except hll.HllCorrupt:
                raise CommandError(INVALID) from None
            regs = r if regs is None else hll.regs_max(regs, r)
        if regs is None:
            return 0
        return hll.estimate(hll.histogram_of_regs(regs))
    key = argv[1]
    v = get_hll(c, key)
    if v is None:
        return 0
    card = hll.cached_card(v)
    if card is not None:
        c.db.mark_string(key, v)  # PFCOUNT unshares the value before reading the cache
        return card
    try:
        card = hll.count(v)
    except hll.HllCorrupt:
        raise CommandError(INVALID) from None
    buf = bytearray(v)
    hll.set_card(buf, card)
    put(c, key, buf)
    return card


@command('pfmerge', arity=-2, flags='write denyoom', acl='hyperloglog',
         group='hyperloglog', since='2.8.9',
         summary='Merge N different HyperLogLogs into a single one.',
         complexity='O(N) to merge N HyperLogLogs, but with high constant times.',
         keys=[ks('RW ACCESS INSERT', 1), ks('RO ACCESS', 2, last=-1)],
         args=(
            arg('destkey', 'key', key_spec_index=0),
            arg('sourcekey', 'key', key_spec_index=1, flags=('optional', 'multiple')),
         ))
def cmd_pfmerge(c: Any, argv: list[bytes]) -> Any:
    regs = bytearray(hll.REGISTERS)
    use_dense = False
    for key in argv[1:]:
        v = get_hll(c, key)
        if v is None:
            continue
        if v[4] == hll.DENSE:
            use_dense = True
        try:
            r = hll.regs_of(v)
        except hll.HllCorrupt:
            raise CommandError(INVALID) from None
        regs = hll.regs_max(regs, r)
    dst = argv[1]
    v = get_hll(c, dst, read=False)
    buf = bytearray(hll.EMPTY if v is None else v)
    if use_dense:
        try:
            buf = hll.to_dense(buf)
        except hll.HllCorrupt:
            raise CommandError(INVALID) from None
    if buf[4] == hll.DENSE:
        # Registers only grow (the destination is one of the merged inputs).
        buf[hll.HDR:] = hll.regs_to_dense_body(regs)
    else:
        max_bytes = sparse_max(c)
        for i, val in enumerate(regs):
            if val:
                if buf[4] == hll.DENSE:
                    hll.dense_set(buf, i, val)
                else:
                    buf, _ = hll.sparse_set(buf, i, val, max_bytes)
    hll.invalidate(buf)
    put(c, dst, buf)
    notify(c.server, NOTIFY_STRING, b"pfadd", dst, c.db.index)  # a mass add, as Redis calls it
    return OK


@command('pfdebug', arity=3, flags='write denyoom admin', acl='hyperloglog',
         group='hyperloglog', since='2.8.9',
         summary='Internal commands for debugging HyperLogLog values',
         complexity='N/A',
         keys=[ks('RW ACCESS', 2)],
         doc_flags=('syscmd',),
         args=(
            arg('subcommand', 'string'),
            arg('key', 'key', key_spec_index=0),
         ))
def cmd_pfdebug(c: Any, argv: list[bytes]) -> Any:
    sub = argv[1].lower()
    key = argv[2]
    v = get_hll(c, key, read=False)
    if v is None:
        raise CommandError(b"ERR The specified key does not exist")
    if sub in (b"getreg", b"todense"):
        converted = 0
        if v[4] == hll.SPARSE:
            try:
                buf = hll.to_dense(v)
            except hll.HllCorrupt:
                raise CommandError(INVALID) from None
            put(c, key, buf)
            v = bytes(buf)
            converted = 1
        if sub == b"todense":
            return converted
        return list(hll.dense_to_regs(v))
    if sub == b"decode":
        if v[4] != hll.SPARSE:
            raise CommandError(b"ERR HLL encoding is not sparse")
        return hll.decode_sparse(v)
    if sub == b"encoding":
        return Simple(b"dense" if v[4] == hll.DENSE else b"sparse")
    raise CommandError(b"ERR Unknown PFDEBUG subcommand '%s'" % argv[1])


@command('pfselftest', arity=1, flags='admin', acl='hyperloglog',
         group='hyperloglog', since='2.8.9',
         summary='An internal command for testing HyperLogLog values',
         complexity='N/A',
         doc_flags=('syscmd',))
def cmd_pfselftest(c: Any, argv: list[bytes]) -> Any:
    """Check the register codec and the estimator's error bounds, as Redis's self-test."""
    import random  # noqa: PLC0415

    rnd = random.Random(0)
    regs = bytearray(rnd.randrange(64) for _ in range(hll.REGISTERS))
    dense = bytearray(hll.EMPTY[: hll.HDR]) + hll.regs_to_dense_body(regs)
    dense[4] = hll.DENSE
    if hll.dense_to_regs(dense) != regs:
        raise CommandError(b"ERR TESTFAILED Register error")
    for i in range(0, hll.REGISTERS, 97):
        if hll.dense_get(dense, i) != regs[i]:
            raise CommandError(b"ERR TESTFAILED Register error")
    buf = bytearray(hll.EMPTY)
    relerr = 1.04 / (hll.REGISTERS ** 0.5)
    checkpoint = 1
    for j in range(1, 20001):
        buf, _ = hll.add(buf, b"%d" % rnd.getrandbits(64), 3000)
        if j == checkpoint:
            abserr = checkpoint * relerr * (5 if checkpoint <= 10 else 4 if checkpoint <= 100 else 3)
            if abs(hll.count(buf) - checkpoint) > max(abserr, 1):
                raise CommandError(b"ERR TESTFAILED Too big error. card:%d" % checkpoint)
            checkpoint *= 10
    return OK
