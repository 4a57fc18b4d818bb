"""Geohash encoding, neighbours and distances exactly as Redis's geohash*.c compute them.

A position is stored as a sorted-set score: the 52-bit interleave of the latitude and
longitude cells (26 bits each; latitude on even bits, longitude on odd bits) over the
Web-Mercator ranges longitude -180..180, latitude -85.05112878..85.05112878.

A search (GEORADIUS/GEOSEARCH) picks a geohash precision ("step") from the radius
(``estimate_steps``), takes the cell of the centre and its 8 neighbours, drops the
neighbours that lie outside the bounding box, and scans each cell's score range; a
candidate is kept when its decoded position is within the circle (haversine, Earth
radius 6372797.560856 m) or the box.  Every step mirrors Redis's arithmetic in doubles,
so the same members come back in the same order, with the same distances.
"""

from __future__ import annotations

import math

LONG_MIN, LONG_MAX = -180.0, 180.0
LAT_MIN, LAT_MAX = -85.05112878, 85.05112878
STEP_MAX = 26
EARTH_RADIUS_IN_METERS = 6372797.560856
MERCATOR_MAX = 20037726.37
D_R = math.pi / 180.0
M64 = (1 << 64) - 1
_EVEN = 0x5555555555555555
_ODD = 0xAAAAAAAAAAAAAAAA


def deg_rad(ang: float) -> float:
    return ang * D_R


def rad_deg(ang: float) -> float:
    return ang / D_R


def _spread(v: int) -> int:
    """Put the 32 bits of ``v`` on the even bit positions of a 64-bit word."""
    v &= 0xFFFFFFFF
    v = (v | (v << 16)) & 0x0000FFFF0000FFFF
    v = (v | (v << 8)) & 0x00FF00FF00FF00FF
    v = (v | (v << 4)) & 0x0F0F0F0F0F0F0F0F
    v = (v | (v << 2)) & 0x3333333333333333
    v = (v | (v << 1)) & 0x5555555555555555
    return v


def _squash(v: int) -> int:
    v &= 0x5555555555555555
    v = (v | (v >> 1)) & 0x3333333333333333
    v = (v | (v >> 2)) & 0x0F0F0F0F0F0F0F0F
    v = (v | (v >> 4)) & 0x00FF00FF00FF00FF
    v = (v | (v >> 8)) & 0x0000FFFF0000FFFF
    v = (v | (v >> 16)) & 0x00000000FFFFFFFF
    return v


def encode(lon: float, lat: float, step: int = STEP_MAX,
           lon_range: tuple[float, float] = (LONG_MIN, LONG_MAX),
           lat_range: tuple[float, float] = (LAT_MIN, LAT_MAX)) -> int | None:
    """geohashEncode: the ``2*step``-bit hash, or None outside the ranges."""
    if lon > LONG_MAX or lon < LONG_MIN or lat > LAT_MAX or lat < LAT_MIN:
        return None
    if lat < lat_range[0] or lat > lat_range[1] or lon < lon_range[0] or lon > lon_range[1]:
        return None
    lat_off = (lat - lat_range[0]) / (lat_range[1] - lat_range[0])
    lon_off = (lon - lon_range[0]) / (lon_range[1] - lon_range[0])
    lat_off *= float(1 << step)
    lon_off *= float(1 << step)
    return _spread(int(lat_off)) | (_spread(int(lon_off)) << 1)


def decode_area(bits: int, step: int) -> tuple[float, float, float, float]:
    """geohashDecode: (lon_min, lon_max, lat_min, lat_max) of a cell."""
    ilat = _squash(bits)
    ilon = _squash(bits >> 1)
    div = float(1 << step)
    lat_scale = LAT_MAX - LAT_MIN
    lon_scale = LONG_MAX - LONG_MIN
    return (LONG_MIN + (ilon * 1.0 / div) * lon_scale,
            LONG_MIN + ((ilon + 1) * 1.0 / div) * lon_scale,
            LAT_MIN + (ilat * 1.0 / div) * lat_scale,
            LAT_MIN + ((ilat + 1) * 1.0 / div) * lat_scale)


