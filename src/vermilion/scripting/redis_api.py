"""The ``redis`` table scripts see: the Python side of each ``redis.*`` function.

Every callable here is set directly in the ``redis`` table: lupa calls Python from a C
function, so, as with Redis's C functions, a ``return redis.call(...)`` keeps the
script's frame (the error handler finds its line; a Lua wrapper would be tail-called
away).  An error that Redis raises with ``luaError`` is raised here as
``ScriptError(table)``; lupa hands the exception to Lua as the error value, and the
engine's error handler and its ``pcall``/``xpcall`` unwrap it to the ``{err=...}``
table (``unwrap_error``).  Argument checks and their
messages follow ``script_lua.c``; ``luaPushError`` texts get Redis's ``ERR`` code via
``error_table_text``.  ``lrand48``/``srand48`` are Redis's ``redisLrand48`` (the libc
48-bit LCG), so ``math.random`` gives Redis's sequence on every platform.
"""

from __future__ import annotations

import hashlib
import math
from typing import Any

from .libs.cjson import lua_error as _lib_error

from ..protocol.reply import Raw
from .convert import parse_raw, reply_to_lua
from .run_context import ScriptError, call_command, error_table_text, lookup

LOG_LEVELS = {0: "debug", 1: "verbose", 2: "notice", 3: "warning"}
_ARG_ERROR = b"ERR Lua redis lib command arguments must be strings or integers"


def _no_call(run: Any) -> bytes:
    if run is None:
        return b"ERR redis.call/pcall can only be called inside a script invocation"
    return b"ERR Please specify at least one argument for this redis lib call"


def _checkint(args: tuple, i: int, fname: str) -> int:
    """``luaL_checkint``: a number (or numeric string), truncated toward zero."""
    v = args[i] if i < len(args) else None
    if v.__class__ is bytes:
        try:
            v = float(v)
        except ValueError:
            v = b""
    if v.__class__ not in (int, float):
        got = b"no value" if i >= len(args) else (b"nil" if v is None else b"string" if v == b"" else b"table")
        if args and i < len(args) and args[i].__class__ is bool:
            got = b"boolean"
        raise _lib_error(b"bad argument #%d to '%s' (number expected, got %s)" % (i + 1, fname.encode(), got))
    return int(v) if math.isfinite(v) else 0


def lua_args_to_argv(args: tuple) -> list[bytes] | None:
    """``luaArgsToRedisArgv``: strings as they are, numbers as ``%.17g`` (not Lua's
    lossy %.14g)."""
    argv = []
    for a in args:
        cls = a.__class__
        if cls is bytes:
            argv.append(a)
        elif cls is int or cls is float:
            argv.append(b"%.17g" % a)
        else:
            return None
    return argv


