"""Cluster state: the node table, the slot map and the epochs (Redis's clusterState).

``ClusterState.slots`` maps each of the 16384 slots to its owning ``Node`` or None; each
node also keeps its own ``slots`` bitmap (bytearray of 2048 bytes, bit ``s & 7`` of byte
``s >> 3``, the layout of clusterMsg's ``myslots``) and a slot count.  Changes that must
reach nodes.conf call ``mark_dirty``; the bus saves the file at the end of its tick (and
commands that must persist before replying save at once).

``update_state`` is Redis's clusterUpdateState, delays included: a primary stays
``fail`` for its first 2 s (CLUSTER_WRITABLE_DELAY, so a restarted primary gets a chance
to learn it was failed over before accepting writes), and a primary that was in a
minority partition waits the node timeout (clamped to 500..5000 ms, the rejoin delay)
before turning ``ok`` again.

Manual failover state (``mf_*``, Redis's clusterState mf_end, mf_can_start, mf_slave,
mf_master_offset) is driven by bus/failover.py.
"""

from __future__ import annotations

import os
from typing import Any

CLUSTER_SLOTS = 16384

# Node flags (cluster.h CLUSTER_NODE_*), also the bus's wire values.
MASTER = 1
SLAVE = 2
PFAIL = 4
FAIL = 8
MYSELF = 16
HANDSHAKE = 32
NOADDR = 64
MEET = 128
MIGRATE_TO = 256
NOFAILOVER = 512

WRITABLE_DELAY_MS = 2000  # CLUSTER_WRITABLE_DELAY
MIN_REJOIN_DELAY_MS = 500
MAX_REJOIN_DELAY_MS = 5000

FLAG_NAMES = (
    (MYSELF, "myself"), (MASTER, "master"), (SLAVE, "slave"), (PFAIL, "fail?"), (FAIL, "fail"),
    (HANDSHAKE, "handshake"), (NOADDR, "noaddr"), (NOFAILOVER, "nofailover"),
)


def random_name() -> str:
    return os.urandom(20).hex()


