"""Client-side caching: the tracking table and invalidation messages (Redis 7.2's
tracking.c).

State (one ``Tracking`` per server, ``server.extensions["tracking"]``, created the first
time a client runs CLIENT TRACKING ON):

* ``table``: key -> ordered set (a dict) of the ids of the clients that may cache it.
  Keys are global, not per database, as in Redis.  Entries hold client *ids*, never
  client objects: a client that goes away leaves its ids behind, and they are dropped
  lazily when the key is next modified (Redis's trade-off: disconnecting is O(1), and
  ``tracking_total_items`` still counts them meanwhile, as Redis's INFO does).
* ``prefixes``: BCAST prefix -> ``Bcast`` (the clients registered for it, and the keys
  matching it modified since the last broadcast, each with the client that modified it
  last, for NOLOOP).
* each tracking client has a ``ClientTracking`` in ``c.tracking`` (None when off).

Default mode.  After a command flagged ``readonly`` runs for a tracking client (its keys
by key spec, even when the command failed; EVAL_RO/EVALSHA_RO/FCALL_RO excluded, the
commands their scripts run count instead; commands of MULTI/EXEC and scripts count one
by one), ``remember`` adds the client to each key's set, subject to OPTIN/OPTOUT and
CLIENT CACHING.  When a key is modified -- every key WATCH considers touched
(engine/multi.py ``touch``: writes, DEL, expiry, eviction, MOVE/COPY targets), which
is why an active ``Tracking`` adds one to ``server.watching`` -- ``key_modified`` sends
each client in its set one ``invalidate`` message and forgets the key.  FLUSHDB and
FLUSHALL send every tracking client a null invalidation ("everything") and empty the
table.  SWAPDB invalidates nothing, as in Redis.

Delivery (``_send``, Redis's sendTrackingMessage): to the REDIRECT client if any (a
vanished one sets the broken-redirect flag and, for a RESP3 client, sends
``tracking-redir-broken``); a RESP3 recipient gets a ``>2 invalidate <keys>`` push, a
RESP2 redirect target subscribed to anything gets a ``message`` on
``__redis__:invalidate``; anyone else gets nothing.  A flush's null is encoded in the
*tracking* client's protocol, as Redis does.

The running client.  Dispatch calls ``enter``/``leave`` around each batch of a client
while tracking is in use, so ``current`` is the client whose commands run: NOLOOP
compares with it, and messages for it go to ``outbox`` and come out right after the
reply of the command that caused them (after the whole EXEC or script), as 7.2 defers
them; ``after_command`` moves them into the batch's output.

BCAST.  Modified keys are collected per prefix and broadcast at the end of the batch
that modified them, before the batch's replies are written -- Redis broadcasts in
beforeSleep, before it writes replies, so a writer that has its reply knows the BCAST
clients' invalidations were sent first; keys modified outside any batch (active expiry)
go on the next loop turn (``loop.call_soon``).  One message per prefix, keys in byte
order and deduplicated, NOLOOP clients getting the keys others modified.

CLIENT CACHING.  The flag lives until the end of the next command that is neither a
CLIENT subcommand nor run inside MULTI (Redis's resetClient), executed or refused.

Table size.  When ``tracking-table-max-keys`` is exceeded, random keys are invalidated
as if modified (Redis's trackingLimitUsedSlots, with its growing effort per call), after
a command that grew the table and from the cron.  Random picks come from a snapshot
list of the keys, retaken when used up, so each pick is O(1) amortised.

Cost when nobody tracks: nothing here runs; dispatch tests ``server.tracking`` (tracking
clients, plus pending messages), and writes test ``server.watching`` as before.
"""

from __future__ import annotations

from random import randrange
from typing import Any

from ..commands.spec import CmdFlag
from ..pubsub.channels import deliver
from .client import Gate

_READONLY = CmdFlag.READONLY.value
_PUBSUB_CMD = CmdFlag.PUBSUB.value
_MULTI = Gate.MULTI
_SUBSCRIBED = Gate.PUBSUB
_SCRIPT_RO = frozenset((b"eval_ro", b"evalsha_ro", b"fcall_ro"))

