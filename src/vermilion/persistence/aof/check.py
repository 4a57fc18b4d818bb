"""vermilion-check-aof [--fix] FILE|MANIFEST: check an AOF the way redis-check-aof does.

Given a manifest, every file it lists is checked (an RDB base by the RDB decoder,
command files by the AOF parser); given one file, that file.  The report says how many
commands were read and, on error, the first bad offset.  ``--fix`` truncates a bad
tail of the last command file to its last complete command (only the last file may be
fixed: a bad file in the middle means lost data, as redis-check-aof says).
Exit status: 0 valid (or fixed), 1 invalid.
"""

from __future__ import annotations

import os
import sys

from . import manifest as mf
from .loader import RDB_MAGIC, AofFormatError, iter_commands


def check_commands(data: bytes, start: int = 0) -> tuple[int, int, AofFormatError | None]:
    """(commands read, offset after the last complete command or EXEC, error)."""
    count = 0
    valid = start
    in_multi = False
    multi_start = 0
    try:
        for argv, end in iter_commands(data, start):
            count += 1
            name = argv[0].lower()
            if name == b"multi":
                if in_multi:
                    return count, valid, AofFormatError("Unexpected MULTI", end, False)
                in_multi, multi_start = True, end
            elif name == b"exec":
                if not in_multi:
                    return count, valid, AofFormatError("Unexpected EXEC", end, False)
                in_multi = False
            if not in_multi:
                valid = end
    except AofFormatError as e:
        return count, valid, e
    if in_multi:
        return count, valid, AofFormatError("Reached EOF before reading EXEC for MULTI", multi_start, True)
    return count, valid, None


def check_rdb(data: bytes) -> tuple[str | None, int]:
    """(problem or None, where the RDB part ends)."""
    from ..rdb.decoder import Limits, RdbError, load  # noqa: PLC0415

    class _Cfg(dict):
        def get(self, key, default=None):  # noqa: ANN001, ANN201
            return default

    try:
        info = load(data, Limits(_Cfg()), lambda *a: True)
    except RdbError as e:
        return "RDB error at offset %d: %s" % (e.offset, e.reason), 0
    return None, info.end_offset


def check_file(path: str, fix: bool, last: bool, out) -> bool:  # noqa: ANN001
    name = os.path.basename(path)
    with open(path, "rb") as f:
        data = f.read()
    start = 0
    if data[:5] == RDB_MAGIC:
        out.write("Start to check BASE AOF (RDB format): %s\n" % name)
        problem, start = check_rdb(data)
        if problem:
            out.write("%s\nRDB preamble of AOF file is not sane, aborting.\n" % problem)
            return False
        out.write("RDB preamble is OK, proceeding with AOF tail...\n")
    else:
        out.write("Start to check AOF file: %s\n" % name)
    count, valid, e = check_commands(data, start)
    if e is None:
        out.write("AOF analyzed: filename=%s, size=%d, ok_up_to=%d, ok_up_to_line=%d, diff=0\n"
                  % (name, len(data), valid, count))
        out.write("AOF %s is valid\n" % name)
        return True
    out.write("0x%16x: Expected %s (%s)\n" % (e.offset, "more data" if e.truncated else "valid RESP", e.reason))
    out.write("AOF analyzed: filename=%s, size=%d, ok_up_to=%d, commands=%d, diff=%d\n"
              % (name, len(data), valid, count, len(data) - valid))
    if not fix:
        out.write("AOF %s is not valid. Use the --fix option to try fixing it.\n" % name)
        return False
    if not last:
        out.write("Only the last AOF file can be fixed: %s is in the middle.\n" % name)
        return False
    os.truncate(path, valid)
    out.write("Successfully truncated AOF %s\n" % name)
    return True


def run(argv: list[str], out=sys.stdout) -> int:  # noqa: ANN001
    args = [a for a in argv if a != "--fix"]
    fix = len(args) != len(argv)
    if len(args) != 1:
        out.write("Usage: vermilion-check-aof [--fix] <file.manifest|file.aof>\n")
        return 1
    target = args[0]
    if not os.path.exists(target):
        out.write("Cannot open file %s\n" % target)
        return 1
    if target.endswith(".manifest"):
        dirname = os.path.dirname(target) or "."
        try:
            with open(target, "rb") as f:
                m = mf.parse(f.read())
        except mf.ManifestError as e:
            out.write("Invalid AOF manifest: %s\n" % e)
            return 1
        files = m.files()
        out.write("Start checking Multi Part AOF\n")
        for i, f in enumerate(files):
            if not check_file(os.path.join(dirname, f.name), fix, i == len(files) - 1, out):
                return 1
        out.write("All AOF files and manifest are valid\n")
        return 0
    return 0 if check_file(target, fix, True, out) else 1


def main() -> int:
    return run(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
