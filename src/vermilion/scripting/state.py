"""The server's scripting state: the Lua states, the EVAL script cache, the current run.

``scripting_state(server)`` creates it on first use (``server.extensions["scripting"]``)
and registers the INFO figures.  EVAL scripts and FUNCTION libraries live in two Lua
states, as in Redis: SCRIPT FLUSH replaces the first, FUNCTION FLUSH/RESTORE the
second's libraries.

``run_script`` is the part of ``luaCallFunction`` both front-ends share: set up the
run context and the script client (the caller's db, user and protocol), call the Lua
function through the engine's error handler, turn the result or the error table into
the reply, and finish propagation and the busy state.
"""

from __future__ import annotations

import hashlib
from typing import Any

from ..protocol.errors import CommandError
from ..protocol.reply import ErrorReply
from .convert import lua_to_reply
from .libs.cjson import _WHERE as lib_where
from .lua_engine import LuaEngine
from .redis_api import RedisApi
from .run_context import RunContext, end_busy, finish_propagation

SCRIPT_FLAGS = {
    b"no-writes": 1, b"allow-oom": 2, b"allow-stale": 4, b"no-cluster": 8, b"allow-cross-slot-keys": 16,
}
FLAG_NO_WRITES = 1
FLAG_ALLOW_OOM = 2
FLAG_NO_CLUSTER = 8
FLAG_ALLOW_CROSS_SLOT = 16
FLAG_EVAL_COMPAT = 1 << 10


class Script:
    __slots__ = ("body", "func", "flags")

    def __init__(self, body: bytes, func: Any, flags: int) -> None:
        self.body = body
        self.func = func
        self.flags = flags


class ScriptingState:
    def __init__(self, server: Any) -> None:
        from ..engine.client import Client  # noqa: PLC0415

        self.server = server
        self.api = RedisApi(self)
        self.client = Client(server, 0, "", "", -1, lambda data: None, lambda: None)
        self.client.kind = "lua"
        self.client.deny_blocking = True
        self.run: RunContext | None = None
        self.shutdown_asked = False
        self.load_deadline = 0.0
        self.pending_conns: list[Any] = []
        self.scripts: dict[bytes, Script] = {}
        self.scripts_bytes = 0
        self.engine = self._new_engine()
        self.fengine: LuaEngine | None = None
        self.active_engine = self.engine
        self.functions: Any = None  # library.FunctionsState, built on first use
        self.running_function: tuple | None = None  # (name, argv, start) for FUNCTION STATS

    def _new_engine(self) -> LuaEngine:
        from .libs import LIBS  # noqa: PLC0415

        return LuaEngine(self.api.callbacks(), self.api.fields(), LIBS)

    def current_engine(self) -> LuaEngine:
        return self.active_engine

    def function_engine(self) -> LuaEngine:
        if self.fengine is None:
            self.fengine = self._new_engine()
        return self.fengine

    # ---- the EVAL script cache -----------------------------------------------------

    def flush_scripts(self) -> None:
        self.scripts = {}
        self.scripts_bytes = 0
        self.engine = self._new_engine()
        self.active_engine = self.engine

    def create_script(self, body: bytes, sha: bytes | None = None) -> tuple[bytes, Script]:
        """Parse the shebang and compile ``body`` (Redis's ``luaCreateFunction``); cache it."""
        if sha is None:
            sha = hashlib.sha1(body).hexdigest().encode()
        script = self.scripts.get(sha)
        if script is not None:
            return sha, script
        flags, shebang_len = parse_shebang(body)
        code = body[shebang_len:] if shebang_len else body
        func, error = self.engine.compile(code)
        if func is None:
            raise CommandError(b"ERR Error compiling script (new function): " + _oneline(error))
        script = Script(body, func, flags)
        self.scripts[sha] = script
        self.scripts_bytes += len(body)
        return sha, script

    # ---- running ---------------------------------------------------------------------

    def run_script(self, caller: Any, engine: LuaEngine, func: Any, funcname: bytes, is_eval: bool,
                   flags: int, readonly: bool, keys: list[bytes], args: list[bytes]) -> Any:
        run = RunContext(self, caller, funcname, is_eval, readonly or bool(flags & FLAG_NO_WRITES),
                         bool(flags & FLAG_ALLOW_OOM))
        if run.cluster is not None:  # the declared keys' slot; old-style EVAL may cross slots
            run.cross_slot = bool(flags & (FLAG_EVAL_COMPAT | FLAG_ALLOW_CROSS_SLOT))
            if keys:
                from ..keyspace.slots import key_hash_slot  # noqa: PLC0415

                run.slot = key_hash_slot(keys[0])
        c = self.client
        c.db = caller.db
        c.user = caller.user
        c.no_touch = caller.no_touch
        c.resp = 2
        c.propagate_as = None
        self.run = run
        self.active_engine = engine
        lib_where[0] = engine.where
        uncount = False
        reply: Any = None
        try:
            # KEYS and ARGV (or a function's two tables) are built on the Lua side from
            # the arguments of this one call.
            if is_eval:
                ok, result = engine.run_eval(func, len(keys), *keys, *args)
            else:
                ok, result = engine.run_fn(func, len(keys), *keys, *args)
            if ok:
                cls = result.__class__
                reply = result if cls is bytes else lua_to_reply(result, caller.resp, engine, run.resp)
            else:
                reply = self._error_reply(engine, result, funcname)
            if reply.__class__ is ErrorReply and type(result).__name__ == "_LuaTable" \
                    and result[b"ignore_err_stats_update"]:
                uncount = True
        except CommandError:
            raise
        except Exception as e:  # noqa: BLE001  (lupa: memory errors and the like)
            reply = ErrorReply(b"ERR Error running script " + funcname + b", " + _oneline(str(e).encode())[:100])
        finally:
            self.run = None
            self.active_engine = self.engine
            failed = reply is None or reply.__class__ is ErrorReply
            engine.runs += 1
            if failed or not engine.runs % 50:
                try:
                    engine.after_run(failed)
                except Exception:  # noqa: BLE001  (a GC failure must not mask the reply)
                    pass
            if run.timed_out:
                end_busy(self, run)
            if run.wrote or run.forms:
                finish_propagation(run)
        if reply.__class__ is ErrorReply:
            if uncount:  # dispatch counts the reply: the failed command already did
                stats = self.server.stats
                code = bytes(reply).split(b" ", 1)[0]
                stats.total_error_replies -= 1
                stats.errorstats[code] = stats.errorstats.get(code, 1) - 1
            raise CommandError(bytes(reply))
        return reply

    def _error_reply(self, engine: LuaEngine, err: Any, funcname: bytes) -> ErrorReply:
        if type(err).__name__ != "_LuaTable":
            msg = err if isinstance(err, bytes) else b"execution failure"
            return ErrorReply(b"ERR Error running script " + funcname + b", " + _oneline(msg)[:100])
        t = err
        msg = t[b"err"]
        if msg.__class__ is not bytes:
            msg = b"%.14g" % msg if msg.__class__ in (int, float) else b""
        source, line = t[b"source"], t[b"line"]
        if source is not None and line is not None:
            if line.__class__ in (int, float):
                line = b"%d" % line
            msg = msg + b" script: " + funcname + b", on " + source + b":" + line + b"."
        return ErrorReply(_oneline(msg))


