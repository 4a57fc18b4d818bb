"""A connected client: identity, selected db, protocol version and per-connection state.

The ``Client`` doubles as the command context that handlers receive (``c.db``,
``c.server``, ``c.resp``): one object per connection rather than a ``Ctx`` allocated per
command, which keeps the hot path free of allocations.

Blocking: ``blocked`` is None, the state of a blocked command (engine/blocking.py), or
``Client.PAUSED`` while CLIENT PAUSE holds the client's command in ``paused_argv``
(engine/gates.py); ``resume()`` runs the commands still buffered once it is released.

``clients_cron`` (a server cron job) closes clients idle for longer than ``timeout``.

``gate`` is nonzero whenever the client is in a state that needs the slow checks of the
dispatch pipeline (MULTI, RESP2 pub/sub context, not yet authenticated, CLIENT REPLY
OFF/SKIP, blocked); the fast path tests that one integer.
"""

from __future__ import annotations

from typing import Any, Callable


class Gate:
    """Bits of ``client.gate``: plain ints (IntFlag arithmetic costs about a microsecond
    per operation, and every gate tests these bits for every command)."""

    MULTI = 1
    PUBSUB = 2
    NOAUTH = 4
    REPLY_OFF = 8
    REPLY_SKIP = 16
    BLOCKED = 32
    MONITOR = 64
    DIRTY_CAS = 128
    ACL = 256  # the client's user is restricted (security/acl/state.py)


class Client:
    __slots__ = (
        "id", "server", "db", "resp", "name", "lib_name", "lib_ver", "addr", "laddr", "fd",
        "created_ms", "last_interaction_ms", "gate", "authenticated", "user", "write",
        "close_after_reply", "last_cmd", "kind", "multi_queue", "multi_error", "watched",
        "subscriptions", "psubscriptions", "ssubscriptions", "no_evict", "no_touch",
        "close", "flags_str", "paused_argv", "query_buf_len", "out_pending", "blocked",
        "transport", "tracking", "unixsocket", "resume", "extra", "propagate_as",
        "deny_blocking", "push_capture", "obuf_soft_ms", "watch_expired",
    )

    # ``blocked`` value of a client parked by CLIENT PAUSE (engine/gates.py); its
    # command waits in ``paused_argv`` and runs first when the pause ends.
    PAUSED = "paused"

    def __init__(self, server: Any, client_id: int, addr: str, laddr: str, fd: int,
                 write: Callable[[bytes], None], close: Callable[[], None]) -> None:
        self.id = client_id
        self.server = server
        self.db = server.dbs[0]
        self.resp = 2
        self.name = b""
        self.lib_name = b""
        self.lib_ver = b""
        self.addr = addr
        self.laddr = laddr
        self.fd = fd
        self.created_ms = server.cached_now_ms
        self.last_interaction_ms = self.created_ms
        self.authenticated = not server.auth_required()
        self.user = b"default"
        self.gate = 0 if self.authenticated else Gate.NOAUTH
        self.write = write  # send bytes outside the normal reply path (pub/sub, unblock)
        self.close = close
        self.close_after_reply = False
        self.last_cmd: Any = None  # CommandSpec of the last command (CLIENT LIST cmd=)
        self.kind = "normal"  # normal | replica | master | pubsub
        self.multi_queue: list | None = None
        self.multi_error = False
        self.watched: set | None = None
        self.subscriptions: set = set()
        self.psubscriptions: set = set()
        self.ssubscriptions: set = set()
        self.no_evict = False
        self.no_touch = False
        self.flags_str = ""
        self.paused_argv: list[bytes] | None = None
        self.query_buf_len = 0
        self.out_pending = 0
        self.blocked: Any = None
        self.transport: Any = None
        self.tracking: Any = None
        self.unixsocket = False
        self.resume: Any = None
        self.extra: dict = {}
        # Set by a write handler whose effect must reach AOF/replicas in another form
        # than its argv (SET ... EX -> SET ... PXAT): a list of argvs; consumed by
        # server.on_write after the command.
        self.propagate_as: list[list[bytes]] | None = None
        # True while running inside MULTI/EXEC or a script: blocking commands answer as
        # on timeout instead of blocking (engine/blocking.py, Redis's CLIENT_DENY_BLOCKING).
        self.deny_blocking = False
        # Pub/sub (pubsub/channels.py): pushes caused by this client's own running
        # command, emitted before its reply; when its output passed the soft
        # output-buffer limit (pubsub/limits.py).
        self.push_capture: list[bytes] | None = None
        self.obuf_soft_ms = 0
        # WATCH (engine/multi.py): watched (db index, key) pairs already expired when
        # watched.
        self.watch_expired: set | None = None

    @property
    def db_index(self) -> int:
        return self.db.index

    def select(self, index: int) -> None:
        self.db = self.server.dbs[index]

    def client_type(self) -> str:
        """Redis's getClientType: master, replica, pubsub (any subscription) or normal."""
        kind = self.kind
        if kind == "master" or kind == "replica":
            return kind
        if self.subscriptions or self.psubscriptions or self.ssubscriptions:
            return "pubsub"
        return "normal"


def clients_cron(server: Any) -> None:
    """Close clients idle for more than ``timeout`` seconds (Redis's
    clientsCronHandleTimeout): never replicas, primaries, blocked, paused or subscribed
    clients.  Runs from the server cron, scanning the clients at most once a second."""
    max_idle_s = server.config["timeout"]
    if not max_idle_s:
        return
    now_ms = server.cached_now_ms
    state = server.extensions.get("clients_cron_last_ms", 0)
    if now_ms - state < 1000:
        return
    server.extensions["clients_cron_last_ms"] = now_ms
    limit_ms = max_idle_s * 1000
    for c in list(server.clients.values()):
        if (c.kind != "normal" or c.blocked is not None or c.subscriptions or c.psubscriptions
                or c.ssubscriptions or now_ms - c.last_interaction_ms <= limit_ms):
            continue
        server.log("verbose", "Closing idle client")
        server.clients.pop(c.id, None)
        c.close()
