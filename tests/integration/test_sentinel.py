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
    wait_for(lambda: _pings(cli), what="sentinel up")
    yield primary, replica, cli, conf, proc
    proc.kill()
    proc.wait()
    for s in (replica, primary):
        s.__exit__(None, None, None)


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


def test_sdown_after_primary_dies(topology):
    primary, _, cli, _, _ = topology
    primary.stop()

    def flags():
        f = cli.execute_command("SENTINEL", "MASTER", "mymaster")
        return dict(zip(f[::2], f[1::2]))["flags"]
    wait_for(lambda: "s_down" in flags(), timeout=5, what="+sdown")


def test_config_file_required(tmp_path):
    out = subprocess.run([SENTINEL], capture_output=True, text=True)
    assert out.returncode == 1
    assert "Sentinel needs config file on disk to save state.  Exiting..." in out.stderr


@pytest.mark.parametrize("mixed", [False, True], ids=["vermilion", "with-redis-sentinel"])
def test_failover_three_sentinels(tmp_path, mixed):
    """SIGKILL the primary: the sentinels agree, promote a replica, all report it, and
    redis-py's Sentinel client writes to the new primary.  ``mixed``: the first of the
    three is a real redis-sentinel, in the same quorum."""
    import time

    from redis.sentinel import Sentinel

    primary = ServerProcess("redis", ["--save", ""])
    primary.__enter__()
    replicas = [ServerProcess("redis", ["--save", "", "--replicaof", "127.0.0.1", str(primary.port)])
                for _ in range(2)]
    for r in replicas:
        r.__enter__()
    procs, clis = [], []
    try:
        for i in range(3):
            port = free_port()
            conf = tmp_path / f"s{i}.conf"
            conf.write_text(f"port {port}\nsentinel monitor mymaster 127.0.0.1 {primary.port} 2\n"
                            "sentinel down-after-milliseconds mymaster 1000\n"
                            "sentinel failover-timeout mymaster 5000\n")
            cmd = ["redis-server", str(conf), "--sentinel"] if mixed and i == 0 else [SENTINEL, str(conf)]
            procs.append(subprocess.Popen(cmd, stdout=subprocess.DEVNULL))
            clis.append(redis.Redis(port=port, decode_responses=True))
        for c in clis:
            wait_for(lambda: _pings(c), what="sentinel up")

        def ready(c):
            d = c.execute_command("SENTINEL", "MASTER", "mymaster")
            d = dict(zip(d[::2], d[1::2]))
            return d["num-slaves"] == "2" and d["num-other-sentinels"] == "2"
        for c in clis:
            wait_for(lambda: ready(c), timeout=15, what="discovery")
        old = ["127.0.0.1", str(primary.port)]
        primary.proc.kill()
        t0 = time.monotonic()
        for c in clis:
            wait_for(lambda: c.execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster") != old,
                     timeout=30, what="switch-master")
        print(f"kill -> all sentinels switched: {time.monotonic() - t0:.2f}s")
        addrs = {tuple(c.execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster")) for c in clis}
        assert len(addrs) == 1
        new_port = int(addrs.pop()[1])
        assert new_port in {r.port for r in replicas}
        assert redis.Redis(port=new_port).info("replication")["role"] == "master"
        sentinel = Sentinel([("127.0.0.1", c.connection_pool.connection_kwargs["port"]) for c in clis])
        m = sentinel.master_for("mymaster", socket_timeout=2)
        wait_for(lambda: m.set("after", "failover"), timeout=10, what="write")
        assert m.get("after") == b"failover"
        other = next(r for r in replicas if r.port != new_port)
        wait_for(lambda: redis.Redis(port=other.port).info("replication").get("master_port") == new_port,
                 timeout=10, what="other replica reconfigured")
    finally:
        for p in procs:
            p.kill()
            p.wait()
        for s in (*replicas, primary):
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
