"""Bitmap commands (Redis's ``bitops.c``): SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP,
BITFIELD and BITFIELD_RO over plain string values.

Bits are numbered from the most significant bit of byte 0, as in Redis.  Whole-range
work never loops per bit or per byte in Python: population counts are
``int.from_bytes(..., "little").bit_count()`` (the little-endian conversion is the
faster one, and bit order does not matter to a count); BITOP combines whole strings as
little-endian big integers, which zero-pads shorter inputs at their end as Redis does
(NOT is a ``bytes.translate`` table); BITPOS compares 4 KB chunks against 0x00/0xff
runs with memcmp.  Bit fields are read and written through ``int.from_bytes`` on the
(at most nine) bytes they cover.

Argument checks follow Redis 7.2 (arguments are validated before the key is looked up,
so BITCOUNT/BITPOS report syntax and number errors even for a missing key, where 7.0
answered 0).
"""

from __future__ import annotations

from typing import Any

from ..protocol.errors import CommandError, NotInteger, SyntaxErr, WrongType, err
from ..protocol.resp_parser import string2ll
from ..util.numbers import wrap_int64
from .registry import command
from .spec import arg, ks

_BIT_OFFSET_ERR = b"ERR bit offset is not an integer or out of range"
_BIT_VALUE_ERR = b"ERR bit is not an integer or out of range"
_TYPE_ERR = b"ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is."
_NOT_TABLE = bytes(255 - i for i in range(256))


def bit_offset(c: Any, raw: bytes, bits: int = 0) -> int:
    """Redis's ``getBitOffsetFromArgument``: a bit offset, ``#N`` meaning ``N * bits``
    when ``bits`` is given (BITFIELD), limited to proto-max-bulk-len bytes."""
    usehash = bits > 0 and raw[:1] == b"#"
    v = string2ll(raw[1:] if usehash else raw)
    if v is None:
        raise CommandError(_BIT_OFFSET_ERR)
    if usehash:
        v = wrap_int64(v * bits)
    if v < 0 or (v >> 3) >= c.server.config["proto-max-bulk-len"]:
        raise CommandError(_BIT_OFFSET_ERR)
    return v


def _parse_ll(raw: bytes) -> int:
    v = string2ll(raw)
    if v is None:
        raise NotInteger()
    return v


def _string_for_write(db: Any, key: bytes) -> bytes | None:
    v = db.lookup(key)
    if v is not None and type(v) is not bytes:
        raise WrongType()
    return v


def _unit(raw: bytes) -> bool:
    """BIT -> True, BYTE -> False, else a syntax error."""
    u = raw.upper()
    if u == b"BIT":
        return True
    if u == b"BYTE":
        return False
    raise SyntaxErr()


# ---- SETBIT / GETBIT --------------------------------------------------------------


@command("setbit", arity=4, flags="write denyoom", acl="bitmap", group="bitmap",
         keys=[ks("RW ACCESS UPDATE", 1)], since="2.2.0", complexity="O(1)",
         summary="Sets or clears the bit at offset of the string value. Creates the key if it doesn't exist.",
         args=(arg("key", "key", key_spec_index=0), arg("offset", "integer"), arg("value", "integer")))
def cmd_setbit(c: Any, argv: list[bytes]) -> Any:
    offset = bit_offset(c, argv[2])
    on = string2ll(argv[3])
    if on is None or on & ~1:
        raise CommandError(_BIT_VALUE_ERR)
    db = c.db
    key = argv[1]
    v = _string_for_write(db, key)
    byte = offset >> 3
    shift = 7 - (offset & 7)
    if v is None or byte >= len(v):
        grown = (v or b"") + bytes(byte + 1 - len(v or b""))
        if on:
            grown = grown[:byte] + bytes((1 << shift,))
        db.set(key, grown, keep_ttl=True)
        db.mark_string(key, grown)  # SETBIT leaves a raw string (dbUnshareStringValue)
        return 0
    cur = v[byte]
    old_bit = (cur >> shift) & 1
    if old_bit != on:
        v = v[:byte] + bytes((cur ^ (1 << shift),)) + v[byte + 1:]
        db.set(key, v, keep_ttl=True)
    db.mark_string(key, v)  # raw even when the bit was already set
    return old_bit


