"""gossip.process driven in-process between ClusterStates (no sockets): the MEET
handshake, slot propagation by config epoch, gossip about third nodes, failure reports,
FAIL messages and the failover vote."""

from __future__ import annotations

import types

from vermilion.cluster.bus import failover, gossip
from vermilion.cluster.bus.messages import AUTH_ACK, AUTH_REQUEST, FAIL as FAIL_MSG, MEET, PING, PONG, decode, encode
from vermilion.cluster.state import FAIL, HANDSHAKE, MASTER, MYSELF, PFAIL, SLAVE, ClusterState, Node, random_name


def _server(port):
    cfg = {"port": port, "cluster-port": 0, "cluster-announce-port": 0, "cluster-announce-bus-port": 0,
           "cluster-announce-ip": "", "cluster-require-full-coverage": 1, "cluster-node-timeout": 1000,
           "cluster-allow-replica-migration": 1, "cluster-migration-barrier": 1, "cluster-replica-no-failover": 0,
           "cluster-announce-hostname": "", "cluster-announce-human-nodename": ""}
    return types.SimpleNamespace(config=cfg, log=lambda *a: None, extensions={}, now_ms=lambda: CLOCK[0])


CLOCK = [10 ** 9]


def _state(port):
    cs = ClusterState(_server(port), Node(random_name(), MYSELF | MASTER, "127.0.0.1", port, port + 10000))
    cs.first_update_ms = 1  # past the writable delay
    return cs


class FakeLink:
    def __init__(self, outbound, node=None):
        self.outbound = outbound
        self.node = node
        self.peer_ip = "127.0.0.1"
        self.local_ip = "127.0.0.1"


def _wire(m):
    return decode(encode(m))  # every exchange goes through the real byte layout


def _exchange(src, dst, now=1000):
    """src PINGs dst over src's outbound link; dst answers PONG; both processed."""
    target = next(n for n in src.nodes.values() if n.port == dst.myself.port)
    ping = gossip.build(src, PING, target, now)
    pong = gossip.process(dst, _wire(ping), FakeLink(False), now)
    if pong is not None:
        gossip.process(src, _wire(pong), FakeLink(True, target), now)


def _meet(a, b, now=1000):
    gossip.start_handshake(a, "127.0.0.1", b.myself.port, b.myself.cport, now, meet=True)
    hs = next(n for n in a.nodes.values() if n.flags & HANDSHAKE)
    meet = gossip.build(a, MEET, hs, now)
    pong = gossip.process(b, _wire(meet), FakeLink(False), now)
    assert pong is not None and pong.type == PONG
    gossip.process(a, _wire(pong), FakeLink(True, hs), now)
    assert hs.name == b.myself.name and not hs.flags & HANDSHAKE and hs.flags & MASTER
    # b learned a in handshake; b's PING to a finishes it
    hb = next(n for n in b.nodes.values() if n.flags & HANDSHAKE)
    ping = gossip.build(b, PING, hb, now)
    pong = gossip.process(a, _wire(ping), FakeLink(False), now)
    gossip.process(b, _wire(pong), FakeLink(True, hb), now)
    assert hb.name == a.myself.name and not hb.flags & HANDSHAKE


def test_meet_handshake_and_slot_propagation():
    a, b = _state(7000), _state(7001)
    for s in range(0, 8192):
        a.add_slot(a.myself, s)
    for s in range(8192, 16384):
        b.add_slot(b.myself, s)
    a.myself.config_epoch, b.myself.config_epoch = 1, 2
    _meet(a, b)
    assert set(a.nodes) == set(b.nodes) == {a.myself.name, b.myself.name}
    _exchange(a, b)
    _exchange(b, a)
    for cs in (a, b):
        assert cs.slots[0].name == a.myself.name and cs.slots[16383].name == b.myself.name
        cs.update_state()
        assert cs.ok
    # b takes slot 0 with a greater config epoch: a adopts it; an older claim loses
    b.current_epoch = b.myself.config_epoch = 5
    b.add_slot(b.myself, 0)
    _exchange(b, a)
    assert a.slots[0] is a.nodes[b.myself.name] and a.current_epoch == 5
    b.myself.config_epoch = 0
    b.add_slot(b.myself, 1)
    _exchange(b, a)
    assert a.slots[1] is a.myself


def test_gossip_introduces_third_node_and_failure_reports():
    a, b, c = _state(7000), _state(7001), _state(7002)
    _meet(a, b)
    _meet(b, c)
    assert c.myself.name not in a.nodes
    b.nodes[c.myself.name].link = FakeLink(True)  # as Redis, gossip skips linkless nodes without slots
    _exchange(b, a)  # b's gossip mentions c: a starts a handshake with it
    assert any(n.flags & HANDSHAKE and n.port == 7002 for n in a.nodes.values())
    # b reports c as PFAIL in its gossip; a records the report (b is a primary)
    b.nodes[c.myself.name].flags |= PFAIL
    a_c = Node(c.myself.name, MASTER, "127.0.0.1", 7002, 17002)
    a.add_node(a_c)
    _exchange(b, a, now=2000)
    assert a_c.fail_reports == {b.myself.name: 2000}
    b.nodes[c.myself.name].flags &= ~PFAIL
    _exchange(b, a, now=2100)
    assert a_c.fail_reports == {}


def test_fail_message_marks_the_node():
    a, b = _state(7000), _state(7001)
    _meet(a, b)
    victim = Node(random_name(), MASTER | PFAIL, "127.0.0.1", 7005, 17005)
    a.add_node(victim)
    b.add_node(Node(victim.name, MASTER, "127.0.0.1", 7005, 17005))
    msg = gossip.build(b, FAIL_MSG, b.nodes[victim.name])
    gossip.process(a, _wire(msg), FakeLink(False), 3000)
    assert victim.flags & FAIL and not victim.flags & PFAIL


def test_failover_vote():
    p, r, voter = _state(7000), _state(7001), _state(7002)
    for x, y in ((p, r), (p, voter), (r, voter)):
        _meet(x, y)
    for s in range(0, 8192):
        for cs in (p, r, voter):
            cs.add_slot(cs.nodes[p.myself.name], s)
    for s in range(8192, 16384):
        for cs in (p, r, voter):
            cs.add_slot(cs.nodes[voter.myself.name], s)
    for cs in (p, r, voter):
        cs.nodes[p.myself.name].config_epoch = 1
        cs.nodes[voter.myself.name].config_epoch = 2
        cs.current_epoch = 2
    r.set_replica_of(r.myself, r.nodes[p.myself.name])
    _exchange(r, voter)
    assert voter.nodes[r.myself.name].flags & SLAVE
    r.current_epoch = 3
    request = gossip.build(r, AUTH_REQUEST, None, 5000)
    assert gossip.process(voter, _wire(request), FakeLink(False), 5000) is None  # primary not FAIL
    voter.nodes[p.myself.name].flags |= FAIL
    ack = gossip.process(voter, _wire(request), FakeLink(False), 5000)
    assert ack is not None and ack.type == AUTH_ACK and voter.last_vote_epoch == 3
    assert gossip.process(voter, _wire(request), FakeLink(False), 5001) is None  # one vote per epoch
    r.election = failover.Election(0, r.myself.replicaof)
    r.election.sent, r.election.epoch = True, 3
    gossip.process(r, _wire(ack), FakeLink(True, r.nodes[voter.myself.name]), 5002)
    assert r.election.votes == {voter.myself.name}
