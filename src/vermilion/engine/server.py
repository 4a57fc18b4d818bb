"""The server's state: config, databases, clients, counters, clock, hooks.

There is no module-level server: one ``Server`` object reaches handlers through the
client (``c.server``).  Subsystems attach their state here as typed attributes and hook
into the few extension points: ``on_write`` (propagation to AOF and replicas),
``on_key_expired``, ``cron_jobs`` (run every 1000/hz ms) and the dispatch gates.
"""

from __future__ import annotations

import os
import sys
import time
import traceback
from typing import Any, Callable

from .. import REDIS_VERSION, __version__
from ..config.schema import Config
from ..keyspace.db import Db
from ..keyspace.expiry import install as install_keyspace_cron
from ..keyspace.notify import NOTIFY_EXPIRED, notify
from .blocking import Blocking
from .client import clients_cron
from .stats import Stats


class Server:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.dbs = [Db(i, self) for i in range(config["databases"])]
        self.clients: dict[int, Any] = {}
        self.next_client_id = 1
        self.stats = Stats()
        self.dirty = 0
        self.gate = 0  # nonzero: run the slow dispatch gates for every client
        self.watching = 0  # (db, key) pairs some client WATCHes (engine/multi.py)
        # Clients with CLIENT TRACKING on, plus messages waiting for the running client
        # (engine/tracking.py); dispatch's tracking hooks run only while nonzero.
        self.tracking = 0
        # notify-keyspace-events bits, kept in step with CONFIG SET (keyspace/notify.py)
        self.notify_flags = config["notify-keyspace-events"]
        self.cached_now_ms = int(time.time() * 1000)
        self.start_time_s = time.time()
        self.start_monotonic = time.monotonic()
        self.run_id = os.urandom(20).hex()
        self.pid = os.getpid()
        self.lastsave_s = int(time.time())
        self.role = "master"
        self.propagate: Callable[[Any, Any, list], None] | None = None
        # Called before a batch's replies are written (the AOF flush, persistence/aof).
        self.before_reply: Callable[[], None] | None = None
        # With appendfsync always: takes a batch's replies to send after the pass's fsync
        # (connection, replies) -> True when it took them (persistence/aof/writer.py).
        self.defer_reply: Callable[[Any, bytes], bool] | None = None
        # INFO's instantaneous_* rates are sampled by a cron job (engine/stats.py),
        # and idle clients are closed after ``timeout`` seconds (engine/client.py).
        self.cron_jobs: list[Callable[[Any], None]] = [self.stats.track_instantaneous, clients_cron]
        self.shutdown_hooks: list[Callable[[Any], None]] = []
        self.log_lines: Callable[[str, str], None] = self._log_stdout
        self.version = __version__
        self.redis_version = REDIS_VERSION
        self.tcp_port = config["port"]
        self.loop: Any = None
        self.listeners: list[Any] = []
        self.request_shutdown: Callable[[int], None] | None = None
        self.extensions: dict[str, Any] = {}
        # Keyspace cron jobs: active expiry (DEBUG SET-ACTIVE-EXPIRE switches it) and
        # the release of idle SCAN indexes (keyspace/expiry.py, keyspace/scan.py).
        self.active_expire_enabled = True
        install_keyspace_cron(self)
        # Blocked clients (BLPOP, ...) and the keys pushes made ready (engine/blocking.py);
        # dispatch serves them after a write when ready_keys is not empty.
        self.blocking = Blocking(self)
        self.ready_keys = self.blocking.ready
        # Slow log, latency monitor, MONITOR, memory accounting, eviction (ops/).
        from ..ops import install as install_ops  # noqa: PLC0415

        install_ops(self)

    # ---- clock ----------------------------------------------------------------------

    def update_clock(self) -> None:
        """Read the clock once per batch (Redis caches mstime() per call)."""
        self.cached_now_ms = int(time.time() * 1000)

    def now_ms(self) -> int:
        return self.cached_now_ms

    def blocked_count(self) -> int:
        """INFO ``blocked_clients``: clients blocked by a blocking command."""
        return self.blocking.count

    # ---- hooks ----------------------------------------------------------------------

    def auth_required(self) -> bool:
        return bool(self.config["requirepass"])

    def is_replica_of_primary(self) -> bool:
        return self.role == "slave"

    def on_write(self, c: Any, spec: Any, argv: list) -> None:
        """A command changed data: propagate it (AOF, replicas) when someone listens.

        ``c.propagate_as`` (set by the handler) replaces argv with resolved forms.
        """
        if self.propagate is not None:
            self.propagate(c, spec, argv)
        c.propagate_as = None

    def on_key_expired(self, db: Db, key: bytes) -> None:
        self.stats.expired_keys += 1
        notify(self, NOTIFY_EXPIRED, b"expired", key, db.index)
        if self.watching:
            from .multi import key_expired  # noqa: PLC0415

            key_expired(self, db, key)
        if self.propagate is not None:
            self.propagate(None, None, [b"DEL", key], db=db)  # type: ignore[call-arg]

    def new_client_id(self) -> int:
        cid = self.next_client_id
        self.next_client_id += 1
        return cid

    # ---- logging --------------------------------------------------------------------

    def _log_stdout(self, level: str, message: str) -> None:
        line = self.format_log(level, message)
        logfile = self.config["logfile"]
        if logfile:
            with open(logfile, "a") as f:
                f.write(line + "\n")
        else:
            sys.stdout.write(line + "\n")
            sys.stdout.flush()

    def format_log(self, level: str, message: str) -> str:
        """Redis's log line: ``PID:ROLE DD Mon YYYY HH:MM:SS.mmm <level> message``."""
        now = time.time()
        role = {"master": "M", "slave": "S", "sentinel": "X", "child": "C"}.get(self.role, "M")
        stamp = time.strftime("%d %b %Y %H:%M:%S", time.localtime(now)) + ".%03d" % int(now % 1 * 1000)
        mark = {"debug": ".", "verbose": "-", "notice": "*", "warning": "#"}.get(level, "*")
        return f"{self.pid}:{role} {stamp} {mark} {message}"

    LEVELS = {"debug": 0, "verbose": 1, "notice": 2, "warning": 3, "nothing": 4}

    def log(self, level: str, message: str) -> None:
        if self.LEVELS.get(level, 2) >= self.LEVELS.get(self.config["loglevel"], 2):
            self.log_lines(level, message)

    def log_exception(self, e: BaseException, argv: list | None = None) -> None:
        what = repr(argv[:4]) if argv else ""
        self.log("warning", f"Internal error running {what}: {e!r}\n" + traceback.format_exc())

    # ---- periodic work ----------------------------------------------------------------

    def cron(self) -> None:
        self.update_clock()
        for job in self.cron_jobs:
            try:
                job(self)
            except Exception as e:  # noqa: BLE001
                self.log_exception(e)

    def uptime_s(self) -> int:
        return int(time.monotonic() - self.start_monotonic)
