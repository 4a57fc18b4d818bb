"""ACL selectors (Redis 7.2's ``aclSelector``): what one set of rules allows.

A user has a root selector and any number of extra ``(...)`` selectors; a command is
allowed when any selector allows it.  A selector holds:

* ``allowed``: a Python int used as a bitmap over the command table's ``acl_id``s
  (one bit per command and per subcommand); ``allcommands`` while every bit is set
  (the check skips the bitmap; cleared by any removal) and ``future``, set only by
  +@all and cleared only by -@all (Redis's reserved "future commands" bit, which
  decides whether the rules are described from ``+@all`` or ``-@all``);
* ``firstargs``: ``acl_id -> [lower-cased first args]`` for the deprecated
  ``+select|0`` form on commands without subcommands;
* key patterns ``[(pattern, perms, matcher)]`` with ``perms`` a mask of READ/WRITE
  (``~p`` is both, ``%R~p`` read, ``%W~p`` write), each compiled once;
* channel patterns, and the ``allkeys`` / ``allchannels`` flags;
* ``command_rules``: the +/- command and category rules in the order they were given,
  de-duplicated per command (7.2's ``ACLUpdateCommandRules``), which is what ACL LIST
  and GETUSER print after the leading ``+@all``/``-@all``.

Checking (``check``) follows ``ACLSelectorCheckCmd``: the command bit (or an allowed
first argument), then every key against the patterns with the permissions its key spec
implies (ACCESS needs read; INSERT/DELETE/UPDATE need write; a key with none of these
matches any pattern), then publish/subscribe channels.  Errors raise ``RuleError``
carrying the text of Redis's ``ACLSetUserStringError``.
"""

from __future__ import annotations

from functools import lru_cache
from operator import methodcaller
from typing import Any

from ...commands.registry import COMMANDS
from ...commands.spec import AclCat, CmdFlag, KeyFlag
from ...util.glob import compile_glob

NOT_HANDLED = -1  # check_range: the full check must decide
READ = 1
WRITE = 2
ALL_PERMS = READ | WRITE

# Results, ordered as Redis's ACL_DENIED_* codes (the most relevant error wins).
OK = 0
DENIED_CMD = 1
DENIED_KEY = 2
DENIED_AUTH = 3
DENIED_CHANNEL = 4

CATEGORIES: dict[bytes, AclCat] = {c.name.lower().encode(): c for c in AclCat}  # type: ignore[union-attr]

ERR_SYNTAX = "Syntax error"
ERR_UNKNOWN = "Unknown command or category name in ACL"
ERR_KEYS_AFTER_ALL = ("Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does "
                      "not have any effect. Try 'resetkeys' to start with an empty list of patterns")
ERR_CHANNELS_AFTER_ALL = ("Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and "
                          "does not have any effect. Try 'resetchannels' to start with an empty list of channels")
ERR_FIRSTARG_OF_SUB = "Allowing first-arg of a subcommand is not supported"

_ACCESS = KeyFlag.ACCESS
_NO_AUTH = CmdFlag.NO_AUTH.value
_WRITE_FLAGS = KeyFlag.INSERT | KeyFlag.DELETE | KeyFlag.UPDATE


class RuleError(Exception):
    """A rule Redis rejects; ``str(e)`` is Redis's explanation."""


def _has_spaces(b: bytes) -> bool:
    return any(ch in b" \t\n\v\f\r\x00" for ch in b)


def lookup_command(name: bytes) -> Any:
    """``ACLLookupCommand``: ``get`` or ``config|get`` in the original command table."""
    name = name.lower()
    if b"|" in name:
        parent, _, sub = name.partition(b"|")
        spec = COMMANDS.get(parent)
        if spec is None or not spec.subcommands or b"|" in sub:
            return None
        return spec.subcommands.get(sub)
    return COMMANDS.get(name)


def _ids_of(spec: Any) -> int:
    """The bits of a command and all its subcommands (``ACLChangeSelectorPerm``)."""
    bits = 1 << spec.acl_id
    for sub in spec.subcommands.values():
        bits |= 1 << sub.acl_id
    return bits


