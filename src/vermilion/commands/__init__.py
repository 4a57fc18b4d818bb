"""Command modules.  Each declares its commands with ``@command``; importing this package
imports them in this explicit order and freezes the table (derived views, dispatch dict).
"""

from __future__ import annotations

from importlib import import_module

from .registry import command, container, freeze, lookup  # noqa: F401
from .spec import ks  # noqa: F401

MODULES = (
    "connection",
    "client",
    "server_cmds",
    "config_cmds",
    "info",
    "introspection",
    "keyspace",
    "strings",
    "bitmaps",
    "lists",
    "hashes",
    "sets",
    "zsets",
    "zset_ranges",
    "zset_pops",
    "zset_algebra",
    "hyperloglog",
    "geo",
    "sort",
    "persistence",
    "aof",
    "streams",
    "acl",
    "pubsub",
    "transactions",
    "scripting",
    "functions",
    "replication",
    "cluster",
    "ops",
)

for _name in MODULES:
    import_module(f"{__name__}.{_name}")

from .. import sentinel as _sentinel  # noqa: E402

if _sentinel.ENABLED:  # Sentinel mode: the SENTINEL command (sentinel/commands.py)
    import_module("vermilion.sentinel.commands")

freeze()
