"""Set commands (Redis's t_set.c command half): thin handlers over ``datatypes/sets``.

Replies list members in the set's iteration order (``SetValue.members``): sorted for an
intset, insertion order for a listpack, as Redis.  Set algebra follows Redis's
algorithms where they decide the order of a reply: SINTER walks the smallest set and
probes the others; SUNION/SDIFF build a result set (starting as an intset, converting
as it grows) and reply in its order.  Emptied sets are deleted; store variants delete
the destination when the result is empty.
"""

from __future__ import annotations

import random
from typing import Any

from ..datatypes.cursor import parse_cursor, parse_options, scan_keys
from ..datatypes.listpack import as_int64
from ..datatypes.sampling import random_key, random_keys
from ..datatypes.sets import HASHTABLE, INTSET, LISTPACK, SetLimits, SetValue, build
from ..keyspace.notify import NOTIFY_GENERIC, NOTIFY_SET, notify
from ..keyspace.types import register_type
from ..protocol.errors import CommandError, SyntaxErr, WrongType
from ..protocol.reply import SetReply
from .lists import bulk_array, propagate_effect
from .registry import command
from .spec import arg, ks
from .util import parse_int

register_type(SetValue, b"set", lambda v, server: v.encoding())

_LONG_MAX = 2**63 - 1
_SPOP_MOVE_STRATEGY_MUL = 5  # SPOP with a count keeps a new set when few members remain
_SREM_BATCH = 1024  # members per propagated SREM of SPOP with a count (Redis's batch)


def _read(c: Any, key: bytes) -> SetValue | None:
    return c.db.get_typed(key, SetValue)


def _write(c: Any, key: bytes) -> SetValue | None:
    return c.db.get_typed(key, SetValue, read=False)


def _members_arg(name: str = "member") -> tuple:
    return (arg("key", "key", key_spec_index=0), arg(name, "string", flags=("multiple",)))


@command("sadd", arity=-3, flags="write denyoom fast", acl="set", group="set", since="1.0.0",
         summary="Adds one or more members to a set. Creates the key if it doesn't exist.",
         complexity="O(1) for each element added, so O(N) to add N elements when the command is called with "
                    "multiple arguments.",
         keys=[ks("RW INSERT", 1)], history=(("2.4.0", "Accepts multiple `member` arguments."),),
         args=_members_arg())
def cmd_sadd(c: Any, argv: list[bytes]) -> Any:
    key = argv[1]
    s = c.db.get_typed(key, SetValue, read=False)
    if s is not None and len(argv) == 3:  # one member: the hot path
        m = argv[2]
        if m in s:
            return 0
        if s.enc == HASHTABLE:
            s[m] = None
        else:
            s.add(m, SetLimits(c.server))
        c.server.dirty += 1
        return 1
    lim = SetLimits(c.server)
    if s is None:
        s = SetValue.create(argv[2], len(argv) - 2, lim)
        c.db.set(key, s)
    added = s.add_many(argv[2:], lim)
    c.server.dirty += added
    return added


@command("srem", arity=-3, flags="write fast", acl="set", group="set", since="1.0.0",
         summary="Removes one or more members from a set. Deletes the set if the last member was removed.",
         complexity="O(N) where N is the number of members to be removed.",
         keys=[ks("RW DELETE", 1)], history=(("2.4.0", "Accepts multiple `member` arguments."),),
         args=_members_arg())
def cmd_srem(c: Any, argv: list[bytes]) -> Any:
    key = argv[1]
    s = _write(c, key)
    if s is None:
        return 0
    n = 0
    pop = s.pop
    sentinel = _MISSING
    for m in argv[2:]:
        if pop(m, sentinel) is not sentinel:
            n += 1
            if not s:
                break
    if n:
        c.server.dirty += n
        if not s:
            c.db.delete(key)
    return n


_MISSING = object()


@command("scard", arity=2, flags="readonly fast", acl="set", group="set", since="1.0.0",
         summary="Returns the number of members in a set.", complexity="O(1)",
         keys=[ks("RO", 1)], args=(arg("key", "key", key_spec_index=0),))
def cmd_scard(c: Any, argv: list[bytes]) -> Any:
    s = _read(c, argv[1])
    return 0 if s is None else len(s)


@command("sismember", arity=3, flags="readonly fast", acl="set", group="set", since="1.0.0",
         summary="Determines whether a member belongs to a set.", complexity="O(1)",
         keys=[ks("RO", 1)], args=(arg("key", "key", key_spec_index=0), arg("member", "string")))
def cmd_sismember(c: Any, argv: list[bytes]) -> Any:
    s = _read(c, argv[1])
    return 1 if s is not None and argv[2] in s else 0


