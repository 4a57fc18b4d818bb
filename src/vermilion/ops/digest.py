"""DEBUG DIGEST and DIGEST-VALUE: Redis's dataset digest (debug.c), byte for byte.

Two primitives over a 20-byte state: ``xor`` (state ^= SHA1(data): order-independent)
and ``mix`` (xor, then state = SHA1(state): order-dependent).  The dataset digest XORs,
for every key of every non-empty db (after mixing the db index as a 4-byte big-endian
number into the final state), the SHA1 of the key's own digest: mix(key), mix(type number), then
the value -- a string mixed whole; list elements mixed in order; set members XORed;
hash and zset elements each digested apart (field+value, or member+score printed with
``%.17g``) and XORed in; stream entries mixed in ID order (``ms.seq``, then each field
and value; consumer groups are not part of the digest, as in Redis); ``!!expire!!``
XORed when the key has a TTL.
"""

from __future__ import annotations

from hashlib import sha1
from typing import Any

from ..datatypes.stream import MAX_ID, U64
from ..keyspace.types import type_name
from ..persistence.rdb.encoder import entry_fields

TYPE_CODES = {b"string": 0, b"list": 1, b"set": 2, b"zset": 3, b"hash": 4, b"stream": 6}
ZERO = bytes(20)


def _xor(state: bytes, data: bytes) -> bytes:
    h = sha1(data).digest()
    return (int.from_bytes(state, "big") ^ int.from_bytes(h, "big")).to_bytes(20, "big")


def _mix(state: bytes, data: bytes) -> bytes:
    return sha1(_xor(state, data)).digest()


def _score(score: float) -> bytes:
    if score != score:
        return b"nan"
    if score in (float("inf"), float("-inf")):
        return b"inf" if score > 0 else b"-inf"
    return (b"%.17g" % score)


def object_digest(state: bytes, db: Any, key: bytes, value: Any) -> bytes:
    """Redis's xorObjectDigest: ``state`` continued with the value's type, content and
    expiry (DIGEST-VALUE starts from zeros, the dataset digest from mix(key))."""
    name = type_name(value)
    d = _mix(state, TYPE_CODES.get(name, 5).to_bytes(4, "big"))
    if name == b"string":
        d = _mix(d, value)
    elif name == b"list":
        for item in value:
            d = _mix(d, item if item.__class__ is bytes else b"%d" % item)
    elif name == b"set":
        for member in value:
            d = _xor(d, member if member.__class__ is bytes else b"%d" % member)
    elif name == b"zset":
        for member, score in value.scores.items():
            d = _xor(d, _mix(_mix(ZERO, member), _score(score)))
    elif name == b"hash":
        for field, v in value.items():
            d = _xor(d, _mix(_mix(ZERO, field), v))
    elif name == b"stream":
        d = _stream_digest(d, value)
    if key in db.expires:
        d = _xor(d, b"!!expire!!")
    return d


def _stream_digest(d: bytes, value: Any) -> bytes:
    for i, encoded in value.range(0, MAX_ID):
        d = _mix(d, b"%d.%d" % (i >> 64, i & U64))
        for x in entry_fields(encoded):
            d = _mix(d, x)
    return d


def dataset_digest(server: Any) -> bytes:
    """Redis's computeDatasetDigest, as 40 hex digits (all zeros for an empty dataset)."""
    final = ZERO
    for db in server.dbs:
        if not db.data:
            continue
        final = _mix(final, db.index.to_bytes(4, "big"))
        acc = int.from_bytes(final, "big")
        for key, value in db.data.items():
            if db.logically_expired(key):
                continue
            # xorDigest: the final state takes the SHA1 of the key's digest
            acc ^= int.from_bytes(sha1(object_digest(_mix(ZERO, key), db, key, value)).digest(), "big")
        final = acc.to_bytes(20, "big")
    return final.hex().encode()
