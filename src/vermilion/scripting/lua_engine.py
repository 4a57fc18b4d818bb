"""The Lua 5.1 state (through lupa) with Redis's sandbox, libraries and error handler.

One ``LuaEngine`` per server (SCRIPT FLUSH builds a new one).  ``BOOT`` below runs once
in a fresh state and leaves it as Redis 7 does (``script_lua.c``):

* Globals: only Redis's allow list survives (``dofile``, ``loadfile``, ``print``,
  ``io``, ``os``, ``package``, ``require``, ``module``, ``setfenv``, ``getfenv``,
  ``newproxy`` and ``debug`` are removed; the engine keeps a private ``debug``).
* Read-only tables.  Redis patches Lua with a read-only table flag; stock Lua has none,
  so scripts see *proxies*: an empty table whose ``__index`` is the real table and
  whose ``__newindex`` raises ``Attempt to modify a readonly table``.  ``_G`` and every
  library table (``redis``, ``string``, ``math``, ``cjson``, ...) are proxied, and the
  functions that could reach past a proxy (``rawset``, ``rawget``, ``setmetatable``,
  ``getmetatable``, ``next``, ``pairs``, ``ipairs``) are wrapped to see the real table
  or to refuse (``rawset``/``setmetatable`` in Python: a C-level function keeps the
  caller's frame on a tail call, so errors point at the script's line as in Redis).  Reading a missing global raises ``Script attempted to access
  nonexistent global variable 'x'`` (a metatable on the real globals table, so hits stay
  a plain table lookup).  Chunks made by ``loadstring``/``load`` get the proxy as their
  environment, and precompiled bytecode (which could break the VM) is refused.
* ``math.random``/``math.randomseed`` use Redis's ``redisLrand48`` (the libc 48-bit
  LCG, same numbers on every platform).  As in Redis 7 there is one sequence for the
  server's life (not reseeded per EVAL, nor by SCRIPT FLUSH); ``math.randomseed(n)``
  makes what follows deterministic.
* The error handler is Redis's ``__redis__err__handler``: a non-table error becomes
  ``{err='ERR ' .. msg}``, and the table gets the ``source``/``line`` of the first
  frame that is not C or engine code, for the ``script: ..., on @user_script:1.`` tail.
* A count hook calls back into Python every ``HOOK_INSTRUCTIONS`` instructions (busy
  script detection and SCRIPT KILL: ``run_context.py``).  Once a script is killed the
  hook fires on every line and raises again, so ``pcall`` cannot swallow the kill.

Memory is capped (``MAX_MEMORY``) so a memory bomb ends in ``not enough memory``.
"""

from __future__ import annotations

from typing import Any

import lupa.lua51 as lupa

HOOK_INSTRUCTIONS = 100000
MAX_MEMORY = 1 << 30

