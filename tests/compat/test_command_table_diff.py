"""The command table, compared with the real redis-server.

* COMMAND INFO of every command and subcommand registered in Vermilion (the registry is
  iterated, so commands added later are picked up) equals real Redis's, field by field
  and byte for byte, over RESP2 and RESP3.  Redis lists subcommands in hash-table order
  (randomised per process), so a container's subcommands are compared as a set of
  names and each subcommand is checked on its own.
* The derived views (legacy first/last/step, movablekeys) and the key-spec walker are
  also checked against *all* of real Redis's commands, from its own key specs.
* COMMAND DOCS of the COMMAND family, GETKEYS/GETKEYSANDFLAGS for a spread of
  commands, COMMAND LIST FILTERBY, COUNT, HELP and the error replies.

We follow Redis 7.2 where it deliberately differs from the installed 7.0; each such
difference is in an allow-list below, with its reason.
"""

from __future__ import annotations

import pytest

from support.raw import RawClient
from vermilion.commands import keys as keys_mod
from vermilion.commands.registry import COMMANDS, legacy_range
from vermilion.commands.spec import AclCat, CommandSpec, KeyFlag, KeySpec

# ---------------------------------------------------------------------------------------
# Allow-lists: where Redis 7.2 (which we follow) differs from the installed 7.0.
# ---------------------------------------------------------------------------------------

# Commands that do not exist in 7.0 at all.
NEW_IN_72 = {
    b"client|no-touch": "CLIENT NO-TOUCH was added in 7.2.0",
    b"client|setinfo": "CLIENT SETINFO was added in 7.2.0",
    b"waitaof": "WAITAOF was added in 7.2.0",
    b"cluster|myshardid": "CLUSTER MYSHARDID was added in 7.2.0",
}

# COMMAND INFO fields (0 name, 1 arity, 2 flags, 3-5 first/last/step, 6 categories,
# 7 tips, 8 key specs) that 7.2 changed for a command.
INFO_FIELDS_CHANGED_IN_72 = {
    b"command|getkeys": ({1}, "arity -4 -> -3 in 7.2: GETKEYS of a command without arguments (redis#11201)"),
    b"command|getkeysandflags": ({1}, "arity -4 -> -3 in 7.2 (redis#11201)"),
    b"zrank": ({1}, "arity 3 -> -3 in 7.2: the WITHSCORE option"),
    b"zrevrank": ({1}, "arity 3 -> -3 in 7.2: the WITHSCORE option"),
}

# COMMAND DOCS: 7.2 rewrote every command summary ("Get the value of a key" became
# "Returns the string value of a key."), so summaries are compared with 7.2's text in
# test_command_family_docs and ignored against 7.0.
DOCS_ARGS_CHANGED_IN_72 = {
    b"command|getkeys": "7.2 documents the <command> [arg ...] arguments (redis#11201)",
    b"command|getkeysandflags": "7.2 documents the <command> [arg ...] arguments (redis#11201)",
}

# ---------------------------------------------------------------------------------------
# A small RESP reader that keeps the wire types, for structural comparisons.
# ---------------------------------------------------------------------------------------


def parse(data: bytes, pos: int = 0):
    """``(value, next_pos)``; aggregates are ``(typechar, [items])``, scalars ``(typechar, bytes)``."""
    t = data[pos : pos + 1]
    end = data.index(b"\r\n", pos)
    head = data[pos + 1 : end]
    pos = end + 2
    if t in (b"$", b"=", b"!"):
        n = int(head)
        if n < 0:
            return (t, None), pos
        return (t, data[pos : pos + n]), pos + n + 2
    if t in (b"*", b"~", b">", b"%", b"|"):
        n = int(head)
        if n < 0:
            return (t, None), pos
        if t in (b"%", b"|"):
            n *= 2
        items = []
        for _ in range(n):
            v, pos = parse(data, pos)
            items.append(v)
        return (t, items), pos
    return (t, head), pos


def value(data: bytes):
    v, end = parse(data)
    assert end == len(data)
    return v


def pairs(node) -> dict:
    items = node[1]
    return {items[i][1]: items[i + 1] for i in range(0, len(items), 2)}


