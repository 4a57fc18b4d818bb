"""The engine-neutral run context of one script or function call (Redis's ``script.c``).

``RunContext`` holds what one EVAL/FCALL needs while Lua runs: the caller, the script
client the commands run as, the script's flags (read-only, allow-oom, ...), whether it
wrote (a script that wrote cannot be killed), the effects to propagate, and the busy
state.  ``call_command`` is ``scriptCall``: the checks a command from a script must
pass (unknown command, arity, NOSCRIPT, ACL through ``security/acl``'s ``check``,
writes from read-only scripts, OOM through the ``script_oom_check`` hook) and then the handler itself, its statistics and the
recording of its effect.

Effects are propagated as the commands the script ran, never the script body: each
write's form (its argv, or the ``propagate_as`` its handler set) is collected, and at
the end the caller's ``propagate_as`` becomes that list, wrapped in MULTI/EXEC when it
holds more than one command, as Redis 7 does.

The busy script.  The loop thread runs Lua synchronously, so nothing else can touch
the data while a script runs.  The Lua count hook (``lua_engine.py``) calls ``hook``
every 100000 instructions.  Past ``busy-reply-threshold`` ms the run is marked timed
out, ``ServerGate.BUSY`` is raised, and each hook call then runs one non-blocking pass
of network processing (``net_while_blocked``): ``select()`` with a zero timeout on the
connected clients' sockets and on the listening sockets, reading ready sockets directly
(the event loop cannot be re-entered) and feeding the bytes to the connection as the
loop would.  Dispatch's BUSY gate (registered here) answers ``-BUSY`` to every command
without the ALLOW_BUSY flag, so only SCRIPT KILL, FUNCTION KILL, SHUTDOWN NOSAVE and
the like run.  New connections are accepted and served the same way through a small
stand-in connection, then handed to the event loop when the script ends.  SCRIPT KILL
sets ``killed``; the next hook call raises the kill error in Lua.

Known limit: a connection the event loop accepted in the very iteration that started
the script, whose ``connection_made`` callback is still queued, is not in
``server.clients`` yet and is only served once the script ends (the loop's queue is
private to asyncio/uvloop).
"""

from __future__ import annotations

import os
import select
import socket
import time
from typing import Any

from ..commands.registry import COMMANDS, DISPATCH
from ..commands.spec import CmdFlag
from ..engine.dispatch import GATE_ORDER, register_gate
from ..engine.client import Gate
from ..engine.gates import ServerGate
from ..ops.evict import touch_keys
from ..ops.slowlog import slow_command
from ..protocol.errors import CommandError

_WRITE = CmdFlag.WRITE.value
_NOSCRIPT = CmdFlag.NOSCRIPT.value
_ALLOW_BUSY = CmdFlag.ALLOW_BUSY
_DENYOOM = CmdFlag.DENYOOM.value
_OOM_BIT = ServerGate.OOM  # set while maxmemory is (ops/evict.configure)
_ACL_BIT = Gate.ACL  # the client's user is restricted (security/acl)
_READONLY = CmdFlag.READONLY.value

BUSY_EVAL = b"BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
BUSY_FUNCTION = b"BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE."


class ScriptError(Exception):
    """An error table raised into Lua: ``msg`` is the full ``CODE message`` text."""


class RunContext:
    __slots__ = (
        "state", "caller", "client", "funcname", "is_eval", "readonly", "allow_oom",
        "start_s", "wrote", "killed", "timed_out", "forms", "resp", "repl_flags", "counted", "acl",
        "cluster", "slot", "cross_slot",
    )

    def __init__(self, state: Any, caller: Any, funcname: bytes, is_eval: bool, readonly: bool,
                 allow_oom: bool = False) -> None:
        self.state = state
        self.caller = caller
        self.client = state.client
        self.funcname = funcname
        self.is_eval = is_eval
        self.readonly = readonly
        self.allow_oom = allow_oom
        self.start_s = time.monotonic()
        self.wrote = False
        self.killed = False
        self.timed_out = False
        self.forms: list[list[bytes]] = []
        self.resp = 2
        self.repl_flags = 3
        self.counted = False  # the last command error was already counted in errorstats
        # security/acl's state when the caller's user is restricted (the client's ACL
        # gate bit, kept by security/acl); else no checks.
        ext = state.server.extensions
        self.acl = ext.get("acl") if caller.gate & _ACL_BIT else None
        # Cluster mode (cluster/routing.script_check): the slot the script uses so far
        # and whether it may use several; commands from our primary are not checked.
        cluster = ext.get("cluster")
        self.cluster = cluster if caller.kind != "master" else None
        self.slot = -1
        self.cross_slot = True


