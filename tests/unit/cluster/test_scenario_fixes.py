"""Logic behind two fixes the cluster scenarios revealed (tests/integration/
test_cluster_scenarios.py): a primary flagged FAIL that nobody failed over is cleared
once it answers again and its FAIL is older than two node timeouts (Redis's
clearNodeFailureIfNeeded), a replica at its first PONG; and nodes.conf is fsynced only
when an epoch, our vote or our role changed (Redis's CLUSTER_TODO_FSYNC_CONFIG), not for
every slot move."""

from __future__ import annotations

import os
import types

from vermilion.cluster import nodes_conf
from vermilion.cluster.bus import gossip
from vermilion.cluster.bus.messages import PONG, decode, encode
from vermilion.cluster.state import FAIL, MASTER, MYSELF, SLAVE, ClusterState, Node, random_name

CLOCK = [10 ** 9]
TIMEOUT_MS = 1000


def _state(port: int, logs: list | None = None) -> ClusterState:
    cfg = {"port": port, "cluster-port": 0, "cluster-announce-port": 0, "cluster-announce-bus-port": 0,
           "cluster-announce-ip": "", "cluster-require-full-coverage": 1, "cluster-node-timeout": TIMEOUT_MS,
           "cluster-allow-replica-migration": 1, "cluster-migration-barrier": 1, "cluster-replica-no-failover": 0,
           "cluster-announce-hostname": "", "cluster-announce-human-nodename": ""}
    log = (lambda level, msg: logs.append(msg)) if logs is not None else (lambda *a: None)
    server = types.SimpleNamespace(config=cfg, log=log, extensions={}, now_ms=lambda: CLOCK[0])
    cs = ClusterState(server, Node(random_name(), MYSELF | MASTER, "127.0.0.1", port, port + 10000))
    cs.first_update_ms = 1
    return cs


class FakeLink:
    def __init__(self, node: Node) -> None:
        self.outbound = True
        self.node = node
        self.peer_ip = self.local_ip = "127.0.0.1"


def _pair(peer_flags: int, with_slots: bool):
    """Our state, knowing a peer (flagged FAIL since ``fail_time``), and the peer's own state."""
    logs: list = []
    us, them = _state(7000, logs), _state(7001)
    peer = Node(them.myself.name, MASTER, "127.0.0.1", 7001, 17001)
    us.add_node(peer)
    if with_slots:
        for s in range(100):
            us.add_slot(peer, s)
            them.add_slot(them.myself, s)
    if peer_flags & SLAVE:
        us.set_replica_of(peer, us.myself)
        them.set_replica_of(them.myself, Node(us.myself.name, MASTER, "127.0.0.1", 7000, 17000))
        them.add_node(them.myself.replicaof)
    peer.flags |= FAIL
    peer.fail_time_ms = CLOCK[0]
    return us, them, peer, logs


def _pong(us: ClusterState, them: ClusterState, peer: Node, now: int) -> None:
    m = decode(encode(gossip.build(them, PONG, None, now)))
    gossip.process(us, m, FakeLink(peer), now)


def test_replica_fail_cleared_at_first_pong():
    us, them, peer, logs = _pair(SLAVE, with_slots=False)
    _pong(us, them, peer, CLOCK[0] + 10)
    assert not peer.flags & FAIL
    assert any("Clear FAIL state for node" in ln and "replica is reachable again." in ln for ln in logs)


def test_primary_with_slots_cleared_only_after_two_node_timeouts():
    us, them, peer, logs = _pair(0, with_slots=True)
    _pong(us, them, peer, CLOCK[0] + TIMEOUT_MS)  # too early: a replica may still take over
    assert peer.flags & FAIL
    _pong(us, them, peer, CLOCK[0] + 2 * TIMEOUT_MS + 1)
    assert not peer.flags & FAIL
    assert any("nobody is serving its slots after some time" in ln for ln in logs)


def test_fsync_only_when_epochs_vote_or_role_change(tmp_path, monkeypatch):
    cs = _state(7002)
    path = str(tmp_path / "nodes.conf")
    synced: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(nodes_conf.os, "fsync", lambda fd: synced.append(fd) or real_fsync(fd))
    assert nodes_conf.save(cs, path)
    assert len(synced) == 1  # first save: nothing fsynced yet
    cs.add_slot(cs.myself, 5)
    assert nodes_conf.save(cs, path)
    assert len(synced) == 1  # a slot change alone: written, renamed, not fsynced
    cs.current_epoch += 1
    assert nodes_conf.save(cs, path) and len(synced) == 2
    cs.last_vote_epoch = cs.current_epoch
    assert nodes_conf.save(cs, path) and len(synced) == 3
    cs.set_replica_of(cs.myself, Node(random_name(), MASTER))
    assert nodes_conf.save(cs, path) and len(synced) == 4
    assert nodes_conf.save(cs, path, fsync=True) and len(synced) == 5  # CLUSTER SAVECONFIG
    with open(path) as f:
        assert f.read().endswith(f"vars currentEpoch {cs.current_epoch} lastVoteEpoch {cs.last_vote_epoch}\n")
