"""FUNCTION (LOAD, DELETE, LIST, DUMP, RESTORE, FLUSH, STATS, KILL, HELP), FCALL and
FCALL_RO (Redis's ``functions.c``).  Libraries live in ``scripting/library.py``."""

from __future__ import annotations

import time
from typing import Any

from ..protocol.errors import CommandError
from ..protocol.reply import OK, SetReply, Simple
from ..scripting.library import FunctionsState
from ..scripting.state import SCRIPT_FLAGS, scripting_state
from .client import help_reply
from .registry import command, container
from .scripting import check_flags, kill_running
from .spec import arg, ks

_FLAG_NAMES = {bit: name for name, bit in SCRIPT_FLAGS.items()}


def functions_state(server: Any) -> FunctionsState:
    state = scripting_state(server)
    fs = state.functions
    if fs is None:
        fs = state.functions = FunctionsState(state)
    fs.sync_from_rdb()
    return fs


def _fcall(c: Any, argv: list[bytes], readonly: bool) -> Any:
    raw = argv[2]
    try:
        numkeys = int(raw)
        if raw != b"%d" % numkeys:
            raise ValueError
    except ValueError:
        raise CommandError(b"ERR Bad number of keys provided") from None
    if numkeys > len(argv) - 3:
        raise CommandError(b"ERR Number of keys can't be greater than number of args")
    if numkeys < 0:
        raise CommandError(b"ERR Number of keys can't be negative")
    fs = functions_state(c.server)
    fn = fs.functions.get(argv[1])
    if fn is None:
        raise CommandError(b"ERR Function not found")
    check_flags(c, fn.flags, readonly)
    state = fs.scripting
    keys, args = argv[3:3 + numkeys], argv[3 + numkeys:]
    state.running_function = (fn.name, argv[:1] + argv[1:], time.monotonic())
    if c.server.monitors:  # FCALL is shown before its function's commands (ops/monitor.py)
        from ..ops.monitor import feed_script  # noqa: PLC0415

        feed_script(c, argv)
    try:
        return state.run_script(c, state.function_engine(), fn.func, fn.name, False, fn.flags, readonly,
                                keys, args)
    finally:
        state.running_function = None


_FCALL_ARGS = (
    arg("function", "string"),
    arg("numkeys", "integer"),
    arg("key", "key", key_spec_index=0, flags=("optional", "multiple")),
    arg("arg", "string", flags=("optional", "multiple")),
)


@command("fcall", arity=-3, flags="noscript stale skip_monitor no_mandatory_keys", acl="scripting",
         group="scripting", since="7.0.0", summary="Invokes a function.",
         complexity="Depends on the function that is executed.",
         keys=[ks("RW ACCESS UPDATE", 2, keynum=(0, 1, 1),
                  notes="We cannot tell how the keys will be used so we assume the worst, RW and UPDATE")],
         args=_FCALL_ARGS)
def cmd_fcall(c: Any, argv: list[bytes]) -> Any:
    return _fcall(c, argv, False)


@command("fcall_ro", arity=-3, flags="readonly noscript stale skip_monitor no_mandatory_keys", acl="scripting",
         group="scripting", since="7.0.0", summary="Invokes a read-only function.",
         complexity="Depends on the function that is executed.",
         keys=[ks("RO ACCESS", 2, keynum=(0, 1, 1),
                  notes="We cannot tell how the keys will be used so we assume the worst, RO and ACCESS")],
         args=_FCALL_ARGS)
def cmd_fcall_ro(c: Any, argv: list[bytes]) -> Any:
    return _fcall(c, argv, True)


container("function", group="scripting", since="7.0.0", summary="A container for function commands.",
          complexity="Depends on subcommand.")

