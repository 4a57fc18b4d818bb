"""Replica selection and the failover steps, pure (no I/O): ``sentinelSelectSlave``.

States follow sentinel.c: WAIT_START -> SELECT_SLAVE -> SEND_SLAVEOF_NOONE ->
WAIT_PROMOTION -> RECONF_SLAVES -> UPDATE_CONFIG.  ``Failover`` records where one
failover is; the driver (main.py's ``run_failover``, stepped by the timer) performs the
I/O each state asks for and moves it on with ``set_state``.
"""

from __future__ import annotations

WAIT_START = "wait_start"
SELECT_SLAVE = "select_slave"
SEND_SLAVEOF_NOONE = "send_slaveof_noone"
WAIT_PROMOTION = "wait_promotion"
RECONF_SLAVES = "reconf_slaves"
UPDATE_CONFIG = "update_config"


def select_replica(replicas, now_ms: int, info_validity_ms: int, ping_period_ms: int = 1000):
    """The best replica to promote, or None.

    Skipped: s_down/o_down, disconnected, priority 0, no PING reply within 5 ping
    periods, INFO older than ``info_validity_ms`` (Redis: 5 ping periods while the
    primary is s_down, else 3 INFO periods).  Ordered by priority (lower wins), replication
    offset (greater wins), run id (lexically smaller wins; an empty run id loses).
    """
    candidates = []
    for r in replicas:
        if "s_down" in r.flags or "o_down" in r.flags or not r.link_up:
            continue
        if r.slave_priority == 0:
            continue
        if now_ms - r.last_ok_ping_reply_ms > 5 * ping_period_ms:
            continue
        if now_ms - r.info_refresh_ms > info_validity_ms:
            continue
        candidates.append(r)
    if not candidates:
        return None
    candidates.sort(key=lambda r: (r.slave_priority, -r.repl_offset, r.run_id == "", r.run_id))
    return candidates[0]


class Failover:
    def __init__(self, epoch: int, start_ms: int):
        self.state = WAIT_START
        self.epoch = epoch
        self.start_ms = start_ms
        self.state_change_ms = start_ms
        self.promoted = None
        self.forced = False  # SENTINEL FAILOVER: no election
        self.timed_out = False  # RECONF_SLAVES passed failover-timeout
        self.timeout_sent = False  # ... and the remaining replicas were sent SLAVEOF

    def set_state(self, state: str, now_ms: int) -> None:
        self.state = state
        self.state_change_ms = now_ms
