"""Directive parsing and rendering: Redis's numeric, memory, percent, octal, enum and
special syntaxes, with their exact error texts."""

from __future__ import annotations

import pytest

from vermilion.config import specials as sp
from vermilion.config.schema import (
    DIRECTIVES, NAMES, Config, ConfigValueError, c_strtoll, canonical, format_memory, memtoull, repr_arg,
    string2ll,
)


def parse(name: str, *words: str, config: Config | None = None):
    return NAMES[name].parse(list(words), config or Config())


def err(name: str, *words: str) -> str:
    with pytest.raises(ConfigValueError) as e:
        parse(name, *words)
    return str(e.value)


def test_every_directive_has_a_renderable_default():
    c = Config()
    for name, d in DIRECTIVES.items():
        assert isinstance(d.render(c[name]), str), name


def test_aliases_share_the_value():
    assert canonical("slaveof") == "replicaof"
    assert canonical("SLAVE-READ-ONLY") == "replica-read-only"
    assert canonical("lua-time-limit") == "busy-reply-threshold"
    assert canonical("nosuch") is None


@pytest.mark.parametrize("raw,value", [("0", 0), ("-1", -1), ("123", 123), ("9223372036854775807", 2**63 - 1)])
def test_string2ll_accepts(raw, value):
    assert string2ll(raw) == value


@pytest.mark.parametrize("raw", ["", "01", "+1", " 1", "1 ", "-0", "-", "1.0", "9223372036854775808", "١"])
def test_string2ll_refuses(raw):
    assert string2ll(raw) is None


def test_c_strtoll_is_lax_like_c():
    assert c_strtoll("  +5") == (5, "")
    assert c_strtoll("12ab") == (12, "ab")
    assert c_strtoll("") == (0, "")
    assert c_strtoll("x") == (0, "x")
    assert c_strtoll("777", 8) == (0o777, "")
    assert c_strtoll("8", 8) == (0, "8")


@pytest.mark.parametrize("raw,value", [
    ("", 0), ("kb", 0), ("1", 1), ("1b", 1), ("1k", 1000), ("1KB", 1024), ("2m", 2_000_000), ("2mb", 2 * 1024**2),
    ("1g", 10**9), ("1Gb", 1024**3), ("18446744073709551615", 2**64 - 1),
])
def test_memtoull(raw, value):
    assert memtoull(raw) == value


@pytest.mark.parametrize("raw", ["-1", "1.5mb", "1tb", " 1", "mb1", "1 mb"])
def test_memtoull_refuses(raw):
    assert memtoull(raw) is None


def test_format_memory_uses_the_largest_exact_unit():
    assert [format_memory(n) for n in (0, 1, 1024, 1536, 1024**2, 3 * 1024**3, 1000)] == [
        "0", "1", "1kb", "1536", "1mb", "3gb", "1000"]


def test_repr_arg_is_sdscatrepr():
    assert repr_arg("") == '""'
    assert repr_arg('a "b"\\') == '"a \\"b\\"\\\\"'
    assert repr_arg("\n\r\t\x07\x08\x01") == '"\\n\\r\\t\\a\\b\\x01"'


def test_numeric_bounds_and_texts():
    assert parse("hz", "100") == 100
    assert err("hz", "abc") == "argument couldn't be parsed into an integer"
    assert err("maxclients", "0") == "argument must be between 1 and 4294967295 inclusive"
    assert err("maxclients", "-1") == "argument must be between 1 and 4294967295 inclusive"
    assert err("active-defrag-cycle-min", "100") == "argument must be between 1 and 99 inclusive"
    assert err("maxmemory", "x") == "argument must be a memory value"
    assert err("proto-max-bulk-len", "1000") == "argument must be between 1048576 and 9223372036854775807 inclusive"
    assert parse("maxmemory", "18446744073709551615") == 2**64 - 1
    # a memory value above LLONG_MAX wraps negative for signed types, as in C
    assert err("repl-backlog-size", "18446744073709551615").startswith("argument must be between 1 and")


def test_percent_values_are_stored_negative():
    d = NAMES["maxmemory-clients"]
    assert parse("maxmemory-clients", "10%") == -10
    assert d.render(-10) == "10%"
    assert parse("maxmemory-clients", "5mb") == 5 * 1024**2
    assert err("maxmemory-clients", "101%") == "percentage argument must be less or equal to 100"
    assert err("maxmemory-clients", "x") == "argument must be a memory or percent value"


def test_octal():
    d = NAMES["unixsocketperm"]
    assert parse("unixsocketperm", "700") == 0o700
    assert d.render(0o755) == "755"
    assert err("unixsocketperm", "1000") == "argument must be between 0 and 777 inclusive"
    assert err("unixsocketperm", "9") == "argument couldn't be parsed as an octal number"


