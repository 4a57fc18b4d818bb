"""Pure helpers shared across subsystems (no server state, no I/O)."""
