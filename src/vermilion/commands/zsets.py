"""Sorted-set commands (Redis's t_zset.c command layer) over ``datatypes.zset.ZSet``.

Every handler validates all its arguments first (in Redis's order, so the same bad
request gets the same error), then looks the key up, then mutates.  Emptied sorted sets
are deleted.  Scores are replied as ``Double`` (a RESP3 double, a RESP2 bulk string in
Redis 7.2's shortest form); ``WITHSCORES`` pairs are flat in RESP2 and nested in RESP3.

Encoding: a sorted set is "listpack" until it exceeds ``zset-max-listpack-entries``
elements or holds a member longer than ``zset-max-listpack-value``; then "skiplist" for
good (``ZSet.big``).  New sets are created with Redis's size hints (zsetTypeCreate).
"""

from __future__ import annotations

import random
from typing import Any

from ..datatypes.zset import ZSet, parse_bound, parse_lex_bound, parse_score
from ..engine.blocking import block, may_block, parse_timeout_s, signal_key_ready
from ..keyspace.notify import NOTIFY_GENERIC, NOTIFY_ZSET, notify
from ..keyspace.scan import parse_cursor
from ..keyspace.types import TYPE_NAMES, register_type
from ..protocol.errors import CommandError, NotFloat, NotInteger, SyntaxErr, WrongType, err
from ..protocol.encoder import format_double
from ..protocol.reply import Double, NullArray, Raw
from ..protocol.resp_parser import string2ll
from ..util.glob import compile_glob
from .registry import command
from .spec import arg, ks

register_type(ZSet, b"zset", lambda v, server: b"skiplist" if v.big else b"listpack")

LONG_MAX = 2**63 - 1
NAN_ERR = b"ERR resulting score is not a number (NaN)"
NOT_FLOAT_RANGE = b"ERR min or max is not a float"
NOT_LEX_RANGE = b"ERR min or max not valid string range item"


# ---- helpers -------------------------------------------------------------------------------

def limits(c: Any) -> tuple[int, int]:
    cfg = c.server.config
    return cfg.get("zset-max-listpack-entries", 128), cfg.get("zset-max-listpack-value", 64)


def new_zset(c: Any, size_hint: int, len_hint: int) -> ZSet:
    """zsetTypeCreate: listpack when the hints fit, else skiplist from the start."""
    z = ZSet()
    max_entries, max_value = limits(c)
    if size_hint > max_entries or len_hint > max_value:
        z.big = True
    return z


def stored_zset(c: Any, scores: dict[bytes, float]) -> ZSet:
    """A result set for a STORE command, encoded as zsetConvertToListpackIfNeeded does."""
    max_entries, max_value = limits(c)
    big = len(scores) > max_entries or bool(scores and max(map(len, scores)) > max_value)
    if not big:
        for m, s in scores.items():
            if s == 0.0:
                scores[m] = 0.0  # listpack: integral scores are stored as integers (no -0)
    z = ZSet.from_scores(scores)
    z.big = big
    return z


def store_result(c: Any, dst: bytes, z: ZSet, event: bytes) -> int:
    """Store a STORE command's result (an empty one deletes ``dst``), with its event."""
    db = c.db
    if len(z):
        db.set(dst, z)
        signal_key_ready(db, dst)
        notify(c.server, NOTIFY_ZSET, event, dst, db.index)
    else:
        delete_key(c, dst)
    return len(z)


def delete_key(c: Any, key: bytes) -> None:
    """Delete ``key`` if it exists, with the generic ``del`` event."""
    if c.db.delete(key):
        notify(c.server, NOTIFY_GENERIC, b"del", key, c.db.index)


def get_zset(c: Any, key: bytes) -> ZSet | None:
    return c.db.get_typed(key, ZSet)


def get_zset_w(c: Any, key: bytes) -> ZSet | None:
    return c.db.get_typed(key, ZSet, read=False)


def int_arg(raw: bytes) -> int:
    v = string2ll(raw)
    if v is None:
        raise NotInteger()
    return v


def score_arg(raw: bytes) -> float:
    v = parse_score(raw)
    if v is None:
        raise NotFloat()
    return v


def score_range(raw_min: bytes, raw_max: bytes) -> tuple[float, bool, float, bool]:
    lo, hi = parse_bound(raw_min), parse_bound(raw_max)
    if lo is None or hi is None:
        raise CommandError(NOT_FLOAT_RANGE)
    return lo[0], lo[1], hi[0], hi[1]


def lex_range(raw_min: bytes, raw_max: bytes) -> tuple:
    lo, hi = parse_lex_bound(raw_min), parse_lex_bound(raw_max)
    if lo is None or hi is None:
        raise CommandError(NOT_LEX_RANGE)
    return lo, hi


def lex_positions(z: ZSet, lo: tuple, hi: tuple, rev: bool = False) -> tuple[int, int]:
    if lo[0] == 1 or hi[0] == -1:
        return 0, 0
    return z.lex_span(None if lo[0] == -1 else lo[1], lo[2], None if hi[0] == 1 else hi[1], hi[2], rev)


def rank_positions(n: int, start: int, end: int) -> tuple[int, int]:
    """Redis's rank sanitising: (start, stop) positions, empty when out of range."""
    if start < 0:
        start += n
    if end < 0:
        end += n
    if start < 0:
        start = 0
    if start > end or start >= n:
        return 0, 0
    if end >= n:
        end = n - 1
    return start, end + 1


def emit(items: list, withscores: bool, resp: int) -> Raw:
    """Reply for (score, member) items: members, or member/score pairs (flat in RESP2,
    nested in RESP3), encoded here in one pass (``Raw``): range replies are the hot
    path of sorted sets, and the generic encoder costs two calls per element."""
    if not withscores:
        return Raw(b"*%d\r\n%b" % (len(items), b"".join([b"$%d\r\n%b\r\n" % (len(m), m) for _, m in items])))
    fmt = format_double
    if resp == 3:
        body = b"".join([b"*2\r\n$%d\r\n%b\r\n,%b\r\n" % (len(m), m, fmt(s)) for s, m in items])
        return Raw(b"*%d\r\n%b" % (len(items), body))
    parts = []
    for s, m in items:
        f = fmt(s)
        parts.append(b"$%d\r\n%b\r\n$%d\r\n%b\r\n" % (len(m), m, len(f), f))
    return Raw(b"*%d\r\n%b" % (2 * len(items), b"".join(parts)))


def window(start: int, stop: int, offset: int, limit: int, rev: bool) -> tuple[int, int]:
    """Apply LIMIT offset count to positions [start, stop) walked forward or backward."""
    if offset < 0:
        return 0, 0
    if rev:
        hi = stop - offset
        lo = start if limit < 0 else max(start, hi - limit)
        return lo, max(lo, hi)
    lo = start + offset
    hi = stop if limit < 0 else min(stop, lo + limit)
    return lo, max(lo, hi)


