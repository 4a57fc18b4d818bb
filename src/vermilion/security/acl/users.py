"""ACL users (Redis 7.2's ``user``) and the user table.

A ``User`` has flags (on/off, nopass, sanitize-payload or skip-sanitize-payload), a list
of SHA-256 password hashes (hex, as ``bytes``) and selectors: the root selector first,
then the ``(...)`` selectors.  ``apply`` is ``ACLSetUser`` for one rule; rule lists go
through ``rules.set_user``, which stages the changes on a copy so that a bad rule
changes nothing.

``Users`` is the table (name -> User, ``default`` always present).  ``describe`` is the
ACL LIST / ``user`` config line form, ``check`` runs a command past every selector and
picks Redis's most relevant error (a command error unless some selector allowed the
command; then the key or channel error at the highest argument position).
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from .selectors import DENIED_CMD, OK, RuleError, Selector

ERR_BAD_HASH = "The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters"
ERR_NO_SUCH_PASS = "The password you are trying to remove from the user does not exist"
_HEX = frozenset(b"0123456789abcdef")


def hash_password(password: bytes) -> bytes:
    return hashlib.sha256(password).hexdigest().encode()


def _check_hash(h: bytes) -> bytes:
    if len(h) != 64 or not _HEX.issuperset(h):
        raise RuleError(ERR_BAD_HASH)
    return h


class User:
    __slots__ = ("name", "enabled", "nopass", "skip_sanitize", "passwords", "selectors")

    def __init__(self, name: bytes, allchannels_default: bool) -> None:
        self.name = name
        self.enabled = False
        self.nopass = False
        self.skip_sanitize = False
        self.passwords: list[bytes] = []
        self.selectors: list[Selector] = [Selector(True, allchannels_default)]

    @property
    def root(self) -> Selector:
        return self.selectors[0]

    def copy(self) -> User:
        u = User(self.name, False)
        u.enabled = self.enabled
        u.nopass = self.nopass
        u.skip_sanitize = self.skip_sanitize
        u.passwords = list(self.passwords)
        u.selectors = [s.copy() for s in self.selectors]
        return u

    def assign(self, other: User) -> None:
        """Take over ``other``'s rules (``ACLCopyUser``), keeping this object's identity."""
        self.enabled = other.enabled
        self.nopass = other.nopass
        self.skip_sanitize = other.skip_sanitize
        self.passwords = other.passwords
        self.selectors = other.selectors

    @property
    def unrestricted(self) -> bool:
        """Every command, key and channel: its clients skip the ACL gate entirely."""
        return self.selectors[0].unrestricted

    def apply(self, op: bytes, allchannels_default: bool) -> None:
        """``ACLSetUser`` for one (already selector-merged) rule."""
        if not op:
            return
        low = op.lower()
        if low == b"on":
            self.enabled = True
        elif low == b"off":
            self.enabled = False
        elif low == b"skip-sanitize-payload":
            self.skip_sanitize = True
        elif low == b"sanitize-payload":
            self.skip_sanitize = False
        elif low == b"nopass":
            self.nopass = True
            self.passwords = []
        elif low == b"resetpass":
            self.nopass = False
            self.passwords = []
        elif op[:1] in (b">", b"#"):
            h = hash_password(op[1:]) if op[:1] == b">" else _check_hash(op[1:])
            if h not in self.passwords:
                self.passwords.append(h)
            self.nopass = False
        elif op[:1] in (b"<", b"!"):
            h = hash_password(op[1:]) if op[:1] == b"<" else _check_hash(op[1:])
            if h not in self.passwords:
                raise RuleError(ERR_NO_SUCH_PASS)
            self.passwords.remove(h)
        elif op[:1] == b"(" and op[-1:] == b")":
            from ...protocol.resp_parser import split_args  # noqa: PLC0415

            sel = Selector(False, allchannels_default)
            for word in split_args(op[1:-1]) or []:
                sel.apply(word)
            self.selectors.append(sel)
        elif low == b"clearselectors":
            del self.selectors[1:]
        elif low == b"reset":
            self.nopass = False
            self.passwords = []
            root = self.selectors[0]
            root.apply(b"resetkeys")
            root.apply(b"resetchannels")
            if allchannels_default:
                root.apply(b"allchannels")
            self.enabled = False
            self.skip_sanitize = False
            del self.selectors[1:]
            root.apply(b"-@all")
        else:
            self.selectors[0].apply(op)

    def check_password(self, password: bytes) -> bool:
        if not self.enabled:
            return False
        if self.nopass:
            return True
        h = hash_password(password)
        ok = False
        for stored in self.passwords:
            ok |= hmac.compare_digest(stored, h)
        return ok

    def flag_names(self) -> list[bytes]:
        """The flags in Redis's ``ACLUserFlags`` order."""
        out = [b"on" if self.enabled else b"off"]
        if self.nopass:
            out.append(b"nopass")
        out.append(b"skip-sanitize-payload" if self.skip_sanitize else b"sanitize-payload")
        return out

    def describe(self) -> bytes:
        """``ACLDescribeUser``: flags, ``#hash``es, root selector, ``(...)`` selectors."""
        parts = self.flag_names()
        parts.extend(b"#" + h for h in self.passwords)
        parts.append(self.selectors[0].describe())
        parts.extend(b"(" + s.describe() + b")" for s in self.selectors[1:])
        return b" ".join(parts)

    def check(self, spec: Any, argv: list[bytes], keys: list | None, channels: list | None) -> tuple[int, int]:
        """``ACLCheckAllUserCommandPerm``: OK if any selector allows, else the most
        relevant ``(error, argv position)``."""
        best, best_pos = DENIED_CMD, 0
        for sel in self.selectors:
            res, pos = sel.check(spec, argv, keys, channels)
            if res == OK:
                return OK, 0
            if res > best or (res == best and pos > best_pos):
                best, best_pos = res, pos
        return best, best_pos

    def can_access_channel(self, channel: bytes, is_pattern: bool) -> bool:
        return any(s.channel_allowed(channel, is_pattern) for s in self.selectors)


class Users:
    """The user table; ``default`` is created on, nopass, with every permission."""

    def __init__(self, allchannels_default: bool = False) -> None:
        self.allchannels_default = allchannels_default
        self.users: dict[bytes, User] = {}
        self.default = self.create(b"default")
        for op in (b"+@all", b"~*", b"&*", b"on", b"nopass"):
            self.default.apply(op, allchannels_default)

    def create(self, name: bytes) -> User:
        u = User(name, self.allchannels_default)
        self.users[name] = u
        return u

    def get(self, name: bytes) -> User | None:
        return self.users.get(name)

    def names(self) -> list[bytes]:
        return sorted(self.users)
