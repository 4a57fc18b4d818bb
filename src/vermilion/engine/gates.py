"""The slow checks of the dispatch pipeline, run only when ``client.gate`` or
``server.gate`` is set (see ``dispatch.py``).  Each subsystem registers its gate with
``dispatch.register_gate`` at the position Redis's ``processCommand`` gives it.

Gates defined here:

* ``reply`` (first): CLIENT REPLY OFF/SKIP.  A muted client's command is run through a
  nested ``run_batch`` with the mute bits cleared (so every later gate and the stats work
  as usual) and its encoded output is dropped -- except the ``OK`` of ``CLIENT REPLY
  ON``, which Redis sends.  SKIP mutes exactly one command; OFF until ``REPLY ON``.
* ``auth``: NOAUTH for clients that have not authenticated.
* ``pause``: CLIENT PAUSE (Redis's ``blockPostponeClient``).  While a pause is active
  ``server.gate`` has ``ServerGate.PAUSE`` set; a command that the pause covers (every
  command for ALL; for WRITE, commands flagged WRITE or MAY_REPLICATE, and EXEC of a
  transaction holding one) parks its client: the command is kept in
  ``client.paused_argv``, ``client.blocked`` becomes ``Client.PAUSED`` (so the
  connection stops processing its input), and the client joins the pause's FIFO.  When
  the pause ends (CLIENT UNPAUSE, a new less restrictive pause, or the timeout, checked
  by a loop timer and by cron) every parked client is resumed in arrival order:
  dispatch re-runs ``paused_argv`` first and then whatever the client sent meanwhile,
  so nothing is lost or reordered.  Replica and primary links are never paused.
"""

from __future__ import annotations

from typing import Any

from ..commands.spec import CmdFlag, CommandSpec
from ..protocol.errors import CommandError
from ..protocol.reply import NO_REPLY, Raw
from .client import Client, Gate
from .dispatch import _ACTIVE_GATES, GATE_ORDER, GATES, register_gate

_NO_AUTH = CmdFlag.NO_AUTH.value
_MAY_WRITE = (CmdFlag.WRITE | CmdFlag.MAY_REPLICATE).value
_MUTE = Gate.REPLY_OFF | Gate.REPLY_SKIP


class ServerGate:
    """Bits of ``server.gate``: server-wide states that send every command through the
    gates.  Subsystems own one bit each; set it while the state is active.  Plain ints,
    as ``Gate``'s."""

    PAUSE = 1
    ACL = 2
    CLUSTER = 4
    OOM = 8
    LOADING = 16
    READONLY_REPLICA = 32
    BUSY = 64
    MIN_REPLICAS = 128
    DISK_ERROR = 256
    AOF_ERROR = 512  # writing the AOF failed (persistence/aof): MISCONF for writes


def check(c: Any, spec: CommandSpec, argv: list[bytes]) -> Any:
    """Run the gates that may act in the current state, in order; the first reply wins.
    Each gate still tests its own condition: the selection only skips calls."""
    state = (c.gate, c.server.gate)
    gates = _ACTIVE_GATES.get(state)
    if gates is None:
        gates = _ACTIVE_GATES[state] = _select(*state)
    for gate in gates:
        reply = gate(c, spec, argv)
        if reply is not None:
            return reply
    return None


def _select(client_gate: int, server_gate: int) -> tuple:
    return tuple(fn for _order, _name, fn, cbits, sbits in GATES
                 if not (cbits or sbits) or client_gate & cbits or server_gate & sbits)


# ---- CLIENT REPLY OFF|SKIP -----------------------------------------------------------


class _OneCommand:
    """The parser interface ``run_batch`` needs, holding a single command."""

    __slots__ = ("cmds", "held")

    def __init__(self, argv: list[bytes]) -> None:
        self.cmds = [argv]
        self.held: list = []

    def drain(self) -> list:
        cmds, self.cmds = self.cmds, []
        return cmds

    def hold(self, cmds: list) -> None:
        self.held = cmds + self.held


def _reply_gate(c: Any, spec: CommandSpec, argv: list[bytes]) -> Any:
    mode = c.gate & _MUTE
    if not mode:
        return None
    from .dispatch import run_batch  # noqa: PLC0415

    c.gate &= ~_MUTE
    out = run_batch(c, _OneCommand(argv))
    if c.blocked is Client.PAUSED:
        c.gate |= mode  # parked before it ran: still muted when it runs
        return NO_REPLY
    if (_is_reply_cmd(spec) and argv[2].lower() == b"on") or (spec.name == b"reset" and spec.parent is None):
        return Raw(out)  # CLIENT REPLY ON and RESET clear the mode before replying
    if mode & Gate.REPLY_OFF:
        # Still off: a SKIP while OFF is ignored, as in Redis.
        c.gate = (c.gate & ~Gate.REPLY_SKIP) | Gate.REPLY_OFF
    return NO_REPLY


def _is_reply_cmd(spec: CommandSpec) -> bool:
    return spec.name == b"reply" and spec.parent is not None and spec.parent.name == b"client"


