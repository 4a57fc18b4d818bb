"""Appending to the log: the propagation consumer, the write buffer and fsync policy
(Redis's aof.c feedAppendOnlyFile / flushAppendOnlyFile and the bio fsync job).

``AofFeed`` becomes ``server.propagate``, in front of whatever was there (a
``PropagationLog``, replication's ``Feeder``): it encodes each propagated form as a
RESP multibulk into ``buf`` (a ``SELECT`` first when the database changes), then hands
the call to that inner consumer, which sees it unchanged.  Replication attaching later
goes through ``listeners.append`` (what ``Feeder.install`` does with a consumer that
has listeners): ``_Chain`` makes its Feeder the inner consumer, so replication keeps its
own rules (a replica does not re-propagate its primary's stream) while the AOF sees
everything, as Redis's AOF also logs what a replica receives.

``flush`` writes the buffer to the current incremental file; the server calls it
(``server.before_reply``) before the replies of a batch go to the sockets, so with
``appendfsync always`` a reply is only sent once its write is on disk (write + fsync;
the replies of every batch that wrote during one event-loop pass are held by
``defer_reply`` and sent after a single fsync: group commit),
and with ``everysec`` the data is at least in the OS (it survives a kill -9) while a
background thread fsyncs once a second; ``no`` leaves fsync to the OS.  A cron job
flushes what writes without a reply (active expiry, a replica's link) produced.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from . import manifest as mf


def _aof_error_bit() -> int:
    from ...engine.gates import ServerGate  # noqa: PLC0415  (the engine imports the commands)

    return ServerGate.AOF_ERROR

OFF, ON, WAIT_REWRITE = 0, 1, 2

# Redis's redis_fsync: fdatasync on Linux (the data and the file size, not the mtime).
_sync = getattr(os, "fdatasync", os.fsync)


def encode_command(argv: list[bytes]) -> bytes:
    parts = [b"*%d\r\n" % len(argv)]
    parts += [b"$%d\r\n%b\r\n" % (len(a), a) for a in argv]
    return b"".join(parts)


class AofState:
    """Everything the AOF keeps (``server.extensions["aof"]``)."""

    def __init__(self, server: Any) -> None:
        self.server = server
        self.state = OFF
        self.manifest: mf.Manifest | None = None
        self.fd = -1
        self.incr_path = ""
        self.buf = bytearray()
        self.selected_db = -1
        self.fsync_needed = False
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None
        self.stop_event = threading.Event()
        self.current_size = 0  # base + incr files
        self.base_size = 0  # the size right after the last rewrite (auto-rewrite's reference)
        self.last_write_ok = True
        self.last_write_error = ""
        self.delayed_fsync = 0
        # rewrite (rewrite.py)
        self.child_pid = -1
        self.child_start = 0.0
        self.rewrite_scheduled = False
        self.last_rewrite_time_s = -1
        self.last_rewrite_ok = True
        self.rewrites = 0
        self.consecutive_failures = 0
        self.last_failure_s = 0.0
        self.temp_incr = ""  # WAIT_REWRITE: where writes go until the first base exists
        self.feed: AofFeed | None = None
        self.timestamps = bool(server.config.get("aof-timestamp-enabled", 0))
        self.last_ts_s = 0
        # appendfsync always: replies held until the loop pass's one fsync (group commit)
        self.held: dict[Any, list[bytes]] = {}
        self.commit_scheduled = False

    @property
    def dirname(self) -> str:
        return self.server.config.get("appenddirname", "appendonlydir")

    @property
    def filename(self) -> str:
        return self.server.config.get("appendfilename", "appendonly.aof")

    # ---- the write path -----------------------------------------------------------

    def append(self, db_index: int, argv: list[bytes]) -> None:
        buf = self.buf
        if self.timestamps:
            now_s = self.server.cached_now_ms // 1000
            if now_s != self.last_ts_s:  # aof-timestamp-enabled: "#TS:<unix>" annotations
                buf += b"#TS:%d\r\n" % now_s
                self.last_ts_s = now_s
        if db_index != self.selected_db:
            buf += b"*2\r\n$6\r\nSELECT\r\n$%d\r\n%d\r\n" % (len(b"%d" % db_index), db_index)
            self.selected_db = db_index
        n = len(argv)
        if n == 3:  # the common shapes in one formatting call (SET k v, INCR k, ...)
            x, y, z = argv
            buf += b"*3\r\n$%d\r\n%b\r\n$%d\r\n%b\r\n$%d\r\n%b\r\n" % (len(x), x, len(y), y, len(z), z)
        elif n == 2:
            x, y = argv
            buf += b"*2\r\n$%d\r\n%b\r\n$%d\r\n%b\r\n" % (len(x), x, len(y), y)
        else:
            buf += b"*%d\r\n" % n
            for a in argv:
                buf += b"$%d\r\n%b\r\n" % (len(a), a)

    def flush(self, force_fsync: bool = False) -> None:
        """Write the buffer to the incr file (and fsync it when the policy says so)."""
        buf = self.buf
        if buf and self.fd >= 0:
            data = bytes(buf)
            try:
                written = 0
                while written < len(data):
                    written += os.write(self.fd, data[written:] if written else data)
            except OSError as e:
                self._write_failed(e)
                del buf[:written]
                self.current_size += written
                return
            buf.clear()
            self.current_size += written
            if not self.last_write_ok:
                self.last_write_ok = True
                self.server.gate &= ~_aof_error_bit()
                self.server.log("warning", "AOF write error looks solved, Redis can write again.")
            policy = self.server.config.get("appendfsync", "everysec")
            if policy == "always" or force_fsync:
                self._fsync()
            else:
                self.fsync_needed = True
        elif force_fsync and self.fd >= 0:
            self._fsync()

    # ---- group commit (appendfsync always) --------------------------------------------

    def defer_reply(self, conn: Any, out: bytes) -> bool:
        """``server.defer_reply``: with ``always``, hold the replies of a batch that wrote
        (and then of every batch, until the commit: a connection's order is kept, and
        no read shows a write that is not on disk yet) until ``commit`` runs
        once for the whole event-loop pass: one write + fsync for every client's writes,
        then the replies, as Redis's beforeSleep.  False: send now (after a flush)."""
        held = self.held
        outs = held.get(conn)
        if outs is None:
            # a read in a pass that wrote waits too: it may show a write not yet on disk
            if (not self.buf and not held) or self.fd < 0 or conn.client.close_after_reply:
                return False
            loop = self.server.loop
            if loop is None or self.server.config.get("appendfsync", "everysec") != "always":
                return False
            held[conn] = [out]
            if not self.commit_scheduled:
                self.commit_scheduled = True
                loop.call_soon(self.commit)
            return True
        if conn.client.close_after_reply:
            self.commit()  # it closes after this reply: the held ones go first
            return False
        outs.append(out)
        return True

    def commit(self) -> None:
        self.commit_scheduled = False
        held = self.held
        if not held:
            return
        self.held = {}
        self.flush()  # one write and one fsync for the whole pass
        stats = self.server.stats
        for conn, outs in held.items():
            transport = conn.transport
            if transport is None or transport.is_closing():
                continue
            data = outs[0] if len(outs) == 1 else b"".join(outs)
            transport.write(data)
            stats.net_output_bytes += len(data)
            if transport.get_write_buffer_size() and conn.client is not None:
                conn._check_output_limit(conn.client)

    def _write_failed(self, e: OSError) -> None:
        """flushAppendOnlyFile's error path: with ``always`` a reply must never claim
        a write that is not in the log, so the server exits, as Redis; otherwise the
        data stays buffered (the cron retries) and writes get MISCONF meanwhile."""
        server = self.server
        self.last_write_error = e.strerror or str(e)
        if server.config.get("appendfsync", "everysec") == "always":
            server.log("warning", "Can't recover from AOF write error when the AOF fsync policy is 'always'. "
                                  "Exiting...")
            os._exit(1)
        if self.last_write_ok:
            server.log("warning", "Error writing to the AOF file: %s" % self.last_write_error)
        self.last_write_ok = False
        server.gate |= _aof_error_bit()

    def _fsync(self) -> None:
        try:
            _sync(self.fd)
        except OSError:
            pass
        self.fsync_needed = False

    def fsync_loop(self) -> None:
        """The everysec thread: fsync once a second when something was written."""
        while not self.stop_event.wait(1.0):
            if not self.fsync_needed:
                continue
            with self.lock:
                fd = self.fd
                if fd < 0 or self.server.config.get("appendfsync", "everysec") != "everysec":
                    continue
                self.fsync_needed = False
                try:
                    _sync(fd)
                except OSError:
                    pass

    def start_thread(self) -> None:
        if self.thread is None or not self.thread.is_alive():
            self.stop_event.clear()
            self.thread = threading.Thread(target=self.fsync_loop, name="aof-fsync", daemon=True)
            self.thread.start()

    # ---- files ------------------------------------------------------------------------

    def open_incr(self, path: str) -> None:
        """Switch appends to ``path`` (the old file is flushed, fsynced and closed)."""
        self.flush(force_fsync=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        with self.lock:
            old, self.fd = self.fd, fd
            self.incr_path = path
            if old >= 0:
                os.close(old)
        self.selected_db = -1  # a new file starts with a SELECT

    def close(self) -> None:
        self.flush(force_fsync=True)
        with self.lock:
            if self.fd >= 0:
                os.close(self.fd)
            self.fd = -1
        self.buf.clear()

    def sizes_from_disk(self) -> None:
        """aof_current_size / aof_base_size from the files in the manifest."""
        m = self.manifest
        total = base = 0
        if m is not None:
            for f in m.files():
                try:
                    size = os.path.getsize(os.path.join(self.dirname, f.name))
                except OSError:
                    size = 0
                total += size
                if f.kind == mf.BASE:
                    base = size
        self.current_size = total
        self.base_size = total if total else base

    def delete_history(self) -> None:
        """aofDelHistoryFiles: remove the files a rewrite replaced, then drop them from
        the manifest."""
        m = self.manifest
        if m is None or not m.history:
            return
        if self.server.config.get("aof-disable-auto-gc", 0):
            return
        for f in m.history:
            try:
                os.unlink(os.path.join(self.dirname, f.name))
                self.server.log("notice", "Removing the history file %s in the background" % f.name)
            except OSError:
                pass
        m.history = []
        mf.write(self.dirname, self.filename, m)


class _Chain(list):
    """``listeners`` of the AOF feed: a plain function listener is called with
    ``(db index, argv)``; replication's ``Feeder.install`` handing us its ``feed``
    makes its Feeder our inner consumer instead (see the module docstring)."""

    def __init__(self, feed: "AofFeed") -> None:
        super().__init__()
        self.feed = feed

    def append(self, fn: Any) -> None:  # type: ignore[override]
        inner = self.feed.inner
        if inner is not None and hasattr(inner, "listeners"):
            inner.listeners.append(fn)  # a PropagationLog behind us keeps its role
            return
        owner = getattr(fn, "__self__", None)
        feeder = getattr(owner, "feeder", None)
        if feeder is not None and callable(feeder):
            self.feed.inner = feeder
            return
        super().append(fn)


class AofFeed:
    """``server.propagate`` while the AOF is on."""

    __slots__ = ("st", "inner", "listeners")

    def __init__(self, st: AofState, inner: Any) -> None:
        self.st = st
        self.inner = inner
        self.listeners = _Chain(self)

    def __call__(self, c: Any, spec: Any, argv: list[bytes], db: Any = None) -> None:
        if db is None:
            db = c.db
        forms = None if c is None else c.propagate_as
        index = db.index
        append = self.st.append
        if forms is None:
            append(index, argv)
            forms = (argv,)
        else:
            for form in forms:
                append(index, form)
        for fn in self.listeners:
            for form in forms:
                fn(index, list(form))
        inner = self.inner
        if inner is not None:
            inner(c, spec, argv, db)
        elif c is not None:
            c.propagate_as = None


def state(server: Any) -> AofState:
    st = server.extensions.get("aof")
    if st is None:
        st = AofState(server)
        server.extensions["aof"] = st
    return st


def attach(server: Any, st: AofState) -> None:
    """Start consuming the propagation stream and flushing before replies."""
    if st.feed is None:
        st.feed = AofFeed(st, server.propagate)
        for c in server.clients.values():
            c.propagate_as = None
        server.propagate = st.feed
    server.before_reply = st.flush
    server.defer_reply = st.defer_reply
    st.start_thread()


def detach(server: Any, st: AofState) -> None:
    feed = st.feed
    if feed is not None:
        if server.propagate is feed:
            server.propagate = feed.inner
        st.feed = None
    if getattr(server, "before_reply", None) == st.flush:
        server.before_reply = None
        server.defer_reply = None
    st.commit()
    st.stop_event.set()
    st.close()
    if not st.last_write_ok:  # the AOF is off: its write error no longer blocks writes
        st.last_write_ok = True
        server.gate &= ~_aof_error_bit()
