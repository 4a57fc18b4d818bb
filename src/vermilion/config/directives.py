"""Every directive Redis 7.2 knows, declared once, in the order of Redis's ``config.c``.

Defaults are Redis's, rendered exactly as CONFIG GET renders them.  ``ACTIVE`` lists what
Vermilion acts on (what the code reads today): a subsystem that starts honouring a
directive adds its name here.  The others are accepted, and a warning is logged once at
startup when a file or the command line sets them.
"""

from __future__ import annotations

import os
import re

from . import specials as sp
from .schema import INT_MAX, INT_MIN, LLONG_MAX, LONG_MAX, UINT_MAX, ULLONG_MAX, directive

ACTIVE = frozenset((
    # the server process, listeners and connections
    "port", "bind", "unixsocket", "unixsocketperm", "tcp-backlog", "tcp-keepalive", "timeout",
    "maxclients", "databases", "dir", "daemonize", "pidfile", "logfile", "loglevel", "hz",
    "proto-max-bulk-len", "client-query-buffer-limit", "client-output-buffer-limit",
    # security
    "requirepass", "aclfile", "enable-debug-command", "enable-protected-configs",
    # data types and memory
    "hash-max-listpack-entries", "hash-max-listpack-value", "list-max-listpack-size",
    "list-compress-depth", "set-max-intset-entries", "set-max-listpack-entries",
    "set-max-listpack-value", "zset-max-listpack-entries", "zset-max-listpack-value",
    "hll-sparse-max-bytes", "maxmemory", "maxmemory-policy",
    # persistence and replication
    "save", "appendonly", "replicaof", "repl-backlog-size", "cluster-enabled",
    "dbfilename", "rdbcompression", "rdbchecksum", "stop-writes-on-bgsave-error", "shutdown-on-sigterm",
    "appendfsync", "appenddirname", "appendfilename", "aof-use-rdb-preamble", "aof-load-truncated",
    "auto-aof-rewrite-percentage", "auto-aof-rewrite-min-size", "aof-timestamp-enabled",
    "repl-diskless-sync", "repl-diskless-sync-delay", "repl-diskless-sync-max-replicas", "repl-diskless-load",
    "repl-timeout", "repl-ping-replica-period", "repl-backlog-ttl", "masterauth", "masteruser",
    "replica-announce-ip", "replica-announce-port", "replica-read-only", "replica-serve-stale-data",
    "replica-priority", "replica-announced", "min-replicas-to-write", "min-replicas-max-lag",
))


def B(name, default, alias=None, mutable=True, **kw):
    return directive(name, "bool", bool(default), alias=alias, mutable=mutable, **kw)


def S(name, default, alias=None, mutable=True, null=False, **kw):
    """A string; ``null``: Redis's EMPTY_STRING_IS_NULL (default NULL renders as "")."""
    return directive(name, "string", default, alias=alias, mutable=mutable, empty_is_null=null, **kw)


def E(name, default, choices, alias=None, mutable=True, **kw):
    return directive(name, "enum", default, alias=alias, mutable=mutable, choices=tuple(choices), **kw)


def N(name, lo, hi, default, alias=None, mutable=True, unsigned=False, **kw):
    return directive(name, "int", default, alias=alias, mutable=mutable, min=lo, max=hi, unsigned=unsigned, **kw)


def _enum(*names):
    return tuple((n, i) for i, n in enumerate(names))


# ---- validators (Redis's is_valid_fn) ------------------------------------------------


def _no_defrag(v):
    if v:
        return ("Active defragmentation cannot be enabled: it requires a Redis server compiled "
                "with a modified Jemalloc like the one shipped by default with the Redis source "
                "distribution")
    return None


def _basename(what, kind):
    def check(v):
        if kind == "aof" and v == "":
            return f"{what} can't be empty"
        if "/" in v:
            return f"{what} can't be a path, just a {'dirname' if what == 'appenddirname' else 'filename'}"
        return None
    return check