# ---- ZADD / ZINCRBY ------------------------------------------------------------------------

ZADD_OPTS = {b"nx": 1, b"xx": 2, b"ch": 4, b"incr": 8, b"gt": 16, b"lt": 32}


def zadd_generic(c: Any, argv: list[bytes], flags: int) -> Any:
    """zaddGenericCommand (ZADD, ZINCRBY, GEOADD): options, then all scores, then apply."""
    key = argv[1]
    idx = 2
    n = len(argv)
    opt = ZADD_OPTS.get
    while idx < n:
        f = opt(argv[idx].lower())
        if f is None:
            break
        flags |= f
        idx += 1
    elements = n - idx
    if elements % 2 or not elements:
        raise SyntaxErr()
    elements //= 2
    if flags:
        nx, xx, ch, incr, gt, lt = (flags & 1, flags & 2, flags & 4, flags & 8, flags & 16, flags & 32)
        if nx and xx:
            raise err("XX and NX options at the same time are not compatible")
        if (gt and nx) or (lt and nx) or (gt and lt):
            raise err("GT, LT, and/or NX options at the same time are not compatible")
        if incr and elements > 1:
            raise err("INCR option supports a single increment-element pair")
    else:
        nx = xx = ch = incr = gt = lt = 0
    if elements == 1:
        score = parse_score(argv[idx])
        if score is None:
            raise NotFloat()
        scores = [score]
    else:
        scores = [score_arg(argv[i]) for i in range(idx, n, 2)]
    members = argv[idx + 1:n:2]
    db = c.db
    z = db.get_typed(key, ZSet, read=False)
    added = updated = processed = 0
    score = 0.0
    if z is None:
        if xx:
            return None if incr else 0
        z = new_zset(c, elements, max(map(len, members)))
        db.set(key, z)
        signal_key_ready(db, key)
    elif elements > 1 and not z.big and elements > limits(c)[0]:
        z.big = True  # zsetTypeMaybeConvert: this many new entries cannot fit a listpack
    zscores = z.scores
    if z.big:
        max_entries = max_value = -1
    else:
        max_entries, max_value = limits(c)
    try:
        for score, member in zip(scores, members):
            cur = zscores.get(member)
            if cur is not None:
                if nx:
                    continue
                if incr:
                    score += cur
                    if score != score:
                        raise CommandError(NAN_ERR)
                if (lt and score >= cur) or (gt and score <= cur):
                    continue
                processed += 1
                if score != cur:
                    z.add(member, score)
                    updated += 1
            elif not xx:
                if max_entries >= 0 and (len(zscores) + 1 > max_entries or len(member) > max_value):
                    z.big = True  # zsetAdd converts before inserting the element that overflows
                    max_entries = -1
                z.add(member, score)
                added += 1
                processed += 1
    finally:
        c.server.dirty += added + updated
        if added or updated:
            notify(c.server, NOTIFY_ZSET, b"zincr" if incr else b"zadd", key, db.index)
        if not zscores:
            delete_key(c, key)
    if incr:
        return Double(score) if processed else None
    return added + updated if ch else added


@command('zadd', arity=-4, flags='write denyoom fast', acl='sortedset',
         group='sorted-set', since='1.2.0',
         summary='Add one or more members to a sorted set, or update its score if it already exists',
         complexity='O(log(N)) for each item added, where N is the number of elements in the sorted set.',
         keys=[ks('RW UPDATE', 1)],
         history=(('2.4.0', 'Accepts multiple elements.'),
                  ('3.0.2', 'Added the `XX`, `NX`, `CH` and `INCR` options.'),
                  ('6.2.0', 'Added the `GT` and `LT` options.')),
         args=(
            arg('key', 'key', key_spec_index=0),
            arg('condition', 'oneof', since='3.0.2', flags=('optional',), arguments=(
                    arg('nx', 'pure-token', token='NX'),
                    arg('xx', 'pure-token', token='XX'),
                )),
            arg('comparison', 'oneof', since='6.2.0', flags=('optional',), arguments=(
                    arg('gt', 'pure-token', token='GT'),
                    arg('lt', 'pure-token', token='LT'),
                )),
            arg('change', 'pure-token', token='CH', since='3.0.2', flags=('optional',)),
            arg('increment', 'pure-token', token='INCR', since='3.0.2', flags=('optional',)),
            arg('score_member', 'block', flags=('multiple',), arguments=(
                    arg('score', 'double'),
                    arg('member', 'string'),
                )),
         ))
def cmd_zadd(c: Any, argv: list[bytes]) -> Any:
    return zadd_generic(c, argv, 0)


@command('zincrby', arity=4, flags='write denyoom fast', acl='sortedset',
         group='sorted-set', since='1.2.0',
         summary='Increment the score of a member in a sorted set',
         complexity='O(log(N)) where N is the number of elements in the sorted set.',
         keys=[ks('RW ACCESS UPDATE', 1)],
         args=(
            arg('key', 'key', key_spec_index=0),
            arg('increment', 'integer'),
            arg('member', 'string'),
         ))
def cmd_zincrby(c: Any, argv: list[bytes]) -> Any:
    return zadd_generic(c, argv, 8)


# ---- simple reads and ZREM ------------------------------------------------------------------

@command('zrem', arity=-3, flags='write fast', acl='sortedset',
         group='sorted-set', since='1.2.0',
         summary='Remove one or more members from a sorted set',
         complexity='O(M*log(N)) with N being the number of elements in the sorted set and M the number of elements to be removed.',
         keys=[ks('RW DELETE', 1)],
         history=(('2.4.0', 'Accepts multiple elements.'),),
         args=(
            arg('key', 'key', key_spec_index=0),
            arg('member', 'string', flags=('multiple',)),
         ))
def cmd_zrem(c: Any, argv: list[bytes]) -> Any:
    z = get_zset_w(c, argv[1])
    if z is None:
        return 0
    deleted = 0
    for m in argv[2:]:
        if z.remove(m):
            deleted += 1
            if not len(z):
                break
    if deleted:
        c.server.dirty += deleted
        notify(c.server, NOTIFY_ZSET, b"zrem", argv[1], c.db.index)
        if not len(z):
            delete_key(c, argv[1])
    return deleted


@command('zcard', arity=2, flags='readonly fast', acl='sortedset',
         group='sorted-set', since='1.2.0',
         summary='Get the number of members in a sorted set',
         complexity='O(1)',
         keys=[ks('RO', 1)],
         args=(
            arg('key', 'key', key_spec_index=0),
         ))
def cmd_zcard(c: Any, argv: list[bytes]) -> Any:
    z = get_zset(c, argv[1])
    return 0 if z is None else len(z)


