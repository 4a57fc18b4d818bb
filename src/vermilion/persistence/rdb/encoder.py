"""Writing RDB: single values (DUMP payloads) and whole files (SAVE, BGSAVE).

The format written is RDB version 10, the version Redis 7.0 writes, so Redis 7.0,
7.2 and Valkey 8 all load our files and DUMP payloads (7.0 refuses versions above its
own).  Values use the plain encodings every one of them reads, and each re-encodes
the value as its own configuration says after loading:

* strings: integers up to 32 bits int-encoded (rdbTryIntegerEncoding), strings over
  20 bytes LZF-compressed when ``compress`` is on and an LZF binding is installed,
  else raw;
* lists: type 1 (linked list of strings); sets: type 2; hashes: type 4; sorted sets:
  type 5 (member + binary double);
* streams: type 19 (STREAM_LISTPACKS_2: listpack nodes, first/max-deleted IDs, entries
  added, groups with entries-read, PELs, consumers).  Only live entries are written
  (a node's tombstones are not kept by our stream type), so nodes never hold deleted
  entries and nodes with none live are left out, as Redis frees them.  Consumer
  active times are not part of this version: a loader takes the seen time.

A file is: ``REDIS0010``, aux fields (redis-ver, redis-bits, ctime, used-mem,
repl-stream-db, repl-id, repl-offset, aof-base), function libraries (FUNCTION2), then
per non-empty database SELECTDB, RESIZEDB and its keys (EXPIRETIME_MS first when the
key has a TTL), then EOF and the CRC64 of everything before it (zero when
``rdbchecksum`` is off).
"""

from __future__ import annotations

import struct
import time
from typing import Any, Callable, Iterable

from ...datatypes.hashes import HashValue
from ...datatypes.lists import ListValue
from ...datatypes.listpack import as_int64
from ...datatypes.sets import SetValue
from ...datatypes.stream import StreamValue
from ...datatypes.zset import ZSet
from . import constants as K
from .crc64 import crc64
from .lzf import compress as lzf_compress
from .packed import Listpack

U64 = (1 << 64) - 1
_pack_double = struct.Struct("<d").pack


class UnsupportedValue(TypeError):
    pass


def encode_length(n: int) -> bytes:
    if n < 64:
        return bytes((n,))
    if n < 16384:
        return bytes((0x40 | (n >> 8), n & 0xFF))
    if n <= 0xFFFFFFFF:
        return b"\x80" + n.to_bytes(4, "big")
    return b"\x81" + n.to_bytes(8, "big")


_SMALL_LENGTHS = [bytes((n,)) for n in range(64)]


def encode_string(s: bytes, compress: bool = False) -> bytes:
    n = len(s)
    if n <= 11 and n:
        v = as_int64(s)
        if v is not None:
            if -128 <= v <= 127:
                return b"\xc0" + v.to_bytes(1, "little", signed=True)
            if -32768 <= v <= 32767:
                return b"\xc1" + v.to_bytes(2, "little", signed=True)
            if -2147483648 <= v <= 2147483647:
                return b"\xc2" + v.to_bytes(4, "little", signed=True)
    if compress and n > 20:
        packed = lzf_compress(s)
        if packed is not None:
            return b"\xc3" + encode_length(len(packed)) + encode_length(n) + packed
    if n < 64:
        return _SMALL_LENGTHS[n] + s
    return encode_length(n) + s


def _id_lengths(i: int) -> bytes:
    return encode_length(i >> 64) + encode_length(i & U64)


def entry_fields(e: bytes) -> list[bytes]:
    """The field/value list of a stream entry, which the stream type keeps encoded as
    its reply (``*2 $id *2k $field $value ...``, datatypes/stream.py encode_entry;
    ``Node.entries(lo, hi)`` returns them)."""
    p = e.index(b"\r\n", 4)
    p += 2 + int(e[5:p]) + 2  # skip the ID bulk string
    q = e.index(b"\r\n", p)
    k = int(e[p + 1:q])
    p = q + 2
    out = []
    for _ in range(k):
        q = e.index(b"\r\n", p)
        n = int(e[p + 1:q])
        p = q + 2
        out.append(e[p:p + n])
        p += n + 2
    return out


def _stream_body(s: StreamValue, out: bytearray, compress: bool) -> None:
    nodes = [node for node in s.nodes if node.ids]
    out += encode_length(len(nodes))
    for node in nodes:
        master = node.ids[0]
        entries = [entry_fields(e) for e in node.entries(0, len(node.ids))]
        fields = entries[0][0::2]
        nf = len(fields)
        ms0, seq0 = master >> 64, master & U64
        lp = Listpack()
        lp.add_int(len(node.ids))
        lp.add_int(0)
        lp.add_int(nf)
        for f in fields:
            lp.add(f)
        lp.add_int(0)
        for i, fv in zip(node.ids, entries):
            lp.add_int(K.STREAM_ITEM_FLAG_SAMEFIELDS if fv[0::2] == fields else 0)
            lp.add_int((i >> 64) - ms0)
            lp.add_int((i & U64) - seq0)
            k = len(fv) // 2
            if fv[0::2] == fields:
                for v in fv[1::2]:
                    lp.add(v)
                lp.add_int(k + 3)
            else:
                lp.add_int(k)
                for x in fv:
                    lp.add(x)
                lp.add_int(2 * k + 4)
        out += encode_string(master.to_bytes(16, "big"))
        out += encode_string(lp.to_bytes(), compress)
    out += encode_length(s.length)
    out += _id_lengths(s.last_id)
    out += _id_lengths(s.first_id)
    out += _id_lengths(s.max_deleted)
    out += encode_length(s.entries_added)
    out += encode_length(len(s.groups))
    for name in sorted(s.groups):
        g = s.groups[name]
        out += encode_string(name)
        out += _id_lengths(g.last_id)
        out += encode_length(g.entries_read & U64)
        out += encode_length(len(g.pel))
        pmap = g.pel.map
        for i in g.pel.ids:
            nack = pmap[i]
            out += i.to_bytes(16, "big")
            out += nack.delivery_time.to_bytes(8, "little", signed=True)
            out += encode_length(nack.delivery_count)
        out += encode_length(len(g.consumers))
        for c in g.sorted_consumers():
            out += encode_string(c.name)
            out += c.seen_time.to_bytes(8, "little", signed=True)
            out += encode_length(len(c.pel))
            for i in c.pel.ids:
                out += i.to_bytes(16, "big")


