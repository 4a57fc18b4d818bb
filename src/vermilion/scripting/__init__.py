"""Lua scripting and functions: the Lua engine (lupa), the redis API, conversions,
Redis's bundled Lua libraries and the function libraries (see each module)."""
