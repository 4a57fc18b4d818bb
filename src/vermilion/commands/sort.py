"""SORT and SORT_RO (Redis's sort.c) over lists, sets and sorted sets.

Parse the SQL-like options (errors in Redis's order), load the elements, compute each
one's sort key -- the element itself or the value a BY pattern names, read as a double
(``strtod`` rules) unless ALPHA -- sort with Redis's comparison (numbers, ties broken by
the element bytes; DESC inverts the whole comparison), apply LIMIT, then reply with the
elements or their GET patterns, or STORE them as a list.

``BY`` without ``*`` means "don't sort": lists and sorted sets keep their own order
(DESC walks from the end), sets too unless the result is stored (then ALPHA is forced,
as Redis does so that replicas and the AOF see a deterministic result).

Patterns (``lookupKeyByPattern``): ``#`` is the element; otherwise the first ``*`` is
replaced by the element, and ``key->field`` reads a hash field.
"""

from __future__ import annotations

from typing import Any

from ..datatypes.lists import ListValue
from ..datatypes.zset import parse_bound
from ..keyspace.notify import NOTIFY_GENERIC, NOTIFY_LIST, notify
from ..keyspace.types import TYPE_NAMES
from ..protocol.errors import CommandError, NotInteger, SyntaxErr, WrongType
from ..protocol.resp_parser import string2ll
from .registry import command
from .spec import arg, ks

SORTABLE = (b"list", b"set", b"zset")


def lookup_by_pattern(db: Any, pattern: bytes, subst: bytes) -> bytes | None:
    if pattern == b"#":
        return subst
    star = pattern.find(b"*")
    if star < 0:
        return None
    arrow = pattern.find(b"->", star + 1)
    field = None
    if arrow >= 0 and arrow + 2 < len(pattern):
        field = pattern[arrow + 2:]
        keyname = pattern[:star] + subst + pattern[star + 1:arrow]
    else:
        keyname = pattern[:star] + subst + pattern[star + 1:]
    o = db.lookup_read(keyname)
    if o is None:
        return None
    if field is None:
        return o if type(o) is bytes else None
    if TYPE_NAMES.get(type(o)) != b"hash":
        return None
    return o.get(field)


def sort_score(v: bytes) -> float | None:
    """strtod over the whole value (leading spaces allowed, "" is 0); None on error
    (trailing garbage, NaN, overflow)."""
    r = None if v[:1] == b"(" else parse_bound(v)
    if r is None:
        return None
    x = r[0]
    if x in (INF, -INF) and v.strip().lstrip(b"+-").lower() not in (b"inf", b"infinity"):
        return None
    return x


INF = float("inf")


def sort_generic(c: Any, argv: list[bytes], readonly: bool) -> Any:
    desc = alpha = dontsort = False
    limit_start, limit_count = 0, -1
    sortby: bytes | None = None
    storekey: bytes | None = None
    gets: list[bytes] = []
    n = len(argv)
    j = 2
    while j < n:
        opt = argv[j].lower()
        left = n - j - 1
        if opt == b"asc":
            desc = False
        elif opt == b"desc":
            desc = True
        elif opt == b"alpha":
            alpha = True
        elif opt == b"limit" and left >= 2:
            a, b = string2ll(argv[j + 1]), string2ll(argv[j + 2])
            if a is None or b is None:
                raise NotInteger()
            limit_start, limit_count = a, b
            j += 2
        elif not readonly and opt == b"store" and left >= 1:
            storekey = argv[j + 1]
            j += 1
        elif opt == b"by" and left >= 1:
            sortby = argv[j + 1]
            if b"*" not in sortby:
                dontsort = True  # and a later BY with a pattern does not undo it
            j += 1
        elif opt == b"get" and left >= 1:
            gets.append(argv[j + 1])
            j += 1
        else:
            raise SyntaxErr()
        j += 1
    db = c.db
    value = db.lookup_read(argv[1])
    kind = b"list"
    if value is not None:
        kind = TYPE_NAMES.get(type(value), b"")
        if kind not in SORTABLE:
            raise WrongType()
    if dontsort and kind == b"set" and storekey is not None:
        dontsort, alpha, sortby = False, True, None
    if value is None:
        elements: list[bytes] = []
    elif kind == b"list":
        elements = list(value)
    elif kind == b"set":
        members = getattr(value, "members", None)
        elements = list(members()) if callable(members) else list(value)
    else:
        value.big = True  # Redis converts a listpack zset to a skiplist for SORT, for good
        elements = [m for _, m in value.order]
    vlen = len(elements)
    start = max(limit_start, 0)
    end = vlen - 1 if limit_count < 0 else start + limit_count - 1
    if start >= vlen:
        start, end = vlen - 1, vlen - 2
    if end >= vlen:
        end = vlen - 1
    if dontsort:
        if kind in (b"list", b"zset") and desc:
            elements.reverse()
    else:
        elements = sort_elements(db, elements, sortby, alpha, desc, start, end)
    chosen = elements[start:end + 1] if end >= start else []
    if storekey is None:
        if not gets:
            return chosen
        return [lookup_by_pattern(db, g, e) for e in chosen for g in gets]
    if gets:
        out = [lookup_by_pattern(db, g, e) or b"" for e in chosen for g in gets]
    else:
        out = chosen
    if out:
        lst = ListValue()
        lst.push(out, False, c.server.config.get("list-max-listpack-size", -2))
        db.set(storekey, lst)
        c.server.dirty += len(out) - 1
        from ..engine.blocking import signal_key_ready  # noqa: PLC0415

        signal_key_ready(db, storekey)
        notify(c.server, NOTIFY_LIST, b"sortstore", storekey, db.index)
    elif db.delete(storekey):
        notify(c.server, NOTIFY_GENERIC, b"del", storekey, db.index)
    return len(out)


