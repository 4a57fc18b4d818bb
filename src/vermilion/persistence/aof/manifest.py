"""The AOF manifest: which files make up the append-only log (Redis 7's multi-part AOF).

The directory ``appenddirname`` holds a base file (a snapshot: RDB when
``aof-use-rdb-preamble`` is on, else commands), incremental files (the commands
written since) and ``<appendfilename>.manifest``, one line per file, exactly Redis
7's layout::

    file appendonly.aof.1.base.rdb seq 1 type b
    file appendonly.aof.1.incr.aof seq 1 type i

``type`` is ``b`` (base), ``h`` (history: replaced by a rewrite, waiting to be
deleted) or ``i`` (incremental, replayed in order after the base).  The manifest is
rewritten through a temp file, fsynced and renamed, so a crash leaves the old or the
new manifest, never half of one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

BASE, HISTORY, INCR = "b", "h", "i"


class ManifestError(Exception):
    pass


@dataclass
class AofFile:
    name: str
    seq: int
    kind: str


@dataclass
class Manifest:
    base: AofFile | None = None
    incrs: list[AofFile] = field(default_factory=list)
    history: list[AofFile] = field(default_factory=list)
    curr_base_seq: int = 0
    curr_incr_seq: int = 0

    # ---- naming (Redis's getNewBaseFileNameAndMarkPreAsHistory / getNewIncrAofName) --

    def new_base(self, filename: str, rdb: bool) -> AofFile:
        """A new base (seq+1); the previous base becomes history."""
        if self.base is not None:
            self.base.kind = HISTORY
            self.history.append(self.base)
        self.curr_base_seq += 1
        ext = "rdb" if rdb else "aof"
        self.base = AofFile("%s.%d.base.%s" % (filename, self.curr_base_seq, ext), self.curr_base_seq, BASE)
        return self.base

    def new_incr(self, filename: str) -> AofFile:
        self.curr_incr_seq += 1
        f = AofFile("%s.%d.incr.aof" % (filename, self.curr_incr_seq), self.curr_incr_seq, INCR)
        self.incrs.append(f)
        return f

    def incrs_to_history(self, keep_last: bool) -> None:
        """After a rewrite: every incr file but the one opened at its start is history."""
        keep = self.incrs[-1:] if keep_last else []
        for f in self.incrs[: len(self.incrs) - len(keep)]:
            f.kind = HISTORY
            self.history.append(f)
        self.incrs = keep

    def files(self) -> list[AofFile]:
        return ([self.base] if self.base is not None else []) + self.incrs

    def render(self) -> bytes:
        lines = []
        for f in ([self.base] if self.base is not None else []) + self.history + self.incrs:
            lines.append("file %s seq %d type %s\n" % (_quote(f.name), f.seq, f.kind))
        return "".join(lines).encode()

    def copy(self) -> "Manifest":
        return Manifest(
            AofFile(self.base.name, self.base.seq, self.base.kind) if self.base else None,
            [AofFile(f.name, f.seq, f.kind) for f in self.incrs],
            [AofFile(f.name, f.seq, f.kind) for f in self.history],
            self.curr_base_seq, self.curr_incr_seq)


def _quote(name: str) -> str:
    if all(33 <= ord(ch) < 127 and ch != '"' and ch != "\\" for ch in name):
        return name
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _split(line: str) -> list[str]:
    """sdssplitargs for the subset a manifest uses: spaces, "quoted" names."""
    out: list[str] = []
    i, n = 0, len(line)
    while i < n:
        while i < n and line[i] in " \t":
            i += 1
        if i >= n:
            break
        if line[i] == '"':
            i += 1
            cur = []
            while i < n and line[i] != '"':
                if line[i] == "\\" and i + 1 < n:
                    i += 1
                cur.append(line[i])
                i += 1
            if i >= n:
                raise ManifestError("Invalid AOF manifest file format")
            i += 1
            out.append("".join(cur))
        else:
            j = i
            while j < n and line[j] not in " \t":
                j += 1
            out.append(line[i:j])
            i = j
    return out


def parse(text: bytes) -> Manifest:
    """aofLoadManifestFromFile: raises ManifestError with Redis's wording."""
    m = Manifest()
    try:
        lines = text.decode("utf-8").split("\n")
    except UnicodeDecodeError:
        raise ManifestError("Invalid AOF manifest file format") from None
    for raw in lines:
        line = raw.strip(" \t\r")
        if not line or line.startswith("#"):
            continue
        words = _split(line)
        if len(words) < 6 or len(words) % 2:
            raise ManifestError("Invalid AOF manifest file format")
        kv = dict(zip(words[::2], words[1::2]))
        name, seq, kind = kv.get("file"), kv.get("seq"), kv.get("type")
        if not name or seq is None or kind is None or not seq.lstrip("-").isdigit():
            raise ManifestError("Invalid AOF manifest file format")
        f = AofFile(name, int(seq), kind)
        if kind == BASE:
            if m.base is not None:
                raise ManifestError("Found duplicate base file information")
            m.base = f
            m.curr_base_seq = f.seq
        elif kind == HISTORY:
            m.history.append(f)
        elif kind == INCR:
            if f.seq <= m.curr_incr_seq:
                raise ManifestError("Found a non-monotonic sequence number")
            m.incrs.append(f)
            m.curr_incr_seq = f.seq
        else:
            raise ManifestError("Unknown AOF file type")
    return m


def manifest_name(filename: str) -> str:
    return filename + ".manifest"


def read(dirname: str, filename: str) -> Manifest | None:
    path = os.path.join(dirname, manifest_name(filename))
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return None
    if not data:
        raise ManifestError("Found an empty AOF manifest")
    return parse(data)


def write(dirname: str, filename: str, m: Manifest) -> None:
    """persistAofManifest: temp file, fsync, rename, fsync the directory."""
    final = os.path.join(dirname, manifest_name(filename))
    tmp = os.path.join(dirname, "temp-" + manifest_name(filename))
    with open(tmp, "wb") as f:
        f.write(m.render())
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, final)
    fsync_dir(dirname)


def fsync_dir(dirname: str) -> None:
    try:
        fd = os.open(dirname, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
