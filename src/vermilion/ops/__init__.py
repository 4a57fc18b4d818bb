"""Operations: the slow log, the latency monitor, MONITOR, memory accounting and eviction.

``install(server)`` (called once by ``Server.__init__``) attaches each subsystem's state
to the server and primes the cached integers the dispatch hot path tests:

* ``server.slowlog_us``: ``slowlog-log-slower-than`` in microseconds, or a huge value
  when the log is off (negative threshold or ``slowlog-max-len 0``) -- dispatch compares
  each command's duration against it, one integer comparison per command;
* ``server.monitors``: the clients in MONITOR mode (dispatch feeds them only when the
  list is non-empty);
* ``server.latency_tracking``: per-command latency histograms for INFO latencystats.

CONFIG SET keeps them current through the directives' ``apply`` hooks installed here.
"""

from __future__ import annotations

from typing import Any

from ..config import directives as _directives  # noqa: F401  (declares them)
from ..config.schema import DIRECTIVES
from . import evict, latency, memory, monitor, slowlog

def install(server: Any) -> None:
    server.monitors = []
    server.extensions.setdefault("client_closed", []).append(monitor.stop)
    slowlog.install(server)
    latency.install(server)
    memory.install(server)
    evict.install(server)


def _chain(name: str, fn: Any) -> None:
    """Add ``fn`` to a directive's apply hook, keeping any hook already there."""
    d = DIRECTIVES[name]
    prev = d.apply

    if prev is None:
        d.apply = fn
    else:
        def both(server: Any, config: Any) -> None:
            prev(server, config)
            fn(server, config)

        d.apply = both


_chain("slowlog-log-slower-than", lambda s, c: slowlog.configure(s))
_chain("slowlog-max-len", lambda s, c: slowlog.configure(s))
_chain("latency-monitor-threshold", lambda s, c: slowlog.configure(s))
_chain("latency-tracking", lambda s, c: latency.configure(s))
_chain("maxmemory", lambda s, c: evict.maxmemory_changed(s))
_chain("maxmemory-policy", lambda s, c: evict.configure(s))
