"""ACL against the real redis-server: rules and their errors, GETUSER/LIST, CAT, DRYRUN,
GENPASS, AUTH, NOPERM replies and ACL LOG entries, over RESP2 and RESP3.

The installed oracle is Redis 7.0; we follow 7.2 where it differs, so the oracle's
replies are translated first (``to_72``):

* 7.2 creates users with the ``sanitize-payload`` flag; 7.0 does not show it, so that
  flag is dropped from our side before comparing GETUSER and LIST;
* 7.2's NOPERM and DRYRUN texts name the user ("User alice has no permissions to run
  the 'set' command", "No permissions to access a key"); 7.0's say "this user";
* 7.2's ACL LOG entries have entry-id, timestamp-created and timestamp-last-updated,
  which 7.0 lacks; age-seconds and client-info legitimately differ and are masked.

Every test uses its own users (prefixed ``t_``) and removes them; the default user of
the shared servers is never changed here.
"""

from __future__ import annotations

import re

import pytest

from support.raw import RawClient

# ---- a typed RESP reader ---------------------------------------------------------------


def parse(data: bytes, pos: int = 0):
    t = data[pos:pos + 1]
    end = data.index(b"\r\n", pos)
    line = data[pos + 1:end]
    pos = end + 2
    if t in (b"+", b"-", b":", b",", b"_", b"#", b"("):
        return (t, line), pos
    if t in (b"$", b"="):
        n = int(line)
        if n < 0:
            return (t, None), pos
        return (t, data[pos:pos + n]), pos + n + 2
    n = int(line)
    if n < 0:
        return (t, None), pos
    if t == b"%":
        n *= 2
    items = []
    for _ in range(n):
        v, pos = parse(data, pos)
        items.append(v)
    return (t, items), pos


def value(data: bytes):
    return parse(data)[0]


SANITIZE = b"sanitize-payload"


def drop_sanitize(v):
    """Without the ``sanitize-payload`` flag (7.2 sets it on new users, 7.0 does not)."""
    t, x = v
    if isinstance(x, list):
        return (t, [drop_sanitize(i) for i in x if i != (b"$", SANITIZE)])
    if isinstance(x, bytes):
        return (t, x.replace(b" " + SANITIZE, b""))
    return v


def to_72(data: bytes, user: bytes = b"") -> bytes:
    """Rewrite 7.0's ACL denial texts into 7.2's."""
    data = data.replace(b"this user has no permissions to access one of the keys used as arguments",
                        b"No permissions to access a key")
    data = data.replace(b"this user has no permissions to access one of the channels used as arguments",
                        b"No permissions to access a channel")
    data = re.sub(rb"\$\d+\r\nThis user has (no permissions to [^\r]*)\r\n",
                  lambda m: b"$%d\r\nUser %s has %s\r\n" % (len(user) + 10 + len(m.group(1)), user, m.group(1)),
                  data)
    data = data.replace(b"this user has no permissions to run", b"User %s has no permissions to run" % user)
    return data


class AclPair:
    """The differential pair plus the two ports (for logging in more clients)."""

    def __init__(self, both, vport: int, rport: int) -> None:
        self.both = both.both
        self.check = both.check
        self.v, self.r = both.v, both.r
        self.vport, self.rport = vport, rport


@pytest.fixture
def acl(both, vermilion_server, redis_server):
    """The differential pair; users named t_* and the ACL log are cleaned up after."""
    both.both("ACL", "LOG", "RESET")
    yield AclPair(both, vermilion_server.port, redis_server.port)
    for port in (vermilion_server.port, redis_server.port):
        conn = RawClient(port)
        users = value(conn.call("ACL", "USERS"))[1]
        names = [u[1] for u in users if u[1].startswith(b"t_")]
        if names:
            conn.call("ACL", "DELUSER", *names)
        conn.call("ACL", "LOG", "RESET")
        conn.close()


def login(port: int, user: str, password: str, resp: int) -> RawClient:
    c = RawClient(port)
    reply = c.call("HELLO", str(resp), "AUTH", user, password) if resp == 3 else c.call("AUTH", user, password)
    assert not reply.startswith(b"-"), reply
    return c


# ---- SETUSER errors -----------------------------------------------------------------------

