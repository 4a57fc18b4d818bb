"""Users from the config file's ``user`` lines and from the ``aclfile`` (ACL LOAD/SAVE).

``load_file`` is Redis 7.2's ``ACLLoadFromFile``: every line is ``user <name> rules...``
(blank lines skipped); all lines are loaded into a fresh table and the errors of every
line collected, so a bad file changes nothing.  On success the users are swapped in:
existing users (``default`` always exists: created with every permission if the file
lacks it) keep their identity and take the new rules, clients of removed users are
disconnected, and subscribers whose channels were revoked too.

``save_file`` writes ``user <name> <rules>`` lines to a temporary file that replaces the
ACL file atomically.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

from .rules import UnmatchedParenthesis, merge_selectors
from .selectors import ERR_UNKNOWN, RuleError
from .users import User, Users

ERR_NO_FILE = (b"ERR This Redis instance is not configured to use an ACL file. You may want to specify "
               b"users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a "
               b"Redis configuration file set) in order to store users in the Redis configuration.")


def _has_spaces(b: bytes) -> bool:
    return any(ch in b" \t\n\v\f\r\x00" for ch in b)


def load_configured_users(acl: Any, lines: list[list[str]]) -> str | None:
    """The ``user`` directives of the config file (``ACLLoadConfiguredUsers``)."""
    users = acl.users
    seen: set[bytes] = set()
    for words in lines:
        name = words[0].encode("utf-8", "surrogateescape")
        args = [w.encode("utf-8", "surrogateescape") for w in words[1:]]
        if _has_spaces(name):
            return "Spaces not allowed in ACL usernames"
        if name in seen:
            return f"Error in user declaration '{words[0]}': Duplicate user found. A user can only be defined once in config files"
        seen.add(name)
        u = users.get(name)
        if u is None:
            u = users.create(name)
        elif name == b"default":
            u.apply(b"reset", users.allchannels_default)
        try:
            ops = merge_selectors(args)
        except UnmatchedParenthesis as e:
            return f"Error in user declaration '{e.arg.decode('utf-8', 'replace')}': Syntax error"
        for op in ops:
            try:
                u.apply(op, users.allchannels_default)
            except RuleError as e:
                return f"Error in user declaration '{op.decode('utf-8', 'replace')}': {e}"
    return None


def load_file(acl: Any, path: str, current: Any) -> str | None:
    """Load ``path`` into ``acl``; returns Redis's error text (nothing changed) or None."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        return f"Error loading ACLs, opening file '{path}': {e.strerror}"
    fresh = Users(acl.users.allchannels_default)
    del fresh.users[b"default"]
    errors: list[str] = []
    for i, raw in enumerate(data.split(b"\n")):
        linenum = i + 1
        line = raw.strip(b" \t\r\n")
        if not line:
            continue
        argv = [w for w in line.split(b" ") if w]
        if not argv:
            continue
        if argv[0] != b"user" or len(argv) < 2:
            errors.append(f"{path}:{linenum} should start with user keyword followed by the username. ")
            continue
        name = argv[1]
        if _has_spaces(name):
            errors.append(f"'{path}:{linenum}: username '{name.decode('utf-8', 'replace')}' contains invalid characters. ")
            continue
        if name in fresh.users:
            errors.append(f"WARNING: Duplicate user '{name.decode('utf-8', 'replace')}' found on line {linenum}. ")
            continue
        u = fresh.create(name)
        try:
            ops = merge_selectors(argv[2:])
        except UnmatchedParenthesis:
            errors.append(f"{path}:{linenum}: Unmatched parenthesis in selector definition.")
            continue
        syntax_error = False
        for op in ops:
            op = op.strip(b"\t\r\n")
            try:
                u.apply(op, fresh.allchannels_default)
            except RuleError as e:
                if str(e) == ERR_UNKNOWN:
                    errors.append(f"{path}:{linenum}: Error in applying operation '{op.decode('utf-8', 'replace')}': {e}. ")
                elif not syntax_error:
                    errors.append(f"{path}:{linenum}: {e}. ")
                    syntax_error = True
    if errors:
        return "".join(errors) + "WARNING: ACL errors detected, no change to the previously active ACL rules was performed"
    _swap_in(acl, fresh, current)
    return None


def _swap_in(acl: Any, fresh: Users, current: Any) -> None:
    old = acl.users
    new_default = fresh.users.pop(b"default", None)
    if new_default is None:
        new_default = Users(old.allchannels_default).default
    old.default.assign(new_default)
    table: dict[bytes, User] = {b"default": old.default}
    for name, u in fresh.users.items():
        existing = old.users.get(name)
        if existing is not None:
            existing.assign(u)
            u = existing
        table[name] = u
    removed = [n for n in old.users if n not in table]
    old.users = table
    for name in removed:
        acl.kill_user_clients(name, current)
    for u in table.values():
        acl.kill_revoked_subscribers(u, current)
        acl.refresh_user_clients(u.name)


def save_file(acl: Any, path: str) -> bool:
    lines = "".join(line + "\n" for line in acl.describe_lines())
    directory = os.path.dirname(path) or "."
    try:
        fd, tmp = tempfile.mkstemp(prefix=os.path.basename(path) + ".", dir=directory)
    except OSError as e:
        acl.server.log("warning", f"Opening temp ACL file for ACL SAVE: {e.strerror}")
        return False
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(lines.encode("utf-8", "surrogateescape"))
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as e:
        acl.server.log("warning", f"Renaming ACL file for ACL SAVE: {e.strerror}")
        try:
            os.unlink(tmp)
        except OSError:
            pass
        return False
    return True
