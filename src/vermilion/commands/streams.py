"""Stream commands (Redis's t_stream.c command half): thin handlers over ``datatypes/stream``.

Every handler parses and validates all of its arguments before it changes anything, in
Redis 7.2's order (so the first error reported is Redis's).  Replies of entries are
pre-encoded in one join (``_entries``).  Consumer-group commands propagate their
effect the way Redis does, never their argv: XREADGROUP and XAUTOCLAIM/XCLAIM as one
idempotent ``XCLAIM ... TIME <ms> RETRYCOUNT <n> FORCE JUSTID LASTID <id>`` per
delivered entry plus ``XGROUP SETID ... ENTRIESREAD <n>`` when the group's last ID
moved; XADD with its generated ID and with ``MAXLEN ~``/``MINID ~`` rewritten to the
exact ``=`` threshold that resulted.

Blocking (XREAD/XREADGROUP BLOCK) goes through ``engine/blocking.py``: XADD and XGROUP
DESTROY signal the key; the ``serve`` callback re-runs the read as Redis 7.2 re-runs the
blocked command (``$`` resolved to the ID it stood for when the client blocked), so a
destroyed group answers ``-NOGROUP`` and a replaced key ``WRONGTYPE``.
"""

from __future__ import annotations

from typing import Any

from ..datatypes.stream import (INVALID_ENTRIES_READ, MAX_ID, U64, Consumer, Group, Nack, StreamValue, encoding,
                                id_str)
from ..engine.blocking import block, may_block, parse_timeout_ms, signal_key_ready
from ..keyspace.notify import NOTIFY_STREAM, notify
from ..keyspace.types import register_type
from ..protocol.errors import CommandError, SyntaxErr, WrongType, wrong_arity
from ..protocol.reply import NullArray, OK, Raw, Simple
from ..protocol.resp_parser import string2ll
from .registry import command, container
from .spec import arg, ks
from .util import parse_int

register_type(StreamValue, b"stream", encoding)

INVALID_ID = b"ERR Invalid stream ID specified as stream command argument"


# ---- IDs ------------------------------------------------------------------------------


def _strtoull(s: bytes) -> int | None:
    """Redis's ``string2ull``: string2ll if it fits (negative = invalid), else strtoull."""
    v = string2ll(s)
    if v is not None:
        return v if v >= 0 else None
    t = s.lstrip(b" \t\n\v\f\r")
    neg = t[:1] == b"-"
    if t[:1] in (b"+", b"-"):
        t = t[1:]
    if not t or not t.isdigit():
        return None
    v = int(t)
    if v > U64:
        return None
    return (-v) & U64 if neg else v


def parse_id(raw: bytes, missing_seq: int = 0, strict: bool = True) -> int:
    """``<ms>[-<seq>]`` (or ``-``/``+`` unless strict) as an int ID."""
    if len(raw) > 127:
        raise CommandError(INVALID_ID)
    if raw == b"-" or raw == b"+":
        if strict:
            raise CommandError(INVALID_ID)
        return 0 if raw == b"-" else MAX_ID
    ms_s, dash, seq_s = raw.partition(b"-")
    ms = _strtoull(ms_s)
    if ms is None:
        raise CommandError(INVALID_ID)
    if dash:
        seq = _strtoull(seq_s)
        if seq is None:
            raise CommandError(INVALID_ID)
    else:
        seq = missing_seq
    return (ms << 64) | seq


def _parse_xadd_id(raw: bytes) -> tuple[int, bool]:
    """XADD's explicit ID: (id, seq_given); ``<ms>-*`` leaves the sequence to us."""
    if raw.endswith(b"-*") and raw != b"-*" and len(raw) <= 127:
        ms = _strtoull(raw[:-2])
        if ms is None or b"-" in raw[:-2]:
            raise CommandError(INVALID_ID)
        return ms << 64, False
    return parse_id(raw), True


def _interval(raw: bytes, missing_seq: int) -> tuple[int, bool]:
    """An XRANGE/XPENDING bound: ``(`` makes it exclusive (then strict)."""
    if len(raw) > 1 and raw[0] == 40:
        return parse_id(raw[1:], missing_seq, True), True
    return parse_id(raw, missing_seq, False), False


def _range_bounds(start_raw: bytes, end_raw: bytes) -> tuple[int, int]:
    start, ex = _interval(start_raw, 0)
    if ex:
        if start == MAX_ID:
            raise CommandError(b"ERR invalid start ID for the interval")
        start += 1
    end, ex = _interval(end_raw, U64)
    if ex:
        if end == 0:
            raise CommandError(b"ERR invalid end ID for the interval")
        end -= 1
    return start, end


# ---- replies --------------------------------------------------------------------------


_NULL_ARRAY = {2: b"*-1\r\n", 3: b"_\r\n"}


def _entries(items: list, resp: int = 2) -> Raw:
    """An array of (id, encoded entry) pairs; a None entry (a PEL ID whose entry was
    deleted, in a history read) is ``[id, null array]``."""
    parts = [b"*%d\r\n" % len(items)]
    for i, enc in items:
        if enc is None:
            s = id_str(i)
            enc = b"*2\r\n$%d\r\n%b\r\n%b" % (len(s), s, _NULL_ARRAY[resp])
        parts.append(enc)
    return Raw(b"".join(parts))


def _read_stream(c: Any, key: bytes) -> StreamValue | None:
    return c.db.get_typed(key, StreamValue)


def _write_stream(c: Any, key: bytes) -> StreamValue | None:
    return c.db.get_typed(key, StreamValue, read=False)


def _propagate(c: Any, argvs: list[list[bytes]] | None, dirty_before: int) -> None:
    """Propagate ``argvs`` instead of argv (``[]``: nothing) -- only when the command
    changed data, so that no stale ``propagate_as`` reaches a later command."""
    if argvs is not None and c.server.dirty != dirty_before:
        c.propagate_as = argvs


def _now(c: Any) -> int:
    return c.server.cached_now_ms


# ---- XADD / XTRIM ---------------------------------------------------------------------


class TrimArgs:
    __slots__ = ("maxlen", "minid", "approx", "limit", "arg_idx", "nomkstream", "id", "seq_given", "id_idx")

    def __init__(self) -> None:
        self.maxlen: int | None = None
        self.minid: int | None = None
        self.approx = False
        self.limit = 0
        self.arg_idx = 0
        self.nomkstream = False
        self.id: int | None = None
        self.seq_given = True
        self.id_idx = 0

    @property
    def strategy(self) -> bool:
        return self.maxlen is not None or self.minid is not None