BAD_RULES = [
    ["foo"], ["+nosuch"], ["-nosuch"], ["+@nosuch"], ["-@nosuch"], ["+get|"], ["-select|0"],
    ["+config|nosuch"], ["+config|get|x"], ["#abc"], ["#" + "A" * 64], ["!abc"], ["<notthere"],
    ["!" + "a" * 64], ["%~a"], ["%X~a"], ["%RR~a"], ["%WW~a"], ["~*", "~foo"], ["allkeys", "%R~x"],
    ["&*", "&foo"], ["allchannels", "&x"], ["(+get"], ["(+get", "~x"], ["(+get x)"],
    ["(+nosuch ~x)"], ["(~*", "~y)"], ["on", "+get", "bogus", "+set"], ["~a b"], ["&a\tb"],
    ["(", "+get"], ["+get)"],
]


@pytest.mark.parametrize("rules", BAD_RULES, ids=lambda r: " ".join(r))
def test_setuser_errors(acl, rules):
    acl.check("ACL", "SETUSER", "t_bad", *rules)
    acl.check("ACL", "GETUSER", "t_bad")  # nothing was created


def test_setuser_bad_username(acl):
    acl.check("ACL", "SETUSER", "t a")
    acl.check("ACL", "SETUSER", "t\x00a")
    acl.check("ACL", "SETUSER", "t\ta", "on")


def test_failed_setuser_changes_nothing(acl):
    acl.check("ACL", "SETUSER", "t_keep", "on", ">pw", "~k*", "+get")
    acl.check("ACL", "SETUSER", "t_keep", "off", "+set", "nosuch")
    a, b = acl.both("ACL", "GETUSER", "t_keep", compare=False)
    assert drop_sanitize(value(a)) == drop_sanitize(value(b))


# ---- GETUSER / LIST --------------------------------------------------------------------

GOOD_RULES = [
    [],
    ["on"],
    ["on", "nopass", "allkeys", "allchannels", "allcommands"],
    ["on", ">pw1", ">pw2", ">pw1", "<pw2"],
    ["#" + "a" * 64, "#" + "b" * 64, "!" + "a" * 64],
    ["~foo*", "%R~bar", "%W~baz", "%RW~qux", "~foo*", "%R~baz"],
    ["%R~", "%W"],
    ["&ch*", "&x", "&ch*"],
    ["resetchannels", "&a", "resetchannels"],
    ["allcommands", "-get", "nocommands", "+set"],
    ["+config", "-config|set"],
    ["(+get ~x)", "(+set %W~y &z)"],
    ["(+get", "~x)", "clearselectors", "(+ping)"],
    ["on", ">p", "~k", "+get", "reset"],
    ["skip-sanitize-payload"],
    ["skip-sanitize-payload", "sanitize-payload"],
    ["nopass", "resetpass"],
    ["", "on", ""],
]


@pytest.mark.parametrize("rules", GOOD_RULES, ids=lambda r: " ".join(r) or "none")
def test_getuser_and_list(acl, rules):
    acl.check("ACL", "SETUSER", "t_u", *rules)
    a, b = acl.both("ACL", "GETUSER", "t_u", compare=False)
    assert drop_sanitize(value(a)) == drop_sanitize(value(b))
    a, b = acl.both("ACL", "LIST", compare=False)
    mine = [x for x in drop_sanitize(value(a))[1] if x[1].startswith(b"user t_")]
    theirs = [x for x in drop_sanitize(value(b))[1] if x[1].startswith(b"user t_")]
    assert mine == theirs


# Redis 7.2 keeps the command rules as given (de-duplicated per command, lower-cased)
# where 7.0 recomputed a best-fit description from the bitmap.
RULES_72 = [
    (["+@string", "-set", "+@read"], b"-@all +@string -set +@read"),
    (["+@all", "-@dangerous", "+flushall"], b"+@all -@dangerous +flushall"),
    (["+client|list", "+config|get", "-config|get"], b"-@all +client|list -config|get"),
    (["+select|0", "+select|1", "+select|0"], b"-@all +select|1 +select|0"),
    (["+GET", "+Config|Get", "+@STRING"], b"-@all +get +config|get +@string"),
    (["+get", "-@all", "+set"], b"-@all +set"),
    (["+get", "+set", "-get", "+get"], b"-@all +set +get"),
    (["allcommands", "-get", "+get"], b"+@all +get"),
    (["-@all", "+@hash", "-hset", "+@hash"], b"-@all -hset +@hash"),
]


