"""String commands (GET and SET for now: the keyspace issue completes the group)."""

from __future__ import annotations

from typing import Any

from ..protocol.reply import OK
from .registry import command
from .spec import ks


@command("get", arity=2, flags="readonly fast", acl="string", group="string",
         keys=[ks("RO ACCESS", 1)], since="1.0.0", complexity="O(1)",
         summary="Returns the string value of a key.")
def cmd_get(c: Any, argv: list[bytes]) -> Any:
    return c.db.get_string(argv[1])


@command("set", arity=-3, flags="write denyoom", acl="string", group="string",
         keys=[ks("RW ACCESS UPDATE VARIABLE_FLAGS", 1)], since="1.0.0", complexity="O(1)",
         summary="Sets the string value of a key, ignoring its type. The key is created if it doesn't exist.")
def cmd_set(c: Any, argv: list[bytes]) -> Any:
    c.db.set(argv[1], argv[2])
    return OK
