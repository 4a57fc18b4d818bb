"""Stats: the instantaneous-metric ring (Redis's trackInstantaneousMetric)."""

from __future__ import annotations

from vermilion.engine.stats import METRIC_SAMPLES, InstantMetric, Stats


def test_first_sample_only_records_the_reading():
    m = InstantMetric()
    m.track(500, 1000)
    assert m.value() == 0.0


def test_rate_is_per_second_and_averaged_over_the_ring():
    m = InstantMetric()
    m.track(0, 1000)
    m.track(100, 1100)  # 100 ops in 100 ms = 1000/s
    assert m.value() == 1000 / METRIC_SAMPLES
    for i in range(2, METRIC_SAMPLES + 2):
        m.track(100 * i, 1000 + 100 * i)
    assert m.value() == 1000.0


def test_reset_clears_counters_and_rings():
    s = Stats()
    s.total_commands_processed = 7
    s.count_error(b"ERR bad")
    s.count_error(b"WRONGTYPE x")
    assert s.errorstats == {b"ERR": 1, b"WRONGTYPE": 1} and s.total_error_replies == 2
    s.reset()
    assert s.total_commands_processed == 0 and s.errorstats == {}
    assert s.instantaneous("command") == 0.0


def test_eventloop_cycles_count_reads_and_cron_ticks():
    s = Stats()
    s.total_reads_processed = 5
    s.track_instantaneous()
    s.track_instantaneous()
    assert s.eventloop_cycles == 7
