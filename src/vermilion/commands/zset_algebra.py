"""Sorted-set algebra: ZUNION, ZINTER, ZDIFF, their STORE forms and ZINTERCARD
(Redis's zunionInterDiffGenericCommand).

Keys are looked up and type-checked (sets count as scores of 1) before the options are
parsed, as Redis does, so errors come in Redis's order.  Weighted scores that are NaN
(0 * inf) become 0; a SUM that is NaN (inf + -inf) becomes 0; inputs are processed from
the smallest, as Redis sorts them by cardinality.
"""

from __future__ import annotations

from typing import Any

from ..datatypes.zset import ZSet, parse_score
from ..keyspace.types import TYPE_NAMES
from ..protocol.errors import CommandError, SyntaxErr, WrongType, err
from .registry import command
from .spec import arg, ks
from .zsets import emit, int_arg, positive_count, store_result, stored_zset


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
