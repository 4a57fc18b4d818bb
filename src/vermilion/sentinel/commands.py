"""The SENTINEL command and its subcommands (declared only in Sentinel mode).

Declarations are Redis's (COMMAND INFO/DOCS of a real redis-sentinel); the handlers
follow ``sentinelCommand`` in sentinel.c: errors byte-for-byte, instance field lists as
RESP2 flat arrays / RESP3 maps.  SET, CONFIG and DEBUG validate every argument before
changing anything (Redis applies the pairs before a bad one; we do not half-apply).
"""

from __future__ import annotations

from typing import Any

from ..commands.client import help_reply
from ..commands.registry import command, container
from ..commands.spec import arg
from ..commands.util import parse_int
from ..protocol.errors import CommandError, NotInteger, err
from ..protocol.reply import OK, NullArray, Simple, Verbatim
from ..util.glob import stringmatch
from . import failover, settings
from .instance import now_ms

HELP = (
    'SENTINEL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
    'CKQUORUM <master-name>',
    '    Check if the current Sentinel configuration is able to reach the quorum',
    '    needed to failover a master and the majority needed to authorize the',
    '    failover.',
    'CONFIG SET <param> <value>',
    '    Set a global Sentinel configuration parameter.',
    'CONFIG GET <param>',
    '    Get global Sentinel configuration parameter.',
    'DEBUG [<param> <value> ...]',
    '    Show a list of configurable time parameters and their values (milliseconds).',
    '    Or update current configurable parameters values (one or more).',
    'GET-MASTER-ADDR-BY-NAME <master-name>',
    '    Return the ip and port number of the master with that name.',
    'FAILOVER <master-name>',
    '    Manually failover a master node without asking for agreement from other',
    '    Sentinels',
    'FLUSHCONFIG',
    '    Force Sentinel to rewrite its configuration on disk, including the current',
    '    Sentinel state.',
    'INFO-CACHE <master-name>',
    '    Return last cached INFO output from masters and all its replicas.',
    'IS-MASTER-DOWN-BY-ADDR <ip> <port> <current-epoch> <runid>',
    "    Check if the master specified by ip:port is down from current Sentinel's",
    '    point of view.',
    'MASTER <master-name>',
    '    Show the state and info of the specified master.',
    'MASTERS',
    '    Show a list of monitored masters and their state.',
    'MONITOR <name> <ip> <port> <quorum>',
    '    Start monitoring a new master with the specified name, ip, port and quorum.',
    'MYID',
    '    Return the ID of the Sentinel instance.',
    'PENDING-SCRIPTS',
    '    Get pending scripts information.',
    'REMOVE <master-name>',
    "    Remove master from Sentinel's monitor list.",
    'REPLICAS <master-name>',
    '    Show a list of replicas for this master and their state.',
    'RESET <pattern>',
    '    Reset masters for specific master name matching this pattern.',
    'SENTINELS <master-name>',
    '    Show a list of Sentinel instances for this master and their state.',
    'SET <master-name> <option> <value> [<option> <value> ...]',
    '    Set configuration parameters for certain masters.',
    'SIMULATE-FAILURE [CRASH-AFTER-ELECTION] [CRASH-AFTER-PROMOTION] [HELP]',
    '    Simulate a Sentinel crash.',
    'HELP',
    '    Prints this help.',
)


def _s(c: Any) -> Any:
    return c.server.extensions["sentinel"]


def _primary(c: Any, name: bytes) -> Any:
    p = _s(c).primaries.get(name.decode(errors="surrogateescape"))
    if p is None:
        raise err("No such master with that name")
    return p


def _fields(inst: Any, resp: int) -> Any:
    pairs = inst.fields()
    if resp == 3:
        return {k.encode(): v.encode() for k, v in pairs}
    out = []
    for k, v in pairs:
        out += [k.encode(), v.encode()]
    return out


container("sentinel", arity=-2, flags="admin sentinel only_sentinel", acl="",
         group="sentinel", since="2.8.4",
         summary="A container for Redis Sentinel commands.",
         complexity="Depends on subcommand.")

@command("sentinel|ckquorum", arity=3, flags="admin sentinel only_sentinel", acl="",
         group="sentinel", since="2.8.4",
         summary="Checks for a Redis Sentinel quorum.",
         args=(
            arg("master-name", "string"),
         ))
