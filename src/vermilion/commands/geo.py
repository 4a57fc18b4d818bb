"""Geo commands (Redis's geo.c): positions live in a sorted set as 52-bit geohash scores.

GEOADD is ZADD with computed scores (and propagates as ZADD).  Searches follow
georadiusGeneric: parse (in Redis's order, so errors match), look the centre up, scan
the geohash cells of ``datatypes.geohash.search_cells`` in order, keep members inside
the shape, optionally sort by distance, then reply or store.  Distances are replied with
4 decimals (``fixedpoint_d2string``), coordinates as Redis's "human" long doubles.
"""

from __future__ import annotations

from typing import Any

from ..datatypes import geohash as gh
from ..datatypes.zset import ZSet, parse_score
from ..protocol.errors import CommandError, NotFloat, SyntaxErr, err
from ..protocol.reply import NullArray, Raw
from ..protocol.resp_parser import string2ll
from .registry import command
from .spec import arg, ks
from .zsets import delete_key, get_zset, store_result, stored_zset, zadd_generic

UNITS = {b"m": 1.0, b"km": 1000.0, b"ft": 0.3048, b"mi": 1609.34}


def human_text(v: float) -> bytes:
    """ld2string(LD_STR_HUMAN) of a double: exact "%.17Lf" (ties to even), then
    trailing zeros and dot trimmed; "-0" prints as "0"."""
    num, den = v.as_integer_ratio()
    neg = num < 0
    q, r = divmod(abs(num) * 10**17, den)
    if 2 * r > den or (2 * r == den and q & 1):
        q += 1
    digits = b"%018d" % q
    text = (digits[:-17] + b"." + digits[-17:]).rstrip(b"0").rstrip(b".")
    return b"-" + text if neg and text != b"0" else text


def human(c: Any, v: float) -> Any:
    """addReplyHumanLongDouble: a bulk string in RESP2, a double in RESP3."""
    text = human_text(v)
    return Raw(b",%b\r\n" % text) if c.resp == 3 else text


