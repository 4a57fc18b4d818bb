"""Sentinel mode's command table, as redis-sentinel builds it.

Redis runs Sentinel on the ordinary server with a command table cut down to the
commands flagged SENTINEL (``sentinel.c``: PING, AUTH, HELLO, CLIENT, ACL, COMMAND,
INFO, ROLE, SHUTDOWN, (P)SUBSCRIBE, (P)UNSUBSCRIBE, PUBLISH, SENTINEL), and gives a few
of them Sentinel's own handler:

* INFO shows only the server, clients, stats and CPU sections, then ``# Sentinel``;
* ROLE is ``["sentinel", [primary names]]``;
* PUBLISH accepts only ``__sentinel__:hello`` and processes the message as a hello;
* HELLO reports ``mode: sentinel`` and no ``role``.

Everything else (CLIENT, ACL, AUTH, COMMAND, SUBSCRIBE ...) is the engine's own code, so
Sentinel clients get exactly the server's behaviour.  ``restrict()`` runs once, after the
table is frozen.
"""

from __future__ import annotations

from typing import Any

from ..commands import connection as connection_mod
from ..commands import info as info_mod
from ..commands.registry import COMMANDS, DISPATCH
from ..protocol.errors import CommandError

# Redis 7.2's Sentinel table: command -> the subcommands kept (None: all of them).
TABLE: dict[bytes, frozenset[bytes] | None] = {
    b"ping": None, b"auth": None, b"hello": None, b"info": None, b"role": None,
    b"shutdown": None, b"subscribe": None, b"psubscribe": None, b"unsubscribe": None,
    b"punsubscribe": None, b"publish": None, b"sentinel": None, b"acl": None, b"command": None,
    b"client": frozenset((b"getredir", b"id", b"help", b"info", b"unpause", b"setname", b"pause",
                          b"getname", b"kill", b"reply", b"list", b"no-evict", b"unblock",
                          b"trackinginfo", b"caching", b"tracking", b"setinfo")),
}

INFO_SECTIONS = ("server", "clients", "stats", "cpu")
HELLO_CHANNEL = b"__sentinel__:hello"


def restrict() -> None:
    """Drop every command (and subcommand) Sentinel mode does not have; install
    Sentinel's handlers for INFO, ROLE and PUBLISH and its HELLO reply."""
    for name in [n for n in COMMANDS if n not in TABLE]:
        del COMMANDS[name]
    for raw in [k for k, spec in DISPATCH.items() if spec.name not in TABLE or spec.parent is not None]:
        del DISPATCH[raw]
    for name, keep in TABLE.items():
        spec = COMMANDS.get(name)
        if spec is not None and keep is not None:
            for sub in [s for s in spec.subcommands if s not in keep]:
                del spec.subcommands[sub]
    COMMANDS[b"info"].handler = cmd_info
    COMMANDS[b"role"].handler = cmd_role
    COMMANDS[b"publish"].handler = cmd_publish
    connection_mod.hello_reply = hello_reply


_engine_hello_reply = connection_mod.hello_reply


def hello_reply(c: Any) -> dict:
    reply = _engine_hello_reply(c)
    reply[b"mode"] = b"sentinel"
    del reply[b"role"]
    return reply


def sentinel_of(c: Any) -> Any:
    return c.server.extensions["sentinel"]


def cmd_info(c: Any, argv: list[bytes]) -> Any:
    """``sentinelInfoCommand``: the default, ``all`` and ``everything`` sets are the
    four server sections plus ``sentinel``; other sections are silently dropped."""
    chosen = info_mod.select_sections(argv[1:])
    want_all = len(argv) == 1 or any(a.lower() in (b"all", b"everything", b"default") for a in argv[1:])
    if want_all:
        chosen = {*INFO_SECTIONS, "sentinel"}
    text = info_mod.render_info(c.server, chosen & set(INFO_SECTIONS))
    if "sentinel" in chosen:
        if text:
            text += b"\r\n"
        text += sentinel_of(c).info_text().encode()
    return text  # a bulk string, not verbatim, in RESP3 too (addReplyBulkSds)


def cmd_role(c: Any, argv: list[bytes]) -> Any:
    return [b"sentinel", [name.encode() for name in sentinel_of(c).primaries]]


def cmd_publish(c: Any, argv: list[bytes]) -> Any:
    """``sentinelPublishCommand``: a hello message sent straight to this sentinel."""
    if argv[1] != HELLO_CHANNEL:
        raise CommandError(b"ERR Only HELLO messages are accepted by Sentinel instances.")
    sentinel_of(c).process_hello(argv[2].decode(errors="replace"))
    return 1


__all__ = ["restrict", "TABLE"]