def _parse_add_trim(c: Any, argv: list[bytes], xadd: bool) -> TrimArgs:
    """streamParseAddOrTrimArgsOrReply: options up to the ID (XADD) or the end (XTRIM)."""
    a = TrimArgs()
    i = 2
    n = len(argv)
    limit_given = False
    while i < n:
        more = n - 1 - i
        opt = argv[i]
        low = opt.lower()
        if xadd and opt == b"*":
            break
        if low in (b"maxlen", b"minid") and more:
            if a.strategy:
                raise CommandError(b"ERR syntax error, MAXLEN and MINID options at the same time are not compatible")
            a.approx = False
            nxt = argv[i + 1]
            if more >= 2 and nxt == b"~":
                a.approx = True
                i += 1
            elif more >= 2 and nxt == b"=":
                i += 1
            if low == b"maxlen":
                v = parse_int(argv[i + 1])
                if v < 0:
                    raise CommandError(b"ERR The MAXLEN argument must be >= 0.")
                a.maxlen = v
            else:
                a.minid = parse_id(argv[i + 1])
            i += 1
            a.arg_idx = i
        elif low == b"limit" and more:
            v = parse_int(argv[i + 1])
            if v < 0:
                raise CommandError(b"ERR The LIMIT argument must be >= 0.")
            a.limit = v
            limit_given = True
            i += 1
        elif xadd and low == b"nomkstream":
            a.nomkstream = True
        elif xadd:
            a.id, a.seq_given = _parse_xadd_id(opt)
            break
        else:
            raise SyntaxErr()
        i += 1
    a.id_idx = i
    if limit_given and not a.strategy:
        raise CommandError(b"ERR syntax error, LIMIT cannot be used without specifying a trimming strategy")
    if not xadd and not a.strategy:
        raise CommandError(b"ERR syntax error, XTRIM must be called with a trimming strategy")
    if limit_given:
        if not a.approx:
            raise CommandError(b"ERR syntax error, LIMIT cannot be used without the special ~ option")
    elif a.approx:
        a.limit = 100 * c.server.config.get("stream-node-max-entries", 100)
        if a.limit <= 0 or a.limit > 1000000:
            a.limit = 1000000
    else:
        a.limit = 0
    return a


_AUTO_ID = TrimArgs()  # XADD key * ...: the common case, no options to parse
_AUTO_ID.id_idx = 2


def _trim(s: StreamValue, a: TrimArgs) -> int:
    return s.trim(a.maxlen, a.minid, a.approx, a.limit)


def _rewrite_trim(argv: list[bytes], s: StreamValue, a: TrimArgs) -> None:
    """MAXLEN/MINID ~ x -> = <what resulted>, so replicas trim exactly the same."""
    argv[a.arg_idx - 1] = b"="
    argv[a.arg_idx] = b"%d" % s.length if a.maxlen is not None else id_str(s.first_physical_id())


_TRIM_ARGS = (
    arg("strategy", "oneof", arguments=(arg("maxlen", "pure-token", token="MAXLEN"),
                                        arg("minid", "pure-token", token="MINID", since="6.2.0"))),
    arg("operator", "oneof", flags=("optional",), arguments=(arg("equal", "pure-token", token="="),
                                                             arg("approximately", "pure-token", token="~"))),
    arg("threshold", "string"),
    arg("count", "integer", token="LIMIT", since="6.2.0", flags=("optional",)),
)


@command("xadd", arity=-5, flags="write denyoom fast", acl="stream", group="stream", since="5.0.0",
         summary="Appends a new message to a stream. Creates the key if it doesn't exist.",
         complexity="O(1) when adding a new entry, O(N) when trimming where N being the number of entries evicted.",
         tips=("nondeterministic_output",),
         keys=[ks("RW UPDATE", 1, notes="UPDATE instead of INSERT because of the optional trimming feature")],
         history=(("6.2.0", "Added the `NOMKSTREAM` option, `MINID` trimming strategy and the `LIMIT` option."),
                  ("7.0.0", "Added support for the `<ms>-*` explicit ID form.")),
         args=(arg("key", "key", key_spec_index=0),
               arg("nomkstream", "pure-token", token="NOMKSTREAM", since="6.2.0", flags=("optional",)),
               arg("trim", "block", flags=("optional",), arguments=_TRIM_ARGS),
               arg("id-selector", "oneof", arguments=(arg("auto-id", "pure-token", token="*"),
                                                      arg("id", "string"))),
               arg("data", "block", flags=("multiple",), arguments=(arg("field", "string"),
                                                                    arg("value", "string")))))
def cmd_xadd(c: Any, argv: list[bytes]) -> Any:
    a = _AUTO_ID if argv[2] == b"*" else _parse_add_trim(c, argv, True)
    field_pos = a.id_idx + 1
    nf = len(argv) - field_pos
    if nf < 2 or nf % 2:
        raise wrong_arity(b"xadd")
    if a.id == 0 and a.seq_given:
        raise CommandError(b"ERR The ID specified in XADD must be greater than 0-0")
    key = argv[1]
    s = _write_stream(c, key)
    created = False
    if s is None:
        if a.nomkstream:
            return None
        s = StreamValue()
        created = True
    last = s.last_id
    if last == MAX_ID:
        raise CommandError(b"ERR The stream has exhausted the last possible ID, unable to add more items")
    if a.id is None:
        ms = _now(c)
        new_id = (ms << 64) if ms > (last >> 64) else last + 1
    elif a.seq_given:
        new_id = a.id
    elif (last >> 64) == (a.id >> 64):
        if last & U64 == U64:
            raise CommandError(b"ERR The ID specified in XADD is equal or smaller than the target stream top item")
        new_id = last + 1
    else:
        new_id = a.id
    if new_id <= last:
        raise CommandError(b"ERR The ID specified in XADD is equal or smaller than the target stream top item")
    reply = id_str(new_id)
    values = c.server.config.values
    s.append(new_id, argv[field_pos:], values.get("stream-node-max-entries", 100),
             values.get("stream-node-max-bytes", 4096), reply)
    if created:
        c.db.set(key, s)
    else:
        c.server.dirty += 1
    rewrite = a.id is None or not a.seq_given
    if c.server.notify_flags:
        notify(c.server, NOTIFY_STREAM, b"xadd", key, c.db.index)
    if a.strategy:
        if _trim(s, a):
            notify(c.server, NOTIFY_STREAM, b"xtrim", key, c.db.index)
        if a.approx:
            rewrite = True
    if rewrite and c.server.propagate is not None:
        out = list(argv)
        if a.strategy and a.approx:
            _rewrite_trim(out, s, a)
        out[a.id_idx] = reply
        c.propagate_as = [out]
    if c.server.blocking.waiting:
        signal_key_ready(c.db, key)
    return reply


@command("xtrim", arity=-4, flags="write", acl="stream", group="stream", since="5.0.0",
         summary="Deletes messages from the beginning of a stream.",
         complexity="O(N), with N being the number of evicted entries. Constant times are very small however, "
                    "since entries are organized in macro nodes containing multiple entries that can be released "
                    "with a single deallocation.",
         tips=("nondeterministic_output",), keys=[ks("RW DELETE", 1)],
         history=(("6.2.0", "Added the `MINID` trimming strategy and the `LIMIT` option."),),
         args=(arg("key", "key", key_spec_index=0), arg("trim", "block", arguments=_TRIM_ARGS)))
