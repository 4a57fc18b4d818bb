"""The replica side's asyncio driver: connect, handshake, load the snapshot, apply the
stream (Redis's connectWithMaster/syncWithMaster/readSyncBulkPayload and the master
client).

``ReplicaLink.run`` is one task looping until the link is stopped (REPLICAOF NO ONE or
another REPLICAOF): connect, drive ``machine.Handshake`` with the reply lines, then

* after +FULLRESYNC, read ``$<len>`` (or diskless ``$EOF:<40-byte mark>``) into a temp
  file, empty the databases, load it (persistence/saver.load_file), take the primary's
  replication id and offset, and drop our own sub-replicas (their stream changed);
* after +CONTINUE, keep our data and offset (taking the primary's new id, remembering
  the old one as replid2 when it changed).

The stream is then parsed command by command (hiredis) and each command is run
through the master client (``kind == "master"``: no gates, replies dropped).  A
command's size is that of its canonical multibulk encoding, which is what Redis
primaries send; it moves the offset and the same bytes go to our backlog and
sub-replicas, so the whole chain shares offsets.  MULTI ... EXEC is applied as one
unit.  REPLCONF GETACK answers with the offset before it, and the cron sends REPLCONF
ACK every second.  When the link drops, the replication id and offset are kept so the
next connection asks PSYNC <replid> <offset+1>.
"""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any

import hiredis

from ..engine.client import Client
from .machine import Handshake
from .machine import ReplState as S
from .failover import IN_PROGRESS, psync_outcome
from .primary import encode_command, state

READ_CHUNK = 1 << 16


class LinkDown(Exception):
    pass


