"""CLUSTER * (the node table and slot map of cluster/state.py), ASKING, READONLY and
READWRITE.  Every subcommand answers ``This instance has cluster support disabled`` when
cluster-enabled is no, as Redis's clusterCommand does.  Commands that change the
configuration save nodes.conf before replying (Redis's CLUSTER_TODO_SAVE_CONFIG done in
beforeSleep, i.e. before the reply is written)."""

from __future__ import annotations

import ipaddress
from typing import Any

from ..cluster.bus.messages import TYPE_NAMES
from ..cluster.migrate_cache import migrate_sockets
from ..cluster.nodes_conf import node_line, nodes_text, save
from ..cluster.routing import preferred_endpoint
from ..cluster.state import CLUSTER_SLOTS, FAIL, MASTER, NOADDR, PFAIL, SLAVE, ClusterState
from ..keyspace.slots import key_hash_slot
from ..persistence.dump import dump_value, restore
from ..protocol.errors import CommandError, SyntaxErr
from ..protocol.reply import OK, Simple, Verbatim
from .client import help_reply
from .registry import command, container
from .spec import arg, ks
from .util import parse_int

CLUSTER_HELP = (
    "CLUSTER <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "ADDSLOTS <slot> [<slot> ...]",
    "    Assign slots to current node.",
    "ADDSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
    "    Assign slots which are between <start-slot> and <end-slot> to current node.",
    "BUMPEPOCH",
    "    Advance the cluster config epoch.",
    "COUNT-FAILURE-REPORTS <node-id>",
    "    Return number of failure reports for <node-id>.",
    "COUNTKEYSINSLOT <slot>",
    "    Return the number of keys in <slot>.",
    "DELSLOTS <slot> [<slot> ...]",
    "    Delete slots information from current node.",
    "DELSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
    "    Delete slots information which are between <start-slot> and <end-slot> from current node.",
    "FAILOVER [FORCE|TAKEOVER]",
    "    Promote current replica node to being a master.",
    "FORGET <node-id>",
    "    Remove a node from the cluster.",
    "GETKEYSINSLOT <slot> <count>",
    "    Return key names stored by current node in a slot.",
    "FLUSHSLOTS",
    "    Delete current node own slots information.",
    "INFO",
    "    Return information about the cluster.",
    "KEYSLOT <key>",
    "    Return the hash slot for <key>.",
    "MEET <ip> <port> [<bus-port>]",
    "    Connect nodes into a working cluster.",
    "MYID",
    "    Return the node id.",
    "MYSHARDID",
    "    Return the node's shard id.",
    "NODES",
    "    Return cluster configuration seen by node. Output format:",
    "    <id> <ip:port@bus-port[,hostname]> <flags> <master> <pings> <pongs> <epoch> <link> <slot> ...",
    "REPLICATE <node-id>",
    "    Configure current node as replica to <node-id>.",
    "RESET [HARD|SOFT]",
    "    Reset current node (default: soft).",
    "SET-CONFIG-EPOCH <epoch>",
    "    Set config epoch of current node.",
    "SETSLOT <slot> (IMPORTING <node-id>|MIGRATING <node-id>|STABLE|NODE <node-id>)",
    "    Set slot state.",
    "REPLICAS <node-id>",
    "    Return <node-id> replicas.",
    "SAVECONFIG",
    "    Force saving cluster configuration on disk.",
    "SLOTS",
    "    Return information about slots range mappings. Each range is made of:",
    "    start, end, master and replicas IP addresses, ports and ids",
    "SHARDS",
    "    Return information about slot range mappings and the nodes associated with them.",
    "LINKS",
    "    Return information about all network links between this node and its peers.",
    "    Output format is an array where each array element is a map containing attributes of a link",
    "HELP",
    "    Prints this help.",
)


def _cs(c: Any) -> ClusterState:
    cs = c.server.extensions.get("cluster")
    if cs is None:
        raise CommandError(b"ERR This instance has cluster support disabled")
    return cs


def _persist(cs: ClusterState) -> None:
    cs.update_state()
    save(cs, cs.server.config["cluster-config-file"])


def _subcommand_syntax(argv: list[bytes]) -> CommandError:
    return CommandError(b"ERR unknown subcommand or wrong number of arguments for '%s'. Try CLUSTER HELP."
                        % argv[1][:128])


def _slot(raw: bytes) -> int:
    try:
        slot = int(raw)
    except ValueError:
        slot = -1
    if not raw.strip() == raw or slot < 0 or slot >= CLUSTER_SLOTS:
        raise CommandError(b"ERR Invalid or out of range slot")
    return slot


def _node(cs: ClusterState, raw: bytes, unknown: bytes = b"ERR Unknown node %s") -> Any:
    node = cs.nodes.get(raw.decode("latin-1"))
    if node is None:
        raise CommandError(unknown % raw)
    return node


container("cluster", arity=-2, flags="", acl="", group="cluster", since="3.0.0",
          summary="A container for cluster commands", complexity="Depends on subcommand.")


