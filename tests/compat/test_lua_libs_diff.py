"""Differential tests of the Lua libraries Redis bundles: cjson, bit, struct, cmsgpack
(results and error texts, with the ``user_script:1:`` positions ``luaL_error`` adds)."""

from __future__ import annotations

import pytest

CASES = [
    ('eval', 'return cjson.encode({1,2,3})', 0),
    ('eval', 'return cjson.encode({})', 0),
    ('eval', 'return cjson.encode({a=1})', 0),
    ('eval', "return cjson.encode({a={b={c='x'}}, n=1.5, t=true, f=false})", 0),
    ('eval', 'return cjson.encode(\'a"b\\\\c/d\\n\\t\\1\\127\')', 0),
    ('eval', 'return cjson.encode({1,nil,3})', 0),
    ('eval', 'return cjson.encode({[1]=1,[20]=2})', 0),
    ('eval', 'return cjson.encode(1/0)', 0),
    ('eval', 'return cjson.encode(function() end)', 0),
    ('eval', 'return cjson.encode({[true]=1})', 0),
    ('eval', 'return cjson.encode(1e15)', 0),
    ('eval', 'return cjson.encode(0.1)', 0),
    ('eval', 'return cjson.encode(-3)', 0),
    ('eval', 'return cjson.encode(cjson.null)', 0),
    ('eval', 'return cjson.encode({[1.5]=1})', 0),
    ('eval', 'return cjson.encode({x=cjson.null})', 0),
    ('eval', 'local t = {} local c = t for i=1,1100 do c[1] = {} c = c[1] end return cjson.encode(t)', 0),
    ('eval', "return cjson.decode('[1,2,3]')[2]", 0),
    ('eval', 'local t = cjson.decode(\'{"a":{"b":[1,2,{"c":"d"}]}}\') return t.a.b[3].c', 0),
    ('eval', 'return cjson.decode(\'"\\\\u00e9\\\\ud83d\\\\ude00"\')', 0),
    ('eval', "return tostring(cjson.decode('null') == cjson.null)", 0),
    ('eval', "return cjson.decode('[1,2')", 0),
    ('eval', "return cjson.decode('')", 0),
    ('eval', "return cjson.decode('{1:2}')", 0),
    ('eval', 'return cjson.decode(\'{"a" 2}\')', 0),
    ('eval', "return cjson.decode('[1 2]')", 0),
    ('eval', "return cjson.decode('tru')", 0),
    ('eval', 'return cjson.decode(\'"abc\')', 0),
    ('eval', 'return cjson.decode(\'"\\\\x"\')', 0),
    ('eval', "return cjson.decode('[1] x')", 0),
    ('eval', "return cjson.decode('1.5e3')", 0),
    ('eval', "return tostring(cjson.decode('-0.25'))", 0),
    ('eval', 'return cjson.encode(cjson.decode(\'{"b":1,"a":2,"c":[true,false,null]}\'))', 0),
    ('eval', "return cjson.decode(string.rep('[', 1100))", 0),
    ('eval', "return cjson.decode('[01]')", 0),
    ('eval', "return cjson.decode('0x10')", 0),
    ('eval', "return tostring(cjson.decode('nan'))", 0),
    ('eval', 'return cjson.decode()', 0),
    ('eval', 'return cjson.encode()', 0),
    ('eval', 'return {bit.band(0xff, 0x0f), bit.bor(1,2,4), bit.bxor(5,3), bit.bnot(0), bit.lshift(1, 31), bit.rshift(-1, 28), bit.arshift(-256, 4)}', 0),
    ('eval', 'return {bit.tohex(255), bit.tohex(255, 2), bit.tohex(-1, -4), bit.tobit(2^32+5), bit.rol(0x12345678, 8), bit.ror(0x12345678, 8), bit.bswap(0x12345678)}', 0),
    ('eval', "return bit.band('x')", 0),
    ('eval', 'return bit.band()', 0),
    ('eval', 'return bit.tobit(1.5) + bit.tobit(2.5) * 10', 0),
    ('eval', "return bit.band('0x10', 16)", 0),
    ('eval', "return struct.pack('>I2', 258)", 0),
    ('eval', "return struct.pack('<i4 h b B', -2, -3, 127, 255)", 0),
    ('eval', "return struct.pack('!4 b i4', 1, 2)", 0),
    ('eval', "return {struct.unpack('>I2', '\\1\\2')}", 0),
    ('eval', "return {struct.unpack('<i4 h', struct.pack('<i4 h', -2, -3))}", 0),
    ('eval', "return {struct.unpack('c3 s', 'abcdef\\0')}", 0),
    ('eval', "return struct.size('>I2 i4 d')", 0),
    ('eval', "return struct.size('!8 b d')", 0),
    ('eval', "return struct.size('s')", 0),
    ('eval', "return struct.pack('z', 1)", 0),
    ('eval', "return struct.unpack('>I4', 'ab')", 0),
    ('eval', "return struct.pack('>i', 'x')", 0),
    ('eval', "return {struct.unpack('d', struct.pack('d', 1.5))}", 0),
    ('eval', "return struct.pack('c0', 'hello')", 0),
    ('eval', "return {struct.unpack('B c0', '\\3abcd')}", 0),
    ('eval', "return {struct.unpack('>I2', 'xx\\1\\2', 3)}", 0),
    ('eval', "return cmsgpack.pack(1, -1, 200, -200, 70000, -70000, 5000000000, 1.5, 0.1, 'abc', true, false)", 0),
    ('eval', 'return cmsgpack.pack({1,2,3})', 0),
    ('eval', 'return cmsgpack.pack({})', 0),
    ('eval', 'return cmsgpack.pack({a=1})', 0),
    ('eval', "return cmsgpack.pack(string.rep('x', 40))", 0),
    ('eval', 'return cmsgpack.pack({1,nil,3})', 0),
    ('eval', 'return cmsgpack.pack()', 0),
    ('eval', "local a, b, c = cmsgpack.unpack(cmsgpack.pack(1, 'x', {1,2})) return {a, b, c}", 0),
    ('eval', "local t = cmsgpack.unpack(cmsgpack.pack({a={b='c'}})) return t.a.b", 0),
    ('eval', "return cmsgpack.unpack('\\205')", 0),
    ('eval', "return cmsgpack.unpack('\\193')", 0),
    ('eval', 'return {cmsgpack.unpack_one(cmsgpack.pack(1, 2))}', 0),
    ('eval', 'return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 2)}', 0),
    ('eval', 'return {cmsgpack.unpack_one(cmsgpack.pack(1, 2), 1)}', 0),
    ('eval', 'local t = {} local c = t for i=1,20 do c[1] = {} c = c[1] end return cmsgpack.pack(t)', 0),
    ('eval', 'return tostring(cmsgpack.unpack(cmsgpack.pack(1.5)))', 0),
    ('eval', 'return cmsgpack.pack(1/0, -1/0)', 0),
    ("eval", "return cjson.encode({['a b']=1, [2]=3})", 0),
    ("eval", "return cjson.encode({1, 2, {a={}}})", 0),
    ("eval", "return cjson.encode({true, false, 'x', 1.25, -7})", 0),
    ("eval", "return cjson.encode(string.char(0, 1, 31, 127, 128, 255))", 0),
    ("eval", "return cjson.encode({[1]=1, [2]=2, [4]=4})", 0),
    ("eval", "return cjson.encode({[1]=1, [11]=2})", 0),
    ("eval", "return cjson.encode({[0]=1})", 0),
    ("eval", "return cjson.encode({[-1]=1})", 0),
    ("eval", "return cjson.encode(123456789012345678)", 0),
    ("eval", "return cjson.decode('{\"a\":[1,2,3],\"b\":{\"c\":null}}').a[3]", 0),
    ("eval", "return cjson.decode('  [ 1 , 2 ]  ')[2]", 0),
    ("eval", "return cjson.decode('\"\\\\t\\\\n\\\\/\"')", 0),
    ("eval", "return cjson.decode('[true,false]')[2] == false", 0),
    ("eval", "return cjson.decode('{}') ~= nil", 0),
    ("eval", "return cjson.decode(5)", 0),
    ("eval", "return cjson.decode('1e400')", 0),
    ("eval", "return cjson.decode('[1,]')", 0),
    ("eval", "return cjson.decode('{\"a\":1,}')", 0),
    ("eval", "return cjson.decode('\"\\\\ud800\"')", 0),
    ("eval", "return cjson.decode('-')", 0),
    ("eval", "return cjson.decode('+1')", 0),
    ("eval", "return bit.tohex(0x1234, -3)", 0),
    ("eval", "return bit.tohex(-1, 0)", 0),
    ("eval", "return {bit.lshift(1, 32), bit.lshift(1, 33), bit.rshift(1, -1)}", 0),
    ("eval", "return {bit.tobit(-0.5), bit.tobit(0.5), bit.tobit(-1.5), bit.tobit(2^31)}", 0),
    ("eval", "return bit.bor()", 0),
    ("eval", "return {bit.bxor(1, 2, 4, 8), bit.band(-1, 255, 15)}", 0),
    ("eval", "return struct.pack('>i8', -2)", 0),
    ("eval", "return {struct.unpack('>i8', struct.pack('>i8', -2))}", 0),
    ("eval", "return struct.pack('<H', 65535)", 0),
    ("eval", "return {struct.unpack('<H', '\\255\\255')}", 0),
    ("eval", "return struct.pack('>f', 1.5)", 0),
    ("eval", "return {struct.unpack('>f', struct.pack('>f', 1.5))}", 0),
    ("eval", "return struct.pack('s', 'hi')", 0),
    ("eval", "return struct.pack('i3', 70000)", 0),
    ("eval", "return struct.pack('i33', 1)", 0),
    ("eval", "return struct.pack('!3 i', 1)", 0),
    ("eval", "return struct.pack('c5', 'abc')", 0),
    ("eval", "return {struct.unpack('s', 'abc')}", 0),
    ("eval", "return struct.pack('>l', 2^40)", 0),
    ("eval", "return struct.pack('B', 'x')", 0),
    ("eval", "return struct.pack()", 0),
    ("eval", "return cmsgpack.pack(2^40, -2^40, 2^63)", 0),
    ("eval", "return cmsgpack.pack({1, {2, {3}}, {a={b=1}}})", 0),
    ("eval", "local t = {} for i = 1, 20 do t[i] = i end return cmsgpack.pack(t)", 0),
    ("eval", "local t = {} for i = 1, 20 do t['k' .. i] = i end return #cmsgpack.pack(t)", 0),
    ("eval", "return cmsgpack.pack(string.rep('y', 300))", 0),
    ("eval", "return #cmsgpack.pack(string.rep('y', 70000))", 0),
    ("eval", "return cmsgpack.pack(function() end, nil)", 0),
    ("eval", "local a = {cmsgpack.unpack(cmsgpack.pack(1, -1, 300, -300, 2^40, 1.5, 'str', true, false))} return {a[1], a[2], a[3], a[4], tostring(a[5]), tostring(a[6]), a[7], a[8], a[9]}", 0),
    ("eval", "return cmsgpack.unpack('\\146\\1')", 0),
    ("eval", "return cmsgpack.unpack('\\217\\5ab')", 0),
    ("eval", "return {cmsgpack.unpack('\\192\\1')}", 0),
    ("eval", "return cmsgpack.unpack()", 0),
]