def cmd_sentinel_ckquorum(c: Any, argv: list[bytes]) -> Any:
    p = _primary(c, argv[2])
    usable = 1 + sum(1 for x in p.sentinels.values() if "s_down" not in x.flags and "o_down" not in x.flags)
    voters = len(p.sentinels) + 1
    problems = []
    if usable < p.quorum:
        problems.append(b"Not enough available Sentinels to reach the specified quorum for this master")
    if usable < voters // 2 + 1:
        problems.append(b"Not enough available Sentinels to reach the majority and authorize a failover")
    if problems:
        raise CommandError(b"NOQUORUM %d usable Sentinels. " % usable + b". ".join(problems))
    return Simple(b"OK %d usable Sentinels. Quorum and failover authorization can be reached" % usable)


@command("sentinel|config", arity=-3, flags="admin sentinel only_sentinel", acl="",
         group="sentinel", since="6.2.0",
         summary="Configures Redis Sentinel.",
         complexity="O(N) when N is the number of configuration parameters provided",
         history=(("7.2.0", "Added the ability to set and get multiple parameters in one call."),),
         args=(
            arg("set_or_get", "oneof", arguments=(
                    arg("set_param_value", "block", token="SET", flags=("multiple",), arguments=(
                            arg("parameter", "string"),
                            arg("value", "string"),
                        )),
                    arg("parameter", "string", token="GET", flags=("multiple",)),
                )),
         ))
def cmd_sentinel_config(c: Any, argv: list[bytes]) -> Any:
    return settings.config_command(_s(c), argv)


@command("sentinel|debug", arity=-2, flags="admin sentinel only_sentinel", acl="",
         group="sentinel", since="7.0.0",
         summary="Lists or updates the current configurable parameters of Redis Sentinel.",
         complexity="O(N) where N is the number of configurable parameters",
         args=(
            arg("parameter_value", "block", flags=("multiple",), arguments=(
                    arg("parameter", "string"),
                    arg("value", "string"),
                )),
         ))
def cmd_sentinel_debug(c: Any, argv: list[bytes]) -> Any:
    return settings.debug_command(_s(c), argv)


@command("sentinel|failover", arity=3, flags="admin sentinel only_sentinel", acl="",
         group="sentinel", since="2.8.4",
         summary="Forces a Redis Sentinel failover.",
         args=(
            arg("master-name", "string"),
         ))
def cmd_sentinel_failover(c: Any, argv: list[bytes]) -> Any:
    s = _s(c)
    p = _primary(c, argv[2])
    if p.failover is not None:
        raise CommandError(b"INPROG Failover already in progress")
    if failover.select_replica(list(p.replicas.values()), now_ms(), s.info_validity_ms(p),
                               s.timing["ping-period"]) is None:
        raise CommandError(b"NOGOODSLAVE No suitable replica to promote")
    s.log("warning", f"Executing user requested FAILOVER of '{p.name}'")
    s.start_failover(p, forced=True)
    return OK


@command("sentinel|flushconfig", arity=2, flags="admin sentinel only_sentinel", acl="",
         group="sentinel", since="2.8.4",
         summary="Rewrites the Redis Sentinel configuration file.",
         complexity="O(1)")
def cmd_sentinel_flushconfig(c: Any, argv: list[bytes]) -> Any:
    _s(c).flush_config()
    return OK


@command("sentinel|get-master-addr-by-name", arity=3, flags="admin sentinel only_sentinel", acl="",
         group="sentinel", since="2.8.4",
         summary="Returns the port and address of a master Redis instance.",
         complexity="O(1)",
         args=(
            arg("master-name", "string"),
         ))
def cmd_sentinel_get_master_addr_by_name(c: Any, argv: list[bytes]) -> Any:
    p = _s(c).primaries.get(argv[2].decode(errors="surrogateescape"))
    if p is None:
        return NullArray
    return [p.ip.encode(), str(p.port).encode()]


@command("sentinel|help", arity=2, flags="loading stale sentinel only_sentinel", acl="",
         group="sentinel", since="6.2.0",
         summary="Returns helpful text about the different subcommands.",
         complexity="O(1)")
def cmd_sentinel_help(c: Any, argv: list[bytes]) -> Any:
    return help_reply(HELP)


@command("sentinel|info-cache", arity=-3, flags="admin sentinel only_sentinel", acl="",
         group="sentinel", since="3.2.0",
         summary="Returns the cached `INFO` replies from the deployment's instances.",
         complexity="O(N) where N is the number of instances",
         args=(
            arg("nodename", "string", flags=("multiple",)),
         ))