FUNCTION_HELP = (
    "FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "LOAD [REPLACE] <FUNCTION CODE>",
    "    Create a new library with the given library name and code.",
    "DELETE <LIBRARY NAME>",
    "    Delete the given library.",
    "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
    "    Return general information on all the libraries:",
    "    * Library name",
    "    * The engine used to run the Library",
    "    * Library description",
    "    * Functions list",
    "    * Library code (if WITHCODE is given)",
    "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
    "STATS",
    "    Return information about the current function running:",
    "    * Function name",
    "    * Command used to run the function",
    "    * Duration in MS that the function is running",
    "    If no function is running, return nil",
    "    In addition, returns a list of available engines.",
    "KILL",
    "    Kill the current running function.",
    "FLUSH [ASYNC|SYNC]",
    "    Delete all the libraries.",
    "    When called without the optional mode argument, the behavior is determined by the",
    "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
    "    * ASYNC: Asynchronously flush the libraries.",
    "    * SYNC: Synchronously flush the libraries.",
    "DUMP",
    "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
    "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
    "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
    "    control how to handle existing libraries (default APPEND):",
    "    * FLUSH: delete all existing libraries.",
    "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
    "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
    "      libraries with the new libraries (notice that even on this option there is a chance of failure",
    "      in case of functions name collision with another library).",
    "HELP",
    "    Prints this help.",
)


@command("function|list", arity=-2, flags="noscript", acl="scripting", since="7.0.0",
         summary="Returns information about all libraries.",
         complexity="O(N) where N is the number of functions",
         tips=("nondeterministic_output_order",),
         args=(arg("library-name-pattern", "string", token="LIBRARYNAME", flags=("optional",)),
               arg("withcode", "pure-token", token="WITHCODE", flags=("optional",))))
def cmd_function_list(c: Any, argv: list[bytes]) -> Any:
    with_code = False
    pattern = None
    i = 2
    while i < len(argv):
        a = argv[i].lower()
        if a == b"withcode" and not with_code:
            with_code = True
            i += 1
        elif a == b"libraryname" and pattern is None:
            if i + 1 >= len(argv):
                raise CommandError(b"ERR library name argument was not given")
            pattern = argv[i + 1]
            i += 2
        else:
            raise CommandError(b"ERR Unknown argument " + argv[i])
    from ..util.glob import stringmatch  # noqa: PLC0415

    out = []
    for lib in functions_state(c.server).libraries.values():
        if pattern is not None and not stringmatch(pattern, lib.name):
            continue
        funcs = []
        for fn in lib.functions.values():
            funcs.append({
                b"name": fn.name,
                b"description": fn.description,
                b"flags": SetReply(Simple(_FLAG_NAMES[b]) for b in sorted(_FLAG_NAMES) if fn.flags & b),
            })
        entry = {b"library_name": lib.name, b"engine": b"LUA", b"functions": funcs}
        if with_code:
            entry[b"library_code"] = lib.code
        out.append(entry)
    return out


@command("function|restore", arity=-3, flags="write denyoom noscript", acl="scripting", since="7.0.0",
         summary="Restores all libraries from a payload.",
         complexity="O(N) where N is the number of functions on the payload",
         tips=("request_policy:all_shards", "response_policy:all_succeeded"),
         args=(arg("serialized-value", "string"),
               arg("policy", "oneof", flags=("optional",), arguments=(
                   arg("flush", "pure-token", token="FLUSH"),
                   arg("append", "pure-token", token="APPEND"),
                   arg("replace", "pure-token", token="REPLACE"),
               ))))
def cmd_function_restore(c: Any, argv: list[bytes]) -> Any:
    policy = b"append"
    if len(argv) > 4:
        raise CommandError(b"ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.")
    if len(argv) == 4:
        policy = argv[3].lower()
        if policy not in (b"flush", b"append", b"replace"):
            raise CommandError(b"ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.")
    functions_state(c.server).restore_payload(argv[2], policy)
    c.server.dirty += 1
    return OK


@command("function|help", arity=2, flags="loading stale", acl="scripting", since="7.0.0",
         summary="Returns helpful text about the different subcommands.", complexity="O(1)")
