"""The cluster bus over asyncio: a listener on the bus port (``cluster-port``, or the
client port + 10000) and one outbound link per known node.

Every link reads length-prefixed clusterMsgs (``messages.message_length``) and hands
each to ``gossip.process``; a reply (PONG) goes back on the same link.  A malformed
message is logged and the link closed -- never an exception out of the loop.

``Bus.tick`` runs every 100 ms: it connects to nodes that have no link (sending MEET
first to nodes met through CLUSTER MEET), drops handshakes that did not complete within
the node timeout, pings each node whose last PONG is older than a second (or half the
node timeout), flags PFAIL a node that has not answered a ping within the node timeout,
promotes PFAIL to FAIL when a majority of primaries reports it (broadcasting FAIL),
recomputes the cluster state and saves nodes.conf when dirty.  It also drives manual
failovers (a primary paused for a replica pings it every tick; timeouts), elections
and replica migration (bus/failover.py).

``publish`` sends PUBLISH to every connected node, or PUBLISHSHARD to the other nodes
of our shard (commands/pubsub.py calls it through ``server.extensions
["cluster_publish"]``); the message is encoded once for all links.
"""

from __future__ import annotations

import asyncio
from typing import Any

from ..nodes_conf import save
from ..state import FAIL, HANDSHAKE, MASTER, MEET as MEET_FLAG, MYSELF, NOADDR, PFAIL, ClusterState, Node
from . import failover, gossip
from .messages import (
    FAIL as FAIL_MSG, MEET, MIN_LEN, PING, PUBLISH, PUBLISHSHARD, BadMessage, decode, encode, message_length,
)

TICK_S = 0.1


class Link:
    __slots__ = ("bus", "node", "outbound", "reader", "writer", "connected", "task", "peer_ip",
                 "local_ip", "ctime_ms", "sent", "received")

    def __init__(self, bus: "Bus", node: Node | None, outbound: bool) -> None:
        self.bus = bus
        self.node = node
        self.outbound = outbound
        self.reader: Any = None
        self.writer: Any = None
        self.connected = False
        self.task: Any = None
        self.peer_ip = ""
        self.local_ip = ""
        self.ctime_ms = bus.cs.server.now_ms()
        self.sent = 0
        self.received = 0

    def attach(self, reader: Any, writer: Any) -> None:
        self.reader, self.writer = reader, writer
        self.connected = True
        peer = writer.get_extra_info("peername") or ("",)
        local = writer.get_extra_info("sockname") or ("",)
        self.peer_ip, self.local_ip = str(peer[0]), str(local[0])

    def send(self, m: Any) -> None:
        if self.connected:
            self.send_encoded(m.type, encode(m))

    def send_encoded(self, mtype: int, data: bytes) -> None:
        if not self.connected:
            return
        cs = self.bus.cs
        if mtype < len(cs.stats_sent):
            cs.stats_sent[mtype] += 1
        self.sent += len(data)
        self.writer.write(data)

    async def read_loop(self) -> None:
        reader = self.reader
        cs = self.bus.cs
        try:
            while True:
                head = await reader.readexactly(MIN_LEN)
                total = message_length(head)
                body = await reader.readexactly(total - MIN_LEN)
                self.received += total
                msg = decode(head + body)
                now = cs.server.now_ms()
                reply = gossip.process(cs, msg, self, now)
                if reply is not None:
                    self.send(reply)
                if cs.outbox:
                    self.bus.flush_outbox()
                if cs.mf_end_ms:  # a manual failover moves on as soon as it can
                    failover.handle_manual(cs, now)
                    failover.handle_replica(cs, self.bus, now)
        except (asyncio.IncompleteReadError, ConnectionError, OSError):
            pass
        except BadMessage as e:
            cs.server.log("warning", f"Dropping malformed cluster bus message ({e}); closing the link")
        except asyncio.CancelledError:
            raise
        except Exception as e:  # noqa: BLE001  (never take the server down)
            cs.server.log_exception(e)
        finally:
            self.close()

    def close(self) -> None:
        self.connected = False
        if self.writer is not None:
            self.writer.close()
            self.writer = None
        node = self.node
        if node is not None:
            if node.link is self:
                node.link = None
            if node.inbound is self:
                node.inbound = None
        self.bus.inbound.discard(self)


