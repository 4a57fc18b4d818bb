"""CLIENT and its subcommands: identity (ID, SETNAME, GETNAME, SETINFO, INFO, LIST),
control of other connections (KILL, PAUSE, UNPAUSE, UNBLOCK) and of this one (REPLY,
NO-EVICT, NO-TOUCH), and client-side caching (TRACKING, CACHING, GETREDIR,
TRACKINGINFO), whose machinery is engine/tracking.py.

CLIENT LIST/INFO lines carry every field Redis 7.2 prints, in its order
(``catClientInfoString``): true values for identity, age, idle, db, subscriptions,
MULTI, flags, last command and protocol; the buffer fields estimate what a Python
server can know (we keep no per-client query/reply buffers to measure).
"""

from __future__ import annotations

import time
from typing import Any

from ..engine.client import Client, Gate
from ..engine.gates import pause_clients, unpause_clients
from ..engine.tracking import get_tracking
from ..protocol.errors import CommandError, SyntaxErr, err
from ..protocol.reply import NO_REPLY, OK, SetReply, Simple, Verbatim
from .registry import command, container
from .spec import arg
from .util import parse_int

container("client", arity=-2, group="connection", since="2.4.0",
          summary="A container for client connection commands.", complexity="Depends on subcommand.")

CLIENT_TYPES = {b"normal": "normal", b"slave": "replica", b"replica": "replica", b"pubsub": "pubsub",
                b"master": "master"}


def validate_name(name: bytes, what: bytes = b"Client names") -> None:
    """Names and SETINFO values: printable ASCII without spaces (``!`` .. ``~``)."""
    for ch in name:
        if ch < 33 or ch > 126:
            raise CommandError(b"ERR %s cannot contain spaces, newlines or special characters." % what)


def _client_type(name: bytes) -> str:
    t = CLIENT_TYPES.get(name.lower())
    if t is None:
        raise CommandError(b"ERR Unknown client type '%s'" % name)
    return t


# ---- CLIENT LIST / INFO lines ------------------------------------------------------


def _flags(c: Any) -> str:
    """Redis's flag letters, in ``catClientInfoString`` order; ``N`` for none."""
    gate = c.gate
    f = ""
    if c.kind == "replica":
        f += "O" if gate & Gate.MONITOR else "S"
    elif gate & Gate.MONITOR:
        f += "O"
    if c.kind == "master":
        f += "M"
    if c.subscriptions or c.psubscriptions or c.ssubscriptions:
        f += "P"
    if c.multi_queue is not None:
        f += "x"
    if c.blocked is not None:
        f += "b"
    t = c.tracking
    if t is not None:
        f += "t"
        if t.broken_redirect:
            f += "R"
        if t.bcast:
            f += "B"
    if gate & Gate.DIRTY_CAS:
        f += "d"
    if c.close_after_reply:
        f += "c"
    if c.unixsocket:
        f += "U"
    if c.no_evict:
        f += "e"
    if c.no_touch:
        f += "T"
    return f or "N"


def _argv_mem(c: Any, me: Any, argv: list[bytes] | None) -> int:
    if c is me and argv is not None:
        return sum(len(a) for a in argv)
    return 0


def client_info_line(c: Any, now_ms: int, me: Any = None, argv: list[bytes] | None = None) -> bytes:
    """One CLIENT LIST line (without the newline)."""
    last = c.last_cmd
    cmd = last.fullname.decode() if last is not None else "NULL"
    multi = -1 if c.multi_queue is None else len(c.multi_queue)
    argv_mem = _argv_mem(c, me, argv)
    qbuf = argv_mem + 16 * len(argv) if (c is me and argv) else 0
    qbuf_free = 20474 - qbuf if qbuf else 0
    omem = pending_output(c)
    tot_mem = 1024 + 16384 + qbuf + qbuf_free + argv_mem + omem
    return (
        "id=%d addr=%s laddr=%s fd=%d name=%s age=%d idle=%d flags=%s db=%d sub=%d psub=%d ssub=%d "
        "multi=%d qbuf=%d qbuf-free=%d argv-mem=%d multi-mem=0 rbs=16384 rbp=16384 obl=0 oll=%d "
        "omem=%d tot-mem=%d events=%s cmd=%s user=%s redir=%d resp=%d"
        % (
            c.id, c.addr, c.laddr, c.fd, c.name.decode("latin-1"),
            (now_ms - c.created_ms) // 1000, (now_ms - c.last_interaction_ms) // 1000, _flags(c),
            c.db.index, len(c.subscriptions), len(c.psubscriptions), len(c.ssubscriptions), multi,
            qbuf, qbuf_free, argv_mem, 1 if omem else 0, omem, tot_mem, "rw" if omem else "r", cmd,
            c.user.decode("latin-1"), _redirect(c), c.resp,
        )
    ).encode() + b" lib-name=" + c.lib_name + b" lib-ver=" + c.lib_ver


