"""The primary side of replication (Redis's replication.c MASTER half, PSYNC2).

State: ``ReplState`` in ``server.extensions["repl"]`` (``state(server)``) holds the
replication ids and offsets, the backlog, the replica clients and, when this server
is itself a replica, the link to its primary (replica_link.py).

The stream.  Once the first replica attaches, ``Feeder`` becomes ``server.propagate``:
every propagated command is encoded as a RESP multibulk, preceded by ``SELECT <db>``
when its database differs from the stream's current one (``last_db``; -1 forces a
SELECT, which every full sync does so that the snapshot's ``repl-stream-db`` can stay
0), appended to the backlog and written to each online replica.  A replica waiting for
its snapshot collects the same bytes in ``pending``.  Commands a replica applies from
its own primary are not re-encoded: the link proxies the exact bytes it applied
(``feed_raw``), so sub-replicas share the primary's offsets (chained replication).

PSYNC replid offset (``psync``): a partial resync is possible when ``replid`` is ours,
or our previous one (``replid2``) and ``offset`` is not past the point where we
switched ids, and the backlog still holds every byte from ``offset`` on; the reply is
``+CONTINUE <replid>`` followed by those bytes.  Otherwise (and for ``PSYNC ? -1`` and
SYNC) a full sync: the replica waits for a snapshot (WAIT_BGSAVE_START); a forked child
writes it to a temporary file while the parent remembers the stream offset of the
fork, replies ``+FULLRESYNC <replid> <offset>`` and buffers the stream from there
(WAIT_BGSAVE_END); when the child is reaped (cron) the file is sent as
``$<len>\\r\\n<bytes>`` followed by the buffered stream, and the replica is online.
A replica arriving while a child runs shares its snapshot (with a copy of what another
waiting replica buffered since the fork), or else waits for the next one.

The cron (every server tick) reaps the child, sends ``PING`` into the stream every
``repl-ping-replica-period`` seconds, a newline to replicas waiting for a snapshot every
second (Redis's keep-alive), and drops replicas silent for ``repl-timeout``.

WAIT numreplicas timeout: a client's ``woff`` is the stream offset after its last
write; replicas acknowledge offsets with ``REPLCONF ACK``.  A WAIT that cannot be
answered at once blocks (engine/blocking.py, a block without keys) and asks every
replica for an ACK (``REPLCONF GETACK *`` in the stream, once per loop iteration);
each ACK re-counts the waiters: one that has enough is finished, the others get the
new count as the reply their timeout (or CLIENT UNBLOCK) will give.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from typing import Any

from ..persistence.rdb.encoder import write_rdb
from .backlog import Backlog
from .failover import NO_FAILOVER, Failover
from .failover import update as update_failover
from .snapshot import aux_fields, functions, restore_from_rdb

WAIT_BGSAVE_START = 0
WAIT_BGSAVE_END = 1
ONLINE = 3
STATE_NAMES = {WAIT_BGSAVE_START: "wait_bgsave", WAIT_BGSAVE_END: "wait_bgsave", ONLINE: "online"}

CAPA_EOF = 1
CAPA_PSYNC2 = 2

PING_BYTES = b"*1\r\n$4\r\nPING\r\n"
GETACK_BYTES = b"*3\r\n$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n"


def encode_command(argv: list[bytes]) -> bytes:
    """A command as the replication stream carries it: a RESP multibulk of bulks."""
    return b"*%d\r\n%b" % (len(argv), b"".join([b"$%d\r\n%b\r\n" % (len(a), a) for a in argv]))


def new_replid() -> str:
    return os.urandom(20).hex()


class ReplicaInfo:
    """What the primary knows of one replica client (Redis keeps it in ``client``)."""

    __slots__ = ("client", "state", "listening_port", "ip_address", "capa", "ack_offset", "ack_time_s",
                 "initial_offset", "pending", "pre_psync", "fork_pid", "diskless", "wait_ack", "wait_since")

    def __init__(self, client: Any) -> None:
        self.client = client
        self.state = WAIT_BGSAVE_START
        self.listening_port = 0
        self.ip_address = ""
        self.capa = 0
        self.ack_offset = 0
        self.ack_time_s = int(time.time())
        self.initial_offset = -1
        self.pending: list[bytes] = []
        self.pre_psync = False
        self.fork_pid = -1
        self.diskless = False  # its snapshot goes (or went) straight to the socket
        self.wait_ack = False  # online after a diskless sync: the stream starts at its first ACK
        self.wait_since = time.monotonic()  # waiting for a snapshot since (repl-diskless-sync-delay)

    def ip(self) -> str:
        if self.ip_address:
            return self.ip_address
        addr = self.client.addr
        host = addr.rsplit(":", 1)[0]
        return host[1:-1] if host.startswith("[") else host


class ReplState:
    """Replication ids, offsets, backlog, replicas, and the link when we are a replica."""

    def __init__(self, server: Any) -> None:
        self.server = server
        self._replid = ""
        self.replid = new_replid()
        self.replid2 = "0" * 40
        self.second_replid_offset = -1
        self.offset = 0  # master_repl_offset while there is no backlog
        self.backlog: Backlog | None = None
        self.replicas: dict[int, ReplicaInfo] = {}  # client id -> info, in attach order
        self.last_db = -1
        self.fork_pid = -1
        self.fork_file = ""
        self.fork_offset = 0
        self.fork_diskless = False
        self.fork_report_fd = -1  # diskless: the pipe the child reports each replica's outcome on
        self.stream_out: list[bytes] = []  # stream bytes for the online replicas, sent once per loop pass
        self.stream_flush_scheduled = False
        self.sync_full = 0
        self.sync_partial_ok = 0
        self.sync_partial_err = 0
        self.waiters: dict[Any, tuple[int, int]] = {}  # WAITing client -> (numreplicas, offset)
        self.getack_scheduled = False
        self.last_ping_s = 0.0
        self.last_newline_s = 0.0
        self.link: Any = None  # replica_link.ReplicaLink while we replicate a primary
        self.feeder: Feeder | None = None
        self.has_cached = False  # as a replica: our stream can be continued (PSYNC replid offset)
        self.stream_db = 0  # as a replica: the db the primary's stream had selected
        self.failover = Failover()  # FAILOVER's progress (failover.py)
        self.repl_input_bytes = 0  # INFO total_net_repl_input_bytes / _output_bytes
        self.no_replicas_since_s = 0.0  # monotonic time the last replica left (repl-backlog-ttl)
        self.repl_output_bytes = 0

    # ---- offsets ---------------------------------------------------------------------

    # The snapshot writer (persistence/saver.aux_fields) reads ``server.replid``,
    # ``server.master_repl_offset`` and ``server.repl_stream_db``: they are kept in step
    # here, so a restarted replica can continue with PSYNC (restore_from_rdb).

    @property
    def replid(self) -> str:
        return self._replid

    @replid.setter
    def replid(self, value: str) -> None:
        self._replid = value
        self.server.replid = value

    @property
    def master_repl_offset(self) -> int:
        return self.backlog.offset if self.backlog is not None else self.offset

    def set_offset(self, offset: int) -> None:
        """Take the primary's offset (after a full sync from it as a replica)."""
        self.offset = offset
        self.server.master_repl_offset = offset
        if self.backlog is not None:
            self.backlog = Backlog(self.backlog.size, offset)

    def change_replid(self) -> None:
        self.replid = new_replid()

    def shift_replid(self) -> None:
        """Promotion (REPLICAOF NO ONE): remember the old id so former siblings can
        continue with PSYNC (Redis's shiftReplicationId)."""
        self.replid2 = self.replid
        self.second_replid_offset = self.master_repl_offset + 1
        self.change_replid()

    def clear_replid2(self) -> None:
        self.replid2 = "0" * 40
        self.second_replid_offset = -1

    def create_backlog(self) -> None:
        if self.backlog is None:
            self.backlog = Backlog(self.server.config.get("repl-backlog-size", 1 << 20), self.offset)
        if self.feeder is None:
            self.feeder = Feeder(self)
            self.feeder.install()

    # ---- the stream ------------------------------------------------------------------

    def feed(self, db_index: int, argv: list[bytes]) -> None:
        if self.backlog is None:
            return  # freed after repl-backlog-ttl without replicas
        if db_index != self.last_db:
            self.last_db = db_index
            self.server.repl_stream_db = db_index
            index = b"%d" % db_index
            data = b"*2\r\n$6\r\nSELECT\r\n$%d\r\n%b\r\n%b" % (len(index), index, encode_command(argv))
        else:
            data = encode_command(argv)
        self.feed_raw(data)

    def feed_raw(self, data: bytes) -> None:
        backlog = self.backlog
        if backlog is None:
            return
        backlog.append(data)
        self.server.master_repl_offset = backlog.offset
        online = False
        for r in self.replicas.values():
            if r.state == ONLINE and not r.wait_ack:
                online = True
            elif r.state != WAIT_BGSAVE_START:
                r.pending.append(data)
        if online:
            self.stream_out.append(data)
            if not self.stream_flush_scheduled:
                loop = self.server.loop
                if loop is None:
                    self.flush_stream()
                else:
                    self.stream_flush_scheduled = True
                    loop.call_soon(self.flush_stream)

    def flush_stream(self) -> None:
        """Send what the online replicas have not got yet, one write per replica per
        event-loop pass (Redis's beforeSleep writes each replica's buffer once), not one
        per command.  Called before any replica's state changes, so that bytes meant for
        the replicas online at feed time go to exactly those."""
        self.stream_flush_scheduled = False
        out = self.stream_out
        if not out:
            return
        data = out[0] if len(out) == 1 else b"".join(out)
        out.clear()
        for r in self.replicas.values():
            if r.state == ONLINE and not r.wait_ack:
                r.client.write(data)
                self.repl_output_bytes += len(data)

    # ---- attaching replicas ----------------------------------------------------------

    def info_of(self, c: Any) -> ReplicaInfo:
        """The replica record of ``c`` (REPLCONF before PSYNC creates it, detached)."""
        r = c.extra.get("replica")
        if r is None:
            r = c.extra["replica"] = ReplicaInfo(c)
        return r

    def psync(self, c: Any, replid: bytes, psync_offset: int, is_psync: bool) -> bytes:
        """PSYNC/SYNC: the reply bytes (+CONTINUE and the backlog, +FULLRESYNC, or
        nothing yet when the replica waits for the next snapshot)."""
        server = self.server
        self.flush_stream()  # the backlog already has those bytes: a +CONTINUE must not get them twice
        r = self.info_of(c)
        server.log("notice", "Replica %s:%d asks for synchronization" % (r.ip(), r.listening_port))
        if is_psync:
            reply = self._try_partial(r, replid.decode("latin-1"), psync_offset)
            if reply is not None:
                self.sync_partial_ok += 1
                return reply
            if not replid.startswith(b"?"):
                self.sync_partial_err += 1
        else:
            r.pre_psync = True
        self.sync_full += 1
        r.state = WAIT_BGSAVE_START
        r.wait_since = time.monotonic()
        self._attach(r)
        if len(self.replicas) == 1 and self.backlog is None:
            self.change_replid()
            self.clear_replid2()
            self.create_backlog()
            server.log("notice", "Replication backlog created, my new replication IDs are '%s' and '%s'"
                       % (self.replid, self.replid2))
        if self.fork_pid > 0:
            # A snapshot is being written for another replica: share it, with a copy of
            # what that replica buffered since the fork (Redis's "Waiting for end of
            # BGSAVE for SYNC"); otherwise wait for the next one.  A diskless snapshot
            # cannot be shared: it is already on its way to other sockets.
            for other in self.replicas.values() if not self.fork_diskless else ():
                if other is not r and other.state == WAIT_BGSAVE_END and other.fork_pid == self.fork_pid:
                    r.state = WAIT_BGSAVE_END
                    r.initial_offset = other.initial_offset
                    r.fork_pid = other.fork_pid
                    r.pending = list(other.pending)
                    server.log("notice", "Waiting for end of BGSAVE for SYNC")
                    if r.pre_psync:
                        return b""
                    return b"+FULLRESYNC %s %d\r\n" % (self.replid.encode(), r.initial_offset)
            server.log("notice", "Can't attach the replica to the current BGSAVE. Waiting for next BGSAVE for SYNC")
            return b""
        if self._diskless_for(r):
            # the child is forked by the cron (start_pending_fork), after
            # repl-diskless-sync-delay and once our replies reached the socket
            if server.config.get("repl-diskless-sync-delay", 5):
                server.log("notice", "Delay next BGSAVE for diskless SYNC")
            return b""
        lines = self.start_bgsave(own=r)
        return lines

    def _diskless_for(self, r: ReplicaInfo) -> bool:
        """Diskless for this replica: configured, it understands $EOF:, and its socket is
        plain TCP (the child writes the socket itself; TLS needs the parent's session)."""
        if not (self.server.config.get("repl-diskless-sync", 1) and r.capa & CAPA_EOF) or r.client.fd < 0:
            return False
        transport = getattr(r.client, "transport", None)
        return transport is None or transport.get_extra_info("ssl_object") is None

    def start_pending_fork(self) -> None:
        """Fork for the replicas waiting for a snapshot (Redis's replicationStartPendingFork):
        a disk snapshot at once; a diskless one when the longest-waiting replica waited
        repl-diskless-sync-delay seconds or repl-diskless-sync-max-replicas are waiting,
        and only once every transport has sent what it held (the child writes next)."""
        if self.fork_pid > 0:
            return
        waiting = [r for r in self.replicas.values() if r.state == WAIT_BGSAVE_START]
        if not waiting:
            return
        if not all(self._diskless_for(r) for r in waiting):
            self.start_bgsave()
            return
        cfg = self.server.config
        delay_s = cfg.get("repl-diskless-sync-delay", 5)
        max_replicas = cfg.get("repl-diskless-sync-max-replicas", 0)
        waited_s = time.monotonic() - min(r.wait_since for r in waiting)
        if waited_s < delay_s and not (max_replicas and len(waiting) >= max_replicas):
            return
        for r in waiting:
            transport = getattr(r.client, "transport", None)
            if transport is not None and transport.get_write_buffer_size():
                return  # try again at the next tick
        self.start_diskless(waiting)

    def start_diskless(self, waiting: list[ReplicaInfo]) -> None:
        """Fork a child that streams the snapshot to the waiting replicas' sockets
        (diskless.py); the parent buffers the stream for them from the fork on."""
        from . import diskless  # noqa: PLC0415

        server = self.server
        offset = self.master_repl_offset
        link = self.link
        stream_db = link.master.db.index if link is not None and link.master is not None else 0
        aux = aux_fields(server, self.replid, offset, stream_db)
        replid = self.replid.encode()
        # A SYNC (pre-PSYNC) client gets no +FULLRESYNC line, as in the disk form.
        targets = [(r.client.id, r.client.fd, b"" if r.pre_psync else b"+FULLRESYNC %s %d\r\n" % (replid, offset))
                   for r in waiting if r.client.fd >= 0]
        cfg = server.config
        compress = bool(cfg.get("rdbcompression", 1))
        checksum = bool(cfg.get("rdbchecksum", 1))
        timeout_s = cfg.get("repl-timeout", 60)
        funcs = functions(server)
        rfd, wfd = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        try:
            pid = os.fork()
        except OSError as e:
            os.close(rfd)
            os.close(wfd)
            server.log("warning", "BGSAVE for replication failed: %s" % e)
            for r in waiting:
                self.drop(r, "Can't fork for replication")
            return
        if pid == 0:  # the child
            code = 1
            try:
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                os.close(rfd)
                code = diskless.child_main(
                    targets, lambda write: write_rdb(write, server.dbs, aux, funcs, compress=compress,
                                                     checksum=checksum), wfd, timeout_s)
            finally:
                os._exit(code)
        os.close(wfd)
        os.set_blocking(rfd, False)
        server.log("notice", "Starting BGSAVE for SYNC with target: replicas sockets")
        server.log("notice", "Background RDB transfer started by pid %d" % pid)
        self.fork_pid = pid
        self.fork_file = ""
        self.fork_offset = offset
        self.fork_diskless = True
        self.fork_report_fd = rfd
        if link is None:
            self.last_db = -1
        for r in waiting:
            r.state = WAIT_BGSAVE_END
            r.initial_offset = offset
            r.fork_pid = pid
            r.diskless = True
            r.pending = []

    def _try_partial(self, r: ReplicaInfo, replid: str, psync_offset: int) -> bytes | None:
        server = self.server
        if replid != self.replid and (replid != self.replid2 or psync_offset > self.second_replid_offset):
            if replid != "?":
                if replid != self.replid and replid != self.replid2:
                    server.log("notice", "Partial resynchronization not accepted: Replication ID mismatch "
                               "(Replica asked for '%s', my replication IDs are '%s' and '%s')"
                               % (replid, self.replid, self.replid2))
                else:
                    server.log("notice", "Partial resynchronization not accepted: Requested offset for "
                               "second ID was %d, but I can reply up to %d" % (psync_offset, self.second_replid_offset))
            else:
                server.log("notice", "Full resync requested by replica %s:%d" % (r.ip(), r.listening_port))
            return None
        backlog = self.backlog
        if backlog is None or not backlog.can_continue_from(psync_offset):
            server.log("notice", "Unable to partial resync with replica %s:%d for lack of backlog "
                       "(Replica request was: %d)." % (r.ip(), r.listening_port, psync_offset))
            return None
        r.state = ONLINE
        r.ack_time_s = int(time.time())
        self._attach(r)
        data = backlog.since(psync_offset)
        server.log("notice", "Partial resynchronization request from %s:%d accepted. Sending %d bytes of "
                   "backlog starting from offset %d." % (r.ip(), r.listening_port, len(data), psync_offset))
        head = b"+CONTINUE %s\r\n" % self.replid.encode() if r.capa & CAPA_PSYNC2 else b"+CONTINUE\r\n"
        return head + data

    def _attach(self, r: ReplicaInfo) -> None:
        c = r.client
        c.kind = "replica"
        self.replicas[c.id] = r

    # ---- snapshots -------------------------------------------------------------------

    def start_bgsave(self, own: ReplicaInfo | None = None) -> bytes:
        """Fork a child writing the snapshot for every replica waiting for one; send them
        +FULLRESYNC (returned instead for ``own``, the replica whose PSYNC runs now)."""
        server = self.server
        offset = self.master_repl_offset
        path = os.path.abspath("temp-repl-%d-%d.rdb" % (os.getpid(), int(time.monotonic() * 1000)))
        link = self.link
        stream_db = link.master.db.index if link is not None and link.master is not None else 0
        aux = aux_fields(server, self.replid, offset, stream_db)
        sys.stdout.flush()
        sys.stderr.flush()
        try:
            pid = os.fork()
        except OSError as e:
            server.log("warning", "BGSAVE for replication failed: %s" % e)
            for r in [r for r in self.replicas.values() if r.state == WAIT_BGSAVE_START]:
                self.drop(r, "Can't fork for replication")
            return b""
        if pid == 0:  # the child: write the snapshot and leave
            code = 1
            try:
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                with open(path, "wb") as f:
                    write_rdb(f.write, server.dbs, aux, functions(server),
                              compress=bool(server.config.get("rdbcompression", 1)),
                              checksum=bool(server.config.get("rdbchecksum", 1)))
                code = 0
            finally:
                os._exit(code)
        server.log("notice", "Starting BGSAVE for SYNC with target: disk")
        server.log("notice", "Background RDB transfer started by pid %d" % pid)
        self.fork_pid = pid
        self.fork_file = path
        self.fork_offset = offset
        self.fork_diskless = False
        if link is None:
            self.last_db = -1  # the next command after the snapshot carries a SELECT
        mine = b""
        for r in self.replicas.values():
            if r.state != WAIT_BGSAVE_START:
                continue
            r.state = WAIT_BGSAVE_END
            r.initial_offset = offset
            r.fork_pid = pid
            r.pending = []
            line = b"" if r.pre_psync else b"+FULLRESYNC %s %d\r\n" % (self.replid.encode(), offset)
            if r is own:
                mine = line
            elif line:
                r.client.write(line)
        return mine

    def _child_done(self, ok: bool) -> None:
        self.flush_stream()
        if self.fork_diskless:
            self._diskless_done()
            return
        server = self.server
        pid, path = self.fork_pid, self.fork_file
        self.fork_pid = -1
        data = b""
        if ok:
            try:
                with open(path, "rb") as f:
                    data = f.read()
            except OSError as e:
                server.log("warning", "Can't open the RDB for replication: %s" % e)
                ok = False
        try:
            os.unlink(path)
        except OSError:
            pass
        waiting = [r for r in self.replicas.values() if r.state == WAIT_BGSAVE_END and r.fork_pid == pid]
        if not ok:
            server.log("warning", "Background transfer error")
            for r in waiting:
                self.drop(r, "SYNC failed. BGSAVE child returned an error")
        else:
            server.log("notice", "Background RDB transfer terminated with success")
            head = b"$%d\r\n" % len(data)
            now = int(time.time())
            for r in waiting:
                c = r.client
                c.write(head)
                c.write(data)
                self.repl_output_bytes += len(head) + len(data)
                if r.pending:
                    pending = b"".join(r.pending)
                    c.write(pending)
                    self.repl_output_bytes += len(pending)
                r.pending = []
                r.state = ONLINE
                r.ack_time_s = now
                server.log("notice", "Synchronization with replica %s:%d succeeded" % (r.ip(), r.listening_port))
        if any(r.state == WAIT_BGSAVE_START for r in self.replicas.values()):
            self.start_pending_fork()

    def _diskless_done(self) -> None:
        """The diskless child is gone: the replicas it served are online, their buffered
        stream waiting for their first ACK; those it failed are dropped."""
        from .diskless import read_report  # noqa: PLC0415

        server = self.server
        pid = self.fork_pid
        self.fork_pid = -1
        self.fork_diskless = False
        report = read_report(self.fork_report_fd)
        os.close(self.fork_report_fd)
        self.fork_report_fd = -1
        now = int(time.time())
        served = [r for r in self.replicas.values() if r.state == WAIT_BGSAVE_END and r.fork_pid == pid]
        if any(report.values()):
            server.log("notice", "Background RDB transfer terminated with success")
        else:
            server.log("warning", "Background transfer error")
        for r in served:
            if not report.get(r.client.id):
                self.drop(r, "SYNC failed. The diskless transfer did not complete")
                continue
            r.state = ONLINE
            r.wait_ack = True
            r.ack_time_s = now
            server.log("notice", "Streamed RDB transfer with replica %s:%d succeeded (socket). Waiting for "
                       "REPLCONF ACK from replica to enable streaming" % (r.ip(), r.listening_port))

    def start_stream(self, r: ReplicaInfo) -> None:
        """A diskless replica's first ACK: it has loaded the snapshot; send what was
        buffered since the fork (Redis's replicaStartCommandStream)."""
        self.flush_stream()
        r.wait_ack = False
        if r.pending:
            pending = b"".join(r.pending)
            r.pending = []
            r.client.write(pending)
            self.repl_output_bytes += len(pending)
        self.server.log("notice", "Synchronization with replica %s:%d succeeded" % (r.ip(), r.listening_port))

    def shutdown(self, server: Any) -> None:
        """At exit: send the replicas what is pending, stop a snapshot child and remove
        its file; close the link."""
        self.flush_stream()
        if self.fork_pid > 0:
            try:
                os.kill(self.fork_pid, signal.SIGUSR1)
                os.waitpid(self.fork_pid, 0)
            except OSError:
                pass
            if self.fork_file:
                try:
                    os.unlink(self.fork_file)
                except OSError:
                    pass
            if self.fork_report_fd >= 0:
                os.close(self.fork_report_fd)
                self.fork_report_fd = -1
            self.fork_pid = -1
        if self.link is not None:
            self.link.stop()

    def drop(self, r: ReplicaInfo, why: str) -> None:
        self.flush_stream()
        self.server.log("warning", "%s: closing replica %s:%d" % (why, r.ip(), r.listening_port))
        self.replicas.pop(r.client.id, None)
        r.client.close()

    def client_closed(self, c: Any) -> None:
        r = self.replicas.pop(c.id, None)
        if r is not None:
            self.server.log("notice", "Connection with replica %s:%d lost." % (r.ip(), r.listening_port))
        self.waiters.pop(c, None)

    # ---- acknowledgements and WAIT -----------------------------------------------------

    def ack(self, r: ReplicaInfo, offset: int) -> None:
        if r.wait_ack:
            self.start_stream(r)
        if offset > r.ack_offset:
            r.ack_offset = offset
        r.ack_time_s = int(time.time())
        if self.waiters:
            self.serve_waiters()
        if self.failover.state != NO_FAILOVER:
            update_failover(self.server, self)

    def find_replica(self, host: str, port: int) -> ReplicaInfo | None:
        host = host.lower()
        for r in self.replicas.values():
            if r.ip().lower() == host and r.listening_port == port:
                return r
        return None

    def count_acks(self, offset: int) -> int:
        return sum(1 for r in self.replicas.values() if r.state == ONLINE and r.ack_offset >= offset)

    def serve_waiters(self) -> None:
        blocking = self.server.blocking
        for c, (numreplicas, offset) in list(self.waiters.items()):
            n = self.count_acks(offset)
            st = c.blocked
            if st is None or st.__class__.__name__ != "BlockState":
                self.waiters.pop(c, None)
                continue
            if n >= numreplicas:
                self.waiters.pop(c, None)
                blocking.finish(c, n)
            else:
                st.timeout_reply = n

    def request_acks(self) -> None:
        """Ask every replica for an ACK once per loop iteration (Redis's beforeSleep)."""
        if self.getack_scheduled:
            return
        self.getack_scheduled = True
        loop = self.server.loop
        if loop is not None:
            loop.call_soon(self._send_getack)
        else:
            self._send_getack()

    def _send_getack(self) -> None:
        self.getack_scheduled = False
        if self.replicas:
            self.feed_raw(GETACK_BYTES)

    # ---- cron --------------------------------------------------------------------------

    def cron(self, server: Any) -> None:
        if self.fork_pid > 0:
            try:
                pid, status = os.waitpid(self.fork_pid, os.WNOHANG)
            except ChildProcessError:
                pid, status = self.fork_pid, 1 << 8
            if pid:
                self._child_done(os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0)
        if self.replicas and self.fork_pid <= 0:
            self.start_pending_fork()
        link = self.link
        if link is not None:
            link.cron()
        backlog = self.backlog
        if backlog is not None and backlog.size != server.config.get("repl-backlog-size", backlog.size):
            backlog.resize(server.config["repl-backlog-size"])  # CONFIG SET repl-backlog-size
        self._min_replicas_gate(server)
        if self.waiters:
            for c in [c for c in self.waiters if c.blocked is None]:
                del self.waiters[c]
        if self.failover.state != NO_FAILOVER:
            update_failover(server, self)
        if not self.replicas:
            self._backlog_ttl(server)
            return
        self.no_replicas_since_s = 0.0
        now = time.monotonic()
        period = server.config.get("repl-ping-replica-period", 10)
        # no PING while a failover waits: the target must be able to catch up
        if link is None and now - self.last_ping_s >= period and self.failover.state == NO_FAILOVER:
            self.last_ping_s = now
            self.feed_raw(PING_BYTES)
        if now - self.last_newline_s >= 1:
            self.last_newline_s = now
            timeout_s = server.config.get("repl-timeout", 60)
            wall = int(time.time())
            for r in list(self.replicas.values()):
                if r.state != ONLINE:
                    if not (r.state == WAIT_BGSAVE_END and r.diskless):  # the child owns that socket
                        r.client.write(b"\n")
                elif wall - r.ack_time_s > timeout_s and r.capa:
                    self.drop(r, "Disconnecting timedout replica (streaming sync)")


    def _backlog_ttl(self, server: Any) -> None:
        """A primary without replicas for repl-backlog-ttl seconds frees its backlog and
        takes a new replication id (nobody can continue the old history anyway)."""
        ttl = server.config.get("repl-backlog-ttl", 3600)
        if self.backlog is None or self.link is not None or not ttl:
            return
        now = time.monotonic()
        if not self.no_replicas_since_s:
            self.no_replicas_since_s = now
        elif now - self.no_replicas_since_s > ttl:
            self.offset = self.backlog.offset
            self.backlog = None
            self.change_replid()
            self.clear_replid2()
            self.no_replicas_since_s = 0.0
            server.log("notice", "Replication backlog freed after %d seconds without connected replicas." % ttl)

    def _min_replicas_gate(self, server: Any) -> None:
        """Keep ``ServerGate.MIN_REPLICAS`` set while min-replicas-to-write applies, so the
        ``min_replicas`` gate (commands/replication.py) runs."""
        from ..engine.gates import ServerGate  # noqa: PLC0415

        cfg = server.config
        if cfg.get("min-replicas-to-write", 0) and cfg.get("min-replicas-max-lag", 10):
            server.gate |= ServerGate.MIN_REPLICAS
        elif server.gate & ServerGate.MIN_REPLICAS:
            server.gate &= ~ServerGate.MIN_REPLICAS

    def good_replicas(self) -> int:
        """Online replicas whose last ACK is at most min-replicas-max-lag seconds old."""
        lag = self.server.config.get("min-replicas-max-lag", 10)
        now = int(time.time())
        return sum(1 for r in self.replicas.values() if r.state == ONLINE and now - r.ack_time_s <= lag)


