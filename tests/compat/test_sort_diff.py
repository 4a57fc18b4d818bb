"""SORT / SORT_RO against the real server: lists, sets, sorted sets, BY/GET patterns,
LIMIT, ALPHA, DESC, STORE and every error."""

from __future__ import annotations


def run(both, *cmds):
    for cmd in cmds:
        args = cmd.split(" ") if isinstance(cmd, str) else cmd
        both.check(*args)


DATA = ("RPUSH l 3 1 2 10 -5 2.5 1e2", "SADD s 3 1 2 10 -5", "ZADD z 3 c 1 a 2 b 0 d",
        "RPUSH w banana apple cherry Apple", "MSET w_1 30 w_2 10 w_3 20 w_10 5 w_-5 0",
        "HSET h_1 f 3 g x", "HSET h_2 f 1 g y", "HSET h_3 f 2 g z", "MSET n_a 9 n_b 7 n_c 8 n_d 1")


def test_sort_numeric_and_alpha(both):
    run(both, *DATA, "SORT l", "SORT l DESC", "SORT l LIMIT 1 3", "SORT l LIMIT -1 2", "SORT l LIMIT 2 -1",
        "SORT l LIMIT 100 2", "SORT l LIMIT 0 0", "SORT l DESC LIMIT 1 2", "SORT s", "SORT s DESC",
        "SORT w ALPHA", "SORT w ALPHA DESC", "SORT w ALPHA LIMIT 1 2", "SORT w", "SORT z", "SORT z ALPHA",
        "SORT z ALPHA DESC", "SORT nokey", "SORT nokey ALPHA DESC LIMIT 0 1", "SORT_RO l DESC",
        "SORT_RO w ALPHA", "SORT l ASC", "SORT l DESC ASC")


def test_sort_by_and_get(both):
    run(both, *DATA, "RPUSH k 1 2 3 10 -5",
        "SORT k BY w_*", "SORT k BY w_* DESC", "SORT k BY w_* GET #", "SORT k BY w_* GET # GET w_*",
        "SORT k BY h_*->f", "SORT k BY h_*->f GET h_*->g GET #", "SORT k BY nosort", "SORT k BY nosort DESC",
        "SORT k BY nosort LIMIT 1 2", "SORT k BY nosort DESC LIMIT 1 2", "SORT k GET nopattern",
        "SORT k GET h_*->", "SORT k GET h_*->missing", "SORT k BY h_*->g ALPHA", "SORT k BY missing_* ",
        "SORT k BY w_* ALPHA", "SORT z BY nosort", "SORT z BY nosort DESC", "SORT z BY nosort LIMIT 1 2",
        "SORT z BY nosort DESC LIMIT 1 2", "SORT z BY n_*", "SORT z BY n_* GET n_*", "SORT k BY h_*->f LIMIT 1 2",
        "SORT_RO k BY w_* GET #", "SORT k BY nosort BY w_*", "SORT k BY w_* BY nosort DESC", "OBJECT ENCODING z", "ZADD z2 1 a", "SORT_RO z2 LIMIT 0 0",
        "OBJECT ENCODING z2")


def test_sort_store(both):
    run(both, *DATA, "SORT l STORE dst", "LRANGE dst 0 -1", "SORT w ALPHA DESC STORE dst", "LRANGE dst 0 -1",
        "SORT l GET nopattern STORE dst", "LRANGE dst 0 -1", "SORT s BY nosort STORE dst", "LRANGE dst 0 -1",
        "SORT s BY nosort DESC STORE dst", "LRANGE dst 0 -1", "SORT nokey STORE dst", "EXISTS dst",
        "SORT l STORE dst", "SORT l LIMIT 0 0 STORE dst", "EXISTS dst", "SET dst x", "SORT l STORE dst",
        "TYPE dst", "SORT l STORE l", "LRANGE l 0 -1")


def test_sort_errors(both):
    run(both, *DATA, "SORT w", "SORT w DESC LIMIT 0 1", "SORT l LIMIT 1", "SORT l LIMIT a 1", "SORT l LIMIT 1 b",
        "SORT l FOO", "SORT l BY", "SORT l GET", "SORT l STORE", "SORT_RO l STORE dst", "SET str v",
        "SORT str", "SORT h_1", "SORT l BY h_*->g", "RPUSH bad 1 x", "SORT bad", "SORT bad ALPHA",
        "RPUSH f 1 nan 2", "SORT f", "RPUSH f2 1 1e400", "SORT f2")


def test_sort_by_alpha_with_limit_ties_follow_pqsort(both):
    """Equal BY values (here: mostly missing keys) with a LIMIT window: Redis's partial
    quicksort decides the order of ties, and so must we."""
    items = ["RPUSH", "t"] + ["%d" % ((i * 7919) % 101) for i in range(60)]
    run(both, items, "MSET v_3 b v_10 a v_17 b v_50 c v_77 a",
        "SORT t BY v_* ALPHA LIMIT 0 10", "SORT t BY v_* ALPHA LIMIT 5 20 DESC", "SORT t BY v_* ALPHA LIMIT 40 30",
        "SORT t BY v_* ALPHA", "SORT t BY v_* ALPHA DESC", "SORT t BY v_* LIMIT 3 9", "SORT t BY v_* ALPHA LIMIT 0 60")
