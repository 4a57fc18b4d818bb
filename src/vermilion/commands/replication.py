"""Replication commands: REPLICAOF/SLAVEOF, REPLCONF, PSYNC, SYNC, WAIT, ROLE; the
INFO replication section and the sync_* stats; the read-only-replica and stale-data
gates.  The machinery lives in vermilion/replication/ (primary.py, replica_link.py).
"""

from __future__ import annotations

import time
from typing import Any

from ..engine.dispatch import GATE_ORDER, register_gate
from ..engine.gates import ServerGate
from ..protocol.errors import CommandError, SyntaxErr, err
from ..protocol.reply import NO_REPLY, OK, Raw
from ..protocol.resp_parser import string2ll
from ..replication.machine import S, role_state
from ..replication import failover
from ..replication.failover import IN_PROGRESS, NO_FAILOVER
from ..replication.primary import ONLINE, STATE_NAMES, state
from .info import SECTION_PROVIDERS
from .registry import command
from .spec import CmdFlag, arg

LLONG_MAX = (1 << 63) - 1

_HOST_PORT = (
    arg("args", "oneof", arguments=(
        arg("host-port", "block", arguments=(arg("host", "string"), arg("port", "integer"))),
        arg("no-one", "block", arguments=(arg("no", "pure-token", token="NO"),
                                          arg("one", "pure-token", token="ONE"))),
    )),
)


# ---- REPLICAOF / SLAVEOF ----------------------------------------------------------------

def _replicaof(c: Any, argv: list[bytes]) -> Any:
    server = c.server
    if server.config.get("cluster-enabled"):
        raise err("REPLICAOF not allowed in cluster mode.")
    st = state(server)
    if st.failover.state != NO_FAILOVER:
        raise err("REPLICAOF not allowed while failing over.")
    if argv[1].lower() == b"no" and argv[2].lower() == b"one":
        if st.link is not None:
            from ..replication.replica_link import stop_replication  # noqa: PLC0415

            stop_replication(server)
            server.log("notice", "MASTER MODE enabled (user request from 'id=%d addr=%s')" % (c.id, c.addr))
        return OK
    if c.kind == "replica":
        raise err("Command is not valid when client is a replica.")
    port = string2ll(argv[2])
    if port is None or not 0 <= port <= 65535:
        raise err("Invalid master port")
    host = argv[1].decode("latin-1")
    link = st.link
    if link is not None and link.host.lower() == host.lower() and link.port == port:
        server.log("notice", "REPLICAOF would result into synchronization with the master we are already "
                             "connected with. No operation performed.")
        return Raw(b"+OK Already connected to specified master\r\n")
    from ..replication.replica_link import start_replication  # noqa: PLC0415

    start_replication(server, host, port)
    server.log("notice", "REPLICAOF %s:%d enabled (user request from 'id=%d addr=%s')" % (host, port, c.id, c.addr))
    return OK


@command("replicaof", arity=3, flags="admin noscript stale no_async_loading", acl="",
         group="server", since="5.0.0",
         summary="Configures a server as replica of another, or promotes it to a master.",
         complexity="O(1)", args=_HOST_PORT)
def cmd_replicaof(c: Any, argv: list[bytes]) -> Any:
    return _replicaof(c, argv)


@command("slaveof", arity=3, flags="admin noscript stale no_async_loading", acl="",
         group="server", since="1.0.0",
         summary="Sets a Redis server as a replica of another, or promotes it to being a master.",
         complexity="O(1)", doc_flags=("deprecated",), deprecated_since="5.0.0", replaced_by="`REPLICAOF`",
         args=_HOST_PORT)
def cmd_slaveof(c: Any, argv: list[bytes]) -> Any:
    return _replicaof(c, argv)


# ---- REPLCONF ---------------------------------------------------------------------------

@command("replconf", arity=-1, flags="admin noscript loading stale allow_busy", acl="",
         group="server", since="3.0.0",
         summary="An internal command for configuring the replication stream.",
         complexity="O(1)", doc_flags=("syscmd",))
