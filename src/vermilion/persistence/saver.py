"""Snapshots: SAVE, BGSAVE in a forked child, save points, the final save at shutdown,
and loading the snapshot at start (Redis's rdb.c rdbSave/rdbSaveBackground/rdbLoad and
the persistence half of serverCron).

* ``save(server)`` writes ``temp-<pid>.rdb`` in the working directory (``dir``; CONFIG
  SET dir chdirs), fsyncs it and renames it to ``dbfilename``: a crash never leaves a
  half-written snapshot under the real name.
* ``bgsave(server)`` forks.  The child (copy-on-write: it sees the keyspace as of the
  fork) writes the file as above and leaves with ``os._exit`` (0 = success), running
  nothing of the parent's event loop.  The parent keeps serving; ``cron`` reaps the
  child with ``waitpid(WNOHANG)`` and records the outcome (``lastsave``, the changes
  since, ``rdb_last_bgsave_status``).
* ``cron`` also starts a BGSAVE when a ``save <seconds> <changes>`` point is reached
  (after a failed one, only every 5 seconds, as CONFIG_BGSAVE_RETRY_DELAY), or when one
  was scheduled (BGSAVE SCHEDULE).
* ``shutdown_prepare`` (SHUTDOWN) and a shutdown hook (SIGTERM) kill a running child
  and save when save points are set (or SHUTDOWN SAVE), unless NOSAVE.
* ``load_at_start`` reads ``dir/dbfilename`` once the server listens, answering
  -LOADING meanwhile (loading.py); a bad file is logged with the offset and the
  server exits with code 1.
* After a failed BGSAVE, while save points are set and ``stop-writes-on-bgsave-error``
  is on, write commands (and PING, as Redis) get MISCONF: the ``disk`` dispatch gate,
  armed by ``ServerGate.DISK_ERROR`` until a save succeeds.

State lives in ``server.extensions["rdb"]`` (an ``RdbState``).
"""

from __future__ import annotations

import os
import signal
import sys
import time
from typing import Any

from .. import REDIS_VERSION
from ..commands.spec import CmdFlag, CommandSpec
from ..engine.dispatch import GATE_ORDER, register_gate
from ..engine.gates import ServerGate
from ..protocol.errors import CommandError
from . import loading
from .dump import rdb_serialized_length, set_lru_or_lfu
from .rdb.decoder import KeyRefused, Limits, RdbError, load
from .rdb.encoder import write_rdb

BGSAVE_RETRY_DELAY_S = 5
MISCONF = (b"MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. "
           b"Commands that may modify the data set are disabled, because this instance is configured to "
           b"report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). "
           b"Please check the Redis logs for details about the RDB error.")


class RdbState:
    __slots__ = ("child_pid", "child_start", "dirty_at_fork", "last_bgsave_ok", "last_bgsave_time_s",
                 "last_bgsave_try_s", "saves", "bgsave_scheduled", "functions", "keys_loaded",
                 "keys_expired", "final_save_done", "dirty_base")

    def __init__(self) -> None:
        self.child_pid = -1
        self.child_start = 0.0
        self.dirty_at_fork = 0
        self.last_bgsave_ok = True
        self.last_bgsave_time_s = -1
        self.last_bgsave_try_s = 0
        self.saves = 0
        self.bgsave_scheduled = False
        self.functions: list[bytes] = []  # FUNCTION2 library code kept from the last load
        self.keys_loaded = 0
        self.keys_expired = 0
        self.final_save_done = False
        self.dirty_base = 0  # server.dirty at the last successful save


def state(server: Any) -> RdbState:
    st = server.extensions.get("rdb")
    if st is None:
        st = install(server)
    return st


def install(server: Any) -> RdbState:
    """Attach the snapshot machinery to a server (once)."""
    st = server.extensions.get("rdb")
    if st is not None:
        return st
    st = RdbState()
    server.extensions["rdb"] = st
    server.cron_jobs.append(cron)
    server.extensions["shutdown_prepare"] = shutdown_prepare
    server.extensions["after_flushall"] = after_flushall
    server.shutdown_hooks.insert(0, _shutdown_hook)
    server.extensions["rdb_serialized_length"] = rdb_serialized_length(server)
    return st


# ---- writing ------------------------------------------------------------------------

def aux_fields(server: Any) -> list[tuple[bytes, bytes]]:
    """rdbSaveInfoAuxFields: who wrote the file, when, and the replication position."""
    from ..commands.info import used_memory  # noqa: PLC0415  (commands import this module)

    replid = getattr(server, "replid", None) or server.run_id
    return [
        (b"redis-ver", REDIS_VERSION.encode()),
        (b"redis-bits", b"64"),
        (b"ctime", b"%d" % int(time.time())),
        (b"used-mem", b"%d" % used_memory(server)),
        (b"repl-stream-db", b"%d" % int(getattr(server, "repl_stream_db", 0) or 0)),
        (b"repl-id", str(replid).encode()),
        (b"repl-offset", b"%d" % int(getattr(server, "master_repl_offset", 0) or 0)),
        (b"aof-base", b"0"),
    ]


