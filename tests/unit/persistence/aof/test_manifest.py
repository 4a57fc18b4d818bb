"""The AOF manifest: Redis 7's line format, parsing errors, naming of new files."""

from __future__ import annotations

import pytest

from vermilion.persistence.aof import manifest as mf


REDIS_SAMPLE = (b"file appendonly.aof.3.base.rdb seq 3 type b\n"
                b"file appendonly.aof.2.incr.aof seq 2 type h\n"
                b"file appendonly.aof.4.incr.aof seq 4 type i\n"
                b"file appendonly.aof.5.incr.aof seq 5 type i\n")


def test_parse_and_render_round_trip():
    m = mf.parse(REDIS_SAMPLE)
    assert m.base == mf.AofFile("appendonly.aof.3.base.rdb", 3, "b")
    assert [f.seq for f in m.incrs] == [4, 5]
    assert [f.name for f in m.history] == ["appendonly.aof.2.incr.aof"]
    assert (m.curr_base_seq, m.curr_incr_seq) == (3, 5)
    assert m.render() == REDIS_SAMPLE
    assert [f.name for f in m.files()] == ["appendonly.aof.3.base.rdb", "appendonly.aof.4.incr.aof",
                                           "appendonly.aof.5.incr.aof"]


def test_keys_in_any_order_comments_and_blank_lines():
    m = mf.parse(b"# a comment\n\ntype i seq 1 file x.aof\r\n")
    assert m.incrs == [mf.AofFile("x.aof", 1, "i")]


def test_quoted_names():
    m = mf.parse(b'file "my file.aof" seq 1 type i\n')
    assert m.incrs[0].name == "my file.aof"
    assert m.render() == b'file "my file.aof" seq 1 type i\n'


@pytest.mark.parametrize("text, message", [
    (b"file a seq 1\n", "Invalid AOF manifest file format"),
    (b"file a seq x type i\n", "Invalid AOF manifest file format"),
    (b"file a seq 1 type b\nfile b seq 2 type b\n", "Found duplicate base file information"),
    (b"file a seq 2 type i\nfile b seq 1 type i\n", "Found a non-monotonic sequence number"),
    (b"file a seq 1 type z\n", "Unknown AOF file type"),
    (b'file "a seq 1 type i\n', "Invalid AOF manifest file format"),
])
def test_parse_errors(text, message):
    with pytest.raises(mf.ManifestError, match=message):
        mf.parse(text)


def test_new_files_and_history():
    m = mf.Manifest()
    assert m.new_base("appendonly.aof", True).name == "appendonly.aof.1.base.rdb"
    assert m.new_incr("appendonly.aof").name == "appendonly.aof.1.incr.aof"
    assert m.new_incr("appendonly.aof").name == "appendonly.aof.2.incr.aof"
    # a rewrite: new base (old one to history), incr files before the last to history
    assert m.new_base("appendonly.aof", False).name == "appendonly.aof.2.base.aof"
    m.incrs_to_history(keep_last=True)
    assert m.render() == (b"file appendonly.aof.2.base.aof seq 2 type b\n"
                          b"file appendonly.aof.1.base.rdb seq 1 type h\n"
                          b"file appendonly.aof.1.incr.aof seq 1 type h\n"
                          b"file appendonly.aof.2.incr.aof seq 2 type i\n")
    copy = m.copy()
    copy.new_incr("appendonly.aof")
    assert len(m.incrs) == 1 and len(copy.incrs) == 2


def test_read_and_write(tmp_path):
    d = str(tmp_path)
    assert mf.read(d, "appendonly.aof") is None
    m = mf.parse(REDIS_SAMPLE)
    mf.write(d, "appendonly.aof", m)
    assert (tmp_path / "appendonly.aof.manifest").read_bytes() == REDIS_SAMPLE
    assert not (tmp_path / "temp-appendonly.aof.manifest").exists()
    assert mf.read(d, "appendonly.aof").render() == REDIS_SAMPLE
    (tmp_path / "appendonly.aof.manifest").write_bytes(b"")
    with pytest.raises(mf.ManifestError, match="Found an empty AOF manifest"):
        mf.read(d, "appendonly.aof")
