"""RECONF_SLAVES: parallel-syncs, progress from INFO, the end of the failover."""

import asyncio

from vermilion.sentinel import failover, settings
from vermilion.sentinel.instance import Primary, now_ms
from vermilion.sentinel.main import Sentinel


class _Server:
    def __init__(self):
        self.extensions = {}
        self.config = {"port": 26379}
        self.lines = []

    def log(self, level, text):
        self.lines.append(text)


class _Cfg:
    myid = "a" * 40
    current_epoch = 0
    announce_ip = ""
    announce_port = 0

    def __init__(self, p):
        self.primaries = {p.name: p}


def _setup(parallel_syncs, n_replicas=4):
    p = Primary("m", "10.0.0.1", 6379, 1)
    p.parallel_syncs = parallel_syncs
    for port in range(7000, 7000 + n_replicas):
        r = p.add_replica("10.0.0.2", port)
        r.link_up = True
    s = Sentinel(_Server(), _Cfg(p))
    s.flush_config = lambda: None
    sent = []

    async def send_replicaof(inst, host, port):
        sent.append((inst.port, host, port))
        return True
    s.send_replicaof = send_replicaof
    f = p.failover = failover.Failover(1, now_ms())
    f.promoted = p.replicas["10.0.0.2:7000"]
    f.promoted.flags.add("promoted")
    f.set_state(failover.RECONF_SLAVES, now_ms())
    return s, p, sent


def _info(s, r, host, port, link):
    r.master_host, r.master_port, r.master_link_status = host, port, link
    s.replica_info(r, {"role": "slave"})


def test_parallel_syncs_limits_replicas_in_flight():
    s, p, sent = _setup(parallel_syncs=2)
    asyncio.run(s.run_failover(p, now_ms()))
    assert [port for port, _, _ in sent] == [7001, 7002]  # 2 at once; 7003 waits
    r1 = p.replicas["10.0.0.2:7001"]
    _info(s, r1, "10.0.0.2", 7000, "down")
    assert "reconf_inprog" in r1.flags
    _info(s, r1, "10.0.0.2", 7000, "up")
    assert "reconf_done" in r1.flags
    asyncio.run(s.run_failover(p, now_ms()))
    assert [port for port, _, _ in sent] == [7001, 7002, 7003]
    assert p.failover.state == failover.RECONF_SLAVES
    for port in (7002, 7003):
        _info(s, p.replicas[f"10.0.0.2:{port}"], "10.0.0.2", 7000, "up")  # sent -> inprog
        _info(s, p.replicas[f"10.0.0.2:{port}"], "10.0.0.2", 7000, "up")  # inprog -> done
    asyncio.run(s.run_failover(p, now_ms()))
    # All done: +failover-end, then the switch to the promoted replica.
    assert (p.ip, p.port) == ("10.0.0.2", 7000) and p.failover is None
    assert sorted(p.replicas) == ["10.0.0.1:6379", "10.0.0.2:7001", "10.0.0.2:7002", "10.0.0.2:7003"]
    events = [ln.split()[0] for ln in s.server.lines]
    assert events.count("+slave-reconf-sent") == 3 and events.count("+slave-reconf-done") == 3
    assert events.index("+failover-end") < events.index("+switch-master")


def test_replica_pointing_elsewhere_stays_sent():
    s, p, _ = _setup(parallel_syncs=1, n_replicas=2)
    asyncio.run(s.run_failover(p, now_ms()))
    r = p.replicas["10.0.0.2:7001"]
    _info(s, r, "10.0.0.1", 6379, "up")  # still on the old primary
    assert "reconf_sent" in r.flags and "reconf_inprog" not in r.flags


def test_failover_timeout_ends_the_reconfiguration():
    s, p, sent = _setup(parallel_syncs=1, n_replicas=3)
    asyncio.run(s.run_failover(p, now_ms()))
    assert len(sent) == 1
    p.failover.state_change_ms -= p.failover_timeout_ms + 1
    asyncio.run(s.run_failover(p, now_ms()))
    events = [ln.split()[0] for ln in s.server.lines]
    assert "+failover-end-for-timeout" in events and "+switch-master" in events
    assert "+slave-reconf-sent-be" in events  # the replica never sent to is told at once


def test_simulated_crash_flags():
    assert settings.SIMFAILURE_CRASH_AFTER_ELECTION != settings.SIMFAILURE_CRASH_AFTER_PROMOTION
