"""MONITOR (Redis's replicationFeedMonitors): every executed command, as one status line.

The line is ``+<sec>.<usec> [<db> <addr>] "arg" "arg" ...``: the time the command was
fed, the client's database after the command ran (so ``SELECT 2`` reads ``[2 ...]``),
``lua`` as the address for commands run by scripts and ``unix:<path>`` for unix-socket
clients, and each argument quoted by ``repr_arg`` (Redis's sdscatrepr).

What is fed, as in Redis 7: commands that ran (successfully or with an error from the
command itself), but not those refused before running (unknown command, arity, ACL,
...), and never commands flagged ``admin`` or ``skip_monitor`` (CONFIG, DEBUG,
SLOWLOG, EVAL's own line is fed but not EXEC's queue...).  Sensitive arguments are
replaced by ``(redacted)`` (``redacted_argv``): AUTH's, HELLO's AUTH pair, MIGRATE's
AUTH/AUTH2 credentials, CONFIG SET of sensitive directives.

Dispatch calls ``feed`` only while ``server.monitors`` is non-empty.
"""

from __future__ import annotations

import re
import time
from typing import Any

from ..commands.spec import CmdFlag
from ..engine.client import Gate

SKIP = (CmdFlag.SKIP_MONITOR | CmdFlag.ADMIN).value
REDACTED = b"(redacted)"
_MONITOR = Gate.MONITOR

# Bytes sdscatrepr writes as themselves: printable ASCII except '"' and '\'.
_PLAIN = re.compile(rb'[^\x20\x21\x23-\x5b\x5d-\x7e]')
_ESCAPES = {ord("\\"): b"\\\\", ord('"'): b'\\"', ord("\n"): b"\\n", ord("\r"): b"\\r",
            ord("\t"): b"\\t", 7: b"\\a", 8: b"\\b"}
_TABLE = [_ESCAPES.get(i) or (bytes([i]) if 0x20 <= i <= 0x7e else b"\\x%02x" % i) for i in range(256)]


def repr_arg(a: bytes) -> bytes:
    """Redis's sdscatrepr: the argument in double quotes, escaped."""
    if _PLAIN.search(a) is None:
        return b'"' + a + b'"'
    table = _TABLE
    return b'"' + b"".join([table[b] for b in a]) + b'"'


def redacted_argv(server: Any, spec: Any, argv: list[bytes]) -> list[bytes]:
    """``argv`` with credentials replaced as Redis's redactClientCommandArgument does."""
    name = spec.fullname
    if name == b"auth":
        return [argv[0]] + [REDACTED] * (len(argv) - 1)
    if name == b"hello":
        out = list(argv)
        i = 2
        while i < len(out):
            opt = out[i].lower()
            if opt == b"auth" and i + 2 < len(out):
                out[i + 1] = out[i + 2] = REDACTED
                i += 3
            elif opt == b"setname":
                i += 2
            else:
                i += 1
        return out
    if name == b"migrate":
        out = list(argv)
        for i in range(6, len(out)):
            opt = out[i].lower()
            if opt == b"auth" and i + 1 < len(out):
                out[i + 1] = REDACTED
            elif opt == b"auth2" and i + 2 < len(out):
                out[i + 1] = out[i + 2] = REDACTED
        return out
    if name == b"config|set":
        from ..config.schema import DIRECTIVES  # noqa: PLC0415

        out = list(argv)
        for i in range(2, len(out) - 1, 2):
            d = DIRECTIVES.get(out[i].lower().decode("latin-1"))
            if d is not None and d.sensitive:
                out[i + 1] = REDACTED
        return out
    return argv


def feed(c: Any, spec: Any, argv: list[bytes], *, lua: bool = False) -> None:
    """Send one executed command to every monitor (dispatch calls it only when some
    client monitors)."""
    if spec.flag_bits & SKIP:
        return
    try:
        _send(c, redacted_argv(c.server, spec, argv), lua)
    except Exception as e:  # noqa: BLE001  (after the command ran: never escape dispatch)
        c.server.log_exception(e, argv)


def feed_script(c: Any, argv: list[bytes]) -> None:
    """EVAL/EVALSHA/FCALL (flagged skip_monitor): shown as the script starts, so the
    line comes before those of the commands the script runs, as in Redis."""
    _send(c, argv, False)


def _send(c: Any, args: list[bytes], lua: bool) -> None:
    server = c.server
    now = time.time()
    sec = int(now)
    if lua:
        who = b"lua"
    elif c.unixsocket:
        who = b"unix:" + server.config["unixsocket"].encode()
    else:
        who = c.addr.encode()
    data = b"+%d.%06d [%d %b] %b\r\n" % (sec, int((now - sec) * 1_000_000), c.db.index, who,
                                         b" ".join([repr_arg(a) for a in args]))
    stale = False
    for m in server.monitors:
        if m.gate & _MONITOR:
            m.write(data)
        else:  # RESET ended its monitoring
            stale = True
    if stale:
        server.monitors[:] = [m for m in server.monitors if m.gate & _MONITOR]


def start(c: Any) -> None:
    """MONITOR: make ``c`` a monitor (a second MONITOR is ignored, without a reply)."""
    server = c.server
    if c.gate & _MONITOR:
        return
    server.monitors.append(c)
    c.gate |= Gate.MONITOR


def stop(c: Any) -> None:
    """A client went away (or RESET): it no longer monitors."""
    if c.gate & Gate.MONITOR:
        c.gate &= ~Gate.MONITOR
    monitors = c.server.monitors
    if c in monitors:
        monitors.remove(c)
