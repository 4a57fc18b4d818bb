"""Blocking commands (BLPOP, BLMOVE, BZPOPMIN, XREAD BLOCK, ...): Redis's blocked.c.

Handlers stay synchronous.  A handler that finds nothing to serve calls ``block(...)``
and returns ``NO_REPLY``: the client's ``blocked`` state is set, which stops the
dispatch loop for that client (its later pipelined commands stay buffered).  The state
holds ``serve(c, key)``, a callback that tries to run the command again against a key
that became ready and returns the reply value, or None when there is still nothing.

Keys become ready when a write path calls ``signal_key_ready(db, key)`` (list, zset and
stream pushes only, so the GET/SET path never pays).  A key is only recorded when some
client waits on it.  After each command that changed data, dispatch sees a non-empty
``server.ready_keys`` and calls ``handle_ready()``, which serves waiting clients as
Redis's ``handleClientsBlockedOnKeys`` does:

* keys in the order they were signalled; serving a client may ready more keys (BLMOVE
  pushes to its destination), which are handled in the same pass;
* per key, clients in the order they blocked (FIFO); a client waiting on several keys
  is served from the first of them that becomes ready;
* the reply is encoded for the client's protocol and written with ``c.write``, the
  effect is propagated in its non-blocking form (``c.propagate_as``: BLPOP -> LPOP ...)
  and the client's buffered commands resume on the next loop iteration.

Timeouts (absolute ms, 0 = never) fire from ``loop.call_at`` (millisecond precision),
with a cron sweep as the fallback, and reply the state's ``timeout_reply`` (a null array
by default).  ``unblock_client`` serves CLIENT UNBLOCK; a closing connection is dropped
from every queue.  Inside MULTI/EXEC and scripts (``c.deny_blocking``) blocking
commands must not block: ``may_block(c)`` tells the handler to answer as on timeout.
"""

from __future__ import annotations

from typing import Any, Callable

from ..protocol.encoder import encode2, encode3
from ..protocol.errors import CommandError
from ..protocol.reply import NO_REPLY, NullArray
from ..util.numbers import parse_long_double, round_long_double

ServeFn = Callable[[Any, bytes], Any]

UNBLOCKED_ERROR = b"UNBLOCKED client unblocked via CLIENT UNBLOCK"


class BlockState:
    """Why and how a client is blocked (``c.blocked``)."""

    __slots__ = ("db", "keys", "timeout_at_ms", "serve", "timeout_reply", "timer", "argv", "unblockable")

    def __init__(self, db: Any, keys: list[bytes], timeout_at_ms: int, serve: ServeFn | None,
                 timeout_reply: Any, argv: list[bytes], unblockable: bool) -> None:
        self.db = db
        self.keys = keys
        self.timeout_at_ms = timeout_at_ms
        self.serve = serve
        self.timeout_reply = timeout_reply
        self.timer: Any = None
        self.argv = argv
        self.unblockable = unblockable


def parse_timeout_s(raw: bytes, now_ms: int) -> int:
    """A BLPOP-style timeout in seconds as an absolute ms time; 0 = forever.

    Redis reads a long double, multiplies it by 1000 in long double precision and
    rounds up to a long long (``ceill``: "0.001" is 1 ms, "-0.001" is 0, i.e. block
    forever); a value that does not fit (or infinity) becomes LLONG_MIN there, hence
    "timeout is negative".
    """
    x = parse_long_double(raw)
    if x is None:
        raise CommandError(b"ERR timeout is not a float or out of range")
    ms = -(2**63)
    if type(x) is not float:  # +-inf stays LLONG_MIN
        scaled = round_long_double(x[0] * 1000, 1, x[1])  # (mantissa, exponent)
        if type(scaled) is not float:
            m, e = scaled
            v = (m << e) if e >= 0 else -((-m) >> -e)  # ceill()
            if -(2**63) <= v < 2**63:
                ms = v
    return _absolute(ms, now_ms)


def parse_timeout_ms(raw: bytes, now_ms: int) -> int:
    """A timeout in milliseconds (an integer: XREAD BLOCK, WAIT) as an absolute ms time."""
    from ..commands.util import parse_int  # noqa: PLC0415

    ms = parse_int(raw, lambda: CommandError(b"ERR timeout is not an integer or out of range"))
    return _absolute(ms, now_ms)


def _absolute(ms: int, now_ms: int) -> int:
    if ms < 0:
        raise CommandError(b"ERR timeout is negative")
    if ms > 0:
        if ms > 2**63 - 1 - now_ms:
            raise CommandError(b"ERR timeout is out of range")
        ms += now_ms
    return ms


