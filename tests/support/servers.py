"""Start real server processes on free ports, the way a user starts them.

``ServerProcess`` runs ``vermilion-server`` (``python -m vermilion``) or the real
``redis-server`` with command-line directives, waits (polling with a deadline, never a
fixed sleep) until it answers PING, and stops it with SIGTERM at the end.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import pytest

INSTALL_HINT = (
    "the real redis-server (the oracle) is missing: install it with "
    "'apt-get install -y redis-server redis-tools' (the .ci/run script does this)"
)


def free_port() -> int:
    """A TCP port free on 127.0.0.1 whose +10000 neighbour (cluster bus) is free too."""
    for _ in range(100):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port > 55000:
            continue
        try:
            with socket.socket() as s2:
                s2.bind(("127.0.0.1", port + 10000))
        except OSError:
            continue
        return port
    raise RuntimeError("no free port")


def wait_for(predicate, timeout: float = 10.0, interval: float = 0.02, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(interval)


def _ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
            s.sendall(b"*1\r\n$4\r\nPING\r\n")
            data = s.recv(100)
            return data.startswith((b"+PONG", b"-NOAUTH"))  # -LOADING: not ready, the data is not there yet
    except OSError:
        return False


class ServerProcess:
    """A server process on a free port; ``kind`` is ``"vermilion"`` or ``"redis"``."""

    def __init__(self, kind: str = "vermilion", args: list[str] | None = None, port: int | None = None,
                 config_file: str | None = None, wait: bool = True) -> None:
        self.kind = kind
        self.port = port or free_port()
        self.dir = tempfile.mkdtemp(prefix=f"{kind}-{self.port}-")
        self.log_path = os.path.join(self.dir, "server.log")
        # a full sync starts at once, as in Redis's own test suite's default.conf
        base = ["--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.dir, "--repl-diskless-sync-delay", "0"]
        if kind == "redis":
            exe = shutil.which("redis-server")
            if exe is None:
                pytest.fail(INSTALL_HINT)
            cmd = [exe] + ([config_file] if config_file else []) + base + [
                "--save", "", "--appendonly", "no", "--enable-debug-command", "yes",
            ]
        else:
            # DEBUG is refused by default (enable-debug-command no), as in Redis 7.
            cmd = [sys.executable, "-m", "vermilion"] + ([config_file] if config_file else []) + base + [
                "--enable-debug-command", "yes",
            ]
        cmd += args or []
        self.cmd = cmd
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, cwd=self.dir)
        if wait:
            self.wait_ready()

    def wait_ready(self, timeout: float = 15.0) -> None:
        def ready() -> bool:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.kind} exited with {self.proc.returncode}: {self.read_log()}")
            return _ping(self.port)

        wait_for(ready, timeout, what=f"{self.kind} on port {self.port}")

    def read_log(self) -> str:
        self.log.flush()
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def stop(self) -> int | None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode

    def __enter__(self) -> "ServerProcess":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
