"""The command registry: ``@command`` declares, ``freeze()`` derives, ``lookup`` dispatches.

``freeze()`` runs once at import of ``vermilion.commands`` and computes what Redis
computes at startup: the implicit ACL categories (``setImplicitACLCategories``), the
legacy (first, last, step) key triple and MOVABLE_KEYS (7.2's
``populateCommandLegacyRangeSpec``: movable means the key specs cannot be described by
the triple -- a getkeys proc alone does not make a command movable, e.g. SET), the
key-extraction plan (``keys.py``: native getkeys procs, the plain-range fast path), full names (``client|kill``), ACL ids, and the
dispatch dict keyed by the raw command-name bytes in lower and upper case.
"""

from __future__ import annotations

from typing import Any, Callable

from . import keys as keys_mod
from .spec import AclCat, CmdFlag, CommandSpec, KeyFlag, KeySpec, parse_flags

COMMANDS: dict[bytes, CommandSpec] = {}  # lower-case name -> spec (top level)
DISPATCH: dict[bytes, CommandSpec] = {}  # raw name (lower and upper) -> spec
_frozen = False


def _make_spec(name: str, handler: Callable | None, kw: dict[str, Any]) -> CommandSpec:
    flags = parse_flags(CmdFlag, kw.pop("flags", ""))
    acl = parse_flags(AclCat, kw.pop("acl", ""))
    keys = tuple(kw.pop("keys", ()))
    for k in ("tips", "doc_flags", "history", "args"):
        if k in kw:
            kw[k] = tuple(kw[k])
    return CommandSpec(name=name.lower().encode(), handler=handler, flags=flags, acl=acl, keys=keys, **kw)


def command(name: str, *, arity: int, **kw: Any) -> Callable:
    """Declare a command (or ``"CONTAINER|SUB"`` subcommand) and register its handler.

    Keywords: ``flags`` ("write denyoom"), ``acl`` ("string"), ``keys`` (list of ``ks``),
    ``tips``, ``group``, ``since``, ``summary``, ``complexity``, ``doc_flags``,
    ``deprecated_since``, ``replaced_by``, ``history``, ``args``, ``get_keys``.
    """

    def deco(fn: Callable) -> Callable:
        _register(name, fn, dict(kw, arity=arity))
        return fn

    return deco


def container(name: str, *, arity: int = -2, **kw: Any) -> None:
    """Declare a container command (CLIENT, CONFIG, ...) whose subcommands are declared apart."""
    _register(name, None, dict(kw, arity=arity))


def _register(name: str, fn: Callable | None, kw: dict[str, Any]) -> None:
    assert not _frozen, "commands must be declared before freeze()"
    if "|" in name:
        parent_name, sub = name.lower().split("|", 1)
        parent = COMMANDS[parent_name.encode()]
        kw.setdefault("group", parent.group)
        spec = _make_spec(sub, fn, kw)
        spec.parent = parent
        parent.subcommands[spec.name] = spec
    else:
        spec = _make_spec(name, fn, kw)
        COMMANDS[spec.name] = spec


def _implicit_acl(spec: CommandSpec) -> None:
    f, a = spec.flags, spec.acl
    if f & CmdFlag.WRITE:
        a |= AclCat.WRITE
    if f & CmdFlag.READONLY and not (a & AclCat.SCRIPTING):
        a |= AclCat.READ
    if f & CmdFlag.ADMIN:
        a |= AclCat.ADMIN | AclCat.DANGEROUS
    if f & CmdFlag.PUBSUB:
        a |= AclCat.PUBSUB
    if f & CmdFlag.FAST:
        a |= AclCat.FAST
    if f & CmdFlag.BLOCKING:
        a |= AclCat.BLOCKING
    if not (a & AclCat.FAST):
        a |= AclCat.SLOW
    spec.acl = a


def _is_range(k: KeySpec) -> bool:
    return k.begin_search[0] == "index" and k.find_keys[0] == "range"


def legacy_range(keys: tuple[KeySpec, ...]) -> tuple[tuple[int, int, int], bool]:
    """Redis 7.2's ``populateCommandLegacyRangeSpec``: the (first, last, step) triple that
    COMMAND INFO prints, and whether the command has movable keys.

    One plain index+range spec is the triple itself (movable only if INCOMPLETE).  With
    several specs, the consecutive step-1 index+range specs are merged into one range;
    any other spec (keyword or keynum, a step other than 1, a gap) cannot be described
    by the triple, so it marks the command MOVABLE_KEYS.  ``last`` is absolute, or
    negative (counted from the end); the max is taken as unsigned, as Redis does, so a
    negative lastkey wins over any positive one.
    """
    if not keys:
        return (0, 0, 0), False
    if len(keys) == 1 and _is_range(keys[0]):
        k = keys[0]
        first, lastkey, step = k.begin_search[1], k.find_keys[1], k.find_keys[2]
        return (first, lastkey + first if lastkey >= 0 else lastkey, step), bool(k.flags & KeyFlag.INCOMPLETE)
    movable = False
    first, last, prev_last = 2**31 - 1, 0, 0
    for k in keys:
        if not _is_range(k):
            movable = True
            continue
        pos = k.begin_search[1]
        if k.find_keys[2] != 1 or (prev_last and prev_last != pos - 1):
            movable = True
            continue
        if k.flags & KeyFlag.INCOMPLETE:
            movable = True
        first = min(first, pos)
        abs_last = k.find_keys[1]
        if abs_last >= 0:
            abs_last += pos
        last = max(last % 2**32, abs_last % 2**32)
        if last >= 2**31:
            last -= 2**32
        prev_last = last
    if first == 2**31 - 1:
        return (0, 0, 0), True
    return (first, last, 1), movable


def _derive_keys(spec: CommandSpec) -> None:
    keys_mod.attach_native(spec)
    spec.legacy, movable = legacy_range(spec.keys)
    if movable:
        spec.flags |= CmdFlag.MOVABLE_KEYS
    spec.has_keys = keys_mod.has_keys(spec)
    spec.keys_by_specs = keys_mod.uses_key_specs(spec)
    spec.key_range = keys_mod.plain_range(spec)


def freeze() -> None:
    global _frozen
    if _frozen:
        return
    _frozen = True
    acl_id = 0
    for spec in COMMANDS.values():
        for s in spec.all_specs():
            s.fullname = s.name if s.parent is None else s.parent.name + b"|" + s.name
            _implicit_acl(s)
            _derive_keys(s)
            s.flag_bits = s.flags.value
            if s.subcommands:
                # Containers always take the slow path (resolve() finds the subcommand).
                s.argc_min, s.argc_max = 2**31, 0
            elif s.arity >= 0:
                s.argc_min = s.argc_max = s.arity
            else:
                s.argc_min, s.argc_max = -s.arity, 2**31
            s.acl_id = acl_id
            acl_id += 1
        DISPATCH[spec.name] = spec
        DISPATCH[spec.name.upper()] = spec


def lookup(name: bytes) -> CommandSpec | None:
    spec = DISPATCH.get(name)
    if spec is None:
        spec = COMMANDS.get(name.lower())
    return spec


def all_commands() -> list[CommandSpec]:
    return list(COMMANDS.values())


__all__ = ["command", "container", "freeze", "lookup", "COMMANDS", "DISPATCH", "KeySpec", "KeyFlag"]
