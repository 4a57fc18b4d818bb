"""Sorted-set pops: ZPOPMIN/ZPOPMAX, ZMPOP, and the blocking BZPOPMIN/BZPOPMAX/BZMPOP.

Pops take items from either end of the ZSet's order; an emptied set is deleted.  The
blocking forms pop at once when a key has elements, else block through
``engine/blocking.py``; whatever serves them propagates as ZPOPMIN/ZPOPMAX (Redis rewrites
BZPOP* and ZMPOP the same way), so replicas and the AOF never block.
"""

from __future__ import annotations

from typing import Any

from ..datatypes.zset import ZSet
from ..engine.blocking import block, may_block, parse_timeout_s
from ..keyspace.notify import NOTIFY_ZSET, notify
from ..protocol.errors import SyntaxErr
from ..protocol.encoder import format_double
from ..protocol.reply import Double, NullArray, Raw
from .registry import command
from .spec import arg, ks
from .zsets import delete_key, emit, get_zset_w, positive_count, range_long


# ---- pops -------------------------------------------------------------------------------------

def pop_items(c: Any, key: bytes, z: ZSet, count: int, maximum: bool) -> list:
    """Remove and return up to ``count`` (score, member) items from one end."""
    n = len(z)
    k = min(count, n)
    if k == 1:
        items = [z.order.pop_end(maximum)]
    elif maximum:
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
    if c.server.notify_flags:
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


def zpop_minmax(c: Any, argv: list[bytes], maximum: bool) -> Any:
    if len(argv) > 3:
        raise SyntaxErr()
    count = positive_count(argv[2]) if len(argv) == 3 else -1
    key = argv[1]
    z = get_zset_w(c, key)
    if z is None or count == 0:
        return []
    if count != -1:  # pairs nested in RESP3, flat in RESP2
        return emit(pop_items(c, key, z, count, maximum), True, c.resp)
    (s, m), = pop_items(c, key, z, 1, maximum)
    f = format_double(s)
    if c.resp == 3:  # a flat member/score pair, the score a RESP3 double
        return Raw(b"*2\r\n$%d\r\n%b\r\n,%b\r\n" % (len(m), m, f))
    return Raw(b"*2\r\n$%d\r\n%b\r\n$%d\r\n%b\r\n" % (len(m), m, len(f), f))


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