def plain(node):
    """Wire value -> plain Python (bytes/int/list), types dropped."""
    t, v = node
    if isinstance(v, list):
        return [plain(x) for x in v]
    if t == b":":
        return int(v)
    return v


# ---------------------------------------------------------------------------------------
# Fixtures: one connection pair per protocol for the whole module.
# ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=[2, 3], ids=["resp2", "resp3"])
def pair(request, vermilion_server, redis_server):
    v, r = RawClient(vermilion_server.port), RawClient(redis_server.port)
    if request.param == 3:
        v.call("HELLO", "3")
        r.call("HELLO", "3")
    yield v, r
    v.close()
    r.close()


@pytest.fixture(scope="module")
def redis_table(redis_server):
    """Real Redis's COMMAND (RESP2) as ``{fullname: entry}``, subcommands included."""
    c = RawClient(redis_server.port)
    try:
        entries = value(c.call("COMMAND"))[1]
    finally:
        c.close()
    table = {}
    for e in entries:
        table[e[1][0][1]] = e
        for sub in e[1][9][1]:
            table[sub[1][0][1]] = sub
    return table


def all_specs() -> list[CommandSpec]:
    return [s for top in COMMANDS.values() for s in top.all_specs()]


def registered_names() -> list[str]:
    return [s.fullname.decode() for s in all_specs()]


# ---------------------------------------------------------------------------------------
# COMMAND INFO, every registered command.
# ---------------------------------------------------------------------------------------


def _compare_info(name: bytes, ours: bytes, theirs: bytes) -> None:
    if name in NEW_IN_72:
        assert theirs in (b"*1\r\n$-1\r\n", b"*1\r\n_\r\n"), "the installed Redis has it: drop the allow-list entry"
        assert ours not in (b"*1\r\n$-1\r\n", b"*1\r\n_\r\n")
        return
    a, b = value(ours)[1][0], value(theirs)[1][0]
    assert b[1] is not None, f"{name!r} is not a Redis command"
    assert a[0] == b[0]
    allowed = INFO_FIELDS_CHANGED_IN_72.get(name, (set(), ""))[0]
    for i in range(9):
        if i not in allowed:
            assert a[1][i] == b[1][i], f"{name!r} COMMAND INFO field {i}: ours {a[1][i]!r} redis {b[1][i]!r}"
    # Subcommands: same reply type, no names Redis lacks; each is checked on its own.
    assert a[1][9][0] == b[1][9][0], name
    ours_subs = {s[1][0][1] for s in a[1][9][1]}
    theirs_subs = {s[1][0][1] for s in b[1][9][1]}
    extra = ours_subs - theirs_subs - set(NEW_IN_72)
    assert not extra, f"subcommands Redis does not have: {extra}"


@pytest.mark.parametrize("name", registered_names())
def test_command_info_matches_redis(pair, name):
    v, r = pair
    _compare_info(name.encode(), v.call("COMMAND", "INFO", name), r.call("COMMAND", "INFO", name))


def test_command_info_bytes_for_plain_commands(pair):
    """Byte-for-byte on whole replies, several names at once, unknown names included."""
    v, r = pair
    names = [s.fullname.decode() for s in all_specs()
             if not s.subcommands and s.fullname not in NEW_IN_72 and s.fullname not in INFO_FIELDS_CHANGED_IN_72]
    for i in range(0, len(names), 25):
        chunk = names[i : i + 25] + ["nosuchcommand", "get|x", "client|", "a|b|c", ""]
        assert v.call("COMMAND", "INFO", *chunk) == r.call("COMMAND", "INFO", *chunk)


def test_command_info_name_forms(pair):
    v, r = pair
    for args in (("GET",), ("CLIENT|KILL",), ("client|KiLl",), ("command|count",), ("x",), ("get", "get")):
        assert v.call("COMMAND", "INFO", *args) == r.call("COMMAND", "INFO", *args), args


def test_command_all_lists_every_top_level_command(pair):
    v, _ = pair
    entries = value(v.call("COMMAND"))[1]
    assert [e[1][0][1] for e in entries] == list(COMMANDS)
    assert value(v.call("COMMAND", "INFO"))[1] == entries
    for e in entries:
        assert value(v.call("COMMAND", "INFO", e[1][0][1]))[1] == [e]


