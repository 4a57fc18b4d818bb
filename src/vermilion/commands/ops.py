"""SLOWLOG, LATENCY, MONITOR and MEMORY: the operator's commands (state in vermilion/ops).

SLOWLOG reads ops/slowlog.py's entries; LATENCY the event series and per-command
histograms of ops/latency.py; MONITOR turns the client into a monitor (ops/monitor.py);
MEMORY USAGE and STATS use ops/memory.py's estimates.  DEBUG DIGEST and DIGEST-VALUE
(ops/digest.py) and a few other DEBUG actions are registered here too.
"""

from __future__ import annotations

import re
from typing import Any

from ..engine.client import Gate
from ..engine.dispatch import GATE_ORDER, register_gate
from ..engine.gates import ServerGate
from ..ops import digest, evict, latency, memory, monitor
from ..protocol.errors import CommandError, SyntaxErr
from ..protocol.reply import NO_REPLY, OK, Double, Simple, Verbatim
from .client import help_reply
from .registry import COMMANDS, command, container
from .server_cmds import _debug_syntax, debug_subcommand
from .spec import arg, ks
from .util import parse_int

register_gate(GATE_ORDER["oom"], "oom", evict.oom_gate, server_bits=ServerGate.OOM)  # set while maxmemory is

SLOWLOG_HELP = (
    "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "GET [<count>]",
    "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
    "    Entries are made of:",
    "    id, timestamp, time in microseconds, arguments array, client IP and port,",
    "    client name",
    "LEN",
    "    Return the length of the slowlog.",
    "RESET",
    "    Reset the slowlog.",
    "HELP",
    "    Prints this help.",
)
MEMORY_HELP = (
    "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "DOCTOR",
    "    Return memory problems reports.",
    "MALLOC-STATS",
    "    Return internal statistics report from the memory allocator.",
    "PURGE",
    "    Attempt to purge dirty pages for reclamation by the allocator.",
    "STATS",
    "    Return information about the memory usage of the server.",
    "USAGE <key> [SAMPLES <count>]",
    "    Return memory in bytes used by <key> and its value. Nested values are",
    "    sampled up to <count> times (default: 5, 0 means sample all).",
    "HELP",
    "    Prints this help.",
)
LATENCY_HELP = (
    "LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "DOCTOR",
    "    Return a human readable latency analysis report.",
    "GRAPH <event>",
    "    Return an ASCII latency graph for the <event> class.",
    "HISTORY <event>",
    "    Return time-latency samples for the <event> class.",
    "LATEST",
    "    Return the latest latency samples for all events.",
    "RESET [<event> ...]",
    "    Reset latency data of one or more <event> classes.",
    "    (default: reset all data for all event classes)",
    "HISTOGRAM [COMMAND ...]",
    "    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
    "    If no commands are specified then all histograms are replied.",
    "HELP",
    "    Prints this help.",
)


def _all_specs() -> list:
    return [s for top in COMMANDS.values() for s in top.all_specs() if s.handler is not None]


def lookup_spec(name: bytes) -> Any:
    """A command or ``container|sub`` by name (LATENCY HISTOGRAM's arguments)."""
    low = name.lower()
    if b"|" in low:
        top, _, sub = low.partition(b"|")
        parent = COMMANDS.get(top)
        return parent.subcommands.get(sub) if parent is not None else None
    return COMMANDS.get(low)


def memory_doctor(server: Any) -> str:
    used = memory.used_memory(server)
    if used - server.memory.startup < 5 * 1024 * 1024:
        return ("Hi Sam, this instance is empty or is using very little memory, my issues detector can't be "
                "used in these conditions. Please, leave for your mission on Earth and fill it with some data. "
                "The new Sam and I will be back to our programming as soon as I finished rebooting.\n")
    return "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n"


