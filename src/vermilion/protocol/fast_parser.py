"""The hot-path request parser: hiredis's C reader behind ``RequestParser``'s interface.

hiredis parses RESP replies, and a well-formed multibulk request is a RESP array of bulk
strings, so its ``Reader`` splits ordinary traffic at C speed.  It does not know Redis's
request rules (inline commands, ``string2ll`` counts, ``proto-max-bulk-len``, the
exact error texts), so this class hands the stream to the exact pure-Python
``RequestParser`` whenever hiredis would go wrong:

* a command that starts with a byte other than ``*`` (inline), or while the client must
  still authenticate (Redis's smaller limits apply);
* hiredis raises, returns something that is not a flat list of bulk strings, or stops
  in the middle of a command (the pending header may be one Redis refuses at once, like
  an oversized bulk length).

To hand over, the chunks fed since the last command boundary are kept (without copying
when a chunk is consumed whole), re-parsed by ``RequestParser``, and the commands that
hiredis had already returned are skipped.  The Python parser then owns the stream until
it is idle at a boundary again.  A batch ends at a boundary when the input ends with the
encoding of the last command returned (see ``_at_boundary``); a client that makes a
half-sent bulk end with a copy of its previous command can only confuse its own stream.

Known difference: inside a multibulk, a ``+simple`` element is taken as a bulk string
by hiredis (it returns the same bytes for both); Redis replies ``expected '$'``.
"""

from __future__ import annotations

import re
from typing import Callable

import hiredis

from .resp_parser import RequestParser

_join = b"".join

# hiredis allocates a multibulk's whole element list when it reads the header, so a
# client announcing "*2000000000" would cost gigabytes and seconds of CPU; Redis caps
# what it preallocates.  Input that may announce a count of a million or more goes to
# the exact parser instead (a false alarm from a value that contains such digits only
# costs speed).
_big_count = re.compile(rb"\*\d{7}").search


