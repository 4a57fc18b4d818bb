"""The latency monitor (Redis's latency.c) and per-command latency histograms.

Events: a named time series of at most 160 samples ``(unix second, latency ms)`` plus the
all-time maximum.  A sample is added only when it reaches ``latency-monitor-threshold``
(0 disables the monitor); two samples in the same second keep the larger.  Vermilion
records ``command`` (non-fast commands) and ``fast-command`` from dispatch,
``expire-cycle`` (keyspace/expiry.py), ``fork`` (persistence/saver.py), ``eviction-cycle``
and ``eviction-del`` (ops/evict.py); other subsystems call ``add_sample`` the same way.

Histograms (``latency-tracking yes``, the default): each command's ``stats.hist`` counts
calls per power-of-two bucket of microseconds (``hist[us.bit_length()]``: one index
and one increment per call).  LATENCY HISTOGRAM reports them as Redis's cumulative
``histogram_usec`` map (bucket upper bounds 1, 2, 4, 8, 16, 33, 66, ... as HdrHistogram's
log iterator prints them), and INFO latencystats derives p50/p99/p99.9 from them
(the upper bound of the bucket holding the percentile; Redis's HdrHistogram is finer).
"""

from __future__ import annotations

import time
from typing import Any

TS_LEN = 160
HIST_BUCKETS = 64


class TimeSeries:
    __slots__ = ("samples", "max")

    def __init__(self) -> None:
        self.samples: list[list[int]] = []  # oldest first, each [time_s, latency_ms]
        self.max = 0


def install(server: Any) -> None:
    server.latency_events = {}
    server.extensions.setdefault("resetstat_hooks", []).append(reset_histograms)
    configure(server)


def configure(server: Any) -> None:
    """Apply hook for latency-tracking."""
    server.latency_tracking = bool(server.config["latency-tracking"])


def add_sample(server: Any, event: str, latency_ms: int) -> None:
    """Record ``latency_ms`` for ``event`` (callers check the threshold)."""
    ts = server.latency_events.get(event)
    if ts is None:
        ts = server.latency_events[event] = TimeSeries()
    if latency_ms > ts.max:
        ts.max = latency_ms
    now = int(time.time())
    samples = ts.samples
    if samples and samples[-1][0] == now:
        if latency_ms > samples[-1][1]:
            samples[-1][1] = latency_ms
        return
    samples.append([now, latency_ms])
    if len(samples) > TS_LEN:
        del samples[0]


def add_sample_if_needed(server: Any, event: str, latency_ms: int) -> None:
    threshold = server.config["latency-monitor-threshold"]
    if threshold and latency_ms >= threshold:
        add_sample(server, event, latency_ms)


def reset(server: Any, events: list[bytes] | None) -> int:
    evs = server.latency_events
    if events is None:
        n = len(evs)
        evs.clear()
        return n
    n = 0
    for name in events:
        low = name.decode("latin-1").lower()
        for ev in [e for e in evs if e.lower() == low]:
            del evs[ev]
            n += 1
    return n


# ---- histograms ----------------------------------------------------------------------


def bucket_bound_us(i: int) -> int:
    """The ``histogram_usec`` key of bucket ``i`` (values up to 2**i µs): HdrHistogram's
    highest value equivalent to 1024 << i ns (2 significant digits), in µs."""
    v = 1024 << i
    return (v + (v >> 7) - 1) // 1000


def cumulative(hist: list[int]) -> list[tuple[int, int]]:
    """(bucket bound µs, calls at or below it) for each bucket that added calls.

    ``hist[i]`` holds calls of ``i``-bit microsecond durations, i.e. up to 2**i - 1 µs;
    they are reported under HdrHistogram's bucket ``i - 1`` (0 and 1 µs both in the
    first)."""
    out: list[tuple[int, int]] = []
    total = 0
    for i, n in enumerate(hist):
        if n:
            total += n
            bound = bucket_bound_us(i - 1 if i else 0)
            if out and out[-1][0] == bound:
                out[-1] = (bound, total)
            else:
                out.append((bound, total))
    return out


def _hdr_high_ns(v: int) -> int:
    """HdrHistogram (2 significant digits): the highest value equivalent to ``v``."""
    m = v.bit_length() - 1
    step = 1 << (m - 7) if m > 7 else 1
    return v // step * step + step - 1