def memory_stats(server: Any) -> dict:
    from .info import rss_bytes  # noqa: PLC0415

    used = memory.used_memory(server)
    state = server.memory
    startup = state.startup
    rss = rss_bytes()
    out: dict = {
        b"peak.allocated": state.peak,
        b"total.allocated": used,
        b"startup.allocated": startup,
        b"replication.backlog": 0,
        b"clients.slaves": 0,
        b"clients.normal": 0,
        b"cluster.links": 0,
        b"aof.buffer": 0,
        b"lua.caches": 0,
        b"functions.caches": 0,
    }
    overhead = startup
    keys = 0
    for db in server.dbs:
        if not db.data:
            continue
        main = len(db.data) * memory.DICT_SLOT
        expires = len(db.expires) * memory.TTL_SLOT
        overhead += main + expires
        keys += len(db.data)
        out[b"db.%d" % db.index] = {b"overhead.hashtable.main": main,
                                    b"overhead.hashtable.expires": expires,
                                    b"overhead.hashtable.slot-to-keys": 0}
    dataset = max(0, used - overhead)
    net = used - startup
    out.update({
        b"overhead.total": overhead,
        b"keys.count": keys,
        b"keys.bytes-per-key": net // keys if keys else 0,
        b"dataset.bytes": dataset,
        b"dataset.percentage": Double(dataset * 100 / net if net > 0 else 0.0),
        b"peak.percentage": Double(used * 100 / state.peak if state.peak else 0.0),
        b"allocator.allocated": used,
        b"allocator.active": rss,
        b"allocator.resident": rss,
        b"allocator-fragmentation.ratio": Double(rss / used if used else 1.0),
        b"allocator-fragmentation.bytes": rss - used,
        b"allocator-rss.ratio": Double(1.0),
        b"allocator-rss.bytes": 0,
        b"rss-overhead.ratio": Double(1.0),
        b"rss-overhead.bytes": 0,
        b"fragmentation": Double(rss / used if used else 1.0),
        b"fragmentation.bytes": rss - used,
    })
    return out


container('slowlog', arity=-2, flags='', acl='',
         group='server', since='2.2.12',
         summary='A container for slow log commands',
         complexity='Depends on subcommand.')

@command('slowlog|get', arity=-2, flags='admin loading stale', acl='',
         group='server', since='2.2.12',
         summary="Get the slow log's entries",
         complexity='O(N) where N is the number of entries returned',
         tips=('request_policy:all_nodes', 'nondeterministic_output'),
         history=(('4.0.0', 'Added client IP address, port and name to the reply.'),),
         args=(
            arg('count', 'integer', flags=('optional',)),
         ))
def cmd_slowlog_get(c: Any, argv: list[bytes]) -> Any:
    if len(argv) > 3:
        raise CommandError(b"ERR unknown subcommand or wrong number of arguments for '%s'. Try SLOWLOG HELP."
                           % argv[1])
    count = 10
    if len(argv) == 3:
        try:
            count = int(parse_int(argv[2]))
        except CommandError:
            count = -2
        if count < -1:
            raise CommandError(b"ERR count should be greater than or equal to -1")
    entries = list(c.server.slowlog.entries)
    if count != -1:
        entries = entries[:count]
    return [[eid, ts, dur, list(args), peer, name] for eid, ts, dur, args, peer, name in entries]


@command('slowlog|help', arity=2, flags='loading stale', acl='',
         group='server', since='6.2.0',
         summary='Show helpful text about the different subcommands',
         complexity='O(1)')
def cmd_slowlog_help(c: Any, argv: list[bytes]) -> Any:
    return help_reply(SLOWLOG_HELP)


@command('slowlog|len', arity=2, flags='admin loading stale', acl='',
         group='server', since='2.2.12',
         summary="Get the slow log's length",
         complexity='O(1)',
         tips=('request_policy:all_nodes', 'response_policy:agg_sum', 'nondeterministic_output'))
def cmd_slowlog_len(c: Any, argv: list[bytes]) -> Any:
    return len(c.server.slowlog.entries)


