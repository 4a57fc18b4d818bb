"""List commands (Redis's t_list.c command half): thin handlers over ``datatypes/lists``.

Every handler validates all of its arguments before it changes anything, deletes a
list that becomes empty, and signals pushes to the blocking machinery
(``engine/blocking.py``) so that clients blocked in BLPOP & co. are served after the
command.  Blocking variants try the non-blocking path first; with nothing to pop they
register a ``serve`` callback and return ``NO_REPLY`` (or answer as on timeout inside
MULTI/scripts).  A served blocking command propagates as its non-blocking form.
"""

from __future__ import annotations

from typing import Any

from ..datatypes.lists import ListValue
from ..engine.blocking import block, may_block, parse_timeout_s, signal_key_ready
from ..keyspace.notify import NOTIFY_GENERIC, NOTIFY_LIST, notify
from ..keyspace.types import register_type
from ..protocol.errors import CommandError, SyntaxErr, WrongType
from ..protocol.reply import NullArray, OK, Raw
from .registry import command
from .spec import arg, ks
from .util import parse_int

register_type(ListValue, b"list", lambda v, server: v.encoding())

_LEFT_RIGHT = (arg("left", "pure-token", token="LEFT"), arg("right", "pure-token", token="RIGHT"))


# "\r\n$<len>\r\n" for short lengths: the end of one bulk string and the header of the
# next, looked up by ``bulk_array`` instead of formatted per element.
_BULK_SEP = [b"\r\n$%d\r\n" % n for n in range(1024)]
_bulk_sep = _BULK_SEP.__getitem__


def bulk_array(items: Any, head: bytes = b"*", count: int | None = None) -> Raw:
    """An array (or RESP3 set ``~`` / map ``%``) of bulk strings, pre-encoded.

    Replies of many elements (LRANGE, HGETALL, SMEMBERS) are built in one join, at C
    speed: the pieces list interleaves the elements with their separators (the previous
    element's CRLF and this one's ``$<len>`` header, from ``_BULK_SEP``), filled by two
    slice assignments.  An element of 1024 bytes or more (no separator cached) falls
    back to formatting each element.  ``items`` is a sized iterable of bytes;
    ``count`` overrides the header's length (a map's pairs).
    """
    n = len(items)
    if not n:
        return Raw(b"%b%d\r\n" % (head, 0 if count is None else count))
    pieces = [b"\r\n"] * (2 * n + 1)
    try:
        pieces[0:-1:2] = map(_bulk_sep, map(len, items))
    except IndexError:
        body = b"".join([b"$%d\r\n%b\r\n" % (len(x), x) for x in items])
        return Raw(b"%b%d\r\n%b" % (head, n if count is None else count, body))
    pieces[1::2] = items
    pieces[0] = b"%b%d%b" % (head, n if count is None else count, pieces[0])
    return Raw(b"".join(pieces))


def propagate_effect(c: Any, *argvs: list[bytes]) -> None:
    """Propagate this command's effect as ``argvs`` instead of its argv (AOF, replicas);
    only when someone listens, so no stale ``c.propagate_as`` outlives the command."""
    if c.server.propagate is not None:
        c.propagate_as = list(argvs)


def _fill(c: Any) -> int:
    return c.server.config.values.get("list-max-listpack-size", -2)


def _write_list(c: Any, key: bytes) -> ListValue | None:
    return c.db.get_typed(key, ListValue, read=False)


def _read_list(c: Any, key: bytes) -> ListValue | None:
    return c.db.get_typed(key, ListValue)


def _side(raw: bytes) -> bool:
    """LEFT -> True (head), RIGHT -> False (tail); else a syntax error."""
    low = raw.lower()
    if low == b"left":
        return True
    if low == b"right":
        return False
    raise SyntaxErr()


def _removed(c: Any, key: bytes, lst: ListValue, count: int) -> None:
    """After elements were removed: delete the key if empty, count the change."""
    if not lst:
        c.db.delete(key)
    c.server.dirty += count


# ---- pushes ---------------------------------------------------------------------------