@command("getbit", arity=3, flags="readonly fast", acl="bitmap", group="bitmap",
         keys=[ks("RO ACCESS", 1)], since="2.2.0", complexity="O(1)",
         summary="Returns a bit value by offset.",
         args=(arg("key", "key", key_spec_index=0), arg("offset", "integer")))
def cmd_getbit(c: Any, argv: list[bytes]) -> Any:
    offset = bit_offset(c, argv[2])
    v = c.db.get_string(argv[1])
    byte = offset >> 3
    if v is None or byte >= len(v):
        return 0
    return (v[byte] >> (7 - (offset & 7))) & 1


# ---- BITCOUNT / BITPOS ------------------------------------------------------------


def _range(start: int, end: int, total: int) -> tuple[int, int]:
    """Negative indexes counted from ``total``, then clamped (Redis's index rules)."""
    if start < 0:
        start = total + start
    if end < 0:
        end = total + end
    if start < 0:
        start = 0
    if end < 0:
        end = 0
    if end >= total:
        end = total - 1
    return start, end


@command("bitcount", arity=-2, flags="readonly", acl="bitmap", group="bitmap",
         keys=[ks("RO ACCESS", 1)], since="2.6.0", complexity="O(N)",
         summary="Counts the number of set bits (population counting) in a string.",
         history=(("7.0.0", "Added the `BYTE|BIT` option."),),
         args=(
             arg("key", "key", key_spec_index=0),
             arg("range", "block", flags=("optional",), arguments=(
                 arg("start", "integer"),
                 arg("end", "integer"),
                 arg("unit", "oneof", since="7.0.0", flags=("optional",), arguments=(
                     arg("byte", "pure-token", token="BYTE"),
                     arg("bit", "pure-token", token="BIT"),
                 )),
             )),
         ))
def cmd_bitcount(c: Any, argv: list[bytes]) -> Any:
    n = len(argv)
    if n == 2:
        v = c.db.get_string(argv[1])
        return 0 if v is None else int.from_bytes(v, "little").bit_count()
    if n not in (4, 5):
        raise SyntaxErr()
    start = _parse_ll(argv[2])
    end = _parse_ll(argv[3])
    isbit = _unit(argv[4]) if n == 5 else False
    v = c.db.get_string(argv[1]) or b""
    if start < 0 and end < 0 and start > end:
        return 0
    total = len(v) * 8 if isbit else len(v)
    start, end = _range(start, end, total)
    if start > end:
        return 0
    if not isbit:
        return int.from_bytes(memoryview(v)[start:end + 1], "little").bit_count()
    first, last = start >> 3, end >> 3
    head = 0xFF >> (start & 7)  # bits of the first byte inside the range
    tail = (0xFF << (7 - (end & 7))) & 0xFF  # bits of the last byte inside the range
    if first == last:
        return (v[first] & head & tail).bit_count()
    middle = int.from_bytes(memoryview(v)[first + 1:last], "little").bit_count()
    return middle + (v[first] & head).bit_count() + (v[last] & tail).bit_count()


@command("bitpos", arity=-3, flags="readonly", acl="bitmap", group="bitmap",
         keys=[ks("RO ACCESS", 1)], since="2.8.7", complexity="O(N)",
         summary="Finds the first set (1) or clear (0) bit in a string.",
         history=(("7.0.0", "Added the `BYTE|BIT` option."),),
         args=(
             arg("key", "key", key_spec_index=0),
             arg("bit", "integer"),
             arg("range", "block", flags=("optional",), arguments=(
                 arg("start", "integer"),
                 arg("end-unit-block", "block", flags=("optional",), arguments=(
                     arg("end", "integer"),
                     arg("unit", "oneof", since="7.0.0", flags=("optional",), arguments=(
                         arg("byte", "pure-token", token="BYTE"),
                         arg("bit", "pure-token", token="BIT"),
                     )),
                 )),
             )),
         ))