@command("cluster|help", arity=2, flags="loading stale", acl="", group="cluster", since="5.0.0",
         summary="Show helpful text about the different subcommands", complexity="O(1)")
def cmd_cluster_help(c: Any, argv: list[bytes]) -> Any:
    _cs(c)
    return help_reply(CLUSTER_HELP)


# ---- slot assignment -----------------------------------------------------------------


def _slots_from_ranges(argv: list[bytes]) -> list[int]:
    if len(argv) % 2 == 1:
        raise CommandError(b"ERR wrong number of arguments for 'cluster|%s' command" % argv[1].lower())
    slots: list[int] = []
    for i in range(2, len(argv), 2):
        a, b = _slot(argv[i]), _slot(argv[i + 1])
        if a > b:
            raise CommandError(b"ERR start slot number %d is greater than end slot number %d" % (a, b))
        slots.extend(range(a, b + 1))
    return slots


def _assign(c: Any, slots: list[int], add: bool) -> Any:
    cs = _cs(c)
    seen = bytearray(CLUSTER_SLOTS)
    for s in slots:
        owner = cs.slots[s]
        if add and owner is not None:
            raise CommandError(b"ERR Slot %d is already busy" % s)
        if not add and owner is None:
            raise CommandError(b"ERR Slot %d is already unassigned" % s)
        if seen[s]:
            raise CommandError(b"ERR Slot %d specified multiple times" % s)
        seen[s] = 1
    me = cs.myself
    for s in slots:
        if add:
            cs.importing.pop(s, None)
            cs.add_slot(me, s)
        else:
            cs.del_slot(s)
    _persist(cs)
    return OK


@command("cluster|addslots", arity=-3, flags="admin stale no_async_loading", acl="", group="cluster",
         since="3.0.0", summary="Assign new hash slots to receiving node",
         complexity="O(N) where N is the total number of hash slot arguments",
         args=(arg("slot", "integer", flags=("multiple",)),))
def cmd_cluster_addslots(c: Any, argv: list[bytes]) -> Any:
    _cs(c)
    return _assign(c, [_slot(a) for a in argv[2:]], True)


@command("cluster|addslotsrange", arity=-4, flags="admin stale no_async_loading", acl="", group="cluster",
         since="7.0.0", summary="Assign new hash slots to receiving node",
         complexity="O(N) where N is the total number of the slots between the start slot and end slot arguments.",
         args=(arg("start-slot_end-slot", "block", flags=("multiple",), arguments=(
             arg("start-slot", "integer"), arg("end-slot", "integer"))),))
def cmd_cluster_addslotsrange(c: Any, argv: list[bytes]) -> Any:
    _cs(c)
    return _assign(c, _slots_from_ranges(argv), True)


@command("cluster|delslots", arity=-3, flags="admin stale no_async_loading", acl="", group="cluster",
         since="3.0.0", summary="Set hash slots as unbound in receiving node",
         complexity="O(N) where N is the total number of hash slot arguments",
         args=(arg("slot", "integer", flags=("multiple",)),))
def cmd_cluster_delslots(c: Any, argv: list[bytes]) -> Any:
    _cs(c)
    return _assign(c, [_slot(a) for a in argv[2:]], False)


@command("cluster|delslotsrange", arity=-4, flags="admin stale no_async_loading", acl="", group="cluster",
         since="7.0.0", summary="Set hash slots as unbound in receiving node",
         complexity="O(N) where N is the total number of the slots between the start slot and end slot arguments.",
         args=(arg("start-slot_end-slot", "block", flags=("multiple",), arguments=(
             arg("start-slot", "integer"), arg("end-slot", "integer"))),))
def cmd_cluster_delslotsrange(c: Any, argv: list[bytes]) -> Any:
    _cs(c)
    return _assign(c, _slots_from_ranges(argv), False)


@command("cluster|flushslots", arity=2, flags="admin stale no_async_loading", acl="", group="cluster",
         since="3.0.0", summary="Delete a node's own slots information", complexity="O(1)")
def cmd_cluster_flushslots(c: Any, argv: list[bytes]) -> Any:
    cs = _cs(c)
    if c.server.dbs[0].data:
        raise CommandError(b"ERR DB must be empty to perform CLUSTER FLUSHSLOTS.")
    cs.del_node_slots(cs.myself)
    _persist(cs)
    return OK


_DONT_KNOW = b"ERR I don't know about node %s"


@command("cluster|setslot", arity=-4, flags="admin stale no_async_loading", acl="", group="cluster",
         since="3.0.0", summary="Bind a hash slot to a specific node", complexity="O(1)",
         args=(arg("slot", "integer"), arg("subcommand", "oneof", arguments=(
             arg("node-id", "string", token="IMPORTING"), arg("node-id", "string", token="MIGRATING"),
             arg("node-id", "string", token="NODE"), arg("stable", "pure-token", token="STABLE")))))