def cmd_xtrim(c: Any, argv: list[bytes]) -> Any:
    a = _parse_add_trim(c, argv, False)
    s = _write_stream(c, argv[1])
    if s is None:
        return 0
    deleted = _trim(s, a)
    if deleted:
        if a.approx and c.server.propagate is not None:
            out = list(argv)
            _rewrite_trim(out, s, a)
            c.propagate_as = [out]
        c.server.dirty += deleted
    return deleted


# ---- reads ----------------------------------------------------------------------------


@command("xlen", arity=2, flags="readonly fast", acl="stream", group="stream", since="5.0.0",
         summary="Return the number of messages in a stream.", complexity="O(1)",
         keys=[ks("RO", 1)], args=(arg("key", "key", key_spec_index=0),))
def cmd_xlen(c: Any, argv: list[bytes]) -> Any:
    s = _read_stream(c, argv[1])
    return 0 if s is None else s.length


def _xrange(c: Any, argv: list[bytes], rev: bool) -> Any:
    start, end = _range_bounds(argv[3], argv[2]) if rev else _range_bounds(argv[2], argv[3])
    count = -1
    j = 4
    n = len(argv)
    while j < n:
        if argv[j].lower() == b"count" and j + 1 < n:
            count = parse_int(argv[j + 1])
            if count < 0:
                count = 0
            j += 2
        else:
            raise SyntaxErr()
    s = _read_stream(c, argv[1])
    if s is None:
        return []
    if count == 0:
        return NullArray
    count = max(count, 0)
    if rev:
        return _entries(s.rev_range(start, end, count))
    n, chunks = s.range_encoded(start, end, count)
    return Raw(b"*%d\r\n%b" % (n, b"".join(chunks)))


@command("xrange", arity=-4, flags="readonly", acl="stream", group="stream", since="5.0.0",
         summary="Returns the messages from a stream within a range of IDs.",
         complexity="O(N) with N being the number of elements being returned. If N is constant (e.g. always "
                    "asking for the first 10 elements with COUNT), you can consider it O(1).",
         keys=[ks("RO ACCESS", 1)], history=(("6.2.0", "Added exclusive ranges."),),
         args=(arg("key", "key", key_spec_index=0), arg("start", "string"), arg("end", "string"),
               arg("count", "integer", token="COUNT", flags=("optional",))))
def cmd_xrange(c: Any, argv: list[bytes]) -> Any:
    return _xrange(c, argv, False)


@command("xrevrange", arity=-4, flags="readonly", acl="stream", group="stream", since="5.0.0",
         summary="Returns the messages from a stream within a range of IDs in reverse order.",
         complexity="O(N) with N being the number of elements returned. If N is constant (e.g. always asking for "
                    "the first 10 elements with COUNT), you can consider it O(1).",
         keys=[ks("RO ACCESS", 1)], history=(("6.2.0", "Added exclusive ranges."),),
         args=(arg("key", "key", key_spec_index=0), arg("end", "string"), arg("start", "string"),
               arg("count", "integer", token="COUNT", flags=("optional",))))
def cmd_xrevrange(c: Any, argv: list[bytes]) -> Any:
    return _xrange(c, argv, True)


@command("xdel", arity=-3, flags="write fast", acl="stream", group="stream", since="5.0.0",
         summary="Returns the number of messages after removing them from a stream.",
         complexity="O(1) for each single item to delete in the stream, regardless of the stream size.",
         keys=[ks("RW DELETE", 1)],
         args=(arg("key", "key", key_spec_index=0), arg("id", "string", flags=("multiple",))))
def cmd_xdel(c: Any, argv: list[bytes]) -> Any:
    s = _write_stream(c, argv[1])
    if s is None:
        return 0
    ids = [parse_id(raw) for raw in argv[2:]]
    deleted = 0
    for i in ids:
        if s.delete(i):
            deleted += 1
    c.server.dirty += deleted
    return deleted


# ---- XREAD / XREADGROUP -----------------------------------------------------------------

_GT = MAX_ID  # the ">" ID


class ReadArgs:
    __slots__ = ("timeout_at", "count", "noack", "group", "consumer", "keys", "ids")

    def __init__(self) -> None:
        self.timeout_at = -1
        self.count = 0
        self.noack = False
        self.group: bytes | None = None
        self.consumer = b""
        self.keys: list[bytes] = []
        self.ids: list[int] = []


def _parse_read(c: Any, argv: list[bytes], group_cmd: bool) -> ReadArgs:
    a = ReadArgs()
    n = len(argv)
    streams_arg = 0
    i = 1
    while i < n:
        more = n - i - 1
        o = argv[i].lower()
        if o == b"block" and more:
            i += 1
            a.timeout_at = parse_timeout_ms(argv[i], _now(c))
        elif o == b"count" and more:
            i += 1
            a.count = max(parse_int(argv[i]), 0)
        elif o == b"streams" and more:
            streams_arg = i + 1
            m = n - streams_arg
            if m % 2:
                # 7.2's text (redis#11799, #12238); 7.0 always said "XREAD" and '$'
                names = (b"xreadgroup", b">") if group_cmd else (b"xread", b"$")
                raise CommandError(b"ERR Unbalanced '%s' list of streams: for each stream key an ID or '%s' must "
                                   b"be specified." % names)
            break
        elif o == b"group" and more >= 2:
            if not group_cmd:
                raise CommandError(b"ERR The GROUP option is only supported by XREADGROUP. You called XREAD "
                                   b"instead.")
            a.group, a.consumer = argv[i + 1], argv[i + 2]
            i += 2
        elif o == b"noack":
            if not group_cmd:
                raise CommandError(b"ERR The NOACK option is only supported by XREADGROUP. You called XREAD "
                                   b"instead.")
            a.noack = True
        else:
            raise SyntaxErr()
        i += 1
    if not streams_arg:
        raise SyntaxErr()
    if group_cmd and a.group is None:
        raise CommandError(b"ERR Missing GROUP option for XREADGROUP")
    half = (n - streams_arg) // 2
    a.keys = argv[streams_arg: streams_arg + half]
    db = c.db
    for k, raw in zip(a.keys, argv[streams_arg + half:]):
        s = db.lookup_read(k)
        if s is not None and type(s) is not StreamValue:
            raise WrongType()
        if a.group is not None and (s is None or a.group not in s.groups):
            raise _nogroup_read(k, a.group)
        if raw == b"$":
            if group_cmd:
                raise CommandError(b"ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the "
                                   b"history of this consumer by specifying a proper ID, or use the > ID to get new "
                                   b"messages. The $ ID would just return an empty result set.")
            a.ids.append(s.last_id if s is not None else 0)
        elif raw == b">":
            if not group_cmd:
                raise CommandError(b"ERR The > ID can be specified only when calling XREADGROUP using the GROUP "
                                   b"<group> <consumer> option.")
            a.ids.append(_GT)
        else:
            a.ids.append(parse_id(raw))
    return a


def _nogroup_read(key: bytes, group: bytes) -> CommandError:
    return CommandError(b"NOGROUP No such key '%s' or consumer group '%s' in XREADGROUP with GROUP option"
                        % (key, group))


