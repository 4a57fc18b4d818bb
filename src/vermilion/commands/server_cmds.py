"""Server commands: FLUSHALL, FLUSHDB, DBSIZE, SWAPDB, TIME, LASTSAVE, SHUTDOWN, DEBUG.

DEBUG is one command whose first argument picks the action (as in Redis, it is not a
container), refused unless ``enable-debug-command`` allows it.  The actions implemented
here are SLEEP, SET-ACTIVE-EXPIRE, OBJECT, POPULATE, PROTOCOL, LOG, ERROR and HELP; other
subsystems add theirs (RELOAD, DIGEST, CHANGE-REPL-ID, ...) with ``debug_subcommand``.
"""

from __future__ import annotations

import time
from typing import Any, Callable

from ..protocol.errors import CommandError, SyntaxErr, err
from ..protocol.reply import NO_REPLY, OK, Bool, Raw, SetReply, Simple, Verbatim
from .client import help_reply
from .registry import command
from .spec import arg
from .util import parse_float, parse_int

_FLUSH_ARGS = (
    arg("flush-type", "oneof", flags=("optional",), arguments=(
        arg("async", "pure-token", token="ASYNC", since="4.0.0"),
        arg("sync", "pure-token", token="SYNC", since="6.2.0"),
    )),
)
_FLUSH_HISTORY = (("4.0.0", "Added the `ASYNC` flushing mode modifier."),
                  ("6.2.0", "Added the `SYNC` flushing mode modifier."))


def _flush_mode(argv: list[bytes]) -> None:
    if len(argv) > 2 or (len(argv) == 2 and argv[1].lower() not in (b"async", b"sync")):
        raise CommandError(b"ERR syntax error")


@command("flushall", arity=-1, flags="write", acl="keyspace dangerous", group="server",
         since="1.0.0", complexity="O(N) where N is the total number of keys in all databases",
         summary="Removes all keys from all databases.",
         tips=("request_policy:all_shards", "response_policy:all_succeeded"),
         history=_FLUSH_HISTORY, args=_FLUSH_ARGS)
def cmd_flushall(c: Any, argv: list[bytes]) -> Any:
    _flush_mode(argv)
    server = c.server
    _signal_flushed(server, -1)
    before = server.dirty
    for db in server.dbs:
        server.dirty += db.flush()
    after = server.extensions.get("after_flushall")
    if after is not None:
        after(server, before)  # persistence: kill a BGSAVE child, save with save points, propagate
    elif server.dirty == before:
        server.dirty += 1  # propagated even when nothing was deleted, as Redis
    return OK


def _signal_flushed(server: Any, db_index: int) -> None:
    """Redis's signalFlushedDb: WATCH and client tracking react through hooks in
    ``server.extensions["flushdb"]`` (``fn(server, db_index)``, -1 for every database),
    called before the data goes so they can see which keys existed."""
    for hook in server.extensions.get("flushdb", ()):
        hook(server, db_index)


@command("flushdb", arity=-1, flags="write", acl="keyspace dangerous", group="server",
         since="1.0.0", complexity="O(N) where N is the number of keys in the selected database",
         summary="Remove all keys from the current database.",
         tips=("request_policy:all_shards", "response_policy:all_succeeded"),
         history=_FLUSH_HISTORY, args=_FLUSH_ARGS)
def cmd_flushdb(c: Any, argv: list[bytes]) -> Any:
    _flush_mode(argv)
    _signal_flushed(c.server, c.db.index)
    c.server.dirty += c.db.flush() + 1
    return OK


@command("dbsize", arity=1, flags="readonly fast", acl="keyspace", group="server",
         since="1.0.0", complexity="O(1)", summary="Returns the number of keys in the database.",
         tips=("request_policy:all_shards", "response_policy:agg_sum"))
def cmd_dbsize(c: Any, argv: list[bytes]) -> Any:
    return len(c.db.data)


