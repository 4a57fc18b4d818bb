"""Generic key commands (Redis's db.c / expire.c / object.c front ends).

DEL UNLINK EXISTS TYPE KEYS SCAN RANDOMKEY RENAME RENAMENX MOVE COPY DUMP RESTORE
EXPIRE PEXPIRE EXPIREAT PEXPIREAT TTL PTTL EXPIRETIME PEXPIRETIME PERSIST TOUCH
OBJECT (ENCODING FREQ IDLETIME REFCOUNT HELP).
(WAIT is in commands/replication.py.)

Handlers validate everything before they change anything, and they set
``c.propagate_as`` (only when someone listens: ``server.propagate``) where Redis
rewrites the replicated form: relative expiry times become ``PEXPIREAT <abs ms>``, and
an expiry time already past becomes ``DEL``.  Values of other types are opaque here:
COPY duplicates them through ``copy_value`` (keyspace/types.py).
"""

from __future__ import annotations

from typing import Any

from ..keyspace.notify import NOTIFY_GENERIC, notify
from ..keyspace.scan import keys_matching, parse_cursor, scan
from ..keyspace.types import copy_value, type_name
from ..persistence.dump import dump_value, restore
from ..protocol.errors import CommandError, NotInteger, SyntaxErr, err
from ..protocol.reply import ONE, OK, ZERO, Simple
from ..protocol.resp_parser import string2ll
from .registry import command, container
from .spec import arg, ks

LLONG_MAX = (1 << 63) - 1
LLONG_MIN = -(1 << 63)
INT_MAX = (1 << 31) - 1
INT_MIN = -(1 << 31)

SAME_OBJECT = b"ERR source and destination objects are the same"


def _int(raw: bytes) -> int:
    v = string2ll(raw)
    if v is None:
        raise NotInteger()
    return v


def _db_index(c: Any, raw: bytes) -> Any:
    """getIntFromObjectOrReply + selectDb: the target db, or Redis's errors."""
    v = string2ll(raw)
    if v is None:
        raise NotInteger()
    if not INT_MIN <= v <= INT_MAX:
        raise err("value is out of range, value must between -2147483648 and 2147483647")
    dbs = c.server.dbs
    if v < 0 or v >= len(dbs):
        raise err("DB index is out of range")
    return dbs[v]


def _cluster(c: Any) -> bool:
    return c.db.slot_keys is not None


# ---- deletion and existence ------------------------------------------------------------

def _delete_keys(c: Any, argv: list[bytes]) -> int:
    delete = c.db.delete
    n = 0
    for key in argv[1:]:
        if delete(key):
            n += 1
            notify(c.server, NOTIFY_GENERIC, b"del", key, c.db.index)
            if c.server.watching:  # only the keys that went (engine/multi.py)
                from ..engine.multi import touch  # noqa: PLC0415  (only while someone watches)

                touch(c.server, c.db, key)
    return n


@command("del", arity=-2, flags="write", acl="keyspace", group="generic", since="1.0.0",
         summary="Deletes one or more keys.",
         complexity="O(N) where N is the number of keys that will be removed. When a key to remove holds a value other than a string, the individual complexity for this key is O(M) where M is the number of elements in the list, set, sorted set or hash. Removing a single key that holds a string value is O(1).",
         tips=("request_policy:multi_shard", "response_policy:agg_sum"),
         keys=[ks("RM DELETE", 1, last=-1)],
         args=(arg("key", "key", key_spec_index=0, flags=("multiple",)),))
def cmd_del(c: Any, argv: list[bytes]) -> Any:
    return _delete_keys(c, argv)


@command("unlink", arity=-2, flags="write fast", acl="keyspace", group="generic", since="4.0.0",
         summary="Asynchronously deletes one or more keys.",
         complexity="O(1) for each key removed regardless of its size. Then the command does O(N) work in a different thread in order to reclaim memory, where N is the number of allocations the deleted objects where composed of.",
         tips=("request_policy:multi_shard", "response_policy:agg_sum"),
         keys=[ks("RM DELETE", 1, last=-1)],
         args=(arg("key", "key", key_spec_index=0, flags=("multiple",)),))
def cmd_unlink(c: Any, argv: list[bytes]) -> Any:
    # Python frees memory by reference counting as the key goes; there is no
    # separate thread to hand large values to.
    return _delete_keys(c, argv)