def cmd_cluster_setslot(c: Any, argv: list[bytes]) -> Any:
    cs = _cs(c)
    me = cs.myself
    if me.flags & SLAVE:
        raise CommandError(b"ERR Please use SETSLOT only with masters.")
    slot = _slot(argv[2])
    action = argv[3].lower()
    if action in (b"migrating", b"importing", b"node") and len(argv) == 5:
        if action == b"migrating":
            if cs.slots[slot] is not me:
                raise CommandError(b"ERR I'm not the owner of hash slot %d" % slot)
            node = _node(cs, argv[4], _DONT_KNOW)
            if node.flags & SLAVE:
                raise CommandError(b"ERR Target node is not a master")
            cs.migrating[slot] = node
        elif action == b"importing":
            if cs.slots[slot] is me:
                raise CommandError(b"ERR I'm already the owner of hash slot %d" % slot)
            node = _node(cs, argv[4], _DONT_KNOW)
            if node.flags & SLAVE:
                raise CommandError(b"ERR Target node is not a master")
            cs.importing[slot] = node
        else:
            node = _node(cs, argv[4])
            if node.flags & SLAVE:
                raise CommandError(b"ERR Target node is not a master")
            db = c.server.dbs[0]
            if cs.slots[slot] is me and node is not me and db.count_keys_in_slot(slot):
                raise CommandError(b"ERR Can't assign hashslot %d to a different node while I still hold keys for this hash slot." % slot)
            if node is not me:
                cs.migrating.pop(slot, None)
            if node is me and slot in cs.importing:
                # The import is over: take a new config epoch so the cluster adopts us.
                del cs.importing[slot]
                if me.config_epoch == 0 or me.config_epoch != cs.max_epoch():
                    cs.current_epoch += 1
                    me.config_epoch = cs.current_epoch
            cs.add_slot(node, slot)
    elif action == b"stable" and len(argv) == 4:
        cs.migrating.pop(slot, None)
        cs.importing.pop(slot, None)
    else:
        raise CommandError(b"ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP")
    _persist(cs)
    return OK


# ---- inspection ----------------------------------------------------------------------


@command("cluster|info", arity=2, flags="stale", acl="", group="cluster", since="3.0.0",
         summary="Provides info about Redis Cluster node state", complexity="O(1)",
         tips=("nondeterministic_output",))
def cmd_cluster_info(c: Any, argv: list[bytes]) -> Any:
    cs = _cs(c)
    assigned = ok = pfail = fail = 0
    for n in cs.nodes.values():  # each slot counted once, in its owner's bitmap
        if n.numslots:
            assigned += n.numslots
            if n.flags & FAIL:
                fail += n.numslots
            elif n.flags & PFAIL:
                pfail += n.numslots
            else:
                ok += n.numslots
    me = cs.myself
    epoch = me.replicaof.config_epoch if me.flags & SLAVE and me.replicaof is not None else me.config_epoch
    lines = [
        f"cluster_state:{'ok' if cs.ok else 'fail'}", f"cluster_slots_assigned:{assigned}",
        f"cluster_slots_ok:{ok}", f"cluster_slots_pfail:{pfail}", f"cluster_slots_fail:{fail}",
        f"cluster_known_nodes:{len(cs.nodes)}", f"cluster_size:{cs.size}",
        f"cluster_current_epoch:{cs.current_epoch}", f"cluster_my_epoch:{epoch}",
    ]
    for counts, what in ((cs.stats_sent, "sent"), (cs.stats_received, "received")):
        for i, n in enumerate(counts):
            if n:
                lines.append(f"cluster_stats_messages_{TYPE_NAMES[i]}_{what}:{n}")
        lines.append(f"cluster_stats_messages_{what}:{sum(counts)}")
    lines.append("total_cluster_links_buffer_limit_exceeded:0")
    return Verbatim(("\r\n".join(lines) + "\r\n").encode())


@command("cluster|nodes", arity=2, flags="stale", acl="", group="cluster", since="3.0.0",
         summary="Get Cluster config for the node",
         complexity="O(N) where N is the total number of Cluster nodes", tips=("nondeterministic_output",))
def cmd_cluster_nodes(c: Any, argv: list[bytes]) -> Any:
    return Verbatim(nodes_text(_cs(c)).encode())


@command("cluster|myid", arity=2, flags="stale", acl="", group="cluster", since="3.0.0",
         summary="Return the node id", complexity="O(1)")
def cmd_cluster_myid(c: Any, argv: list[bytes]) -> Any:
    return _cs(c).myself.name.encode()


@command("cluster|myshardid", arity=2, flags="stale", acl="", group="cluster", since="7.2.0",
         summary="Return the node shard id", complexity="O(1)", tips=("nondeterministic_output",))
def cmd_cluster_myshardid(c: Any, argv: list[bytes]) -> Any:
    return _cs(c).myself.shard_id.encode()


@command("cluster|keyslot", arity=3, flags="stale", acl="", group="cluster", since="3.0.0",
         summary="Returns the hash slot of the specified key",
         complexity="O(N) where N is the number of bytes in the key", args=(arg("key", "string"),))
def cmd_cluster_keyslot(c: Any, argv: list[bytes]) -> Any:
    _cs(c)
    return key_hash_slot(argv[2])