def _hostname(v):
    if len(v) >= 256:
        return "Hostnames must be less than 256 characters"
    if v and not re.fullmatch(r"[A-Za-z0-9.\-]*", v):
        return "Hostnames may only contain alphanumeric characters, hyphens or dots"
    return None


def _nodename(v):
    if v and not re.fullmatch(r"[A-Za-z0-9_.\-]*", v):
        return "Announced human node name contained invalid character"
    return None


_TITLE_VARS = ("{title}", "{listen-addr}", "{server-mode}", "{port}", "{tls-port}", "{unixsocket}", "{config-file}")


def _proc_title(v):
    rest = v
    for var in _TITLE_VARS:
        rest = rest.replace(var, "")
    if "{" in rest or "}" in rest or not v.strip():
        return "template format is invalid or contains unknown variables"
    return None


def _clamp_hz(server, config):
    """``updateHZ``: out-of-range values are accepted, then capped to 1..500."""
    config["hz"] = max(CONFIG_MIN_HZ, min(CONFIG_MAX_HZ, config["hz"]))


CONFIG_MIN_HZ, CONFIG_MAX_HZ = 1, 500


def _clamp_backlog(server, config):
    """``resizeReplicationBacklog``: the backlog is at least 16kb.  (A replication
    subsystem that installs its own hook should keep this floor.)"""
    if config["repl-backlog-size"] < 16 * 1024:
        config["repl-backlog-size"] = 16 * 1024


def _shutdown_flags(d):
    def check(v):
        bits = d.enum_value(v)
        if bits & 1 and bits & 2:
            return "shutdown options SAVE and NOSAVE can't be used simultaneously"
        return None
    return check


# ---- bool configs --------------------------------------------------------------------
B("rdbchecksum", 1, mutable=False)
B("daemonize", 0, mutable=False)
B("io-threads-do-reads", 0, mutable=False)
B("always-show-logo", 0, mutable=False)
B("protected-mode", 1)
B("rdbcompression", 1)
B("rdb-del-sync-files", 0)
B("activerehashing", 1)
B("stop-writes-on-bgsave-error", 1)
B("set-proc-title", 1, mutable=False)
B("dynamic-hz", 1)
B("lazyfree-lazy-eviction", 0)
B("lazyfree-lazy-expire", 0)
B("lazyfree-lazy-server-del", 0)
B("lazyfree-lazy-user-del", 0)
B("lazyfree-lazy-user-flush", 0)
B("repl-disable-tcp-nodelay", 0)
B("repl-diskless-sync", 1)
B("aof-rewrite-incremental-fsync", 1)
B("no-appendfsync-on-rewrite", 0)
B("cluster-require-full-coverage", 1)
B("rdb-save-incremental-fsync", 1)
B("aof-load-truncated", 1)
B("aof-use-rdb-preamble", 1)
B("aof-timestamp-enabled", 0)
B("cluster-replica-no-failover", 0, alias="cluster-slave-no-failover")
B("replica-lazy-flush", 0, alias="slave-lazy-flush")
B("replica-serve-stale-data", 1, alias="slave-serve-stale-data")
B("replica-read-only", 1, alias="slave-read-only")
B("replica-ignore-maxmemory", 1, alias="slave-ignore-maxmemory")
B("jemalloc-bg-thread", 1)
B("activedefrag", 0, validate=_no_defrag)
B("syslog-enabled", 0, mutable=False)
B("cluster-enabled", 0, mutable=False)
B("appendonly", 0)
B("cluster-allow-reads-when-down", 0)
B("cluster-allow-pubsubshard-when-down", 1)
B("crash-log-enabled", 1)
B("crash-memcheck-enabled", 1)
B("use-exit-on-panic", 0, hidden=True)
B("disable-thp", 1, mutable=False)
B("cluster-allow-replica-migration", 1)
B("replica-announced", 1)
B("latency-tracking", 1)
B("aof-disable-auto-gc", 0)
B("replica-ignore-disk-write-errors", 0)