@command('slowlog|reset', arity=2, flags='admin loading stale', acl='',
         group='server', since='2.2.12',
         summary='Clear all entries from the slow log',
         complexity='O(N) where N is the number of entries in the slowlog',
         tips=('request_policy:all_nodes', 'response_policy:all_succeeded'))
def cmd_slowlog_reset(c: Any, argv: list[bytes]) -> Any:
    c.server.slowlog.reset()
    return OK


@command('monitor', arity=1, flags='admin noscript loading stale', acl='',
         group='server', since='1.0.0',
         summary='Listen for all requests received by the server in real time')
def cmd_monitor(c: Any, argv: list[bytes]) -> Any:
    if c.deny_blocking and not c.gate & Gate.MULTI:
        raise CommandError(b"ERR MONITOR isn't allowed for DENY BLOCKING client")
    if c.gate & Gate.MONITOR:
        return NO_REPLY  # already monitoring: Redis ignores it silently
    monitor.start(c)
    return OK


container('memory', arity=-2, flags='', acl='',
         group='server', since='4.0.0',
         summary='A container for memory diagnostics commands',
         complexity='Depends on subcommand.')

@command('memory|doctor', arity=2, flags='', acl='',
         group='server', since='4.0.0',
         summary='Outputs memory problems report',
         complexity='O(1)',
         tips=('nondeterministic_output', 'request_policy:all_shards', 'response_policy:special'))
def cmd_memory_doctor(c: Any, argv: list[bytes]) -> Any:
    return Verbatim(memory_doctor(c.server).encode())


@command('memory|help', arity=2, flags='loading stale', acl='',
         group='server', since='4.0.0',
         summary='Show helpful text about the different subcommands',
         complexity='O(1)')
def cmd_memory_help(c: Any, argv: list[bytes]) -> Any:
    return help_reply(MEMORY_HELP)


@command('memory|malloc-stats', arity=2, flags='', acl='',
         group='server', since='4.0.0',
         summary='Show allocator internal stats',
         complexity='Depends on how much memory is allocated, could be slow',
         tips=('nondeterministic_output', 'request_policy:all_shards', 'response_policy:special'))
def cmd_memory_malloc_stats(c: Any, argv: list[bytes]) -> Any:
    return Verbatim(b"Stats not supported for the current allocator")


@command('memory|purge', arity=2, flags='', acl='',
         group='server', since='4.0.0',
         summary='Ask the allocator to release memory',
         complexity='Depends on how much memory is allocated, could be slow',
         tips=('request_policy:all_shards', 'response_policy:all_succeeded'))
def cmd_memory_purge(c: Any, argv: list[bytes]) -> Any:
    import gc  # noqa: PLC0415

    gc.collect()
    return OK


@command('memory|stats', arity=2, flags='', acl='',
         group='server', since='4.0.0',
         summary='Show memory usage details',
         complexity='O(1)',
         tips=('nondeterministic_output', 'request_policy:all_shards', 'response_policy:special'))
def cmd_memory_stats(c: Any, argv: list[bytes]) -> Any:
    return memory_stats(c.server)


@command('memory|usage', arity=-3, flags='readonly', acl='',
         group='server', since='4.0.0',
         summary='Estimate the memory usage of a key',
         complexity='O(N) where N is the number of samples.',
         keys=[ks('RO', 2)],
         args=(
            arg('key', 'key', key_spec_index=0),
            arg('count', 'integer', token='SAMPLES', flags=('optional',)),
         ))
def cmd_memory_usage(c: Any, argv: list[bytes]) -> Any:
    samples = 5
    i = 3
    while i < len(argv):
        if argv[i].lower() == b"samples" and i + 1 < len(argv):
            samples = parse_int(argv[i + 1])
            if samples < 0:
                raise SyntaxErr()
            i += 2
        else:
            raise SyntaxErr()
    db = c.db
    key = argv[2]
    value = db.lookup(key)
    if value is None:
        return None
    return memory.entry_size(db, key, value, samples)


