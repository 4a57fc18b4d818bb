"""Loading the dataset at start while answering clients (Redis's ``loading`` state and
processEventsWhileBlocked).

Redis listens before it loads: while the RDB or the AOF is read, clients connect and
get ``-LOADING Redis is loading the dataset in memory`` for every command not flagged
``loading`` (INFO, CONFIG, PING is not one of them...), and INFO persistence shows
``loading:1`` with the progress fields.  Vermilion does the same:

* ``defer(server)`` (``__main__``) leaves the load to ``server.extensions["startup_load"]``,
  which the listener calls once the sockets listen, before the event loop starts
  serving (``net/listener.serve``);
* ``run(server)`` loads synchronously in the loop's thread, as Redis does; the loaders
  call ``progress`` about every 64 KB of input, and at most every 50 ms
  ``progress`` does one non-blocking pass over the sockets with the
  busy-script machinery (scripting/run_context.net_while_blocked): new connections are
  accepted and served, the ``loading`` gate answers -LOADING;
* when the load is done those connections are handed to the event loop (their state
  kept) and the gate is lifted.  A replica loading its primary's snapshot does the
  same (replication/replica_link.py), as Redis's replicas answer -LOADING meanwhile.  SIGTERM/SIGINT or SHUTDOWN during the load stop it:
  the server exits without saving (the dataset is incomplete), as Redis.
"""

from __future__ import annotations

import os
import signal
import time
from typing import Any

from ..commands.spec import CmdFlag, CommandSpec
from ..engine.dispatch import GATE_ORDER, register_gate
from ..engine.gates import ServerGate
from ..protocol.errors import CommandError

LOADING_ERR = b"LOADING Redis is loading the dataset in memory"
PASS_INTERVAL_S = 0.05
_LOADING_FLAG = CmdFlag.LOADING


class LoadAborted(Exception):
    pass


class LoadingState:
    __slots__ = ("active", "start_s", "total_bytes", "done_bytes", "loaded_bytes", "rdb_used_mem",
                 "last_pass", "stop_asked")

    def __init__(self) -> None:
        self.active = False
        self.start_s = 0
        self.total_bytes = 0
        self.done_bytes = 0  # the files already loaded
        self.loaded_bytes = 0
        self.rdb_used_mem = 0
        self.last_pass = 0.0
        self.stop_asked = False


def state(server: Any) -> LoadingState:
    st = server.extensions.get("loading")
    if st is None:
        st = server.extensions["loading"] = LoadingState()
    return st


def is_loading(server: Any) -> bool:
    st = server.extensions.get("loading")
    return st is not None and st.active


# ---- the gate --------------------------------------------------------------------------

def _loading_gate(c: Any, spec: CommandSpec, argv: list[bytes]) -> Any:
    if not c.server.gate & ServerGate.LOADING:
        return None
    if not spec.flags & _LOADING_FLAG or _exec_denied(c, spec):
        raise CommandError(LOADING_ERR)
    return None


def _exec_denied(c: Any, spec: CommandSpec) -> bool:
    """EXEC of a transaction holding a command not allowed while loading."""
    if spec.name != b"exec":
        return False
    for item in getattr(c, "multi_queue", None) or ():
        queued = item[0] if isinstance(item, (tuple, list)) else getattr(item, "spec", None)
        if isinstance(queued, CommandSpec) and not queued.flags & _LOADING_FLAG:
            return True
    return False


register_gate(GATE_ORDER["loading"], "loading", _loading_gate, server_bits=ServerGate.LOADING)


# ---- progress ----------------------------------------------------------------------------

def begin(server: Any, total_bytes: int) -> LoadingState:
    st = state(server)
    st.active = True
    st.start_s = int(time.time())
    st.total_bytes = total_bytes
    st.done_bytes = st.loaded_bytes = 0
    st.last_pass = time.monotonic()
    server.gate |= ServerGate.LOADING
    return st


def end(server: Any) -> None:
    st = state(server)
    st.active = False
    server.gate &= ~ServerGate.LOADING


def handover(server: Any) -> None:
    """Clients that connected during a load join the event loop."""
    from ..scripting.state import scripting_state  # noqa: PLC0415

    scripting = scripting_state(server)
    conns, scripting.pending_conns = scripting.pending_conns, []
    for conn in conns:
        conn.handover()


