"""BGREWRITEAOF, DEBUG LOADAOF and the AOF fields of INFO persistence
(persistence/aof/ holds the machinery)."""

from __future__ import annotations

import time
from typing import Any

from ..persistence.aof import rewrite
from ..persistence.aof import manifest as mf
from ..persistence.aof.loader import LoadError, load_manifest_files
from ..persistence.aof.writer import OFF, state
from ..engine.dispatch import GATE_ORDER, register_gate
from ..engine.gates import ServerGate
from ..persistence.saver import _exec_writes
from ..protocol.errors import CommandError, err
from .spec import CmdFlag, CommandSpec
from ..protocol.reply import OK, Simple
from . import info
from .registry import command
from .server_cmds import debug_subcommand


@command("bgrewriteaof", arity=1, flags="admin noscript no_async_loading", acl="",
         group="server", since="1.0.0",
         summary="Asynchronously rewrites the append-only file to disk.",
         complexity="O(1)")
def cmd_bgrewriteaof(c: Any, argv: list[bytes]) -> Any:
    server = c.server
    rewrite.install(server)
    st = state(server)
    if st.child_pid > 0:
        raise err("Background append only file rewriting already in progress")
    if rewrite.rdb_child_running(server) or c.deny_blocking:  # (deny_blocking: inside EXEC)
        st.rewrite_scheduled = True
        return Simple(b"Background append only file rewriting scheduled")
    if not rewrite.bgrewrite(server):
        raise err("Can't execute an AOF background rewriting. Please check the server logs for more information.")
    return Simple(b"Background append only file rewriting started")


@debug_subcommand("loadaof")
def debug_loadaof(c: Any, argv: list[bytes]) -> Any:
    """Flush the log, empty the keyspace and load it back from the AOF files."""
    server = c.server
    st = state(server)
    if st.fd >= 0:
        st.flush(force_fsync=True)
    for hook in server.extensions.get("flushdb", ()):
        hook(server, -1)
    for db in server.dbs:
        db.flush()
    try:
        m = mf.read(st.dirname, st.filename)
        if m is not None:
            dirty = server.dirty
            load_manifest_files(server, st.dirname, m)
            server.dirty = dirty
    except (LoadError, mf.ManifestError, OSError) as e:
        server.log("warning", "Error loading the AOF by DEBUG LOADAOF: %s" % e)
        raise err("Error loading the AOF, check server logs.") from None
    from ..persistence.saver import mark_saved  # noqa: PLC0415

    mark_saved(server)
    server.log("notice", "Append Only File loaded by DEBUG LOADAOF")
    return OK


def _aof_error_gate(c: Any, spec: CommandSpec, argv: list[bytes]) -> Any:
    """writeCommandsDeniedByDiskError, the AOF half: after a failed AOF write, write
    commands (and PING, as Redis) get MISCONF until a write succeeds again."""
    server = c.server
    if not server.gate & ServerGate.AOF_ERROR or c.kind == "master":
        return None
    if spec.flags & CmdFlag.WRITE or (spec.name == b"ping" and spec.parent is None) or _exec_writes(c, spec):
        st = state(server)
        raise CommandError(b"MISCONF Errors writing to the AOF file: " + st.last_write_error.encode())
    return None


register_gate(GATE_ORDER["disk"] + 1, "aof_write_error", _aof_error_gate, server_bits=ServerGate.AOF_ERROR)

_base_persistence = info.SECTION_PROVIDERS["persistence"]


def _persistence_fields(server: Any) -> list[tuple[str, Any]]:
    fields = _base_persistence(server)
    st = server.extensions.get("aof")
    if st is None:
        return fields
    running = st.child_pid > 0
    values = {
        "aof_enabled": 0 if st.state == OFF else 1,
        "aof_rewrite_in_progress": 1 if running else 0,
        "aof_rewrite_scheduled": 1 if st.rewrite_scheduled else 0,
        "aof_last_rewrite_time_sec": st.last_rewrite_time_s,
        "aof_current_rewrite_time_sec": int(time.monotonic() - st.child_start) if running else -1,
        "aof_last_bgrewrite_status": "ok" if st.last_rewrite_ok else "err",
        "aof_rewrites": st.rewrites,
        "aof_rewrites_consecutive_failures": st.consecutive_failures,
        "aof_last_write_status": "ok" if st.last_write_ok else "err",
    }
    out = [(k, values.get(k, v)) for k, v in fields]
    if st.state != OFF:
        extra = [
            ("aof_current_size", st.current_size + len(st.buf)),
            ("aof_base_size", st.base_size),
            ("aof_pending_rewrite", 1 if st.rewrite_scheduled else 0),
            ("aof_buffer_length", len(st.buf)),
            ("aof_pending_bio_fsync", 0),
            ("aof_delayed_fsync", st.delayed_fsync),
        ]
        at = next((i for i, (k, _) in enumerate(out) if k == "module_fork_last_cow_size"), len(out) - 1) + 1
        out[at:at] = extra
    return out


info.SECTION_PROVIDERS["persistence"] = _persistence_fields