def error_table_text(msg: bytes) -> bytes:
    """Redis's ``luaPushErrorBuff``: ``-CODE text`` keeps its code, bare text gets ERR."""
    if msg.startswith(b"-"):
        sp = msg.find(b" ")
        if sp < 0:
            code, text = b"ERR", msg[1:]
        else:
            code, text = msg[1:sp], msg[sp + 1:]
    else:
        code, text = b"ERR", msg
    return code + b" " + text.strip(b"\r\n")


def lookup(argv: list[bytes]) -> Any:
    """``lookupCommand``: the (sub)command spec or None; arity is not checked."""
    spec = DISPATCH.get(argv[0])
    if spec is None:
        spec = COMMANDS.get(argv[0].lower())
        if spec is None:
            return None
    if spec.subcommands:
        if len(argv) < 2:
            return spec
        return spec.subcommands.get(argv[1].lower())
    return spec


def call_command(run: RunContext, argv: list[bytes]) -> tuple[Any, bool]:
    """Run ``argv`` for the script: (reply value, False) or (error text, True).

    This is the per-``redis.call`` path: the common case (a known top-level command,
    no ACL, cluster, MONITOR, tracking or maxmemory in play) costs a dict lookup and
    a few integer tests before the handler."""
    spec = DISPATCH.get(argv[0])
    if spec is None or spec.subcommands:
        spec = lookup(argv)
    if spec is None or spec.handler is None and not spec.subcommands:
        return b"ERR Unknown Redis command called from script", True
    arity = spec.arity
    n = len(argv)
    if (arity > 0 and n != arity) or n < -arity:
        return b"ERR Wrong number of args calling Redis command from script", True
    if spec.handler is None:
        return b"ERR Unknown Redis command called from script", True
    bits = spec.flag_bits
    if bits & _NOSCRIPT:
        return b"ERR This Redis command is not allowed from script", True
    server = run.state.server
    c = run.client
    acl = run.acl
    if acl is not None:  # security/acl: NOPERM, logged with the "lua" context
        denied = acl.check(c, spec, argv, b"lua")
        if denied is not None:
            return denied.msg, True
    if bits & _WRITE:
        if run.readonly:
            return b"ERR Write commands are not allowed from read-only scripts.", True
        if server.role == "slave" and server.config.get("replica-read-only", True) and run.caller.kind != "master":
            return b"READONLY You can't write against a read only replica.", True
    if bits & _DENYOOM and server.gate & _OOM_BIT and not run.allow_oom:  # maxmemory is set
        oom = server.extensions.get("script_oom_check")
        if oom is not None and not run.wrote and oom(server):
            return b"OOM command not allowed when used memory > 'maxmemory'.", True
    if run.cluster is not None:
        from ..cluster.routing import script_check  # noqa: PLC0415

        refused = script_check(run.cluster, run, spec, argv)
        if refused is not None:
            return refused, True
    dirty = server.dirty
    st = spec.stats
    t0 = time.perf_counter_ns()
    is_err = False
    try:
        reply = spec.handler(c, argv)
    except CommandError as e:
        reply, is_err = e.msg, True
        st.failed_calls += 1
        server.stats.count_error(e.msg)
        run.counted = True
    except Exception as e:  # a bug must never take the server down
        server.log_exception(e, argv)
        reply, is_err = b"ERR internal error: %s" % type(e).__name__.encode(), True
    st.calls += 1
    us = (time.perf_counter_ns() - t0) // 1000
    st.usec += us
    if server.latency_tracking:  # as Redis's call(): nested calls count too
        st.hist[us.bit_length()] += 1
    if us >= server.slowlog_us:  # the slow log and latency monitor see script commands
        slow_command(c, spec, argv, us)
    if server.tracking and bits & _READONLY:  # client-side caching: the caller's keys
        from ..engine.tracking import remember_nested  # noqa: PLC0415

        remember_nested(run.caller, spec, argv)
    if server.monitors:  # MONITOR shows script commands as "[db lua]" (ops/monitor.py)
        from ..ops.monitor import feed  # noqa: PLC0415

        feed(c, spec, argv, lua=True)
    if server.lru_mode:  # maxmemory LRU/LFU: a script's key accesses count (ops/evict.py)
        touch_keys(c, spec, argv)
    if server.dirty != dirty:
        run.wrote = True
        if server.watching or (server.notify_flags and not is_err):
            _watch_and_events(c, spec, argv, None if is_err else reply)
        forms = c.propagate_as
        c.propagate_as = None
        if server.propagate is not None and run.repl_flags:
            run.forms.extend([argv] if forms is None else forms)
    elif c.propagate_as is not None:
        c.propagate_as = None
    return reply, is_err