def sort_elements(db: Any, elements: list[bytes], sortby: bytes | None, alpha: bool, desc: bool,
                  start: int, end: int) -> list[bytes]:
    """Order ``elements`` as Redis's sortCompare does.

    Keys: ALPHA without BY compares the elements; ALPHA with BY compares the looked-up
    values, a missing one sorting first; numeric compares the double, then the element
    bytes.  Redis sorts with glibc's qsort (a stable merge sort) -- Python's stable sort
    gives the same order -- except with BY and a LIMIT window, where it uses its own
    partial quicksort (pqsort), whose order differs only among equal keys: that case is
    reproduced step by step (``partial_qsort``).
    """
    if alpha:
        if sortby is None:
            return sorted(elements, reverse=desc)
        keys: list = []
        for e in elements:
            v = lookup_by_pattern(db, sortby, e)
            keys.append((v is not None, v or b""))
    else:
        keys = []
        error = False
        for e in elements:
            v = e if sortby is None else lookup_by_pattern(db, sortby, e)
            score = 0.0
            if v is not None:
                sc = sort_score(v)
                if sc is None:
                    error = True
                else:
                    score = sc
            keys.append((score, e))
        if error:
            raise CommandError(b"ERR One or more scores can't be converted into double")
    n = len(elements)
    if sortby is not None and (start != 0 or end != n - 1) and len(set(keys)) != n:
        pairs = list(zip(keys, elements))
        sign = -1 if desc else 1

        def cmp(x: tuple, y: tuple) -> int:
            a, b = x[0], y[0]
            return 0 if a == b else (sign if a > b else -sign)

        partial_qsort(pairs, cmp, start, end)
        return [e for _, e in pairs]
    order = sorted(range(n), key=keys.__getitem__, reverse=desc)
    return [elements[i] for i in order]


