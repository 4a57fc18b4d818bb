"""The commands of the table that no other differential file named, against the real
redis-server on a standalone (non-cluster) server: the cluster family refused as Redis
refuses it, ROLE, FAILOVER and REPLCONF argument errors, RESTORE-ASKING, and the HELP
texts of COMMAND, LATENCY and MEMORY.  (Found by listing every command and subcommand of
the registry and looking each up in tests/compat.)"""

from __future__ import annotations

import re

import pytest

CLUSTER_SUBCOMMANDS = [
    ("INFO",), ("NODES",), ("MYID",), ("SLOTS",), ("SHARDS",), ("HELP",), ("LINKS",), ("KEYSLOT", "foo"),
    ("KEYSLOT", "{user}:1"), ("COUNTKEYSINSLOT", "1"), ("GETKEYSINSLOT", "1", "1"), ("ADDSLOTS", "1"),
    ("ADDSLOTSRANGE", "1", "2"), ("DELSLOTS", "1"), ("DELSLOTSRANGE", "1", "2"), ("FLUSHSLOTS",),
    ("SETSLOT", "1", "STABLE"), ("MEET", "127.0.0.1", "1"), ("FORGET", "x"), ("REPLICATE", "x"), ("REPLICAS", "x"),
    ("SLAVES", "x"), ("RESET",), ("SAVECONFIG",), ("SET-CONFIG-EPOCH", "1"), ("BUMPEPOCH",),
    ("COUNT-FAILURE-REPORTS", "x"), ("NOPE",), (),
]


@pytest.mark.parametrize("sub", CLUSTER_SUBCOMMANDS, ids=lambda s: " ".join(s) or "bare")
def test_cluster_family_on_a_standalone_server(both, sub):
    both.check("CLUSTER", *sub)


def test_cluster_myshardid_on_a_standalone_server(raw):
    assert raw.call("CLUSTER", "MYSHARDID") == b"-ERR This instance has cluster support disabled\r\n"


def test_cluster_connection_commands_on_a_standalone_server(both):
    for cmd in (("READONLY",), ("READWRITE",), ("ASKING",), ("READONLY", "x"), ("ASKING", "x")):
        both.check(*cmd)


def test_role_of_a_primary_without_replicas(both):
    a, b = both.both("ROLE", compare=False)
    # the offset is the replication offset, which differs between two servers' histories
    mask = lambda r: re.sub(rb":\d+\r\n", b":N\r\n", r)  # noqa: E731
    assert mask(a) == mask(b)
    assert a.startswith(b"*3\r\n$6\r\nmaster\r\n:")
    both.check("ROLE", "x")


@pytest.mark.parametrize("args", [
    (), ("ABORT",), ("TO", "127.0.0.1"), ("TO", "127.0.0.1", "x"), ("TO", "127.0.0.1", "1", "FORCE"),
    ("TIMEOUT", "-1"), ("TIMEOUT", "x"), ("FORCE",), ("x",), ("TO",), ("TIMEOUT", "10"), ("ABORT", "x"),
])
def test_failover_without_replicas(both, args):
    both.check("FAILOVER", *args)


@pytest.mark.parametrize("args", [
    (), ("listening-port",), ("listening-port", "x"), ("listening-port", "7000"), ("nope", "1"), ("capa", "eof"),
    ("capa", "psync2", "capa", "eof"), ("ip-address", "10.0.0.1"), ("rdb-only", "x"), ("rdb-only", "0"),
])
def test_replconf_arguments(both, args):
    both.check("REPLCONF", *args)


def test_replconf_rdb_filter_only(both):
    # (Redis then sends a functions-only RDB for "functions"; Vermilion sends the whole one.)
    both.check("REPLCONF", "rdb-filter-only", "nope")
    both.check("REPLCONF", "rdb-filter-only", "functions")
    both.check("REPLCONF", "rdb-filter-only", "functions nope")
    both.check("REPLCONF", "rdb-filter-only", "")


def test_restore_asking_is_restore(both):
    both.check("SET", "src", "v")
    a, _ = both.both("DUMP", "src", compare=False)
    payload = a.split(b"\r\n", 1)[1][:-2]
    both.check("RESTORE-ASKING", "k", "0", payload)
    both.check("RESTORE-ASKING", "k", "0", payload)
    both.check("RESTORE-ASKING", "k", "0", payload, "REPLACE")
    both.check("GET", "k")
    both.check("RESTORE-ASKING", "k2", "0", "bad")
    both.check("RESTORE-ASKING", "k2")


# (CLIENT HELP lists 7.2's NO-TOUCH and SETINFO: test_client_diff.py compares it.)
@pytest.mark.parametrize("cmd", ["COMMAND", "LATENCY", "MEMORY", "SLOWLOG", "CONFIG", "OBJECT", "XINFO", "XGROUP",
                                 "PUBSUB"])
def test_help_texts(both, cmd):
    both.check(cmd, "HELP")
    both.check(cmd, "help")
    both.check(cmd, "HELP", "extra")


def test_script_debug_outside_a_script(both):
    for args in (("NO",), ("x",), (), ("NO", "x")):
        both.check("SCRIPT", "DEBUG", *args)


# Commands whose replies are compared outside tests/compat (they need their own processes).
TESTED_ELSEWHERE = {
    "bgrewriteaof": "tests/integration/test_aof.py",
    "psync": "tests/integration/test_replication*.py",
    "sync": "tests/integration/test_replication*.py, test_cli.py (redis-cli --rdb)",
    "monitor": "tests/integration/test_monitor.py",
}
# New in 7.2, which the 7.0 oracle refuses as an unknown subcommand: checked on Vermilion.
NEW_IN_72 = {"cluster|myshardid"}


def test_every_command_is_named_in_a_differential_test():
    """A guard for later work: each command and subcommand of the table appears, quoted,
    in some tests/compat file (a subcommand: in a file that also names its container)."""
    from pathlib import Path

    from vermilion.commands.registry import COMMANDS

    texts = [p.read_text() for p in Path(__file__).parent.glob("test_*.py")]

    def named(word: str, text: str) -> bool:
        return re.search(r"""["']%s["' ]""" % re.escape(word), text, re.I) is not None

    missing = []
    for name, spec in sorted(COMMANDS.items()):
        cmd = name.decode()
        if cmd in TESTED_ELSEWHERE:
            continue
        for sub in sorted(spec.subcommands) or [None]:
            words = [cmd] if sub is None else [cmd, sub.decode()]
            if "|".join(words) in NEW_IN_72:
                continue
            if not any(all(named(w, t) for w in words) for t in texts):
                missing.append("|".join(words))
    assert not missing, f"commands without a differential test: {missing}"
