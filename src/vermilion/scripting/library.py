"""Function libraries (Redis's ``functions.c`` + ``function_lua.c``).

A library is Lua code starting with ``#!lua name=<lib>``.  FUNCTION LOAD checks the
metadata, compiles the code in the functions' own Lua state (chunk ``@user_function``)
and runs it with the globals pointing at the load API (``lua_engine.load_mode``), where
``redis.register_function(name, callback)`` or ``redis.register_function{function_name=,
callback=, flags=, description=}`` collects the functions.  Loading is all-or-nothing:
the new library replaces the old one (REPLACE) only once it loaded and none of its
function names belongs to another library.  A load running past 500 ms fails with
``FUNCTION LOAD timeout``.

``dump_payload``/``restore_payload`` give FUNCTION DUMP/RESTORE Redis's format: one
``RDB_OPCODE_FUNCTION2`` (245) + RDB string of library code per library, then the RDB
version (2 bytes, little endian) and the CRC64 of everything before (8 bytes).
"""

from __future__ import annotations

import re
import time
from typing import Any

from ..protocol.errors import CommandError
from .run_context import ScriptError, error_table_text
from .libs.cjson import _WHERE as lib_where
from .state import SCRIPT_FLAGS

_NAME_RE = re.compile(rb"[A-Za-z0-9_]+")
LOAD_TIMEOUT_S = 0.5
OPCODE_FUNCTION2 = 245
RDB_VERSION = 11  # Redis 7.2


class Function:
    __slots__ = ("name", "func", "flags", "description", "library")

    def __init__(self, name: bytes, func: Any, flags: int, description: bytes | None, library: Any) -> None:
        self.name = name
        self.func = func
        self.flags = flags
        self.description = description
        self.library = library


class Library:
    __slots__ = ("name", "code", "functions")

    def __init__(self, name: bytes, code: bytes) -> None:
        self.name = name
        self.code = code
        self.functions: dict[bytes, Function] = {}


class FunctionsState:
    """All libraries and the function-name index, over one Lua state."""

    def __init__(self, scripting: Any) -> None:
        self.scripting = scripting
        self.libraries: dict[bytes, Library] = {}
        self.functions: dict[bytes, Function] = {}
        self.synced: Any = None  # the persistence state's library list we mirror

    # ---- persistence (persistence/saver.py keeps the FUNCTION2 codes) -----------------

    def sync_from_rdb(self) -> None:
        """Rebuild the libraries when an RDB load (startup, DEBUG RELOAD, full sync)
        replaced the persistence state's list of library codes."""
        st = self.scripting.server.extensions.get("rdb")
        if st is None or st.functions is self.synced:
            return
        codes = st.functions
        self.libraries, self.functions = {}, {}
        self.scripting.fengine = None
        for code in codes:
            try:
                self.install(self.create(code, True, {}))
            except CommandError as e:
                self.scripting.server.log("warning", "Failed loading library from RDB: %s" % e.msg.decode(errors="replace"))
        self.synced = codes

    def publish(self) -> None:
        """Give the persistence state the current libraries (saved as FUNCTION2)."""
        st = self.scripting.server.extensions.get("rdb")
        if st is not None:
            st.functions = self.synced = [lib.code for lib in self.libraries.values()]

    def n_functions(self) -> int:
        return len(self.functions)

    def flush(self) -> None:
        self.libraries = {}
        self.functions = {}
        self.scripting.fengine = None
        self.publish()

    # ---- loading ------------------------------------------------------------------

    def load(self, code: bytes, replace: bool) -> bytes:
        lib = self.create(code, replace, self.libraries)
        self.install(lib)
        return lib.name

    def install(self, lib: Library) -> None:
        old = self.libraries.pop(lib.name, None)
        if old is not None:
            for name in old.functions:
                self.functions.pop(name, None)
        self.libraries[lib.name] = lib
        self.functions.update(lib.functions)
        self.publish()

    def create(self, code: bytes, replace: bool, existing: dict[bytes, Library]) -> Library:
        """Build a library from ``code``; raise CommandError as Redis words it."""
        name = parse_metadata(code)
        old = existing.get(name)
        if old is not None and not replace:
            raise CommandError(b"ERR Library '" + name + b"' already exists")
        state = self.scripting
        engine = state.function_engine()
        # The metadata line is cut, its newline kept, so line numbers stay the user's.
        func, error = engine.compile(code[code.find(b"\n"):], b"@user_function")
        if func is None:
            raise CommandError(b"ERR Error compiling function: " + error)
        lib = Library(name, code)
        collector = _Registrar(engine, lib)
        engine.load_mode(collector)
        lib_where[0] = engine.where
        state.load_deadline = time.monotonic() + LOAD_TIMEOUT_S
        state.active_engine = engine  # the sandbox callbacks act on this state
        try:
            ok, result = engine.run_load(func)
        finally:
            state.load_deadline = 0.0
            state.active_engine = state.engine
            engine.load_mode(None)
        if not ok:
            msg = result[b"err"] if type(result).__name__ == "_LuaTable" else result
            if not isinstance(msg, bytes):
                msg = b"ERR unknown error"
            raise CommandError(b"ERR Error registering functions: " + msg.replace(b"\r", b" ").replace(b"\n", b" "))
        if not lib.functions:
            raise CommandError(b"ERR No functions registered")
        for fname in lib.functions:
            other = self.functions.get(fname)
            if other is not None and other.library.name != name:
                raise CommandError(b"ERR Function " + fname + b" already exists")
        return lib

    # ---- DUMP / RESTORE -------------------------------------------------------------

    def dump_payload(self) -> bytes:
        from ..persistence.rdb.crc64 import crc64  # noqa: PLC0415
        from ..persistence.rdb.encoder import encode_string  # noqa: PLC0415

        compress = bool(self.scripting.server.config.get("rdbcompression", True))
        out = bytearray()
        for lib in self.libraries.values():
            out.append(OPCODE_FUNCTION2)
            out += encode_string(lib.code, compress)
        out += RDB_VERSION.to_bytes(2, "little")
        out += crc64(0, bytes(out)).to_bytes(8, "little")
        return bytes(out)

    def restore_payload(self, payload: bytes, policy: bytes) -> None:
        from ..persistence.rdb.decoder import PayloadError, RdbError, Reader, verify_payload  # noqa: PLC0415

        try:
            verify_payload(payload)
        except PayloadError:
            raise CommandError(b"ERR DUMP payload version or checksum are wrong") from None
        r = Reader(payload, 0, len(payload) - 10)
        codes = []
        try:
            while r.pos < len(payload) - 10:
                if r.u8() != OPCODE_FUNCTION2:
                    raise CommandError(b"ERR given type is not a function")
                codes.append(r.string())
        except RdbError:
            raise CommandError(b"ERR DUMP payload version or checksum are wrong") from None
        if policy == b"flush":
            self.flush()
            base: dict[bytes, Library] = {}
        else:
            base = dict(self.libraries)
        new_libs: dict[bytes, Library] = {}
        saved = dict(self.libraries), dict(self.functions)
        try:
            for code in codes:
                name = parse_metadata(code)
                if name in base and policy == b"append":
                    raise CommandError(b"ERR Library " + name + b" already exists")
                lib = self.create(code, True, {})
                for fname in lib.functions:
                    other = self.functions.get(fname)
                    if other is not None and other.library.name != name and policy != b"replace":
                        raise CommandError(b"ERR Function " + fname + b" already exists")
                new_libs[name] = lib
                self.install(lib)
        except CommandError:
            self.libraries, self.functions = saved
            self.publish()
            raise


