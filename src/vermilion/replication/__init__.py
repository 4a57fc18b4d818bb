"""Replication: the primary side (PSYNC, backlog, replica clients, WAIT) and the replica
side (the handshake state machine and the asyncio link).  See each module's docstring."""