def test_count_and_list(pair):
    v, r = pair
    assert v.call("COMMAND", "COUNT") == b":%d\r\n" % len(COMMANDS)
    listed = plain(value(v.call("COMMAND", "LIST")))
    assert listed == [s.fullname for s in all_specs()]
    redis_listed = set(plain(value(r.call("COMMAND", "LIST"))))
    assert set(listed) - redis_listed <= set(NEW_IN_72)


def test_list_filterby(pair, redis_table):
    v, r = pair
    ours_all = {s.fullname for s in all_specs()}
    for cat in [c.name.lower() for c in AclCat] + ["KEYSPACE", "nosuch", "@read"]:
        ours = plain(value(v.call("COMMAND", "LIST", "FILTERBY", "ACLCAT", cat)))
        theirs = set(plain(value(r.call("COMMAND", "LIST", "FILTERBY", "ACLCAT", cat))))
        assert len(ours) == len(set(ours))
        assert set(ours) - set(NEW_IN_72) == theirs & ours_all - set(NEW_IN_72), cat
    for pattern in ("*", "client*", "CLIENT|K*", "*|*", "?et", "[gs]et", "nomatch*", "z*store"):
        ours = plain(value(v.call("COMMAND", "LIST", "FILTERBY", "PATTERN", pattern)))
        theirs = set(plain(value(r.call("COMMAND", "LIST", "FILTERBY", "PATTERN", pattern))))
        assert set(ours) - set(NEW_IN_72) == theirs & ours_all - set(NEW_IN_72), pattern
    for args in (("FILTERBY", "MODULE", "x"), ("filterby", "module", "")):
        assert v.call("COMMAND", "LIST", *args) == r.call("COMMAND", "LIST", *args)


def test_list_errors(pair):
    v, r = pair
    for args in (("FILTERBY",), ("FILTERBY", "x", "y"), ("foo",), ("FILTERBY", "ACLCAT"),
                 ("FILTERBY", "ACLCAT", "read", "extra"), ("FILTERBY", "ACLCAT", "read", "FILTERBY", "PATTERN", "*")):
        assert v.call("COMMAND", "LIST", *args) == r.call("COMMAND", "LIST", *args), args


def test_errors_and_help(pair):
    v, r = pair
    for args in (("COUNT", "x"), ("HELP", "x"), ("FOO",), ("foo", "bar"), ("HELP",), ("help",),
                 ("GETKEYS",), ("GETKEYSANDFLAGS",), ("INFO", "get", "set"), ("DOCS", "nosuch")):
        assert v.call("COMMAND", *args) == r.call("COMMAND", *args), args


# ---------------------------------------------------------------------------------------
# COMMAND DOCS.
# ---------------------------------------------------------------------------------------

COMMAND_FAMILY_SUMMARIES_72 = {
    b"command": b"Returns detailed information about all commands.",
    b"command|count": b"Returns a count of commands.",
    b"command|docs": b"Returns documentary information about one, multiple or all commands.",
    b"command|getkeys": b"Extracts the key names from an arbitrary command.",
    b"command|getkeysandflags": b"Extracts the key names and access flags for an arbitrary command.",
    b"command|help": b"Returns helpful text about the different subcommands.",
    b"command|info": b"Returns information about one, multiple or all commands.",
    b"command|list": b"Returns a list of command names.",
}


def _strip_docs(name: bytes, doc, redis_side: bool) -> dict:
    """A docs map as a dict, summary removed (checked apart), subcommands by name."""
    d = pairs(doc)
    d.pop(b"summary", None)
    if b"subcommands" in d:
        d[b"subcommands"] = {k: _strip_docs(k, sub, redis_side) for k, sub in pairs(d[b"subcommands"]).items()}
    if name in DOCS_ARGS_CHANGED_IN_72:
        d.pop(b"arguments", None)
    return d


