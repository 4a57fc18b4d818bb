"""COMMAND and its subcommands: the command table as clients see it.

Every reply here is derived from the ``CommandSpec`` records (see ``spec.py``) in the
shapes of Redis 7.2's ``addReplyCommandInfo``/``addReplyCommandDocs`` (server.c):

* COMMAND INFO entry: ``[name, arity, flags(set), first, last, step, categories(set),
  tips(set), key specs(set of maps), subcommands(array of entries, or an empty set)]``;
  unknown names give a null.  Flags and categories are simple strings, tips bulk strings.
* Key spec map: ``notes`` (when present), ``flags``, ``begin_search``, ``find_keys``.
* COMMAND DOCS entry: a map with only the non-empty fields, in the order summary, since,
  group, complexity, module, doc_flags, deprecated_since, replaced_by, history,
  arguments, subcommands.  Unknown names are skipped; repeated names repeat.  History
  is a set of ``[version, text]`` pairs; doc and argument flags are sets of simple
  strings.  An argument map: name, type, display_text, key_spec_index, token, summary,
  since, deprecated_since, flags, value, arguments (oneof/block only), each when set.

The table is frozen at import, so each command's INFO and DOCS entries are encoded once
per protocol version and cached as bytes; COMMAND (all commands) is then a join.
"""

from __future__ import annotations

from typing import Any

from ..protocol.encoder import encode2, encode3
from ..protocol.errors import CommandError, SyntaxErr
from ..protocol.reply import Raw, SetReply, Simple
from ..util.glob import stringmatch
from . import keys as keys_mod
from .registry import COMMANDS, command
from .spec import FLAG_NAMES, HIDDEN_FLAGS, AclCat, CmdFlag, CommandSpec, KeyFlag, KeySpec, arg

# ---------------------------------------------------------------------------------------
# Reply values for one command.
# ---------------------------------------------------------------------------------------

_KEY_FLAG_NAMES = {f: (f.name if f in (KeyFlag.RO, KeyFlag.RW, KeyFlag.OW, KeyFlag.RM) else f.name.lower())
                   for f in KeyFlag}
_CAT_NAMES = {c: Simple(b"@" + c.name.lower().encode()) for c in AclCat}
_CATS_BY_NAME = {c.name.lower().encode(): c for c in AclCat}
_SHOWN_FLAGS = [(f, Simple(FLAG_NAMES[f].encode())) for f in CmdFlag if not (f & HIDDEN_FLAGS)]
_ARG_FLAG_ORDER = ("optional", "multiple", "multiple_token")
_DOC_FLAG_ORDER = ("deprecated", "syscmd")
_ARG_FIELDS = ("display_text", "key_spec_index", "token", "summary", "since", "deprecated_since")


def key_flag_set(flags: KeyFlag) -> SetReply:
    """Key-spec flags as Redis prints them: RO/RW/OW/RM upper case, the rest lower case."""
    return SetReply(Simple(_KEY_FLAG_NAMES[f].encode()) for f in KeyFlag if f & flags)


def _key_spec_map(k: KeySpec) -> dict:
    out: dict = {}
    if k.notes:
        out[b"notes"] = k.notes.encode()
    out[b"flags"] = key_flag_set(k.flags)
    bs = k.begin_search
    if bs[0] == "index":
        out[b"begin_search"] = {b"type": b"index", b"spec": {b"index": bs[1]}}
    elif bs[0] == "keyword":
        out[b"begin_search"] = {b"type": b"keyword", b"spec": {b"keyword": bs[1], b"startfrom": bs[2]}}
    else:
        out[b"begin_search"] = {b"type": b"unknown", b"spec": {}}
    fk = k.find_keys
    if fk[0] == "range":
        out[b"find_keys"] = {b"type": b"range", b"spec": {b"lastkey": fk[1], b"keystep": fk[2], b"limit": fk[3]}}
    elif fk[0] == "keynum":
        out[b"find_keys"] = {b"type": b"keynum", b"spec": {b"keynumidx": fk[1], b"firstkey": fk[2], b"keystep": fk[3]}}
    else:
        out[b"find_keys"] = {b"type": b"unknown", b"spec": {}}
    return out