_PUSH_INVALIDATE = b">2\r\n$10\r\ninvalidate\r\n"
_MSG_INVALIDATE = b"*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n"
_NULL = {2: b"$-1\r\n", 3: b"_\r\n"}
_get_keys: Any = None  # commands.keys.get_keys, imported on first use


class ClientTracking:
    """One client's tracking mode (``c.tracking``; None when tracking is off)."""

    __slots__ = ("redirect", "bcast", "optin", "optout", "noloop", "caching", "broken_redirect",
                 "prefixes")

    def __init__(self) -> None:
        self.redirect = 0
        self.bcast = False
        self.optin = False
        self.optout = False
        self.noloop = False
        self.caching = False  # CLIENT CACHING YES (OPTIN) / NO (OPTOUT) for the next command
        self.broken_redirect = False
        self.prefixes: set[bytes] = set()

    def flags(self) -> list[bytes]:
        """CLIENT TRACKINGINFO's flags after ``on``, in Redis's order."""
        out = [b"on"]
        if self.bcast:
            out.append(b"bcast")
        if self.optin:
            out.append(b"optin")
            if self.caching:
                out.append(b"caching-yes")
        if self.optout:
            out.append(b"optout")
            if self.caching:
                out.append(b"caching-no")
        if self.noloop:
            out.append(b"noloop")
        if self.broken_redirect:
            out.append(b"broken_redirect")
        return out


class Bcast:
    """A BCAST prefix: its clients and the keys modified since the last broadcast."""

    __slots__ = ("clients", "keys")

    def __init__(self) -> None:
        self.clients: dict[Any, None] = {}
        self.keys: dict[bytes, Any] = {}  # key -> client that modified it last (or None)


def _bulk(b: bytes) -> bytes:
    return b"$%d\r\n%b\r\n" % (len(b), b)


def _keys_array(keys: list[bytes]) -> bytes:
    return b"*%d\r\n" % len(keys) + b"".join([b"$%d\r\n%b\r\n" % (len(k), k) for k in keys])