def pending_output(c: Any) -> int:
    """Reply bytes not yet taken by the socket (the transport's write buffer)."""
    transport = c.transport
    if transport is None:
        return c.out_pending
    try:
        return transport.get_write_buffer_size()
    except (AttributeError, RuntimeError):
        return c.out_pending


def _redirect(c: Any) -> int:
    t = c.tracking
    return getattr(t, "redirect", -1) if t else -1


@command("client|list", arity=-2, flags="admin noscript loading stale", acl="connection",
         since="2.4.0", summary="Lists open connections.",
         complexity="O(N) where N is the number of client connections",
         tips=("nondeterministic_output",),
         history=(("2.8.12", "Added unique client `id` field."),
                  ("5.0.0", "Added optional `TYPE` filter."),
                  ("6.0.0", "Added `user` field."),
                  ("6.2.0", "Added `argv-mem`, `tot-mem`, `laddr` and `redir` fields and the optional `ID` filter."),
                  ("7.0.0", "Added `resp`, `multi-mem`, `rbs` and `rbp` fields."),
                  ("7.0.3", "Added `ssub` field."),
                  ("7.2.0", "Added `lib-name` and `lib-ver` fields.")),
         args=(
            arg("client-type", "oneof", token="TYPE", since="5.0.0", flags=("optional",), arguments=(
                arg("normal", "pure-token", token="NORMAL"),
                arg("master", "pure-token", token="MASTER"),
                arg("replica", "pure-token", token="REPLICA"),
                arg("pubsub", "pure-token", token="PUBSUB"),
            )),
            arg("client-id", "integer", token="ID", since="6.2.0", flags=("optional", "multiple")),
         ))
def cmd_client_list(c: Any, argv: list[bytes]) -> Any:
    server = c.server
    if len(argv) == 4 and argv[2].lower() == b"type":
        kind = _client_type(argv[3])
        chosen = [x for x in server.clients.values() if x.client_type() == kind]
    elif len(argv) > 3 and argv[2].lower() == b"id":
        ids = [parse_int(a, lambda: err("Invalid client ID")) for a in argv[3:]]
        clients = server.clients
        chosen = [clients[i] for i in ids if i in clients]
    elif len(argv) != 2:
        raise SyntaxErr()
    else:
        chosen = list(server.clients.values())
    now_ms = int(time.time() * 1000)
    return Verbatim(b"".join(client_info_line(x, now_ms, c, argv) + b"\n" for x in chosen))


@command("client|info", arity=2, flags="noscript loading stale", acl="connection", since="6.2.0",
         summary="Returns information about the connection.", complexity="O(1)",
         tips=("nondeterministic_output",))
def cmd_client_info(c: Any, argv: list[bytes]) -> Any:
    return Verbatim(client_info_line(c, int(time.time() * 1000), c, argv) + b"\n")


# ---- identity ----------------------------------------------------------------------


@command("client|id", arity=2, flags="noscript loading stale", acl="connection", since="5.0.0",
         summary="Returns the unique client ID of the connection.", complexity="O(1)")
def cmd_client_id(c: Any, argv: list[bytes]) -> Any:
    return c.id


@command("client|setname", arity=3, flags="noscript loading stale", acl="connection", since="2.6.9",
         summary="Sets the connection name.", complexity="O(1)",
         args=(arg("connection-name", "string"),))
def cmd_client_setname(c: Any, argv: list[bytes]) -> Any:
    validate_name(argv[2])
    c.name = argv[2]
    return OK


@command("client|getname", arity=2, flags="noscript loading stale", acl="connection", since="2.6.9",
         summary="Returns the name of the connection.", complexity="O(1)")
def cmd_client_getname(c: Any, argv: list[bytes]) -> Any:
    return c.name or None


