"""The I/O edge: asyncio listeners and the per-connection Protocol. Nothing else touches sockets."""
