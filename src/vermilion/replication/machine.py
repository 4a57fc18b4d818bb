"""The replica's handshake with its primary as a pure state machine (no sockets).

States are Redis's ``repl_state`` (replication.c): NONE (not a replica), CONNECT (must
connect), CONNECTING (TCP connect in flight), then the handshake proper::

    RECEIVE_PING_REPLY -> SEND_HANDSHAKE -> RECEIVE_AUTH_REPLY (only with masterauth)
    -> RECEIVE_PORT_REPLY -> RECEIVE_IP_REPLY (only with replica-announce-ip)
    -> RECEIVE_CAPA_REPLY -> SEND_PSYNC -> RECEIVE_PSYNC_REPLY

and TRANSFER (receiving the snapshot after +FULLRESYNC) or CONNECTED (after +CONTINUE,
or once the snapshot is loaded).

The driver (replica_link.py) calls ``connected()`` once the TCP connection is up and
sends what it returns, then calls ``reply(line)`` with each reply line it reads (without
the CRLF) while ``wants_line()``; each call returns the commands to send next.  The
outcome is in ``result``: ``"full"`` (``master_replid``/``master_offset`` from
+FULLRESYNC), ``"continue"`` (``master_replid`` possibly new), ``"retry"`` (the primary
is busy: -NOMASTERLINK/-LOADING) or ``"error"`` (``error`` holds the log message).
"""

from __future__ import annotations

import enum


class ReplState(enum.Enum):
    NONE = 0
    CONNECT = 1
    CONNECTING = 2
    RECEIVE_PING_REPLY = 3
    SEND_HANDSHAKE = 4
    RECEIVE_AUTH_REPLY = 5
    RECEIVE_PORT_REPLY = 6
    RECEIVE_IP_REPLY = 7
    RECEIVE_CAPA_REPLY = 8
    SEND_PSYNC = 9
    RECEIVE_PSYNC_REPLY = 10
    TRANSFER = 11
    CONNECTED = 12


S = ReplState

# ROLE's state names (Redis's roleCommand)
ROLE_STATE = {S.NONE: "none", S.CONNECT: "connect", S.CONNECTING: "connecting", S.TRANSFER: "sync",
              S.CONNECTED: "connected"}

_LINE_STATES = frozenset((S.RECEIVE_PING_REPLY, S.RECEIVE_AUTH_REPLY, S.RECEIVE_PORT_REPLY, S.RECEIVE_IP_REPLY,
                          S.RECEIVE_CAPA_REPLY, S.RECEIVE_PSYNC_REPLY))


def role_state(state: ReplState) -> str:
    return ROLE_STATE.get(state, "handshake")


def command(*args: bytes) -> bytes:
    return b"*%d\r\n%b" % (len(args), b"".join([b"$%d\r\n%b\r\n" % (len(a), a) for a in args]))