def _watch_and_events(c: Any, spec: Any, argv: list[bytes], reply: Any) -> None:
    """WATCH invalidation and keyspace events of a script's write, as dispatch does."""
    server = c.server
    if server.watching:
        from ..engine.dispatch import touch_command  # noqa: PLC0415

        touch_command(c, spec, argv)
    if server.notify_flags and reply is not None:
        from ..keyspace.notify import command_events  # noqa: PLC0415

        command_events(c, spec, argv, reply)


def finish_propagation(run: RunContext) -> None:
    """Hand the script's effects to the caller's propagation (MULTI/EXEC when several,
    unless the script runs inside EXEC, whose own MULTI/EXEC already wraps them)."""
    forms = run.forms
    if len(forms) > 1 and not run.caller.gate & 1:  # Gate.MULTI
        forms = [[b"MULTI"], *forms, [b"EXEC"]]
    run.caller.propagate_as = forms


# ---- the busy script ----------------------------------------------------------------


KILLED = b"ERR Script killed by user with SCRIPT KILL..."


def hook(state: Any) -> bytes | None:
    """The Lua count hook: the error to raise once the running script must die."""
    run = state.run
    if run is None:
        deadline = state.load_deadline
        if deadline and time.monotonic() > deadline:
            return b"ERR FUNCTION LOAD timeout"
        return None
    if run.killed:
        return KILLED
    server = state.server
    if not run.timed_out:
        threshold_ms = server.config.get("busy-reply-threshold", 5000)
        elapsed_ms = (time.monotonic() - run.start_s) * 1000
        if threshold_ms <= 0 or elapsed_ms < threshold_ms:
            return None
        run.timed_out = True
        server.gate |= ServerGate.BUSY
        # SHUTDOWN NOSAVE must stop the script: hook the server's shutdown request now
        # (the one set when scripting started may have been replaced since, e.g. by the
        # listener after loading at startup).
        from .state import install_shutdown_hook  # noqa: PLC0415

        install_shutdown_hook(server, state)
        server.log("warning", "Slow script detected: still in execution after %d milliseconds. "
                   "You can try killing the script using the %s command. Script name is: %s."
                   % (elapsed_ms, "SCRIPT KILL" if run.is_eval else "FUNCTION KILL",
                      run.funcname.decode(errors="replace")))
    net_while_blocked(server, run.caller)
    if state.shutdown_asked:
        run.killed = True
    return KILLED if run.killed else None


def end_busy(state: Any, run: RunContext) -> None:
    if run.timed_out:
        server = state.server
        server.gate &= ~ServerGate.BUSY
        handover = state.pending_conns
        state.pending_conns = []
        for conn in handover:
            conn.handover()


def _busy_gate(c: Any, spec: Any, argv: list[bytes]) -> Any:
    server = c.server
    if not server.gate & ServerGate.BUSY:
        return None
    state = server.extensions.get("scripting")
    run = state.run if state is not None else None
    if run is None:
        return None
    if spec.flags & _ALLOW_BUSY:
        # shutdownCommand: while a script is busy only SHUTDOWN NOSAVE may stop the server.
        if spec.name != b"shutdown" or spec.parent is not None or any(a.lower() == b"nosave" for a in argv[1:]):
            return None
    raise CommandError(BUSY_EVAL if run.is_eval else BUSY_FUNCTION)


register_gate(GATE_ORDER["busy"], "busy", _busy_gate, server_bits=ServerGate.BUSY)


def _mark_active() -> None:
    from ..config.schema import DIRECTIVES  # noqa: PLC0415

    DIRECTIVES["busy-reply-threshold"].active = True  # read by ``hook`` above


_mark_active()


