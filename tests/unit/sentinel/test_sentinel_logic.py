"""Pure Sentinel logic: replica selection, votes, sentinel.conf parse/rewrite."""

import pytest

from vermilion.sentinel import failover, leader, state_file
from vermilion.sentinel.instance import Primary


def _replicas(now):
    p = Primary("m", "127.0.0.1", 1, 2)
    specs = [("a", 100, 10, "bbb"), ("b", 100, 20, "ccc"), ("c", 10, 5, "zzz"), ("d", 0, 99, "aaa")]
    out = []
    for i, (name, prio, off, rid) in enumerate(specs):
        r = p.add_replica("10.0.0.%d" % i, 6379)
        r.slave_priority, r.repl_offset, r.run_id = prio, off, rid
        r.link_up = True
        r.last_ok_ping_reply_ms = now
        r.info_refresh_ms = now
        out.append(r)
    return p, out


def test_select_prefers_lowest_priority_then_offset_then_runid():
    now = 1_000_000
    p, rs = _replicas(now)
    assert failover.select_replica(rs, now, 3000) is rs[2]  # priority 10
    rs[2].flags.add("s_down")
    assert failover.select_replica(rs, now, 3000) is rs[1]  # greater offset
    rs[1].repl_offset = 10
    rs[1].run_id = "aab"
    assert failover.select_replica(rs, now, 3000) is rs[1]  # smaller run id
    rs[1].link_up = False
    assert failover.select_replica(rs, now, 3000) is rs[0]
    rs[0].info_refresh_ms = now - 10_000  # stale INFO
    assert failover.select_replica(rs, now, 3000) is None  # d has priority 0


def test_votes_one_per_epoch():
    p = Primary("m", "127.0.0.1", 1, 2)
    v = leader.Votes()
    assert v.vote(p, 1, "A") == ("A", 1)
    assert v.vote(p, 1, "B") == ("A", 1)
    assert v.vote(p, 2, "B") == ("B", 2)
    assert v.current_epoch == 2


def test_winner_needs_majority_and_quorum():
    assert leader.winner({"s1": "A", "s2": "A", "s3": "B"}, 3, 2) == "A"
    assert leader.winner({"s1": "A", "s2": "B"}, 3, 1) is None
    assert leader.winner({"s1": "A", "s2": "A"}, 3, 3) is None
    assert leader.winner({}, 3, 1) is None


def test_conf_parse_and_rewrite(tmp_path):
    path = tmp_path / "s.conf"
    path.write_text("port 26000\nsentinel monitor m 127.0.0.1 6390 2\n"
                    "sentinel down-after-milliseconds m 1500\nsentinel known-replica m 127.0.0.1 6391\n"
                    "sentinel known-sentinel m 127.0.0.1 26001 " + "a" * 40 + "\n")
    cfg = state_file.parse(str(path))
    assert cfg.port == 26000 and len(cfg.myid) == 40
    p = cfg.primaries["m"]
    assert (p.quorum, p.down_after_ms()) == (2, 1500)
    assert list(p.replicas) == ["127.0.0.1:6391"] and list(p.sentinels) == ["a" * 40]
    state_file.flush(cfg, 7)
    again = state_file.parse(str(path))
    assert again.myid == cfg.myid and again.current_epoch == 7
    assert list(again.primaries["m"].replicas) == ["127.0.0.1:6391"]


@pytest.mark.parametrize("line,msg", [
    ("sentinel monitor m 127.0.0.1 6390 0", "Quorum must be 1 or greater."),
    ("sentinel down-after-milliseconds nope 10", "No such master with specified name."),
    ("sentinel myid abc", "Malformed Sentinel id in myid option."),
    ("sentinel bogus", "Unrecognized sentinel configuration statement."),
])
def test_conf_errors(tmp_path, line, msg):
    path = tmp_path / "s.conf"
    path.write_text(line + "\n")
    with pytest.raises(state_file.ConfigError, match=msg):
        state_file.parse(str(path))


def test_flags_and_field_order_as_redis():
    p = Primary("mm", "127.0.0.1", 7899, 1)
    p.flags |= {"s_down", "o_down"}
    assert p.flag_string() == "s_down,o_down,master,disconnected"
    names = [k for k, _ in p.fields()]
    assert names == ["name", "ip", "port", "runid", "flags", "link-pending-commands", "link-refcount",
                     "last-ping-sent", "last-ok-ping-reply", "last-ping-reply", "s-down-time",
                     "o-down-time", "down-after-milliseconds", "info-refresh", "role-reported",
                     "role-reported-time", "config-epoch", "num-slaves", "num-other-sentinels",
                     "quorum", "failover-timeout", "parallel-syncs"]