@command("exists", arity=-2, flags="readonly fast", acl="keyspace", group="generic", since="1.0.0",
         summary="Determines whether one or more keys exist.",
         complexity="O(N) where N is the number of keys to check.",
         tips=("request_policy:multi_shard", "response_policy:agg_sum"),
         keys=[ks("RO", 1, last=-1)],
         history=(("3.0.3", "Accepts multiple `key` arguments."),),
         args=(arg("key", "key", key_spec_index=0, flags=("multiple",)),))
def cmd_exists(c: Any, argv: list[bytes]) -> Any:
    lookup = c.db.lookup_read
    n = 0
    for key in argv[1:]:
        if lookup(key) is not None:
            n += 1
    return n


@command("touch", arity=-2, flags="readonly fast", acl="keyspace", group="generic", since="3.2.1",
         summary="Returns the number of existing keys out of those specified after updating the time they were last accessed.",
         complexity="O(N) where N is the number of keys that will be touched.",
         tips=("request_policy:multi_shard", "response_policy:agg_sum"),
         keys=[ks("RO", 1, last=-1)],
         args=(arg("key", "key", key_spec_index=0, flags=("multiple",)),))
def cmd_touch(c: Any, argv: list[bytes]) -> Any:
    return cmd_exists(c, argv)


@command("type", arity=2, flags="readonly fast", acl="keyspace", group="generic", since="1.0.0",
         summary="Determines the type of value stored at a key.", complexity="O(1)",
         keys=[ks("RO", 1)],
         args=(arg("key", "key", key_spec_index=0),))
def cmd_type(c: Any, argv: list[bytes]) -> Any:
    return Simple(type_name(c.db.lookup_read(argv[1])))


# ---- iteration ---------------------------------------------------------------------------

@command("keys", arity=2, flags="readonly", acl="keyspace dangerous", group="generic", since="1.0.0",
         summary="Returns all key names that match a pattern.",
         complexity="O(N) with N being the number of keys in the database, under the assumption that the key names in the database and the given pattern have limited length.",
         tips=("request_policy:all_shards", "nondeterministic_output_order"),
         args=(arg("pattern", "pattern"),))
def cmd_keys(c: Any, argv: list[bytes]) -> Any:
    return keys_matching(c.db, argv[1], c.server.cached_now_ms)


def _type_filter(name: bytes) -> Any:
    low = name.lower()
    return lambda v: v is not None and type_name(v) == low


@command("scan", arity=-2, flags="readonly", acl="keyspace", group="generic", since="2.8.0",
         summary="Iterates over the key names in the database.",
         complexity="O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.",
         tips=("nondeterministic_output", "request_policy:special"),
         history=(("6.0.0", "Added the `TYPE` subcommand."),),
         args=(
             arg("cursor", "integer"),
             arg("pattern", "pattern", token="MATCH", flags=("optional",)),
             arg("count", "integer", token="COUNT", flags=("optional",)),
             arg("type", "string", token="TYPE", since="6.0.0", flags=("optional",)),
         ))
def cmd_scan(c: Any, argv: list[bytes]) -> Any:
    cursor = parse_cursor(argv[1])
    if cursor is None:
        raise err("invalid cursor")
    count = 10
    match = None
    type_filter = None
    i, n = 2, len(argv)
    while i < n:
        opt = argv[i].lower()
        if opt == b"count" and n - i >= 2:
            count = _int(argv[i + 1])
            if count < 1:
                raise SyntaxErr()
        elif opt == b"match" and n - i >= 2:
            match = argv[i + 1]
        elif opt == b"type" and n - i >= 2:
            type_filter = _type_filter(argv[i + 1])
        else:
            raise SyntaxErr()
        i += 2
    cursor, keys = scan(c.db, cursor, count, match, type_filter, c.server.cached_now_ms)
    return [b"%d" % cursor, keys]


@command("randomkey", arity=1, flags="readonly", acl="keyspace", group="generic", since="1.0.0",
         summary="Returns a random key name from the database.", complexity="O(1)",
         tips=("request_policy:all_shards", "nondeterministic_output"))
def cmd_randomkey(c: Any, argv: list[bytes]) -> Any:
    return c.db.random_key()


# ---- renaming and moving ------------------------------------------------------------------