@pytest.mark.parametrize("rules,expected", RULES_72, ids=[" ".join(r) for r, _ in RULES_72])
def test_command_rules_kept_as_given_72(acl, rules, expected):
    acl.check("ACL", "SETUSER", "t_u", *rules)
    a, b = acl.both("ACL", "GETUSER", "t_u", compare=False)
    ours, theirs = value(a)[1], value(b)[1]
    assert ours[5] == (b"$", expected)
    # the same permissions as the oracle: ACL DRYRUN of a spread of commands agrees
    for cmd in (["get", "k"], ["set", "k", "v"], ["hset", "h", "f", "v"], ["hget", "h", "f"],
                ["flushall"], ["config", "get", "x"], ["config", "set", "x", "y"], ["select", "0"],
                ["select", "1"], ["client", "list"], ["strlen", "k"], ["info"]):
        x, y = acl.both("ACL", "DRYRUN", "t_u", *cmd, compare=False)
        assert x == to_72(y, b"t_u"), cmd
    _ = theirs


def test_getuser_sanitize_payload_is_72(acl):
    """7.2 gives new users the sanitize-payload flag (and prints it in LIST)."""
    a, _ = acl.both("ACL", "SETUSER", "t_s", "on")
    a = acl.v.call("ACL", "GETUSER", "t_s")
    flags = value(a)[1][1]
    assert flags[1] == [(b"$", b"on"), (b"$", b"sanitize-payload")]
    lst = value(acl.v.call("ACL", "LIST"))[1]
    assert (b"$", b"user t_s on sanitize-payload resetchannels -@all") in lst


def test_acl_pubsub_default(acl):
    acl.check("CONFIG", "SET", "acl-pubsub-default", "allchannels")
    try:
        acl.check("ACL", "SETUSER", "t_ch", "on")
        acl.check("ACL", "SETUSER", "t_ch2", "on", "resetchannels", "&x", "reset")
        for name in ("t_ch", "t_ch2"):
            a, b = acl.both("ACL", "GETUSER", name, compare=False)
            assert drop_sanitize(value(a)) == drop_sanitize(value(b))
    finally:
        acl.check("CONFIG", "SET", "acl-pubsub-default", "resetchannels")
    acl.check("ACL", "SETUSER", "t_ch3", "on")
    a, b = acl.both("ACL", "GETUSER", "t_ch3", compare=False)
    assert drop_sanitize(value(a)) == drop_sanitize(value(b))


def test_getuser_missing_and_arity(acl):
    acl.check("ACL", "GETUSER", "t_none")
    acl.check("ACL", "GETUSER")
    acl.check("ACL", "GETUSER", "a", "b")
    acl.check("ACL", "SETUSER")
    acl.check("ACL", "LIST", "x")
    acl.check("ACL", "USERS", "x")
    acl.check("ACL", "WHOAMI", "x")
    acl.check("ACL", "NOSUCH")
    acl.check("ACL")


def test_users_deluser(acl):
    acl.check("ACL", "SETUSER", "t_b")
    acl.check("ACL", "SETUSER", "t_a")
    users = acl.check("ACL", "USERS")
    assert b"t_a" in users
    acl.check("ACL", "DELUSER", "t_a", "t_nobody", "t_a")
    acl.check("ACL", "DELUSER", "t_b", "default")
    acl.check("ACL", "DELUSER", "default")
    a, b = acl.both("ACL", "GETUSER", "t_b", compare=False)  # the error came first: nothing deleted
    assert drop_sanitize(value(a)) == drop_sanitize(value(b))
    acl.check("ACL", "DELUSER")
    acl.check("ACL", "WHOAMI")


# ---- CAT, GENPASS, HELP, LOG arguments -------------------------------------------------


def test_cat_lists_categories(acl):
    acl.check("ACL", "CAT")
    acl.check("ACL", "CAT", "nosuch")
    acl.check("ACL", "CAT", "a", "b")


def _names(data: bytes) -> set[bytes]:
    return {x[1] for x in value(data)[1]}


CATEGORY_NAMES = ["keyspace", "read", "write", "set", "sortedset", "list", "hash", "string", "bitmap",
                  "hyperloglog", "geo", "stream", "pubsub", "admin", "fast", "slow", "blocking",
                  "dangerous", "connection", "transaction", "scripting"]


