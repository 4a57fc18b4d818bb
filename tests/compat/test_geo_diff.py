"""Geo commands against the real server: scores, distances, coordinates, search order."""

from __future__ import annotations

import random


def run(both, *cmds):
    for cmd in cmds:
        args = cmd.split(" ") if isinstance(cmd, str) else cmd
        both.check(*args)


SICILY = "GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania 12.5 37.8 Marsala 14.0 37.0 Agri"


def test_geoadd_and_scores(both):
    run(both, SICILY, "ZRANGE Sicily 0 -1 WITHSCORES", "GEOADD Sicily NX 1 1 Palermo 2 2 new",
        "GEOADD Sicily XX CH 13 38 Palermo 3 3 other", "GEOADD Sicily CH 13 38 Palermo",
        "ZRANGE Sicily 0 -1 WITHSCORES", "GEOADD g 180 85.05112878 a -180 -85.05112878 b 0 0 c",
        "ZRANGE g 0 -1 WITHSCORES", "GEOPOS g a b c")


def test_geoadd_errors(both):
    run(both, "GEOADD g 200 10 x", "GEOADD g 10 86 x", "GEOADD g -180.1 0 x", "GEOADD g abc 10 x",
        "GEOADD g 10 abc x", "GEOADD g 10 10", "GEOADD g NX XX 10 10 x", "GEOADD g GT 10 10 x",
        "GEOADD g 10 10 x 20", "EXISTS g", "SET s v", "GEOADD s 10 10 x", "GEOADD g 10 10 a 200 0 b",
        "EXISTS g")


def test_geopos_geodist_geohash(both):
    run(both, SICILY, "GEOPOS Sicily Palermo Catania nope", "GEOPOS nokey a b", "GEOPOS Sicily",
        "GEODIST Sicily Palermo Catania", "GEODIST Sicily Palermo Catania km",
        "GEODIST Sicily Palermo Catania MI", "GEODIST Sicily Palermo Catania ft",
        "GEODIST Sicily Palermo Palermo", "GEODIST Sicily Palermo nope", "GEODIST nokey a b",
        "GEODIST Sicily Palermo Catania parsecs", "GEODIST Sicily Palermo Catania km x",
        "GEOHASH Sicily Palermo Catania nope", "GEOHASH nokey a", "GEOHASH Sicily",
        "SET s v", "GEOPOS s a", "GEODIST s a b", "GEOHASH s a")


def test_georadius_variants(both):
    run(both, SICILY,
        "GEORADIUS Sicily 15 37 200 km", "GEORADIUS Sicily 15 37 200 km ASC",
        "GEORADIUS Sicily 15 37 200 km DESC WITHDIST", "GEORADIUS Sicily 15 37 200 km WITHCOORD WITHHASH",
        "GEORADIUS Sicily 15 37 200 km WITHDIST WITHCOORD WITHHASH COUNT 2",
        "GEORADIUS Sicily 15 37 200 km COUNT 1 ANY", "GEORADIUS Sicily 15 37 1 m",
        "GEORADIUS Sicily 15 37 500 mi", "GEORADIUS Sicily 15 37 300000 ft DESC",
        "GEORADIUS_RO Sicily 15 37 200 km WITHDIST", "GEORADIUSBYMEMBER Sicily Palermo 200 km WITHDIST",
        "GEORADIUSBYMEMBER_RO Sicily Agri 100 km", "GEORADIUSBYMEMBER Sicily nope 100 km",
        "GEORADIUSBYMEMBER nokey nope 100 km", "GEORADIUSBYMEMBER nokey nope x y",
        "GEORADIUS nokey 15 37 200 km", "GEORADIUS Sicily 15 37 200 km STORE dst",
        "ZRANGE dst 0 -1 WITHSCORES", "GEORADIUS Sicily 15 37 200 km STOREDIST dst2 DESC",
        "ZRANGE dst2 0 -1", "ZCOUNT dst2 56.4412 56.4413", "ZCOUNT dst2 190.44242 190.44243", "GEORADIUS Sicily 15 37 1 m STORE dst", "EXISTS dst",
        "GEORADIUS nokey 15 37 1 m STORE dst2", "EXISTS dst2", "GEORADIUS Sicily 0 0 0 m",
        "GEORADIUS Sicily 15 37 0 km")


