"""Manual failover (MFSTART, the paused primary's offset, FORCEACK votes, TAKEOVER),
UPDATE messages to a node with a stale view of slots, replica migration to an orphaned
primary, cluster-state delays and PUBLISH delivery: ClusterStates driven in-process
through the real byte layout, with replication and client pauses recorded instead of
done."""

from __future__ import annotations

import pytest

from vermilion.cluster.bus import failover, gossip
from vermilion.cluster.bus.messages import (
    AUTH_REQUEST, MF_FORCEACK, MF_PAUSED, MFSTART, PING, PONG, PUBLISH, PUBLISHSHARD, UPDATE, Message,
)
from vermilion.cluster.state import FAIL, MASTER, MIGRATE_TO, PFAIL, SLAVE, random_name

from test_gossip import CLOCK, FakeLink, _exchange, _meet, _state, _wire


@pytest.fixture(autouse=True)
def recorded(monkeypatch, tmp_path):
    """Replication and client pauses are recorded, nodes.conf goes to tmp_path."""
    log: list = []
    import vermilion.commands  # noqa: F401  (the package's own import order)
    import vermilion.engine.gates as gates
    import vermilion.replication.replica_link as replica_link

    monkeypatch.setattr(replica_link, "start_replication", lambda srv, ip, port: log.append(("replicate", srv, port)))
    monkeypatch.setattr(replica_link, "stop_replication", lambda srv: log.append(("promote", srv)))
    monkeypatch.setattr(gates, "pause_clients", lambda srv, end, wo: log.append(("pause", srv, wo)))
    monkeypatch.setattr(gates, "unpause_clients", lambda srv: log.append(("unpause", srv)))
    monkeypatch.chdir(tmp_path)
    return log


class FakeBus:
    """Records what the node broadcasts (as the bytes it would send)."""

    def __init__(self, cs):
        self.cs = cs
        self.sent: list[Message] = []

    def broadcast(self, mtype, about=None, mflags=None, nodes=None):
        m = gossip.build(self.cs, mtype, about, CLOCK[0])
        if mflags is not None:
            m.mflags = mflags
        self.sent.append(_wire(m))


class SendLink(FakeLink):
    def __init__(self, outbound, node=None):
        super().__init__(outbound, node)
        self.connected = True
        self.sent: list[Message] = []

    def send(self, m):
        self.sent.append(_wire(m))


def _conf(*states):
    for cs in states:
        cs.server.config["cluster-config-file"] = f"nodes-{cs.myself.port}.conf"


def _primary_and_replica():
    p, r = _state(7100), _state(7101)
    _conf(p, r)
    _meet(p, r)
    for cs in (p, r):
        for s in range(16384):
            cs.add_slot(cs.nodes[p.myself.name], s)
        cs.nodes[p.myself.name].config_epoch = 1
        cs.nodes[r.myself.name].config_epoch = 0  # whatever the epoch collision at MEET did
        cs.current_epoch = 1
    r.set_replica_of(r.myself, r.nodes[p.myself.name])
    _exchange(r, p)
    assert p.nodes[r.myself.name].replicaof is p.myself
    for cs in (p, r):
        cs.update_state()
        assert cs.ok
    return p, r


def test_manual_failover_handshake(recorded):
    p, r = _primary_and_replica()
    p_in_r = r.nodes[p.myself.name]
    p_in_r.link = SendLink(True, p_in_r)
    now = CLOCK[0]
    failover.start_manual(r, FakeBus(r), now, force=False, takeover=False)
    assert r.mf_end_ms == now + failover.MF_TIMEOUT_MS and not r.mf_can_start
    mfstart = p_in_r.link.sent[-1]
    assert mfstart.type == MFSTART
    # The primary pauses writes and answers with a PING carrying PAUSED and its offset.
    ping = gossip.process(p, mfstart, FakeLink(False), now)
    assert ping.type == PING and ping.mflags[0] & MF_PAUSED
    assert ("pause", p.server, True) in recorded and p.mf_replica is p.nodes[r.myself.name]
    assert gossip.build(p, PONG, None, now).mflags[0] & MF_PAUSED  # every message says so while paused
    gossip.process(r, _wire(ping), FakeLink(True, p_in_r), now)
    assert r.mf_primary_offset == 0
    failover.handle_manual(r, now)
    assert r.mf_can_start  # our offset (0) matches
    # The election starts at once, asking for votes with FORCEACK.
    bus = FakeBus(r)
    failover.handle_replica(r, bus, now)
    failover.handle_replica(r, bus, now)
    request = bus.sent[-1]
    assert request.type == AUTH_REQUEST and request.mflags[0] & MF_FORCEACK and request.current_epoch == 2
    ack = gossip.process(p, request, FakeLink(False), now)  # votes although it is not failing
    assert ack is not None and p.last_vote_epoch == 2
    gossip.process(r, _wire(ack), FakeLink(True, p_in_r), now)
    failover.handle_replica(r, bus, now)
    assert r.myself.flags & MASTER and r.myself.numslots == 16384 and r.myself.config_epoch == 2
    assert ("promote", r.server) in recorded and r.mf_end_ms == 0
    pong = bus.sent[-1]
    assert pong.type == PONG
    # The old primary sees its slots taken with a newer epoch: it follows, and unpauses.
    gossip.process(p, pong, FakeLink(False), now)
    assert p.myself.flags & SLAVE and p.myself.replicaof is p.nodes[r.myself.name]
    assert ("unpause", p.server) in recorded and p.mf_end_ms == 0
    assert ("replicate", p.server, 7101) in recorded