@command("smismember", arity=-3, flags="readonly fast", acl="set", group="set", since="6.2.0",
         summary="Determines whether multiple members belong to a set.",
         complexity="O(N) where N is the number of elements being checked for membership",
         keys=[ks("RO ACCESS", 1)], args=_members_arg())
def cmd_smismember(c: Any, argv: list[bytes]) -> Any:
    s = _read(c, argv[1])
    if s is None:
        return [0] * (len(argv) - 2)
    return [1 if m in s else 0 for m in argv[2:]]


@command("smembers", arity=2, flags="readonly", acl="set", group="set", since="1.0.0",
         summary="Returns all members of a set.", complexity="O(N) where N is the set cardinality.",
         tips=("nondeterministic_output_order",), keys=[ks("RO ACCESS", 1)],
         args=(arg("key", "key", key_spec_index=0),))
def cmd_smembers(c: Any, argv: list[bytes]) -> Any:
    s = _read(c, argv[1])
    if s is None:
        return SetReply()
    return bulk_array(s.members(), b"~" if c.resp == 3 else b"*")


@command("srandmember", arity=-2, flags="readonly", acl="set", group="set", since="1.0.0",
         summary="Get one or multiple random members from a set",
         complexity="Without the count argument O(1), otherwise O(N) where N is the absolute value of the passed "
                    "count.",
         tips=("nondeterministic_output",), keys=[ks("RO ACCESS", 1)],
         history=(("2.6.0", "Added the optional `count` argument."),),
         args=(arg("key", "key", key_spec_index=0), arg("count", "integer", since="2.6.0", flags=("optional",))))
def cmd_srandmember(c: Any, argv: list[bytes]) -> Any:
    if len(argv) > 3:
        raise SyntaxErr()
    if len(argv) == 2:
        s = _read(c, argv[1])
        if s is None:
            return None
        return random_key(s)
    count = parse_int(argv[2])
    if count < -_LONG_MAX:
        raise CommandError(b"ERR value is out of range, value must between -9223372036854775807 and "
                           b"9223372036854775807")
    s = _read(c, argv[1])
    if s is None or count == 0:
        return []
    if count < 0:
        return random_keys(s, -count, True)
    if count >= len(s):
        return s.members()
    return random_keys(s, count, False)


@command("spop", arity=-2, flags="write fast", acl="set", group="set", since="1.0.0",
         summary="Returns one or more random members from a set after removing them. Deletes the set if the last "
                 "member was popped.",
         complexity="Without the count argument O(1), otherwise O(N) where N is the value of the passed count.",
         tips=("nondeterministic_output",), keys=[ks("RW ACCESS DELETE", 1)],
         history=(("3.2.0", "Added the `count` argument."),),
         args=(arg("key", "key", key_spec_index=0), arg("count", "integer", since="3.2.0", flags=("optional",))))
def cmd_spop(c: Any, argv: list[bytes]) -> Any:
    key = argv[1]
    if len(argv) > 3:
        raise SyntaxErr()
    if len(argv) == 2:
        s = _write(c, key)
        if s is None:
            return None
        m = random_key(s)
        del s[m]
        propagate_effect(c, [b"SREM", key, m])
        c.server.dirty += 1
        if not s:
            c.db.delete(key)
        return m
    count = parse_int(argv[2], lambda: CommandError(b"ERR value is out of range, must be positive"))
    if count < 0:
        raise CommandError(b"ERR value is out of range, must be positive")
    s = _write(c, key)
    if s is None or count == 0:
        return SetReply()
    if count >= len(s):
        out = s.members()
        c.db.delete(key)
        propagate_effect(c, [b"DEL", key])
        c.server.dirty += len(out)
        return SetReply(out)
    out = random_keys(s, count, False)
    for m in out:
        del s[m]
    if s.enc == HASHTABLE and len(s) * _SPOP_MOVE_STRATEGY_MUL <= count:
        # Redis's "case 3": the few members that stay are moved to a new set, which
        # starts small (intset or listpack) and converts only as they need.
        keep = list(s)
        random.shuffle(keep)
        new = SetValue()
        new.enc = INTSET if as_int64(keep[0]) is not None else LISTPACK
        new.add_many(keep, SetLimits(c.server))
        c.db.set(key, new, keep_ttl=True)
    propagate_effect(c, *[[b"SREM", key, *out[i:i + _SREM_BATCH]] for i in range(0, len(out), _SREM_BATCH)])
    c.server.dirty += count
    return SetReply(out)


@command("smove", arity=4, flags="write fast", acl="set", group="set", since="1.0.0",
         summary="Moves a member from one set to another.", complexity="O(1)",
         keys=[ks("RW ACCESS DELETE", 1), ks("RW INSERT", 2)],
         args=(arg("source", "key", key_spec_index=0), arg("destination", "key", key_spec_index=1),
               arg("member", "string")))