@command('zscore', arity=3, flags='readonly fast', acl='sortedset',
         group='sorted-set', since='1.2.0',
         summary='Get the score associated with the given member in a sorted set',
         complexity='O(1)',
         keys=[ks('RO ACCESS', 1)],
         args=(
            arg('key', 'key', key_spec_index=0),
            arg('member', 'string'),
         ))
def cmd_zscore(c: Any, argv: list[bytes]) -> Any:
    z = get_zset(c, argv[1])
    if z is None:
        return None
    s = z.scores.get(argv[2])
    return None if s is None else Double(s)


@command('zmscore', arity=-3, flags='readonly fast', acl='sortedset',
         group='sorted-set', since='6.2.0',
         summary='Get the score associated with the given members in a sorted set',
         complexity='O(N) where N is the number of members being requested.',
         keys=[ks('RO ACCESS', 1)],
         args=(
            arg('key', 'key', key_spec_index=0),
            arg('member', 'string', flags=('multiple',)),
         ))
def cmd_zmscore(c: Any, argv: list[bytes]) -> Any:
    z = get_zset(c, argv[1])
    if z is None:
        return [None] * (len(argv) - 2)
    get = z.scores.get
    return [None if (s := get(m)) is None else Double(s) for m in argv[2:]]


@command('zcount', arity=4, flags='readonly fast', acl='sortedset',
         group='sorted-set', since='2.0.0',
         summary='Count the members in a sorted set with scores within the given values',
         complexity='O(log(N)) with N being the number of elements in the sorted set.',
         keys=[ks('RO ACCESS', 1)],
         args=(
            arg('key', 'key', key_spec_index=0),
            arg('min', 'double'),
            arg('max', 'double'),
         ))
def cmd_zcount(c: Any, argv: list[bytes]) -> Any:
    lo, lo_ex, hi, hi_ex = score_range(argv[2], argv[3])
    z = get_zset(c, argv[1])
    if z is None:
        return 0
    a, b = z.score_span(lo, lo_ex, hi, hi_ex)
    return b - a


@command('zlexcount', arity=4, flags='readonly fast', acl='sortedset',
         group='sorted-set', since='2.8.9',
         summary='Count the number of members in a sorted set between a given lexicographical range',
         complexity='O(log(N)) with N being the number of elements in the sorted set.',
         keys=[ks('RO ACCESS', 1)],
         args=(
            arg('key', 'key', key_spec_index=0),
            arg('min', 'string'),
            arg('max', 'string'),
         ))
def cmd_zlexcount(c: Any, argv: list[bytes]) -> Any:
    lo, hi = lex_range(argv[2], argv[3])
    z = get_zset(c, argv[1])
    if z is None:
        return 0
    a, b = lex_positions(z, lo, hi)
    return b - a


def zrank_generic(c: Any, argv: list[bytes], rev: bool) -> Any:
    if len(argv) > 4:
        raise CommandError(b"ERR wrong number of arguments for '%s' command" % (b"zrevrank" if rev else b"zrank"))
    withscore = False
    if len(argv) == 4:
        if argv[3].lower() != b"withscore":
            raise SyntaxErr()
        withscore = True
    z = get_zset(c, argv[1])
    null = NullArray if withscore else None
    if z is None:
        return null
    r = z.rank(argv[2])
    if r is None:
        return null
    if rev:
        r = len(z) - 1 - r
    return [r, Double(z.scores[argv[2]])] if withscore else r


@command('zrank', arity=-3, flags='readonly fast', acl='sortedset',
         group='sorted-set', since='2.0.0',
         summary='Determine the index of a member in a sorted set',
         complexity='O(log(N))',
         keys=[ks('RO ACCESS', 1)],
         history=(('7.2.0', 'Added the optional `WITHSCORE` argument.'),),
         args=(
            arg('key', 'key', key_spec_index=0),
            arg('member', 'string'),
            arg('withscore', 'pure-token', token='WITHSCORE', since='7.2.0', flags=('optional',)),
         ))
def cmd_zrank(c: Any, argv: list[bytes]) -> Any:
    return zrank_generic(c, argv, False)


@command('zrevrank', arity=-3, flags='readonly fast', acl='sortedset',
         group='sorted-set', since='2.0.0',
         summary='Determine the index of a member in a sorted set, with scores ordered from high to low',
         complexity='O(log(N))',
         keys=[ks('RO ACCESS', 1)],
         history=(('7.2.0', 'Added the optional `WITHSCORE` argument.'),),
         args=(
            arg('key', 'key', key_spec_index=0),
            arg('member', 'string'),
            arg('withscore', 'pure-token', token='WITHSCORE', since='7.2.0', flags=('optional',)),
         ))
def cmd_zrevrank(c: Any, argv: list[bytes]) -> Any:
    return zrank_generic(c, argv, True)


# ---- the ZRANGE family -----------------------------------------------------------------------

RANK, SCORE, LEX = 0, 1, 2


def zrange_generic(c: Any, argv: list[bytes], start_idx: int, store: bytes | None,
                   rangetype: int | None, rev: bool | None) -> Any:
    """zrangeGenericCommand: one parser and one engine for every ZRANGE variant.

    ``rangetype``/``rev`` are None where the command lets options choose (ZRANGE,
    ZRANGESTORE) and fixed for the legacy commands.
    """
    key = argv[start_idx]
    minidx, maxidx = start_idx + 1, start_idx + 2
    withscores = False
    offset, limit = 0, -1
    n = len(argv)
    j = start_idx + 3
    auto_dir = rev is None
    auto_type = rangetype is None
    while j < n:
        opt = argv[j].lower()
        left = n - j - 1
        if store is None and opt == b"withscores":
            withscores = True
        elif opt == b"limit" and left >= 2:
            offset = int_arg(argv[j + 1])
            limit = int_arg(argv[j + 2])
            j += 2
        elif auto_dir and opt == b"rev":
            rev = True
        elif auto_type and rangetype is None and opt == b"bylex":
            rangetype = LEX
        elif auto_type and rangetype is None and opt == b"byscore":
            rangetype = SCORE
        else:
            raise SyntaxErr()
        j += 1
    rev = bool(rev)
    if rangetype is None:
        rangetype = RANK
    if limit != -1 and rangetype == RANK:
        raise err("syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX")
    if withscores and rangetype == LEX:
        raise err("syntax error, WITHSCORES not supported in combination with BYLEX")
    if rev and rangetype != RANK:
        minidx, maxidx = maxidx, minidx
    if rangetype == RANK:
        r_start, r_end = int_arg(argv[minidx]), int_arg(argv[maxidx])
    elif rangetype == SCORE:
        srange = score_range(argv[minidx], argv[maxidx])
    else:
        lrange = lex_range(argv[minidx], argv[maxidx])
    z = get_zset(c, key)
    if z is None:
        if store is not None:
            delete_key(c, store)
            return 0
        return []
    order = z.order
    if rangetype == RANK:
        nz = len(z)
        if rev:
            a, b = rank_positions(nz, r_start, r_end)
            lo, hi = nz - b, nz - a
            if a >= b:
                lo = hi = 0
        else:
            lo, hi = rank_positions(nz, r_start, r_end)
    else:
        if rangetype == SCORE:
            a, b = z.score_span(*srange)
        else:
            a, b = lex_positions(z, *lrange, rev)
        lo, hi = window(a, b, offset, limit, rev)
    items = order.slice(lo, hi)
    if store is not None:
        return store_result(c, store, stored_zset(c, {m: s for s, m in items}), b"zrangestore")
    if rev:
        items.reverse()
    return emit(items, withscores, c.resp)


