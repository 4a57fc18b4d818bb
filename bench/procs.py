"""The two servers under test, as real processes, and what the kernel says about them.

``start_redis`` and ``start_vermilion`` launch a server on a free loopback port and wait
(polling PING with a deadline) until it answers.  ``attach`` wraps a server someone else
started (``--vermilion-port`` / ``--redis-port``); its pid is found from the listening
socket's inode (/proc/net/tcp, then /proc/<pid>/fd), or from ``INFO server``'s
``process_id`` when /proc does not tell.  CPU time and RSS are read from /proc/<pid>/stat
and /proc/<pid>/status, which include every thread of the process.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from dataclasses import dataclass, field

CLOCK_TICKS_PER_S = os.sysconf("SC_CLK_TCK")


# ---- a minimal RESP client (enough for PING, INFO, FLUSHALL, DBSIZE) -----------------


def encode_command(*args: bytes | str | int) -> bytes:
    parts = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        elif isinstance(a, int):
            a = str(a).encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(parts)


class RespError(Exception):
    pass


def _read_reply(f) -> object:
    line = f.readline()
    if not line:
        raise ConnectionError("connection closed")
    kind, body = line[:1], line[1:-2]
    if kind in (b"+", b"#"):
        return body
    if kind == b"-":
        raise RespError(body.decode(errors="replace"))
    if kind == b":":
        return int(body)
    if kind in (b"$", b"=", b"!"):
        n = int(body)
        if n < 0:
            return None
        data = f.read(n + 2)
        return data[:-2]
    if kind == b"_":
        return None
    if kind in (b"*", b">", b"~"):
        n = int(body)
        return None if n < 0 else [_read_reply(f) for _ in range(n)]
    if kind == b"%":
        return [[_read_reply(f), _read_reply(f)] for _ in range(int(body))]
    raise RespError(f"unexpected reply line {line!r}")


def call(port: int, *args: bytes | str | int, host: str = "127.0.0.1", timeout_s: float = 30.0) -> object:
    """One command on a fresh connection; raises RespError on an error reply."""
    with socket.create_connection((host, port), timeout=timeout_s) as sock:
        sock.sendall(encode_command(*args))
        with sock.makefile("rb") as f:
            return _read_reply(f)


def info_fields(port: int, section: str) -> dict[str, str]:
    """``INFO <section>`` as a dict; empty when the server has no INFO command."""
    try:
        text = call(port, "INFO", section)
    except (RespError, OSError):
        return {}
    out = {}
    for line in (text or b"").decode(errors="replace").splitlines():
        if ":" in line and not line.startswith("#"):
            k, _, v = line.partition(":")
            out[k] = v
    return out


# ---- /proc readers ---------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """utime + stime of the whole process (all threads), in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        text = f.read()
    fields = text[text.rindex(")") + 2 :].split()  # the name may hold spaces and ')'
    # fields[0] is field 3 (state): utime is field 14, stime field 15.
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS_PER_S


def rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def pid_listening_on(port: int) -> int | None:
    """The pid of the process that owns the TCP socket listening on ``port``, if visible."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    cols = line.split()
                    local, state, inode = cols[1], cols[3], cols[9]
                    if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:
                        inodes.add(f"socket:[{inode}]")
        except OSError:
            continue
    if not inodes:
        return None
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            for fd in os.listdir(f"/proc/{name}/fd"):
                if os.readlink(f"/proc/{name}/fd/{fd}") in inodes:
                    return int(name)
        except OSError:
            continue
    return None


def interpreter_of(pid: int) -> str | None:
    """The interpreter path a running process was started with (its argv[0], resolved
    against its working directory, so a virtual environment's python stays itself)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            argv0 = f.read().split(b"\0")[0].decode()
        if not os.path.isabs(argv0):
            argv0 = os.path.join(os.readlink(f"/proc/{pid}/cwd"), argv0)
        return argv0 if os.path.exists(argv0) else None
    except OSError:
        return None


def free_port(bus: bool = False) -> int:
    """A free loopback port; with ``bus``, one whose +10000 neighbour (the cluster bus
    port) is free too."""
    for _ in range(200):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if not bus:
            return port
        if port > 55000:
            continue
        try:
            with socket.socket() as s2:
                s2.bind(("127.0.0.1", port + 10000))
        except OSError:
            continue
        return port
    raise RuntimeError("no free port")


# ---- the servers -------------------------------------------------------------------------


@dataclass
class Server:
    name: str  # "vermilion" | "redis"
    port: int
    pid: int | None
    proc: subprocess.Popen | None = None  # set when this harness started it
    argv: list[str] = field(default_factory=list)
    log_path: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def owned(self) -> bool:
        return self.proc is not None

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def wait_until_ready(port: int, proc: subprocess.Popen | None, deadline_s: float = 20.0) -> bool:
    """Poll PING until the server answers; False if the process exited first."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            if call(port, "PING", timeout_s=1.0) == b"PONG":
                return True
        except (OSError, RespError, ConnectionError):
            pass
        time.sleep(0.05)
    raise TimeoutError(f"server on port {port} did not answer PING within {deadline_s}s")


def _spawn(name: str, argv: list[str], port: int, log_dir: str) -> Server | None:
    log_path = os.path.join(log_dir, f"{name}-{port}.log")
    log = open(log_path, "wb")
    # cwd: a server's files (a dump at shutdown, say) land in the temporary directory.
    proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=log_dir)
    log.close()
    try:
        ready = wait_until_ready(port, proc)
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    if not ready:
        return None
    return Server(name, port, proc.pid, proc, argv, log_path)


def log_tail(path: str, lines: int = 15) -> str:
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return ""


def start_redis(redis_server: str, log_dir: str) -> Server:
    port = free_port()
    argv = [redis_server, "--port", str(port), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--dir", log_dir]
    srv = _spawn("redis", argv, port, log_dir)
    if srv is None:
        path = os.path.join(log_dir, f"redis-{port}.log")
        raise RuntimeError(f"redis-server failed to start ({path}):\n{log_tail(path)}")
    return srv


def start_vermilion(python: str, log_dir: str) -> Server:
    """``python -m vermilion --port N --bind 127.0.0.1 --save ''``; if this Vermilion does not
    accept ``save`` yet (a fatal config error), start it again without it."""
    def argv(port: int) -> list[str]:
        return [python, "-m", "vermilion", "--port", str(port), "--bind", "127.0.0.1"]

    port = free_port()
    srv = _spawn("vermilion", argv(port) + ["--save", ""], port, log_dir)
    if srv is not None:
        return srv
    port = free_port()
    srv = _spawn("vermilion", argv(port), port, log_dir)
    if srv is None:
        path = os.path.join(log_dir, f"vermilion-{port}.log")
        raise RuntimeError(f"vermilion failed to start ({path}):\n{log_tail(path)}")
    srv.notes.append("this version's config does not accept `save` yet: started without --save ''")
    return srv


def attach(name: str, port: int) -> Server:
    """A server started elsewhere: find its pid for the CPU and memory measurements."""
    wait_until_ready(port, None, deadline_s=5.0)
    pid = pid_listening_on(port)
    if pid is None:
        raw = info_fields(port, "server").get("process_id")
        pid = int(raw) if raw and raw.isdigit() else None
    srv = Server(name, port, pid)
    version = info_fields(port, "server").get("redis_version")
    if version:
        srv.notes.append(f"INFO redis_version {version}")
    if pid is None:
        srv.notes.append("pid not found: no CPU or RSS figures")
    return srv
