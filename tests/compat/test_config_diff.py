"""CONFIG GET / SET / RESETSTAT / HELP / REWRITE against the real redis-server.

The session servers are shared: every test that changes a directive restores it (the
``restore`` fixture snapshots the values on both servers and sets them back).
Differences that are legitimate are allow-listed with their reason.
"""

from __future__ import annotations

import pytest
import redis

# Directives whose value legitimately differs between the two session servers.
ENVIRONMENT = {
    "dir": "each server runs in its own temporary directory",
    "port": "each server listens on its own free port",
    "pidfile": "not set for either, but kept out: redis may be packaged with one",
    "save": "the oracle is started with --save '' (tests/support/servers.py)",
    "daemonize": "environment",
    "logfile": "environment",
    "supervised": "environment",
}
# Directives Redis 7.2 has and the 7.0 oracle does not (checked against 7.2's defaults).
NEW_IN_72 = {
    "locale-collate": "",
    "cluster-announce-human-nodename": "",
    "set-max-listpack-entries": "128",
    "set-max-listpack-value": "64",
}
HIDDEN = ("use-exit-on-panic", "rdb-key-save-delay", "key-load-delay", "watchdog-period",
          "loading-process-events-interval-bytes")


def _clients(vport: int, rport: int, protocol: int):
    return redis.Redis(port=vport, protocol=protocol), redis.Redis(port=rport, protocol=protocol)


@pytest.fixture(params=[2, 3], ids=["resp2", "resp3"])
def pair(request, vermilion_server, redis_server):
    v, r = _clients(vermilion_server.port, redis_server.port, request.param)
    yield v, r
    v.close()
    r.close()


@pytest.fixture
def restore(vermilion_server, redis_server):
    """Snapshot every mutable directive on both servers; put back what changed."""
    snaps = []
    clients = []
    for port in (vermilion_server.port, redis_server.port):
        c = redis.Redis(port=port)
        clients.append(c)
        snaps.append(_get(c, "*"))
    yield
    for c, snap in zip(clients, snaps):
        now = _get(c, "*")
        for k, v in snap.items():
            if now.get(k) != v and k not in ("dir", "daemonize", "port"):
                try:
                    c.execute_command("CONFIG SET", k, v)
                except redis.ResponseError:
                    pass
        c.close()


def _text(x) -> str:
    return x.decode() if isinstance(x, bytes) else x


def _get(client, *patterns) -> dict:
    """CONFIG GET as ``{name: value}`` (str), whatever redis-py's callback returns."""
    return {_text(k): _text(v) for k, v in client.execute_command("CONFIG GET", *patterns).items()}


# ---- CONFIG GET ------------------------------------------------------------------------


def test_get_everything_matches_real_redis(pair):
    v, r = pair
    ours, theirs = _get(v, "*"), _get(r, "*")
    for name, value in ours.items():
        key = name
        if key in ENVIRONMENT:
            continue
        if key in NEW_IN_72:
            assert name not in theirs or theirs[name] == value
            assert value == NEW_IN_72[key]
            continue
        assert name in theirs, f"{key} is not a Redis directive"
        assert value == theirs[name], f"{key}: vermilion {value!r}, redis {theirs[name]!r}"
    missing = set(theirs) - set(ours)
    assert not missing, f"directives Redis knows and Vermilion does not: {sorted(missing)}"


def test_get_hidden_directives_by_exact_name_only(both):
    for name in HIDDEN:
        both.check("CONFIG", "GET", name)
    both.check("CONFIG", "GET", "*exit-on*")
    both.check("CONFIG", "GET", "watchdog*")


@pytest.mark.parametrize("patterns", [
    ("*max*",), ("*max*", "maxmemory"), ("por?", "bind"), ("[a-c]*",), ("[^a-r]*",), ("*-ziplist-*",),
    ("slave*",), ("replica*", "slave*"), ("*",), ("*list*", "*LIST*"), ("[m-a]axmemory*",),
    ("tls-*",), ("*\\-*",), ("?",), ("a*", "b*", "c*"), ("**port",), ("cluster-*-port",),
    ("hz", "HZ", "timeout"), ("maxmemory", "MAXMEMORY*"), ("slaveof", "replicaof", "SLAVE*"),
])
def test_get_patterns(pair, patterns):
    v, r = pair
    ours, theirs = _get(v, *patterns), _get(r, *patterns)
    for k in ENVIRONMENT:
        ours.pop(k, None)
        theirs.pop(k, None)
    for k in NEW_IN_72:
        ours.pop(k, None)
    assert ours == theirs


