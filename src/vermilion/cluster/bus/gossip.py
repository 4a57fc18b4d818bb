"""What a node does with a bus message, and what it sends: pure functions of the
``ClusterState`` (no I/O; link.py moves the bytes).

* ``build(cs, type, about)`` -- our header (ports, flags, epochs, our slot bitmap or our
  primary's when we are a replica) and, for PING/PONG/MEET, a gossip entry for every
  node we know except ourselves, the receiver and nodes still in handshake.
* ``process(cs, msg, link)`` -- Redis's clusterProcessPacket, reduced to this milestone:
  epochs; MEET from an unknown node starts a handshake with it; a PONG on our link to a
  node in handshake gives that node its real name; the sender's role (primary/replica)
  and its claimed slots (taken when our owner of the slot has an older config epoch);
  two primaries with the same config epoch: the one with the smaller name takes a new
  epoch (Redis's clusterHandleConfigEpochCollision); gossip about unknown nodes starts
  handshakes, gossip about failing nodes records a
  failure report; FAIL and UPDATE messages; PUBLISH / PUBLISHSHARD delivered to our
  own subscribers; MFSTART (bus/failover.py).  Returns the reply to send on the same
  link (a PONG to PING/MEET, a PING to MFSTART) or None.  Messages for other links
  (UPDATE to a sender with a stale view of slots) are queued in ``cs.outbox`` as
  ``(node, message)`` for link.py to send on the node's outbound link.

Ping extensions (Redis 7.2's writePingExt / clusterProcessPingExt): PING/PONG/MEET carry
our hostname and human nodename (cluster-announce-hostname / -human-nodename), the
nodes we forgot (CLUSTER FORGET, with the seconds left on the ban) and our shard id, to
nodes that announced they understand extensions (``MF_EXT_DATA``, which we always set).
Received: the sender's hostname and human nodename (absent means none), its shard id
(absent: its primary's), and forgotten nodes are forgotten here too (not ourselves, not
our primary).

The UPDATE rule (Redis's clusterProcessPacket): when a node's PING claims slots (its
own, or its primary's for a replica) that we know belong to a node with a greater
config epoch, we send it an UPDATE about that node, so a primary that comes back
after a partition learns at once that it was failed over.
"""

from __future__ import annotations

from typing import Any

from ..state import FAIL, HANDSHAKE, MASTER, MEET as MEET_FLAG, MYSELF, NOADDR, PFAIL, SLAVE, ClusterState, Node
from .messages import (
    AUTH_ACK, AUTH_REQUEST, FAIL as FAIL_MSG, MEET, MF_EXT_DATA, MF_PAUSED, MFSTART, PING, PONG, PUBLISH,
    PUBLISHSHARD, UPDATE, Gossip, Message,
)

_PAUSED_MFLAGS = bytes((MF_PAUSED, 0, 0))
_PING_MFLAGS = (bytes((MF_EXT_DATA, 0, 0)), bytes((MF_EXT_DATA | MF_PAUSED, 0, 0)))


FAIL_UNDO_TIME_MULT = 2  # CLUSTER_FAIL_UNDO_TIME_MULT


def my_ports(cs: ClusterState) -> tuple[int, int]:
    cfg = cs.server.config
    port = cfg["cluster-announce-port"] or cfg["port"]
    cport = cfg["cluster-announce-bus-port"] or cfg["cluster-port"] or (cfg["port"] + 10000)
    return port, cport