def cmd_bitpos(c: Any, argv: list[bytes]) -> Any:
    bit = _parse_ll(argv[2])
    if bit != 0 and bit != 1:
        raise err("The bit argument must be 1 or 0.")
    n = len(argv)
    if n > 6:
        raise SyntaxErr()
    isbit = end_given = False
    start = end = 0
    if n >= 4:
        start = _parse_ll(argv[3])
        if n == 6:
            isbit = _unit(argv[5])
        if n >= 5:
            end = _parse_ll(argv[4])
            end_given = True
    v = c.db.get_string(argv[1])
    if v is None:
        return -1 if bit else 0
    size = len(v)
    if n == 3:
        start, end = 0, size - 1
    else:
        if not end_given:
            end = size * 8 + 7 if isbit else size - 1
        start, end = _range(start, end, size * 8 if isbit else size)
    if start > end:
        return -1
    if isbit:
        head = 0xFF00 >> (start & 7) & 0xFF  # bits before the range in its first byte
        tail = (1 << (7 - (end & 7))) - 1  # bits after the range in its last byte
        start >>= 3
        end >>= 3
    else:
        head = tail = 0
    pos = _first_bit(v, start, end, head, tail, bit)
    if pos >= 0:
        return pos
    if bit or end_given:
        return -1
    return (end + 1) * 8  # no clear bit: the first one past the string


_SCAN_CHUNK = 4096
_ZEROS = bytes(_SCAN_CHUNK)
_ONES = b"\xff" * _SCAN_CHUNK


def _first_other_byte(v: bytes, start: int, end: int, fill: bytes) -> int:
    """Index of the first byte in ``v[start:end]`` that differs from ``fill`` (0x00 or
    0xff), or -1: whole chunks are compared with memcmp, then one chunk is stripped."""
    filler = _ZEROS if fill == b"\x00" else _ONES
    i = start
    while i < end:
        j = min(i + _SCAN_CHUNK, end)
        chunk = v[i:j]
        if chunk != filler[:j - i]:
            return i + (j - i) - len(chunk.lstrip(fill))
        i = j
    return -1


def _first_bit(v: bytes, start: int, end: int, head: int, tail: int, bit: int) -> int:
    """Position of the first ``bit`` in bytes ``start..end`` of ``v``, ignoring the bits
    of ``head`` in byte ``start`` and of ``tail`` in byte ``end``; -1 if none.  The
    middle bytes are scanned a chunk at a time with C-speed compares."""
    def in_byte(b: int, mask: int) -> int:
        b = (b & ~mask) if bit else (~(b | mask) & 0xFF)
        return 8 - b.bit_length() if b else -1

    if start == end:
        p = in_byte(v[start], head | tail)
        return -1 if p < 0 else start * 8 + p
    p = in_byte(v[start], head)
    if p >= 0:
        return start * 8 + p
    i = _first_other_byte(v, start + 1, end, b"\x00" if bit else b"\xff")
    if i >= 0:
        return i * 8 + in_byte(v[i], 0)
    p = in_byte(v[end], tail)
    return -1 if p < 0 else end * 8 + p


# ---- BITOP -----------------------------------------------------------------------


@command("bitop", arity=-4, flags="write denyoom", acl="bitmap", group="bitmap",
         keys=[ks("OW UPDATE", 2), ks("RO ACCESS", 3, last=-1)], since="2.6.0", complexity="O(N)",
         summary="Performs bitwise operations on multiple strings, and stores the result.",
         args=(
             arg("operation", "oneof", arguments=(
                 arg("and", "pure-token", token="AND"),
                 arg("or", "pure-token", token="OR"),
                 arg("xor", "pure-token", token="XOR"),
                 arg("not", "pure-token", token="NOT"),
             )),
             arg("destkey", "key", key_spec_index=0),
             arg("key", "key", key_spec_index=1, flags=("multiple",)),
         ))
def cmd_bitop(c: Any, argv: list[bytes]) -> Any:
    op = argv[1].upper()
    if op not in (b"AND", b"OR", b"XOR", b"NOT"):
        raise SyntaxErr()
    if op == b"NOT" and len(argv) != 4:
        raise err("BITOP NOT must be called with a single source key.")
    db = c.db
    srcs = []
    for key in argv[3:]:
        v = db.lookup_read(key)
        if v is not None and type(v) is not bytes:
            raise WrongType()
        srcs.append(v or b"")
    maxlen = max(map(len, srcs))
    dest = argv[2]
    if not maxlen:
        db.delete(dest)  # an empty result deletes the destination
        return 0
    if op == b"NOT":
        result = srcs[0].translate(_NOT_TABLE)
    else:
        # Little-endian: byte i is bits 8i..8i+7, so shorter strings are zero-padded at
        # their end for free, as Redis pads them.
        acc = int.from_bytes(srcs[0], "little")
        for s in srcs[1:]:
            x = int.from_bytes(s, "little")
            if op == b"AND":
                acc &= x
            elif op == b"OR":
                acc |= x
            else:
                acc ^= x
        result = acc.to_bytes(maxlen, "little")
    db.set(dest, result)
    db.mark_string(dest, result)  # the result is a fresh sds: raw
    return maxlen