# ---- string configs ------------------------------------------------------------------
S("aclfile", "", mutable=False)
S("unixsocket", "", mutable=False, null=True)
S("pidfile", "", mutable=False, null=True)
S("replica-announce-ip", "", alias="slave-announce-ip", null=True)
S("masteruser", "", null=True, sensitive=True)
S("cluster-announce-ip", "", null=True)
S("cluster-config-file", "nodes.conf", mutable=False)
S("cluster-announce-hostname", "", null=True, validate=_hostname)
S("cluster-announce-human-nodename", "", null=True, validate=_nodename)
S("syslog-ident", "redis", mutable=False)
S("dbfilename", "dump.rdb", protected=True, validate=_basename("dbfilename", "rdb"))
S("appendfilename", "appendonly.aof", mutable=False, validate=_basename("appendfilename", "aof"))
S("appenddirname", "appendonlydir", mutable=False, validate=_basename("appenddirname", "aof"))
S("server_cpulist", "", mutable=False, null=True)
S("bio_cpulist", "", mutable=False, null=True)
S("aof_rewrite_cpulist", "", mutable=False, null=True)
S("bgsave_cpulist", "", mutable=False, null=True)
S("ignore-warnings", "")
S("proc-title-template", "{title} {listen-addr} {server-mode}", validate=_proc_title)
S("bind-source-addr", "", null=True)
S("logfile", "", mutable=False)
S("locale-collate", "")
S("masterauth", "", null=True, sensitive=True)
S("requirepass", "", null=True, sensitive=True)

# ---- enum configs --------------------------------------------------------------------
E("supervised", "no", _enum("upstart", "systemd", "auto", "no"), mutable=False)
E("syslog-facility", "local0", _enum("user", "local0", "local1", "local2", "local3", "local4",
                                     "local5", "local6", "local7"), mutable=False)
E("repl-diskless-load", "disabled", _enum("disabled", "on-empty-db", "swapdb"))
E("loglevel", "notice", _enum("debug", "verbose", "notice", "warning", "nothing"))
E("maxmemory-policy", "noeviction", _enum("volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl",
                                          "allkeys-lru", "allkeys-lfu", "allkeys-random", "noeviction"))
E("appendfsync", "everysec", _enum("everysec", "always", "no"))
E("oom-score-adj", "no", (("no", 0), ("yes", 1), ("relative", 1), ("absolute", 2)))
E("acl-pubsub-default", "resetchannels", (("allchannels", 1), ("resetchannels", 0)))
E("sanitize-dump-payload", "no", _enum("no", "yes", "clients"))
E("enable-protected-configs", "no", _enum("no", "yes", "local"), mutable=False)
E("enable-debug-command", "no", _enum("no", "yes", "local"), mutable=False)
E("enable-module-command", "no", _enum("no", "yes", "local"), mutable=False)
E("cluster-preferred-endpoint-type", "ip", _enum("ip", "hostname", "unknown-endpoint"))
E("propagation-error-behavior", "ignore", _enum("ignore", "panic", "panic-on-replicas"))
for _sig in ("shutdown-on-sigint", "shutdown-on-sigterm"):
    _d = E(_sig, "default", (("default", 0), ("save", 1), ("nosave", 2), ("now", 4), ("force", 8)),
           flags_enum=True, multi_arg=True)
    _d.validate = _shutdown_flags(_d)

