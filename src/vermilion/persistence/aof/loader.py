"""Reading the append-only log back: the command parser, replay and the start-up load
(Redis's aof.c loadAppendOnlyFiles / loadSingleAppendOnlyFile).

A command file is a run of RESP multibulks (``*<n>`` then ``$<len>`` + bytes + CRLF
per argument), optionally with ``#...`` annotation lines (aof-timestamp-enabled).
``iter_commands`` yields ``(argv, end offset)`` and raises ``AofFormatError`` with the
offset of the first bad byte: ``truncated`` when the data simply stops (a crash in the
middle of a write), else a malformed file.

Loading replays each command through the command table with a fake client (no
connection, no propagation), as Redis's fake AOF client.  MULTI ... EXEC blocks are
applied whole; a block that never reached its EXEC is dropped (the transaction was
not acknowledged).  A truncated tail of the *last* file is cut off (the file is
truncated to the last complete command) when ``aof-load-truncated`` is on; anything
else is fatal: the server logs the offset and exits with code 1.
"""

from __future__ import annotations

import os
import time
from typing import Any, Iterator

from . import manifest as mf

RDB_MAGIC = b"REDIS"


class AofFormatError(Exception):
    def __init__(self, reason: str, offset: int, truncated: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.offset = offset
        self.truncated = truncated


def _line(data: bytes, pos: int, start: int) -> tuple[bytes, int]:
    end = data.find(b"\r\n", pos)
    if end < 0:
        raise AofFormatError("truncated line", start, True)
    return data[pos:end], end + 2


def iter_commands(data: bytes, pos: int = 0) -> Iterator[tuple[list[bytes], int]]:
    """Yield ``(argv, offset after it)`` for each command from ``pos``."""
    n = len(data)
    while pos < n:
        start = pos
        head = data[pos:pos + 1]
        if head == b"#":  # an annotation line
            end = data.find(b"\n", pos)
            if end < 0:
                raise AofFormatError("truncated annotation", start, True)
            pos = end + 1
            continue
        if head != b"*":
            raise AofFormatError("Bad file format", start, False)
        word, pos = _line(data, pos + 1, start)
        try:
            argc = int(word)
        except ValueError:
            raise AofFormatError("Bad file format", start, False) from None
        if argc < 1:
            raise AofFormatError("Bad file format", start, False)
        argv = []
        for _ in range(argc):
            if pos >= n:
                raise AofFormatError("truncated command", start, True)
            if data[pos] != 36:  # '$'
                raise AofFormatError("Bad file format", pos, False)
            word, pos = _line(data, pos + 1, start)
            try:
                size = int(word)
            except ValueError:
                raise AofFormatError("Bad file format", start, False) from None
            if size < 0:
                raise AofFormatError("Bad file format", start, False)
            end = pos + size
            if end + 2 > n:
                raise AofFormatError("truncated argument", start, True)
            if data[end:end + 2] != b"\r\n":
                raise AofFormatError("Bad file format", end, False)
            argv.append(data[pos:end])
            pos = end + 2
        yield argv, pos


class Replayer:
    """Applies commands with a fake client; MULTI/EXEC blocks are held until EXEC."""

    def __init__(self, server: Any) -> None:
        from ...engine.client import Client  # noqa: PLC0415

        self.server = server
        self.client = Client(server, 0, "", "", -1, lambda data: None, lambda: None)
        self.client.kind = "aof"
        self.pending: list[list[bytes]] | None = None
        self.commands = 0

    def feed(self, argv: list[bytes]) -> str | None:
        """Apply one command; returns an error text for an unknown command."""
        name = argv[0].lower()
        if name == b"multi":
            self.pending = []
            return None
        if name == b"exec" and self.pending is not None:
            block, self.pending = self.pending, None
            for a in block:
                err = self.apply(a)
                if err:
                    return err
            return None
        if self.pending is not None:
            self.pending.append(argv)
            return None
        return self.apply(argv)

    def apply(self, argv: list[bytes]) -> str | None:
        from ...engine.dispatch import resolve  # noqa: PLC0415
        from ...protocol.errors import CommandError  # noqa: PLC0415

        c = self.client
        try:
            spec = resolve(argv)
        except CommandError as e:
            if e.msg.startswith(b"ERR unknown command"):
                return "Unknown command '%s' reading the append only file" % argv[0].decode("latin-1")
            return None
        try:
            spec.handler(c, argv)
        except CommandError:
            pass  # Redis ignores the replies of the fake client
        except Exception as e:  # noqa: BLE001 - a bad command must not stop the load
            self.server.log_exception(e, argv)
        c.propagate_as = None
        self.commands += 1
        return None


class LoadError(Exception):
    pass


def load_command_file(server: Any, path: str, replayer: Replayer, last: bool, start: int = 0) -> int:
    """Replay one command file (from ``start``: after an RDB preamble); returns the
    number of bytes used.  Raises LoadError."""
    with open(path, "rb") as f:
        data = f.read()
    name = os.path.basename(path)
    valid = start
    from ..loading import progress_hook  # noqa: PLC0415

    progress = progress_hook(server)
    next_step = start + (1 << 16) if progress is not None else len(data) + 1
    try:
        for argv, end in iter_commands(data, start):
            if end >= next_step:
                progress(end)  # type: ignore[misc]  # clients get -LOADING meanwhile
                next_step = end + (1 << 16)
            err = replayer.feed(argv)
            if err:
                server.log("warning", "%s %s" % (err, name))
                raise LoadError(err)
            if replayer.pending is None:
                valid = end
    except AofFormatError as e:
        if not e.truncated:
            server.log("warning", "Bad file format reading the append only file %s: make a backup of your AOF "
                                  "file, then use ./redis-check-aof --fix <filename.manifest>" % name)
            raise LoadError("bad format at offset %d" % e.offset) from None
        return _truncated(server, path, name, replayer, valid, last)
    if replayer.pending is not None:  # MULTI without EXEC at the end of the file
        return _truncated(server, path, name, replayer, valid, last)
    return len(data)


def _truncated(server: Any, path: str, name: str, replayer: Replayer, valid: int, last: bool) -> int:
    if replayer.pending is not None:
        server.log("warning", "Revert incomplete MULTI/EXEC transaction in AOF file %s" % name)
        replayer.pending = None
    if not last or not server.config.get("aof-load-truncated", 1):
        server.log("warning", "Unexpected end of file reading the append only file %s. You can: 1) Make a "
                              "backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. "
                              "2) Alternatively you can set the 'aof-load-truncated' configuration option to "
                              "yes and restart the server." % name)
        raise LoadError("truncated")
    server.log("warning", "!!! Warning: short read while loading the AOF file %s!!!" % name)
    server.log("warning", "!!! Truncating the AOF %s at offset %d !!!" % (name, valid))
    try:
        os.truncate(path, valid)
    except OSError as e:
        server.log("warning", "Error truncating the AOF file %s: %s" % (name, e.strerror))
        raise LoadError("truncate failed") from None
    server.log("warning", "AOF %s loaded anyway because aof-load-truncated is enabled" % name)
    return valid


def load_manifest_files(server: Any, dirname: str, m: mf.Manifest) -> int:
    """Load the base then every incr file; returns the total size loaded.  Raises
    LoadError (already logged)."""
    from ..loading import file_done  # noqa: PLC0415
    from ..rdb.decoder import RdbError  # noqa: PLC0415
    from ..saver import load_file  # noqa: PLC0415

    files = m.files()
    replayer = Replayer(server)
    total = 0
    start = time.monotonic()
    for i, f in enumerate(files):
        path = os.path.join(dirname, f.name)
        last = i == len(files) - 1
        if not os.path.exists(path):
            server.log("warning", "The AOF file %s doesn't exist" % f.name)
            raise LoadError("missing file")
        if os.path.getsize(path) == 0:
            continue
        with open(path, "rb") as fh:
            head = fh.read(5)
        if head == RDB_MAGIC:
            server.log("notice", "Reading RDB base file on AOF loading...")
            try:
                info = load_file(server, path)
            except RdbError as e:
                server.log("warning", "Internal error in RDB reading offset %d: %s" % (e.offset, e.reason))
                server.log("warning", "Bad file format reading the append only file %s: make a backup of "
                                      "your AOF file, then use ./redis-check-aof --fix <filename.manifest>"
                           % f.name)
                raise LoadError("bad rdb") from None
            size = os.path.getsize(path)
            if info.end_offset < size:  # an old-style AOF: RDB preamble, then commands
                server.log("notice", "Reading the remaining AOF tail...")
                size = load_command_file(server, path, replayer, last, info.end_offset)
            total += size
            file_done(server, os.path.getsize(path))
            server.log("notice", "DB loaded from base file %s: %.3f seconds" % (f.name, time.monotonic() - start))
        else:
            total += load_command_file(server, path, replayer, last)
            file_done(server, os.path.getsize(path))
            kind = "base" if f.kind == mf.BASE else "incr"
            server.log("notice", "DB loaded from %s file %s: %.3f seconds" % (kind, f.name, time.monotonic() - start))
    return total
