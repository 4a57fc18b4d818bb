"""Errors a command raises; each carries Redis's exact error line.

Handlers raise these and never write error bytes themselves.  ``msg`` is the error
line without the leading ``-`` and the trailing CRLF, e.g. ``b"ERR syntax error"``.
The first word (``ERR``, ``WRONGTYPE``, ...) is the error code counted in INFO errorstats.
"""

from __future__ import annotations


class CommandError(Exception):
    """A command failed; ``msg`` is the reply line (``-`` and CRLF are added by the encoder)."""

    __slots__ = ("msg",)

    def __init__(self, msg: bytes | str) -> None:
        if isinstance(msg, str):
            msg = msg.encode()
        # Redis never lets a newline into an error line (it would break the protocol).
        if b"\r" in msg or b"\n" in msg:
            msg = msg.replace(b"\r", b" ").replace(b"\n", b" ")
        self.msg = msg
        super().__init__(msg)

    @property
    def code(self) -> bytes:
        return self.msg.split(b" ", 1)[0]


def err(text: str) -> CommandError:
    """``ERR <text>``: the common case."""
    return CommandError(b"ERR " + text.encode())


class WrongType(CommandError):
    def __init__(self) -> None:
        super().__init__(b"WRONGTYPE Operation against a key holding the wrong kind of value")


class SyntaxErr(CommandError):
    def __init__(self) -> None:
        super().__init__(b"ERR syntax error")


class NotInteger(CommandError):
    def __init__(self) -> None:
        super().__init__(b"ERR value is not an integer or out of range")


class NotFloat(CommandError):
    def __init__(self) -> None:
        super().__init__(b"ERR value is not a valid float")


class ProtocolError(Exception):
    """The request stream is malformed: reply ``-ERR Protocol error: ...`` and close."""

    def __init__(self, reason: bytes) -> None:
        self.reason = reason
        super().__init__(reason)

    @property
    def reply(self) -> bytes:
        return b"-ERR Protocol error: " + self.reason + b"\r\n"


class QueryBufferOverflow(Exception):
    """The client's query buffer passed ``client-query-buffer-limit``: close without reply."""


def wrong_arity(fullname: bytes) -> CommandError:
    return CommandError(b"ERR wrong number of arguments for '%s' command" % fullname)