def _push(c: Any, argv: list[bytes], head: bool, only_existing: bool) -> Any:
    key = argv[1]
    db = c.db
    lst = db.get_typed(key, ListValue, read=False)
    server = c.server
    fill = server.config.values.get("list-max-listpack-size", -2)
    if lst is None:
        if only_existing:
            return 0
        lst = ListValue()
        lst.push(argv[2:], head, fill)
        db.set(key, lst)
    elif len(argv) == 3:
        lst.push_one(argv[2], head, fill)
    else:
        lst.push(argv[2:], head, fill)
    server.dirty += len(argv) - 2
    if server.blocking.waiting:
        signal_key_ready(db, key)
    return len(lst)


@command("lpush", arity=-3, flags="write denyoom fast", acl="list", group="list", since="1.0.0",
         summary="Prepends one or more elements to a list. Creates the key if it doesn't exist.",
         complexity="O(1) for each element added, so O(N) to add N elements when the command is called with "
                    "multiple arguments.",
         keys=[ks("RW INSERT", 1)], history=(("2.4.0", "Accepts multiple `element` arguments."),),
         args=(arg("key", "key", key_spec_index=0), arg("element", "string", flags=("multiple",))))
def cmd_lpush(c: Any, argv: list[bytes]) -> Any:
    return _push(c, argv, True, False)


@command("rpush", arity=-3, flags="write denyoom fast", acl="list", group="list", since="1.0.0",
         summary="Appends one or more elements to a list. Creates the key if it doesn't exist.",
         complexity="O(1) for each element added, so O(N) to add N elements when the command is called with "
                    "multiple arguments.",
         keys=[ks("RW INSERT", 1)], history=(("2.4.0", "Accepts multiple `element` arguments."),),
         args=(arg("key", "key", key_spec_index=0), arg("element", "string", flags=("multiple",))))
def cmd_rpush(c: Any, argv: list[bytes]) -> Any:
    return _push(c, argv, False, False)


@command("lpushx", arity=-3, flags="write denyoom fast", acl="list", group="list", since="2.2.0",
         summary="Prepends one or more elements to a list only when the list exists.",
         complexity="O(1) for each element added, so O(N) to add N elements when the command is called with "
                    "multiple arguments.",
         keys=[ks("RW INSERT", 1)], history=(("4.0.0", "Accepts multiple `element` arguments."),),
         args=(arg("key", "key", key_spec_index=0), arg("element", "string", flags=("multiple",))))
def cmd_lpushx(c: Any, argv: list[bytes]) -> Any:
    return _push(c, argv, True, True)


@command("rpushx", arity=-3, flags="write denyoom fast", acl="list", group="list", since="2.2.0",
         summary="Appends an element to a list only when the list exists.",
         complexity="O(1) for each element added, so O(N) to add N elements when the command is called with "
                    "multiple arguments.",
         keys=[ks("RW INSERT", 1)], history=(("4.0.0", "Accepts multiple `element` arguments."),),
         args=(arg("key", "key", key_spec_index=0), arg("element", "string", flags=("multiple",))))
def cmd_rpushx(c: Any, argv: list[bytes]) -> Any:
    return _push(c, argv, False, True)


# ---- pops -------------------------------------------------------------------------------


def _pop(c: Any, argv: list[bytes], head: bool) -> Any:
    key = argv[1]
    if len(argv) > 3:
        raise CommandError(b"ERR wrong number of arguments for '%s' command" % argv[0].lower())
    has_count = len(argv) == 3
    if has_count:
        count = parse_int(argv[2], lambda: CommandError(b"ERR value is out of range, must be positive"))
        if count < 0:
            raise CommandError(b"ERR value is out of range, must be positive")
    lst = c.db.get_typed(key, ListValue, read=False)
    if lst is None:
        return NullArray if has_count else None
    if not has_count:
        v = lst.pop_one(head, c.server.config.values.get("list-max-listpack-size", -2))
        if not lst:
            c.db.delete(key)
        c.server.dirty += 1
        return v
    if count == 0:
        return []
    out = lst.pop_many(count, head, _fill(c))
    _removed(c, key, lst, len(out))
    return out


@command("lpop", arity=-2, flags="write fast", acl="list", group="list", since="1.0.0",
         summary="Returns the first elements in a list after removing it. Deletes the list if the last element "
                 "was popped.",
         complexity="O(N) where N is the number of elements returned",
         keys=[ks("RW ACCESS DELETE", 1)], history=(("6.2.0", "Added the `count` argument."),),
         args=(arg("key", "key", key_spec_index=0), arg("count", "integer", since="6.2.0", flags=("optional",))))
