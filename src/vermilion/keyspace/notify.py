"""Keyspace notifications (Redis's notify.c): ``notify-keyspace-events``.

``notify(server, type_bit, event, key, dbid)`` is called by write handlers after a
change, with the event's class bit (``NOTIFY_STRING``, ``NOTIFY_GENERIC``, ...).  It
costs one dict lookup and a bit test when notifications are off for that class.  When
on, it publishes (pubsub/channels.py) ``event`` on ``__keyspace@<db>__:<key>`` (class
``K``) and ``key`` on ``__keyevent@<db>__:<event>`` (class ``E``), in that order, as
Redis does.  ``expired`` comes from lazy and active expiry (``server.on_key_expired``).
"""

from __future__ import annotations

from typing import Any

from ..config.schema import DIRECTIVES
from ..config.specials import (  # noqa: F401  (re-exported for the command modules)
    NOTIFY_EVICTED,
    NOTIFY_EXPIRED,
    NOTIFY_GENERIC,
    NOTIFY_HASH,
    NOTIFY_KEY_MISS,
    NOTIFY_KEYEVENT,
    NOTIFY_KEYSPACE,
    NOTIFY_LIST,
    NOTIFY_NEW,
    NOTIFY_SET,
    NOTIFY_STREAM,
    NOTIFY_STRING,
    NOTIFY_ZSET,
)

_KEY = "notify-keyspace-events"


def _apply(server: Any, config: Any) -> None:
    """CONFIG SET notify-keyspace-events: ``server.notify_flags`` is what every check reads."""
    server.notify_flags = config[_KEY]


DIRECTIVES[_KEY].apply = _apply


def notify(server: Any, type_bit: int, event: bytes, key: bytes, dbid: int) -> None:
    flags = server.notify_flags
    if not flags & type_bit:
        return
    ps = server.extensions.get("pubsub")
    if ps is None:
        return
    if flags & NOTIFY_KEYSPACE:
        ps.publish(b"__keyspace@%d__:%b" % (dbid, key), event)
    if flags & NOTIFY_KEYEVENT:
        ps.publish(b"__keyevent@%d__:%b" % (dbid, event), key)


def key_evicted(server: Any, db: Any, key: bytes) -> None:
    """For the eviction engine, after it deleted ``key``: the ``evicted`` event and
    WATCH invalidation (Redis's performEvictions)."""
    notify(server, NOTIFY_EVICTED, b"evicted", key, db.index)
    if server.watching:
        from ..engine.multi import touch  # noqa: PLC0415

        touch(server, db, key, True)


def enabled(server: Any, type_bit: int) -> bool:
    """True when events of this class are published (to skip building argument lists)."""
    return bool(server.notify_flags & type_bit)


# ---- the events of each write command ----------------------------------------------------
#
# After a command changed data (``server.dirty`` moved) and notifications are on,
# dispatch, the EXEC runner and the blocked-client server call ``command_events``.  The
# events of each command are derived from its argv, its reply and the keys' state
# afterwards, in the order Redis 7.2's handlers emit them; e.g. a pop that empties
# its list is ``lpop`` then ``del``; a STORE whose result is empty is ``del`` (the
# destination existed, or nothing would have changed).
#
# A command is either in ``RULES`` or notifies from its own handler, never both.  The
# handlers notify where only they know what happened or the order needs it:
#   * DEL/UNLINK: which keys existed;
#   * SMOVE: whether ``dst`` already had the member;
#   * MSET/MSETNX: each key's ``set`` follows its own ``new``;
#   * LTRIM: ``ltrim`` even when nothing was trimmed;
#   * XADD (``xadd`` then ``xtrim``) and consumer creation (XREADGROUP, XCLAIM, ...);
#   * sorted sets, geo, HyperLogLog, SORT and RESTORE (persistence/dump.py), whose
#     modules call ``notify`` throughout.

_G = NOTIFY_GENERIC
_S = NOTIFY_STRING
_L = NOTIFY_LIST
_H = NOTIFY_HASH
_SET = NOTIFY_SET
_Z = NOTIFY_ZSET
_X = NOTIFY_STREAM
_EXPIRE_OPTS = frozenset((b"ex", b"px", b"exat", b"pxat"))


