"""Hash commands (Redis's t_hash.c command half): thin handlers over ``datatypes/hashes``.

Handlers validate everything first and then change the hash; a hash emptied by HDEL is
deleted.  HINCRBYFLOAT computes in emulated long double (``util/numbers``) and is
propagated as HSET with the final value, as Redis does.
"""

from __future__ import annotations

from typing import Any

from ..datatypes.cursor import parse_cursor, parse_options, scan_keys
from ..datatypes.sampling import random_key, random_keys
from ..datatypes.hashes import HashValue, limits
from ..keyspace.types import register_type
from ..protocol.errors import CommandError, SyntaxErr, wrong_arity
from ..protocol.reply import OK
from ..protocol.resp_parser import string2ll
from ..util.numbers import add_long_double, format_long_double, parse_long_double
from .lists import bulk_array, propagate_effect
from .registry import command
from .spec import arg, ks
from .util import parse_int

register_type(HashValue, b"hash", lambda v, server: v.encoding())

_LONG_MAX = 2**63 - 1


def _read(c: Any, key: bytes) -> HashValue | None:
    return c.db.get_typed(key, HashValue)


def _write(c: Any, key: bytes) -> HashValue | None:
    return c.db.get_typed(key, HashValue, read=False)


def _write_or_create(c: Any, key: bytes) -> HashValue:
    h = c.db.get_typed(key, HashValue, read=False)
    if h is None:
        h = HashValue()
        c.db.set(key, h)
    return h


_SET_ARGS = (arg("key", "key", key_spec_index=0),
             arg("data", "block", flags=("multiple",), arguments=(arg("field", "string"), arg("value", "string"))))


@command("hset", arity=-4, flags="write denyoom fast", acl="hash", group="hash", since="2.0.0",
         summary="Creates or modifies the value of a field in a hash.",
         complexity="O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is "
                    "called with multiple field/value pairs.",
         keys=[ks("RW UPDATE", 1)], history=(("4.0.0", "Accepts multiple `field` and `value` arguments."),),
         args=_SET_ARGS)
def cmd_hset(c: Any, argv: list[bytes]) -> Any:
    if len(argv) == 4:  # one pair: the hot path (a hashtable needs no limits)
        h = _write_or_create(c, argv[1])
        field = argv[2]
        added = 0 if field in h else 1
        if h.ht:
            h[field] = argv[3]
        else:
            h.set_one(field, argv[3], *limits(c.server))
        c.server.dirty += 1
        return added
    if len(argv) % 2:
        raise wrong_arity(b"hset")
    h = _write_or_create(c, argv[1])
    added = h.set_pairs(argv[2:], *limits(c.server))
    c.server.dirty += (len(argv) - 2) // 2
    return added


@command("hmset", arity=-4, flags="write denyoom fast", acl="hash", group="hash", since="2.0.0",
         summary="Sets the values of multiple fields.",
         complexity="O(N) where N is the number of fields being set.",
         keys=[ks("RW UPDATE", 1)], doc_flags=("deprecated",), deprecated_since="4.0.0",
         replaced_by="`HSET` with multiple field-value pairs", args=_SET_ARGS)
def cmd_hmset(c: Any, argv: list[bytes]) -> Any:
    if len(argv) % 2:
        raise wrong_arity(b"hmset")
    h = _write_or_create(c, argv[1])
    h.set_pairs(argv[2:], *limits(c.server))
    c.server.dirty += (len(argv) - 2) // 2
    return OK


@command("hsetnx", arity=4, flags="write denyoom fast", acl="hash", group="hash", since="2.0.0",
         summary="Sets the value of a field in a hash only when the field doesn't exist.",
         complexity="O(1)", keys=[ks("RW INSERT", 1)],
         args=(arg("key", "key", key_spec_index=0), arg("field", "string"), arg("value", "string")))
def cmd_hsetnx(c: Any, argv: list[bytes]) -> Any:
    h = _write(c, argv[1])
    if h is not None and argv[2] in h:
        return 0
    if h is None:
        h = _write_or_create(c, argv[1])
    h.set_one(argv[2], argv[3], *limits(c.server))
    c.server.dirty += 1
    return 1


@command("hget", arity=3, flags="readonly fast", acl="hash", group="hash", since="2.0.0",
         summary="Returns the value of a field in a hash.", complexity="O(1)",
         keys=[ks("RO ACCESS", 1)], args=(arg("key", "key", key_spec_index=0), arg("field", "string")))
def cmd_hget(c: Any, argv: list[bytes]) -> Any:
    h = _read(c, argv[1])
    return None if h is None else h.get(argv[2])


@command("hmget", arity=-3, flags="readonly fast", acl="hash", group="hash", since="2.0.0",
         summary="Returns the values of all fields in a hash.",
         complexity="O(N) where N is the number of fields being requested.",
         keys=[ks("RO ACCESS", 1)],
         args=(arg("key", "key", key_spec_index=0), arg("field", "string", flags=("multiple",))))
