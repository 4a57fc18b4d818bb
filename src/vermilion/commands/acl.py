"""ACL commands: SETUSER, GETUSER, DELUSER, LIST, USERS, WHOAMI, CAT, GENPASS, LOG, LOAD,
SAVE, DRYRUN, HELP.  The state and checks live in ``security/acl``; these handlers
parse, call into it and shape the replies as Redis 7.2 does.
"""

from __future__ import annotations

import os
from typing import Any

from ..protocol.errors import CommandError, err
from ..protocol.reply import OK, SetReply
from ..security.acl import acl_file
from ..security.acl.rules import set_user
from ..security.acl.selectors import CATEGORIES, OK as ACL_OK
from ..security.acl.state import error_message, get_acl
from .registry import COMMANDS, command, container
from .spec import arg
from .util import parse_int

container("acl", arity=-2, group="server", since="6.0.0",
          summary="A container for Access List Control commands.", complexity="Depends on subcommand.")

_ADMIN = "admin noscript loading stale"


@command("acl|cat", arity=-2, flags="noscript loading stale", since="6.0.0",
         summary="Lists the ACL categories, or the commands inside a category.",
         complexity="O(1) since the categories and commands are a fixed set.",
         args=(arg("categoryname", "string", flags=("optional",)),))
def cmd_acl_cat(c: Any, argv: list[bytes]) -> Any:
    if len(argv) == 2:
        return list(CATEGORIES)
    if len(argv) > 3:
        raise _wrong_subcommand(argv)
    cat = CATEGORIES.get(argv[2].lower())
    if cat is None:
        raise CommandError(b"ERR Unknown category '%s'" % argv[2])
    out = []
    for spec in COMMANDS.values():
        if spec.acl & cat:
            out.append(spec.fullname)
        for sub in spec.subcommands.values():
            if sub.acl & cat:
                out.append(sub.fullname)
    return out


@command("acl|deluser", arity=-3, flags=_ADMIN, since="6.0.0",
         summary="Deletes ACL users, and terminates their connections.",
         complexity="O(1) amortized time considering the typical user.",
         args=(arg("username", "string", flags=("multiple",)),))
def cmd_acl_deluser(c: Any, argv: list[bytes]) -> Any:
    acl = get_acl(c.server)
    users = acl.users.users
    for name in argv[2:]:
        if name == b"default":
            raise err("The 'default' user cannot be removed")
    deleted = 0
    for name in argv[2:]:
        if users.pop(name, None) is not None:
            deleted += 1
            acl.kill_user_clients(name, c)
    return deleted


@command("acl|dryrun", arity=-4, flags=_ADMIN, since="7.0.0",
         summary="Simulates the execution of a command by a user, without executing the command.",
         complexity="O(1).",
         args=(arg("username", "string"), arg("command", "string"),
               arg("arg", "string", flags=("optional", "multiple"))))
def cmd_acl_dryrun(c: Any, argv: list[bytes]) -> Any:
    acl = get_acl(c.server)
    u = acl.users.get(argv[2])
    if u is None:
        raise CommandError(b"ERR User '%s' not found" % argv[2])
    cmd_argv = argv[3:]
    spec = COMMANDS.get(cmd_argv[0].lower())
    if spec is not None and spec.subcommands and len(cmd_argv) > 1:
        spec = spec.subcommands.get(cmd_argv[1].lower()) if len(cmd_argv) > 1 else None
    if spec is None:
        raise CommandError(b"ERR Command '%s' not found" % argv[3])
    n = len(cmd_argv)
    if spec.subcommands:  # a container without its subcommand: always an arity error
        raise CommandError(b"ERR wrong number of arguments for '%s' command" % spec.fullname)
    if (spec.arity > 0 and spec.arity != n) or n < -spec.arity:
        raise CommandError(b"ERR wrong number of arguments for '%s' command" % spec.fullname)
    result, pos = acl.check_user(u, spec, cmd_argv)
    if result != ACL_OK:
        return error_message(result, u, spec, cmd_argv[pos], True)
    return OK


@command("acl|genpass", arity=-2, flags="noscript loading stale", since="6.0.0",
         summary="Generates a pseudorandom, secure password that can be used to identify ACL users.",
         complexity="O(1)",
         args=(arg("bits", "integer", flags=("optional",)),))
