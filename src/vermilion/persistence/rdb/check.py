"""vermilion-check-rdb FILE: check an RDB file the way redis-check-rdb does.

The whole file goes through the loader (persistence/rdb/decoder.py) with a sink that
only counts: the report gives the RDB version, the aux fields (who wrote it, when), the
number of keys per database and per type, keys with an expire, functions, and either
"RDB looks OK!" or the first error with its byte offset.  Exit status: 0 valid, 1 not.

    python -m vermilion.persistence.rdb.check dump.rdb
"""

from __future__ import annotations

import sys
from collections import Counter
from typing import Any, TextIO

from ...keyspace.types import type_name
from .decoder import Limits, RdbError, load


class _Defaults(dict):
    """A config that answers every directive with its default (the loader's limits)."""

    def get(self, key: Any, default: Any = None) -> Any:
        return default


def run(argv: list[str], out: TextIO) -> int:
    if len(argv) != 1:
        out.write("Usage: vermilion-check-rdb <rdb-file-name>\n")
        return 1
    path = argv[0]
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        out.write("[offset 0] Cannot open RDB file %s: %s\n" % (path, e.strerror))
        return 1
    import vermilion.commands  # noqa: F401, PLC0415  (registers the value types' names)

    out.write("[offset 0] Checking RDB file %s\n" % path)
    per_db: Counter = Counter()
    per_type: Counter = Counter()
    expires = 0

    def sink(db: int, key: bytes, value: Any, expire_at_ms: int | None, idle: int, freq: int) -> bool:
        nonlocal expires
        per_db[db] += 1
        per_type[type_name(value).decode()] += 1
        if expire_at_ms is not None:
            expires += 1
        return True

    try:
        info = load(data, Limits(_Defaults()), sink)
    except RdbError as e:
        out.write("--- RDB ERROR DETECTED ---\n")
        out.write("[offset %d] %s\n" % (e.offset, e.reason))
        out.write("[additional info] keys read before the error: %d\n" % sum(per_db.values()))
        return 1
    out.write("[offset 0] RDB version %d\n" % info.version)
    for k, v in info.aux.items():
        out.write("[offset 0] AUX FIELD %s = '%s'\n" % (k.decode("latin-1"), v.decode("latin-1")))
    for db in sorted(per_db):
        out.write("[info] db %d: %d keys\n" % (db, per_db[db]))
    for t in sorted(per_type):
        out.write("[info] %s: %d keys\n" % (t, per_type[t]))
    out.write("[info] %d keys read, %d with an expire, %d functions libraries, %d empty keys skipped\n"
              % (sum(per_db.values()), expires, len(info.functions), info.empty_keys_skipped))
    out.write("[offset %d] Checksum OK\n" % info.end_offset if info.version >= 5 else "")
    out.write("[offset %d] \\o/ RDB looks OK! \\o/\n" % info.end_offset)
    return 0


def main() -> int:
    return run(sys.argv[1:], sys.stdout)


if __name__ == "__main__":
    sys.exit(main())
