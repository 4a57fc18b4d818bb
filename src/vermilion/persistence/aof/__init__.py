"""Append-only file persistence in Redis 7's multi-part layout (manifest, base, incr files)."""