def test_command_family_docs(pair):
    v, r = pair
    ours = value(v.call("COMMAND", "DOCS", "command"))
    theirs = value(r.call("COMMAND", "DOCS", "command"))
    assert ours[0] == theirs[0]
    ours_d, theirs_d = pairs(ours)[b"command"], pairs(theirs)[b"command"]
    assert _strip_docs(b"command", ours_d, False) == _strip_docs(b"command", theirs_d, True)
    summaries = {b"command": pairs(ours_d)[b"summary"][1]}
    for name, sub in pairs(pairs(ours_d)[b"subcommands"]).items():
        summaries[name] = pairs(sub)[b"summary"][1]
    assert summaries == COMMAND_FAMILY_SUMMARIES_72
    args = plain(pairs(pairs(pairs(ours_d)[b"subcommands"])[b"command|getkeys"])[b"arguments"])
    assert args == [[b"name", b"command", b"type", b"string"],
                    [b"name", b"arg", b"type", b"string", b"flags", [b"optional", b"multiple"]]]


def test_docs_shapes(pair):
    v, r = pair
    # Unknown names are skipped, repeated names repeat, sub-commands by full name.
    for args in (("nosuch",), ("command|count", "nosuch", "command|count"), ("COMMAND|HELP",), ("command|",)):
        a, b = value(v.call("COMMAND", "DOCS", *args)), value(r.call("COMMAND", "DOCS", *args))
        assert a[0] == b[0]
        assert [k for k in a[1][0::2]] == [k for k in b[1][0::2]], args
    everything = value(v.call("COMMAND", "DOCS"))
    assert [k[1] for k in everything[1][0::2]] == list(COMMANDS)


def test_docs_of_registered_commands_are_well_formed(pair):
    """Every registered command's DOCS entry: group, and key_spec_index within its specs."""
    v, _ = pair
    for spec in all_specs():
        d = pairs(value(v.call("COMMAND", "DOCS", spec.fullname))[1][1])
        assert b"group" in d

        def walk(args):
            for a in args:
                m = pairs(a)
                if b"key_spec_index" in m:
                    assert 0 <= int(m[b"key_spec_index"][1]) < len(spec.keys), spec.fullname
                if b"arguments" in m:
                    walk(m[b"arguments"][1])

        if b"arguments" in d:
            walk(d[b"arguments"][1])


# ---------------------------------------------------------------------------------------
# GETKEYS / GETKEYSANDFLAGS.
# ---------------------------------------------------------------------------------------

GETKEYS_CASES = [
    ("get", "k"), ("set", "k", "v"), ("set", "k", "v", "GET"), ("set", "k", "v", "ex", "10", "get"),
    ("mget", "a", "b", "c"), ("mset", "a", "1", "b", "2"), ("mset", "a", "1", "b"), ("msetnx", "a", "1"),
    ("del", "a", "b"), ("rename", "a", "b"), ("copy", "a", "b"), ("lmove", "a", "b", "left", "right"),
    ("blmove", "a", "b", "left", "right", "0"), ("rpoplpush", "a", "b"), ("blpop", "a", "b", "0"),
    ("lmpop", "2", "a", "b", "left"), ("lmpop", "0", "a", "left"), ("lmpop", "3", "a", "left"),
    ("lmpop", "x", "a", "left"), ("blmpop", "0", "1", "a", "left"), ("zunionstore", "d", "2", "a", "b"),
    ("zunionstore", "d", "1", "a"), ("zunionstore", "d", "0", "a"), ("zunionstore", "d", "2", "a"),
    ("zunion", "2", "a", "b"), ("zinter", "1", "a", "weights", "1"), ("zdiff", "-1", "a"),
    ("zdiffstore", "d", "1", "a"), ("zintercard", "2", "a", "b"), ("sintercard", "1", "a"),
    ("zmpop", "1", "a", "min"), ("bzmpop", "0", "2", "a", "b", "max"), ("zrangestore", "d", "s", "0", "1"),
    ("sort", "a"), ("sort", "a", "store", "b"), ("sort", "a", "by", "store", "get", "x", "store", "d"),
    ("sort", "a", "limit", "0", "1", "store", "d", "store", "e"), ("sort_ro", "a", "by", "x"),
    ("bitfield", "k", "get", "u8", "0"), ("bitfield", "k", "set", "u8", "0", "1"), ("bitfield", "k"),
    ("bitfield", "k", "overflow", "wrap", "get", "u8", "0"), ("bitfield", "k", "bogus"),
    ("bitfield_ro", "k", "get", "u8", "0"), ("bitop", "and", "d", "a", "b"), ("bitcount", "k"),
    ("georadius", "k", "0", "0", "1", "km", "store", "d"), ("georadius", "k", "0", "0", "1", "km"),
    ("georadiusbymember", "k", "m", "1", "km", "storedist", "d", "store", "e"),
    ("geosearchstore", "d", "s", "frommember", "m", "byradius", "1", "km"),
    ("migrate", "h", "1", "k", "0", "5"), ("migrate", "h", "1", "", "0", "5", "keys", "a", "b"),
    ("migrate", "h", "1", "", "0", "5", "copy", "auth", "p", "keys", "a"),
    ("migrate", "h", "1", "k", "0", "5", "keys", "a"),
    ("eval", "s", "0"), ("eval", "s", "2", "a", "b"), ("eval", "s", "1abc", "k"), ("zunionstore", "d", "1x", "a"), ("eval", "s", "5", "a"), ("evalsha", "s", "1", "a"),
    ("fcall", "f", "1", "a", "x"), ("xread", "streams", "a", "0"), ("xread", "count", "1", "streams", "a", "b", "0", "0"),
    ("xread", "streams", "a", "b", "0"), ("xreadgroup", "group", "g", "c", "streams", "a", "0"),
    ("xadd", "s", "*", "f", "v"), ("lcs", "a", "b"), ("object", "encoding", "k"), ("memory", "usage", "k"),
    ("pfcount", "a", "b"), ("pfmerge", "d", "a"), ("hset", "h", "f", "v"), ("smove", "a", "b", "m"),
    ("sinterstore", "d", "a", "b"), ("getex", "k", "persist"), ("getdel", "k"), ("touch", "a", "b"),
    ("exists", "a"), ("unlink", "a", "b"), ("watch", "a", "b"), ("expire", "k", "1"),
    ("debug", "object", "k"), ("client", "kill", "x"), ("client", "nosuch"), ("ping",), ("ping", "x"),
    ("spublish", "c", "m"), ("publish", "c", "m"), ("get",), ("get", "a", "b"), ("nosuch", "a"),
    ("substr", "k", "0", "1"), ("rpush", "k", "a", "b"), ("linsert", "k", "before", "p", "v"),
]