def cmd_hmget(c: Any, argv: list[bytes]) -> Any:
    h = _read(c, argv[1])
    if h is None:
        return [None] * (len(argv) - 2)
    get = h.get
    return [get(f) for f in argv[2:]]


@command("hdel", arity=-3, flags="write fast", acl="hash", group="hash", since="2.0.0",
         summary="Deletes one or more fields and their values from a hash. Deletes the hash if no fields remain.",
         complexity="O(N) where N is the number of fields to be removed.",
         keys=[ks("RW DELETE", 1)], history=(("2.4.0", "Accepts multiple `field` arguments."),),
         args=(arg("key", "key", key_spec_index=0), arg("field", "string", flags=("multiple",))))
def cmd_hdel(c: Any, argv: list[bytes]) -> Any:
    key = argv[1]
    h = _write(c, key)
    if h is None:
        return 0
    n = 0
    pop = h.pop
    for f in argv[2:]:
        if pop(f, None) is not None:
            n += 1
            if not h:
                break
    if n:
        c.server.dirty += n
        if not h:
            c.db.delete(key)
    return n


@command("hlen", arity=2, flags="readonly fast", acl="hash", group="hash", since="2.0.0",
         summary="Returns the number of fields in a hash.", complexity="O(1)",
         keys=[ks("RO", 1)], args=(arg("key", "key", key_spec_index=0),))
def cmd_hlen(c: Any, argv: list[bytes]) -> Any:
    h = _read(c, argv[1])
    return 0 if h is None else len(h)


@command("hstrlen", arity=3, flags="readonly fast", acl="hash", group="hash", since="3.2.0",
         summary="Returns the length of the value of a field.", complexity="O(1)",
         keys=[ks("RO", 1)], args=(arg("key", "key", key_spec_index=0), arg("field", "string")))
def cmd_hstrlen(c: Any, argv: list[bytes]) -> Any:
    h = _read(c, argv[1])
    if h is None:
        return 0
    v = h.get(argv[2])
    return 0 if v is None else len(v)


@command("hexists", arity=3, flags="readonly fast", acl="hash", group="hash", since="2.0.0",
         summary="Determines whether a field exists in a hash.", complexity="O(1)",
         keys=[ks("RO", 1)], args=(arg("key", "key", key_spec_index=0), arg("field", "string")))
def cmd_hexists(c: Any, argv: list[bytes]) -> Any:
    h = _read(c, argv[1])
    return 1 if h is not None and argv[2] in h else 0


@command("hkeys", arity=2, flags="readonly", acl="hash", group="hash", since="2.0.0",
         summary="Returns all fields in a hash.", complexity="O(N) where N is the size of the hash.",
         tips=("nondeterministic_output_order",), keys=[ks("RO ACCESS", 1)],
         args=(arg("key", "key", key_spec_index=0),))
def cmd_hkeys(c: Any, argv: list[bytes]) -> Any:
    h = _read(c, argv[1])
    return [] if h is None else bulk_array(h)


@command("hvals", arity=2, flags="readonly", acl="hash", group="hash", since="2.0.0",
         summary="Returns all values in a hash.", complexity="O(N) where N is the size of the hash.",
         tips=("nondeterministic_output_order",), keys=[ks("RO ACCESS", 1)],
         args=(arg("key", "key", key_spec_index=0),))
def cmd_hvals(c: Any, argv: list[bytes]) -> Any:
    h = _read(c, argv[1])
    return [] if h is None else bulk_array(list(h.values()))


@command("hgetall", arity=2, flags="readonly", acl="hash", group="hash", since="2.0.0",
         summary="Returns all fields and values in a hash.", complexity="O(N) where N is the size of the hash.",
         tips=("nondeterministic_output_order",), keys=[ks("RO ACCESS", 1)],
         args=(arg("key", "key", key_spec_index=0),))
def cmd_hgetall(c: Any, argv: list[bytes]) -> Any:
    h = _read(c, argv[1])
    if h is None:
        return {}
    flat = [x for pair in h.items() for x in pair]
    return bulk_array(flat, b"%", len(h)) if c.resp == 3 else bulk_array(flat)


@command("hincrby", arity=4, flags="write denyoom fast", acl="hash", group="hash", since="2.0.0",
         summary="Increments the integer value of a field in a hash by a number. Uses 0 as initial value if the "
                 "field doesn't exist.",
         complexity="O(1)", keys=[ks("RW ACCESS UPDATE", 1)],
         args=(arg("key", "key", key_spec_index=0), arg("field", "string"), arg("increment", "integer")))
