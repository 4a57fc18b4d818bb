"""Automatic failover (Redis's clusterHandleSlaveFailover and
clusterSendFailoverAuthIfNeeded), driven by the bus tick.

A replica whose primary is FAIL (and served slots) waits 500 ms + up to 500 ms random
+ 1 s per replica with a greater replication offset (its rank), then starts an election:
``currentEpoch += 1`` and FAILOVER_AUTH_REQUEST to every node.  A primary serving slots
votes (FAILOVER_AUTH_ACK) at most once per epoch, only for a replica of a FAIL primary,
not twice for the same primary within two node timeouts, and only when none of the
claimed slots belongs to a node with a greater config epoch.  With votes from a majority
of the primaries serving slots the replica becomes a primary: it takes the epoch of the
election as its config epoch, claims its old primary's slots, stops replicating
(REPLICAOF NO ONE) and broadcasts a PONG; the rest of the cluster adopts the slots
because of the higher config epoch, and the old primary, when it returns and finds
its slots taken, becomes a replica of the new one (gossip.update_slots).
"""

from __future__ import annotations

import random
from typing import Any

from ..state import FAIL, MASTER, SLAVE, ClusterState, Node
from . import gossip
from .messages import AUTH_ACK, AUTH_REQUEST, PONG, Message


class Election:
    __slots__ = ("start_ms", "sent", "epoch", "votes", "primary")

    def __init__(self, start_ms: int, primary: Node) -> None:
        self.start_ms = start_ms
        self.sent = False
        self.epoch = 0
        self.votes: set[str] = set()
        self.primary = primary


def handle_replica(cs: ClusterState, bus: Any, now_ms: int) -> None:
    me = cs.myself
    primary = me.replicaof
    if not me.flags & SLAVE or primary is None or not primary.flags & FAIL or not primary.numslots:
        cs.election = None
        return
    if cs.server.config["cluster-replica-no-failover"]:
        return
    timeout = cs.server.config["cluster-node-timeout"]
    el = cs.election
    if el is not None and el.primary is not primary:
        el = None
    if el is not None and el.sent and now_ms - el.start_ms > max(timeout * 2, 2000):
        el = None  # timed out: retry after a new delay
        cs.election = None
        return
    if el is None:
        rank = sum(1 for r in cs.replicas_of(primary) if r is not me and r.repl_offset > me.repl_offset)
        el = cs.election = Election(now_ms + 500 + random.randint(0, 500) + rank * 1000, primary)
        return
    if not el.sent:
        if now_ms < el.start_ms:
            return
        cs.current_epoch += 1
        el.epoch = cs.current_epoch
        el.sent = True
        cs.server.log("notice", f"Starting a failover election for epoch {el.epoch}.")
        bus.broadcast(AUTH_REQUEST)
        return
    needed = cs.size // 2 + 1
    if len(el.votes) >= needed:
        _take_over(cs, bus, el, now_ms)


def _take_over(cs: ClusterState, bus: Any, el: Election, now_ms: int) -> None:
    me = cs.myself
    old = el.primary
    cs.server.log("notice", "Failover election won: I'm the new master.")
    cs.election = None
    cs.set_replica_of(me, None)
    me.config_epoch = el.epoch
    for a, b in old.slot_ranges():
        for s in range(a, b + 1):
            cs.add_slot(me, s)
    from ...replication.replica_link import stop_replication  # noqa: PLC0415

    stop_replication(cs.server)
    cs.mark_dirty()
    cs.update_state()
    bus.broadcast(PONG)


def on_auth_request(cs: ClusterState, sender: Node, m: Message, now_ms: int) -> Message | None:
    """A primary's vote; None when it refuses."""
    me = cs.myself
    if not me.flags & MASTER or not me.numslots:
        return None
    if m.current_epoch < cs.current_epoch or cs.last_vote_epoch == cs.current_epoch:
        return None
    primary = cs.nodes.get(m.replicaof or "")
    if not sender.flags & SLAVE or primary is None or not primary.flags & FAIL:
        return None
    timeout = cs.server.config["cluster-node-timeout"]
    if now_ms - cs.voted_for.get(primary.name, -10 ** 12) < timeout * 2:
        return None
    claimed = int.from_bytes(m.myslots, "little")
    while claimed:
        low = claimed & -claimed
        s = low.bit_length() - 1
        claimed ^= low
        owner = cs.slots[s]
        if owner is not None and owner.config_epoch > m.config_epoch:
            return None
    cs.last_vote_epoch = cs.current_epoch
    cs.voted_for[primary.name] = now_ms
    cs.mark_dirty()
    cs.server.log("notice", f"Failover auth granted to {sender.name} for epoch {cs.current_epoch}")
    return gossip.build(cs, AUTH_ACK, sender, now_ms)


def on_auth_ack(cs: ClusterState, sender: Node, m: Message) -> None:
    el = cs.election
    if el is None or not el.sent:
        return
    if sender.flags & MASTER and sender.numslots and m.current_epoch >= el.epoch:
        el.votes.add(sender.name)