@command('zrange', arity=-4, flags='readonly', acl='sortedset',
         group='sorted-set', since='1.2.0',
         summary='Return a range of members in a sorted set',
         complexity='O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.',
         keys=[ks('RO ACCESS', 1)],
         history=(('6.2.0', 'Added the `REV`, `BYSCORE`, `BYLEX` and `LIMIT` options.'),),
         args=(
            arg('key', 'key', key_spec_index=0),
            arg('start', 'string'),
            arg('stop', 'string'),
            arg('sortby', 'oneof', since='6.2.0', flags=('optional',), arguments=(
                    arg('byscore', 'pure-token', token='BYSCORE'),
                    arg('bylex', 'pure-token', token='BYLEX'),
                )),
            arg('rev', 'pure-token', token='REV', since='6.2.0', flags=('optional',)),
            arg('offset_count', 'block', token='LIMIT', since='6.2.0', flags=('optional',), arguments=(
                    arg('offset', 'integer'),
                    arg('count', 'integer'),
                )),
            arg('withscores', 'pure-token', token='WITHSCORES', flags=('optional',)),
         ))
def cmd_zrange(c: Any, argv: list[bytes]) -> Any:
    return zrange_generic(c, argv, 1, None, None, None)


@command('zrangestore', arity=-5, flags='write denyoom', acl='sortedset',
         group='sorted-set', since='6.2.0',
         summary='Store a range of members from sorted set into another key',
         complexity='O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements stored into the destination key.',
         keys=[ks('OW UPDATE', 1), ks('RO ACCESS', 2)],
         args=(
            arg('dst', 'key', key_spec_index=0),
            arg('src', 'key', key_spec_index=1),
            arg('min', 'string'),
            arg('max', 'string'),
            arg('sortby', 'oneof', flags=('optional',), arguments=(
                    arg('byscore', 'pure-token', token='BYSCORE'),
                    arg('bylex', 'pure-token', token='BYLEX'),
                )),
            arg('rev', 'pure-token', token='REV', flags=('optional',)),
            arg('offset_count', 'block', token='LIMIT', flags=('optional',), arguments=(
                    arg('offset', 'integer'),
                    arg('count', 'integer'),
                )),
         ))
def cmd_zrangestore(c: Any, argv: list[bytes]) -> Any:
    return zrange_generic(c, argv, 2, argv[1], None, None)


@command('zrangebyscore', arity=-4, flags='readonly', acl='sortedset',
         group='sorted-set', since='1.0.5',
         summary='Return a range of members in a sorted set, by score',
         complexity='O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).',
         keys=[ks('RO ACCESS', 1)],
         doc_flags=('deprecated',),
         deprecated_since='6.2.0',
         replaced_by='`ZRANGE` with the `BYSCORE` argument',
         history=(('2.0.0', 'Added the `WITHSCORES` modifier.'),),
         args=(
            arg('key', 'key', key_spec_index=0),
            arg('min', 'double'),
            arg('max', 'double'),
            arg('withscores', 'pure-token', token='WITHSCORES', since='2.0.0', flags=('optional',)),
            arg('offset_count', 'block', token='LIMIT', flags=('optional',), arguments=(
                    arg('offset', 'integer'),
                    arg('count', 'integer'),
                )),
         ))
def cmd_zrangebyscore(c: Any, argv: list[bytes]) -> Any:
    return zrange_generic(c, argv, 1, None, SCORE, False)


@command('zrevrangebyscore', arity=-4, flags='readonly', acl='sortedset',
         group='sorted-set', since='2.2.0',
         summary='Return a range of members in a sorted set, by score, with scores ordered from high to low',
         complexity='O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).',
         keys=[ks('RO ACCESS', 1)],
         doc_flags=('deprecated',),
         deprecated_since='6.2.0',
         replaced_by='`ZRANGE` with the `REV` and `BYSCORE` arguments',
         history=(('2.1.6', '`min` and `max` can be exclusive.'),),
         args=(
            arg('key', 'key', key_spec_index=0),
            arg('max', 'double'),
            arg('min', 'double'),
            arg('withscores', 'pure-token', token='WITHSCORES', flags=('optional',)),
            arg('offset_count', 'block', token='LIMIT', flags=('optional',), arguments=(
                    arg('offset', 'integer'),
                    arg('count', 'integer'),
                )),
         ))
def cmd_zrevrangebyscore(c: Any, argv: list[bytes]) -> Any:
    return zrange_generic(c, argv, 1, None, SCORE, True)


@command('zrangebylex', arity=-4, flags='readonly', acl='sortedset',
         group='sorted-set', since='2.8.9',
         summary='Return a range of members in a sorted set, by lexicographical range',
         complexity='O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).',
         keys=[ks('RO ACCESS', 1)],
         doc_flags=('deprecated',),
         deprecated_since='6.2.0',
         replaced_by='`ZRANGE` with the `BYLEX` argument',
         args=(
            arg('key', 'key', key_spec_index=0),
            arg('min', 'string'),
            arg('max', 'string'),
            arg('offset_count', 'block', token='LIMIT', flags=('optional',), arguments=(
                    arg('offset', 'integer'),
                    arg('count', 'integer'),
                )),
         ))
def cmd_zrangebylex(c: Any, argv: list[bytes]) -> Any:
    return zrange_generic(c, argv, 1, None, LEX, False)


@command('zrevrangebylex', arity=-4, flags='readonly', acl='sortedset',
         group='sorted-set', since='2.8.9',
         summary='Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings.',
         complexity='O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).',
         keys=[ks('RO ACCESS', 1)],
         doc_flags=('deprecated',),
         deprecated_since='6.2.0',
         replaced_by='`ZRANGE` with the `REV` and `BYLEX` arguments',
         args=(
            arg('key', 'key', key_spec_index=0),
            arg('max', 'string'),
            arg('min', 'string'),
            arg('offset_count', 'block', token='LIMIT', flags=('optional',), arguments=(
                    arg('offset', 'integer'),
                    arg('count', 'integer'),
                )),
         ))
def cmd_zrevrangebylex(c: Any, argv: list[bytes]) -> Any:
    return zrange_generic(c, argv, 1, None, LEX, True)


