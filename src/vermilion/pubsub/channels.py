"""The server's subscriptions and message delivery (Redis's pubsub.c).

State (one ``PubSub`` per server, ``server.extensions["pubsub"]``, created on first use):

* ``channels`` / ``shard``: channel -> ordered set (a dict) of subscribed clients;
* ``patterns``: pattern -> [matcher, ordered set of clients];
* each client keeps its own ``subscriptions`` / ``psubscriptions`` / ``ssubscriptions``
  sets, so unsubscribe-all and disconnect cost O(own subscriptions).

Delivery: PUBLISH encodes the message at most twice (once per protocol version, lazily)
and writes the same bytes to every receiver: O(receivers) with one ``write`` each.
Channel subscribers come first, then pattern subscribers, as in Redis; a client
subscribed to both a channel and a matching pattern gets ``message`` and ``pmessage``.

A push to the client whose own command caused it (a subscriber publishing to itself,
or a keyspace event from its own write) comes out right after that command's reply,
as Redis 7.2 defers it (inside MULTI: after the whole EXEC reply): while such a client
runs a command, ``c.push_capture`` collects its pushes and the pub/sub gate
(commands/pubsub.py) or EXEC emits them after the reply.

After each write to a subscriber, the pub/sub output-buffer limit is checked
(``limits.py``): a subscriber that does not read is disconnected at its hard limit.
"""

from __future__ import annotations

from typing import Any

from ..engine.client import Gate
from ..util.glob import compile_glob
from .limits import check_output_limit

_PUBSUB = Gate.PUBSUB


def _bulk(b: bytes) -> bytes:
    return b"$%d\r\n%b\r\n" % (len(b), b)


# Pre-encoded headers: RESP2 arrays, RESP3 pushes.
_HDR = {
    (b"message", 2): b"*3\r\n$7\r\nmessage\r\n",
    (b"message", 3): b">3\r\n$7\r\nmessage\r\n",
    (b"smessage", 2): b"*3\r\n$8\r\nsmessage\r\n",
    (b"smessage", 3): b">3\r\n$8\r\nsmessage\r\n",
    (b"pmessage", 2): b"*4\r\n$8\r\npmessage\r\n",
    (b"pmessage", 3): b">4\r\n$8\r\npmessage\r\n",
}


def confirmation(resp: int, kind: bytes, name: bytes | None, count: int) -> bytes:
    """A (un)subscribe confirmation: ``[kind, name or null, count]``."""
    head = b"*3\r\n" if resp == 2 else b">3\r\n"
    if name is None:
        nb = b"$-1\r\n" if resp == 2 else b"_\r\n"
    else:
        nb = _bulk(name)
    return b"%s%s%s:%d\r\n" % (head, _bulk(kind), nb, count)


def deliver(sub: Any, data: bytes) -> None:
    """Send one message to one subscriber, then enforce its output-buffer limit."""
    cap = sub.push_capture
    if cap is not None:
        cap.append(data)
        return
    sub.write(data)
    transport = sub.transport
    if transport is not None:
        used = transport.get_write_buffer_size()
        if used:  # usually 0: the socket took it all
            check_output_limit(sub, used)