class Feeder:
    """``server.propagate`` once a backlog exists: encodes the propagated commands into
    the replication stream (and calls the listeners of a PropagationLog it replaced)."""

    __slots__ = ("st", "listeners", "previous")

    def __init__(self, st: ReplState) -> None:
        self.st = st
        self.listeners: list[Any] = []
        self.previous: Any = None

    def install(self) -> None:
        server = self.st.server
        prev = server.propagate
        if prev is not None and hasattr(prev, "listeners"):
            prev.listeners.append(self.st.feed)  # a PropagationLog (tests, AOF) stays in charge
            return
        self.previous = prev
        for c in server.clients.values():
            c.propagate_as = None
        server.propagate = self

    def __call__(self, c: Any, spec: Any, argv: list[bytes], db: Any = None) -> None:
        st = self.st
        if c is not None:
            forms = c.propagate_as
            c.propagate_as = None
            if c.kind == "master":
                return  # the link proxies the primary's own bytes (replica_link.py)
            if db is None:
                db = c.db
            if forms is None:
                forms = (argv,)
        else:
            forms = (argv,)
        if st.link is not None:
            return  # a replica's own writes are not propagated (Redis 4+)
        index = db.index
        for form in forms:
            st.feed(index, form)
        if c is not None:
            c.extra["woff"] = st.backlog.offset if st.backlog is not None else st.offset


def state(server: Any) -> ReplState:
    st = server.extensions.get("repl")
    if st is None:
        st = install(server)
    return st


def install(server: Any) -> ReplState:
    """Attach replication to a server (once): cron, client-closed hook, INFO sections;
    start the link when ``replicaof`` is configured."""
    st = server.extensions.get("repl")
    if st is not None:
        return st
    st = ReplState(server)
    server.extensions["repl"] = st
    server.cron_jobs.append(st.cron)
    server.shutdown_hooks.append(st.shutdown)
    server.extensions.setdefault("client_closed", []).append(st.client_closed)
    st._min_replicas_gate(server)
    target = server.config.get("replicaof")
    if target:
        restore_from_rdb(server, st)
        from .replica_link import start_replication  # noqa: PLC0415

        start_replication(server, target[0], int(target[1]))
    return st
