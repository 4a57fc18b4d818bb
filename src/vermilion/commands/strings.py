"""String commands (Redis's ``t_string.c``): GET/SET and their variants, counters,
ranges, LCS.

Values are plain ``bytes`` in ``db.data`` (no wrapper object, for memory).  Every handler
validates all of its arguments before it changes anything, in Redis's error order:
syntax first, then numbers, then the key's type (SET ... GET checks the type after
the expire time, GETEX after the lookup).

Propagation: relative or non-deterministic forms are rewritten through
``c.propagate_as`` so that replicas and the AOF never read the clock or redo float
arithmetic: SET ... EX/PX/EXAT and SETEX/PSETEX -> ``SET key value PXAT <ms>``, GETEX
-> ``PEXPIREAT``/``PERSIST``/``DEL``, GETSET -> ``SET``, GETDEL -> ``DEL``,
INCRBYFLOAT -> ``SET key <result> KEEPTTL``, SET ... GET -> SET without GET.  A SET
or GETEX whose absolute time is already past deletes the key at once and propagates
``DEL`` (a SET of a missing key then changes nothing).

OBJECT ENCODING is derived from the bytes alone (``keyspace/types.string_encoding``):
a short value built by APPEND or SETRANGE reports ``embstr``/``int`` where Redis says
``raw``; tracking that would need a per-key marker, which memory does not allow.

APPEND and SETRANGE copy the value (bytes are immutable): O(length) per call where
Redis grows its buffer in place.
"""

from __future__ import annotations

from typing import Any

from ..keyspace.notify import NOTIFY_STRING, notify
from ..protocol.errors import CommandError, NotFloat, NotInteger, SyntaxErr, WrongType, err, wrong_arity
from ..protocol.reply import EMPTY_BULK, OK, ONE, ZERO
from ..protocol.resp_parser import string2ll
from ..util.numbers import LLONG_MAX, LLONG_MIN, LongDoubleError, incr_long_double_text
from .registry import command
from .spec import arg, ks

_EX, _PX, _EXAT, _PXAT = b"EX", b"PX", b"EXAT", b"PXAT"
_UNITS = (_EX, _PX, _EXAT, _PXAT)
_OVERFLOW = b"ERR increment or decrement would overflow"
_TOO_BIG = b"ERR string exceeds maximum allowed size (proto-max-bulk-len)"


# ---- shared helpers -------------------------------------------------------------