# ---- BITFIELD --------------------------------------------------------------------


def _field_type(raw: bytes) -> tuple[bool, int]:
    """``i<bits>`` (1..64) or ``u<bits>`` (1..63): (signed, bits), else Redis's error."""
    sign = raw[:1]
    if sign == b"i":
        signed = True
    elif sign == b"u":
        signed = False
    else:
        raise CommandError(_TYPE_ERR)
    bits = string2ll(raw[1:])
    if bits is None or bits < 1 or bits > (64 if signed else 63):
        raise CommandError(_TYPE_ERR)
    return signed, bits


def _read_field(buf: Any, offset: int, bits: int, signed: bool) -> int:
    """The field of ``bits`` bits at bit ``offset`` (zero past the end of ``buf``)."""
    first = offset >> 3
    nbytes = ((offset + bits - 1) >> 3) - first + 1
    chunk = buf[first:first + nbytes]
    x = int.from_bytes(chunk, "big") << (8 * (nbytes - len(chunk)))
    x = (x >> (nbytes * 8 - (offset & 7) - bits)) & ((1 << bits) - 1)
    if signed and x >> (bits - 1):
        x -= 1 << bits
    return x


def _write_field(buf: bytearray, offset: int, bits: int, value: int) -> None:
    first = offset >> 3
    nbytes = ((offset + bits - 1) >> 3) - first + 1
    shift = nbytes * 8 - (offset & 7) - bits
    mask = ((1 << bits) - 1) << shift
    x = int.from_bytes(buf[first:first + nbytes], "big")
    x = (x & ~mask) | ((value << shift) & mask)
    buf[first:first + nbytes] = x.to_bytes(nbytes, "big")


_M64 = (1 << 64) - 1


def _i64(x: int) -> int:
    """``x`` as C's int64_t after unsigned wrap-around."""
    x &= _M64
    return x - (1 << 64) if x >> 63 else x


def _overflow(value: int, incr: int, signed: bool, bits: int, owtype: bytes) -> tuple[bool, int]:
    """Redis's ``check(Un)signedBitfieldOverflow(value, incr, ...)`` to the bit, including
    its int64 wrap-arounds (e.g. a SET far below an i63's range saturates to the *max*,
    because ``max - value`` overflows): (overflowed, value to store)."""
    if signed:
        hi = (1 << 63) - 1 if bits == 64 else (1 << (bits - 1)) - 1
        lo = -hi - 1
        maxincr = _i64(hi - value)
        minincr = _i64(lo - value)
        if value > hi or (bits != 64 and incr > maxincr) or (value >= 0 and incr > 0 and incr > maxincr):
            limit = hi
        elif value < lo or (bits != 64 and incr < minincr) or (value < 0 and incr < 0 and incr < minincr):
            limit = lo
        else:
            return False, value + incr
        if owtype != b"WRAP":
            return True, limit
        c = (value + incr) & _M64
        if bits < 64:
            mask = (_M64 << bits) & _M64
            c = c | mask if c & (1 << (bits - 1)) else c & ~mask
        return True, _i64(c)
    value &= _M64
    hi = _M64 if bits == 64 else (1 << bits) - 1
    maxincr = _i64(hi - value)
    minincr = _i64(-value)
    if value > hi or (incr > 0 and incr > maxincr):
        limit = hi
    elif incr < 0 and incr < minincr:
        limit = 0
    else:
        return False, value + incr
    if owtype != b"WRAP":
        return True, limit
    return True, (value + incr) & hi