class FastRequestParser:
    __slots__ = ("reader", "gets", "py", "raw", "done", "last", "max_bulk_len", "max_query_buf", "auth_required",
                 "held", "fresh")

    def __init__(
        self,
        max_bulk_len: int = 512 * 1024 * 1024,
        max_query_buf: int = 1024 * 1024 * 1024,
        auth_required: Callable[[], bool] | None = None,
    ) -> None:
        self.max_bulk_len = max_bulk_len
        self.max_query_buf = max_query_buf
        self.auth_required = auth_required
        self.reader = hiredis.Reader()
        self.gets = self.reader.gets
        self.py: RequestParser | None = None
        self.raw: list[bytes] = []  # chunks fed to hiredis since the last boundary
        self.done = 0  # commands hiredis returned since the last boundary
        self.last: list[bytes] | None = None  # the last command hiredis returned
        self.held: list[list[bytes]] = []  # parsed but not yet run (see hold)
        self.fresh = False  # data fed since the last drain reached the end of the input

    def _python(self) -> RequestParser:
        return RequestParser(self.max_bulk_len, self.max_query_buf, self.auth_required)

    def feed(self, data: bytes) -> None:
        if self.py is not None:
            self.py.feed(data)
            return
        if not self.raw and (data[:1] != b"*" or (self.auth_required is not None and self.auth_required())):
            self.py = self._python()
            self.py.feed(data)
            return
        raw = self.raw
        if _big_count(data) is not None or (
            raw and raw[-1].find(b"*", -8) >= 0 and _big_count(raw[-1][-8:] + data[:8]) is not None
        ):
            raw.append(data)
            self._fallback()
            return
        raw.append(data)
        self.reader.feed(data)
        self.fresh = True

    def _fallback(self) -> None:
        py = self._python()
        data = self.raw[0] if len(self.raw) == 1 else _join(self.raw)
        self.reader = hiredis.Reader()
        self.gets = self.reader.gets
        self.raw = []
        self.last = None
        # Nothing fed to the new reader yet: a drain after the exact parser hands the
        # stream back must not look for a tail in the (empty) chunk list.
        self.fresh = False
        done, self.done = self.done, 0
        self.py = py
        py.feed(data)
        for _ in range(done):
            py.next()

    def hold(self, cmds: list[list[bytes]]) -> None:
        """Give back commands that ``drain`` returned but the caller did not run (the
        client blocked, paused or quit); they come first from the next ``drain``."""
        self.held = cmds + self.held

    def drain(self) -> list[list[bytes]]:
        """Every complete command hiredis can split now (the hot path), or the next one
        from the exact parser when it owns the stream; [] when more data is needed.

        Raises ``ProtocolError`` like ``next`` (only from the exact parser)."""
        if self.held:
            held, self.held = self.held, []
            return held
        if self.py is not None:
            argv = self.next()
            return [] if argv is None else [argv]
        if not self.fresh:
            return []
        out: list[list[bytes]] = []
        append = out.append
        gets = self.gets
        try:
            while True:
                r = gets()
                if r is False:
                    break
                if r.__class__ is not list or not r:
                    raise TypeError
                _join(r)  # TypeError unless every element is a bulk string
                append(r)
        except (hiredis.ProtocolError, TypeError):
            self._fallback_after(out)
            return out or self.drain()
        self.fresh = False
        if out:
            self.done += len(out)
            self.last = out[-1]
        raw = self.raw
        tail = raw[-1]
        # Most batches end exactly after a command; verifying that (see _at_boundary)
        # costs more than the rest of a small batch, so it is done only when the input
        # may end inside a command (a partial line, or a last line that is a `$`/`*`
        # header) and otherwise once every 16 chunks, to drop the kept chunks.
        j = tail.rfind(b"\n", 0, len(tail) - 1)
        if (
            len(raw) > 16
            or tail[-1:] != b"\n"
            or tail[j + 1 : j + 2] in (b"$", b"*")
            or self.reader.has_data()
        ):
            if self._at_boundary():
                self.raw = []
                self.done = 0
                self.last = None
            else:
                # A command is half read: let the exact parser check its headers
                # (Redis refuses an oversized length at once; hiredis would wait).
                self._fallback_after([])
                if not out:
                    return self.drain()
        return out

    def _fallback_after(self, returned: list) -> None:
        if returned:
            self.done += len(returned)
            self.last = returned[-1]
        self._fallback()

    def next(self) -> list[bytes] | None:
        py = self.py
        if py is not None:
            argv = py.next()
            if argv is None and py.idle:
                self.py = None
            return argv
        try:
            r = self.gets()
        except hiredis.ProtocolError:
            self._fallback()
            return self.next()
        if r is False:
            if self.reader.has_data() or not self._at_boundary():
                # A command is half read: let the exact parser check its headers
                # (Redis refuses an oversized length at once; hiredis would wait).
                self._fallback()
                return self.next()
            self.raw = []
            self.done = 0
            self.last = None
            return None
        if r.__class__ is not list or not r:
            self._fallback()
            return self.next()
        try:
            _join(r)  # TypeError unless every element is a bulk string
        except TypeError:
            self._fallback()
            return self.next()
        self.done += 1
        self.last = r
        return r

    def _at_boundary(self) -> bool:
        """Did the input end exactly after the last command hiredis returned?

        hiredis keeps a half-read reply in its own state without saying so
        (``has_data()`` is False once it consumed the bytes), so check that the input
        ends with that command's encoding: one check per batch, not per command.
        """
        last = self.last
        if last is None:
            return not self.raw
        enc = b"*%d\r\n" % len(last) + _join([b"$%d\r\n%b\r\n" % (len(a), a) for a in last])
        tail = self.raw[-1]
        if len(tail) < len(enc):
            tail = _join(self.raw)
        return tail.endswith(enc)

    @property
    def pending(self) -> int:
        return self.py.pending if self.py is not None else sum(map(len, self.raw))