@command("cluster|countkeysinslot", arity=3, flags="stale", acl="", group="cluster", since="3.0.0",
         summary="Return the number of local keys in the specified hash slot", complexity="O(1)",
         args=(arg("slot", "integer"),))
def cmd_cluster_countkeysinslot(c: Any, argv: list[bytes]) -> Any:
    _cs(c)
    slot = parse_int(argv[2])
    if slot < 0 or slot >= CLUSTER_SLOTS:
        raise CommandError(b"ERR Invalid slot")
    return c.server.dbs[0].count_keys_in_slot(slot)


@command("cluster|getkeysinslot", arity=4, flags="stale", acl="", group="cluster", since="3.0.0",
         summary="Return local key names in the specified hash slot",
         complexity="O(log(N)) where N is the number of requested keys",
         tips=("nondeterministic_output",), args=(arg("slot", "integer"), arg("count", "integer")))
def cmd_cluster_getkeysinslot(c: Any, argv: list[bytes]) -> Any:
    _cs(c)
    slot = parse_int(argv[2])
    count = parse_int(argv[3])
    if slot < 0 or slot >= CLUSTER_SLOTS or count < 0:
        raise CommandError(b"ERR Invalid slot or number of keys")
    return c.server.dbs[0].keys_in_slot(slot, count)


def _endpoint(server: Any, node: Any) -> list:
    """Redis's addNodeToNodeReply: the preferred endpoint first, the other known
    networking information (ip, hostname) in the metadata map."""
    kind = server.config["cluster-preferred-endpoint-type"]
    if kind == "ip":
        first = node.ip.encode()
    elif kind == "hostname":
        first = node.hostname.encode() if node.hostname else b"?"
    else:
        first = None
    meta: dict = {}
    if kind != "ip":
        meta[b"ip"] = node.ip.encode()
    if kind != "hostname" and node.hostname:
        meta[b"hostname"] = node.hostname.encode()
    return [first, node.port, node.name.encode(), meta]


@command("cluster|slots", arity=2, flags="stale", acl="", group="cluster", since="3.0.0",
         summary="Get array of Cluster slot to node mappings",
         complexity="O(N) where N is the total number of Cluster nodes",
         tips=("nondeterministic_output",), doc_flags=("deprecated",), deprecated_since="7.0.0",
         replaced_by="`CLUSTER SHARDS`",
         history=(("4.0.0", "Added node IDs."), ("7.0.0", "Added additional networking metadata field.")))
def cmd_cluster_slots(c: Any, argv: list[bytes]) -> Any:
    cs = _cs(c)
    ranges = []
    for node in cs.nodes.values():
        if node.numslots and not node.flags & SLAVE:
            for a, b in node.slot_ranges():
                ranges.append((a, b, node))
    ranges.sort(key=lambda r: r[0])
    out = []
    for a, b, node in ranges:
        entry = [a, b, _endpoint(c.server, node)]
        for r in cs.replicas_of(node):
            if not r.flags & (FAIL | NOADDR):
                entry.append(_endpoint(c.server, r))
        out.append(entry)
    return out


def _shard_node(cs: ClusterState, node: Any) -> dict:
    d: dict = {b"id": node.name.encode(), b"port": node.port, b"ip": node.ip.encode(),
               b"endpoint": preferred_endpoint(cs.server, node).encode()}
    if node.hostname:
        d[b"hostname"] = node.hostname.encode()
    d[b"role"] = b"replica" if node.flags & SLAVE else b"master"
    d[b"replication-offset"] = node.repl_offset
    d[b"health"] = b"failed" if node.flags & FAIL else b"online"
    return d


@command("cluster|shards", arity=2, flags="stale", acl="", group="cluster", since="7.0.0",
         summary="Get array of cluster slots to node mappings",
         complexity="O(N) where N is the total number of cluster nodes", tips=("nondeterministic_output",))
def cmd_cluster_shards(c: Any, argv: list[bytes]) -> Any:
    cs = _cs(c)
    out = []
    for node in cs.nodes.values():
        if node.flags & SLAVE and node.replicaof is not None:
            continue
        slots = []
        for a, b in node.slot_ranges():
            slots += [a, b]
        members = [_shard_node(cs, node)] + [_shard_node(cs, r) for r in cs.replicas_of(node)]
        out.append({b"slots": slots, b"nodes": members})
    return out


def _replicas(c: Any, argv: list[bytes]) -> Any:
    cs = _cs(c)
    node = _node(cs, argv[2])
    if node.flags & SLAVE:
        raise CommandError(b"ERR The specified node is not a master")
    return [node_line(cs, r).encode() for r in cs.replicas_of(node)]


@command("cluster|replicas", arity=3, flags="admin stale", acl="", group="cluster", since="5.0.0",
         summary="List replica nodes of the specified master node", complexity="O(1)",
         tips=("nondeterministic_output",), args=(arg("node-id", "string"),))
def cmd_cluster_replicas(c: Any, argv: list[bytes]) -> Any:
    return _replicas(c, argv)


