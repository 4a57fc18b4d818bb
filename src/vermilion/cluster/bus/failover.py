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

Manual failover (CLUSTER FAILOVER, Redis's clusterHandleManualFailover): the replica
sends MFSTART to its primary and gives itself 5 s (``mf_end_ms``).  The primary pauses
client writes for 10 s, remembers the replica and pings it every tick with the PAUSED
flag in ``mflags``, so the replica learns the primary's final replication offset.  Once
its own offset matches, ``mf_can_start`` is set and the election runs at once (no
delay, rank 0) with FORCEACK in the vote request, so primaries vote although the old
primary is not failing.  FORCE skips the offset handshake; TAKEOVER takes a new config
epoch without any vote and claims the slots at once.  Whatever the outcome, the
primary unpauses when the replica's PONG shows it took the slots (the primary becomes
its replica) or when the 5 s are over.

A replica whose data is too old (cluster-replica-validity-factor: disconnected from its
primary for longer than ``repl-ping-replica-period`` + node timeout x factor, beyond the
node timeout) does not run for an automatic failover.

Replica migration (Redis's clusterHandleSlaveMigration): a replica of the primary with
the most working replicas, the one with the smallest name, moves to a primary that is
orphaned (serving slots, no working replica, but it had replicas: MIGRATE_TO) for more
than 5 s, if its own primary keeps more than ``cluster-migration-barrier`` working
replicas and ``cluster-allow-replica-migration`` is yes.
"""

from __future__ import annotations

import random
import time
from typing import Any

from ..state import FAIL, HANDSHAKE, MIGRATE_TO, MYSELF, NOADDR, PFAIL, MASTER, SLAVE, ClusterState, Node
from . import gossip
from .messages import AUTH_ACK, AUTH_REQUEST, MF_FORCEACK, MFSTART, PING, PONG, Message

MF_TIMEOUT_MS = 5000  # CLUSTER_MF_TIMEOUT
MF_PAUSE_MULT = 2  # the primary pauses writes for twice the manual failover timeout
MIGRATION_DELAY_MS = 5000  # CLUSTER_SLAVE_MIGRATION_DELAY


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
    manual = bool(cs.mf_end_ms and cs.mf_can_start)
    if (not me.flags & SLAVE or primary is None or not (primary.flags & FAIL or manual)
            or not primary.numslots):
        cs.election = None
        return
    if cs.server.config["cluster-replica-no-failover"] and not manual:
        return
    if not manual and _data_too_old(cs):
        cs.election = None
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
        if cs.mf_end_ms:  # a manual failover: no delay
            el = cs.election = Election(now_ms, primary)
        else:
            mine = gossip.repl_offset(cs)
            siblings = [r for r in cs.replicas_of(primary) if r is not me]
            rank = sum(1 for r in siblings if r.repl_offset > mine)
            el = cs.election = Election(now_ms + 500 + random.randint(0, 500) + rank * 1000, primary)
            if siblings:  # our offset to the other replicas, so their ranks are right
                bus.broadcast(PONG, nodes=siblings)
            return
    if not el.sent:
        if now_ms < el.start_ms:
            return
        cs.current_epoch += 1
        el.epoch = cs.current_epoch
        el.sent = True
        cs.server.log("notice", f"Starting a failover election for epoch {el.epoch}.")
        bus.broadcast(AUTH_REQUEST, mflags=bytes((MF_FORCEACK, 0, 0)) if cs.mf_end_ms else None)
        return
    needed = cs.size // 2 + 1
    if len(el.votes) >= needed:
        _take_over(cs, bus, el, now_ms)


def _data_too_old(cs: ClusterState) -> bool:
    """cluster-replica-validity-factor: a replica disconnected from its primary for longer
    than ping period + node timeout * factor (beyond the node timeout itself) does not
    run; a manual failover is exempt.  Logged once per failing spell."""
    st = cs.server.extensions.get("repl")
    link = st.link if st is not None else None
    cfg = cs.server.config
    if link is None or not cfg["cluster-replica-validity-factor"]:
        return False
    factor = cfg["cluster-replica-validity-factor"]
    timeout = cfg["cluster-node-timeout"]
    if link.master is not None:
        age_ms = int((time.monotonic() - link.last_io_s) * 1000)
    elif link.down_since_s:
        age_ms = int((time.time() - link.down_since_s) * 1000)
    else:
        age_ms = 1 << 62  # never connected: no data to speak of
    if age_ms > timeout:
        age_ms -= timeout
    too_old = age_ms > cfg["repl-ping-replica-period"] * 1000 + timeout * factor
    if too_old and not cs.logged_data_age:
        cs.server.log("notice", "Currently unable to failover: Disconnected from master for longer than allowed. "
                                "Please check the 'cluster-replica-validity-factor' configuration option.")
    cs.logged_data_age = too_old
    return too_old


def _take_over(cs: ClusterState, bus: Any, el: Election, now_ms: int) -> None:
    me = cs.myself
    cs.server.log("notice", "Failover election won: I'm the new master.")
    cs.election = None
    if me.config_epoch < el.epoch:
        me.config_epoch = el.epoch
        cs.server.log("notice", f"configEpoch set to {el.epoch} after successful failover")
    replace_primary(cs, bus)


def replace_primary(cs: ClusterState, bus: Any) -> None:
    """Redis's clusterFailoverReplaceYourMaster: become a primary, claim our primary's
    slots, save, and PONG everyone so they see the new owner."""
    me = cs.myself
    old = me.replicaof
    if not me.flags & SLAVE or old is None:
        return
    cs.election = None
    cs.set_replica_of(me, None)
    for a, b in old.slot_ranges():
        for s in range(a, b + 1):
            cs.add_slot(me, s)
    from ...replication.replica_link import stop_replication  # noqa: PLC0415

    stop_replication(cs.server)
    cs.mark_dirty()
    cs.update_state()
    from ..nodes_conf import save  # noqa: PLC0415

    save(cs, cs.server.config["cluster-config-file"])
    if bus is not None:
        bus.broadcast(PONG)
    reset_manual(cs)


# ---- manual failover ------------------------------------------------------------------


def reset_manual(cs: ClusterState) -> None:
    """Redis's resetManualFailover: a primary that paused for a replica unpauses."""
    if cs.mf_replica is not None:
        from ...engine.gates import unpause_clients  # noqa: PLC0415

        unpause_clients(cs.server)
    cs.mf_end_ms = 0
    cs.mf_can_start = False
    cs.mf_replica = None
    cs.mf_primary_offset = -1


def start_manual(cs: ClusterState, bus: Any, now_ms: int, force: bool, takeover: bool) -> None:
    """CLUSTER FAILOVER [FORCE|TAKEOVER], after the command checked the preconditions."""
    reset_manual(cs)
    cs.mf_end_ms = now_ms + MF_TIMEOUT_MS
    log = cs.server.log
    if takeover:
        log("notice", "Taking over the master (user request).")
        cs.bump_epoch_without_consensus()
        replace_primary(cs, bus)
    elif force:
        log("notice", "Forced failover user request accepted.")
        cs.mf_can_start = True
    else:
        log("notice", "Manual failover user request accepted.")
        primary = cs.myself.replicaof
        if bus is not None and primary is not None and primary.link is not None and primary.link.connected:
            primary.link.send(gossip.build(cs, MFSTART, primary, now_ms))


def on_mfstart(cs: ClusterState, sender: Node, now_ms: int) -> Message | None:
    """A replica of ours asks for a manual failover: pause writes and ping it (the PING
    carries our offset and the PAUSED flag)."""
    if sender.replicaof is not cs.myself:
        return None
    reset_manual(cs)
    cs.mf_end_ms = now_ms + MF_TIMEOUT_MS
    cs.mf_replica = sender
    from ...engine.gates import pause_clients  # noqa: PLC0415

    pause_clients(cs.server, now_ms + MF_TIMEOUT_MS * MF_PAUSE_MULT, True)
    cs.server.log("notice", f"Manual failover requested by replica {sender.name} ({sender.human_nodename}).")
    return gossip.build(cs, PING, sender, now_ms)


def handle_manual(cs: ClusterState, now_ms: int) -> None:
    """Timeout (both sides) and, on the replica, the offset check that lets the
    election start."""
    if not cs.mf_end_ms:
        return
    if cs.mf_end_ms < now_ms:
        cs.server.log("warning", "Manual failover timed out.")
        reset_manual(cs)
        return
    if cs.mf_can_start or cs.mf_primary_offset == -1 or not cs.myself.flags & SLAVE:
        return
    if cs.mf_primary_offset == gossip.repl_offset(cs):
        cs.mf_can_start = True
        cs.server.log("notice", "All master replication stream processed, manual failover can start.")


# ---- replica migration ----------------------------------------------------------------


def handle_migration(cs: ClusterState, now_ms: int) -> None:
    """clusterCron's orphaned-primary count, then clusterHandleSlaveMigration (one pass
    over the node table to count every primary's replicas)."""
    me = cs.myself
    mine = me.replicaof
    if not me.flags & SLAVE or mine is None:
        return
    replicas: dict[Node, list[Node]] = {}
    working: dict[Node, int] = {}
    for n in cs.nodes.values():
        p = n.replicaof
        if p is not None and n.flags & SLAVE:
            replicas.setdefault(p, []).append(n)
            if not n.flags & FAIL:
                working[p] = working.get(p, 0) + 1
    orphaned = max_ok = this_ok = 0
    for node in cs.nodes.values():
        if node.flags & (MYSELF | NOADDR | HANDSHAKE) or not node.flags & MASTER or node.flags & FAIL:
            continue
        ok = working.get(node, 0)
        if ok == 0 and node.numslots and node.flags & MIGRATE_TO:
            orphaned += 1
        max_ok = max(max_ok, ok)
        if node is mine:
            this_ok = ok
    cfg = cs.server.config
    if not (orphaned and max_ok >= 2 and this_ok == max_ok and cfg["cluster-allow-replica-migration"]):
        return
    if not cs.ok:
        return
    ok_siblings = sum(1 for r in replicas.get(mine, ()) if not r.flags & (FAIL | PFAIL))
    if ok_siblings <= cfg["cluster-migration-barrier"]:
        return
    target = None
    candidate = me
    for node in cs.nodes.values():
        ok = working.get(node, 0) if node.flags & MASTER else 0
        if node.flags & MASTER and not node.flags & FAIL and node.flags & MIGRATE_TO and not ok:
            if target is None and node.numslots:
                target = node
            if not node.orphaned_ms:
                node.orphaned_ms = now_ms
        else:
            node.orphaned_ms = 0
        if ok == max_ok:
            for r in replicas.get(node, ()):
                if r.name < candidate.name:
                    candidate = r
    if target is not None and candidate is me and now_ms - target.orphaned_ms > MIGRATION_DELAY_MS:
        cs.server.log("notice", f"Migrating to orphaned master {target.name}")
        gossip.become_replica(cs, target)


def on_auth_request(cs: ClusterState, sender: Node, m: Message, now_ms: int) -> Message | None:
    """A primary's vote; None when it refuses."""
    me = cs.myself
    if not me.flags & MASTER or not me.numslots:
        return None
    if m.current_epoch < cs.current_epoch or cs.last_vote_epoch == cs.current_epoch:
        return None
    force_ack = bool(m.mflags[0] & MF_FORCEACK)
    primary = sender.replicaof if sender.flags & SLAVE else None
    if primary is None:
        primary = cs.nodes.get(m.replicaof or "")
    if not sender.flags & SLAVE or primary is None or not (primary.flags & FAIL or force_ack):
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
