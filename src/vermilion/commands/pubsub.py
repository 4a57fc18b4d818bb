"""Pub/Sub commands (Redis's pubsub.c): (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PUBLISH,
SPUBLISH and PUBSUB introspection; the state and delivery live in pubsub/channels.py.

Confirmations are written as part of the command's reply (RESP2 arrays, RESP3 pushes),
one per channel, each carrying the client's subscription count after that step
(channels + patterns; shard channels count separately).

The ``pubsub_context`` gate (run only for subscribed clients, ``Gate.PUBSUB``):
a RESP2 subscriber may only run (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PING, QUIT and
RESET.  For a subscriber allowed to run a command, the command runs with
``c.push_capture`` set, so messages its own command sends to itself (PUBLISH to its
own channel, keyspace events of its own writes) come out right after its reply, as
Redis 7.2 defers them (``server.pending_push_messages``, redis#12326; 7.0 sent them
before the reply).
"""

from __future__ import annotations

from typing import Any

from ..engine.client import Gate
from ..engine.dispatch import GATE_ORDER, register_gate
from ..protocol.errors import CommandError
from ..protocol.reply import NO_REPLY, Raw
from ..pubsub.channels import confirmation, get_pubsub
from ..util.glob import compile_glob
from .registry import command, container
from .spec import arg, ks

_PUBSUB = Gate.PUBSUB
_MULTI = Gate.MULTI


def _count(c: Any) -> int:
    return len(c.subscriptions) + len(c.psubscriptions)


def _deny(c: Any, name: bytes) -> None:
    """Scripts (deny-blocking clients outside MULTI) cannot subscribe."""
    if c.deny_blocking and not c.gate & _MULTI:
        raise CommandError(b"ERR %s isn't allowed for a DENY BLOCKING client" % name)


@command("subscribe", arity=-2, flags="pubsub noscript loading stale", acl="",
         group="pubsub", since="2.0.0",
         summary="Listen for messages published to the given channels",
         complexity="O(N) where N is the number of channels to subscribe to.",
         args=(arg("channel", "string", flags=("multiple",)),))
def cmd_subscribe(c: Any, argv: list[bytes]) -> Any:
    _deny(c, b"SUBSCRIBE")
    ps = get_pubsub(c.server)
    out = []
    for ch in argv[1:]:
        ps.subscribe(c, ch)
        out.append(confirmation(c.resp, b"subscribe", ch, _count(c)))
    return Raw(b"".join(out))


@command("unsubscribe", arity=-1, flags="pubsub noscript loading stale", acl="",
         group="pubsub", since="2.0.0",
         summary="Stop listening for messages posted to the given channels",
         complexity="O(N) where N is the number of clients already subscribed to a channel.",
         args=(arg("channel", "string", flags=("optional", "multiple")),))
def cmd_unsubscribe(c: Any, argv: list[bytes]) -> Any:
    ps = get_pubsub(c.server)
    names = argv[1:] if len(argv) > 1 else list(c.subscriptions)
    if not names:
        return Raw(confirmation(c.resp, b"unsubscribe", None, _count(c)))
    out = []
    for ch in names:
        ps.unsubscribe(c, ch)
        out.append(confirmation(c.resp, b"unsubscribe", ch, _count(c)))
    return Raw(b"".join(out))


@command("psubscribe", arity=-2, flags="pubsub noscript loading stale", acl="",
         group="pubsub", since="2.0.0",
         summary="Listen for messages published to channels matching the given patterns",
         complexity="O(N) where N is the number of patterns the client is already subscribed to.",
         args=(arg("pattern", "block", flags=("multiple",), arguments=(arg("pattern", "pattern"),)),))
def cmd_psubscribe(c: Any, argv: list[bytes]) -> Any:
    _deny(c, b"PSUBSCRIBE")
    ps = get_pubsub(c.server)
    out = []
    for p in argv[1:]:
        ps.psubscribe(c, p)
        out.append(confirmation(c.resp, b"psubscribe", p, _count(c)))
    return Raw(b"".join(out))


@command("punsubscribe", arity=-1, flags="pubsub noscript loading stale", acl="",
         group="pubsub", since="2.0.0",
         summary="Stop listening for messages posted to channels matching the given patterns",
         complexity="O(N+M) where N is the number of patterns the client is already subscribed and "
                    "M is the number of total patterns subscribed in the system (by any client).",
         args=(arg("pattern", "pattern", flags=("optional", "multiple")),))
def cmd_punsubscribe(c: Any, argv: list[bytes]) -> Any:
    ps = get_pubsub(c.server)
    names = argv[1:] if len(argv) > 1 else list(c.psubscriptions)
    if not names:
        return Raw(confirmation(c.resp, b"punsubscribe", None, _count(c)))
    out = []
    for p in names:
        ps.punsubscribe(c, p)
        out.append(confirmation(c.resp, b"punsubscribe", p, _count(c)))
    return Raw(b"".join(out))


