"""Key extraction: which arguments of a command are keys, and how each is accessed.

This is Redis 7.2's ``getKeysFromCommandWithSpecs`` (db.c), used by COMMAND GETKEYS and
GETKEYSANDFLAGS and, later, by ACL key permissions, cluster routing and client tracking.

The algorithm, per command:

1. If the command has at least one key spec that is not ``NOT_KEY`` and none with
   ``VARIABLE_FLAGS`` (whose flags depend on the arguments), the key specs are walked
   (``keys_from_specs``).  Each spec has two steps:

   * *begin search* finds the first key: ``index`` is a fixed position; ``keyword`` scans
     for a keyword (case-insensitive) starting at ``startfrom`` -- forwards when positive,
     backwards from ``argc + startfrom`` when negative -- and the key follows it.  A
     keyword that is absent means the spec yields nothing (it is optional).
   * *find keys* finds the last key: ``range`` with ``lastkey`` relative to the first key
     (``-1`` = the last argument, ``-2`` the one before, ...; with ``limit`` N the range
     covers 1/N of the remaining arguments, for XREAD's keys-then-IDs layout), or
     ``keynum``, where the argument at ``first + keynumidx`` counts the keys, which start
     at ``first + firstkey``; ``keystep`` is the distance between keys.

   A spec whose range falls outside argv, a non-numeric or negative key count, an
   ``unknown`` step, or an ``INCOMPLETE`` spec makes the whole walk fail.

2. When the walk fails (or was skipped), the command's ``get_keys`` callback (Redis's
   ``getkeys_proc``) decides; commands without one have no keys.

``get_keys(spec, argv)`` returns ``[(position, KeyFlag), ...]`` in argv order of the
specs.  ``NATIVE_GET_KEYS`` holds Redis's getkeys procs for the built-in irregular
commands; ``registry.freeze`` attaches them to commands declared without ``get_keys``.
"""

from __future__ import annotations

from typing import Callable

from .spec import CommandSpec, KeyFlag

RO_ACCESS = KeyFlag.RO | KeyFlag.ACCESS
OW_UPDATE = KeyFlag.OW | KeyFlag.UPDATE
RW_ACCESS_UPDATE = KeyFlag.RW | KeyFlag.ACCESS | KeyFlag.UPDATE
RW_ACCESS_DELETE = KeyFlag.RW | KeyFlag.ACCESS | KeyFlag.DELETE
NO_FLAGS = KeyFlag(0)


class _Invalid(Exception):
    """A key spec does not fit argv (Redis's ``goto invalid_spec``)."""


def _strict_int(raw: bytes) -> int | None:
    """Redis's ``string2ll``: optional '-', digits, no leading zeros, no spaces."""
    if not raw or len(raw) > 20:
        return None
    if raw[0] == 0x2D:  # '-'
        body = raw[1:]
    else:
        body = raw
    if not body.isdigit() or (body[0] == 0x30 and len(body) > 1) or (body == b"0" and raw[0] == 0x2D):
        return None
    v = int(raw)
    if not -(2**63) <= v < 2**63:
        return None
    return v


def _atoi(raw: bytes) -> int:
    """C's ``atoi``: leading spaces, optional sign, then as many digits as there are."""
    s = raw.lstrip(b" \t\n\v\f\r")
    sign = 1
    if s[:1] in (b"-", b"+"):
        sign = -1 if s[:1] == b"-" else 1
        s = s[1:]
    n = 0
    for ch in s:
        if 48 <= ch <= 57:
            n = n * 10 + ch - 48
        else:
            break
    n *= sign
    # atoi truncates to a C int.
    n &= 0xFFFFFFFF
    return n - 2**32 if n >= 2**31 else n