@pytest.mark.parametrize("cat", CATEGORY_NAMES)
def test_cat_category_matches_command_table(both2, cat):
    """The commands of each category, for every command Vermilion implements."""
    ours = _names(both2.v.call("ACL", "CAT", cat.upper()))
    theirs = _names(both2.r.call("ACL", "CAT", cat))
    implemented = _names(both2.v.call("COMMAND", "LIST"))
    subs = {n for n in ours | theirs if b"|" in n}
    implemented_subs = {n for n in subs if n.split(b"|")[0] in implemented and n in ours}
    # a subcommand counts as implemented when Vermilion has it at all
    all_ours = set()
    for c in CATEGORY_NAMES:
        all_ours |= _names(both2.v.call("ACL", "CAT", c))
    theirs_known = {n for n in theirs if n in implemented or n in all_ours}
    assert ours - NEW_IN_72 == theirs_known, (ours ^ theirs_known)
    _ = implemented_subs


NEW_IN_72 = {b"client|setinfo", b"client|no-touch", b"waitaof", b"cluster|myshardid"}


def test_genpass(acl):
    for args in ([], ["1"], ["4"], ["5"], ["255"], ["4096"]):
        a, b = acl.both("ACL", "GENPASS", *args, compare=False)
        assert len(a) == len(b) and a[:1] == b"$"
    a = value(acl.v.call("ACL", "GENPASS"))[1]
    assert re.fullmatch(rb"[0-9a-f]{64}", a)
    for bad in ("0", "-1", "4097", "abc", "1.5"):
        acl.check("ACL", "GENPASS", bad)
    acl.check("ACL", "GENPASS", "1", "2")


def test_help(acl):
    acl.check("ACL", "HELP")
    acl.check("ACL", "help")


def test_log_arguments(acl):
    acl.check("ACL", "LOG")
    acl.check("ACL", "LOG", "abc")
    acl.check("ACL", "LOG", "-5")
    acl.check("ACL", "LOG", "1", "2")
    acl.check("ACL", "LOG", "reset")
    acl.check("ACL", "LOG", "RESET")


def test_load_save_without_aclfile(acl):
    acl.check("ACL", "LOAD")
    acl.check("ACL", "SAVE")


# ---- DRYRUN -----------------------------------------------------------------------------

DRYRUNS = [
    ["get", "k1"], ["get", "zz"], ["set", "k1", "v"], ["set", "r1", "v"], ["get", "r1"],
    ["publish", "chan", "m"], ["publish", "other", "m"], ["ping"], ["config", "get", "x"],
    ["config", "set", "x", "y"], ["select", "0"], ["select", "1"], ["mget", "k1", "zz"],
    ["copy", "r1", "k2"], ["lmove", "k1", "w1", "left", "right"], ["exists", "w1"],
    ["auth", "x"], ["hello"],
]


@pytest.mark.parametrize("cmd", DRYRUNS, ids=" ".join)
def test_dryrun(acl, cmd):
    acl.check("ACL", "SETUSER", "t_d", "on", "~k*", "%R~r*", "%W~w*", "&chan", "+@string", "+@list",
              "+publish", "+config|get", "+select|0", "+copy", "+exists", "-append")
    a, b = acl.both("ACL", "DRYRUN", "t_d", *cmd, compare=False)
    assert a == to_72(b, b"t_d")


def test_dryrun_errors(acl):
    acl.check("ACL", "SETUSER", "t_d", "on")
    acl.check("ACL", "DRYRUN", "t_nouser", "get", "x")
    acl.check("ACL", "DRYRUN", "t_d", "nosuch")
    acl.check("ACL", "DRYRUN", "t_d", "config", "nosuch")
    acl.check("ACL", "DRYRUN", "t_d", "config")
    acl.check("ACL", "DRYRUN", "t_d", "get")
    acl.check("ACL", "DRYRUN", "t_d", "get", "a", "b")
    acl.check("ACL", "DRYRUN", "t_d")


def test_dryrun_selectors(acl):
    acl.check("ACL", "SETUSER", "t_sel", "on", "+get", "~a*", "(+set ~b*)", "(+get %R~c*)")
    for cmd in (["get", "a1"], ["get", "b1"], ["get", "c1"], ["set", "b1", "v"], ["set", "a1", "v"],
                ["set", "c1", "v"], ["del", "a1"]):
        a, b = acl.both("ACL", "DRYRUN", "t_sel", *cmd, compare=False)
        assert a == to_72(b, b"t_sel"), cmd


# ---- AUTH and NOPERM ----------------------------------------------------------------------


