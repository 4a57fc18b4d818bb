"""The command specification: one frozen record per command, from which everything derives.

A command is declared once with ``@command`` (see ``registry.py``).  Dispatch (lookup,
arity), COMMAND INFO/DOCS/LIST/GETKEYS, ACL categories, cluster routing and propagation
all read this record; nothing else lists commands.

Flags and categories are ``enum.Flag``s whose member order is Redis's reply order
(``addReplyCommandFlags``, ``ACLCommandCategories``), so replies iterate the enum.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Callable


class CmdFlag(enum.Flag):
    # Order = Redis's COMMAND INFO flag order; HIDDEN members are never shown.
    WRITE = enum.auto()
    READONLY = enum.auto()
    DENYOOM = enum.auto()
    MODULE = enum.auto()
    ADMIN = enum.auto()
    PUBSUB = enum.auto()
    NOSCRIPT = enum.auto()
    BLOCKING = enum.auto()
    LOADING = enum.auto()
    STALE = enum.auto()
    SKIP_MONITOR = enum.auto()
    SKIP_SLOWLOG = enum.auto()
    ASKING = enum.auto()
    FAST = enum.auto()
    NO_AUTH = enum.auto()
    MAY_REPLICATE = enum.auto()  # hidden
    SENTINEL = enum.auto()  # hidden
    ONLY_SENTINEL = enum.auto()  # hidden
    NO_MANDATORY_KEYS = enum.auto()
    PROTECTED = enum.auto()  # hidden
    NO_ASYNC_LOADING = enum.auto()
    NO_MULTI = enum.auto()
    MOVABLE_KEYS = enum.auto()  # derived, never declared
    ALLOW_BUSY = enum.auto()
    TOUCHES_ARBITRARY_KEYS = enum.auto()  # hidden


HIDDEN_FLAGS = (
    CmdFlag.MAY_REPLICATE | CmdFlag.SENTINEL | CmdFlag.ONLY_SENTINEL | CmdFlag.PROTECTED | CmdFlag.TOUCHES_ARBITRARY_KEYS
)

# Names as COMMAND INFO prints them.
FLAG_NAMES = {f: ("movablekeys" if f is CmdFlag.MOVABLE_KEYS else f.name.lower()) for f in CmdFlag}


class AclCat(enum.Flag):
    # Order = Redis's ACLCommandCategories order.
    KEYSPACE = enum.auto()
    READ = enum.auto()
    WRITE = enum.auto()
    SET = enum.auto()
    SORTEDSET = enum.auto()
    LIST = enum.auto()
    HASH = enum.auto()
    STRING = enum.auto()
    BITMAP = enum.auto()
    HYPERLOGLOG = enum.auto()
    GEO = enum.auto()
    STREAM = enum.auto()
    PUBSUB = enum.auto()
    ADMIN = enum.auto()
    FAST = enum.auto()
    SLOW = enum.auto()
    BLOCKING = enum.auto()
    DANGEROUS = enum.auto()
    CONNECTION = enum.auto()
    TRANSACTION = enum.auto()
    SCRIPTING = enum.auto()


class KeyFlag(enum.Flag):
    # Order = Redis's key-spec flag order in COMMAND INFO.
    RO = enum.auto()
    RW = enum.auto()
    OW = enum.auto()
    RM = enum.auto()
    ACCESS = enum.auto()
    UPDATE = enum.auto()
    INSERT = enum.auto()
    DELETE = enum.auto()
    NOT_KEY = enum.auto()
    INCOMPLETE = enum.auto()
    VARIABLE_FLAGS = enum.auto()


def parse_flags(enum_cls: Any, words: str) -> Any:
    """``"write denyoom"`` -> ``CmdFlag.WRITE | CmdFlag.DENYOOM``."""
    value = enum_cls(0)
    for w in words.replace("|", " ").split():
        value |= enum_cls[w.upper().lstrip("@")]
    return value


@dataclass(frozen=True, slots=True)
class KeySpec:
    """Where a command's keys are: a begin-search step, then a find-keys step.

    begin_search: ``("index", pos)``, ``("keyword", keyword, startfrom)`` or ``("unknown",)``.
    find_keys: ``("range", lastkey, keystep, limit)``, ``("keynum", keynumidx, firstkey,
    keystep)`` or ``("unknown",)``.
    """

    flags: KeyFlag
    begin_search: tuple
    find_keys: tuple
    notes: str | None = None


def ks(
    flags: str,
    index: int | None = None,
    *,
    keyword: bytes | None = None,
    startfrom: int = 1,
    last: int = 0,
    step: int = 1,
    limit: int = 0,
    keynum: tuple[int, int, int] | None = None,
    notes: str | None = None,
    unknown: bool = False,
) -> KeySpec:
    """Compact key-spec builder: ``ks("RW ACCESS", 1)``, ``ks("RO", 1, last=-1)``,
    ``ks("RO", keyword=b"STREAMS", startfrom=1, last=-1, step=1, limit=2)``,
    ``ks("RW", 2, keynum=(0, 1, 1))``."""
    if unknown:
        bs: tuple = ("unknown",)
    elif keyword is not None:
        bs = ("keyword", keyword, startfrom)
    else:
        assert index is not None
        bs = ("index", index)
    if unknown:
        fk: tuple = ("unknown",)
    elif keynum is not None:
        fk = ("keynum",) + keynum
    else:
        fk = ("range", last, step, limit)
    return KeySpec(parse_flags(KeyFlag, flags), bs, fk, notes)


@dataclass(slots=True)
class CommandStats:
    """Mutable per-command counters for INFO commandstats (kept off the frozen spec)."""

    calls: int = 0
    usec: int = 0
    rejected_calls: int = 0
    failed_calls: int = 0
    # calls per power-of-two bucket of microseconds, for LATENCY HISTOGRAM and INFO
    # latencystats (ops/latency.py): hist[usec.bit_length()]
    hist: list = field(default_factory=lambda: [0] * 64)


@dataclass(eq=False, slots=True)
class CommandSpec:
    """Everything Redis knows about one command (``struct redisCommand``)."""

    name: bytes  # lower case: b"get", subcommands b"kill"
    handler: Callable[..., Any] | None
    arity: int
    flags: CmdFlag
    acl: AclCat  # explicit + implied (filled in by registry.freeze)
    keys: tuple[KeySpec, ...] = ()
    tips: tuple[str, ...] = ()
    group: str = "generic"
    since: str = "1.0.0"
    summary: str = ""
    complexity: str = ""
    doc_flags: tuple[str, ...] = ()
    deprecated_since: str | None = None
    replaced_by: str | None = None
    history: tuple[tuple[str, str], ...] = ()
    args: tuple = ()  # COMMAND DOCS argument tree (see syntax.py)
    # Irregular commands (Redis's getkeys_proc): ``get_keys(argv)`` returns the key
    # positions as ``(pos, KeyFlag)`` pairs (a bare ``int`` position takes the first key
    # spec's flags).  See ``keys.py`` for when it is consulted.
    get_keys: Callable[[list[bytes]], list] | None = None
    parent: CommandSpec | None = None
    subcommands: dict[bytes, CommandSpec] = field(default_factory=dict)
    stats: CommandStats = field(default_factory=CommandStats)
    # Derived by freeze():
    fullname: bytes = b""
    legacy: tuple[int, int, int] = (0, 0, 0)
    flag_bits: int = 0  # int(flags) for cheap tests on the hot path
    argc_min: int = 0  # len(argv) range that passes the arity check on the fast path
    argc_max: int = 0
    acl_id: int = -1
    has_keys: bool = False  # Redis's doesCommandHaveKeys (COMMAND GETKEYS)
    keys_by_specs: bool = False  # keys.get_keys walks the key specs before get_keys
    key_range: tuple | None = None  # (first, lastkey, step, flags): the one-plain-range fast path

    @property
    def is_write(self) -> bool:
        return bool(self.flags & CmdFlag.WRITE)

    def all_specs(self):
        yield self
        for sub in self.subcommands.values():
            yield sub


def arg(name: str, type: str, **kw: Any) -> dict:
    """One COMMAND DOCS argument, as Redis's JSON spec has it.

    Keywords: ``token``, ``display_text``, ``key_spec_index``, ``summary``, ``since``,
    ``deprecated_since``, ``value``, ``flags`` (tuple of "optional", "multiple",
    "multiple_token"), ``arguments`` (tuple of nested ``arg`` dicts, for block/oneof).
    """
    d: dict = {"name": name, "type": type}
    d.update(kw)
    return d