def cmd_lpop(c: Any, argv: list[bytes]) -> Any:
    return _pop(c, argv, True)


@command("rpop", arity=-2, flags="write fast", acl="list", group="list", since="1.0.0",
         summary="Returns and removes the last elements of a list. Deletes the list if the last element was popped.",
         complexity="O(N) where N is the number of elements returned",
         keys=[ks("RW ACCESS DELETE", 1)], history=(("6.2.0", "Added the `count` argument."),),
         args=(arg("key", "key", key_spec_index=0), arg("count", "integer", since="6.2.0", flags=("optional",))))
def cmd_rpop(c: Any, argv: list[bytes]) -> Any:
    return _pop(c, argv, False)


# ---- reads ------------------------------------------------------------------------------


@command("llen", arity=2, flags="readonly fast", acl="list", group="list", since="1.0.0",
         summary="Returns the length of a list.", complexity="O(1)",
         keys=[ks("RO", 1)], args=(arg("key", "key", key_spec_index=0),))
def cmd_llen(c: Any, argv: list[bytes]) -> Any:
    lst = _read_list(c, argv[1])
    return 0 if lst is None else len(lst)


@command("lrange", arity=4, flags="readonly", acl="list", group="list", since="1.0.0",
         summary="Returns a range of elements from a list.",
         complexity="O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end "
                    "(HEAD or TAIL) for large lists; and N is the number of elements in the specified range.",
         keys=[ks("RO ACCESS", 1)],
         args=(arg("key", "key", key_spec_index=0), arg("start", "integer"), arg("stop", "integer")))
def cmd_lrange(c: Any, argv: list[bytes]) -> Any:
    start, stop = parse_int(argv[2]), parse_int(argv[3])
    lst = _read_list(c, argv[1])
    if lst is None:
        return []
    return bulk_array(lst.range(start, stop))


@command("lindex", arity=3, flags="readonly", acl="list", group="list", since="1.0.0",
         summary="Returns an element from a list by its index.",
         complexity="O(N) where N is the number of elements to traverse to get to the element at index. This "
                    "makes asking for the first or the last element of the list O(1).",
         keys=[ks("RO ACCESS", 1)], args=(arg("key", "key", key_spec_index=0), arg("index", "integer")))
def cmd_lindex(c: Any, argv: list[bytes]) -> Any:
    lst = _read_list(c, argv[1])
    if lst is None:
        return None
    index = parse_int(argv[2])
    n = len(lst)
    if index < 0:
        index += n
    if 0 <= index < n:
        return lst[index]
    return None


@command("lpos", arity=-3, flags="readonly", acl="list", group="list", since="6.0.6",
         summary="Returns the index of matching elements in a list.",
         complexity="O(N) where N is the number of elements in the list, for the average case. When searching "
                    "for elements near the head or the tail of the list, or when the MAXLEN option is provided, "
                    "the command may run in constant time.",
         keys=[ks("RO ACCESS", 1)],
         args=(arg("key", "key", key_spec_index=0), arg("element", "string"),
               arg("rank", "integer", token="RANK", flags=("optional",)),
               arg("num-matches", "integer", token="COUNT", flags=("optional",)),
               arg("len", "integer", token="MAXLEN", flags=("optional",))))
def cmd_lpos(c: Any, argv: list[bytes]) -> Any:
    rank, count, maxlen, has_count = 1, 0, 0, False
    i = 3
    n = len(argv)
    while i < n:
        opt = argv[i].lower()
        more = i + 1 < n
        if opt == b"rank" and more:
            rank = parse_int(argv[i + 1])
            if rank == 0:
                raise CommandError(b"ERR RANK can't be zero: use 1 to start from the first match, 2 from the "
                                   b"second ... or use negative to start from the end of the list")
            if rank < -(2**63 - 1):
                raise CommandError(b"ERR value is out of range, value must between -9223372036854775807 and "
                                   b"9223372036854775807")
        elif opt == b"count" and more:
            count = parse_int(argv[i + 1], lambda: CommandError(b"ERR COUNT can't be negative"))
            if count < 0:
                raise CommandError(b"ERR COUNT can't be negative")
            has_count = True
        elif opt == b"maxlen" and more:
            maxlen = parse_int(argv[i + 1], lambda: CommandError(b"ERR MAXLEN can't be negative"))
            if maxlen < 0:
                raise CommandError(b"ERR MAXLEN can't be negative")
        else:
            raise SyntaxErr()
        i += 2
    lst = _read_list(c, argv[1])
    if lst is None:
        return [] if has_count else None
    found = lst.positions(argv[2], rank, count if has_count else 1, maxlen)
    if has_count:
        return found
    return found[0] if found else None