@command("client|setinfo", arity=4, flags="noscript loading stale", acl="connection", since="7.2.0",
         summary="Sets information specific to the client or connection.", complexity="O(1)",
         args=(
            arg("attr", "oneof", arguments=(
                arg("libname", "string", token="LIB-NAME"),
                arg("libver", "string", token="LIB-VER"),
            )),
         ))
def cmd_client_setinfo(c: Any, argv: list[bytes]) -> Any:
    attr = argv[2].lower()
    if attr not in (b"lib-name", b"lib-ver"):
        raise CommandError(b"ERR Unrecognized option '%s'" % argv[2])
    validate_name(argv[3], argv[2])
    if attr == b"lib-name":
        c.lib_name = argv[3]
    else:
        c.lib_ver = argv[3]
    return OK


# ---- this connection's modes -------------------------------------------------------


def _on_off(raw: bytes) -> bool:
    low = raw.lower()
    if low == b"on":
        return True
    if low == b"off":
        return False
    raise SyntaxErr()


@command("client|reply", arity=3, flags="noscript loading stale", acl="connection", since="3.2.0",
         summary="Instructs the server whether to reply to commands.", complexity="O(1)",
         args=(
            arg("action", "oneof", arguments=(
                arg("on", "pure-token", token="ON"),
                arg("off", "pure-token", token="OFF"),
                arg("skip", "pure-token", token="SKIP"),
            )),
         ))
def cmd_client_reply(c: Any, argv: list[bytes]) -> Any:
    mode = argv[2].lower()
    if mode == b"on":
        c.gate &= ~(Gate.REPLY_OFF | Gate.REPLY_SKIP)
        return OK
    if mode == b"off":
        c.gate |= Gate.REPLY_OFF
        return NO_REPLY
    if mode == b"skip":
        if not c.gate & Gate.REPLY_OFF:
            c.gate |= Gate.REPLY_SKIP  # the gate sees it from the next command on
        return NO_REPLY
    raise SyntaxErr()


@command("client|no-evict", arity=3, flags="admin noscript loading stale", acl="connection",
         since="7.0.0", summary="Sets the client eviction mode of the connection.", complexity="O(1)",
         args=(
            arg("enabled", "oneof", arguments=(
                arg("on", "pure-token", token="ON"),
                arg("off", "pure-token", token="OFF"),
            )),
         ))
def cmd_client_no_evict(c: Any, argv: list[bytes]) -> Any:
    c.no_evict = _on_off(argv[2])
    return OK


@command("client|no-touch", arity=3, flags="noscript loading stale", acl="connection", since="7.2.0",
         summary="Controls whether commands sent by the client affect the LRU/LFU of accessed keys.",
         complexity="O(1)",
         args=(
            arg("enabled", "oneof", arguments=(
                arg("on", "pure-token", token="ON"),
                arg("off", "pure-token", token="OFF"),
            )),
         ))
def cmd_client_no_touch(c: Any, argv: list[bytes]) -> Any:
    c.no_touch = _on_off(argv[2])
    return OK


# ---- other connections -------------------------------------------------------------


def _user_exists(server: Any, name: bytes) -> bool:
    hook = server.extensions.get("acl_user_exists")
    return hook(name) if hook is not None else name == b"default"


@command("client|kill", arity=-3, flags="admin noscript loading stale", acl="connection", since="2.4.0",
         summary="Terminates open connections.",
         complexity="O(N) where N is the number of client connections",
         history=(("2.8.12", "Added new filter format."),
                  ("2.8.12", "`ID` option."),
                  ("3.2.0", "Added `master` type in for `TYPE` option."),
                  ("5.0.0", "Replaced `slave` `TYPE` with `replica`. `slave` still supported for backward compatibility."),
                  ("6.2.0", "`LADDR` option.")),
         args=(
            arg("filter", "oneof", arguments=(
                arg("old-format", "string", display_text="ip:port", deprecated_since="2.8.12"),
                arg("new-format", "oneof", flags=("multiple",), arguments=(
                    arg("client-id", "integer", token="ID", since="2.8.12", flags=("optional",)),
                    arg("client-type", "oneof", token="TYPE", since="2.8.12", flags=("optional",), arguments=(
                        arg("normal", "pure-token", token="NORMAL"),
                        arg("master", "pure-token", token="MASTER", since="3.2.0"),
                        arg("slave", "pure-token", token="SLAVE"),
                        arg("replica", "pure-token", token="REPLICA", since="5.0.0"),
                        arg("pubsub", "pure-token", token="PUBSUB"),
                    )),
                    arg("username", "string", token="USER", flags=("optional",)),
                    arg("addr", "string", token="ADDR", display_text="ip:port", flags=("optional",)),
                    arg("laddr", "string", token="LADDR", display_text="ip:port", since="6.2.0", flags=("optional",)),
                    arg("skipme", "oneof", token="SKIPME", flags=("optional",), arguments=(
                        arg("yes", "pure-token", token="YES"),
                        arg("no", "pure-token", token="NO"),
                    )),
                )),
            )),
         ))
