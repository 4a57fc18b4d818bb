"""FAILOVER: a coordinated hand-over from this primary to one of its replicas (Redis
6.2+, replication.c failoverCommand/updateFailoverStatus).

1. FAILOVER pauses writes (CLIENT PAUSE WRITE) and enters ``waiting-for-sync``.
2. ``update`` (on every ACK and every cron tick) waits for the target -- the named one,
   or the first replica whose acknowledged offset reaches ours -- to have the whole
   stream; past the TIMEOUT it aborts, or with FORCE fails over anyway.
3. ``failover-in-progress``: we become a replica of the target (``start_replication``)
   and our handshake sends ``PSYNC <our replid> <offset+1> FAILOVER``; the target, seeing
   its own replication id, promotes itself and lets us continue (replica side of
   ``psync_failover``).  Its +CONTINUE/+FULLRESYNC ends the failover (writes resume);
   a refusal aborts it: we become a primary again.

FAILOVER ABORT stops it at any point.
"""

from __future__ import annotations

import time
from typing import Any

NO_FAILOVER = "no-failover"
WAIT_FOR_SYNC = "waiting-for-sync"
IN_PROGRESS = "failover-in-progress"

PAUSE_FOREVER_MS = 10 * 365 * 24 * 3600 * 1000


class Failover:
    __slots__ = ("state", "end_ms", "force", "host", "port")

    def __init__(self) -> None:
        self.state = NO_FAILOVER
        self.end_ms = 0
        self.force = False
        self.host = ""
        self.port = 0


def start(server: Any, st: Any, host: str | None, port: int, timeout_ms: int, force: bool) -> None:
    from ..engine.gates import pause_clients  # noqa: PLC0415

    f = st.failover
    if host is not None:
        f.host, f.port = host, port
        server.log("notice", "FAILOVER requested to %s:%d." % (host, port))
    else:
        server.log("notice", "FAILOVER requested to any replica.")
    f.end_ms = int(time.time() * 1000) + timeout_ms if timeout_ms else 0
    f.force = force
    f.state = WAIT_FOR_SYNC
    pause_clients(server, int(time.time() * 1000) + PAUSE_FOREVER_MS, True)
    st.request_acks()


def clear(server: Any, st: Any) -> None:
    from ..engine.gates import unpause_clients  # noqa: PLC0415

    st.failover = Failover()
    unpause_clients(server)


def abort(server: Any, st: Any, why: str) -> None:
    f = st.failover
    if f.state == NO_FAILOVER:
        return
    if f.host:
        server.log("notice", "FAILOVER to %s:%d aborted: %s" % (f.host, f.port, why))
    else:
        server.log("notice", "FAILOVER to any replica aborted: %s" % why)
    if f.state == IN_PROGRESS:
        from .replica_link import stop_replication  # noqa: PLC0415

        stop_replication(server)
    clear(server, st)


def update(server: Any, st: Any) -> None:
    """updateFailoverStatus: hand over once the target has the whole stream."""
    f = st.failover
    if f.state != WAIT_FOR_SYNC:
        return
    if f.end_ms and f.end_ms <= int(time.time() * 1000):
        if f.force:
            server.log("notice", "FAILOVER to %s:%d time out exceeded, failing over." % (f.host, f.port))
            _hand_over(server, st)
        else:
            abort(server, st, "Replica never caught up before timeout")
        return
    offset = st.master_repl_offset
    target = None
    if f.host:
        target = st.find_replica(f.host, f.port)
    else:
        for r in st.replicas.values():
            if r.ack_offset == offset:
                f.host, f.port = r.ip(), r.listening_port
                target = r
                break
    if target is not None and target.ack_offset == offset:
        server.log("notice", "Failover target %s:%d is synced, failing over." % (f.host, f.port))
        _hand_over(server, st)


def _hand_over(server: Any, st: Any) -> None:
    from .replica_link import start_replication  # noqa: PLC0415

    st.failover.state = IN_PROGRESS
    start_replication(server, st.failover.host, st.failover.port)


def psync_outcome(server: Any, st: Any, accepted: bool) -> None:
    """The target answered our PSYNC ... FAILOVER."""
    if st.failover.state != IN_PROGRESS:
        return
    if accepted:
        clear(server, st)
    else:
        abort(server, st, "Failover target rejected psync request")