_TYPES = {bytes: K.TYPE_STRING, ListValue: K.TYPE_LIST, SetValue: K.TYPE_SET, HashValue: K.TYPE_HASH,
          ZSet: K.TYPE_ZSET_2, StreamValue: K.TYPE_STREAM_LISTPACKS_2}


def object_type(value: Any) -> int:
    """rdbSaveObjectType: the type byte written for ``value``."""
    t = _TYPES.get(type(value))
    if t is None:
        raise UnsupportedValue(f"cannot serialize a value of type {type(value).__name__}")
    return t


def encode_body(value: Any, out: bytearray, compress: bool = False) -> None:
    """rdbSaveObject: append the value (without its type byte)."""
    cls = type(value)
    if cls is bytes:
        out += encode_string(value, compress)
    elif cls is ListValue or cls is SetValue:
        out += encode_length(len(value))
        for item in value:
            out += encode_string(item, compress)
    elif cls is HashValue:
        out += encode_length(len(value))
        for f, v in value.items():
            out += encode_string(f, compress)
            out += encode_string(v, compress)
    elif cls is ZSet:
        out += encode_length(len(value))
        for score, member in value.order:
            out += encode_string(member, compress)
            out += _pack_double(score)
    elif cls is StreamValue:
        _stream_body(value, out, compress)
    else:
        raise UnsupportedValue(f"cannot serialize a value of type {cls.__name__}")


def encode_value(value: Any, out: bytearray, compress: bool = False) -> None:
    """Append the object type byte and the value (rdbSaveObjectType + rdbSaveObject)."""
    out.append(object_type(value))
    encode_body(value, out, compress)


def dump_payload(value: Any, compress: bool = False) -> bytes:
    """DUMP: type + value + RDB version (2 bytes LE) + CRC64 (8 bytes LE)."""
    out = bytearray()
    encode_value(value, out, compress)
    out += K.RDB_VERSION_WRITTEN.to_bytes(2, "little")
    out += crc64(0, out).to_bytes(8, "little")
    return bytes(out)


def serialized_length(value: Any, compress: bool = False) -> int:
    """DEBUG OBJECT's serializedlength: the value's size in an RDB file (no type byte)."""
    out = bytearray()
    encode_body(value, out, compress)
    return len(out)


# ---- files --------------------------------------------------------------------------

FLUSH_BYTES = 1 << 20


class FileWriter:
    """Buffers RDB output, keeping the running CRC64, and hands chunks to ``write``."""

    __slots__ = ("write", "buf", "crc", "checksum", "total")

    def __init__(self, write: Callable[[bytes], Any], checksum: bool) -> None:
        self.write = write
        self.buf = bytearray()
        self.crc = 0
        self.checksum = checksum
        self.total = 0

    def flush(self) -> None:
        if self.buf:
            data = bytes(self.buf)
            if self.checksum:
                self.crc = crc64(self.crc, data)
            self.write(data)
            self.total += len(data)
            self.buf.clear()


def write_rdb(write: Callable[[bytes], Any], dbs: Iterable[Any], aux: list[tuple[bytes, bytes]],
              functions: Iterable[bytes] = (), compress: bool = False, checksum: bool = True,
              key_delay_us: int = 0) -> int:
    """Write a whole RDB file through ``write``; returns the number of bytes written.

    ``dbs`` are objects with ``index``, ``data`` and ``expires`` (keyspace/db.py).
    ``key_delay_us`` sleeps after each key (``rdb-key-save-delay``, a testing aid)."""
    delay_s = key_delay_us / 1e6 if key_delay_us > 0 else 0.0
    w = FileWriter(write, checksum)
    buf = w.buf
    buf += b"REDIS%04d" % K.RDB_VERSION_WRITTEN
    for k, v in aux:
        buf.append(K.OPCODE_AUX)
        buf += encode_string(k)
        buf += encode_string(v)
    for code in functions:
        buf.append(K.OPCODE_FUNCTION2)
        buf += encode_string(code, compress)
    for db in dbs:
        data = db.data
        if not data:
            continue
        expires = db.expires
        buf.append(K.OPCODE_SELECTDB)
        buf += encode_length(db.index)
        buf.append(K.OPCODE_RESIZEDB)
        buf += encode_length(len(data))
        buf += encode_length(len(expires))
        for key, value in data.items():
            when = expires.get(key)
            if when is not None:
                buf.append(K.OPCODE_EXPIRETIME_MS)
                buf += when.to_bytes(8, "little", signed=True)
            if value.__class__ is bytes:  # the common case, inlined
                buf.append(K.TYPE_STRING)
                buf += encode_string(key, compress)
                buf += encode_string(value, compress)
            else:
                buf.append(object_type(value))
                buf += encode_string(key, compress)
                encode_body(value, buf, compress)
            if len(buf) >= FLUSH_BYTES:
                w.flush()
            if delay_s:
                time.sleep(delay_s)
    buf.append(K.OPCODE_EOF)
    w.flush()
    tail = (w.crc if checksum else 0).to_bytes(8, "little")
    write(tail)
    return w.total + 8
