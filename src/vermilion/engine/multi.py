"""MULTI/EXEC/WATCH machinery (Redis's multi.c): queueing gates, the EXEC runner and
the watched-keys index.

Queueing: while ``Gate.MULTI`` is set, the ``multi_refuse`` gate refuses commands
flagged ``no-multi`` and the ``multi_queue`` gate (last) appends ``(spec, argv)`` to
``c.multi_queue`` and answers ``+QUEUED`` -- except EXEC, DISCARD, MULTI, WATCH, QUIT
and RESET, which run at once.  A command refused before queueing (unknown, wrong
arity, any gate's error) sets ``c.multi_error`` (dispatch does it), so EXEC answers
EXECABORT.

WATCH: ``Watches.by_db`` maps db index -> key -> ordered set of watching clients;
each client keeps its ``(db index, key)`` pairs in ``c.watched``.  ``server.watching``
counts the pairs, so the write path pays one integer test when nobody watches.  A key
is touched (every watcher gets ``Gate.DIRTY_CAS``) after

* a command that changed data (``server.dirty`` moved): its key-spec keys other than
  read-only ones, plus MOVE's / COPY ... DB's target (dispatch and the EXEC runner);
  DEL and UNLINK touch only the keys they deleted (from their handler);
* its expiry or eviction (``server.on_key_expired``);
* FLUSHDB/FLUSHALL and SWAPDB, for keys that exist on either side (hooks), as
  Redis's ``touchAllWatchedKeysInDb``.

As in Redis 7, a key already expired when watched is remembered
(``c.watch_expired``): its deletion is no logical change, but EXEC fails if a watched
key that was alive has expired meanwhile (``isWatchedKeyExpired``).

EXEC runs the queue with ``c.deny_blocking`` set (blocking commands answer as on
timeout), collects each write's propagation forms and hands them to the propagation
hook as one unit, wrapped in MULTI/EXEC when there is more than one (7.2's
``propagatePendingCommands``).
"""

from __future__ import annotations

from time import perf_counter_ns
from typing import Any

from ..commands.spec import CmdFlag, KeyFlag
from ..keyspace.notify import command_events
from ..protocol.errors import CommandError
from ..protocol.reply import QUEUED, ErrorReply
from .client import Gate

_MULTI = Gate.MULTI
_DIRTY = Gate.DIRTY_CAS
_ACL = Gate.ACL
_NO_MULTI = CmdFlag.NO_MULTI.value
_READONLY = CmdFlag.READONLY.value
_SKIP = KeyFlag.RO | KeyFlag.NOT_KEY  # keys a write command only reads
_RM = KeyFlag.RM
_WRITES = KeyFlag.RW | KeyFlag.OW
_SKIP_V, _RM_V, _WRITES_V = _SKIP.value, _RM.value, _WRITES.value
_RUN_IN_MULTI = frozenset((b"exec", b"discard", b"multi", b"watch", b"quit", b"reset"))


class Watches:
    __slots__ = ("server", "by_db")

    def __init__(self, server: Any) -> None:
        self.server = server
        self.by_db: dict[int, dict[bytes, dict[Any, None]]] = {}


def get_watches(server: Any) -> Watches:
    w = server.extensions.get("watches")
    if w is None:
        w = server.extensions["watches"] = Watches(server)
        ext = server.extensions
        ext.setdefault("client_closed", []).append(discard_state)
        ext.setdefault("client_reset", []).append(discard_state)
        ext.setdefault("flushdb", []).append(_on_flush)
        ext.setdefault("swapdb", []).append(_on_swap)
    return w


# ---- watching ------------------------------------------------------------------------


def watch_key(c: Any, key: bytes) -> None:
    db = c.db
    pair = (db.index, key)
    watched = c.watched
    if watched is None:
        watched = c.watched = set()
    elif pair in watched:
        return
    server = c.server
    w = get_watches(server)
    watched.add(pair)
    table = w.by_db.get(db.index)
    if table is None:
        table = w.by_db[db.index] = {}
    clients = table.get(key)
    if clients is None:
        clients = table[key] = {}
    clients[c] = None
    server.watching += 1
    if db.logically_expired(key):
        if c.watch_expired is None:
            c.watch_expired = set()
        c.watch_expired.add(pair)


def unwatch_all(c: Any) -> None:
    watched = c.watched
    if not watched:
        return
    server = c.server
    w = server.extensions.get("watches")
    for pair in watched:
        table = w.by_db.get(pair[0])
        clients = table.get(pair[1]) if table is not None else None
        if clients is not None:
            clients.pop(c, None)
            if not clients:
                del table[pair[1]]
                if not table:
                    del w.by_db[pair[0]]
        server.watching -= 1
    c.watched = None
    c.watch_expired = None


