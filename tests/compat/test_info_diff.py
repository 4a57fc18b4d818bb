"""INFO against the real redis-server: section titles and order, field names and order
(values differ between two servers), the reply type per protocol, and counters that
must move when the server does something."""

from __future__ import annotations

import re

import pytest
from support.raw import RawClient
from support.servers import wait_for

# Fields Redis 7.2 prints that a 7.0 oracle does not, plus our own version field.
NEW_IN_72 = {
    "vermilion_version", "total_blocking_keys",
    "total_blocking_keys_on_nokey", "eventloop_cycles", "eventloop_duration_sum",
    "eventloop_duration_cmd_sum", "instantaneous_eventloop_cycles_per_sec",
    "instantaneous_eventloop_duration_usec", "acl_access_denied_auth", "acl_access_denied_cmd",
    "acl_access_denied_key", "acl_access_denied_channel",
}
LISTENER = re.compile(r"^listener\d+$")
# Per-run lines whose presence depends on what the server did before (not on the section).
DYNAMIC_PREFIXES = ("cmdstat_", "errorstat_", "latency_percentiles_usec_", "db")


def payload(reply: bytes) -> str:
    head, _, rest = reply.partition(b"\r\n")
    body = rest[: int(head[1:])]
    if reply[:1] == b"=":
        assert body[:4] == b"txt:"
        body = body[4:]
    return body.decode()


def parse(text: str) -> list[tuple[str, list[str]]]:
    """[(section title, [field names])] in order."""
    sections: list[tuple[str, list[str]]] = []
    for line in text.split("\r\n"):
        if line.startswith("# "):
            sections.append((line[2:], []))
        elif line:
            sections[-1][1].append(line.split(":", 1)[0])
    return sections


def comparable(sections):
    out = []
    for title, names in sections:
        kept = [n for n in names if n not in NEW_IN_72 and not LISTENER.match(n)
                and not n.startswith(DYNAMIC_PREFIXES)]
        out.append((title, kept))
    return out


@pytest.mark.parametrize("args", [
    (), ("default",), ("all",), ("everything",), ("server",), ("SERVER", "clients"),
    ("keyspace", "server"), ("memory", "persistence", "stats"), ("replication", "cpu", "cluster"),
    ("modules",), ("commandstats", "errorstats", "latencystats"), ("nosuch",), ("server", "nosuch"),
    ("default", "commandstats"), ("everything", "server"),
])
def test_sections_and_field_names_match_redis(both, args):
    a, b = both.both("INFO", *args, compare=False)
    assert a[:1] == b[:1]  # bulk in RESP2, verbatim in RESP3
    ours, theirs = parse(payload(a)), parse(payload(b))
    assert [t for t, _ in ours] == [t for t, _ in theirs]
    assert comparable(ours) == comparable(theirs)


def test_layout_is_byte_compatible(both):
    a, b = both.both("INFO", "cluster", compare=False)
    assert a == b
    a, b = both.both("INFO", "nosuch", compare=False)
    assert a == b
    a, b = both.both("INFO", "modules", "cluster", compare=False)
    assert a == b


def test_server_section_identity(raw, vermilion_server):
    text = payload(raw.call("INFO", "server"))
    fields = dict(line.split(":", 1) for line in text.split("\r\n")[1:] if line)
    assert fields["redis_version"] == "7.2.4"
    import vermilion

    assert fields["vermilion_version"] == vermilion.__version__
    assert re.fullmatch(r"[0-9a-f]{40}", fields["run_id"])
    assert fields["tcp_port"] == str(vermilion_server.port)
    assert fields["redis_mode"] == "standalone"
    assert fields["listener0"] == f"name=tcp,bind=127.0.0.1,port={vermilion_server.port}"
    assert text.endswith("\r\n") and not text.endswith("\r\n\r\n")


def _fields(client: RawClient, *sections: str) -> dict[str, str]:
    text = payload(client.call("INFO", *sections))
    return dict(line.split(":", 1) for line in text.split("\r\n") if line and not line.startswith("#"))


def test_counters_move(raw, vermilion_server):
    before = _fields(raw, "stats", "clients")
    raw.call("SET", "ik", "v")
    raw.call("GET", "ik")
    raw.call("GET", "ik")
    raw.call("GET", "missing")
    other = RawClient(vermilion_server.port)
    other.call("PING")
    after = _fields(raw, "stats", "clients")
    other.close()
    assert int(after["total_commands_processed"]) >= int(before["total_commands_processed"]) + 5
    assert int(after["keyspace_hits"]) == int(before["keyspace_hits"]) + 2
    assert int(after["keyspace_misses"]) == int(before["keyspace_misses"]) + 1
    assert int(after["connected_clients"]) == int(before["connected_clients"]) + 1
    assert int(after["total_connections_received"]) == int(before["total_connections_received"]) + 1
    assert int(after["total_net_input_bytes"]) > int(before["total_net_input_bytes"])
    assert int(after["total_net_output_bytes"]) > int(before["total_net_output_bytes"])


