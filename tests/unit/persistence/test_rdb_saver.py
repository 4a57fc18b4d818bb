"""Save points, the retry delay after a failure, and SHUTDOWN's save decision
(persistence/saver.py) on a stand-in server, with the fork replaced by a recorder."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest

from vermilion.persistence import saver


def _server(points, dirty=0, lastsave_ago=100):
    logs = []
    return SimpleNamespace(
        config={"save": points, "dbfilename": "dump.rdb"}, dirty=dirty,
        lastsave_s=int(time.time()) - lastsave_ago, extensions={}, cron_jobs=[], shutdown_hooks=[],
        gate=0, log=lambda level, msg: logs.append(msg), logs=logs, dbs=[], run_id="0" * 40,
        is_replica_of_primary=lambda: False)


@pytest.fixture
def forks(monkeypatch):
    calls = []
    monkeypatch.setattr(saver, "bgsave", lambda server: calls.append(server) or True)
    return calls


def test_save_point_reached_starts_a_bgsave(forks):
    s = _server([(3600, 1), (60, 5)], dirty=5, lastsave_ago=61)
    saver.cron(s)
    assert forks == [s] and "5 changes in 60 seconds. Saving..." in s.logs


@pytest.mark.parametrize("dirty,ago", [(0, 10_000), (4, 61), (5, 60)])
def test_save_point_not_reached(forks, dirty, ago):
    saver.cron(_server([(60, 5)], dirty=dirty, lastsave_ago=ago))
    assert forks == []


def test_no_save_points_never_save(forks):
    saver.cron(_server([], dirty=10**6, lastsave_ago=10**6))
    assert forks == []


def test_failed_bgsave_retries_after_the_delay(forks):
    s = _server([(1, 1)], dirty=3, lastsave_ago=100)
    st = saver.install(s)
    st.last_bgsave_ok = False
    st.last_bgsave_try_s = int(time.time()) - 2
    saver.cron(s)
    assert forks == []
    st.last_bgsave_try_s = int(time.time()) - saver.BGSAVE_RETRY_DELAY_S - 1
    saver.cron(s)
    assert forks == [s]


def test_scheduled_bgsave_runs_at_the_next_cron(forks):
    s = _server([])
    saver.install(s).bgsave_scheduled = True
    saver.cron(s)
    assert forks == [s] and not saver.state(s).bgsave_scheduled


def test_shutdown_saves_only_when_asked_or_with_save_points(monkeypatch):
    saved = []
    monkeypatch.setattr(saver, "save", lambda server: saved.append(server) or True)
    with_points = _server([(3600, 1)])
    assert saver.shutdown_prepare(with_points, set()) and saved == [with_points]
    assert saver.shutdown_prepare(with_points, {b"nosave"}) and len(saved) == 1
    without = _server([])
    assert saver.shutdown_prepare(without, set()) and len(saved) == 1
    assert saver.shutdown_prepare(without, {b"save"}) and saved[-1] is without


def test_shutdown_refused_when_the_save_fails_unless_forced(monkeypatch):
    monkeypatch.setattr(saver, "save", lambda server: False)
    s = _server([(3600, 1)])
    assert not saver.shutdown_prepare(s, set())
    assert "Error trying to save the DB, can't exit." in s.logs
    assert saver.shutdown_prepare(s, {b"force"})


def test_child_outcomes_set_the_status_and_the_disk_gate():
    s = _server([(1, 1)], dirty=7)
    st = saver.install(s)
    st.child_pid, st.dirty_at_fork = 123, 5
    saver._child_done(s, st, 1 << 8)  # exit code 1
    assert not st.last_bgsave_ok and s.gate & saver.ServerGate.DISK_ERROR and saver.changes_since_save(s) == 7
    saver._child_done(s, st, 0)
    assert st.last_bgsave_ok and not s.gate & saver.ServerGate.DISK_ERROR and saver.changes_since_save(s) == 2
    assert s.dirty == 7  # the counter itself never goes back (a SAVE is not a write to propagate)


@pytest.mark.parametrize("setting,saves", [("default", 1), ("nosave", 0), ("save", 1), ("nosave force", 0)])
def test_signal_shutdown_follows_shutdown_on_sigterm(monkeypatch, setting, saves):
    saved = []
    monkeypatch.setattr(saver, "save", lambda server: saved.append(server) or True)
    s = _server([(3600, 1)])
    s.config["shutdown-on-sigterm"] = setting
    saver.install(s)
    saver._shutdown_hook(s)
    saver._shutdown_hook(s)  # once only
    assert len(saved) == saves