def cmd_replconf(c: Any, argv: list[bytes]) -> Any:
    if len(argv) % 2 == 0:
        raise SyntaxErr()
    st = state(c.server)
    for j in range(1, len(argv), 2):
        opt = argv[j].lower()
        val = argv[j + 1]
        if opt == b"listening-port":
            port = string2ll(val)
            if port is None or not -(1 << 63) <= port <= LLONG_MAX:
                raise err("value is not an integer or out of range")
            st.info_of(c).listening_port = port
        elif opt == b"ip-address":
            if len(val) >= 256:  # NET_HOST_STR_LEN
                raise err("REPLCONF ip-address provided by replica instance is too long: %d bytes" % len(val))
            st.info_of(c).ip_address = val.decode("latin-1")
        elif opt == b"capa":
            capa = val.lower()
            r = st.info_of(c)
            if capa == b"eof":
                r.capa |= 1
            elif capa == b"psync2":
                r.capa |= 2
        elif opt == b"ack":
            r = st.replicas.get(c.id)
            if r is None:
                return NO_REPLY
            offset = string2ll(val)
            if offset is None:
                return NO_REPLY
            st.ack(r, offset)
            return NO_REPLY
        elif opt == b"getack":
            if c.kind == "master" and st.link is not None:
                st.link.send_ack()
            return NO_REPLY
        elif opt == b"rdb-only":
            v = string2ll(val)
            if v is None:
                raise err("value is not an integer or out of range")
            if v not in (0, 1):
                raise SyntaxErr()
        elif opt == b"rdb-filter-only":
            # Redis checks the filters ("functions" is the only one); the snapshot itself
            # is not filtered here: redis-cli --functions-rdb receives the whole RDB.
            for name in val.split():
                if name.lower() != b"functions":
                    raise err("Unsupported rdb-filter-only option: %s" % name.decode("latin-1"))
        else:
            raise err("Unrecognized REPLCONF option: %s" % argv[j].decode("latin-1"))
    return OK


# ---- PSYNC / SYNC -----------------------------------------------------------------------

def _sync(c: Any, argv: list[bytes], is_psync: bool) -> Any:
    server = c.server
    offset = -1
    if is_psync:
        offset = string2ll(argv[2])
        if offset is None:
            raise err("value is not an integer or out of range")
    if c.kind == "replica":
        return NO_REPLY  # already a replica: ignore
    st = state(server)
    if st.failover.state == IN_PROGRESS:
        raise CommandError(b"NOMASTERLINK Can't SYNC while failing over")
    if is_psync and len(argv) > 3 and argv[3].lower() == b"failover":
        # our primary hands over to us (FAILOVER): it must be on our history
        if st.link is None:
            raise err("PSYNC FAILOVER can't be sent to a master.")
        if argv[1].decode("latin-1") != st.replid:
            raise err("PSYNC FAILOVER replid must match my replid.")
        from ..replication.replica_link import stop_replication  # noqa: PLC0415

        stop_replication(server)
        server.log("notice", "MASTER MODE enabled (failover request from 'id=%d addr=%s')" % (c.id, c.addr))
    link = st.link
    if link is not None and link.state is not S.CONNECTED:
        raise CommandError(b"NOMASTERLINK Can't SYNC while not connected with my master")
    reply = st.psync(c, argv[1] if is_psync else b"?", offset, is_psync)
    return Raw(reply) if reply else NO_REPLY


@command("psync", arity=-3, flags="admin noscript no_async_loading no_multi", acl="",
         group="server", since="2.8.0", summary="An internal command used in replication.",
         args=(arg("replicationid", "string"), arg("offset", "integer")))
def cmd_psync(c: Any, argv: list[bytes]) -> Any:
    return _sync(c, argv, True)


@command("sync", arity=1, flags="admin noscript no_async_loading no_multi", acl="",
         group="server", since="1.0.0", summary="An internal command used in replication.")
def cmd_sync(c: Any, argv: list[bytes]) -> Any:
    return _sync(c, argv, False)


# ---- WAIT -------------------------------------------------------------------------------

WAIT_ON_REPLICA = ("WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a "
                   "replica is configured to be writable (which is not the default) writes to replicas are "
                   "just local and are not propagated.")


@command("wait", arity=3, flags="noscript", acl="connection", group="generic", since="3.0.0",
         summary="Blocks until the asynchronous replication of all preceding write commands sent by the "
                 "connection is completed.",
         complexity="O(1)",
         tips=("request_policy:all_shards", "response_policy:agg_min"),
         args=(arg("numreplicas", "integer"), arg("timeout", "integer")))
def cmd_wait(c: Any, argv: list[bytes]) -> Any:
    server = c.server
    if server.is_replica_of_primary():
        raise err(WAIT_ON_REPLICA)
    numreplicas = string2ll(argv[1])
    if numreplicas is None:
        raise err("value is not an integer or out of range")
    timeout = string2ll(argv[2])
    if timeout is None:
        raise err("timeout is not an integer or out of range")
    if timeout < 0:
        raise err("timeout is negative")
    now_ms = server.cached_now_ms
    if timeout > 0 and timeout > LLONG_MAX - now_ms:
        raise err("timeout is out of range")
    st = state(server)
    offset = c.extra.get("woff", 0)
    acked = st.count_acks(offset)
    if acked >= numreplicas or c.deny_blocking:
        return acked
    st.waiters[c] = (numreplicas, offset)
    reply = server.blocking.block(c, argv, [], now_ms + timeout if timeout else 0, None, timeout_reply=acked)
    st.request_acks()
    return reply