def test_keyspace_section(raw):
    raw.call("FLUSHALL")
    assert payload(raw.call("INFO", "keyspace")) == "# Keyspace\r\n"
    raw.call("SET", "a", "1")
    raw.call("SET", "b", "1")
    raw.call("SELECT", "3")
    raw.call("SET", "c", "1")
    assert payload(raw.call("INFO", "keyspace")) == (
        "# Keyspace\r\ndb0:keys=2,expires=0,avg_ttl=0\r\ndb3:keys=1,expires=0,avg_ttl=0\r\n")
    raw.call("FLUSHALL")


def test_errorstats_and_commandstats(raw):
    before = _fields(raw, "errorstats", "commandstats")
    raw.call("NOSUCHCOMMAND")
    raw.call("GET")
    raw.call("SET", "es", "v")
    raw.call("CLIENT", "SETNAME", "bad name")
    after = _fields(raw, "errorstats", "commandstats")
    count = lambda d, k: int(d.get(k, "count=0").split("=")[1])  # noqa: E731
    assert count(after, "errorstat_ERR") == count(before, "errorstat_ERR") + 3
    stat = dict(kv.split("=") for kv in after["cmdstat_set"].split(","))
    assert set(stat) == {"calls", "usec", "usec_per_call", "rejected_calls", "failed_calls"}
    assert int(stat["calls"]) >= 1
    assert re.fullmatch(r"\d+\.\d\d", stat["usec_per_call"])
    get_after = dict(kv.split("=") for kv in after["cmdstat_get"].split(","))
    get_before = dict(kv.split("=") for kv in before.get("cmdstat_get", "rejected_calls=0").split(","))
    assert int(get_after["rejected_calls"]) == int(get_before["rejected_calls"]) + 1
    setname = dict(kv.split("=") for kv in after["cmdstat_client|setname"].split(","))
    assert int(setname["failed_calls"]) >= 1
    lat = after["latency_percentiles_usec_set"] if "latency_percentiles_usec_set" in after else None
    assert lat is None  # latencystats is not part of errorstats/commandstats
    assert re.fullmatch(r"p50=[\d.]+,p99=[\d.]+,p99\.9=[\d.]+",
                        _fields(raw, "latencystats")["latency_percentiles_usec_set"])


def test_instantaneous_ops_per_sec_follows_load(raw):
    def busy() -> bool:
        for _ in range(200):
            raw.call("PING")
        return int(_fields(raw, "stats")["instantaneous_ops_per_sec"]) > 0

    wait_for(busy, timeout=10, what="instantaneous_ops_per_sec > 0")


def test_memory_fields_are_real(raw):
    mem = _fields(raw, "memory")
    assert int(mem["used_memory_rss"]) > 1 << 20
    assert int(mem["used_memory"]) > 0
    assert int(mem["used_memory_peak"]) >= int(mem["used_memory"])
    assert mem["used_memory_human"][-1] in "BKMG"
    assert int(mem["total_system_memory"]) > int(mem["used_memory_rss"])


def test_info_arity_and_multiple_args(both):
    a, b = both.both("INFO", "keyspace", "keyspace", compare=False)
    assert a == b


def test_dynamic_sections_match_redis_after_the_same_commands(both):
    """commandstats, errorstats, latencystats and keyspace, line by line, after the same
    commands since CONFIG RESETSTAT: names, sub-fields and counts equal; only timings
    (usec, usec_per_call, percentiles) and avg_ttl are masked.  Redis lists commands in
    the order of its command dict, whose hash is seeded at random each start, so the
    command lines are compared as sorted lists (errors come from a rax: byte order)."""
    both.check("CONFIG", "RESETSTAT")
    for cmd in (("SET", "a", "1"), ("SET", "b", "x", "EX", "1000"), ("GET", "a"), ("GET", "a"), ("INCR", "b"),
                ("GET",), ("NOSUCH",), ("LPUSH", "a", "x"), ("CLIENT", "SETNAME", "bad name"),
                ("CLIENT", "GETNAME"), ("SELECT", "5"), ("HSET", "h", "f", "v"), ("SELECT", "0"),
                ("XADD", "s", "0-0", "f", "v"), ("ZADD", "z", "nan", "m"), ("EVAL", "return redis.call('nosuch')", "0"),
                ("SPUBLISH", "ch", "m"), ("MULTI",), ("SET", "c"), ("EXEC",)):
        both.both(*cmd, compare=False)

    def lines(reply: bytes) -> list[str]:
        text = payload(reply)
        text = re.sub(r"(usec|usec_per_call|p50|p99|p99\.9|avg_ttl)=[\d.]+", r"\1=N", text)
        title, *rest = text.split("\r\n")
        return [title] + (sorted(rest) if section in ("commandstats", "latencystats") else rest)

    for section in ("commandstats", "errorstats", "latencystats", "keyspace"):
        a, b = both.both("INFO", section, compare=False)
        assert lines(a) == lines(b), section