def keys_from_specs(spec: CommandSpec, argv: list[bytes], include_not_keys: bool = False) -> list[tuple[int, KeyFlag]] | None:
    """Walk the key specs (Redis's ``getKeysUsingKeySpecs``); ``None`` when a spec is invalid."""
    argc = len(argv)
    out: list[tuple[int, KeyFlag]] = []
    for ks in spec.keys:
        flags = ks.flags
        if flags & KeyFlag.NOT_KEY and not include_not_keys:
            continue
        bs = ks.begin_search
        kind = bs[0]
        if kind == "index":
            first = bs[1]
        elif kind == "keyword":
            keyword = bs[1].lower()
            startfrom = bs[2]
            first = 0
            if startfrom > 0:
                i, end, stride = startfrom, argc - 1, 1
            else:
                i, end, stride = argc + startfrom, 1, -1
            # Redis's loop: while i != end, bounded to argv; note the end index itself is
            # never examined (the last argument cannot be the keyword, a key must follow).
            while i != end:
                if i >= argc or i < 1:
                    break
                if argv[i].lower() == keyword:
                    first = i + 1
                    break
                i += stride
            if not first:
                continue
        else:
            return None
        fk = ks.find_keys
        kind = fk[0]
        if kind == "range":
            lastkey, step, limit = fk[1], fk[2], fk[3]
            if lastkey >= 0:
                last = first + lastkey
            elif not limit:
                last = argc + lastkey
            else:
                # Only lastkey == -1 is meaningful with a limit (Redis asserts it).
                last = first + ((argc - first) // limit + lastkey)
        elif kind == "keynum":
            keynumidx, firstkey, step = fk[1], fk[2], fk[3]
            if first + keynumidx >= argc:
                return None
            numkeys = _strict_int(argv[first + keynumidx])
            if numkeys is None or numkeys < 0:
                return None
            first += firstkey
            last = first + numkeys - 1
        else:
            return None
        if last >= argc or last < first or first >= argc:
            return None
        if step == 1:
            out.extend([(i, flags) for i in range(first, last + 1)])
        else:
            out.extend([(i, flags) for i in range(first, last + 1, step)])
        if flags & KeyFlag.INCOMPLETE:
            return None
    return out


def _normalize(spec: CommandSpec, found: list) -> list[tuple[int, KeyFlag]]:
    if found and found[0].__class__ is int:
        flags = spec.keys[0].flags if spec.keys else NO_FLAGS
        return [(p, flags) for p in found]
    return found


def get_keys(spec: CommandSpec, argv: list[bytes]) -> list[tuple[int, KeyFlag]]:
    """Positions and flags of the keys in ``argv`` (Redis's ``getKeysFromCommandWithSpecs``)."""
    kr = spec.key_range
    if kr is not None:
        # Most commands: one index+range spec (GET, MSET, DEL ...), walked inline.
        first, lastkey, step, flags = kr
        argc = len(argv)
        last = first + lastkey if lastkey >= 0 else argc + lastkey
        if first <= last < argc:
            if first == last:
                return [(first, flags)]
            return [(i, flags) for i in range(first, last + 1, step)]
    elif spec.keys_by_specs:
        found = keys_from_specs(spec, argv)
        if found is not None:
            return found
    fn = spec.get_keys
    if fn is not None:
        return _normalize(spec, fn(argv))
    return []


def key_positions(spec: CommandSpec, argv: list[bytes]) -> list[int]:
    """Just the positions (cluster routing, tracking)."""
    return [p for p, _ in get_keys(spec, argv)]


def has_keys(spec: CommandSpec) -> bool:
    """Redis's ``doesCommandHaveKeys``: a getkeys callback or a spec that is not NOT_KEY."""
    return spec.get_keys is not None or any(not (k.flags & KeyFlag.NOT_KEY) for k in spec.keys)


def plain_range(spec: CommandSpec) -> tuple | None:
    """``(first, lastkey, step, flags)`` when the keys are exactly one plain range spec."""
    if len(spec.keys) != 1 or not uses_key_specs(spec):
        return None
    k = spec.keys[0]
    if k.begin_search[0] != "index" or k.find_keys[0] != "range" or k.find_keys[3]:
        return None
    if k.flags & (KeyFlag.INCOMPLETE | KeyFlag.NOT_KEY):
        return None
    return (k.begin_search[1], k.find_keys[1], k.find_keys[2], k.flags)


def uses_key_specs(spec: CommandSpec) -> bool:
    """Whether ``get_keys`` tries the specs first (see the module docstring, step 1).

    A command with VARIABLE_FLAGS specs but no callback still uses its specs: they are
    the only information there is.
    """
    if not any(not (k.flags & KeyFlag.NOT_KEY) for k in spec.keys):
        return False
    variable = any(k.flags & KeyFlag.VARIABLE_FLAGS for k in spec.keys)
    return not variable or spec.get_keys is None


# ---------------------------------------------------------------------------------------
# Redis's getkeys procs for the built-in irregular commands (db.c, t_*.c).
# ---------------------------------------------------------------------------------------


def _generic(store_ofs: int, count_ofs: int, first_ofs: int, step: int) -> Callable[[list[bytes]], list]:
    """``genericGetKeys``: ``numkeys`` read with atoi at ``count_ofs``; optional store key.

    Only reached when the key specs failed (e.g. ``numkeys`` is ``"1abc"``); like Redis,
    it reports no key flags.
    """

    def proc(argv: list[bytes]) -> list[tuple[int, KeyFlag]]:
        argc = len(argv)
        if count_ofs >= argc:
            return []
        num = _atoi(argv[count_ofs])
        if num < 1 or num > (argc - first_ofs) // step:
            return []
        keys = [(first_ofs + i * step, NO_FLAGS) for i in range(num)]
        if store_ofs:
            keys.append((store_ofs, NO_FLAGS))
        return keys

    return proc


def set_get_keys(argv: list[bytes]) -> list[tuple[int, KeyFlag]]:
    """SET: the key is read too when GET is given."""
    for a in argv[3:]:
        if len(a) == 3 and a.lower() == b"get":
            return [(1, RW_ACCESS_UPDATE)]
    return [(1, OW_UPDATE)]


def bitfield_get_keys(argv: list[bytes]) -> list[tuple[int, KeyFlag]]:
    """BITFIELD: read-only when every operation is GET (or OVERFLOW)."""
    argc = len(argv)
    readonly = True
    i = 2
    while i < argc:
        remargs = argc - i - 1
        op = argv[i].lower()
        if op == b"get" and remargs >= 2:
            i += 2
        elif op in (b"set", b"incrby") and remargs >= 3:
            readonly = False
            break
        elif op == b"overflow" and remargs >= 1:
            i += 1
        else:
            readonly = False  # a syntax error: safer to assume a write
            break
        i += 1
    return [(1, RO_ACCESS if readonly else RW_ACCESS_UPDATE)]


_SORT_SKIP = {b"limit": 2, b"get": 1, b"by": 1}


def sort_get_keys(argv: list[bytes]) -> list[tuple[int, KeyFlag]]:
    """SORT: the sorted key, plus the last STORE destination."""
    keys = [(1, RO_ACCESS)]
    store = None
    argc = len(argv)
    i = 2
    while i < argc:
        a = argv[i].lower()
        skip = _SORT_SKIP.get(a)
        if skip is not None:
            i += skip
        elif a == b"store" and i + 1 < argc:
            store = i + 1
        i += 1
    if store is not None:
        keys.append((store, OW_UPDATE))
    return keys


def sort_ro_get_keys(argv: list[bytes]) -> list[tuple[int, KeyFlag]]:
    return [(1, RO_ACCESS)]


_MIGRATE_SKIP = {b"copy": 0, b"replace": 0, b"auth": 1, b"auth2": 2}


def migrate_get_keys(argv: list[bytes]) -> list[tuple[int, KeyFlag]]:
    """MIGRATE: argv[3], or everything after KEYS when the key argument is empty."""
    argc = len(argv)
    first, num = 3, 1
    if argc > 6:
        i = 6
        while i < argc:
            a = argv[i].lower()
            if a == b"keys":
                if argv[3]:
                    return []  # KEYS needs an empty key argument: a syntax error
                first = i + 1
                num = argc - first
                break
            i += _MIGRATE_SKIP.get(a, 0) + 1
    return [(first + i, RW_ACCESS_DELETE) for i in range(num)]


def georadius_get_keys(argv: list[bytes]) -> list[tuple[int, KeyFlag]]:
    """GEORADIUS[BYMEMBER]: the key, plus the last STORE/STOREDIST destination."""
    argc = len(argv)
    stored = -1
    i = 5
    while i < argc:
        a = argv[i].lower()
        if a in (b"store", b"storedist") and i + 1 < argc:
            stored = i + 1
            i += 1
        i += 1
    keys = [(1, NO_FLAGS)]
    if stored != -1:
        keys.append((stored, NO_FLAGS))
    return keys


def xread_get_keys(argv: list[bytes]) -> list[tuple[int, KeyFlag]]:
    """XREAD/XREADGROUP: half of the arguments after STREAMS are keys."""
    argc = len(argv)
    streams = -1
    i = 1
    while i < argc:
        a = argv[i].lower()
        if a in (b"block", b"count"):
            i += 1
        elif a == b"group":
            i += 2
        elif a == b"noack":
            pass
        elif a == b"streams":
            streams = i
            break
        else:
            break
        i += 1
    num = argc - streams - 1
    if streams == -1 or num == 0 or num % 2:
        return []
    num //= 2
    return [(p, NO_FLAGS) for p in range(streams + 1, argc - num)]


NATIVE_GET_KEYS: dict[bytes, Callable[[list[bytes]], list]] = {
    b"set": set_get_keys,
    b"bitfield": bitfield_get_keys,
    b"sort": sort_get_keys,
    b"sort_ro": sort_ro_get_keys,
    b"migrate": migrate_get_keys,
    b"georadius": georadius_get_keys,
    b"georadiusbymember": georadius_get_keys,
    b"xread": xread_get_keys,
    b"xreadgroup": xread_get_keys,
    b"zunionstore": _generic(1, 2, 3, 1),
    b"zinterstore": _generic(1, 2, 3, 1),
    b"zdiffstore": _generic(1, 2, 3, 1),
    b"zunion": _generic(0, 1, 2, 1),
    b"zinter": _generic(0, 1, 2, 1),
    b"zdiff": _generic(0, 1, 2, 1),
    b"zintercard": _generic(0, 1, 2, 1),
    b"sintercard": _generic(0, 1, 2, 1),
    b"lmpop": _generic(0, 1, 2, 1),
    b"blmpop": _generic(0, 2, 3, 1),
    b"zmpop": _generic(0, 1, 2, 1),
    b"bzmpop": _generic(0, 2, 3, 1),
    b"eval": _generic(0, 2, 3, 1),
    b"evalsha": _generic(0, 2, 3, 1),
    b"eval_ro": _generic(0, 2, 3, 1),
    b"evalsha_ro": _generic(0, 2, 3, 1),
    b"fcall": _generic(0, 2, 3, 1),
    b"fcall_ro": _generic(0, 2, 3, 1),
}


def attach_native(spec: CommandSpec) -> None:
    """Give a built-in irregular command its getkeys proc unless it declared its own."""
    if spec.get_keys is None and spec.parent is None:
        fn = NATIVE_GET_KEYS.get(spec.name)
        if fn is not None:
            spec.get_keys = fn


__all__ = ["get_keys", "key_positions", "keys_from_specs", "has_keys", "uses_key_specs", "NATIVE_GET_KEYS"]