def percentile_us(hist: list[int], pct: float) -> float:
    """The latency at ``pct`` percent: the top of its bucket, as HdrHistogram reports."""
    total = sum(hist)
    if not total:
        return 0.0
    want = max(1, int(total * pct / 100 + 0.5))
    seen = 0
    for i, n in enumerate(hist):
        seen += n
        if seen >= want:
            return _hdr_high_ns(((1 << i) - 1) * 1000 if i > 1 else 1000) / 1000
    return 0.0


# ---- DOCTOR and GRAPH ----------------------------------------------------------------

_SLOWLOG_ENABLE = ("- There are latency issues with potentially slow commands you are using. Try to enable the "
                   "Slow Log Redis feature using the command 'CONFIG SET slowlog-log-slower-than %d'. If the Slow "
                   "log is disabled Redis is not able to log slow commands execution for you.\n")
_SLOWLOG_TUNE = ("- Your current Slow Log configuration only logs events that are slower than your configured "
                 "latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than %d'.\n")
_SLOWLOG_INSPECT = ("- Check your Slow Log to understand what are the commands you are running which are too slow "
                    "to execute. Please check https://redis.io/commands/slowlog for more information.\n")
_SCHEDULER = ("- The system is slow to execute Redis code paths not containing system calls. This usually means "
              "the system does not provide Redis CPU time to run for long periods. You should try to:\n"
              "  1) Lower the system load.\n"
              "  2) Use a computer / VM just for Redis if you are running other software in the same system.\n"
              "  3) Check if you have a \"noisy neighbour\" problem.\n"
              "  4) Check with 'redis-cli --intrinsic-latency 100' what is the intrinsic latency in your system.\n"
              "  5) Check if the problem is allocator-related by recompiling Redis with MALLOC=libc, if you are "
              "using Jemalloc. However this may create fragmentation problems.\n")
_HZ = ("- In order to make the Redis keys expiring process more incremental, try to set the 'hz' configuration "
       "parameter to 100 using 'CONFIG SET hz 100'.\n")
_LARGE = ("- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. "
          "If you have very large objects that are often deleted, expired, or evicted, try to fragment those "
          "objects into multiple smaller objects.\n")
_MASS_EVICTION = ("- Sudden changes to the 'maxmemory' setting via 'CONFIG SET', or allocation of large objects "
                  "via sets or sorted sets intersections, STORE option of SORT, Redis Cluster large keys "
                  "migrations (RESTORE command), may create sudden memory pressure forcing the server to block "
                  "trying to evict keys. \n")
_THP = ("- I detected a non zero amount of anonymous huge pages used by your process. This creates very "
        "serious latency events in different conditions, especially when Redis is persisting on disk. To disable "
        "THP support use the command 'echo never > /sys/kernel/mm/transparent_hugepage/enabled', make sure to "
        "also add it into /etc/rc.local so that the command will be executed again after a reboot. Note that "
        "even if you have already disabled THP, you still need to restart the Redis process to get rid of the "
        "huge pages already created.\n")