def net_while_blocked(server: Any, skip: Any) -> None:
    """One non-blocking pass over the sockets while a script holds the loop thread."""
    state = server.extensions["scripting"]
    conns: dict[int, Any] = {}
    for c in list(server.clients.values()):
        if c is skip or c.fd < 0:
            continue
        conn = getattr(c.resume, "__self__", None)
        transport = getattr(conn, "transport", None)
        if transport is None or transport.is_closing():
            continue
        conns[c.fd] = conn
    for bc in state.pending_conns:
        if not bc.closed:
            conns[bc.fd] = bc
    listen_fds = {}
    for srv in server.listeners:
        for s in getattr(srv, "sockets", None) or ():
            try:
                listen_fds[s.fileno()] = s
            except Exception:  # noqa: BLE001
                continue
    fds = list(conns) + list(listen_fds)
    if not fds:
        return
    try:
        ready, _, _ = select.select(fds, [], [], 0)
    except (OSError, ValueError):
        return
    for fd in ready:
        if fd in listen_fds:
            _accept(server, state, fd)
            continue
        conn = conns[fd]
        try:
            data = os.read(fd, 65536)
        except (BlockingIOError, InterruptedError):
            continue
        except OSError:
            data = b""
        if conn.__class__ is BusyConnection:
            conn.feed(data)
        elif not data:
            conn.transport.close()
        else:
            conn.data_received(data)


def _accept(server: Any, state: Any, fd: int) -> None:
    try:
        lsock = socket.socket(fileno=os.dup(fd))
    except OSError:
        return
    try:
        lsock.setblocking(False)
        sock, _addr = lsock.accept()
    except (BlockingIOError, InterruptedError, OSError):
        lsock.close()
        return
    lsock.close()
    state.pending_conns.append(BusyConnection(server, sock, lsock.family == socket.AF_UNIX))


class BusyConnection:
    """A connection accepted while a script is busy: served (ALLOW_BUSY commands, -BUSY
    for the rest) with its own client until the script ends, then handed to the loop."""

    def __init__(self, server: Any, sock: socket.socket, unix: bool) -> None:
        from ..engine.client import Client  # noqa: PLC0415
        from ..protocol.fast_parser import FastRequestParser  # noqa: PLC0415

        self.server = server
        self.sock = sock
        self.fd = sock.fileno()
        self.closed = False
        self.unix = unix
        sock.setblocking(False)
        self.client = Client(server, server.new_client_id(), "busy:0", "busy:0", self.fd, self._write, self._close)
        cfg = server.config
        self.parser = FastRequestParser(cfg["proto-max-bulk-len"], cfg["client-query-buffer-limit"], lambda: False)

    def _write(self, data: bytes) -> None:
        try:
            self.sock.setblocking(True)
            self.sock.sendall(data)
            self.sock.setblocking(False)
        except OSError:
            self._close()

    def _close(self) -> None:
        if not self.closed:
            self.closed = True
            try:
                self.sock.close()
            except OSError:
                pass

    def feed(self, data: bytes) -> None:
        from ..engine.dispatch import run_batch  # noqa: PLC0415

        if not data:
            self._close()
            return
        try:
            self.parser.feed(data)
        except Exception:  # noqa: BLE001
            self._close()
            return
        out = run_batch(self.client, self.parser)
        if out:
            self._write(out)
        if self.client.close_after_reply:
            self._close()

    def handover(self) -> None:
        """Give the socket to the event loop as a normal connection."""
        if self.closed:
            return
        server = self.server
        loop = server.loop
        if loop is None:
            self._close()
            return
        saved = self.client
        loop.create_task(loop.connect_accepted_socket(lambda: _handed_class()(server, saved), self.sock))


_HANDED: Any = None


def _handed_class() -> Any:
    """A ``RespConnection`` that keeps the state its client set up while it waited."""
    global _HANDED
    if _HANDED is None:
        from ..net.connection import RespConnection  # noqa: PLC0415

        class HandedConnection(RespConnection):
            __slots__ = ("saved",)

            def __init__(self, server: Any, saved: Any) -> None:
                super().__init__(server)
                self.saved = saved

            def connection_made(self, transport: Any) -> None:  # type: ignore[override]
                super().connection_made(transport)
                nc, c = self.client, self.saved
                if nc is not None:
                    nc.resp, nc.db, nc.name = c.resp, c.db, c.name
                    nc.authenticated, nc.user, nc.gate = c.authenticated, c.user, c.gate

        _HANDED = HandedConnection
    return _HANDED
