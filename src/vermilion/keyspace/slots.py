"""Cluster hash slots: CRC16 (XMODEM, as Redis's crc16.c) of the key or its hash tag,
mod 16384.

The hash tag is the text between the first ``{`` and the first ``}`` after it, when
that text is not empty (``{user1000}.following`` and ``{user1000}.followers`` share a
slot; ``{}x`` hashes the whole key).  ``binascii.crc_hqx(data, 0)`` is the same CRC as
Redis's table-driven ``crc16``.
"""

from __future__ import annotations

from binascii import crc_hqx

CLUSTER_SLOTS = 16384


def key_hash_slot(key: bytes) -> int:
    s = key.find(b"{")
    if s != -1:
        e = key.find(b"}", s + 1)
        if e > s + 1:
            key = key[s + 1:e]
    return crc_hqx(key, 0) & 16383
