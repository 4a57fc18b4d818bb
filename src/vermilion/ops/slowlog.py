"""The slow log (Redis's slowlog.c): commands that ran for at least
``slowlog-log-slower-than`` microseconds, newest first, at most ``slowlog-max-len``.

An entry keeps what SLOWLOG GET shows: a unique id, the unix time the command ended,
its duration in microseconds, its arguments (trimmed as Redis trims them: at most 32
arguments, the 32nd replaced by ``... (N more arguments)``; each argument at most 128
bytes followed by ``... (N more bytes)``; sensitive arguments read ``(redacted)``),
the client's address and name.

The dispatch hot path compares each command's duration (µs) with
``server.slowlog_us``, which ``configure`` keeps at the threshold or at ``OFF_US`` when
logging is off, so a disabled or unreached slow log costs one integer comparison.
"""

from __future__ import annotations

import time
from collections import deque
from typing import Any

from ..commands.spec import CmdFlag
from .latency import add_sample
from .monitor import redacted_argv

MAX_ARGC = 32
MAX_STRING = 128
OFF_US = 1 << 62
FAST = CmdFlag.FAST.value
SKIP_SLOWLOG = CmdFlag.SKIP_SLOWLOG.value


class SlowLog:
    __slots__ = ("entries", "next_id", "max_len", "threshold_us")

    def __init__(self, max_len: int) -> None:
        self.entries: deque = deque()  # newest first
        self.next_id = 0
        self.max_len = max_len
        self.threshold_us = OFF_US

    def push(self, args: list[bytes], duration_us: int, peer: bytes, name: bytes) -> None:
        self.entries.appendleft((self.next_id, int(time.time()), duration_us, args, peer, name))
        self.next_id += 1
        self.trim()

    def trim(self) -> None:
        entries = self.entries
        while len(entries) > self.max_len:
            entries.pop()

    def reset(self) -> None:
        self.entries.clear()


def install(server: Any) -> None:
    server.slowlog = SlowLog(server.config["slowlog-max-len"])
    configure(server)


def configure(server: Any) -> None:
    """Apply hook for slowlog-log-slower-than, slowlog-max-len, latency-monitor-threshold:
    ``server.slowlog_us`` is the smaller of the two thresholds dispatch must report."""
    cfg = server.config
    threshold = cfg["slowlog-log-slower-than"]
    max_len = cfg["slowlog-max-len"]
    log = server.slowlog
    log.max_len = max_len
    log.trim()
    log.threshold_us = OFF_US if threshold < 0 or max_len == 0 else threshold
    latency_ms = cfg["latency-monitor-threshold"]
    server.latency_threshold_ms = latency_ms
    server.slowlog_us = min(log.threshold_us, latency_ms * 1000 if latency_ms else OFF_US)


def trimmed_args(argv: list[bytes]) -> list[bytes]:
    """Redis's slowlogCreateEntry argument trimming."""
    argc = len(argv)
    n = min(argc, MAX_ARGC)
    out = []
    for j in range(n):
        if n != argc and j == n - 1:
            out.append(b"... (%d more arguments)" % (argc - n + 1))
            break
        a = argv[j]
        if len(a) > MAX_STRING:
            a = a[:MAX_STRING] + b"... (%d more bytes)" % (len(a) - MAX_STRING)
        out.append(a)
    return out


def slow_command(c: Any, spec: Any, argv: list[bytes], duration_us: int) -> None:
    """Dispatch hook (after the command ran): never lets an error escape."""
    try:
        _slow_command(c, spec, argv, duration_us)
    except Exception as e:  # noqa: BLE001
        c.server.log_exception(e, argv)


def _slow_command(c: Any, spec: Any, argv: list[bytes], duration_us: int) -> None:
    """Called by dispatch for a command at least as slow as ``server.slowlog_us``: the
    slow log entry and the latency monitor's ``command``/``fast-command`` sample."""
    server = c.server
    bits = spec.flag_bits
    latency_ms = server.latency_threshold_ms
    if latency_ms and duration_us // 1000 >= latency_ms:
        add_sample(server, "fast-command" if bits & FAST else "command", duration_us // 1000)
    log = server.slowlog
    if duration_us >= log.threshold_us and not bits & SKIP_SLOWLOG:
        args = trimmed_args(redacted_argv(server, spec, argv))
        log.push(args, duration_us, peer_id(c), c.name or b"")


def peer_id(c: Any) -> bytes:
    addr = c.addr
    return addr.encode() if isinstance(addr, str) else addr
