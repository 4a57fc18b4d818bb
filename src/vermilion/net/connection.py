"""One client connection: an ``asyncio.Protocol`` that feeds the parser, runs the batch
and writes all of its replies with one ``transport.write``.

Back-pressure: when the transport's write buffer passes its high-water mark (a client
that pipelines without reading), reading from that client pauses until the buffer
drains, so one slow reader cannot grow the server's memory without bound.

Output made for a client outside its own batch (pub/sub messages, the replication
stream, MONITOR lines, replies of unblocked clients: ``client.write``) is queued on the
connection and written with one ``transport.write`` per connection when the current
batch ends (``flush_pending``, also scheduled with ``call_soon`` for writes made from
timers), as Redis's ``beforeSleep`` writes each client's buffer once per event-loop
pass.  A batch of 100 PUBLISHes thus costs each subscriber one send, not 100.  A
connection's own queued bytes always go out before the replies of its next batch.
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any

from ..engine.client import Client
from ..engine.dispatch import run_batch
from ..protocol.errors import QueryBufferOverflow
from ..protocol.fast_parser import FastRequestParser


def format_addr(addr: Any) -> str:
    if isinstance(addr, tuple):
        host, port = addr[0], addr[1]
        return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return f"{addr or ''}:0"


_pending: list[RespConnection] = []  # connections with queued output (queue_write)
_flush_scheduled = [False]


def flush_pending() -> None:
    """Write every connection's queued output, one ``transport.write`` each."""
    _flush_scheduled[0] = False
    while _pending:
        conns = _pending[:]
        _pending.clear()
        for conn in conns:
            conn.flush()


