"""INFO: the server's report, section by section, with Redis 7.2's field names in its order.

Each section is produced by a provider ``fn(server) -> list[(field, value)]`` held in
``SECTION_PROVIDERS``; the report prints ``# Title`` and ``field:value`` lines, with a
blank line between sections (``genRedisInfoString``).  Subsystems that own the numbers
(persistence, replication, cluster, ...) replace their section's provider::

    from vermilion.commands.info import SECTION_PROVIDERS
    SECTION_PROVIDERS["replication"] = my_replication_fields

Section selection follows Redis 7: no argument or ``default`` gives the default
sections, ``all`` every section, ``everything`` also module-generated ones, and several
names may be given at once; unknown names are ignored; output order is always Redis's.

Numbers are real where the server has them: uptime, clients, commands processed,
instantaneous rates (sampled by ``Stats.track_instantaneous``), keyspace hits and misses,
expired keys, net bytes, errors per code, per-command calls and time, keys per database.
Memory: ``used_memory_rss`` is the resident set from ``/proc/self/statm``;
``used_memory`` is the same figure unless a subsystem installs a finer estimate in
``server.extensions["used_memory"]`` (``fn(server) -> int``; ops/memory.py installs one).
Latency percentiles come from the per-command histograms of ops/latency.py.
"""

from __future__ import annotations

import os
import platform
import resource
import sys
import time
from typing import Any, Callable

from .. import __version__
from ..engine.stats import command_usec_total
from ..protocol.reply import Verbatim
from .client import pending_output
from .registry import COMMANDS, command
from .spec import arg

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
_UNAME = platform.uname()
_LRU_MAX = (1 << 24) - 1

Fields = list[tuple[str, Any]]


def bytes_to_human(n: int) -> str:
    """Redis's bytesToHuman: B below 1K, then K/M/G/T/P with two decimals."""
    if n < 1024:
        return "%dB" % n
    for unit, power in (("K", 1), ("M", 2), ("G", 3), ("T", 4), ("P", 5)):
        if n < 1024 ** (power + 1):
            return "%.2f%s" % (n / 1024**power, unit)
    return "%dB" % n


def rss_bytes() -> int:
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


# The resident set once the command table is loaded, before any data: the baseline
# that INFO reports as used_memory_startup (everything above it counts as dataset).
_STARTUP_RSS = rss_bytes()


def total_system_memory() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 0


def used_memory(server: Any) -> int:
    hook = server.extensions.get("used_memory")
    return hook(server) if hook is not None else rss_bytes()


def _ext(server: Any, name: str, default: Any = 0) -> Any:
    """A figure owned by another subsystem: ``server.extensions[name](server)``."""
    fn = server.extensions.get(name)
    return fn(server) if fn is not None else default


def _info_state(server: Any) -> dict:
    state = server.extensions.get("info_state")
    if state is None:
        state = server.extensions["info_state"] = {
            "peak": 0, "startup": _STARTUP_RSS, "replid": os.urandom(20).hex(),
        }
        server.extensions.setdefault("resetstat_hooks", []).append(_reset_peak)
    return state


def _reset_peak(server: Any) -> None:
    """CONFIG RESETSTAT also restarts the peak memory measure (as Redis's stat_peak_memory)."""
    server.extensions["info_state"]["peak"] = used_memory(server)


# ---- sections ----------------------------------------------------------------------


def _listeners(server: Any) -> Fields:
    cfg = server.config
    out: Fields = []
    if cfg["port"]:
        out.append(("listener0", "name=tcp," + ",".join("bind=" + b for b in cfg["bind"].split())
                    + ",port=%d" % cfg["port"]))
    if cfg["unixsocket"]:
        out.append(("listener1", "name=unix,bind=" + cfg["unixsocket"]))  # index = connection type
    return out