def _simple(cls: int, event: bytes, pos: int = 1) -> Any:
    def rule(c: Any, argv: list[bytes], reply: Any) -> None:
        notify(c.server, cls, event, argv[pos], c.db.index)
    return rule


def _then_del(c: Any, key: bytes) -> None:
    """The trailing ``del`` of a command that emptied (and so removed) ``key``."""
    if key not in c.db.data:
        notify(c.server, _G, b"del", key, c.db.index)


def _removing(cls: int, event: bytes, pos: int = 1) -> Any:
    def rule(c: Any, argv: list[bytes], reply: Any) -> None:
        notify(c.server, cls, event, argv[pos], c.db.index)
        _then_del(c, argv[pos])
    return rule


def _store(cls: int, event: bytes, pos: int = 1) -> Any:
    def rule(c: Any, argv: list[bytes], reply: Any) -> None:
        _store_event(c, cls, event, argv[pos])
    return rule


def _store_event(c: Any, cls: int, event: bytes, key: bytes) -> None:
    if key in c.db.data:
        notify(c.server, cls, event, key, c.db.index)
    else:
        notify(c.server, _G, b"del", key, c.db.index)


def _set(c: Any, argv: list[bytes], reply: Any) -> None:
    server, i, key = c.server, c.db.index, argv[1]
    notify(server, _S, b"set", key, i)
    for a in argv[3:]:
        if len(a) <= 4 and a.lower() in _EXPIRE_OPTS:
            notify(server, _G, b"expire", key, i)
            break


def _set_expire(c: Any, argv: list[bytes], reply: Any) -> None:
    notify(c.server, _S, b"set", argv[1], c.db.index)
    notify(c.server, _G, b"expire", argv[1], c.db.index)


def _expire(c: Any, argv: list[bytes], reply: Any) -> None:
    key = argv[1]
    notify(c.server, _G, b"expire" if key in c.db.data else b"del", key, c.db.index)


def _getex(c: Any, argv: list[bytes], reply: Any) -> None:
    key = argv[1]
    for a in argv[2:]:
        a = a.lower()
        if a == b"persist":
            notify(c.server, _G, b"persist", key, c.db.index)
            return
        if a in _EXPIRE_OPTS:
            _expire(c, argv, reply)
            return


def _rename(c: Any, argv: list[bytes], reply: Any) -> None:
    notify(c.server, _G, b"rename_from", argv[1], c.db.index)
    notify(c.server, _G, b"rename_to", argv[2], c.db.index)


def _move(c: Any, argv: list[bytes], reply: Any) -> None:
    notify(c.server, _G, b"move_from", argv[1], c.db.index)
    notify(c.server, _G, b"move_to", argv[1], int(argv[2]))


def _copy(c: Any, argv: list[bytes], reply: Any) -> None:
    dbid = c.db.index
    for j in range(3, len(argv) - 1):
        if argv[j].lower() == b"db":
            dbid = int(argv[j + 1])
    notify(c.server, _G, b"copy_to", argv[2], dbid)


def _lmove_events(c: Any, src: bytes, dst: bytes, pop: bytes, push: bytes) -> None:
    server, i = c.server, c.db.index
    notify(server, _L, push, dst, i)
    notify(server, _L, pop, src, i)
    _then_del(c, src)


def _rpoplpush(c: Any, argv: list[bytes], reply: Any) -> None:
    _lmove_events(c, argv[1], argv[2], b"rpop", b"lpush")


def _lmove(c: Any, argv: list[bytes], reply: Any) -> None:
    _lmove_events(c, argv[1], argv[2], b"lpop" if argv[3].lower() == b"left" else b"rpop",
                  b"lpush" if argv[4].lower() == b"left" else b"rpush")


def _popped_key(cls: int, event: bytes) -> Any:
    """BLPOP/BZPOPMIN-style: the reply names the key served."""
    def rule(c: Any, argv: list[bytes], reply: Any) -> None:
        if isinstance(reply, list) and reply:
            notify(c.server, cls, event, reply[0], c.db.index)
            _then_del(c, reply[0])
    return rule