@command("swapdb", arity=3, flags="write fast", acl="keyspace dangerous", group="server",
         since="4.0.0", summary="Swaps two Redis databases.",
         complexity="O(N) where N is the count of clients watching or blocking on keys from both databases.",
         args=(arg("index1", "integer"), arg("index2", "integer")))
def cmd_swapdb(c: Any, argv: list[bytes]) -> Any:
    """Swap the contents of two Db objects, so every client that selected either index
    sees the other's keys at once.  Hooks in ``server.extensions["swapdb"]`` (``fn(server,
    db1, db2)``) let WATCH and blocked clients react, as Redis's ``touchAllWatchedKeysInDb``
    and ``scanDatabaseForReadyKeys`` do."""
    server = c.server
    if server.config.get("cluster-enabled"):
        raise err("SWAPDB is not allowed in cluster mode")
    i = parse_int(argv[1], lambda: err("invalid first DB index"))
    j = parse_int(argv[2], lambda: err("invalid second DB index"))
    n = len(server.dbs)
    if i < 0 or i >= n or j < 0 or j >= n:
        raise err("DB index is out of range")
    if i != j:
        a, b = server.dbs[i], server.dbs[j]
        a.data, b.data = b.data, a.data
        a.expires, b.expires = b.expires, a.expires
        a.avg_ttl, b.avg_ttl = b.avg_ttl, a.avg_ttl
        a.expires_cursor, b.expires_cursor = b.expires_cursor, a.expires_cursor
        _signal_ready_after_swap(server, (i, j))
        for hook in server.extensions.get("swapdb", ()):
            hook(server, a, b)
    server.dirty += 1
    return OK


def _signal_ready_after_swap(server: Any, indexes: tuple[int, int]) -> None:
    """Clients blocked on a key that now exists in a swapped database may be served
    (Redis's scanDatabaseForReadyKeys); the blocking engine retries them after SWAPDB."""
    blocking = getattr(server, "blocking", None)
    if blocking is None or not blocking.waiting:
        return
    for idx, key in list(blocking.waiting):
        if idx in indexes:
            db = server.dbs[idx]
            if key in db.data:
                blocking.signal(db, key)


@command("time", arity=1, flags="loading stale fast", group="server", since="2.6.0",
         summary="Returns the server time.", complexity="O(1)", tips=("nondeterministic_output",))