class ReplicaLink:
    def __init__(self, server: Any, host: str, port: int) -> None:
        self.server = server
        self.host = host
        self.port = port
        self.state = S.CONNECT
        self.task: asyncio.Task | None = None
        self.writer: Any = None
        self.master: Client | None = None
        self.stopped = False
        self.down_since_s = 0
        self.last_io_s = 0.0
        self.sync_total = -1
        self.sync_read = 0
        self.read_offset = 0
        self.multi: list[list[bytes]] | None = None  # commands of a MULTI waiting for EXEC
        self.multi_raw: list[bytes] = []

    # ---- lifecycle ---------------------------------------------------------------------

    def start(self) -> None:
        loop = self.server.loop
        if loop is None:
            return  # started by the cron once the loop runs
        if self.task is None or self.task.done():
            self.task = loop.create_task(self.run())

    def stop(self) -> None:
        self.stopped = True
        if self.writer is not None:
            self.writer.close()
        if self.task is not None:
            self.task.cancel()
        self._drop_master()

    def _drop_master(self) -> None:
        m = self.master
        if m is not None:
            self.master = None
            state(self.server).stream_db = m.db.index
            self.server.clients.pop(m.id, None)
            for hook in self.server.extensions.get("client_closed", ()):
                hook(m)

    def close_master(self) -> None:
        """CLIENT KILL of the master client: drop the link (it reconnects)."""
        if self.writer is not None:
            self.writer.close()

    def cron(self) -> None:
        if self.stopped:
            return
        if self.task is None or self.task.done():
            self.start()
        if self.state is S.CONNECTED and self.writer is not None:
            self.send_ack()

    def send_ack(self) -> None:
        if self.writer is not None and self.master is not None:
            off = b"%d" % state(self.server).master_repl_offset
            self.writer.write(encode_command([b"REPLCONF", b"ACK", off, b"FACK", off]))

    # ---- the task ------------------------------------------------------------------------

    async def run(self) -> None:
        server = self.server
        while not self.stopped:
            try:
                await self._session()
            except asyncio.CancelledError:
                raise
            except (OSError, LinkDown, asyncio.IncompleteReadError, asyncio.TimeoutError) as e:
                if not self.stopped:
                    server.log("warning", "Error condition on socket for SYNC: %s" % (e or type(e).__name__))
                    psync_outcome(server, state(server), False)  # a failover's target is unreachable
            except Exception as e:  # noqa: BLE001 - the link must survive a bug
                server.log_exception(e)
            finally:
                if self.writer is not None:
                    self.writer.close()
                    self.writer = None
                if self.master is not None:
                    server.log("notice", "Connection with master lost.")
                    self._drop_master()
                    self.down_since_s = int(time.time())  # INFO: -1 until a link was up and lost
                if self.state is not S.NONE:
                    self.state = S.CONNECT
            if not self.stopped:
                await asyncio.sleep(1)

    async def _read_line(self, reader: Any) -> bytes:
        timeout = self.server.config.get("repl-timeout", 60)
        line = await asyncio.wait_for(reader.readline(), timeout)
        if not line:
            raise LinkDown("connection closed by the primary")
        self.last_io_s = time.monotonic()
        return line.rstrip(b"\r\n")

    async def _session(self) -> None:
        server = self.server
        st = state(server)
        self.state = S.CONNECTING
        self.multi = None  # a transaction cut by the lost link is resent whole
        self.multi_raw = []
        server.log("notice", "Connecting to MASTER %s:%d" % (self.host, self.port))
        ssl_ctx = None
        if server.config.get("tls-replication"):  # the primary's TLS port (security/tls.py)
            from ..security.tls import client_context  # noqa: PLC0415

            ssl_ctx = client_context(server.config)
        reader, writer = await asyncio.wait_for(asyncio.open_connection(self.host, self.port, ssl=ssl_ctx),
                                                server.config.get("repl-timeout", 60))
        self.writer = writer
        server.log("notice", "MASTER <-> REPLICA sync started")
        cfg = server.config
        cached = (st.replid, st.master_repl_offset) if st.has_cached else None
        hs = Handshake(cfg.get("replica-announce-port") or server.tcp_port,
                       _b(cfg.get("masterauth")), _b(cfg.get("masteruser")), _b(cfg.get("replica-announce-ip")),
                       cached, failover=st.failover.state == IN_PROGRESS)
        for out in hs.connected():
            writer.write(out)
        self.state = hs.state
        while hs.wants_line():
            line = await self._read_line(reader)
            for out in hs.reply(line):
                writer.write(out)
            self.state = hs.state
            for note in hs.notes:
                server.log("notice", note)
            hs.notes.clear()
        if hs.failover:
            psync_outcome(server, st, hs.result in ("full", "continue"))
            if hs.result not in ("full", "continue"):
                return  # the failover was aborted: we are a primary again
        if hs.result in ("error", "retry"):
            server.log("warning", hs.error)
            raise LinkDown(hs.error)
        if hs.result == "full":
            server.log("notice", "Full resync from master: %s:%d" % (hs.master_replid, hs.master_offset))
            await self._transfer(reader, hs)
        else:
            server.log("notice", "Successful partial resynchronization with master.")
            if hs.master_replid and hs.master_replid != st.replid:
                st.replid2 = st.replid
                st.second_replid_offset = st.master_repl_offset + 1
                st.replid = hs.master_replid
                for r in list(st.replicas.values()):  # sub-replicas must learn the new id
                    st.drop(r, "Master replication ID changed")
            server.log("notice", "MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.")
        st.create_backlog()
        self.state = S.CONNECTED
        self._create_master(st.stream_db)
        st.has_cached = True
        await self._stream(reader)

    async def _transfer(self, reader: Any, hs: Handshake) -> None:
        server = self.server
        self.state = S.TRANSFER
        while True:
            line = await self._read_line(reader)
            if line:
                break  # newlines before the payload are keep-alives
        if line.startswith(b"-"):
            raise LinkDown("MASTER aborted replication with an error: %s" % line.decode("latin-1"))
        if not line.startswith(b"$"):
            raise LinkDown("Bad protocol from MASTER, the first byte is not '$' (we received '%s')"
                           % line[:40].decode("latin-1"))
        mode = server.config.get("repl-diskless-load", "disabled")
        if mode == "swapdb" or (mode == "on-empty-db" and not any(db.data for db in server.dbs)):
            await self._transfer_to_memory(reader, line, hs, mode == "swapdb")
            return
        path = os.path.abspath("temp-%d.%d.rdb" % (int(time.time()), os.getpid()))
        try:
            with open(path, "wb") as f:
                if not line.startswith(b"$EOF:"):
                    server.log("notice", "MASTER <-> REPLICA sync: receiving %d bytes from master to disk"
                               % int(line[1:]))
                async for chunk in self._snapshot_chunks(reader, line):
                    f.write(chunk)
            self._load(path, hs)
        finally:
            self.sync_total = -1
            try:
                os.unlink(path)
            except OSError:
                pass

    async def _transfer_to_memory(self, reader: Any, line: bytes, hs: Handshake, swapdb: bool) -> None:
        """repl-diskless-load on-empty-db|swapdb: the snapshot is kept in memory (one copy:
        the chunks are joined once) and loaded from there, no temporary file."""
        self.server.log("notice", "MASTER <-> REPLICA sync: Loading DB in memory")
        try:
            chunks = [chunk async for chunk in self._snapshot_chunks(reader, line)]
            data = b"".join(chunks)
            chunks.clear()
            self._load(None, hs, data, swapdb)
        finally:
            self.sync_total = -1

    async def _snapshot_chunks(self, reader: Any, line: bytes) -> Any:
        """The snapshot's bytes as they arrive: ``$<len>`` of them, or everything up to the
        40-byte mark of a diskless ``$EOF:<mark>`` transfer (the last bytes of each read are
        held back until the next read shows they are not the mark).  Counts them for INFO
        (``master_sync_*``, ``repl_input_bytes``) and for the link's idle time."""
        st = state(self.server)
        timeout = self.server.config.get("repl-timeout", 60)
        if line.startswith(b"$EOF:"):
            mark = line[5:]
            keep = len(mark)
            tail = b""
            left = -1  # until the mark
            self.sync_total = 0
        else:
            left = int(line[1:])
            self.sync_total, self.sync_read = left, 0
        while left:
            chunk = await asyncio.wait_for(reader.read(READ_CHUNK if left < 0 else min(left, READ_CHUNK)), timeout)
            if not chunk:
                raise LinkDown("connection lost during the transfer")
            self.sync_read += len(chunk)
            st.repl_input_bytes += len(chunk)
            self.last_io_s = time.monotonic()
            if left > 0:
                left -= len(chunk)
                yield chunk
                continue
            data = tail + chunk
            if data.endswith(mark):
                yield data[:-keep]
                return
            yield data[:-keep]
            tail = data[-keep:]

    def _load(self, path: str | None, hs: Handshake, data: bytes | None = None, swapdb: bool = False) -> None:
        from ..keyspace.db import Db  # noqa: PLC0415
        from ..persistence.rdb.reader import RdbError  # noqa: PLC0415
        from ..persistence.saver import load_bytes, load_file  # noqa: PLC0415

        server = self.server
        st = state(server)
        backup = []
        if swapdb:
            # keep the old dataset aside: a bad transfer puts it back (Redis's swapdb mode)
            server.log("notice", "MASTER <-> REPLICA sync: Backing up the current dataset")
            for db in server.dbs:
                old = Db(db.index, server)
                db.swap_with(old)
                backup.append(old)
        else:
            server.log("notice", "MASTER <-> REPLICA sync: Flushing old data")
            for db in server.dbs:
                db.flush()
        server.log("notice", "MASTER <-> REPLICA sync: Loading DB in memory")
        from ..persistence import loading  # noqa: PLC0415

        size = len(data) if data is not None else os.path.getsize(path)  # type: ignore[arg-type]
        loading.begin(server, size)  # clients get -LOADING while it loads
        try:
            info = load_file(server, path) if path is not None else load_bytes(server, data)
        except (RdbError, OSError) as e:
            server.log("warning", "Failed trying to load the MASTER synchronization DB from %s: %s"
                       % ("socket" if path is None else "disk", e))
            for db, old in zip(server.dbs, backup):
                db.flush()
                db.swap_with(old)
            raise LinkDown("the snapshot from the primary did not load") from None
        finally:
            loading.end(server)
            loading.handover(server)
        stream_db = info.aux.get(b"repl-stream-db", b"0")
        st.stream_db = int(stream_db) if stream_db.lstrip(b"-").isdigit() else 0
        st.replid = hs.master_replid
        st.clear_replid2()
        st.set_offset(hs.master_offset)
        st.create_backlog()
        st.last_db = -1
        for r in list(st.replicas.values()):  # sub-replicas resync from our new history
            st.drop(r, "Full resync from my master")
        server.log("notice", "MASTER <-> REPLICA sync: Finished with success")
        for hook in server.extensions.get("after_full_sync", ()):
            hook(server)  # e.g. the AOF restarts with a rewrite of the new dataset

    def _create_master(self, db_index: int) -> None:
        server = self.server
        peer = self.writer.get_extra_info("peername") if self.writer is not None else None
        addr = "%s:%d" % (peer[0], peer[1]) if isinstance(peer, tuple) else "%s:%d" % (self.host, self.port)
        m = Client(server, server.new_client_id(), addr, "", -1, _discard, self.close_master)
        m.kind = "master"
        m.authenticated = True
        m.gate = 0
        if 0 <= db_index < len(server.dbs):
            m.select(db_index)
        self.master = m
        server.clients[m.id] = m

    # ---- the stream ----------------------------------------------------------------------

    async def _stream(self, reader: Any) -> None:
        server = self.server
        st = state(server)
        parser = hiredis.Reader()
        timeout = server.config.get("repl-timeout", 60)
        self.send_ack()
        while True:
            chunk = await asyncio.wait_for(reader.read(READ_CHUNK), timeout)
            if not chunk:
                raise LinkDown("connection closed by the primary")
            self.last_io_s = time.monotonic()
            self.read_offset += len(chunk)
            st.repl_input_bytes += len(chunk)
            parser.feed(chunk)
            server.update_clock()
            while True:
                argv = parser.gets()
                if argv is False:
                    break
                if not isinstance(argv, list) or not argv:
                    continue  # a stray newline or inline noise: not part of the stream
                self.apply(st, argv)

    def apply(self, st: Any, argv: list[bytes]) -> None:
        """Run one command of the primary's stream, then account its bytes.

        A transaction is applied at its EXEC, and only then do its bytes count: a link
        lost in the middle leaves the offset before MULTI, so PSYNC resends it whole
        (Redis does not advance a master client's offset inside MULTI either)."""
        raw = encode_command(argv)
        name = argv[0].lower()
        multi = self.multi
        if multi is not None:
            multi.append(argv)
            self.multi_raw.append(raw)
            if name != b"exec":
                return
            self.multi = None
            for cmd in multi[:-1]:
                self._run(cmd)
            raw = b"".join(self.multi_raw)
            self.multi_raw = []
        elif name == b"multi":
            self.multi = []
            self.multi_raw = [raw]
            return
        else:
            self._run(argv)
        server = self.server
        if st.backlog is not None:
            st.feed_raw(raw)
        else:
            st.offset += len(raw)
            server.master_repl_offset = st.offset
        if self.master is not None:
            server.repl_stream_db = self.master.db.index

    def _run(self, argv: list[bytes]) -> None:
        from ..engine.dispatch import resolve, touch_command  # noqa: PLC0415
        from ..keyspace.notify import command_events  # noqa: PLC0415
        from ..protocol.errors import CommandError  # noqa: PLC0415

        server = self.server
        c = self.master
        if c is None:
            return
        try:
            spec = resolve(argv)
        except CommandError as e:
            server.log("warning", "== CRITICAL == This replica is sending an error to its master: '%s'"
                       % e.msg.decode("latin-1"))
            return
        dirty = server.dirty
        try:
            reply = spec.handler(c, argv)
        except CommandError as e:
            server.log("warning", "== CRITICAL == This replica is sending an error to its master: '%s' "
                       "after processing the command '%s'" % (e.msg.decode("latin-1"), argv[0].decode("latin-1")))
            reply = None
        except Exception as e:  # noqa: BLE001
            server.log_exception(e, argv)
            return
        spec.stats.calls += 1
        server.stats.total_commands_processed += 1
        c.last_cmd = spec
        c.last_interaction_ms = server.cached_now_ms
        if server.dirty != dirty:
            if server.propagate is not None:
                # the AOF logs what a replica applies; replication's Feeder skips the
                # master client (its bytes are proxied by ``apply``)
                server.propagate(c, spec, argv)
            c.propagate_as = None
            if server.watching:
                touch_command(c, spec, argv)
            if server.notify_flags:
                command_events(c, spec, argv, reply)
        if server.ready_keys:
            server.blocking.handle_ready()