def partial_qsort(v: list, cmp: Any, lrange: int, rrange: int) -> None:
    """Redis's pqsort (NetBSD's Bentley-McIlroy qsort that only recurses into the parts
    overlapping positions lrange..rrange), on a Python list, comparison for comparison."""

    def med3(a: int, b: int, c: int) -> int:
        if cmp(v[a], v[b]) < 0:
            return b if cmp(v[b], v[c]) < 0 else (c if cmp(v[a], v[c]) < 0 else a)
        return b if cmp(v[b], v[c]) > 0 else (a if cmp(v[a], v[c]) < 0 else c)

    def vecswap(i: int, j: int, k: int) -> None:
        if k > 0:
            v[i:i + k], v[j:j + k] = v[j:j + k], v[i:i + k]

    def run(a: int, n: int) -> None:
        while True:
            if n < 7:
                for pm in range(a + 1, a + n):
                    pl = pm
                    while pl > a and cmp(v[pl - 1], v[pl]) > 0:
                        v[pl], v[pl - 1] = v[pl - 1], v[pl]
                        pl -= 1
                return
            pm = a + n // 2
            if n > 7:
                pl, pn = a, a + n - 1
                if n > 40:
                    d = n // 8
                    pl = med3(pl, pl + d, pl + 2 * d)
                    pm = med3(pm - d, pm, pm + d)
                    pn = med3(pn - 2 * d, pn - d, pn)
                pm = med3(pl, pm, pn)
            v[a], v[pm] = v[pm], v[a]
            pa = pb = a + 1
            pc = pd = a + n - 1
            while True:
                while pb <= pc:
                    r = cmp(v[pb], v[a])
                    if r > 0:
                        break
                    if r == 0:
                        v[pa], v[pb] = v[pb], v[pa]
                        pa += 1
                    pb += 1
                while pb <= pc:
                    r = cmp(v[pc], v[a])
                    if r < 0:
                        break
                    if r == 0:
                        v[pc], v[pd] = v[pd], v[pc]
                        pd -= 1
                    pc -= 1
                if pb > pc:
                    break
                v[pb], v[pc] = v[pc], v[pb]
                pb += 1
                pc -= 1
            pn = a + n
            r = min(pa - a, pb - pa)
            vecswap(a, pb - r, r)
            r = min(pd - pc, pn - pd - 1)
            vecswap(pb, pn - r, r)
            r = pb - pa
            if r > 1 and not (rrange < a or lrange >= a + r):
                run(a, r)
            r = pd - pc
            if r > 1:
                a, n = pn - r, r
                if not (rrange < a or lrange >= a + r):
                    continue
            return

    run(0, len(v))


@command('sort', arity=-2, flags='write denyoom', acl='set sortedset list dangerous',
         group='generic', since='1.0.0',
         summary='Sort the elements in a list, set or sorted set',
         complexity='O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N).',
         keys=[ks('RO ACCESS', 1), ks('RO ACCESS', unknown=True, notes="For the optional BY/GET keyword. It is marked 'unknown' because the key names derive from the content of the key we sort"), ks('OW UPDATE', unknown=True, notes="For the optional STORE keyword. It is marked 'unknown' because the keyword can appear anywhere in the argument array")],
         args=(
            arg('key', 'key', key_spec_index=0),
            arg('pattern', 'pattern', key_spec_index=1, token='BY', flags=('optional',)),
            arg('offset_count', 'block', token='LIMIT', flags=('optional',), arguments=(
                    arg('offset', 'integer'),
                    arg('count', 'integer'),
                )),
            arg('pattern', 'pattern', key_spec_index=1, token='GET', flags=('optional', 'multiple', 'multiple_token')),
            arg('order', 'oneof', flags=('optional',), arguments=(
                    arg('asc', 'pure-token', token='ASC'),
                    arg('desc', 'pure-token', token='DESC'),
                )),
            arg('sorting', 'pure-token', token='ALPHA', flags=('optional',)),
            arg('destination', 'key', key_spec_index=2, token='STORE', flags=('optional',)),
         ))
def cmd_sort(c: Any, argv: list[bytes]) -> Any:
    return sort_generic(c, argv, False)


@command('sort_ro', arity=-2, flags='readonly', acl='set sortedset list dangerous',
         group='generic', since='7.0.0',
         summary='Sort the elements in a list, set or sorted set. Read-only variant of SORT.',
         complexity='O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N).',
         keys=[ks('RO ACCESS', 1), ks('RO ACCESS', unknown=True, notes="For the optional BY/GET keyword. It is marked 'unknown' because the key names derive from the content of the key we sort")],
         args=(
            arg('key', 'key', key_spec_index=0),
            arg('pattern', 'pattern', key_spec_index=1, token='BY', flags=('optional',)),
            arg('offset_count', 'block', token='LIMIT', flags=('optional',), arguments=(
                    arg('offset', 'integer'),
                    arg('count', 'integer'),
                )),
            arg('pattern', 'pattern', key_spec_index=1, token='GET', flags=('optional', 'multiple', 'multiple_token')),
            arg('order', 'oneof', flags=('optional',), arguments=(
                    arg('asc', 'pure-token', token='ASC'),
                    arg('desc', 'pure-token', token='DESC'),
                )),
            arg('sorting', 'pure-token', token='ALPHA', flags=('optional',)),
         ))
def cmd_sort_ro(c: Any, argv: list[bytes]) -> Any:
    return sort_generic(c, argv, True)