# ---- FAILOVER ---------------------------------------------------------------------------

@command("failover", arity=-1, flags="admin noscript stale", acl="", group="server", since="6.2.0",
         summary="Starts a coordinated failover from a server to one of its replicas.",
         complexity="O(1)",
         args=(
             arg("target", "block", token="TO", flags=("optional",), arguments=(
                 arg("host", "string"),
                 arg("port", "integer"),
                 arg("force", "pure-token", token="FORCE", flags=("optional",)),
             )),
             arg("abort", "pure-token", token="ABORT", flags=("optional",)),
             arg("milliseconds", "integer", token="TIMEOUT", flags=("optional",)),
         ))
def cmd_failover(c: Any, argv: list[bytes]) -> Any:
    server = c.server
    if server.config.get("cluster-enabled"):
        raise err("FAILOVER not allowed in cluster mode. Use CLUSTER FAILOVER command instead.")
    st = state(server)
    if len(argv) == 2 and argv[1].lower() == b"abort":
        if st.failover.state == NO_FAILOVER:
            raise err("No failover in progress.")
        failover.abort(server, st, "Failover manually aborted")
        return OK
    timeout_ms = 0
    force = False
    host: str | None = None
    port = 0
    j = 1
    n = len(argv)
    while j < n:
        word = argv[j].lower()
        if word == b"timeout" and j + 1 < n and timeout_ms == 0:
            v = string2ll(argv[j + 1])
            if v is None:
                raise err("value is not an integer or out of range")
            if v <= 0:
                raise err("FAILOVER timeout must be greater than 0")
            timeout_ms = v
            j += 1
        elif word == b"to" and j + 2 < n and host is None:
            v = string2ll(argv[j + 2])
            if v is None:
                raise err("value is not an integer or out of range")
            port = v
            host = argv[j + 1].decode("latin-1")
            j += 2
        elif word == b"force" and not force:
            force = True
        else:
            raise SyntaxErr()
        j += 1
    if st.failover.state != NO_FAILOVER:
        raise err("FAILOVER already in progress.")
    if st.link is not None:
        raise err("FAILOVER is not valid when server is a replica.")
    if not st.replicas:
        raise err("FAILOVER requires connected replicas.")
    if force and (not timeout_ms or host is None):
        raise err("FAILOVER with force option requires both a timeout and target HOST and IP.")
    if host is not None:
        r = st.find_replica(host, port)
        if r is None:
            raise err("FAILOVER target HOST and PORT is not a replica.")
        if r.state != ONLINE:
            raise err("FAILOVER target replica is not online.")
    failover.start(server, st, host, port, timeout_ms, force)
    return OK


# ---- ROLE -------------------------------------------------------------------------------

@command("role", arity=1, flags="noscript loading stale fast", acl="admin dangerous",
         group="server", since="2.8.12", summary="Returns the replication role.", complexity="O(1)")
def cmd_role(c: Any, argv: list[bytes]) -> Any:
    st = state(c.server)
    link = st.link
    if link is None:
        replicas = [[r.ip().encode(), b"%d" % r.listening_port, b"%d" % r.ack_offset]
                    for r in st.replicas.values() if r.state == ONLINE]
        return [b"master", st.master_repl_offset, replicas]
    offset = st.master_repl_offset if link.master is not None else -1
    return [b"slave", link.host.encode(), link.port, role_state(link.state).encode(), offset]


# ---- INFO -------------------------------------------------------------------------------