@pytest.mark.parametrize("args", [
    ("hz",), ("HZ",), ("Hz", "hz"), ("nosuch",), ("nosuch", "HZ"), ("nosuch*",), ("slaveof",),
    ("slave-read-only",), ("maxmemory-policy",), ("client-output-buffer-limit",),
    ("oom-score-adj-values",), ("notify-keyspace-events",), ("latency-tracking-info-percentiles",),
    ("unixsocketperm",), ("shutdown-on-sigint",), ("list-max-ziplist-size",), ("lua-time-limit",),
    ("bind",), ("maxmemory-clients",), ("appendonly",), ("replicaof",), ("[",), ("*[",), ("\\*",),
])
def test_get_single_replies_byte_for_byte(both, args):
    both.check("CONFIG", "GET", *args)


def test_get_arity(both):
    both.check("CONFIG", "GET")
    both.check("CONFIG")
    both.check("CONFIG", "NOSUCH")
    both.check("CONFIG", "HELP")
    both.check("CONFIG", "HELP", "extra")
    both.check("config", "help")


# ---- CONFIG SET: errors ----------------------------------------------------------------

SET_ERRORS = [
    ("foo", "bar"), ("hz", "1", "foo", "bar"), ("foo", "bar", "daemonize", "yes"), ("hz", "1", "hz", "2"),
    ("hz", "1", "HZ", "2"), ("hz",), ("hz", "1", "timeout"), ("daemonize", "yes"), ("port", "1", "daemonize", "yes"),
    ("databases", "3"), ("unixsocketperm", "700"), ("replicaof", "a b"), ("slaveof", "no one"), ("dir", "/tmp"),
    ("dbfilename", "x.rdb"), ("appendfilename", "x"), ("logfile", "x"), ("io-threads", "2"),
    ("appendonly", "maybe"), ("protected-mode", "1"), ("hz", "abc"), ("hz", "01"), ("hz", "+1"), ("hz", " 1"),
    ("hz", ""), ("hz", "-1"), ("hz", "99999999999"), ("hz", "1.5"), ("maxclients", "0"), ("maxclients", "-1"),
    ("maxclients", "4294967296"), ("maxmemory", "-1"), ("maxmemory", "1.5mb"), ("maxmemory", "1tb"),
    ("maxmemory", "mb1"), ("maxmemory", " 1"), ("maxmemory-clients", "101%"), ("maxmemory-clients", "-5%"),
    ("maxmemory-clients", "x%"), ("maxmemory-clients", "%"), ("proto-max-bulk-len", "1000"),
    ("repl-backlog-size", "0"), ("active-defrag-cycle-min", "100"), ("slowlog-log-slower-than", "-2"),
    ("maxmemory-policy", "lru"), ("appendfsync", ""),
    ("shutdown-on-sigint", "foo"), ("shutdown-on-sigint", "save nosave"), ("shutdown-on-sigterm", "now x"),
    ("save", "100 1 200"), ("save", "0 1"), ("save", "100 -1"), ("save", "100 x"), ("save", "a b"),
    ("save", "100  1"), ("client-output-buffer-limit", "master 1 2 3"),
    ("client-output-buffer-limit", "normal 1 2"), ("client-output-buffer-limit", "normal 1 2 x"),
    ("client-output-buffer-limit", "normal 1 -2 3"), ("client-output-buffer-limit", "normal 1 2 -3"),
    ("client-output-buffer-limit", "foo 1 2 3"), ("oom-score-adj-values", "1 2"),
    ("oom-score-adj-values", "1 2 3000"), ("oom-score-adj-values", "1 2 x"), ("oom-score-adj-values", ""),
    ("notify-keyspace-events", "xyzQ"), ("notify-keyspace-events", "K E"),
    ("latency-tracking-info-percentiles", "50 abc"), ("latency-tracking-info-percentiles", "50 101"),
    ("latency-tracking-info-percentiles", "-1"), ("activedefrag", "yes"), ("proc-title-template", "{nosuch}"),
    ("proc-title-template", ""), ("cluster-announce-hostname", "a b"), ("cluster-announce-hostname", "a_b"),
    ("unixsocket", "/tmp/x"), ("hash-max-listpack-entries", "-1"), ("list-max-ziplist-size", "x"),
    ("hz", "5", "maxmemory", "foo"), ("maxmemory", "foo", "hz", "5"), ("hz", "5", "daemonize", "yes", "foo", "1"),
    ("foo", "1", "daemonize", "yes"), ("daemonize", "yes", "foo", "1"), ("hz", "5", "hz", "5", "foo", "1"),
    ("socket-mark-id", "-1"), ("tls-port", "70000"), ("tls-auth-clients", "maybe"),
]