# ---- NOAUTH ------------------------------------------------------------------------


def _auth_gate(c: Any, spec: CommandSpec, argv: list[bytes]) -> Any:
    if c.gate & Gate.NOAUTH and not (spec.flag_bits & _NO_AUTH):
        if not c.server.auth_required():  # requirepass cleared meanwhile (CONFIG SET);
            return None  # the client stays unauthenticated should it be set again
        raise CommandError(b"NOAUTH Authentication required.")
    return None


# ---- CLIENT PAUSE ------------------------------------------------------------------


class ClientPause:
    """The active CLIENT PAUSE (``server.extensions["client_pause"]``)."""

    __slots__ = ("end_ms", "write_only", "parked", "timer")

    def __init__(self) -> None:
        self.end_ms = 0
        self.write_only = False
        self.parked: list[Any] = []
        self.timer: Any = None


def _pause_state(server: Any) -> ClientPause:
    p = server.extensions.get("client_pause")
    if p is None:
        p = server.extensions["client_pause"] = ClientPause()
    return p


def pause_active(server: Any) -> bool:
    return bool(server.gate & ServerGate.PAUSE)


def writes_paused(server: Any) -> bool:
    """True while CLIENT PAUSE (WRITE or ALL) is in force: active expiry and eviction
    must not delete keys then, as in Redis."""
    if not server.gate & ServerGate.PAUSE:
        return False
    p = server.extensions["client_pause"]
    return server.cached_now_ms < p.end_ms


def pause_clients(server: Any, end_ms: int, write_only: bool) -> None:
    """Start (or replace, as Redis 7 does) the pause; resume waiting clients when the
    new pause is less restrictive than the old one."""
    p = _pause_state(server)
    relaxed = pause_active(server) and write_only and not p.write_only
    p.end_ms = end_ms
    p.write_only = write_only
    server.gate |= ServerGate.PAUSE
    _arm_timer(server, p)
    if relaxed:
        _schedule_resume(server)


def unpause_clients(server: Any) -> None:
    """End the pause now (CLIENT UNPAUSE or timeout) and resume every parked client."""
    p = server.extensions.get("client_pause")
    server.gate &= ~ServerGate.PAUSE
    if p is None:
        return
    if p.timer is not None:
        p.timer.cancel()
        p.timer = None
    _schedule_resume(server)


def _arm_timer(server: Any, p: ClientPause) -> None:
    loop = server.loop
    if p.timer is not None:
        p.timer.cancel()
        p.timer = None
    if loop is not None:
        import time  # noqa: PLC0415

        delay_s = max(0.0, p.end_ms / 1000 - time.time())
        p.timer = loop.call_later(delay_s + 0.001, _check_timeout, server)


def _check_timeout(server: Any) -> None:
    """Timer and cron: end the pause once its time has passed."""
    if not pause_active(server):
        return
    import time  # noqa: PLC0415

    p = server.extensions["client_pause"]
    if int(time.time() * 1000) >= p.end_ms:
        unpause_clients(server)
    elif p.timer is None:
        _arm_timer(server, p)


def _schedule_resume(server: Any) -> None:
    if server.loop is not None:
        server.loop.call_soon(resume_parked, server)
    else:
        resume_parked(server)


def resume_parked(server: Any) -> None:
    """Resume the parked clients in the order they were parked; a client that the
    (possibly renewed) pause still covers parks again at the back of the queue."""
    p = server.extensions.get("client_pause")
    if p is None or not p.parked:
        return
    parked, p.parked = p.parked, []
    for c in parked:
        if c.blocked is Client.PAUSED:
            c.blocked = None
            if c.id in server.clients and c.resume is not None:
                c.resume()


def _pause_gate(c: Any, spec: CommandSpec, argv: list[bytes]) -> Any:
    server = c.server
    if not server.gate & ServerGate.PAUSE or c.kind in ("replica", "master"):
        return None
    p = server.extensions["client_pause"]
    if server.cached_now_ms >= p.end_ms:
        unpause_clients(server)
        return None
    if p.write_only and not (spec.flag_bits & _MAY_WRITE or _exec_may_write(c, spec)):
        return None
    c.paused_argv = argv
    c.blocked = Client.PAUSED
    p.parked.append(c)
    return NO_REPLY


def _exec_may_write(c: Any, spec: CommandSpec) -> bool:
    """EXEC of a transaction that queued a write (Redis's ``mstate.cmd_flags``)."""
    if spec.name != b"exec" or not c.multi_queue:
        return False
    for item in c.multi_queue:
        queued = item[0] if isinstance(item, (tuple, list)) else getattr(item, "spec", None)
        if isinstance(queued, CommandSpec) and queued.flag_bits & _MAY_WRITE:
            return True
    return False


register_gate(0, "reply", _reply_gate, client_bits=_MUTE)
register_gate(GATE_ORDER["auth"], "auth", _auth_gate, client_bits=Gate.NOAUTH)
register_gate(GATE_ORDER["pause"], "pause", _pause_gate, server_bits=ServerGate.PAUSE)
