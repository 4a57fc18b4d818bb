"""The CLUSTER NODES line format and nodes.conf (read, and written atomically).

A line: ``<id> <ip>:<port>@<cport>[,<hostname>] <flags> <primary-id|-> <ping-sent-ms>
<pong-received-ms> <config-epoch> <connected|disconnected> <slot ranges...>``; the
myself line also lists open slots as ``[slot->-id]`` (migrating) and ``[slot-<-id]``
(importing).  nodes.conf adds Redis 7.2's aux fields to the address
(``,<hostname>,tls-port=0,shard-id=<id>``) and ends with
``vars currentEpoch <n> lastVoteEpoch <n>``.  It is written to a temporary file,
fsynced and renamed over the old one, so a crash leaves either version whole.
"""

from __future__ import annotations

import os
from typing import Any

from .state import FLAG_NAMES, HANDSHAKE, MASTER, MYSELF, NOADDR, SLAVE, ClusterState, Node

_FLAG_BITS = {name: bit for bit, name in FLAG_NAMES}


def node_epoch(node: Node) -> int:
    """Redis's nodeEpoch: a replica shows its primary's config epoch."""
    if node.flags & SLAVE and node.replicaof is not None:
        return node.replicaof.config_epoch
    return node.config_epoch


def node_line(cs: ClusterState, node: Node, for_file: bool = False) -> str:
    addr = f"{node.ip}:{node.port}@{node.cport}"
    if for_file:
        addr += f",{node.hostname},tls-port=0,shard-id={node.shard_id}"
    elif node.hostname:
        addr += f",{node.hostname}"
    primary = node.replicaof.name if node.replicaof is not None else "-"
    connected = node.flags & MYSELF or node.link is not None and node.link.connected
    parts = [
        node.name, addr, node.flags_text(), primary, str(node.ping_sent_ms),
        str(node.pong_received_ms), str(node_epoch(node)),
        "connected" if connected else "disconnected",
    ]
    for a, b in node.slot_ranges():
        parts.append(str(a) if a == b else f"{a}-{b}")
    if node.flags & MYSELF:
        for slot, n in sorted(cs.migrating.items()):
            parts.append(f"[{slot}->-{n.name}]")
        for slot, n in sorted(cs.importing.items()):
            parts.append(f"[{slot}-<-{n.name}]")
    return " ".join(parts)


def nodes_text(cs: ClusterState, for_file: bool = False) -> str:
    """CLUSTER NODES (myself first, as Redis's dict order is arbitrary anyway)."""
    lines = []
    for node in cs.nodes.values():
        if for_file and node.flags & HANDSHAKE:
            continue  # as Redis, nodes.conf leaves out unfinished handshakes
        lines.append(node_line(cs, node, for_file) + "\n")
    return "".join(lines)


def _epochs(cs: ClusterState) -> tuple[int, int, int, int]:
    me = cs.myself
    return cs.current_epoch, cs.last_vote_epoch, me.config_epoch, me.flags & (MASTER | SLAVE)


def save(cs: ClusterState, path: str, fsync: bool | None = None) -> bool:
    """Write nodes.conf (temp file, rename).  The file is fsynced when ``fsync`` says so
    or, by default, when an epoch, our vote or our role changed since the last fsync:
    Redis's CLUSTER_TODO_FSYNC_CONFIG, set by votes, failovers and epoch bumps but not by
    slot moves (SETSLOT, ADDSLOTS), which a resharding does by the thousand."""
    text = nodes_text(cs, for_file=True)
    text += f"vars currentEpoch {cs.current_epoch} lastVoteEpoch {cs.last_vote_epoch}\n"
    epochs = _epochs(cs)
    if fsync is None:
        fsync = epochs != cs.synced_epochs
    tmp = f"{path}.tmp-{os.getpid()}"
    try:
        with open(tmp, "w") as f:
            f.write(text)
            if fsync:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as e:
        cs.server.log("warning", f"Could not save the cluster config: {e.strerror}")
        try:
            os.unlink(tmp)
        except OSError:
            pass
        return False
    cs.dirty = False
    if fsync:
        cs.synced_epochs = epochs
    return True


class NodesConfError(Exception):
    pass


def load(server: Any, path: str) -> ClusterState | None:
    """Parse nodes.conf; None when it does not exist or is empty (a new node)."""
    try:
        with open(path) as f:
            lines = [ln.strip() for ln in f if ln.strip()]
    except FileNotFoundError:
        return None
    if not lines:
        return None
    nodes: dict[str, Node] = {}
    primaries: dict[str, str] = {}
    slot_owner: list[tuple[Node, list[str]]] = []
    myself = None
    current_epoch = last_vote = 0
    for ln in lines:
        f = ln.split(" ")
        if f[0] == "vars":
            kv = dict(zip(f[1::2], f[2::2]))
            current_epoch = int(kv.get("currentEpoch", 0))
            last_vote = int(kv.get("lastVoteEpoch", 0))
            continue
        if len(f) < 8:
            raise NodesConfError(f"Unrecoverable error: corrupted cluster config file \"{ln}\".")
        addr, *aux = f[1].split(",")
        hostport, _, cport = addr.partition("@")
        ip, _, port = hostport.rpartition(":")
        node = Node(f[0], 0, ip, int(port or 0), int(cport or 0))
        for i, a in enumerate(aux):
            if i == 0 and "=" not in a:
                node.hostname = a
            elif a.startswith("shard-id="):
                node.shard_id = a[9:]
        for flag in f[2].split(","):
            node.flags |= _FLAG_BITS.get(flag, 0)
        node.flags &= ~HANDSHAKE
        if f[3] != "-":
            primaries[node.name] = f[3]
        node.config_epoch = int(f[6])
        nodes[node.name] = node
        if node.flags & MYSELF:
            myself = node
        slot_owner.append((node, f[8:]))
    if myself is None:
        raise NodesConfError("Unrecoverable error: corrupted cluster config file (no myself).")
    cs = ClusterState(server, myself)
    cs.nodes = nodes
    cs.current_epoch = current_epoch
    cs.last_vote_epoch = last_vote
    for name, pname in primaries.items():
        p = nodes.get(pname)
        if p is None:
            p = Node(pname, MASTER | NOADDR)
            nodes[pname] = p
        cs.set_replica_of(nodes[name], p)
    for node, ranges in slot_owner:
        for r in ranges:
            if r.startswith("["):
                slot_s, arrow, other = r[1:-1].partition("->-") if "->-" in r else r[1:-1].partition("-<-")
                peer = nodes.get(other)
                if peer is not None:
                    (cs.migrating if arrow == "->-" else cs.importing)[int(slot_s)] = peer
                continue
            a, _, b = r.partition("-")
            for s in range(int(a), int(b or a) + 1):
                cs.add_slot(node, s)
    for n in nodes.values():
        if not n.flags & (MASTER | SLAVE):
            n.flags |= MASTER
    return cs