# ---- numeric configs (int) -----------------------------------------------------------
N("databases", 1, INT_MAX, 16, mutable=False)
N("port", 0, 65535, 6379)
N("io-threads", 1, 128, 1, mutable=False)
N("auto-aof-rewrite-percentage", 0, INT_MAX, 100)
N("cluster-replica-validity-factor", 0, INT_MAX, 10, alias="cluster-slave-validity-factor")
N("list-max-listpack-size", INT_MIN, INT_MAX, -2, alias="list-max-ziplist-size")
N("tcp-keepalive", 0, INT_MAX, 300)
N("cluster-migration-barrier", 0, INT_MAX, 1)
N("active-defrag-cycle-min", 1, 99, 1)
N("active-defrag-cycle-max", 1, 99, 25)
N("active-defrag-threshold-lower", 0, 1000, 10)
N("active-defrag-threshold-upper", 0, 1000, 100)
N("lfu-log-factor", 0, INT_MAX, 10)
N("lfu-decay-time", 0, INT_MAX, 1)
N("replica-priority", 0, INT_MAX, 100, alias="slave-priority")
N("repl-diskless-sync-delay", 0, INT_MAX, 5)
N("maxmemory-samples", 1, INT_MAX, 5)
N("maxmemory-eviction-tenacity", 0, 100, 10)
N("timeout", 0, INT_MAX, 0)
N("replica-announce-port", 0, 65535, 0, alias="slave-announce-port")
N("tcp-backlog", 0, INT_MAX, 511, mutable=False)
N("cluster-port", 0, 65535, 0, mutable=False)
N("cluster-announce-bus-port", 0, 65535, 0)
N("cluster-announce-port", 0, 65535, 0)
N("cluster-announce-tls-port", 0, 65535, 0)
N("repl-timeout", 1, INT_MAX, 60)
N("repl-ping-replica-period", 1, INT_MAX, 10, alias="repl-ping-slave-period")
N("list-compress-depth", 0, INT_MAX, 0)
N("rdb-key-save-delay", INT_MIN, INT_MAX, 0, hidden=True)
N("key-load-delay", INT_MIN, INT_MAX, 0, hidden=True)
N("active-expire-effort", 1, 10, 1)
N("hz", 0, INT_MAX, 10, apply=_clamp_hz)
N("min-replicas-to-write", 0, INT_MAX, 0, alias="min-slaves-to-write")
N("min-replicas-max-lag", 0, INT_MAX, 10, alias="min-slaves-max-lag")
N("watchdog-period", 0, INT_MAX, 0, hidden=True)
N("shutdown-timeout", 0, INT_MAX, 10)
N("repl-diskless-sync-max-replicas", 0, INT_MAX, 0)
N("socket-mark-id", 0, UINT_MAX, 0, mutable=False, unsigned=True)
# unsigned int
N("maxclients", 1, UINT_MAX, 10000, unsigned=True)
N("unixsocketperm", 0, 0o777, 0, mutable=False, unsigned=True, octal=True)
# unsigned long (checked as signed in Redis)
N("active-defrag-max-scan-fields", 1, LONG_MAX, 1000)
N("slowlog-max-len", 0, LONG_MAX, 128)
N("acllog-max-len", 0, LONG_MAX, 128)
# long long
N("busy-reply-threshold", 0, LONG_MAX, 5000, alias="lua-time-limit")
N("cluster-node-timeout", 0, LLONG_MAX, 15000)
N("slowlog-log-slower-than", -1, LLONG_MAX, 10000)
N("latency-monitor-threshold", 0, LLONG_MAX, 0)
N("proto-max-bulk-len", 1024 * 1024, LONG_MAX, 512 * 1024 * 1024, memory=True)
N("stream-node-max-entries", 0, LLONG_MAX, 100)
N("repl-backlog-size", 1, LLONG_MAX, 1024 * 1024, memory=True, apply=_clamp_backlog)
# unsigned long long
N("maxmemory", 0, ULLONG_MAX, 0, memory=True, unsigned=True)
N("cluster-link-sendbuf-limit", 0, ULLONG_MAX, 0, memory=True, unsigned=True)
# size_t
N("hash-max-listpack-entries", 0, LONG_MAX, 512, alias="hash-max-ziplist-entries", unsigned=True)
N("set-max-intset-entries", 0, LONG_MAX, 512, unsigned=True)
N("set-max-listpack-entries", 0, LONG_MAX, 128, unsigned=True)
N("set-max-listpack-value", 0, LONG_MAX, 64, memory=True, unsigned=True)
N("zset-max-listpack-entries", 0, LONG_MAX, 128, alias="zset-max-ziplist-entries", unsigned=True)
N("active-defrag-ignore-bytes", 1, LLONG_MAX, 100 << 20, memory=True, unsigned=True)
N("hash-max-listpack-value", 0, LONG_MAX, 64, alias="hash-max-ziplist-value", memory=True, unsigned=True)
N("stream-node-max-bytes", 0, LONG_MAX, 4096, memory=True, unsigned=True)
N("zset-max-listpack-value", 0, LONG_MAX, 64, alias="zset-max-ziplist-value", memory=True, unsigned=True)
N("hll-sparse-max-bytes", 0, LONG_MAX, 3000, memory=True, unsigned=True)
N("tracking-table-max-keys", 0, LONG_MAX, 1000000, unsigned=True)
N("client-query-buffer-limit", 1024 * 1024, LONG_MAX, 1024 * 1024 * 1024, memory=True, unsigned=True)
N("maxmemory-clients", -100, LONG_MAX, 0, memory=True, percent=True)
# time_t, off_t
N("repl-backlog-ttl", 0, LONG_MAX, 3600)
N("auto-aof-rewrite-min-size", 0, LLONG_MAX, 64 * 1024 * 1024, memory=True)
N("loading-process-events-interval-bytes", 1024, INT_MAX, 2 * 1024 * 1024, hidden=True)