def cmd_acl_genpass(c: Any, argv: list[bytes]) -> Any:
    if len(argv) > 3:
        raise _wrong_subcommand(argv)
    bits = 256
    if len(argv) == 3:
        bits = parse_int(argv[2], lambda: err("value is not an integer or out of range"))
        if bits <= 0 or bits > 4096:
            raise err("ACL GENPASS argument must be the number of bits for the output password, "
                      "a positive number up to 4096")
    chars = (bits + 3) // 4
    return os.urandom((chars + 1) // 2).hex()[:chars].encode()


@command("acl|getuser", arity=3, flags=_ADMIN, since="6.0.0",
         summary="Lists the ACL rules of a user.",
         complexity="O(N). Where N is the number of password, command and pattern rules that the user has.",
         history=(("6.2.0", "Added Pub/Sub channel patterns."),
                  ("7.0.0", "Added selectors and changed the format of key and channel patterns from a list to "
                            "their rule representation.")),
         args=(arg("username", "string"),))
def cmd_acl_getuser(c: Any, argv: list[bytes]) -> Any:
    u = get_acl(c.server).users.get(argv[2])
    if u is None:
        return None
    root = u.root
    return {
        b"flags": SetReply(u.flag_names()),
        b"passwords": list(u.passwords),
        b"commands": root.describe_commands(),
        b"keys": root.describe_keys(),
        b"channels": root.describe_channels(),
        b"selectors": [
            {b"commands": s.describe_commands(), b"keys": s.describe_keys(), b"channels": s.describe_channels()}
            for s in u.selectors[1:]
        ],
    }


@command("acl|help", arity=2, flags="loading stale", since="6.0.0",
         summary="Returns helpful text about the different subcommands.", complexity="O(1)")
def cmd_acl_help(c: Any, argv: list[bytes]) -> Any:
    from ..protocol.reply import Simple  # noqa: PLC0415

    return [Simple(line) for line in HELP]


@command("acl|list", arity=2, flags=_ADMIN, since="6.0.0",
         summary="Dumps the effective rules in ACL file format.",
         complexity="O(N). Where N is the number of configured users.")
def cmd_acl_list(c: Any, argv: list[bytes]) -> Any:
    users = get_acl(c.server).users
    return [b"user " + n + b" " + users.users[n].describe() for n in users.names()]


@command("acl|load", arity=2, flags=_ADMIN, since="6.0.0",
         summary="Reloads the rules from the configured ACL file.",
         complexity="O(N). Where N is the number of configured users.")
def cmd_acl_load(c: Any, argv: list[bytes]) -> Any:
    path = c.server.config["aclfile"]
    if not path:
        raise CommandError(acl_file.ERR_NO_FILE)
    error = acl_file.load_file(get_acl(c.server), path, c)
    if error is not None:
        raise CommandError(b"ERR " + error.encode("utf-8", "surrogateescape"))
    return OK


@command("acl|log", arity=-2, flags=_ADMIN, since="6.0.0",
         summary="Lists recent security events generated due to ACL rules.",
         complexity="O(N) with N being the number of entries shown.",
         history=(("7.2.0", "Added entry ID, timestamp created, and timestamp last updated."),),
         args=(arg("operation", "oneof", flags=("optional",), arguments=(
             arg("count", "integer"),
             arg("reset", "pure-token", token="RESET"),
         )),))
def cmd_acl_log(c: Any, argv: list[bytes]) -> Any:
    if len(argv) > 3:
        raise _wrong_subcommand(argv)
    acl = get_acl(c.server)
    count = 10
    if len(argv) == 3:
        if argv[2].lower() == b"reset":
            acl.log.reset()
            return OK
        count = parse_int(argv[2], lambda: err("value is not an integer or out of range"))
        if count < 0:
            count = 0
    return acl.log.reply(count, c.server.cached_now_ms)


@command("acl|save", arity=2, flags=_ADMIN, since="6.0.0",
         summary="Saves the effective ACL rules in the configured ACL file.",
         complexity="O(N). Where N is the number of configured users.")
def cmd_acl_save(c: Any, argv: list[bytes]) -> Any:
    path = c.server.config["aclfile"]
    if not path:
        raise CommandError(acl_file.ERR_NO_FILE)
    if not acl_file.save_file(get_acl(c.server), path):
        raise err("There was an error trying to save the ACLs. Please check the server logs for more information")
    return OK


@command("acl|setuser", arity=-3, flags=_ADMIN, since="6.0.0",
         summary="Creates and modifies an ACL user and its rules.",
         complexity="O(N). Where N is the number of rules provided.",
         history=(("6.2.0", "Added Pub/Sub channel patterns."),
                  ("7.0.0", "Added selectors and key based permissions.")),
         args=(arg("username", "string"), arg("rule", "string", flags=("optional", "multiple"))))
def cmd_acl_setuser(c: Any, argv: list[bytes]) -> Any:
    name = argv[2]
    if any(ch in b" \t\n\v\f\r\x00" for ch in name):
        raise err("Usernames can't contain spaces or null characters")
    acl = get_acl(c.server)
    try:
        user, _before = set_user(acl.users, name, argv[3:])
    except ValueError as e:
        raise CommandError(b"ERR " + e.args[0]) from None
    acl.kill_revoked_subscribers(user, c)
    acl.refresh_user_clients(name)
    return OK


@command("acl|users", arity=2, flags=_ADMIN, since="6.0.0",
         summary="Lists all ACL users.",
         complexity="O(N). Where N is the number of configured users.")
def cmd_acl_users(c: Any, argv: list[bytes]) -> Any:
    return get_acl(c.server).users.names()


@command("acl|whoami", arity=2, flags="noscript loading stale", since="6.0.0",
         summary="Returns the authenticated username of the current connection.",
         complexity="O(1)")
def cmd_acl_whoami(c: Any, argv: list[bytes]) -> Any:
    return c.user


def _wrong_subcommand(argv: list[bytes]) -> CommandError:
    return CommandError(b"ERR unknown subcommand or wrong number of arguments for '%s'. Try ACL HELP."
                        % argv[1])


HELP = [
    b"ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    b"CAT [<category>]",
    b"    List all commands that belong to <category>, or all command categories",
    b"    when no category is specified.",
    b"DELUSER <username> [<username> ...]",
    b"    Delete a list of users.",
    b"DRYRUN <username> <command> [<arg> ...]",
    b"    Returns whether the user can execute the given command without executing the command.",
    b"GETUSER <username>",
    b"    Get the user's details.",
    b"GENPASS [<bits>]",
    b"    Generate a secure 256-bit user password. The optional `bits` argument can",
    b"    be used to specify a different size.",
    b"LIST",
    b"    Show users details in config file format.",
    b"LOAD",
    b"    Reload users from the ACL file.",
    b"LOG [<count> | RESET]",
    b"    Show the ACL log entries.",
    b"SAVE",
    b"    Save the current config to the ACL file.",
    b"SETUSER <username> <attribute> [<attribute> ...]",
    b"    Create or modify a user with the specified attributes.",
    b"USERS",
    b"    List all the registered usernames.",
    b"WHOAMI",
    b"    Return the current connection username.",
    b"HELP",
    b"    Prints this help.",
]