def _registered(cmd: tuple) -> bool:
    base = COMMANDS.get(cmd[0].lower().encode())
    if base is None:
        return cmd[0] in ("nosuch",)
    if base.subcommands and len(cmd) > 1:
        return cmd[1].lower().encode() in base.subcommands or cmd[1] == "nosuch"
    return True


@pytest.mark.parametrize("cmd", GETKEYS_CASES, ids=lambda c: " ".join(c)[:40])
def test_getkeys(pair, cmd):
    if not _registered(cmd):
        pytest.skip(f"{cmd[0]} is not implemented yet")
    v, r = pair
    for sub in ("GETKEYS", "GETKEYSANDFLAGS"):
        if len(cmd) == 1:
            # 7.0 rejects COMMAND GETKEYS <cmd> by arity (-4); 7.2 (-3) looks the command up.
            expect = (b"-ERR The command has no key arguments\r\n" if not COMMANDS[cmd[0].encode()].has_keys
                      else b"-ERR Invalid number of arguments specified for command\r\n")
            assert v.call("COMMAND", sub, *cmd) == expect
            continue
        assert v.call("COMMAND", sub, *cmd) == r.call("COMMAND", sub, *cmd), (sub, cmd)


# ---------------------------------------------------------------------------------------
# Derived views and the key-spec walker, against every real Redis command's own specs.
# ---------------------------------------------------------------------------------------


def _spec_from_redis(node) -> KeySpec:
    m = pairs(node)
    flags = KeyFlag(0)
    for f in plain(m[b"flags"]):
        flags |= KeyFlag[f.decode().upper()]
    bs, fk = pairs(m[b"begin_search"]), pairs(m[b"find_keys"])
    bss, fks = pairs(bs[b"spec"]), pairs(fk[b"spec"])
    kind = bs[b"type"][1].decode()
    if kind == "index":
        begin: tuple = ("index", int(bss[b"index"][1]))
    elif kind == "keyword":
        begin = ("keyword", bss[b"keyword"][1], int(bss[b"startfrom"][1]))
    else:
        begin = ("unknown",)
    kind = fk[b"type"][1].decode()
    if kind == "range":
        find: tuple = ("range", int(fks[b"lastkey"][1]), int(fks[b"keystep"][1]), int(fks[b"limit"][1]))
    elif kind == "keynum":
        find = ("keynum", int(fks[b"keynumidx"][1]), int(fks[b"firstkey"][1]), int(fks[b"keystep"][1]))
    else:
        find = ("unknown",)
    notes = m.get(b"notes")
    return KeySpec(flags, begin, find, notes[1].decode() if notes else None)


