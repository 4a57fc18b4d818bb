"""Connection commands: PING, ECHO, QUIT, SELECT, HELLO, AUTH, RESET.

Authentication checks ``requirepass`` for the default user unless the ACL subsystem
installs ``server.extensions["authenticate"]``.  HELLO encodes its own reply in the
protocol it switches to (dispatch would use the one the command arrived in).  RESET
undoes the connection state (``reset_connection_state``); subsystems that keep
per-client state elsewhere register ``server.extensions["client_reset"]`` callbacks.
"""

from __future__ import annotations

from typing import Any

from ..engine.client import Gate
from ..protocol.errors import CommandError, err
from ..protocol.encoder import encode2, encode3
from ..protocol.reply import OK, PONG, Raw, Simple
from .registry import command
from .spec import arg
from .util import parse_int


_PUBSUB = Gate.PUBSUB


@command("ping", arity=-1, flags="fast sentinel", acl="connection", group="connection",
         since="1.0.0", complexity="O(1)", summary="Returns the server's liveliness response.",
         tips=("request_policy:all_shards", "response_policy:all_succeeded"),
         args=(arg("message", "string", flags=("optional",)),))
def cmd_ping(c: Any, argv: list[bytes]) -> Any:
    if len(argv) > 2:
        raise CommandError(b"ERR wrong number of arguments for 'ping' command")
    if c.gate and c.gate & _PUBSUB and c.resp == 2:
        return [b"pong", argv[1] if len(argv) == 2 else b""]
    if len(argv) == 2:
        return argv[1]
    return PONG


@command("echo", arity=2, flags="loading stale fast", acl="connection", group="connection",
         since="1.0.0", complexity="O(1)", summary="Returns the given string.",
         args=(arg("message", "string"),))
def cmd_echo(c: Any, argv: list[bytes]) -> Any:
    return argv[1]


@command("quit", arity=-1, flags="allow_busy noscript loading stale fast no_auth", acl="connection",
         group="connection", since="1.0.0", complexity="O(1)", summary="Closes the connection.",
         doc_flags=("deprecated",), deprecated_since="7.2.0", replaced_by="just closing the connection")
def cmd_quit(c: Any, argv: list[bytes]) -> Any:
    c.close_after_reply = True
    return OK


@command("select", arity=2, flags="loading stale fast", acl="connection", group="connection",
         since="1.0.0", complexity="O(1)", summary="Changes the selected database.",
         args=(arg("index", "integer"),))
def cmd_select(c: Any, argv: list[bytes]) -> Any:
    index = parse_int(argv[1], lambda: err("value is not an integer or out of range"))
    if index != 0 and c.server.config.get("cluster-enabled"):
        raise err("SELECT is not allowed in cluster mode")
    if index < 0 or index >= len(c.server.dbs):
        raise err("DB index is out of range")
    c.select(index)
    return OK


def hello_reply(c: Any) -> dict:
    server = c.server
    return {
        b"server": b"redis",
        b"version": server.redis_version.encode(),
        b"proto": c.resp,
        b"id": c.id,
        b"mode": b"cluster" if server.config.get("cluster-enabled") else b"standalone",
        b"role": b"replica" if server.role == "slave" else b"master",
        b"modules": [],
    }


@command("hello", arity=-1, flags="noscript loading stale fast no_auth sentinel allow_busy",
         acl="connection", group="connection", since="6.0.0", complexity="O(1)",
         summary="Handshakes with the Redis server.",
         history=(("6.2.0", "`protover` made optional; when called without arguments the command reports the current connection's context."),),
         args=(
            arg("arguments", "block", flags=("optional",), arguments=(
                arg("protover", "integer"),
                arg("auth", "block", token="AUTH", flags=("optional",), arguments=(
                    arg("username", "string"),
                    arg("password", "string"),
                )),
                arg("clientname", "string", token="SETNAME", flags=("optional",)),
            )),
         ))
