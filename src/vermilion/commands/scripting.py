"""EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT (Redis's ``eval.c``).

The Lua side lives in ``vermilion.scripting``; this module parses arguments, finds or
compiles the script (EVAL caches every body it runs, as Redis 7.2 does), checks the
shebang flags against the command (``*_RO`` refuses scripts that may write) and runs it.
"""

from __future__ import annotations

from typing import Any

from ..protocol.errors import CommandError
from ..protocol.reply import OK
from ..scripting.state import FLAG_ALLOW_OOM, FLAG_EVAL_COMPAT, FLAG_NO_CLUSTER, FLAG_NO_WRITES, scripting_state
from .client import help_reply
from .registry import command, container
from .spec import arg, ks
from .util import parse_int

_EVAL_ARGS = (
    arg("script", "string"),
    arg("numkeys", "integer"),
    arg("key", "key", key_spec_index=0, flags=("optional", "multiple")),
    arg("arg", "string", flags=("optional", "multiple")),
)
_EVALSHA_ARGS = (arg("sha1", "string"),) + _EVAL_ARGS[1:]
_RW_KEYS = [ks("RW ACCESS UPDATE", 2, keynum=(0, 1, 1),
               notes="We cannot tell how the keys will be used so we assume the worst, RW and UPDATE")]
_RO_KEYS = [ks("RO ACCESS", 2, keynum=(0, 1, 1),
               notes="We cannot tell how the keys will be used so we assume the worst, RO and ACCESS")]


def split_keys(argv: list[bytes]) -> tuple[list[bytes], list[bytes]]:
    """``numkeys`` and the KEYS/ARGV split shared by EVAL and FCALL."""
    raw = argv[2]
    if len(raw) == 1 and 48 <= raw[0] <= 57:  # the usual single digit
        numkeys = raw[0] - 48
    else:
        numkeys = parse_int(raw)
    if numkeys > len(argv) - 3:
        raise CommandError(b"ERR Number of keys can't be greater than number of args")
    if numkeys < 0:
        raise CommandError(b"ERR Number of keys can't be negative")
    return argv[3:3 + numkeys], argv[3 + numkeys:]


def check_flags(c: Any, flags: int, readonly: bool) -> None:
    """``scriptPrepareForRun``: what a script's declared flags forbid right now."""
    if flags & FLAG_EVAL_COMPAT:
        return
    if not flags & (FLAG_NO_WRITES | FLAG_ALLOW_OOM):
        # scriptFlagsToCmdFlags: such a script is a deny-oom command (processCommand's
        # OOM check, through ops/evict's hook).
        oom = c.server.extensions.get("script_oom_check")
        if oom is not None and c.kind != "master" and oom(c.server):
            raise CommandError(b"OOM command not allowed when used memory > 'maxmemory'.")
    if flags & FLAG_NO_CLUSTER and c.server.extensions.get("cluster") is not None:
        raise CommandError(b"ERR Can not run script on cluster, 'no-cluster' flag is set.")
    if not flags & FLAG_NO_WRITES:
        server = c.server
        if server.role == "slave" and server.config.get("replica-read-only", True) and c.kind != "master":
            raise CommandError(b"READONLY Can not run script with write flag on readonly replica")
        if readonly:
            raise CommandError(b"ERR Can not execute a script with write flag using *_ro command.")


def _eval(c: Any, argv: list[bytes], by_sha: bool, readonly: bool) -> Any:
    keys, args = split_keys(argv)
    state = scripting_state(c.server)
    if by_sha:
        sha = argv[1].lower()
        script = state.scripts.get(sha) if len(sha) == 40 else None
        if script is None:
            raise CommandError(b"NOSCRIPT No matching script. Please use EVAL.")
    else:
        sha, script = state.create_script(argv[1])
    if not script.flags & FLAG_EVAL_COMPAT:
        check_flags(c, script.flags, readonly)
    if c.server.monitors:  # EVAL is shown before its script's commands (ops/monitor.py)
        from ..ops.monitor import feed_script  # noqa: PLC0415

        feed_script(c, argv)
    return state.run_script(c, state.engine, script.func, sha, True, script.flags, readonly, keys, args)