def cmd_smove(c: Any, argv: list[bytes]) -> Any:
    src_key, dst_key, m = argv[1], argv[2], argv[3]
    db = c.db
    src = db.lookup(src_key)
    dst = db.lookup(dst_key)
    if src is None:
        return 0
    if type(src) is not SetValue or (dst is not None and type(dst) is not SetValue):
        raise WrongType()
    if src is dst:
        return 1 if m in src else 0
    if m not in src:
        return 0
    server = c.server
    del src[m]
    notify(server, NOTIFY_SET, b"srem", src_key, db.index)
    if not src:
        db.delete(src_key)
        notify(server, NOTIFY_GENERIC, b"del", src_key, db.index)
    lim = SetLimits(server)
    if dst is None:
        dst = SetValue.create(m, 1, lim)
        db.set(dst_key, dst)
    if m not in dst:
        dst.add(m, lim)
        notify(server, NOTIFY_SET, b"sadd", dst_key, db.index)
    server.dirty += 2
    return 1


# ---- set algebra -----------------------------------------------------------------------


def _lookup_sets(c: Any, keys: list[bytes], write: bool) -> list[SetValue | None]:
    """The sets at ``keys`` (None for missing ones); WRONGTYPE if any is not a set."""
    get = c.db.lookup if write else c.db.lookup_read
    out = []
    for k in keys:
        v = get(k)
        if v is not None and type(v) is not SetValue:
            raise WrongType()
        out.append(v)
    return out


def _inter(sets: list[SetValue], limit: int = 0) -> list[bytes]:
    """Members of the smallest set (in its order) present in all the others."""
    ordered = sorted(sets, key=len)
    first, rest = ordered[0], ordered[1:]
    members = first.members() if first.enc == INTSET else first
    if not rest:
        out = list(members)
    elif len(rest) == 1:
        other = rest[0]
        out = [m for m in members if m in other]
    else:
        out = [m for m in members if all(m in s for s in rest)]
    if limit and len(out) > limit:
        del out[limit:]
    return out


def _store(c: Any, dst_key: bytes, members: list[bytes]) -> int:
    """Replace ``dst_key`` with a set of ``members`` (delete it when empty)."""
    db = c.db
    if not members:
        if db.delete(dst_key):
            c.server.dirty += 1
        return 0
    db.set(dst_key, build(members, SetLimits(c.server)))
    c.server.dirty += 1
    return len(members)


def _keys_args(name: str = "key") -> tuple:
    return (arg(name, "key", key_spec_index=0, flags=("multiple",)),)


@command("sinter", arity=-2, flags="readonly", acl="set", group="set", since="1.0.0",
         summary="Returns the intersect of multiple sets.",
         complexity="O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.",
         tips=("nondeterministic_output_order",), keys=[ks("RO ACCESS", 1, last=-1)], args=_keys_args())
def cmd_sinter(c: Any, argv: list[bytes]) -> Any:
    sets = _lookup_sets(c, argv[1:], False)
    if any(s is None for s in sets):
        return SetReply()
    return SetReply(_inter(sets))  # type: ignore[arg-type]


@command("sintercard", arity=-3, flags="readonly", acl="set", group="set", since="7.0.0",
         summary="Returns the number of members of the intersect of multiple sets.",
         complexity="O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.",
         keys=[ks("RO ACCESS", 1, keynum=(0, 1, 1))],
         args=(arg("numkeys", "integer"), arg("key", "key", key_spec_index=0, flags=("multiple",)),
               arg("limit", "integer", token="LIMIT", flags=("optional",))))
def cmd_sintercard(c: Any, argv: list[bytes]) -> Any:
    numkeys = parse_int(argv[1], lambda: CommandError(b"ERR numkeys should be greater than 0"))
    if numkeys <= 0:
        raise CommandError(b"ERR numkeys should be greater than 0")
    if numkeys > len(argv) - 2:
        raise CommandError(b"ERR Number of keys can't be greater than number of args")
    limit = 0
    j = 2 + numkeys
    while j < len(argv):
        if argv[j].lower() == b"limit" and j + 1 < len(argv):
            limit = parse_int(argv[j + 1], lambda: CommandError(b"ERR LIMIT can't be negative"))
            if limit < 0:
                raise CommandError(b"ERR LIMIT can't be negative")
            j += 2
        else:
            raise SyntaxErr()
    sets = _lookup_sets(c, argv[2:2 + numkeys], False)
    if any(s is None for s in sets):
        return 0
    return len(_inter(sets, limit))  # type: ignore[arg-type]


@command("sinterstore", arity=-3, flags="write denyoom", acl="set", group="set", since="1.0.0",
         summary="Stores the intersect of multiple sets in a key.",
         complexity="O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.",
         keys=[ks("RW UPDATE", 1), ks("RO ACCESS", 2, last=-1)],
         args=(arg("destination", "key", key_spec_index=0), arg("key", "key", key_spec_index=1,
                                                                flags=("multiple",))))