@command('zrevrange', arity=-4, flags='readonly', acl='sortedset',
         group='sorted-set', since='1.2.0',
         summary='Return a range of members in a sorted set, by index, with scores ordered from high to low',
         complexity='O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.',
         keys=[ks('RO ACCESS', 1)],
         doc_flags=('deprecated',),
         deprecated_since='6.2.0',
         replaced_by='`ZRANGE` with the `REV` argument',
         args=(
            arg('key', 'key', key_spec_index=0),
            arg('start', 'integer'),
            arg('stop', 'integer'),
            arg('withscores', 'pure-token', token='WITHSCORES', flags=('optional',)),
         ))
def cmd_zrevrange(c: Any, argv: list[bytes]) -> Any:
    return zrange_generic(c, argv, 1, None, RANK, True)


# ---- ZREMRANGEBY* ------------------------------------------------------------------------------

def zremrange_generic(c: Any, argv: list[bytes], rangetype: int) -> Any:
    if rangetype == RANK:
        start, end = int_arg(argv[2]), int_arg(argv[3])
    elif rangetype == SCORE:
        srange = score_range(argv[2], argv[3])
    else:
        lrange = lex_range(argv[2], argv[3])
    z = get_zset_w(c, argv[1])
    if z is None:
        return 0
    if rangetype == RANK:
        a, b = rank_positions(len(z), start, end)
    elif rangetype == SCORE:
        a, b = z.score_span(*srange)
    else:
        a, b = lex_positions(z, *lrange)
    if a >= b:
        return 0
    scores = z.scores
    for _, m in z.order.slice(a, b):
        del scores[m]
    z.order.delete_slice(a, b)
    c.server.dirty += b - a
    notify(c.server, NOTIFY_ZSET, REMRANGE_EVENTS[rangetype], argv[1], c.db.index)
    if not scores:
        delete_key(c, argv[1])
    return b - a


REMRANGE_EVENTS = {RANK: b"zremrangebyrank", SCORE: b"zremrangebyscore", LEX: b"zremrangebylex"}


@command('zremrangebyrank', arity=4, flags='write', acl='sortedset',
         group='sorted-set', since='2.0.0',
         summary='Remove all members in a sorted set within the given indexes',
         complexity='O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.',
         keys=[ks('RW DELETE', 1)],
         args=(
            arg('key', 'key', key_spec_index=0),
            arg('start', 'integer'),
            arg('stop', 'integer'),
         ))
def cmd_zremrangebyrank(c: Any, argv: list[bytes]) -> Any:
    return zremrange_generic(c, argv, RANK)


@command('zremrangebyscore', arity=4, flags='write', acl='sortedset',
         group='sorted-set', since='1.2.0',
         summary='Remove all members in a sorted set within the given scores',
         complexity='O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.',
         keys=[ks('RW DELETE', 1)],
         args=(
            arg('key', 'key', key_spec_index=0),
            arg('min', 'double'),
            arg('max', 'double'),
         ))
def cmd_zremrangebyscore(c: Any, argv: list[bytes]) -> Any:
    return zremrange_generic(c, argv, SCORE)


@command('zremrangebylex', arity=4, flags='write', acl='sortedset',
         group='sorted-set', since='2.8.9',
         summary='Remove all members in a sorted set between the given lexicographical range',
         complexity='O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.',
         keys=[ks('RW DELETE', 1)],
         args=(
            arg('key', 'key', key_spec_index=0),
            arg('min', 'string'),
            arg('max', 'string'),
         ))
def cmd_zremrangebylex(c: Any, argv: list[bytes]) -> Any:
    return zremrange_generic(c, argv, LEX)


# ---- pops -------------------------------------------------------------------------------------

def pop_items(c: Any, key: bytes, z: ZSet, count: int, maximum: bool) -> list:
    """Remove and return up to ``count`` (score, member) items from one end."""
    n = len(z)
    k = min(count, n)
    if maximum:
        items = z.order.slice(n - k, n)
        items.reverse()
        z.order.delete_slice(n - k, n)
    else:
        items = z.order.slice(0, k)
        z.order.delete_slice(0, k)
    scores = z.scores
    for _, m in items:
        del scores[m]
    c.server.dirty += 1
    notify(c.server, NOTIFY_ZSET, b"zpopmax" if maximum else b"zpopmin", key, c.db.index)
    if not scores:
        delete_key(c, key)
    return items


def first_nonempty(c: Any, keys: list[bytes]) -> tuple[bytes, ZSet] | None:
    """The first existing key (type-checked in order, as genericZpopCommand does)."""
    for key in keys:
        z = get_zset_w(c, key)
        if z is not None:
            return key, z
    return None


def positive_count(raw: bytes, msg: str = "value is out of range, must be positive") -> int:
    """getPositiveLongFromObjectOrReply: any failure answers ``msg``."""
    v = string2ll(raw)
    if v is None or v < 0:
        raise err(msg)
    return v


def zpop_minmax(c: Any, argv: list[bytes], maximum: bool) -> Any:
    if len(argv) > 3:
        raise SyntaxErr()
    count = positive_count(argv[2]) if len(argv) == 3 else -1
    found = first_nonempty(c, [argv[1]])
    if found is None or count == 0:
        return []
    items = pop_items(c, found[0], found[1], 1 if count == -1 else count, maximum)
    if c.resp == 3 and count != -1:
        return emit(items, True, 3)
    return [x for s, m in items for x in (m, Double(s))]  # flat, doubles typed per protocol


@command('zpopmin', arity=-2, flags='write fast', acl='sortedset',
         group='sorted-set', since='5.0.0',
         summary='Remove and return members with the lowest scores in a sorted set',
         complexity='O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.',
         keys=[ks('RW ACCESS DELETE', 1)],
         args=(
            arg('key', 'key', key_spec_index=0),
            arg('count', 'integer', flags=('optional',)),
         ))
def cmd_zpopmin(c: Any, argv: list[bytes]) -> Any:
    return zpop_minmax(c, argv, False)


@command('zpopmax', arity=-2, flags='write fast', acl='sortedset',
         group='sorted-set', since='5.0.0',
         summary='Remove and return members with the highest scores in a sorted set',
         complexity='O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.',
         keys=[ks('RW ACCESS DELETE', 1)],
         args=(
            arg('key', 'key', key_spec_index=0),
            arg('count', 'integer', flags=('optional',)),
         ))
def cmd_zpopmax(c: Any, argv: list[bytes]) -> Any:
    return zpop_minmax(c, argv, True)


def range_long(raw: bytes, lo: int, msg: str) -> int:
    """getRangeLongFromObjectOrReply with a message: any failure answers ``msg``."""
    v = string2ll(raw)
    if v is None or v < lo:
        raise err(msg)
    return v