def test_georadius_errors(both):
    run(both, SICILY, "GEORADIUS Sicily 15 37 -1 km", "GEORADIUS Sicily 15 37 x km",
        "GEORADIUS Sicily 15 37 200 parsec", "GEORADIUS Sicily 200 37 200 km",
        "GEORADIUS Sicily 15 37 200 km COUNT 0", "GEORADIUS Sicily 15 37 200 km COUNT -1",
        "GEORADIUS Sicily 15 37 200 km COUNT x", "GEORADIUS Sicily 15 37 200 km COUNT",
        "GEORADIUS Sicily 15 37 200 km ANY", "GEORADIUS Sicily 15 37 200 km FOO",
        "GEORADIUS Sicily 15 37 200 km STORE d WITHDIST", "GEORADIUS_RO Sicily 15 37 200 km STORE d",
        "GEORADIUS Sicily 15 37 200 km FROMMEMBER Palermo", "GEORADIUS Sicily 15 37 200",
        "SET s v", "GEORADIUS s 15 37 200 km", "GEORADIUSBYMEMBER s a 1 km")


def test_geosearch(both):
    run(both, SICILY,
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km ASC",
        "GEOSEARCH Sicily FROMMEMBER Palermo BYRADIUS 200 km WITHDIST WITHCOORD",
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 400 400 km ASC WITHDIST WITHHASH",
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 100 600 km", "GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 600 100 km DESC",
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 500 km COUNT 2 ANY",
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 500 km COUNT 3 DESC",
        "GEOSEARCHSTORE dst Sicily FROMLONLAT 15 37 BYBOX 400 400 km", "ZRANGE dst 0 -1 WITHSCORES",
        "GEOSEARCHSTORE dst Sicily FROMLONLAT 15 37 BYBOX 400 400 km STOREDIST",
        "ZRANGE dst 0 -1", "ZCOUNT dst 88.8287 88.8288", "GEOSEARCHSTORE dst nokey FROMLONLAT 15 37 BYBOX 4 4 km", "EXISTS dst",
        "GEOSEARCH nokey FROMMEMBER x BYRADIUS 1 km", "GEOSEARCH Sicily FROMMEMBER nope BYRADIUS 1 km")


def test_geosearch_errors(both):
    run(both, SICILY, "GEOSEARCH Sicily BYRADIUS 1 km", "GEOSEARCH Sicily FROMLONLAT 15 37",
        "GEOSEARCH Sicily FROMLONLAT 15 37 FROMMEMBER Palermo BYRADIUS 1 km",
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 1 km BYBOX 1 1 km", "geosearch Sicily BYBOX 1 1 km",
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX -1 1 km", "GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX x 1 km",
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 1 x km", "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 1 km STORE d",
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 1 km STOREDIST",
        "GEOSEARCHSTORE d Sicily FROMLONLAT 15 37 BYRADIUS 1 km WITHDIST",
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 1 km ANY", "GEOSEARCH Sicily FROMLONLAT 15 BYRADIUS 1 km",
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 1 parsec")


def test_many_points_search_order(both):
    rnd = random.Random(5)
    args = ["GEOADD", "pts"]
    for i in range(400):
        args += ["%.6f" % rnd.uniform(-20, 20), "%.6f" % rnd.uniform(30, 60), "p%d" % i]
    run(both, args)
    for lon, lat, r in ((0, 45, 300), (10, 50, 800), (-15, 35, 2000), (5, 40, 50), (0, 45, 5000)):
        run(both, "GEORADIUS pts %d %d %d km" % (lon, lat, r),
            "GEORADIUS pts %d %d %d km WITHDIST ASC COUNT 15" % (lon, lat, r),
            "GEOSEARCH pts FROMLONLAT %d %d BYBOX %d %d km WITHCOORD" % (lon, lat, r, r // 2),
            "GEOSEARCH pts FROMLONLAT %d %d BYRADIUS %d km COUNT 5 ANY" % (lon, lat, r))
    run(both, "GEOADD polar 0 84 a 90 84.5 b 179.9 80 c -179.9 80 d 0 -84 e",
        "GEORADIUS polar 0 84 1000 km WITHDIST", "GEORADIUS polar 180 80 100 km WITHDIST",
        "GEOSEARCH polar FROMLONLAT 0 -84 BYBOX 1000 1000 km WITHDIST")