def test_manual_failover_times_out_and_force_skips_the_handshake(recorded):
    p, r = _primary_and_replica()
    now = CLOCK[0]
    failover.start_manual(r, None, now, force=False, takeover=False)
    failover.handle_manual(r, now + failover.MF_TIMEOUT_MS + 1)
    assert r.mf_end_ms == 0 and r.election is None
    failover.start_manual(r, None, now, force=True, takeover=False)
    assert r.mf_can_start
    bus = FakeBus(r)
    failover.handle_replica(r, bus, now)
    failover.handle_replica(r, bus, now)
    assert bus.sent[-1].type == AUTH_REQUEST and bus.sent[-1].mflags[0] & MF_FORCEACK


def test_takeover_needs_no_votes(recorded):
    p, r = _primary_and_replica()
    bus = FakeBus(r)
    before = r.current_epoch
    failover.start_manual(r, bus, CLOCK[0], force=True, takeover=True)
    assert r.myself.flags & MASTER and r.myself.numslots == 16384
    assert r.myself.config_epoch == r.current_epoch == before + 1  # bumped without consensus
    assert bus.sent[-1].type == PONG and bus.sent[-1].config_epoch == before + 1
    assert r.mf_end_ms == 0


def test_votes_without_forceack_need_a_failing_primary(recorded):
    p, r = _primary_and_replica()
    r.current_epoch += 1
    request = _wire(gossip.build(r, AUTH_REQUEST, None, CLOCK[0]))
    assert gossip.process(p, request, FakeLink(False), CLOCK[0]) is None


def test_update_sent_to_a_node_with_a_stale_view(recorded):
    a, b = _state(7200), _state(7201)
    _conf(a, b)
    _meet(a, b)
    for s in range(100):
        a.add_slot(a.myself, s)
    a.myself.config_epoch = 1
    _exchange(a, b)
    assert b.slots[0] is b.nodes[a.myself.name]
    # b learns (from elsewhere) that c owns slots 0-99 with epoch 5; a still claims them.
    c_name = random_name()
    from vermilion.cluster.state import Node

    c = Node(c_name, MASTER, "127.0.0.1", 7202, 17202)
    c.config_epoch = 5
    b.add_node(c)
    for s in range(100):
        b.add_slot(c, s)
    a_in_b = b.nodes[a.myself.name]
    a_in_b.slots = bytearray(2048)  # as if a's claim had changed since
    a_in_b.numslots = 0
    ping = _wire(gossip.build(a, PING, a.nodes[b.myself.name], CLOCK[0]))
    gossip.process(b, ping, FakeLink(False), CLOCK[0])
    assert b.slots[0] is c  # the older claim lost
    (target, update), = b.outbox
    assert target is a_in_b and update.type == UPDATE and update.about == c_name
    assert update.update_epoch == 5 and update.update_slots == bytes(c.slots)
    # a applies the UPDATE: it learns c, the slots go to c, a (now slotless) follows c.
    a.add_node(Node(c_name, SLAVE, "127.0.0.1", 7202, 17202))
    gossip.process(a, _wire(update), FakeLink(False), CLOCK[0])
    c_in_a = a.nodes[c_name]
    assert c_in_a.flags & MASTER and c_in_a.config_epoch == 5  # UPDATE makes it a primary
    assert a.slots[0] is c_in_a and a.myself.numslots == 0
    assert a.myself.flags & SLAVE and a.myself.replicaof is c_in_a
    assert ("replicate", a.server, 7202) in recorded