def cmd_client_kill(c: Any, argv: list[bytes]) -> Any:
    server = c.server
    addr = laddr = user = kind = None
    cid = 0
    max_age_s = 0
    skipme = True
    if len(argv) == 3:
        addr = argv[2]
        skipme = False  # the old form may kill the caller itself
    else:
        i = 2
        while i < len(argv):
            opt = argv[i].lower()
            if i + 1 >= len(argv):
                raise SyntaxErr()
            val = argv[i + 1]
            if opt == b"id":
                cid = parse_int(val, lambda: err("client-id should be greater than 0"))
                if cid < 1:
                    raise err("client-id should be greater than 0")
            elif opt == b"type":
                kind = _client_type(val)
            elif opt == b"addr":
                addr = val
            elif opt == b"laddr":
                laddr = val
            elif opt == b"user":
                if not _user_exists(server, val):
                    raise CommandError(b"ERR No such user '%s'" % val)
                user = val
            elif opt == b"skipme":
                low = val.lower()
                if low not in (b"yes", b"no"):
                    raise SyntaxErr()
                skipme = low == b"yes"
            elif opt == b"maxage":  # Redis 7.4's filter, accepted as an extension
                max_age_s = parse_int(val, lambda: err("maxage is not an integer or out of range"))
            else:
                raise SyntaxErr()
            i += 2
    now_s = int(time.time())
    victims = []
    for other in server.clients.values():
        if addr is not None and other.addr.encode() != addr:
            continue
        if laddr is not None and other.laddr.encode() != laddr:
            continue
        if kind is not None and other.client_type() != kind:
            continue
        if cid and other.id != cid:
            continue
        if user is not None and other.user != user:
            continue
        if max_age_s and now_s - other.created_ms // 1000 <= max_age_s:
            continue
        if other is c and skipme:
            continue
        victims.append(other)
    for other in victims:
        if other is c:
            c.close_after_reply = True
        else:
            kill_client(other)
    if len(argv) == 3:
        if not victims:
            raise err("No such client")
        return OK
    return len(victims)


def kill_client(c: Any) -> None:
    """Drop a connection now (Redis's freeClient): it leaves the client table at once."""
    c.server.clients.pop(c.id, None)
    c.close()


@command("client|pause", arity=-3, flags="admin noscript loading stale", acl="connection",
         since="2.9.50", summary="Suspends commands processing.", complexity="O(1)",
         history=(("6.2.0", "`CLIENT PAUSE WRITE` mode added along with the `mode` option."),),
         args=(
            arg("timeout", "integer"),
            arg("mode", "oneof", since="6.2.0", flags=("optional",), arguments=(
                arg("write", "pure-token", token="WRITE"),
                arg("all", "pure-token", token="ALL"),
            )),
         ))
def cmd_client_pause(c: Any, argv: list[bytes]) -> Any:
    if len(argv) > 4:
        raise CommandError(b"ERR unknown subcommand or wrong number of arguments for '%s'. Try CLIENT HELP."
                           % argv[1])
    write_only = False
    if len(argv) == 4:
        mode = argv[3].lower()
        if mode == b"write":
            write_only = True
        elif mode != b"all":
            raise err("CLIENT PAUSE mode must be WRITE or ALL")
    timeout_ms = parse_int(argv[2], lambda: err("timeout is not an integer or out of range"))
    if timeout_ms < 0:
        raise err("timeout is negative")
    now_ms = int(time.time() * 1000)
    if timeout_ms > (1 << 63) - 1 - now_ms:
        raise err("timeout is out of range")  # Redis 7.2: 'timeout + now' would overflow
    pause_clients(c.server, now_ms + timeout_ms, write_only)
    return OK


@command("client|unpause", arity=2, flags="admin noscript loading stale", acl="connection",
         since="6.2.0", summary="Resumes processing commands from paused clients.",
         complexity="O(N) Where N is the number of paused clients")