def _rename(c: Any, argv: list[bytes], nx: bool) -> Any:
    db = c.db
    src, dst = argv[1], argv[2]
    value = db.lookup(src)
    if value is None:
        raise err("no such key")
    if src == dst:
        return ZERO if nx else OK
    expire_at_ms = db.expires.get(src)
    if db.lookup(dst) is not None:
        if nx:
            return ZERO
        db.delete(dst)
    mark = db.marked_encoding(src)
    db.unlink(src)
    db.set(dst, value, expire_at_ms=expire_at_ms)
    if mark is not None:
        db.mark_string(dst, value, mark[1])  # the object moves, its encoding with it
    return ONE if nx else OK


@command("rename", arity=3, flags="write", acl="keyspace", group="generic", since="1.0.0",
         summary="Renames a key and overwrites the destination.", complexity="O(1)",
         keys=[ks("RW ACCESS DELETE", 1), ks("OW UPDATE", 2)],
         args=(arg("key", "key", key_spec_index=0), arg("newkey", "key", key_spec_index=1)))
def cmd_rename(c: Any, argv: list[bytes]) -> Any:
    return _rename(c, argv, False)


@command("renamenx", arity=3, flags="write fast", acl="keyspace", group="generic", since="1.0.0",
         summary="Renames a key only when the target key name doesn't exist.", complexity="O(1)",
         keys=[ks("RW ACCESS DELETE", 1), ks("OW INSERT", 2)],
         history=(("3.2.0", "The command no longer returns an error when source and destination names are the same."),),
         args=(arg("key", "key", key_spec_index=0), arg("newkey", "key", key_spec_index=1)))
def cmd_renamenx(c: Any, argv: list[bytes]) -> Any:
    return _rename(c, argv, True)


@command("move", arity=3, flags="write fast", acl="keyspace", group="generic", since="1.0.0",
         summary="Moves a key to another database.", complexity="O(1)",
         keys=[ks("RW ACCESS UPDATE", 1)],
         args=(arg("key", "key", key_spec_index=0), arg("db", "integer")))
def cmd_move(c: Any, argv: list[bytes]) -> Any:
    if _cluster(c):
        raise err("MOVE is not allowed in cluster mode")
    src = c.db
    dst = _db_index(c, argv[2])
    if dst is src:
        raise CommandError(SAME_OBJECT)
    key = argv[1]
    value = src.lookup(key)
    if value is None:
        return ZERO
    if dst.lookup(key) is not None:
        return ZERO
    expire_at_ms = src.expires.get(key)
    mark = src.marked_encoding(key)
    src.unlink(key)
    dst.set(key, value, expire_at_ms=expire_at_ms)
    if mark is not None:
        dst.mark_string(key, value, mark[1])
    return ONE


@command("copy", arity=-3, flags="write denyoom", acl="keyspace", group="generic", since="6.2.0",
         summary="Copies the value of a key to a new key.",
         complexity="O(N) worst case for collections, where N is the number of nested items. O(1) for string values.",
         keys=[ks("RO ACCESS", 1), ks("OW UPDATE", 2)],
         args=(
             arg("source", "key", key_spec_index=0),
             arg("destination", "key", key_spec_index=1),
             arg("destination-db", "integer", token="DB", flags=("optional",)),
             arg("replace", "pure-token", token="REPLACE", flags=("optional",)),
         ))
def cmd_copy(c: Any, argv: list[bytes]) -> Any:
    src = dst = c.db
    replace = False
    i, n = 3, len(argv)
    while i < n:
        opt = argv[i].lower()
        if opt == b"replace":
            replace = True
        elif opt == b"db" and i + 1 < n:
            dst = _db_index(c, argv[i + 1])
            i += 1
        else:
            raise SyntaxErr()
        i += 1
    if _cluster(c) and (src.index != 0 or dst.index != 0):
        raise err("Copying to another database is not allowed in cluster mode")
    key, newkey = argv[1], argv[2]
    if src is dst and key == newkey:
        raise CommandError(SAME_OBJECT)
    value = src.lookup_read(key)
    if value is None:
        return ZERO
    expire_at_ms = src.expires.get(key)
    if dst.lookup(newkey) is not None:
        if not replace:
            return ZERO
        dst.delete(newkey)
    copied = copy_value(value)
    dst.set(newkey, copied, expire_at_ms=expire_at_ms)
    mark = src.marked_encoding(key)
    if mark is not None:
        dst.mark_string(newkey, copied, mark[1])  # dupStringObject keeps raw/embstr
    return ONE


