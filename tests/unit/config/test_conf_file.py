"""redis.conf parsing and the redis-server command line."""

from __future__ import annotations

import io

import pytest

from vermilion.config.conf_file import (
    ConfigFileError, ConfigOpenError, build_config, command_line_to_text, load_text,
)
from vermilion.config.schema import Config


def load(text: str) -> Config:
    c = Config()
    load_text(c, text)
    return c


def fatal(text: str) -> ConfigFileError:
    with pytest.raises(ConfigFileError) as e:
        load(text)
    return e.value


def test_comments_blank_lines_quotes_and_case():
    c = load('# comment\n\n   PORT 7000\r\n\tlogfile ""\nrequirepass "a b\\x41"\nmasterauth \'x y\'\n')
    assert c["port"] == 7000
    assert c["requirepass"] == "a bA"
    assert c["masterauth"] == "x y"


def test_last_wins_except_save_which_accumulates():
    c = load("hz 5\nhz 7\nsave 100 1\nsave 200 2\n")
    assert c["hz"] == 7
    assert c["save"] == [(100, 1), (200, 2)]
    assert load('save ""\n')["save"] == []
    assert load("port 1\n")["save"] == [(3600, 1), (300, 100), (60, 10000)]


def test_multi_word_directive_given_as_one_quoted_word_is_split():
    c = load('save "100 1 200 2"\nbind "127.0.0.1 ::1"\n')
    assert c["save"] == [(100, 1), (200, 2)]
    assert c["bind"] == "127.0.0.1 ::1"


def test_accumulated_file_only_directives():
    c = load("user alice on >pw ~* +@all\nloadmodule /x.so a b\nrename-command flushall \"\"\nlist-max-ziplist-entries 5\n")
    assert c.users == [["alice", "on", ">pw", "~*", "+@all"]]
    assert c.load_modules == [["/x.so", "a", "b"]]
    assert c.rename_commands == [("flushall", "")]


@pytest.mark.parametrize("text,line_no,line,reason", [
    ("port 7000\nfoo bar\n", 2, "foo bar", "Bad directive or wrong number of arguments"),
    ("# c\n\nhz abc\n", 3, "hz abc", "argument couldn't be parsed into an integer"),
    ("hz 1 2\n", 1, "hz 1 2", "wrong number of arguments"),
    ('hz "1\n', 1, 'hz "1', "Unbalanced quotes in configuration line"),
    ("save 1\n", 1, "save 1", "Invalid save parameters"),
    ("rename-command nosuchcmd x\n", 1, "rename-command nosuchcmd x", "No such command in rename-command"),
    ("sentinel monitor x\n", 1, "sentinel monitor x", "sentinel directive while not in sentinel mode"),
    ("mod.opt\n", 1, "mod.opt", "Module config specified without value"),
    ("  loglevel nope  \n", 1, "loglevel nope", "argument(s) must be one of the following: debug, verbose, notice, warning, nothing"),
])
def test_fatal_errors(text, line_no, line, reason):
    e = fatal(text)
    assert (e.line_no, e.line, e.reason) == (line_no, line, reason)
    assert e.render("7.2.4") == (f"\n*** FATAL CONFIG FILE ERROR (Redis 7.2.4) ***\n"
                                 f"Reading the configuration file, at line {line_no}\n>>> '{line}'\n{reason}\n")


def test_sanity_check_without_a_line():
    e = fatal("cluster-enabled yes\nreplicaof h 1\n")
    assert e.line_no is None
    assert e.render("7.2.4").endswith("***\nreplicaof directive not allowed in cluster mode\n")


def test_hz_is_capped_after_loading():
    assert load("hz 0\n")["hz"] == 1
    assert load("hz 100000\n")["hz"] == 500


def test_include_plain_and_glob(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "conf.d").mkdir()
    (tmp_path / "conf.d" / "a.conf").write_text("hz 11\n")
    (tmp_path / "conf.d" / "b.conf").write_text("hz 12\ntimeout 5\n")
    (tmp_path / "base.conf").write_text("port 7001\n")
    c = load("include base.conf\ninclude conf.d/*.conf\ninclude empty.d/*.conf\nhz 13\n")
    assert (c["port"], c["hz"], c["timeout"]) == (7001, 13, 5)
    c = load("include conf.d/*.conf\n")
    assert c["hz"] == 12


def test_include_missing_file_is_fatal(tmp_path):
    with pytest.raises(ConfigOpenError) as e:
        load(f"include {tmp_path}/nope.conf\n")
    assert str(e.value) == f"Fatal error, can't open config file '{tmp_path}/nope.conf': No such file or directory"


def test_error_line_numbers_are_those_of_the_included_file(tmp_path):
    (tmp_path / "inc.conf").write_text("\n\nbogus 1\n")
    e = fatal(f"port 1\ninclude {tmp_path}/inc.conf\n")
    assert (e.line_no, e.line) == (3, "bogus 1")


@pytest.mark.parametrize("args,text", [
    (["--port", "7999", "--hz", "abc"], 'port "7999" \nhz "abc" '),
    (["--save", "--port", "1"], 'save ""\nport "1" '),
    (["--save"], 'save ""'),
    (["--save", ""], 'save "" '),
    (["--bind", "a", "b"], 'bind "a" "b" '),
    (["--port"], "port "),
    (["--port 7000"], "port 7000 "),
    (["--requirepass", 'a"b\\c\n'], 'requirepass "a\\"b\\\\c\\n" '),
    (["--port", "--hz"], 'port "--hz" '),
])
def test_command_line_to_text(args, text):
    assert command_line_to_text(args) == text


def test_build_config_file_then_command_line_then_stdin(tmp_path):
    f = tmp_path / "r.conf"
    f.write_text("port 7000\nhz 20\n")
    c = build_config([str(f), "--hz", "30", "--save", "", "-"], stdin=io.StringIO("timeout 9\nhz 25\n"))
    assert (c["port"], c["hz"], c["timeout"], c["save"]) == (7000, 30, 9, [])
    assert c.file == str(f)


def test_build_config_errors_count_lines_after_the_file():
    with pytest.raises(ConfigFileError) as e:
        build_config(["--port", "7999", "--foo"])
    assert (e.value.line_no, e.value.line) == (3, "foo")
    with pytest.raises(ConfigOpenError):
        build_config(["/nonexistent/redis.conf"])