def _bitfield(c: Any, argv: list[bytes], readonly_cmd: bool) -> Any:
    ops = []  # (opcode, signed, bits, offset, value, owtype)
    owtype = b"WRAP"
    readonly = True
    highest = 0
    n = len(argv)
    j = 2
    while j < n:
        remaining = n - j - 1
        sub = argv[j].upper()
        if sub == b"GET" and remaining >= 2:
            opcode = b"GET"
        elif sub == b"SET" and remaining >= 3:
            opcode = b"SET"
        elif sub == b"INCRBY" and remaining >= 3:
            opcode = b"INCRBY"
        elif sub == b"OVERFLOW" and remaining >= 1:
            owtype = argv[j + 1].upper()
            if owtype not in (b"WRAP", b"SAT", b"FAIL"):
                raise err("Invalid OVERFLOW type specified")
            j += 2
            continue
        else:
            raise SyntaxErr()
        signed, bits = _field_type(argv[j + 1])
        offset = bit_offset(c, argv[j + 2], bits)
        value = 0
        if opcode != b"GET":
            readonly = False
            highest = max(highest, offset + bits - 1)
            value = _parse_ll(argv[j + 3])
            j += 4
        else:
            j += 3
        ops.append((opcode, signed, bits, offset, value, owtype))
    db = c.db
    key = argv[1]
    if readonly:
        v = db.get_string(key)
        buf: Any = v or b""
        return [_read_field(buf, op[3], op[2], op[1]) for op in ops]
    if readonly_cmd:
        raise err("BITFIELD_RO only supports the GET subcommand")
    v = _string_for_write(db, key)
    buf = bytearray(v or b"")
    need = (highest >> 3) + 1
    if len(buf) < need:
        buf.extend(bytes(need - len(buf)))
    out: list = []
    changes = 0
    for opcode, signed, bits, offset, value, ow in ops:
        if opcode == b"GET":
            out.append(_read_field(buf, offset, bits, signed))
            continue
        old = _read_field(buf, offset, bits, signed)
        if opcode == b"INCRBY":
            overflowed, new = _overflow(old, value, signed, bits, ow)
            ret = new
        else:
            overflowed, new = _overflow(value, 0, signed, bits, ow)  # unsigned: C reads it as uint64_t
            ret = old
        changes += 1
        if overflowed and ow == b"FAIL":
            out.append(None)
            continue
        _write_field(buf, offset, bits, new)
        out.append(ret)
    v = bytes(buf)
    db.set(key, v, keep_ttl=True)
    db.mark_string(key, v)  # written through dbUnshareStringValue: raw
    c.server.dirty += changes - 1
    return out


@command("bitfield", arity=-2, flags="write denyoom", acl="bitmap", group="bitmap",
         keys=[ks("RW ACCESS UPDATE VARIABLE_FLAGS", 1,
                  notes="This command allows both access and modification of the key")],
         since="3.2.0", complexity="O(1) for each subcommand specified",
         summary="Performs arbitrary bitfield integer operations on strings.",
         args=(
             arg("key", "key", key_spec_index=0),
             arg("operation", "oneof", flags=("optional", "multiple"), arguments=(
                 arg("get-block", "block", token="GET", arguments=(
                     arg("encoding", "string"),
                     arg("offset", "integer"),
                 )),
                 arg("write", "block", arguments=(
                     arg("overflow-block", "oneof", token="OVERFLOW", flags=("optional",), arguments=(
                         arg("wrap", "pure-token", token="WRAP"),
                         arg("sat", "pure-token", token="SAT"),
                         arg("fail", "pure-token", token="FAIL"),
                     )),
                     arg("write-operation", "oneof", arguments=(
                         arg("set-block", "block", token="SET", arguments=(
                             arg("encoding", "string"),
                             arg("offset", "integer"),
                             arg("value", "integer"),
                         )),
                         arg("incrby-block", "block", token="INCRBY", arguments=(
                             arg("encoding", "string"),
                             arg("offset", "integer"),
                             arg("increment", "integer"),
                         )),
                     )),
                 )),
             )),
         ))
def cmd_bitfield(c: Any, argv: list[bytes]) -> Any:
    return _bitfield(c, argv, False)


@command("bitfield_ro", arity=-2, flags="readonly fast", acl="bitmap", group="bitmap",
         keys=[ks("RO ACCESS", 1)], since="6.0.0", complexity="O(1) for each subcommand specified",
         summary="Performs arbitrary read-only bitfield integer operations on strings.",
         args=(
             arg("key", "key", key_spec_index=0),
             arg("get-block", "block", token="GET", flags=("optional", "multiple", "multiple_token"), arguments=(
                 arg("encoding", "string"),
                 arg("offset", "integer"),
             )),
         ))
def cmd_bitfield_ro(c: Any, argv: list[bytes]) -> Any:
    return _bitfield(c, argv, True)