def _mpop(cls: int, first: int, events: dict) -> Any:
    """LMPOP/ZMPOP (``first`` = position of numkeys): the direction follows the keys."""
    def rule(c: Any, argv: list[bytes], reply: Any) -> None:
        if not isinstance(reply, list) or not reply:
            return
        where = argv[first + 1 + int(argv[first])].lower()
        notify(c.server, cls, events[where], reply[0], c.db.index)
        _then_del(c, reply[0])
    return rule


RULES: dict[bytes, Any] = {
    # strings, bitmaps, HyperLogLog
    b"set": _set, b"setnx": _simple(_S, b"set"), b"getset": _simple(_S, b"set"),
    b"setex": _set_expire, b"psetex": _set_expire,
    b"append": _simple(_S, b"append"), b"setrange": _simple(_S, b"setrange"),
    b"incr": _simple(_S, b"incrby"), b"decr": _simple(_S, b"incrby"),
    b"incrby": _simple(_S, b"incrby"), b"decrby": _simple(_S, b"incrby"),
    b"incrbyfloat": _simple(_S, b"incrbyfloat"),
    b"getdel": _simple(_G, b"del"), b"getex": _getex,
    b"setbit": _simple(_S, b"setbit"), b"bitfield": _simple(_S, b"setbit"),
    b"bitop": _store(_S, b"set", 2),
    # generic
    b"expire": _expire, b"pexpire": _expire, b"expireat": _expire, b"pexpireat": _expire,
    b"persist": _simple(_G, b"persist"), b"rename": _rename, b"renamenx": _rename,
    b"move": _move, b"copy": _copy,
    # lists
    b"lpush": _simple(_L, b"lpush"), b"rpush": _simple(_L, b"rpush"),
    b"lpushx": _simple(_L, b"lpush"), b"rpushx": _simple(_L, b"rpush"),
    b"linsert": _simple(_L, b"linsert"), b"lset": _simple(_L, b"lset"),
    b"lpop": _removing(_L, b"lpop"), b"rpop": _removing(_L, b"rpop"),
    b"lrem": _removing(_L, b"lrem"),
    b"rpoplpush": _rpoplpush, b"brpoplpush": _rpoplpush, b"lmove": _lmove, b"blmove": _lmove,
    b"blpop": _popped_key(_L, b"lpop"), b"brpop": _popped_key(_L, b"rpop"),
    b"lmpop": _mpop(_L, 1, {b"left": b"lpop", b"right": b"rpop"}),
    b"blmpop": _mpop(_L, 2, {b"left": b"lpop", b"right": b"rpop"}),
    # hashes
    b"hset": _simple(_H, b"hset"), b"hmset": _simple(_H, b"hset"), b"hsetnx": _simple(_H, b"hset"),
    b"hdel": _removing(_H, b"hdel"), b"hincrby": _simple(_H, b"hincrby"),
    b"hincrbyfloat": _simple(_H, b"hincrbyfloat"),
    # sets
    b"sadd": _simple(_SET, b"sadd"), b"srem": _removing(_SET, b"srem"),
    b"spop": _removing(_SET, b"spop"),
    b"sinterstore": _store(_SET, b"sinterstore"), b"sunionstore": _store(_SET, b"sunionstore"),
    b"sdiffstore": _store(_SET, b"sdiffstore"),
    # streams
    b"xtrim": _simple(_X, b"xtrim"), b"xdel": _simple(_X, b"xdel"),
    b"xsetid": _simple(_X, b"xsetid"),
    b"xgroup|create": _simple(_X, b"xgroup-create", 2),
    b"xgroup|setid": _simple(_X, b"xgroup-setid", 2),
    b"xgroup|destroy": _simple(_X, b"xgroup-destroy", 2),
    b"xgroup|createconsumer": _simple(_X, b"xgroup-createconsumer", 2),
    b"xgroup|delconsumer": _simple(_X, b"xgroup-delconsumer", 2),
}


def command_events(c: Any, spec: Any, argv: list[bytes], reply: Any) -> None:
    """Publish the keyspace events of a command that changed data."""
    rule = RULES.get(spec.fullname) if spec is not None else None
    if rule is not None:
        try:
            rule(c, argv, reply)
        except Exception as e:  # noqa: BLE001  (runs after the reply is decided: never escape)
            c.server.log_exception(e, argv)