def test_auth_errors(acl):
    acl.check("ACL", "SETUSER", "t_p", "on", ">secret", "+@all", "~*")
    acl.check("AUTH", "t_p", "wrong")
    acl.check("AUTH", "t_nouser", "x")
    acl.check("AUTH", "x")  # default is nopass: the one-argument form is refused
    acl.check("AUTH", "t_p", "secret")
    acl.check("ACL", "WHOAMI")
    acl.check("ACL", "SETUSER", "t_off", "off", ">pw")
    acl.check("AUTH", "t_off", "pw")
    acl.check("AUTH", "default", "anything")
    acl.check("ACL", "WHOAMI")


def _masked_log(data: bytes, drop_72_fields: bool) -> list:
    entries = value(data)[1]
    out = []
    for e in entries:
        items = e[1]
        pairs = dict(zip([k[1] for k in items[0::2]], items[1::2]))
        for k in (b"age-seconds", b"client-info", b"entry-id", b"timestamp-created", b"timestamp-last-updated"):
            if k in pairs:
                pairs[k] = (pairs[k][0], None) if k != b"client-info" else _cinfo(pairs[k])
        if drop_72_fields:
            for k in (b"entry-id", b"timestamp-created", b"timestamp-last-updated"):
                pairs.pop(k, None)
        out.append((e[0], list(pairs.items())))
    return out


def _cinfo(v):
    # fields that may differ legitimately (ids, ports, memory); keep cmd, user, db, flags
    fields = dict(f.split(b"=", 1) for f in v[1].split(b" ") if b"=" in f)
    return (v[0], (fields.get(b"cmd"), fields.get(b"user"), fields.get(b"db"), fields.get(b"flags")))


def test_log_auth_failures(acl):
    acl.check("ACL", "SETUSER", "t_p", "on", ">secret")
    for _ in range(3):
        acl.check("AUTH", "t_p", "bad")
    acl.check("AUTH", "t_q", "bad")
    acl.check("HELLO", "2", "AUTH", "t_p", "bad")
    a, b = acl.both("ACL", "LOG", compare=False)
    mine = _masked_log(a, True)
    assert mine == _masked_log(b, True)
    assert [dict(e[1])[b"count"] for e in mine] == [(b":", b"1"), (b":", b"1"), (b":", b"3")]
    a, b = acl.both("ACL", "LOG", "1", compare=False)
    assert _masked_log(a, True) == _masked_log(b, True)
    acl.check("ACL", "LOG", "0")


def test_log_brute_force_counted(acl):
    acl.check("ACL", "SETUSER", "t_p", "on", ">secret")
    for i in range(20):
        acl.check("AUTH", "t_p", f"guess{i}")
    a, b = acl.both("ACL", "LOG", compare=False)
    assert _masked_log(a, True) == _masked_log(b, True)
    full = value(a)[1][0][1]
    pairs = dict(zip([k[1] for k in full[0::2]], full[1::2]))
    assert pairs[b"count"] == (b":", b"20")
    assert pairs[b"reason"][1] == b"auth"
    assert set(pairs) >= {b"entry-id", b"timestamp-created", b"timestamp-last-updated"}


@pytest.fixture(params=[2, 3], ids=["resp2", "resp3"])
def restricted(request, acl):
    acl.check("ACL", "SETUSER", "t_r", "on", ">pw", "~k*", "%R~ro*", "%W~wo*", "&news.*",
              "+@read", "+@string", "-append", "+publish", "+subscribe", "+psubscribe", "+multi", "+exec",
              "+ping", "(+hset ~h*)")
    v = login(acl.vport, "t_r", "pw", request.param)
    r = login(acl.rport, "t_r", "pw", request.param)
    yield acl, v, r
    v.close()
    r.close()


NOPERM_CASES = [
    ["get", "k1"], ["get", "other"], ["set", "k1", "v"], ["set", "ro1", "v"], ["get", "ro1"],
    ["set", "wo1", "v"], ["get", "wo1"], ["append", "k1", "x"], ["del", "k1"], ["mget", "k1", "other"],
    ["mget", "k1", "k2"], ["publish", "news.a", "x"], ["publish", "sport", "x"], ["hset", "h1", "f", "v"],
    ["hset", "k1", "f", "v"], ["hget", "h1", "f"], ["flushall"], ["config", "get", "maxmemory"],
    ["ping"], ["strlen", "ro2"], ["getset", "ro1", "x"], ["copy", "k1", "ro1"],
]