@command("eval", arity=-3, flags="noscript stale skip_monitor no_mandatory_keys", acl="scripting",
         group="scripting", since="2.6.0", summary="Executes a server-side Lua script.",
         complexity="Depends on the script that is executed.", keys=_RW_KEYS, args=_EVAL_ARGS)
def cmd_eval(c: Any, argv: list[bytes]) -> Any:
    return _eval(c, argv, False, False)


@command("evalsha", arity=-3, flags="noscript stale skip_monitor no_mandatory_keys", acl="scripting",
         group="scripting", since="2.6.0", summary="Executes a server-side Lua script by SHA1 digest.",
         complexity="Depends on the script that is executed.",
         keys=[ks("RW ACCESS UPDATE", 2, keynum=(0, 1, 1))], args=_EVALSHA_ARGS)
def cmd_evalsha(c: Any, argv: list[bytes]) -> Any:
    return _eval(c, argv, True, False)


@command("eval_ro", arity=-3, flags="readonly noscript stale skip_monitor no_mandatory_keys", acl="scripting",
         group="scripting", since="7.0.0", summary="Executes a read-only server-side Lua script.",
         complexity="Depends on the script that is executed.", keys=_RO_KEYS, args=_EVAL_ARGS)
def cmd_eval_ro(c: Any, argv: list[bytes]) -> Any:
    return _eval(c, argv, False, True)


@command("evalsha_ro", arity=-3, flags="readonly noscript stale skip_monitor no_mandatory_keys",
         acl="scripting", group="scripting", since="7.0.0",
         summary="Executes a read-only server-side Lua script by SHA1 digest.",
         complexity="Depends on the script that is executed.",
         keys=[ks("RO ACCESS", 2, keynum=(0, 1, 1))], args=_EVALSHA_ARGS)
def cmd_evalsha_ro(c: Any, argv: list[bytes]) -> Any:
    return _eval(c, argv, True, True)


# ---- SCRIPT ---------------------------------------------------------------------------

container("script", group="scripting", since="2.6.0",
          summary="A container for Lua scripts management commands.", complexity="Depends on subcommand.")

SCRIPT_HELP = (
    "SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "DEBUG (YES|SYNC|NO)",
    "    Set the debug mode for subsequent scripts executed.",
    "EXISTS <sha1> [<sha1> ...]",
    "    Return information about the existence of the scripts in the script cache.",
    "FLUSH [ASYNC|SYNC]",
    "    Flush the Lua scripts cache. Very dangerous on replicas.",
    "    When called without the optional mode argument, the behavior is determined by the",
    "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
    "    * ASYNC: Asynchronously flush the scripts cache.",
    "    * SYNC: Synchronously flush the scripts cache.",
    "KILL",
    "    Kill the currently executing Lua script.",
    "LOAD <script>",
    "    Load a script into the scripts cache without executing it.",
    "HELP",
    "    Prints this help.",
)


@command("script|help", arity=2, flags="loading stale", acl="scripting", since="5.0.0",
         summary="Returns helpful text about the different subcommands.", complexity="O(1)")
def cmd_script_help(c: Any, argv: list[bytes]) -> Any:
    return help_reply(SCRIPT_HELP)


@command("script|exists", arity=-3, flags="noscript", acl="scripting", since="2.6.0",
         summary="Determines whether server-side Lua scripts exist in the script cache.",
         complexity="O(N) with N being the number of scripts to check (so checking a single script is an O(1) operation).",
         tips=("request_policy:all_shards", "response_policy:agg_logical_and"),
         args=(arg("sha1", "string", flags=("multiple",)),))