class Handshake:
    def __init__(self, listening_port: int, masterauth: bytes | None = None, masteruser: bytes | None = None,
                 announce_ip: bytes | None = None, cached: tuple[str, int] | None = None,
                 failover: bool = False) -> None:
        self.listening_port = listening_port
        self.masterauth = masterauth or None
        self.masteruser = masteruser or None
        self.announce_ip = announce_ip or None
        self.cached = cached  # (replid, offset) of the stream we hold, for PSYNC
        self.failover = failover  # PSYNC ... FAILOVER: ask the target to take over (FAILOVER)
        self.state = S.CONNECTING
        self.result = ""
        self.error = ""
        self.master_replid = ""
        self.master_offset = -1
        self.notes: list[str] = []  # non-critical log lines

    def wants_line(self) -> bool:
        return self.state in _LINE_STATES

    def connected(self) -> list[bytes]:
        self.state = S.RECEIVE_PING_REPLY
        return [command(b"PING")]

    def _fail(self, message: str) -> list[bytes]:
        self.result = "error"
        self.error = message
        self.state = S.CONNECT
        return []

    def reply(self, line: bytes) -> list[bytes]:
        state = self.state
        text = line.decode("latin-1")
        if state is S.RECEIVE_PING_REPLY:
            # -NOAUTH/-NOPERM/-ERR operation not permitted are fine: we will AUTH next.
            if line.startswith(b"-") and not (line.startswith(b"-NOAUTH") or line.startswith(b"-NOPERM")
                                              or line.startswith(b"-ERR operation not permitted")):
                return self._fail("Error reply to PING from master: '%s'" % text)
            return self._send_handshake()
        if state is S.RECEIVE_AUTH_REPLY:
            if line.startswith(b"-"):
                return self._fail("Unable to AUTH to MASTER: %s" % text)
            self.state = S.RECEIVE_PORT_REPLY
            return []
        if state is S.RECEIVE_PORT_REPLY:
            if line.startswith(b"-"):
                self.notes.append("(Non critical) Master does not understand REPLCONF listening-port: %s" % text)
            self.state = S.RECEIVE_IP_REPLY if self.announce_ip else S.RECEIVE_CAPA_REPLY
            return []
        if state is S.RECEIVE_IP_REPLY:
            if line.startswith(b"-"):
                self.notes.append("(Non critical) Master does not understand REPLCONF ip-address: %s" % text)
            self.state = S.RECEIVE_CAPA_REPLY
            return []
        if state is S.RECEIVE_CAPA_REPLY:
            if line.startswith(b"-"):
                self.notes.append("(Non critical) Master does not understand REPLCONF capa: %s" % text)
            return self._send_psync()
        if state is S.RECEIVE_PSYNC_REPLY:
            return self._psync_reply(line, text)
        raise ValueError("no reply expected in state %s" % state.name)

    def _send_handshake(self) -> list[bytes]:
        out = []
        if self.masterauth:
            if self.masteruser:
                out.append(command(b"AUTH", self.masteruser, self.masterauth))
            else:
                out.append(command(b"AUTH", self.masterauth))
        out.append(command(b"REPLCONF", b"listening-port", b"%d" % self.listening_port))
        if self.announce_ip:
            out.append(command(b"REPLCONF", b"ip-address", self.announce_ip))
        out.append(command(b"REPLCONF", b"capa", b"eof", b"capa", b"psync2"))
        self.state = S.RECEIVE_AUTH_REPLY if self.masterauth else S.RECEIVE_PORT_REPLY
        return out

    def _send_psync(self) -> list[bytes]:
        self.state = S.RECEIVE_PSYNC_REPLY
        if self.cached is not None:
            replid, offset = self.cached
            args = [b"PSYNC", replid.encode(), b"%d" % (offset + 1)]
        else:
            args = [b"PSYNC", b"?", b"-1"]
        if self.failover:
            args.append(b"FAILOVER")
        return [command(*args)]

    def _psync_reply(self, line: bytes, text: str) -> list[bytes]:
        if not line:
            return []  # a newline the primary sends to keep the link alive
        if line.startswith(b"+FULLRESYNC"):
            parts = text.split()
            if len(parts) < 3 or len(parts[1]) != 40 or not parts[2].lstrip("-").isdigit():
                return self._fail("Master replied with wrong +FULLRESYNC syntax.")
            self.master_replid = parts[1]
            self.master_offset = int(parts[2])
            self.result = "full"
            self.state = S.TRANSFER
            return []
        if line.startswith(b"+CONTINUE"):
            parts = text.split()
            self.master_replid = parts[1] if len(parts) > 1 and len(parts[1]) == 40 else (
                self.cached[0] if self.cached else "")
            self.result = "continue"
            self.state = S.CONNECTED
            return []
        if line.startswith(b"-NOMASTERLINK") or line.startswith(b"-LOADING"):
            self.result = "retry"
            self.error = "Master is currently unable to PSYNC but should be in the future: %s" % text
            self.state = S.CONNECT
            return []
        return self._fail("Unexpected reply to PSYNC from master: %s" % text)