def file_done(server: Any, size: int) -> None:
    st = server.extensions.get("loading")
    if st is not None and st.active:
        st.done_bytes += size
        st.loaded_bytes = st.done_bytes


def progress_hook(server: Any) -> Any:
    """The ``progress(offset in the current file)`` callback for the loaders, or None
    when no start-up load is running (DEBUG RELOAD, a replica's full sync)."""
    st = server.extensions.get("loading")
    if st is None or not st.active:
        return None

    def progress(offset: int) -> None:
        st.loaded_bytes = st.done_bytes + offset
        now = time.monotonic()
        if now - st.last_pass < PASS_INTERVAL_S:
            return
        st.last_pass = now
        _serve_once(server)
        if st.stop_asked:
            raise LoadAborted()

    return progress


def _serve_once(server: Any) -> None:
    from ..scripting.run_context import net_while_blocked  # noqa: PLC0415
    from ..scripting.state import scripting_state  # noqa: PLC0415

    scripting_state(server)
    server.update_clock()
    net_while_blocked(server, None)


def info_fields(server: Any) -> list[tuple[str, Any]]:
    """INFO persistence's extra fields while loading (after module_fork_last_cow_size)."""
    st = state(server)
    elapsed = time.time() - st.start_s
    loaded = st.loaded_bytes
    perc = loaded * 100.0 / st.total_bytes if st.total_bytes else 0.0
    eta = int((st.total_bytes - loaded) / (loaded / elapsed)) if loaded and elapsed > 0 else 1
    return [("loading_start_time", st.start_s), ("loading_total_bytes", st.total_bytes),
            ("loading_rdb_used_mem", st.rdb_used_mem), ("loading_loaded_bytes", loaded),
            ("loading_loaded_perc", "%.2f" % perc), ("loading_eta_seconds", eta)]


# ---- start-up ----------------------------------------------------------------------------

def defer(server: Any) -> None:
    """Leave the start-up load to the listener (``run`` once the sockets listen)."""
    server.extensions["startup_load"] = run


def _files_size(server: Any) -> int:
    cfg = server.config
    if cfg.get("appendonly"):
        dirname = cfg.get("appenddirname", "appendonlydir")
        try:
            return sum(os.path.getsize(os.path.join(dirname, n)) for n in os.listdir(dirname))
        except OSError:
            return 0
    try:
        return os.path.getsize(cfg.get("dbfilename", "dump.rdb"))
    except OSError:
        return 0


def run(server: Any) -> int | None:
    """Load the AOF or the RDB while answering -LOADING; None when done, else the exit
    code (1: a bad file; 0: stopped by a signal or SHUTDOWN)."""
    from .aof.rewrite import load_at_start as load_aof_at_start  # noqa: PLC0415
    from .saver import load_at_start  # noqa: PLC0415

    st = begin(server, _files_size(server))
    if not server.config.get("appendonly"):
        from ..replication.snapshot import read_rdb_aux  # noqa: PLC0415  (the head of the file only)

        used = read_rdb_aux(os.path.abspath(server.config.get("dbfilename", "dump.rdb"))).get(b"used-mem", b"")
        st.rdb_used_mem = int(used) if used.isdigit() else 0
    previous = {}

    def on_signal(signum: int, frame: Any) -> None:
        name = "SIGTERM" if signum == signal.SIGTERM else "SIGINT"
        server.log("warning", "Received %s scheduling shutdown..." % name)
        st.stop_asked = True

    for sig in (signal.SIGTERM, signal.SIGINT):
        previous[sig] = signal.signal(sig, on_signal)
    server.request_shutdown = lambda code=0: setattr(st, "stop_asked", True)  # SHUTDOWN while loading
    try:
        aof_loaded = load_aof_at_start(server)  # None: appendonly is off, load the RDB
        ok = aof_loaded is True or (aof_loaded is None and load_at_start(server))
    except LoadAborted:
        server.log("warning", "Loading interrupted: exiting without saving (the dataset is incomplete).")
        return 0
    finally:
        end(server)
        server.request_shutdown = None
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if not ok:
        return 1
    if st.stop_asked:
        return 0
    handover(server)
    return None