def write_file(server: Any, filename: str) -> None:
    """Write a snapshot to ``temp-<pid>.rdb``, fsync it, rename it to ``filename``.
    Raises OSError (the temp file is removed)."""
    tmp = "temp-%d.rdb" % os.getpid()
    config = server.config
    try:
        with open(tmp, "wb") as f:
            write_rdb(f.write, server.dbs, aux_fields(server), state(server).functions,
                      compress=bool(config.get("rdbcompression", 1)),
                      checksum=bool(config.get("rdbchecksum", 1)),
                      key_delay_us=config.get("rdb-key-save-delay", 0))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, filename)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def save(server: Any) -> bool:
    """rdbSave: a synchronous snapshot; False (logged) on failure.  (INFO's rdb_saves
    counts SAVE commands and BGSAVEs, not DEBUG RELOAD or shutdown saves.)"""
    st = state(server)
    filename = server.config.get("dbfilename", "dump.rdb")
    try:
        write_file(server, filename)
    except OSError as e:
        # (a failed SAVE leaves rdb_last_bgsave_status alone, as in Redis)
        server.log("warning", "Failed opening the temp RDB file temp-%d.rdb (in server root dir %s) "
                              "for saving: %s" % (os.getpid(), os.getcwd(), e.strerror or e))
        return False
    server.log("notice", "DB saved on disk")
    mark_saved(server)
    server.lastsave_s = int(time.time())
    _set_status(server, st, True)
    return True


def mark_saved(server: Any) -> None:
    """The dataset as it is now is on disk.  ``server.dirty`` only grows (the
    dispatcher propagates a command when it moved it, so SAVE, SHUTDOWN or DEBUG RELOAD
    must not move it): the changes since the last save are counted from this baseline."""
    state(server).dirty_base = server.dirty


def changes_since_save(server: Any) -> int:
    """INFO's rdb_changes_since_last_save: what the save points count."""
    return server.dirty - state(server).dirty_base


def after_flushall(server: Any, dirty_before: int) -> None:
    """FLUSHALL (Redis's flushAllDataAndResetRDB): a running BGSAVE child is killed (its
    snapshot is obsolete) and, with save points, the empty dataset is saved at once.
    A FLUSHALL that deleted nothing is still propagated (Redis's
    forceCommandPropagation): the dirty counter moves, the changes to save do not."""
    st = state(server)
    if st.child_pid > 0:
        kill_child(server)
    if server.dirty == dirty_before:
        server.dirty += 1
        st.dirty_base += 1
    if server.config.get("save"):
        save(server)


def _set_status(server: Any, st: RdbState, ok: bool) -> None:
    st.last_bgsave_ok = ok
    if ok:
        server.gate &= ~ServerGate.DISK_ERROR
    else:
        server.gate |= ServerGate.DISK_ERROR


def bgsave(server: Any) -> bool:
    """rdbSaveBackground: fork a child that writes the snapshot; False if fork failed."""
    st = state(server)
    st.dirty_at_fork = server.dirty
    st.last_bgsave_try_s = int(time.time())
    sys.stdout.flush()
    sys.stderr.flush()
    fork_start_ns = time.perf_counter_ns()
    try:
        pid = os.fork()
    except OSError as e:
        _set_status(server, st, False)
        server.log("warning", "Can't save in background: fork: %s" % e.strerror)
        return False
    if pid == 0:  # the child
        code = 1
        try:
            server.pid = os.getpid()
            server.role = "child"
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            write_file(server, server.config.get("dbfilename", "dump.rdb"))
            server.log("notice", "DB saved on disk")
            code = 0
        except BaseException as e:  # noqa: BLE001 - the child reports through its exit code
            try:
                server.log("warning", "Write error saving DB on disk: %s" % e)
            except BaseException:  # noqa: BLE001
                pass
        finally:
            try:
                sys.stdout.flush()
            finally:
                os._exit(code)
    fork_ms = (time.perf_counter_ns() - fork_start_ns) // 1_000_000
    threshold_ms = getattr(server, "latency_threshold_ms", 0)  # the latency monitor (ops/latency.py)
    if threshold_ms and fork_ms >= threshold_ms:
        from ..ops.latency import add_sample  # noqa: PLC0415

        add_sample(server, "fork", fork_ms)
    st.saves += 1
    st.child_pid = pid
    st.child_start = time.monotonic()
    server.log("notice", "Background saving started by pid %d" % pid)
    return True


