"""Slot map bookkeeping, CLUSTER NODES lines and nodes.conf round trips."""

from __future__ import annotations

import types

from vermilion.cluster import nodes_conf
from vermilion.cluster.state import MASTER, MYSELF, SLAVE, ClusterState, Node


def _server(tmp_path=None):
    logs = []
    return types.SimpleNamespace(config={"cluster-require-full-coverage": 1, "cluster-node-timeout": 1000},
                                 log=lambda lv, m: logs.append(m), extensions={}, now_ms=lambda: 10 ** 9)


def _cluster():
    me = Node("a" * 40, MYSELF | MASTER, "127.0.0.1", 7000, 17000)
    cs = ClusterState(_server(), me)
    cs.first_update_ms = 1  # past the writable delay
    other = Node("b" * 40, MASTER, "127.0.0.1", 7001, 17001)
    rep = Node("c" * 40, SLAVE, "127.0.0.1", 7002, 17002)
    for n in (other, rep):
        cs.add_node(n)
    cs.set_replica_of(rep, other)
    for s in range(0, 8192):
        cs.add_slot(me, s)
    for s in range(8192, 16384):
        cs.add_slot(other, s)
    cs.add_slot(me, 9000)  # moved from other
    me.config_epoch, other.config_epoch, cs.current_epoch = 1, 2, 2
    return cs, me, other, rep


def test_slot_ranges_and_counts():
    cs, me, other, _rep = _cluster()
    assert me.slot_ranges() == [(0, 8191), (9000, 9000)]
    assert other.slot_ranges() == [(8192, 8999), (9001, 16383)]
    assert me.numslots == 8193 and other.numslots == 8191
    assert cs.slots[9000] is me
    cs.del_slot(9000)
    assert cs.slots[9000] is None and me.numslots == 8192 and not me.has_slot(9000)


def test_update_state():
    cs, me, _other, _rep = _cluster()
    cs.update_state()
    assert cs.ok and cs.size == 2
    cs.del_slot(5)
    cs.update_state()
    assert not cs.ok


def test_node_lines():
    cs, me, other, rep = _cluster()
    cs.migrating[5] = other
    cs.importing[9001] = other
    assert nodes_conf.node_line(cs, me) == (
        f"{'a' * 40} 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-8191 9000 "
        f"[5->-{'b' * 40}] [9001-<-{'b' * 40}]")
    assert nodes_conf.node_line(cs, rep) == f"{'c' * 40} 127.0.0.1:7002@17002 slave {'b' * 40} 0 0 2 disconnected"  # nodeEpoch: the primary's


def test_nodes_conf_round_trip(tmp_path):
    cs, me, other, rep = _cluster()
    cs.migrating[5] = other
    path = str(tmp_path / "nodes.conf")
    assert nodes_conf.save(cs, path)
    text = open(path).read()
    assert text.endswith("vars currentEpoch 2 lastVoteEpoch 0\n")
    assert f",,tls-port=0,shard-id={me.shard_id} " in text
    back = nodes_conf.load(_server(), path)
    assert back.myself.name == me.name and back.myself.flags == MYSELF | MASTER
    assert back.current_epoch == 2
    assert back.myself.slot_ranges() == me.slot_ranges()
    assert back.nodes[rep.name].replicaof is back.nodes[other.name]
    assert back.migrating[5] is back.nodes[other.name]
    assert back.myself.shard_id == me.shard_id
    assert [f for f in tmp_path.iterdir()] == [tmp_path / "nodes.conf"]  # no temp file left


def test_nodes_conf_leaves_out_handshakes(tmp_path):
    from vermilion.cluster.state import HANDSHAKE

    cs, _me, _other, _rep = _cluster()
    cs.add_node(Node("d" * 40, HANDSHAKE | MASTER, "127.0.0.1", 7009, 17009))
    assert "d" * 40 in nodes_conf.nodes_text(cs)
    path = str(tmp_path / "nodes.conf")
    nodes_conf.save(cs, path)
    assert "d" * 40 not in open(path).read()


def test_nodes_conf_missing_or_empty(tmp_path):
    assert nodes_conf.load(_server(), str(tmp_path / "none.conf")) is None
    p = tmp_path / "empty.conf"
    p.write_text("")
    assert nodes_conf.load(_server(), str(p)) is None