# ---- in-place updates ---------------------------------------------------------------------


@command("lset", arity=4, flags="write denyoom", acl="list", group="list", since="1.0.0",
         summary="Sets the value of an element in a list by its index.",
         complexity="O(N) where N is the length of the list. Setting either the first or the last element of "
                    "the list is O(1).",
         keys=[ks("RW UPDATE", 1)],
         args=(arg("key", "key", key_spec_index=0), arg("index", "integer"), arg("element", "string")))
def cmd_lset(c: Any, argv: list[bytes]) -> Any:
    lst = _write_list(c, argv[1])
    if lst is None:
        raise CommandError(b"ERR no such key")
    index = parse_int(argv[2])
    n = len(lst)
    if index < 0:
        index += n
    if not 0 <= index < n:
        raise CommandError(b"ERR index out of range")
    lst.replace_at(index, argv[3], _fill(c))
    c.server.dirty += 1
    return OK


@command("linsert", arity=5, flags="write denyoom", acl="list", group="list", since="2.2.0",
         summary="Inserts an element before or after another element in a list.",
         complexity="O(N) where N is the number of elements to traverse before seeing the value pivot. This "
                    "means that inserting somewhere on the left end on the list (head) can be considered O(1) "
                    "and inserting somewhere on the right end (tail) is O(N).",
         keys=[ks("RW INSERT", 1)],
         args=(arg("key", "key", key_spec_index=0),
               arg("where", "oneof", arguments=(arg("before", "pure-token", token="BEFORE"),
                                                arg("after", "pure-token", token="AFTER"))),
               arg("pivot", "string"), arg("element", "string")))
def cmd_linsert(c: Any, argv: list[bytes]) -> Any:
    where = argv[2].lower()
    if where == b"after":
        after = True
    elif where == b"before":
        after = False
    else:
        raise SyntaxErr()
    lst = _write_list(c, argv[1])
    if lst is None:
        return 0
    if not lst.insert_at_pivot(argv[3], argv[4], after, _fill(c)):
        return -1
    c.server.dirty += 1
    return len(lst)


@command("lrem", arity=4, flags="write", acl="list", group="list", since="1.0.0",
         summary="Removes elements from a list. Deletes the list if the last element was removed.",
         complexity="O(N+M) where N is the length of the list and M is the number of elements removed.",
         keys=[ks("RW DELETE", 1)],
         args=(arg("key", "key", key_spec_index=0), arg("count", "integer"), arg("element", "string")))
def cmd_lrem(c: Any, argv: list[bytes]) -> Any:
    count = parse_int(argv[2])
    key = argv[1]
    lst = _write_list(c, key)
    if lst is None:
        return 0
    removed = lst.remove_matching(argv[3], count, _fill(c))
    if removed:
        _removed(c, key, lst, removed)
    return removed


@command("ltrim", arity=4, flags="write", acl="list", group="list", since="1.0.0",
         summary="Removes elements from both ends a list. Deletes the list if all elements were trimmed.",
         complexity="O(N) where N is the number of elements to be removed by the operation.",
         keys=[ks("RW DELETE", 1)],
         args=(arg("key", "key", key_spec_index=0), arg("start", "integer"), arg("stop", "integer")))
def cmd_ltrim(c: Any, argv: list[bytes]) -> Any:
    start, stop = parse_int(argv[2]), parse_int(argv[3])
    key = argv[1]
    lst = _write_list(c, key)
    if lst is None:
        return OK
    before = len(lst)
    lst.trim(start, stop, _fill(c))
    if c.server.notify_flags:  # "ltrim" even when nothing was trimmed, as Redis
        notify(c.server, NOTIFY_LIST, b"ltrim", key, c.db.index)
        if not lst:
            notify(c.server, NOTIFY_GENERIC, b"del", key, c.db.index)
    _removed(c, key, lst, before - len(lst))
    return OK