def cmd_hello(c: Any, argv: list[bytes]) -> Any:
    ver = c.resp
    i = 1
    if len(argv) >= 2:
        v = parse_int(argv[1], lambda: err("Protocol version is not an integer or out of range"))
        if v < 2 or v > 3:
            raise CommandError(b"NOPROTO unsupported protocol version")
        ver = v
        i = 2
    user = password = name = None
    while i < len(argv):
        opt = argv[i].lower()
        more = len(argv) - i - 1
        if opt == b"auth" and more >= 2:
            user, password = argv[i + 1], argv[i + 2]
            i += 3
        elif opt == b"setname" and more >= 1:
            name = argv[i + 1]
            i += 2
        else:
            raise CommandError(b"ERR Syntax error in HELLO option '%s'" % argv[i])
    if password is not None:
        authenticate(c, user or b"default", password, argv[0])
    if not c.authenticated:
        raise CommandError(b"NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time")
    if name is not None:
        from .client import validate_name

        validate_name(name)
        c.name = name
    c.resp = ver
    # Encoded here in the new protocol: dispatch would use the one the command came in.
    out: list[bytes] = []
    (encode3 if ver == 3 else encode2)(out, hello_reply(c))
    return Raw(b"".join(out))


def authenticate(c: Any, user: bytes, password: bytes, argv0: bytes = b"auth") -> None:
    """Check credentials (``requirepass`` for the default user until ACL arrives)."""
    server = c.server
    auth_hook = server.extensions.get("authenticate")
    if auth_hook is not None:
        auth_hook(c, user, password, argv0)  # argv0: the ACL log's object
        return
    required = server.config["requirepass"].encode()
    if user == b"default" and (not required or password == required):
        c.authenticated = True
        c.user = b"default"
        c.gate &= ~Gate.NOAUTH
        return
    server.stats.acl_access_denied_auth += 1
    raise CommandError(b"WRONGPASS invalid username-password pair or user is disabled.")


@command("auth", arity=-2, flags="noscript loading stale fast no_auth sentinel allow_busy",
         acl="connection", group="connection", since="1.0.0", complexity="O(N) where N is the number of passwords defined for the user",
         summary="Authenticates the connection.",
         history=(("6.0.0", "Added ACL style (username and password)."),),
         args=(
            arg("username", "string", since="6.0.0", flags=("optional",)),
            arg("password", "string"),
         ))
def cmd_auth(c: Any, argv: list[bytes]) -> Any:
    if len(argv) > 3:
        raise CommandError(b"ERR syntax error")
    if len(argv) == 2:
        nopass = c.server.extensions.get("default_user_nopass")  # security/acl/state.py
        if nopass() if nopass is not None else not c.server.config["requirepass"]:
            raise CommandError(b"ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?")
        authenticate(c, b"default", argv[1], argv[0])
    else:
        authenticate(c, argv[1], argv[2], argv[0])
    return OK


def reset_connection_state(c: Any) -> None:
    """Redis's clearClientConnectionState: what RESET undoes.

    MULTI/WATCH, subscriptions, tracking and MONITOR belong to other subsystems, which
    register a callback in ``server.extensions["client_reset"]`` (a list of ``fn(c)``);
    the client fields are cleared here in any case.
    """
    server = c.server
    for hook in server.extensions.get("client_reset", ()):
        hook(c)
    c.multi_queue = None
    c.multi_error = False
    c.watched = None
    c.subscriptions = set()
    c.psubscriptions = set()
    c.ssubscriptions = set()
    c.tracking = None
    c.select(0)
    c.resp = 2
    c.name = b""
    c.no_evict = False
    c.no_touch = False
    c.user = b"default"
    c.authenticated = not server.auth_required()
    c.gate &= Gate.BLOCKED  # MULTI, PUBSUB, REPLY_OFF/SKIP, MONITOR, DIRTY_CAS all cleared
    if not c.authenticated:
        c.gate |= Gate.NOAUTH
    for hook in server.extensions.get("client_user_changed", ()):
        hook(c)  # ACL: the default user may be restricted (security/acl/state.py)


@command("reset", arity=1, flags="noscript loading stale fast no_auth allow_busy", acl="connection",
         group="connection", since="6.2.0", complexity="O(1)", summary="Resets the connection.")
def cmd_reset(c: Any, argv: list[bytes]) -> Any:
    reset_connection_state(c)
    return RESET


RESET = Simple(b"RESET")