def info_value(spec: CommandSpec) -> list:
    """One COMMAND INFO entry (``addReplyCommandInfo``)."""
    flags = spec.flags
    first, last, step = spec.legacy
    return [
        spec.fullname,
        spec.arity,
        SetReply(name for f, name in _SHOWN_FLAGS if flags & f),
        first,
        last,
        step,
        SetReply(name for c, name in _CAT_NAMES.items() if spec.acl & c),
        SetReply(t.encode() for t in spec.tips),
        SetReply(_key_spec_map(k) for k in spec.keys),
        [info_value(sub) for sub in spec.subcommands.values()] if spec.subcommands else SetReply(),
    ]


def _arg_value(a: dict) -> dict:
    out: dict = {b"name": a["name"].encode(), b"type": a["type"].encode()}
    for field in _ARG_FIELDS:
        v = a.get(field)
        if v is not None:
            out[field.encode()] = v if isinstance(v, int) else v.encode()
    flags = a.get("flags")
    if flags:
        out[b"flags"] = SetReply(Simple(f.encode()) for f in _ARG_FLAG_ORDER if f in flags)
    if "value" in a:
        out[b"value"] = a["value"].encode()
    if a["type"] in ("oneof", "block"):
        out[b"arguments"] = [_arg_value(sub) for sub in a.get("arguments", ())]
    return out


def docs_value(spec: CommandSpec) -> dict:
    """One COMMAND DOCS entry (``addReplyCommandDocs``): only the fields that are set."""
    out: dict = {}
    if spec.summary:
        out[b"summary"] = spec.summary.encode()
    if spec.since:
        out[b"since"] = spec.since.encode()
    out[b"group"] = spec.group.encode()
    if spec.complexity:
        out[b"complexity"] = spec.complexity.encode()
    if spec.doc_flags:
        out[b"doc_flags"] = SetReply(Simple(f.encode()) for f in _DOC_FLAG_ORDER if f in spec.doc_flags)
    if spec.deprecated_since:
        out[b"deprecated_since"] = spec.deprecated_since.encode()
    if spec.replaced_by:
        out[b"replaced_by"] = spec.replaced_by.encode()
    if spec.history:
        out[b"history"] = SetReply([v.encode(), text.encode()] for v, text in spec.history)
    if spec.args:
        out[b"arguments"] = [_arg_value(a) for a in spec.args]
    if spec.subcommands:
        out[b"subcommands"] = {sub.fullname: docs_value(sub) for sub in spec.subcommands.values()}
    return out


# ---------------------------------------------------------------------------------------
# Encoded-entry caches (the table never changes after freeze()).
# ---------------------------------------------------------------------------------------

_INFO_CACHE: dict[tuple[int, bytes], bytes] = {}
_DOCS_CACHE: dict[tuple[int, bytes], bytes] = {}
_NULL = {2: b"$-1\r\n", 3: b"_\r\n"}


def _encoded(cache: dict, resp: int, spec: CommandSpec, build: Any) -> bytes:
    key = (resp, spec.fullname)
    data = cache.get(key)
    if data is None:
        out: list[bytes] = []
        (encode3 if resp == 3 else encode2)(out, build(spec))
        data = cache[key] = b"".join(out)
    return data


def _docs_pair(resp: int, spec: CommandSpec) -> bytes:
    return b"$%d\r\n%b\r\n" % (len(spec.fullname), spec.fullname) + _encoded(_DOCS_CACHE, resp, spec, docs_value)


def _map_header(resp: int, n: int) -> bytes:
    return b"%%%d\r\n" % n if resp == 3 else b"*%d\r\n" % (2 * n)