def cmd_time(c: Any, argv: list[bytes]) -> Any:
    now_us = time.time_ns() // 1000
    return [b"%d" % (now_us // 1000000), b"%d" % (now_us % 1000000)]


@command("lastsave", arity=1, flags="loading stale fast", acl="admin dangerous", group="server",
         since="1.0.0", summary="Returns the Unix timestamp of the last successful save to disk.",
         complexity="O(1)", tips=("nondeterministic_output",))
def cmd_lastsave(c: Any, argv: list[bytes]) -> Any:
    return c.server.lastsave_s


@command("shutdown", arity=-1, flags="admin noscript loading stale no_multi allow_busy", group="server",
         since="1.0.0",
         summary="Synchronously saves the database(s) to disk and shuts down the Redis server.",
         complexity="O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)",
         history=(("7.0.0", "Added the `NOW`, `FORCE` and `ABORT` modifiers."),),
         args=(
            arg("save-selector", "oneof", flags=("optional",), arguments=(
                arg("nosave", "pure-token", token="NOSAVE"),
                arg("save", "pure-token", token="SAVE"),
            )),
            arg("now", "pure-token", token="NOW", since="7.0.0", flags=("optional",)),
            arg("force", "pure-token", token="FORCE", since="7.0.0", flags=("optional",)),
            arg("abort", "pure-token", token="ABORT", since="7.0.0", flags=("optional",)),
         ))
def cmd_shutdown(c: Any, argv: list[bytes]) -> Any:
    """Parse as Redis does, then stop the server: no reply, the connection just closes.

    ``server.extensions["shutdown_prepare"]`` (persistence) may veto with an error."""
    flags: set[bytes] = set()
    abort = False
    for a in argv[1:]:
        low = a.lower()
        if low in (b"nosave", b"save", b"now", b"force"):
            flags.add(low)
        elif low == b"abort":
            abort = True
        else:
            raise SyntaxErr()
    if (abort and flags) or (b"nosave" in flags and b"save" in flags):
        raise SyntaxErr()
    server = c.server
    if abort:
        raise err("No shutdown in progress.")
    prepare = server.extensions.get("shutdown_prepare")
    if prepare is not None and not prepare(server, flags):
        raise err("Errors trying to SHUTDOWN. Check logs.")
    server.log("warning", "User requested shutdown...")
    if server.request_shutdown is not None:
        server.request_shutdown(0)
    c.close_after_reply = True
    return NO_REPLY


# ---- DEBUG ---------------------------------------------------------------------------

# lower-case action -> handler(c, argv); other subsystems register theirs here.
DEBUG_SUBCOMMANDS: dict[bytes, Callable[[Any, list[bytes]], Any]] = {}


def debug_subcommand(name: str) -> Callable:
    def deco(fn: Callable) -> Callable:
        DEBUG_SUBCOMMANDS[name.lower().encode()] = fn
        return fn

    return deco


@command("debug", arity=-2, flags="admin noscript loading stale protected", group="server", since="1.0.0",
         summary="A container for debugging commands.", complexity="Depends on subcommand.",
         doc_flags=("syscmd",))
def cmd_debug(c: Any, argv: list[bytes]) -> Any:
    if not protected_action_allowed(c, c.server.config.get("enable-debug-command", "yes")):
        raise err('DEBUG command not allowed. If the enable-debug-command option is set to "local", '
                  "you can run it from a local connection, otherwise you need to set this option "
                  "in the configuration file, and then restart the server.")
    fn = DEBUG_SUBCOMMANDS.get(argv[1].lower())
    if fn is None:
        raise CommandError(b"ERR unknown subcommand or wrong number of arguments for '%s'. Try DEBUG HELP."
                           % argv[1])
    return fn(c, argv)


def protected_action_allowed(c: Any, setting: Any) -> bool:
    """Redis's allowProtectedAction: ``yes``, or ``local`` from a unix socket or loopback."""
    if setting == "yes" or setting is True:
        return True
    if setting == "local":
        return c.unixsocket or c.addr.startswith(("127.", "[::1]"))
    return False


def _debug_syntax(argv: list[bytes]) -> CommandError:
    return CommandError(b"ERR unknown subcommand or wrong number of arguments for '%s'. Try DEBUG HELP."
                        % argv[1])


@debug_subcommand("sleep")
def debug_sleep(c: Any, argv: list[bytes]) -> Any:
    """Block the whole server, as Redis does (decimals allowed; junk reads as 0)."""
    if len(argv) != 3:
        raise _debug_syntax(argv)
    try:
        seconds = parse_float(argv[2])
    except CommandError:
        seconds = 0.0
    if seconds > 0:
        time.sleep(seconds)
    return OK


@debug_subcommand("set-active-expire")
def debug_set_active_expire(c: Any, argv: list[bytes]) -> Any:
    if len(argv) != 3:
        raise _debug_syntax(argv)
    try:
        flag = int(argv[2])
    except ValueError:
        flag = 0
    c.server.active_expire_enabled = bool(flag)
    return OK


@debug_subcommand("object")
def debug_object(c: Any, argv: list[bytes]) -> Any:
    if len(argv) != 3:
        raise _debug_syntax(argv)
    key = argv[2]
    value = c.db.lookup(key)
    if value is None:
        raise err("no such key")
    try:
        enc = c.db.encoding_of(key, value)
    except KeyError:  # a value class that did not register its encoding
        enc = b"unknown"
    # Persistence knows the real RDB size (LZF compression of long strings included).
    rdb_length = c.server.extensions.get("rdb_serialized_length")
    serialized = rdb_length(value) if rdb_length is not None else _serialized_length(value, enc)
    lru = getattr(c.db, "lru_clock_of", None)
    lru_clock = (c.server.cached_now_ms // 1000) & ((1 << 24) - 1)
    idle_s = 0
    if lru is not None:
        key_lru = lru(key)
        if key_lru is not None:
            idle_s = max(0, (lru_clock - key_lru) & ((1 << 24) - 1))
            lru_clock = key_lru
    refcount = 2147483647 if enc == b"int" and _shared_int(value) else 1
    line = b"Value at:0x%x refcount:%d encoding:%s serializedlength:%d lru:%d lru_seconds_idle:%d" % (
        id(value), refcount, enc, serialized, lru_clock, idle_s)
    if enc == b"quicklist":
        line += _quicklist_details(value, c.server)
    return Simple(line)


def _quicklist_details(value: Any, server: Any) -> bytes:
    """The ``ql_*`` fields Redis appends for quicklist-encoded lists; node counts follow
    ``list-max-listpack-size`` (negative: a byte budget of 4KB << (-n - 1) per node)."""
    fill = server.config.get("list-max-listpack-size", -2)
    sizes = [_listpack_entry_size(len(x)) for x in value]
    total = sum(sizes)
    if fill > 0:
        nodes = max(1, -(-len(sizes) // fill))
    else:
        budget = 4096 << (min(-fill, 5) - 1)
        nodes = max(1, -(-total // budget))
    depth = server.config.get("list-compress-depth", 0)
    return b" ql_nodes:%d ql_avg_node:%.2f ql_listpack_max:%d ql_compressed:%d ql_uncompressed_size:%d" % (
        nodes, len(sizes) / nodes, fill, 1 if depth else 0, total + 7 * nodes)


def _listpack_entry_size(n: int) -> int:
    """Bytes of a string entry in a listpack: header, data, back-length."""
    size = n + (1 if n < 64 else 2 if n < 4096 else 5)
    return size + (1 if size < 128 else 2 if size < 16384 else 3 if size < 2097152 else 4)


def _shared_int(value: Any) -> bool:
    """Redis shares the integers 0..9999 (``OBJ_SHARED_INTEGERS``) with refcount INT_MAX."""
    try:
        return 0 <= int(value) < 10000
    except (TypeError, ValueError):
        return False


def _serialized_length(value: Any, enc: bytes) -> int:
    """The RDB-encoded length of a string value (other types: an estimate of the same)."""
    if isinstance(value, bytes):
        if enc == b"int":
            n = int(value)
            if -128 <= n <= 127:
                return 2
            if -32768 <= n <= 32767:
                return 3
            if -(2**31) <= n < 2**31:
                return 5
        ln = len(value)
        return ln + (1 if ln < 64 else 2 if ln < 16384 else 5)
    size = getattr(value, "serialized_length", None)
    if size is not None:
        return size() if callable(size) else size
    try:
        return 1 + sum(len(x) + 1 for x in value)
    except TypeError:
        return 1


@debug_subcommand("populate")
def debug_populate(c: Any, argv: list[bytes]) -> Any:
    """Create ``count`` string keys ``prefix:N`` = ``value:N`` (zero-padded or cut to
    ``size`` when given), skipping keys that exist.  Like Redis, the keys are not counted
    as changes, so nothing is propagated."""
    if not 3 <= len(argv) <= 5:
        raise _debug_syntax(argv)
    positive = lambda: err("value is out of range, must be positive")  # noqa: E731
    count = parse_int(argv[2], positive)
    size = parse_int(argv[4], positive) if len(argv) == 5 else 0
    if count < 0 or size < 0:
        raise positive()
    prefix = argv[3] if len(argv) >= 4 else b"key"
    db = c.db
    data = db.data
    for j in range(count):
        key = b"%s:%d" % (prefix, j)
        if db.lookup(key) is not None:
            continue
        value = b"value:%d" % j
        if size:
            value = value[:size].ljust(size, b"\0")
        data[key] = value
    return OK


_PROTOCOL_TYPES = b"string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false"


@debug_subcommand("protocol")
def debug_protocol(c: Any, argv: list[bytes]) -> Any:
    """One sample reply of each RESP type, for client library tests."""
    if len(argv) != 3:
        raise _debug_syntax(argv)
    name = argv[2].lower()
    resp3 = c.resp == 3
    if name == b"string":
        return b"Hello World"
    if name == b"integer":
        return 12345
    if name == b"double":
        return Raw(b",3.141\r\n" if resp3 else b"$5\r\n3.141\r\n")
    if name == b"bignum":
        n = b"1234567999999999999999999999999999999"
        return Raw(b"(%s\r\n" % n) if resp3 else n
    if name == b"null":
        return None
    if name == b"array":
        return [0, 1, 2]
    if name == b"set":
        return SetReply([0, 1, 2])
    if name == b"map":
        return {0: Bool(0), 1: Bool(1), 2: Bool(0)}
    if name == b"attrib":
        tail = b"$39\r\nSome real reply following the attribute\r\n"
        if resp3:
            return Raw(b"|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n" + tail)
        return Raw(tail)
    if name == b"push":
        if not resp3:
            raise err("RESP2 is not supported by this command")
        return Raw(b">2\r\n$16\r\nserver-cpu-usage\r\n:42\r\n"
                   b"$40\r\nSome real reply following the push reply\r\n")
    if name == b"verbatim":
        return Verbatim(b"This is a verbatim\nstring")
    if name in (b"true", b"false"):
        return Bool(name == b"true")
    raise CommandError(b"ERR Wrong protocol type name. Please use one of the following: " + _PROTOCOL_TYPES)


@debug_subcommand("log")
def debug_log(c: Any, argv: list[bytes]) -> Any:
    if len(argv) != 3:
        raise _debug_syntax(argv)
    c.server.log("warning", "DEBUG LOG: " + argv[2].decode("utf-8", "replace"))
    return OK


@debug_subcommand("error")
def debug_error(c: Any, argv: list[bytes]) -> Any:
    """Reply with the given text as an error, as is (no ``ERR`` prefix)."""
    if len(argv) != 3:
        raise _debug_syntax(argv)
    raise CommandError(argv[2])


@debug_subcommand("help")
def debug_help(c: Any, argv: list[bytes]) -> Any:
    if len(argv) != 2:
        raise _debug_syntax(argv)
    return help_reply(DEBUG_HELP)


DEBUG_HELP = (
    "DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "AOF-FLUSH-SLEEP <microsec>",
    "    Server will sleep before flushing the AOF, this is used for testing.",
    "ASSERT",
    "    Crash by assertion failed.",
    "CHANGE-REPL-ID",
    "    Change the replication IDs of the instance.",
    "    Dangerous: should be used only for testing the replication subsystem.",
    "CONFIG-REWRITE-FORCE-ALL",
    "    Like CONFIG REWRITE but writes all configuration options, including",
    "    keywords not listed in original configuration file or default values.",
    "CRASH-AND-RECOVER [<milliseconds>]",
    "    Hard crash and restart after a <milliseconds> delay (default 0).",
    "DIGEST",
    "    Output a hex signature representing the current DB content.",
    "DIGEST-VALUE <key> [<key> ...]",
    "    Output a hex signature of the values of all the specified keys.",
    "ERROR <string>",
    "    Return a Redis protocol error with <string> as message. Useful for clients",
    "    unit tests to simulate Redis errors.",
    "LEAK <string>",
    "    Create a memory leak of the input string.",
    "LOG <message>",
    "    Write <message> to the server log.",
    "HTSTATS <dbid>",
    "    Return hash table statistics of the specified Redis database.",
    "HTSTATS-KEY <key>",
    "    Like HTSTATS but for the hash table stored at <key>'s value.",
    "LOADAOF",
    "    Flush the AOF buffers on disk and reload the AOF in memory.",
    "REPLICATE <string>",
    "    Replicates the provided string to replicas, allowing data divergence.",
    "MALLCTL <key> [<val>]",
    "    Get or set a malloc tuning integer.",
    "MALLCTL-STR <key> [<val>]",
    "    Get or set a malloc tuning string.",
    "OBJECT <key>",
    "    Show low level info about `key` and associated value.",
    "DROP-CLUSTER-PACKET-FILTER <packet-type>",
    "    Drop all packets that match the filtered type. Set to -1 allow all packets.",
    "OOM",
    "    Crash the server simulating an out-of-memory error.",
    "PANIC",
    "    Crash the server simulating a panic.",
    "POPULATE <count> [<prefix>] [<size>]",
    "    Create <count> string keys named key:<num>. If <prefix> is specified then",
    "    it is used instead of the 'key' prefix. These are not propagated to",
    "    replicas. Cluster slots are not respected so keys not belonging to the",
    "    current node can be created in cluster mode.",
    "PROTOCOL <type>",
    "    Reply with a test value of the specified type. <type> can be: string,",
    "    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
    "    true, false.",
    "RELOAD [option ...]",
    "    Save the RDB on disk and reload it back to memory. Valid <option> values:",
    "    * MERGE: conflicting keys will be loaded from RDB.",
    "    * NOFLUSH: the existing database will not be removed before load, but",
    "      conflicting keys will generate an exception and kill the server.",
    "    * NOSAVE: the database will be loaded from an existing RDB file.",
    "    Examples:",
    "    * DEBUG RELOAD: verify that the server is able to persist, flush and reload",
    "      the database.",
    "    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an",
    "      existing RDB file.",
    "    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB",
    "      file to the database.",
    "RESTART [<milliseconds>]",
    "    Graceful restart: save config, db, restart after a <milliseconds> delay (default 0).",
    "SDSLEN <key>",
    "    Show low level SDS string info representing `key` and value.",
    "SEGFAULT",
    "    Crash the server with sigsegv.",
    "SET-ACTIVE-EXPIRE <0|1>",
    "    Setting it to 0 disables expiring keys in background when they are not",
    "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
    "    default.",
    "QUICKLIST-PACKED-THRESHOLD <size>",
    "    Sets the threshold for elements to be inserted as plain vs packed nodes",
    "    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.",
    "SET-SKIP-CHECKSUM-VALIDATION <0|1>",
    "    Enables or disables checksum checks for RDB files and RESTORE's payload.",
    "SLEEP <seconds>",
    "    Stop the server for <seconds>. Decimals allowed.",
    "STRINGMATCH-TEST",
    "    Run a fuzz tester against the stringmatchlen() function.",
    "STRUCTSIZE",
    "    Return the size of different Redis core C structures.",
    "LISTPACK <key>",
    "    Show low level info about the listpack encoding of <key>.",
    "QUICKLIST <key> [<0|1>]",
    "    Show low level info about the quicklist encoding of <key>.",
    "    The optional argument (0 by default) sets the level of detail",
    "CLIENT-EVICTION",
    "    Show low level client eviction pools info (maxmemory-clients).",
    "PAUSE-CRON <0|1>",
    "    Stop periodic cron job processing.",
    "REPLYBUFFER PEAK-RESET-TIME <NEVER||RESET|time>",
    "    Sets the time (in milliseconds) to wait between client reply buffer peak resets.",
    "    In case NEVER is provided the last observed peak will never be reset",
    "    In case RESET is provided the peak reset time will be restored to the default value",
    "REPLYBUFFER RESIZING <0|1>",
    "    Enable or disable the reply buffer resize cron job",
    "CLUSTERLINK KILL <to|from|all> <node-id>",
    "    Kills the link based on the direction to/from (both) with the provided node.",
    "HELP",
    "    Prints this help.",
)