def _discard(data: bytes) -> None:
    pass


def _b(value: Any) -> bytes | None:
    if not value:
        return None
    return value if isinstance(value, bytes) else str(value).encode()


def start_replication(server: Any, host: str, port: int) -> None:
    """Become a replica of host:port (REPLICAOF host port, or the replicaof directive)."""
    st = state(server)
    if st.link is not None:
        st.link.stop()
    else:
        # Keep our history as the cached master so PSYNC may continue (Redis's
        # replicationCacheMasterUsingMyself).
        st.has_cached = st.backlog is not None or st.master_repl_offset > 0
    for r in list(st.replicas.values()):
        st.drop(r, "Changing master")
    link = ReplicaLink(server, host, port)
    st.link = link
    server.config["replicaof"] = (host, port)  # CONFIG GET/REWRITE replicaof
    server.role = "slave"
    _set_replica_gate(server, True)
    link.start()


def stop_replication(server: Any) -> None:
    """REPLICAOF NO ONE: become a primary, keeping the data; a new replication id with
    the old one as replid2 so former siblings can PSYNC."""
    st = state(server)
    link = st.link
    if link is None:
        return
    link.stop()
    st.link = None
    server.config["replicaof"] = None
    server.role = "master"
    _set_replica_gate(server, False)
    st.shift_replid()
    st.has_cached = False
    for r in list(st.replicas.values()):
        st.drop(r, "Promoted to master")


def _set_replica_gate(server: Any, on: bool) -> None:
    from ..engine.gates import ServerGate  # noqa: PLC0415

    if on:
        server.gate |= ServerGate.READONLY_REPLICA
    else:
        server.gate &= ~ServerGate.READONLY_REPLICA
