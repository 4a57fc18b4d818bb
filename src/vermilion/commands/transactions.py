"""Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH (Redis's multi.c).

The queueing gates, the watched-key index and the EXEC runner are in engine/multi.py.
"""

from __future__ import annotations

from typing import Any

from ..engine import multi
from ..engine.client import Gate
from ..protocol.errors import CommandError
from ..protocol.encoder import encode2, encode3
from ..protocol.reply import OK, NullArray, Raw
from .registry import command
from .spec import arg, ks

_MULTI = Gate.MULTI
_DIRTY = Gate.DIRTY_CAS


@command("multi", arity=1, flags="noscript loading stale fast allow_busy", acl="transaction",
         group="transactions", since="1.2.0",
         summary="Mark the start of a transaction block",
         complexity="O(1)")
def cmd_multi(c: Any, argv: list[bytes]) -> Any:
    if c.gate & _MULTI:
        raise CommandError(b"ERR MULTI calls can not be nested")
    multi.get_watches(c.server)  # registers the disconnect/RESET hooks
    multi.start(c)
    return OK


@command("exec", arity=1, flags="noscript loading stale skip_slowlog", acl="transaction",
         group="transactions", since="1.2.0",
         summary="Execute all commands issued after MULTI",
         complexity="Depends on commands in the transaction")
def cmd_exec(c: Any, argv: list[bytes]) -> Any:
    if not c.gate & _MULTI:
        raise CommandError(b"ERR EXEC without MULTI")
    if multi.watched_key_expired(c):
        c.gate |= _DIRTY
    if c.multi_error:
        multi.discard_state(c)
        raise CommandError(b"EXECABORT Transaction discarded because of previous errors.")
    if c.gate & _DIRTY:
        multi.discard_state(c)
        return NullArray
    if c.push_capture is not None:  # already collected by the pub/sub gate
        return multi.run_queue(c)
    # A queued SUBSCRIBE then PUBLISH to itself: the message follows the EXEC reply
    # (Redis 7.2), so the reply is encoded here and the pushes appended.
    captured: list[bytes] = []
    c.push_capture = captured
    try:
        replies = multi.run_queue(c)
    finally:
        c.push_capture = None
    if not captured:
        return replies
    out: list[bytes] = []
    (encode3 if c.resp == 3 else encode2)(out, replies)
    return Raw(b"".join(out) + b"".join(captured))


@command("discard", arity=1, flags="noscript loading stale fast allow_busy", acl="transaction",
         group="transactions", since="2.0.0",
         summary="Discard all commands issued after MULTI",
         complexity="O(N), when N is the number of queued commands")
def cmd_discard(c: Any, argv: list[bytes]) -> Any:
    if not c.gate & _MULTI:
        raise CommandError(b"ERR DISCARD without MULTI")
    multi.discard_state(c)
    return OK


@command("watch", arity=-2, flags="noscript loading stale fast allow_busy", acl="transaction",
         group="transactions", since="2.2.0",
         summary="Watch the given keys to determine execution of the MULTI/EXEC block",
         complexity="O(1) for every key.",
         keys=[ks("RO", 1, last=-1)],
         args=(arg("key", "key", key_spec_index=0, flags=("multiple",)),))
def cmd_watch(c: Any, argv: list[bytes]) -> Any:
    if c.gate & _MULTI:
        raise CommandError(b"ERR WATCH inside MULTI is not allowed")
    if c.gate & _DIRTY:
        return OK  # already doomed: no point watching more (Redis 7.2)
    for key in argv[1:]:
        multi.watch_key(c, key)
    return OK


@command("unwatch", arity=1, flags="noscript loading stale fast allow_busy", acl="transaction",
         group="transactions", since="2.2.0",
         summary="Forget about all watched keys",
         complexity="O(1)")
def cmd_unwatch(c: Any, argv: list[bytes]) -> Any:
    multi.unwatch_all(c)
    c.gate &= ~_DIRTY
    return OK