def replication_fields(server: Any) -> list[tuple[str, Any]]:
    st = state(server)
    cfg = server.config
    out: list[tuple[str, Any]] = []
    link = st.link
    out.append(("role", "slave" if link is not None else "master"))
    if link is not None:
        now_s = time.monotonic()
        connected = link.state is S.CONNECTED
        out += [
            ("master_host", link.host),
            ("master_port", link.port),
            ("master_link_status", "up" if connected else "down"),
            ("master_last_io_seconds_ago", int(now_s - link.last_io_s) if link.master is not None else -1),
            ("master_sync_in_progress", 1 if link.state is S.TRANSFER else 0),
            ("slave_read_repl_offset", st.master_repl_offset),
            ("slave_repl_offset", st.master_repl_offset),
        ]
        if link.state is S.TRANSFER:
            total = max(link.sync_total, 0)
            read = link.sync_read
            out += [
                ("master_sync_total_bytes", total),
                ("master_sync_read_bytes", read),
                ("master_sync_left_bytes", total - read),
                ("master_sync_perc", "%.2f" % (read * 100 / total if total else 0.0)),
                ("master_sync_last_io_seconds_ago", int(now_s - link.last_io_s)),
            ]
        if not connected:
            out.append(("master_link_down_since_seconds",
                        int(time.time()) - link.down_since_s if link.down_since_s else -1))
        out += [
            ("slave_priority", int(cfg.get("replica-priority", 100))),
            ("slave_read_only", int(cfg.get("replica-read-only", 1))),
            ("replica_announced", int(cfg.get("replica-announced", 1))),
        ]
    out.append(("connected_slaves", len(st.replicas)))
    if cfg.get("min-replicas-to-write", 0) and cfg.get("min-replicas-max-lag", 10):
        out.append(("min_slaves_good_slaves", st.good_replicas()))
    now = int(time.time())
    for i, r in enumerate(st.replicas.values()):
        out.append(("slave%d" % i, "ip=%s,port=%d,state=%s,offset=%d,lag=%d"
                    % (r.ip(), r.listening_port, STATE_NAMES.get(r.state, "send_bulk"), r.ack_offset,
                       now - r.ack_time_s)))
    backlog = st.backlog
    out += [
        ("master_failover_state", st.failover.state),
        ("master_replid", st.replid),
        ("master_replid2", st.replid2),
        ("master_repl_offset", st.master_repl_offset),
        ("second_repl_offset", st.second_replid_offset),
        ("repl_backlog_active", 1 if backlog is not None else 0),
        ("repl_backlog_size", cfg.get("repl-backlog-size", 1 << 20)),
        ("repl_backlog_first_byte_offset", backlog.first_byte_offset if backlog is not None else 0),
        ("repl_backlog_histlen", backlog.histlen if backlog is not None else 0),
    ]
    return out


_base_stats = SECTION_PROVIDERS["stats"]


def stats_fields(server: Any) -> list[tuple[str, Any]]:
    st = state(server)
    values = {"sync_full": st.sync_full, "sync_partial_ok": st.sync_partial_ok,
              "sync_partial_err": st.sync_partial_err, "total_net_repl_input_bytes": st.repl_input_bytes,
              "total_net_repl_output_bytes": st.repl_output_bytes}
    return [(k, values.get(k, v)) for k, v in _base_stats(server)]


SECTION_PROVIDERS["replication"] = replication_fields
SECTION_PROVIDERS["stats"] = stats_fields


# ---- gates ------------------------------------------------------------------------------

READONLY = b"READONLY You can't write against a read only replica."
NOREPLICAS = b"NOREPLICAS Not enough good replicas to write."
MASTERDOWN = b"MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'."


_WRITE_BIT = CmdFlag.WRITE.value


def _is_write(c: Any, spec: Any) -> bool:
    """Redis's is_write_command: a write command, or EXEC of a queue holding one."""
    if spec.flag_bits & _WRITE_BIT:
        return True
    if spec.name == b"exec" and c.multi_queue:
        return any(s.flag_bits & _WRITE_BIT for s, _argv in c.multi_queue)
    return False


def _readonly_gate(c: Any, spec: Any, argv: list[bytes]) -> Any:
    server = c.server
    if server.role != "slave" or c.kind == "master" or not server.config.get("replica-read-only", 1):
        return None
    if _is_write(c, spec):
        raise CommandError(READONLY)
    return None


def _stale_gate(c: Any, spec: Any, argv: list[bytes]) -> Any:
    server = c.server
    if server.role != "slave" or server.config.get("replica-serve-stale-data", 1):
        return None
    link = state(server).link
    if link is None or link.state is S.CONNECTED or spec.flags & CmdFlag.STALE:
        return None
    raise CommandError(MASTERDOWN)


def _min_replicas_gate(c: Any, spec: Any, argv: list[bytes]) -> Any:
    server = c.server
    cfg = server.config
    need = cfg.get("min-replicas-to-write", 0)
    if not need or not cfg.get("min-replicas-max-lag", 10) or server.role == "slave":
        return None
    if _is_write(c, spec) and state(server).good_replicas() < need:
        raise CommandError(NOREPLICAS)
    return None


register_gate(GATE_ORDER["min_replicas"], "min_replicas", _min_replicas_gate)
# Both act only on a replica: ServerGate.READONLY_REPLICA is set exactly while role is
# "slave" (replication/replica_link.py).
register_gate(GATE_ORDER["readonly_replica"], "readonly_replica", _readonly_gate,
              server_bits=ServerGate.READONLY_REPLICA)
register_gate(GATE_ORDER["stale"], "stale", _stale_gate, server_bits=ServerGate.READONLY_REPLICA)