BOOT = r"""
local py = ...
local G = _G
local dbg = debug
local error_, type_, tostring_, rawset_, rawget_ = error, type, tostring, rawset, rawget
local setmt, getmt, next_, pairs_, ipairs_ = setmetatable, getmetatable, next, pairs, ipairs
local loadstring_, load_, setfenv_, xpcall_, sethook = loadstring, load, setfenv, xpcall, dbg.sethook

local allowed = {
  string=1, cjson=1, bit=1, cmsgpack=1, math=1, table=1, struct=1, redis=1,
  xpcall=1, tostring=1, setmetatable=1, next=1, assert=1, tonumber=1, rawequal=1,
  collectgarbage=1, getmetatable=1, rawset=1, pcall=1, coroutine=1, type=1, _G=1,
  select=1, unpack=1, gcinfo=1, pairs=1, loadstring=1, ipairs=1, error=1, rawget=1,
  load=1, _VERSION=1,
}
for _, name in ipairs_({"dofile", "loadfile", "print", "io", "os", "package", "require",
                        "module", "setfenv", "getfenv", "newproxy", "debug", "python"}) do
  G[name] = nil
end

local real = {}          -- proxy -> real table
local function ro_error() error_("Attempt to modify a readonly table", 2) end
local function protect(t)
  local p = {}
  setmt(p, {__index = t, __newindex = function() error_("Attempt to modify a readonly table", 2) end})
  real[p] = t
  return p
end
local function unwrap(t) return real[t] or t end

G.math.random = py.random
G.math.randomseed = py.randomseed
local function is_protected(t) return real[t] ~= nil or t == G end
py.set_protection(is_protected, rawset_, setmt)
G.rawset = py.rawset
G.rawget = function(t, k) return rawget_(real[t] or t, k) end
G.setmetatable = py.setmetatable
local string_mt = getmt("")
local string_mt_proxy   -- set once the string library is proxied (below)
G.getmetatable = function(t)
  if real[t] or t == G then return {} end
  local mt = getmt(t)
  if mt == string_mt then return string_mt_proxy end
  return mt
end
G.next = function(t, k) return next_(real[t] or t, k) end
G.pairs = function(t) return pairs_(real[t] or t) end
G.ipairs = function(t) return ipairs_(real[t] or t) end

local env   -- the proxy of G, set below
G.loadstring = function(s, name)
  if type_(s) == "string" and s:byte(1) == 27 then
    return nil, "attempt to load binary code"
  end
  local f, e = loadstring_(s, name)
  if f then setfenv_(f, env) end
  return f, e
end
G.load = function(fn, name)
  local f, e = load_(fn, name)
  if f then setfenv_(f, env) end
  return f, e
end

-- Coroutines: debug.sethook is per thread, so each new coroutine gets the count hook
-- (otherwise a loop inside a coroutine could never be reported busy nor killed).
local co_create, co_resume, unpack_ = coroutine.create, coroutine.resume, unpack
local count_hook_ref  -- set once count_hook exists (below)
local function hooked(f)
  local co = co_create(f)
  sethook(co, function() return count_hook_ref() end, "", py.hook_count)
  return co
end
G.coroutine.create = hooked
G.coroutine.wrap = function(f)
  local co = hooked(f)
  return function(...)
    local r = {co_resume(co, ...)}
    if r[1] then return unpack_(r, 2, table.maxn(r)) end
    error_(r[2], type_(r[2]) == "string" and 2 or 0)
  end
end

-- Library tables become read-only proxies; the error handler stays reachable as Redis's.
for _, name in ipairs_({"string", "math", "table", "coroutine", "redis", "bit", "cjson",
                        "struct", "cmsgpack"}) do
  local t = G[name]
  if t ~= nil then G[name] = protect(t) end
end
-- The strings' metatable is shared by every script (CVE-2025-46818): scripts see it
-- read-only, and its __index is the read-only string library.
string_mt.__index = G.string
string_mt_proxy = protect(string_mt)

-- unpack with Redis's overflow-safe range check (CVE-2025-46817: a huge range must be
-- "too many results to unpack", never an overflowed count).  ``unpack_checked`` does the
-- work: arguments checked with luaL_checkint's conversion (to 64 bits, then the low 32
-- bits) and messages, so the stock unpack is only called when it cannot fail; it
-- answers ``false, message`` or ``true, values...``.  The ``unpack`` scripts see is
-- Python's ``RedisApi.unpack`` (a C-level function: a ``return unpack(x)`` keeps the
-- script's frame, so errors carry its position as Redis's do).
local raw_unpack, tonumber_, floor_, select_ = unpack, tonumber, math.floor, select
local function int_arg(v, n)
  local x = tonumber_(v)
  if x == nil then
    return nil, "bad argument #" .. n .. " to 'unpack' (number expected, got " .. type_(v) .. ")"
  end
  if x ~= x or x >= 9223372036854775807 or x < -9223372036854775808 then return 0 end
  x = x >= 0 and floor_(x) or -floor_(-x)
  x = x % 4294967296
  if x >= 2147483648 then x = x - 4294967296 end
  return x
end
local function unpack_checked(nargs, t, i, e)
  if type_(t) ~= "table" then
    return false, "bad argument #1 to 'unpack' (table expected, got " .. (nargs == 0 and "no value" or type_(t)) .. ")"
  end
  local err
  if i == nil then i = 1 else i, err = int_arg(i, 2) if err then return false, err end end
  if e == nil then e = #t else e, err = int_arg(e, 3) if err then return false, err end end
  if i > e then return true end
  if e - i + 1 + nargs > 8000 then return false, "too many results to unpack" end
  return true, raw_unpack(t, i, e)
end
G.unpack = py.unpack

local unwrap_err = py.unwrap_error
local function fixerr(e)
  if type_(e) == "userdata" then
    local t = unwrap_err(e)
    if t ~= nil then return t end
  end
  return e
end
local pcall_ = pcall
-- Redis's luaRedisPcall: an error table caught by pcall becomes its ``err`` string.
local function fixp(ok, ...)
  if ok then return ok, ... end
  local e = fixerr((...))
  if type_(e) == "table" then
    local m = rawget_(e, "err")
    if type_(m) == "string" then e = m end
  end
  return false, e
end
G.pcall = function(f, ...) return fixp(pcall_(f, ...)) end
G.xpcall = function(f, h) return xpcall_(f, function(e) return h(fixerr(e)) end) end

local function errh(err)
  sethook()  -- a killed script's line hook must not fire inside the handler
  err = fixerr(err)
  local lvl = 2
  local i = dbg.getinfo(lvl, "nSl")
  if i and i.what == "C" then
    lvl = lvl + 1
    i = dbg.getinfo(lvl, "nSl")
  end
  while i and i.source == "=vermilion" do
    lvl = lvl + 1
    i = dbg.getinfo(lvl, "nSl")
  end
  if type_(err) ~= "table" then
    err = {err = "ERR " .. tostring_(err)}
  end
  if i then
    err["source"] = i.source
    err["line"] = i.currentline
  end
  return err
end
G.__redis__err__handler = errh

env = protect(G)
G._G = env
local getinfo = dbg.getinfo
setmt(G, {
  __index = function(t, n)
    local i = getinfo(2, "S")
    if i and i.what ~= "C" then
      error_("Script attempted to access nonexistent global variable '" .. tostring_(n) .. "'", 2)
    end
    return nil
  end,
  __newindex = function() error_("Attempt to modify a readonly table", 2) end,
})

local pyhook = py.hook
local kill_msg
local function killed_hook() error_({err = kill_msg}) end
local function count_hook()
  local m = pyhook()
  if m then
    kill_msg = m
    sethook(killed_hook, "l")
    error_({err = m})
  end
end
count_hook_ref = count_hook

local eng = {}
-- What the Python side of this state's sandbox calls (RedisApi: rawset, setmetatable,
-- unpack), per state: the callbacks are shared by the EVAL and FUNCTION states.
eng.is_protected, eng.rawset, eng.setmetatable = is_protected, rawset_, setmt
eng.unpack_checked = unpack_checked
function eng.compile(body, chunkname)
  local f, e = loadstring_(body, chunkname)
  if f then setfenv_(f, env) end
  return f, e
end
function eng.run(f)
  sethook(count_hook, "", py.hook_count)
  local ok, r = xpcall_(f, errh)
  sethook()
  return ok, r
end
function eng.run_eval(f, nkeys, ...)
  -- KEYS and ARGV built Lua-side from the varargs: one call from Python per EVAL, two
  -- tables (KEYS starts with every argument; the ARGV part moves out of it).
  local keys, args = {...}, {}
  for i = nkeys + 1, select("#", ...) do
    args[i - nkeys] = keys[i]
    keys[i] = nil
  end
  rawset_(G, "KEYS", keys)
  rawset_(G, "ARGV", args)
  sethook(count_hook, "", py.hook_count)
  local ok, r = xpcall_(f, errh)
  sethook()
  return ok, r
end
function eng.run_fn(f, nkeys, ...)
  local keys, args = {...}, {}
  for i = nkeys + 1, select("#", ...) do
    args[i - nkeys] = keys[i]
    keys[i] = nil
  end
  sethook(count_hook, "", py.hook_count)
  local ok, r = xpcall_(function() return f(keys, args) end, errh)
  sethook()
  return ok, r
end
-- What luaReplyToRedisReply looks at in a returned table, in its order and with raw
-- gets as Redis (metatables are not consulted), in one call from Python (each t[k]
-- from Python is a round trip through lupa): a tag and the value(s).  An array comes
-- back unpacked up to its first nil (too long to unpack: tag 9 and its length).
local unpack_all = raw_unpack
function eng.shape(t)
  local x = rawget_(t, "err")
  if type_(x) == "string" then return 1, x end
  x = rawget_(t, "ok")
  if type_(x) == "string" then return 2, x end
  x = rawget_(t, "double")
  if type_(x) == "number" then return 3, x end
  x = rawget_(t, "big_number")
  if type_(x) == "string" then return 4, x end
  x = rawget_(t, "map")
  if type_(x) == "table" then return 5, x end
  x = rawget_(t, "set")
  if type_(x) == "table" then return 6, x end
  x = rawget_(t, "verbatim_string")
  if type_(x) == "table" then
    local f, s = rawget_(x, "format"), rawget_(x, "string")
    if type_(f) == "string" and type_(s) == "string" then return 7, f, s end
  end
  local n = 0
  while rawget_(t, n + 1) ~= nil do n = n + 1 end
  if n > 4000 then return 9, n end
  return 0, unpack_all(t, 1, n)
end
function eng.item(t, i) return rawget_(t, i) end
function eng.set_global(name, value) rawset_(G, name, value) end
local collect = collectgarbage
function eng.gc(full)
  if full then collect("collect") else collect("step", 50) end
end
function eng.real(t) return real[t] or t end
function eng.protect(t) return protect(t) end
function eng.env() return env end
function eng.new_env(extra)
  -- An environment for FUNCTION LOAD: the globals plus ``extra`` (redis API subset).
  local e = {}
  setmt(e, {__index = function(t, n)
      local v = extra[n]
      if v ~= nil then return v end
      v = rawget_(G, n)
      if v == nil then
        error_("Script attempted to access nonexistent global variable '" .. tostring_(n) .. "'", 2)
      end
      return v
    end,
    __newindex = function() error_("Attempt to modify a readonly table", 2) end})
  real[e] = G
  return e
end
function eng.setfenv(f, e) return setfenv_(f, e) end

-- FUNCTION LOAD runs the library code with the globals proxy pointing at a small API
-- (``redis.register_function``, ``redis.log``, the constants), as Redis swaps the
-- globals' ``__index``; callbacks keep the same proxy, which points back at the
-- full globals once loading is over.
local strict_mt = {__index = function(t, n)
  error_("Script attempted to access nonexistent global variable '" .. tostring_(n) .. "'", 2)
end}
function eng.load_mode(regfn)
  local mt = getmt(env)
  if regfn == nil then
    mt.__index = G
    return
  end
  local r = real[rawget_(G, "redis")]
  local api_redis = {register_function = regfn, log = r.log, LOG_DEBUG = r.LOG_DEBUG,
    LOG_VERBOSE = r.LOG_VERBOSE, LOG_NOTICE = r.LOG_NOTICE, LOG_WARNING = r.LOG_WARNING,
    REDIS_VERSION = r.REDIS_VERSION, REDIS_VERSION_NUM = r.REDIS_VERSION_NUM}
  setmt(api_redis, strict_mt)
  local api = {redis = protect(api_redis)}
  setmt(api, strict_mt)
  mt.__index = api
end
function eng.run_load(f)
  sethook(count_hook, "", py.hook_count)
  local ok, r = xpcall_(f, errh)
  sethook()
  return ok, r
end
function eng.is_function(f) return type_(f) == "function" end
return eng
"""