@command("cluster|slaves", arity=3, flags="admin stale", acl="", group="cluster", since="3.0.0",
         summary="List replica nodes of the specified master node", complexity="O(1)",
         tips=("nondeterministic_output",), doc_flags=("deprecated",), deprecated_since="5.0.0",
         replaced_by="`CLUSTER REPLICAS`", args=(arg("node-id", "string"),))
def cmd_cluster_slaves(c: Any, argv: list[bytes]) -> Any:
    return _replicas(c, argv)


@command("cluster|count-failure-reports", arity=3, flags="admin stale", acl="", group="cluster",
         since="3.0.0", summary="Return the number of failure reports active for a given node",
         complexity="O(N) where N is the number of failure reports", tips=("nondeterministic_output",),
         args=(arg("node-id", "string"),))
def cmd_cluster_count_failure_reports(c: Any, argv: list[bytes]) -> Any:
    cs = _cs(c)
    node = _node(cs, argv[2])
    limit = c.server.config["cluster-node-timeout"] * 2
    now = c.server.now_ms()
    return sum(1 for t in node.fail_reports.values() if now - t <= limit)


@command("cluster|links", arity=2, flags="stale", acl="", group="cluster", since="7.0.0",
         summary="Returns a list of all TCP links to and from peer nodes in cluster",
         complexity="O(N) where N is the total number of Cluster nodes", tips=("nondeterministic_output",))
def cmd_cluster_links(c: Any, argv: list[bytes]) -> Any:
    cs = _cs(c)
    out = []
    for node in cs.nodes.values():
        for link, direction in ((node.link, b"to"), (node.inbound, b"from")):
            if link is None or not link.connected:
                continue
            out.append({
                b"direction": direction, b"node": node.name.encode(), b"create-time": link.ctime_ms,
                b"events": b"rw" if direction == b"to" else b"r", b"send-buffer-allocated": 0,
                b"send-buffer-used": 0,
            })
    return out


# ---- membership and epochs -----------------------------------------------------------


@command("cluster|meet", arity=-4, flags="admin stale no_async_loading", acl="", group="cluster",
         since="3.0.0", summary="Force a node cluster to handshake with another node", complexity="O(1)",
         history=(("4.0.0", "Added the optional `cluster_bus_port` argument."),),
         args=(arg("ip", "string"), arg("port", "integer"),
               arg("cluster_bus_port", "integer", since="4.0.0", flags=("optional",))))
def cmd_cluster_meet(c: Any, argv: list[bytes]) -> Any:
    cs = _cs(c)
    if len(argv) > 5:
        raise _subcommand_syntax(argv)
    try:
        port = int(argv[3])
    except ValueError:
        raise CommandError(b"ERR Invalid TCP base port specified: %s" % argv[3]) from None
    if len(argv) == 5:
        try:
            cport = int(argv[4])
        except ValueError:
            raise CommandError(b"ERR Invalid TCP bus port specified: %s" % argv[4]) from None
    else:
        cport = port + 10000
    try:
        ip = str(ipaddress.ip_address(argv[2].decode("latin-1")))
        valid = 0 < port <= 65535 and 0 < cport <= 65535
    except ValueError:
        valid = False
    if not valid:
        raise CommandError(b"ERR Invalid node address specified: %s:%s" % (argv[2], argv[3]))
    from ..cluster.bus.gossip import start_handshake  # noqa: PLC0415

    start_handshake(cs, ip, port, cport, c.server.now_ms(), meet=True)
    return OK


@command("cluster|forget", arity=3, flags="admin stale no_async_loading", acl="", group="cluster",
         since="3.0.0", summary="Remove a node from the nodes table", complexity="O(1)",
         args=(arg("node-id", "string"),))
def cmd_cluster_forget(c: Any, argv: list[bytes]) -> Any:
    cs = _cs(c)
    node = _node(cs, argv[2])
    me = cs.myself
    if node is me:
        raise CommandError(b"ERR I tried hard but I can't forget myself...")
    if me.flags & SLAVE and me.replicaof is node:
        raise CommandError(b"ERR Can't forget my master!")
    cs.blacklist[node.name] = c.server.now_ms() + 60000
    cs.del_node(node)
    _persist(cs)
    return OK


@command("cluster|replicate", arity=3, flags="admin stale no_async_loading", acl="", group="cluster",
         since="3.0.0", summary="Reconfigure a node as a replica of the specified master node",
         complexity="O(1)", args=(arg("node-id", "string"),))
def cmd_cluster_replicate(c: Any, argv: list[bytes]) -> Any:
    cs = _cs(c)
    node = _node(cs, argv[2])
    me = cs.myself
    if node is me:
        raise CommandError(b"ERR Can't replicate myself")
    if node.flags & SLAVE:
        raise CommandError(b"ERR I can only replicate a master, not a replica.")
    if not me.flags & SLAVE and (me.numslots or c.server.dbs[0].data):
        raise CommandError(b"ERR To set a master the node must be empty and without assigned slots.")
    cs.migrating.clear()
    cs.importing.clear()
    cs.set_replica_of(me, node)
    from ..replication.replica_link import start_replication  # noqa: PLC0415

    start_replication(c.server, node.ip, node.port)
    _persist(cs)
    return OK