class Tracking:
    __slots__ = ("server", "table", "items", "prefixes", "clients", "current", "outbox",
                 "bcast_pending", "grew", "effort_rounds", "evict_pool", "active", "depth")

    def __init__(self, server: Any) -> None:
        self.server = server
        self.table: dict[bytes, dict[int, None]] = {}
        self.items = 0  # ids stored across the table (INFO tracking_total_items)
        self.prefixes: dict[bytes, Bcast] = {}
        self.clients = 0  # clients with tracking on (INFO tracking_clients)
        self.current: Any = None  # the client whose batch is running
        self.outbox: list[bytes] = []  # messages for ``current``, sent after its reply
        self.bcast_pending = False
        self.grew = False
        self.effort_rounds = 0
        self.evict_pool: list[bytes] | None = None
        self.active = False  # holding one of server.watching
        self.depth = 0  # nested batches of ``current`` (a gate running its command)

    # ---- bookkeeping ------------------------------------------------------------------

    def sync(self) -> None:
        """Keep ``server.tracking`` (dispatch hooks) and our share of
        ``server.watching`` (write hooks) in step with the state."""
        server = self.server
        server.tracking = self.clients + len(self.outbox)
        active = bool(self.clients or self.table)
        if active != self.active:
            self.active = active
            server.watching += 1 if active else -1

    # ---- enabling / disabling ---------------------------------------------------------

    def enable(self, c: Any, redirect: int, bcast: bool, optin: bool, optout: bool, noloop: bool,
               prefixes: list[bytes]) -> None:
        """Redis's enableTracking (options already validated)."""
        t = c.tracking
        if t is None:
            t = c.tracking = ClientTracking()
            self.clients += 1
        t.broken_redirect = t.bcast = t.optin = t.optout = t.noloop = False
        t.redirect = redirect
        if bcast:
            t.bcast = True
            for p in prefixes or (b"",):
                bs = self.prefixes.get(p)
                if bs is None:
                    bs = self.prefixes[p] = Bcast()
                if c not in bs.clients:
                    bs.clients[c] = None
                    t.prefixes.add(p)
        t.optin, t.optout, t.noloop = optin, optout, noloop
        self.current = c  # the client enabling it is the one running
        self.sync()

    def disable(self, c: Any) -> None:
        """Redis's disableTracking: table entries of the client go lazily."""
        t = c.tracking
        if t is None:
            return
        for p in t.prefixes:
            bs = self.prefixes.get(p)
            if bs is not None:
                bs.clients.pop(c, None)
                if not bs.clients:
                    del self.prefixes[p]
        if not self.prefixes:
            self.bcast_pending = False
        c.tracking = None
        self.clients -= 1
        if not self.clients and not self.outbox:
            self.current = None  # dispatch stops calling enter/leave: forget the batch
        self.sync()

    def check_prefixes(self, c: Any, prefixes: list[bytes]) -> bytes | None:
        """Redis's checkPrefixCollisionsOrReply: the error text, or None."""
        t = c.tracking
        mine = sorted(t.prefixes) if t is not None else []
        for i, p in enumerate(prefixes):
            for q in mine:
                if q.startswith(p) or p.startswith(q):
                    return (b"ERR Prefix '%s' overlaps with an existing prefix '%s'. "
                            b"Prefixes for a single client must not overlap." % (p, q))
            for q in prefixes[i + 1:]:
                if q.startswith(p) or p.startswith(q):
                    return (b"ERR Prefix '%s' overlaps with another provided prefix '%s'. "
                            b"Prefixes for a single client must not overlap." % (p, q))
        return None

    # ---- remembering keys -------------------------------------------------------------

    def remember(self, c: Any, spec: Any, argv: list[bytes]) -> None:
        """Redis's trackingRememberKeys: ``c`` (tracking, not BCAST) may cache the keys
        of the read-only command ``spec``."""
        t = c.tracking
        if t.bcast or spec.flag_bits & _PUBSUB_CMD:
            return
        if (t.optin and not t.caching) or (t.optout and t.caching):
            return
        global _get_keys
        if _get_keys is None:
            from ..commands.keys import get_keys  # noqa: PLC0415  (commands import engine)

            _get_keys = get_keys
        cid = c.id
        table = self.table
        added = 0
        for pos, _flags in _get_keys(spec, argv):
            key = argv[pos]
            ids = table.get(key)
            if ids is None:
                ids = table[key] = {}
                self.grew = True
            if cid not in ids:
                ids[cid] = None
                added += 1
        if added:
            self.items += added
            if not self.active:
                self.sync()

    # ---- invalidation -----------------------------------------------------------------

    def key_modified(self, key: bytes, bcast: bool = True, by_server: bool = False) -> None:
        """Redis's trackingInvalidateKey: ``key`` changed (or is evicted from the table).
        ``by_server``: expired or evicted, so for BCAST's NOLOOP nobody changed it (the
        default mode's NOLOOP compares with the running client in any case, as Redis)."""
        if bcast and self.prefixes:
            self._remember_for_broadcast(key, None if by_server else self.current)
        ids = self.table.pop(key, None)
        if ids is None:
            return
        self.items -= len(ids)
        clients = self.server.clients
        current = self.current
        body = None
        for cid in ids:
            target = clients.get(cid)
            if target is None:
                continue
            t = target.tracking
            if t is None or t.bcast or (t.noloop and target is current):
                continue
            if body is None:
                body = b"*1\r\n" + _bulk(key)
            self._send(target, body)
        if not self.table or self.outbox:
            self.sync()

    def flushed(self, server: Any, db_index: int) -> None:
        """Redis's trackingInvalidateKeysOnFlush (a ``flushdb`` hook): a null
        invalidation to every tracking client; the table is emptied."""
        if self.clients:
            for c in list(server.clients.values()):
                t = c.tracking
                if t is not None:
                    self._send(c, _NULL[3 if c.resp == 3 else 2])
        self.table = {}
        self.items = 0
        self.evict_pool = None
        self.sync()

    def _send(self, c: Any, body: bytes) -> None:
        """Redis's sendTrackingMessage: ``body`` is the RESP value after the header."""
        t = c.tracking
        to = c
        redirected = False
        redirect = t.redirect if t is not None else 0
        if redirect:
            to = self.server.clients.get(redirect)
            if to is None:
                if t is not None:
                    t.broken_redirect = True
                if c.resp == 3:
                    self._write(c, b">2\r\n$21\r\ntracking-redir-broken\r\n:%d\r\n" % redirect)
                return
            redirected = True
        if to.resp == 3:
            self._write(to, _PUSH_INVALIDATE + body)
        elif redirected and to.gate & _SUBSCRIBED:
            self._write(to, _MSG_INVALIDATE + body)

    def _write(self, to: Any, data: bytes) -> None:
        if to is self.current:
            self.outbox.append(data)
            self.server.tracking = self.clients + len(self.outbox)
        else:
            deliver(to, data)

    # ---- BCAST ------------------------------------------------------------------------

    def _remember_for_broadcast(self, key: bytes, by: Any) -> None:
        """Redis's trackingRememberKeyToBroadcast: ``by`` changed ``key`` (or None)."""
        found = False
        for prefix, bs in self.prefixes.items():
            if key.startswith(prefix):
                bs.keys[key] = by
                found = True
        if found and not self.bcast_pending:
            self.bcast_pending = True
            if self.current is None:  # outside a batch (active expiry): next loop turn
                loop = self.server.loop
                if loop is not None:
                    loop.call_soon(self.broadcast)

    def broadcast(self) -> None:
        """Redis's trackingBroadcastInvalidationMessages: one message per prefix.  Run
        at the end of a batch, before its replies are written (Redis's beforeSleep
        broadcasts before it writes replies: a writer that sees its reply knows the
        BCAST clients' invalidations are already on their way); the running client's
        own go after its replies."""
        if not self.bcast_pending:
            return
        self.bcast_pending = False
        for prefix in sorted(self.prefixes):
            bs = self.prefixes.get(prefix)
            if bs is None or not bs.keys:
                continue
            modified = bs.keys
            bs.keys = {}
            keys = sorted(modified)
            common = None
            for c in list(bs.clients):
                t = c.tracking
                if t is not None and t.noloop:
                    mine = [k for k in keys if modified[k] is not c]
                    if mine:
                        self._send(c, _keys_array(mine))
                else:
                    if common is None:
                        common = _keys_array(keys)
                    self._send(c, common)

    # ---- the running client -----------------------------------------------------------

    def enter(self, c: Any) -> Any:
        """A batch of ``c`` starts; returns the previous running client.  A gate may run
        the command in a nested batch of the same client (CLIENT REPLY, pub/sub)."""
        prev = self.current
        if prev is c:
            self.depth += 1
        self.current = c
        return prev

    def leave(self, c: Any, prev: Any, out: list) -> None:
        """The batch of ``c`` ends: whatever is still pending for it goes out (a nested
        batch leaves it to the outer one, whose gate may drop the nested output)."""
        if prev is c:
            self.depth -= 1
        else:
            if self.bcast_pending:
                self.broadcast()
            if self.outbox and self.current is c:
                out.extend(self.outbox)
                self.outbox.clear()
        self.current = prev
        self.sync()

    def after_command(self, c: Any, spec: Any, argv: list[bytes], out: list) -> None:
        """After a command of the running client (executed, even if it failed)."""
        t = c.tracking
        if t is not None:
            if spec.flag_bits & _READONLY and spec.name not in _SCRIPT_RO:
                self.remember(c, spec, argv)
            if t.caching:
                _end_caching(c, t, spec)
        if self.grew:
            self.grew = False
            self.limit()
        if self.outbox:
            # After the command's own deferred pushes (pub/sub to itself), as Redis
            # queues both on pending_push_messages in that order.  In a nested batch
            # without capture (CLIENT REPLY OFF/SKIP, whose output is dropped) they wait
            # for the outer batch: pushes reach muted clients, as in Redis.
            cap = c.push_capture
            if cap is not None:
                cap.extend(self.outbox)
            elif self.depth and self.current is c:
                return
            else:
                out.extend(self.outbox)
            self.outbox.clear()
            self.sync()

    def flush(self, c: Any, out: list) -> None:
        """After a gate answered for ``c`` (its command may have run nested)."""
        if self.outbox and self.current is c and not self.depth:
            out.extend(self.outbox)
            self.outbox.clear()
            self.sync()

    def rejected(self, c: Any, spec: Any, argv: list[bytes]) -> None:
        """A command of the running client was refused before running."""
        t = c.tracking
        if t is not None and t.caching:
            if spec is not None and spec.subcommands:
                spec = spec.subcommands.get(argv[1].lower()) if len(argv) > 1 else None
            _end_caching(c, t, spec)

    # ---- table size -------------------------------------------------------------------

    def limit(self) -> None:
        """Redis's trackingLimitUsedSlots: invalidate random keys while the table holds
        more than ``tracking-table-max-keys``; the effort grows while that is not enough."""
        max_keys = self.server.config["tracking-table-max-keys"]
        table = self.table
        if not max_keys or len(table) <= max_keys:
            self.effort_rounds = 0
            return
        effort = 100 * (self.effort_rounds + 1)
        pool = self.evict_pool
        while effort > 0:
            effort -= 1
            if not pool:
                pool = self.evict_pool = list(table)
                if not pool:
                    break
            i = randrange(len(pool))
            key = pool[i]
            pool[i] = pool[-1]
            pool.pop()
            if key not in table:
                continue
            self.key_modified(key, bcast=False)
            if len(table) <= max_keys:
                self.effort_rounds = 0
                return
        self.effort_rounds += 1

    def cron(self, server: Any) -> None:
        if self.clients:
            self.limit()

    # ---- disconnect / RESET -----------------------------------------------------------

    def client_gone(self, c: Any) -> None:
        if c.tracking is not None:
            self.disable(c)
        if self.current is c:
            self.current = None
            if self.outbox:
                self.outbox.clear()
                self.sync()