def cmd_hincrby(c: Any, argv: list[bytes]) -> Any:
    incr = parse_int(argv[3])
    key, field = argv[1], argv[2]
    h = _write(c, key)
    old = 0
    if h is not None:
        raw = h.get(field)
        if raw is not None:
            v = string2ll(raw)
            if v is None:
                raise CommandError(b"ERR hash value is not an integer")
            old = v
    new = old + incr
    if not -(2**63) <= new <= _LONG_MAX:
        raise CommandError(b"ERR increment or decrement would overflow")
    if h is None:
        h = _write_or_create(c, key)
    h.set_one(field, b"%d" % new, *limits(c.server))
    c.server.dirty += 1
    return new


@command("hincrbyfloat", arity=4, flags="write denyoom fast", acl="hash", group="hash", since="2.6.0",
         summary="Increments the floating point value of a field by a number. Uses 0 as initial value if the "
                 "field doesn't exist.",
         complexity="O(1)", keys=[ks("RW ACCESS UPDATE", 1)],
         args=(arg("key", "key", key_spec_index=0), arg("field", "string"), arg("increment", "double")))
def cmd_hincrbyfloat(c: Any, argv: list[bytes]) -> Any:
    incr = parse_long_double(argv[3])
    if incr is None:
        raise CommandError(b"ERR value is not a valid float")
    if type(incr) is float:  # +-inf
        raise CommandError(b"ERR value is NaN or Infinity")
    key, field = argv[1], argv[2]
    h = _write(c, key)
    old: Any = (0, 0)  # a long double (mantissa, exponent) pair: zero
    if h is not None:
        raw = h.get(field)
        if raw is not None:
            old = parse_long_double(raw)
            if old is None:
                raise CommandError(b"ERR hash value is not a float")
    total = add_long_double(old, incr)
    if total is None:
        raise CommandError(b"ERR increment would produce NaN or Infinity")
    out = format_long_double(total)
    if h is None:
        h = _write_or_create(c, key)
    h.set_one(field, out, *limits(c.server))
    c.server.dirty += 1
    propagate_effect(c, [b"HSET", key, field, out])
    return out


@command("hrandfield", arity=-2, flags="readonly", acl="hash", group="hash", since="6.2.0",
         summary="Returns one or more random fields from a hash.",
         complexity="O(N) where N is the number of fields returned", tips=("nondeterministic_output",),
         keys=[ks("RO ACCESS", 1)],
         args=(arg("key", "key", key_spec_index=0),
               arg("options", "block", flags=("optional",), arguments=(
                   arg("count", "integer"), arg("withvalues", "pure-token", token="WITHVALUES",
                                                flags=("optional",))))))
def cmd_hrandfield(c: Any, argv: list[bytes]) -> Any:
    if len(argv) == 2:
        h = _read(c, argv[1])
        if h is None:
            return None
        return random_key(h)
    count = parse_int(argv[2])
    if count < -_LONG_MAX:
        raise CommandError(b"ERR value is out of range, value must between -9223372036854775807 and "
                           b"9223372036854775807")
    withvalues = False
    if len(argv) == 4 and argv[3].lower() == b"withvalues":
        withvalues = True
        if not -(_LONG_MAX // 2) <= count <= _LONG_MAX // 2:
            raise CommandError(b"ERR value is out of range")
    elif len(argv) >= 4:
        raise SyntaxErr()
    h = _read(c, argv[1])
    if h is None or count == 0:
        return []
    if count > 0:
        if count >= len(h):
            fields = list(h)
        else:
            fields = random_keys(h, count, False)
    else:
        fields = random_keys(h, -count, True)
    if not withvalues:
        return fields
    if c.resp == 3:
        return [[f, h[f]] for f in fields]
    out = []
    for f in fields:
        out.append(f)
        out.append(h[f])
    return out


@command("hscan", arity=-3, flags="readonly", acl="hash", group="hash", since="2.8.0",
         summary="Iterates over fields and values of a hash.",
         complexity="O(1) for every call. O(N) for a complete iteration, including enough command calls for the "
                    "cursor to return back to 0. N is the number of elements inside the collection.",
         tips=("nondeterministic_output",), keys=[ks("RO ACCESS", 1)],
         args=(arg("key", "key", key_spec_index=0), arg("cursor", "integer"),
               arg("pattern", "pattern", token="MATCH", flags=("optional",)),
               arg("count", "integer", token="COUNT", flags=("optional",))))
def cmd_hscan(c: Any, argv: list[bytes]) -> Any:
    cursor = parse_cursor(argv[2])
    h = _read(c, argv[1])
    if h is None:
        return [b"0", []]
    count, match = parse_options(argv, 3)
    nxt, fields = scan_keys(h, cursor, count, not h.ht)
    out = []
    for f in fields:
        if match is None or match(f):
            out.append(f)
            out.append(h[f])
    return [b"%d" % nxt, out]
