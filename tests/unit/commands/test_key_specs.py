"""Key extraction from key specs (``commands/keys.py``), on hand-made specs.

The differential tests (tests/compat/test_command_table_diff.py) check the same code
against real Redis's GETKEYSANDFLAGS; these pin the algorithm's edge cases.
"""

from __future__ import annotations

from vermilion.commands import keys as K
from vermilion.commands.spec import CommandSpec, KeyFlag, ks

RO, RW, OW = KeyFlag.RO, KeyFlag.RW, KeyFlag.OW


def make(*specs, arity=-2, get_keys=None, name=b"x") -> CommandSpec:
    s = CommandSpec(name=name, handler=None, arity=arity, flags=None, acl=None, keys=tuple(specs), get_keys=get_keys)
    s.has_keys = K.has_keys(s)
    s.keys_by_specs = K.uses_key_specs(s)
    s.key_range = K.plain_range(s)
    return s


def argv(*words: str) -> list[bytes]:
    return [w.encode() for w in words]


def pos(spec, *words):
    return [p for p, _ in K.get_keys(spec, argv(*words))]


def test_index_range():
    get = make(ks("RO ACCESS", 1), arity=2)
    assert K.get_keys(get, argv("get", "k")) == [(1, RO | KeyFlag.ACCESS)]
    mget = make(ks("RO", 1, last=-1))
    assert pos(mget, "mget", "a", "b", "c") == [1, 2, 3]
    mset = make(ks("OW", 1, last=-1, step=2))
    assert pos(mset, "mset", "a", "1", "b", "2") == [1, 3]
    assert pos(mset, "mset", "a", "1", "b") == [1, 3]
    blpop = make(ks("RW", 1, last=-2))
    assert pos(blpop, "blpop", "a", "b", "0") == [1, 2]
    assert pos(blpop, "blpop", "0") == []  # last < first: invalid, no callback


def test_plain_range_fast_path_agrees_with_the_walker():
    for spec in (make(ks("RO", 1), arity=2), make(ks("RO", 1, last=-1)), make(ks("OW", 1, last=-1, step=2)),
                 make(ks("RW", 1, last=-2)), make(ks("RW", 2, last=1)), make(ks("RW", 1, last=2, step=2))):
        assert spec.key_range is not None
        for n in range(1, 8):
            words = [b"c"] + [b"a%d" % i for i in range(n)]
            assert K.get_keys(spec, words) == (K.keys_from_specs(spec, words) or []), (spec.keys, n)
    assert make(ks("RO INCOMPLETE", 1)).key_range is None
    assert make(ks("RO", 1), ks("RW", 2)).key_range is None
    assert make(ks("RO", keyword=b"K")).key_range is None


def test_two_specs_keep_spec_order():
    lmove = make(ks("RW", 1), ks("RW INSERT", 2))
    assert K.get_keys(lmove, argv("lmove", "a", "b", "l", "r")) == [(1, RW), (2, RW | KeyFlag.INSERT)]


def test_keyword_forwards_and_backwards():
    store = make(ks("RO", 1), ks("OW", keyword=b"STORE", startfrom=6))
    assert pos(store, "georadius", "k", "0", "0", "1", "km", "store", "d") == [1, 7]
    assert pos(store, "georadius", "k", "0", "0", "1", "km") == [1]  # absent keyword: no key
    assert pos(store, "georadius", "k", "0", "0", "1", "km", "STORE") == [1]  # keyword last: not examined
    keys_kw = make(ks("RW", keyword=b"KEYS", startfrom=-2, last=-1))
    assert pos(keys_kw, "migrate", "h", "p", "", "0", "5", "keys", "a", "b") == [7, 8]
    assert pos(keys_kw, "migrate", "h", "p", "keys", "0", "5", "keys", "a") == [7]  # backwards: the last KEYS


def test_range_limit():
    xread = make(ks("RO", keyword=b"STREAMS", startfrom=1, last=-1, limit=2))
    assert pos(xread, "xread", "count", "1", "streams", "a", "b", "0", "0") == [4, 5]
    assert pos(xread, "xread", "streams", "a", "0") == [2]
    assert pos(xread, "xread", "streams", "a") == []


def test_keynum():
    zu = make(ks("OW", 1), ks("RO", 2, keynum=(0, 1, 1)))
    assert pos(zu, "zunionstore", "d", "2", "a", "b") == [1, 3, 4]
    assert pos(zu, "zunionstore", "d", "0", "a") == []  # zero keys: last < first, invalid
    assert pos(zu, "zunionstore", "d", "-1", "a") == []
    assert pos(zu, "zunionstore", "d", "x", "a") == []
    assert pos(zu, "zunionstore", "d", "01", "a") == []  # string2ll: no leading zeros
    assert pos(zu, "zunionstore", "d", "3", "a") == []  # past argv
    lmpop = make(ks("RW", 1, keynum=(0, 1, 1)))
    assert pos(lmpop, "lmpop", "2", "a", "b", "left") == [2, 3]
    stepped = make(ks("RW", 1, keynum=(0, 1, 2)))
    # Redis 7.2 computes last = first + numkeys - 1, ignoring keystep (no built-in command
    # has a keynum step other than 1); we keep its answer.
    assert pos(stepped, "x", "2", "a", "v", "b", "v") == [2]