def _end_caching(c: Any, t: ClientTracking, spec: Any) -> None:
    """Redis's resetClient: CLIENT CACHING lasts until a command outside MULTI that is
    not a CLIENT subcommand (``spec`` None: an unknown command)."""
    if c.gate & _MULTI:
        return
    if spec is not None and spec.parent is not None and spec.parent.name == b"client":
        return
    t.caching = False


def get_tracking(server: Any) -> Tracking:
    """The server's ``Tracking``, created (and its hooks registered) on first use."""
    tr = server.extensions.get("tracking")
    if tr is None:
        tr = server.extensions["tracking"] = Tracking(server)
        ext = server.extensions
        ext.setdefault("client_closed", []).append(tr.client_gone)
        ext.setdefault("client_reset", []).append(tr.disable)
        ext.setdefault("flushdb", []).append(tr.flushed)
        ext["tracking_total_keys"] = lambda s: len(tr.table)
        ext["tracking_total_items"] = lambda s: tr.items
        ext["tracking_total_prefixes"] = lambda s: len(tr.prefixes)
        server.cron_jobs.append(tr.cron)
    return tr


# ---- hooks called from dispatch, MULTI/EXEC and scripts ----------------------------------
#
# They run after the command did its work: a bug here is logged, never raised into the
# pipeline (like dispatch's WATCH hook).