# ---- serialization (the RDB codec: persistence/dump.py) --------------------------------------

@command("dump", arity=2, flags="readonly", acl="keyspace", group="generic", since="2.6.0",
         summary="Returns a serialized representation of the value stored at a key.",
         complexity="O(1) to access the key and additional O(N*M) to serialize it, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1).",
         tips=("nondeterministic_output",),
         keys=[ks("RO ACCESS", 1)],
         args=(arg("key", "key", key_spec_index=0),))
def cmd_dump(c: Any, argv: list[bytes]) -> Any:
    value = c.db.lookup_read(argv[1])
    if value is None:
        return None
    return dump_value(c.server, value)


@command("restore", arity=-4, flags="write denyoom", acl="keyspace dangerous", group="generic", since="2.6.0",
         summary="Creates a key from the serialized representation of a value.",
         complexity="O(1) to create the new key and additional O(N*M) to reconstruct the serialized value, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1). However for sorted set values the complexity is O(N*M*log(N)) because inserting values into sorted sets is O(log(N)).",
         keys=[ks("OW UPDATE", 1)],
         history=(("3.0.0", "Added the `REPLACE` modifier."), ("5.0.0", "Added the `ABSTTL` modifier."),
                  ("5.0.0", "Added the `IDLETIME` and `FREQ` options.")),
         args=(
             arg("key", "key", key_spec_index=0),
             arg("ttl", "integer"),
             arg("serialized-value", "string"),
             arg("replace", "pure-token", token="REPLACE", since="3.0.0", flags=("optional",)),
             arg("absttl", "pure-token", token="ABSTTL", since="5.0.0", flags=("optional",)),
             arg("seconds", "integer", token="IDLETIME", since="5.0.0", flags=("optional",)),
             arg("frequency", "integer", token="FREQ", since="5.0.0", flags=("optional",)),
         ))
def cmd_restore(c: Any, argv: list[bytes]) -> Any:
    return restore(c, argv)


# ---- expiry -----------------------------------------------------------------------------

EXPIRE_HISTORY = (("7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`."),)


def _condition_args() -> dict:
    return arg("condition", "oneof", since="7.0.0", flags=("optional",), arguments=(
        arg("nx", "pure-token", token="NX"), arg("xx", "pure-token", token="XX"),
        arg("gt", "pure-token", token="GT"), arg("lt", "pure-token", token="LT")))


def _expire(c: Any, argv: list[bytes], base_ms: int, unit_ms: int) -> Any:
    """Redis's expireGenericCommand.  ``base_ms`` is now for EXPIRE/PEXPIRE and 0 for
    the absolute forms; ``unit_ms`` is 1000 for seconds.  Checked in Redis's order:
    options, the number, its overflow, the key, the NX/XX/GT/LT condition (a key
    without TTL counts as an infinite TTL).  A time already past deletes the key and
    is replicated as DEL; otherwise the replicated form is PEXPIREAT with the absolute
    time (and the same condition options)."""
    nx = xx = gt = lt = False
    for raw in argv[3:]:
        opt = raw.lower()
        if opt == b"nx":
            nx = True
        elif opt == b"xx":
            xx = True
        elif opt == b"gt":
            gt = True
        elif opt == b"lt":
            lt = True
        else:
            raise CommandError(b"ERR Unsupported option " + raw)
    if nx and (xx or gt or lt):
        raise err("NX and XX, GT or LT options at the same time are not compatible")
    if gt and lt:
        raise err("GT and LT options at the same time are not compatible")
    when = _int(argv[2])
    bad_time = b"ERR invalid expire time in '%s' command" % argv[0].lower()
    if unit_ms == 1000:
        if when > LLONG_MAX // 1000 or when < -(LLONG_MAX // 1000):  # C's LLONG_MIN / 1000
            raise CommandError(bad_time)
        when *= 1000
    if when > LLONG_MAX - base_ms:
        raise CommandError(bad_time)
    when += base_ms
    db = c.db
    key = argv[1]
    if db.lookup(key) is None:
        return ZERO
    if nx or xx or gt or lt:
        current = db.expires.get(key)
        if nx and current is not None:
            return ZERO
        if xx and current is None:
            return ZERO
        if gt and (current is None or when <= current):
            return ZERO
        if lt and current is not None and when >= current:
            return ZERO
    server = c.server
    if when <= server.cached_now_ms and not server.is_replica_of_primary():
        db.delete(key)
        if server.propagate is not None:
            c.propagate_as = [[b"DEL", key]]
        return ONE
    db.set_expire(key, when)
    if server.propagate is not None:
        if base_ms or unit_ms != 1:  # PEXPIREAT is already in the resolved form
            c.propagate_as = [[b"PEXPIREAT", key, b"%d" % when] + argv[3:]]
    return ONE