def _child_done(server: Any, st: RdbState, status: int) -> None:
    st.child_pid = -1
    st.last_bgsave_time_s = int(time.monotonic() - st.child_start)
    if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0:
        server.log("notice", "Background saving terminated with success")
        st.dirty_base = max(st.dirty_base, st.dirty_at_fork)  # what changed since the fork stays dirty
        server.lastsave_s = int(time.time())
        _set_status(server, st, True)
    elif os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        server.log("warning", "Background saving terminated by signal %d" % sig)
        # Killed by us (SIGUSR1, as Redis) is not an error.
        if sig != signal.SIGUSR1:
            _set_status(server, st, False)
    else:
        server.log("warning", "Background saving error")
        _set_status(server, st, False)


def kill_child(server: Any) -> None:
    st = state(server)
    pid = st.child_pid
    if pid <= 0:
        return
    try:
        os.kill(pid, signal.SIGUSR1)
        os.waitpid(pid, 0)
    except OSError:
        pass
    try:
        os.unlink("temp-%d.rdb" % pid)
    except OSError:
        pass
    st.child_pid = -1


def cron(server: Any) -> None:
    st = state(server)
    if st.child_pid > 0:
        try:
            pid, status = os.waitpid(st.child_pid, os.WNOHANG)
        except ChildProcessError:
            pid, status = st.child_pid, 1 << 8
        if pid:
            _child_done(server, st, status)
        return
    if other_child_active(server):
        return  # one child at a time (Redis's hasActiveChildProcess)
    if st.bgsave_scheduled:
        st.bgsave_scheduled = False
        bgsave(server)
        return
    points = server.config.get("save", ())
    dirty = server.dirty - st.dirty_base
    if not points or not dirty:
        return
    now = int(time.time())
    for seconds, changes in points:
        if dirty >= changes and now - server.lastsave_s > seconds and (
                st.last_bgsave_ok or now - st.last_bgsave_try_s > BGSAVE_RETRY_DELAY_S):
            server.log("notice", "%d changes in %d seconds. Saving..." % (changes, seconds))
            bgsave(server)
            return


def in_progress(server: Any) -> bool:
    return state(server).child_pid > 0


def other_child_active(server: Any) -> bool:
    """Another fork is running (the AOF rewrite, persistence/aof)."""
    aof = server.extensions.get("aof")
    return aof is not None and aof.child_pid > 0


# ---- writes refused after a failed BGSAVE ----------------------------------------------

def _disk_gate(c: Any, spec: CommandSpec, argv: list[bytes]) -> Any:
    server = c.server
    if not server.gate & ServerGate.DISK_ERROR or getattr(c, "kind", None) == "master":
        return None
    config = server.config
    if not (config.get("stop-writes-on-bgsave-error", 1) and config.get("save")):
        return None
    if spec.flags & CmdFlag.WRITE or (spec.name == b"ping" and spec.parent is None) or _exec_writes(c, spec):
        raise CommandError(MISCONF)
    return None


def _exec_writes(c: Any, spec: CommandSpec) -> bool:
    if spec.name != b"exec":
        return False
    for item in getattr(c, "multi_queue", None) or ():
        queued = item[0] if isinstance(item, (tuple, list)) else getattr(item, "spec", None)
        if isinstance(queued, CommandSpec) and queued.flags & CmdFlag.WRITE:
            return True
    return False


register_gate(GATE_ORDER["disk"], "rdb_disk_error", _disk_gate, server_bits=ServerGate.DISK_ERROR)


# ---- shutdown -----------------------------------------------------------------------

def shutdown_prepare(server: Any, flags: set[bytes]) -> bool:
    """The persistence part of SHUTDOWN: True to go on, False to refuse."""
    st = state(server)
    if st.child_pid > 0:
        server.log("warning", "There is a child saving an .rdb. Killing it!")
        kill_child(server)
    if loading.is_loading(server):
        return True  # the dataset is incomplete: never save it (Redis's shutdownCommand)
    wants = (bool(server.config.get("save")) and b"nosave" not in flags) or b"save" in flags
    st.final_save_done = True
    if not wants:
        return True
    server.log("notice", "Saving the final RDB snapshot before exiting.")
    if not save(server):
        if b"force" in flags:
            server.log("warning", "Error trying to save the DB. Exit anyway.")
            return True
        server.log("warning", "Error trying to save the DB, can't exit.")
        st.final_save_done = False
        return False
    return True