def _xclaim_argv(key: bytes, gname: bytes, g: Group, i: int, nack: Nack) -> list[bytes]:
    return [b"XCLAIM", key, gname, nack.consumer.name if nack.consumer else b"", b"0", id_str(i), b"TIME",
            b"%d" % nack.delivery_time, b"RETRYCOUNT", b"%d" % nack.delivery_count, b"FORCE", b"JUSTID",
            b"LASTID", id_str(g.last_id)]


def _setid_argv(key: bytes, gname: bytes, g: Group) -> list[bytes]:
    return [b"XGROUP", b"SETID", key, gname, id_str(g.last_id), b"ENTRIESREAD", b"%d" % g.entries_read]


def _serve_group(c: Any, key: bytes, s: StreamValue, g: Group, consumer: Consumer, start: int, count: int,
                 noack: bool, props: list | None) -> list:
    """Deliver new entries from ``start`` to ``consumer`` (streamReplyWithRange with a group)."""
    now = _now(c)
    items = s.range(start, MAX_ID, count)
    moved = False
    gname = g.name
    for i, _fv in items:
        if i > g.last_id:
            s.advance_group(g, i)
            moved = True
        if not noack:
            pel = g.pel
            nack = pel.map.get(i)
            if nack is None:
                nack = Nack(now, consumer)
                pel.add(i, nack)
                consumer.pel.add(i, nack)
            else:
                if nack.consumer is not None:
                    nack.consumer.pel.remove(i)
                nack.consumer = consumer
                nack.delivery_time = now
                nack.delivery_count = 1
                consumer.pel.add(i, nack)
            consumer.active_time = now
            if props is not None:
                props.append(_xclaim_argv(key, gname, g, i, nack))
    if moved:
        if props is not None:
            props.append(_setid_argv(key, gname, g))
    return items


def _serve_history(c: Any, s: StreamValue, consumer: Consumer, start: int, count: int) -> list:
    now = _now(c)
    pel = consumer.pel
    ids = pel.ids
    out = []
    p = pel.range_from(start)
    while p < len(ids) and (not count or len(out) < count):
        i = ids[p]
        fv = s.get(i)
        if fv is not None:
            nack = pel.map[i]
            nack.delivery_time = now
            nack.delivery_count += 1
        out.append((i, fv))
        p += 1
    return out


def _do_read(c: Any, a: ReadArgs, props: list | None) -> Any:
    """One pass over the streams: the reply, or None when nothing could be served."""
    db = c.db
    resp = c.resp
    parts: list[bytes] = []
    served = 0
    now = _now(c)
    for idx, key in enumerate(a.keys):
        s = db.lookup_read(key)
        if s is None:
            if a.group is not None:
                raise _nogroup_read(key, a.group)  # deleted since the command blocked
            continue
        if type(s) is not StreamValue:
            raise WrongType()
        gt = a.ids[idx]
        items = None
        if a.group is not None:
            g = s.groups.get(a.group)
            if g is None:
                raise _nogroup_read(key, a.group)
            consumer = g.consumers.get(a.consumer)
            if consumer is None:
                consumer = g.consumers[a.consumer] = Consumer(a.consumer, now)
                c.server.dirty += 1
                notify(c.server, NOTIFY_STREAM, b"xgroup-createconsumer", key, c.db.index)
                if a.noack:
                    if props is not None:
                        props.append([b"XGROUP", b"CREATECONSUMER", key, a.group, a.consumer])
            consumer.seen_time = now
            if gt != _GT:
                items = _serve_history(c, s, consumer, gt + 1 if gt != MAX_ID else gt, a.count)
                c.server.dirty += 1
            elif s.length and s.last_valid_id() > g.last_id:
                items = _serve_group(c, key, s, g, consumer, g.last_id + 1, a.count, a.noack, props)
                c.server.dirty += 1
        elif s.length and s.last_valid_id() > gt:
            n, chunks = s.range_encoded(gt + 1, MAX_ID, a.count)
            items = Raw(b"*%d\r\n%b" % (n, b"".join(chunks)))
        if items is None:
            continue
        served += 1
        if resp == 2:
            parts.append(b"*2\r\n")
        parts.append(b"$%d\r\n%b\r\n" % (len(key), key))
        parts.append(items if items.__class__ is Raw else _entries(items, resp))
    if not served:
        return None
    return Raw((b"*%d\r\n" if resp == 2 else b"%%%d\r\n") % served + b"".join(parts))


def _xread(c: Any, argv: list[bytes], group_cmd: bool) -> Any:
    a = _parse_read(c, argv, group_cmd)
    props: list | None = [] if c.server.propagate is not None else None
    dirty0 = c.server.dirty
    reply = _do_read(c, a, props)
    _propagate(c, props, dirty0)
    if reply is not None:
        return reply
    if a.timeout_at == -1 or not may_block(c):
        return NullArray

    def serve(c: Any, key: bytes) -> Any:
        props: list | None = [] if c.server.propagate is not None else None
        dirty0 = c.server.dirty
        s = c.db.lookup(key)
        if a.group is None:
            if s is None or type(s) is not StreamValue:
                return None
        elif s is None:
            raise CommandError(b"UNBLOCKED the stream key no longer exists")
        r = _do_read(c, a, props)
        _propagate(c, props, dirty0)
        return r

    return block(c, argv, a.keys, a.timeout_at, serve)


@command("xread", arity=-4, flags="readonly blocking", acl="stream", group="stream", since="5.0.0",
         summary="Returns messages from multiple streams with IDs greater than the ones requested. Blocks until a "
                 "message is available otherwise.",
         complexity="For each stream mentioned: O(N) with N being the number of elements being returned, it means "
                    "that XREAD-ing with a fixed COUNT is O(1). Note that when the BLOCK option is used, XADD will "
                    "pay O(M) time in order to serve the M clients blocked on the stream getting new data.",
         keys=[ks("RO ACCESS", keyword=b"STREAMS", startfrom=1, last=-1, limit=2)],
         args=(arg("count", "integer", token="COUNT", flags=("optional",)),
               arg("milliseconds", "integer", token="BLOCK", flags=("optional",)),
               arg("streams", "block", token="STREAMS", arguments=(
                   arg("key", "key", key_spec_index=0, flags=("multiple",)),
                   arg("id", "string", flags=("multiple",))))))
def cmd_xread(c: Any, argv: list[bytes]) -> Any:
    return _xread(c, argv, False)


@command("xreadgroup", arity=-7, flags="write blocking", acl="stream", group="stream", since="5.0.0",
         summary="Returns new or historical messages from a stream for a consumer in a group. Blocks until a "
                 "message is available otherwise.",
         complexity="For each stream mentioned: O(M) with M being the number of elements returned. If M is "
                    "constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1). "
                    "On the other side when XREADGROUP blocks, XADD will pay the O(N) time in order to serve the N "
                    "clients blocked on the stream getting new data.",
         keys=[ks("RO ACCESS", keyword=b"STREAMS", startfrom=4, last=-1, limit=2)],
         args=(arg("group-block", "block", token="GROUP", arguments=(arg("group", "string"),
                                                                     arg("consumer", "string"))),
               arg("count", "integer", token="COUNT", flags=("optional",)),
               arg("milliseconds", "integer", token="BLOCK", flags=("optional",)),
               arg("noack", "pure-token", token="NOACK", flags=("optional",)),
               arg("streams", "block", token="STREAMS", arguments=(
                   arg("key", "key", key_spec_index=0, flags=("multiple",)),
                   arg("id", "string", flags=("multiple",))))))