def _expire_cmd(name: str, since: str, summary: str, argname: str, argtype: str) -> Any:
    return command(name, arity=-3, flags="write fast", acl="keyspace", group="generic", since=since,
                   summary=summary, complexity="O(1)", keys=[ks("RW UPDATE", 1)], history=EXPIRE_HISTORY,
                   args=(arg("key", "key", key_spec_index=0), arg(argname, argtype), _condition_args()))


@_expire_cmd("expire", "1.0.0", "Sets the expiration time of a key in seconds.", "seconds", "integer")
def cmd_expire(c: Any, argv: list[bytes]) -> Any:
    return _expire(c, argv, c.server.cached_now_ms, 1000)


@_expire_cmd("pexpire", "2.6.0", "Sets the expiration time of a key in milliseconds.", "milliseconds", "integer")
def cmd_pexpire(c: Any, argv: list[bytes]) -> Any:
    return _expire(c, argv, c.server.cached_now_ms, 1)


@_expire_cmd("expireat", "1.2.0", "Sets the expiration time of a key to a Unix timestamp.",
             "unix-time-seconds", "unix-time")
def cmd_expireat(c: Any, argv: list[bytes]) -> Any:
    return _expire(c, argv, 0, 1000)


@_expire_cmd("pexpireat", "2.6.0", "Sets the expiration time of a key to a Unix milliseconds timestamp.",
             "unix-time-milliseconds", "unix-time")
def cmd_pexpireat(c: Any, argv: list[bytes]) -> Any:
    return _expire(c, argv, 0, 1)


def _ttl(c: Any, argv: list[bytes], ms: bool, absolute: bool) -> int:
    db = c.db
    key = argv[1]
    if db.lookup_read(key) is None:
        return -2
    when = db.expires.get(key)
    if when is None:
        return -1
    ttl = when if absolute else when - c.server.cached_now_ms
    if ttl < 0:
        ttl = 0
    return ttl if ms else (ttl + 500) // 1000


def _ttl_cmd(name: str, since: str, summary: str, history: tuple = (), tips: tuple = ()) -> Any:
    return command(name, arity=2, flags="readonly fast", acl="keyspace", group="generic", since=since,
                   summary=summary, complexity="O(1)", keys=[ks("RO ACCESS", 1)], history=history, tips=tips,
                   args=(arg("key", "key", key_spec_index=0),))


@_ttl_cmd("ttl", "1.0.0", "Returns the expiration time in seconds of a key.",
          (("2.8.0", "Added the -2 reply."),), ("nondeterministic_output",))
def cmd_ttl(c: Any, argv: list[bytes]) -> Any:
    return _ttl(c, argv, False, False)


@_ttl_cmd("pttl", "2.6.0", "Returns the expiration time in milliseconds of a key.",
          (("2.8.0", "Added the -2 reply."),), ("nondeterministic_output",))
def cmd_pttl(c: Any, argv: list[bytes]) -> Any:
    return _ttl(c, argv, True, False)


@_ttl_cmd("expiretime", "7.0.0", "Returns the expiration time of a key as a Unix timestamp.")
def cmd_expiretime(c: Any, argv: list[bytes]) -> Any:
    return _ttl(c, argv, False, True)


@_ttl_cmd("pexpiretime", "7.0.0", "Returns the expiration time of a key as a Unix milliseconds timestamp.")
def cmd_pexpiretime(c: Any, argv: list[bytes]) -> Any:
    return _ttl(c, argv, True, True)


