"""Applying a list of ACL rules to a user (``ACLStringSetUser``), all or nothing.

``(`` ... ``)`` selectors may span several arguments: ``merge_selectors`` joins them with
single spaces first (``ACLMergeSelectorArguments``).  The rules are then applied to a
copy of the user; on the first bad rule the error names that rule and nothing changes.
"""

from __future__ import annotations

from .selectors import RuleError
from .users import User, Users


class UnmatchedParenthesis(Exception):
    def __init__(self, arg: bytes) -> None:
        super().__init__(arg)
        self.arg = arg


def merge_selectors(args: list[bytes]) -> list[bytes]:
    out: list[bytes] = []
    acc: list[bytes] | None = None
    start = b""
    for a in args:
        if acc is None:
            if a[:1] == b"(" and a[-1:] != b")":
                acc = [a]
                start = a
            else:
                out.append(a)
        else:
            acc.append(a)
            if a[-1:] == b")":
                out.append(b" ".join(acc))
                acc = None
    if acc is not None:
        raise UnmatchedParenthesis(start)
    return out


def stage(users: Users, user: User | None, name: bytes, args: list[bytes]) -> User:
    """The user as it would be after ``args`` (a new object), or raise ``ValueError``
    with Redis's message (without the ``ERR`` prefix)."""
    try:
        ops = merge_selectors(args)
    except UnmatchedParenthesis as e:
        raise ValueError(b"Unmatched parenthesis in acl selector starting at '%s'." % e.arg) from None
    temp = user.copy() if user is not None else User(name, users.allchannels_default)
    for op in ops:
        try:
            temp.apply(op, users.allchannels_default)
        except RuleError as e:
            raise ValueError(b"Error in ACL SETUSER modifier '%s': %s" % (op, str(e).encode())) from None
    return temp


def set_user(users: Users, name: bytes, args: list[bytes]) -> tuple[User, User | None]:
    """Apply ``args`` to user ``name`` (created when missing).  Returns ``(user,
    previous copy or None)`` so callers can compare permissions."""
    user = users.get(name)
    temp = stage(users, user, name, args)
    if user is None:
        user = users.create(name)
        user.assign(temp)
        return user, None
    before = user.copy()
    user.assign(temp)
    return user, before