class RespConnection(asyncio.Protocol):
    __slots__ = ("server", "stats", "transport", "client", "parser", "feed", "reading_paused", "unix_path",
                 "queued")

    def __init__(self, server: Any, unix_path: str | None = None) -> None:
        self.server = server
        self.stats = server.stats  # reset in place by CONFIG RESETSTAT, never replaced
        self.transport: Any = None
        self.client: Client | None = None
        self.parser: Any = None
        self.reading_paused = False
        self.unix_path = unix_path
        self.queued: list[bytes] | None = None

    def connection_made(self, transport: Any) -> None:  # type: ignore[override]
        self.transport = transport
        server = self.server
        sock = transport.get_extra_info("socket")
        fd = -1
        if sock is not None:
            fd = sock.fileno()
            if sock.family in (socket.AF_INET, socket.AF_INET6):
                try:
                    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    keepalive = server.config["tcp-keepalive"]
                    if keepalive:
                        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
                except OSError:
                    pass
        if self.unix_path is not None:
            addr, laddr = f"{self.unix_path}:0", f"{self.unix_path}:0"
        else:
            addr = format_addr(transport.get_extra_info("peername"))
            laddr = format_addr(transport.get_extra_info("sockname"))
        server.stats.total_connections_received += 1
        if len(server.clients) >= server.config["maxclients"]:
            server.stats.rejected_connections += 1
            transport.write(b"-ERR max number of clients reached\r\n")
            transport.close()
            return
        if server.config["protected-mode"]:
            from ..security.protected import DENIED, should_deny  # noqa: PLC0415

            peer = transport.get_extra_info("peername")
            host = peer[0] if isinstance(peer, tuple) else None
            if should_deny(server, host, self.unix_path is not None):
                server.stats.rejected_connections += 1
                transport.write(DENIED)
                transport.close()
                return
        c = Client(server, server.new_client_id(), addr, laddr, fd, self.queue_write, self.close)
        c.transport = transport
        c.unixsocket = self.unix_path is not None
        c.resume = self.process
        self.client = c
        server.clients[c.id] = c
        cfg = server.config
        self.parser = FastRequestParser(
            cfg["proto-max-bulk-len"], cfg["client-query-buffer-limit"], self._auth_pending
        )
        self.feed = self.parser.feed  # bound once, not per read
        transport.set_write_buffer_limits(high=4 * 1024 * 1024)
        for hook in server.extensions.get("client_created", ()):
            hook(c)  # e.g. the ACL gate bit when the default user is restricted

    def _auth_pending(self) -> bool:
        c = self.client
        return c is not None and not c.authenticated

    def close(self) -> None:
        if self.transport is not None:
            self.flush()
            self.transport.close()

    def queue_write(self, data: bytes) -> None:
        """``client.write``: queue output until the current batch ends (module docstring)."""
        queued = self.queued
        if queued is None:
            self.queued = [data]
            _pending.append(self)
            if not _flush_scheduled[0]:
                _flush_scheduled[0] = True
                asyncio.get_running_loop().call_soon(flush_pending)
        else:
            queued.append(data)

    def flush(self) -> None:
        queued = self.queued
        if queued is None:
            return
        self.queued = None
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        data = queued[0] if len(queued) == 1 else b"".join(queued)
        transport.write(data)
        self.server.stats.net_output_bytes += len(data)
        c = self.client
        if c is not None and transport.get_write_buffer_size():
            self._check_output_limit(c)

    def data_received(self, data: bytes) -> None:
        c = self.client
        if c is None:
            return
        stats = self.stats
        stats.net_input_bytes += len(data)
        stats.total_reads_processed += 1
        try:
            self.feed(data)
        except QueryBufferOverflow:
            stats.client_qbuf_limit_disconnections += 1
            self.server.log("warning", f"Closing client that reached max query buffer length: id={c.id} addr={c.addr}")
            self.transport.close()
            return
        if c.blocked is None:
            # process(), inlined: this is the per-request path.
            out = run_batch(c, self.parser)
            server = self.server
            if server.before_reply is not None:
                if server.defer_reply is not None and out and server.defer_reply(self, out):
                    out = b""  # sent after the pass's one fsync (appendfsync always)
                else:
                    server.before_reply()  # the AOF reaches the file before the replies leave
            if self.queued is not None:  # queued before these replies: they go first
                out = b"".join(self.queued) + out
                self.queued = None
            if out:
                transport = self.transport
                transport.write(out)
                stats.net_output_bytes += len(out)
                if transport.get_write_buffer_size():  # the client is not keeping up
                    self._check_output_limit(c)
            if _pending:
                flush_pending()
            if c.close_after_reply:
                self.transport.close()

    def _check_output_limit(self, c: Client) -> None:
        """client-output-buffer-limit for what the socket did not take (pubsub/limits.py)."""
        from ..pubsub.limits import check_output_limit  # noqa: PLC0415

        check_output_limit(c, self.transport.get_write_buffer_size())

    def process(self) -> None:
        """Run what is buffered; also called to resume a client after it was unblocked."""
        c = self.client
        if c is None or self.transport.is_closing():
            return
        out = run_batch(c, self.parser)
        if self.server.before_reply is not None:
            if self.server.defer_reply is not None and out and self.server.defer_reply(self, out):
                out = b""
            else:
                self.server.before_reply()
        if self.queued is not None:
            out = b"".join(self.queued) + out
            self.queued = None
        if out:
            self.transport.write(out)
            self.server.stats.net_output_bytes += len(out)
            if self.transport.get_write_buffer_size():
                self._check_output_limit(c)
        if _pending:
            flush_pending()
        if c.close_after_reply:
            self.transport.close()

    def pause_writing(self) -> None:
        if not self.reading_paused:
            self.reading_paused = True
            self.transport.pause_reading()

    def resume_writing(self) -> None:
        if self.reading_paused:
            self.reading_paused = False
            self.transport.resume_reading()

    def connection_lost(self, exc: Exception | None) -> None:
        c = self.client
        self.queued = None
        if c is not None:
            self.client = None
            server = self.server
            server.clients.pop(c.id, None)
            for hook in server.extensions.get("client_closed", ()):
                hook(c)


def apply_parser_limits(server: Any, config: Any) -> None:
    """CONFIG SET proto-max-bulk-len / client-query-buffer-limit: connected clients'
    parsers take the new limits at once, as Redis checks the live values."""
    bulk, qbuf = config["proto-max-bulk-len"], config["client-query-buffer-limit"]
    for c in list(server.clients.values()):
        transport = c.transport
        proto = transport.get_protocol() if transport is not None else None
        parser = getattr(proto, "parser", None)
        for p in (parser, getattr(parser, "py", None)):
            if p is not None:
                p.max_bulk_len = bulk
                p.max_query_buf = qbuf


def _register_config_hooks() -> None:
    from ..config.schema import DIRECTIVES  # noqa: PLC0415

    for name in ("proto-max-bulk-len", "client-query-buffer-limit"):
        if DIRECTIVES[name].apply is None:
            DIRECTIVES[name].apply = apply_parser_limits


_register_config_hooks()