@command("cluster|failover", arity=-2, flags="admin stale no_async_loading", acl="", group="cluster",
         since="3.0.0", summary="Forces a replica to perform a manual failover of its master.",
         complexity="O(1)",
         args=(arg("options", "oneof", flags=("optional",), arguments=(
             arg("force", "pure-token", token="FORCE"),
             arg("takeover", "pure-token", token="TAKEOVER"),
         )),))
def cmd_cluster_failover(c: Any, argv: list[bytes]) -> Any:
    """CLUSTER FAILOVER [FORCE|TAKEOVER] (cluster/bus/failover.py does the work)."""
    cs = _cs(c)
    if len(argv) > 3:
        raise _subcommand_syntax(argv)
    force = takeover = False
    if len(argv) == 3:
        opt = argv[2].lower()
        if opt == b"force":
            force = True
        elif opt == b"takeover":
            force = takeover = True
        else:
            raise SyntaxErr()
    me = cs.myself
    primary = me.replicaof
    if me.flags & MASTER:
        raise CommandError(b"ERR You should send CLUSTER FAILOVER to a replica")
    if primary is None:
        raise CommandError(b"ERR I'm a replica but my master is unknown to me")
    if not force and (primary.flags & FAIL or primary.link is None or not primary.link.connected):
        raise CommandError(b"ERR Master is down or failed, please use CLUSTER FAILOVER FORCE")
    from ..cluster.bus.failover import start_manual  # noqa: PLC0415

    start_manual(cs, cs.bus, c.server.now_ms(), force, takeover)
    return OK


@command("cluster|saveconfig", arity=2, flags="admin stale no_async_loading", acl="", group="cluster",
         since="3.0.0", summary="Forces the node to save cluster state on disk", complexity="O(1)")
def cmd_cluster_saveconfig(c: Any, argv: list[bytes]) -> Any:
    cs = _cs(c)
    if not save(cs, c.server.config["cluster-config-file"], fsync=True):
        raise CommandError(b"ERR error saving the cluster node config: Permission denied")
    return OK


@command("cluster|set-config-epoch", arity=3, flags="admin stale no_async_loading", acl="", group="cluster",
         since="3.0.0", summary="Set the configuration epoch in a new node", complexity="O(1)",
         args=(arg("config-epoch", "integer"),))
def cmd_cluster_set_config_epoch(c: Any, argv: list[bytes]) -> Any:
    cs = _cs(c)
    epoch = parse_int(argv[2])
    if epoch < 0:
        raise CommandError(b"ERR Invalid config epoch specified: %d" % epoch)
    if len(cs.nodes) > 1:
        raise CommandError(b"ERR The user can assign a config epoch only when the node does not know any other node.")
    if cs.myself.config_epoch != 0:
        raise CommandError(b"ERR Node config epoch is already non-zero")
    cs.myself.config_epoch = epoch
    if cs.current_epoch < epoch:
        cs.current_epoch = epoch
    _persist(cs)
    return OK


@command("cluster|bumpepoch", arity=2, flags="admin stale no_async_loading", acl="", group="cluster",
         since="3.0.0", summary="Advance the cluster config epoch", complexity="O(1)",
         tips=("nondeterministic_output",))
def cmd_cluster_bumpepoch(c: Any, argv: list[bytes]) -> Any:
    cs = _cs(c)
    me = cs.myself
    if me.config_epoch == 0 or me.config_epoch != cs.max_epoch():
        cs.current_epoch += 1
        me.config_epoch = cs.current_epoch
        _persist(cs)
        return Simple(b"BUMPED %d" % me.config_epoch)
    return Simple(b"STILL %d" % me.config_epoch)


@command("cluster|reset", arity=-2, flags="admin noscript stale", acl="", group="cluster", since="3.0.0",
         summary="Reset a Redis Cluster node",
         complexity="O(N) where N is the number of known nodes. The command may execute a FLUSHALL as a side effect.",
         args=(arg("hard_soft", "oneof", flags=("optional",), arguments=(
             arg("hard", "pure-token", token="HARD"), arg("soft", "pure-token", token="SOFT"))),))
def cmd_cluster_reset(c: Any, argv: list[bytes]) -> Any:
    cs = _cs(c)
    hard = False
    if len(argv) == 3:
        mode = argv[2].lower()
        if mode not in (b"hard", b"soft"):
            raise SyntaxErr()
        hard = mode == b"hard"
    elif len(argv) > 3:
        raise _subcommand_syntax(argv)
    me = cs.myself
    db = c.server.dbs[0]
    if not me.flags & SLAVE and db.data:
        raise CommandError(b"ERR CLUSTER RESET can't be called with master nodes containing keys")
    if me.flags & SLAVE:
        from ..replication.replica_link import stop_replication  # noqa: PLC0415

        stop_replication(c.server)
        db.flush()
        cs.set_replica_of(me, None)
    cs.migrating.clear()
    cs.importing.clear()
    cs.del_node_slots(me)
    for node in list(cs.nodes.values()):
        if node is not me:
            cs.del_node(node)
    if hard:
        from ..cluster.state import random_name  # noqa: PLC0415

        cs.current_epoch = cs.last_vote_epoch = 0
        me.config_epoch = 0
        cs.rename(me, random_name())
        me.shard_id = random_name()
    _persist(cs)
    return OK