_CATEGORY_BITS: dict[AclCat, int] = {}


def category_bits(cat: AclCat) -> int:
    """Every command and subcommand carrying ``cat`` (``ACLSetSelectorCommandBitsForCategory``:
    a matching parent also switches all of its subcommands)."""
    bits = _CATEGORY_BITS.get(cat)
    if bits is None:
        bits = 0
        for spec in COMMANDS.values():
            if spec.acl & cat:
                bits |= _ids_of(spec)
            for sub in spec.subcommands.values():
                if sub.acl & cat:
                    bits |= 1 << sub.acl_id
        _CATEGORY_BITS[cat] = bits
    return bits


def all_command_bits() -> int:
    bits = _CATEGORY_BITS.get(None)  # type: ignore[call-overload]
    if bits is None:
        bits = 0
        for spec in COMMANDS.values():
            bits |= _ids_of(spec)
        _CATEGORY_BITS[None] = bits  # type: ignore[index]
    return bits


class Selector:
    __slots__ = ("root", "allowed", "allcommands", "future", "allkeys", "allchannels", "firstargs",
                 "keys", "channels", "command_rules")

    def __init__(self, root: bool, allchannels: bool) -> None:
        self.root = root
        self.allowed = 0
        self.allcommands = False  # every bit set: the check can skip the bitmap
        self.future = False  # +@all: also commands added later; describes as "+@all"
        self.allkeys = False
        self.allchannels = allchannels
        self.firstargs: dict[int, list[bytes]] = {}
        self.keys: list[list[Any]] = []  # [pattern, perms, matcher]
        self.channels: list[bytes] = []
        self.command_rules: list[bytes] = []

    def copy(self) -> Selector:
        s = Selector(self.root, self.allchannels)
        s.allowed = self.allowed
        s.allcommands = self.allcommands
        s.future = self.future
        s.allkeys = self.allkeys
        s.firstargs = {k: list(v) for k, v in self.firstargs.items()}
        s.keys = [list(k) for k in self.keys]
        s.channels = list(self.channels)
        s.command_rules = list(self.command_rules)
        return s

    @property
    def unrestricted(self) -> bool:
        return self.allcommands and self.allkeys and self.allchannels

    # ---- rules ------------------------------------------------------------------------

    def apply(self, op: bytes) -> None:
        """``ACLSetSelector``: apply one rule or raise ``RuleError``."""
        low = op.lower()
        if low in (b"allkeys", b"~*"):
            self.allkeys = True
            self.keys = []
        elif low == b"resetkeys":
            self.allkeys = False
            self.keys = []
        elif low in (b"allchannels", b"&*"):
            self.allchannels = True
            self.channels = []
        elif low == b"resetchannels":
            self.allchannels = False
            self.channels = []
        elif low in (b"allcommands", b"+@all"):
            self.allowed = all_command_bits()
            self.allcommands = self.future = True
            self.command_rules = []
            self.firstargs = {}
        elif low in (b"nocommands", b"-@all"):
            self.allowed = 0
            self.allcommands = self.future = False
            self.command_rules = []
            self.firstargs = {}
        elif op[:1] in (b"~", b"%"):
            self._add_key_pattern(op)
        elif op[:1] == b"&":
            if self.allchannels:
                raise RuleError(ERR_CHANNELS_AFTER_ALL)
            pat = op[1:]
            if _has_spaces(pat):
                raise RuleError(ERR_SYNTAX)
            if pat not in self.channels:
                self.channels.append(pat)
        elif op[:2] in (b"+@", b"-@"):
            cat = CATEGORIES.get(low[2:])
            if cat is None:
                raise RuleError(ERR_UNKNOWN)
            allow = op[:1] == b"+"
            self._update_rules(low[1:], allow)
            bits = category_bits(cat)
            self._set_bits(bits, allow)
        elif op[:1] == b"+":
            self._allow_command(op[1:])
        elif op[:1] == b"-":
            spec = lookup_command(op[1:])
            if spec is None:
                raise RuleError(ERR_UNKNOWN)
            self._set_bits(_ids_of(spec), False)
            self._update_rules(spec.fullname, False)
        else:
            raise RuleError(ERR_SYNTAX)

    def _add_key_pattern(self, op: bytes) -> None:
        if self.allkeys:
            raise RuleError(ERR_KEYS_AFTER_ALL)
        perms = 0
        offset = 1
        if op[:1] == b"%":
            n = len(op)
            while offset < n:
                ch = op[offset:offset + 1].upper()
                if ch == b"R" and not perms & READ:
                    perms |= READ
                elif ch == b"W" and not perms & WRITE:
                    perms |= WRITE
                elif ch == b"~":
                    offset += 1
                    break
                else:
                    raise RuleError(ERR_SYNTAX)
                offset += 1
            if not perms:
                raise RuleError(ERR_SYNTAX)
        else:
            perms = ALL_PERMS
        pat = op[offset:]
        if _has_spaces(pat):
            raise RuleError(ERR_SYNTAX)
        for entry in self.keys:
            if entry[0] == pat:
                entry[1] |= perms
                return
        self.keys.append([pat, perms, fast_matcher(pat)])

    def _allow_command(self, name: bytes) -> None:
        if b"|" not in name:
            spec = lookup_command(name)
            if spec is None:
                raise RuleError(ERR_UNKNOWN)
            self._set_bits(_ids_of(spec), True)
            self._update_rules(spec.fullname, True)
            return
        head, _, sub = name.rpartition(b"|")
        spec = lookup_command(head)
        if spec is None:
            raise RuleError(ERR_UNKNOWN)
        if spec.parent is not None:
            raise RuleError(ERR_FIRSTARG_OF_SUB)
        if not sub:
            raise RuleError(ERR_SYNTAX)
        if spec.subcommands:
            subspec = lookup_command(name)
            if subspec is None:
                raise RuleError(ERR_UNKNOWN)
            self._set_bits(1 << subspec.acl_id, True)
        else:
            args = self.firstargs.setdefault(spec.acl_id, [])
            low = sub.lower()
            if low not in args:
                args.append(low)
        self._update_rules(name.lower(), True)

    def _set_bits(self, bits: int, allow: bool) -> None:
        if allow:
            self.allowed |= bits
        else:
            self.allowed &= ~bits
            self.allcommands = False  # (the "future commands" bit stays: Redis's reserved bit)
        if self.firstargs:
            for cid in [cid for cid in self.firstargs if bits >> cid & 1]:
                del self.firstargs[cid]

    def _update_rules(self, rule: bytes, allow: bool) -> None:
        """Drop an earlier rule for the same command or category, then append."""
        rules = self.command_rules
        for i in range(len(rules) - 1, -1, -1):
            if rules[i][1:] == rule:
                del rules[i]
        rules.append((b"+" if allow else b"-") + rule)

    # ---- description ------------------------------------------------------------------

    def describe_commands(self) -> bytes:
        head = b"+@all" if self.future else b"-@all"
        return b" ".join([head, *self.command_rules])

    def describe_keys(self) -> bytes:
        if self.allkeys:
            return b"~*"
        return b" ".join(_pattern_string(p, perms) for p, perms, _m in self.keys)

    def describe_channels(self) -> bytes:
        if self.allchannels:
            return b"&*"
        return b" ".join(b"&" + ch for ch in self.channels)

    def describe(self) -> bytes:
        """``ACLDescribeSelector``: keys, channels, command rules (ACL LIST form)."""
        parts = []
        if self.allkeys:
            parts.append(b"~*")
        else:
            parts.extend(_pattern_string(p, perms) for p, perms, _m in self.keys)
        if self.allchannels:
            parts.append(b"&*")
        else:
            parts.append(b"resetchannels")
            parts.extend(b"&" + ch for ch in self.channels)
        parts.append(self.describe_commands())
        return b" ".join(parts)

    # ---- checks ---------------------------------------------------------------------

    def check(self, spec: Any, argv: list[bytes], keys: list | None, channels: list | None) -> tuple[int, int]:
        """``(result, argv index of the denied key or channel)`` for one command."""
        if not self.allcommands and not spec.flag_bits & _NO_AUTH and not (self.allowed >> spec.acl_id) & 1:
            allowed = self.firstargs.get(spec.acl_id)
            if not allowed or len(argv) < 2:
                return DENIED_CMD, 0
            idx = 2 if spec.parent is not None else 1
            if idx >= len(argv) or argv[idx].lower() not in allowed:
                return DENIED_CMD, 0
        if keys and not self.allkeys:
            patterns = self.keys
            for pos, kflags in keys:
                ent = _NEED.get(id(kflags))  # id: Enum.__hash__ is Python code
                need = ent[1] if ent is not None and ent[0] is kflags else _need(kflags)
                key = argv[pos]
                for _pat, perms, match in patterns:
                    if perms & need == need and match(key):
                        break
                else:
                    return DENIED_KEY, pos
        if channels and not self.allchannels:
            for pos, is_pattern in channels:
                if not self.channel_allowed(argv[pos], is_pattern):
                    return DENIED_CHANNEL, pos
        return OK, 0

    def check_range(self, spec: Any, argv: list[bytes]) -> tuple[int, int]:
        """``check`` for a command whose keys are one index+range spec (GET, SET, MGET,
        ...) and that names no channels: the per-command path of a restricted user, with
        the key positions walked inline instead of built as a list.  ``(NOT_HANDLED, 0)``
        when the full ``check`` must decide (a command allowed by its first argument
        only, or keys outside the range that a getkeys function finds)."""
        if not self.allcommands and not (self.allowed >> spec.acl_id) & 1 and not spec.flag_bits & _NO_AUTH:
            return NOT_HANDLED, 0
        if self.allkeys:
            return OK, 0
        first, lastkey, step, kflags = spec.key_range
        argc = len(argv)
        last = first + lastkey if lastkey >= 0 else argc + lastkey
        if not first <= last < argc:
            return NOT_HANDLED, 0
        ent = _NEED.get(id(kflags))
        need = ent[1] if ent is not None and ent[0] is kflags else _need(kflags)
        patterns = self.keys
        for pos in range(first, last + 1, step):
            key = argv[pos]
            for _pat, perms, match in patterns:
                if perms & need == need and match(key):
                    break
            else:
                return DENIED_KEY, pos
        return OK, 0

    def channel_allowed(self, channel: bytes, is_pattern: bool) -> bool:
        """``ACLCheckChannelAgainstList``: a pattern subscription needs the very same
        pattern; a channel must match one of the patterns."""
        if self.allchannels:
            return True
        if is_pattern:
            return channel in self.channels
        for pat in self.channels:
            if _cached_matcher(pat)(channel):
                return True
        return False