def may_block(c: Any) -> bool:
    """False inside MULTI/EXEC or a script: answer as if the timeout had passed."""
    return not c.deny_blocking


class Blocking:
    """The server's blocked clients, indexed by (db index, key), and the ready keys."""

    def __init__(self, server: Any) -> None:
        self.server = server
        # (db index, key) -> {client: None}, an insertion-ordered FIFO of waiting clients.
        self.waiting: dict[tuple[int, bytes], dict[Any, None]] = {}
        # (db, key) -> None in signal order; the same object as server.ready_keys.
        self.ready: dict[tuple[Any, bytes], None] = {}
        self.count = 0  # INFO blocked_clients
        self._handling = False
        server.extensions.setdefault("client_closed", []).append(self.client_closed)
        server.cron_jobs.append(self.cron)

    # ---- blocking ---------------------------------------------------------------------

    def block(self, c: Any, argv: list[bytes], keys: list[bytes], timeout_at_ms: int, serve: ServeFn | None,
              timeout_reply: Any = NullArray, unblockable: bool = True) -> Any:
        """Block ``c`` on ``keys`` until ``serve`` succeeds or ``timeout_at_ms`` (0 = never).

        ``argv`` is the blocked command (its spec is used when the served effect is
        propagated).  Returns ``NO_REPLY`` for the handler to return.  ``keys`` may be
        empty (WAIT), with ``serve`` None: the owner then ends the block with ``finish``.
        """
        db = c.db
        st = BlockState(db, keys, timeout_at_ms, serve, timeout_reply, argv, unblockable)
        c.blocked = st
        self.count += 1
        idx = db.index
        waiting = self.waiting
        for k in keys:
            q = waiting.get((idx, k))
            if q is None:
                waiting[(idx, k)] = q = {}
            q[c] = None
        if timeout_at_ms:
            loop = self.server.loop
            if loop is not None:
                delay = max(0.0, (timeout_at_ms - self.server.cached_now_ms) / 1000.0)
                st.timer = loop.call_later(delay, self._timer_fired, c, st)
        return NO_REPLY

    def signal(self, db: Any, key: bytes) -> None:
        if (db.index, key) in self.waiting:
            self.ready[(db, key)] = None

    # ---- unblocking -------------------------------------------------------------------

    def _remove(self, c: Any) -> BlockState | None:
        st = c.blocked
        if st.__class__ is not BlockState:
            return None  # not blocked, or parked by CLIENT PAUSE (not ours)
        c.blocked = None
        self.count -= 1
        idx = st.db.index
        waiting = self.waiting
        for k in st.keys:
            q = waiting.get((idx, k))
            if q is not None:
                q.pop(c, None)
                if not q:
                    del waiting[(idx, k)]
        if st.timer is not None:
            st.timer.cancel()
            st.timer = None
        return st

    def _reply_and_resume(self, c: Any, reply: Any) -> None:
        out: list[bytes] = []
        try:
            (encode3 if c.resp == 3 else encode2)(out, reply)
        except Exception as e:  # a reply value the encoder does not know: a bug
            self.server.log_exception(e)
            out = [b"-ERR internal error: %s\r\n" % type(e).__name__.encode()]
        data = b"".join(out)
        if data:
            if self.server.before_reply is not None:
                self.server.before_reply()  # the AOF has the served command first
            c.write(data)
            self.server.stats.net_output_bytes += len(data)
        self._resume(c)

    def _resume(self, c: Any) -> None:
        resume = c.resume
        if resume is None:
            return
        loop = self.server.loop
        if loop is not None:
            loop.call_soon(resume)
        else:
            resume()

    def unblock_client(self, c: Any, error: bool) -> bool:
        """CLIENT UNBLOCK: end ``c``'s block with the timeout reply or an UNBLOCKED error."""
        st = c.blocked
        if st.__class__ is not BlockState or not st.unblockable:
            return False
        self._remove(c)
        if error:
            self.server.stats.count_error(UNBLOCKED_ERROR)
            c.write(b"-%b\r\n" % UNBLOCKED_ERROR)
            self._resume(c)
        else:
            self._reply_and_resume(c, st.timeout_reply)
        return True

    def finish(self, c: Any, reply: Any) -> bool:
        """End ``c``'s block with ``reply`` (for blocks without keys, e.g. WAIT)."""
        if c.blocked.__class__ is not BlockState:
            return False
        self._remove(c)
        self._reply_and_resume(c, reply)
        return True

    def client_closed(self, c: Any) -> None:
        if c.blocked.__class__ is BlockState:
            self._remove(c)

    # ---- timeouts ---------------------------------------------------------------------

    def _timer_fired(self, c: Any, st: BlockState) -> None:
        if c.blocked is st:
            st.timer = None
            self.server.update_clock()
            self._remove(c)
            self._reply_and_resume(c, st.timeout_reply)

    def cron(self, server: Any) -> None:
        """Fallback sweep for timeouts without a loop timer."""
        if not self.count:
            return
        now = server.cached_now_ms
        for c in list(server.clients.values()):
            st = c.blocked
            if st.__class__ is BlockState and st.timer is None and st.timeout_at_ms and st.timeout_at_ms <= now:
                self._remove(c)
                self._reply_and_resume(c, st.timeout_reply)

    # ---- serving ready keys -------------------------------------------------------------

    def handle_ready(self) -> None:
        """Serve clients blocked on keys that became ready (see the module docstring)."""
        if self._handling:
            return  # an outer pass is running and will see the new keys
        self._handling = True
        server = self.server
        ready = self.ready
        try:
            while ready:
                batch = list(ready)
                ready.clear()
                for db, key in batch:
                    q = self.waiting.get((db.index, key))
                    if not q:
                        continue
                    for c in list(q):
                        st = c.blocked
                        if st.__class__ is not BlockState or st.serve is None:
                            continue
                        self._serve_one(c, st, key)
                        if key not in db.data:
                            break
        finally:
            self._handling = False

    def _fail(self, c: Any, msg: bytes) -> None:
        """End ``c``'s block with the error ``msg`` (e.g. BLMOVE to a non-list)."""
        self._remove(c)
        self.server.stats.count_error(msg)
        c.write(b"-%b\r\n" % msg)
        self._resume(c)

    def _serve_one(self, c: Any, st: BlockState, key: bytes) -> None:
        server = self.server
        dirty = server.dirty
        saved_db = c.db
        c.db = st.db
        try:
            reply = st.serve(c, key)
        except CommandError as e:
            self._fail(c, e.msg)
            return
        except Exception as e:  # a bug in a serve callback must not take the server down
            server.log_exception(e, st.argv)
            self._fail(c, b"ERR internal error: %s" % type(e).__name__.encode())
            return
        finally:
            c.db = saved_db
        if reply is None:
            return
        self._remove(c)
        if server.dirty != dirty:
            from ..commands.registry import lookup  # noqa: PLC0415

            spec = lookup(st.argv[0]) if st.argv else None
            server.on_write(c, spec, st.argv)
            if spec is not None:
                _after_served_write(c, spec, st, reply)
        elif server.tracking and c.tracking is not None and st.argv:
            # Redis 7.2 runs a served command again through call(): a read (XREAD)
            # remembers its keys again for client-side caching (engine/tracking.py).
            from ..commands.registry import lookup  # noqa: PLC0415
            from .tracking import remember_nested  # noqa: PLC0415

            spec = lookup(st.argv[0])
            if spec is not None:
                remember_nested(c, spec, st.argv)
        self._reply_and_resume(c, reply)