class _Registrar:
    """``redis.register_function`` during one FUNCTION LOAD."""

    def __init__(self, engine: Any, lib: Library) -> None:
        self.engine = engine
        self.lib = lib

    def fail(self, text: bytes) -> ScriptError:
        return ScriptError(self.engine.table_from({b"err": error_table_text(text)}))

    def __call__(self, *args: Any) -> None:
        flags = 0
        description = None
        if len(args) == 1:
            t = args[0]
            if type(t).__name__ != "_LuaTable":
                raise self.fail(b"calling redis.register_function with a single argument is only "
                                b"applicable to Lua table (representing named arguments).")
            name = callback = None
            for k, v in t.items():
                if k == b"function_name":
                    if not isinstance(v, bytes):
                        raise self.fail(b"function_name argument given to redis.register_function must be a string")
                    name = v
                elif k == b"callback":
                    if not self.engine.is_function(v):
                        raise self.fail(b"callback argument given to redis.register_function must be a function")
                    callback = v
                elif k == b"description":
                    if not isinstance(v, bytes):
                        raise self.fail(b"description argument given to redis.register_function must be a string")
                    description = v
                elif k == b"flags":
                    if type(v).__name__ != "_LuaTable":
                        raise self.fail(b"flags argument to redis.register_function must be a table representing function flags")
                    for f in v.values():
                        bit = SCRIPT_FLAGS.get(f) if isinstance(f, bytes) else None
                        if bit is None:
                            raise self.fail(b"unknown flag given")
                        flags |= bit
                else:
                    raise self.fail(b"unknown argument given to redis.register_function")
            if name is None:
                raise self.fail(b"redis.register_function must get a function name argument")
            if callback is None:
                raise self.fail(b"redis.register_function must get a callback argument")
        elif len(args) == 2:
            name, callback = args
            if not isinstance(name, bytes):
                raise self.fail(b"first argument to redis.register_function must be a string")
            if not self.engine.is_function(callback):
                raise self.fail(b"second argument to redis.register_function must be a function")
        else:
            raise self.fail(b"wrong number of arguments to redis.register_function")
        if not _NAME_RE.fullmatch(name):
            raise self.fail(b"Library names can only contain letters, numbers, or underscores(_) and must "
                            b"be at least one character long")
        if name in self.lib.functions:
            raise self.fail(b"Function already exists in the library")
        self.lib.functions[name] = Function(name, callback, flags, description, self.lib)


def parse_metadata(code: bytes) -> bytes:
    """``functionExtractLibMetaData``: the library name from the ``#!<engine> name=`` line."""
    from ..protocol.resp_parser import split_args  # noqa: PLC0415

    if not code.startswith(b"#!"):
        raise CommandError(b"ERR Missing library metadata")
    end = code.find(b"\n")
    if end < 0:
        raise CommandError(b"ERR Invalid metadata value, expected new line")
    parts = split_args(code[:end]) or []
    if not parts:
        raise CommandError(b"ERR Invalid library metadata")
    engine = parts[0][2:]
    if engine.lower() != b"lua":
        raise CommandError(b"ERR Engine '" + engine + b"' not found")
    name = None
    for part in parts[1:]:
        if part.startswith(b"name="):
            name = part[5:]
        else:
            raise CommandError(b"ERR Invalid metadata value given: " + part)
    if name is None:
        raise CommandError(b"ERR Library name was not given")
    if not _NAME_RE.fullmatch(name):
        raise CommandError(b"ERR Library names can only contain letters, numbers, or underscores(_) and "
                           b"must be at least one character long")
    return name