def test_replica_migration_to_an_orphaned_primary(recorded):
    from vermilion.cluster.state import Node

    me = _state(7300)
    _conf(me)
    me.myself.name = "0" * 40  # the smallest name: the candidate
    me.nodes = {me.myself.name: me.myself}
    a = Node("a" * 40, MASTER, "127.0.0.1", 7301, 17301)
    sib = Node("b" * 40, SLAVE, "127.0.0.1", 7302, 17302)
    orphan = Node("c" * 40, MASTER, "127.0.0.1", 7303, 17303)
    gone = Node("d" * 40, SLAVE | FAIL, "127.0.0.1", 7304, 17304)
    for n in (a, sib, orphan, gone):
        me.add_node(n)
    me.set_replica_of(me.myself, a)
    me.set_replica_of(sib, a)
    me.set_replica_of(gone, orphan)  # orphan had a replica: MIGRATE_TO
    assert orphan.flags & MIGRATE_TO and me.working_replicas(orphan) == 0
    for s in range(8192):
        me.add_slot(a, s)
    for s in range(8192, 16384):
        me.add_slot(orphan, s)
    a.config_epoch, orphan.config_epoch = 1, 2
    me.update_state()
    assert me.ok
    t = CLOCK[0]
    failover.handle_migration(me, t)
    assert me.myself.replicaof is a and orphan.orphaned_ms == t
    me.server.config["cluster-migration-barrier"] = 2  # a would keep only one: stay
    failover.handle_migration(me, t + 6000)
    assert me.myself.replicaof is a
    me.server.config["cluster-migration-barrier"] = 1
    me.server.config["cluster-allow-replica-migration"] = 0
    failover.handle_migration(me, t + 6000)
    assert me.myself.replicaof is a
    me.server.config["cluster-allow-replica-migration"] = 1
    failover.handle_migration(me, t + 6000)
    assert me.myself.replicaof is orphan and ("replicate", me.server, 7303) in recorded


def test_replica_migration_not_for_the_candidate_with_a_greater_name(recorded):
    from vermilion.cluster.state import Node

    me = _state(7310)
    me.myself.name = "f" * 40
    me.nodes = {me.myself.name: me.myself}
    a = Node("a" * 40, MASTER, "127.0.0.1", 7311, 17311)
    sib = Node("b" * 40, SLAVE, "127.0.0.1", 7312, 17312)
    orphan = Node("c" * 40, MASTER | MIGRATE_TO, "127.0.0.1", 7313, 17313)
    for n in (a, sib, orphan):
        me.add_node(n)
    me.set_replica_of(me.myself, a)
    me.set_replica_of(sib, a)
    for s in range(16384):
        me.add_slot(a if s < 8192 else orphan, s)
    me.update_state()
    failover.handle_migration(me, CLOCK[0])
    failover.handle_migration(me, CLOCK[0] + 6000)
    assert me.myself.replicaof is a  # "b..." migrates, not us


def test_writable_and_rejoin_delays():
    cs = _state(7400)
    cs.server.config["cluster-node-timeout"] = 3000
    cs.first_update_ms = 0
    for s in range(16384):
        cs.add_slot(cs.myself, s)
    now = CLOCK[0]
    cs.update_state()
    assert not cs.ok  # a primary waits 2 s after its first state update
    CLOCK[0] = now + 2001
    try:
        cs.update_state()
        assert cs.ok
        other = gossip.Node(random_name(), MASTER, "127.0.0.1", 7401, 17401)
        cs.add_node(other)
        for s in range(8192, 16384):
            cs.add_slot(other, s)
        other.flags |= PFAIL  # a minority now (1 of 2 primaries reachable)
        cs.update_state()
        assert not cs.ok
        other.flags &= ~PFAIL
        cs.update_state()
        assert not cs.ok  # the rejoin delay: the node timeout (3 s)
        CLOCK[0] = now + 2001 + 3001
        cs.update_state()
        assert cs.ok
    finally:
        CLOCK[0] = now