def _mark_dirty(c: Any) -> None:
    c.gate |= _DIRTY
    unwatch_all(c)  # nothing more to learn until EXEC/DISCARD


def touch(server: Any, db: Any, key: bytes, by_server: bool = False) -> None:
    """Redis's signalModifiedKey (called after ``key`` of ``db`` was modified): WATCH,
    and client-side caching (engine/tracking.py holds one of ``server.watching`` while
    in use, so every modified key comes here).  ``by_server``: expiry or eviction, no
    client made the change (Redis passes a NULL client)."""
    tr = server.extensions.get("tracking")
    if tr is not None and tr.active:
        tr.key_modified(key, by_server=by_server)
    w = server.extensions.get("watches")
    table = w.by_db.get(db.index) if w is not None else None
    if not table:
        return
    clients = table.get(key)
    if not clients:
        return
    pair = (db.index, key)
    for c in list(clients):
        exp = c.watch_expired
        if exp is not None and pair in exp:
            exp.discard(pair)
            if key not in db.data:
                continue  # an already expired key went: no logical change
        _mark_dirty(c)


_get_keys: Any = None  # commands.keys.get_keys (commands import engine: set on first use)


def touch_command(c: Any, spec: Any, argv: list[bytes]) -> None:
    """After a command changed data: touch the keys it may have written."""
    global _get_keys
    if _get_keys is None:
        from ..commands.keys import get_keys  # noqa: PLC0415

        _get_keys = get_keys
    server = c.server
    db = c.db
    for pos, flags in _get_keys(spec, argv):
        v = flags._value_  # int tests: KeyFlag arithmetic costs microseconds
        if v & _SKIP_V or (v & _RM_V and not v & _WRITES_V):
            continue  # read-only; or DEL/UNLINK, which touch the keys they deleted
        touch(server, db, argv[pos])
    name = spec.name
    if name == b"move" and len(argv) > 2:
        other = _db_arg(server, argv[2])
        if other is not None:
            touch(server, other, argv[1])
    elif name == b"copy":
        for i in range(3, len(argv) - 1):
            if argv[i].lower() == b"db":
                other = _db_arg(server, argv[i + 1])
                if other is not None:
                    touch(server, other, argv[2])


def _db_arg(server: Any, raw: bytes) -> Any:
    try:
        i = int(raw)
    except ValueError:
        return None
    return server.dbs[i] if 0 <= i < len(server.dbs) else None


def key_expired(server: Any, db: Any, key: bytes) -> None:
    """From ``server.on_key_expired`` (lazy or active expiry, eviction)."""
    if server.watching:
        touch(server, db, key, True)


def _touch_all_in_db(server: Any, index: int, emptied: Any, emptied_expires: Any,
                     replaced: Any, replaced_expires: Any) -> None:
    """Redis's touchAllWatchedKeysInDb: ``emptied`` is the data the db held before,
    ``replaced`` what it holds after (None for a flush)."""
    w = server.extensions.get("watches")
    table = w.by_db.get(index) if w is not None else None
    if not table:
        return
    now = server.cached_now_ms
    for key, clients in list(table.items()):
        in_emptied = key in emptied
        in_replaced = replaced is not None and key in replaced
        if not (in_emptied or in_replaced):
            continue
        pair = (index, key)
        replaced_expired = in_replaced and replaced_expires.get(key, now + 1) <= now
        for c in list(clients):
            exp = c.watch_expired
            if exp is not None and pair in exp:
                if not in_replaced:
                    exp.discard(pair)
                    continue
                if replaced_expired:
                    continue
            elif not in_emptied and replaced_expired:
                if c.watch_expired is None:
                    c.watch_expired = set()
                c.watch_expired.add(pair)
                continue
            _mark_dirty(c)


def _on_flush(server: Any, db_index: int) -> None:
    if not server.watching:
        return
    dbs = server.dbs if db_index < 0 else [server.dbs[db_index]]
    for db in dbs:
        _touch_all_in_db(server, db.index, db.data, db.expires, None, None)


def _on_swap(server: Any, a: Any, b: Any) -> None:
    """Called after the swap: ``a`` now holds what ``b`` held and vice versa."""
    if not server.watching:
        return
    _touch_all_in_db(server, a.index, b.data, b.expires, a.data, a.expires)
    _touch_all_in_db(server, b.index, a.data, a.expires, b.data, b.expires)


