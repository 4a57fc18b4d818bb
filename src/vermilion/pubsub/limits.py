"""``client-output-buffer-limit``: disconnect clients whose pending output grows too
large (Redis's checkClientOutputBufferLimits / closeClientOnOutputBufferLimitReached).

A client's pending output is its transport's write buffer.  For the client's class
(``normal``, ``slave`` for replicas, ``pubsub`` for any client with a subscription)
the limit ``(hard, soft, soft_seconds)`` applies, as in Redis:

* at or over ``hard`` bytes (when nonzero): close at once;
* at or over ``soft`` bytes (when nonzero): remember when that started
  (``c.obuf_soft_ms``); close once it has lasted more than ``soft_seconds``; dropping
  under the soft limit clears the mark.

The check runs after every message delivered to a subscriber (``channels.deliver``)
and from a cron job: subscribers every tick (soft-limit timing), other clients whose
class has a limit once a second (their replies are written by the connection, which
does not check; Redis checks on every reply).
"""

from __future__ import annotations

from typing import Any

_CLASS = {"normal": "normal", "pubsub": "pubsub", "replica": "slave"}


def check_output_limit(c: Any, used: int) -> bool:
    """Apply the limit of ``c``'s class to ``used`` pending bytes; True if closed."""
    if c.kind == "master":
        return False
    limits = c.server.config.values["client-output-buffer-limit"]
    cls = "pubsub" if (c.subscriptions or c.psubscriptions or c.ssubscriptions) and c.kind == "normal" \
        else _CLASS.get(c.kind, "normal")
    hard, soft, soft_s = limits[cls]
    if hard and used >= hard:
        return _close(c)
    if soft and used >= soft:
        now_ms = c.server.cached_now_ms
        since = c.obuf_soft_ms
        if not since:
            c.obuf_soft_ms = now_ms
        elif now_ms - since > soft_s * 1000:
            return _close(c)
    else:
        c.obuf_soft_ms = 0
    return False


def _close(c: Any) -> bool:
    server = c.server
    transport = c.transport
    if transport is not None and transport.is_closing():
        return True
    server.log("warning", f"Client id={c.id} addr={c.addr} laddr={c.laddr} fd={c.fd} "
               f"name={c.name.decode('utf-8', 'replace')} scheduled to be closed ASAP for "
               f"overcoming of output buffer limits.")
    ps = server.extensions.get("pubsub")
    if ps is not None:
        ps.drop_client(c)  # no more deliveries; the rest goes with connection_lost
    if transport is not None:
        transport.abort()  # drop the unsent output: that is the point
    else:
        c.close()
    return True


def output_limits_cron(server: Any) -> None:
    """Every tick: the subscribers.  Once a second: every client, when the normal class
    has a limit, else the replicas (the only other limited class)."""
    ps = server.extensions.get("pubsub")
    if ps is not None and ps.subscribers:
        _check_all(list(ps.subscribers))
    now_ms = server.cached_now_ms
    if now_ms - server.extensions.get("obuf_cron_last_ms", 0) < 1000:
        return
    server.extensions["obuf_cron_last_ms"] = now_ms
    limits = server.config.values["client-output-buffer-limit"]
    if any(limits["normal"][:2]):
        _check_all([c for c in server.clients.values() if c.kind != "master"])
    elif any(limits["slave"][:2]):
        _check_all([c for c in server.clients.values() if c.kind == "replica"])


def _check_all(clients: list) -> None:
    for c in clients:
        transport = c.transport
        if transport is None or transport.is_closing():
            continue
        used = transport.get_write_buffer_size()
        if used or c.obuf_soft_ms:
            check_output_limit(c, used)


def install(server: Any) -> None:
    if output_limits_cron not in server.cron_jobs:
        server.cron_jobs.append(output_limits_cron)
