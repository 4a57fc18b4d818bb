"""Redis Cluster: differential replies against a real cluster-enabled redis-server (single
fresh nodes: errors, slot assignment, routing errors, both protocols), then a cluster of
three Vermilion primaries built by ``redis-cli --cluster create``: ``--cluster check``,
redis-py's RedisCluster writing and reading 1,000 keys, ``redis-cli -c`` following MOVED,
nodes.conf reloaded at restart, garbage on the bus port dropped.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess

import pytest
import redis
from redis.cluster import RedisCluster
from redis.crc import key_slot

from support.raw import RawClient
from support.servers import ServerProcess, free_port, wait_for


def _cluster_args(node_timeout_ms: int = 3000) -> list[str]:
    return ["--cluster-enabled", "yes", "--cluster-port", str(free_port()),
            "--cluster-node-timeout", str(node_timeout_ms)]


@pytest.fixture(scope="module")
def pair():
    v = ServerProcess("vermilion", _cluster_args())
    r = ServerProcess("redis", _cluster_args())
    yield v, r
    v.stop()
    r.stop()


class Pair:
    def __init__(self, vport: int, rport: int, proto: int) -> None:
        self.v, self.r = RawClient(vport), RawClient(rport)
        if proto == 3:
            for c in (self.v, self.r):
                c.call("HELLO", "3")

    def check(self, *args) -> bytes:
        a, b = self.v.call(*args), self.r.call(*args)
        assert a == b, f"{args}: vermilion {a!r} != redis {b!r}"
        return a

    def close(self) -> None:
        self.v.close()
        self.r.close()


@pytest.fixture(params=[2, 3], ids=["resp2", "resp3"])
def both_cluster(pair, request):
    v, r = pair
    p = Pair(v.port, r.port, request.param)
    yield p
    p.close()


ERROR_CASES = [
    ("CLUSTER", "ADDSLOTS"),
    ("CLUSTER", "ADDSLOTS", "x"),
    ("CLUSTER", "ADDSLOTS", "99999"),
    ("CLUSTER", "ADDSLOTS", "-1"),
    ("CLUSTER", "ADDSLOTS", "1", "1"),
    ("CLUSTER", "DELSLOTS", "5"),
    ("CLUSTER", "ADDSLOTSRANGE", "1"),
    ("CLUSTER", "ADDSLOTSRANGE", "5", "3"),
    ("CLUSTER", "ADDSLOTSRANGE", "1", "3", "2", "4"),
    ("CLUSTER", "ADDSLOTSRANGE", "1", "2", "3"),
    ("CLUSTER", "DELSLOTSRANGE", "1", "3"),
    ("CLUSTER", "SETSLOT", "5"),
    ("CLUSTER", "SETSLOT", "5", "node"),
    ("CLUSTER", "SETSLOT", "5", "node", "abc"),
    ("CLUSTER", "SETSLOT", "5", "migrating", "abc"),
    ("CLUSTER", "SETSLOT", "5", "importing", "abc"),
    ("CLUSTER", "SETSLOT", "5", "foo"),
    ("CLUSTER", "SETSLOT", "99999", "stable"),
    ("CLUSTER", "SETSLOT", "5", "stable", "extra"),
    ("CLUSTER", "MEET", "1.2.3.4"),
    ("CLUSTER", "MEET", "x", "5"),
    ("CLUSTER", "MEET", "127.0.0.1", "x"),
    ("CLUSTER", "MEET", "127.0.0.1", "70000"),
    ("CLUSTER", "FORGET", "abc"),
    ("CLUSTER", "REPLICATE", "abc"),
    ("CLUSTER", "REPLICAS", "abc"),
    ("CLUSTER", "SLAVES", "abc"),
    ("CLUSTER", "COUNT-FAILURE-REPORTS", "abc"),
    ("CLUSTER", "COUNTKEYSINSLOT", "x"),
    ("CLUSTER", "COUNTKEYSINSLOT", "99999"),
    ("CLUSTER", "COUNTKEYSINSLOT", "-1"),
    ("CLUSTER", "COUNTKEYSINSLOT", "7"),
    ("CLUSTER", "GETKEYSINSLOT", "5", "-1"),
    ("CLUSTER", "GETKEYSINSLOT", "x", "1"),
    ("CLUSTER", "GETKEYSINSLOT", "5", "x"),
    ("CLUSTER", "GETKEYSINSLOT", "16384", "1"),
    ("CLUSTER", "GETKEYSINSLOT", "5", "10"),
    ("CLUSTER", "SET-CONFIG-EPOCH", "-1"),
    ("CLUSTER", "SET-CONFIG-EPOCH", "x"),
    ("CLUSTER", "FOO"),
    ("CLUSTER", "KEYSLOT"),
    ("CLUSTER", "KEYSLOT", "foo"),
    ("CLUSTER", "KEYSLOT", "{user1000}.following"),
    ("CLUSTER", "KEYSLOT", "{}x"),
    ("CLUSTER", "KEYSLOT", ""),
    ("CLUSTER", "RESET", "foo"),
    ("CLUSTER", "RESET", "soft", "x"),
    ("CLUSTER", "MEET", "127.0.0.1", "1", "2", "3"),
    ("CLUSTER", "MEET", "127.0.0.1", "1", "x"),
    ("CLUSTER", "MYID", "x"),
    ("CLUSTER", "NODES", "x"),
    ("CLUSTER",),
    ("ASKING", "x"),
    ("READONLY",),
    ("READWRITE",),
    ("ASKING",),
    ("GET", "foo"),
    ("SET", "foo", "bar"),
    ("PING",),
    ("SELECT", "1"),
    ("MIGRATE", "127.0.0.1", "1", "k", "0", "1000", "KEYS", "a"),
    ("MIGRATE", "127.0.0.1", "1", "", "0", "1000", "bogus"),
    ("MIGRATE", "127.0.0.1", "1", "k", "0", "x"),
    ("MIGRATE", "127.0.0.1", "1", "k", "x", "1000"),
    ("MIGRATE", "127.0.0.1", "1", "k", "0"),
    ("MIGRATE", "127.0.0.1", "1", "", "0", "1000", "AUTH"),
    ("RESTORE-ASKING", "k"),
    ("SPUBLISH", "ch", "m"),
    ("PUBLISH", "ch", "m"),
    ("EVAL", "return 1", "2", "a", "b"),
    ("EVAL", "return 1", "0"),
    ("CLUSTER", "FAILOVER"),  # a primary
    ("CLUSTER", "FAILOVER", "FORCE"),
    ("CLUSTER", "FAILOVER", "takeover"),
    ("CLUSTER", "FAILOVER", "bogus"),
    ("CLUSTER", "FAILOVER", "force", "x"),
]


@pytest.mark.parametrize("cmd", ERROR_CASES, ids=lambda c: " ".join(c)[:40])
def test_cluster_command_replies(both_cluster, cmd):
    both_cluster.check(*cmd)


def test_slot_assignment_and_routing_errors(both_cluster):
    b = both_cluster
    slot_foo = 12182
    b.check("CLUSTER", "ADDSLOTS", "1", "2", "3")
    b.check("CLUSTER", "ADDSLOTS", "2")  # already busy
    b.check("CLUSTER", "SETSLOT", "1", "migrating", "abc")  # owner now, unknown node
    b.check("CLUSTER", "GET", "foo")
    b.check("GET", "foo")  # slot not served
    b.check("CLUSTER", "ADDSLOTS", str(slot_foo))
    b.check("GET", "foo")  # served by us but the cluster is down (slots uncovered)
    b.check("MSET", "foo", "1", "bar", "2")  # CROSSSLOT comes before the down state
    b.check("MGET", "{foo}a", "{foo}b")
    b.check("CLUSTER", "COUNTKEYSINSLOT", str(slot_foo))
    b.check("CLUSTER", "GETKEYSINSLOT", str(slot_foo), "5")
    b.check("CLUSTER", "DELSLOTS", "1", "2", "3", str(slot_foo))
    b.check("CLUSTER", "DELSLOTS", "1")
    b.check("CLUSTER", "ADDSLOTSRANGE", "0", "16383")
    b.check("CLUSTER", "DELSLOTSRANGE", "0", "16383")
    b.check("CLUSTER", "FLUSHSLOTS")


def test_transactions_route_as_a_whole(both_cluster):
    b = both_cluster
    b.check("CLUSTER", "ADDSLOTSRANGE", "0", "16383")
    # Redis keeps the state "fail" for its first 2 s (CLUSTER_WRITABLE_DELAY): wait for both.
    wait_for(lambda: all(b"cluster_state:ok" in c.call("CLUSTER", "INFO") for c in (b.v, b.r)), 10,
             what="cluster_state:ok")
    try:
        b.check("MULTI")
        b.check("SET", "{a}1", "x")
        b.check("SET", "{b}1", "y")
        b.check("EXEC")  # the two slots together: CROSSSLOT, and the transaction is gone
        b.check("EXEC")
        b.check("MULTI")
        b.check("MSET", "a", "1", "b", "2")  # refused when queued: EXECABORT
        b.check("EXEC")
        b.check("MULTI")
        b.check("SET", "{a}1", "x")
        b.check("GET", "{a}2")
        b.check("EXEC")
        b.check("DEL", "{a}1")
    finally:
        b.check("CLUSTER", "DELSLOTSRANGE", "0", "16383")


def test_set_config_epoch_and_bumpepoch(pair):
    v, r = pair
    for port in (v.port, r.port):
        c = redis.Redis(port=port)
        c.execute_command("CLUSTER", "RESET", "HARD")
    p = Pair(v.port, r.port, 2)
    try:
        p.check("CLUSTER", "BUMPEPOCH")  # BUMPED 1 (epoch 0 -> current+1)
        p.check("CLUSTER", "BUMPEPOCH")  # STILL 1
        p.check("CLUSTER", "SET-CONFIG-EPOCH", "5")  # already non-zero
        p.check("CLUSTER", "RESET", "HARD")
        p.check("CLUSTER", "SET-CONFIG-EPOCH", "5")
        p.check("CLUSTER", "SET-CONFIG-EPOCH", "6")
        p.check("CLUSTER", "RESET", "HARD")
    finally:
        p.close()


def test_cluster_info_of_a_fresh_node(pair):
    v, r = pair
    for port in (v.port, r.port):
        redis.Redis(port=port).execute_command("CLUSTER", "RESET", "HARD")
    infos = []
    for port in (v.port, r.port):
        text = redis.Redis(port=port).execute_command("CLUSTER", "INFO").decode()
        infos.append({k: val for k, val in (ln.split(":") for ln in text.split("\r\n") if ln)
                      if k != "cluster_size"})  # Redis recomputes the size 2 s after start
    assert infos[0] == infos[1]
    lines = [redis.Redis(port=port).execute_command("CLUSTER", "NODES").decode() for port in (v.port, r.port)]
    pattern = re.compile(r"^[0-9a-f]{40} :(\d+)@(\d+) myself,master - 0 0 0 connected\n$")
    assert pattern.match(lines[0]) and pattern.match(lines[1])


def test_not_in_cluster_mode(both2):
    both2.check("CLUSTER", "INFO")
    both2.check("CLUSTER", "NODES")
    both2.check("READONLY")
    both2.check("ASKING")
    both2.check("MIGRATE", "127.0.0.1", "1", "nosuchkey", "0", "100")  # +NOKEY before any connection
    both2.check("MIGRATE", "127.0.0.1", "1", "", "0", "100", "KEYS", "nosuch1", "nosuch2")


SCRIPT_CASES = [
    ("EVAL", "return redis.call('get','foo')", "0"),  # slot not served here
    ("EVAL", "return redis.call('get','bar')", "0"),
    ("EVAL", "redis.call('get','bar'); return redis.call('get','b')", "0"),  # old style: may cross slots
    ("EVAL", "#!lua\nredis.call('get','bar'); return redis.call('get','b')", "0"),
    ("EVAL", "#!lua flags=allow-cross-slot-keys\nredis.call('get','bar'); return redis.call('get','b')", "0"),
    ("EVAL", "#!lua\nreturn redis.call('get','b')", "1", "bar"),  # not the declared key's slot
    ("EVAL", "#!lua\nreturn redis.call('get','{bar}x')", "1", "bar"),
    ("EVAL", "return redis.call('mget','bar','b')", "0"),  # CROSSSLOT inside one command
    ("EVAL", "return redis.call('get', KEYS[1])", "1", "foo"),
    ("EVAL", "return redis.call('get', KEYS[1])", "2", "bar", "b"),
    ("EVAL", "#!lua flags=no-cluster\nreturn 1", "0"),
    ("EVAL", "#!lua flags=no-writes,no-cluster\nreturn 1", "0"),
    ("EVAL", "return redis.call('spublish','foo','m')", "0"),
    ("EVAL", "return redis.call('spublish','bar','m')", "0"),
    ("EVAL", "return redis.pcall('set','foo','1')", "0"),
    ("EVAL", "return redis.call('ping')", "0"),
]


def test_scripts_key_access_checked_against_the_slot_map(pair):
    """Scripts may only touch local keys (Redis's scriptVerifyClusterState): slots
    0-8000 are ours (bar, b), foo's slot 12182 is nobody's; full coverage off so the
    cluster is ok."""
    v, r = pair
    clients = [redis.Redis(port=port) for port in (v.port, r.port)]
    for c in clients:
        c.execute_command("CLUSTER", "RESET", "HARD")
        c.config_set("cluster-require-full-coverage", "no")
        c.execute_command("CLUSTER", "ADDSLOTSRANGE", "0", "8000")
    try:
        wait_for(lambda: all(b"cluster_state:ok" in c.execute_command("CLUSTER", "INFO") for c in clients), 10,
                 what="cluster_state:ok")
        for proto in (2, 3):
            p = Pair(v.port, r.port, proto)
            try:
                for case in SCRIPT_CASES:
                    p.check(*case)
                p.check("SET", "bar", "1")
                p.check("EVAL", "return redis.call('get','bar')", "0")
                p.check("DEL", "bar")
            finally:
                p.close()
        for c in clients:  # the cluster is down: the script's command says so
            c.execute_command("CLUSTER", "DELSLOTSRANGE", "0", "8000")
        wait_for(lambda: all(b"cluster_state:fail" in c.execute_command("CLUSTER", "INFO") for c in clients), 10,
                 what="cluster_state:fail")
        p = Pair(v.port, r.port, 2)
        try:
            p.check("EVAL", "return redis.call('ping')", "0")
            p.check("EVAL", "return redis.call('get','bar')", "0")
        finally:
            p.close()
    finally:
        for c in clients:
            c.config_set("cluster-require-full-coverage", "yes")
            c.execute_command("CLUSTER", "RESET", "HARD")


def _normalized(raw: bytes, node_id: bytes, port: int) -> bytes:
    return raw.replace(node_id, b"<id>").replace(b":%d\r\n" % port, b":<port>\r\n")


def test_slots_and_shards_endpoints_follow_the_preferred_type(pair):
    """cluster-preferred-endpoint-type ip|hostname|unknown-endpoint and
    cluster-announce-hostname in CLUSTER SLOTS (endpoint, metadata map) and CLUSTER SHARDS
    (endpoint, hostname), node ids and ports aside."""
    v, r = pair
    clients = [redis.Redis(port=port) for port in (v.port, r.port)]
    ids = []
    for c in clients:
        c.execute_command("CLUSTER", "RESET", "HARD")
        c.execute_command("CLUSTER", "ADDSLOTSRANGE", "0", "100")
        ids.append(c.execute_command("CLUSTER", "MYID"))
    try:
        for proto in (2, 3):
            p = Pair(v.port, r.port, proto)
            try:
                for hostname in ("", "node-1.example"):
                    for c in clients:
                        c.config_set("cluster-announce-hostname", hostname)
                    for kind in ("ip", "hostname", "unknown-endpoint"):
                        for c in clients:
                            c.config_set("cluster-preferred-endpoint-type", kind)
                        for sub in ("SLOTS", "SHARDS"):
                            a = _normalized(p.v.call("CLUSTER", sub), ids[0], v.port)
                            b = _normalized(p.r.call("CLUSTER", sub), ids[1], r.port)
                            assert a == b, (sub, kind, hostname, a, b)
            finally:
                p.close()
    finally:
        for c in clients:
            c.config_set("cluster-announce-hostname", "")
            c.config_set("cluster-preferred-endpoint-type", "ip")
            c.execute_command("CLUSTER", "RESET", "HARD")


SUBCOMMANDS = [
    "addslots", "addslotsrange", "bumpepoch", "count-failure-reports", "countkeysinslot", "delslots",
    "delslotsrange", "failover", "flushslots", "forget", "getkeysinslot", "help", "info", "keyslot", "links", "meet",
    "myid", "nodes", "replicas", "replicate", "reset", "saveconfig", "set-config-epoch", "setslot",
    "shards", "slaves", "slots",
]


@pytest.mark.parametrize("name", ["asking", "readonly", "readwrite", "migrate", "restore-asking"] + [f"cluster|{s}" for s in SUBCOMMANDS])
def test_command_info_matches(pair, name):
    v, r = pair
    a, b = RawClient(v.port), RawClient(r.port)
    try:
        assert a.call("COMMAND", "INFO", name) == b.call("COMMAND", "INFO", name)
        assert a.call("COMMAND", "DOCS", name) == b.call("COMMAND", "DOCS", name)
    finally:
        a.close()
        b.close()


# ---- a three-primary cluster -----------------------------------------------------------


@pytest.fixture(scope="module")
def three():
    if shutil.which("redis-cli") is None:
        pytest.skip("redis-cli not installed")
    nodes = [ServerProcess("vermilion", _cluster_args()) for _ in range(3)]
    try:
        out = subprocess.run(
            ["redis-cli", "--cluster", "create"] + [f"127.0.0.1:{n.port}" for n in nodes] + ["--cluster-yes"],
            capture_output=True, text=True, timeout=60,
        )
        assert out.returncode == 0, out.stdout + out.stderr
        assert "[OK] All 16384 slots covered." in out.stdout
        wait_for(lambda: all(b"cluster_state:ok" in redis.Redis(port=n.port).execute_command("CLUSTER", "INFO")
                             for n in nodes), 15, what="cluster_state:ok everywhere")
        yield nodes
    finally:
        for n in nodes:
            n.stop()


def test_cluster_check_is_clean(three):
    out = subprocess.run(["redis-cli", "--cluster", "check", f"127.0.0.1:{three[0].port}"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stdout
    assert "[OK] All nodes agree about slots configuration." in out.stdout
    assert "[OK] All 16384 slots covered." in out.stdout
    assert "[WARNING]" not in out.stdout and "[ERR]" not in out.stdout


def test_every_node_knows_everyone(three):
    ids = {redis.Redis(port=n.port).execute_command("CLUSTER", "MYID") for n in three}
    for n in three:
        text = redis.Redis(port=n.port).execute_command("CLUSTER", "NODES").decode()
        lines = text.splitlines()
        assert {ln.split()[0].encode() for ln in lines} == ids
        for ln in lines:
            f = ln.split()
            assert f[2] in ("myself,master", "master") and f[3] == "-" and f[7] == "connected"
        slots = redis.Redis(port=n.port).execute_command("CLUSTER", "SLOTS")
        assert [(s[0], s[1]) for s in slots] == [(0, 5460), (5461, 10922), (10923, 16383)]
        shards = redis.Redis(port=n.port).execute_command("CLUSTER", "SHARDS")
        assert len(shards) == 3


def test_redis_py_cluster_client(three):
    rc = RedisCluster(host="127.0.0.1", port=three[0].port)
    try:
        for i in range(1000):
            rc.set(f"key:{i}", i)
        assert [rc.get(f"key:{i}") for i in range(1000)] == [str(i).encode() for i in range(1000)]
        sizes = [redis.Redis(port=n.port).dbsize() for n in three]
        assert sum(sizes) == 1000 and all(s > 200 for s in sizes)
        assert rc.mget("{t}a", "{t}b") == [None, None]
    finally:
        rc.close()


def test_reshard_moves_slots_and_keys(three):
    ids = [redis.Redis(port=n.port).execute_command("CLUSTER", "MYID").decode() for n in three]
    rc = RedisCluster(host="127.0.0.1", port=three[0].port)
    try:
        for i in range(1000):
            rc.set(f"rs:{i}", i)
        moving = [i for i in range(1000) if key_slot(f"rs:{i}".encode()) < 200]
        assert moving
        out = subprocess.run(
            ["redis-cli", "--cluster", "reshard", f"127.0.0.1:{three[0].port}", "--cluster-from", ids[0],
             "--cluster-to", ids[1], "--cluster-slots", "200", "--cluster-yes"],
            capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stdout + out.stderr
        assert _my_slots(three[1].port) >= set(range(200))
        wait_for(lambda: all(not (_my_slots(n.port) & set(range(200))) or n is three[1] for n in three)
                 and all(_owner_view(n.port, 0) == ids[1] for n in three), 10, what="every node sees the move")
        c1 = redis.Redis(port=three[1].port)
        assert all(c1.get(f"rs:{i}") == str(i).encode() for i in moving)
        assert [rc.get(f"rs:{i}") for i in range(1000)] == [str(i).encode() for i in range(1000)]
        check = subprocess.run(["redis-cli", "--cluster", "check", f"127.0.0.1:{three[2].port}"],
                               capture_output=True, text=True, timeout=30)
        assert check.returncode == 0 and "[OK] All nodes agree about slots configuration." in check.stdout
    finally:
        rc.close()


def _owner_view(port: int, slot: int) -> str:
    slots = redis.Redis(port=port).execute_command("CLUSTER", "SLOTS")
    return next(r[2][2].decode() for r in slots if r[0] <= slot <= r[1])


def test_migrate_copy_replace_and_nokey(three):
    a, b = three[0], three[1]
    ca = redis.Redis(port=a.port)
    mine = _my_slots(a.port)
    key = next(f"m{i}" for i in range(10000) if key_slot(f"m{i}".encode()) in mine)
    assert ca.execute_command("MIGRATE", "127.0.0.1", b.port, key, 0, 1000) == b"NOKEY"
    ca.set(key, "v", px=100000)
    with pytest.raises(redis.ResponseError, match="^IOERR error or timeout connecting to the client$"):
        ca.execute_command("MIGRATE", "127.0.0.1", free_port(), key, 0, 200)
    raw = RawClient(b.port)
    cb = redis.Redis(port=b.port)
    slot = key_slot(key.encode())
    id_a, id_b = (redis.Redis(port=n.port).execute_command("CLUSTER", "MYID").decode() for n in (a, b))
    cb.execute_command("CLUSTER", "SETSLOT", slot, "IMPORTING", id_a)
    ca.execute_command("CLUSTER", "SETSLOT", slot, "MIGRATING", id_b)
    try:
        assert ca.execute_command("MIGRATE", "127.0.0.1", b.port, key, 0, 1000, "COPY") == b"OK"
        assert ca.get(key) == b"v"
        assert raw.call("ASKING") == b"+OK\r\n" and raw.call("GET", key) == b"$1\r\nv\r\n"
        assert raw.call("ASKING") == b"+OK\r\n" and 0 < int(raw.call("PTTL", key)[1:-2]) <= 100000
        with pytest.raises(redis.ResponseError, match="^Target instance replied with error: BUSYKEY Target key name already exists.$"):
            ca.execute_command("MIGRATE", "127.0.0.1", b.port, key, 0, 1000)
        assert ca.execute_command("MIGRATE", "127.0.0.1", b.port, "", 0, 1000, "REPLACE", "KEYS", key) == b"OK"
        with pytest.raises(redis.ResponseError, match=rf"^ASK {slot} 127\.0\.0\.1:{b.port}$"):
            ca.exists(key)  # gone from here: ask the importing node
        assert raw.call("ASKING") == b"+OK\r\n" and raw.call("DEL", key) == b":1\r\n"
    finally:
        raw.close()
        for c in (ca, cb):
            c.execute_command("CLUSTER", "SETSLOT", slot, "STABLE")


def test_moved_and_redis_cli_follows(three):
    port = three[0].port
    c = redis.Redis(port=port)
    slot = c.execute_command("CLUSTER", "KEYSLOT", "foo")
    owner = next(n for n in three if slot in _my_slots(n.port))
    if owner.port != port:
        with pytest.raises(redis.ResponseError, match=rf"^MOVED {slot} 127\.0\.0\.1:{owner.port}$"):
            c.get("foo")
        with pytest.raises(redis.ResponseError, match=rf"^MOVED {slot} 127\.0\.0\.1:{owner.port}$"):
            c.execute_command("SPUBLISH", "foo", "m")  # shard channels route like keys
    assert redis.Redis(port=owner.port).execute_command("SPUBLISH", "foo", "m") == 0
    out = subprocess.run(["redis-cli", "-c", "-p", str(port), "SET", "foo", "viacli"],
                         capture_output=True, text=True, timeout=10)
    assert out.stdout.strip() == "OK"
    assert redis.Redis(port=owner.port).get("foo") == b"viacli"
    with pytest.raises(redis.ResponseError, match="^CROSSSLOT Keys in request don't hash to the same slot$"):
        c.mset({"a": 1, "b": 2})


def _my_slots(port: int) -> set[int]:
    text = redis.Redis(port=port).execute_command("CLUSTER", "NODES").decode()
    mine = next(ln for ln in text.splitlines() if "myself" in ln).split()[8:]
    out: set[int] = set()
    for r in mine:
        a, _, b = r.partition("-")
        out.update(range(int(a), int(b or a) + 1))
    return out


def test_ask_and_importing(three):
    a, b = three[0], three[1]
    ca, cb = redis.Redis(port=a.port), redis.Redis(port=b.port)
    id_a, id_b = ca.execute_command("CLUSTER", "MYID").decode(), cb.execute_command("CLUSTER", "MYID").decode()
    slot = max(_my_slots(a.port))
    key = next(f"k{i}" for i in range(10 ** 7) if key_slot(f"k{i}".encode()) == slot)
    assert cb.execute_command("CLUSTER", "SETSLOT", slot, "IMPORTING", id_a) == b"OK"
    assert ca.execute_command("CLUSTER", "SETSLOT", slot, "MIGRATING", id_b) == b"OK"
    try:
        with pytest.raises(redis.ResponseError, match=rf"^ASK {slot} 127\.0\.0\.1:{b.port}$"):
            ca.get(key)
        with pytest.raises(redis.ResponseError, match=rf"^MOVED {slot} "):
            cb.get(key)  # importing, but no ASKING
        raw = RawClient(b.port)
        try:
            assert raw.call("ASKING") == b"+OK\r\n"
            assert raw.call("SET", key, "v") == b"+OK\r\n"
            assert raw.call("GET", key).startswith(b"-MOVED ")  # ASKING lasted one command
            # ... or the whole transaction, ending with EXEC
            assert raw.call("ASKING") == b"+OK\r\n" and raw.call("MULTI") == b"+OK\r\n"
            assert raw.call("GET", key) == b"+QUEUED\r\n" and raw.call("DEL", key) == b"+QUEUED\r\n"
            assert raw.call("EXEC") == b"*2\r\n$1\r\nv\r\n:1\r\n"
            assert raw.call("GET", key).startswith(b"-MOVED ")
            # A script's own commands see the caller's ASKING (declared or not)
            script = "redis.call('set', KEYS[1], 's'); return redis.call('get', ARGV[1])"
            assert raw.call("EVAL", script, "1", key, key).startswith(b"-MOVED ")
            assert raw.call("ASKING") == b"+OK\r\n"
            assert raw.call("EVAL", script, "1", key, key) == b"$1\r\ns\r\n"
            assert raw.call("EVAL", "return redis.call('get', ARGV[1])", "0", key).startswith(
                b"-ERR Script attempted to access a non local key in a cluster node")  # ASKING is gone
            assert raw.call("ASKING") == b"+OK\r\n" and raw.call("DEL", key) == b":1\r\n"
        finally:
            raw.close()
        nodes_a = ca.execute_command("CLUSTER", "NODES").decode()
        assert f"[{slot}->-{id_b}]" in nodes_a
    finally:
        for c in (ca, cb):
            c.execute_command("CLUSTER", "SETSLOT", slot, "STABLE")


def test_garbage_on_the_bus_is_dropped(three):
    n = three[2]
    cport = int(n.cmd[n.cmd.index("--cluster-port") + 1])
    for junk in (b"GET / HTTP/1.1\r\n\r\n", b"RCmb\x00\x00\x00\x10" + b"x" * 8, b"RCmb\x00\x00\x10\x00" + b"\0" * 100):
        s = socket.create_connection(("127.0.0.1", cport))
        s.sendall(junk)
        s.close()
    wait_for(lambda: "malformed cluster bus message" in n.read_log(), 5, what="log line")
    assert redis.Redis(port=n.port).ping()


def test_nodes_conf_reloaded_after_restart(three):
    n = three[2]
    c = redis.Redis(port=n.port)
    before = c.execute_command("CLUSTER", "NODES").decode()
    myline = next(ln for ln in before.splitlines() if "myself" in ln).split()
    n.stop()
    proc = subprocess.Popen(n.cmd, cwd=n.dir, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: _pingable(n.port), 15, what="restart")
        after = redis.Redis(port=n.port).execute_command("CLUSTER", "NODES").decode()
        mine = next(ln for ln in after.splitlines() if "myself" in ln).split()
        assert mine[0] == myline[0] and mine[6] == myline[6] and mine[8:] == myline[8:]
        assert len(after.splitlines()) == 3
        wait_for(lambda: b"cluster_state:ok" in redis.Redis(port=n.port).execute_command("CLUSTER", "INFO"),
                 10, what="state ok after restart")
    finally:
        proc.terminate()
        proc.wait(10)


def _pingable(port: int) -> bool:
    try:
        return redis.Redis(port=port, socket_timeout=1).ping()
    except redis.RedisError:
        return False


# ---- three primaries with one replica each ----------------------------------------------


def _roles(port: int) -> list[str]:
    text = redis.Redis(port=port).execute_command("CLUSTER", "NODES").decode()
    return sorted(ln.split()[2].replace("myself,", "") for ln in text.splitlines())


def test_create_with_replicas_readonly_and_failover():
    nodes = [ServerProcess("vermilion", _cluster_args(1500)) for _ in range(6)]
    try:
        out = subprocess.run(
            ["redis-cli", "--cluster", "create"] + [f"127.0.0.1:{n.port}" for n in nodes]
            + ["--cluster-replicas", "1", "--cluster-yes"],
            capture_output=True, text=True, timeout=60,
        )
        assert out.returncode == 0, out.stdout + out.stderr
        assert "[OK] All 16384 slots covered." in out.stdout
        wait_for(lambda: all(_roles(n.port) == ["master"] * 3 + ["slave"] * 3 for n in nodes), 15,
                 what="every node sees 3 primaries and 3 replicas")
        check = subprocess.run(["redis-cli", "--cluster", "check", f"127.0.0.1:{nodes[0].port}"],
                               capture_output=True, text=True, timeout=30)
        assert check.returncode == 0 and check.stdout.count("1 additional replica(s)") == 3, check.stdout
        rc = RedisCluster(host="127.0.0.1", port=nodes[0].port)
        try:
            for i in range(200):
                rc.set(f"r:{i}", i)
        finally:
            rc.close()
        # A replica answers MOVED, or the value after READONLY, once it has replicated.
        c0 = redis.Redis(port=nodes[0].port)
        me = c0.execute_command("CLUSTER", "MYID").decode()
        replica = next(n for n in nodes if f"myself,slave {me} " in
                       redis.Redis(port=n.port).execute_command("CLUSTER", "NODES").decode())
        mine = _my_slots(nodes[0].port)
        key = next(f"r:{i}" for i in range(200) if key_slot(f"r:{i}".encode()) in mine)
        raw = RawClient(replica.port)
        try:
            assert raw.call("GET", key).startswith(b"-MOVED ")
            assert raw.call("READONLY") == b"+OK\r\n"
            wait_for(lambda: raw.call("GET", key) != b"$-1\r\n", 10, what="replicated key")
            assert raw.call("GET", key) == b"$%d\r\n%s\r\n" % (len(c0.get(key)), c0.get(key))
            assert raw.call("SET", key, "x").startswith(b"-MOVED ")  # writes still go to the primary
            assert raw.call("READWRITE") == b"+OK\r\n"
            assert raw.call("GET", key).startswith(b"-MOVED ")
        finally:
            raw.close()
        replicas = c0.execute_command("CLUSTER", "REPLICAS", me)
        assert len(replicas) == 1 and b" slave " + me.encode() in replicas[0]

        # Failover: the primary dies; its replica is elected and takes the slots.
        value = c0.get(key)
        nodes[0].stop()
        others = [n for n in nodes if n is not nodes[0]]
        wait_for(lambda: b"myself,master" in redis.Redis(port=replica.port).execute_command("CLUSTER", "NODES"),
                 20, what="replica promoted")
        wait_for(lambda: all(b"cluster_state:ok" in redis.Redis(port=n.port).execute_command("CLUSTER", "INFO")
                             for n in others), 10, what="cluster ok after failover")
        assert redis.Redis(port=replica.port).get(key) == value
        line = next(ln for ln in redis.Redis(port=others[0].port).execute_command("CLUSTER", "NODES")
                    .decode().splitlines() if ln.startswith(me))
        assert "fail" in line.split()[2]
        # The old primary comes back as a replica of the new one.
        old = subprocess.Popen(nodes[0].cmd, cwd=nodes[0].dir, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        try:
            new_id = redis.Redis(port=replica.port).execute_command("CLUSTER", "MYID").decode()
            wait_for(lambda: _pingable(nodes[0].port) and f"myself,slave {new_id} " in
                     redis.Redis(port=nodes[0].port).execute_command("CLUSTER", "NODES").decode(),
                     20, what="old primary demoted")
        finally:
            old.terminate()
            old.wait(10)
    finally:
        for n in nodes:
            n.stop()


# ---- one primary and its replica: manual failover, PUBLISH and sharded pub/sub -------------


def _nodes_text(port: int) -> str:
    return redis.Redis(port=port).execute_command("CLUSTER", "NODES").decode()


def _shard(primary_kind: str, replica_kind: str) -> tuple[ServerProcess, ServerProcess]:
    """A primary serving every slot and its replica (either may be a real redis-server:
    same bus, same replication)."""
    p = ServerProcess(primary_kind, _cluster_args(2000))
    r = ServerProcess(replica_kind, _cluster_args(2000))
    try:
        a, b = redis.Redis(port=p.port), redis.Redis(port=r.port)
        a.execute_command("CLUSTER", "ADDSLOTSRANGE", 0, 16383)
        b.execute_command("CLUSTER", "MEET", "127.0.0.1", p.port, int(p.cmd[p.cmd.index("--cluster-port") + 1]))
        pid = a.execute_command("CLUSTER", "MYID").decode()
        rid = b.execute_command("CLUSTER", "MYID").decode()
        wait_for(lambda: pid in _nodes_text(r.port), 10, what="the replica knows the primary")
        b.execute_command("CLUSTER", "REPLICATE", pid)
        wait_for(lambda: f"{rid} " in _nodes_text(p.port) and f" slave {pid} " in _nodes_text(p.port), 10,
                 what="the primary knows its replica")
        wait_for(lambda: b.info("replication").get("master_link_status") == "up", 15, what="replication link up")
        wait_for(lambda: all(b"cluster_state:ok" in c.execute_command("CLUSTER", "INFO") for c in (a, b)), 10,
                 what="cluster_state:ok")
        return p, r
    except BaseException:
        p.stop()
        r.stop()
        raise


def _switched(new_primary: ServerProcess, new_replica: ServerProcess) -> bool:
    """Both nodes agree on the new roles (as the vote for the next failover needs)."""
    new_id = redis.Redis(port=new_primary.port).execute_command("CLUSTER", "MYID").decode()
    replica_id = redis.Redis(port=new_replica.port).execute_command("CLUSTER", "MYID").decode()
    return (f"myself,slave {new_id} " in _nodes_text(new_replica.port)
            and f"{replica_id} " in (text := _nodes_text(new_primary.port)) and f" slave {new_id} " in text)


def _message(ps, timeout: float = 5.0):
    def got():
        m = ps.get_message(timeout=0.05)
        return m if m and m["type"] in ("message", "smessage") else None
    return wait_for(got, timeout, what="a pub/sub message")


@pytest.mark.parametrize("kinds", [("vermilion", "redis"), ("redis", "vermilion")], ids=["v-primary", "v-replica"])
def test_manual_failover_and_pubsub_with_a_real_redis_node(kinds):
    """Vermilion and a real redis-server in one shard: PUBLISH and SPUBLISH cross the
    bus both ways (PUBLISH / PUBLISHSHARD messages), then CLUSTER FAILOVER on the replica
    (MFSTART, the paused primary's offset, the FORCEACK vote) swaps the roles."""
    p, r = _shard(*kinds)
    try:
        a, b = redis.Redis(port=p.port), redis.Redis(port=r.port)
        for x, y in ((a, b), (b, a)):
            sub = y.pubsub()
            sub.subscribe("news")
            sub.ssubscribe("{s}chan")  # a replica serves its shard's channels without READONLY
            assert x.publish("news", "hello") == 0
            assert _message(sub)["data"] == b"hello"
            assert x.spublish("{s}chan", "shard") == 0
            m = _message(sub)
            assert (m["type"], m["channel"], m["data"]) == ("smessage", b"{s}chan", b"shard")
            sub.close()
        for i in range(100):
            a.set(f"k{i}", i)
        subs = []
        for c in (a, b):
            sub = c.pubsub()
            sub.ssubscribe("{s}chan")
            wait_for(lambda: sub.get_message(timeout=0.05), 5, what="ssubscribe confirmed")  # noqa: B023
            subs.append(sub)
        assert b.execute_command("CLUSTER", "FAILOVER") == b"OK"
        wait_for(lambda: _switched(r, p), 15, what="roles swapped")
        assert b.get("k99") == b"99" and b.dbsize() == 100
        # The old primary lost the slots: its shard subscribers are unsubscribed; the
        # promoted replica (no longer in the old primary's shard) keeps its own.
        m = wait_for(lambda: subs[0].get_message(timeout=0.05), 5, what="sunsubscribe")
        assert (m["type"], m["channel"], m["data"]) == ("sunsubscribe", b"{s}chan", 0)
        assert b.spublish("{s}chan", "still") == 1
        m = _message(subs[1])
        assert (m["type"], m["data"]) == ("smessage", b"still")
        for sub in subs:
            sub.close()
        b.set("after", "1")
        wait_for(lambda: a.execute_command("READONLY") and a.get("after") == b"1", 10, what="old primary replicates")
    finally:
        p.stop()
        r.stop()


def test_manual_failover_default_force_takeover():
    p, r = _shard("vermilion", "vermilion")
    try:
        a, b = redis.Redis(port=p.port), redis.Redis(port=r.port)
        with pytest.raises(redis.ResponseError, match="^You should send CLUSTER FAILOVER to a replica$"):
            a.execute_command("CLUSTER", "FAILOVER")
        with pytest.raises(redis.ResponseError, match="^syntax error$"):
            b.execute_command("CLUSTER", "FAILOVER", "SOON")
        a.set("k", "v")
        epoch0 = int(_nodes_text(p.port).split("myself,master")[1].split()[3])
        # A client writing during the failover is paused, then redirected to the new primary.
        raw = RawClient(p.port)
        try:
            assert b.execute_command("CLUSTER", "FAILOVER") == b"OK"
            wait_for(lambda: _switched(r, p), 15, what="failover")
            assert raw.call("SET", "k", "w").startswith(b"-MOVED ")
        finally:
            raw.close()
        assert b.get("k") == b"v"
        assert a.execute_command("CLUSTER", "FAILOVER", "FORCE") == b"OK"
        wait_for(lambda: _switched(p, r), 15, what="forced failover back")
        assert b.execute_command("CLUSTER", "FAILOVER", "TAKEOVER") == b"OK"
        wait_for(lambda: _switched(r, p), 15, what="takeover")
        line = next(ln for ln in _nodes_text(r.port).splitlines() if "myself" in ln).split()
        assert int(line[6]) >= epoch0 + 3 and line[8] == "0-16383"  # one new epoch per failover
        log = p.read_log()
        assert "Manual failover requested by replica" in log and "Configuration change detected" in log
        assert "Taking over the master (user request)." in r.read_log()
    finally:
        p.stop()
        r.stop()


def test_migrate_reuses_its_connection():
    """MIGRATE's connection cache: one connection per target, SELECT only when the
    database changes, a retry on a fresh connection when the cached one was closed,
    and the first error the target replied (here to a real redis-server)."""
    src, tgt = ServerProcess("vermilion"), ServerProcess("redis")
    try:
        s, t, t1 = redis.Redis(port=src.port), redis.Redis(port=tgt.port), redis.Redis(port=tgt.port, db=1)
        t1.ping()  # our own connections are open before counting
        for i in range(8):
            s.set(f"m{i}", f"v{i}", px=100000 if i == 0 else None)

        def connections() -> int:
            return t.info("stats")["total_connections_received"]

        before = connections()
        assert s.execute_command("MIGRATE", "127.0.0.1", tgt.port, "m0", 0, 1000) == b"OK"
        assert s.execute_command("MIGRATE", "127.0.0.1", tgt.port, "", 0, 1000, "KEYS", "m1", "m2") == b"OK"
        assert connections() == before + 1
        assert t.mget("m0", "m1", "m2") == [b"v0", b"v1", b"v2"] and 0 < t.pttl("m0") <= 100000
        assert s.exists("m0", "m1", "m2") == 0
        assert s.execute_command("MIGRATE", "127.0.0.1", tgt.port, "m3", 1, 1000, "COPY") == b"OK"
        assert t1.get("m3") == b"v3" and s.get("m3") == b"v3"
        assert connections() == before + 1
        t.execute_command("CLIENT", "KILL", "ADDR", next(
            c["addr"] for c in t.client_list() if c["cmd"] == "restore"))  # the cached connection dies
        assert s.execute_command("MIGRATE", "127.0.0.1", tgt.port, "m4", 0, 1000) == b"OK"
        assert connections() == before + 2 and t.get("m4") == b"v4"
        t.set("m5", "there")
        with pytest.raises(redis.ResponseError, match="^Target instance replied with error: BUSYKEY Target key name already exists.$"):
            s.execute_command("MIGRATE", "127.0.0.1", tgt.port, "", 0, 1000, "KEYS", "m5", "m6")
        assert s.exists("m5") == 1 and s.exists("m6") == 0 and t.get("m6") == b"v6"  # m6 went
        assert s.execute_command("MIGRATE", "127.0.0.1", tgt.port, "m7", 1, 1000) == b"OK"
        assert t1.get("m7") == b"v7" and connections() == before + 2
    finally:
        src.stop()
        tgt.stop()