# ---- moves --------------------------------------------------------------------------------


def _move(c: Any, src_key: bytes, dst_key: bytes, src: ListValue, from_head: bool, to_head: bool) -> bytes:
    """Pop from ``src`` (non-empty) and push to ``dst_key`` (its type already checked)."""
    db = c.db
    fill = _fill(c)
    v = src.pop_one(from_head, fill)
    if src_key == dst_key:
        src.push_one(v, to_head, fill)  # a rotation: the list never empties
    else:
        dst = db.get_typed(dst_key, ListValue, read=False)
        if dst is None:
            dst = ListValue()
            dst.push_one(v, to_head, fill)
            db.set(dst_key, dst)
        else:
            dst.push_one(v, to_head, fill)
        if not src:
            db.delete(src_key)
    signal_key_ready(db, dst_key)
    c.server.dirty += 2
    return v


def _check_dst(c: Any, dst_key: bytes) -> None:
    v = c.db.lookup(dst_key)
    if v is not None and type(v) is not ListValue:
        raise WrongType()


def _lmove(c: Any, argv: list[bytes], src_key: bytes, dst_key: bytes, from_head: bool, to_head: bool) -> Any:
    src = _write_list(c, src_key)
    if src is None:
        return None
    _check_dst(c, dst_key)
    return _move(c, src_key, dst_key, src, from_head, to_head)


def _propagate_lmove(c: Any, src: bytes, dst: bytes, from_head: bool, to_head: bool) -> None:
    propagate_effect(c, [b"LMOVE", src, dst, b"LEFT" if from_head else b"RIGHT", b"LEFT" if to_head else b"RIGHT"])


@command("lmove", arity=5, flags="write denyoom", acl="list", group="list", since="6.2.0",
         summary="Returns an element after popping it from one list and pushing it to another. Deletes the list "
                 "if the last element was moved.",
         complexity="O(1)", keys=[ks("RW ACCESS DELETE", 1), ks("RW INSERT", 2)],
         args=(arg("source", "key", key_spec_index=0), arg("destination", "key", key_spec_index=1),
               arg("wherefrom", "oneof", arguments=_LEFT_RIGHT), arg("whereto", "oneof", arguments=_LEFT_RIGHT)))
def cmd_lmove(c: Any, argv: list[bytes]) -> Any:
    from_head, to_head = _side(argv[3]), _side(argv[4])
    return _lmove(c, argv, argv[1], argv[2], from_head, to_head)


@command("rpoplpush", arity=3, flags="write denyoom", acl="list", group="list", since="1.2.0",
         summary="Returns the last element of a list after removing and pushing it to another list. Deletes the "
                 "list if the last element was popped.",
         complexity="O(1)", keys=[ks("RW ACCESS DELETE", 1), ks("RW INSERT", 2)],
         doc_flags=("deprecated",), deprecated_since="6.2.0",
         replaced_by="`LMOVE` with the `RIGHT` and `LEFT` arguments",
         args=(arg("source", "key", key_spec_index=0), arg("destination", "key", key_spec_index=1)))
def cmd_rpoplpush(c: Any, argv: list[bytes]) -> Any:
    return _lmove(c, argv, argv[1], argv[2], False, True)


# ---- multi-key pops ---------------------------------------------------------------------------


def _parse_mpop(argv: list[bytes], numkeys_idx: int) -> tuple[list[bytes], bool, int]:
    """LMPOP/BLMPOP arguments in Redis's order: numkeys, where, COUNT."""
    numkeys = parse_int(argv[numkeys_idx], lambda: CommandError(b"ERR numkeys should be greater than 0"))
    if numkeys <= 0:
        raise CommandError(b"ERR numkeys should be greater than 0")
    where_idx = numkeys_idx + numkeys + 1
    if where_idx >= len(argv):
        raise SyntaxErr()
    head = _side(argv[where_idx])
    count = -1
    j = where_idx + 1
    while j < len(argv):
        if count == -1 and argv[j].lower() == b"count" and j + 1 < len(argv):
            j += 1
            count = parse_int(argv[j], lambda: CommandError(b"ERR count should be greater than 0"))
            if count <= 0:
                raise CommandError(b"ERR count should be greater than 0")
        else:
            raise SyntaxErr()
        j += 1
    return argv[numkeys_idx + 1: where_idx], head, (1 if count == -1 else count)


