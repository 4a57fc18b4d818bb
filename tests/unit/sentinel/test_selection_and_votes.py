"""Replica selection (sentinelSelectSlave), leader election and votes."""

from vermilion.sentinel import failover, leader
from vermilion.sentinel.instance import Instance, Primary


def _replica(p, port, *, priority=100, offset=0, run_id="", link=True, info_age=0, ping_age=0, flags=()):
    r = p.add_replica("127.0.0.1", port)
    r.slave_priority, r.repl_offset, r.run_id, r.link_up = priority, offset, run_id, link
    r.info_refresh_ms = 100_000 - info_age
    r.last_ok_ping_reply_ms = 100_000 - ping_age
    r.flags.update(flags)
    return r


def test_order_priority_offset_runid():
    p = Primary("m", "127.0.0.1", 1, 1)
    _replica(p, 2, priority=50, offset=10, run_id="b")
    best = _replica(p, 3, priority=10, offset=1, run_id="c")
    assert failover.select_replica(p.replicas.values(), 100_000, 5000) is best
    best.slave_priority = 50
    assert failover.select_replica(p.replicas.values(), 100_000, 5000).port == 2  # greater offset
    best.repl_offset = 10
    assert failover.select_replica(p.replicas.values(), 100_000, 5000).port == 2  # "b" < "c"
    best.run_id = "a"
    assert failover.select_replica(p.replicas.values(), 100_000, 5000) is best


def test_exclusions():
    p = Primary("m", "127.0.0.1", 1, 1)
    _replica(p, 2, flags=("s_down",))
    _replica(p, 3, link=False)
    _replica(p, 4, priority=0)
    _replica(p, 5, ping_age=5001)
    _replica(p, 6, info_age=5001)
    assert failover.select_replica(p.replicas.values(), 100_000, 5000) is None
    ok = _replica(p, 7)
    assert failover.select_replica(p.replicas.values(), 100_000, 5000) is ok


def test_winner_needs_majority_and_quorum():
    assert leader.winner({"a": "x", "b": "x", "c": "y"}, 3, 2) == "x"
    assert leader.winner({"a": "x", "b": "y", "c": ""}, 3, 1) is None  # no majority
    assert leader.winner({"a": "x", "b": "x"}, 3, 3) is None  # majority but not the quorum
    assert leader.winner({}, 1, 1) is None


def test_one_vote_per_epoch():
    p = Primary("m", "127.0.0.1", 1, 1)
    v = leader.Votes()
    assert v.vote(p, 1, "first") == ("first", 1)
    assert v.vote(p, 1, "second") == ("first", 1)  # already voted in epoch 1
    assert v.vote(p, 2, "second") == ("second", 2)
    assert v.current_epoch == 2
    assert v.vote(p, 1, "old") == ("second", 2)  # a stale epoch changes nothing


def test_flags_in_redis_order():
    p = Primary("m", "127.0.0.1", 1, 1)
    p.flags.update({"o_down", "s_down", "failover_in_progress"})
    assert p.flag_string() == "s_down,o_down,master,disconnected,failover_in_progress"
    s = Instance("sentinel", "id", "127.0.0.1", 2, p)
    s.link_up = True
    assert s.flag_string() == "sentinel"
