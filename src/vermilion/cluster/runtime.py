"""Cluster mode at startup: load nodes.conf (or create ourselves with a new name and
save it), register the routing gate, set ``ServerGate.CLUSTER`` and start the bus once
the event loop runs (from the first cron call)."""

from __future__ import annotations

import asyncio
from typing import Any

from ..engine.dispatch import GATE_ORDER, register_gate
from ..engine.gates import ServerGate
from .bus.gossip import my_ports
from .bus.link import Bus
from .nodes_conf import NodesConfError, load, save
from .routing import cluster_gate
from .state import MASTER, MYSELF, ClusterState, Node, random_name

_gate_registered = False


def state_of(server: Any) -> ClusterState | None:
    return server.extensions.get("cluster")


def install(server: Any) -> str | None:
    """Attach cluster mode; an error message when nodes.conf cannot be used."""
    global _gate_registered
    cfg = server.config
    if not cfg["cluster-enabled"]:
        return None
    path = cfg["cluster-config-file"]
    try:
        cs = load(server, path)
    except (NodesConfError, ValueError) as e:
        return str(e) or f"Unrecoverable error: corrupted cluster config file \"{path}\"."
    if cs is None:
        port, cport = my_ports_from_config(cfg)
        me = Node(random_name(), MYSELF | MASTER, "", port, cport)
        cs = ClusterState(server, me)
        server.log("notice", f"No cluster configuration found, I'm {me.name}")
        if not save(cs, path):
            return "Fatal: can't update cluster config file."
    else:
        server.log("notice", f"Node configuration loaded, I'm {cs.myself.name[:8]}")
    port, cport = my_ports(cs)
    cs.myself.port, cs.myself.cport = port, cport
    cs.myself.hostname = cfg["cluster-announce-hostname"] or ""  # kept current by bus/gossip.build
    cs.update_state()
    server.extensions["cluster"] = cs
    server.extensions["cluster_connections"] = lambda _srv: _connections(cs)

    def publish(channel: bytes, message: bytes, shard: bool) -> None:
        if cs.bus is not None:
            cs.bus.publish(channel, message, shard)

    server.extensions["cluster_publish"] = publish
    if not _gate_registered:
        register_gate(GATE_ORDER["cluster"], "cluster", cluster_gate, server_bits=ServerGate.CLUSTER)
        _gate_registered = True
    server.gate |= ServerGate.CLUSTER
    started: list[bool] = []

    def start_bus(srv: Any) -> None:
        if started:
            return
        started.append(True)
        bus = Bus(cs)
        cs.bus = bus
        from ..net.listener import bind_addresses  # noqa: PLC0415

        hosts = [h for h, optional in bind_addresses(cfg["bind"]) if not optional] or None
        task = asyncio.ensure_future(bus.start(hosts, cs.myself.cport))
        task.add_done_callback(lambda t: None if t.result() else srv.request_shutdown(1))

    server.cron_jobs.append(start_bus)

    def stop(srv: Any) -> None:
        if cs.bus is not None:
            cs.bus.close()
        if cs.dirty:
            save(cs, path)

    server.shutdown_hooks.append(stop)
    return None


def _apply_announced_names(server: Any, config: Any) -> None:
    """CONFIG SET cluster-announce-hostname / -human-nodename: ours at once (nodes.conf,
    CLUSTER NODES/SLOTS/SHARDS); other nodes learn it from our next PING."""
    cs = state_of(server)
    if cs is not None:
        cs.myself.hostname = config["cluster-announce-hostname"] or ""
        cs.myself.human_nodename = config["cluster-announce-human-nodename"] or ""
        cs.mark_dirty()


def _install_apply_hooks() -> None:
    from ..config.schema import DIRECTIVES  # noqa: PLC0415

    for name in ("cluster-announce-hostname", "cluster-announce-human-nodename"):
        DIRECTIVES[name].apply = _apply_announced_names


_install_apply_hooks()


def my_ports_from_config(cfg: Any) -> tuple[int, int]:
    port = cfg["cluster-announce-port"] or cfg["port"]
    cport = cfg["cluster-announce-bus-port"] or cfg["cluster-port"] or (cfg["port"] + 10000)
    return port, cport


def _connections(cs: ClusterState) -> int:
    n = 0
    for node in cs.nodes.values():
        n += (node.link is not None and node.link.connected) + (node.inbound is not None)
    return n