def _mpop_from(c: Any, key: bytes, lst: ListValue, head: bool, count: int) -> list:
    out = lst.pop_many(count, head, _fill(c))
    _removed(c, key, lst, len(out))
    propagate_effect(c, [b"LPOP" if head else b"RPOP", key, b"%d" % len(out)])
    return [key, out]


def _mpop(c: Any, keys: list[bytes], head: bool, count: int) -> Any:
    for key in keys:
        lst = _write_list(c, key)
        if lst is not None:
            return _mpop_from(c, key, lst, head, count)
    return None


@command("lmpop", arity=-4, flags="write", acl="list", group="list", since="7.0.0",
         summary="Returns multiple elements from a list after removing them. Deletes the list if the last element "
                 "was popped.",
         complexity="O(N+M) where N is the number of provided keys and M is the number of elements returned.",
         keys=[ks("RW ACCESS DELETE", 1, keynum=(0, 1, 1))],
         args=(arg("numkeys", "integer"), arg("key", "key", key_spec_index=0, flags=("multiple",)),
               arg("where", "oneof", arguments=_LEFT_RIGHT),
               arg("count", "integer", token="COUNT", flags=("optional",))))
def cmd_lmpop(c: Any, argv: list[bytes]) -> Any:
    keys, head, count = _parse_mpop(argv, 1)
    r = _mpop(c, keys, head, count)
    return NullArray if r is None else r


# ---- blocking variants ------------------------------------------------------------------------


def _serve_bpop(head: bool) -> Any:
    def serve(c: Any, key: bytes) -> Any:
        lst = c.db.lookup(key)
        if type(lst) is not ListValue:
            return None
        v = lst.pop_one(head, _fill(c))
        _removed(c, key, lst, 1)
        propagate_effect(c, [b"LPOP" if head else b"RPOP", key])
        return [key, v]

    return serve


_SERVE_BLPOP = _serve_bpop(True)
_SERVE_BRPOP = _serve_bpop(False)


def _bpop(c: Any, argv: list[bytes], head: bool) -> Any:
    timeout_at = parse_timeout_s(argv[-1], c.server.cached_now_ms)
    keys = argv[1:-1]
    for key in keys:
        lst = _write_list(c, key)
        if lst is not None:
            v = lst.pop_one(head, _fill(c))
            _removed(c, key, lst, 1)
            propagate_effect(c, [b"LPOP" if head else b"RPOP", key])
            return [key, v]
    if not may_block(c):
        return NullArray
    return block(c, argv, keys, timeout_at, _SERVE_BLPOP if head else _SERVE_BRPOP)


@command("blpop", arity=-3, flags="write noscript blocking", acl="list", group="list", since="2.0.0",
         summary="Removes and returns the first element in a list. Blocks until an element is available "
                 "otherwise. Deletes the list if the last element was popped.",
         complexity="O(N) where N is the number of provided keys.",
         keys=[ks("RW ACCESS DELETE", 1, last=-2)],
         history=(("6.0.0", "`timeout` is interpreted as a double instead of an integer."),),
         args=(arg("key", "key", key_spec_index=0, flags=("multiple",)), arg("timeout", "double")))
def cmd_blpop(c: Any, argv: list[bytes]) -> Any:
    return _bpop(c, argv, True)


@command("brpop", arity=-3, flags="write noscript blocking", acl="list", group="list", since="2.0.0",
         summary="Removes and returns the last element in a list. Blocks until an element is available "
                 "otherwise. Deletes the list if the last element was popped.",
         complexity="O(N) where N is the number of provided keys.",
         keys=[ks("RW ACCESS DELETE", 1, last=-2)],
         history=(("6.0.0", "`timeout` is interpreted as a double instead of an integer."),),
         args=(arg("key", "key", key_spec_index=0, flags=("multiple",)), arg("timeout", "double")))
