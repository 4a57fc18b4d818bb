"""Vermilion Sentinel monitoring real redis-servers (one primary, one replica)."""

import os
import subprocess
import sys

import pytest
import redis

from tests.support.servers import ServerProcess, free_port, wait_for

SENTINEL = os.path.join(os.path.dirname(sys.executable), "vermilion-sentinel")


@pytest.fixture
def topology(tmp_path):
    primary = ServerProcess("redis", ["--save", ""])
    primary.__enter__()
    replica = ServerProcess("redis", ["--save", "", "--replicaof", "127.0.0.1", str(primary.port)])
    replica.__enter__()
    port = free_port()
    conf = tmp_path / "sentinel.conf"
    conf.write_text(f"port {port}\nsentinel monitor mymaster 127.0.0.1 {primary.port} 1\n"
                    "sentinel down-after-milliseconds mymaster 1000\n")
    proc = subprocess.Popen([SENTINEL, str(conf)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    cli = redis.Redis(port=port, decode_responses=True)
    wait_for(lambda: _pings(cli), timeout=30, what="sentinel up")
    yield primary, replica, cli, conf, proc
    proc.kill()
    proc.wait()
    for s in (replica, primary):
        s.__exit__(None, None, None)


def _quietly(fn):
    """``fn()``, or False when the connection drops (a sentinel reconfiguring an
    instance kills its normal clients)."""
    try:
        return fn()
    except (redis.ConnectionError, redis.TimeoutError):
        return False


def _pings(cli):
    try:
        return cli.ping()
    except redis.ConnectionError:
        return False


def test_discovery_and_addr(topology):
    primary, replica, cli, conf, _ = topology
    assert cli.execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster") == ["127.0.0.1", str(primary.port)]
    assert cli.execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "nope") is None
    wait_for(lambda: len(cli.execute_command("SENTINEL", "REPLICAS", "mymaster")) == 1, what="replica found")
    fields = cli.execute_command("SENTINEL", "MASTER", "mymaster")
    d = dict(zip(fields[::2], fields[1::2]))
    assert d["name"] == "mymaster" and d["flags"] == "master" and d["quorum"] == "1"
    assert d["num-slaves"] == "1"
    myid = cli.execute_command("SENTINEL", "MYID")
    text = conf.read_text()
    assert f"sentinel myid {myid}" in text
    assert f"sentinel known-replica mymaster 127.0.0.1 {replica.port}" in text
    assert cli.info("sentinel")["master0"]["status"] == "ok"
    # Redis names the sentinel's links sentinel-<first 8 of id>-cmd|pubsub.
    prefix = "sentinel-" + myid[:8]
    names = lambda: {c["name"] for c in redis.Redis(port=primary.port).client_list()}  # noqa: E731
    wait_for(lambda: {prefix + "-cmd", prefix + "-pubsub"} <= names(), what="named links")


def test_config_file_required(tmp_path):
    out = subprocess.run([SENTINEL], capture_output=True, text=True)
    assert out.returncode == 1
    assert "Sentinel needs config file on disk to save state.  Exiting..." in out.stderr


@pytest.mark.parametrize("kind", ["vermilion", "with-redis-sentinel"])
def test_failover_three_sentinels(tmp_path, kind):
    """SIGKILL the primary under a WAIT 2 write load: the sentinels agree, promote a
    replica, all report it, subscribers get ``+switch-master`` in Redis's format, no
    acknowledged write is lost, redis-py's Sentinel client writes to the new primary
    and reads from a replica, the other replica follows the new primary, and (second
    case) the old primary rejoins as a replica.  ``vermilion``: three Vermilion sentinels watching
    Vermilion servers; ``with-redis-sentinel``: one real redis-sentinel and two Vermilion
    sentinels in one quorum, watching real redis-servers."""
    import threading
    import time

    from redis.sentinel import Sentinel

    server_kind = "vermilion" if kind == "vermilion" else "redis"
    primary = ServerProcess(server_kind, ["--save", ""])
    replicas = [ServerProcess(server_kind, ["--save", "", "--replicaof", "127.0.0.1", str(primary.port)])
                for _ in range(2)]
    procs, clis = [], []
    old_primary = None
    try:
        for i in range(3):
            port = free_port()
            conf = tmp_path / f"s{i}.conf"
            conf.write_text(f"port {port}\nsentinel monitor mymaster 127.0.0.1 {primary.port} 2\n"
                            "sentinel down-after-milliseconds mymaster 1000\n"
                            "sentinel failover-timeout mymaster 5000\n")
            real = kind == "with-redis-sentinel" and i == 0
            cmd = ["redis-server", str(conf), "--sentinel"] if real else [SENTINEL, str(conf)]
            procs.append(subprocess.Popen(cmd, stdout=open(tmp_path / f"s{i}.log", "wb"), stderr=subprocess.STDOUT))
            clis.append(redis.Redis(port=port, decode_responses=True))
        for c in clis:
            wait_for(lambda: _pings(c), timeout=30, what="sentinel up")

        def ready(c):
            d = c.execute_command("SENTINEL", "MASTER", "mymaster")
            d = dict(zip(d[::2], d[1::2]))
            return d["num-slaves"] == "2" and d["num-other-sentinels"] == "2"
        for c in clis:
            wait_for(lambda: ready(c), timeout=15, what="discovery")
        events = clis[-1].pubsub()
        events.subscribe("+switch-master", "+odown")
        wait_for(lambda: events.get_message(timeout=0.1) is None and events.subscribed, what="subscribed")

        acked: list[str] = []
        stop = threading.Event()

        def writer():
            w = redis.Redis(port=primary.port, socket_timeout=1)
            i = 0
            while not stop.is_set():
                try:
                    w.set(f"k{i}", i)
                    # Acknowledged by both replicas: whichever is promoted has it (with
                    # WAIT 1 the promoted one may be the other, on Redis as here).
                    if w.execute_command("WAIT", 2, 200) >= 2:
                        acked.append(f"k{i}")
                except (redis.ConnectionError, redis.TimeoutError):
                    return
                i += 1
        t = threading.Thread(target=writer)
        t.start()
        wait_for(lambda: len(acked) >= 20, what="acknowledged writes")
        old = ["127.0.0.1", str(primary.port)]
        primary.proc.kill()
        primary.proc.wait()
        t0 = time.monotonic()
        for c in clis:
            wait_for(lambda: c.execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster") != old,
                     timeout=30, what="switch-master")
        print(f"kill -> all sentinels switched: {time.monotonic() - t0:.2f}s")
        stop.set()
        t.join()
        addrs = {tuple(c.execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster")) for c in clis}
        assert len(addrs) == 1
        new_port = int(addrs.pop()[1])
        assert new_port in {r.port for r in replicas}
        messages = []
        wait_for(lambda: messages.append(events.get_message(timeout=0.1)) or
                 any(m and m["channel"] == "+switch-master" for m in messages), what="+switch-master message")
        switch = next(m for m in messages if m and m["channel"] == "+switch-master")
        assert switch["data"] == f"mymaster 127.0.0.1 {primary.port} 127.0.0.1 {new_port}"
        # (a sentinel that learns the switch from a hello first never reaches +odown)
        for m in messages:
            if m and m["channel"] == "+odown":
                assert m["data"].startswith(f"master mymaster 127.0.0.1 {primary.port} #quorum ")
        new = redis.Redis(port=new_port)
        assert new.info("replication")["role"] == "master"
        missing = [k for k in acked if new.get(k) is None]
        assert missing == [], f"{len(missing)} of {len(acked)} acknowledged writes lost"
        sentinel = Sentinel([("127.0.0.1", c.connection_pool.connection_kwargs["port"]) for c in clis])
        m = sentinel.master_for("mymaster", socket_timeout=2)
        wait_for(lambda: _quietly(lambda: m.set("after", "failover")), timeout=10, what="write")
        assert m.get("after") == b"failover"
        # With down-after 1000 ms on a loaded machine a sentinel (the real one too) may
        # fail the new primary over again: follow whatever the sentinels report now.
        def current() -> int:
            return int(clis[-1].execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster")[1])

        def follows_current(port: int) -> bool:
            cur = current()
            return cur != port and redis.Redis(port=port).info("replication").get("master_port") == cur

        other = next(r for r in replicas if r.port != new_port)
        wait_for(lambda: _quietly(lambda: follows_current(other.port) or current() == other.port),
                 timeout=10, what="other replica reconfigured")
        wait_for(lambda: _quietly(lambda: sentinel.slave_for("mymaster", socket_timeout=2).get("after") == b"failover"),
                 timeout=10, what="read from a replica")
        if kind == "with-redis-sentinel":  # (a redis-server restarts in milliseconds)
            # The old primary comes back as a master: the sentinels convert it once it
            # has reported so for 4 publish periods (shortened to 4 x 500 ms here).
            for c in clis[1:]:  # the Vermilion ones (the real one keeps its 2 s)
                c.execute_command("SENTINEL", "DEBUG", "publish-period", "500")
            old_primary = ServerProcess(server_kind, ["--save", ""], port=primary.port)
            t1 = time.monotonic()
            wait_for(lambda: _quietly(lambda: follows_current(old_primary.port)),
                     timeout=30, what="old primary converted to a replica")
            print(f"old primary back -> converted: {time.monotonic() - t1:.2f}s")
    finally:
        for p in procs:
            p.kill()
            p.wait()
        for s in (*replicas, primary, *([old_primary] if old_primary else [])):
            s.__exit__(None, None, None)


def test_errors_and_ckquorum_as_redis(topology):
    _, _, cli, _, _ = topology
    raw = redis.Redis(port=cli.connection_pool.connection_kwargs["port"])
    cases = [
        (("SENTINEL", "bogus"), "unknown subcommand 'bogus'. Try SENTINEL HELP."),
        (("SENTINEL", "masters", "x"), "wrong number of arguments for 'sentinel|masters' command"),
        (("SENTINEL", "get-master-addr-by-name"),
         "wrong number of arguments for 'sentinel|get-master-addr-by-name' command"),
        (("SENTINEL", "master", "nope"), "No such master with that name"),
        (("SENTINEL", "ckquorum", "nope"), "No such master with that name"),
    ]
    for cmd, msg in cases:
        with pytest.raises(redis.ResponseError) as e:
            raw.execute_command(*cmd)
        assert str(e.value) == msg
    assert raw.execute_command("SENTINEL", "CKQUORUM", "mymaster") == \
        b"OK 1 usable Sentinels. Quorum and failover authorization can be reached"
    wait_for(lambda: len(raw.execute_command("SENTINEL", "REPLICAS", "mymaster")) == 1, what="replica")
    assert raw.execute_command("SENTINEL", "RESET", "my*") == 1
    assert raw.execute_command("SENTINEL", "RESET", "none*") == 0
    assert raw.execute_command("SENTINEL", "REPLICAS", "mymaster") == []
    wait_for(lambda: len(raw.execute_command("SENTINEL", "REPLICAS", "mymaster")) == 1, timeout=15,
             what="replica rediscovered")


# -- Differential: one real redis-sentinel and one Vermilion sentinel ----------------

@pytest.fixture(scope="module")
def sentinel_pair(tmp_path_factory):
    """A real redis-sentinel and a Vermilion sentinel, each monitoring the same primary
    (quorum 2, so neither fails it over); yields their ports (real, vermilion)."""
    primary = ServerProcess("redis", ["--save", ""])
    replica = ServerProcess("redis", ["--save", "", "--replicaof", "127.0.0.1", str(primary.port)])
    d = tmp_path_factory.mktemp("pair")
    procs, ports = [], []
    try:
        for i, real in enumerate((True, False)):
            port = free_port()
            conf = d / f"s{i}.conf"
            conf.write_text(f"port {port}\nsentinel monitor mymaster 127.0.0.1 {primary.port} 2\n")
            cmd = ["redis-server", str(conf), "--sentinel"] if real else [SENTINEL, str(conf)]
            procs.append(subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            ports.append(port)
        for p in ports:
            wait_for(lambda: _pings(redis.Redis(port=p)), timeout=30, what="sentinel up")
        yield ports, d
    finally:
        for p in procs:
            p.kill()
            p.wait()
        replica.__exit__(None, None, None)
        primary.__exit__(None, None, None)


def _pair_clients(ports, resp):
    from tests.support.raw import RawClient

    out = []
    for port in ports:
        c = RawClient(port)
        if resp == 3:
            c.call("HELLO", "3")
        out.append(c)
    return out


SAME_REPLY = [
    ("PING",), ("PING", "hi"), ("GET", "x"), ("ECHO", "x"), ("SET", "a", "b"),
    ("PUBLISH", "foo", "bar"), ("PUBLISH", "__sentinel__:hello", "garbage"),
    ("ROLE",), ("COMMAND", "COUNT"),
    ("SENTINEL",), ("SENTINEL", "bogus"), ("SENTINEL", "HELP"), ("SENTINEL", "help", "x"),
    ("SENTINEL", "masters", "x"), ("SENTINEL", "master"), ("SENTINEL", "master", "nope"),
    ("SENTINEL", "replicas", "nope"), ("SENTINEL", "slaves", "nope"), ("SENTINEL", "sentinels", "nope"),
    ("SENTINEL", "get-master-addr-by-name", "nope"), ("SENTINEL", "get-master-addr-by-name"),
    ("SENTINEL", "ckquorum", "nope"), ("SENTINEL", "failover", "nope"), ("SENTINEL", "failover"),
    ("SENTINEL", "remove", "nope"), ("SENTINEL", "reset", "nope*"),
    ("SENTINEL", "info-cache", "nope"), ("SENTINEL", "pending-scripts"), ("SENTINEL", "pending-scripts", "x"),
    ("SENTINEL", "myid", "x"), ("SENTINEL", "flushconfig", "x"),
    ("SENTINEL", "is-master-down-by-addr", "127.0.0.1", "x", "0", "*"),
    ("SENTINEL", "is-master-down-by-addr", "127.0.0.1", "1", "x", "*"),
    ("SENTINEL", "is-master-down-by-addr", "10.0.0.1", "1", "0", "*"),
    ("SENTINEL", "is-master-down-by-addr", "10.0.0.1", "1", "0"),
    ("SENTINEL", "monitor", "m2", "127.0.0.1", "1", "x"),
    ("SENTINEL", "monitor", "m2", "127.0.0.1", "x", "2"),
    ("SENTINEL", "monitor", "m2", "127.0.0.1", "1", "0"),
    ("SENTINEL", "monitor", "m2", "127.0.0.1", "1", "-3"),
    ("SENTINEL", "monitor", "m2", "not-an-ip", "1", "2"),
    ("SENTINEL", "monitor", "m2", "127.0.0.1", "99999", "2"),
    ("SENTINEL", "monitor", "mymaster", "127.0.0.1", "1", "2"),
    ("SENTINEL", "monitor", "m2", "127.0.0.1", "1", "2", "3"),
    ("SENTINEL", "set", "nope", "quorum", "2"), ("SENTINEL", "set", "mymaster", "quorum"),
    ("SENTINEL", "set", "mymaster", "quorum", "0"), ("SENTINEL", "set", "mymaster", "quorum", "x"),
    ("SENTINEL", "set", "mymaster", "bogus", "1"),
    ("SENTINEL", "set", "mymaster", "down-after-milliseconds", "0"),
    ("SENTINEL", "set", "mymaster", "failover-timeout", "-1"),
    ("SENTINEL", "set", "mymaster", "parallel-syncs", "0"),
    ("SENTINEL", "set", "mymaster", "quorum", "2", "parallel-syncs", "x"),
    ("SENTINEL", "set", "mymaster", "quorum", "2", "parallel-syncs"),
    ("SENTINEL", "set", "mymaster", "notification-script", "/bin/true"),
    ("SENTINEL", "set", "mymaster", "client-reconfig-script", "/bin/true"),
    ("SENTINEL", "set", "mymaster", "master-reboot-down-after-period", "-1"),
    ("SENTINEL", "set", "mymaster", "rename-command", "a"),
    ("SENTINEL", "config"), ("SENTINEL", "config", "foo", "bar"), ("SENTINEL", "config", "get", "bogus"),
    ("SENTINEL", "config", "get", "announce*"), ("SENTINEL", "config", "get", "RESOLVE-hostnames"),
    ("SENTINEL", "config", "set", "bogus", "1"), ("SENTINEL", "config", "set", "announce-ip"),
    ("SENTINEL", "config", "set", "resolve-hostnames", "maybe"),
    ("SENTINEL", "config", "set", "announce-port", "x"),
    ("SENTINEL", "config", "set", "announce-port", "70000"),
    ("SENTINEL", "config", "set", "loglevel", "verbose"),
    ("SENTINEL", "debug"), ("SENTINEL", "debug", "bogus", "1"), ("SENTINEL", "debug", "info-period"),
    ("SENTINEL", "debug", "info-period", "x"), ("SENTINEL", "debug", "ping-period", "0"),
    ("SENTINEL", "simulate-failure", "help"), ("SENTINEL", "simulate-failure", "bogus"),
    ("SENTINEL", "simulate-failure"),
    ("CLIENT", "SETNAME", "abc"), ("CLIENT", "GETNAME"), ("CLIENT", "NO-TOUCH", "on"),
    ("CLIENT", "bogus"), ("ACL", "WHOAMI"), ("AUTH", "x"), ("AUTH", "default", "x"),
    ("SHUTDOWN", "bogus"), ("INFO", "keyspace"), ("HELLO", "4"),
]


@pytest.mark.parametrize("resp", [2, 3])
def test_same_replies_as_redis_sentinel(sentinel_pair, resp):
    ports, _ = sentinel_pair
    real, verm = _pair_clients(ports, resp)
    diffs = [(cmd, v, r) for cmd in SAME_REPLY if (v := verm.call(*cmd)) != (r := real.call(*cmd))]
    assert diffs == []


@pytest.mark.parametrize("resp", [2, 3])
def test_state_changing_commands_as_redis_sentinel(sentinel_pair, resp):
    """MONITOR / SET / CONFIG SET / DEBUG / REMOVE: same replies, and the config file
    holds the change."""
    ports, d = sentinel_pair
    real, verm = _pair_clients(ports, resp)
    name = f"m{resp}"
    dead = free_port()
    for cmd in [("SENTINEL", "monitor", name, "127.0.0.1", dead, "2"),
                ("SENTINEL", "set", name, "quorum", "3", "parallel-syncs", "4", "down-after-milliseconds", "1234"),
                ("SENTINEL", "set", name, "auth-pass", "secret"),
                ("SENTINEL", "set", name, "failover-timeout", "9999"),
                ("SENTINEL", "get-master-addr-by-name", name),
                ("SENTINEL", "config", "set", "announce-port", "0"),
                ("SENTINEL", "config", "set", "resolve-hostnames", "no"),
                ("SENTINEL", "config", "get", "*"),
                ("SENTINEL", "debug", "publish-period", "2000", "ask-period", "1000"),
                ("SENTINEL", "failover", name),
                ("SENTINEL", "reset", name),
                ("SENTINEL", "flushconfig")]:
        assert verm.call(*cmd) == real.call(*cmd), cmd
    text = (d / "s1.conf").read_text()
    assert f"sentinel monitor {name} 127.0.0.1 {dead} 3" in text
    assert f"sentinel down-after-milliseconds {name} 1234" in text
    assert f"sentinel parallel-syncs {name} 4" in text
    assert f"sentinel auth-pass {name} secret" in text
    fields = redis.Redis(port=ports[1], decode_responses=True).execute_command("SENTINEL", "MASTER", name)
    d2 = dict(zip(fields[::2], fields[1::2]))
    assert (d2["quorum"], d2["parallel-syncs"], d2["failover-timeout"]) == ("3", "4", "9999")
    for cmd in [("SENTINEL", "remove", name), ("SENTINEL", "remove", name),
                ("SENTINEL", "get-master-addr-by-name", name)]:
        assert verm.call(*cmd) == real.call(*cmd), cmd
    assert f"sentinel monitor {name} " not in (d / "s1.conf").read_text()


def test_field_names_as_redis_sentinel(sentinel_pair):
    """SENTINEL MASTER / REPLICAS / SENTINELS: the same field names in the same order."""
    ports, _ = sentinel_pair
    real, verm = (redis.Redis(port=p, decode_responses=True) for p in ports)

    def names(c, *cmd):
        return c.execute_command(*cmd)[::2]
    assert names(verm, "SENTINEL", "MASTER", "mymaster") == names(real, "SENTINEL", "MASTER", "mymaster")
    wait_for(lambda: verm.execute_command("SENTINEL", "SENTINELS", "mymaster")
             and real.execute_command("SENTINEL", "SENTINELS", "mymaster"), timeout=15, what="hello")
    for c in (verm, real):
        wait_for(lambda: c.execute_command("SENTINEL", "REPLICAS", "mymaster"), timeout=15, what="replica")
    replica_fields = [c.execute_command("SENTINEL", "REPLICAS", "mymaster")[0][::2] for c in (verm, real)]
    assert replica_fields[0] == replica_fields[1]
    s_real = real.execute_command("SENTINEL", "SENTINELS", "mymaster")[0]
    s_verm = verm.execute_command("SENTINEL", "SENTINELS", "mymaster")[0]
    assert s_verm[::2] == s_real[::2]
    # Each names the other by its run id.
    assert dict(zip(s_verm[::2], s_verm[1::2]))["name"] == real.execute_command("SENTINEL", "MYID")
    raw_real, raw_verm = _pair_clients(ports, 2)
    for args in ((), ("all",), ("everything",), ("sentinel",), ("server", "keyspace")):
        heads = [[ln for ln in c.call("INFO", *args).split(b"\r\n") if ln.startswith(b"#")]
                 for c in (raw_verm, raw_real)]
        assert heads[0] == heads[1], args
    hv, hr = verm.execute_command("HELLO", "3"), real.execute_command("HELLO", "3")
    assert list(hv) == list(hr) and hv["mode"] == "sentinel"


def _parsed(port, *cmd):
    """The reply parsed into nested lists, with no redis-py response callback."""
    conn = redis.Connection(port=port)
    try:
        conn.send_command(*cmd)
        return conn.read_response()
    finally:
        conn.disconnect()


def _sorted_subcommands(info):
    return [[*e[:9], sorted(e[9])] if e is not None and len(e) > 9 else e for e in info]


def test_command_info_of_sentinel(sentinel_pair):
    """COMMAND INFO/DOCS as redis-sentinel's (subcommands compared as sets: Redis's
    dict order is seeded per process)."""
    ports, _ = sentinel_pair
    for cmd in (("COMMAND", "INFO", "sentinel"), ("COMMAND", "INFO", "get"),
                ("COMMAND", "INFO", "subscribe", "publish", "ping", "role", "info", "hello")):
        assert _sorted_subcommands(_parsed(ports[1], *cmd)) == _sorted_subcommands(_parsed(ports[0], *cmd)), cmd
    # COMMAND DOCS: 7.2 rewrote the summaries (and SENTINEL CONFIG's complexity and
    # history); everything else is as the 7.0 redis-sentinel installed here.
    def docs(port):
        top = dict(zip(*[iter(_parsed(port, "COMMAND", "DOCS", "sentinel"))] * 2))[b"sentinel"]
        top = dict(zip(*[iter(top)] * 2))
        subs = dict(zip(*[iter(top.pop(b"subcommands"))] * 2))
        out = {b"sentinel": top, **{k: dict(zip(*[iter(v)] * 2)) for k, v in subs.items()}}
        for d in out.values():
            for k in (b"summary", b"complexity", b"history"):
                d.pop(k, None)
        return out
    assert docs(ports[1]) == docs(ports[0])
    assert b"A container for Redis Sentinel commands." in _parsed(ports[1], "COMMAND", "DOCS", "sentinel")[1]


def test_tilt_after_a_stall(topology):
    """A timer that runs more than tilt-trigger late (the process was stopped) enters
    TILT: ``+tilt`` is published and INFO reports it until tilt-period has passed."""
    import signal
    import time

    _, _, cli, _, proc = topology
    cli.execute_command("SENTINEL", "DEBUG", "tilt-period", "1000")
    sub = cli.pubsub()
    sub.subscribe("+tilt", "-tilt")
    wait_for(lambda: sub.get_message(timeout=0.1) is None and sub.subscribed, what="subscribed")
    proc.send_signal(signal.SIGSTOP)
    time.sleep(2.5)  # the stall being tested: longer than tilt-trigger (2000 ms)
    proc.send_signal(signal.SIGCONT)
    got = []
    wait_for(lambda: got.append(sub.get_message(timeout=0.1)) or any(m and m["channel"] == "-tilt" for m in got),
             timeout=10, what="-tilt")
    texts = [(m["channel"], m["data"]) for m in got if m]
    assert texts == [("+tilt", "#tilt mode entered"), ("-tilt", "#tilt mode exited")]
    assert cli.info("sentinel")["sentinel_tilt"] == 0


def test_manual_failover_and_restart_keeps_identity(topology):
    """SENTINEL FAILOVER promotes the replica without agreement (INPROG while it runs);
    the config file keeps the new state, and a restarted sentinel resumes with the
    same id, epoch and primary."""
    primary, replica, cli, conf, proc = topology
    port = cli.connection_pool.connection_kwargs["port"]
    wait_for(lambda: len(cli.execute_command("SENTINEL", "REPLICAS", "mymaster")) == 1, what="replica found")
    sub = cli.pubsub()
    sub.subscribe("+switch-master", "+try-failover")
    wait_for(lambda: sub.get_message(timeout=0.1) is None and sub.subscribed, what="subscribed")
    assert cli.execute_command("SENTINEL", "FAILOVER", "mymaster") == "OK"
    with pytest.raises(redis.ResponseError, match="^INPROG Failover already in progress$"):
        cli.execute_command("SENTINEL", "FAILOVER", "mymaster")
    wait_for(lambda: cli.execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster")
             == ["127.0.0.1", str(replica.port)], timeout=15, what="manual failover")
    got = []
    wait_for(lambda: got.append(sub.get_message(timeout=0.1)) or
             any(m and m["channel"] == "+switch-master" for m in got), what="+switch-master")
    texts = {m["channel"]: m["data"] for m in got if m}
    assert texts["+try-failover"] == f"master mymaster 127.0.0.1 {primary.port}"
    assert texts["+switch-master"] == f"mymaster 127.0.0.1 {primary.port} 127.0.0.1 {replica.port}"
    assert redis.Redis(port=replica.port).info("replication")["role"] == "master"
    myid = cli.execute_command("SENTINEL", "MYID")
    epoch = dict(zip(*[iter(cli.execute_command("SENTINEL", "MASTER", "mymaster"))] * 2))["config-epoch"]
    assert epoch == "1"
    text = conf.read_text()
    assert f"sentinel monitor mymaster 127.0.0.1 {replica.port} 1" in text
    assert f"sentinel known-replica mymaster 127.0.0.1 {primary.port}" in text
    assert "sentinel config-epoch mymaster 1" in text and "sentinel current-epoch 1" in text
    proc.kill()
    proc.wait()
    proc2 = subprocess.Popen([SENTINEL, str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        cli2 = redis.Redis(port=port, decode_responses=True)
        wait_for(lambda: _pings(cli2), timeout=30, what="sentinel restarted")
        assert cli2.execute_command("SENTINEL", "MYID") == myid
        assert cli2.execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster") == ["127.0.0.1", str(replica.port)]
        d = dict(zip(*[iter(cli2.execute_command("SENTINEL", "MASTER", "mymaster"))] * 2))
        assert d["config-epoch"] == "1" and d["num-slaves"] == "1"
        assert f"sentinel myid {myid}" in conf.read_text()
    finally:
        proc2.kill()
        proc2.wait()


def test_no_good_replica_then_primary_down(topology):
    primary, replica, cli, _, _ = topology

    def replica_flags():
        found = cli.execute_command("SENTINEL", "REPLICAS", "mymaster")
        return dict(zip(*[iter(found[0])] * 2))["flags"] if found else ""
    wait_for(replica_flags, timeout=15, what="replica found")
    replica.stop()
    wait_for(lambda: "s_down" in replica_flags(), timeout=15, what="replica s_down")
    with pytest.raises(redis.ResponseError, match="^NOGOODSLAVE No suitable replica to promote$"):
        cli.execute_command("SENTINEL", "FAILOVER", "mymaster")
    primary.stop()

    def flags():
        f = cli.execute_command("SENTINEL", "MASTER", "mymaster")
        return dict(zip(f[::2], f[1::2]))["flags"]
    wait_for(lambda: "s_down" in flags(), timeout=5, what="+sdown")


def test_scripts_run_on_events(tmp_path):
    """notification-script gets ``<event> <message>`` for warning-level events;
    client-reconfig-script gets ``<name> leader start <from-ip> <from-port> <to-ip>
    <to-port>`` when the leader promotes the replica."""
    primary = ServerProcess("redis", ["--save", ""])
    replica = ServerProcess("redis", ["--save", "", "--replicaof", "127.0.0.1", str(primary.port)])
    notes, reconf = tmp_path / "notes.txt", tmp_path / "reconf.txt"
    for name, out in (("notify.sh", notes), ("reconf.sh", reconf)):
        script = tmp_path / name
        script.write_text(f'#!/bin/sh\necho "$@" >> {out}\n')
        script.chmod(0o755)
    port = free_port()
    conf = tmp_path / "s.conf"
    conf.write_text(f"port {port}\nsentinel deny-scripts-reconfig no\n"
                    f"sentinel monitor mymaster 127.0.0.1 {primary.port} 1\n"
                    "sentinel down-after-milliseconds mymaster 1000\n"
                    f"sentinel notification-script mymaster {tmp_path / 'notify.sh'}\n")
    proc = subprocess.Popen([SENTINEL, str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        cli = redis.Redis(port=port, decode_responses=True)
        wait_for(lambda: _pings(cli), timeout=30, what="sentinel up")
        with pytest.raises(redis.ResponseError, match="^Notification script seems non existing or non executable$"):
            cli.execute_command("SENTINEL", "SET", "mymaster", "client-reconfig-script", str(tmp_path / "nope.sh"))
        assert cli.execute_command("SENTINEL", "SET", "mymaster", "client-reconfig-script",
                                   str(tmp_path / "reconf.sh")) == "OK"
        assert f"sentinel client-reconfig-script mymaster {tmp_path / 'reconf.sh'}" in conf.read_text()
        wait_for(lambda: cli.execute_command("SENTINEL", "REPLICAS", "mymaster"), what="replica found")
        primary.proc.kill()
        wait_for(lambda: reconf.exists() and notes.exists() and "+switch-master" in notes.read_text(),
                 timeout=20, what="scripts ran")
        lines = notes.read_text().splitlines()
        assert f"+sdown master mymaster 127.0.0.1 {primary.port}" in lines
        assert f"+switch-master mymaster 127.0.0.1 {primary.port} 127.0.0.1 {replica.port}" in lines
        assert reconf.read_text() == f"mymaster leader start 127.0.0.1 {primary.port} 127.0.0.1 {replica.port}\n"
        wait_for(lambda: cli.execute_command("SENTINEL", "PENDING-SCRIPTS") == [], what="queue drained")
    finally:
        proc.kill()
        proc.wait()
        for s in (replica, primary):
            s.__exit__(None, None, None)



@pytest.mark.parametrize("resp", [2, 3])
def test_hello_messages_as_redis_sentinel(sentinel_pair, resp):
    """Hello messages PUBLISHed to a sentinel: short ones and unknown primaries are
    ignored, numbers are read as C's atoi reads them; a sentinel unknown so far is
    learnt and a greater config epoch moves the primary, in both."""
    ports, _ = sentinel_pair
    real, verm = _pair_clients(ports, resp)
    name, dead, moved = f"h{resp}", free_port(), free_port()
    runid = f"{resp}" * 40
    cmds = [("SENTINEL", "monitor", name, "127.0.0.1", dead, "2")]
    for bad in ("", "a,b,c", f"127.0.0.1,x,{runid},0,{name},127.0.0.1,{moved},9",
                f"127.0.0.1,1,{runid},0,{name},127.0.0.1,notaport,9", f"127.0.0.1,1,{runid},0,nope,127.0.0.1,1,9"):
        cmds += [("PUBLISH", "__sentinel__:hello", bad), ("SENTINEL", "get-master-addr-by-name", name)]
    cmds += [("PUBLISH", "__sentinel__:hello", f"127.0.0.9,26999,{runid},0,{name},127.0.0.1,{moved},3"),
             ("SENTINEL", "get-master-addr-by-name", name),
             ("PUBLISH", "__sentinel__:hello", f"127.0.0.9,26999,{runid},0,{name},127.0.0.1,{dead},2"),
             ("SENTINEL", "get-master-addr-by-name", name)]
    for i, cmd in enumerate(cmds):
        assert verm.call(*cmd) == real.call(*cmd), (i, cmd, dead, moved)
    for port in ports:
        c = redis.Redis(port=port, decode_responses=True)
        s = c.execute_command("SENTINEL", "SENTINELS", name)
        assert [dict(zip(*[iter(x)] * 2))["ip"] for x in s] == ["127.0.0.9"]  # the address switched
        d = dict(zip(*[iter(c.execute_command("SENTINEL", "MASTER", name))] * 2))
        # (the hello with sentinel port "x" counts: C's atoi reads it as 0, epoch 9 wins)
        assert (d["port"], d["config-epoch"], d["num-other-sentinels"]) == (str(moved), "9", "1")
        assert c.execute_command("SENTINEL", "REMOVE", name) == "OK"


def test_auth_pass_and_rename_command(tmp_path):
    """``auth-pass`` authenticates the sentinel's links and ``rename-command`` maps the
    commands it sends (here CONFIG, renamed GUESSME on the servers): a manual failover
    promotes the replica inside MULTI/EXEC with the renamed CONFIG REWRITE."""
    common = ["--save", "", "--requirepass", "pw", "--masterauth", "pw", "--rename-command", "CONFIG", "GUESSME"]
    primary = ServerProcess("redis", common)
    replica = ServerProcess("redis", [*common, "--replicaof", "127.0.0.1", str(primary.port)])
    port = free_port()
    conf = tmp_path / "s.conf"
    conf.write_text(f"port {port}\nsentinel monitor mymaster 127.0.0.1 {primary.port} 1\n"
                    "sentinel auth-pass mymaster pw\n"
                    "sentinel rename-command mymaster CONFIG GUESSME\n")
    proc = subprocess.Popen([SENTINEL, str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        cli = redis.Redis(port=port, decode_responses=True)
        wait_for(lambda: _pings(cli), timeout=30, what="sentinel up")
        wait_for(lambda: cli.execute_command("SENTINEL", "REPLICAS", "mymaster"), timeout=15, what="replica found")
        d = dict(zip(*[iter(cli.execute_command("SENTINEL", "MASTER", "mymaster"))] * 2))
        assert d["flags"] == "master" and d["runid"]  # authenticated: INFO answered
        def failover():
            try:
                return cli.execute_command("SENTINEL", "FAILOVER", "mymaster") == "OK"
            except redis.ResponseError as e:  # the replica's first INFO is not in yet
                assert str(e) == "NOGOODSLAVE No suitable replica to promote"
                return False
        wait_for(failover, timeout=15, what="failover accepted")
        wait_for(lambda: cli.execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster")
                 == ["127.0.0.1", str(replica.port)], timeout=15, what="switch")
        assert redis.Redis(port=replica.port, password="pw").info("replication")["role"] == "master"
        assert "sentinel rename-command mymaster config GUESSME" in conf.read_text()
    finally:
        proc.kill()
        proc.wait()
        for s in (replica, primary):
            s.__exit__(None, None, None)


def test_fix_slave_config(topology):
    """A known replica found replicating from another server is pointed back at the
    primary once its configuration has not changed for failover-timeout."""
    primary, replica, cli, _, _ = topology
    other = ServerProcess("redis", ["--save", ""])
    try:
        wait_for(lambda: cli.execute_command("SENTINEL", "REPLICAS", "mymaster"), timeout=15, what="replica found")
        assert cli.execute_command("SENTINEL", "SET", "mymaster", "failover-timeout", "1000") == "OK"
        assert cli.execute_command("SENTINEL", "DEBUG", "info-period", "500") == "OK"  # INFO is the probe
        sub = cli.pubsub()
        sub.subscribe("+fix-slave-config")
        wait_for(lambda: sub.get_message(timeout=0.1) is None and sub.subscribed, what="subscribed")
        redis.Redis(port=replica.port).replicaof("127.0.0.1", other.port)
        got = []
        wait_for(lambda: got.append(sub.get_message(timeout=0.1)) or any(m and m["type"] == "message" for m in got),
                 timeout=30, what="+fix-slave-config")
        msg = next(m for m in got if m and m["type"] == "message")
        assert msg["data"] == (f"slave 127.0.0.1:{replica.port} 127.0.0.1 {replica.port} "
                               f"@ mymaster 127.0.0.1 {primary.port}")
        wait_for(lambda: _quietly(lambda: redis.Redis(port=replica.port).info("replication")["master_port"]
                                  == primary.port), what="replica back on the primary")
    finally:
        other.__exit__(None, None, None)