REDIS_FUNCTIONS = (
    b"call", b"pcall", b"error_reply", b"status_reply", b"sha1hex", b"log", b"setresp", b"set_repl",
    b"replicate_commands", b"breakpoint", b"debug", b"acl_check_cmd",
)


class LuaEngine:
    """One Lua state: the sandbox above plus the Python callbacks in ``py``."""

    def __init__(self, py: dict[bytes, Any], redis_fields: dict[bytes, Any], libs: dict[bytes, Any]) -> None:
        self.rt = rt = lupa.LuaRuntime(
            encoding=None, register_eval=False, register_builtins=False,
            unpack_returned_tuples=True, max_memory=MAX_MEMORY,
        )
        g = rt.globals()
        redis = rt.table()
        for k, v in redis_fields.items():
            redis[k] = v
        g[b"redis"] = redis
        for name, build in libs.items():
            g[name] = build(rt)
        from .libs.cjson import WHERE_LUA  # noqa: PLC0415

        self.where = rt.execute(WHERE_LUA)
        pyt = rt.table_from(py)
        pyt[b"hook_count"] = HOOK_INSTRUCTIONS
        loadstring = g[b"loadstring"]
        for name in REDIS_FUNCTIONS:
            redis[name] = py[name]
        boot = loadstring(BOOT.encode(), b"=vermilion")
        if isinstance(boot, tuple):
            raise RuntimeError(boot[1])
        self.eng = boot(pyt)
        e = self.eng
        self._compile = e[b"compile"]
        self.run = e[b"run"]
        self.run_fn = e[b"run_fn"]
        self.run_eval = e[b"run_eval"]
        self.gc = e[b"gc"]
        self.runs = 0
        self.set_global = e[b"set_global"]
        self.table_from = rt.table_from
        self.table = rt.table
        self.load_mode = e[b"load_mode"]
        self.run_load = e[b"run_load"]
        self.is_function = e[b"is_function"]
        self.shape = e[b"shape"]
        self.is_protected = e[b"is_protected"]
        self.lua_rawset = e[b"rawset"]
        self.lua_setmetatable = e[b"setmetatable"]
        self.unpack_checked = e[b"unpack_checked"]
        self.item = e[b"item"]

    def compile(self, body: bytes, chunkname: bytes = b"@user_script") -> tuple[Any, bytes | None]:
        """Compile ``body``: (function, None) or (None, Lua's error message)."""
        f, e = self._compile(body, chunkname)
        if f is None:
            return None, e if isinstance(e, bytes) else str(e).encode()
        return f, None

    def after_run(self, failed: bool) -> None:
        """Redis's LUA_GC_CYCLE_PERIOD: a GC step every 50 runs; a full collection
        after a failure (a memory bomb leaves its garbage behind).  The caller counts
        ``runs`` and calls this after a failure or every 50th run."""
        if failed and self.memory_used() > 64 << 20:
            self.gc(True)
        elif self.runs % 50 == 0:
            self.gc(False)

    def memory_used(self) -> int:
        try:
            return int(self.rt.get_memory_used() or 0)
        except Exception:  # noqa: BLE001
            return 0
