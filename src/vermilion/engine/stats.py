"""Server-wide counters shown by INFO stats (plain attributes: cheap to increment).

Instantaneous metrics follow Redis's ``trackInstantaneousMetric``: a cron job
(``track_instantaneous``, every 100 ms) records, per metric, the rate since the previous
sample into a ring of ``METRIC_SAMPLES`` slots; INFO reports the mean of the ring.
"""

from __future__ import annotations

import time
from operator import attrgetter

METRIC_SAMPLES = 16
SAMPLE_PERIOD_MS = 100

# metric name -> Stats attribute whose growth rate it tracks
INSTANT_METRICS = {
    "command": "total_commands_processed",
    "net_input": "net_input_bytes",
    "net_output": "net_output_bytes",
}
# Sampled like the others, from readings computed at sampling time.
DERIVED_METRICS = ("eventloop_cycles", "eventloop_usec")


_all_stats: list = []  # every spec's CommandStats (commands and subcommands), flattened
_all_stats_key = -1  # len(COMMANDS) when _all_stats was built


def command_usec_total() -> int:
    """Microseconds spent in command handlers so far (sum of every spec's counter).

    Called by the 10 Hz instantaneous-metrics cron: the flat list of counters is built
    once (again only if the command table grows), so a sample is one C-level sum
    instead of a generator over every command and subcommand.
    """
    global _all_stats, _all_stats_key
    from ..commands.registry import COMMANDS  # noqa: PLC0415

    if _all_stats_key != len(COMMANDS):
        _all_stats = [s.stats for spec in COMMANDS.values() for s in spec.all_specs()]
        _all_stats_key = len(COMMANDS)
    return sum(map(_usec_of, _all_stats))


_usec_of = attrgetter("usec")


class InstantMetric:
    """One sampled rate: the last reading plus a ring of per-second rates."""

    __slots__ = ("last_sample_ms", "last_reading", "samples", "idx")

    def __init__(self) -> None:
        self.last_sample_ms = 0
        self.last_reading = 0
        self.samples = [0.0] * METRIC_SAMPLES
        self.idx = 0

    def track(self, reading: int, now_ms: int) -> None:
        if self.last_sample_ms:
            elapsed = now_ms - self.last_sample_ms
            rate = (reading - self.last_reading) * 1000 / elapsed if elapsed > 0 else 0.0
            self.samples[self.idx] = rate
            self.idx = (self.idx + 1) % METRIC_SAMPLES
        self.last_sample_ms = now_ms
        self.last_reading = reading

    def value(self) -> float:
        return sum(self.samples) / METRIC_SAMPLES


class Stats:
    __slots__ = (
        "total_connections_received", "total_commands_processed", "rejected_connections",
        "net_input_bytes", "net_output_bytes", "expired_keys", "expired_stale_perc",
        "expired_time_cap_reached_count", "evicted_keys", "evicted_clients",
        "keyspace_hits", "keyspace_misses", "total_error_replies", "unexpected_error_replies",
        "errorstats", "client_qbuf_limit_disconnections", "client_outbuf_limit_disconnections",
        "pubsub_channels", "total_reads_processed", "total_writes_processed", "expire_cycle_cpu_milliseconds",
        "acl_access_denied_auth", "acl_access_denied_cmd", "acl_access_denied_key",
        "acl_access_denied_channel", "cron_ticks", "dump_payload_sanitizations", "instant",
        "last_cron_ms",
    )

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """CONFIG RESETSTAT: every counter back to zero."""
        for name in self.__slots__:
            setattr(self, name, 0)
        self.expired_stale_perc = 0.0
        self.errorstats: dict[bytes, int] = {}
        self.instant = {name: InstantMetric() for name in (*INSTANT_METRICS, *DERIVED_METRICS)}

    def count_error(self, msg: bytes) -> None:
        code = msg.split(b" ", 1)[0]
        self.total_error_replies += 1
        self.errorstats[code] = self.errorstats.get(code, 0) + 1

    def track_instantaneous(self, server: object = None) -> None:
        """Cron job: sample the tracked counters at most every ``SAMPLE_PERIOD_MS``."""
        now_ms = int(time.monotonic() * 1000)
        self.cron_ticks += 1
        if now_ms - self.last_cron_ms < SAMPLE_PERIOD_MS:
            return
        self.last_cron_ms = now_ms
        instant = self.instant
        for name, attr in INSTANT_METRICS.items():
            instant[name].track(getattr(self, attr), now_ms)
        instant["eventloop_cycles"].track(self.eventloop_cycles, now_ms)
        instant["eventloop_usec"].track(command_usec_total(), now_ms)

    def instantaneous(self, name: str) -> float:
        return self.instant[name].value()

    @property
    def eventloop_cycles(self) -> int:
        """Passes of the event loop that did work: socket reads plus cron ticks."""
        return self.total_reads_processed + self.cron_ticks