def test_publish_reaches_local_subscribers_only_from_known_nodes():
    a, b = _state(7500), _state(7501)
    _meet(a, b)
    got = []

    class Ps:
        def publish(self, ch, msg):
            got.append(("publish", ch, msg))
            return 1

        def spublish(self, ch, msg):
            got.append(("spublish", ch, msg))
            return 1

    b.server.extensions["pubsub"] = Ps()
    for mtype in (PUBLISH, PUBLISHSHARD):
        m = gossip.build(a, mtype, None, CLOCK[0])
        m.channel, m.message = b"ch", b"hi"
        assert gossip.process(b, _wire(m), FakeLink(False), CLOCK[0]) is None
    assert got == [("publish", b"ch", b"hi"), ("spublish", b"ch", b"hi")]
    stranger = Message(PUBLISH, random_name(), channel=b"ch", message=b"x")
    gossip.process(b, _wire(stranger), FakeLink(False), CLOCK[0])
    assert len(got) == 2


def test_shard_of():
    p, r = _primary_and_replica()
    assert p.shard_of(p.myself) == [p.myself, p.nodes[r.myself.name]]
    assert r.shard_of(r.myself) == [r.nodes[p.myself.name], r.myself]


def test_ping_extensions_hostname_shard_id_and_forgotten_nodes(recorded):
    from vermilion.cluster.state import Node

    a, b = _state(7600), _state(7601)
    _conf(a, b)
    _meet(a, b)
    a.server.config["cluster-announce-hostname"] = "a.example"
    a.server.config["cluster-announce-human-nodename"] = "node-a"
    a_in_b, b_in_a = b.nodes[a.myself.name], a.nodes[b.myself.name]
    _exchange(a, b)  # b learns that a understands extensions, and vice versa
    _exchange(b, a)
    assert a_in_b.ext_ok and b_in_a.ext_ok
    ghost = random_name()
    for cs in (a, b):
        cs.add_node(Node(ghost, MASTER, "127.0.0.1", 7609, 17609))
    a.del_node(a.nodes[ghost])
    a.blacklist[ghost] = CLOCK[0] + 60000  # CLUSTER FORGET on a
    ping = _wire(gossip.build(a, PING, b_in_a, CLOCK[0]))
    assert ping.hostname == "a.example" and ping.shard_id == a.myself.shard_id
    assert ping.forgotten == [(ghost, 60)]
    gossip.process(b, ping, FakeLink(False), CLOCK[0])
    assert a_in_b.hostname == "a.example" and a_in_b.human_nodename == "node-a"
    assert a_in_b.shard_id == a.myself.shard_id
    assert ghost not in b.nodes and b.blacklist[ghost] == CLOCK[0] + 60000
    a.server.config["cluster-announce-hostname"] = ""
    gossip.process(b, _wire(gossip.build(a, PING, b_in_a, CLOCK[0])), FakeLink(False), CLOCK[0])
    assert a_in_b.hostname == ""  # no extension: no hostname
    # A replica takes its primary's shard id from the primary's PING.
    b.set_replica_of(b.myself, a_in_b)
    b.myself.shard_id = random_name()
    gossip.process(b, _wire(gossip.build(a, PING, b_in_a, CLOCK[0])), FakeLink(False), CLOCK[0])
    assert b.myself.shard_id == a.myself.shard_id
    # Nothing goes to a node that never said it understands extensions.
    b_in_a.ext_ok = False
    plain = _wire(gossip.build(a, PING, b_in_a, CLOCK[0]))
    assert plain.shard_id is None and plain.forgotten == []


def test_replica_validity_factor(recorded):
    import time
    import types

    p, r = _primary_and_replica()
    r.nodes[p.myself.name].flags |= FAIL
    cfg = r.server.config
    cfg.update({"cluster-replica-validity-factor": 10, "repl-ping-replica-period": 10, "cluster-node-timeout": 1000})
    link = types.SimpleNamespace(master=None, last_io_s=0.0, down_since_s=int(time.time()) - 30)
    r.server.extensions["repl"] = types.SimpleNamespace(link=link, master_repl_offset=0)
    bus = FakeBus(r)
    failover.handle_replica(r, bus, CLOCK[0])
    assert r.election is None and r.logged_data_age  # 30 s - 1 s > 10 s + 10 x 1 s
    link.down_since_s = int(time.time()) - 15
    failover.handle_replica(r, bus, CLOCK[0])
    assert r.election is not None and not r.logged_data_age  # 14 s <= 20 s
    r.election = None
    link.down_since_s = int(time.time()) - 300
    cfg["cluster-replica-validity-factor"] = 0  # 0: any age will do
    failover.handle_replica(r, bus, CLOCK[0])
    assert r.election is not None
    r.election = None
    cfg["cluster-replica-validity-factor"] = 10
    failover.start_manual(r, bus, CLOCK[0], force=True, takeover=False)  # a manual failover is exempt
    failover.handle_replica(r, bus, CLOCK[0])
    assert r.election is not None