@pytest.mark.parametrize("args", SET_ERRORS, ids=[" ".join(a) or "empty" for a in SET_ERRORS])
def test_set_errors(both, restore, args):
    both.check("CONFIG", "SET", *args)


@pytest.mark.parametrize("value", ["foo", "notice warning", ""])
def test_set_loglevel_errors_list_72s_nothing(both, value):
    """Redis 7.2 added the ``nothing`` level: its error lists one more choice than 7.0."""
    ours, theirs = both.both("CONFIG", "SET", "loglevel", value, compare=False)
    assert ours == theirs.replace(b"warning\r\n", b"warning, nothing\r\n")


def test_set_loglevel_nothing(both, restore):
    """7.2's ``nothing`` level (the 7.0 oracle refuses it)."""
    assert both.v.call("CONFIG", "SET", "loglevel", "nothing") == b"+OK\r\n"
    assert both.v.call("CONFIG", "GET", "loglevel").endswith(b"$7\r\nnothing\r\n")
    assert both.v.call("CONFIG", "SET", "loglevel", "notice") == b"+OK\r\n"


def test_set_arity(both):
    both.check("CONFIG", "SET")
    both.check("CONFIG", "SET", "hz")


# ---- CONFIG SET: values, then CONFIG GET -------------------------------------------------

SET_VALUES = [
    ("hz", "20"), ("HZ", "30"), ("maxmemory", "1gb"), ("maxmemory", "1g"), ("maxmemory", "100KB"),
    ("maxmemory", ""), ("maxmemory", "kb"), ("maxmemory", "123b"), ("maxmemory-clients", "10%"),
    ("maxmemory-clients", "0%"), ("maxmemory-clients", "100%"), ("maxmemory-clients", "5mb"),
    ("notify-keyspace-events", "KEA"), ("notify-keyspace-events", "Kx"), ("notify-keyspace-events", "An"),
    ("notify-keyspace-events", "Em"), ("notify-keyspace-events", "g$lshzxetd"), ("notify-keyspace-events", "AKEmn"),
    ("notify-keyspace-events", ""), ("notify-keyspace-events", "ggK"), ("save", "100 1 200 2"), ("save", ""),
    ("save", "+5 0"), ("client-output-buffer-limit", "normal 1mb 2mb 3"),
    ("client-output-buffer-limit", "replica 1 2 3 pubsub 4kb 5k 6"), ("client-output-buffer-limit", ""),
    ("client-output-buffer-limit", "NORMAL 1 2 +3"), ("oom-score-adj-values", "-10 20 2000"),
    ("latency-tracking-info-percentiles", "1.50 99.990"), ("latency-tracking-info-percentiles", ""),
    ("latency-tracking-info-percentiles", "0 100 33.333333333"), ("loglevel", "WARNING"),
    ("maxmemory-policy", "allkeys-lru"), ("shutdown-on-sigint", "nosave now"), ("shutdown-on-sigint", "FORCE save"),
    ("shutdown-on-sigterm", "default"), ("slave-read-only", "no"), ("replica-read-only", "NO"),
    ("slave-read-only", "no", "replica-read-only", "yes"), ("list-max-ziplist-size", "-5"),
    ("lua-time-limit", "100"), ("busy-reply-threshold", "200"), ("appendfsync", "always"),
    ("requirepass", ""), ("masterauth", "secret"), ("masteruser", ""), ("slowlog-log-slower-than", "-1"),
    ("hash-max-ziplist-value", "1kb"), ("stream-node-max-bytes", "0"), ("active-expire-effort", "10"),
    ("replica-announce-ip", "10.0.0.1"), ("slave-announce-ip", ""), ("cluster-announce-hostname", "a-b.c"),
    ("proc-title-template", "{title} {port}"), ("ignore-warnings", "ARM64-COW-BUG"), ("oom-score-adj", "relative"),
    ("sanitize-dump-payload", "clients"), ("acl-pubsub-default", "allchannels"), ("tracking-table-max-keys", "0"),
    ("hz", "0"), ("hz", "1000"), ("timeout", "2147483647"), ("maxclients", "4294967295"),
    ("cluster-node-timeout", "9223372036854775807"), ("maxmemory", "18446744073709551615"),
    ("tls-auth-clients", "optional"), ("appendonly", "no"), ("dynamic-hz", "No"), ("activedefrag", "no"),
]


@pytest.mark.parametrize("args", SET_VALUES, ids=[" ".join(a) or "empty" for a in SET_VALUES])
def test_set_then_get(both, restore, args):
    both.check("CONFIG", "SET", *args)
    for i in range(0, len(args), 2):
        both.check("CONFIG", "GET", args[i])


