"""The cluster gate: which node serves a command (Redis's getNodeByQuery and
clusterRedirectClient).

Runs for every command in cluster mode (``ServerGate.CLUSTER``).  Commands without keys
run here.  Otherwise every key must hash to one slot (else CROSSSLOT); the slot's owner
decides: unassigned -> ``CLUSTERDOWN Hash slot not served``; a down cluster refuses
keyed commands (``The cluster is down``, or only writes with
cluster-allow-reads-when-down); while we migrate the slot, keys we no longer have are
redirected with ``ASK`` (``TRYAGAIN`` when only some of several keys are missing);
while we import it, a client that sent ASKING is served (``TRYAGAIN`` when several keys
are asked for and some are missing); a READONLY client's reads are served by a replica
of the owner; anything else owned elsewhere gets ``MOVED <slot> <ip>:<port>``.

EXEC routes all its queued commands' keys together (so a transaction spanning slots is
CROSSSLOT) and a refusal discards the transaction, as in Redis.

The ASKING flag lasts for one command (not counting ASKING itself, and kept inside
MULTI), as Redis's resetClient does.

A replica serves sharded pub/sub (SSUBSCRIBE, SPUBLISH) for its primary's slots without
READONLY, as Redis's getNodeByQuery does.

Scripts: ``script_check`` is Redis's scriptVerifyClusterState, run for each command a
script calls (scripting/run_context.py): the same routing with the caller's READONLY
state, where any redirection becomes ``Script attempted to access a non local key in a
cluster node``, the down states their own texts (the caller's ASKING counts, as Redis
copies it to the script client), and, unless the script may cross slots
(EVAL without a shebang, or the ``allow-cross-slot-keys`` flag), keys of a slot other
than the first one the script used (or declared) are refused.
"""

from __future__ import annotations

from typing import Any

from ..commands.keys import get_keys, keys_from_specs
from ..commands.spec import KeyFlag
from ..commands.spec import CmdFlag
from ..keyspace.slots import key_hash_slot
from ..protocol.errors import CommandError
from ..protocol.reply import ErrorReply

_WRITE = CmdFlag.WRITE.value  # tested against spec.flag_bits: ints, not enum operations
_ASKING_CMD = CmdFlag.ASKING.value
_MOVABLE = CmdFlag.MOVABLE_KEYS.value

CROSSSLOT = b"CROSSSLOT Keys in request don't hash to the same slot"
TRYAGAIN = b"TRYAGAIN Multiple keys request during rehashing of slot"
DOWN = b"CLUSTERDOWN The cluster is down"
DOWN_RO = b"CLUSTERDOWN The cluster is down and only accepts read commands"
UNBOUND = b"CLUSTERDOWN Hash slot not served"


_CHANNEL_SPECS: dict[int, bool] = {}
_SCRIPT_COMMANDS = frozenset((b"eval", b"evalsha", b"eval_ro", b"evalsha_ro", b"fcall", b"fcall_ro"))


def _channel_specs(spec: Any) -> bool:
    """Whether the command has NOT_KEY key specs (the sharded pub/sub channels)."""
    found = _CHANNEL_SPECS.get(id(spec))
    if found is None:
        found = _CHANNEL_SPECS[id(spec)] = any(k.flags & KeyFlag.NOT_KEY for k in spec.keys)
    return found


def preferred_endpoint(server: Any, node: Any) -> str:
    """Redis's clusterNodePreferredEndpoint (cluster-preferred-endpoint-type): the IP,
    the announced hostname (``?`` when the node has none), or nothing."""
    kind = server.config["cluster-preferred-endpoint-type"]
    if kind == "ip":
        return node.ip
    if kind == "hostname":
        return node.hostname or "?"
    return ""


def redirect(kind: bytes, slot: int, node: Any, server: Any) -> CommandError:
    return CommandError(b"%s %d %s:%d" % (kind, slot, preferred_endpoint(server, node).encode(), node.port))