def _after_served_write(c: Any, spec: Any, st: BlockState, reply: Any) -> None:
    """A served blocked command changed data: keyspace events and WATCH, as dispatch
    does for any write (keyspace/notify.py, engine/multi.py); run in the served db."""
    server = c.server
    if not (server.watching or server.notify_flags):
        return
    from ..keyspace.notify import command_events  # noqa: PLC0415
    from .dispatch import touch_command  # noqa: PLC0415

    saved_db = c.db
    c.db = st.db
    try:
        if server.notify_flags:
            command_events(c, spec, st.argv, reply)
        if server.watching:
            touch_command(c, spec, st.argv)
    finally:
        c.db = saved_db


def block(c: Any, argv: list[bytes], keys: list[bytes], timeout_at_ms: int, serve: ServeFn | None,
          timeout_reply: Any = NullArray, unblockable: bool = True) -> Any:
    """Block client ``c`` (see ``Blocking.block``); returns ``NO_REPLY``."""
    return c.server.blocking.block(c, argv, keys, timeout_at_ms, serve, timeout_reply, unblockable)


def signal_key_ready(db: Any, key: bytes) -> None:
    """A list/zset/stream push made ``key`` non-empty: wake whoever waits on it."""
    b = db.server.blocking
    if b.waiting:
        b.signal(db, key)


def unblock_client(c: Any, error: bool) -> bool:
    return c.server.blocking.unblock_client(c, error)