@pytest.mark.parametrize("cmd", NOPERM_CASES, ids=" ".join)
def test_noperm_replies_and_log(restricted, cmd):
    acl, v, r = restricted
    a, b = v.call(*cmd), r.call(*cmd)
    assert a == to_72(b, b"t_r"), (a, b)
    la, lb = acl.both("ACL", "LOG", compare=False)
    assert _masked_log(la, True) == _masked_log(lb, True)


def test_noperm_channels(restricted):
    acl, v, r = restricted
    for cmd in (["subscribe", "news.x", "sport"], ["psubscribe", "news.*"], ["psubscribe", "news.a*"]):
        a, b = v.call(*cmd), r.call(*cmd)
        assert a == to_72(b, b"t_r"), (cmd, a, b)
        if not a.startswith(b"-"):
            break
    la, lb = acl.both("ACL", "LOG", compare=False)
    assert _masked_log(la, True) == _masked_log(lb, True)


def test_noperm_inside_multi(restricted):
    acl, v, r = restricted
    for cmd in (["multi"], ["get", "k1"], ["set", "other", "x"], ["exec"]):
        a, b = v.call(*cmd), r.call(*cmd)
        assert a == to_72(b, b"t_r"), (cmd, a, b)
    la, lb = acl.both("ACL", "LOG", compare=False)
    assert _masked_log(la, True) == _masked_log(lb, True)


def _exec_stats(client) -> tuple:
    """errorstat_NOPERM and cmdstat_exec's failed_calls (usec figures differ)."""
    errs = [l for l in client.call("info", "errorstats").split(b"\r\n") if l.startswith(b"errorstat_NOPERM")]
    execs = [l.split(b",failed_calls=")[1] for l in client.call("info", "commandstats").split(b"\r\n")
             if l.startswith(b"cmdstat_exec:")]
    return errs, execs


@pytest.mark.parametrize("queued", [
    (["set", "k1", "v"], ["get", "k1"], ["publish", "news.a", "x"], ["set", "k2", "v"]),
    (["get", "k1"], ["get", "k9"]),
    (["publish", "news.a", "x"], ["get", "k1"]),
    (["get", "k1"], ["set", "k1", "v"]),
], ids=["mixed", "key-revoked-last", "channel-first", "cmd-revoked-last"])
def test_exec_rechecks_permissions_changed_after_queueing(restricted, queued):
    """Redis's execCommand checks every queued command again: NOPERM in its slot of the
    EXEC reply, an ACL LOG entry with the ``multi`` context, errorstats, and an error
    after the last run command counted as EXEC's failed call."""
    acl, v, r = restricted
    acl.check("ACL", "SETUSER", "t_r", "+set")
    acl.both("CONFIG", "RESETSTAT", compare=False)
    for c in (v, r):
        assert c.call("multi") == b"+OK\r\n"
        for cmd in queued:
            assert c.call(*cmd) == b"+QUEUED\r\n", cmd
    acl.check("ACL", "SETUSER", "t_r", "-set", "resetkeys", "~k1", "resetchannels", "&other")
    a, b = v.call("exec"), r.call("exec")
    assert a == b, (a, b)
    assert b"-NOPERM ACLs rules changed" in a
    la, lb = acl.both("ACL", "LOG", compare=False)
    assert _masked_log(la, True) == _masked_log(lb, True)
    assert _exec_stats(v) == _exec_stats(r)
    acl.check("GET", "k1")


def test_permission_change_applies_to_logged_in_clients(restricted):
    acl, v, r = restricted
    acl.check("ACL", "SETUSER", "t_r", "+set")
    a, b = v.call("set", "k1", "v"), r.call("set", "k1", "v")
    assert a == b == b"+OK\r\n"
    acl.check("ACL", "SETUSER", "t_r", "-set")
    a, b = v.call("set", "k1", "v"), r.call("set", "k1", "v")
    assert a == to_72(b, b"t_r")
    acl.check("ACL", "SETUSER", "t_r", "allcommands", "allkeys")
    assert v.call("flushdb") == r.call("flushdb") == b"+OK\r\n"


def test_deluser_disconnects_its_clients(restricted):
    acl, v, r = restricted
    acl.check("ACL", "DELUSER", "t_r")
    assert v.read_until_closed() == r.read_until_closed() == b""


def test_user_off_keeps_connections(restricted):
    """As Redis documents, ``off`` only stops new authentications."""
    acl, v, r = restricted
    acl.check("ACL", "SETUSER", "t_r", "off")
    assert v.call("ping") == r.call("ping")
    acl.check("AUTH", "t_r", "pw")