def fmt_distance(d: float) -> bytes:
    """fixedpoint_d2string(d, 4): llrint(d * 10^4) printed with 4 decimals."""
    v = round(d * 10000.0)
    sign = b"-" if v < 0 else b""
    v = abs(v)
    return b"%b%d.%04d" % (sign, v // 10000, v % 10000)


def double_or(raw: bytes, msg: str | None = None) -> float:
    v = parse_score(raw)
    if v is None:
        if msg is None:
            raise NotFloat()
        raise err(msg)
    return v


def lon_lat(a: bytes, b: bytes) -> tuple[float, float]:
    """extractLongLatOrReply."""
    lon, lat = double_or(a), double_or(b)
    if lon < gh.LONG_MIN or lon > gh.LONG_MAX or lat < gh.LAT_MIN or lat > gh.LAT_MAX:
        raise CommandError(b"ERR invalid longitude,latitude pair %f,%f" % (lon, lat))
    return lon, lat


def unit(raw: bytes) -> float:
    u = UNITS.get(raw.lower())
    if u is None:
        raise err("unsupported unit provided. please use M, KM, FT, MI")
    return u


def radius_arg(shape: gh.Shape, raw_r: bytes, raw_unit: bytes) -> None:
    r = double_or(raw_r, "need numeric radius")
    if r < 0:
        raise err("radius cannot be negative")
    shape.radius = r
    shape.conversion = unit(raw_unit)
    shape.box = False


def box_arg(shape: gh.Shape, raw_w: bytes, raw_h: bytes, raw_unit: bytes) -> None:
    w = double_or(raw_w, "need numeric width")
    h = double_or(raw_h, "need numeric height")
    if h < 0 or w < 0:
        raise err("height or width cannot be negative")
    shape.width, shape.height = w, h
    shape.conversion = unit(raw_unit)
    shape.box = True


def member_pos(z: ZSet, member: bytes) -> tuple[float, float]:
    s = z.scores.get(member)
    if s is None:
        raise err("could not decode requested zset member")
    return gh.decode_score(s)


# ---- GEOADD / GEOPOS / GEODIST / GEOHASH ------------------------------------------------------

@command('geoadd', arity=-5, flags='write denyoom', acl='geo',
         group='geo', since='3.2.0',
         summary='Add one or more geospatial items in the geospatial index represented using a sorted set',
         complexity='O(log(N)) for each item added, where N is the number of elements in the sorted set.',
         keys=[ks('RW UPDATE', 1)],
         history=(('6.2.0', 'Added the `CH`, `NX` and `XX` options.'),),
         args=(
            arg('key', 'key', key_spec_index=0),
            arg('condition', 'oneof', since='6.2.0', flags=('optional',), arguments=(
                    arg('nx', 'pure-token', token='NX'),
                    arg('xx', 'pure-token', token='XX'),
                )),
            arg('change', 'pure-token', token='CH', since='6.2.0', flags=('optional',)),
            arg('longitude_latitude_member', 'block', flags=('multiple',), arguments=(
                    arg('longitude', 'double'),
                    arg('latitude', 'double'),
                    arg('member', 'string'),
                )),
         ))
def cmd_geoadd(c: Any, argv: list[bytes]) -> Any:
    longidx = 2
    xx = nx = False
    n = len(argv)
    while longidx < n:
        opt = argv[longidx].lower()
        if opt == b"nx":
            nx = True
        elif opt == b"xx":
            xx = True
        elif opt != b"ch":
            break
        longidx += 1
    if (n - longidx) % 3 or (xx and nx):
        raise SyntaxErr()
    zargv = [b"zadd"] + argv[1:longidx]
    for j in range(longidx, n, 3):
        lon, lat = lon_lat(argv[j], argv[j + 1])
        bits = gh.encode(lon, lat)
        zargv += [b"%d" % bits, argv[j + 2]]
    server = c.server
    dirty = server.dirty
    reply = zadd_generic(c, zargv, 0)
    if server.dirty != dirty and server.propagate is not None:
        c.propagate_as = [zargv]  # replicas and the AOF see the ZADD GEOADD became
    return reply


@command('geopos', arity=-2, flags='readonly', acl='geo',
         group='geo', since='3.2.0',
         summary='Returns longitude and latitude of members of a geospatial index',
         complexity='O(N) where N is the number of members requested.',
         keys=[ks('RO ACCESS', 1)],
         args=(
            arg('key', 'key', key_spec_index=0),
            arg('member', 'string', flags=('optional', 'multiple')),
         ))
def cmd_geopos(c: Any, argv: list[bytes]) -> Any:
    z = get_zset(c, argv[1])
    out: list = []
    for m in argv[2:]:
        s = None if z is None else z.scores.get(m)
        if s is None:
            out.append(NullArray)
        else:
            lon, lat = gh.decode_score(s)
            out.append([human(c, lon), human(c, lat)])
    return out


@command('geodist', arity=-4, flags='readonly', acl='geo',
         group='geo', since='3.2.0',
         summary='Returns the distance between two members of a geospatial index',
         complexity='O(log(N))',
         keys=[ks('RO ACCESS', 1)],
         args=(
            arg('key', 'key', key_spec_index=0),
            arg('member1', 'string'),
            arg('member2', 'string'),
            arg('unit', 'oneof', flags=('optional',), arguments=(
                    arg('m', 'pure-token', token='M'),
                    arg('km', 'pure-token', token='KM'),
                    arg('ft', 'pure-token', token='FT'),
                    arg('mi', 'pure-token', token='MI'),
                )),
         ))
def cmd_geodist(c: Any, argv: list[bytes]) -> Any:
    to_meter = 1.0
    if len(argv) == 5:
        to_meter = unit(argv[4])
    elif len(argv) > 5:
        raise SyntaxErr()
    z = get_zset(c, argv[1])
    if z is None:
        return None
    s1, s2 = z.scores.get(argv[2]), z.scores.get(argv[3])
    if s1 is None or s2 is None:
        return None
    a, b = gh.decode_score(s1), gh.decode_score(s2)
    return fmt_distance(gh.distance(a[0], a[1], b[0], b[1]) / to_meter)


@command('geohash', arity=-2, flags='readonly', acl='geo',
         group='geo', since='3.2.0',
         summary='Returns members of a geospatial index as standard geohash strings',
         complexity='O(log(N)) for each member requested, where N is the number of elements in the sorted set.',
         keys=[ks('RO ACCESS', 1)],
         args=(
            arg('key', 'key', key_spec_index=0),
            arg('member', 'string', flags=('optional', 'multiple')),
         ))
def cmd_geohash(c: Any, argv: list[bytes]) -> Any:
    z = get_zset(c, argv[1])
    out: list = []
    for m in argv[2:]:
        s = None if z is None else z.scores.get(m)
        out.append(None if s is None else gh.standard_geohash(s))
    return out


# ---- searches -------------------------------------------------------------------------------------

RADIUS_COORDS, RADIUS_MEMBER, NOSTORE, SEARCH, SEARCHSTORE = 1, 2, 4, 8, 16


def points_in_shape(z: ZSet, shape: gh.Shape, limit: int) -> list[tuple[float, float, float, float, bytes]]:
    """membersOfAllNeighbors: (dist, score, lon, lat, member) in Redis's discovery order."""
    found: list = []
    order = z.order
    for bits, step in gh.search_cells(shape):
        if found and limit and len(found) >= limit:
            break
        lo, hi = gh.cell_score_range(bits, step)
        a, b = z.score_span(float(lo), False, float(hi), True)
        for score, member in order.slice(a, b):
            lon, lat = gh.decode_score(score)
            d = shape.contains(lon, lat)
            if d is None:
                continue
            found.append((d, score, lon, lat, member))
            if limit and len(found) >= limit:
                break
    return found


def georadius_generic(c: Any, argv: list[bytes], src_idx: int, flags: int) -> Any:
    z = get_zset(c, argv[src_idx])
    storekey: bytes | None = None
    storedist = False
    shape = gh.Shape()
    if flags & RADIUS_COORDS:
        base = 6
        shape.lon, shape.lat = lon_lat(argv[2], argv[3])
        radius_arg(shape, argv[4], argv[5])
    elif flags & RADIUS_MEMBER:
        base = 5
        if z is not None:
            shape.lon, shape.lat = member_pos(z, argv[2])
            radius_arg(shape, argv[3], argv[4])
    else:
        base = 2
        if flags & SEARCHSTORE:
            base = 3
            storekey = argv[1]
    withdist = withhash = withcoords = any_ = False
    frommember = fromloc = byradius = bybox = False
    sort = 0  # 0 none, 1 asc, 2 desc
    count = 0
    n = len(argv)
    remaining = n - base
    i = 0
    while i < remaining:
        a = argv[base + i].lower()
        if a == b"withdist":
            withdist = True
        elif a == b"withhash":
            withhash = True
        elif a == b"withcoord":
            withcoords = True
        elif a == b"any":
            any_ = True
        elif a == b"asc":
            sort = 1
        elif a == b"desc":
            sort = 2
        elif a == b"count" and i + 1 < remaining:
            v = string2ll(argv[base + i + 1])
            if v is None:
                raise CommandError(b"ERR value is not an integer or out of range")
            if v <= 0:
                raise err("COUNT must be > 0")
            count = v
            i += 1
        elif a in (b"store", b"storedist") and i + 1 < remaining and not flags & (NOSTORE | SEARCH):
            storekey = argv[base + i + 1]
            storedist = a == b"storedist"
            i += 1
        elif a == b"storedist" and flags & SEARCH and flags & SEARCHSTORE:
            storedist = True
        elif a == b"frommember" and i + 1 < remaining and flags & SEARCH and not fromloc:
            if z is not None:
                shape.lon, shape.lat = member_pos(z, argv[base + i + 1])
            frommember = True
            i += 1
        elif a == b"fromlonlat" and i + 2 < remaining and flags & SEARCH and not frommember:
            shape.lon, shape.lat = lon_lat(argv[base + i + 1], argv[base + i + 2])
            fromloc = True
            i += 2
        elif a == b"byradius" and i + 2 < remaining and flags & SEARCH and not bybox:
            radius_arg(shape, argv[base + i + 1], argv[base + i + 2])
            byradius = True
            i += 2
        elif a == b"bybox" and i + 3 < remaining and flags & SEARCH and not byradius:
            box_arg(shape, argv[base + i + 1], argv[base + i + 2], argv[base + i + 3])
            bybox = True
            i += 3
        else:
            raise SyntaxErr()
        i += 1
    if storekey is not None and (withdist or withhash or withcoords):
        what = b"GEOSEARCHSTORE" if flags & SEARCHSTORE else b"STORE option in GEORADIUS"
        raise CommandError(b"ERR %s is not compatible with WITHDIST, WITHHASH and WITHCOORD options" % what)
    if flags & SEARCH and not (frommember or fromloc):
        raise CommandError(b"ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for %s" % argv[0])
    if flags & SEARCH and not (byradius or bybox):
        raise CommandError(b"ERR exactly one of BYRADIUS and BYBOX can be specified for %s" % argv[0])
    if any_ and not count:
        raise err("the ANY argument requires COUNT argument")
    if z is None:
        if storekey is not None:
            delete_key(c, storekey)
            return 0
        return []
    if count and not sort and not any_:
        sort = 1
    found = points_in_shape(z, shape, count if any_ else 0)
    if not found and storekey is None:
        return []
    if sort:
        found.sort(key=lambda p: p[0], reverse=sort == 2)
    if count:
        del found[count:]
    conv = shape.conversion
    if storekey is not None:
        scores = {p[4]: (p[0] / conv if storedist else p[1]) for p in found}
        event = b"geosearchstore" if flags & SEARCH else b"georadiusstore"
        return store_result(c, storekey, stored_zset(c, scores), event)
    out: list = []
    opts = withdist or withhash or withcoords
    for d, score, lon, lat, member in found:
        if not opts:
            out.append(member)
            continue
        item: list = [member]
        if withdist:
            item.append(fmt_distance(d / conv))
        if withhash:
            item.append(int(score))
        if withcoords:
            item.append([human(c, lon), human(c, lat)])
        out.append(item)
    return out


@command('georadius', arity=-6, flags='write denyoom', acl='geo',
         group='geo', since='3.2.0',
         summary='Query a sorted set representing a geospatial index to fetch members matching a given maximum distance from a point',
         complexity='O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index.',
         keys=[ks('RO ACCESS', 1), ks('OW UPDATE', keyword=b'STORE', startfrom=6), ks('OW UPDATE', keyword=b'STOREDIST', startfrom=6)],
         doc_flags=('deprecated',),
         deprecated_since='6.2.0',
         replaced_by='`GEOSEARCH` and `GEOSEARCHSTORE` with the `BYRADIUS` argument',
         history=(('6.2.0', 'Added the `ANY` option for `COUNT`.'),
                  ('7.0.0', 'Added support for uppercase unit names.')),
         args=(
            arg('key', 'key', key_spec_index=0),
            arg('longitude', 'double'),
            arg('latitude', 'double'),
            arg('radius', 'double'),
            arg('unit', 'oneof', arguments=(
                    arg('m', 'pure-token', token='M'),
                    arg('km', 'pure-token', token='KM'),
                    arg('ft', 'pure-token', token='FT'),
                    arg('mi', 'pure-token', token='MI'),
                )),
            arg('withcoord', 'pure-token', token='WITHCOORD', flags=('optional',)),
            arg('withdist', 'pure-token', token='WITHDIST', flags=('optional',)),
            arg('withhash', 'pure-token', token='WITHHASH', flags=('optional',)),
            arg('count', 'block', flags=('optional',), arguments=(
                    arg('count', 'integer', token='COUNT'),
                    arg('any', 'pure-token', token='ANY', since='6.2.0', flags=('optional',)),
                )),
            arg('order', 'oneof', flags=('optional',), arguments=(
                    arg('asc', 'pure-token', token='ASC'),
                    arg('desc', 'pure-token', token='DESC'),
                )),
            arg('key', 'key', key_spec_index=1, token='STORE', flags=('optional',)),
            arg('key', 'key', key_spec_index=2, token='STOREDIST', flags=('optional',)),
         ))
def cmd_georadius(c: Any, argv: list[bytes]) -> Any:
    return georadius_generic(c, argv, 1, RADIUS_COORDS)


@command('georadius_ro', arity=-6, flags='readonly', acl='geo',
         group='geo', since='3.2.10',
         summary='A read-only variant for GEORADIUS',
         complexity='O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index.',
         keys=[ks('RO ACCESS', 1)],
         doc_flags=('deprecated',),
         deprecated_since='6.2.0',
         replaced_by='`GEOSEARCH` with the `BYRADIUS` argument',
         history=(('6.2.0', 'Added the `ANY` option for `COUNT`.'),),
         args=(
            arg('key', 'key', key_spec_index=0),
            arg('longitude', 'double'),
            arg('latitude', 'double'),
            arg('radius', 'double'),
            arg('unit', 'oneof', arguments=(
                    arg('m', 'pure-token', token='M'),
                    arg('km', 'pure-token', token='KM'),
                    arg('ft', 'pure-token', token='FT'),
                    arg('mi', 'pure-token', token='MI'),
                )),
            arg('withcoord', 'pure-token', token='WITHCOORD', flags=('optional',)),
            arg('withdist', 'pure-token', token='WITHDIST', flags=('optional',)),
            arg('withhash', 'pure-token', token='WITHHASH', flags=('optional',)),
            arg('count', 'block', flags=('optional',), arguments=(
                    arg('count', 'integer', token='COUNT'),
                    arg('any', 'pure-token', token='ANY', since='6.2.0', flags=('optional',)),
                )),
            arg('order', 'oneof', flags=('optional',), arguments=(
                    arg('asc', 'pure-token', token='ASC'),
                    arg('desc', 'pure-token', token='DESC'),
                )),
         ))
def cmd_georadius_ro(c: Any, argv: list[bytes]) -> Any:
    return georadius_generic(c, argv, 1, RADIUS_COORDS | NOSTORE)


@command('georadiusbymember', arity=-5, flags='write denyoom', acl='geo',
         group='geo', since='3.2.0',
         summary='Query a sorted set representing a geospatial index to fetch members matching a given maximum distance from a member',
         complexity='O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index.',
         keys=[ks('RO ACCESS', 1), ks('OW UPDATE', keyword=b'STORE', startfrom=5), ks('OW UPDATE', keyword=b'STOREDIST', startfrom=5)],
         doc_flags=('deprecated',),
         deprecated_since='6.2.0',
         replaced_by='`GEOSEARCH` and `GEOSEARCHSTORE` with the `BYRADIUS` and `FROMMEMBER` arguments',
         history=(('7.0.0', 'Added support for uppercase unit names.'),),
         args=(
            arg('key', 'key', key_spec_index=0),
            arg('member', 'string'),
            arg('radius', 'double'),
            arg('unit', 'oneof', arguments=(
                    arg('m', 'pure-token', token='M'),
                    arg('km', 'pure-token', token='KM'),
                    arg('ft', 'pure-token', token='FT'),
                    arg('mi', 'pure-token', token='MI'),
                )),
            arg('withcoord', 'pure-token', token='WITHCOORD', flags=('optional',)),
            arg('withdist', 'pure-token', token='WITHDIST', flags=('optional',)),
            arg('withhash', 'pure-token', token='WITHHASH', flags=('optional',)),
            arg('count', 'block', flags=('optional',), arguments=(
                    arg('count', 'integer', token='COUNT'),
                    arg('any', 'pure-token', token='ANY', flags=('optional',)),
                )),
            arg('order', 'oneof', flags=('optional',), arguments=(
                    arg('asc', 'pure-token', token='ASC'),
                    arg('desc', 'pure-token', token='DESC'),
                )),
            arg('key', 'key', key_spec_index=1, token='STORE', flags=('optional',)),
            arg('key', 'key', key_spec_index=2, token='STOREDIST', flags=('optional',)),
         ))
def cmd_georadiusbymember(c: Any, argv: list[bytes]) -> Any:
    return georadius_generic(c, argv, 1, RADIUS_MEMBER)


@command('georadiusbymember_ro', arity=-5, flags='readonly', acl='geo',
         group='geo', since='3.2.10',
         summary='A read-only variant for GEORADIUSBYMEMBER',
         complexity='O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index.',
         keys=[ks('RO ACCESS', 1)],
         doc_flags=('deprecated',),
         deprecated_since='6.2.0',
         replaced_by='`GEOSEARCH` with the `BYRADIUS` and `FROMMEMBER` arguments',
         args=(
            arg('key', 'key', key_spec_index=0),
            arg('member', 'string'),
            arg('radius', 'double'),
            arg('unit', 'oneof', arguments=(
                    arg('m', 'pure-token', token='M'),
                    arg('km', 'pure-token', token='KM'),
                    arg('ft', 'pure-token', token='FT'),
                    arg('mi', 'pure-token', token='MI'),
                )),
            arg('withcoord', 'pure-token', token='WITHCOORD', flags=('optional',)),
            arg('withdist', 'pure-token', token='WITHDIST', flags=('optional',)),
            arg('withhash', 'pure-token', token='WITHHASH', flags=('optional',)),
            arg('count', 'block', flags=('optional',), arguments=(
                    arg('count', 'integer', token='COUNT'),
                    arg('any', 'pure-token', token='ANY', flags=('optional',)),
                )),
            arg('order', 'oneof', flags=('optional',), arguments=(
                    arg('asc', 'pure-token', token='ASC'),
                    arg('desc', 'pure-token', token='DESC'),
                )),
         ))
def cmd_georadiusbymember_ro(c: Any, argv: list[bytes]) -> Any:
    return georadius_generic(c, argv, 1, RADIUS_MEMBER | NOSTORE)


@command('geosearch', arity=-7, flags='readonly', acl='geo',
         group='geo', since='6.2.0',
         summary='Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle.',
         complexity='O(N+log(M)) where N is the number of elements in the grid-aligned bounding box area around the shape provided as the filter and M is the number of items inside the shape',
         keys=[ks('RO ACCESS', 1)],
         history=(('7.0.0', 'Added support for uppercase unit names.'),),
         args=(
            arg('key', 'key', key_spec_index=0),
            arg('from', 'oneof', arguments=(
                    arg('member', 'string', token='FROMMEMBER'),
                    arg('longitude_latitude', 'block', token='FROMLONLAT', arguments=(
                            arg('longitude', 'double'),
                            arg('latitude', 'double'),
                        )),
                )),
            arg('by', 'oneof', arguments=(
                    arg('circle', 'block', arguments=(
                            arg('radius', 'double', token='BYRADIUS'),
                            arg('unit', 'oneof', arguments=(
                                    arg('m', 'pure-token', token='M'),
                                    arg('km', 'pure-token', token='KM'),
                                    arg('ft', 'pure-token', token='FT'),
                                    arg('mi', 'pure-token', token='MI'),
                                )),
                        )),
                    arg('box', 'block', arguments=(
                            arg('width', 'double', token='BYBOX'),
                            arg('height', 'double'),
                            arg('unit', 'oneof', arguments=(
                                    arg('m', 'pure-token', token='M'),
                                    arg('km', 'pure-token', token='KM'),
                                    arg('ft', 'pure-token', token='FT'),
                                    arg('mi', 'pure-token', token='MI'),
                                )),
                        )),
                )),
            arg('order', 'oneof', flags=('optional',), arguments=(
                    arg('asc', 'pure-token', token='ASC'),
                    arg('desc', 'pure-token', token='DESC'),
                )),
            arg('count', 'block', flags=('optional',), arguments=(
                    arg('count', 'integer', token='COUNT'),
                    arg('any', 'pure-token', token='ANY', flags=('optional',)),
                )),
            arg('withcoord', 'pure-token', token='WITHCOORD', flags=('optional',)),
            arg('withdist', 'pure-token', token='WITHDIST', flags=('optional',)),
            arg('withhash', 'pure-token', token='WITHHASH', flags=('optional',)),
         ))
def cmd_geosearch(c: Any, argv: list[bytes]) -> Any:
    return georadius_generic(c, argv, 1, SEARCH)


@command('geosearchstore', arity=-8, flags='write denyoom', acl='geo',
         group='geo', since='6.2.0',
         summary='Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle, and store the result in another key.',
         complexity='O(N+log(M)) where N is the number of elements in the grid-aligned bounding box area around the shape provided as the filter and M is the number of items inside the shape',
         keys=[ks('OW UPDATE', 1), ks('RO ACCESS', 2)],
         history=(('7.0.0', 'Added support for uppercase unit names.'),),
         args=(
            arg('destination', 'key', key_spec_index=0),
            arg('source', 'key', key_spec_index=1),
            arg('from', 'oneof', arguments=(
                    arg('member', 'string', token='FROMMEMBER'),
                    arg('longitude_latitude', 'block', token='FROMLONLAT', arguments=(
                            arg('longitude', 'double'),
                            arg('latitude', 'double'),
                        )),
                )),
            arg('by', 'oneof', arguments=(
                    arg('circle', 'block', arguments=(
                            arg('radius', 'double', token='BYRADIUS'),
                            arg('unit', 'oneof', arguments=(
                                    arg('m', 'pure-token', token='M'),
                                    arg('km', 'pure-token', token='KM'),
                                    arg('ft', 'pure-token', token='FT'),
                                    arg('mi', 'pure-token', token='MI'),
                                )),
                        )),
                    arg('box', 'block', arguments=(
                            arg('width', 'double', token='BYBOX'),
                            arg('height', 'double'),
                            arg('unit', 'oneof', arguments=(
                                    arg('m', 'pure-token', token='M'),
                                    arg('km', 'pure-token', token='KM'),
                                    arg('ft', 'pure-token', token='FT'),
                                    arg('mi', 'pure-token', token='MI'),
                                )),
                        )),
                )),
            arg('order', 'oneof', flags=('optional',), arguments=(
                    arg('asc', 'pure-token', token='ASC'),
                    arg('desc', 'pure-token', token='DESC'),
                )),
            arg('count', 'block', flags=('optional',), arguments=(
                    arg('count', 'integer', token='COUNT'),
                    arg('any', 'pure-token', token='ANY', flags=('optional',)),
                )),
            arg('storedist', 'pure-token', token='STOREDIST', flags=('optional',)),
         ))
def cmd_geosearchstore(c: Any, argv: list[bytes]) -> Any:
    return georadius_generic(c, argv, 2, SEARCH | SEARCHSTORE)
