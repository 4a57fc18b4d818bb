"""vermilion-check-rdb: the report on a real Redis 7.0 file, and the first error's offset."""

from __future__ import annotations

import io
import os

from vermilion.persistence.rdb import check

REAL = os.path.join(os.path.dirname(__file__), "data", "redis70_all_types.rdb")


def run(*args):
    out = io.StringIO()
    return check.run(list(args), out), out.getvalue()


def test_real_file_report():
    code, text = run(REAL)
    assert code == 0
    assert "RDB version 10" in text and "AUX FIELD redis-ver = '7.0.15'" in text
    assert "[info] db 0: 18 keys" in text and "[info] stream: 2 keys" in text
    assert "19 keys read, 2 with an expire, 1 functions libraries" in text
    assert text.endswith("RDB looks OK! \\o/\n")


def test_truncated_and_corrupt_files(tmp_path):
    with open(REAL, "rb") as f:
        data = f.read()
    p = tmp_path / "t.rdb"
    p.write_bytes(data[:3000])
    code, text = run(str(p))
    assert code == 1 and "--- RDB ERROR DETECTED ---" in text and "unexpected end of data" in text
    p.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    code, text = run(str(p))
    assert code == 1 and "[offset %d] wrong RDB checksum" % (len(data) - 8) in text


def test_usage_and_missing_file(tmp_path):
    assert run()[0] == 1
    code, text = run(str(tmp_path / "nope.rdb"))
    assert code == 1 and "Cannot open RDB file" in text