def server_fields(server: Any) -> Fields:
    uptime = server.uptime_s()
    mode = "cluster" if server.config.get("cluster-enabled") else (
        "sentinel" if server.role == "sentinel" else "standalone")
    return [
        ("redis_version", server.redis_version),
        ("vermilion_version", __version__),
        ("redis_git_sha1", "00000000"),
        ("redis_git_dirty", 0),
        ("redis_build_id", "0"),
        ("redis_mode", mode),
        ("os", f"{_UNAME.system} {_UNAME.release} {_UNAME.machine}"),
        ("arch_bits", 64),
        ("monotonic_clock", "POSIX clock_gettime"),
        ("multiplexing_api", "epoll"),
        ("atomicvar_api", "c11-builtin"),
        ("gcc_version", "0.0.0"),
        ("process_id", os.getpid()),
        ("process_supervised", "no"),
        ("run_id", server.run_id),
        ("tcp_port", server.config["port"]),
        ("server_time_usec", time.time_ns() // 1000),
        ("uptime_in_seconds", uptime),
        ("uptime_in_days", uptime // 86400),
        ("hz", server.config["hz"]),
        ("configured_hz", server.config["hz"]),
        ("lru_clock", (server.cached_now_ms // 1000) & _LRU_MAX),
        ("executable", sys.executable),
        ("config_file", server.config.file or ""),
        ("io_threads_active", 0),
    ] + _listeners(server)


def clients_fields(server: Any) -> Fields:
    clients = server.clients.values()
    normal = tracking = 0
    for c in clients:
        if c.kind != "replica":
            normal += 1
        if c.tracking:
            tracking += 1
    blocking = getattr(server, "blocking", None)
    blocked = blocking.count if blocking is not None else 0
    return [
        ("connected_clients", normal),
        ("cluster_connections", _ext(server, "cluster_connections")),
        ("maxclients", server.config["maxclients"]),
        ("client_recent_max_input_buffer", 0),
        ("client_recent_max_output_buffer", 0),
        ("blocked_clients", blocked),
        ("tracking_clients", tracking),
        ("clients_in_timeout_table", _ext(server, "clients_in_timeout_table")),
        ("total_blocking_keys", len(blocking.waiting) if blocking is not None else 0),
        ("total_blocking_keys_on_nokey", _ext(server, "total_blocking_keys_on_nokey")),
    ]


def memory_fields(server: Any) -> Fields:
    state = _info_state(server)
    used = used_memory(server)
    rss = rss_bytes()
    peak = state["peak"] = max(state["peak"], used)
    startup = min(state["startup"], used)
    overhead = startup
    dataset = max(0, used - overhead)
    total_sys = total_system_memory()
    maxmemory = server.config.get("maxmemory", 0) or 0
    frag = rss / used if used else 0.0
    return [
        ("used_memory", used),
        ("used_memory_human", bytes_to_human(used)),
        ("used_memory_rss", rss),
        ("used_memory_rss_human", bytes_to_human(rss)),
        ("used_memory_peak", peak),
        ("used_memory_peak_human", bytes_to_human(peak)),
        ("used_memory_peak_perc", "%.2f%%" % (used * 100 / peak if peak else 0)),
        ("used_memory_overhead", overhead),
        ("used_memory_startup", startup),
        ("used_memory_dataset", dataset),
        ("used_memory_dataset_perc", "%.2f%%" % (dataset * 100 / used if used else 0)),
        ("allocator_allocated", used),
        ("allocator_active", rss),
        ("allocator_resident", rss),
        ("total_system_memory", total_sys),
        ("total_system_memory_human", bytes_to_human(total_sys)),
        ("used_memory_lua", _ext(server, "used_memory_lua", 32768)),
        ("used_memory_vm_eval", _ext(server, "used_memory_lua", 32768)),
        ("used_memory_lua_human", bytes_to_human(_ext(server, "used_memory_lua", 32768))),
        ("used_memory_scripts_eval", _ext(server, "used_memory_scripts_eval")),
        ("number_of_cached_scripts", _ext(server, "number_of_cached_scripts")),
        ("number_of_functions", _ext(server, "number_of_functions")),
        ("number_of_libraries", _ext(server, "number_of_libraries")),
        ("used_memory_vm_functions", 32768),
        ("used_memory_vm_total", 32768 + _ext(server, "used_memory_lua", 32768)),
        ("used_memory_vm_total_human", bytes_to_human(32768 + _ext(server, "used_memory_lua", 32768))),
        ("used_memory_functions", 0),
        ("used_memory_scripts", _ext(server, "used_memory_scripts_eval")),
        ("used_memory_scripts_human", bytes_to_human(_ext(server, "used_memory_scripts_eval"))),
        ("maxmemory", maxmemory),
        ("maxmemory_human", bytes_to_human(maxmemory)),
        ("maxmemory_policy", server.config.get("maxmemory-policy", "noeviction")),
        ("allocator_frag_ratio", "%.2f" % (rss / used if used else 1.0)),
        ("allocator_frag_bytes", max(0, rss - used)),
        ("allocator_rss_ratio", "1.00"),
        ("allocator_rss_bytes", 0),
        ("rss_overhead_ratio", "1.00"),
        ("rss_overhead_bytes", 0),
        ("mem_fragmentation_ratio", "%.2f" % frag),
        ("mem_fragmentation_bytes", rss - used),
        ("mem_not_counted_for_evict", 0),
        ("mem_replication_backlog", _ext(server, "mem_replication_backlog")),
        ("mem_total_replication_buffers", 0),
        ("mem_clients_slaves", 0),
        ("mem_clients_normal", sum(pending_output(c) for c in server.clients.values())),
        ("mem_cluster_links", 0),
        ("mem_aof_buffer", 0),
        ("mem_allocator", "libc"),
        ("active_defrag_running", 0),
        ("lazyfree_pending_objects", 0),
        ("lazyfreed_objects", 0),
    ]


def persistence_fields(server: Any) -> Fields:
    return [
        ("loading", 0),
        ("async_loading", 0),
        ("current_cow_peak", 0),
        ("current_cow_size", 0),
        ("current_cow_size_age", 0),
        ("current_fork_perc", "0.00"),
        ("current_save_keys_processed", 0),
        ("current_save_keys_total", 0),
        ("rdb_changes_since_last_save", server.dirty),
        ("rdb_bgsave_in_progress", 0),
        ("rdb_last_save_time", server.lastsave_s),
        ("rdb_last_bgsave_status", "ok"),
        ("rdb_last_bgsave_time_sec", -1),
        ("rdb_current_bgsave_time_sec", -1),
        ("rdb_saves", 0),
        ("rdb_last_cow_size", 0),
        ("rdb_last_load_keys_expired", 0),
        ("rdb_last_load_keys_loaded", 0),
        ("aof_enabled", 1 if server.config.get("appendonly") else 0),
        ("aof_rewrite_in_progress", 0),
        ("aof_rewrite_scheduled", 0),
        ("aof_last_rewrite_time_sec", -1),
        ("aof_current_rewrite_time_sec", -1),
        ("aof_last_bgrewrite_status", "ok"),
        ("aof_rewrites", 0),
        ("aof_rewrites_consecutive_failures", 0),
        ("aof_last_write_status", "ok"),
        ("aof_last_cow_size", 0),
        ("module_fork_in_progress", 0),
        ("module_fork_last_cow_size", 0),
    ]


def stats_fields(server: Any) -> Fields:
    s = server.stats
    inst = s.instantaneous
    cmd_usec = command_usec_total()  # handler time: a lower bound of the loop's busy time
    cycles_per_s = inst("eventloop_cycles")
    return [
        ("total_connections_received", s.total_connections_received),
        ("total_commands_processed", s.total_commands_processed),
        ("instantaneous_ops_per_sec", int(inst("command"))),
        ("total_net_input_bytes", s.net_input_bytes),
        ("total_net_output_bytes", s.net_output_bytes),
        ("total_net_repl_input_bytes", 0),
        ("total_net_repl_output_bytes", 0),
        ("instantaneous_input_kbps", "%.2f" % (inst("net_input") / 1024)),
        ("instantaneous_output_kbps", "%.2f" % (inst("net_output") / 1024)),
        ("instantaneous_input_repl_kbps", "0.00"),
        ("instantaneous_output_repl_kbps", "0.00"),
        ("rejected_connections", s.rejected_connections),
        ("sync_full", 0),
        ("sync_partial_ok", 0),
        ("sync_partial_err", 0),
        ("expired_keys", s.expired_keys),
        ("expired_stale_perc", "%.2f" % s.expired_stale_perc),
        ("expired_time_cap_reached_count", s.expired_time_cap_reached_count),
        ("expire_cycle_cpu_milliseconds", s.expire_cycle_cpu_milliseconds),
        ("evicted_keys", s.evicted_keys),
        ("evicted_clients", s.evicted_clients),
        ("total_eviction_exceeded_time", 0),
        ("current_eviction_exceeded_time", 0),
        ("keyspace_hits", s.keyspace_hits),
        ("keyspace_misses", s.keyspace_misses),
        ("pubsub_channels", _ext(server, "pubsub_channels", s.pubsub_channels)),
        ("pubsub_patterns", _ext(server, "pubsub_patterns")),
        ("pubsubshard_channels", _ext(server, "pubsubshard_channels")),
        ("latest_fork_usec", 0),
        ("total_forks", 0),
        ("migrate_cached_sockets", 0),
        ("slave_expires_tracked_keys", 0),
        ("active_defrag_hits", 0),
        ("active_defrag_misses", 0),
        ("active_defrag_key_hits", 0),
        ("active_defrag_key_misses", 0),
        ("total_active_defrag_time", 0),
        ("current_active_defrag_time", 0),
        ("tracking_total_keys", _ext(server, "tracking_total_keys")),
        ("tracking_total_items", _ext(server, "tracking_total_items")),
        ("tracking_total_prefixes", _ext(server, "tracking_total_prefixes")),
        ("unexpected_error_replies", s.unexpected_error_replies),
        ("total_error_replies", s.total_error_replies),
        ("dump_payload_sanitizations", s.dump_payload_sanitizations),
        ("total_reads_processed", s.total_reads_processed),
        ("total_writes_processed", s.total_writes_processed),
        ("io_threaded_reads_processed", 0),
        ("io_threaded_writes_processed", 0),
        ("reply_buffer_shrinks", 0),
        ("reply_buffer_expands", 0),
        ("eventloop_cycles", s.eventloop_cycles),
        ("eventloop_duration_sum", cmd_usec),
        ("eventloop_duration_cmd_sum", cmd_usec),
        ("instantaneous_eventloop_cycles_per_sec", int(cycles_per_s)),
        ("instantaneous_eventloop_duration_usec", int(inst("eventloop_usec") / cycles_per_s) if cycles_per_s else 0),
        ("acl_access_denied_auth", s.acl_access_denied_auth),
        ("acl_access_denied_cmd", s.acl_access_denied_cmd),
        ("acl_access_denied_key", s.acl_access_denied_key),
        ("acl_access_denied_channel", s.acl_access_denied_channel),
    ]


def replication_fields(server: Any) -> Fields:
    return [
        ("role", "slave" if server.role == "slave" else "master"),
        ("connected_slaves", 0),
        ("master_failover_state", "no-failover"),
        ("master_replid", _info_state(server)["replid"]),
        ("master_replid2", "0" * 40),
        ("master_repl_offset", 0),
        ("second_repl_offset", -1),
        ("repl_backlog_active", 0),
        ("repl_backlog_size", server.config.get("repl-backlog-size", 1048576)),
        ("repl_backlog_first_byte_offset", 0),
        ("repl_backlog_histlen", 0),
    ]


def cpu_fields(server: Any) -> Fields:
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    thread = resource.getrusage(getattr(resource, "RUSAGE_THREAD", resource.RUSAGE_SELF))
    return [
        ("used_cpu_sys", "%.6f" % me.ru_stime),
        ("used_cpu_user", "%.6f" % me.ru_utime),
        ("used_cpu_sys_children", "%.6f" % kids.ru_stime),
        ("used_cpu_user_children", "%.6f" % kids.ru_utime),
        ("used_cpu_sys_main_thread", "%.6f" % thread.ru_stime),
        ("used_cpu_user_main_thread", "%.6f" % thread.ru_utime),
    ]


def modules_fields(server: Any) -> Fields:
    return []


def _all_specs() -> list:
    return [s for spec in COMMANDS.values() for s in spec.all_specs()]


def _safe_name(name: bytes) -> str:
    """Redis's getSafeInfoString: ``:``, ``\\r`` and ``\\n`` would break the line format."""
    return name.decode("latin-1").replace(":", "_").replace("\r", "_").replace("\n", "_")


def commandstats_fields(server: Any) -> Fields:
    out: Fields = []
    for s in _all_specs():
        st = s.stats
        if st.calls or st.failed_calls or st.rejected_calls:
            per_call = st.usec / st.calls if st.calls else 0.0
            out.append(("cmdstat_" + _safe_name(s.fullname),
                        "calls=%d,usec=%d,usec_per_call=%.2f,rejected_calls=%d,failed_calls=%d"
                        % (st.calls, st.usec, per_call, st.rejected_calls, st.failed_calls)))
    return out


def errorstats_fields(server: Any) -> Fields:
    stats = server.stats.errorstats
    return [("errorstat_" + code.decode("latin-1"), "count=%d" % stats[code]) for code in sorted(stats)]


def latencystats_fields(server: Any) -> Fields:
    """Per-command percentiles from the latency histograms (ops/latency.py), for the
    ``latency-tracking-info-percentiles``; nothing while latency-tracking is off."""
    from ..ops.latency import percentile_us  # noqa: PLC0415

    if not server.config.get("latency-tracking", True):
        return []
    pcts = server.config.get("latency-tracking-info-percentiles", [50.0, 99.0, 99.9])
    names = [("%f" % p).rstrip("0").rstrip(".") for p in pcts]
    out: Fields = []
    for s in _all_specs():
        hist = s.stats.hist
        if any(hist):
            out.append(("latency_percentiles_usec_" + _safe_name(s.fullname),
                        ",".join("p%s=%.3f" % (n, percentile_us(hist, p)) for n, p in zip(names, pcts))))
    return out


def cluster_fields(server: Any) -> Fields:
    return [("cluster_enabled", 1 if server.config.get("cluster-enabled") else 0)]


def keyspace_fields(server: Any) -> Fields:
    out: Fields = []
    for db in server.dbs:
        if db.data:
            out.append(("db%d" % db.index,
                        "keys=%d,expires=%d,avg_ttl=%d" % (len(db.data), len(db.expires), db.avg_ttl)))
    return out


# (section name, title, in the default set?) in Redis's output order.
SECTIONS: tuple[tuple[str, str, bool], ...] = (
    ("server", "Server", True),
    ("clients", "Clients", True),
    ("memory", "Memory", True),
    ("persistence", "Persistence", True),
    ("stats", "Stats", True),
    ("replication", "Replication", True),
    ("cpu", "CPU", True),
    ("modules", "Modules", True),
    ("commandstats", "Commandstats", False),
    ("errorstats", "Errorstats", True),
    ("latencystats", "Latencystats", False),
    ("cluster", "Cluster", True),
    ("keyspace", "Keyspace", True),
)

SECTION_PROVIDERS: dict[str, Callable[[Any], Fields]] = {
    "server": server_fields,
    "clients": clients_fields,
    "memory": memory_fields,
    "persistence": persistence_fields,
    "stats": stats_fields,
    "replication": replication_fields,
    "cpu": cpu_fields,
    "modules": modules_fields,
    "commandstats": commandstats_fields,
    "errorstats": errorstats_fields,
    "latencystats": latencystats_fields,
    "cluster": cluster_fields,
    "keyspace": keyspace_fields,
}

DEFAULT_SECTIONS = frozenset(name for name, _title, default in SECTIONS if default)


def select_sections(args: list[bytes]) -> set[str]:
    """Redis's genInfoSectionDict: which sections the arguments ask for."""
    if not args:
        return set(DEFAULT_SECTIONS)
    chosen: set[str] = set()
    for a in args:
        name = a.decode("latin-1").lower()
        if name == "default":
            chosen |= DEFAULT_SECTIONS
        elif name in ("all", "everything"):
            chosen |= set(SECTION_PROVIDERS)
        elif name == "module_list":
            chosen.add("modules")
        else:
            chosen.add(name)
    return chosen


def render_info(server: Any, chosen: set[str]) -> bytes:
    parts = []
    for name, title, _default in SECTIONS:
        if name not in chosen:
            continue
        lines = ["# " + title]
        lines.extend("%s:%s" % kv for kv in SECTION_PROVIDERS[name](server))
        parts.append("\r\n".join(lines) + "\r\n")
    return "\r\n".join(parts).encode("latin-1")


@command("info", arity=-1, flags="loading stale sentinel", acl="dangerous", group="server", since="1.0.0",
         summary="Returns information and statistics about the server.", complexity="O(1)",
         tips=("nondeterministic_output", "request_policy:all_shards", "response_policy:special"),
         history=(("7.0.0", "Added support for taking multiple section arguments."),),
         args=(arg("section", "string", flags=("optional", "multiple")),))
def cmd_info(c: Any, argv: list[bytes]) -> Any:
    return Verbatim(render_info(c.server, select_sections(argv[1:])))
