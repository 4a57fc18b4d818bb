"""The request parser: bytes in, argv lists out, with Redis's exact limits and errors.

Shaped like h11: ``feed(data)`` appends to the receive buffer, ``next()`` returns the
next complete command as a ``list[bytes]`` or ``None`` when more data is needed, and
raises ``ProtocolError`` when the stream is malformed (the server then replies
``-ERR Protocol error: ...`` and closes the connection, as Redis does).

It follows ``processInlineBuffer`` and ``processMultibulkBuffer`` of Redis's
``networking.c``:

* A command that starts with ``*`` is a multibulk request; anything else is an inline
  command (a line split like ``sdssplitargs``: quotes, escapes).
* Counts are parsed like ``string2ll``: no sign but ``-``, no leading zeros, no blanks.
* ``*0`` and negative counts are empty requests and are skipped.
* Header lines are looked for up to ``PROTO_INLINE_MAX_SIZE`` bytes; a longer one is an
  error (``too big inline request``, ``too big mbulk count string``, ...).
* A bulk's trailing two bytes are skipped unchecked, as Redis does.

Partial input is never rescanned from the start: the state of a half-read multibulk
(remaining count, collected args, pending bulk length) is kept between feeds, and a
bulk whose length is known is waited for by length, so a large value arriving in small
pieces costs O(n) in total.
"""

from __future__ import annotations

from typing import Callable

from .errors import ProtocolError, QueryBufferOverflow

PROTO_INLINE_MAX_SIZE = 64 * 1024
INT_MAX = 2**31 - 1
LLONG_MAX = 2**63 - 1


def string2ll(s: bytes) -> int | None:
    """Redis's strict ``string2ll``: the integer, or None when ``s`` is not one."""
    n = len(s)
    if n == 0 or n >= 21:
        return None
    if s == b"0":
        return 0
    neg = s[0] == 45  # '-'
    digits = s[1:] if neg else s
    if not digits or not (49 <= digits[0] <= 57) or not digits.isdigit():
        return None
    v = int(digits)
    if neg:
        v = -v
        if v < -LLONG_MAX - 1:
            return None
    elif v > LLONG_MAX:
        return None
    return v


_ESCAPES = {ord("n"): b"\n", ord("r"): b"\r", ord("t"): b"\t", ord("b"): b"\b", ord("a"): b"\a"}
_HEX = b"0123456789abcdefABCDEF"


def split_args(line: bytes) -> list[bytes] | None:
    """Redis's ``sdssplitargs``: split an inline line; None on unbalanced quotes."""
    out: list[bytes] = []
    nul = line.find(b"\x00")
    if nul >= 0:  # sdssplitargs works on a C string: a NUL ends it
        line = line[:nul]
    i, n = 0, len(line)
    while True:
        # isspace() in C: space, \t, \n, \v, \f, \r
        while i < n and line[i] in (32, 9, 10, 11, 12, 13):
            i += 1
        if i >= n:
            return out
        cur = bytearray()
        inq = insq = False
        while True:
            if inq:
                if i >= n:
                    return None
                c = line[i]
                if (
                    c == 92 and i + 3 < n and line[i + 1] == 120
                    and line[i + 2] in _HEX and line[i + 3] in _HEX
                ):
                    cur.append(int(line[i + 2 : i + 4], 16))
                    i += 3
                elif c == 92 and i + 1 < n:
                    i += 1
                    e = line[i]
                    cur += _ESCAPES.get(e, bytes((e,)))
                elif c == 34:
                    # Closing quote must be followed by a space or nothing.
                    if i + 1 < n and line[i + 1] not in (32, 9, 10, 11, 12, 13):
                        return None
                    i += 1
                    break
                else:
                    cur.append(c)
            elif insq:
                if i >= n:
                    return None
                c = line[i]
                if c == 92 and i + 1 < n and line[i + 1] == 39:
                    i += 1
                    cur.append(39)
                elif c == 39:
                    if i + 1 < n and line[i + 1] not in (32, 9, 10, 11, 12, 13):
                        return None
                    i += 1
                    break
                else:
                    cur.append(c)
            else:
                if i >= n:
                    break
                c = line[i]
                if c in (32, 10, 13, 9, 0):
                    break
                if c == 34:
                    inq = True
                elif c == 39:
                    insq = True
                else:
                    cur.append(c)
            i += 1
        out.append(bytes(cur))