def cmd_script_exists(c: Any, argv: list[bytes]) -> Any:
    scripts = scripting_state(c.server).scripts
    return [1 if a.lower() in scripts else 0 for a in argv[2:]]


@command("script|kill", arity=2, flags="noscript allow_busy", acl="scripting", since="2.6.0",
         summary="Terminates a server-side Lua script during execution.", complexity="O(1)",
         tips=("request_policy:all_shards", "response_policy:one_succeeded"))
def cmd_script_kill(c: Any, argv: list[bytes]) -> Any:
    return kill_running(c, is_eval=True)


@command("script|debug", arity=3, flags="noscript", acl="scripting", since="3.2.0",
         summary="Sets the debug mode of server-side Lua scripts.", complexity="O(1)",
         args=(arg("mode", "oneof", arguments=(
             arg("yes", "pure-token", token="YES"),
             arg("sync", "pure-token", token="SYNC"),
             arg("no", "pure-token", token="NO"),
         )),))
def cmd_script_debug(c: Any, argv: list[bytes]) -> Any:
    mode = argv[2].lower()
    if mode == b"no":
        return OK
    if mode in (b"yes", b"sync"):
        raise CommandError(b"ERR The Lua debugger (LDB) is not supported by this server")
    raise CommandError(b"ERR Use SCRIPT DEBUG YES/SYNC/NO")



@command("script|load", arity=3, flags="noscript stale", acl="scripting", since="2.6.0",
         summary="Loads a server-side Lua script to the script cache.",
         complexity="O(N) with N being the length in bytes of the script body.",
         tips=("request_policy:all_nodes", "response_policy:all_succeeded"),
         args=(arg("script", "string"),))
def cmd_script_load(c: Any, argv: list[bytes]) -> Any:
    sha, _ = scripting_state(c.server).create_script(argv[2])
    return sha


@command("script|flush", arity=-2, flags="noscript", acl="scripting", since="2.6.0",
         summary="Removes all server-side Lua scripts from the script cache.",
         complexity="O(N) with N being the number of scripts in cache",
         tips=("request_policy:all_nodes", "response_policy:all_succeeded"),
         history=(("6.2.0", "Added the `ASYNC` and `SYNC` flushing mode modifiers."),),
         args=(arg("flush-type", "oneof", since="6.2.0", flags=("optional",), arguments=(
             arg("async", "pure-token", token="ASYNC"),
             arg("sync", "pure-token", token="SYNC"),
         )),))
def cmd_script_flush(c: Any, argv: list[bytes]) -> Any:
    if len(argv) > 3 or (len(argv) == 3 and argv[2].lower() not in (b"sync", b"async")):
        raise CommandError(b"ERR SCRIPT FLUSH only support SYNC|ASYNC option")
    scripting_state(c.server).flush_scripts()
    return OK


def kill_running(c: Any, is_eval: bool) -> Any:
    """Redis's ``scriptKill``, for SCRIPT KILL and FUNCTION KILL."""
    from ..scripting.run_context import BUSY_EVAL, BUSY_FUNCTION  # noqa: PLC0415

    state = c.server.extensions.get("scripting")
    run = state.run if state is not None else None
    if run is None:
        raise CommandError(b"NOTBUSY No scripts in execution right now.")
    if run.caller.kind == "master":
        raise CommandError(b"UNKILLABLE The busy script was sent by a master instance in the context of "
                           b"replication and cannot be killed.")
    if run.wrote:
        raise CommandError(b"UNKILLABLE Sorry the script already executed write commands against the "
                           b"dataset. You can either wait the script termination or kill the server in a "
                           b"hard way using the SHUTDOWN NOSAVE command.")
    if is_eval and not run.is_eval:
        raise CommandError(BUSY_FUNCTION)
    if not is_eval and run.is_eval:
        raise CommandError(BUSY_EVAL)
    run.killed = True
    return OK