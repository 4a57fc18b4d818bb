"""AOF life cycle: start-up, CONFIG SET appendonly, BGREWRITEAOF and the cron
(Redis's aof.c rewriteAppendOnlyFileBackground / backgroundRewriteDoneHandler,
startAppendOnly / stopAppendOnly, loadAppendOnlyFiles and the AOF part of serverCron).

Rewrite, crash-safe at every step:

1. The parent flushes and fsyncs the current incr file, opens a new one (seq + 1) and
   persists a manifest listing it: from now on new writes go there, and the old files
   plus the new incr still describe the whole dataset.
2. A forked child (copy-on-write: the keyspace as of the fork) writes the new base to
   ``temp-rewriteaof-bg-<pid>.aof`` (an RDB with ``aof-base 1`` when
   ``aof-use-rdb-preamble`` is on, else commands), fsyncs it and exits 0.
3. The cron reaps the child; the parent renames the temp file to the new base name,
   marks the old base and every incr file but the new one as history, persists the
   manifest (base + new incr) and only then deletes the history files.

A kill at any point leaves a manifest whose files all exist and load.  Turning the AOF
on at runtime (``WAIT_REWRITE``) sends writes to ``temp-<appendfilename>.incr`` until
the first base exists; that file then becomes the first incr file.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from typing import Any

from . import manifest as mf
from .loader import LoadError, load_manifest_files
from .writer import OFF, ON, WAIT_REWRITE, AofState, attach, detach, encode_command, state

ITEMS_PER_CMD = 64  # AOF_REWRITE_ITEMS_PER_CMD
RETRY_DELAY_S = 5


# ---- writing a base ------------------------------------------------------------------

def _base_aux(server: Any) -> list[tuple[bytes, bytes]]:
    from ..saver import aux_fields  # noqa: PLC0415

    return [(k, b"1" if k == b"aof-base" else v) for k, v in aux_fields(server)]


def write_base(server: Any, path: str) -> None:
    """Write a snapshot of every database to ``path`` (fsynced)."""
    from ..rdb.encoder import write_rdb  # noqa: PLC0415
    from ..saver import state as rdb_state  # noqa: PLC0415

    config = server.config
    with open(path, "wb") as f:
        if config.get("aof-use-rdb-preamble", 1):
            write_rdb(f.write, server.dbs, _base_aux(server), rdb_state(server).functions,
                      compress=bool(config.get("rdbcompression", 1)),
                      checksum=bool(config.get("rdbchecksum", 1)),
                      key_delay_us=config.get("rdb-key-save-delay", 0))
        else:
            write_commands(server, f.write)
        f.flush()
        os.fsync(f.fileno())


def write_commands(server: Any, write: Any) -> None:
    """rewriteAppendOnlyFileRio: each key as the commands that rebuild it."""
    from ..dump import dump_value  # noqa: PLC0415
    from ...keyspace.types import type_name  # noqa: PLC0415

    now = int(time.time() * 1000)
    for db in server.dbs:
        if not db.data:
            continue
        write(encode_command([b"SELECT", b"%d" % db.index]))
        expires = db.expires
        for key, value in list(db.data.items()):
            at = expires.get(key)
            if at is not None and at < now:
                continue
            cls = value.__class__
            if cls is bytes:
                write(encode_command([b"SET", key, value]))
            else:
                name = type_name(value)
                if name == b"list":
                    _batched(write, b"RPUSH", key, list(value))
                elif name == b"set":
                    _batched(write, b"SADD", key, list(value))
                elif name == b"hash":
                    flat = [x for kv in value.items() for x in kv]
                    _batched(write, b"HMSET", key, flat, 2)
                elif name == b"zset":
                    flat = []
                    for member, score in value.scores.items():
                        flat += [_score(score), member]
                    _batched(write, b"ZADD", key, flat, 2)
                else:  # streams and anything else: a RESTORE of the DUMP payload
                    write(encode_command([b"RESTORE", key, b"0", dump_value(server, value)]))
            if at is not None:
                write(encode_command([b"PEXPIREAT", key, b"%d" % at]))


def _score(score: float) -> bytes:
    if score != score:
        return b"nan"
    if score in (float("inf"), float("-inf")):
        return b"inf" if score > 0 else b"-inf"
    if score == int(score) and abs(score) < 1e17:
        return b"%d" % int(score)
    return repr(score).encode()


def _batched(write: Any, cmd: bytes, key: bytes, items: list[bytes], step: int = 1) -> None:
    per = ITEMS_PER_CMD * step
    for i in range(0, len(items), per):
        write(encode_command([cmd, key] + items[i:i + per]))


# ---- start-up -------------------------------------------------------------------------

def load_at_start(server: Any) -> bool | None:
    """With appendonly on: load the manifest's files.  Returns None when the AOF is
    off (the caller loads the RDB instead), False on a fatal error, True when done."""
    if not server.config.get("appendonly"):
        return None
    from ..saver import install as install_rdb  # noqa: PLC0415

    install_rdb(server)
    st = state(server)
    _install_hooks(server)
    dirname = st.dirname
    try:
        m = mf.read(dirname, st.filename)
    except mf.ManifestError as e:
        server.log("warning", str(e))
        return False
    if os.path.isfile(st.filename) and (m is None or (
            m.base is not None and m.base.name == st.filename
            and not os.path.exists(os.path.join(dirname, st.filename)))):
        m = upgrade_old_aof(server, st)  # (also finishes an upgrade a crash interrupted)
    if m is not None and m.files():
        start = time.monotonic()
        try:
            load_manifest_files(server, dirname, m)
        except LoadError:
            return False
        server.log("notice", "DB loaded from append only file: %.3f seconds" % (time.monotonic() - start))
        from ..saver import mark_saved  # noqa: PLC0415

        mark_saved(server)
    st.manifest = m
    try:
        open_on_start(server, st)
    except OSError as e:
        server.log("warning", "Can't open the append-only file: %s" % e.strerror)
        return False
    return True


def upgrade_old_aof(server: Any, st: AofState) -> mf.Manifest:
    """aofUpgradePrepare: a Redis 6 style ``appendonly.aof`` in ``dir`` moves into the
    AOF directory as the base file (name unchanged), listed by a new manifest."""
    os.makedirs(st.dirname, exist_ok=True)
    m = mf.Manifest()
    m.base = mf.AofFile(st.filename, 1, mf.BASE)
    m.curr_base_seq = 1
    mf.write(st.dirname, st.filename, m)
    os.replace(st.filename, os.path.join(st.dirname, st.filename))
    mf.fsync_dir(st.dirname)
    server.log("notice", "Successfully migrated an old-style AOF into the AOF directory")
    return m


def open_on_start(server: Any, st: AofState) -> None:
    """aofOpenIfNeededOnServerStart: create the directory, a base when there is none
    (from the dataset just loaded: empty, or what the incr files held), and open the
    last incr file for appending (a new one when there is none)."""
    dirname, filename = st.dirname, st.filename
    os.makedirs(dirname, exist_ok=True)
    m = st.manifest
    if m is None:
        m = st.manifest = mf.Manifest()
    changed = False
    if m.base is None and not m.incrs:
        base = m.new_base(filename, bool(server.config.get("aof-use-rdb-preamble", 1)))
        write_base(server, os.path.join(dirname, base.name))
        server.log("notice", "Creating AOF base file %s on server start" % base.name)
        changed = True
    if not m.incrs:
        incr = m.new_incr(filename)
        server.log("notice", "Creating AOF incr file %s on server start" % incr.name)
        changed = True
    if changed:
        mf.write(dirname, filename, m)
    st.open_incr(os.path.join(dirname, m.incrs[-1].name))
    st.delete_history()
    st.state = ON
    st.sizes_from_disk()
    attach(server, st)


# ---- runtime on/off --------------------------------------------------------------------

def start_aof(server: Any) -> bool:
    """startAppendOnly (CONFIG SET appendonly yes): writes go to a temp incr file and a
    rewrite creates the base.  False when the rewrite could not start."""
    st = state(server)
    _install_hooks(server)
    dirname = st.dirname
    os.makedirs(dirname, exist_ok=True)
    if st.manifest is None:
        try:
            st.manifest = mf.read(dirname, st.filename) or mf.Manifest()
        except mf.ManifestError:
            st.manifest = mf.Manifest()
    st.temp_incr = os.path.join(dirname, "temp-%s.incr" % st.filename)
    try:
        os.unlink(st.temp_incr)
    except OSError:
        pass
    st.state = WAIT_REWRITE
    if rdb_child_running(server):
        st.rewrite_scheduled = True
        server.log("warning", "AOF was enabled but there is already another background operation. "
                              "An AOF background was scheduled to start when possible.")
    elif st.child_pid > 0:
        kill_child(server, st)
    st.open_incr(st.temp_incr)
    attach(server, st)
    if not st.rewrite_scheduled and not bgrewrite(server):
        server.log("warning", "Redis needs to enable the AOF but can't trigger a background AOF rewrite "
                              "operation. Check the above logs for more info about the error.")
        stop_aof(server)
        return False
    return True


def stop_aof(server: Any) -> None:
    """stopAppendOnly (CONFIG SET appendonly no)."""
    st = state(server)
    if st.child_pid > 0:
        kill_child(server, st)
    detach(server, st)
    if st.temp_incr:
        try:
            os.unlink(st.temp_incr)
        except OSError:
            pass
        st.temp_incr = ""
    st.state = OFF
    st.rewrite_scheduled = False


def apply_appendonly(server: Any, config: Any) -> None:
    from ...config.schema import ConfigValueError  # noqa: PLC0415

    st = state(server)
    if config.get("appendonly") and st.state == OFF:
        if not start_aof(server):
            raise ConfigValueError("Failed to start AOF")
    elif not config.get("appendonly") and st.state != OFF:
        stop_aof(server)


# ---- BGREWRITEAOF ------------------------------------------------------------------

def rdb_child_running(server: Any) -> bool:
    st = server.extensions.get("rdb")
    return st is not None and st.child_pid > 0


def bgrewrite(server: Any) -> bool:
    """rewriteAppendOnlyFileBackground; False when fork failed."""
    st = state(server)
    dirname, filename = st.dirname, st.filename
    os.makedirs(dirname, exist_ok=True)
    if st.manifest is None:
        try:
            st.manifest = mf.read(dirname, filename) or mf.Manifest()
        except mf.ManifestError:
            st.manifest = mf.Manifest()
    if st.state == ON:
        # New writes go to a new incr file, listed in the manifest before the fork.
        incr = st.manifest.new_incr(filename)
        mf.write(dirname, filename, st.manifest)
        st.open_incr(os.path.join(dirname, incr.name))
        server.log("notice", "Creating AOF incr file %s on background rewrite" % incr.name)
    else:
        st.flush(force_fsync=True)
    st.rewrite_scheduled = False
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        pid = os.fork()
    except OSError as e:
        st.last_rewrite_ok = False
        server.log("warning", "Can't rewrite append only file in background: fork: %s" % e.strerror)
        return False
    if pid == 0:
        code = 1
        try:
            server.pid = os.getpid()
            server.role = "child"
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            write_base(server, os.path.join(dirname, "temp-rewriteaof-bg-%d.aof" % os.getpid()))
            server.log("notice", "Successfully created the temporary AOF base file temp-rewriteaof-bg-%d.aof"
                       % os.getpid())
            code = 0
        except BaseException as e:  # noqa: BLE001 - the child reports through its exit code
            try:
                server.log("warning", "Error rewriting the append only file: %s" % e)
            except BaseException:  # noqa: BLE001
                pass
        finally:
            os._exit(code)
    st.child_pid = pid
    st.child_start = time.monotonic()
    server.log("notice", "Background append only file rewriting started by pid %d" % pid)
    return True


def kill_child(server: Any, st: AofState) -> None:
    pid = st.child_pid
    if pid <= 0:
        return
    try:
        os.kill(pid, signal.SIGUSR1)
        os.waitpid(pid, 0)
    except OSError:
        pass
    try:
        os.unlink(os.path.join(st.dirname, "temp-rewriteaof-bg-%d.aof" % pid))
    except OSError:
        pass
    st.child_pid = -1
    server.log("notice", "Killing running AOF rewrite child: %d" % pid)


def _child_done(server: Any, st: AofState, pid: int, status: int) -> None:
    st.child_pid = -1
    st.last_rewrite_time_s = int(time.monotonic() - st.child_start)
    dirname, filename = st.dirname, st.filename
    tmp = os.path.join(dirname, "temp-rewriteaof-bg-%d.aof" % pid)
    ok = os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    if ok:
        try:
            _install_new_base(server, st, tmp)
        except OSError as e:
            server.log("warning", "Error trying to rename the temporary AOF base file: %s" % e.strerror)
            ok = False
    elif os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGUSR1:
        server.log("warning", "Background AOF rewrite terminated by signal %d" % os.WTERMSIG(status))
        _unlink(tmp)
        return
    else:
        server.log("warning", "Background AOF rewrite signal handler took too long / failed")
    if ok:
        st.last_rewrite_ok = True
        st.consecutive_failures = 0
        st.rewrites += 1
        server.log("notice", "Background AOF rewrite finished successfully")
    else:
        _unlink(tmp)
        st.last_rewrite_ok = False
        st.consecutive_failures += 1
        st.last_failure_s = time.monotonic()
        if st.state == WAIT_REWRITE:
            st.rewrite_scheduled = True  # retried by the cron


def _install_new_base(server: Any, st: AofState, tmp: str) -> None:
    dirname, filename = st.dirname, st.filename
    m = st.manifest.copy()
    base = m.new_base(filename, bool(server.config.get("aof-use-rdb-preamble", 1)))
    if st.state == WAIT_REWRITE:
        m.incrs_to_history(keep_last=False)
        incr = m.new_incr(filename)
        os.replace(st.temp_incr, os.path.join(dirname, incr.name))
        st.incr_path = os.path.join(dirname, incr.name)
        st.temp_incr = ""
    elif st.state == ON:
        m.incrs_to_history(keep_last=True)
    else:
        m.incrs_to_history(keep_last=False)
    os.replace(tmp, os.path.join(dirname, base.name))
    mf.write(dirname, filename, m)
    st.manifest = m
    if st.state == WAIT_REWRITE:
        st.state = ON
        server.log("notice", "Background AOF rewrite terminated with success")
    st.delete_history()
    st.sizes_from_disk()


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def cron(server: Any) -> None:
    st = server.extensions.get("aof")
    if st is None:
        return
    if st.buf:
        st.flush()
    if st.child_pid > 0:
        try:
            pid, status = os.waitpid(st.child_pid, os.WNOHANG)
        except ChildProcessError:
            pid, status = st.child_pid, 1 << 8
        if pid:
            _child_done(server, st, pid, status)
        return
    if rdb_child_running(server):
        return
    if st.rewrite_scheduled:
        if st.consecutive_failures and time.monotonic() - st.last_failure_s < RETRY_DELAY_S:
            return  # a failed rewrite is retried after a pause, not in a fork loop
        bgrewrite(server)
        return
    if st.state != ON:
        return
    perc = server.config.get("auto-aof-rewrite-percentage", 100)
    min_size = server.config.get("auto-aof-rewrite-min-size", 64 * 1024 * 1024)
    if perc and st.current_size > min_size:
        base = st.base_size or 1
        growth = (st.current_size * 100 // base) - 100
        if growth >= perc:
            server.log("notice", "Starting automatic rewriting of AOF on %d%% growth" % growth)
            bgrewrite(server)


def shutdown(server: Any) -> None:
    """Flush and fsync the log before exiting; kill a running rewrite child."""
    st = server.extensions.get("aof")
    if st is None:
        return
    if st.child_pid > 0:
        kill_child(server, st)
    if st.fd >= 0:
        st.flush(force_fsync=True)


def restart_after_sync(server: Any) -> None:
    """restartAOFAfterSYNC: a replica that loaded its primary's snapshot rewrites the
    log from the new dataset (the incr files no longer describe it)."""
    st = server.extensions.get("aof")
    if st is not None and st.state != OFF:
        stop_aof(server)
        start_aof(server)


def _shutdown_prepare(server: Any, flags: set[bytes], previous: Any) -> bool:
    """The AOF part of SHUTDOWN (prepareForShutdown): refuse while the first base is
    being written (the dataset would be lost) unless FORCE, kill a rewrite child,
    flush and fsync the log; then the snapshot part."""
    st = server.extensions.get("aof")
    if st is not None:
        if st.child_pid > 0:
            if st.state == WAIT_REWRITE:
                if b"force" not in flags:
                    server.log("warning", "Writing initial AOF, can't exit.")
                    return False
                server.log("warning", "Writing initial AOF. Exit anyway.")
            server.log("warning", "There is a child rewriting the AOF. Killing it!")
            kill_child(server, st)
        if st.state != OFF and st.fd >= 0:
            server.log("notice", "Calling fsync() on the AOF file.")
            st.flush(force_fsync=True)
    return previous is None or previous(server, flags)


def _install_hooks(server: Any) -> None:
    if server.extensions.get("aof_hooks"):
        return
    server.extensions["aof_hooks"] = True
    previous = server.extensions.get("shutdown_prepare")
    server.extensions["shutdown_prepare"] = lambda srv, flags: _shutdown_prepare(srv, flags, previous)
    server.cron_jobs.append(cron)
    server.shutdown_hooks.append(shutdown)
    server.extensions.setdefault("after_full_sync", []).append(restart_after_sync)


def install(server: Any) -> None:
    """Attach the cron and shutdown hooks (the AOF itself starts per config)."""
    state(server)
    _install_hooks(server)


def apply_timestamps(server: Any, config: Any) -> None:
    st = server.extensions.get("aof")
    if st is not None:
        st.timestamps = bool(config.get("aof-timestamp-enabled", 0))
        st.last_ts_s = 0


def _register_config_hooks() -> None:
    from ...config.schema import DIRECTIVES  # noqa: PLC0415

    DIRECTIVES["appendonly"].apply = apply_appendonly
    DIRECTIVES["aof-timestamp-enabled"].apply = apply_timestamps


_register_config_hooks()