def build(cs: ClusterState, mtype: int, receiver: Node | None = None, now_ms: int = 0) -> Message:
    me = cs.myself
    port, cport = my_ports(cs)
    primary = me.replicaof if me.flags & SLAVE else None
    src = primary if primary is not None else me
    m = Message(
        type=mtype, sender=me.name, port=port, cport=cport, flags=me.flags & ~MYSELF,
        current_epoch=cs.current_epoch, config_epoch=src.config_epoch, offset=repl_offset(cs),
        myslots=bytes(src.slots), replicaof=primary.name if primary is not None else None,
        myip=cs.server.config["cluster-announce-ip"] or "", state=0 if cs.ok else 1,
    )
    if cs.mf_end_ms and primary is None:
        m.mflags = _PAUSED_MFLAGS  # paused for a replica's manual failover
    if mtype in (PING, PONG, MEET):
        m.mflags = _PING_MFLAGS[bool(cs.mf_end_ms and primary is None)]
        cfg = cs.server.config
        me.hostname = cfg["cluster-announce-hostname"] or ""
        me.human_nodename = cfg["cluster-announce-human-nodename"] or ""
        if receiver is not None and receiver.ext_ok:
            m.hostname = me.hostname
            m.human_nodename = me.human_nodename
            m.shard_id = me.shard_id
            if cs.blacklist:
                m.forgotten = [(name, (until - now_ms) // 1000) for name, until in cs.blacklist.items()
                               if until > now_ms]
        for n in cs.nodes.values():
            if n is me or n is receiver or n.flags & (HANDSHAKE | NOADDR):
                continue
            if n.link is None and not n.numslots:
                continue
            m.gossip.append(Gossip(n.name, n.ping_sent_ms // 1000, n.pong_received_ms // 1000,
                                   n.ip, n.port, n.cport, n.flags))
    elif mtype in (FAIL_MSG, UPDATE) and receiver is not None:
        m.about = receiver.name
        if mtype == UPDATE:
            m.update_epoch = receiver.config_epoch
            m.update_slots = bytes(receiver.slots)
    return m


def repl_offset(cs: ClusterState) -> int:
    """Our replication offset: the primary's master_repl_offset, or what a replica has
    processed of its primary's stream (Redis's replicationGetSlaveOffset)."""
    st = cs.server.extensions.get("repl")
    return st.master_repl_offset if st is not None else 0


def become_replica(cs: ClusterState, primary: Node) -> None:
    """Redis's clusterSetMaster: replicate ``primary`` (our slots, if any, are gone)."""
    me = cs.myself
    if me.flags & MASTER:
        cs.migrating.clear()
        cs.importing.clear()
    cs.set_replica_of(me, primary)
    cs.mark_dirty()
    from ...replication.replica_link import start_replication  # noqa: PLC0415

    start_replication(cs.server, primary.ip, primary.port)
    from .failover import reset_manual  # noqa: PLC0415

    reset_manual(cs)


def start_handshake(cs: ClusterState, ip: str, port: int, cport: int, now_ms: int, meet: bool = False) -> bool:
    """Redis's clusterStartHandshake: False when one is already in progress."""
    for n in cs.nodes.values():
        if n.flags & HANDSHAKE and n.ip == ip and n.port == port and n.cport == cport:
            return False
    from ..state import random_name  # noqa: PLC0415

    node = Node(random_name(), HANDSHAKE | MASTER | (MEET_FLAG if meet else 0), ip, port, cport)
    node.ctime_ms = now_ms
    cs.add_node(node)
    return True


def update_slots(cs: ClusterState, sender: Node, config_epoch: int, slots: bytes) -> bool:
    """Redis's clusterUpdateSlotsConfigWith: take every claimed slot whose current owner
    has an older config epoch (or none), except slots we import.  When our shard's
    primary (ourselves, or the primary we replicate) lost its last slot to ``sender``,
    follow ``sender`` as its replica (only when ``sender`` took all of its claimed slots,
    unless cluster-allow-replica-migration is yes).  True when something changed."""
    me = cs.myself
    if sender is me:
        return False
    claimed_all = int.from_bytes(slots, "little")
    claimed = claimed_all & ~int.from_bytes(sender.slots, "little")
    changed = False
    cur = me if me.flags & MASTER else me.replicaof
    new_primary = None
    while claimed:
        low = claimed & -claimed
        s = low.bit_length() - 1
        claimed ^= low
        if s in cs.importing:
            continue
        owner = cs.slots[s]
        if owner is None or owner.config_epoch < config_epoch:
            if owner is me and s in cs.migrating:
                del cs.migrating[s]
            if owner is not None and owner is cur:
                new_primary = sender
            cs.add_slot(sender, s)
            changed = True
    if new_primary is not None and cur is not None and cur.numslots == 0 and (
            cs.server.config["cluster-allow-replica-migration"] or claimed_all.bit_count() == sender.numslots):
        if me.replicaof is not sender:
            # Our slots went to a node with a newer config epoch (a failover while we
            # were away, or our primary's): become its replica.
            cs.server.log("notice", f"Configuration change detected. Reconfiguring myself as a replica of {sender.name} ({sender.human_nodename})")
            become_replica(cs, sender)
    elif me.replicaof is not None and me.replicaof.replicaof is not None and me.replicaof.replicaof is not me:
        become_replica(cs, me.replicaof.replicaof)  # no sub-replicas
    return changed


def _stale_claim(cs: ClusterState, sender: Node, m: Message) -> Node | None:
    """The first node that owns, with a greater config epoch, a slot ``sender`` claims."""
    claimed = int.from_bytes(m.myslots, "little")
    slots = cs.slots
    while claimed:
        low = claimed & -claimed
        claimed ^= low
        owner = slots[low.bit_length() - 1]
        if owner is None or owner is sender:
            continue
        if owner.config_epoch > m.config_epoch:
            return owner
    return None


def _publish_locally(cs: ClusterState, m: Message) -> None:
    ps = cs.server.extensions.get("pubsub")
    if ps is None:
        return
    if m.type == PUBLISH:
        ps.publish(m.channel, m.message)
    else:
        ps.spublish(m.channel, m.message)


def process(cs: ClusterState, m: Message, link: Any, now_ms: int) -> Message | None:
    me = cs.myself
    if m.type < len(cs.stats_received):
        cs.stats_received[m.type] += 1
    sender = cs.nodes.get(m.sender)
    if sender is not None and sender.flags & HANDSHAKE:
        sender = None
    if sender is not None:
        if m.current_epoch > cs.current_epoch:
            cs.current_epoch = m.current_epoch
            cs.mark_dirty()
        if m.config_epoch > sender.config_epoch and m.replicaof is None:
            sender.config_epoch = m.config_epoch
            cs.mark_dirty()
        sender.repl_offset = m.offset
        if (cs.mf_end_ms and me.flags & SLAVE and me.replicaof is sender and m.mflags[0] & MF_PAUSED
                and cs.mf_primary_offset == -1):
            cs.mf_primary_offset = m.offset
            cs.server.log("notice", f"Received replication offset for paused master manual failover: {m.offset}")
    reply = None
    if m.type in (PING, MEET):
        if not me.ip and not cs.server.config["cluster-announce-ip"] and link.local_ip:
            me.ip = link.local_ip
            cs.mark_dirty()
        if sender is None and m.type == MEET:
            start_handshake(cs, m.myip or link.peer_ip, m.port, m.cport, now_ms)
            cs.mark_dirty()
        if sender is not None:
            link.node = sender
            sender.inbound = link
        reply = build(cs, PONG, sender, now_ms)
    if m.type in (PING, PONG, MEET):
        node = link.node if link.outbound else None
        if node is not None and node.flags & HANDSHAKE and m.type == PONG:
            if m.sender in cs.nodes:  # we already know it under its real name
                cs.del_node(node)
                return None
            cs.rename(node, m.sender)
            node.flags &= ~(HANDSHAKE | MEET_FLAG)
            node.flags |= SLAVE if m.flags & SLAVE else MASTER
            cs.mark_dirty()
            sender = node
        if node is not None and m.type == PONG and sender is node:
            node.pong_received_ms = now_ms
            node.ping_sent_ms = 0
            if node.flags & PFAIL:
                node.flags &= ~PFAIL
            elif node.flags & FAIL:
                _clear_failure_if_needed(cs, node, now_ms)
        if sender is None:
            if m.type == MEET:
                _gossip_section(cs, None, m, now_ms)
            return reply
        _update_role(cs, sender, m)
        primary = sender if sender.flags & MASTER else sender.replicaof
        dirty_slots = primary is not None and primary.slots != m.myslots
        if (m.type in (PING, PONG) and sender.flags & MASTER and me.flags & MASTER
                and m.config_epoch == me.config_epoch and sender.name > me.name):
            # Redis's clusterHandleConfigEpochCollision: the smaller name moves on.
            cs.current_epoch += 1
            me.config_epoch = cs.current_epoch
            cs.mark_dirty()
        if sender.flags & MASTER and dirty_slots:
            if update_slots(cs, sender, m.config_epoch, m.myslots):
                cs.mark_dirty()
                cs.update_state()
        if dirty_slots:
            newer = _stale_claim(cs, sender, m)
            if newer is not None:
                cs.server.log("verbose", f"Node {sender.name} has old slots configuration, sending an UPDATE "
                                         f"message about {newer.name}")
                cs.outbox.append((sender, build(cs, UPDATE, newer, now_ms)))
        _gossip_section(cs, sender, m, now_ms)
        _ping_extensions(cs, sender, m, now_ms)
    elif m.type == FAIL_MSG and sender is not None:
        failing = cs.nodes.get(m.about)
        if failing is not None and not failing.flags & (MYSELF | FAIL):
            failing.flags = (failing.flags & ~PFAIL) | FAIL
            failing.fail_time_ms = now_ms
            cs.mark_dirty()
            cs.update_state()
    elif m.type == AUTH_REQUEST and sender is not None:
        from .failover import on_auth_request  # noqa: PLC0415

        return on_auth_request(cs, sender, m, now_ms)
    elif m.type == AUTH_ACK and sender is not None:
        from .failover import on_auth_ack  # noqa: PLC0415

        on_auth_ack(cs, sender, m)
    elif m.type in (PUBLISH, PUBLISHSHARD) and sender is not None:
        _publish_locally(cs, m)
    elif m.type == MFSTART and sender is not None:
        from .failover import on_mfstart  # noqa: PLC0415

        return on_mfstart(cs, sender, now_ms)
    elif m.type == UPDATE and sender is not None:
        about = cs.nodes.get(m.about)
        if about is not None and about.config_epoch < m.update_epoch:
            if about.flags & SLAVE:
                cs.set_replica_of(about, None)
            about.config_epoch = m.update_epoch
            update_slots(cs, about, m.update_epoch, m.update_slots)
            cs.mark_dirty()
            cs.update_state()
    return reply


def _clear_failure_if_needed(cs: ClusterState, node: Node, now_ms: int) -> None:
    """Redis's clearNodeFailureIfNeeded, on a PONG from a node flagged FAIL: a replica or
    a primary without slots is simply reachable again; a primary still serving slots
    (nobody failed it over) is cleared once its FAIL is older than two node timeouts,
    so a cluster whose primary restarted without a replica to replace it recovers."""
    name = f"{node.name} ({node.hostname})"
    if node.flags & SLAVE or not node.numslots:
        cs.server.log("notice", f"Clear FAIL state for node {name}:{'replica' if node.flags & SLAVE else 'master without slots'} is reachable again.")
    elif now_ms - node.fail_time_ms > cs.server.config["cluster-node-timeout"] * FAIL_UNDO_TIME_MULT:
        cs.server.log("notice", f"Clear FAIL state for node {name}: is reachable again and nobody is serving its slots after some time.")
    else:
        return
    node.flags &= ~FAIL
    cs.mark_dirty()
    cs.update_state()


def _ping_extensions(cs: ClusterState, sender: Node, m: Message, now_ms: int) -> None:
    """Redis's clusterProcessPingExt."""
    if m.mflags[0] & MF_EXT_DATA:
        sender.ext_ok = True
    me = cs.myself
    for name, ttl in m.forgotten:
        node = cs.nodes.get(name)
        if node is not None and node is not me and not (me.flags & SLAVE and me.replicaof is node):
            cs.blacklist[name] = now_ms + ttl * 1000
            cs.del_node(node)
            cs.mark_dirty()
            cs.update_state()
    for etype, _data in m.unknown_ext:
        cs.server.log("warning", f"Received unknown extension type {etype}")
    hostname = m.hostname or ""
    if sender.hostname != hostname:
        sender.hostname = hostname
        cs.mark_dirty()
    sender.human_nodename = m.human_nodename or ""
    shard_id = m.shard_id
    if shard_id is None:
        shard_id = sender.replicaof.shard_id if sender.flags & SLAVE and sender.replicaof is not None else sender.shard_id
    if sender.shard_id != shard_id:
        sender.shard_id = shard_id
        cs.mark_dirty()
    if me.flags & SLAVE and me.replicaof is sender and me.shard_id != shard_id:
        me.shard_id = shard_id  # a replica's shard is its primary's
        cs.mark_dirty()


def _update_role(cs: ClusterState, sender: Node, m: Message) -> None:
    if m.replicaof is None:
        if sender.flags & SLAVE:
            cs.set_replica_of(sender, None)
            cs.mark_dirty()
        return
    primary = cs.nodes.get(m.replicaof)
    if primary is None or sender.replicaof is primary:
        return
    if sender.numslots:
        cs.del_node_slots(sender)
    cs.set_replica_of(sender, primary)
    cs.mark_dirty()


def _gossip_section(cs: ClusterState, sender: Node | None, m: Message, now_ms: int) -> None:
    for g in m.gossip:
        node = cs.nodes.get(g.name)
        if node is not None:
            if sender is None or not sender.flags & MASTER or node.flags & MYSELF:
                continue
            if g.flags & (PFAIL | FAIL):
                node.fail_reports[sender.name] = now_ms
            else:
                node.fail_reports.pop(sender.name, None)
            continue
        if sender is None and m.type != MEET:
            continue
        if g.flags & NOADDR or g.name in cs.blacklist or not g.ip or not g.port:
            continue
        if start_handshake(cs, g.ip, g.port, g.cport, now_ms):
            cs.mark_dirty()