def _shutdown_hook(server: Any) -> None:
    """A shutdown not through SHUTDOWN (a signal): save as Redis does, with the flags of
    ``shutdown-on-sigterm`` (save, nosave, force; the hook cannot tell SIGINT apart)."""
    if not state(server).final_save_done:
        words = str(server.config.get("shutdown-on-sigterm", "default") or "default").split()
        shutdown_prepare(server, {w.encode() for w in words if w != "default"})


# ---- loading ------------------------------------------------------------------------

class LoadFailed(Exception):
    pass


def load_file(server: Any, filename: str, merge: bool = False, replace_dup: bool = False) -> Any:
    """Load ``filename`` into the server's databases (which the caller emptied or
    not).  Returns the LoadInfo; raises OSError or RdbError."""
    with open(filename, "rb") as f:
        data = f.read()
    return load_bytes(server, data, replace_dup)


def load_bytes(server: Any, data: bytes | bytearray, replace_dup: bool = False) -> Any:
    """Load a whole RDB image (a file's bytes, or a diskless transfer kept in memory)."""
    dbs = server.dbs
    now = int(time.time() * 1000)
    master = not server.is_replica_of_primary()
    dirty = server.dirty

    def sink(db_index: int, key: bytes, value: Any, expire_at_ms: int | None, idle: int, freq: int) -> bool:
        if db_index >= len(dbs):
            raise KeyRefused("FATAL: Data file was created with a Redis server configured to handle "
                             "more than %d databases" % len(dbs))
        if expire_at_ms is not None and expire_at_ms < now and master:
            return False
        db = dbs[db_index]
        if key in db.data:
            if not replace_dup:
                raise KeyRefused("RDB has duplicated key '%s' in DB %d" % (key.decode("latin-1"), db_index))
            db.unlink(key)
        db.set(key, value, expire_at_ms=expire_at_ms)
        if idle >= 0 or freq >= 0:
            set_lru_or_lfu(server, db, key, idle, freq)
        return True

    try:
        info = load(data, Limits(server.config), sink,
                    verify_checksum=not server.extensions.get("skip_checksum_validation", False),
                    progress=loading.progress_hook(server))
    finally:
        server.dirty = dirty
    st = state(server)
    st.functions = info.functions
    st.keys_loaded = info.keys_loaded
    st.keys_expired = info.keys_expired
    return info


def load_at_start(server: Any) -> bool:
    """Load the snapshot before serving; False when the file is bad (exit with 1)."""
    install(server)
    filename = server.config.get("dbfilename", "dump.rdb")
    if not os.path.exists(filename):
        return True
    start = time.monotonic()
    try:
        info = load_file(server, filename)
    except RdbError as e:
        server.log("warning", "Internal error in RDB reading offset %d: %s" % (e.offset, e.reason))
        server.log("warning", "Terminating server after rdb file reading failure.")
        return False
    except OSError as e:
        server.log("warning", "Fatal error loading the DB, check server logs. Exiting. (%s)" % e.strerror)
        return False
    aux = info.aux
    ver = aux.get(b"redis-ver")
    if ver is not None:
        server.log("notice", "Loading RDB produced by version %s" % ver.decode("latin-1"))
    ctime = aux.get(b"ctime")
    if ctime is not None and ctime.lstrip(b"-").isdigit():
        server.log("notice", "RDB age %d seconds" % max(0, int(time.time()) - int(ctime)))
    used = aux.get(b"used-mem")
    if used is not None and used.isdigit():
        server.log("notice", "RDB memory usage when created %.2f Mb" % (int(used) / (1024 * 1024)))
    server.log("notice", "Done loading RDB, keys loaded: %d, keys expired: %d."
               % (info.keys_loaded, info.keys_expired))
    server.log("notice", "DB loaded from disk: %.3f seconds" % (time.monotonic() - start))
    return True


def persistence_info(server: Any, base: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """INFO persistence with the snapshot fields filled in."""
    st = state(server)
    now = time.monotonic()
    values = {
        "rdb_changes_since_last_save": server.dirty - st.dirty_base,
        "rdb_bgsave_in_progress": 1 if st.child_pid > 0 else 0,
        "rdb_last_save_time": server.lastsave_s,
        "rdb_last_bgsave_status": "ok" if st.last_bgsave_ok else "err",
        "rdb_last_bgsave_time_sec": st.last_bgsave_time_s,
        "rdb_current_bgsave_time_sec": int(now - st.child_start) if st.child_pid > 0 else -1,
        "rdb_saves": st.saves,
        "rdb_last_load_keys_expired": st.keys_expired,
        "rdb_last_load_keys_loaded": st.keys_loaded,
    }
    if loading.is_loading(server):
        values["loading"] = 1
        return [(k, values.get(k, v)) for k, v in base] + loading.info_fields(server)
    return [(k, values.get(k, v)) for k, v in base]
