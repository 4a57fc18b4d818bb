"""Reply values that handlers return; ``encoder.py`` alone turns them into RESP2 or RESP3.

Plain Python values cover most replies:

=====================  ==========================  ==============================
value                  RESP3                       RESP2
=====================  ==========================  ==============================
``bytes``              bulk string ``$``           bulk string
``int``                integer ``:``               integer
``None``               null ``_``                  null bulk ``$-1``
``list`` / ``tuple``   array ``*``                 array
``dict``               map ``%``                   flat array of key, value, ...
``Simple``             simple string ``+``         simple string
``Raw``                pre-encoded, sent as is     sent as is
``ErrorReply``         error ``-`` (inside arrays)  error
``Double``             double ``,``                bulk string (Redis's %.17g form)
``SetReply``           set ``~``                   array
``NullArray``          null ``_``                  null array ``*-1``
``Push``               push ``>``                  array
``Verbatim``           verbatim ``=``              bulk string
``Bool``               boolean ``#``               integer 1/0
``BigNumber``          big number ``(``            bulk string
=====================  ==========================  ==============================

Constant replies are pre-encoded ``Raw`` values so that the hot path allocates nothing.
"""

from __future__ import annotations


class Raw(bytes):
    """Bytes already encoded as RESP, valid in both protocol versions."""

    __slots__ = ()


class Simple(bytes):
    """A simple (status) string: ``+text``."""

    __slots__ = ()


class ErrorReply(bytes):
    """An error value inside another reply (EXEC results, script replies): ``-text``."""

    __slots__ = ()


class Double(float):
    """A double: ``,`` in RESP3, a bulk string in RESP2."""

    __slots__ = ()


class SetReply(list):
    """A set reply: ``~`` in RESP3, an array in RESP2."""

    __slots__ = ()


class Push(list):
    """An out-of-band push: ``>`` in RESP3, an array in RESP2."""

    __slots__ = ()


class Verbatim(bytes):
    """A verbatim string (``=`` with the ``txt:`` format) in RESP3, a bulk string in RESP2."""

    __slots__ = ()


class BigNumber(int):
    __slots__ = ()


class Bool(int):
    __slots__ = ()


class _NullArray:
    __slots__ = ()

    def __repr__(self) -> str:
        return "NullArray"


NullArray = _NullArray()

OK = Raw(b"+OK\r\n")
PONG = Raw(b"+PONG\r\n")
QUEUED = Raw(b"+QUEUED\r\n")
ZERO = Raw(b":0\r\n")
ONE = Raw(b":1\r\n")
EMPTY_ARRAY = Raw(b"*0\r\n")
EMPTY_BULK = Raw(b"$0\r\n\r\n")


class NoReply:
    """Returned by handlers that reply later (blocking commands) or never (CLIENT REPLY OFF)."""

    __slots__ = ()


NO_REPLY = NoReply()