# ---- per-connection flags ------------------------------------------------------------


@command("asking", arity=1, flags="fast", acl="connection", group="cluster", since="3.0.0",
         summary="Sent by cluster clients after an -ASK redirect", complexity="O(1)")
def cmd_asking(c: Any, argv: list[bytes]) -> Any:
    _cs(c)
    c.extra["asking"] = True
    return OK


@command("readonly", arity=1, flags="loading stale fast", acl="connection", group="cluster", since="3.0.0",
         summary="Enables read queries for a connection to a cluster replica node", complexity="O(1)")
def cmd_readonly(c: Any, argv: list[bytes]) -> Any:
    _cs(c)
    c.extra["readonly"] = True
    return OK


@command("readwrite", arity=1, flags="loading stale fast", acl="connection", group="cluster", since="3.0.0",
         summary="Disables read queries for a connection to a cluster replica node", complexity="O(1)")
def cmd_readwrite(c: Any, argv: list[bytes]) -> Any:
    _cs(c)
    c.extra.pop("readonly", None)
    return OK



def _mark_directives_active() -> None:
    from ..config.schema import DIRECTIVES  # noqa: PLC0415

    for name in ("cluster-config-file", "cluster-node-timeout", "cluster-port", "cluster-announce-ip",
                 "cluster-announce-port", "cluster-announce-bus-port", "cluster-require-full-coverage",
                 "cluster-allow-reads-when-down", "cluster-allow-pubsubshard-when-down", "cluster-replica-no-failover",
                 "cluster-allow-replica-migration", "cluster-migration-barrier", "cluster-replica-validity-factor",
                 "cluster-announce-hostname", "cluster-announce-human-nodename", "cluster-preferred-endpoint-type"):
        DIRECTIVES[name].active = True


_mark_directives_active()


# ---- MIGRATE and RESTORE-ASKING --------------------------------------------------------
#
# MIGRATE talks to the target synchronously with a socket timeout, as Redis does (the
# server waits; the command is documented as blocking): [AUTH], SELECT (only when the
# cached connection last selected another database), one RESTORE (or, in cluster mode,
# RESTORE-ASKING) per existing key, then the replies in order; the first error the
# target replied is reported.  Keys the target accepted are deleted here unless COPY,
# and DEL is what gets propagated.  Connections are cached per target for 10 s
# (cluster/migrate_cache.py); a socket error on a cached connection is retried once on
# a new one, as Redis does (not after a timeout).


def _read_line(sock: Any, buf: bytearray) -> bytes:
    while True:
        i = buf.find(b"\r\n")
        if i != -1:
            line = bytes(buf[:i])
            del buf[:i + 2]
            return line
        data = sock.recv(65536)
        if not data:
            raise OSError("connection closed")
        buf += data


@command("restore-asking", arity=-4, flags="write denyoom asking", acl="keyspace dangerous", group="server",
         since="3.0.0", summary="An internal command for migrating keys in a cluster",
         complexity="O(1) to create the new key and additional O(N*M) to reconstruct the serialized value, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1). However for sorted set values the complexity is O(N*M*log(N)) because inserting values into sorted sets is O(log(N)).",
         keys=[ks("OW UPDATE", 1)], doc_flags=("syscmd",),
         history=(("3.0.0", "Added the `REPLACE` modifier."), ("5.0.0", "Added the `ABSTTL` modifier."),
                  ("5.0.0", "Added the `IDLETIME` and `FREQ` options.")),
         args=(
             arg("key", "key", key_spec_index=0), arg("ttl", "integer"), arg("serialized-value", "string"),
             arg("replace", "pure-token", token="REPLACE", since="3.0.0", flags=("optional",)),
             arg("absttl", "pure-token", token="ABSTTL", since="5.0.0", flags=("optional",)),
             arg("seconds", "integer", token="IDLETIME", since="5.0.0", flags=("optional",)),
             arg("frequency", "integer", token="FREQ", since="5.0.0", flags=("optional",)),
         ))
def cmd_restore_asking(c: Any, argv: list[bytes]) -> Any:
    return restore(c, argv)


