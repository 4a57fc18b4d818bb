"""The ACL security log (``ACL LOG``; Redis 7.2's ``addACLLogEntry``).

Newest entries first, at most ``acllog-max-len``.  A new event that matches one of the
10 newest entries (same reason, context, object and username, within 60 seconds of that
entry's last update) bumps its count, refreshes its client info and update time, and
moves it to the front instead of adding an entry.
"""

from __future__ import annotations

from typing import Any

GROUPING_MAX_DELTA_MS = 60000
REASONS = {1: b"command", 2: b"key", 3: b"auth", 4: b"channel"}


class Entry:
    __slots__ = ("count", "reason", "context", "object", "username", "ctime_ms", "created_ms",
                 "cinfo", "entry_id")

    def __init__(self, reason: int, context: bytes, obj: bytes, username: bytes, now_ms: int,
                 cinfo: bytes, entry_id: int) -> None:
        self.count = 1
        self.reason = reason
        self.context = context
        self.object = obj
        self.username = username
        self.ctime_ms = now_ms
        self.created_ms = now_ms
        self.cinfo = cinfo
        self.entry_id = entry_id

    def reply(self, now_ms: int) -> dict:
        from ...protocol.reply import Double  # noqa: PLC0415

        return {
            b"count": self.count,
            b"reason": REASONS.get(self.reason, b"unknown"),
            b"context": self.context,
            b"object": self.object,
            b"username": self.username,
            b"age-seconds": Double((now_ms - self.ctime_ms) / 1000),
            b"client-info": self.cinfo,
            b"entry-id": self.entry_id,
            b"timestamp-created": self.created_ms,
            b"timestamp-last-updated": self.ctime_ms,
        }


class AclLog:
    def __init__(self) -> None:
        self.entries: list[Entry] = []  # newest first
        self.next_id = 0

    def add(self, reason: int, context: bytes, obj: bytes, username: bytes, now_ms: int,
            cinfo: bytes, max_len: int) -> None:
        entries = self.entries
        for i, e in enumerate(entries[:10]):
            if (e.reason == reason and e.context == context and e.object == obj
                    and e.username == username and now_ms - e.ctime_ms <= GROUPING_MAX_DELTA_MS):
                e.count += 1
                e.cinfo = cinfo
                e.ctime_ms = now_ms
                if i:
                    del entries[i]
                    entries.insert(0, e)
                return
        entries.insert(0, Entry(reason, context, obj, username, now_ms, cinfo, self.next_id))
        self.next_id += 1
        del entries[max_len:]

    def reset(self) -> None:
        self.entries = []

    def reply(self, count: int, now_ms: int) -> list[Any]:
        return [e.reply(now_ms) for e in self.entries[:count]]