def parse_mpop(argv: list[bytes], numkeys_idx: int) -> tuple[list[bytes], bool, int]:
    """zmpopGenericCommand's parser: (keys, where_is_max, count)."""
    numkeys = range_long(argv[numkeys_idx], 1, "numkeys should be greater than 0")
    where_idx = numkeys_idx + numkeys + 1
    if where_idx >= len(argv):
        raise SyntaxErr()
    where = argv[where_idx].lower()
    if where not in (b"min", b"max"):
        raise SyntaxErr()
    count = -1
    j = where_idx + 1
    n = len(argv)
    while j < n:
        if count == -1 and argv[j].lower() == b"count" and n - 1 - j > 0:
            j += 1
            count = range_long(argv[j], 1, "count should be greater than 0")
        else:
            raise SyntaxErr()
        j += 1
    return argv[numkeys_idx + 1:where_idx], where == b"max", (1 if count == -1 else count)


def mpop_reply(c: Any, key: bytes, items: list) -> list:
    return [key, [[m, Double(s)] for s, m in items]]


@command('zmpop', arity=-4, flags='write', acl='sortedset',
         group='sorted-set', since='7.0.0',
         summary='Remove and return members with scores in a sorted set',
         complexity='O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.',
         keys=[ks('RW ACCESS DELETE', 1, keynum=(0, 1, 1))],
         args=(
            arg('numkeys', 'integer'),
            arg('key', 'key', key_spec_index=0, flags=('multiple',)),
            arg('where', 'oneof', arguments=(
                    arg('min', 'pure-token', token='MIN'),
                    arg('max', 'pure-token', token='MAX'),
                )),
            arg('count', 'integer', token='COUNT', flags=('optional',)),
         ))
def cmd_zmpop(c: Any, argv: list[bytes]) -> Any:
    keys, maximum, count = parse_mpop(argv, 1)
    found = first_nonempty(c, keys)
    if found is None:
        return NullArray
    key, z = found
    items = pop_items(c, key, z, count, maximum)
    if c.server.propagate is not None:
        c.propagate_as = [[b"ZPOPMAX" if maximum else b"ZPOPMIN", key, b"%d" % count]]
    return mpop_reply(c, key, items)


# ---- ZRANDMEMBER -----------------------------------------------------------------------------

@command('zrandmember', arity=-2, flags='readonly', acl='sortedset',
         group='sorted-set', since='6.2.0',
         summary='Get one or multiple random elements from a sorted set',
         complexity='O(N) where N is the number of elements returned',
         tips=('nondeterministic_output',),
         keys=[ks('RO ACCESS', 1)],
         args=(
            arg('key', 'key', key_spec_index=0),
            arg('options', 'block', flags=('optional',), arguments=(
                    arg('count', 'integer'),
                    arg('withscores', 'pure-token', token='WITHSCORES', flags=('optional',)),
                )),
         ))
def cmd_zrandmember(c: Any, argv: list[bytes]) -> Any:
    if len(argv) == 2:
        z = get_zset(c, argv[1])
        if z is None:
            return None
        return z.order[random.randrange(len(z))][1]
    if len(argv) > 4:
        raise SyntaxErr()
    withscores = False
    if len(argv) == 4:
        if argv[3].lower() != b"withscores":
            raise SyntaxErr()
        withscores = True
    count = int_arg(argv[2])
    if count < -LONG_MAX:
        raise err("value is out of range, value must between -9223372036854775807 and 9223372036854775807")
    if withscores and count < -LONG_MAX // 2:
        raise err("value is out of range")
    z = get_zset(c, argv[1])
    if z is None or count == 0:
        return []
    n = len(z)
    order = z.order
    if count < 0:
        picks = [order[random.randrange(n)] for _ in range(-count)]
    elif count >= n:
        picks = list(order)
        random.shuffle(picks)
    else:
        picks = [order[i] for i in random.sample(range(n), count)]
    return emit(picks, withscores, c.resp)


# ---- ZUNION / ZINTER / ZDIFF ----------------------------------------------------------------------

UNION, INTER, DIFF = 0, 1, 2
SETOP_EVENTS = {UNION: b"zunionstore", INTER: b"zinterstore", DIFF: b"zdiffstore"}
NAMES = {(UNION, False): b"zunion", (INTER, False): b"zinter", (DIFF, False): b"zdiff",
         (UNION, True): b"zunionstore", (INTER, True): b"zinterstore", (DIFF, True): b"zdiffstore"}


def source_scores(value: Any) -> dict:
    """member -> score of a sorted set, or member -> 1.0 of a set."""
    if type(value) is ZSet:
        return value.scores
    return dict.fromkeys(value, 1.0)  # a SetValue is a dict of member -> None


def setop_generic(c: Any, argv: list[bytes], numkeys_idx: int, op: int, dst: bytes | None,
                  card_only: bool = False) -> Any:
    """zunionInterDiffGenericCommand."""
    setnum = int_arg(argv[numkeys_idx])
    name = b"zintercard" if card_only else NAMES[(op, dst is not None)]
    if setnum < 1:
        raise CommandError(b"ERR at least 1 input key is needed for '%s' command" % name)
    n = len(argv)
    if setnum > n - (numkeys_idx + 1):
        raise SyntaxErr()
    db = c.db
    srcs: list[dict | None] = []
    j = numkeys_idx + 1
    for key in argv[j:j + setnum]:
        v = db.lookup_read(key) if dst is None else db.lookup(key)
        if v is None:
            srcs.append(None)
            continue
        if type(v) is not ZSet and TYPE_NAMES.get(type(v)) != b"set":
            raise WrongType()
        srcs.append(source_scores(v))
    j += setnum
    weights = [1.0] * setnum
    aggregate = b"sum"
    withscores = False
    limit = 0
    while j < n:
        remaining = n - j
        opt = argv[j].lower()
        if op != DIFF and not card_only and remaining >= setnum + 1 and opt == b"weights":
            for i in range(setnum):
                w = parse_score(argv[j + 1 + i])
                if w is None:
                    raise err("weight value is not a float")
                weights[i] = w
            j += setnum + 1
        elif op != DIFF and not card_only and remaining >= 2 and opt == b"aggregate":
            agg = argv[j + 1].lower()
            if agg not in (b"sum", b"min", b"max"):
                raise SyntaxErr()
            aggregate = agg
            j += 2
        elif dst is None and not card_only and opt == b"withscores":
            withscores = True
            j += 1
        elif card_only and remaining >= 2 and opt == b"limit":
            limit = positive_count(argv[j + 1], "LIMIT can't be negative")
            j += 2
        else:
            raise SyntaxErr()
    result = compute_setop(op, srcs, weights, aggregate, card_only, limit)
    if card_only:
        return result
    if dst is not None:
        return store_result(c, dst, stored_zset(c, result), SETOP_EVENTS[op])
    items = sorted([(s, m) for m, s in result.items()])
    return emit(items, withscores, c.resp)