@command("migrate", arity=-6, flags="write", acl="keyspace dangerous", group="generic", since="2.6.0",
         summary="Atomically transfer a key from a Redis instance to another one.",
         complexity="This command actually executes a DUMP+DEL in the source instance, and a RESTORE in the target instance. See the pages of these commands for time complexity. Also an O(N) data transfer between the two instances is performed.",
         tips=("nondeterministic_output",),
         keys=[ks("RW ACCESS DELETE", 3), ks("RW ACCESS DELETE INCOMPLETE", keyword=b"KEYS", startfrom=-2, last=-1)],
         history=(("3.0.0", "Added the `COPY` and `REPLACE` options."), ("3.0.6", "Added the `KEYS` option."),
                  ("4.0.7", "Added the `AUTH` option."), ("6.0.0", "Added the `AUTH2` option.")),
         args=(
             arg("host", "string"), arg("port", "integer"),
             arg("key_or_empty_string", "oneof", arguments=(
                 arg("key", "key", key_spec_index=0), arg("empty_string", "pure-token", token=""))),
             arg("destination-db", "integer"), arg("timeout", "integer"),
             arg("copy", "pure-token", token="COPY", since="3.0.0", flags=("optional",)),
             arg("replace", "pure-token", token="REPLACE", since="3.0.0", flags=("optional",)),
             arg("authentication", "oneof", flags=("optional",), arguments=(
                 arg("password", "string", token="AUTH", since="4.0.7", flags=("optional",)),
                 arg("username_password", "block", token="AUTH2", since="6.0.0", flags=("optional",), arguments=(
                     arg("username", "string"), arg("password", "string"))))),
             arg("key", "key", key_spec_index=1, token="KEYS", since="3.0.6", flags=("optional", "multiple")),
         ))
def cmd_migrate(c: Any, argv: list[bytes]) -> Any:
    copy = replace = False
    auth: list[bytes] | None = None
    first, num = 3, 1
    argc = len(argv)
    j = 6
    while j < argc:
        opt = argv[j].lower()
        more = argc - j - 1
        if opt == b"copy":
            copy = True
        elif opt == b"replace":
            replace = True
        elif opt == b"auth" and more >= 1:
            auth = [b"AUTH", argv[j + 1]]
            j += 1
        elif opt == b"auth2" and more >= 2:
            auth = [b"AUTH", argv[j + 1], argv[j + 2]]
            j += 2
        elif opt == b"keys":
            if argv[3]:
                raise CommandError(b"ERR When using MIGRATE KEYS option, the key argument must be set to the empty string")
            first, num = j + 1, argc - j - 1
            break
        else:
            raise SyntaxErr()
        j += 1
    timeout_ms = parse_int(argv[5])
    dbid = parse_int(argv[4])
    if timeout_ms <= 0:
        timeout_ms = 1000
    db = c.db
    keys = [k for k in argv[first:first + num] if db.lookup(k) is not None]
    if not keys:
        return Simple(b"NOKEY")
    now = c.server.now_ms()
    restore_cmd = b"RESTORE-ASKING" if c.server.config["cluster-enabled"] else b"RESTORE"
    restores = []
    for k in keys:
        at = db.expires.get(k)
        ttl = max(at - now, 1) if at is not None else 0
        cmd = [restore_cmd, k, b"%d" % ttl, dump_value(c.server, db.lookup(k))]
        if replace:
            cmd.append(b"REPLACE")
        restores.append(_encode(cmd))
    try:
        host, port = argv[1].decode("latin-1"), int(argv[2])
    except (ValueError, UnicodeError):
        raise CommandError(b"IOERR error or timeout connecting to the client") from None
    cache = migrate_sockets(c.server)
    may_retry = True
    while True:  # Redis's try_again: once more on a fresh connection after a socket error
        try:
            cs = cache.get(host, port, timeout_ms / 1000)
        except (OSError, ValueError, OverflowError):
            raise CommandError(b"IOERR error or timeout connecting to the client") from None
        sock = cs.sock
        select = cs.last_dbid != dbid
        out = [_encode(auth)] if auth is not None else []
        if select:
            out.append(_encode([b"SELECT", b"%d" % dbid]))
        out.extend(restores)
        buf = bytearray()
        stage = b"writing"
        try:
            sock.sendall(b"".join(out))
            stage = b"reading"
            auth_reply = _read_line(sock, buf) if auth is not None else b""
            select_reply = _read_line(sock, buf) if select else b""
        except OSError as e:
            cache.close(host, port)
            if may_retry and not isinstance(e, TimeoutError):
                may_retry = False
                continue
            raise CommandError(b"IOERR error or timeout %s to target instance" % stage) from None
        break
    target_error = None
    socket_error = False
    done: list[bytes] = []
    for k in keys:
        try:
            line = _read_line(sock, buf)
        except OSError:
            socket_error = True
            break
        if auth_reply.startswith(b"-") or select_reply.startswith(b"-") or line.startswith(b"-"):
            if target_error is None:
                cs.last_dbid = -1
                target_error = next(r for r in (auth_reply, select_reply, line) if r.startswith(b"-"))[1:]
        else:
            done.append(k)
    if socket_error:
        cache.close(host, port)
    if not copy and done:
        for k in done:
            db.delete(k)
        c.propagate_as = [[b"DEL", *done]]
    else:
        c.propagate_as = []
    if target_error is not None:
        raise CommandError(b"ERR Target instance replied with error: " + target_error)
    if socket_error:
        raise CommandError(b"IOERR error or timeout reading to target instance")
    cs.last_dbid = dbid
    return OK


def _encode(args: list[bytes]) -> bytes:
    return b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args)