@command("persist", arity=2, flags="write fast", acl="keyspace", group="generic", since="2.2.0",
         summary="Removes the expiration time of a key.", complexity="O(1)",
         keys=[ks("RW UPDATE", 1)],
         args=(arg("key", "key", key_spec_index=0),))
def cmd_persist(c: Any, argv: list[bytes]) -> Any:
    db = c.db
    if db.lookup(argv[1]) is None:
        return ZERO
    return ONE if db.persist(argv[1]) else ZERO


# ---- OBJECT -----------------------------------------------------------------------------

container("object", arity=-2, group="generic", since="2.2.3",
          summary="A container for object introspection commands.", complexity="Depends on subcommand.")

OBJECT_HELP = [
    b"OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    b"ENCODING <key>",
    b"    Return the kind of internal representation used in order to store the value",
    b"    associated with a <key>.",
    b"FREQ <key>",
    b"    Return the access frequency index of the <key>. The returned integer is",
    b"    proportional to the logarithm of the recent access frequency of the key.",
    b"IDLETIME <key>",
    b"    Return the idle time of the <key>, that is the approximated number of",
    b"    seconds elapsed since the last access to the key.",
    b"REFCOUNT <key>",
    b"    Return the number of references of the value associated with the specified",
    b"    <key>.",
    b"HELP",
    b"    Prints this help.",
]

LFU_NOT_SELECTED = (b"ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note "
                    b"that when switching between policies at runtime LRU and LFU data will take some time to adjust.")
LFU_SELECTED = (b"ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when "
                b"switching between policies at runtime LRU and LFU data will take some time to adjust.")
LFU_INIT_VAL = 5
SHARED_INTEGERS = 10000


def _policy_is_lfu(c: Any) -> bool:
    policy = c.server.config.get("maxmemory-policy", "noeviction")
    if isinstance(policy, bytes):
        policy = policy.decode()
    return "lfu" in str(policy)


def _object_cmd(sub: str, since: str, summary: str) -> Any:
    return command(f"object|{sub}", arity=3, flags="readonly", acl="keyspace", group="generic", since=since,
                   summary=summary, complexity="O(1)", tips=("nondeterministic_output",),
                   keys=[ks("RO", 2)], args=(arg("key", "key", key_spec_index=0),))


@_object_cmd("encoding", "2.2.3", "Returns the internal encoding of a Redis object.")
def cmd_object_encoding(c: Any, argv: list[bytes]) -> Any:
    v = c.db.lookup_read(argv[2])
    return None if v is None else c.db.encoding_of(argv[2], v)


@_object_cmd("freq", "4.0.0", "Returns the logarithmic access frequency counter of a Redis object.")
def cmd_object_freq(c: Any, argv: list[bytes]) -> Any:
    db = c.db
    if db.lookup_read(argv[2]) is None:
        return None
    if not _policy_is_lfu(c):
        raise CommandError(LFU_NOT_SELECTED)
    from ..ops.evict import object_freq  # noqa: PLC0415  (access metadata: ops/evict.py)

    return object_freq(c.server, db, argv[2])


@_object_cmd("idletime", "2.2.3", "Returns the time since the last access to a Redis object.")
def cmd_object_idletime(c: Any, argv: list[bytes]) -> Any:
    db = c.db
    if db.lookup_read(argv[2]) is None:
        return None
    if _policy_is_lfu(c):
        raise CommandError(LFU_SELECTED)
    from ..ops.evict import object_idle_s  # noqa: PLC0415  (access metadata: ops/evict.py)

    return object_idle_s(c.server, db, argv[2])


@_object_cmd("refcount", "2.2.3", "Returns the reference count of a value of a key.")
def cmd_object_refcount(c: Any, argv: list[bytes]) -> Any:
    v = c.db.lookup_read(argv[2])
    if v is None:
        return None
    if type(v) is bytes and len(v) <= 20:
        n = string2ll(v)
        if n is not None and 0 <= n < SHARED_INTEGERS and b"%d" % n == v:
            return INT_MAX  # Redis's shared integer objects (OBJ_SHARED_REFCOUNT)
    return 1


@command("object|help", arity=2, flags="loading stale", acl="keyspace", group="generic", since="6.2.0",
         summary="Returns helpful text about the different subcommands.", complexity="O(1)")
def cmd_object_help(c: Any, argv: list[bytes]) -> Any:
    return [Simple(line) for line in OBJECT_HELP]
