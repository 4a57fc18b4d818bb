"""The consumer side of command propagation: what replicas and the AOF must replay.

Producers (already in place): after a command changed data (``server.dirty`` moved),
dispatch calls ``server.propagate(c, spec, argv)``; a handler whose effect must be
replayed in another form sets ``c.propagate_as`` to a list of argvs (EXPIRE k 10 ->
PEXPIREAT k <abs ms>; an EXPIRE into the past -> DEL; ``[]`` for nothing); lazily and
actively expired keys arrive as ``propagate(None, None, [b"DEL", key], db=db)``.

``PropagationLog`` is a pure collector that the server installs as ``server.propagate``
when someone listens (replication and AOF later, tests now).  It records
``(db index, argv)`` pairs in order, and ``stream()`` renders them as the command
stream a replica or the AOF receives: a ``SELECT`` whenever the database changes.
"""

from __future__ import annotations

from typing import Any


class PropagationLog:
    __slots__ = ("entries", "listeners")

    def __init__(self) -> None:
        self.entries: list[tuple[int, list[bytes]]] = []
        self.listeners: list[Any] = []

    def __call__(self, c: Any, spec: Any, argv: list[bytes], db: Any = None) -> None:
        if db is None:
            db = c.db
        forms = argv if c is None else c.propagate_as
        if c is not None:
            c.propagate_as = None
        forms = [argv] if forms is None or forms is argv else forms
        for form in forms:
            entry = (db.index, list(form))
            self.entries.append(entry)
            for fn in self.listeners:
                fn(*entry)

    def stream(self, start_db: int = -1) -> list[list[bytes]]:
        """The entries as a replica/AOF sees them, SELECT inserted on db changes."""
        out: list[list[bytes]] = []
        current = start_db
        for index, argv in self.entries:
            if index != current:
                out.append([b"SELECT", b"%d" % index])
                current = index
            out.append(argv)
        return out

    def clear(self) -> None:
        self.entries.clear()


def install(server: Any) -> PropagationLog:
    """Install a log as ``server.propagate`` (idempotent) and return it."""
    log = server.propagate
    if not isinstance(log, PropagationLog):
        log = PropagationLog()
        server.propagate = log
        # Handlers may set ``propagate_as`` while nobody listens (dispatch consumes it
        # only when someone does): drop such leftovers so they never reach the stream.
        for c in server.clients.values():
            c.propagate_as = None
    return log