def decode_score(score: float) -> tuple[float, float]:
    """decodeGeohash: the (longitude, latitude) centre of a 52-bit score's cell."""
    bits = int(score) & M64 if score == score and abs(score) < 2.0**64 else 0
    lon_min, lon_max, lat_min, lat_max = decode_area(bits, STEP_MAX)
    lon = (lon_min + lon_max) / 2
    lon = min(max(lon, LONG_MIN), LONG_MAX)
    lat = (lat_min + lat_max) / 2
    lat = min(max(lat, LAT_MIN), LAT_MAX)
    return lon, lat


def lat_distance(lat1: float, lat2: float) -> float:
    return EARTH_RADIUS_IN_METERS * abs(deg_rad(lat2) - deg_rad(lat1))


def distance(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """geohashGetDistance: haversine in meters."""
    lon1r = deg_rad(lon1)
    lon2r = deg_rad(lon2)
    v = math.sin((lon2r - lon1r) / 2)
    if v == 0.0:
        return lat_distance(lat1, lat2)
    lat1r = deg_rad(lat1)
    lat2r = deg_rad(lat2)
    u = math.sin((lat2r - lat1r) / 2)
    a = u * u + math.cos(lat1r) * math.cos(lat2r) * v * v
    return 2.0 * EARTH_RADIUS_IN_METERS * math.asin(math.sqrt(a))


def _move_x(bits: int, step: int, d: int) -> int:
    x = bits & _ODD
    y = bits & _EVEN
    zz = _EVEN >> (64 - step * 2)
    if d > 0:
        x = (x + (zz + 1)) & M64
    else:
        x = ((x | zz) - (zz + 1)) & M64
    x &= _ODD >> (64 - step * 2)
    return x | y


def _move_y(bits: int, step: int, d: int) -> int:
    x = bits & _ODD
    y = bits & _EVEN
    zz = _ODD >> (64 - step * 2)
    if d > 0:
        y = (y + (zz + 1)) & M64
    else:
        y = ((y | zz) - (zz + 1)) & M64
    y &= _EVEN >> (64 - step * 2)
    return x | y


def neighbors(bits: int, step: int) -> dict[str, int]:
    return {
        "north": _move_y(bits, step, 1),
        "south": _move_y(bits, step, -1),
        "east": _move_x(bits, step, 1),
        "west": _move_x(bits, step, -1),
        "north_east": _move_y(_move_x(bits, step, 1), step, 1),
        "north_west": _move_y(_move_x(bits, step, -1), step, 1),
        "south_east": _move_y(_move_x(bits, step, 1), step, -1),
        "south_west": _move_y(_move_x(bits, step, -1), step, -1),
    }


def estimate_steps(range_meters: float, lat: float) -> int:
    if range_meters == 0:
        return 26
    step = 1
    while range_meters < MERCATOR_MAX:
        range_meters *= 2
        step += 1
    step -= 2
    if lat > 66 or lat < -66:
        step -= 1
        if lat > 80 or lat < -80:
            step -= 1
    return min(max(step, 1), 26)


class Shape:
    """A search shape: centre, unit conversion, and a radius or a width/height box."""

    __slots__ = ("lon", "lat", "conversion", "radius", "width", "height", "box")

    def __init__(self) -> None:
        self.lon = self.lat = 0.0
        self.conversion = 1.0
        self.radius = self.width = self.height = 0.0
        self.box = False

    def bounding_box(self) -> tuple[float, float, float, float]:
        height = self.conversion * (self.height / 2 if self.box else self.radius)
        width = self.conversion * (self.width / 2 if self.box else self.radius)
        lat_delta = rad_deg(height / EARTH_RADIUS_IN_METERS)
        top = rad_deg(width / EARTH_RADIUS_IN_METERS / math.cos(deg_rad(self.lat + lat_delta)))
        bottom = rad_deg(width / EARTH_RADIUS_IN_METERS / math.cos(deg_rad(self.lat - lat_delta)))
        south = self.lat < 0
        return (self.lon - bottom if south else self.lon - top, self.lat - lat_delta,
                self.lon + bottom if south else self.lon + top, self.lat + lat_delta)

    def contains(self, lon: float, lat: float) -> float | None:
        """The distance to (lon, lat) in meters when inside the shape, else None."""
        if not self.box:
            d = distance(self.lon, self.lat, lon, lat)
            return None if d > self.radius * self.conversion else d
        if lat_distance(lat, self.lat) > self.height * self.conversion / 2:
            return None
        if distance(lon, lat, self.lon, lat) > self.width * self.conversion / 2:
            return None
        return distance(self.lon, self.lat, lon, lat)


def search_cells(shape: Shape) -> list[tuple[int, int]]:
    """geohashCalculateAreasByShapeWGS84 + membersOfAllNeighbors's cell order: the
    (bits, step) cells to scan, zeroed neighbours and repeats removed as Redis does."""
    min_lon, min_lat, max_lon, max_lat = shape.bounding_box()
    if shape.box:
        radius_m = math.sqrt((shape.width / 2) * (shape.width / 2) + (shape.height / 2) * (shape.height / 2))
    else:
        radius_m = shape.radius
    radius_m *= shape.conversion
    steps = estimate_steps(radius_m, shape.lat)
    full = ((LONG_MIN, LONG_MAX), (LAT_MIN, LAT_MAX))
    bits = encode(shape.lon, shape.lat, steps, *full) or 0
    nb = neighbors(bits, steps)
    north = decode_area(nb["north"], steps)
    south = decode_area(nb["south"], steps)
    east = decode_area(nb["east"], steps)
    west = decode_area(nb["west"], steps)
    decrease = (north[3] < max_lat or south[2] > min_lat or east[1] < max_lon or west[0] > min_lon)
    if steps > 1 and decrease:
        steps -= 1
        bits = encode(shape.lon, shape.lat, steps, *full) or 0
        nb = neighbors(bits, steps)
    area = decode_area(bits, steps)
    zero: set[str] = set()
    if steps >= 2:
        if area[2] < min_lat:
            zero |= {"south", "south_west", "south_east"}
        if area[3] > max_lat:
            zero |= {"north", "north_east", "north_west"}
        if area[0] < min_lon:
            zero |= {"west", "south_west", "north_west"}
        if area[1] > max_lon:
            zero |= {"east", "south_east", "north_east"}
    order = [(bits, steps)] + [
        (0, 0) if name in zero else (nb[name], steps)
        for name in ("north", "south", "east", "west", "north_east", "north_west", "south_east", "south_west")
    ]
    cells = []
    last = 0
    for i, cell in enumerate(order):
        if cell == (0, 0):
            continue
        if last and cell == order[last]:
            continue
        cells.append(cell)
        last = i
    return cells


def cell_score_range(bits: int, step: int) -> tuple[int, int]:
    """scoresOfGeoHashBox: [min, max) scores of the cell at full precision."""
    shift = 52 - step * 2
    return bits << shift, (bits + 1) << shift


_ALPHABET = b"0123456789bcdefghjkmnpqrstuvwxyz"


def standard_geohash(score: float) -> bytes:
    """GEOHASH's 11-character string (re-encoded over latitude -90..90)."""
    lon, lat = decode_score(score)
    bits = encode(lon, lat, 26, (-180.0, 180.0), (-90.0, 90.0))
    if bits is None:
        bits = 0
    out = bytearray()
    for i in range(11):
        idx = 0 if i == 10 else (bits >> (52 - (i + 1) * 5)) & 0x1F
        out.append(_ALPHABET[idx])
    return bytes(out)