container('latency', arity=-2, flags='', acl='',
         group='server', since='2.8.13',
         summary='A container for latency diagnostics commands',
         complexity='Depends on subcommand.')

@command('latency|doctor', arity=2, flags='admin noscript loading stale', acl='',
         group='server', since='2.8.13',
         summary='Return a human readable latency analysis report.',
         complexity='O(1)',
         tips=('nondeterministic_output', 'request_policy:all_nodes', 'response_policy:special'))
def cmd_latency_doctor(c: Any, argv: list[bytes]) -> Any:
    return Verbatim(latency.doctor(c.server).encode())


@command('latency|graph', arity=3, flags='admin noscript loading stale', acl='',
         group='server', since='2.8.13',
         summary='Return a latency graph for the event.',
         complexity='O(1)',
         tips=('nondeterministic_output', 'request_policy:all_nodes', 'response_policy:special'),
         args=(
            arg('event', 'string'),
         ))
def cmd_latency_graph(c: Any, argv: list[bytes]) -> Any:
    event = argv[2].decode("latin-1")
    ts = c.server.latency_events.get(event)
    if ts is None:
        raise CommandError(b"ERR No samples available for event '%s'" % argv[2])
    return Verbatim(latency.graph(c.server, event, ts).encode())


@command('latency|help', arity=2, flags='loading stale', acl='',
         group='server', since='2.8.13',
         summary='Show helpful text about the different subcommands.',
         complexity='O(1)')
def cmd_latency_help(c: Any, argv: list[bytes]) -> Any:
    return help_reply(LATENCY_HELP)


@command('latency|histogram', arity=-2, flags='admin noscript loading stale', acl='',
         group='server', since='7.0.0',
         summary='Return the cumulative distribution of latencies of a subset of commands or all.',
         complexity='O(N) where N is the number of commands with latency information being retrieved.',
         tips=('nondeterministic_output', 'request_policy:all_nodes', 'response_policy:special'),
         args=(
            arg('command', 'string', flags=('optional', 'multiple')),
         ))
def cmd_latency_histogram(c: Any, argv: list[bytes]) -> Any:
    if len(argv) == 2:
        specs = [s for s in _all_specs() if any(s.stats.hist)]
    else:
        specs = []
        for name in argv[2:]:
            s = lookup_spec(name)
            if s is None:
                continue
            # a container stands for its subcommands
            for one in (s.subcommands.values() if s.subcommands else (s,)):
                if one not in specs and any(one.stats.hist):
                    specs.append(one)
    out = {}
    for s in specs:
        hist = s.stats.hist
        out[s.fullname] = {b"calls": sum(hist),
                           b"histogram_usec": dict(latency.cumulative(hist))}
    return out


@command('latency|history', arity=3, flags='admin noscript loading stale', acl='',
         group='server', since='2.8.13',
         summary='Return timestamp-latency samples for the event.',
         complexity='O(1)',
         tips=('nondeterministic_output', 'request_policy:all_nodes', 'response_policy:special'),
         args=(
            arg('event', 'string'),
         ))
def cmd_latency_history(c: Any, argv: list[bytes]) -> Any:
    ts = c.server.latency_events.get(argv[2].decode("latin-1"))
    if ts is None:
        return []
    return [[t, ms] for t, ms in ts.samples]


@command('latency|latest', arity=2, flags='admin noscript loading stale', acl='',
         group='server', since='2.8.13',
         summary='Return the latest latency samples for all events.',
         complexity='O(1)',
         tips=('nondeterministic_output', 'request_policy:all_nodes', 'response_policy:special'))
def cmd_latency_latest(c: Any, argv: list[bytes]) -> Any:
    return [[event.encode(), ts.samples[-1][0], ts.samples[-1][1], ts.max]
            for event, ts in c.server.latency_events.items() if ts.samples]