def _agg(aggregate: bytes) -> Any:
    if aggregate == b"sum":
        def f(a: float, b: float) -> float:
            r = a + b
            return 0.0 if r != r else r
        return f
    return min if aggregate == b"min" else max


def compute_setop(op: int, srcs: list, weights: list[float], aggregate: bytes,
                  card_only: bool, limit: int) -> Any:
    if op == DIFF:
        first = srcs[0]
        if not first:
            return {}
        others = [s for s in srcs[1:] if s]
        return {m: s for m, s in first.items() if not any(m in o for o in others)}
    agg = _agg(aggregate)
    pairs = sorted(((s or {}, w) for s, w in zip(srcs, weights)), key=lambda p: len(p[0]))
    if op == INTER:
        if not pairs[0][0] or any(s is None for s in srcs):
            return 0 if card_only else {}
        base, w0 = pairs[0]
        rest = pairs[1:]
        if card_only:
            count = 0
            for m in base:
                if all(m in s for s, _ in rest):
                    count += 1
                    if limit and count >= limit:
                        break
            return count
        out: dict[bytes, float] = {}
        for m, sc in base.items():
            v = w0 * sc
            if v != v:
                v = 0.0
            for s, w in rest:
                o = s.get(m)
                if o is None:
                    break
                v = agg(v, w * o)  # not NaN-cleaned here: Redis only cleans the sum
            else:
                out[m] = v
        return out
    out = {}
    for s, w in pairs:
        for m, sc in s.items():
            x = w * sc
            if x != x:
                x = 0.0
            cur = out.get(m)
            out[m] = x if cur is None else agg(cur, x)
    return out


@command('zunion', arity=-3, flags='readonly', acl='sortedset',
         group='sorted-set', since='6.2.0',
         summary='Add multiple sorted sets',
         complexity='O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.',
         keys=[ks('RO ACCESS', 1, keynum=(0, 1, 1))],
         args=(
            arg('numkeys', 'integer'),
            arg('key', 'key', key_spec_index=0, flags=('multiple',)),
            arg('weight', 'integer', token='WEIGHTS', flags=('optional', 'multiple')),
            arg('aggregate', 'oneof', token='AGGREGATE', flags=('optional',), arguments=(
                    arg('sum', 'pure-token', token='SUM'),
                    arg('min', 'pure-token', token='MIN'),
                    arg('max', 'pure-token', token='MAX'),
                )),
            arg('withscores', 'pure-token', token='WITHSCORES', flags=('optional',)),
         ))
def cmd_zunion(c: Any, argv: list[bytes]) -> Any:
    return setop_generic(c, argv, 1, UNION, None)


@command('zinter', arity=-3, flags='readonly', acl='sortedset',
         group='sorted-set', since='6.2.0',
         summary='Intersect multiple sorted sets',
         complexity='O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.',
         keys=[ks('RO ACCESS', 1, keynum=(0, 1, 1))],
         args=(
            arg('numkeys', 'integer'),
            arg('key', 'key', key_spec_index=0, flags=('multiple',)),
            arg('weight', 'integer', token='WEIGHTS', flags=('optional', 'multiple')),
            arg('aggregate', 'oneof', token='AGGREGATE', flags=('optional',), arguments=(
                    arg('sum', 'pure-token', token='SUM'),
                    arg('min', 'pure-token', token='MIN'),
                    arg('max', 'pure-token', token='MAX'),
                )),
            arg('withscores', 'pure-token', token='WITHSCORES', flags=('optional',)),
         ))
def cmd_zinter(c: Any, argv: list[bytes]) -> Any:
    return setop_generic(c, argv, 1, INTER, None)


@command('zdiff', arity=-3, flags='readonly', acl='sortedset',
         group='sorted-set', since='6.2.0',
         summary='Subtract multiple sorted sets',
         complexity='O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.',
         keys=[ks('RO ACCESS', 1, keynum=(0, 1, 1))],
         args=(
            arg('numkeys', 'integer'),
            arg('key', 'key', key_spec_index=0, flags=('multiple',)),
            arg('withscores', 'pure-token', token='WITHSCORES', flags=('optional',)),
         ))
def cmd_zdiff(c: Any, argv: list[bytes]) -> Any:
    return setop_generic(c, argv, 1, DIFF, None)


@command('zunionstore', arity=-4, flags='write denyoom', acl='sortedset',
         group='sorted-set', since='2.0.0',
         summary='Add multiple sorted sets and store the resulting sorted set in a new key',
         complexity='O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.',
         keys=[ks('OW UPDATE', 1), ks('RO ACCESS', 2, keynum=(0, 1, 1))],
         args=(
            arg('destination', 'key', key_spec_index=0),
            arg('numkeys', 'integer'),
            arg('key', 'key', key_spec_index=1, flags=('multiple',)),
            arg('weight', 'integer', token='WEIGHTS', flags=('optional', 'multiple')),
            arg('aggregate', 'oneof', token='AGGREGATE', flags=('optional',), arguments=(
                    arg('sum', 'pure-token', token='SUM'),
                    arg('min', 'pure-token', token='MIN'),
                    arg('max', 'pure-token', token='MAX'),
                )),
         ))
def cmd_zunionstore(c: Any, argv: list[bytes]) -> Any:
    return setop_generic(c, argv, 2, UNION, argv[1])


@command('zinterstore', arity=-4, flags='write denyoom', acl='sortedset',
         group='sorted-set', since='2.0.0',
         summary='Intersect multiple sorted sets and store the resulting sorted set in a new key',
         complexity='O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.',
         keys=[ks('OW UPDATE', 1), ks('RO ACCESS', 2, keynum=(0, 1, 1))],
         args=(
            arg('destination', 'key', key_spec_index=0),
            arg('numkeys', 'integer'),
            arg('key', 'key', key_spec_index=1, flags=('multiple',)),
            arg('weight', 'integer', token='WEIGHTS', flags=('optional', 'multiple')),
            arg('aggregate', 'oneof', token='AGGREGATE', flags=('optional',), arguments=(
                    arg('sum', 'pure-token', token='SUM'),
                    arg('min', 'pure-token', token='MIN'),
                    arg('max', 'pure-token', token='MAX'),
                )),
         ))
def cmd_zinterstore(c: Any, argv: list[bytes]) -> Any:
    return setop_generic(c, argv, 2, INTER, argv[1])


@command('zdiffstore', arity=-4, flags='write denyoom', acl='sortedset',
         group='sorted-set', since='6.2.0',
         summary='Subtract multiple sorted sets and store the resulting sorted set in a new key',
         complexity='O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.',
         keys=[ks('OW UPDATE', 1), ks('RO ACCESS', 2, keynum=(0, 1, 1))],
         args=(
            arg('destination', 'key', key_spec_index=0),
            arg('numkeys', 'integer'),
            arg('key', 'key', key_spec_index=1, flags=('multiple',)),
         ))
