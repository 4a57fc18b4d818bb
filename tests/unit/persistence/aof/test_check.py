"""vermilion-check-aof: reports, exit codes and --fix."""

from __future__ import annotations

import io

from vermilion.persistence.aof import check
from vermilion.persistence.aof.writer import encode_command

GOOD = encode_command([b"SET", b"a", b"1"]) + encode_command([b"INCR", b"n"])


def run(*args):
    out = io.StringIO()
    code = check.run(list(args), out)
    return code, out.getvalue()


def test_valid_file(tmp_path):
    p = tmp_path / "x.aof"
    p.write_bytes(GOOD)
    code, text = run(str(p))
    assert code == 0 and "ok_up_to=%d, ok_up_to_line=2" % len(GOOD) in text and "is valid" in text


def test_truncated_tail_reported_then_fixed(tmp_path):
    p = tmp_path / "x.aof"
    p.write_bytes(GOOD + b"*2\r\n$3\r\nGET")
    code, text = run(str(p))
    assert code == 1 and "ok_up_to=%d" % len(GOOD) in text and "--fix" in text
    code, text = run("--fix", str(p))
    assert code == 0 and "Successfully truncated" in text
    assert p.read_bytes() == GOOD


def test_unterminated_multi(tmp_path):
    p = tmp_path / "x.aof"
    p.write_bytes(GOOD + encode_command([b"MULTI"]) + encode_command([b"SET", b"b", b"2"]))
    code, text = run(str(p))
    assert code == 1 and "Reached EOF before reading EXEC for MULTI" in text
    assert run("--fix", str(p))[0] == 0
    assert p.read_bytes() == GOOD


def test_manifest_only_last_file_can_be_fixed(tmp_path):
    (tmp_path / "a.1.incr.aof").write_bytes(GOOD + b"*1\r\n")
    (tmp_path / "a.2.incr.aof").write_bytes(GOOD)
    (tmp_path / "a.manifest").write_bytes(b"file a.1.incr.aof seq 1 type i\nfile a.2.incr.aof seq 2 type i\n")
    code, text = run("--fix", str(tmp_path / "a.manifest"))
    assert code == 1 and "Only the last AOF file can be fixed" in text
    (tmp_path / "a.1.incr.aof").write_bytes(GOOD)
    code, text = run(str(tmp_path / "a.manifest"))
    assert code == 0 and "All AOF files and manifest are valid" in text


def test_usage_and_missing_file(tmp_path):
    assert run()[0] == 1
    code, text = run(str(tmp_path / "nope.aof"))
    assert code == 1 and "Cannot open file" in text


def test_rdb_preamble_then_tail(tmp_path):
    from vermilion.persistence.rdb.encoder import write_rdb

    class _Db:
        index = 0
        data = {b"k": b"v"}
        expires: dict = {}

    parts: list[bytes] = []
    write_rdb(parts.append, [_Db()], [(b"aof-base", b"0")])
    rdb = b"".join(bytes(p) for p in parts)
    p = tmp_path / "appendonly.aof"
    p.write_bytes(rdb + GOOD)
    code, text = run(str(p))
    assert code == 0 and "RDB preamble is OK" in text and "ok_up_to=%d, ok_up_to_line=2" % len(rdb + GOOD) in text
    p.write_bytes(rdb + GOOD + b"*1\r\n$4\r\nPI")
    assert run("--fix", str(p))[0] == 0
    assert p.read_bytes() == rdb + GOOD
    p.write_bytes(rdb[:-3] + b"xyz")
    code, text = run(str(p))
    assert code == 1 and "RDB preamble of AOF file is not sane" in text