def cluster_gate(c: Any, spec: Any, argv: list[bytes]) -> Any:
    cs = c.server.extensions.get("cluster")
    if cs is None:
        return None
    extra = c.extra
    kr = spec.key_range
    if kr is not None and not kr[1] and not extra and cs.ok and kr[0] < len(argv):
        # Fast path, one key (GET, SET, INCR ...) in a slot we own and do not migrate.
        slot = key_hash_slot(argv[kr[0]])
        if cs.slots[slot] is cs.myself and slot not in cs.migrating:
            return None
    asking = False
    if extra:
        if spec.name == b"asking" and spec.parent is None:
            return None
        asking = extra.pop("asking", False)
        if asking and ((c.gate & 1 and spec.name != b"exec") or spec.name == b"multi"):
            extra["asking"] = True  # Gate.MULTI: it lasts the transaction, up to EXEC
        if asking and spec.name in _SCRIPT_COMMANDS:  # the script's own commands see it (script_check)
            extra["script_asking"] = True
        else:
            extra.pop("script_asking", None)  # gone with the next command
    if c.kind == "master":
        return None
    if spec.name == b"exec" and spec.parent is None:
        if not c.gate & 1 or not c.multi_queue:
            return None
        # EXEC: every queued command's keys together (Redis's getNodeByQuery on mstate);
        # a refusal discards the transaction.
        try:
            _route(c, cs, c.multi_queue, asking)
            return None
        except CommandError as e:
            from ..engine.multi import discard_state  # noqa: PLC0415

            discard_state(c)
            # Redis's clusterRedirectClient answers the plain error (not EXECABORT).
            return ErrorReply(e.msg)
    if not spec.keys and not (spec.flag_bits & _MOVABLE):
        return None
    _route(c, cs, ((spec, argv),), asking)
    return None


def _route(c: Any, cs: Any, commands: Any, asking: bool) -> int:
    """Raise the redirection or error for ``commands`` (Redis's getNodeByQuery); return
    the slot of their keys (-1 without keys) when we serve them."""
    me = cs.myself
    slot = -1
    node = None
    migrating = importing = multiple = False
    missing = existing = 0
    db = c.db
    first = None
    write = asking_cmd = is_migrate = False
    shard_channels = False
    for spec, argv in commands:
        keys = get_keys(spec, argv)
        if not keys:
            if not _channel_specs(spec):
                continue
            # Sharded pub/sub: channels (NOT_KEY specs) route like keys.
            keys = keys_from_specs(spec, argv, include_not_keys=True) or []
            if not keys:
                continue
            shard_channels = True
        flags = spec.flag_bits
        write = write or bool(flags & _WRITE)
        asking_cmd = asking_cmd or bool(flags & _ASKING_CMD)
        is_migrate = is_migrate or spec.name == b"migrate"
        for pos, _flags in keys:
            key = argv[pos]
            if first is None:
                first = key
                slot = key_hash_slot(key)
                node = cs.slots[slot]
                if node is None:
                    raise CommandError(UNBOUND)
                if node is me and slot in cs.migrating:
                    migrating = True
                elif slot in cs.importing:
                    importing = True
            elif key != first:
                if key_hash_slot(key) != slot:
                    raise CommandError(CROSSSLOT)
                multiple = True
            if (migrating or importing) and not shard_channels:
                if key in db.data and not (key in db.expires and db.logically_expired(key)):
                    existing += 1
                else:
                    missing += 1
    if first is None:
        return -1
    if not cs.ok:
        if shard_channels:
            if not c.server.config["cluster-allow-pubsubshard-when-down"]:
                raise CommandError(DOWN)
        elif not c.server.config["cluster-allow-reads-when-down"]:
            raise CommandError(DOWN)
        elif write:
            raise CommandError(DOWN_RO)
    if (migrating or importing) and is_migrate:
        return slot
    if migrating and missing:
        if multiple and existing:
            raise CommandError(TRYAGAIN)
        raise redirect(b"ASK", slot, cs.migrating[slot], c.server)
    if importing and (asking or asking_cmd):
        if multiple and missing:
            raise CommandError(TRYAGAIN)
        return slot
    if node is me:
        return slot
    if (shard_channels or c.extra.get("readonly")) and not write and me.replicaof is node:
        return slot
    raise redirect(b"MOVED", slot, node, c.server)


SCRIPT_DOWN = b"ERR Script attempted to execute a command while the cluster is down"
SCRIPT_DOWN_RO = b"ERR Script attempted to execute a write command while the cluster is down and readonly"
SCRIPT_NON_LOCAL = b"ERR Script attempted to access a non local key in a cluster node"
SCRIPT_CROSSSLOT = b"ERR Script attempted to access keys that do not hash to the same slot"


def script_check(cs: Any, run: Any, spec: Any, argv: list[bytes]) -> bytes | None:
    """The error for a script's command that this node must not run, or None.
    ``run.slot`` is the slot the script uses so far (-1: none yet)."""
    caller = run.caller
    try:
        slot = _route(caller, cs, ((spec, argv),), caller.extra.get("script_asking", False))
    except CommandError as e:
        msg = e.msg
        if msg == DOWN:
            return SCRIPT_DOWN
        if msg == DOWN_RO:
            return SCRIPT_DOWN_RO
        return SCRIPT_NON_LOCAL
    if slot != -1 and not run.cross_slot:
        if run.slot == -1:
            run.slot = slot
        elif run.slot != slot:
            return SCRIPT_CROSSSLOT
    return None
