"""The command pipeline: look up, check, call, count, encode -- Redis's processCommand/call.

``run_batch`` runs every complete command in a client's parser synchronously and
returns the encoded replies of the whole batch, which the connection writes once.

The fast path does only what every command needs: a dict lookup keyed by the raw name
bytes, the arity test, the call, one clock read, a call counter.  Everything optional
sits behind two integers: ``client.gate`` (this client is in MULTI, pub/sub, not
authenticated, ...) and ``server.gate`` (ACL rules, cluster mode, OOM, loading, pause,
read-only replica, ...).  When either is set, ``gates.check`` runs the ordered gate list
(auth, MULTI refusals, ACL, cluster redirection, OOM, replica, pub/sub context, ...,
MULTI queueing), which later subsystems extend by registering gates.
"""

from __future__ import annotations

from time import perf_counter_ns
from time import time as _time
from typing import Any, Callable

from ..commands.registry import COMMANDS, DISPATCH
from ..commands.spec import CmdFlag, CommandSpec
from ..keyspace.notify import command_events
from ..ops.evict import touch_keys
from ..ops.monitor import feed as feed_monitors
from ..ops.slowlog import slow_command
from ..protocol.encoder import encode2, encode3
from ..protocol.errors import CommandError, ProtocolError, wrong_arity
from ..protocol.fast_parser import FastRequestParser
from ..protocol.reply import NoReply, Raw
from . import tracking
from .client import Gate

_WRITE = CmdFlag.WRITE.value
_REPLY_SKIP = Gate.REPLY_SKIP
_MUTED = Gate.REPLY_OFF | Gate.REPLY_SKIP
_ACL_ONLY = Gate.ACL
_MULTI = Gate.MULTI


def rejected_in_multi(c: Any, spec: CommandSpec | None, e: CommandError) -> CommandError:
    """Redis's rejectCommand: a refused command flags the transaction (EXEC will answer
    EXECABORT); a refused EXEC itself discards it and answers EXECABORT with the cause."""
    if spec is not None and spec.name == b"exec" and spec.parent is None:
        from .multi import discard_state  # noqa: PLC0415

        discard_state(c)
        msg = e.msg
        if msg.startswith(b"ERR "):
            msg = msg[4:]
        return CommandError(b"EXECABORT Transaction discarded because of: " + msg)
    if c.gate & _MULTI:
        c.multi_error = True
    return e


_multi_touch: Callable | None = None


def touch_command(c: Any, spec: CommandSpec, argv: list[bytes]) -> None:
    """Mark WATCHers of the keys a write command changed, and invalidate them for
    client-side caching (engine/multi.py, engine/tracking.py)."""
    global _multi_touch
    if _multi_touch is None:
        from .multi import touch_command as fn  # noqa: PLC0415  (only while someone watches)

        _multi_touch = fn
    try:
        _multi_touch(c, spec, argv)
    except Exception as e:  # noqa: BLE001  (after the command ran: never escape dispatch)
        c.server.log_exception(e, argv)


# A gate: (client, spec, argv) -> None to go on, or a reply value to answer instead of
# running the command.  It may also raise CommandError (counted as a rejected call).
GateFn = Callable[[Any, CommandSpec, list], Any]
GATES: list[tuple[int, str, GateFn, int, int]] = []


def register_gate(order: int, name: str, fn: GateFn, client_bits: int = 0, server_bits: int = 0) -> None:
    """Add a gate; lower ``order`` runs first (see ``GATE_ORDER``).  A gate that can act
    only while some ``client.gate`` or ``server.gate`` bits are set names them
    (``client_bits``/``server_bits``), and ``gates.check`` skips it when none is set;
    a gate naming neither runs whenever the gates run."""
    GATES.append((order, name, fn, client_bits, server_bits))
    GATES.sort(key=lambda g: g[0])
    _ACTIVE_GATES.clear()


# (client.gate, server.gate) -> the gate functions that may act in that state
_ACTIVE_GATES: dict[tuple[int, int], tuple[GateFn, ...]] = {}


# Redis's processCommand order; subsystems register at these positions.
GATE_ORDER = {
    "auth": 10, "multi_refuse": 20, "acl": 30, "cluster": 40, "oom": 50, "disk": 60,
    "min_replicas": 70, "readonly_replica": 80, "pubsub_context": 90, "stale": 100,
    "loading": 110, "busy": 120, "pause": 130, "multi_queue": 200,
}