def test_invalid_spec_falls_back_to_callback():
    calls = []

    def cb(a):
        calls.append(a)
        return [(1, KeyFlag.RO)]

    s = make(ks("RO", 1), ks("OW INCOMPLETE", unknown=True), get_keys=cb)
    assert K.get_keys(s, argv("sort", "k")) == [(1, KeyFlag.RO)]
    assert calls
    # Bare positions take the first spec's flags.
    s2 = make(ks("RO ACCESS", 1), ks("OW", unknown=True), get_keys=lambda a: [1])
    assert K.get_keys(s2, argv("sort", "k")) == [(1, RO | KeyFlag.ACCESS)]
    # An INCOMPLETE spec without a callback: no keys.
    s3 = make(ks("RO INCOMPLETE", 1))
    assert K.get_keys(s3, argv("x", "k")) == []


def test_variable_flags_prefer_the_callback():
    s = make(ks("RW ACCESS UPDATE VARIABLE_FLAGS", 1), get_keys=K.set_get_keys, name=b"set")
    assert not s.keys_by_specs
    assert K.get_keys(s, argv("set", "k", "v")) == [(1, OW | KeyFlag.UPDATE)]
    assert K.get_keys(s, argv("set", "k", "v", "EX", "1", "gEt")) == [(1, RW | KeyFlag.ACCESS | KeyFlag.UPDATE)]
    # Without a callback the specs are all there is.
    assert K.get_keys(make(ks("RW VARIABLE_FLAGS", 1)), argv("set", "k", "v"))[0][0] == 1


def test_not_key_specs_are_skipped():
    spublish = make(ks("NOT_KEY", 1))
    assert not K.has_keys(spublish)
    assert K.get_keys(spublish, argv("spublish", "c", "m")) == []
    assert K.keys_from_specs(spublish, argv("spublish", "c", "m"), include_not_keys=True) == [(1, KeyFlag.NOT_KEY)]
    assert not K.has_keys(make())
    assert K.has_keys(make(get_keys=lambda a: []))


def test_native_procs():
    assert K.sort_get_keys(argv("sort", "a")) == [(1, K.RO_ACCESS)]
    assert [p for p, _ in K.sort_get_keys(argv("sort", "a", "by", "store", "store", "d", "store", "e"))] == [1, 7]
    assert [p for p, _ in K.sort_get_keys(argv("sort", "a", "limit", "0", "1", "store"))] == [1]
    assert [p for p, _ in K.migrate_get_keys(argv("migrate", "h", "p", "k", "0", "5"))] == [3]
    assert [p for p, _ in K.migrate_get_keys(argv("migrate", "h", "p", "", "0", "5", "auth2", "u", "p", "keys", "a", "b"))] == [10, 11]
    assert K.migrate_get_keys(argv("migrate", "h", "p", "k", "0", "5", "keys", "a")) == []
    assert K.bitfield_get_keys(argv("bitfield", "k", "get", "u8", "0")) == [(1, K.RO_ACCESS)]
    assert K.bitfield_get_keys(argv("bitfield", "k", "overflow", "sat", "incrby", "u8", "0", "1")) == [(1, K.RW_ACCESS_UPDATE)]
    assert K.bitfield_get_keys(argv("bitfield", "k", "get", "u8")) == [(1, K.RW_ACCESS_UPDATE)]
    ev = K.NATIVE_GET_KEYS[b"eval"]
    assert [p for p, _ in ev(argv("eval", "s", "2", "a", "b"))] == [3, 4]
    assert [p for p, _ in ev(argv("eval", "s", "1abc", "a"))] == [3]  # atoi, as Redis
    assert ev(argv("eval", "s", "0")) == [] and ev(argv("eval", "s", "3", "a")) == []
    zs = K.NATIVE_GET_KEYS[b"zunionstore"]
    assert zs(argv("zunionstore", "d", "2", "a", "b")) == [(3, K.NO_FLAGS), (4, K.NO_FLAGS), (1, K.NO_FLAGS)]
    assert [p for p, _ in K.xread_get_keys(argv("xread", "block", "0", "streams", "a", "b", "1", "2"))] == [4, 5]
    assert K.xread_get_keys(argv("xread", "streams", "a", "b", "1")) == []


def test_atoi_and_strict_int():
    assert K._atoi(b"  -12x") == -12 and K._atoi(b"x") == 0 and K._atoi(b"+7") == 7
    assert K._atoi(b"4294967297") == 1  # truncated to a C int
    assert K._strict_int(b"12") == 12 and K._strict_int(b"-3") == -3
    for bad in (b"", b"-", b"-0", b"01", b" 1", b"1 ", b"+1", b"9223372036854775808"):
        assert K._strict_int(bad) is None, bad