def test_legacy_range_and_movablekeys_match_redis_for_every_command(redis_table):
    checked = 0
    for name, entry in redis_table.items():
        e = entry[1]
        keyspecs = tuple(_spec_from_redis(k) for k in e[8][1])
        triple, movable = legacy_range(keyspecs)
        assert triple == (int(e[3][1]), int(e[4][1]), int(e[5][1])), name
        assert movable == (b"movablekeys" in plain(e[2])), name
        checked += 1
    assert checked > 300


WALKER_CASES = [
    ("mget", "a", "b"), ("mset", "a", "1", "b", "2"), ("lmove", "a", "b", "left", "left"),
    ("zunionstore", "d", "2", "a", "b"), ("zunionstore", "d", "1", "a"), ("xread", "count", "2", "streams", "a", "b", "1", "2"),
    ("xreadgroup", "group", "g", "c", "streams", "a", "1"), ("georadius", "k", "0", "0", "1", "m", "store", "d"),
    ("lmpop", "2", "a", "b", "left"), ("eval", "s", "1", "k"), ("blmpop", "1", "1", "a", "right"),
    ("sintercard", "2", "a", "b", "limit", "1"), ("geosearchstore", "d", "s", "fromlonlat", "0", "0", "bybox", "1", "1", "m"),
    ("rename", "a", "b"), ("object", "freq", "k"), ("bitop", "not", "d", "s"), ("pfmerge", "d", "a", "b"),
    ("restore", "k", "0", "x"), ("zunionstore", "d", "1x", "a"), ("eval", "s", "1abc", "k"),
    ("migrate", "h", "1", "", "0", "5", "keys", "a", "b"), ("migrate", "h", "1", "k", "0", "5", "keys", "a"),
    ("sort", "a", "store", "b"), ("sort", "a", "by", "x", "get", "store", "store", "d"), ("set", "k", "v", "get"),
    ("bitfield", "k", "get", "u8", "0"), ("bitfield", "k", "incrby", "u8", "0", "1"), ("xread", "streams", "a", "b", "0"), ("zrangestore", "d", "s", "0", "-1"), ("lcs", "a", "b"), ("smove", "s", "d", "m"),
]


@pytest.mark.parametrize("cmd", WALKER_CASES, ids=lambda c: " ".join(c)[:40])
def test_key_walker_on_redis_specs(redis_table, redis_server, cmd):
    """keys_from_specs on Redis's own key specs gives what Redis's GETKEYSANDFLAGS gives."""
    entry = redis_table[cmd[0].encode()]
    if entry[1][9][1]:  # a container: the subcommand's own specs
        entry = redis_table[f"{cmd[0]}|{cmd[1]}".encode()]
    keyspecs = tuple(_spec_from_redis(k) for k in entry[1][8][1])
    spec = CommandSpec(name=cmd[0].encode(), handler=None, arity=int(entry[1][1][1]), flags=None, acl=None,
                       keys=keyspecs)
    spec.get_keys = keys_mod.NATIVE_GET_KEYS.get(spec.name)
    spec.keys_by_specs = keys_mod.uses_key_specs(spec)
    spec.key_range = keys_mod.plain_range(spec)
    argv = [a.encode() for a in cmd]
    found = keys_mod.get_keys(spec, argv)
    c = RawClient(redis_server.port)
    try:
        reply = c.call("COMMAND", "GETKEYSANDFLAGS", *cmd)
    finally:
        c.close()
    theirs = [] if reply.startswith(b"-ERR Invalid arguments") else plain(value(reply))
    ours = [[argv[p], [n for f in KeyFlag if f & flags for n in [f.name.encode() if f in
             (KeyFlag.RO, KeyFlag.RW, KeyFlag.OW, KeyFlag.RM) else f.name.lower().encode()]]] for p, flags in found]
    assert ours == theirs