def enter(c: Any) -> Any:
    return c.server.extensions["tracking"].enter(c)


def leave(c: Any, prev: Any, out: list) -> None:
    try:
        c.server.extensions["tracking"].leave(c, prev or None, out)
    except Exception as e:  # noqa: BLE001
        c.server.log_exception(e)


def after_command(c: Any, spec: Any, argv: list[bytes], out: list) -> None:
    try:
        c.server.extensions["tracking"].after_command(c, spec, argv, out)
    except Exception as e:  # noqa: BLE001
        c.server.log_exception(e, argv)


def flush(c: Any, out: list) -> None:
    c.server.extensions["tracking"].flush(c, out)


def rejected(c: Any, spec: Any, argv: list[bytes]) -> None:
    try:
        c.server.extensions["tracking"].rejected(c, spec, argv)
    except Exception as e:  # noqa: BLE001
        c.server.log_exception(e, argv)


def remember_nested(c: Any, spec: Any, argv: list[bytes]) -> None:
    """A command run by EXEC, a script or a served blocked client, for client ``c``."""
    if c.tracking is not None and spec.flag_bits & _READONLY and spec.name not in _SCRIPT_RO:
        try:
            c.server.extensions["tracking"].remember(c, spec, argv)
        except Exception as e:  # noqa: BLE001
            c.server.log_exception(e, argv)
