"""Diskless full sync (``repl-diskless-sync yes``): the snapshot goes from a forked child
straight to the replicas' sockets, never touching the disk (Redis's
rdbSaveToSlavesSockets).

Redis's child writes into a pipe that the parent relays to the sockets.  Here the child
writes to the sockets itself, as Redis did before 6.0: after ``fork`` it holds copies
of the replicas' socket descriptors, and the parent does not touch those sockets until
the child is gone (no keep-alive newlines, the stream buffered in ``pending``).  So that
nothing the parent wrote earlier can be overtaken, the parent forks only once every
replica's transport buffer is empty, and the child itself writes the whole preamble::

    +FULLRESYNC <replid> <offset>\\r\\n$EOF:<40 random hex chars>\\r\\n<rdb bytes><the same 40 chars>

The sockets are non-blocking (they belong to the parent's event loop, and the flag is
shared across the fork), so ``send_all`` waits for writability with ``select`` and gives
up on a replica that takes none of its bytes for ``repl-timeout`` seconds; the others
go on.  The child reports each replica's outcome on a pipe (``<client id> <0|1>``
lines), read by the parent once it has reaped the child.

After a diskless transfer the replica cannot tell where the RDB ends and the stream
starts if both arrive in one read, so the parent sends the buffered stream only after
the replica's first ``REPLCONF ACK`` (Redis's ``repl_start_cmd_stream_on_ack``).
"""

from __future__ import annotations

import os
import select
from typing import Any, Callable

CHUNK = 1 << 16


def new_mark() -> bytes:
    return os.urandom(20).hex().encode()


def send_all(fd: int, data: bytes | memoryview, timeout_s: float) -> bool:
    """Write every byte of ``data`` to the non-blocking socket ``fd``; False on an error
    or when no progress is made for ``timeout_s`` seconds."""
    view = memoryview(data)
    while view:
        try:
            n = os.write(fd, view)
        except BlockingIOError:
            n = 0
        except OSError:
            return False
        if n:
            view = view[n:]
            continue
        try:
            _, ready, _ = select.select([], [fd], [], timeout_s)
        except (OSError, ValueError):
            return False
        if not ready:
            return False
    return True


class SocketFanout:
    """The ``write`` callable given to the RDB writer in the child: it gathers the
    writer's pieces into chunks of ``CHUNK`` bytes and sends each chunk to every replica
    still alive."""

    def __init__(self, targets: list[tuple[int, int]], timeout_s: float) -> None:
        self.alive = dict(targets)  # client id -> fd
        self.failed: list[int] = []
        self.timeout_s = timeout_s
        self.buf = bytearray()

    def send(self, data: bytes | bytearray) -> None:
        for cid, fd in list(self.alive.items()):
            if not send_all(fd, data, self.timeout_s):
                del self.alive[cid]
                self.failed.append(cid)

    def write(self, data: bytes) -> None:
        buf = self.buf
        buf += data
        if len(buf) >= CHUNK:
            self.send(buf)
            buf.clear()

    def flush(self) -> None:
        if self.buf:
            self.send(self.buf)
            self.buf.clear()


def child_main(targets: list[tuple[int, int, bytes]], write_snapshot: Callable[[Callable[[bytes], Any]], Any],
               report_fd: int, timeout_s: float) -> int:
    """Run in the forked child: stream the snapshot to every target ``(client id, fd,
    +FULLRESYNC line)``, report each outcome on ``report_fd``; the exit code (0 when at
    least one replica got it all)."""
    mark = new_mark()
    fan = SocketFanout([(cid, fd) for cid, fd, _ in targets], timeout_s)
    for cid, fd, head in targets:
        if not send_all(fd, head + b"$EOF:" + mark + b"\r\n", timeout_s):
            fan.alive.pop(cid, None)
            fan.failed.append(cid)
    write_snapshot(fan.write)
    fan.write(mark)
    fan.flush()
    lines = b"".join(b"%d %d\n" % (cid, 1) for cid in fan.alive)
    lines += b"".join(b"%d %d\n" % (cid, 0) for cid in fan.failed)
    try:
        os.write(report_fd, lines)
    except OSError:
        pass
    return 0 if fan.alive else 1


def read_report(fd: int) -> dict[int, bool]:
    """The child's ``<client id> <0|1>`` lines (the pipe is read once the child is gone)."""
    data = b""
    try:
        while True:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            data += chunk
    except (BlockingIOError, OSError):
        pass
    out: dict[int, bool] = {}
    for line in data.split(b"\n"):
        parts = line.split()
        if len(parts) == 2 and parts[0].isdigit():
            out[int(parts[0])] = parts[1] == b"1"
    return out