def cmd_xreadgroup(c: Any, argv: list[bytes]) -> Any:
    return _xread(c, argv, True)


# ---- XGROUP ------------------------------------------------------------------------------

container("xgroup", arity=-2, group="stream", since="5.0.0", summary="A container for consumer groups commands.",
          complexity="Depends on subcommand.")

XGROUP_HELP = (
    "XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CREATE <key> <groupname> <id|$> [option]",
    "    Create a new consumer group. Options are:",
    "    * MKSTREAM",
    "      Create the empty stream if it does not exist.",
    "    * ENTRIESREAD entries_read",
    "      Set the group's entries_read counter (internal use).",
    "CREATECONSUMER <key> <groupname> <consumer>",
    "    Create a new consumer in the specified group.",
    "DELCONSUMER <key> <groupname> <consumer>",
    "    Remove the specified consumer.",
    "DESTROY <key> <groupname>",
    "    Remove the specified group.",
    "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
    "    Set the current group ID and entries_read counter.",
    "HELP",
    "    Prints this help.",
)


def _subcommand_error(argv: list[bytes]) -> CommandError:
    return CommandError(b"ERR unknown subcommand or wrong number of arguments for '%s'. Try %s HELP."
                        % (argv[1], argv[0].upper()))


def _xgroup_prelude(c: Any, argv: list[bytes]) -> tuple[StreamValue | None, Group | None, bool, int]:
    """xgroupCommand's shared part: options, key and group checks, in Redis's order."""
    opt = argv[1].lower()
    mkstream = False
    entries_read = INVALID_ENTRIES_READ
    i = 5
    n = len(argv)
    while i < n:
        low = argv[i].lower()
        if opt == b"create" and low == b"mkstream":
            mkstream = True
            i += 1
        elif opt in (b"create", b"setid") and low == b"entriesread" and i + 1 < n:
            entries_read = parse_int(argv[i + 1])
            if entries_read < 0 and entries_read != INVALID_ENTRIES_READ:
                raise CommandError(b"ERR value for ENTRIESREAD must be positive or -1")
            i += 2
        else:
            raise _subcommand_error(argv)
    s = _write_stream(c, argv[2])
    g = None
    if not mkstream:
        if s is None:
            raise CommandError(b"ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you "
                               b"may want to use the MKSTREAM option to create an empty stream automatically.")
        g = s.groups.get(argv[3])
        if g is None and opt in (b"setid", b"createconsumer", b"delconsumer"):
            raise CommandError(b"NOGROUP No such consumer group '%s' for key name '%s'" % (argv[3], argv[2]))
    elif s is not None:
        g = s.groups.get(argv[3])
    return s, g, mkstream, entries_read


@command("xgroup|create", arity=-5, flags="write denyoom", acl="stream", since="5.0.0",
         summary="Creates a consumer group.", complexity="O(1)", keys=[ks("RW INSERT", 2)],
         history=(("7.0.0", "Added the `entries_read` named argument."),),
         args=(arg("key", "key", key_spec_index=0), arg("group", "string"),
               arg("id-selector", "oneof", arguments=(arg("id", "string"), arg("new-id", "pure-token", token="$"))),
               arg("mkstream", "pure-token", token="MKSTREAM", flags=("optional",)),
               arg("entriesread", "integer", token="ENTRIESREAD", display_text="entries-read",
                   flags=("optional",))))
def cmd_xgroup_create(c: Any, argv: list[bytes]) -> Any:
    s, g, _mk, entries_read = _xgroup_prelude(c, argv)
    if len(argv) > 8:
        raise _subcommand_error(argv)
    if argv[4] == b"$":
        gid = s.last_id if s is not None else 0
    else:
        gid = parse_id(argv[4])
    key, name = argv[2], argv[3]
    if s is None:
        s = StreamValue()
        c.db.set(key, s)
    if name in s.groups:
        raise CommandError(b"BUSYGROUP Consumer Group name already exists")
    s.groups[name] = Group(name, gid, entries_read)
    c.server.dirty += 1
    return OK


@command("xgroup|setid", arity=-5, flags="write", acl="stream", since="5.0.0",
         summary="Sets the last-delivered ID of a consumer group.", complexity="O(1)", keys=[ks("RW UPDATE", 2)],
         history=(("7.0.0", "Added the optional `entries_read` argument."),),
         args=(arg("key", "key", key_spec_index=0), arg("group", "string"),
               arg("id-selector", "oneof", arguments=(arg("id", "string"), arg("new-id", "pure-token", token="$"))),
               arg("entriesread", "integer", token="ENTRIESREAD", display_text="entries-read",
                   flags=("optional",))))
def cmd_xgroup_setid(c: Any, argv: list[bytes]) -> Any:
    s, g, _mk, entries_read = _xgroup_prelude(c, argv)
    if len(argv) not in (5, 7):
        raise _subcommand_error(argv)
    gid = s.last_id if argv[4] == b"$" else parse_id(argv[4], 0, False)
    g.last_id = gid
    g.entries_read = entries_read
    c.server.dirty += 1
    return OK


@command("xgroup|destroy", arity=4, flags="write", acl="stream", since="5.0.0",
         summary="Destroys a consumer group.",
         complexity="O(N) where N is the number of entries in the group's pending entries list (PEL).",
         keys=[ks("RW DELETE", 2)], args=(arg("key", "key", key_spec_index=0), arg("group", "string")))
def cmd_xgroup_destroy(c: Any, argv: list[bytes]) -> Any:
    s, g, _mk, _er = _xgroup_prelude(c, argv)
    if g is None:
        return 0
    del s.groups[argv[3]]
    c.server.dirty += 1
    signal_key_ready(c.db, argv[2])
    return 1


@command("xgroup|createconsumer", arity=5, flags="write denyoom", acl="stream", since="6.2.0",
         summary="Creates a consumer in a consumer group.", complexity="O(1)", keys=[ks("RW INSERT", 2)],
         args=(arg("key", "key", key_spec_index=0), arg("group", "string"), arg("consumer", "string")))
def cmd_xgroup_createconsumer(c: Any, argv: list[bytes]) -> Any:
    s, g, _mk, _er = _xgroup_prelude(c, argv)
    if argv[4] in g.consumers:
        return 0
    g.consumers[argv[4]] = Consumer(argv[4], _now(c))
    c.server.dirty += 1
    return 1


@command("xgroup|delconsumer", arity=5, flags="write", acl="stream", since="5.0.0",
         summary="Deletes a consumer from a consumer group.", complexity="O(1)", keys=[ks("RW DELETE", 2)],
         args=(arg("key", "key", key_spec_index=0), arg("group", "string"), arg("consumer", "string")))