class Node:
    __slots__ = (
        "name", "flags", "ip", "port", "cport", "pport", "slots", "numslots", "replicaof",
        "config_epoch", "ping_sent_ms", "pong_received_ms", "ctime_ms", "link", "inbound",
        "shard_id", "hostname", "repl_offset", "fail_reports", "fail_time_ms", "orphaned_ms",
        "human_nodename", "ext_ok",
    )

    def __init__(self, name: str, flags: int, ip: str = "", port: int = 0, cport: int = 0) -> None:
        self.name = name
        self.flags = flags
        self.ip = ip
        self.port = port
        self.cport = cport
        self.pport = 0
        self.slots = bytearray(CLUSTER_SLOTS // 8)
        self.numslots = 0
        self.replicaof: Node | None = None
        self.config_epoch = 0
        self.ping_sent_ms = 0
        self.pong_received_ms = 0
        self.ctime_ms = 0
        self.link: Any = None  # outbound bus link (bus/link.py)
        self.inbound: Any = None
        self.shard_id = random_name()
        self.hostname = ""
        self.repl_offset = 0
        self.fail_reports: dict[str, int] = {}  # reporter name -> time ms
        self.fail_time_ms = 0
        self.orphaned_ms = 0  # since when this primary has no working replica (replica migration)
        self.human_nodename = ""
        self.ext_ok = False  # it sent MF_EXT_DATA: we may send it ping extensions

    def has_slot(self, slot: int) -> bool:
        return bool(self.slots[slot >> 3] & (1 << (slot & 7)))

    def is_master(self) -> bool:
        return bool(self.flags & MASTER)

    def flags_text(self) -> str:
        names = [n for bit, n in FLAG_NAMES if self.flags & bit]
        return ",".join(names) if names else "noflags"

    def slot_ranges(self) -> list[tuple[int, int]]:
        """Contiguous ranges of this node's slots, ascending."""
        out: list[tuple[int, int]] = []
        if not self.numslots:
            return out
        bitmap = int.from_bytes(self.slots, "little")
        s = 0
        while s < CLUSTER_SLOTS:
            if not bitmap >> s:
                break
            low = (bitmap >> s) & -(bitmap >> s)  # lowest set bit at or after s
            first = s + low.bit_length() - 1
            run = ~(bitmap >> first)
            length = (run & -run).bit_length() - 1  # count of consecutive set bits
            out.append((first, first + length - 1))
            s = first + length
        return out


class ClusterState:
    def __init__(self, server: Any, myself: Node) -> None:
        self.server = server
        self.myself = myself
        self.nodes: dict[str, Node] = {myself.name: myself}
        self.slots: list[Node | None] = [None] * CLUSTER_SLOTS
        self.migrating: dict[int, Node] = {}
        self.importing: dict[int, Node] = {}
        self.current_epoch = 0
        self.last_vote_epoch = 0
        self.ok = False
        self.size = 1
        self.stats_sent = [0] * 11
        self.stats_received = [0] * 11
        self.blacklist: dict[str, int] = {}  # forgotten node -> expiry ms
        self.dirty = False
        self.synced_epochs: tuple[int, ...] = ()  # nodes_conf.save: epochs at the last fsync
        self.bus: Any = None
        self.election: Any = None  # bus/failover.py Election while we run for primary
        self.voted_for: dict[str, int] = {}  # primary name -> when we voted for its replica
        # Manual failover (CLUSTER FAILOVER): 0 when none is in progress.
        self.mf_end_ms = 0
        self.mf_can_start = False
        self.mf_replica: Node | None = None  # on the primary: the replica that asked
        self.mf_primary_offset = -1  # on the replica: the paused primary's offset
        self.first_update_ms = 0
        self.logged_data_age = False  # bus/failover.py: "unable to failover" said once
        self.outbox: list[tuple[Node, Any]] = []  # bus/gossip.py -> link.py: (node, Message)
        self.reassigned: set[int] = set()  # slots deleted or given to another node since update_state
        self.minority_since_ms = 0

    def mark_dirty(self) -> None:
        self.dirty = True

    # ---- slots -------------------------------------------------------------------

    def add_slot(self, node: Node, slot: int) -> None:
        old = self.slots[slot]
        if old is node:
            return
        if old is not None:
            self._clear_bit(old, slot)
            if self._serves_with_me(old):
                self.reassigned.add(slot)
        self.slots[slot] = node
        node.slots[slot >> 3] |= 1 << (slot & 7)
        node.numslots += 1

    def del_slot(self, slot: int) -> None:
        old = self.slots[slot]
        if old is not None:
            self._clear_bit(old, slot)
            self.slots[slot] = None
            if self._serves_with_me(old):
                self.reassigned.add(slot)

    @staticmethod
    def _clear_bit(node: Node, slot: int) -> None:
        node.slots[slot >> 3] &= ~(1 << (slot & 7)) & 0xFF
        node.numslots -= 1

    def _serves_with_me(self, node: Node) -> bool:
        """Whether ``node`` is in our shard (Redis's clusterGetNodesServingMySlots): its
        slots' shard channels are ours to drop when it loses them."""
        primary = node.replicaof if node.flags & SLAVE and node.replicaof is not None else node
        me = self.myself
        return me is primary or (me.replicaof is primary and bool(me.flags & SLAVE))

    def del_node_slots(self, node: Node) -> None:
        mine = self._serves_with_me(node)
        for a, b in node.slot_ranges():
            for s in range(a, b + 1):
                self.slots[s] = None
            if mine:
                self.reassigned.update(range(a, b + 1))
        node.slots = bytearray(CLUSTER_SLOTS // 8)
        node.numslots = 0

    # ---- nodes -------------------------------------------------------------------

    def add_node(self, node: Node) -> None:
        self.nodes[node.name] = node

    def rename(self, node: Node, name: str) -> None:
        del self.nodes[node.name]
        node.name = name
        self.nodes[name] = node

    def del_node(self, node: Node) -> None:
        for table in (self.migrating, self.importing):
            for s in [s for s, n in table.items() if n is node]:
                del table[s]
        self.del_node_slots(node)
        for other in self.nodes.values():
            other.fail_reports.pop(node.name, None)
            if other.replicaof is node:
                other.replicaof = None
        self.nodes.pop(node.name, None)
        if self.bus is not None:
            self.bus.drop_links(node)

    def replicas_of(self, node: Node) -> list[Node]:
        return [n for n in self.nodes.values() if n.replicaof is node and n.flags & SLAVE]

    def set_replica_of(self, node: Node, primary: Node | None) -> None:
        """Set ``node``'s role.  A primary that gets a replica, and a replica promoted
        (other than ourselves), are marked MIGRATE_TO: they are supposed to have replicas,
        which is what makes them targets of replica migration (Redis's
        clusterNodeAddSlave / clusterSetNodeAsMaster)."""
        node.replicaof = primary
        if primary is not None:
            node.flags = (node.flags & ~(MASTER | MIGRATE_TO)) | SLAVE
            node.shard_id = primary.shard_id
            primary.flags |= MIGRATE_TO
        else:
            was_replica = node.flags & SLAVE
            node.flags = (node.flags & ~SLAVE) | MASTER
            if was_replica and not node.flags & MYSELF:
                node.flags |= MIGRATE_TO

    def max_epoch(self) -> int:
        """Redis's clusterGetMaxEpoch: the greatest config epoch, or the current epoch."""
        return max(self.current_epoch, max(n.config_epoch for n in self.nodes.values()))

    def bump_epoch_without_consensus(self) -> bool:
        """Redis's clusterBumpConfigEpochWithoutConsensus (BUMPEPOCH, FAILOVER TAKEOVER)."""
        me = self.myself
        if me.config_epoch == 0 or me.config_epoch != self.max_epoch():
            self.current_epoch += 1
            me.config_epoch = self.current_epoch
            self.mark_dirty()
            self.server.log("notice", f"New configEpoch set to {me.config_epoch}")
            return True
        return False

    def working_replicas(self, node: Node) -> int:
        """Redis's clusterCountNonFailingSlaves."""
        return sum(1 for n in self.nodes.values() if n.replicaof is node and n.flags & SLAVE and not n.flags & FAIL)

    def shard_of(self, node: Node) -> list[Node]:
        """The nodes of ``node``'s shard: its primary (or itself) and that primary's replicas."""
        primary = node.replicaof if node.flags & SLAVE and node.replicaof is not None else node
        return [primary] + self.replicas_of(primary)

    # ---- state -------------------------------------------------------------------

    def _drop_shard_channels(self) -> None:
        """Unsubscribe every client from the shard channels of ``reassigned`` slots,
        each getting its ``sunsubscribe`` message."""
        lost, self.reassigned = self.reassigned, set()
        ps = self.server.extensions.get("pubsub")
        if ps is None or not ps.shard:
            return
        from ..keyspace.slots import key_hash_slot  # noqa: PLC0415
        from ..pubsub.channels import confirmation, deliver  # noqa: PLC0415

        for channel in [ch for ch in ps.shard if key_hash_slot(ch) in lost]:
            for c in list(ps.shard.get(channel, ())):
                ps.unsubscribe(c, channel, True)
                deliver(c, confirmation(c.resp, b"sunsubscribe", channel, len(c.ssubscriptions)))

    def update_state(self) -> None:
        """Redis's clusterUpdateState: ok when every slot is served by a node not
        flagged FAIL (or when cluster-require-full-coverage is no) and a majority of the
        primaries serving slots is reachable; with the writable and rejoin delays.
        First, shard channels of slots that our shard lost (deleted, or given to another
        node) lose their subscribers (Redis's removeChannelsInSlot, done by clusterDelSlot):
        a promoted replica keeps them, the old primary and its other replicas drop them."""
        if self.reassigned:
            self._drop_shard_channels()
        cfg = self.server.config
        now = self.server.now_ms()
        if not self.first_update_ms:
            self.first_update_ms = now
        i_am_primary = bool(self.myself.flags & MASTER)
        if i_am_primary and not self.ok and now - self.first_update_ms < WRITABLE_DELAY_MS:
            return
        ok = True
        if cfg["cluster-require-full-coverage"]:
            # Every slot has one owner, counted in its numslots: O(nodes), not O(slots).
            served = sum(n.numslots for n in self.nodes.values() if not n.flags & FAIL)
            ok = served == CLUSTER_SLOTS
        masters = [n for n in self.nodes.values() if n.flags & MASTER and n.numslots]
        self.size = len(masters)
        needed = self.size // 2 + 1
        reachable = sum(1 for n in masters if not (n.flags & (FAIL | PFAIL)))
        if reachable < needed:
            ok = False
            self.minority_since_ms = now
        if ok != self.ok:
            rejoin_delay = min(max(cfg["cluster-node-timeout"], MIN_REJOIN_DELAY_MS), MAX_REJOIN_DELAY_MS)
            if ok and i_am_primary and now - self.minority_since_ms < rejoin_delay:
                return
            self.server.log("notice" if ok else "warning", f"Cluster state changed: {'ok' if ok else 'fail'}")
            self.ok = ok