def cmd_client_unpause(c: Any, argv: list[bytes]) -> Any:
    unpause_clients(c.server)
    return OK


@command("client|unblock", arity=-3, flags="admin noscript loading stale", acl="connection",
         since="5.0.0",
         summary="Unblocks a client blocked by a blocking command from a different connection.",
         complexity="O(log N) where N is the number of client connections",
         args=(
            arg("client-id", "integer"),
            arg("unblock-type", "oneof", flags=("optional",), arguments=(
                arg("timeout", "pure-token", token="TIMEOUT"),
                arg("error", "pure-token", token="ERROR"),
            )),
         ))
def cmd_client_unblock(c: Any, argv: list[bytes]) -> Any:
    if len(argv) > 4:
        raise CommandError(b"ERR unknown subcommand or wrong number of arguments for '%s'. Try CLIENT HELP."
                           % argv[1])
    error = False
    if len(argv) == 4:
        how = argv[3].lower()
        if how == b"error":
            error = True
        elif how != b"timeout":
            raise err("CLIENT UNBLOCK reason should be TIMEOUT or ERROR")
    target = c.server.clients.get(parse_int(argv[2]))
    if target is None or target.blocked is None or target.blocked is Client.PAUSED:
        return 0
    try:
        from ..engine.blocking import unblock_client  # noqa: PLC0415  (written by the blocking issue)
    except ImportError:
        return 0
    return 1 if unblock_client(target, error) else 0


# ---- client-side caching (the machinery is in engine/tracking.py) ---------------------


@command("client|tracking", arity=-3, flags="noscript loading stale", acl="connection",
         since="6.0.0", summary="Controls server-assisted client-side caching for the connection.",
         complexity="O(1). Some options may introduce additional complexity.",
         args=(
            arg("status", "oneof", arguments=(
                arg("on", "pure-token", token="ON"),
                arg("off", "pure-token", token="OFF"),
            )),
            arg("client-id", "integer", token="REDIRECT", flags=("optional",)),
            arg("prefix", "string", token="PREFIX", flags=("optional", "multiple", "multiple_token")),
            arg("bcast", "pure-token", token="BCAST", flags=("optional",)),
            arg("optin", "pure-token", token="OPTIN", flags=("optional",)),
            arg("optout", "pure-token", token="OPTOUT", flags=("optional",)),
            arg("noloop", "pure-token", token="NOLOOP", flags=("optional",)),
         ))
def cmd_client_tracking(c: Any, argv: list[bytes]) -> Any:
    """Options are parsed first (syntax, REDIRECT), then ON/OFF, then the mode checks,
    in the order of Redis's clientCommand."""
    server = c.server
    redirect = 0
    bcast = optin = optout = noloop = False
    prefixes: list[bytes] = []
    i = 3
    n = len(argv)
    while i < n:
        opt = argv[i].lower()
        more = i + 1 < n
        if opt == b"redirect" and more:
            i += 1
            if redirect:
                raise err("A client can only redirect to a single other client")
            redirect = parse_int(argv[i])
            if redirect not in server.clients:
                raise err("The client ID you want redirect to does not exist")
        elif opt == b"bcast":
            bcast = True
        elif opt == b"optin":
            optin = True
        elif opt == b"optout":
            optout = True
        elif opt == b"noloop":
            noloop = True
        elif opt == b"prefix" and more:
            i += 1
            prefixes.append(argv[i])
        else:
            raise SyntaxErr()
        i += 1
    mode = argv[2].lower()
    if mode == b"off":
        if c.tracking is not None:
            get_tracking(server).disable(c)
        return OK
    if mode != b"on":
        raise SyntaxErr()
    t = c.tracking
    if prefixes and not bcast:
        raise err("PREFIX option requires BCAST mode to be enabled")
    if t is not None and t.bcast != bcast:
        raise err("You can't switch BCAST mode on/off before disabling tracking for this client, "
                  "and then re-enabling it with a different mode.")
    if bcast and (optin or optout):
        raise err("OPTIN and OPTOUT are not compatible with BCAST")
    if optin and optout:
        raise err("You can't specify both OPTIN mode and OPTOUT mode")
    if t is not None and ((optin and t.optout) or (optout and t.optin)):
        raise err("You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, "
                  "and then re-enabling it with a different mode.")
    tr = get_tracking(server)
    if bcast:
        problem = tr.check_prefixes(c, prefixes)
        if problem is not None:
            raise CommandError(problem)
    tr.enable(c, redirect, bcast, optin, optout, noloop, prefixes)
    return OK


