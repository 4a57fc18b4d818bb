"""Sorted-set commands (Redis's t_zset.c command layer) over ``datatypes.zset.ZSet``:
ZADD/ZINCRBY, the point reads and ZRANK, and the helpers the other sorted-set modules
share (``zset_ranges``: ZRANGE family, ZREMRANGEBY*, ZRANDMEMBER, ZSCAN; ``zset_pops``:
ZPOP*, ZMPOP and the blocking pops; ``zset_algebra``: ZUNION/ZINTER/ZDIFF[STORE],
ZINTERCARD; ``geo`` stores positions through ZADD too).

Every handler validates all its arguments first (in Redis's order, so the same bad
request gets the same error), then looks the key up, then mutates.  Emptied sorted sets
are deleted.  Scores are replied as ``Double`` (a RESP3 double, a RESP2 bulk string in
Redis 7.2's shortest form); ``WITHSCORES`` pairs are flat in RESP2 and nested in RESP3.

Range replies are encoded in one pass by ``emit`` (a ``Raw`` for the client's protocol).

Encoding: a sorted set is "listpack" until it exceeds ``zset-max-listpack-entries``
elements or holds a member longer than ``zset-max-listpack-value``; then "skiplist" for
good (``ZSet.big``; SORT also converts).  New sets are created with Redis 7.2's size
hints (zsetTypeCreate: the number of pairs in the ZADD).  The encoding is observable
beyond OBJECT ENCODING: a listpack stores integral scores as integers, so -0 reads back
as 0, and mixed-score lex ranges follow the listpack walk.
"""

from __future__ import annotations

from typing import Any

from ..datatypes.zset import ZSet, parse_bound, parse_lex_bound, parse_score
from ..engine.blocking import signal_key_ready
from ..keyspace.notify import NOTIFY_GENERIC, NOTIFY_ZSET, notify
from ..keyspace.types import register_type
from ..protocol.errors import CommandError, NotFloat, NotInteger, SyntaxErr, err
from ..protocol.encoder import format_double
from ..protocol.reply import Double, NullArray, Raw
from ..protocol.resp_parser import string2ll
from .registry import command
from .spec import arg, ks

register_type(ZSet, b"zset", lambda v, server: b"skiplist" if v.big else b"listpack")

LONG_MAX = 2**63 - 1
NAN_ERR = b"ERR resulting score is not a number (NaN)"
NOT_FLOAT_RANGE = b"ERR min or max is not a float"
NOT_LEX_RANGE = b"ERR min or max not valid string range item"


# ---- helpers -------------------------------------------------------------------------------

def limits(c: Any) -> tuple[int, int]:
    get = c.server.config.values.get
    return get("zset-max-listpack-entries", 128), get("zset-max-listpack-value", 64)


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


def positive_count(raw: bytes, msg: str = "value is out of range, must be positive") -> int:
    """getPositiveLongFromObjectOrReply: any failure answers ``msg``."""
    v = string2ll(raw)
    if v is None or v < 0:
        raise err(msg)
    return v


def range_long(raw: bytes, lo: int, msg: str) -> int:
    """getRangeLongFromObjectOrReply with a message: any failure answers ``msg``."""
    v = string2ll(raw)
    if v is None or v < lo:
        raise err(msg)
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
    if len(argv) == 4:
        raw = argv[2]
        if raw.isdigit() and len(raw) < 16:  # no option, a plain score: the hot path
            z = c.db.get_typed(argv[1], ZSet, read=False)
            if z is not None:
                return _zadd_one(c, argv[1], z, float(raw), argv[3])
    return zadd_generic(c, argv, 0)


def _zadd_one(c: Any, key: bytes, z: ZSet, score: float, member: bytes) -> int:
    """``zadd_generic`` for one pair, no option, into an existing set."""
    cur = z.scores.get(member)
    if cur is None:
        if not z.big:
            max_entries, max_value = limits(c)
            if len(z.scores) + 1 > max_entries or len(member) > max_value:
                z.big = True
        added = 1
    elif score == cur:
        return 0
    else:
        added = 0
    z.add(member, score)
    server = c.server
    server.dirty += 1
    if server.notify_flags:
        notify(server, NOTIFY_ZSET, b"zadd", key, c.db.index)
    return added


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