def cmd_sentinel_info_cache(c: Any, argv: list[bytes]) -> Any:
    s = _s(c)
    names = [a.decode(errors="surrogateescape") for a in argv[2:]]
    chosen = [p for p in s.primaries.values() if p.name in names] if names else list(s.primaries.values())
    t = now_ms()
    out: list = []
    for p in chosen:
        out.append(p.name.encode())
        out.append([[t - i.info_refresh_ms if i.info_refresh_ms else 0,
                     Verbatim(i.info) if i.info else None] for i in (p, *p.replicas.values())])
    return out


@command("sentinel|is-master-down-by-addr", arity=6, flags="admin sentinel only_sentinel", acl="",
         group="sentinel", since="2.8.4",
         summary="Determines whether a master Redis instance is down.",
         complexity="O(1)",
         args=(
            arg("ip", "string"),
            arg("port", "integer"),
            arg("current-epoch", "integer"),
            arg("runid", "string"),
         ))
def cmd_sentinel_is_master_down_by_addr(c: Any, argv: list[bytes]) -> Any:
    port = parse_int(argv[3], NotInteger)
    req_epoch = parse_int(argv[4], NotInteger)
    s = _s(c)
    ip = argv[2].decode(errors="surrogateescape")
    p = next((m for m in s.primaries.values() if (m.ip, m.port) == (ip, port)), None)
    down = 1 if p is not None and "s_down" in p.flags and not s.tilt else 0
    leader, leader_epoch = None, 0
    if p is not None and argv[5] != b"*":
        leader, leader_epoch = s.vote_leader(p, req_epoch, argv[5].decode(errors="surrogateescape"))
    return [down, (leader or "*").encode(), leader_epoch]


@command("sentinel|master", arity=3, flags="admin sentinel only_sentinel", acl="",
         group="sentinel", since="2.8.4",
         summary="Returns the state of a master Redis instance.",
         complexity="O(1)",
         args=(
            arg("master-name", "string"),
         ))
def cmd_sentinel_master(c: Any, argv: list[bytes]) -> Any:
    return _fields(_primary(c, argv[2]), c.resp)


@command("sentinel|masters", arity=2, flags="admin sentinel only_sentinel", acl="",
         group="sentinel", since="2.8.4",
         summary="Returns a list of monitored Redis masters.",
         complexity="O(N) where N is the number of masters")
def cmd_sentinel_masters(c: Any, argv: list[bytes]) -> Any:
    return [_fields(p, c.resp) for p in _s(c).primaries.values()]


@command("sentinel|monitor", arity=6, flags="admin sentinel only_sentinel", acl="",
         group="sentinel", since="2.8.4",
         summary="Starts monitoring.",
         complexity="O(1)",
         args=(
            arg("name", "string"),
            arg("ip", "string"),
            arg("port", "integer"),
            arg("quorum", "integer"),
         ))
def cmd_sentinel_monitor(c: Any, argv: list[bytes]) -> Any:
    quorum = parse_int(argv[5], lambda: err("Invalid quorum"))
    port = parse_int(argv[4], lambda: err("Invalid port"))
    if quorum <= 0:
        raise err("Quorum must be 1 or greater.")
    s = _s(c)
    host = argv[3].decode(errors="surrogateescape")
    ip = settings.resolve(host, s.cfg.resolve_hostnames)
    if ip is None:
        raise err("Invalid IP address or hostname specified")
    name = argv[2].decode(errors="surrogateescape")
    if name in s.primaries:
        raise err("Duplicate master name.")
    if port < 0 or port > 65535:
        raise err("Invalid port number.")
    p = s.add_primary(name, ip, port, quorum)
    s.flush_config()
    s.event("+monitor", p, f" quorum {quorum}")
    return OK


@command("sentinel|myid", arity=2, flags="admin sentinel only_sentinel", acl="",
         group="sentinel", since="6.2.0",
         summary="Returns the Redis Sentinel instance ID.",
         complexity="O(1)")
def cmd_sentinel_myid(c: Any, argv: list[bytes]) -> Any:
    return _s(c).cfg.myid.encode()


@command("sentinel|pending-scripts", arity=2, flags="admin sentinel only_sentinel", acl="",
         group="sentinel", since="2.8.4",
         summary="Returns information about pending scripts for Redis Sentinel.")
def cmd_sentinel_pending_scripts(c: Any, argv: list[bytes]) -> Any:
    return _s(c).scripts.pending(c.resp)


@command("sentinel|remove", arity=3, flags="admin sentinel only_sentinel", acl="",
         group="sentinel", since="2.8.4",
         summary="Stops monitoring.",
         complexity="O(1)",
         args=(
            arg("master-name", "string"),
         ))
