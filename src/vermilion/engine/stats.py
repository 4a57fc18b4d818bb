"""Server-wide counters shown by INFO stats (plain attributes: cheap to increment)."""

from __future__ import annotations


class Stats:
    __slots__ = (
        "total_connections_received", "total_commands_processed", "rejected_connections",
        "net_input_bytes", "net_output_bytes", "expired_keys", "expired_stale_perc",
        "expired_time_cap_reached_count", "evicted_keys", "evicted_clients",
        "keyspace_hits", "keyspace_misses", "total_error_replies", "unexpected_error_replies",
        "errorstats", "client_qbuf_limit_disconnections", "client_outbuf_limit_disconnections",
        "pubsub_channels", "total_reads_processed", "total_writes_processed", "expire_cycle_cpu_milliseconds",
    )

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        for name in self.__slots__:
            setattr(self, name, 0)
        self.expired_stale_perc = 0.0
        self.errorstats: dict[bytes, int] = {}

    def count_error(self, msg: bytes) -> None:
        code = msg.split(b" ", 1)[0]
        self.total_error_replies += 1
        self.errorstats[code] = self.errorstats.get(code, 0) + 1