def _anon_huge_pages() -> int:
    """AnonHugePages of this process, in kB (Redis's THPGetAnonHugePagesSize)."""
    try:
        with open("/proc/self/smaps_rollup", "rb") as f:
            for line in f:
                if line.startswith(b"AnonHugePages:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


DISABLED = ("I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use "
            "\"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a "
            "deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n")
NOTHING = ("Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest "
           "bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n")
NO_FIX = ("\nWhile there are latency events logged, I'm not able to suggest any easy fix. Please use the Redis "
          "community to get some help, providing this report in your help request.\n")


def doctor(server: Any) -> str:
    """LATENCY DOCTOR: Redis's report, per event, then the advices the events call for."""
    evs = server.latency_events
    threshold = server.config["latency-monitor-threshold"]
    if not evs and threshold == 0:
        return DISABLED
    out = []
    advice: set[str] = set()
    now = int(time.time())
    for num, (event, ts) in enumerate(evs.items(), 1):
        if num == 1:
            out.append("Dave, I have observed latency spikes in this Redis instance. "
                       "You don't mind talking about it, do you Dave?\n\n")
        lat = [s[1] for s in ts.samples]
        n = len(lat)
        avg = sum(lat) // n if n else 0
        mad = sum(abs(avg - x) for x in lat) // n if n else 0
        period = max(1, now - min(s[0] for s in ts.samples)) if n else 0
        out.append("%d. %s: %d latency spikes (average %dms, mean deviation %dms, period %.2f sec). "
                   "Worst all time event %dms." % (num, event, n, avg, mad, period / n if n else 0.0, ts.max))
        if event == "command":
            slower = server.config["slowlog-log-slower-than"]
            if slower < 0:
                advice.add("slowlog_enable")
            elif slower // 1000 > threshold:
                advice.add("slowlog_tune")
            advice.update(("slowlog_inspect", "large"))
        elif event == "fast-command":
            advice.add("scheduler")
        elif event == "expire-cycle":
            advice.update(("hz", "large"))
        elif event == "eviction-del":
            advice.add("large")
        elif event == "eviction-cycle":
            advice.add("mass_eviction")
        out.append("\n")
    if _anon_huge_pages() > 0:
        advice.add("thp")
    if not evs and not advice:
        out.append(NOTHING)
    elif not advice:
        out.append(NO_FIX)
    else:
        out.append("\nI have a few advices for you:\n\n")
        if "slowlog_enable" in advice:
            out.append(_SLOWLOG_ENABLE % (threshold * 1000))
        if "slowlog_tune" in advice:
            out.append(_SLOWLOG_TUNE % (threshold * 1000))
        if "slowlog_inspect" in advice:
            out.append(_SLOWLOG_INSPECT)
        if "scheduler" in advice:
            out.append(_SCHEDULER)
        if "hz" in advice and server.config["hz"] < 100:
            out.append(_HZ)
        if "large" in advice:
            out.append(_LARGE)
        if "mass_eviction" in advice:
            out.append(_MASS_EVICTION)
        if "thp" in advice:
            out.append(_THP)
    return "".join(out)


_FILL = "_o#"  # Redis's sparkline characters (filled style), low to high within a row
GRAPH_COLS = 80
GRAPH_ROWS = 4


def graph(server: Any, event: str, ts: TimeSeries) -> str:
    """LATENCY GRAPH: a header, a rule, then Redis's filled sparkline (sparkline.c): each
    sample is one column, its height in ``rows * 3`` steps between the lowest and the
    highest sample, with ``|`` below the top character; after a blank line, each column's
    label (the sample's age: 5s, 3m, 2h, 1d) written downwards.  Wider series wrap every
    80 columns."""
    lat = [s[1] for s in ts.samples]
    lo, hi = (min(lat), max(lat)) if lat else (0, 0)
    out = ["%s - high %d ms, low %d ms (all time high %d ms)\n" % (event, hi, lo, ts.max), "-" * GRAPH_COLS + "\n"]
    now = int(time.time())
    labels = []
    for t, _ in ts.samples:
        age = now - t
        labels.append("%ds" % age if age < 60 else "%dm" % (age // 60) if age < 3600
                      else "%dh" % (age // 3600) if age < 86400 else "%dd" % (age // 86400))
    for start in range(0, len(lat), GRAPH_COLS):
        if start:
            out.append("\n")
        out.append(_spark_range(lat[start:start + GRAPH_COLS], labels[start:start + GRAPH_COLS], lo, hi))
    return "".join(out)


def _spark_range(values: list[int], labels: list[str], lo: int, hi: int) -> str:
    span = (hi - lo) or 1
    steps = GRAPH_ROWS * len(_FILL)
    levels = [min(steps - 1, max(0, int((v - lo) * steps / span))) for v in values]
    lines = []
    for row in range(GRAPH_ROWS):
        chars = []
        for level in levels:
            idx = level - (GRAPH_ROWS - row - 1) * len(_FILL)
            chars.append(_FILL[idx] if 0 <= idx < len(_FILL) else "|" if idx >= len(_FILL) else " ")
        lines.append("".join(chars))
    lines.append(" " * len(values))  # the margin above the labels
    depth = max((len(x) for x in labels), default=0)
    for d in range(depth):
        lines.append("".join(x[d] if d < len(x) else " " for x in labels))
    return "\n".join(lines) + "\n"


def reset_histograms(server: Any) -> None:
    """CONFIG RESETSTAT clears the per-command histograms with the other counters."""
    from ..commands.registry import COMMANDS  # noqa: PLC0415

    for top in COMMANDS.values():
        for s in top.all_specs():
            hist = s.stats.hist
            hist[:] = [0] * len(hist)
