"""The snapshot side of replication: the AUX fields a full sync's RDB carries
(repl-id, repl-offset, repl-stream-db), and a restarted replica reading them back from
its own snapshot to keep its place in the primary's stream."""

from __future__ import annotations

import os
from typing import Any


def aux_fields(server: Any, replid: str, offset: int, stream_db: int) -> list[tuple[bytes, bytes]]:
    """The saver's AUX fields with the replication position of a full sync's fork."""
    from ..persistence.saver import aux_fields as saver_aux  # noqa: PLC0415

    repl = {b"repl-stream-db": b"%d" % stream_db, b"repl-id": replid.encode(), b"repl-offset": b"%d" % offset}
    return [(k, repl.get(k, v)) for k, v in saver_aux(server)]


def functions(server: Any) -> list[bytes]:
    """FUNCTION libraries kept from the last load, written into the snapshot as is."""
    st = server.extensions.get("rdb")
    return list(st.functions) if st is not None else []


def read_rdb_aux(path: str) -> dict[bytes, bytes]:
    """The AUX fields at the head of an RDB file (empty if unreadable)."""
    from ..persistence.rdb import constants as K  # noqa: PLC0415
    from ..persistence.rdb.reader import RdbError, Reader  # noqa: PLC0415

    try:
        with open(path, "rb") as f:
            buf = f.read(1 << 16)
    except OSError:
        return {}
    aux: dict[bytes, bytes] = {}
    if not buf.startswith(b"REDIS"):
        return aux
    r = Reader(buf, 9)
    try:
        while r.u8() == K.OPCODE_AUX:
            k = r.string()
            aux[k] = r.string()
    except (RdbError, ValueError):
        pass
    return aux


def restore_from_rdb(server: Any, st: Any) -> None:
    """A replica starting from its own snapshot keeps its place in the primary's stream
    (Redis's loadDataFromDisk + replicationCacheMasterUsingMyself): the snapshot's
    repl-id, repl-offset and repl-stream-db let the first PSYNC continue."""
    aux = read_rdb_aux(os.path.abspath(server.config.get("dbfilename", "dump.rdb")))
    replid = aux.get(b"repl-id", b"")
    offset = aux.get(b"repl-offset", b"")
    stream_db = aux.get(b"repl-stream-db", b"0")
    if len(replid) != 40 or not offset.isdigit():
        return
    st.replid = replid.decode("latin-1")
    st.offset = int(offset)
    server.master_repl_offset = st.offset
    st.stream_db = int(stream_db) if stream_db.isdigit() else 0
    st.has_cached = True
    server.log("notice", "Restoring replication ID / offset from the RDB file: %s:%d" % (st.replid, st.offset))