@pytest.mark.parametrize("cmd", CASES, ids=[repr(c)[:70] for c in CASES])
def test_lua_library(both, cmd):
    both.check(*cmd)


# Known Lua escapes and crashes reported against Redis: each must end in Redis's error
# (or result), never in a crash or a change other scripts can see.
CVE_CASES = [
    # CVE-2025-46818: the strings' shared metatable is read-only
    "getmetatable('').__index.upper = function() return 'pwned' end return 1",
    "getmetatable('').__index = {}",
    "getmetatable('').__newindex = function() end",
    "return ('abc'):upper()",
    "return getmetatable('').__index == string",
    # CVE-2025-46817: unpack's range overflow
    "return {pcall(unpack, {}, -2, 2147483647)}",
    "return {pcall(unpack, {}, 1, 1e8)}",
    "return {pcall(unpack, {1, 2}, 1, 1e10)}",
    "return {unpack({1, 2, 3}, -1e10, 2)}",
    "local t = {} return #{unpack(t, 1, 7999)}",
    "local t = {} for i = 1, 7990 do t[i] = i end return #{unpack(t)}",
    # unpack's arguments, results and errors (the script's position on errors)
    "return unpack(nil)",
    "return unpack()",
    "return unpack({}, 'x')",
    "return unpack({}, true)",
    "local x = unpack(nil) return x",
    "return unpack({1, 2, 3}, '2')",
    "return {unpack({1, 2, 3}, 2.9, 3.1)}",
    "return {unpack({1, 2, 3}, nil, 2)}",
    "return {unpack({1, 2, 3}, 3, 1)}",
    "return {unpack({'a', 'b'}, '0x1')}",
    "return select('#', unpack({}))",
    "return select('#', unpack({1, nil, 3}, 1, 3))",
    "local t = {} return unpack({t, t}) == t",
    "return redis.call('mset', unpack({'cve_a', '1', 'cve_b', '2'}))",
    # CVE-2024-31449-style bit.tohex widths, CVE-2020-14147-style struct sizes
    "return {pcall(struct.pack, '>i2147483648', 1)}",
    "return {pcall(struct.pack, 'i17', 1)}",
    "return {pcall(struct.pack, '>i2147483647', 1)}",
    "return {pcall(struct.pack, '>c2147483648', 'a')}",
    "return {pcall(struct.pack, '>i99999999999', 1)}",
    # cmsgpack and cjson on hostile input
    "return {pcall(cmsgpack.unpack, string.rep('\\220\\255\\255', 100))}",
    "return {pcall(cjson.decode, string.rep('{\"a\":', 2000))}",
    "return {pcall(loadstring, string.dump(function() end))}",
]


@pytest.mark.parametrize("script", CVE_CASES)
def test_known_escapes_and_crashes(both, script):
    both.check("eval", script, 0)
    both.check("ping")


def test_sandbox_functions_after_flush_and_function_load(both):
    """rawset, setmetatable and unpack act on the state that runs the script, after
    SCRIPT FLUSH made a new one and FUNCTION LOAD built the functions' state."""
    both.check("function", "load", "replace", "#!lua name=sbx\n"
               "redis.register_function('sbx', function(k, a) return {unpack(a)} end)")
    both.check("script", "flush")
    for script in ("return {unpack({1, 2})}", "return rawset({}, 'a', 1).a",
                   "return getmetatable(setmetatable({}, {__index = {b = 2}})).__index.b",
                   "return rawset(string, 'x', 1)", "return setmetatable(_G, {})"):
        both.check("eval", script, 0)
    both.check("fcall", "sbx", 0, "x", "y")
    both.check("function", "delete", "sbx")