@command("ssubscribe", arity=-2, flags="pubsub noscript loading stale", acl="",
         group="pubsub", since="7.0.0",
         summary="Listen for messages published to the given shard channels",
         complexity="O(N) where N is the number of shard channels to subscribe to.",
         keys=[ks("NOT_KEY", 1, last=-1)],
         args=(arg("shardchannel", "string", flags=("multiple",)),))
def cmd_ssubscribe(c: Any, argv: list[bytes]) -> Any:
    if c.deny_blocking:
        raise CommandError(b"ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client")
    ps = get_pubsub(c.server)
    out = []
    for ch in argv[1:]:
        ps.subscribe(c, ch, True)
        out.append(confirmation(c.resp, b"ssubscribe", ch, len(c.ssubscriptions)))
    return Raw(b"".join(out))


@command("sunsubscribe", arity=-1, flags="pubsub noscript loading stale", acl="",
         group="pubsub", since="7.0.0",
         summary="Stop listening for messages posted to the given shard channels",
         complexity="O(N) where N is the number of clients already subscribed to a shard channel.",
         keys=[ks("NOT_KEY", 1, last=-1)],
         args=(arg("shardchannel", "string", flags=("optional", "multiple")),))
def cmd_sunsubscribe(c: Any, argv: list[bytes]) -> Any:
    ps = get_pubsub(c.server)
    names = argv[1:] if len(argv) > 1 else list(c.ssubscriptions)
    if not names:
        return Raw(confirmation(c.resp, b"sunsubscribe", None, len(c.ssubscriptions)))
    out = []
    for ch in names:
        ps.unsubscribe(c, ch, True)
        out.append(confirmation(c.resp, b"sunsubscribe", ch, len(c.ssubscriptions)))
    return Raw(b"".join(out))


@command("publish", arity=3, flags="pubsub loading stale fast", acl="",
         group="pubsub", since="2.0.0",
         summary="Post a message to a channel",
         complexity="O(N+M) where N is the number of clients subscribed to the receiving channel and "
                    "M is the total number of subscribed patterns (by any client).",
         args=(arg("channel", "string"), arg("message", "string")))
def cmd_publish(c: Any, argv: list[bytes]) -> Any:
    ext = c.server.extensions
    ps = ext.get("pubsub")
    n = 0 if ps is None else ps.publish(argv[1], argv[2])
    bus = ext.get("cluster_publish")  # cluster mode: to every node over the bus
    if bus is not None:
        bus(argv[1], argv[2], False)
    return n


@command("spublish", arity=3, flags="pubsub loading stale fast", acl="",
         group="pubsub", since="7.0.0",
         summary="Post a message to a shard channel",
         complexity="O(N) where N is the number of clients subscribed to the receiving shard channel.",
         keys=[ks("NOT_KEY", 1)],
         args=(arg("shardchannel", "string"), arg("message", "string")))
def cmd_spublish(c: Any, argv: list[bytes]) -> Any:
    ext = c.server.extensions
    ps = ext.get("pubsub")
    n = 0 if ps is None else ps.spublish(argv[1], argv[2])
    bus = ext.get("cluster_publish")  # cluster mode: to the other nodes of our shard
    if bus is not None:
        bus(argv[1], argv[2], True)
    return n


container("pubsub", arity=-2, flags="", acl="", group="pubsub", since="2.8.0",
          summary="A container for Pub/Sub commands", complexity="Depends on subcommand.")


def _matching(names: Any, argv: list[bytes]) -> list[bytes]:
    if len(argv) == 2:
        return list(names)
    match = compile_glob(argv[2])
    return [n for n in names if match(n)]


@command("pubsub|channels", arity=-2, flags="pubsub loading stale", acl="",
         group="pubsub", since="2.8.0",
         summary="List active channels",
         complexity="O(N) where N is the number of active channels, and assuming constant time "
                    "pattern matching (relatively short channels and patterns)",
         args=(arg("pattern", "pattern", flags=("optional",)),))
def cmd_pubsub_channels(c: Any, argv: list[bytes]) -> Any:
    if len(argv) > 3:
        raise _pubsub_syntax(argv)
    return _matching(get_pubsub(c.server).channels, argv)


@command("pubsub|shardchannels", arity=-2, flags="pubsub loading stale", acl="",
         group="pubsub", since="7.0.0",
         summary="List active shard channels",
         complexity="O(N) where N is the number of active shard channels, and assuming constant time "
                    "pattern matching (relatively short shard channels).",
         args=(arg("pattern", "pattern", flags=("optional",)),))