def cmd_zdiffstore(c: Any, argv: list[bytes]) -> Any:
    return setop_generic(c, argv, 2, DIFF, argv[1])


@command('zintercard', arity=-3, flags='readonly', acl='sortedset',
         group='sorted-set', since='7.0.0',
         summary='Intersect multiple sorted sets and return the cardinality of the result',
         complexity='O(N*K) worst case with N being the smallest input sorted set, K being the number of input sorted sets.',
         keys=[ks('RO ACCESS', 1, keynum=(0, 1, 1))],
         args=(
            arg('numkeys', 'integer'),
            arg('key', 'key', key_spec_index=0, flags=('multiple',)),
            arg('limit', 'integer', token='LIMIT', flags=('optional',)),
         ))
def cmd_zintercard(c: Any, argv: list[bytes]) -> Any:
    return setop_generic(c, argv, 1, INTER, None, card_only=True)


# ---- ZSCAN -----------------------------------------------------------------------------------------

@command('zscan', arity=-3, flags='readonly', acl='sortedset',
         group='sorted-set', since='2.8.0',
         summary='Incrementally iterate sorted sets elements and associated scores',
         complexity='O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..',
         tips=('nondeterministic_output',),
         keys=[ks('RO ACCESS', 1)],
         args=(
            arg('key', 'key', key_spec_index=0),
            arg('cursor', 'integer'),
            arg('pattern', 'pattern', token='MATCH', flags=('optional',)),
            arg('count', 'integer', token='COUNT', flags=('optional',)),
         ))
def cmd_zscan(c: Any, argv: list[bytes]) -> Any:
    """A sorted set is scanned whole in one call (what Redis does for listpack sets; for
    big sets it is an allowed reading of COUNT, and it keeps SCAN's guarantees without
    a cursor structure)."""
    if parse_cursor(argv[2]) is None:
        raise err("invalid cursor")
    z = get_zset(c, argv[1])
    if z is None:
        return [b"0", []]
    match = None
    i, n = 3, len(argv)
    while i < n:
        opt = argv[i].lower()
        if opt == b"count" and n - i >= 2:
            if int_arg(argv[i + 1]) < 1:
                raise SyntaxErr()
            i += 2
        elif opt == b"match" and n - i >= 2:
            match = None if argv[i + 1] == b"*" else argv[i + 1]
            i += 2
        else:
            raise SyntaxErr()
    items = list(z.order)
    if match is not None:
        test = compile_glob(match)
        items = [(s, m) for s, m in items if test(m)]
    return [b"0", [x for s, m in items for x in (m, format_double(s))]]


# ---- blocking pops ---------------------------------------------------------------------------------

def bzpop_generic(c: Any, argv: list[bytes], keys: list[bytes], timeout_raw: bytes, maximum: bool,
                  count: int, mpop: bool) -> Any:
    """blockingGenericZpopCommand: pop now if a key has elements, else block.

    ``count`` is -1 for BZPOPMIN/BZPOPMAX (reply: key, member, score) and the COUNT of
    BZMPOP (reply as ZMPOP's).  The served effect propagates as ZPOPMIN/ZPOPMAX.
    """
    timeout_at_ms = parse_timeout_s(timeout_raw, c.server.cached_now_ms)

    def pop(cl: Any, key: bytes, z: ZSet) -> Any:
        items = pop_items(cl, key, z, 1 if count == -1 else count, maximum)
        if cl.server.propagate is not None:
            name = b"ZPOPMAX" if maximum else b"ZPOPMIN"
            cl.propagate_as = [[name, key] if count == -1 else [name, key, b"%d" % count]]
        if count == -1:
            s, m = items[0]
            return [key, m, Double(s)]
        return mpop_reply(cl, key, items)

    def serve(cl: Any, key: bytes) -> Any:
        """A waiter is served only by a sorted set: another type at the key (SET over
        it, say) leaves it blocked, as Redis's handleClientsBlockedOnKey does."""
        z = cl.db.lookup(key)
        if type(z) is not ZSet:
            return None
        return pop(cl, key, z)

    for key in keys:
        z = get_zset_w(c, key)
        if z is not None:
            return pop(c, key, z)
    if not may_block(c):
        return NullArray
    return block(c, argv, keys, timeout_at_ms, serve)


@command('bzpopmin', arity=-3, flags='write noscript blocking fast', acl='sortedset',
         group='sorted-set', since='5.0.0',
         summary='Remove and return the member with the lowest score from one or more sorted sets, or block until one is available',
         complexity='O(log(N)) with N being the number of elements in the sorted set.',
         keys=[ks('RW ACCESS DELETE', 1, last=-2)],
         history=(('6.0.0', '`timeout` is interpreted as a double instead of an integer.'),),
         args=(
            arg('key', 'key', key_spec_index=0, flags=('multiple',)),
            arg('timeout', 'double'),
         ))
def cmd_bzpopmin(c: Any, argv: list[bytes]) -> Any:
    return bzpop_generic(c, argv, argv[1:-1], argv[-1], False, -1, False)


@command('bzpopmax', arity=-3, flags='write noscript blocking fast', acl='sortedset',
         group='sorted-set', since='5.0.0',
         summary='Remove and return the member with the highest score from one or more sorted sets, or block until one is available',
         complexity='O(log(N)) with N being the number of elements in the sorted set.',
         keys=[ks('RW ACCESS DELETE', 1, last=-2)],
         history=(('6.0.0', '`timeout` is interpreted as a double instead of an integer.'),),
         args=(
            arg('key', 'key', key_spec_index=0, flags=('multiple',)),
            arg('timeout', 'double'),
         ))
def cmd_bzpopmax(c: Any, argv: list[bytes]) -> Any:
    return bzpop_generic(c, argv, argv[1:-1], argv[-1], True, -1, False)


@command('bzmpop', arity=-5, flags='write blocking', acl='sortedset',
         group='sorted-set', since='7.0.0',
         summary='Remove and return members with scores in a sorted set or block until one is available',
         complexity='O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.',
         keys=[ks('RW ACCESS DELETE', 2, keynum=(0, 1, 1))],
         args=(
            arg('timeout', 'double'),
            arg('numkeys', 'integer'),
            arg('key', 'key', key_spec_index=0, flags=('multiple',)),
            arg('where', 'oneof', arguments=(
                    arg('min', 'pure-token', token='MIN'),
                    arg('max', 'pure-token', token='MAX'),
                )),
            arg('count', 'integer', token='COUNT', flags=('optional',)),
         ))
def cmd_bzmpop(c: Any, argv: list[bytes]) -> Any:
    keys, maximum, count = parse_mpop(argv, 2)
    return bzpop_generic(c, argv, keys, argv[1], maximum, count, True)