@command('latency|reset', arity=-2, flags='admin noscript loading stale', acl='',
         group='server', since='2.8.13',
         summary='Reset latency data for one or more events.',
         complexity='O(1)',
         tips=('request_policy:all_nodes', 'response_policy:all_succeeded'),
         args=(
            arg('event', 'string', flags=('optional', 'multiple')),
         ))
def cmd_latency_reset(c: Any, argv: list[bytes]) -> Any:
    return latency.reset(c.server, argv[2:] if len(argv) > 2 else None)



# ---- DEBUG actions ---------------------------------------------------------------------


@debug_subcommand("digest")
def debug_digest(c: Any, argv: list[bytes]) -> Any:
    if len(argv) != 2:
        raise _debug_syntax(argv)
    return Simple(digest.dataset_digest(c.server))


@debug_subcommand("digest-value")
def debug_digest_value(c: Any, argv: list[bytes]) -> Any:
    out = []
    db = c.db
    for key in argv[2:]:
        value = db.lookup(key)
        d = digest.ZERO if value is None else digest.object_digest(digest.ZERO, db, key, value)
        out.append(Simple(d.hex().encode()))
    return out


@debug_subcommand("change-repl-id")
def debug_change_repl_id(c: Any, argv: list[bytes]) -> Any:
    if len(argv) != 2:
        raise _debug_syntax(argv)
    repl = c.server.extensions.get("repl")  # replication/primary.py's ReplState
    if repl is not None:
        repl.change_replid()  # Redis's changeReplicationId + clearReplicationId2
        repl.clear_replid2()
    return OK


@debug_subcommand("quicklist-packed-threshold")
def debug_quicklist_packed_threshold(c: Any, argv: list[bytes]) -> Any:
    """Elements larger than this get a plain quicklist node of their own (0: 1 GB)."""
    if len(argv) != 3:
        raise _debug_syntax(argv)
    from ..config.schema import MEMORY_UNITS  # noqa: PLC0415
    from ..datatypes import quicklist  # noqa: PLC0415

    m = re.fullmatch(rb"(\d+)([a-zA-Z]*)", argv[2])
    unit = MEMORY_UNITS.get(m.group(2).lower().decode()) if m else None
    size = int(m.group(1)) * unit if m and unit else -1
    if size < 0 or size > (1 << 32) - (1 << 20):
        raise CommandError(b"ERR argument must be a memory value bigger than 1 and smaller than 4gb")
    quicklist.PACKED_THRESHOLD = size or (1 << 30)
    return OK


@debug_subcommand("listpack")
def debug_listpack(c: Any, argv: list[bytes]) -> Any:
    if len(argv) != 3:
        raise _debug_syntax(argv)
    value = c.db.lookup(argv[2])
    if value is None:
        raise CommandError(b"ERR no such key")
    from ..keyspace.types import encoding  # noqa: PLC0415

    if encoding(value, c.server) != b"listpack":
        raise CommandError(b"ERR Not a listpack encoded object.")
    c.server.log("notice", "Listpack of key %r: %d entries" % (argv[2], len(value)))
    return Simple(b"Listpack structure printed on stdout")


@debug_subcommand("pause-cron")
def debug_pause_cron(c: Any, argv: list[bytes]) -> Any:
    """Stop (1) or resume (0) the periodic jobs; jobs added meanwhile are kept."""
    if len(argv) != 3:
        raise _debug_syntax(argv)
    server = c.server
    paused = server.extensions.get("paused_cron_jobs")
    m = re.match(rb"\s*[-+]?\d+", argv[2])  # C's atoi: junk reads as 0
    if m and int(m.group()):
        if paused is None:
            server.extensions["paused_cron_jobs"] = server.cron_jobs[:]
            server.cron_jobs.clear()
    elif paused is not None:
        server.cron_jobs[:0] = paused
        del server.extensions["paused_cron_jobs"]
    return OK