def cmd_xgroup_delconsumer(c: Any, argv: list[bytes]) -> Any:
    s, g, _mk, _er = _xgroup_prelude(c, argv)
    consumer = g.consumers.pop(argv[4], None)
    if consumer is None:
        return 0
    pending = len(consumer.pel)
    gpel = g.pel
    for i in consumer.pel.ids:
        gpel.remove(i)
    c.server.dirty += 1
    return pending


@command("xgroup|help", arity=2, flags="loading stale", acl="stream", since="5.0.0",
         summary="Returns helpful text about the different subcommands.", complexity="O(1)")
def cmd_xgroup_help(c: Any, argv: list[bytes]) -> Any:
    return [Simple(line.encode()) for line in XGROUP_HELP]


# ---- acknowledgements and claims ----------------------------------------------------------


def _group_or_none(c: Any, key: bytes, gname: bytes) -> tuple[StreamValue | None, Group | None]:
    s = c.db.lookup_read(key)
    if s is None:
        return None, None
    if type(s) is not StreamValue:
        raise WrongType()
    return s, s.groups.get(gname)


def _nogroup(key: bytes, gname: bytes) -> CommandError:
    return CommandError(b"NOGROUP No such key '%s' or consumer group '%s'" % (key, gname))


@command("xack", arity=-4, flags="write fast", acl="stream", group="stream", since="5.0.0",
         summary="Returns the number of messages that were successfully acknowledged by the consumer group member "
                 "of a stream.",
         complexity="O(1) for each message ID processed.", keys=[ks("RW UPDATE", 1)],
         args=(arg("key", "key", key_spec_index=0), arg("group", "string"),
               arg("id", "string", flags=("multiple",))))
def cmd_xack(c: Any, argv: list[bytes]) -> Any:
    s, g = _group_or_none(c, argv[1], argv[2])
    if g is None:
        return 0
    ids = [parse_id(raw) for raw in argv[3:]]
    acked = 0
    pel = g.pel
    for i in ids:
        nack = pel.map.get(i)
        if nack is not None:
            pel.remove(i)
            nack.consumer.pel.remove(i)
            acked += 1
    c.server.dirty += acked
    return acked


@command("xpending", arity=-3, flags="readonly", acl="stream", group="stream", since="5.0.0",
         summary="Returns the information and entries from a stream consumer group's pending entries list.",
         complexity="O(N) with N being the number of elements returned, so asking for a small fixed number of "
                    "entries per call is O(1). O(M), where M is the total number of entries scanned when used with "
                    "the IDLE filter. When the command returns just the summary and the list of consumers is small, "
                    "it runs in O(1) time; otherwise, an additional O(N) time for iterating every consumer.",
         tips=("nondeterministic_output",), keys=[ks("RO ACCESS", 1)],
         history=(("6.2.0", "Added the `IDLE` option and exclusive range intervals."),),
         args=(arg("key", "key", key_spec_index=0), arg("group", "string"),
               arg("filters", "block", flags=("optional",), arguments=(
                   arg("min-idle-time", "integer", token="IDLE", since="6.2.0", flags=("optional",)),
                   arg("start", "string"), arg("end", "string"), arg("count", "integer"),
                   arg("consumer", "string", flags=("optional",))))))
def cmd_xpending(c: Any, argv: list[bytes]) -> Any:
    n = len(argv)
    if n != 3 and (n < 6 or n > 9):
        raise SyntaxErr()
    minidle = 0
    count = 0
    consumer_name = None
    start = end = 0
    if n >= 6:
        si = 3
        if argv[3].lower() == b"idle":
            minidle = parse_int(argv[4])
            if n < 8:
                raise SyntaxErr()
            si += 2
        count = max(parse_int(argv[si + 2]), 0)
        start, end = _range_bounds(argv[si], argv[si + 1])
        if si + 3 < n:
            consumer_name = argv[si + 3]
    s, g = _group_or_none(c, argv[1], argv[2])
    if g is None:
        raise _nogroup(argv[1], argv[2])
    pel = g.pel
    if n == 3:
        if not pel:
            return [0, None, None, NullArray]
        owners = [[cn.name, b"%d" % len(cn.pel)] for cn in g.sorted_consumers() if cn.pel]
        return [len(pel), id_str(pel.ids[0]), id_str(pel.ids[-1]), owners]
    if consumer_name is not None:
        cons = g.consumers.get(consumer_name)
        if cons is None:
            return []
        pel = cons.pel
    now = _now(c)
    out = []
    ids = pel.ids
    p = pel.range_from(start)
    while count and p < len(ids) and ids[p] <= end:
        i = ids[p]
        p += 1
        nack = pel.map[i]
        idle = now - nack.delivery_time
        if minidle and idle < minidle:
            continue
        count -= 1
        out.append([id_str(i), nack.consumer.name, max(idle, 0), nack.delivery_count])
    return out


def _claim_one(c: Any, g: Group, consumer: Consumer, i: int, nack: Nack, when: int, inc: bool) -> None:
    if nack.consumer is not consumer:
        if nack.consumer is not None:
            nack.consumer.pel.remove(i)
        consumer.pel.add(i, nack)
        nack.consumer = consumer
    nack.delivery_time = when
    if inc:
        nack.delivery_count += 1


def _get_consumer(c: Any, g: Group, name: bytes, key: bytes) -> Consumer:
    consumer = g.consumers.get(name)
    if consumer is None:
        consumer = g.consumers[name] = Consumer(name, _now(c))
        c.server.dirty += 1
        notify(c.server, NOTIFY_STREAM, b"xgroup-createconsumer", key, c.db.index)
    consumer.seen_time = _now(c)
    return consumer


@command("xclaim", arity=-6, flags="write fast", acl="stream", group="stream", since="5.0.0",
         summary="Changes, or acquires, ownership of a message in a consumer group, as if the message was "
                 "delivered a consumer group member.",
         complexity="O(log N) with N being the number of messages in the PEL of the consumer group.",
         tips=("nondeterministic_output",), keys=[ks("RW UPDATE", 1)],
         args=(arg("key", "key", key_spec_index=0), arg("group", "string"), arg("consumer", "string"),
               arg("min-idle-time", "string"), arg("id", "string", flags=("multiple",)),
               arg("ms", "integer", token="IDLE", flags=("optional",)),
               arg("unix-time-milliseconds", "unix-time", token="TIME", flags=("optional",)),
               arg("count", "integer", token="RETRYCOUNT", flags=("optional",)),
               arg("force", "pure-token", token="FORCE", flags=("optional",)),
               arg("justid", "pure-token", token="JUSTID", flags=("optional",)),
               arg("lastid", "string", token="LASTID", flags=("optional",))))