def unknown_command_error(argv: list[bytes]) -> CommandError:
    args = b""
    i = 1
    while i < len(argv) and len(args) < 128:
        args += b"'" + argv[i][: 128 - len(args)] + b"' "
        i += 1
    return CommandError(b"ERR unknown command '%s', with args beginning with: %s" % (argv[0][:128], args))


def resolve(argv: list[bytes]) -> CommandSpec:
    """Find the command (or subcommand) for ``argv`` and check its arity, or raise."""
    spec = DISPATCH.get(argv[0])
    if spec is None:
        spec = COMMANDS.get(argv[0].lower())
        if spec is None:
            raise unknown_command_error(argv)
    if spec.subcommands and len(argv) > 1:
        sub = spec.subcommands.get(argv[1].lower())
        if sub is None:
            raise CommandError(b"ERR unknown subcommand '%s'. Try %s HELP." % (argv[1][:128], argv[0].upper()))
        spec = sub
    arity = spec.arity
    n = len(argv)
    if (arity > 0 and n != arity) or n < -arity:
        raise wrong_arity(spec.fullname)
    return spec


def reject(stats: Any, out: list, e: CommandError, spec: CommandSpec | None) -> None:
    """A command refused before it ran: error reply, errorstats, ``rejected_calls``."""
    out.append(b"-%b\r\n" % e.msg)
    stats.count_error(e.msg)
    if spec is not None:
        spec.stats.rejected_calls += 1


def call(c: Any, spec: CommandSpec, argv: list[bytes]) -> Any:
    """Run one resolved command (Redis's ``call()``): handler, then propagation hook.

    Used by the slow path, MULTI/EXEC and scripts; the fast path in ``run_batch`` inlines it.
    """
    server = c.server
    dirty = server.dirty
    reply = spec.handler(c, argv)
    if server.dirty != dirty:
        if server.propagate is not None:
            server.propagate(c, spec, argv)
        if server.watching:
            touch_command(c, spec, argv)
        if server.notify_flags:
            command_events(c, spec, argv, reply)
    return reply


def _gates_check(c: Any, spec: CommandSpec, argv: list[bytes]) -> Any:
    """``gates.check``, imported on first use (gates.py imports this module); the first
    call rebinds this name to it, so later calls pay no import statement."""
    global _gates_check
    from .gates import check  # noqa: PLC0415

    _gates_check = check
    return check(c, spec, argv)