def lookup_by_name(name: bytes) -> CommandSpec | None:
    """Redis's ``lookupCommandBySds``: ``"get"`` or ``"client|kill"`` (strict)."""
    if not name:
        return None
    parts = name.lower().split(b"|")
    if len(parts) > 2:
        return None
    base = COMMANDS.get(parts[0])
    if base is None:
        return None
    if len(parts) == 1:
        return base
    if not base.subcommands:
        return None
    return base.subcommands.get(parts[1])


def lookup_argv(argv: list[bytes]) -> CommandSpec | None:
    """Redis's ``lookupCommand`` (not strict): the command an argv would run."""
    base = COMMANDS.get(argv[0].lower())
    if base is None or len(argv) == 1 or not base.subcommands:
        return base
    return base.subcommands.get(argv[1].lower())


# ---------------------------------------------------------------------------------------
# Commands.
# ---------------------------------------------------------------------------------------

_CMD = dict(flags="loading stale sentinel", acl="connection", group="server")


@command("command", arity=-1, **_CMD, since="2.8.13",
         summary="Returns detailed information about all commands.",
         complexity="O(N) where N is the total number of Redis commands",
         tips=("nondeterministic_output_order",))
def cmd_command(c: Any, argv: list[bytes]) -> Any:
    return _all_info(c.resp)


def _all_info(resp: int) -> Raw:
    parts = [b"*%d\r\n" % len(COMMANDS)]
    parts.extend(_encoded(_INFO_CACHE, resp, spec, info_value) for spec in COMMANDS.values())
    return Raw(b"".join(parts))


@command("command|count", arity=2, **_CMD, since="2.8.13",
         summary="Returns a count of commands.", complexity="O(1)")
def cmd_command_count(c: Any, argv: list[bytes]) -> Any:
    return len(COMMANDS)


@command("command|info", arity=-2, **_CMD, since="2.8.13",
         summary="Returns information about one, multiple or all commands.",
         complexity="O(N) where N is the number of commands to look up",
         tips=("nondeterministic_output_order",),
         history=(("7.0.0", "Allowed to be called with no argument to get info on all commands."),),
         args=(arg("command-name", "string", flags=("optional", "multiple")),))
def cmd_command_info(c: Any, argv: list[bytes]) -> Any:
    resp = c.resp
    if len(argv) == 2:
        return _all_info(resp)
    parts = [b"*%d\r\n" % (len(argv) - 2)]
    for name in argv[2:]:
        spec = lookup_by_name(name)
        parts.append(_NULL[resp] if spec is None else _encoded(_INFO_CACHE, resp, spec, info_value))
    return Raw(b"".join(parts))


@command("command|docs", arity=-2, **_CMD, since="7.0.0",
         summary="Returns documentary information about one, multiple or all commands.",
         complexity="O(N) where N is the number of commands to look up",
         tips=("nondeterministic_output_order",),
         args=(arg("command-name", "string", flags=("optional", "multiple")),))
def cmd_command_docs(c: Any, argv: list[bytes]) -> Any:
    resp = c.resp
    if len(argv) == 2:
        specs = list(COMMANDS.values())
    else:
        specs = [s for s in map(lookup_by_name, argv[2:]) if s is not None]
    return Raw(_map_header(resp, len(specs)) + b"".join(_docs_pair(resp, s) for s in specs))


def _walk(specs: Any):
    for spec in specs:
        yield spec
        yield from spec.subcommands.values()


@command("command|list", arity=-2, **_CMD, since="7.0.0",
         summary="Returns a list of command names.",
         complexity="O(N) where N is the total number of Redis commands",
         tips=("nondeterministic_output_order",),
         args=(arg("filterby", "oneof", token="FILTERBY", flags=("optional",), arguments=(
             arg("module-name", "string", token="MODULE"),
             arg("category", "string", token="ACLCAT"),
             arg("pattern", "pattern", token="PATTERN"),
         )),))