def watched_key_expired(c: Any) -> bool:
    """Redis's isWatchedKeyExpired: a key alive when watched has expired since."""
    if not c.watched:
        return False
    dbs = c.server.dbs
    exp = c.watch_expired
    for pair in c.watched:
        if exp is not None and pair in exp:
            continue
        if dbs[pair[0]].logically_expired(pair[1]):
            return True
    return False


# ---- transaction state -----------------------------------------------------------------


def start(c: Any) -> None:
    c.multi_queue = []
    c.multi_error = False
    c.gate |= _MULTI


def discard_state(c: Any) -> None:
    """Redis's discardTransaction (also on disconnect and RESET)."""
    c.multi_queue = None
    c.multi_error = False
    c.gate &= ~(_MULTI | _DIRTY)
    unwatch_all(c)


# ---- gates ---------------------------------------------------------------------------


def _refuse_gate(c: Any, spec: Any, argv: list[bytes]) -> Any:
    if c.gate & _MULTI and spec.flag_bits & _NO_MULTI:
        raise CommandError(b"ERR Command not allowed inside a transaction")
    return None


def _queue_gate(c: Any, spec: Any, argv: list[bytes]) -> Any:
    if not c.gate & _MULTI or (spec.parent is None and spec.name in _RUN_IN_MULTI):
        return None
    c.multi_queue.append((spec, argv))
    return QUEUED


def flag_error(c: Any) -> None:
    """A command refused while queueing: EXEC will answer EXECABORT."""
    if c.gate & _MULTI:
        c.multi_error = True


# ---- EXEC ------------------------------------------------------------------------------


def run_queue(c: Any) -> list:
    """Run the queued commands as one unit; return their replies."""
    server = c.server
    stats = server.stats
    queue = c.multi_queue
    unwatch_all(c)
    old_deny = c.deny_blocking
    c.deny_blocking = True
    replies: list = []
    forms: list[list[bytes]] = []
    t_prev = perf_counter_ns()
    # A restricted user's rules may have changed since queueing: each command is checked
    # again (security/acl's exec_check: NOPERM in its slot, logged as "multi").
    acl = server.extensions.get("acl") if c.gate & _ACL else None
    err_after_last_call = False
    try:
        for spec, argv in queue:
            if acl is not None:
                denied = acl.exec_check(c, spec, argv)
                if denied is not None:
                    replies.append(ErrorReply(denied.msg))
                    stats.count_error(denied.msg)
                    err_after_last_call = True
                    continue
            err_after_last_call = False
            dirty = server.dirty
            c.propagate_as = None
            st = spec.stats
            try:
                reply = spec.handler(c, argv)
            except CommandError as e:
                reply = ErrorReply(e.msg)
                stats.count_error(e.msg)
                st.failed_calls += 1
            except Exception as e:  # noqa: BLE001  (a bug must not escape EXEC)
                server.log_exception(e, argv)
                msg = b"ERR internal error: %s" % type(e).__name__.encode()
                reply = ErrorReply(msg)
                stats.count_error(msg)
            if server.tracking and spec.flag_bits & _READONLY:  # client-side caching
                from .tracking import remember_nested  # noqa: PLC0415

                remember_nested(c, spec, argv)
            if server.dirty != dirty:
                pa = c.propagate_as
                if pa is None:
                    forms.append(argv)
                else:
                    forms.extend(pa)
                if server.watching:
                    touch_command(c, spec, argv)
                if server.notify_flags:
                    command_events(c, spec, argv, reply)
            c.propagate_as = None
            t = perf_counter_ns()
            st.calls += 1
            st.usec += (t - t_prev) // 1000
            t_prev = t
            stats.total_commands_processed += 1
            replies.append(reply)
            if server.monitors:  # MONITOR shows the commands EXEC runs (ops/monitor.py)
                from ..ops.monitor import feed  # noqa: PLC0415

                feed(c, spec, argv)
    finally:
        c.deny_blocking = old_deny
        discard_state(c)
    if err_after_last_call:
        # Redis counts an error replied after the last queued call() against EXEC itself.
        from ..commands.registry import COMMANDS  # noqa: PLC0415

        COMMANDS[b"exec"].stats.failed_calls += 1
    if server.propagate is None:
        c.propagate_as = None  # nobody listens: leave nothing behind
    elif len(forms) > 1:
        c.propagate_as = [[b"MULTI"], *forms, [b"EXEC"]]
    else:
        c.propagate_as = forms
    return replies


from .dispatch import GATE_ORDER, register_gate  # noqa: E402  (after the gates it registers)

register_gate(GATE_ORDER["multi_refuse"], "multi_refuse", _refuse_gate, client_bits=_MULTI)
register_gate(GATE_ORDER["multi_queue"], "multi_queue", _queue_gate, client_bits=_MULTI)
