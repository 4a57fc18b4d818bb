"""Sorted-set range commands: the ZRANGE family (one parser, one engine, as Redis's
zrangeGenericCommand), ZREMRANGEBYRANK/SCORE/LEX, ZRANDMEMBER and ZSCAN.

Ranges are positions in the ZSet's order: ranks directly, scores and lex bounds through
``ZSet.score_span``/``lex_span``; LIMIT offset/count and REV become a window on those
positions, so a range costs O(log n + m).
"""

from __future__ import annotations

import random
from typing import Any

from ..keyspace.notify import NOTIFY_ZSET, notify
from ..keyspace.scan import parse_cursor
from ..protocol.encoder import format_double
from ..protocol.errors import SyntaxErr, err
from ..util.glob import compile_glob
from .registry import command
from .spec import arg, ks
from .zsets import (
    LONG_MAX, delete_key, emit, get_zset, get_zset_w, int_arg, lex_positions, lex_range, rank_positions,
    score_range, store_result, stored_zset, window,
)


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
        picks = list(reversed(order))  # the whole set, as Redis's zset iterator walks it: from the tail
    else:
        picks = [order[i] for i in random.sample(range(n), count)]
    return emit(picks, withscores, c.resp)


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
