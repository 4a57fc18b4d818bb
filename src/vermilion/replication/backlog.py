"""The replication backlog: the last ``size`` bytes of the replication stream.

Offsets are Redis's: the stream's first byte has offset 1, and ``offset`` (INFO's
``master_repl_offset``) is the offset of the last byte written, so after appending ``n``
bytes it grew by ``n``.  The backlog holds the bytes ``first_byte_offset`` ..
``offset`` (``histlen`` of them).  A replica that asks (PSYNC) for the stream from
byte ``p`` can continue with ``since(p)`` -- the bytes ``p`` .. ``offset`` -- as long as
``first_byte_offset <= p <= offset + 1``.

Trimming: the buffer is a ``bytearray`` trimmed from the front.  Like Redis 7, which
frees whole 16 KiB blocks of its shared replication buffer, the history may exceed
``size`` by less than one block, so a write burst does not memmove the whole backlog for
every command.
"""

from __future__ import annotations

TRIM_BLOCK = 16 * 1024


class Backlog:
    __slots__ = ("buf", "size", "offset")

    def __init__(self, size: int, offset: int) -> None:
        self.buf = bytearray()
        self.size = size
        self.offset = offset  # offset of the last byte ever appended (master_repl_offset)

    @property
    def histlen(self) -> int:
        return len(self.buf)

    @property
    def first_byte_offset(self) -> int:
        return self.offset - len(self.buf) + 1

    def append(self, data: bytes) -> None:
        buf = self.buf
        buf += data
        self.offset += len(data)
        excess = len(buf) - self.size
        if excess >= TRIM_BLOCK or (excess > 0 and len(data) >= TRIM_BLOCK):
            del buf[:excess]

    def resize(self, size: int) -> None:
        """CONFIG SET repl-backlog-size: keep the newest ``size`` bytes."""
        self.size = size
        excess = len(self.buf) - size
        if excess > 0:
            del self.buf[:excess]

    def can_continue_from(self, psync_offset: int) -> bool:
        """True when a replica asking for the stream from byte ``psync_offset`` (PSYNC's
        offset: one past the last byte it has) can be served the rest from here."""
        return self.first_byte_offset <= psync_offset <= self.offset + 1

    def since(self, psync_offset: int) -> bytes:
        """The stream bytes from ``psync_offset`` on (``can_continue_from`` was checked)."""
        return bytes(self.buf[psync_offset - self.first_byte_offset:])