def fast_matcher(pat: bytes) -> Any:
    """``compile_glob(pat)``, with C-level predicates for the common ACL patterns: a
    literal (``bytes.__eq__``), a literal prefix and a ``*`` (``startswith``), a lone
    ``*`` (any non-empty subject).  The check runs for every key of every command of a
    restricted user, and a regex costs a few times more."""
    if pat == b"*":
        return bool
    star = pat.endswith(b"*")
    body = pat[:-1] if star else pat
    if any(ch in body for ch in b"*?[\\"):
        return compile_glob(pat)
    return methodcaller("startswith", body) if star else pat.__eq__


_cached_matcher = lru_cache(maxsize=1024)(fast_matcher)


# id(key-spec flags) -> (flags, permissions needed): enum & and hash are slow, and
# the flags objects are the enum's cached members (the entry keeps them alive).
_NEED: dict[int, tuple[Any, int]] = {}


def _need(kflags: Any) -> int:
    need = READ if kflags & _ACCESS else 0
    if kflags & _WRITE_FLAGS:
        need |= WRITE
    _NEED[id(kflags)] = (kflags, need)
    return need


def _pattern_string(pat: bytes, perms: int) -> bytes:
    if perms == ALL_PERMS:
        return b"~" + pat
    if perms == READ:
        return b"%R~" + pat
    return b"%W~" + pat