def test_bool_and_enum():
    assert parse("appendonly", "YES") is True
    assert err("appendonly", "1") == "argument must be 'yes' or 'no'"
    assert parse("loglevel", "WARNING") == "warning"
    assert parse("loglevel", "nothing") == "nothing"
    assert err("loglevel", "x") == ("argument(s) must be one of the following: "
                                    "debug, verbose, notice, warning, nothing")
    assert parse("oom-score-adj", "relative") == "yes"  # same value, first name wins


def test_flags_enum():
    assert parse("shutdown-on-sigint", "now", "nosave") == "nosave now"
    assert parse("shutdown-on-sigint", "default") == "default"
    assert err("shutdown-on-sigint", "save", "nosave") == "shutdown options SAVE and NOSAVE can't be used simultaneously"
    assert err("shutdown-on-sigint", "x").startswith("argument(s) must be one of the following: default, save")


def test_string_validators():
    assert err("dbfilename", "a/b") == "dbfilename can't be a path, just a filename"
    assert err("appendfilename", "") == "appendfilename can't be empty"
    assert err("appenddirname", "a/b") == "appenddirname can't be a path, just a dirname"
    assert err("proc-title-template", "{nope}") == "template format is invalid or contains unknown variables"
    assert parse("proc-title-template", "{title} {port}") == "{title} {port}"


def test_save():
    c = Config()
    assert parse("save", "100", "1", "200", "2") == [(100, 1), (200, 2)]
    assert parse("save", "") == []
    assert sp.render_save([(3600, 1), (300, 100)]) == "3600 1 300 100"
    for bad in (["1"], ["0", "1"], ["1", "-1"], ["x", "1"]):
        with pytest.raises(ConfigValueError, match="Invalid save parameters"):
            NAMES["save"].parse(bad, c)


def test_save_lines_accumulate_while_a_file_loads():
    c = Config()
    c.loading_file = True
    c["save"] = NAMES["save"].parse(["10", "1"], c)
    c["save"] = NAMES["save"].parse(["20", "2"], c)
    assert c["save"] == [(10, 1), (20, 2)]


def test_client_output_buffer_limit():
    c = Config()
    v = NAMES["client-output-buffer-limit"].parse(["replica", "1mb", "2k", "3"], c)
    assert v["slave"] == (1024**2, 2000, 3) and v["normal"] == (0, 0, 0)
    assert sp.render_cobl(v).startswith("normal 0 0 0 slave 1048576 2000 3 pubsub")
    assert err("client-output-buffer-limit", "master", "1", "2", "3").startswith("Invalid client class")
    assert err("client-output-buffer-limit", "normal", "1").startswith("Wrong number of arguments")
    assert err("client-output-buffer-limit", "normal", "1", "2", "-3").startswith("Error in hard, soft")


def test_notify_keyspace_events_round_trip():
    for raw, shown in (("KEA", "AKE"), ("Kx", "xK"), ("g$lshzxetd", "A"), ("Em", "Em"), ("", ""), ("An", "A")):
        assert sp.keyspace_flags_to_string(sp.keyspace_events_to_flags(raw)) == shown
    assert sp.keyspace_events_to_flags("Q") is None
    assert err("notify-keyspace-events", "Q") == "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."


def test_replicaof_and_percentiles_and_bind():
    assert parse("replicaof", "no", "one") is None
    assert parse("slaveof", "h", "6380") == ("h", 6380)
    assert err("replicaof", "h", "70000") == "Invalid master port"
    assert err("replicaof", "h") == "wrong number of arguments"
    assert sp.render_percentiles(parse("latency-tracking-info-percentiles", "1.50", "99.990", "100")) == "1.5 99.99 100"
    assert parse("bind", "") == ""
    assert parse("bind", "a", "b") == "a b"
    assert err("bind", *["x"] * 17) == "Too many bind addresses specified."


def test_set_from_strings_api():
    c = Config()
    c.set_from_strings("PORT", ["7000"])
    assert c["port"] == 7000 and "port" in c.user_set
    with pytest.raises(ConfigValueError, match="wrong number of arguments"):
        c.set_from_strings("port", ["1", "2"])
    with pytest.raises(ConfigValueError, match="Bad directive"):
        c.set_from_strings("nosuch", ["1"])


def test_percentiles_parse_like_strtod():
    assert parse("latency-tracking-info-percentiles", "0x10", "1e1", "+5") == [16.0, 10.0, 5.0]
    for bad in ("1_0", " 1", "1 ", "nan", "abc"):
        with pytest.raises(ConfigValueError):
            parse("latency-tracking-info-percentiles", bad)


def test_flags_enum_needs_a_word():
    with pytest.raises(ConfigValueError):
        parse("shutdown-on-sigterm")


def test_multi_word_directive_from_one_word():
    c = Config()
    c.set_from_strings("save", ["100 1 200 2"])
    assert c["save"] == [(100, 1), (200, 2)]
    c.set_from_strings("save", [""])
    assert c["save"] == []
