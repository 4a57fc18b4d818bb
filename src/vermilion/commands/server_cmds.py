"""Server commands: FLUSHALL, FLUSHDB, DBSIZE, TIME, LASTSAVE, SHUTDOWN, DEBUG, SWAPDB."""

from __future__ import annotations

from typing import Any

from ..protocol.errors import CommandError
from ..protocol.reply import OK
from .registry import command


def _flush_mode(argv: list[bytes]) -> None:
    if len(argv) > 2 or (len(argv) == 2 and argv[1].lower() not in (b"async", b"sync")):
        raise CommandError(b"ERR syntax error")


@command("flushall", arity=-1, flags="write", acl="keyspace dangerous", group="server",
         since="1.0.0", complexity="O(N) where N is the total number of keys in all databases",
         summary="Removes all keys from all databases.",
         tips=("request_policy:all_shards", "response_policy:all_succeeded"))
def cmd_flushall(c: Any, argv: list[bytes]) -> Any:
    _flush_mode(argv)
    for db in c.server.dbs:
        c.server.dirty += db.flush()
    c.server.dirty += 1
    return OK


@command("flushdb", arity=-1, flags="write", acl="keyspace dangerous", group="server",
         since="1.0.0", complexity="O(N) where N is the number of keys in the selected database",
         summary="Remove all keys from the current database.",
         tips=("request_policy:all_shards", "response_policy:all_succeeded"))
def cmd_flushdb(c: Any, argv: list[bytes]) -> Any:
    _flush_mode(argv)
    c.server.dirty += c.db.flush() + 1
    return OK


@command("dbsize", arity=1, flags="readonly fast", acl="keyspace", group="server",
         since="1.0.0", complexity="O(1)", summary="Returns the number of keys in the database.",
         tips=("request_policy:all_shards", "response_policy:agg_sum"))
def cmd_dbsize(c: Any, argv: list[bytes]) -> Any:
    return len(c.db.data)