class Bus:
    def __init__(self, cs: ClusterState) -> None:
        self.cs = cs
        self.server_handle: Any = None
        self.inbound: set[Link] = set()
        self.timer: Any = None
        self.tasks: set[Any] = set()

    async def start(self, host_list: list[str], port: int) -> bool:
        try:
            self.server_handle = await asyncio.start_server(self._accept, host_list, port)
        except OSError as e:
            self.cs.server.log("warning", f"Could not bind the cluster bus port {port}: {e.strerror}")
            return False
        self._schedule()
        return True

    def _schedule(self) -> None:
        self.timer = asyncio.get_running_loop().call_later(TICK_S, self._tick_safe)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _accept(self, reader: Any, writer: Any) -> None:
        link = Link(self, None, outbound=False)
        link.attach(reader, writer)
        self.inbound.add(link)
        await link.read_loop()

    async def _connect(self, node: Node, link: Link) -> None:
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(node.ip, node.cport), 2)
        except (OSError, asyncio.TimeoutError):
            if node.link is link:
                node.link = None
            return
        if node.link is not link:
            writer.close()
            return
        link.attach(reader, writer)
        now = self.cs.server.now_ms()
        mtype = MEET if node.flags & MEET_FLAG else PING
        node.flags &= ~MEET_FLAG
        if not node.ping_sent_ms:
            node.ping_sent_ms = now
        link.send(gossip.build(self.cs, mtype, node, now))
        await link.read_loop()

    def drop_links(self, node: Node) -> None:
        for link in (node.link, node.inbound):
            if link is not None:
                link.node = None
                link.close()
        node.link = node.inbound = None

    def broadcast(self, mtype: int, about: Node | None = None, mflags: bytes | None = None,
                  nodes: Any = None) -> None:
        """Send ``mtype`` to every node we have a link to (or to ``nodes`` only)."""
        now = self.cs.server.now_ms()
        for n in list(self.cs.nodes.values() if nodes is None else nodes):
            if n.link is not None and n.link.connected and not n.flags & (MYSELF | HANDSHAKE):
                m = gossip.build(self.cs, mtype, about or n, now)
                if mflags is not None:
                    m.mflags = mflags
                n.link.send(m)

    def flush_outbox(self) -> None:
        out, self.cs.outbox = self.cs.outbox, []
        for node, m in out:
            if node.link is not None:
                node.link.send(m)

    def publish(self, channel: bytes, message: bytes, shard: bool) -> None:
        """Redis's clusterPropagatePublish: PUBLISH to every node we have a link to, or
        PUBLISHSHARD to the other nodes of our shard."""
        cs = self.cs
        if shard:
            targets = cs.shard_of(cs.myself)
            mtype = PUBLISHSHARD
        else:
            targets = cs.nodes.values()
            mtype = PUBLISH
        data = None
        for n in targets:
            link = n.link
            if link is None or not link.connected or n.flags & (MYSELF | HANDSHAKE):
                continue
            if data is None:
                m = gossip.build(cs, mtype, None, cs.server.now_ms())
                m.channel, m.message = channel, message
                data = encode(m)
            link.send_encoded(mtype, data)

    def _tick_safe(self) -> None:
        try:
            self.tick()
        except Exception as e:  # noqa: BLE001
            self.cs.server.log_exception(e)
        self._schedule()

    def tick(self) -> None:
        cs = self.cs
        now = cs.server.now_ms()
        timeout = cs.server.config["cluster-node-timeout"]
        handshake_timeout = max(timeout, 1000)
        ping_every = min(1000, max(timeout // 2, 100))
        for node in list(cs.nodes.values()):
            if node.flags & (MYSELF | NOADDR):
                continue
            if node.flags & HANDSHAKE and now - node.ctime_ms > handshake_timeout:
                cs.del_node(node)
                continue
            if (node.ping_sent_ms and now - node.ping_sent_ms > timeout and not node.flags & (PFAIL | FAIL)
                    and not node.flags & HANDSHAKE):
                node.flags |= PFAIL
                cs.server.log("notice", f"*** NODE {node.name} possibly failing")
            link = node.link
            if link is None:
                if not node.ping_sent_ms:
                    node.ping_sent_ms = now  # unreachable counts as an unanswered ping
                link = node.link = Link(self, node, outbound=True)
                self._spawn(self._connect(node, link))
                continue
            if not link.connected:
                continue
            if node.ping_sent_ms and now - node.ping_sent_ms > timeout // 2 and now - link.ctime_ms > timeout // 2:
                link.close()  # reconnect: the link may be stuck
            elif not node.ping_sent_ms and now - node.pong_received_ms > ping_every:
                node.ping_sent_ms = now
                link.send(gossip.build(cs, PING, node, now))
        if cs.blacklist:
            for name in [n for n, until in cs.blacklist.items() if until <= now]:
                del cs.blacklist[name]
        self._mark_failing(now, timeout)
        if cs.mf_end_ms:
            failover.handle_manual(cs, now)
            mf = cs.mf_replica
            if mf is not None and mf.link is not None and mf.link.connected:
                mf.ping_sent_ms = mf.ping_sent_ms or now
                mf.link.send(gossip.build(cs, PING, mf, now))
        failover.handle_replica(cs, self, now)
        failover.handle_migration(cs, now)
        cs.update_state()
        if cs.dirty:
            save(cs, cs.server.config["cluster-config-file"])

    def _mark_failing(self, now: int, timeout: int) -> None:
        cs = self.cs
        needed = cs.size // 2 + 1
        validity = timeout * 2
        for node in list(cs.nodes.values()):
            if not node.flags & PFAIL or node.flags & FAIL:
                continue
            reports = sum(1 for t in node.fail_reports.values() if now - t <= validity)
            if cs.myself.flags & MASTER:
                reports += 1
            if reports >= needed:
                node.flags = (node.flags & ~PFAIL) | FAIL
                node.fail_time_ms = now
                cs.server.log("notice", f"Marking node {node.name} as failing (quorum reached).")
                self.broadcast(FAIL_MSG, node)
                cs.mark_dirty()

    def close(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
        if self.server_handle is not None:
            self.server_handle.close()
        for n in self.cs.nodes.values():
            for link in (n.link, n.inbound):
                if link is not None:
                    link.close()
        for link in list(self.inbound):
            link.close()
        for t in list(self.tasks):
            t.cancel()