@command("client|caching", arity=3, flags="noscript loading stale", acl="connection",
         since="6.0.0", summary="Instructs the server whether to track the keys in the next request.",
         complexity="O(1)",
         args=(
            arg("mode", "oneof", arguments=(
                arg("yes", "pure-token", token="YES"),
                arg("no", "pure-token", token="NO"),
            )),
         ))
def cmd_client_caching(c: Any, argv: list[bytes]) -> Any:
    t = c.tracking
    if t is None:
        raise err("CLIENT CACHING can be called only when the client is in tracking mode with OPTIN "
                  "or OPTOUT mode enabled")
    opt = argv[2].lower()
    if opt == b"yes":
        if not t.optin:
            raise err("CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.")
    elif opt == b"no":
        if not t.optout:
            raise err("CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.")
    else:
        raise SyntaxErr()
    t.caching = True  # for the next command (engine/tracking.py)
    return OK


@command("client|getredir", arity=2, flags="noscript loading stale", acl="connection",
         since="6.0.0",
         summary="Returns the client ID to which the connection's tracking notifications are redirected.",
         complexity="O(1)")
def cmd_client_getredir(c: Any, argv: list[bytes]) -> Any:
    return _redirect(c)


@command("client|trackinginfo", arity=2, flags="noscript loading stale", acl="connection",
         since="6.2.0",
         summary="Returns information about server-assisted client-side caching for the connection.",
         complexity="O(1)")
def cmd_client_trackinginfo(c: Any, argv: list[bytes]) -> Any:
    t = c.tracking
    if t is None:
        return {b"flags": SetReply([b"off"]), b"redirect": -1, b"prefixes": []}
    return {b"flags": SetReply(t.flags()), b"redirect": t.redirect, b"prefixes": sorted(t.prefixes)}


CLIENT_HELP = (
    "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CACHING (YES|NO)",
    "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
    "GETREDIR",
    "    Return the client ID we are redirecting to when tracking is enabled.",
    "GETNAME",
    "    Return the name of the current connection.",
    "ID",
    "    Return the ID of the current connection.",
    "INFO",
    "    Return information about the current client connection.",
    "KILL <ip:port>",
    "    Kill connection made from <ip:port>.",
    "KILL <option> <value> [<option> <value> [...]]",
    "    Kill connections. Options are:",
    "    * ADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made from the specified address",
    "    * LADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made to specified local address",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Kill connections by type.",
    "    * USER <username>",
    "      Kill connections authenticated by <username>.",
    "    * SKIPME (YES|NO)",
    "      Skip killing current connection (default: yes).",
    "LIST [options ...]",
    "    Return information about client connections. Options:",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Return clients of specified type.",
    "UNPAUSE",
    "    Stop the current client pause, resuming traffic.",
    "PAUSE <timeout> [WRITE|ALL]",
    "    Suspend all, or just write, clients for <timeout> milliseconds.",
    "REPLY (ON|OFF|SKIP)",
    "    Control the replies sent to the current connection.",
    "SETNAME <name>",
    "    Assign the name <name> to the current connection.",
    "SETINFO <option> <value>",
    "    Set client meta attr. Options are:",
    "    * LIB-NAME: the client lib name.",
    "    * LIB-VER: the client lib version.",
    "UNBLOCK <clientid> [TIMEOUT|ERROR]",
    "    Unblock the specified blocked client.",
    "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
    "         [OPTIN] [OPTOUT] [NOLOOP]",
    "    Control server assisted client side caching.",
    "TRACKINGINFO",
    "    Report tracking status for the current connection.",
    "NO-EVICT (ON|OFF)",
    "    Protect current client connection from eviction.",
    "NO-TOUCH (ON|OFF)",
    "    Will not touch LRU/LFU stats when this mode is on.",
    "HELP",
    "    Prints this help.",
)


def help_reply(lines: tuple[str, ...]) -> list:
    return [Simple(line.encode()) for line in lines]


@command("client|help", arity=2, flags="loading stale", acl="connection", since="5.0.0",
         summary="Returns helpful text about the different subcommands.", complexity="O(1)")
def cmd_client_help(c: Any, argv: list[bytes]) -> Any:
    return help_reply(CLIENT_HELP)