def test_revoked_channels_kill_subscribers(restricted):
    acl, v, r = restricted
    for c in (v, r):
        c.call("subscribe", "news.a")
    acl.check("ACL", "SETUSER", "t_r", "resetchannels", "&other")
    assert v.read_until_closed() == r.read_until_closed()


def test_reset_and_whoami_after_auth(restricted):
    acl, v, r = restricted
    a, b = v.call("acl", "whoami"), r.call("acl", "whoami")
    assert a == to_72(b, b"t_r")
    for c in (v, r):
        c.call("reset")
    assert v.call("acl", "whoami") == r.call("acl", "whoami") == b"$7\r\ndefault\r\n"
    assert v.call("flushall") == r.call("flushall")


# ---- requirepass, config-file users, aclfile (own server pairs) ------------------------

from support.servers import ServerProcess  # noqa: E402


def _pair(args_v: list[str], args_r: list[str] | None = None, config_text: str | None = None, tmp=None):
    cfg = None
    if config_text is not None:
        cfg = str(tmp / "acl-test.conf")
        with open(cfg, "w") as f:
            f.write(config_text)
    v = ServerProcess("vermilion", args_v, config_file=cfg)
    r = ServerProcess("redis", args_r if args_r is not None else args_v, config_file=cfg)
    return v, r


def _calls(port: int, *cmds) -> list[bytes]:
    c = RawClient(port)
    out = [c.call(*cmd) for cmd in cmds]
    c.close()
    return out


def test_requirepass_is_the_default_users_password():
    v, r = _pair(["--requirepass", "s3cret"])
    try:
        script = [("PING",), ("AUTH", "wrong"), ("AUTH", "default", "wrong"), ("AUTH", "s3cret"),
                  ("ACL", "WHOAMI"), ("ACL", "LIST"), ("CONFIG", "SET", "requirepass", "other"),
                  ("ACL", "GETUSER", "default"), ("AUTH", "s3cret"), ("AUTH", "default", "other"),
                  ("CONFIG", "SET", "requirepass", ""), ("ACL", "LIST"), ("AUTH", "x")]
        a, b = _calls(v.port, *script), _calls(r.port, *script)
        assert [drop_sanitize(value(x)) for x in a] == [drop_sanitize(value(x)) for x in b]
        # a new connection needs no AUTH once requirepass is cleared (default is nopass)
        assert _calls(v.port, ("PING",)) == _calls(r.port, ("PING",)) == [b"+PONG\r\n"]
    finally:
        v.stop()
        r.stop()


def test_default_user_with_password_requires_auth():
    """ACL SETUSER default >pw: new connections start unauthenticated."""
    v, r = _pair([])
    try:
        for p in (v.port, r.port):
            _calls(p, ("ACL", "SETUSER", "default", "resetpass", ">pw"))
        script = [("GET", "x"), ("HELLO", "3"), ("HELLO", "3", "AUTH", "default", "nope"),
                  ("HELLO", "2", "AUTH", "default", "pw"), ("GET", "x"), ("ACL", "SETUSER", "default", "off"),
                  ("GET", "x")]
        a, b = _calls(v.port, *script), _calls(r.port, *script)
        # 7.2's NOAUTH text for HELLO says "HELLO <proto> AUTH"; 7.0's "HELLO AUTH"
        b = [x.replace(b"the HELLO AUTH", b"the HELLO <proto> AUTH") for x in b]
        assert [x.split(b"\r\n")[0] for x in a] == [x.split(b"\r\n")[0] for x in b]
        assert _calls(v.port, ("PING",)) == _calls(r.port, ("PING",))
    finally:
        v.stop()
        r.stop()


def test_users_from_config_file(tmp_path):
    text = ("user alice on >apw ~a* +get +set\n"
            "user default on nopass ~* &* -@all +auth +ping +acl|whoami\n")
    v, r = _pair([], config_text=text, tmp=tmp_path)
    try:
        script = [("ACL", "WHOAMI"), ("GET", "a1"), ("AUTH", "alice", "apw"), ("SET", "a1", "v"),
                  ("GET", "b1"), ("ACL", "WHOAMI")]
        a, b = _calls(v.port, *script), _calls(r.port, *script)
        assert a == [to_72(x, b"default" if i < 3 else b"alice") for i, x in enumerate(b)]
        a = _calls(v.port, ("AUTH", "alice", "apw"), ("ACL", "GETUSER", "alice"))[1]
        b = _calls(r.port, ("AUTH", "alice", "apw"), ("ACL", "GETUSER", "alice"))[1]
        assert a == to_72(b, b"alice")  # alice may not run ACL: NOPERM on both
    finally:
        v.stop()
        r.stop()