# ---- TLS (Redis built with TLS support) ----------------------------------------------
N("tls-port", 0, 65535, 0)
N("tls-session-cache-size", 0, INT_MAX, 20 * 1024)
N("tls-session-cache-timeout", 0, INT_MAX, 300)
B("tls-cluster", 0)
B("tls-replication", 0)
E("tls-auth-clients", "yes", (("no", 0), ("yes", 1), ("optional", 2)))
B("tls-prefer-server-ciphers", 0)
B("tls-session-caching", 1)
for _tls in ("tls-cert-file", "tls-key-file", "tls-key-file-pass", "tls-client-cert-file",
             "tls-client-key-file", "tls-client-key-file-pass", "tls-dh-params-file",
             "tls-ca-cert-file", "tls-ca-cert-dir", "tls-protocols", "tls-ciphers", "tls-ciphersuites"):
    S(_tls, "", null=True)

# ---- special configs -----------------------------------------------------------------
directive("dir", "special", "", protected=True, parse_words=sp.parse_dir, render_value=sp.render_dir,
          rewrite_lines=sp.rewrite_dir, extra={"init": os.getcwd})
directive("save", "special", list(sp.SAVE_DEFAULT), multi_arg=True, parse_words=sp.parse_save,
          render_value=sp.render_save, rewrite_lines=sp.rewrite_save)
directive("client-output-buffer-limit", "special", dict(sp.COBL_DEFAULT), multi_arg=True,
          parse_words=sp.parse_cobl, render_value=sp.render_cobl, rewrite_lines=sp.rewrite_cobl)
directive("oom-score-adj-values", "special", sp.OOM_DEFAULT, multi_arg=True, parse_words=sp.parse_oom,
          render_value=sp.render_oom, rewrite_lines=sp.rewrite_oom)
directive("notify-keyspace-events", "special", 0, parse_words=sp.parse_notify,
          render_value=sp.keyspace_flags_to_string, rewrite_lines=sp.rewrite_notify)
directive("bind", "special", sp.BIND_DEFAULT, multi_arg=True, parse_words=sp.parse_bind,
          render_value=str, rewrite_lines=sp.rewrite_bind)
directive("replicaof", "special", None, alias="slaveof", mutable=False, multi_arg=True,
          parse_words=sp.parse_replicaof, render_value=sp.render_replicaof, rewrite_lines=sp.rewrite_replicaof)
directive("latency-tracking-info-percentiles", "special", list(sp.PERCENTILES_DEFAULT), multi_arg=True,
          parse_words=sp.parse_percentiles, render_value=sp.render_percentiles,
          rewrite_lines=sp.rewrite_percentiles)


def _mark_active() -> None:
    from .schema import DIRECTIVES

    for name in ACTIVE:
        DIRECTIVES[name].active = True


_mark_active()

from . import live  # noqa: E402,F401  (installs the port/bind apply hooks)