# ---- atomicity ---------------------------------------------------------------------------


@pytest.mark.parametrize("args", [
    ("hz", "25", "maxmemory", "foo"), ("maxmemory", "1mb", "hz", "abc"),
    ("maxmemory", "1mb", "maxmemory-clients", "1 2 3", "hz", "33"),
    ("notify-keyspace-events", "KEA", "appendfsync", "nope"), ("hz", "7", "lua-time-limit", "-1"),
    ("hz", "44", "nosuch", "1"), ("hz", "45", "daemonize", "yes"),
])
def test_set_is_all_or_nothing(both, restore, args):
    both.check("CONFIG", "SET", *args)
    for i in range(0, len(args), 2):
        both.check("CONFIG", "GET", args[i])


def test_set_several_at_once(both, restore):
    both.check("CONFIG", "SET", "hz", "12", "maxmemory", "2mb", "notify-keyspace-events", "Kx", "save", "9 9")
    both.check("CONFIG", "GET", "hz")
    both.check("CONFIG", "GET", "maxmemory")
    both.check("CONFIG", "GET", "notify-keyspace-events")
    both.check("CONFIG", "GET", "save")


# ---- RESETSTAT, REWRITE, HELP ------------------------------------------------------------


def _info_stat(client, field: str) -> int:
    return int(client.info("stats")[field])


def test_resetstat(pair, restore):
    v, r = pair
    for c in (v, r):
        for _ in range(3):
            with pytest.raises(redis.ResponseError):
                c.execute_command("CONFIG SET", "hz", "abc")
        c.execute_command("PING")
        assert _info_stat(c, "total_error_replies") >= 3
        assert c.execute_command("CONFIG RESETSTAT") in (b"OK", True, "OK")
        assert _info_stat(c, "total_error_replies") == 0
        assert c.info("errorstats") == {}
        assert "cmdstat_ping" not in c.info("commandstats")


def test_resetstat_and_rewrite_replies(both):
    both.check("CONFIG", "RESETSTAT")
    both.check("CONFIG", "RESETSTAT", "x")
    both.check("CONFIG", "REWRITE")
    both.check("CONFIG", "REWRITE", "x")


def test_help_reply(both):
    both.check("CONFIG", "HELP")


TRICKY_VALUES = ["", " ", "0", "-0", "1", "-1", "007", "1k", "1KB", "1mb ", "1%", "100%", "-1%", "%",
                 "9223372036854775807", "9223372036854775808", "18446744073709551615", "18446744073709551616",
                 "0x10", "1e3", "yes", "NO", "A", "1 2", "1 2 3", "\t1", "1 2 3 4", "normal 1 2 3",
                 "pubsub 0 0 0 normal 1gb 1gb 1", "99.5", "nosave", "save now", "Kg$"]


@pytest.mark.parametrize("name", [
    "hz", "maxmemory", "maxmemory-clients", "slowlog-log-slower-than", "list-max-ziplist-size",
    "hash-max-listpack-value", "maxclients", "active-defrag-cycle-min", "appendonly", "maxmemory-policy",
    "notify-keyspace-events", "save", "client-output-buffer-limit", "oom-score-adj-values",
    "latency-tracking-info-percentiles", "shutdown-on-sigterm", "repl-backlog-ttl", "proto-max-bulk-len",
    "cluster-link-sendbuf-limit", "tracking-table-max-keys", "replica-priority", "masterauth",
])
def test_tricky_values(both2, restore, name):
    for value in TRICKY_VALUES:
        both2.check("CONFIG", "SET", name, value)
        both2.check("CONFIG", "GET", name)


def _sweepable() -> list[str]:
    """Every mutable directive whose change is harmless to the two shared test servers."""
    from vermilion.config.schema import DIRECTIVES

    unsafe = {"port", "bind", "requirepass", "maxclients", "timeout", "appendonly", "oom-score-adj",
              "proc-title-template"}  # rebinding, locking clients out, writing files, renaming the process
    return [n for n, d in DIRECTIVES.items()
            if d.mutable and not d.protected and not d.hidden and n not in unsafe and n not in NEW_IN_72
            and not n.startswith("tls-") and n != "loglevel"]


SWEEP_VALUES = ["", "0", "1", "-1", "2mb", "50%", "yes", "no", "1 2", "abc", "9223372036854775808",
                "a-b.c", "1 2 3 4"]


@pytest.mark.parametrize("name", _sweepable())
def test_every_mutable_directive_against_redis(both2, restore, name):
    for value in SWEEP_VALUES:
        both2.check("CONFIG", "SET", name, value)
        both2.check("CONFIG", "GET", name)