class RedisApi:
    """Python callables for one scripting state (``state.run`` is the current run)."""

    def __init__(self, state: Any) -> None:
        self.state = state
        self.rand_x = 0x1234ABCD330E

    def err(self, text: bytes) -> Any:
        """The error table of ``luaPushError(text)``."""
        return self.table({b"err": error_table_text(text)})

    def fail(self, text: bytes) -> ScriptError:
        return ScriptError(self.err(text))

    def unwrap_error(self, e: Any) -> Any:
        if isinstance(e, ScriptError):
            return e.args[0]
        if isinstance(e, BaseException):
            return self.err(b"ERR " + str(e).encode(errors="replace"))
        return None

    def table(self, d: dict) -> Any:
        return self.state.active_engine.table_from(d, recursive=True)

    def callbacks(self) -> dict[bytes, Any]:
        return {
            b"call": self.call, b"error_reply": self.error_reply, b"status_reply": self.status_reply,
            b"sha1hex": self.sha1hex, b"log": self.log, b"setresp": self.setresp,
            b"set_repl": self.set_repl, b"replicate_commands": self.replicate_commands,
            b"breakpoint": self.breakpoint, b"debug": self.debug, b"acl_check_cmd": self.acl_check_cmd,
            b"random": self.random, b"randomseed": self.randomseed, b"hook": self.hook,
            b"pcall": self.pcall, b"unwrap_error": self.unwrap_error,
            b"set_protection": self.set_protection, b"rawset": self.rawset,
            b"setmetatable": self.setmetatable, b"unpack": self.unpack,
        }

    def fields(self) -> dict[bytes, Any]:
        server = self.state.server
        version = server.redis_version
        major, minor, patch = (int(x) for x in (version.split(".") + ["0", "0"])[:3])
        return {
            b"LOG_DEBUG": 0, b"LOG_VERBOSE": 1, b"LOG_NOTICE": 2, b"LOG_WARNING": 3,
            b"REPL_NONE": 0, b"REPL_AOF": 1, b"REPL_SLAVE": 2, b"REPL_REPLICA": 2, b"REPL_ALL": 3,
            b"REDIS_VERSION": version.encode(), b"REDIS_VERSION_NUM": (major << 16) | (minor << 8) | patch,
        }

    # ---- redis.call / redis.pcall ---------------------------------------------------

    # Both are the hot path of scripting: a script's arguments are nearly always
    # strings (no conversion), and most replies are strings or integers, which go back
    # to Lua as they are; only tables cost a lupa table (``_to_lua``).

    def call(self, *args: Any) -> Any:
        run = self.state.run
        if run is None or not args:
            raise ScriptError(self._error_table(_no_call(run), run))
        argv = list(args)
        for a in argv:
            if a.__class__ is not bytes:
                argv = lua_args_to_argv(args)
                if argv is None:
                    raise ScriptError(self._error_table(_ARG_ERROR, run))
                break
        reply, is_err = call_command(run, argv)
        if is_err:
            raise ScriptError(self._error_table(reply, run))
        cls = reply.__class__
        if cls is bytes or cls is int:
            return reply
        return self._to_lua(reply, run.resp)

    def pcall(self, *args: Any) -> Any:
        run = self.state.run
        if run is None or not args:
            return self._error_table(_no_call(run), run)
        argv = list(args)
        for a in argv:
            if a.__class__ is not bytes:
                argv = lua_args_to_argv(args)
                if argv is None:
                    return self._error_table(_ARG_ERROR, run)
                break
        reply, is_err = call_command(run, argv)
        if is_err:
            return self._error_table(reply, run)
        cls = reply.__class__
        if cls is bytes or cls is int:
            return reply
        return self._to_lua(reply, run.resp)

    def _error_table(self, reply: bytes, run: Any) -> Any:
        t = self.err(b"-" + reply)
        if run is not None and run.counted:
            # Counted in errorstats when the command failed: Redis's
            # ignore_err_stats_update keeps the script's error from counting twice.
            run.counted = False
            t[b"ignore_err_stats_update"] = True
        return t

    def _to_lua(self, reply: Any, resp: int) -> Any:
        """A reply other than a string or an integer as the Lua value (a table, or
        false/nil for a null)."""
        if reply.__class__ is Raw:
            reply = parse_raw(reply)
        v = reply_to_lua(reply, resp)
        cls = v.__class__
        if cls is list:
            # Flat arrays (the common case) need no recursive conversion.
            for x in v:
                if x.__class__ is list or x.__class__ is dict:
                    return self.state.active_engine.table_from(v, recursive=True)
            return self.state.active_engine.table_from(v)
        if cls is dict:
            # {ok=...}, {err=...}, {double=...}, {big_number=...} are flat.
            for x in v.values():
                if x.__class__ is list or x.__class__ is dict:
                    return self.state.active_engine.table_from(v, recursive=True)
            return self.state.active_engine.table_from(v)
        return v

    # ---- helpers ----------------------------------------------------------------------

    def error_reply(self, *args: Any) -> Any:
        if len(args) != 1 or args[0].__class__ is not bytes:
            return self.err(b"wrong number or type of arguments")
        msg = args[0]
        return self.table({b"err": error_table_text(msg if msg.startswith(b"-") else b"-" + msg)})

    def status_reply(self, *args: Any) -> Any:
        if len(args) != 1 or args[0].__class__ is not bytes:
            return self.err(b"wrong number or type of arguments")
        return self.table({b"ok": args[0]})

    def sha1hex(self, *args: Any) -> Any:
        if len(args) != 1:
            raise self.fail(b"wrong number of arguments")
        a = args[0]
        if a.__class__ in (int, float):
            a = b"%.14g" % a
        elif a.__class__ is not bytes:
            a = b""
        return hashlib.sha1(a).hexdigest().encode()

    def log(self, *args: Any) -> Any:
        if len(args) < 2:
            raise self.fail(b"redis.log() requires two arguments or more.")
        level = args[0]
        if level.__class__ is bytes:
            try:
                level = float(level)
            except ValueError:
                level = None
        if level is None or level.__class__ not in (int, float):
            raise self.fail(b"First argument must be a number (log level).")
        level = int(level)
        if level not in LOG_LEVELS:
            raise self.fail(b"Invalid debug level.")
        parts = []
        for a in args[1:]:
            if a.__class__ is bytes:
                parts.append(a)
            elif a.__class__ in (int, float):
                parts.append(b"%.14g" % a)
        self.state.server.log(LOG_LEVELS[level], b" ".join(parts).decode(errors="replace"))
        return None

    def setresp(self, *args: Any) -> Any:
        run = self.state.run
        if len(args) != 1:
            raise self.fail(b"redis.setresp() requires one argument.")
        v = args[0]
        try:
            n = float(v) if v.__class__ is not bool else 0
        except (TypeError, ValueError):
            n = 0
        if n not in (2, 3):
            raise self.fail(b"RESP version must be 2 or 3.")
        if run is not None:
            run.resp = int(n)
            run.client.resp = int(n)
        return None

    def set_repl(self, *args: Any) -> Any:
        run = self.state.run
        if run is None:
            raise self.fail(b"redis.set_repl can only be called inside a script invocation")
        if len(args) != 1:
            raise self.fail(b"redis.set_repl() requires one argument.")
        try:
            flags = int(float(args[0]))
        except (TypeError, ValueError):
            flags = -1
        if flags & ~3:
            raise self.fail(b"Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.")
        run.repl_flags = flags
        return None

    def replicate_commands(self, *args: Any) -> Any:
        return True

    def breakpoint(self, *args: Any) -> Any:
        return False

    def debug(self, *args: Any) -> Any:
        return None

    def acl_check_cmd(self, *args: Any) -> Any:
        run = self.state.run
        if not args:
            raise self.fail(b"Please specify at least one argument for this redis lib call")
        argv = lua_args_to_argv(args)
        if argv is None:
            raise self.fail(b"Lua redis lib command arguments must be strings or integers")
        spec = lookup(argv)
        if spec is None or spec.handler is None:
            raise self.fail(b"Invalid command passed to redis.acl_check_cmd()")
        acl = self.state.server.extensions.get("acl")
        if acl is None or run is None:
            return True
        user = acl.users.get(run.client.user)
        if user is None:
            return True
        result, _pos = acl.check_user(user, spec, argv)
        return result == 0  # security/acl/selectors.OK

    # ---- unpack (lua_engine.BOOT) ----------------------------------------------------

    def unpack(self, *args: Any) -> Any:
        r = self.state.active_engine.unpack_checked(len(args), *args[:3])
        if r.__class__ is tuple:
            if r[0] is True:
                return r[1:]  # several values for Lua (unpack_returned_tuples)
            raise _lib_error(r[1])
        return ()  # true alone: an empty range, no values

    # ---- read-only tables (lua_engine.BOOT) -------------------------------------------

    def set_protection(self, is_protected: Any, rawset: Any, setmetatable: Any) -> None:
        """Called by BOOT; the functions are taken from the running state instead (the
        EVAL and FUNCTION states share these callbacks: lua_engine keeps each one's)."""

    def rawset(self, *args: Any) -> Any:
        eng = self.state.active_engine
        if args and eng.is_protected(args[0]):
            raise self.fail(b"Attempt to modify a readonly table")
        return eng.lua_rawset(*args)

    def setmetatable(self, *args: Any) -> Any:
        eng = self.state.active_engine
        if args and eng.is_protected(args[0]):
            raise self.fail(b"Attempt to modify a readonly table")
        return eng.lua_setmetatable(*args)

    # ---- math.random ----------------------------------------------------------------

    def random(self, *args: Any) -> Any:
        """Redis's ``redis_math_random``: Lua's math.random over ``redisLrand48``."""
        r = (self.lrand48() % 2147483647) / 2147483647
        if not args:
            return r
        if len(args) == 1:
            u = _checkint(args, 0, "random")
            if u < 1:
                raise _lib_error(b"bad argument #1 to 'random' (interval is empty)")
            return math.floor(r * u) + 1
        if len(args) == 2:
            lo, up = _checkint(args, 0, "random"), _checkint(args, 1, "random")
            if lo > up:
                raise _lib_error(b"bad argument #2 to 'random' (interval is empty)")
            return math.floor(r * (up - lo + 1)) + lo
        raise _lib_error(b"wrong number of arguments")

    def randomseed(self, *args: Any) -> None:
        self.srand48(_checkint(args, 0, "randomseed"))

    def lrand48(self) -> int:
        x = (0x5DEECE66D * self.rand_x + 0xB) & 0xFFFFFFFFFFFF
        self.rand_x = x
        return x >> 17

    def srand48(self, seed: Any) -> None:
        seed = int(seed) & 0xFFFFFFFF
        self.rand_x = (seed << 16) | 0x330E

    def hook(self) -> Any:
        from .run_context import hook  # noqa: PLC0415

        return hook(self.state)