def _oneline(msg: bytes) -> bytes:
    return msg.replace(b"\r", b" ").replace(b"\n", b" ")


def parse_shebang(body: bytes) -> tuple[int, int]:
    """``evalExtractShebangFlags``: (flags, shebang length); no shebang = compat mode."""
    if not body.startswith(b"#!"):
        return FLAG_EVAL_COMPAT, 0
    from ..protocol.resp_parser import split_args  # noqa: PLC0415

    end = body.find(b"\n")
    if end < 0:
        raise CommandError(b"ERR Invalid script shebang")
    parts = split_args(body[:end])
    if not parts:
        raise CommandError(b"ERR Invalid engine in script shebang")
    if parts[0] != b"#!lua":
        raise CommandError(b"ERR Unexpected engine in script shebang: " + parts[0])
    flags = 0
    for part in parts[1:]:
        if part.startswith(b"flags="):
            for f in part[6:].split(b","):
                bit = SCRIPT_FLAGS.get(f)
                if bit is None:
                    raise CommandError(b"ERR Unexpected flag in script shebang: " + f)
                flags |= bit
        else:
            raise CommandError(b"ERR Unknown lua shebang option: " + part)
    return flags, end


def scripting_state(server: Any) -> ScriptingState:
    state = server.extensions.get("scripting")
    return state if state is not None else _create_state(server)


def _create_state(server: Any) -> ScriptingState:
    """The first use: the state, its INFO figures and the SHUTDOWN hook."""
    state = server.extensions["scripting"] = ScriptingState(server)
    ext = server.extensions
    ext["used_memory_lua"] = lambda s: max(32768, state.engine.memory_used())
    ext["used_memory_scripts_eval"] = lambda s: state.scripts_bytes
    ext["number_of_cached_scripts"] = lambda s: len(state.scripts)
    ext["number_of_functions"] = lambda s: state.functions.n_functions() if state.functions else 0
    ext["number_of_libraries"] = lambda s: len(state.functions.libraries) if state.functions else 0
    install_shutdown_hook(server, state)
    return state


def install_shutdown_hook(server: Any, state: ScriptingState) -> None:
    """SHUTDOWN during a busy script: stop the script at its next hook call."""
    prev = server.request_shutdown
    if prev is None or getattr(prev, "_scripting", False):
        return

    def request(code: int) -> None:
        if state.run is not None:
            state.shutdown_asked = True
        prev(code)

    request._scripting = True  # type: ignore[attr-defined]
    server.request_shutdown = request
