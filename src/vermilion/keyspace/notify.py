"""Keyspace notifications (Redis's notify.c): ``notify-keyspace-events``.

``notify(server, type_bit, event, key, dbid)`` is called by write handlers after a
change, with the event's class bit (``NOTIFY_STRING``, ``NOTIFY_GENERIC``, ...).  It
costs one dict lookup and a bit test when notifications are off for that class.  When
on, it publishes (pubsub/channels.py) ``event`` on ``__keyspace@<db>__:<key>`` (class
``K``) and ``key`` on ``__keyevent@<db>__:<event>`` (class ``E``), in that order, as
Redis does.  ``expired`` comes from lazy and active expiry (``server.on_key_expired``).
"""

from __future__ import annotations

from typing import Any

from ..config.specials import (  # noqa: F401  (re-exported for the command modules)
    NOTIFY_EVICTED,
    NOTIFY_EXPIRED,
    NOTIFY_GENERIC,
    NOTIFY_HASH,
    NOTIFY_KEY_MISS,
    NOTIFY_KEYEVENT,
    NOTIFY_KEYSPACE,
    NOTIFY_LIST,
    NOTIFY_NEW,
    NOTIFY_SET,
    NOTIFY_STREAM,
    NOTIFY_STRING,
    NOTIFY_ZSET,
)

_KEY = "notify-keyspace-events"


def notify(server: Any, type_bit: int, event: bytes, key: bytes, dbid: int) -> None:
    flags = server.config.values[_KEY]
    if not flags & type_bit:
        return
    ps = server.extensions.get("pubsub")
    if ps is None:
        return
    if flags & NOTIFY_KEYSPACE:
        ps.publish(b"__keyspace@%d__:%b" % (dbid, key), event)
    if flags & NOTIFY_KEYEVENT:
        ps.publish(b"__keyevent@%d__:%b" % (dbid, event), key)


def enabled(server: Any, type_bit: int) -> bool:
    """True when events of this class are published (to skip building argument lists)."""
    return bool(server.config.values[_KEY] & type_bit)