def cmd_xclaim(c: Any, argv: list[bytes]) -> Any:
    key, gname = argv[1], argv[2]
    s, g = _group_or_none(c, key, gname)
    if g is None:
        raise _nogroup(key, gname)
    minidle = max(parse_int(argv[4], lambda: CommandError(b"ERR Invalid min-idle-time argument for XCLAIM")), 0)
    ids = []
    j = 5
    n = len(argv)
    while j < n:
        try:
            ids.append(parse_id(argv[j]))
        except CommandError:
            break
        j += 1
    now = _now(c)
    force = justid = False
    retrycount = -1
    deliverytime = -1
    last_id = 0
    while j < n:
        more = n - 1 - j
        opt = argv[j].lower()
        if opt == b"force":
            force = True
        elif opt == b"justid":
            justid = True
        elif opt == b"idle" and more:
            j += 1
            deliverytime = now - parse_int(argv[j], lambda: CommandError(
                b"ERR Invalid IDLE option argument for XCLAIM"))
        elif opt == b"time" and more:
            j += 1
            deliverytime = parse_int(argv[j], lambda: CommandError(b"ERR Invalid TIME option argument for XCLAIM"))
        elif opt == b"retrycount" and more:
            j += 1
            retrycount = parse_int(argv[j], lambda: CommandError(
                b"ERR Invalid RETRYCOUNT option argument for XCLAIM"))
        elif opt == b"lastid" and more:
            j += 1
            last_id = parse_id(argv[j])
        else:
            raise CommandError(b"ERR Unrecognized XCLAIM option '%s'" % argv[j])
        j += 1
    props: list | None = [] if c.server.propagate is not None else None
    dirty0 = c.server.dirty
    propagate_last_id = False
    if last_id > g.last_id:
        g.last_id = last_id
        propagate_last_id = True
    if deliverytime == -1 or deliverytime < 0 or deliverytime > now:
        deliverytime = now
    consumer = _get_consumer(c, g, argv[3], argv[1])
    out: list = []
    pel = g.pel
    for i in ids:
        nack = pel.map.get(i)
        fv = s.get(i)
        if fv is None:
            if nack is not None:
                if props is not None:
                    props.append(_xclaim_argv(key, gname, g, i, nack))
                propagate_last_id = False
                pel.remove(i)
                nack.consumer.pel.remove(i)
                c.server.dirty += 1
            continue
        if force and nack is None:
            nack = Nack(now, None)
            pel.add(i, nack)
        if nack is None:
            continue
        if nack.consumer is not None and minidle and now - nack.delivery_time < minidle:
            continue
        _claim_one(c, g, consumer, i, nack, deliverytime, False)
        if retrycount >= 0:
            nack.delivery_count = retrycount
        elif not justid:
            nack.delivery_count += 1
        out.append(id_str(i) if justid else Raw(fv))
        consumer.active_time = now
        if props is not None:
            props.append(_xclaim_argv(key, gname, g, i, nack))
        propagate_last_id = False
        c.server.dirty += 1
    if propagate_last_id:
        if props is not None:
            props.append(_setid_argv(key, gname, g))
        c.server.dirty += 1
    _propagate(c, props, dirty0)
    return out


@command("xautoclaim", arity=-6, flags="write fast", acl="stream", group="stream", since="6.2.0",
         summary="Changes, or acquires, ownership of messages in a consumer group, as if the messages were "
                 "delivered to as consumer group member.",
         complexity="O(1) if COUNT is small.", tips=("nondeterministic_output",), keys=[ks("RW DELETE", 1)],
         history=(("7.0.0", "Added an element to the reply array, containing deleted entries the command cleared "
                            "from the PEL"),),
         args=(arg("key", "key", key_spec_index=0), arg("group", "string"), arg("consumer", "string"),
               arg("min-idle-time", "string"), arg("start", "string"),
               arg("count", "integer", token="COUNT", flags=("optional",)),
               arg("justid", "pure-token", token="JUSTID", flags=("optional",))))
def cmd_xautoclaim(c: Any, argv: list[bytes]) -> Any:
    key, gname = argv[1], argv[2]
    minidle = max(parse_int(argv[4], lambda: CommandError(b"ERR Invalid min-idle-time argument for XAUTOCLAIM")),
                  0)
    start, ex = _interval(argv[5], 0)
    if ex:
        if start == MAX_ID:
            raise CommandError(b"ERR invalid start ID for the interval")
        start += 1
    count = 100
    justid = False
    j = 6
    n = len(argv)
    max_count = (2**63 - 1) // 16
    while j < n:
        opt = argv[j].lower()
        if opt == b"count" and n - 1 - j:
            v = string2ll(argv[j + 1])
            if v is None or v < 1 or v > max_count:
                raise CommandError(b"ERR COUNT must be > 0")
            count = v
            j += 1
        elif opt == b"justid":
            justid = True
        else:
            raise SyntaxErr()
        j += 1
    s, g = _group_or_none(c, key, gname)
    if g is None:
        raise _nogroup(key, gname)
    dirty0 = c.server.dirty
    consumer = _get_consumer(c, g, argv[3], key)
    now = _now(c)
    attempts = count * 10
    pel = g.pel
    ids = pel.ids
    p = pel.range_from(start)
    claimed: list = []
    deleted: list = []
    props: list | None = [] if c.server.propagate is not None else None
    while attempts and count and p < len(ids):
        attempts -= 1
        i = ids[p]
        nack = pel.map[i]
        fv = s.get(i)
        if fv is None:
            if props is not None:
                props.append(_xclaim_argv(key, gname, g, i, nack))
            c.server.dirty += 1
            pel.remove(i)
            nack.consumer.pel.remove(i)
            deleted.append(id_str(i))
            count -= 1
            continue
        p += 1
        if minidle and now - nack.delivery_time < minidle:
            continue
        _claim_one(c, g, consumer, i, nack, now, not justid)
        claimed.append(id_str(i) if justid else Raw(fv))
        count -= 1
        consumer.active_time = now
        if props is not None:
            props.append(_xclaim_argv(key, gname, g, i, nack))
        c.server.dirty += 1
    cursor = id_str(ids[p]) if p < len(ids) else b"0-0"
    _propagate(c, props, dirty0)
    return [cursor, claimed, deleted]


# ---- XINFO / XSETID ----------------------------------------------------------------------

container("xinfo", arity=-2, group="stream", since="5.0.0", summary="A container for stream introspection commands.",
          complexity="Depends on subcommand.")

XINFO_HELP = (
    "XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CONSUMERS <key> <groupname>",
    "    Show consumers of <groupname>.",
    "GROUPS <key>",
    "    Show the stream consumer groups.",
    "STREAM <key> [FULL [COUNT <count>]",
    "    Show information about the stream.",
    "HELP",
    "    Prints this help.",
)


def _info_stream(c: Any, argv: list[bytes]) -> StreamValue:
    s = c.db.lookup_read(argv[2])
    if s is None:
        raise CommandError(b"ERR no such key")
    if type(s) is not StreamValue:
        raise WrongType()
    return s


@command("xinfo|consumers", arity=4, flags="readonly", acl="stream", since="5.0.0",
         summary="Returns a list of the consumers in a consumer group.", complexity="O(1)",
         tips=("nondeterministic_output",), keys=[ks("RO ACCESS", 2)],
         history=(("7.2.0", "Added the `inactive` field."),),
         args=(arg("key", "key", key_spec_index=0), arg("group", "string")))
