"""CONFIG REWRITE's algorithm: keep the user's lines and order, replace in place, append
after the signature only what differs from the default, blank orphaned duplicates."""

from __future__ import annotations

import os

from vermilion.config.conf_file import load_text
from vermilion.config.rewrite import SIGNATURE, rewrite_config, rewrite_content
from vermilion.config.schema import NAMES, Config


def loaded(text: str) -> Config:
    c = Config()
    load_text(c, text)
    return c


def body(text: str) -> list[str]:
    """The rewritten lines, without the always-written dir and user lines."""
    return [x for x in text.split("\n") if not x.startswith(("dir ", "user "))]


def test_unchanged_file_keeps_comments_and_order():
    text = "# top\nport 7000\n\n# limits\nmaxmemory 100mb\nhz 10\n"
    out = rewrite_content(loaded(text), text)
    assert body(out)[:6] == ["# top", "port 7000", "", "# limits", "maxmemory 100mb", "hz 10"]


def test_changed_values_replace_their_line_in_place():
    text = "# a\nmaxmemory 100mb\n# b\nhz 10\n"
    c = loaded(text)
    c["maxmemory"] = 2 * 1024 * 1024
    c["hz"] = 15
    lines = body(rewrite_content(c, text))
    assert lines[:4] == ["# a", "maxmemory 2mb", "# b", "hz 15"]


def test_new_non_default_values_are_appended_after_one_signature():
    text = "port 7000\n"
    c = loaded(text)
    c["timeout"] = 30
    c["notify-keyspace-events"] = NAMES["notify-keyspace-events"].parse(["KEA"], c)
    out = rewrite_content(c, text)
    lines = body(out)
    assert lines.count(SIGNATURE) == 1
    tail = lines[lines.index(SIGNATURE) + 1:]
    assert "timeout 30" in tail and 'notify-keyspace-events "AKE"' in tail
    assert "hz 10" not in out  # defaults are not added
    # rewriting the rewritten file again adds no second signature
    again = rewrite_content(loaded(out), out)
    assert again.count(SIGNATURE) == 1


def test_repeated_directives_collapse_and_save_lines_are_reused():
    text = "hz 10\nhz 12\nsave 100 1\nsave 200 2\nsave 300 3\n"
    c = loaded(text)
    c["save"] = [(100, 1), (200, 2)]
    lines = rewrite_content(c, text).split("\n")
    assert lines[:4] == ["hz 12", "", "save 100 1", "save 200 2"]
    assert "save 300 3" not in lines


def test_aliases_are_written_under_the_canonical_name():
    text = "slave-read-only no\nslaveof 10.0.0.1 6380\n"
    out = rewrite_content(loaded(text), text)
    assert out.startswith("replica-read-only no\nreplicaof 10.0.0.1 6380\n")


def test_unknown_lines_become_comments_and_file_only_directives_stay():
    text = "include /etc/x.conf\nrename-command get g\nfoo bar\nhz \"1\n"
    out = rewrite_content(Config(), text)
    assert out.startswith('include /etc/x.conf\nrename-command get g\n# ??? foo bar\n# ??? hz "1\n')


def test_empty_null_strings_and_defaults_present_in_the_file():
    text = 'pidfile "/tmp/x.pid"\nlogfile ""\nmaxmemory 0\n'
    c = loaded(text)
    c["pidfile"] = ""
    out = rewrite_content(c, text)
    assert "pidfile" not in out  # an empty EMPTY_STRING_IS_NULL string is removed
    assert 'logfile ""' in out and "maxmemory 0" in out  # defaults already there stay


def test_special_lines():
    c = Config()
    c["save"] = []
    c["client-output-buffer-limit"] = NAMES["client-output-buffer-limit"].parse(["pubsub", "1mb", "2mb", "3"], c)
    c["unixsocketperm"] = 0o700
    c["maxmemory-clients"] = -10
    c["bind"] = "127.0.0.1 ::1"
    out = rewrite_content(c, "")
    for line in ('save ""', "client-output-buffer-limit pubsub 1mb 2mb 3", "unixsocketperm 700",
                 "maxmemory-clients 10%", "bind 127.0.0.1 ::1", "latency-tracking-info-percentiles 50 99 99.9"):
        assert line in out.split("\n"), line
    assert "client-output-buffer-limit normal" not in out  # per-class force, as Redis


def test_default_user_line():
    c = Config()
    assert "user default on nopass sanitize-payload ~* &* +@all" in rewrite_content(c, "")
    c["requirepass"] = "foo"
    line = [x for x in rewrite_content(c, "").split("\n") if x.startswith("user ")][0]
    assert line == ("user default on #2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae "
                    "sanitize-payload ~* &* +@all")


def test_rewrite_config_replaces_the_file_atomically(tmp_path):
    path = tmp_path / "r.conf"
    path.write_text("# keep\nhz 10\n")
    c = loaded(path.read_text())
    c.file = str(path)
    c["hz"] = 20
    rewrite_config(c)
    assert path.read_text().startswith("# keep\nhz 20\n")
    assert oct(os.stat(path).st_mode & 0o777) == oct(0o644 & ~_umask())
    assert os.listdir(tmp_path) == ["r.conf"]


def _umask() -> int:
    m = os.umask(0)
    os.umask(m)
    return m