def cmd_sinterstore(c: Any, argv: list[bytes]) -> Any:
    sets = _lookup_sets(c, argv[2:], True)
    if any(s is None for s in sets):
        return _store(c, argv[1], [])
    return _store(c, argv[1], _inter(sets))  # type: ignore[arg-type]


def _union(sets: list[SetValue | None]) -> SetValue:
    lim = _BIG_LIMITS
    out = SetValue()
    for s in sets:
        if s is not None:
            out.add_many(s.members() if s.enc == INTSET else s, lim)
    return out


def _diff(sets: list[SetValue | None]) -> SetValue:
    first = sets[0]
    out = SetValue()
    if first is None:
        return out
    rest = [s for s in sets[1:] if s is not None]
    members = first.members() if first.enc == INTSET else list(first)
    if rest:
        members = [m for m in members if not any(m in s for s in rest)]
    out.update(dict.fromkeys(members))
    return out


class _Unbounded:
    """Limits that never convert: the result's order only needs a dict's insertion order."""

    intset = lp_entries = lp_value = 2**62


_BIG_LIMITS: Any = _Unbounded()


def _reply_members(c: Any, result: SetValue) -> list[bytes]:
    """A computed result in the order Redis's result set would iterate it."""
    members = list(result)
    lim = SetLimits(c.server)
    final = build([], lim)
    final.add_many(members, lim)
    return final.members()


@command("sunion", arity=-2, flags="readonly", acl="set", group="set", since="1.0.0",
         summary="Returns the union of multiple sets.",
         complexity="O(N) where N is the total number of elements in all given sets.",
         tips=("nondeterministic_output_order",), keys=[ks("RO ACCESS", 1, last=-1)], args=_keys_args())
def cmd_sunion(c: Any, argv: list[bytes]) -> Any:
    return SetReply(_reply_members(c, _union(_lookup_sets(c, argv[1:], False))))


@command("sunionstore", arity=-3, flags="write denyoom", acl="set", group="set", since="1.0.0",
         summary="Stores the union of multiple sets in a key.",
         complexity="O(N) where N is the total number of elements in all given sets.",
         keys=[ks("OW UPDATE", 1), ks("RO ACCESS", 2, last=-1)],
         args=(arg("destination", "key", key_spec_index=0), arg("key", "key", key_spec_index=1,
                                                                flags=("multiple",))))
def cmd_sunionstore(c: Any, argv: list[bytes]) -> Any:
    return _store(c, argv[1], list(_union(_lookup_sets(c, argv[2:], True))))


@command("sdiff", arity=-2, flags="readonly", acl="set", group="set", since="1.0.0",
         summary="Returns the difference of multiple sets.",
         complexity="O(N) where N is the total number of elements in all given sets.",
         tips=("nondeterministic_output_order",), keys=[ks("RO ACCESS", 1, last=-1)], args=_keys_args())
def cmd_sdiff(c: Any, argv: list[bytes]) -> Any:
    return SetReply(_reply_members(c, _diff(_lookup_sets(c, argv[1:], False))))


@command("sdiffstore", arity=-3, flags="write denyoom", acl="set", group="set", since="1.0.0",
         summary="Stores the difference of multiple sets in a key.",
         complexity="O(N) where N is the total number of elements in all given sets.",
         keys=[ks("OW UPDATE", 1), ks("RO ACCESS", 2, last=-1)],
         args=(arg("destination", "key", key_spec_index=0), arg("key", "key", key_spec_index=1,
                                                                flags=("multiple",))))
def cmd_sdiffstore(c: Any, argv: list[bytes]) -> Any:
    return _store(c, argv[1], list(_diff(_lookup_sets(c, argv[2:], True))))


@command("sscan", arity=-3, flags="readonly", acl="set", group="set", since="2.8.0",
         summary="Iterates over members of a set.",
         complexity="O(1) for every call. O(N) for a complete iteration, including enough command calls for the "
                    "cursor to return back to 0. N is the number of elements inside the collection.",
         tips=("nondeterministic_output",), keys=[ks("RO ACCESS", 1)],
         args=(arg("key", "key", key_spec_index=0), arg("cursor", "integer"),
               arg("pattern", "pattern", token="MATCH", flags=("optional",)),
               arg("count", "integer", token="COUNT", flags=("optional",))))
def cmd_sscan(c: Any, argv: list[bytes]) -> Any:
    cursor = parse_cursor(argv[2])
    s = _read(c, argv[1])
    if s is None:
        return [b"0", []]
    count, match = parse_options(argv, 3)
    if s.enc == HASHTABLE:
        nxt, members = scan_keys(s, cursor, count, False)
    else:
        nxt, members = 0, s.members()
    if match is not None:
        members = [m for m in members if match(m)]
    return [b"%d" % nxt, members]