def cmd_function_help(c: Any, argv: list[bytes]) -> Any:
    return help_reply(FUNCTION_HELP)


@command("function|kill", arity=2, flags="noscript allow_busy", acl="scripting", since="7.0.0",
         summary="Terminates a function during execution.", complexity="O(1)",
         tips=("request_policy:all_shards", "response_policy:one_succeeded"))
def cmd_function_kill(c: Any, argv: list[bytes]) -> Any:
    return kill_running(c, is_eval=False)




@command("function|load", arity=-3, flags="write denyoom noscript", acl="scripting", since="7.0.0",
         summary="Creates a library.", complexity="O(1) (considering compilation time is redundant)",
         tips=("request_policy:all_shards", "response_policy:all_succeeded"),
         args=(arg("replace", "pure-token", token="REPLACE", flags=("optional",)),
               arg("function-code", "string")))
def cmd_function_load(c: Any, argv: list[bytes]) -> Any:
    replace = False
    i = 2
    while i < len(argv) - 1:
        if argv[i].lower() == b"replace":
            replace = True
            i += 1
        else:
            raise CommandError(b"ERR Unknown option given: " + argv[i])
    if i != len(argv) - 1:
        raise CommandError(b"ERR Function code is missing")
    name = functions_state(c.server).load(argv[i], replace)
    c.server.dirty += 1
    return name


@command("function|flush", arity=-2, flags="write noscript", acl="scripting", since="7.0.0",
         summary="Deletes all libraries and functions.",
         complexity="O(N) where N is the number of functions deleted",
         tips=("request_policy:all_shards", "response_policy:all_succeeded"),
         args=(arg("flush-type", "oneof", flags=("optional",), arguments=(
             arg("async", "pure-token", token="ASYNC"),
             arg("sync", "pure-token", token="SYNC"),
         )),))
def cmd_function_flush(c: Any, argv: list[bytes]) -> Any:
    if len(argv) > 3 or (len(argv) == 3 and argv[2].lower() not in (b"sync", b"async")):
        raise CommandError(b"ERR FUNCTION FLUSH only supports SYNC|ASYNC option")
    functions_state(c.server).flush()
    c.server.dirty += 1
    return OK


@command("function|dump", arity=2, flags="noscript", acl="scripting", since="7.0.0",
         summary="Dumps all libraries into a serialized binary payload.",
         complexity="O(N) where N is the number of functions")
def cmd_function_dump(c: Any, argv: list[bytes]) -> Any:
    return functions_state(c.server).dump_payload()


@command("function|delete", arity=3, flags="write noscript", acl="scripting", since="7.0.0",
         summary="Deletes a library and its functions.", complexity="O(1)",
         tips=("request_policy:all_shards", "response_policy:all_succeeded"),
         args=(arg("library-name", "string"),))
def cmd_function_delete(c: Any, argv: list[bytes]) -> Any:
    fs = functions_state(c.server)
    lib = fs.libraries.pop(argv[2], None)
    if lib is None:
        raise CommandError(b"ERR Library not found")
    for name in lib.functions:
        fs.functions.pop(name, None)
    fs.publish()
    c.server.dirty += 1
    return OK


@command("function|stats", arity=2, flags="noscript allow_busy", acl="scripting", since="7.0.0",
         summary="Returns information about a function during execution.", complexity="O(1)",
         tips=("nondeterministic_output", "request_policy:all_shards", "response_policy:special"))
def cmd_function_stats(c: Any, argv: list[bytes]) -> Any:
    fs = functions_state(c.server)
    state = fs.scripting
    running = None
    rf = state.running_function
    if rf is not None:
        name, cmd_argv, start = rf
        running = {b"name": name, b"command": list(cmd_argv),
                   b"duration_ms": int((time.monotonic() - start) * 1000)}
    return {
        b"running_script": running,
        b"engines": {b"LUA": {b"libraries_count": len(fs.libraries), b"functions_count": len(fs.functions)}},
    }