def run_batch(c: Any, parser: Any) -> bytes:
    """Run every complete buffered command of client ``c``; return the encoded replies.

    This is the hot path: everything here is kept to plain local-variable work, and the
    slow checks hide behind ``c.gate``/``server.gate``.  Commands left unrun when the
    client blocks, pauses or quits go back to the parser (``hold``).
    """
    server = c.server
    stats = server.stats
    out: list[bytes] = []
    append = out.append
    resp = c.resp
    enc = encode3 if resp == 3 else encode2
    drain = parser.drain
    dispatch_get = DISPATCH.get
    # server.update_clock(), inlined: the clock is read once per batch.
    now_ms = server.cached_now_ms = int(_time() * 1000)
    c.last_interaction_ms = now_ms
    if c.paused_argv is not None:  # parked by CLIENT PAUSE (gates.py): it runs first
        parser.hold([c.paused_argv])
        c.paused_argv = None
    # FastRequestParser.drain returns every command hiredis can split at once: it needs
    # calling again only while the exact parser owns the stream (one command per call),
    # commands are held, or data came in since (see the end of the loop).
    fast = parser.__class__ is FastRequestParser
    t_prev = perf_counter_ns()
    executed = 0
    stop = False
    # Client-side caching (engine/tracking.py): whose commands run, for NOLOOP and
    # for the invalidations this client causes to itself.
    tracking_prev = tracking.enter(c) if server.tracking else None
    while not stop:
        try:
            cmds = drain()
        except ProtocolError as e:
            append(e.reply)
            stats.count_error(b"ERR")
            c.close_after_reply = True
            break
        if not cmds:
            break
        i = 0
        for argv in cmds:
            i += 1
            spec = dispatch_get(argv[0])
            if spec is None or not (spec.argc_min <= len(argv) <= spec.argc_max):
                try:
                    spec = resolve(argv)
                except CommandError as e:
                    e = rejected_in_multi(c, spec, e)
                    reject(stats, out, e, spec if spec is not None and not spec.subcommands else None)
                    if c.gate & _MUTED:  # CLIENT REPLY OFF/SKIP (gates.py)
                        del out[-1]
                        c.gate &= ~_REPLY_SKIP
                    if server.tracking:
                        tracking.rejected(c, spec, argv)
                    continue
            c.last_cmd = spec
            if not (c.gate or server.gate):
                pass  # the fast path: no gate applies
            elif c.gate == _ACL_ONLY and not server.gate:
                # Only ACL rules apply to this client (security/acl): that gate alone.
                e = server.extensions["acl"].check(c, spec, argv)
                if e is not None:
                    reject(stats, out, e, spec)
                    if server.tracking:
                        tracking.rejected(c, spec, argv)
                    continue
            else:
                try:
                    reply = _gates_check(c, spec, argv)
                except CommandError as e:
                    reject(stats, out, rejected_in_multi(c, spec, e), spec)
                    if server.tracking:
                        tracking.rejected(c, spec, argv)
                    continue
                if reply is not None:
                    if reply.__class__ is not NoReply:
                        enc(out, reply)
                    if server.tracking:  # invalidations a gate-run command caused
                        tracking.flush(c, out)
                    if c.blocked is not None or c.close_after_reply:
                        stop = True
                        break
                    continue
            dirty = server.dirty
            try:
                reply = spec.handler(c, argv)
            except CommandError as e:
                msg = e.msg
                append(b"-%b\r\n" % msg)
                stats.count_error(msg)
                st = spec.stats
                st.failed_calls += 1
                st.calls += 1
                executed += 1
                if server.dirty != dirty:
                    server.on_write(c, spec, argv)
                    if server.watching:
                        touch_command(c, spec, argv)
                t = perf_counter_ns()
                us = (t - t_prev) // 1000
                st.usec += us
                t_prev = t
                if server.latency_tracking:
                    st.hist[us.bit_length()] += 1
                if us >= server.slowlog_us:
                    slow_command(c, spec, argv, us)
                if server.monitors:
                    feed_monitors(c, spec, argv)
                if server.tracking:
                    tracking.after_command(c, spec, argv, out)
                continue
            except Exception as e:  # a bug must never take the server down
                server.log_exception(e, argv)
                msg = b"ERR internal error: %s" % type(e).__name__.encode()
                append(b"-%b\r\n" % msg)
                stats.count_error(msg)
                continue
            if server.dirty != dirty:
                if server.propagate is not None:
                    server.on_write(c, spec, argv)
                if server.watching:  # someone WATCHes keys (engine/multi.py)
                    touch_command(c, spec, argv)
                if server.notify_flags:  # keyspace notifications (keyspace/notify.py)
                    command_events(c, spec, argv, reply)
            if server.ready_keys:  # a push woke blocked clients (engine/blocking.py)
                server.blocking.handle_ready()
            t = perf_counter_ns()
            us = (t - t_prev) // 1000
            t_prev = t
            st = spec.stats
            st.calls += 1
            st.usec += us
            executed += 1
            if server.latency_tracking:  # INFO latencystats, LATENCY HISTOGRAM (ops/latency.py)
                st.hist[us.bit_length()] += 1
            if us >= server.slowlog_us:  # slow log, latency monitor (ops/slowlog.py)
                slow_command(c, spec, argv, us)
            if server.monitors:  # MONITOR clients (ops/monitor.py)
                feed_monitors(c, spec, argv)
            if server.lru_mode:  # maxmemory LRU/LFU access times (ops/evict.py)
                touch_keys(c, spec, argv)
            cls = reply.__class__
            if cls is bytes:
                append(b"$%d\r\n%b\r\n" % (len(reply), reply))
            elif cls is Raw:
                append(reply)
            elif cls is int:
                append(b":%d\r\n" % reply)
            else:
                enc(out, reply)
            if server.tracking:  # client-side caching (engine/tracking.py)
                tracking.after_command(c, spec, argv, out)
            if c.resp != resp:
                resp = c.resp
                enc = encode3 if resp == 3 else encode2
            if c.close_after_reply or c.blocked is not None:
                stop = True
                break
        if stop:
            if i < len(cmds) and not c.close_after_reply:
                parser.hold(cmds[i:])
        elif fast and parser.py is None and not parser.fresh and not parser.held:
            break  # drain() would return [] (it returned all hiredis had)
    if server.tracking:
        tracking.leave(c, tracking_prev, out)
    stats.total_commands_processed += executed
    return b"".join(out)