def cmd_sentinel_remove(c: Any, argv: list[bytes]) -> Any:
    s = _s(c)
    p = _primary(c, argv[2])
    s.event("-monitor", p)
    s.remove_primary(p)
    s.flush_config()
    return OK


@command("sentinel|replicas", arity=3, flags="admin sentinel only_sentinel", acl="",
         group="sentinel", since="5.0.0",
         summary="Returns a list of the monitored Redis replicas.",
         complexity="O(N) where N is the number of replicas",
         args=(
            arg("master-name", "string"),
         ))
def cmd_sentinel_replicas(c: Any, argv: list[bytes]) -> Any:
    return [_fields(r, c.resp) for r in _primary(c, argv[2]).replicas.values()]


@command("sentinel|reset", arity=3, flags="admin sentinel only_sentinel", acl="",
         group="sentinel", since="2.8.4",
         summary="Resets Redis masters by name matching a pattern.",
         complexity="O(N) where N is the number of monitored masters",
         args=(
            arg("pattern", "pattern"),
         ))
def cmd_sentinel_reset(c: Any, argv: list[bytes]) -> Any:
    s = _s(c)
    hit = [p for p in s.primaries.values() if stringmatch(argv[2], p.name.encode())]
    for p in hit:
        s.reset_primary(p)
    if hit:
        s.flush_config()
    return len(hit)


@command("sentinel|sentinels", arity=3, flags="admin sentinel only_sentinel", acl="",
         group="sentinel", since="2.8.4",
         summary="Returns a list of Sentinel instances.",
         complexity="O(N) where N is the number of Sentinels",
         args=(
            arg("master-name", "string"),
         ))
def cmd_sentinel_sentinels(c: Any, argv: list[bytes]) -> Any:
    return [_fields(x, c.resp) for x in _primary(c, argv[2]).sentinels.values()]


@command("sentinel|set", arity=-5, flags="admin sentinel only_sentinel", acl="",
         group="sentinel", since="2.8.4",
         summary="Changes the configuration of a monitored Redis master.",
         complexity="O(1)",
         args=(
            arg("master-name", "string"),
            arg("option_value", "block", flags=("multiple",), arguments=(
                    arg("option", "string"),
                    arg("value", "string"),
                )),
         ))
def cmd_sentinel_set(c: Any, argv: list[bytes]) -> Any:
    s = _s(c)
    p = _primary(c, argv[2])
    return settings.set_command(s, p, argv)


@command("sentinel|simulate-failure", arity=-3, flags="admin sentinel only_sentinel", acl="",
         group="sentinel", since="3.2.0",
         summary="Simulates failover scenarios.",
         args=(
            arg("mode", "oneof", flags=("optional", "multiple"), arguments=(
                    arg("crash-after-election", "pure-token"),
                    arg("crash-after-promotion", "pure-token"),
                    arg("help", "pure-token"),
                )),
         ))
def cmd_sentinel_simulate_failure(c: Any, argv: list[bytes]) -> Any:
    flags = 0
    for a in argv[2:]:
        word = a.lower()
        if word == b"crash-after-election":
            flags |= settings.SIMFAILURE_CRASH_AFTER_ELECTION
        elif word == b"crash-after-promotion":
            flags |= settings.SIMFAILURE_CRASH_AFTER_PROMOTION
        elif word == b"help":
            return [b"crash-after-election", b"crash-after-promotion"]
        else:
            raise err("Unknown failure simulation specified")
    s = _s(c)
    s.simfailure_flags = flags
    if flags & settings.SIMFAILURE_CRASH_AFTER_ELECTION:
        s.log("warning", "Failure simulation: this Sentinel will crash after being successfully "
                         "elected as failover leader")
    if flags & settings.SIMFAILURE_CRASH_AFTER_PROMOTION:
        s.log("warning", "Failure simulation: this Sentinel will crash after promoting the "
                         "selected replica to master")
    return OK


@command("sentinel|slaves", arity=3, flags="admin sentinel only_sentinel", acl="",
         group="sentinel", since="2.8.0",
         summary="Returns a list of the monitored replicas.",
         complexity="O(N) where N is the number of replicas.",
         doc_flags=("deprecated",),
         deprecated_since="5.0.0",
         replaced_by="`SENTINEL REPLICAS`",
         args=(
            arg("master-name", "string"),
         ))
def cmd_sentinel_slaves(c: Any, argv: list[bytes]) -> Any:
    return [_fields(r, c.resp) for r in _primary(c, argv[2]).replicas.values()]