def cmd_command_list(c: Any, argv: list[bytes]) -> Any:
    argc = len(argv)
    kind = value = None
    i = 2
    while i < argc:
        if argv[i].lower() == b"filterby" and argc - 1 - i == 2:
            kind = argv[i + 1].lower()
            if kind not in (b"module", b"aclcat", b"pattern"):
                raise SyntaxErr()
            value = argv[i + 2]
            i += 3
        else:
            raise SyntaxErr()
    specs = _walk(COMMANDS.values())
    if kind is None:
        return [s.fullname for s in specs]
    if kind == b"module":
        return []  # no modules are loaded
    if kind == b"aclcat":
        cat = _CATS_BY_NAME.get(value.lower())
        if cat is None:
            return []
        return [s.fullname for s in specs if s.acl & cat]
    return [s.fullname for s in specs if stringmatch(value, s.fullname, True)]


def _getkeys(argv: list[bytes], with_flags: bool) -> Any:
    """COMMAND GETKEYS/GETKEYSANDFLAGS (Redis's ``getKeysSubcommandImpl``)."""
    target = argv[2:]
    spec = lookup_argv(target)
    if spec is None:
        raise CommandError(b"ERR Invalid command specified")
    if not spec.has_keys:
        raise CommandError(b"ERR The command has no key arguments")
    n = len(target)
    if (spec.arity > 0 and spec.arity != n) or n < -spec.arity:
        raise CommandError(b"ERR Invalid number of arguments specified for command")
    found = keys_mod.get_keys(spec, target)
    if not found:
        if spec.flags & CmdFlag.NO_MANDATORY_KEYS:
            return []
        raise CommandError(b"ERR Invalid arguments specified for command")
    if with_flags:
        return [[target[p], key_flag_set(f)] for p, f in found]
    return [target[p] for p, _ in found]


@command("command|getkeys", arity=-3, **_CMD, since="2.8.13",
         summary="Extracts the key names from an arbitrary command.",
         complexity="O(N) where N is the number of arguments to the command",
         args=(arg("command", "string"), arg("arg", "string", flags=("optional", "multiple"))))
def cmd_command_getkeys(c: Any, argv: list[bytes]) -> Any:
    return _getkeys(argv, False)


@command("command|getkeysandflags", arity=-3, **_CMD, since="7.0.0",
         summary="Extracts the key names and access flags for an arbitrary command.",
         complexity="O(N) where N is the number of arguments to the command",
         args=(arg("command", "string"), arg("arg", "string", flags=("optional", "multiple"))))
def cmd_command_getkeysandflags(c: Any, argv: list[bytes]) -> Any:
    return _getkeys(argv, True)


COMMAND_HELP = (
    "(no subcommand)",
    "    Return details about all Redis commands.",
    "COUNT",
    "    Return the total number of commands in this Redis server.",
    "LIST",
    "    Return a list of all commands in this Redis server.",
    "INFO [<command-name> ...]",
    "    Return details about multiple Redis commands.",
    "    If no command names are given, documentation details for all",
    "    commands are returned.",
    "DOCS [<command-name> ...]",
    "    Return documentation details about multiple Redis commands.",
    "    If no command names are given, documentation details for all",
    "    commands are returned.",
    "GETKEYS <full-command>",
    "    Return the keys from a full Redis command.",
    "GETKEYSANDFLAGS <full-command>",
    "    Return the keys and the access flags from a full Redis command.",
)


def help_lines(container: str, lines: tuple[str, ...]) -> list:
    """Redis's ``addReplyHelp``: header, the lines, then HELP itself, as simple strings."""
    out = [Simple(b"%s <subcommand> [<arg> [value] [opt] ...]. Subcommands are:" % container.encode())]
    out.extend(Simple(line.encode()) for line in lines)
    out.append(Simple(b"HELP"))
    out.append(Simple(b"    Prints this help."))
    return out


_HELP_REPLY = help_lines("COMMAND", COMMAND_HELP)


@command("command|help", arity=2, **_CMD, since="5.0.0",
         summary="Returns helpful text about the different subcommands.", complexity="O(1)")
def cmd_command_help(c: Any, argv: list[bytes]) -> Any:
    return _HELP_REPLY
