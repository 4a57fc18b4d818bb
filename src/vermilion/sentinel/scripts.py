"""notification-script and client-reconfig-script runs (``sentinelScheduleScriptExecution``).

Scripts are queued (at most 256 entries; the oldest non-running one is dropped beyond
that) and started by the timer, at most 16 at once, as asyncio subprocesses.  A script
that exits with 1 is retried after script-retry-delay (doubled each time: the n-th retry
waits delay * 2^(n-1)), up to 10 times; one running longer than script-max-runtime is
killed with SIGKILL.  SENTINEL PENDING-SCRIPTS lists the queue.
"""

from __future__ import annotations

import asyncio
from typing import Any

from .instance import now_ms

MAX_QUEUE = 256
MAX_RUNNING = 16
MAX_RETRY = 10


class Job:
    def __init__(self, argv: list[str]) -> None:
        self.argv = argv
        self.running = False
        self.pid = 0
        self.start_ms = 0  # running: when started; scheduled: not before this time
        self.retry_num = 0
        self.proc: Any = None


class Scripts:
    def __init__(self, sentinel: Any) -> None:
        self.s = sentinel
        self.queue: list[Job] = []

    @property
    def running(self) -> int:
        return sum(1 for j in self.queue if j.running)

    def schedule(self, path: str, *args: str) -> None:
        self.queue.append(Job([path, *args]))
        if len(self.queue) > MAX_QUEUE:
            for j in self.queue:
                if not j.running:
                    self.queue.remove(j)
                    break

    def tick(self) -> None:
        """Start what is due; kill what ran too long (``sentinelRunPendingScripts``,
        ``sentinelKillTimedoutScripts``)."""
        t = now_ms()
        timing = self.s.timing
        for j in self.queue:
            if j.running and t - j.start_ms > timing["script-max-runtime"] and j.proc is not None:
                self.s.log("warning", f"-script-timeout {j.argv[0]} {j.pid}")
                try:
                    j.proc.kill()
                except ProcessLookupError:
                    pass
        for j in self.queue:
            if self.running >= MAX_RUNNING:
                break
            if not j.running and j.start_ms <= t:
                j.running = True
                j.start_ms = t
                j.retry_num += 1
                asyncio.ensure_future(self._run(j))

    async def _run(self, j: Job) -> None:
        try:
            j.proc = await asyncio.create_subprocess_exec(*j.argv, stdin=asyncio.subprocess.DEVNULL,
                                                          stdout=asyncio.subprocess.DEVNULL,
                                                          stderr=asyncio.subprocess.DEVNULL)
        except OSError:
            self.s.log("warning", f"-script-error {j.argv[0]} 99 0")
            self.queue.remove(j)
            return
        j.pid = j.proc.pid
        self.s.log("debug", f"+script-child {j.pid}")
        code = await j.proc.wait()
        self.s.log("debug", f"-script-child {j.pid} {code if code >= 0 else 0} {-code if code < 0 else 0}")
        if code == 1 and j.retry_num < MAX_RETRY:
            j.running = False
            j.pid = 0
            j.start_ms = now_ms() + self.s.timing["script-retry-delay"] * (2 ** (j.retry_num - 1))
            return
        if code not in (0, None):
            self.s.log("warning", f"-script-error {j.argv[0]} {code} 0")
        self.queue.remove(j)

    def pending(self, resp: int) -> list:
        """SENTINEL PENDING-SCRIPTS: one map per queued script."""
        t = now_ms()
        out = []
        for j in self.queue:
            entry = {b"argv": [a.encode() for a in j.argv],
                     b"flags": b"running" if j.running else b"scheduled",
                     b"pid": str(j.pid).encode()}
            if j.running:
                entry[b"run-time"] = str(t - j.start_ms).encode()
            else:
                entry[b"run-delay"] = str(max(0, j.start_ms - t)).encode()
            entry[b"retry-num"] = str(j.retry_num).encode()
            out.append(entry)
        return out