@pytest.mark.parametrize("line", ["user bob on +nosuch", "user bob on ~a b", "user bob (+get"])
def test_bad_user_line_aborts_startup(tmp_path, line):
    cfg = tmp_path / "bad.conf"
    cfg.write_text(line + "\n")
    for kind in ("vermilion", "redis"):
        srv = ServerProcess(kind, [], config_file=str(cfg), wait=False)
        try:
            assert srv.proc.wait(20) == 1, kind
        finally:
            srv.stop()


def test_aclfile_and_user_lines_are_exclusive(tmp_path):
    acl_path = tmp_path / "users.acl"
    acl_path.write_text("user default on nopass ~* &* +@all\n")
    cfg = tmp_path / "both.conf"
    cfg.write_text(f"aclfile {acl_path}\nuser bob on\n")
    for kind in ("vermilion", "redis"):
        srv = ServerProcess(kind, [], config_file=str(cfg), wait=False)
        try:
            assert srv.proc.wait(20) == 1, kind
            assert "Configuring Redis with users defined in redis.conf and at the same setting an ACL file" \
                   in srv.read_log(), kind
        finally:
            srv.stop()


def test_aclfile_load_and_save(tmp_path):
    paths = {}
    procs = []
    try:
        for kind in ("vermilion", "redis"):
            d = tmp_path / kind
            d.mkdir()
            p = d / "users.acl"
            p.write_text("user alice on >apw ~a* +get\nuser default on nopass ~* &* +@all\n")
            paths[kind] = p
            procs.append(ServerProcess(kind, ["--aclfile", str(p)]))
        v, r = procs
        a, b = _calls(v.port, ("ACL", "LIST")), _calls(r.port, ("ACL", "LIST"))
        assert drop_sanitize(value(a[0])) == drop_sanitize(value(b[0]))
        # a logged-in alice survives an ACL LOAD that keeps her (7.2), bob is new
        alice_v, alice_r = login(v.port, "alice", "apw", 2), login(r.port, "alice", "apw", 2)
        for kind in paths:
            paths[kind].write_text("user alice on >apw ~a* +get +set\nuser bob on nopass +@all ~*\n")
        a, b = _calls(v.port, ("ACL", "LOAD"), ("ACL", "USERS")), _calls(r.port, ("ACL", "LOAD"), ("ACL", "USERS"))
        assert a == b
        assert alice_v.call("SET", "a1", "x") == b"+OK\r\n"
        alice_v.close()
        alice_r.close()
        # errors: nothing changes, the message names the file and line
        for kind in paths:
            paths[kind].write_text("user carol on +nosuch\nnotuser x\nuser dave on #bad\n")
        a, b = _calls(v.port, ("ACL", "LOAD"))[0], _calls(r.port, ("ACL", "LOAD"))[0]
        assert a.replace(str(paths["vermilion"]).encode(), b"F") == b.replace(str(paths["redis"]).encode(), b"F")
        assert _calls(v.port, ("ACL", "USERS")) == _calls(r.port, ("ACL", "USERS"))
        # SAVE writes what LIST shows
        a, b = _calls(v.port, ("ACL", "SETUSER", "erin", "on", ">e", "~e*", "+@hash"), ("ACL", "SAVE")), \
            _calls(r.port, ("ACL", "SETUSER", "erin", "on", ">e", "~e*", "+@hash"), ("ACL", "SAVE"))
        assert a == b
        # (token order compared loosely: 7.0 re-derives the command rules from the bitmap)
        saved_v = [sorted(x.split()) for x in paths["vermilion"].read_text().replace(" sanitize-payload", "").splitlines()]
        saved_r = [sorted(x.split()) for x in paths["redis"].read_text().replace(" sanitize-payload", "").splitlines()]
        assert saved_v == saved_r
        # the saved file loads back
        assert _calls(v.port, ("ACL", "LOAD")) == [b"+OK\r\n"]
        a = _calls(v.port, ("ACL", "LIST"))[0]
        assert b"user erin on sanitize-payload #" in a
    finally:
        for p in procs:
            p.stop()