class PubSub:
    __slots__ = ("server", "channels", "patterns", "shard", "subscribers")

    def __init__(self, server: Any) -> None:
        self.server = server
        self.channels: dict[bytes, dict[Any, None]] = {}
        self.patterns: dict[bytes, list] = {}
        self.shard: dict[bytes, dict[Any, None]] = {}
        self.subscribers: dict[Any, None] = {}  # clients with any subscription

    # ---- subscribe / unsubscribe --------------------------------------------------------

    def subscribe(self, c: Any, channel: bytes, shard: bool = False) -> None:
        mine = c.ssubscriptions if shard else c.subscriptions
        if channel in mine:
            return
        mine.add(channel)
        table = self.shard if shard else self.channels
        subs = table.get(channel)
        if subs is None:
            subs = table[channel] = {}
        subs[c] = None
        c.gate |= _PUBSUB
        self.subscribers[c] = None

    def unsubscribe(self, c: Any, channel: bytes, shard: bool = False) -> bool:
        mine = c.ssubscriptions if shard else c.subscriptions
        if channel not in mine:
            return False
        mine.discard(channel)
        table = self.shard if shard else self.channels
        subs = table.get(channel)
        if subs is not None:
            subs.pop(c, None)
            if not subs:
                del table[channel]
        self._update_gate(c)
        return True

    def psubscribe(self, c: Any, pattern: bytes) -> None:
        if pattern in c.psubscriptions:
            return
        c.psubscriptions.add(pattern)
        entry = self.patterns.get(pattern)
        if entry is None:
            entry = self.patterns[pattern] = [compile_glob(pattern), {}]
        entry[1][c] = None
        c.gate |= _PUBSUB
        self.subscribers[c] = None

    def punsubscribe(self, c: Any, pattern: bytes) -> bool:
        if pattern not in c.psubscriptions:
            return False
        c.psubscriptions.discard(pattern)
        entry = self.patterns.get(pattern)
        if entry is not None:
            entry[1].pop(c, None)
            if not entry[1]:
                del self.patterns[pattern]
        self._update_gate(c)
        return True

    def _update_gate(self, c: Any) -> None:
        if not (c.subscriptions or c.psubscriptions or c.ssubscriptions):
            c.gate &= ~_PUBSUB
            self.subscribers.pop(c, None)

    def drop_client(self, c: Any) -> None:
        """Forget every subscription of ``c`` (disconnect, RESET)."""
        for ch in list(c.subscriptions):
            self.unsubscribe(c, ch)
        for ch in list(c.ssubscriptions):
            self.unsubscribe(c, ch, True)
        for p in list(c.psubscriptions):
            self.punsubscribe(c, p)
        c.gate &= ~_PUBSUB
        self.subscribers.pop(c, None)

    # ---- publish ---------------------------------------------------------------------

    def publish(self, channel: bytes, message: bytes) -> int:
        """Deliver to channel then pattern subscribers; return the receiver count."""
        n = 0
        subs = self.channels.get(channel)
        tail = None
        if subs:
            tail = _bulk(channel) + _bulk(message)
            m2 = m3 = None
            for sub in list(subs):
                if sub.resp == 2:
                    if m2 is None:
                        m2 = _HDR[b"message", 2] + tail
                    deliver(sub, m2)
                else:
                    if m3 is None:
                        m3 = _HDR[b"message", 3] + tail
                    deliver(sub, m3)
                n += 1
        if self.patterns:
            for pattern, (match, psubs) in list(self.patterns.items()):
                if not match(channel):
                    continue
                if tail is None:
                    tail = _bulk(channel) + _bulk(message)
                body = _bulk(pattern) + tail
                m2 = m3 = None
                for sub in list(psubs):
                    if sub.resp == 2:
                        if m2 is None:
                            m2 = _HDR[b"pmessage", 2] + body
                        deliver(sub, m2)
                    else:
                        if m3 is None:
                            m3 = _HDR[b"pmessage", 3] + body
                        deliver(sub, m3)
                    n += 1
        return n

    def spublish(self, channel: bytes, message: bytes) -> int:
        subs = self.shard.get(channel)
        if not subs:
            return 0
        tail = _bulk(channel) + _bulk(message)
        m2 = m3 = None
        n = 0
        for sub in list(subs):
            if sub.resp == 2:
                if m2 is None:
                    m2 = _HDR[b"smessage", 2] + tail
                deliver(sub, m2)
            else:
                if m3 is None:
                    m3 = _HDR[b"smessage", 3] + tail
                deliver(sub, m3)
            n += 1
        return n


def get_pubsub(server: Any) -> PubSub:
    """The server's ``PubSub``, created (and its hooks registered) on first use."""
    ps = server.extensions.get("pubsub")
    if ps is None:
        ps = server.extensions["pubsub"] = PubSub(server)
        ext = server.extensions
        ext.setdefault("client_closed", []).append(ps.drop_client)
        ext.setdefault("client_reset", []).append(ps.drop_client)
        ext["pubsub_channels"] = lambda s: len(ps.channels)
        ext["pubsub_patterns"] = lambda s: len(ps.patterns)
        ext["pubsubshard_channels"] = lambda s: len(ps.shard)
        from .limits import install  # noqa: PLC0415

        install(server)
    return ps


def publish(server: Any, channel: bytes, message: bytes) -> int:
    """PUBLISH from anywhere (keyspace notifications): free when nobody subscribes."""
    ps = server.extensions.get("pubsub")
    if ps is None:
        return 0
    return ps.publish(channel, message)