def cmd_pubsub_shardchannels(c: Any, argv: list[bytes]) -> Any:
    if len(argv) > 3:
        raise _pubsub_syntax(argv)
    return _matching(get_pubsub(c.server).shard, argv)


@command("pubsub|numsub", arity=-2, flags="pubsub loading stale", acl="",
         group="pubsub", since="2.8.0",
         summary="Get the count of subscribers for channels",
         complexity="O(N) for the NUMSUB subcommand, where N is the number of requested channels",
         args=(arg("channel", "string", flags=("optional", "multiple")),))
def cmd_pubsub_numsub(c: Any, argv: list[bytes]) -> Any:
    table = get_pubsub(c.server).channels
    out: list = []
    for ch in argv[2:]:
        out.append(ch)
        out.append(len(table.get(ch, ())))
    return out


@command("pubsub|shardnumsub", arity=-2, flags="pubsub loading stale", acl="",
         group="pubsub", since="7.0.0",
         summary="Get the count of subscribers for shard channels",
         complexity="O(N) for the SHARDNUMSUB subcommand, where N is the number of requested shard channels",
         args=(arg("shardchannel", "string", flags=("optional", "multiple")),))
def cmd_pubsub_shardnumsub(c: Any, argv: list[bytes]) -> Any:
    table = get_pubsub(c.server).shard
    out: list = []
    for ch in argv[2:]:
        out.append(ch)
        out.append(len(table.get(ch, ())))
    return out


@command("pubsub|numpat", arity=2, flags="pubsub loading stale", acl="",
         group="pubsub", since="2.8.0",
         summary="Get the count of unique patterns pattern subscriptions",
         complexity="O(1)")
def cmd_pubsub_numpat(c: Any, argv: list[bytes]) -> Any:
    ps = c.server.extensions.get("pubsub")
    return len(ps.patterns) if ps is not None else 0


PUBSUB_HELP = (
    "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CHANNELS [<pattern>]",
    "    Return the currently active channels matching a <pattern> (default: '*').",
    "NUMPAT",
    "    Return number of subscriptions to patterns.",
    "NUMSUB [<channel> ...]",
    "    Return the number of subscribers for the specified channels, excluding",
    "    pattern subscriptions(default: no channels).",
    "SHARDCHANNELS [<pattern>]",
    "    Return the currently active shard level channels matching a <pattern> (default: '*').",
    "SHARDNUMSUB [<shardchannel> ...]",
    "    Return the number of subscribers for the specified shard level channel(s)",
    "HELP",
    "    Prints this help.",
)


@command("pubsub|help", arity=2, flags="loading stale", acl="",
         group="pubsub", since="6.2.0",
         summary="Show helpful text about the different subcommands",
         complexity="O(1)")
def cmd_pubsub_help(c: Any, argv: list[bytes]) -> Any:
    from .client import help_reply  # noqa: PLC0415

    return help_reply(PUBSUB_HELP)


def _pubsub_syntax(argv: list[bytes]) -> CommandError:
    """``addReplySubcommandSyntaxError``."""
    return CommandError(b"ERR unknown subcommand or wrong number of arguments for '%s'. Try PUBSUB HELP."
                        % argv[1][:128])


# ---- the pub/sub context gate -------------------------------------------------------------

_RESP2_ALLOWED = frozenset((b"ping", b"subscribe", b"ssubscribe", b"unsubscribe", b"sunsubscribe",
                            b"psubscribe", b"punsubscribe", b"quit", b"reset"))


class _OneCommand:
    __slots__ = ("cmds",)

    def __init__(self, argv: list[bytes]) -> None:
        self.cmds = [argv]

    def drain(self) -> list:
        cmds, self.cmds = self.cmds, []
        return cmds

    def hold(self, cmds: list) -> None:  # a blocked/paused command stays in its state
        pass


def _pubsub_gate(c: Any, spec: Any, argv: list[bytes]) -> Any:
    if not c.gate & _PUBSUB:
        return None
    if c.resp == 2:
        if spec.parent is not None or spec.name not in _RESP2_ALLOWED:
            raise CommandError(b"ERR Can't execute '%s': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING "
                               b"/ QUIT / RESET are allowed in this context" % spec.fullname)
        return None
    if c.push_capture is not None or (c.gate & _MULTI and spec.name != b"exec"):
        return None
    from ..engine.dispatch import run_batch  # noqa: PLC0415

    captured: list[bytes] = []
    c.push_capture = captured
    try:
        out = run_batch(c, _OneCommand(argv))
    finally:
        c.push_capture = None
    if captured:
        return Raw(out + b"".join(captured))
    if not out:
        return NO_REPLY
    return Raw(out)


register_gate(GATE_ORDER["pubsub_context"], "pubsub_context", _pubsub_gate, client_bits=_PUBSUB)
