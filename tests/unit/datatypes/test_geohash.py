"""Geohash arithmetic against values produced by redis-server (GEOADD scores, GEOHASH,
GEODIST)."""

from __future__ import annotations

from vermilion.datatypes import geohash as gh


def test_encode_known_scores():
    assert gh.encode(13.361389, 38.115556) == 3479099956230698
    assert gh.encode(15.087269, 37.502669) == 3479447370796909
    assert gh.encode(12.5, 37.8) == 3478922452344708
    assert gh.encode(181, 0) is None
    assert gh.encode(0, 85.06) is None


def test_decode_and_distance():
    lon, lat = gh.decode_score(3479099956230698.0)
    assert (lon, lat) == (13.361389338970184, 38.1155563954963)
    a = gh.decode_score(3479099956230698.0)
    b = gh.decode_score(3479447370796909.0)
    assert round(gh.distance(a[0], a[1], b[0], b[1]) / 1000, 4) == 166.2742


def test_standard_geohash_strings():
    assert gh.standard_geohash(3479099956230698.0) == b"sqc8b49rny0"
    assert gh.standard_geohash(3479447370796909.0) == b"sqdtr74hyu0"


def test_neighbors_wrap_and_steps():
    bits = gh.encode(0.0, 0.0, 1)
    nb = gh.neighbors(bits, 1)
    assert set(nb) == {"north", "south", "east", "west", "north_east", "north_west", "south_east", "south_west"}
    assert all(0 <= v < 4 for v in nb.values())
    assert gh.estimate_steps(0, 0) == 26
    assert gh.estimate_steps(200000, 0) < gh.estimate_steps(1000, 0)
    assert gh.estimate_steps(200000, 81) == gh.estimate_steps(200000, 0) - 2


def test_search_cells_cover_the_centre():
    shape = gh.Shape()
    shape.lon, shape.lat, shape.radius = 15.0, 37.0, 200000.0
    cells = gh.search_cells(shape)
    centre = gh.encode(15.0, 37.0) or 0
    assert any(lo <= centre < hi for lo, hi in (gh.cell_score_range(b, s) for b, s in cells))