class RequestParser:
    """Pure-Python request parser with Redis's exact semantics (see module docstring).

    ``max_bulk_len`` is ``proto-max-bulk-len``; ``max_query_buf`` is
    ``client-query-buffer-limit``; ``auth_required`` tells whether the client still has
    to authenticate (then Redis caps multibulk counts at 10 and bulks at 16384 bytes).
    """

    __slots__ = ("buf", "pos", "remaining", "argv", "bulk_len", "max_bulk_len", "max_query_buf", "auth_required")

    def __init__(
        self,
        max_bulk_len: int = 512 * 1024 * 1024,
        max_query_buf: int = 1024 * 1024 * 1024,
        auth_required: Callable[[], bool] | None = None,
    ) -> None:
        self.buf = bytearray()
        self.pos = 0
        self.remaining = 0  # bulks still to read in the current multibulk
        self.argv: list[bytes] = []
        self.bulk_len = -1  # length of the bulk being read, -1 while its header is awaited
        self.max_bulk_len = max_bulk_len
        self.max_query_buf = max_query_buf
        self.auth_required = auth_required

    @property
    def pending(self) -> int:
        """Bytes received and not yet consumed by a complete command."""
        return len(self.buf) - self.pos

    @property
    def idle(self) -> bool:
        """True at a command boundary with nothing buffered."""
        return self.remaining == 0 and len(self.buf) == self.pos

    def feed(self, data: bytes) -> None:
        if self.pos and self.pos == len(self.buf):
            self.buf.clear()
            self.pos = 0
        elif self.pos > 65536:
            del self.buf[: self.pos]
            self.pos = 0
        self.buf += data
        if len(self.buf) - self.pos > self.max_query_buf:
            raise QueryBufferOverflow()

    def drain(self) -> list[list[bytes]]:
        """The next command as a one-element list, [] when more data is needed."""
        argv = self.next()
        return [] if argv is None else [argv]

    def next(self) -> list[bytes] | None:
        """The next complete command, or None when more data is needed."""
        buf = self.buf
        while True:
            if self.remaining == 0:
                if self.pos >= len(buf):
                    return None
                if buf[self.pos] == 42:  # '*'
                    started = self._multibulk_header()
                    if started is None:
                        return None
                    if not started:
                        continue  # empty request: skip it
                else:
                    argv = self._inline()
                    if argv is None:
                        return None
                    if not argv:
                        continue
                    return argv
            argv = self._bulks()
            if argv is not None:
                return argv
            return None

    def _needs_auth(self) -> bool:
        return self.auth_required is not None and self.auth_required()

    def _inline(self) -> list[bytes] | None:
        buf, pos = self.buf, self.pos
        nl = buf.find(b"\n", pos)
        if nl < 0:
            if len(buf) - pos > PROTO_INLINE_MAX_SIZE:
                raise ProtocolError(b"too big inline request")
            return None
        end = nl - 1 if nl > pos and buf[nl - 1] == 13 else nl
        line = bytes(buf[pos:end])
        self.pos = nl + 1
        argv = split_args(line)
        if argv is None:
            raise ProtocolError(b"unbalanced quotes in request")
        return argv

    def _header(self, what: bytes) -> bytes | None:
        """Read a ``*N``/``$N`` header line; None until its CR and one more byte arrive."""
        buf, pos = self.buf, self.pos
        cr = buf.find(b"\r", pos)
        if cr < 0:
            if len(buf) - pos > PROTO_INLINE_MAX_SIZE:
                raise ProtocolError(b"too big " + what + b" count string")
            return None
        if cr - pos > len(buf) - pos - 2:
            return None
        return bytes(buf[pos:cr])

    def _multibulk_header(self) -> bool | None:
        line = self._header(b"mbulk")
        if line is None:
            return None
        n = string2ll(line[1:])
        if n is None or n > INT_MAX:
            raise ProtocolError(b"invalid multibulk length")
        if n > 10 and self._needs_auth():
            raise ProtocolError(b"unauthenticated multibulk length")
        self.pos += len(line) + 2
        if n <= 0:
            return False
        self.remaining = n
        self.argv = []
        self.bulk_len = -1
        return True

    def _bulks(self) -> list[bytes] | None:
        buf = self.buf
        while self.remaining:
            if self.bulk_len < 0:
                line = self._header(b"bulk")
                if line is None:
                    return None
                if line[0] != 36:  # '$'
                    ch = bytes((line[0],))
                    if ch in (b"\r", b"\n"):
                        ch = b" "
                    raise ProtocolError(b"expected '$', got '" + ch + b"'")
                n = string2ll(line[1:])
                if n is None or n < 0 or n > self.max_bulk_len:
                    raise ProtocolError(b"invalid bulk length")
                if n > 16384 and self._needs_auth():
                    raise ProtocolError(b"unauthenticated bulk length")
                self.pos += len(line) + 2
                self.bulk_len = n
            n = self.bulk_len
            if len(buf) - self.pos < n + 2:
                return None
            self.argv.append(bytes(buf[self.pos : self.pos + n]))
            self.pos += n + 2
            self.bulk_len = -1
            self.remaining -= 1
        argv, self.argv = self.argv, []
        return argv