def cmd_brpop(c: Any, argv: list[bytes]) -> Any:
    return _bpop(c, argv, False)


def _blmove(c: Any, argv: list[bytes], src_key: bytes, dst_key: bytes, from_head: bool, to_head: bool,
            timeout_raw: bytes) -> Any:
    timeout_at = parse_timeout_s(timeout_raw, c.server.cached_now_ms)
    src = _write_list(c, src_key)
    if src is not None:
        _check_dst(c, dst_key)
        _propagate_lmove(c, src_key, dst_key, from_head, to_head)
        return _move(c, src_key, dst_key, src, from_head, to_head)
    if not may_block(c):
        return None  # Redis's addReplyNull here (a timeout answers a null array)

    def serve(c: Any, key: bytes) -> Any:
        src = c.db.lookup(src_key)
        if type(src) is not ListValue:
            return None
        _check_dst(c, dst_key)  # WRONGTYPE ends the block with an error, as Redis
        _propagate_lmove(c, src_key, dst_key, from_head, to_head)
        return _move(c, src_key, dst_key, src, from_head, to_head)

    return block(c, argv, [src_key], timeout_at, serve)


@command("blmove", arity=6, flags="write denyoom noscript blocking", acl="list", group="list", since="6.2.0",
         summary="Pops an element from a list, pushes it to another list and returns it. Blocks until an element "
                 "is available otherwise. Deletes the list if the last element was moved.",
         complexity="O(1)", keys=[ks("RW ACCESS DELETE", 1), ks("RW INSERT", 2)],
         args=(arg("source", "key", key_spec_index=0), arg("destination", "key", key_spec_index=1),
               arg("wherefrom", "oneof", arguments=_LEFT_RIGHT), arg("whereto", "oneof", arguments=_LEFT_RIGHT),
               arg("timeout", "double")))
def cmd_blmove(c: Any, argv: list[bytes]) -> Any:
    from_head, to_head = _side(argv[3]), _side(argv[4])
    return _blmove(c, argv, argv[1], argv[2], from_head, to_head, argv[5])


@command("brpoplpush", arity=4, flags="write denyoom noscript blocking", acl="list", group="list",
         since="2.2.0",
         summary="Pops an element from a list, pushes it to another list and returns it. Block until an element is "
                 "available otherwise. Deletes the list if the last element was popped.",
         complexity="O(1)", keys=[ks("RW ACCESS DELETE", 1), ks("RW INSERT", 2)],
         doc_flags=("deprecated",), deprecated_since="6.2.0",
         replaced_by="`BLMOVE` with the `RIGHT` and `LEFT` arguments",
         history=(("6.0.0", "`timeout` is interpreted as a double instead of an integer."),),
         args=(arg("source", "key", key_spec_index=0), arg("destination", "key", key_spec_index=1),
               arg("timeout", "double")))
def cmd_brpoplpush(c: Any, argv: list[bytes]) -> Any:
    return _blmove(c, argv, argv[1], argv[2], False, True, argv[3])


@command("blmpop", arity=-5, flags="write blocking", acl="list", group="list", since="7.0.0",
         summary="Pops the first element from one of multiple lists. Blocks until an element is available "
                 "otherwise. Deletes the list if the last element was popped.",
         complexity="O(N+M) where N is the number of provided keys and M is the number of elements returned.",
         keys=[ks("RW ACCESS DELETE", 2, keynum=(0, 1, 1))],
         args=(arg("timeout", "double"), arg("numkeys", "integer"),
               arg("key", "key", key_spec_index=0, flags=("multiple",)),
               arg("where", "oneof", arguments=_LEFT_RIGHT),
               arg("count", "integer", token="COUNT", flags=("optional",))))
def cmd_blmpop(c: Any, argv: list[bytes]) -> Any:
    keys, head, count = _parse_mpop(argv, 2)
    timeout_at = parse_timeout_s(argv[1], c.server.cached_now_ms)
    r = _mpop(c, keys, head, count)
    if r is not None:
        return r
    if not may_block(c):
        return NullArray

    def serve(c: Any, key: bytes) -> Any:
        lst = c.db.lookup(key)
        if type(lst) is not ListValue:
            return None
        return _mpop_from(c, key, lst, head, count)

    return block(c, argv, keys, timeout_at, serve)