def expire_at_ms(c: Any, raw: bytes, unit: bytes, cmd: bytes) -> int:
    """Redis's ``getExpireMillisecondsOrReply``: the absolute expiry time in ms for
    ``raw`` given in ``unit`` (EX, PX, EXAT, PXAT), or the exact error for ``cmd``."""
    v = string2ll(raw)
    if v is None:
        raise NotInteger()
    seconds = unit == _EX or unit == _EXAT
    if v <= 0 or (seconds and v > LLONG_MAX // 1000):
        raise CommandError(b"ERR invalid expire time in '%s' command" % cmd)
    if seconds:
        v *= 1000
    if unit == _EX or unit == _PX:
        v += c.server.cached_now_ms
        if v > LLONG_MAX:  # C's signed overflow turns negative: "invalid"
            raise CommandError(b"ERR invalid expire time in '%s' command" % cmd)
    return v


def _already_expired(c: Any, when_ms: int) -> bool:
    """Redis's ``checkAlreadyExpired``: a time already past, except on a replica (its
    primary sends the DEL).  (While loading, AOF replays go through here too; deleting
    at once then gives the same keyspace as expiring later.)"""
    return when_ms <= c.server.cached_now_ms and not c.server.is_replica_of_primary()


def max_string_len(c: Any) -> int:
    return c.server.config["proto-max-bulk-len"]


def check_string_length(c: Any, size: int, append: int) -> None:
    """Redis's ``checkStringLength``: refuse results longer than proto-max-bulk-len."""
    if size + append > max_string_len(c):
        raise CommandError(_TOO_BIG)


def _string_for_write(db: Any, key: bytes) -> bytes | None:
    """``lookupKeyWrite`` + ``checkType``: the string at ``key``, None, or WRONGTYPE."""
    v = db.lookup(key)
    if v is not None and type(v) is not bytes:
        raise WrongType()
    return v


# ---- GET / SET family -----------------------------------------------------------


@command("get", arity=2, flags="readonly fast", acl="string", group="string",
         keys=[ks("RO ACCESS", 1)], since="1.0.0", complexity="O(1)",
         summary="Returns the string value of a key.",
         args=(arg("key", "key", key_spec_index=0),))
def cmd_get(c: Any, argv: list[bytes]) -> Any:
    return c.db.get_string(argv[1])


@command("set", arity=-3, flags="write denyoom", acl="string", group="string",
         keys=[ks("RW ACCESS UPDATE VARIABLE_FLAGS", 1, notes="RW and ACCESS due to the optional `GET` argument")],
         since="1.0.0", complexity="O(1)",
         summary="Sets the string value of a key, ignoring its type. The key is created if it doesn't exist.",
         history=(("2.6.12", "Added the `EX`, `PX`, `NX` and `XX` options."),
                  ("6.0.0", "Added the `KEEPTTL` option."),
                  ("6.2.0", "Added the `GET`, `EXAT` and `PXAT` option."),
                  ("7.0.0", "Allowed the `NX` and `GET` options to be used together.")),
         args=(
             arg("key", "key", key_spec_index=0),
             arg("value", "string"),
             arg("condition", "oneof", since="2.6.12", flags=("optional",), arguments=(
                 arg("nx", "pure-token", token="NX"),
                 arg("xx", "pure-token", token="XX"),
             )),
             arg("get", "pure-token", token="GET", since="6.2.0", flags=("optional",)),
             arg("expiration", "oneof", flags=("optional",), arguments=(
                 arg("seconds", "integer", token="EX", since="2.6.12"),
                 arg("milliseconds", "integer", token="PX", since="2.6.12"),
                 arg("unix-time-seconds", "unix-time", token="EXAT", since="6.2.0"),
                 arg("unix-time-milliseconds", "unix-time", token="PXAT", since="6.2.0"),
                 arg("keepttl", "pure-token", token="KEEPTTL", since="6.0.0"),
             )),
         ))
def cmd_set(c: Any, argv: list[bytes]) -> Any:
    if len(argv) == 3:  # the hot path: no options
        c.db.set(argv[1], argv[2])
        return OK
    return _set_with_options(c, argv)


def _set_with_options(c: Any, argv: list[bytes]) -> Any:
    """SET with options, parsed as ``parseExtendedStringArgumentsOrReply`` does: every
    token is checked for syntax before any number is read."""
    nx = xx = get = keepttl = False
    unit: bytes | None = None
    raw_time = b""
    n = len(argv)
    j = 3
    while j < n:
        opt = argv[j].upper()
        if opt == b"NX" and not xx:
            nx = True
        elif opt == b"XX" and not nx:
            xx = True
        elif opt == b"GET":
            get = True
        elif opt == b"KEEPTTL" and unit is None:
            keepttl = True
        elif opt in _UNITS and not keepttl and (unit is None or unit == opt) and j + 1 < n:
            unit = opt
            j += 1
            raw_time = argv[j]
        else:
            raise SyntaxErr()
        j += 1
    when = expire_at_ms(c, raw_time, unit, b"set") if unit is not None else None
    db = c.db
    key = argv[1]
    if get:
        old = db.get_string(key)  # WRONGTYPE when the key is not a string
        found = old is not None
    else:
        old = None
        found = db.lookup(key) is not None
    if (nx and found) or (xx and not found):
        return old
    value = argv[2]
    if when is not None and _already_expired(c, when):
        # EXAT/PXAT already past: the key would be born expired, so an existing key is
        # deleted (propagated as DEL) and nothing is stored.
        if found and db.delete(key):
            c.propagate_as = [[b"DEL", key]]
        return old if get else OK
    db.set(key, value, keep_ttl=keepttl, expire_at_ms=when)
    if when is not None and unit != _PXAT:
        c.propagate_as = [[b"SET", key, value, b"PXAT", b"%d" % when]]
    elif get:  # replicas must not fail on GET's type check: propagate without it
        c.propagate_as = [argv[:3] + [a for a in argv[3:] if a.upper() != b"GET"]]
    return old if get else OK


@command("setnx", arity=3, flags="write denyoom fast", acl="string", group="string",
         keys=[ks("OW INSERT", 1)], since="1.0.0", complexity="O(1)",
         summary="Set the string value of a key only when the key doesn't exist.",
         doc_flags=("deprecated",), deprecated_since="2.6.12", replaced_by="`SET` with the `NX` argument",
         args=(arg("key", "key", key_spec_index=0), arg("value", "string")))
def cmd_setnx(c: Any, argv: list[bytes]) -> Any:
    db = c.db
    if db.lookup(argv[1]) is not None:
        return ZERO
    db.set(argv[1], argv[2])
    return ONE


def _setex(c: Any, argv: list[bytes], unit: bytes, cmd: bytes) -> Any:
    when = expire_at_ms(c, argv[2], unit, cmd)
    key, value = argv[1], argv[3]
    c.db.set(key, value, expire_at_ms=when)
    c.propagate_as = [[b"SET", key, value, b"PXAT", b"%d" % when]]
    return OK


@command("setex", arity=4, flags="write denyoom", acl="string", group="string",
         keys=[ks("OW UPDATE", 1)], since="2.0.0", complexity="O(1)",
         summary="Sets the string value and expiration time of a key. Creates the key if it doesn't exist.",
         doc_flags=("deprecated",), deprecated_since="2.6.12", replaced_by="`SET` with the `EX` argument",
         args=(arg("key", "key", key_spec_index=0), arg("seconds", "integer"), arg("value", "string")))
def cmd_setex(c: Any, argv: list[bytes]) -> Any:
    return _setex(c, argv, _EX, b"setex")


@command("psetex", arity=4, flags="write denyoom", acl="string", group="string",
         keys=[ks("OW UPDATE", 1)], since="2.6.0", complexity="O(1)",
         summary=("Sets both string value and expiration time in milliseconds of a key. "
                  "The key is created if it doesn't exist."),
         doc_flags=("deprecated",), deprecated_since="2.6.12", replaced_by="`SET` with the `PX` argument",
         args=(arg("key", "key", key_spec_index=0), arg("milliseconds", "integer"), arg("value", "string")))
def cmd_psetex(c: Any, argv: list[bytes]) -> Any:
    return _setex(c, argv, _PX, b"psetex")


@command("getset", arity=3, flags="write denyoom fast", acl="string", group="string",
         keys=[ks("RW ACCESS UPDATE", 1)], since="1.0.0", complexity="O(1)",
         summary="Returns the previous string value of a key after setting it to a new value.",
         doc_flags=("deprecated",), deprecated_since="6.2.0", replaced_by="`SET` with the `!GET` argument",
         args=(arg("key", "key", key_spec_index=0), arg("value", "string")))
def cmd_getset(c: Any, argv: list[bytes]) -> Any:
    db = c.db
    key, value = argv[1], argv[2]
    old = db.get_string(key)
    db.set(key, value)
    c.propagate_as = [[b"SET", key, value]]
    return old


@command("getdel", arity=2, flags="write fast", acl="string", group="string",
         keys=[ks("RW ACCESS DELETE", 1)], since="6.2.0", complexity="O(1)",
         summary="Returns the string value of a key after deleting the key.",
         args=(arg("key", "key", key_spec_index=0),))
def cmd_getdel(c: Any, argv: list[bytes]) -> Any:
    db = c.db
    key = argv[1]
    v = db.get_string(key)
    if v is not None:
        db.delete(key)
        c.propagate_as = [[b"DEL", key]]
    return v


@command("getex", arity=-2, flags="write fast", acl="string", group="string",
         keys=[ks("RW ACCESS UPDATE", 1, notes="RW and UPDATE because it changes the TTL")],
         since="6.2.0", complexity="O(1)",
         summary="Returns the string value of a key after setting its expiration time.",
         args=(
             arg("key", "key", key_spec_index=0),
             arg("expiration", "oneof", flags=("optional",), arguments=(
                 arg("seconds", "integer", token="EX"),
                 arg("milliseconds", "integer", token="PX"),
                 arg("unix-time-seconds", "unix-time", token="EXAT"),
                 arg("unix-time-milliseconds", "unix-time", token="PXAT"),
                 arg("persist", "pure-token", token="PERSIST"),
             )),
         ))
def cmd_getex(c: Any, argv: list[bytes]) -> Any:
    persist = False
    unit: bytes | None = None
    raw_time = b""
    n = len(argv)
    j = 2
    while j < n:
        opt = argv[j].upper()
        if opt == b"PERSIST" and unit is None:
            persist = True
        elif opt in _UNITS and not persist and (unit is None or unit == opt) and j + 1 < n:
            unit = opt
            j += 1
            raw_time = argv[j]
        else:
            raise SyntaxErr()
        j += 1
    db = c.db
    key = argv[1]
    v = db.get_string(key)
    if v is None:
        return None
    if unit is not None:
        when = expire_at_ms(c, raw_time, unit, b"getex")
        if (unit == _EXAT or unit == _PXAT) and _already_expired(c, when):
            db.delete(key)
            c.propagate_as = [[b"DEL", key]]
        else:
            db.set_expire(key, when)
            c.propagate_as = [[b"PEXPIREAT", key, b"%d" % when]]
    elif persist and db.persist(key):
        c.propagate_as = [[b"PERSIST", key]]
    return v


@command("mget", arity=-2, flags="readonly fast", acl="string", group="string",
         keys=[ks("RO ACCESS", 1, last=-1)], since="1.0.0",
         complexity="O(N) where N is the number of keys to retrieve.",
         summary="Atomically returns the string values of one or more keys.",
         tips=("request_policy:multi_shard",),
         args=(arg("key", "key", key_spec_index=0, flags=("multiple",)),))
def cmd_mget(c: Any, argv: list[bytes]) -> Any:
    lookup = c.db.lookup_read
    out = []
    for key in argv[1:]:
        v = lookup(key)
        out.append(v if type(v) is bytes else None)
    return out


_KEY_VALUE = (arg("data", "block", flags=("multiple",), arguments=(
    arg("key", "key", key_spec_index=0),
    arg("value", "string"),
)),)


@command("mset", arity=-3, flags="write denyoom", acl="string", group="string",
         keys=[ks("OW UPDATE", 1, last=-1, step=2)], since="1.0.1",
         complexity="O(N) where N is the number of keys to set.",
         summary="Atomically creates or modifies the string values of one or more keys.",
         tips=("request_policy:multi_shard", "response_policy:all_succeeded"),
         args=_KEY_VALUE)
def cmd_mset(c: Any, argv: list[bytes]) -> Any:
    n = len(argv)
    if n % 2 == 0:
        raise wrong_arity(b"mset")
    dbset = c.db.set
    for i in range(1, n, 2):
        dbset(argv[i], argv[i + 1])
        if c.server.notify_flags:  # per key, after its own "new" (keyspace/notify.py)
            notify(c.server, NOTIFY_STRING, b"set", argv[i], c.db.index)
    return OK


@command("msetnx", arity=-3, flags="write denyoom", acl="string", group="string",
         keys=[ks("OW INSERT", 1, last=-1, step=2)], since="1.0.1",
         complexity="O(N) where N is the number of keys to set.",
         summary="Atomically modifies the string values of one or more keys only when all keys don't exist.",
         tips=("request_policy:multi_shard", "response_policy:agg_min"),
         args=_KEY_VALUE)
def cmd_msetnx(c: Any, argv: list[bytes]) -> Any:
    n = len(argv)
    if n % 2 == 0:
        raise wrong_arity(b"msetnx")
    db = c.db
    lookup = db.lookup
    for i in range(1, n, 2):
        if lookup(argv[i]) is not None:
            return ZERO
    for i in range(1, n, 2):
        db.set(argv[i], argv[i + 1])
        if c.server.notify_flags:
            notify(c.server, NOTIFY_STRING, b"set", argv[i], db.index)
    return ONE


# ---- in-place edits -------------------------------------------------------------


@command("append", arity=3, flags="write denyoom fast", acl="string", group="string",
         keys=[ks("RW INSERT", 1)], since="2.0.0",
         complexity=("O(1). The amortized time complexity is O(1) assuming the appended value is small and the "
                     "already present value is of any size, since the dynamic string library used by Redis will "
                     "double the free space available on every reallocation."),
         summary="Appends a string to the value of a key. Creates the key if it doesn't exist.",
         args=(arg("key", "key", key_spec_index=0), arg("value", "string")))
def cmd_append(c: Any, argv: list[bytes]) -> Any:
    db = c.db
    key, tail = argv[1], argv[2]
    v = _string_for_write(db, key)
    if v is None:
        db.set(key, tail)
        return len(tail)
    check_string_length(c, len(v), len(tail))
    v += tail
    db.set(key, v, keep_ttl=True)
    db.mark_string(key, v)  # an appended string is raw (dbUnshareStringValue + sdscatlen)
    return len(v)


@command("strlen", arity=2, flags="readonly fast", acl="string", group="string",
         keys=[ks("RO", 1)], since="2.2.0", complexity="O(1)",
         summary="Returns the length of a string value.",
         args=(arg("key", "key", key_spec_index=0),))
def cmd_strlen(c: Any, argv: list[bytes]) -> Any:
    v = c.db.get_string(argv[1])
    return 0 if v is None else len(v)


def _parse_ll(raw: bytes) -> int:
    v = string2ll(raw)
    if v is None:
        raise NotInteger()
    return v


def _getrange(c: Any, argv: list[bytes]) -> Any:
    start = _parse_ll(argv[2])
    end = _parse_ll(argv[3])
    v = c.db.get_string(argv[1])
    if v is None:
        return EMPTY_BULK
    n = len(v)
    if start < 0 and end < 0 and start > end:
        return EMPTY_BULK
    if start < 0:
        start = max(n + start, 0)
    if end < 0:
        end = max(n + end, 0)
    if end >= n:
        end = n - 1
    if start > end or n == 0:
        return EMPTY_BULK
    return v[start:end + 1]


_RANGE_COMPLEXITY = ("O(N) where N is the length of the returned string. The complexity is ultimately determined "
                     "by the returned length, but because creating a substring from an existing string is very "
                     "cheap, it can be considered O(1) for small strings.")
_RANGE_ARGS = (arg("key", "key", key_spec_index=0), arg("start", "integer"), arg("end", "integer"))


@command("getrange", arity=4, flags="readonly", acl="string", group="string",
         keys=[ks("RO ACCESS", 1)], since="2.4.0", complexity=_RANGE_COMPLEXITY,
         summary="Returns a substring of the string stored at a key.", args=_RANGE_ARGS)
def cmd_getrange(c: Any, argv: list[bytes]) -> Any:
    return _getrange(c, argv)


@command("substr", arity=4, flags="readonly", acl="string", group="string",
         keys=[ks("RO ACCESS", 1)], since="1.0.0", complexity=_RANGE_COMPLEXITY,
         summary="Returns a substring from a string value.",
         doc_flags=("deprecated",), deprecated_since="2.0.0", replaced_by="`GETRANGE`", args=_RANGE_ARGS)
def cmd_substr(c: Any, argv: list[bytes]) -> Any:
    return _getrange(c, argv)


@command("setrange", arity=4, flags="write denyoom", acl="string", group="string",
         keys=[ks("RW UPDATE", 1)], since="2.2.0",
         complexity=("O(1), not counting the time taken to copy the new string in place. Usually, this string is "
                     "very small so the amortized complexity is O(1). Otherwise, complexity is O(M) with M being "
                     "the length of the value argument."),
         summary="Overwrites a part of a string value with another by an offset. Creates the key if it doesn't exist.",
         args=(arg("key", "key", key_spec_index=0), arg("offset", "integer"), arg("value", "string")))
def cmd_setrange(c: Any, argv: list[bytes]) -> Any:
    offset = _parse_ll(argv[2])
    if offset < 0:
        raise err("offset is out of range")
    db = c.db
    key, piece = argv[1], argv[3]
    v = _string_for_write(db, key)
    if v is None:
        if not piece:
            return 0
        check_string_length(c, offset, len(piece))
        v = bytes(offset) + piece
        db.set(key, v)
        db.mark_string(key, v)  # created raw (createObject over a fresh sds)
        return len(v)
    if not piece:
        return len(v)
    check_string_length(c, offset, len(piece))
    n = len(v)
    if offset >= n:
        v = v + bytes(offset - n) + piece
    else:
        v = v[:offset] + piece + v[offset + len(piece):]
    db.set(key, v, keep_ttl=True)
    db.mark_string(key, v)  # modified in place: raw
    return len(v)


# ---- counters -------------------------------------------------------------------


def _incr(c: Any, key: bytes, delta: int) -> int:
    """Redis's ``incrDecrCommand``: add ``delta`` to the integer at ``key`` (TTL kept)."""
    db = c.db
    v = db.lookup(key)
    if v is None:
        old = 0
    else:
        if type(v) is not bytes:
            raise WrongType()
        old = string2ll(v)
        if old is None:
            raise NotInteger()
    new = old + delta
    if new > LLONG_MAX or new < LLONG_MIN:
        raise CommandError(_OVERFLOW)
    db.set(key, b"%d" % new, keep_ttl=True)
    return new


_KEY_ONLY = (arg("key", "key", key_spec_index=0),)


@command("incr", arity=2, flags="write denyoom fast", acl="string", group="string",
         keys=[ks("RW ACCESS UPDATE", 1)], since="1.0.0", complexity="O(1)",
         summary="Increments the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.",
         args=_KEY_ONLY)
def cmd_incr(c: Any, argv: list[bytes]) -> Any:
    return _incr(c, argv[1], 1)


@command("decr", arity=2, flags="write denyoom fast", acl="string", group="string",
         keys=[ks("RW ACCESS UPDATE", 1)], since="1.0.0", complexity="O(1)",
         summary="Decrements the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.",
         args=_KEY_ONLY)
def cmd_decr(c: Any, argv: list[bytes]) -> Any:
    return _incr(c, argv[1], -1)


@command("incrby", arity=3, flags="write denyoom fast", acl="string", group="string",
         keys=[ks("RW ACCESS UPDATE", 1)], since="1.0.0", complexity="O(1)",
         summary="Increments the integer value of a key by a number. Uses 0 as initial value if the key doesn't exist.",
         args=(arg("key", "key", key_spec_index=0), arg("increment", "integer")))
def cmd_incrby(c: Any, argv: list[bytes]) -> Any:
    return _incr(c, argv[1], _parse_ll(argv[2]))


@command("decrby", arity=3, flags="write denyoom fast", acl="string", group="string",
         keys=[ks("RW ACCESS UPDATE", 1)], since="1.0.0", complexity="O(1)",
         summary=("Decrements a number from the integer value of a key. "
                  "Uses 0 as initial value if the key doesn't exist."),
         args=(arg("key", "key", key_spec_index=0), arg("decrement", "integer")))
def cmd_decrby(c: Any, argv: list[bytes]) -> Any:
    delta = _parse_ll(argv[2])
    if delta == LLONG_MIN:  # negating it would overflow
        raise err("decrement would overflow")
    return _incr(c, argv[1], -delta)


@command("incrbyfloat", arity=3, flags="write denyoom fast", acl="string", group="string",
         keys=[ks("RW ACCESS UPDATE", 1)], since="2.6.0", complexity="O(1)",
         summary=("Increment the floating point value of a key by a number. "
                  "Uses 0 as initial value if the key doesn't exist."),
         args=(arg("key", "key", key_spec_index=0), arg("increment", "double")))
def cmd_incrbyfloat(c: Any, argv: list[bytes]) -> Any:
    db = c.db
    key, raw_incr = argv[1], argv[2]
    v = _string_for_write(db, key)
    result = incrbyfloat_text(v, raw_incr)
    db.set(key, result, keep_ttl=True)
    db.mark_string(key, result, b"embstr")  # createStringObjectFromLongDouble: never int
    c.propagate_as = [[b"SET", key, result, b"KEEPTTL"]]
    return result


def incrbyfloat_text(current: bytes | None, raw_incr: bytes) -> bytes:
    """The text INCRBYFLOAT stores (long double arithmetic, Redis's formatting), or
    its exact error."""
    try:
        return incr_long_double_text(current, raw_incr)
    except LongDoubleError as e:
        if e.which == "nan":
            raise err("increment would produce NaN or Infinity") from None
        raise NotFloat() from None


# ---- LCS ------------------------------------------------------------------------


@command("lcs", arity=-3, flags="readonly", acl="string", group="string",
         keys=[ks("RO ACCESS", 1, last=1)], since="7.0.0",
         complexity="O(N*M) where N and M are the lengths of s1 and s2, respectively",
         summary="Finds the longest common substring.",
         args=(
             arg("key1", "key", key_spec_index=0),
             arg("key2", "key", key_spec_index=0),
             arg("len", "pure-token", token="LEN", flags=("optional",)),
             arg("idx", "pure-token", token="IDX", flags=("optional",)),
             arg("min-match-len", "integer", token="MINMATCHLEN", flags=("optional",)),
             arg("withmatchlen", "pure-token", token="WITHMATCHLEN", flags=("optional",)),
         ))
def cmd_lcs(c: Any, argv: list[bytes]) -> Any:
    """LCS.  Redis refuses a table whose 4-byte cells would exceed proto-max-bulk-len
    (later 7.2 patch releases); the same bound applies here, though our table takes one
    bit per cell."""
    db = c.db
    a = db.lookup_read(argv[1])
    b = db.lookup_read(argv[2])
    if (a is not None and type(a) is not bytes) or (b is not None and type(b) is not bytes):
        raise err("The specified keys must contain string values")
    getlen = getidx = withmatchlen = False
    minmatchlen = 0
    n = len(argv)
    j = 3
    while j < n:
        opt = argv[j].upper()
        if opt == b"IDX":
            getidx = True
        elif opt == b"LEN":
            getlen = True
        elif opt == b"WITHMATCHLEN":
            withmatchlen = True
        elif opt == b"MINMATCHLEN" and j + 1 < n:
            minmatchlen = max(_parse_ll(argv[j + 1]), 0)
            j += 1
        else:
            raise SyntaxErr()
        j += 1
    if getidx and getlen:
        raise err("If you want both the length and indexes, please just use IDX.")
    if (len(a or b"") + 1) * (len(b or b"") + 1) * 4 > max_string_len(c):
        raise err("Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len")
    return lcs_reply(a or b"", b or b"", getlen, getidx, withmatchlen, minmatchlen)


def lcs_rows(a: bytes, b: bytes) -> list[int]:
    """The LCS dynamic-programming table of ``a`` and ``b``, one big integer per row.

    Bit-parallel algorithm (Crochemore et al. 2001; Hyyro 2004): row ``i`` is a bit
    vector ``V`` over the positions of ``b`` where ``V' = (V + U) | (V - U)`` with
    ``U = V & match_mask(a[i-1])``.  The zero bits of ``V`` mark the columns where the
    row's LCS length grows, so ``LCS(i, j)`` is the number of set bits among the low
    ``j`` bits of ``rows[i]`` (stored complemented).  One row costs a few big-integer
    operations instead of ``len(b)`` Python steps.
    """
    m = len(b)
    mask = (1 << m) - 1
    match: dict[int, int] = {}
    for pos, ch in enumerate(b):
        match[ch] = match.get(ch, 0) | (1 << pos)
    v = mask
    rows = [0]
    append = rows.append
    get = match.get
    for ch in a:
        u = v & get(ch, 0)
        v = ((v + u) | (v - u)) & mask
        append(v ^ mask)
    return rows


def lcs_reply(a: bytes, b: bytes, getlen: bool, getidx: bool, withmatchlen: bool, minmatchlen: int) -> Any:
    """LCS's reply: the string, its length (LEN) or the matching ranges (IDX), walking
    the table back from the end exactly as Redis's ``lcsCommand`` does."""
    rows = lcs_rows(a, b)
    alen, blen = len(a), len(b)

    def lcs(i: int, j: int) -> int:
        return (rows[i] & ((1 << j) - 1)).bit_count()

    total = lcs(alen, blen)
    if getlen and not getidx:
        return total
    result = bytearray(total)
    idx = total
    matches: list = []
    a_start = alen  # alen means "no range in progress"
    a_end = b_start = b_end = 0
    i, j = alen, blen
    while i > 0 and j > 0:
        emit = False
        if a[i - 1] == b[j - 1]:
            result[idx - 1] = a[i - 1]
            if a_start == alen:
                a_start = a_end = i - 1
                b_start = b_end = j - 1
            elif a_start == i and b_start == j:
                a_start -= 1
                b_start -= 1
            else:
                emit = True
            if a_start == 0 or b_start == 0:
                emit = True
            idx -= 1
            i -= 1
            j -= 1
        else:
            if lcs(i - 1, j) > lcs(i, j - 1):
                i -= 1
            else:
                j -= 1
            if a_start != alen:
                emit = True
        if emit:
            match_len = a_end - a_start + 1
            if getidx and (minmatchlen == 0 or match_len >= minmatchlen):
                item = [[a_start, a_end], [b_start, b_end]]
                if withmatchlen:
                    item.append(match_len)
                matches.append(item)
            a_start = alen
    if getidx:
        return {b"matches": matches, b"len": total}
    return bytes(result)