def cmd_xinfo_consumers(c: Any, argv: list[bytes]) -> Any:
    s = _info_stream(c, argv)
    g = s.groups.get(argv[3])
    if g is None:
        raise CommandError(b"NOGROUP No such consumer group '%s' for key name '%s'" % (argv[3], argv[2]))
    now = _now(c)
    out = []
    for cn in g.sorted_consumers():
        out.append({b"name": cn.name, b"pending": len(cn.pel), b"idle": max(now - cn.seen_time, 0),
                    b"inactive": now - cn.active_time if cn.active_time != -1 else -1})
    return out


def _group_info(s: StreamValue, g: Group) -> dict:
    return {b"name": g.name, b"consumers": len(g.consumers), b"pending": len(g.pel),
            b"last-delivered-id": id_str(g.last_id),
            b"entries-read": g.entries_read if g.entries_read != INVALID_ENTRIES_READ else None,
            b"lag": s.lag(g)}


@command("xinfo|groups", arity=3, flags="readonly", acl="stream", since="5.0.0",
         summary="Returns a list of the consumer groups of a stream.", complexity="O(1)",
         keys=[ks("RO ACCESS", 2)], history=(("7.0.0", "Added the `entries-read` and `lag` fields"),),
         args=(arg("key", "key", key_spec_index=0),))
def cmd_xinfo_groups(c: Any, argv: list[bytes]) -> Any:
    s = _info_stream(c, argv)
    return [_group_info(s, s.groups[name]) for name in sorted(s.groups)]


@command("xinfo|stream", arity=-3, flags="readonly", acl="stream", since="5.0.0",
         summary="Returns information about a stream.", complexity="O(1)", keys=[ks("RO ACCESS", 2)],
         history=(("6.0.0", "Added the `FULL` modifier."),
                  ("7.0.0", "Added the `max-deleted-entry-id`, `entries-added`, `recorded-first-entry-id`, "
                            "`entries-read` and `lag` fields"),
                  ("7.2.0", "Added the `active-time` field, and changed the meaning of `seen-time`.")),
         args=(arg("key", "key", key_spec_index=0),
               arg("full-block", "block", token="FULL", flags=("optional",), arguments=(
                   arg("count", "integer", token="COUNT", flags=("optional",)),))))
def cmd_xinfo_stream(c: Any, argv: list[bytes]) -> Any:
    s = _info_stream(c, argv)
    opts = argv[3:]
    full = bool(opts)
    count = 10
    if opts:
        if len(opts) not in (1, 3) or opts[0].lower() != b"full":
            raise _subcommand_error(argv)
        if len(opts) == 3:
            if opts[1].lower() != b"count":
                raise _subcommand_error(argv)
            count = parse_int(opts[2])
            if count < 0:
                count = 10
    info: dict = {b"length": s.length, b"radix-tree-keys": s.rax_keys(), b"radix-tree-nodes": s.rax_nodes(),
                  b"last-generated-id": id_str(s.last_id), b"max-deleted-entry-id": id_str(s.max_deleted),
                  b"entries-added": s.entries_added, b"recorded-first-entry-id": id_str(s.first_id)}
    if not full:
        info[b"groups"] = len(s.groups)
        first = s.range(0, MAX_ID, 1)
        last = s.rev_range(0, MAX_ID, 1)
        info[b"first-entry"] = Raw(first[0][1]) if first else None
        info[b"last-entry"] = Raw(last[0][1]) if last else None
        return info
    n, chunks = s.range_encoded(0, MAX_ID, count)
    info[b"entries"] = Raw(b"*%d\r\n%b" % (n, b"".join(chunks)))
    groups = []
    for name in sorted(s.groups):
        g = s.groups[name]
        gi = _group_info(s, g)
        del gi[b"consumers"], gi[b"pending"]
        gi[b"pel-count"] = len(g.pel)
        ids = g.pel.ids if not count else g.pel.ids[:count]
        gi[b"pending"] = [[id_str(i), g.pel.map[i].consumer.name, g.pel.map[i].delivery_time,
                           g.pel.map[i].delivery_count] for i in ids]
        consumers = []
        for cn in g.sorted_consumers():
            cids = cn.pel.ids if not count else cn.pel.ids[:count]
            consumers.append({b"name": cn.name, b"seen-time": cn.seen_time, b"active-time": cn.active_time,
                              b"pel-count": len(cn.pel),
                              b"pending": [[id_str(i), cn.pel.map[i].delivery_time, cn.pel.map[i].delivery_count]
                                           for i in cids]})
        gi[b"consumers"] = consumers
        groups.append(gi)
    info[b"groups"] = groups
    return info


@command("xinfo|help", arity=2, flags="loading stale", acl="stream", since="5.0.0",
         summary="Returns helpful text about the different subcommands.", complexity="O(1)")
def cmd_xinfo_help(c: Any, argv: list[bytes]) -> Any:
    return [Simple(line.encode()) for line in XINFO_HELP]


@command("xsetid", arity=-3, flags="write denyoom fast", acl="stream", group="stream", since="5.0.0",
         summary="An internal command for replicating stream values.", complexity="O(1)",
         keys=[ks("RW UPDATE", 1)],
         history=(("7.0.0", "Added the `entries_added` and `max_deleted_entry_id` arguments."),),
         args=(arg("key", "key", key_spec_index=0), arg("last-id", "string"),
               arg("entries-added", "integer", token="ENTRIESADDED", since="7.0.0", flags=("optional",)),
               arg("max-deleted-id", "string", token="MAXDELETEDID", since="7.0.0", flags=("optional",))))
def cmd_xsetid(c: Any, argv: list[bytes]) -> Any:
    new_id = parse_id(argv[2])
    entries_added = -1
    max_xdel = 0
    i = 3
    n = len(argv)
    while i < n:
        more = n - 1 - i
        opt = argv[i].lower()
        if opt == b"entriesadded" and more:
            entries_added = parse_int(argv[i + 1])
            if entries_added < 0:
                raise CommandError(b"ERR entries_added must be positive")
            i += 2
        elif opt == b"maxdeletedid" and more:
            max_xdel = parse_id(argv[i + 1])
            if new_id < max_xdel:
                raise CommandError(b"ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id")
            i += 2
        else:
            raise SyntaxErr()
    s = _write_stream(c, argv[1])
    if s is None:
        raise CommandError(b"ERR no such key")
    if new_id < s.max_deleted:  # 7.2 (redis#11444); 7.0 accepted it
        raise CommandError(b"ERR The ID specified in XSETID is smaller than current max_deleted_entry_id")
    if s.length:
        if new_id < s.last_valid_id():
            raise CommandError(b"ERR The ID specified in XSETID is smaller than the target stream top item")
        if entries_added != -1 and s.length > entries_added:
            raise CommandError(b"ERR The entries_added specified in XSETID is smaller than the target stream length")
    s.last_id = new_id
    if entries_added != -1:
        s.entries_added = entries_added
    if max_xdel:
        s.max_deleted = max_xdel
    c.server.dirty += 1
    return OK
